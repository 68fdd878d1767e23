#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside the Debian 6.1 guest for bench/run.sh: udsbench untraced and
# under udstrace with each backend, system-wide. Prints one line per
# measurement: "@@TRACER WORKLOAD VALUE", the best of RUNS runs.
# Usage: guest-overhead.sh RUNS THR_COUNT LAT_COUNT
RUNS=$1 THR=$2 LAT=$3
set -f

start() {
	case $1 in
	none) return ;;
	fentry-counts) ./udstrace --backend fentry --counts-only -d 3600 >/dev/null 2>/tmp/t.err & ;;
	fentry-stages) ./udstrace --backend fentry --stages -d 3600 >/dev/null 2>/tmp/t.err & ;;
	*) ./udstrace --backend "$1" -d 3600 >/dev/null 2>/tmp/t.err & ;;
	esac
	tpid=$!
	until grep -q tracing /tmp/t.err; do sleep 0.1; done
}

stop() {
	[ "$1" = none ] && return
	kill -INT $tpid
	wait $tpid
}

# best METRIC ARGS: highest msgs_per_s or lowest rtt_ns_mean of RUNS runs.
best() {
	m=$1
	shift
	b=
	for _ in $(seq "$RUNS"); do
		v=$(./udsbench --json "$@" | sed -n "s/.*\"$m\":\([0-9.]*\).*/\1/p")
		if [ -z "$b" ] || { [ "$m" = msgs_per_s ] && [ "${v%.*}" -gt "${b%.*}" ]; } ||
			{ [ "$m" != msgs_per_s ] && [ "${v%.*}" -lt "${b%.*}" ]; }; then
			b=$v
		fi
	done
	echo "$b"
}

# The guest is still settling after boot; one throw-away run first.
./udsbench --json --sizes 100 --count "$LAT" >/dev/null
for t in none fentry-counts fentry fentry-stages kprobe tracepoint; do
	start $t
	echo "@@$t uds-thr $(best msgs_per_s --transport uds --mode throughput --sizes 100 --count "$THR")"
	echo "@@$t tcp-thr $(best msgs_per_s --transport tcp --mode throughput --sizes 100 --count "$THR")"
	echo "@@$t uds-lat $(best rtt_ns_mean --transport uds --mode latency --sizes 100 --count "$LAT")"
	echo "@@$t tcp-lat $(best rtt_ns_mean --transport tcp --mode latency --sizes 100 --count "$LAT")"
	stop $t
done
