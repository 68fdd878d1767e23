#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside the Debian guest (busybox sh) for tests/vm/test-writes.sh:
# every way of writing to and reading from a socket (workload -x CASE) with
# each backend, the module's too when udsprobe.ko came along. Each run's
# stdout and stderr go out as "@@BACKEND-CASE ..." lines for the host to
# check (tests/writes.sh); what the kernel has as "@@kernel-*" lines. A run
# that outlives its deadline prints "@@timeout WHAT" and is killed.
# Usage: guest-writes.sh CASES -- WORKLOAD-ARGS...
# shellcheck disable=SC2086 # the lists are split on purpose
CASES=$1
shift 2
ARGS="$*"
RUN_DEADLINE=120

. ./guest-dmesg.sh # dmesg_begin, dmesg_end

# run NAME UDSTRACE-ARGS...: one traced workload, all its output behind @@NAME.
run() {
	name=$1
	shift
	timeout -s KILL "$RUN_DEADLINE" ./udstrace --json "$@" >/tmp/out 2>&1
	st=$?
	[ $st != 137 ] || echo "@@timeout $name: udstrace still running after $RUN_DEADLINE s, killed"
	echo "@@$name-status $st"
	grep -v '^libbpf:' /tmp/out | sed "s/^/@@$name /"
}

echo "# guest kernel $(uname -r)"
dmesg_begin
T=/sys/kernel/tracing
if [ -d $T/events/sock/sock_send_length ] && [ -d $T/events/sock/sk_data_ready ]; then
	echo "@@kernel-socktp yes"
else
	echo "@@kernel-socktp no"
fi
echo "@@kernel-extras $(awk '$3 == "unix_stream_sendpage" || $3 == "tcp_sendpage" ||
	$3 == "unix_stream_splice_read" || $3 == "tcp_splice_read" { print $3 }' /proc/kallsyms | sort -u | xargs)"

BACKENDS="fentry kprobe tracepoint"
if [ -e udsprobe.ko ]; then
	if insmod udsprobe.ko; then
		BACKENDS="$BACKENDS kmod"
	else
		echo "@@kmod-insmod failed"
	fi
fi
for b in $BACKENDS; do
	for c in $CASES; do
		run "$b-$c" --backend $b -- ./workload -x $c $ARGS
	done
done
for b in fentry tracepoint; do
	for c in seqpacket uring-connect splice-out uring-send; do
		run "counts-$b-$c" --counts-only --backend $b -- ./workload -x $c $ARGS
	done
done
[ ! -e /proc/udsprobe ] || rmmod udsprobe || echo "@@kmod-rmmod failed"
dmesg_end
echo "@@end"
