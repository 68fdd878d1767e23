#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside the Debian guest (busybox sh) for tests/vm/test-conns.sh: -S
# with each BPF backend on tests/connwork.c's three cases. Each run's stdout
# goes out as "@@BACKEND-CASE ..." lines for the host to check
# (tests/conns.sh), udstrace's stderr behind "#"; what the kernel has as
# "@@kernel-*" lines. A run that outlives its deadline prints
# "@@timeout WHAT", with where each task was, and is killed. Then
# --advise against the same traffic over AF_UNIX (tests/advise.sh):
# TRIES ($3, 5 by default) tries of tests/rates.c, ROUNDS rounds ($1),
# per backend in BACKENDS ($2, fentry by default).
RUN_DEADLINE=120
ADVISE_ROUNDS=${1:-100}
ADVISE_BACKENDS=${2:-fentry}
ADVISE_TRIES=${3:-5}

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
# Each try's --advise run calibrates into an empty cache: under TCG the
# cost of a call follows the host's load, so the UDS cost is measured
# seconds before the UDS run it is held against, not minutes. fentry
# alone: the backend only the VMs run (the host's tests/live/advise.sh has
# the tracepoint one), and a figure held to 25% under TCG is a check that
# the host's load can fail; one backend a kernel keeps that to one median.
export UDSTRACE_CALIBRATION_DIR=/tmp/calibration
t0=$(date +%s)
for b in $ADVISE_BACKENDS; do
	try=0
	while [ $try -lt "$ADVISE_TRIES" ]; do
		try=$((try + 1))
		rm -rf "$UDSTRACE_CALIBRATION_DIR"
		run "$b-advise-tcp-$try" --backend $b --advise -- ./rates -t tcp -n "$ADVISE_ROUNDS"
		run "$b-advise-unix-$try" --backend $b -- ./rates -t unix -n "$ADVISE_ROUNDS"
	done
done
echo "# advise: $(($(date +%s) - t0)) s in the guest for $ADVISE_BACKENDS, $ADVISE_TRIES tries of $ADVISE_ROUNDS rounds"
dmesg_end
echo "@@end"
