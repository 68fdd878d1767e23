# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Helpers for bench/run.sh: run udsbench under a tracer and keep the best
# of several runs. Everything is a ratio within one run of the script.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UDSTRACE=${BENCH_UDSTRACE:-$TOP/udstrace}
UDSBENCH=$TOP/udsbench/udsbench
FLOOR=$TOP/.output/floor
PROG_COST=$TOP/.output/prog-cost
RUNS=${BENCH_RUNS:-5}
ROUNDS=${BENCH_ROUNDS:-7}

# tracer_start KIND: starts a system-wide tracer in the background and
# waits until it is attached. KIND: none, udstrace, counts-only, stages,
# sample:PCT (--time-sample PCT), bpftrace, or floor:SETS (bench/floor.c's
# empty programs). Sets TRACER_PID; udstrace's JSON goes to TRACER_OUT.
TRACER_OUT=$(mktemp)
trap 'rm -f "$TRACER_OUT"' EXIT
tracer_start() {
	local log
	log=$(mktemp)
	TRACER_PID=
	case $1 in
	none) rm -f "$log"; return 0 ;;
	udstrace) "$UDSTRACE" --json -d 3600 >"$TRACER_OUT" 2>"$log" & ;;
	counts-only) "$UDSTRACE" --counts-only -d 3600 >/dev/null 2>"$log" & ;;
	stages) "$UDSTRACE" --stages -d 3600 >/dev/null 2>"$log" & ;;
	sample:*) "$UDSTRACE" --json --time-sample "${1#sample:}" -d 3600 >"$TRACER_OUT" 2>"$log" & ;;
	bpftrace) bpftrace "$TOP/bench/udstrace.bt" >"$log" 2>&1 & ;;
	floor:*) "$FLOOR" -d 3600 "${1#floor:}" 2>"$log" & ;;
	*) echo "tracer_start: unknown tracer $1" >&2; rm -f "$log"; return 1 ;;
	esac
	TRACER_PID=$!
	until grep -q 'tracing\|Attaching' "$log"; do
		kill -0 "$TRACER_PID" 2>/dev/null || { cat "$log" >&2; rm -f "$log"; return 1; }
		sleep 0.1
	done
	sleep 0.5	# bpftrace prints before its last probe is live
	rm -f "$log"
}

# tracer_cpu_ms: CPU time the tracer process itself has used so far, in ms.
tracer_cpu_ms() {
	[ -n "$TRACER_PID" ] || { echo 0; return; }
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$TRACER_PID/stat"
}

tracer_stop() {
	[ -n "$TRACER_PID" ] || return 0
	kill -INT "$TRACER_PID" 2>/dev/null
	wait "$TRACER_PID" 2>/dev/null
	TRACER_PID=
}

# best METRIC ARGS...: the best of $RUNS udsbench runs (one JSON row each):
# the highest msgs_per_s, or the lowest rtt_ns_mean.
best() {
	local metric=$1 v b=
	shift
	for _ in $(seq "$RUNS"); do
		v=$("$UDSBENCH" --json "$@" | jq -r ".$metric")
		if [ -z "$b" ]; then
			b=$v
		elif [ "$metric" = msgs_per_s ]; then
			b=$(awk -v a="$v" -v b="$b" 'BEGIN { print (a > b) ? a : b }')
		else
			b=$(awk -v a="$v" -v b="$b" 'BEGIN { print (a < b) ? a : b }')
		fi
	done
	echo "$b"
}

# tracer_mean PATH: the mean time per timed call of PATH in the last
# udstrace run's final JSON object (after tracer_stop).
tracer_mean() {
	grep '"final":true' "$TRACER_OUT" | tail -n 1 |
		jq -r --arg p "$1" '.paths[] | select(.path == $p) |
			if .timed > 0 then .ktime_ns / .timed else empty end'
}

# once METRIC ARGS...: one udsbench run's METRIC.
once() {
	local metric=$1
	shift
	"$UDSBENCH" --json "$@" | jq -r ".$metric"
}

# spread: the median of the numbers on stdin, then the lowest and the
# highest, as "MEDIAN MIN MAX".
spread() {
	sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) exit 1
		      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}

# slowdown METRIC BASE VALUE: how many times slower VALUE is than BASE.
slowdown() {
	if [ "$1" = msgs_per_s ]; then
		awk -v b="$2" -v v="$3" 'BEGIN { printf "%.3f", b / v }'
	else
		awk -v b="$2" -v v="$3" 'BEGIN { printf "%.3f", v / b }'
	fi
}
