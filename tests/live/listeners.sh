#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --listeners on the running kernel, against what tests/backlog.c counted
# of its own connects, and against ss -xl: a listener that never accepts
# (EAGAIN, backlog, longest queue), one bound socket that does not listen
# (ECONNREFUSED), a blocking connect that waits for an accept (the wait),
# path and abstract names, stream and seqpacket.
. "$(dirname "$0")/../lib.sh"

BACKLOG=${BACKLOG:-$TOP/.output/backlog}

if [ "$(id -u)" -ne 0 ]; then
	skip "listeners" "need root to load BPF programs"
	exit 0
fi
if ! command -v ss >/dev/null; then
	ss() { :; }	# no iproute2: the ss cross-checks fail, not the run
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# helper FIELD: the count tests/backlog.c printed for itself.
helper() { sed -n -E "s/.*backlog: .*\<$1=([0-9]+).*/\1/p" "$tmp/err" | tail -1; }
# lis NAME FIELD: a field of listener NAME in udstrace's last object.
lis() {
	tail -1 "$tmp/out" | jq -r --arg n "$1" --arg f "$2" \
		'.listeners[]? | select(.name == $n) | .[$f]'
}

# run_full TAG NAME B M: a listener with backlog B that never accepts, and
# M non-blocking connects to it, under udstrace; ss -xl is read while the
# listener still stands (its line in $tmp/ss).
run_full() {
	local tag=$1 name=$2 b=$3 m=$4 pid
	# Gone first: the background job truncates them only once it starts.
	rm -f "$tmp/hold" "$tmp/ss" "$tmp/out" "$tmp/err"
	"$UDSTRACE" --listeners --json -- "$BACKLOG" full "$name" "$b" "$m" \
		"$tmp/hold" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	if ! wait_until 20 grep -qs 'backlog: ok=' "$tmp/err"; then
		fail "$tag: helper ran" "no count from it in 20 s: $(head -3 "$tmp/err")"
	fi
	# ss -xl: Netid State Recv-Q Send-Q Local Peer...; Recv-Q is the
	# accept queue, Send-Q the backlog, of a listener.
	ss -xlH 2>/dev/null | awk -v n="$name" '$5 == n { print $3, $4, $5 }' >"$tmp/ss"
	touch "$tmp/hold"
	wait_pid 30 "$pid" || fail "$tag: udstrace exit" "status $?: $(tail -2 "$tmp/err")"
}

# check_full TAG NAME B TYPE
check_full() {
	local tag=$1 name=$2 b=$3 type=$4 ok eagain ssq ssb ssn
	ok=$(helper ok)
	eagain=$(helper eagain)
	read -r ssq ssb ssn <"$tmp/ss"
	[ "${eagain:-0}" -gt 0 ] ||
		fail "$tag: the workload was refused" "no EAGAIN: nothing to check (ok=$ok)"
	check "$tag: EAGAIN as the workload counted them" "$(lis "$name" eagain)" "$eagain"
	check "$tag: ECONNREFUSED" "$(lis "$name" econnrefused)" "$(helper refused)"
	check "$tag: backlog limit is listen()'s" "$(lis "$name" backlog)" "$b"
	# unix_recvq_full(): the queue is full once longer than the backlog.
	check "$tag: longest queue is the connects that worked" "$(lis "$name" max_queue)" "$ok"
	check "$tag: longest queue is backlog + 1 (the kernel's rule)" "$ok" "$((b + 1))"
	check "$tag: queued" "$(lis "$name" queued)" "$ok"
	check "$tag: non-blocking connects never wait" "$(lis "$name" waited)" 0
	check "$tag: type" "$(lis "$name" type)" "$type"
	check "$tag: name as ss -xl shows it" "$ssn" "$name"
	check "$tag: backlog as ss -xl shows it (Send-Q)" "$ssb" "$b"
	check "$tag: longest queue as ss -xl shows it (Recv-Q)" "$ssq" "$(lis "$name" max_queue)"
}

# --- a listener that never accepts: path, abstract, seqpacket ------------------
run_full "full path" "$tmp/php-fpm.sock" 4 25
check_full "full path" "$tmp/php-fpm.sock" 4 stream

abs="@udstrace-listeners-$$-$(date +%s%N)"
run_full "full abstract" "$abs" 2 9
check_full "full abstract" "$abs" 2 stream

BACKLOG_SEQPACKET=1 run_full "full seqpacket" "$tmp/seq.sock" 3 8
check_full "full seqpacket" "$tmp/seq.sock" 3 seqpacket

# The table says the same in words: the row names the listener.
"$UDSTRACE" --listeners -- "$BACKLOG" full "$tmp/t.sock" 1 4 >"$tmp/out" 2>"$tmp/err"
row=$(grep -F "$tmp/t.sock " "$tmp/out")
check "table: listener row (backlog, max queue, queued, eagain)" \
	"$(awk '{ print $2, $3, $4, $5, $9, $10 }' <<<"$row")" "stream 1 2 2 $(helper eagain) 0"

# --- ECONNREFUSED: bound, not listening ------------------------------------------
"$UDSTRACE" --listeners --json -- "$BACKLOG" refused "$tmp/stale.sock" 7 >"$tmp/out" 2>"$tmp/err"
check "refused: the workload's connects were refused" "$(helper refused)" 7
check "refused: ECONNREFUSED as the workload counted them" \
	"$(lis "$tmp/stale.sock" econnrefused)" "$(helper refused)"
check "refused: EAGAIN" "$(lis "$tmp/stale.sock" eagain)" 0
check "refused: no listener, no backlog" "$(lis "$tmp/stale.sock" backlog)" null
check "refused: nothing queued" "$(lis "$tmp/stale.sock" queued)" 0

# --- a blocking connect waits for an accept 350 ms later -------------------------
wabs="@udstrace-wait-$$-$(date +%s%N)"
"$UDSTRACE" --listeners --json -- "$BACKLOG" wait "$wabs" 350 >"$tmp/out" 2>"$tmp/err"
waited=$(helper waited_ns)
check "wait: both connects worked" "$(helper ok)" 2
check "wait: one connect waited" "$(lis "$wabs" waited)" 1
check "wait: queued" "$(lis "$wabs" queued)" 2
check "wait: backlog 0 holds one" "$(lis "$wabs" backlog) $(lis "$wabs" max_queue)" "0 1"
wait_ns=$(lis "$wabs" wait_ns)
if [ "${wait_ns:-0}" -ge 300000000 ] && [ "$wait_ns" -le "${waited:-0}" ]; then
	pass "wait: $wait_ns ns, >= 300 ms and <= the $waited ns the connect took"
else
	fail "wait: time" "got '$wait_ns' ns, want >= 300 ms and <= the $waited ns the workload measured"
fi
check "wait: max wait is the one wait" "$(lis "$wabs" max_wait_ns)" "${wait_ns:-no wait_ns}"

# --- without --listeners, no listener view --------------------------------------
"$UDSTRACE" --json -- "$BACKLOG" refused "$tmp/none.sock" 1 >"$tmp/out" 2>"$tmp/err"
check "no --listeners: no listeners member" "$(tail -1 "$tmp/out" | jq 'has("listeners")')" false

# --- --check agrees with the run: kmod cannot, the tracepoint backend loads --------
out=$("$UDSTRACE" --check --listeners --json 2>/dev/null)
check "--check --listeners: kmod refuses" \
	"$(jq -r '.backends[] | select(.backend == "kmod") | .paths[0].reason' <<<"$out")" \
	"--listeners needs a BPF backend: the kmod backend counts the path functions only"
check "--check --listeners: the tracepoint backend loads with it" \
	"$(jq -r '.backends[] | select(.backend == "tracepoint") | .paths[0].ok' <<<"$out")" true
