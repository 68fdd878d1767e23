#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The filters, on the running kernel: -p twice, -c and --cgroup each keep
# exactly the calls of the workloads they name, while other workloads do
# the same work; and --folded adds up to each row's kernel time.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "filters" "need root to load BPF programs"
	exit 0
fi

S=100
tmp=$(mktemp -d)
CG=
cleanup() {
	# The cgroups go once their processes have: they were all waited for.
	[ -z "$CG" ] || rmdir "$CG/sub" "$CG" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# counts NAME OUTPUT WORKLOAD-REPORTS: the final object of OUTPUT has
# exactly what the workloads of WORKLOAD-REPORTS reported, every row (the
# reports of other workloads in OUTPUT are left out).
counts() {
	check_counts "$1" "$(grep -v '^{"pid"' <<<"$2")
$3" "$(workload_sum "$3" connects)" "$(workload_sum "$3" unix_sends)" \
		"$(workload_sum "$3" unix_bytes)" "$(workload_sum "$3" tcp_sends)" \
		"$(workload_sum "$3" tcp_bytes)"
}

# attached ERRFILE PID: udstrace PID said it is tracing, or has given up.
attached() { grep -q tracing "$1" 2>/dev/null || ! kill -0 "$2" 2>/dev/null; }

# start_workload NAME [PREFIX...] -- ARGS: a workload that waits for SIGUSR1
# (-w), its report in $tmp/NAME; its pid in $wpid once it says ready.
start_workload() {
	local name=$1
	shift
	"$@" -w >"$tmp/$name" &
	wpid=$!
	wait_until 30 grep -qs ready "$tmp/$name" ||
		fail "$name: workload ready" "it did not say ready within 30 s"
}

# --- -p twice, and -p with -c -------------------------------------------------
# Three workloads with different counts at once: A and B are named, C is
# not; B runs as "wl-b" (a copy of the workload), for -c.
cp "$WORKLOAD" "$tmp/wl-b"
start_workload a "$WORKLOAD" -u 300 -c 4 -t 200 -s $S
A=$wpid
start_workload b "$tmp/wl-b" -u 111 -c 2 -t 50 -s $S
B=$wpid
start_workload c "$WORKLOAD" -u 77 -c 5 -t 33 -s $S
C=$wpid
"$UDSTRACE" --json -p $A -p $B >"$tmp/ab" 2>"$tmp/ab.err" &
U1=$!
"$UDSTRACE" --json -p $A >"$tmp/a.j" 2>"$tmp/a.err" &
U2=$!
"$UDSTRACE" --json -p $A -p $B -c wl-b >"$tmp/bc" 2>"$tmp/bc.err" &
U3=$!
for u in "ab $U1" "a $U2" "bc $U3"; do
	set -- $u
	wait_until 30 attached "$tmp/$1.err" "$2" ||
		fail "pids: udstrace ($1) attached" "it did not say tracing within 30 s"
done
kill -USR1 $A $B $C
wait_pids 60 "the three workloads and the three udstrace runs" $A $B $C $U1 $U2 $U3 ||
	fail "the three workloads and the three udstrace runs: ended" "still running after 60 s, killed"
set -- $WAIT_STATUS
check "pids: udstrace -p A -p B exit status" "$4" 0
check "pids: udstrace -p A exit status" "$5" 0
check "pids: udstrace -p A -p B -c wl-b exit status" "$6" 0
check "pids: -p A -p B says A ended" "$(grep -c "^udstrace: process $A ended$" "$tmp/ab.err")" 1
check "pids: -p A -p B says B ended" "$(grep -c "^udstrace: process $B ended$" "$tmp/ab.err")" 1
check "pids: -p A -p B says it traces two" "$(grep -c "tracing 2 processes" "$tmp/ab.err")" 1
counts "pids: -p A -p B counts A and B" "$(cat "$tmp/ab")" "$(cat "$tmp/a" "$tmp/b")"
counts "pids: -p A counts A" "$(cat "$tmp/a.j")" "$(cat "$tmp/a")"
counts "pids: -p A -p B -c wl-b counts B (AND between kinds)" "$(cat "$tmp/bc")" "$(cat "$tmp/b")"
# The run goes on while one of the processes does: it ends with the last.
start_workload a2 "$WORKLOAD" -u 10 -s $S
A=$wpid
start_workload b2 "$WORKLOAD" -u 20 -s $S
B=$wpid
"$UDSTRACE" --json -p $A -p $B >"$tmp/ab2" 2>"$tmp/ab2.err" &
U1=$!
wait_until 30 attached "$tmp/ab2.err" $U1 ||
	fail "pids, one ends: udstrace attached" "it did not say tracing within 30 s"
kill -USR1 $A
wait_pids 60 "workload A" $A ||
	fail "workload A: ended" "still running after 60 s, killed"
wait_until 10 grep -q "process $A ended" "$tmp/ab2.err" ||
	fail "pids, one ends: says A ended" "not within 10 s of its end"
check "pids, one ends: udstrace still runs" "$(kill -0 $U1 2>/dev/null && echo yes)" yes
kill -USR1 $B
wait_pids 60 "workload B and udstrace" $B $U1 ||
	fail "workload B and udstrace: ended" "still running after 60 s, killed"
set -- $WAIT_STATUS
check "pids, one ends: exit status once both ended" "$2" 0
counts "pids, one ends: both counted" "$(cat "$tmp/ab2")" "$(cat "$tmp/a2" "$tmp/b2")"

# --- -c ----------------------------------------------------------------------
# A command that runs the workload under two names, one after the other:
# -c keeps the named one, two -c keep both (OR within a kind).
cp "$WORKLOAD" "$tmp/wl-other"
cmd=(sh -c "\"$WORKLOAD\" -u 50 -c 1 -t 40 -s $S; \"$tmp/wl-b\" -u 33 -c 3 -t 7 -s 9; \"$tmp/wl-other\" -u 21 -t 11 -s 13")
out=$("$UDSTRACE" --json -c wl-b -- "${cmd[@]}" 2>/dev/null)
counts "comm: -c wl-b counts wl-b" "$out" "$(grep '^{"pid"' <<<"$out" | sed -n 2p)"
out=$("$UDSTRACE" --json -c wl-b -c wl-other -- "${cmd[@]}" 2>/dev/null)
counts "comm: -c wl-b -c wl-other counts both" "$out" "$(grep '^{"pid"' <<<"$out" | sed -n '2,3p')"
out=$("$UDSTRACE" --json -c wl -- "${cmd[@]}" 2>/dev/null)
check "comm: exact, not a prefix (-c wl)" "$(jq '[.paths[].calls] | add' <<<"$(final_object <<<"$out")")" 0

# --- --cgroup ------------------------------------------------------------------
# A workload in a fresh cgroup's child (descendants count), another outside
# doing the same work at the same time, and udstrace system-wide.
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [ -z "$CG2" ]; then
	skip "cgroup" "no cgroup2 file system is mounted"
elif ! mkdir "$CG2/udstrace-test-$$" 2>"$tmp/mkdir.err"; then
	skip "cgroup" "cannot make a cgroup under $CG2: $(cat "$tmp/mkdir.err")"
else
	CG=$CG2/udstrace-test-$$
	mkdir "$CG/sub"
	start_workload in sh -c "echo \$\$ >'$CG/sub/cgroup.procs' && exec '$WORKLOAD' -u 123 -c 3 -t 45 -s $S \"\$@\"" sh
	IN=$wpid
	start_workload out "$WORKLOAD" -u 200 -c 2 -t 60 -s $S
	OUT=$wpid
	check "cgroup: the workload is in the cgroup" "$(cat /proc/$IN/cgroup | grep -c "udstrace-test-$$/sub$")" 1
	"$UDSTRACE" --json --cgroup "$CG" >"$tmp/cg" 2>"$tmp/cg.err" &
	U1=$!
	wait_until 30 attached "$tmp/cg.err" $U1 ||
		fail "cgroup: udstrace attached" "it did not say tracing within 30 s"
	kill -USR1 $IN $OUT
	wait_pids 60 "the two workloads" $IN $OUT ||
		fail "the two workloads: ended" "still running after 60 s, killed"
	kill -INT $U1
	wait_pids 60 "udstrace --cgroup" $U1 ||
		fail "udstrace --cgroup: ended" "still running after 60 s, killed"
	check "cgroup: exit status" "$WAIT_STATUS" 0
	counts "cgroup: --cgroup counts the workload in it, descendants included" \
		"$(cat "$tmp/cg")" "$(cat "$tmp/in")"
fi

# --- --folded --------------------------------------------------------------------
# Each row's lines add up to the row's kernel time in the final object,
# exactly: both come from the same snapshot.
out=$("$UDSTRACE" --json --folded "$tmp/folded" -- "$WORKLOAD" -u 300 -c 5 -t 200 -l 2>/dev/null)
j=$(final_object <<<"$out")
check "folded: every line is 'frame;frame VALUE'" \
	"$(grep -cvE '^[^ ;]+(;[^ ;]+)* [1-9][0-9]*$' "$tmp/folded")" 0
sums=$(awk '{ split($1, f, ";"); s[f[1]] += $2 } END { for (r in s) print r, s[r] }' "$tmp/folded" | sort)
want=$(jq -r '.paths[] | select(.ktime_ns > 0) | "\(.path) \(.ktime_ns)"' <<<"$j" | sort)
check "folded: each row's values add up to its kernel time" "$sums" "$want"
check "folded: rows with time" "$(wc -l <<<"$want")" 5
# The stage under the TCP send that has time here: the softirq (tracepoint
# backend) or the functions (fentry).
check "folded: tcp_sendmsg:loopback has stage frames" \
	"$(grep -c '^tcp_sendmsg:loopback;' "$tmp/folded" | awk '{print ($1 > 0)}')" 1
