#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench's tooling, without running the benchmark: the floor each mode
# gets for each backend auto can pick (bench/run.sh floor_of), which
# bench/floor.c must know; and bench/prog-cost.c, which reports the
# programs of one process only, against udsbench's own counts.
. "$(dirname "$0")/../lib.sh"
FLOOR=$TOP/.output/floor
PROG_COST=$TOP/.output/prog-cost
UDSBENCH=${UDSBENCH:-$TOP/udsbench/udsbench}

if [ "$(id -u)" -ne 0 ]; then
	skip "bench" "need root to load BPF programs"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sock=
in_tracefs '[ -d "$T/events/sock/sock_send_length" ]' && sock=1

# A stand-in udstrace whose auto picks backend $1 for every path.
fake_udstrace() {
	printf '#!/bin/sh\necho %s\n' "'{\"auto\":{\"unix_stream_sendmsg\":\"$1\"}}'" >"$tmp/udstrace-$1"
	chmod +x "$tmp/udstrace-$1"
}

# backend mode: the hooks udstrace attaches in that mode (user/backend_*.c).
declare -A want=(
	[fentry default]=floor:fentry,fexit
	[fentry counts-only]=floor:fexit
	[kprobe default]=floor:kprobe,kretprobe
	[kprobe counts-only]=floor:kprobe,kretprobe
	[tracepoint default]=floor:syscalls${sock:+,sock,wake}
	[tracepoint counts-only]=$([ -n "$sock" ] && echo floor:sock,wake || echo floor:syscalls)
)
for b in fentry kprobe tracepoint; do
	fake_udstrace $b
	out=$(BENCH_UDSTRACE=$tmp/udstrace-$b bash "$TOP/bench/run.sh" floors 2>&1)
	for m in default counts-only bpftrace; do
		got=$(awk -v m=$m '$1 == m { print $2 }' <<<"$out")
		# bench/udstrace.bt attaches the same tracepoints whatever udstrace's backend.
		if [ $m = bpftrace ]; then
			check "bench floor, $b auto: bpftrace's" "$got" "floor:syscalls${sock:+,sock}"
		else
			check "bench floor, $b auto: $m's" "$got" "${want[$b $m]}"
		fi
		# 0: attached; 1: cannot load here (fentry, kprobe on some hosts); 2: a set it does not know.
		if "$FLOOR" -d 1 "${got#floor:}" 2>"$tmp/err" || [ $? -ne 2 ]; then
			pass "bench floor, $b auto: floor.c takes $m's sets"
		else
			fail "bench floor, $b auto: floor.c takes $m's sets" "$(head -n 2 "$tmp/err")"
		fi
	done
done

# prog-cost -p: only the floor's programs, and they ran at least once per
# call udsbench made (system-wide, so other processes' calls add to that).
if [ -n "$sock" ]; then set=sock prog=sock_send_lengt; else set=syscalls prog=sys_enter; fi
"$FLOOR" -d 60 $set 2>"$tmp/floor.err" &
fpid=$!
if wait_until 10 grep -q tracing "$tmp/floor.err"; then
	"$PROG_COST" -p $fpid "$UDSBENCH" --json --transport uds --mode throughput --sizes 100 \
		--count 2000 >"$tmp/out"
	check "prog-cost: exit status" "$?" 0
	sends=$(grep '"schema"' "$tmp/out" | jq -r .send_calls)
	runs=$(awk -v p=$prog '$1 == "@prog" && $2 == p { print $3 }' "$tmp/out")
	check "prog-cost: the floor's $prog ran for each of udsbench's $sends sends (ran $runs)" \
		"$([ "${runs:-0}" -ge "${sends:-1}" ] && [ "${sends:-0}" -gt 0 ] && echo yes)" yes
	check "prog-cost -p: only that process's programs" \
		"$(awk '$1 == "@prog" { print $2 }' "$tmp/out" | sort | xargs)" \
		"$([ -n "$sock" ] && echo sock_recv_lengt sock_send_lengt || echo sys_enter sys_exit)"
else
	fail "prog-cost: the floor attached" "$(cat "$tmp/floor.err")"
fi
kill -INT $fpid 2>/dev/null
wait $fpid 2>/dev/null
"$PROG_COST" -p 0 true 2>"$tmp/err"
check "prog-cost -p with no such process: exit 2" "$?" 2
check "prog-cost -p with no such process: one line" "$(wc -l <"$tmp/err")" 1
