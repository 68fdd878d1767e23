#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# -S on the running kernel: per-connection rows against tests/connwork.c's
# own numbers (sends, bytes, inodes, ports, processes), against ss for the
# same sockets while they are open, backpressure from a sender blocked on
# a full buffer, and wake-ups from a ping-pong. The kmod backend refuses -S.
. "$(dirname "$0")/../lib.sh"
CONNWORK=${CONNWORK:-$TOP/.output/connwork}

if [ "$(id -u)" -ne 0 ]; then
	skip "conns" "need root to load BPF programs"
	exit 0
fi

# kmod: one line, exit 2, before anything is loaded; --check too.
err=$("$UDSTRACE" -S --backend kmod -d 1 2>&1 >/dev/null)
check "conns: kmod refuses -S: exit status" $? 2
check "conns: kmod refuses -S: one line" "$(wc -l <<<"$err")" 1
err=$("$UDSTRACE" -S --backend kmod --check 2>&1 >/dev/null)
check "conns: --check with kmod refuses -S" "$?:$err" \
	"2:udstrace: the kmod backend counts per path only: -S needs a BPF backend"

# Without -S: no per-connection rows, no per-connection maps.
j=$("$UDSTRACE" --json -- "$WORKLOAD" -u 3 2>/dev/null | final_object)
check "conns: none without -S" "$(jq 'has("connections")' <<<"$j")" false

# has_rows NAME ROW...: each ROW is a JSON object, or NAME fails (a missing
# row must never pass as two empty strings compared).
has_rows() {
	local name=$1 r
	shift
	for r in "$@"; do
		if [ -z "$r" ] || ! jq -e 'type == "object"' <<<"$r" >/dev/null 2>&1; then
			fail "$name" "no such row in the connections"
			return 1
		fi
	done
}

# conns_case BACKEND: the exact counts and the identities, with ss.
conns_case() {
	local b=$1 tmp wl out j ss_x ss_t
	tmp=$(mktemp -d)
	"$UDSTRACE" -S --json --backend "$b" -- "$CONNWORK" counts -w "$tmp/go" \
		>"$tmp/out" 2>"$tmp/err" &
	local pid=$!
	if ! wait_until 20 grep -q client_pid "$tmp/out"; then
		fail "conns[$b]: the workload reported" "$(tr '\n' ' ' <"$tmp/err")"
		touch "$tmp/go"
		wait_pid 20 $pid
		rm -rf "$tmp"
		return
	fi
	# While every socket is open: what ss says about them.
	ss_x=$(ss -xpn)
	ss_t=$(ss -tnp)
	touch "$tmp/go"
	wait_pid 30 $pid
	check "conns[$b]: exit status" $? 0
	wl=$(grep client_pid "$tmp/out")
	j=$(final_object <"$tmp/out")
	local cpid spid path
	cpid=$(jq .client_pid <<<"$wl") spid=$(jq .server_pid <<<"$wl") path=$(jq -r .path <<<"$wl")
	for c in 0 1 2 3; do
		local w proto sends bytes ci si row srow
		w=$(jq -c ".conns[$c]" <<<"$wl")
		proto=$(jq -r .proto <<<"$w") sends=$(jq .sends <<<"$w") bytes=$(jq .bytes <<<"$w")
		ci=$(jq .client_inode <<<"$w") si=$(jq .server_inode <<<"$w")
		if [ "$proto" = unix ]; then
			row=$(jq -c ".connections[] | select(.inode == $ci)" <<<"$j")
			srow=$(jq -c ".connections[] | select(.inode == $si)" <<<"$j")
			has_rows "conns[$b]: unix $c: both ends' rows" "$row" "$srow" || continue
			check "conns[$b]: unix $c: client row's peer inode" "$(jq .peer_inode <<<"$row")" "$si"
			check "conns[$b]: unix $c: server row's peer inode" "$(jq .peer_inode <<<"$srow")" "$ci"
			check "conns[$b]: unix $c: server row's name" "$(jq -r .local <<<"$srow")" "$path"
			check "conns[$b]: unix $c: client row unnamed" "$(jq -r .local <<<"$row")" "*"
			# ss -x: "u_str ESTAB 0 0 LOCAL INODE PEER PEERINODE users:..."
			check "conns[$b]: unix $c: ss -x agrees (server end)" \
				"$(awk -v i="$si" '$1 == "u_str" && $6 == i { print $5, $8 }' <<<"$ss_x")" \
				"$(jq -r '"\(.local) \(.peer_inode)"' <<<"$srow")"
			check "conns[$b]: unix $c: ss -x agrees (client end)" \
				"$(awk -v i="$ci" '$1 == "u_str" && $6 == i { print $5, $8 }' <<<"$ss_x")" \
				"$(jq -r '"\(.local) \(.peer_inode)"' <<<"$row")"
		else
			local cp sp
			cp=$(jq .client_port <<<"$w") sp=$(jq .server_port <<<"$w")
			row=$(jq -c ".connections[] | select(.proto == \"tcp\" and .local == \"127.0.0.1:$cp\")" <<<"$j")
			srow=$(jq -c ".connections[] | select(.proto == \"tcp\" and .peer == \"127.0.0.1:$cp\")" <<<"$j")
			has_rows "conns[$b]: tcp $c: both ends' rows" "$row" "$srow" || continue
			check "conns[$b]: tcp $c: client row's peer" "$(jq -r .peer <<<"$row")" "127.0.0.1:$sp"
			check "conns[$b]: tcp $c: server row's local" "$(jq -r .local <<<"$srow")" "127.0.0.1:$sp"
			# ss -tn: "ESTAB 0 0 LOCAL PEER users:..."
			check "conns[$b]: tcp $c: ss -tn agrees" \
				"$(awk -v l="127.0.0.1:$cp" '$4 == l { print $4, $5 }' <<<"$ss_t")" \
				"$(jq -r '"\(.local) \(.peer)"' <<<"$row")"
		fi
		check "conns[$b]: $proto $c: sends" "$(jq .send.calls <<<"$row")" "$sends"
		check "conns[$b]: $proto $c: bytes sent" "$(jq .send.bytes <<<"$row")" "$bytes"
		check "conns[$b]: $proto $c: bytes received" "$(jq .recv.bytes <<<"$srow")" "$bytes"
		check "conns[$b]: $proto $c: the server sent nothing" "$(jq .send.calls <<<"$srow")" 0
		check "conns[$b]: $proto $c: owner and peer" \
			"$(jq -r '"\(.tgid)/\(.comm) \(.peer_tgid)/\(.peer_comm)"' <<<"$row")" \
			"$cpid/conncli $spid/connsrv"
		check "conns[$b]: $proto $c: server's owner and peer" \
			"$(jq -r '"\(.tgid)/\(.comm) \(.peer_tgid)/\(.peer_comm)"' <<<"$srow")" \
			"$spid/connsrv $cpid/conncli"
	done
	check "conns[$b]: no evictions" "$(jq .connections_evicted <<<"$j")" 0
	rm -rf "$tmp"
}

# block_case BACKEND: a sender asleep on a full buffer for MS shows it as
# blocked send time (backpressure) on its row.
block_case() {
	local b=$1 out wl j ms=300 row
	out=$("$UDSTRACE" -S --json --backend "$b" -- "$CONNWORK" block $ms 2>/dev/null)
	wl=$(grep '"case":"block"' <<<"$out")
	j=$(final_object <<<"$out")
	row=$(jq -c ".connections[] | select(.inode == $(jq .sender_inode <<<"$wl"))" <<<"$j" 2>/dev/null)
	has_rows "conns[$b]: blocked sender's row" "$row" || return
	local blocked asleep
	blocked=$(jq .send.blocked_ns <<<"$row") asleep=$(jq .asleep_ns <<<"$wl")
	if [ -n "$blocked" ] && [ "$blocked" != null ] && [ "$blocked" -ge "$asleep" ]; then
		pass "conns[$b]: blocked send time $blocked ns >= the reader's sleep $asleep ns"
	else
		fail "conns[$b]: blocked send time" "got '$blocked' ns, want >= $asleep ns (row: $row)"
	fi
	check "conns[$b]: blocked sender's bytes" "$(jq .send.bytes <<<"$row")" "$(jq .bytes <<<"$wl")"
	# The table calls it backpressure.
	"$UDSTRACE" -S --backend "$b" -- "$CONNWORK" block 10 2>/dev/null | grep -q 'BACKPRESS: sends asleep waiting for buffer space' &&
		pass "conns[$b]: the table names backpressure" ||
		fail "conns[$b]: the table names backpressure" "no such line"
}

# wake_case BACKEND: K round trips, each write to a sleeping reader: K
# wake-ups charged to each end's socket (the one the data arrived on).
wake_case() {
	local b=$1 out wl j k=50 why
	out=$("$UDSTRACE" -S --json --backend "$b" -- "$CONNWORK" pingpong $k 2>/dev/null)
	wl=$(grep '"case":"pingpong"' <<<"$out")
	j=$(final_object <<<"$out")
	has_rows "conns[$b]: ping-pong rows" "$(jq -c '.connections[0]' <<<"$j" 2>/dev/null)" || return
	if [ "$(jq '.connections[0].wakeups' <<<"$j")" = null ]; then
		why=$(awk '/sk_data_ready/ { print "no sock:sk_data_ready here (6.3+)" }' <<<"$("$UDSTRACE" --check 2>&1)")
		skip "conns[$b]: wake-ups" "${why:-not measured by this backend here}"
		return
	fi
	for end in client server; do
		local row
		row=$(jq -c ".connections[] | select(.inode == $(jq .${end}_inode <<<"$wl"))" <<<"$j")
		has_rows "conns[$b]: ping-pong $end end's row" "$row" || continue
		check "conns[$b]: ping-pong $end end: wake-ups" "$(jq .wakeups <<<"$row")" $k
		check "conns[$b]: ping-pong $end end: receives" "$(jq .recv.calls <<<"$row")" $k
	done
	check "conns[$b]: ping-pong abstract name as ss prints it" \
		"$(jq -r ".connections[] | select(.inode == $(jq .server_inode <<<"$wl")) | .local" <<<"$j")" \
		"$(jq -r .name <<<"$wl")"
}

# Every BPF backend this kernel runs (the VM suites run fentry and kprobe).
backends=tracepoint
if fentry_loads; then
	backends="$backends fentry"
else
	skip "conns[fentry]" "fentry does not load here: $FENTRY_WHY"
fi
if [ "$(kernel_config CONFIG_KPROBE_EVENTS)" = y ]; then
	backends="$backends kprobe"
else
	skip "conns[kprobe]" "no kprobe support in this kernel (CONFIG_KPROBES off)"
fi
for b in $backends; do
	conns_case "$b"
	block_case "$b"
	wake_case "$b"
done
