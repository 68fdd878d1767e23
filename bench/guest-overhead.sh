#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside the Debian 6.1 guest for bench/run.sh: udsbench untraced,
# under bench/floor.c's empty programs, and under udstrace with each
# backend, system-wide. ROUNDS rounds; each starts every tracer once in
# turn and runs the four workloads under it. Prints one line per run:
# "@@TRACER WORKLOAD ROUND VALUE".
# Usage: guest-overhead.sh ROUNDS THR_COUNT LAT_COUNT
ROUNDS=$1 THR=$2 LAT=$3
set -f

start() {
	case $1 in
	none) return ;;
	floor-fentry) ./floor fentry,fexit 2>/tmp/t.err & ;;
	floor-fexit) ./floor fexit 2>/tmp/t.err & ;;
	floor-kprobe) ./floor kprobe,kretprobe 2>/tmp/t.err & ;;
	floor-syscalls) ./floor syscalls 2>/tmp/t.err & ;;
	fentry-counts) ./udstrace --backend fentry --counts-only -d 3600 >/dev/null 2>/tmp/t.err & ;;
	fentry-stages) ./udstrace --backend fentry --stages -d 3600 >/dev/null 2>/tmp/t.err & ;;
	*) ./udstrace --backend "$1" -d 3600 >/dev/null 2>/tmp/t.err & ;;
	esac
	tpid=$!
	# Bounded: a tracer that never attaches is reported, not waited for.
	n=0
	until grep -q tracing /tmp/t.err; do
		n=$((n + 1))
		if [ $n -gt 600 ] || ! kill -0 $tpid 2>/dev/null; then
			echo "# $1 did not attach: $(cat /tmp/t.err)"
			kill $tpid 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
}

stop() {
	[ "$1" = none ] && return
	kill -INT "$tpid"
	wait "$tpid"
}

value() {
	m=$1
	shift
	./udsbench --json "$@" | sed -n "s/.*\"$m\":\([0-9.]*\).*/\1/p"
}

# The guest is still settling after boot; one throw-away run first.
./udsbench --json --sizes 100 --count "$LAT" >/dev/null
for r in $(seq "$ROUNDS"); do
	for t in none floor-fentry fentry floor-fexit fentry-counts fentry-stages floor-kprobe \
		kprobe floor-syscalls tracepoint; do
		start $t || continue
		echo "@@$t uds-thr $r $(value msgs_per_s --transport uds --mode throughput --sizes 100 --count "$THR")"
		echo "@@$t tcp-thr $r $(value msgs_per_s --transport tcp --mode throughput --sizes 100 --count "$THR")"
		echo "@@$t uds-lat $r $(value rtt_ns_mean --transport uds --mode latency --sizes 100 --count "$LAT")"
		echo "@@$t tcp-lat $r $(value rtt_ns_mean --transport tcp --mode latency --sizes 100 --count "$LAT")"
		stop $t
	done
done
