#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside the Debian 6.1 guest (busybox sh). Each case prints its
# stdout (the workload's reports and udstrace's JSON) as lines "@@NAME ..."
# for tests/vm/test-core.sh to check on the host, plus udstrace's stderr
# behind "#" for the log.
# Usage: guest-core.sh N M K SIZE
N=$1 M=$2 K=$3 S=$4
set -f  # $W is split into words on purpose, never globbed
W="./workload -u $N -c $M -t $K -s $S"

run() {
	name=$1
	shift
	./udstrace --json -v "$@" >/tmp/out 2>/tmp/err
	echo "@@$name-status $?"
	sed "s/^/@@$name /" /tmp/out
	grep -v '^libbpf:' /tmp/err | sed 's/^/# /'
}

echo "# guest kernel $(uname -r)"
echo "@@check $(./udstrace --check --json)"
echo "@@check-status $?"
run auto -- $W
run auto-grandchild -- $W -f
run auto-daemon -- $W -D
run tracepoint --backend tracepoint -- $W
run fentry --backend fentry -- $W
run kprobe --backend kprobe -- $W
run counts-fentry --backend fentry --counts-only -- $W
run counts-tracepoint --backend tracepoint --counts-only -- $W

# Two instances at once on one process: fentry and kprobe must agree.
./workload -w -u "$N" -c "$M" -t "$K" -s "$S" >/tmp/w &
wpid=$!
until grep -q ready /tmp/w; do sleep 0.1; done
for b in fentry kprobe; do
	./udstrace --json --backend $b -p $wpid >/tmp/both-$b 2>/tmp/both-$b.err &
done
until grep -q tracing /tmp/both-fentry.err && grep -q tracing /tmp/both-kprobe.err; do
	sleep 0.1
done
kill -USR1 $wpid
wait
for b in fentry kprobe; do
	sed "s/^/@@both-$b /" /tmp/both-$b /tmp/w
done

# --stages with each backend that has stage probes.
for b in fentry tracepoint; do
	run stages-$b --backend $b --stages -- ./workload -u "$N" -c "$M" -t "$K" -s "$S" -l
	run blocked-$b --backend $b --stages -- ./workload -u 20 -s 65536 -b 600
done
