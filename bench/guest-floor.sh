#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside a VM guest for bench/run.sh vm_floor: each floor set of
# bench/floor.c that make bench can pick (bench/run.sh floor_of) is
# attached, and udsbench's UDS throughput run under it through
# bench/prog-cost.c, which prints each program's runs and ns per run
# ("@prog NAME RUNS NS"); then the same under udstrace with each backend.
# Under TCG the ns are distorted; the runs per message are exact.
# Usage: guest-floor.sh COUNT
COUNT=$1

run() {
	name=$1
	shift
	"$@" 2>/tmp/f.err &
	tpid=$!
	n=0
	until grep -q tracing /tmp/f.err; do
		n=$((n + 1))
		if [ $n -gt 600 ] || ! kill -0 $tpid 2>/dev/null; then
			echo "@@ $name did not attach: $(tr '\n' ' ' </tmp/f.err)"
			kill $tpid 2>/dev/null
			return
		fi
		sleep 0.1
	done
	echo "@@ $name $(grep tracing /tmp/f.err)"
	./prog-cost -p $tpid ./udsbench --json --transport uds --mode throughput --sizes 100 \
		--count "$COUNT" | grep '^@prog' | sed "s/^/@@ $name /"
	kill -INT $tpid
	wait $tpid
}

./udsbench --json --sizes 100 --count 1000 >/dev/null
for s in fentry,fexit fexit kprobe,kretprobe syscalls syscalls,sock sock,wake; do
	run "floor:$s" ./floor "$s"
done
for b in fentry kprobe tracepoint; do
	run "udstrace --backend $b" ./udstrace --backend $b -d 3600
done
run "udstrace --backend fentry --counts-only" ./udstrace --backend fentry --counts-only -d 3600
