#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What measuring the BPF cost costs: 100-byte AF_UNIX throughput under
# udstrace with --cost-sample 0 (not measured), the default 5 (bpf_stats
# on in windows of 5% of each second) and 100 (on all run), for the
# default mode and --counts-only. Rounds interleave the three; a figure is
# the median of the per-round ratios to --cost-sample 0, with the lowest
# and highest. Not part of make bench: bash bench/cost.sh (as root).
set -u
. "$(dirname "$0")/lib.sh"
COUNT=${BENCH_THR_COUNT:-1000000}
ARGS="--transport uds --mode throughput --sizes 100 --count $COUNT --cpus 0,0"

# start_with ARGS...: udstrace system-wide with ARGS, once it is attached.
start_with() {
	local log
	log=$(mktemp)
	"$UDSTRACE" -d 3600 "$@" >/dev/null 2>"$log" &
	TRACER_PID=$!
	until grep -q tracing "$log"; do
		kill -0 "$TRACER_PID" 2>/dev/null || { cat "$log" >&2; rm -f "$log"; return 1; }
		sleep 0.1
	done
	rm -f "$log"
}

echo "$(uname -r), $(nproc) CPUs, $(date -u +%F), $ROUNDS rounds, udsbench $ARGS"
echo
echo "| mode | --cost-sample 5 vs 0 | --cost-sample 100 vs 0 |"
echo "| --- | --- | --- |"
for mode in default --counts-only; do
	declare -A r=()
	for _ in $(seq "$ROUNDS"); do
		for pct in 0 5 100; do
			# shellcheck disable=SC2046
			start_with --cost-sample $pct $([ $mode = default ] || echo $mode) || exit 1
			# shellcheck disable=SC2086
			v[$pct]=$(once msgs_per_s $ARGS)
			tracer_stop
		done
		r[5]+="$(slowdown msgs_per_s "${v[0]}" "${v[5]}") "
		r[100]+="$(slowdown msgs_per_s "${v[0]}" "${v[100]}") "
	done
	printf '| %s |' "$mode"
	for pct in 5 100; do
		printf ' %s |' "$(tr ' ' '\n' <<<"${r[$pct]}" | grep . | spread |
			awk '{ printf "%sx (%s-%s)", $1, $2, $3 }')"
	done
	echo
	unset r
done
