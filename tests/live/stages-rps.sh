#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --stages charges a softirq stage to a traced call only when the packet is
# the call's socket's own. The traced workload runs pinned to CPU 0; an
# untraced one drives TCP over lo from CPU 1 on its own port, and RPS
# steers lo's receive work to CPU 0, so NET_RX softirqs for that other
# connection land inside the traced calls (tests/lib.sh, check_rps_uds).
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "stages-rps" "need root to load BPF programs and set RPS"
	exit 0
fi
RPS=/sys/class/net/lo/queues/rx-0/rps_cpus
if [ "$(nproc)" -lt 2 ]; then
	skip "stages-rps" "needs 2 CPUs, this machine has $(nproc)"
	exit 0
fi
if [ ! -w "$RPS" ]; then
	skip "stages-rps" "no $RPS (kernel without CONFIG_RPS)"
	exit 0
fi

N=100000 K=2000
orig=$(cat "$RPS")
driver=
cleanup() {
	[ -n "$driver" ] && kill "$driver" 2>/dev/null
	echo "$orig" >"$RPS"
}
trap cleanup EXIT
echo 1 >"$RPS" # CPU 0 only

# The untraced TCP traffic, from CPU 1 (its readers run on the other
# CPUs, so on CPU 0 too), in lockstep: one segment in flight at a time,
# so CPU 0's backlog never holds many of them (a flood there leaves the
# traced sends' own segments to ksoftirqd: tests/lib.sh, check_rps_tcp).
# It is stopped once the traced runs are done.
"$WORKLOAD" -t 100000000 -l -P 1 >/dev/null 2>&1 &
driver=$!
tps=$(host_tracepoints) traceable=$(host_traceable)

out=$(timeout 120 "$UDSTRACE" --json --stages -- "$WORKLOAD" -u $N -P 0 -B 67108864 2>/dev/null)
check_rps_uds "stages-rps uds" "$out" $N
out=$(timeout 120 "$UDSTRACE" --json --stages -- "$WORKLOAD" -t $K -l -P 0 2>/dev/null)
check_rps_tcp "stages-rps tcp" "$out" $K "$tps" "$traceable"

kill "$driver"
wait_pids 10 "the TCP driver" "$driver"
driver=
cleanup
check "stages-rps: lo's RPS mask restored" "$(cat "$RPS")" "$orig"
trap - EXIT
