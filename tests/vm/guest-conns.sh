#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside the Debian guest (busybox sh) for tests/vm/test-conns.sh: -S
# with each BPF backend on tests/connwork.c's three cases. Each run's stdout
# goes out as "@@BACKEND-CASE ..." lines for the host to check
# (tests/conns.sh), udstrace's stderr behind "#"; what the kernel has as
# "@@kernel-*" lines. A run that outlives its deadline prints
# "@@timeout WHAT", with where each task was, and is killed.
RUN_DEADLINE=120

. ./guest-dmesg.sh # dmesg_begin, dmesg_end
. ./guest-deadline.sh # run_deadline, udstrace_run

# run NAME UDSTRACE-ARGS...: one traced run, its stdout behind @@NAME.
run() {
	name=$1
	shift
	udstrace_run "$name" -S "$@"
}

echo "# guest kernel $(uname -r)"
dmesg_begin
if [ -d /sys/kernel/tracing/events/sock/sk_data_ready ]; then
	echo "@@kernel-datareadytp yes"
else
	echo "@@kernel-datareadytp no"
fi
for b in fentry kprobe tracepoint; do
	run "$b-counts" --backend $b -- ./connwork counts
	run "$b-block" --backend $b -- ./connwork block 300
	run "$b-pingpong" --backend $b -- ./connwork pingpong 20
done
dmesg_end
echo "@@end"
