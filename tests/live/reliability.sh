#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Reliability on the running kernel (docs/RELIABILITY.md lists what each
# part shows):
#  * exact under load: 8 sender threads on all CPUs, AF_UNIX and TCP both
#    ways at once on every connection; udstrace's totals, and with -i 1 the
#    sum of its intervals, equal what the workload counted itself;
#  * nothing left behind: after a normal end, -d, SIGINT, SIGTERM, SIGHUP,
#    SIGQUIT, SIGPIPE and SIGKILL at random moments, none of the BPF objects
#    udstrace held is left, nothing new is pinned, and the next run is exact;
#  * four instances at once, each with its own target, count only that;
#  * a -p target's PID reused by a later process: never counted.
# UDSTRACE_LOAD_UNIX and UDSTRACE_LOAD_TCP scale the load (sends per thread).
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "reliability" "need root to load BPF programs"
	exit 0
fi
for tool in bpftool jq; do
	if ! command -v $tool >/dev/null; then
		skip "reliability" "$tool is not installed (tests/deps.sh installs it)"
		exit 0
	fi
done

S=100
LOAD_T=8 LOAD_U=${UDSTRACE_LOAD_UNIX:-250000} LOAD_K=${UDSTRACE_LOAD_TCP:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# traced_by PID ERRFILE: udstrace PID said it is tracing, or has given up.
traced_by() { grep -q tracing "$2" 2>/dev/null || ! kill -0 "$1" 2>/dev/null; }

# exact_after NAME: a run right after must be exact.
exact_after() {
	local out
	out=$("$UDSTRACE" --json -- "$WORKLOAD" -u 1000 -c 3 -t 500 -s $S 2>/dev/null)
	check_counts "$1: the next run" "$out" 3 1000 $((1000 * S)) 500 $((500 * S))
}

# --- exact under load -----------------------------------------------------------

W=("$WORKLOAD" -L "$LOAD_T" -u "$LOAD_U" -t "$LOAD_K" -s "$S")
out=$(timeout -s KILL 80 "$UDSTRACE" --json -- "${W[@]}" 2>/dev/null)
counted host tracepoint check_load "load" "$out" $LOAD_T "$LOAD_U" "$LOAD_K"
echo "# load: $(load_rate "$out") (host $(uname -r), $(nproc) CPUs)"
out=$(timeout -s KILL 80 "$UDSTRACE" --json -i 1 -- "${W[@]}" 2>/dev/null)
counted host tracepoint check_load "load, -i 1" "$out" $LOAD_T "$LOAD_U" "$LOAD_K"
echo "# load, -i 1: $(load_rate "$out") (host $(uname -r), $(nproc) CPUs)"

# --- nothing left behind --------------------------------------------------------

# bpf_ids: every BPF object on the machine, "KIND ID" per line.
bpf_ids() {
	local k
	for k in prog map link btf; do
		bpftool -j $k list 2>/dev/null | jq -r --arg k $k '.[] | "\($k) \(.id)"'
	done | sort -u
}

# ids_of PID: the BPF objects process PID holds open ("KIND ID"), and the
# maps and BTF its programs use.
ids_of() {
	local p
	grep -h -E '^(prog|map|link|btf)_id:' /proc/"$1"/fdinfo/* 2>/dev/null |
		awk '{ sub("_id:", "", $1); print $1, $2 }' | sort -u >"$tmp/held"
	cat "$tmp/held"
	for p in $(awk '$1 == "prog" { print $2 }' "$tmp/held"); do
		bpftool -j prog show id "$p" 2>/dev/null |
			jq -r '(.map_ids // [] | .[] | "map \(.)"), (.btf_id // empty | "btf \(.)")'
	done
}

# left_behind: the objects of this run still there: those that appeared
# during the run and udstrace held. Other tracers run on this machine at the
# same time, some in namespaces whose processes we cannot see, so an object
# that appeared is udstrace's only if udstrace held it.
left_behind() {
	bpf_ids | comm -12 "$tmp/ours" - | xargs
}
nothing_left() { [ -z "$(left_behind)" ]; }

pinned() { find /sys/fs/bpf -mindepth 1 2>/dev/null | sort; }

# snap_ours PID: records the objects that appeared since $tmp/before and
# udstrace PID holds now.
snap_ours() {
	ids_of "$1" | sort -u | comm -23 - "$tmp/before" >"$tmp/ours"
}

# verify_clean NAME: after udstrace ended, nothing of it is left (the kernel
# frees objects after an RCU grace period, slower on a busy machine: allow
# ten seconds), nothing new is pinned, and the next run is exact.
verify_clean() {
	local name=$1
	# A run killed while loading may not hold a program yet.
	[[ $name == SIGKILL* ]] ||
		check "$name: udstrace held BPF objects while it ran" \
			"$(grep -c '^prog ' "$tmp/ours" | awk '{ print ($1 > 0) }')" 1
	wait_until 10 nothing_left
	check "$name: no BPF program, map, link or BTF left" "$(left_behind)" ""
	check "$name: nothing new pinned under /sys/fs/bpf" "$(pinned | comm -13 "$tmp/pinned" -)" ""
	exact_after "$name"
}

# start_traced ARGS...: udstrace ARGS in the background ($upid, started at
# $t_start ns), its stdout in $tmp/j, stderr in $tmp/e; the before-sets are
# taken first.
start_traced() {
	bpf_ids >"$tmp/before"
	pinned >"$tmp/pinned"
	: >"$tmp/ours"
	: >"$tmp/e"	# before the background job opens it: no stale "tracing"
	t_start=$(date +%s%N)
	"$UDSTRACE" --json "$@" >"$tmp/j" 2>"$tmp/e" &
	upid=$!
}

# ms N: a random number of milliseconds in [0, N).
ms() { echo $((RANDOM % $1)); }
sleep_ms() { sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"; }

# gate FILE: a shell command line's start that waits for FILE, at most 30 s.
gate() { echo "for i in \$(seq 600); do [ -e '$1' ] && break; sleep 0.05; done; exec"; }

# A normal end: the command (let go once udstrace's objects are noted) exits.
start_traced -- sh -c "$(gate "$tmp/go.normal") $WORKLOAD -u 2000 -t 1000 -s $S"
wait_until 30 traced_by $upid "$tmp/e" && snap_ours $upid
touch "$tmp/go.normal"
wait_pid 60 $upid
check "normal end: exit status" "$?" 0
verify_clean "normal end"

# The other ends are system-wide runs, while this traffic (untraced, at most
# two minutes) keeps the probes busy.
(
	for _ in $(seq 1200); do
		"$WORKLOAD" -u 3000 -t 1000 -s $S >/dev/null
		sleep 0.05
	done
) &
traffic=$!

start_traced -d 0.5
wait_until 30 traced_by $upid "$tmp/e"
startup_ms=$((($(date +%s%N) - t_start) / 1000000))	# how long udstrace takes to attach
snap_ours $upid
echo "# udstrace said tracing $startup_ms ms after its start"
wait_pid 60 $upid
check "-d expiry: exit status" "$?" 0
check "-d expiry: one final object" "$(grep -c '"final":true' "$tmp/j")" 1
verify_clean "-d expiry"

# SIGINT, SIGTERM, SIGHUP and SIGQUIT at a random moment of tracing: each
# ends the run with the summary and status 0, and cleans up.
for sig in INT TERM HUP QUIT; do
	d=$(ms 500)
	echo "# SIG$sig $d ms after udstrace said tracing"
	start_traced
	wait_until 30 traced_by $upid "$tmp/e" && snap_ours $upid
	sleep_ms "$d"
	kill -$sig $upid
	wait_pid 60 $upid 2>/dev/null # bash would say "Killed"
	st=$?
	check "SIG$sig: exit status" "$st" 0
	check "SIG$sig: one final object" "$(grep -c '"final":true' "$tmp/j")" 1
	verify_clean "SIG$sig"
done

# SIGPIPE: the reader of udstrace's output goes away (udstrace -i | head -n 1).
bpf_ids >"$tmp/before"
pinned >"$tmp/pinned"
: >"$tmp/ours"
: >"$tmp/e"
mkfifo "$tmp/fifo"
head -n 1 <"$tmp/fifo" >"$tmp/first" &
hpid=$!
"$UDSTRACE" --json -i 0.3 >"$tmp/fifo" 2>"$tmp/e" &
upid=$!
wait_until 30 traced_by $upid "$tmp/e" && snap_ours $upid
wait_pid 60 $hpid
wait_pid 60 $upid
check "SIGPIPE: exit status" "$?" 0
check "SIGPIPE: head read one interval" "$(jq -r .final "$tmp/first")" false
verify_clean "SIGPIPE"

# SIGKILL at random moments: once while it loads and attaches (before the
# time the -d run took to say tracing), twice while it traces. Stopped
# first, so what it holds cannot change before the kill.
for round in 1 2 3; do
	start_traced
	if [ $round = 1 ]; then
		d=$(ms $((startup_ms + 1)))
		when="$d ms after the start"
	else
		wait_until 30 traced_by $upid "$tmp/e"
		d=$(ms 300)
		when="$d ms after it said tracing"
	fi
	sleep_ms "$d"
	kill -STOP $upid
	snap_ours $upid
	phase=loading
	grep -q tracing "$tmp/e" && phase=tracing
	kill -KILL $upid
	wait_pid 60 $upid 2>/dev/null # bash would say "Killed"
	echo "# SIGKILL round $round: $when, while $phase, holding $(wc -l <"$tmp/ours") BPF objects"
	verify_clean "SIGKILL $round ($phase)"
done
kill $traffic 2>/dev/null
wait $traffic 2>/dev/null

# --- four instances at once ------------------------------------------------------
# Two follow a -p target, two a command; one counts only, one probes the
# stages: different program sets side by side. An untraced workload runs
# at the same time. Each instance must count exactly its own target.
declare -A WARGS=(
	[p1]="-u 30000 -c 3 -t 10000"
	[p2]="-u 20000 -c 5 -t 15000"
	[c3]="-u 25000 -c 2 -t 12000"
	[c4]="-L 4 -u 8000 -c 4 -t 3000"
)
for w in p1 p2; do
	# shellcheck disable=SC2086 # the arguments are words
	"$WORKLOAD" -w ${WARGS[$w]} -s $S >"$tmp/w.$w" &
	wpid[${w#p}]=$!
done
wait_until 30 eval 'grep -q ready "$tmp/w.p1" && grep -q ready "$tmp/w.p2"' ||
	fail "four at once: workloads ready" "not ready within 30 s"
go=$(gate "$tmp/go")	# the commands start together
"$UDSTRACE" --json -p "${wpid[1]}" >"$tmp/u.p1" 2>"$tmp/e.p1" &
u[1]=$!
"$UDSTRACE" --json --counts-only -p "${wpid[2]}" >"$tmp/u.p2" 2>"$tmp/e.p2" &
u[2]=$!
"$UDSTRACE" --json -- sh -c "$go $WORKLOAD ${WARGS[c3]} -s $S" >"$tmp/u.c3" 2>"$tmp/e.c3" &
u[3]=$!
"$UDSTRACE" --json --stages -- sh -c "$go $WORKLOAD ${WARGS[c4]} -s $S" >"$tmp/u.c4" 2>"$tmp/e.c4" &
u[4]=$!
all_tracing() {
	traced_by "${u[1]}" "$tmp/e.p1" && traced_by "${u[2]}" "$tmp/e.p2" &&
		traced_by "${u[3]}" "$tmp/e.c3" && traced_by "${u[4]}" "$tmp/e.c4"
}
wait_until 30 all_tracing || fail "four at once: all tracing" "not within 30 s"
touch "$tmp/go"
kill -USR1 "${wpid[1]}" "${wpid[2]}"
timeout -s KILL 60 "$WORKLOAD" -L 2 -u 10000 -c 6 -t 4000 -s $S >/dev/null # not traced
wait_pids 60 "four at once" "${wpid[1]}" "${wpid[2]}" "${u[@]}" ||
	fail "four at once: ended" "not within 60 s"
for w in p1 p2 c3 c4; do
	# A command's report is in udstrace's output, a -p target's in its own.
	out=$(cat "$tmp/u.$w" "$tmp/w.$w" 2>/dev/null)
	rep=$(grep '^{"pid"' <<<"$out")
	counted host tracepoint check_counts "four at once: $w" "$out" \
		"$(jq .connects <<<"$rep")" "$(jq .unix_sends <<<"$rep")" "$(jq .unix_bytes <<<"$rep")" \
		"$(jq .tcp_sends <<<"$rep")" "$(jq .tcp_bytes <<<"$rep")"
done
check "four at once: the workloads' sends as asked" \
	"$(cat "$tmp"/w.p1 "$tmp"/w.p2 "$tmp"/u.c3 "$tmp"/u.c4 | grep '^{"pid"' | jq -s -c 'map(.unix_sends)')" \
	"[30000,20000,25000,32000]"

# --- PID reuse --------------------------------------------------------------------
# In a new PID namespace: A is traced with -p; once A has exited and was
# reaped, B gets A's PID (ns_last_pid) and sends at once for a while.
# udstrace must report A's counts exactly, B's never, and end with 0 while
# B still runs (B makes 130,000 sends; udstrace sees A's end within 0.1 s).
if ! unshare -p -f --mount-proc true 2>/dev/null; then
	skip "pid reuse" "cannot make a PID namespace (unshare -p)"
else
	cat >"$tmp/reuse.sh" <<'EOF'
. "$TOP/tests/lib.sh"
cd "$1" || exit 1
# Earlier runs left an e that says "tracing": the wait below could read it
# before the shell truncates it for this run, and release A too soon.
rm -f a b e u
"$WORKLOAD" -w -u 3000 -c 2 -t 1000 >a &
a=$!
wait_until 30 grep -q ready a || echo "@@timeout A not ready"
"$UDSTRACE" --json -p $a >u 2>e &
u=$!
wait_until 30 eval "grep -q tracing e || ! kill -0 $u" || echo "@@timeout udstrace not tracing"
kill -USR1 $a
wait $a
echo $((a - 1)) >/proc/sys/kernel/ns_last_pid
"$WORKLOAD" -u 100000 -c 9 -t 30000 >b &
b=$!
echo "@@pids $a $b"
wait_pid 60 $u
echo "@@status $?"
kill -0 $b 2>/dev/null && echo "@@b-running yes"
wait_pids 60 "B" $b
EOF
	out=$(TOP=$TOP WORKLOAD=$WORKLOAD UDSTRACE=$UDSTRACE timeout -s KILL 90 \
		unshare -p -f --mount-proc bash "$tmp/reuse.sh" "$tmp" 2>&1)
	grep '^@@timeout' <<<"$out" | sed 's/^@@timeout /FAIL pid reuse: /'
	read -r a b < <(sed -n 's/^@@pids //p' <<<"$out")
	if [ -z "$a" ] || [ "$a" != "$b" ]; then
		skip "pid reuse" "B did not get A's PID ($a, $b)"
	else
		check "pid reuse: udstrace exit status" "$(sed -n 's/^@@status //p' <<<"$out")" 0
		check "pid reuse: udstrace ended while B still ran" "$(sed -n 's/^@@b-running //p' <<<"$out")" yes
		counted host tracepoint check_counts "pid reuse: only A" "$(cat "$tmp/u" "$tmp/a")" \
			2 3000 $((3000 * S)) 1000 $((1000 * S))
	fi
fi
matrix_counted host tracepoint
