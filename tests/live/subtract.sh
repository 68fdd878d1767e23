#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --subtract-probe-cost: the calibration is the bpf cost line's own kernel
# figures (all our programs' run time per traced call, less half of the
# programs whose clock reads bound the timed window), and those figures
# are of exactly the workload's calls (--cost-sample 100); each path's
# time per call less it is its KTIME / timed less the calibration, and is
# below the workload's own time per send; where the calibration is larger
# (UDSTRACE_PROBE_COST_EXTRA_NS inflates it) there is no figure but why.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "subtract probe cost" "need root to load BPF programs"
	exit 0
fi

N=20000 M=3 K=10000 S=100
W=("$WORKLOAD" -u $N -c $M -t $K -s $S)
out=$(timeout 120 "$UDSTRACE" --json --cost-sample 100 --subtract-probe-cost -- "${W[@]}" 2>/dev/null)
check_subtract subtract "$out" "$N"
j=$(final_object <<<"$out")
check "subtract: untimed rows have no figure, and why" \
	"$(jq -c '.paths[] | select(.path == "tcp_sendmsg:remote") | [.ns_per_call_less_probe_cost, .less_probe_cost_reason]' <<<"$j")" \
	'[null,"no timed call"]'

# -P rows: the same, each from its own time per call.
out=$(timeout 120 "$UDSTRACE" --json -P --cost-sample 100 --subtract-probe-cost -- "${W[@]}" 2>/dev/null)
j=$(final_object <<<"$out")
wpid=$(grep '^{"pid"' <<<"$out" | jq -s '.[0].pid')
check "subtract -P: the workload's send row timed every send" \
	"$(jq --argjson p "$wpid" '.processes[] | select(.tgid == $p and .path == "unix_stream_sendmsg") | .timed' <<<"$j")" "$N"
check "subtract -P: every timed row is KTIME / timed less the calibration" \
	"$(jq '.probe_cost.ns_per_call as $c | [.processes[] | select(.timed > 0) | (.ktime_ns / .timed) as $t | ((.ns_per_call_less_probe_cost - ($t - $c)) | fabs) <= 1e-5 * ([$t, 1] | max)] | (length > 0 and all)' <<<"$j")" true

# Inflated past every call's time: no figure but why, in the JSON and the table.
export UDSTRACE_PROBE_COST_EXTRA_NS=1000000000
out=$(timeout 120 "$UDSTRACE" --json --subtract-probe-cost -- "${W[@]}" 2>/dev/null)
j=$(final_object <<<"$out")
check "subtract, inflated: the calibration says so" "$(jq .probe_cost.extra_ns <<<"$j")" 1000000000
check "subtract, inflated: every timed row null, and why" \
	"$(jq -c '[.paths[] | select(.timed > 0) | [.ns_per_call_less_probe_cost, .less_probe_cost_reason]] | unique' <<<"$j")" \
	'[[null,"the time per call is less than the probe cost"]]'
text=$(timeout 120 "$UDSTRACE" --subtract-probe-cost -- "${W[@]}" 2>/dev/null)
check "subtract, inflated: the table's AVG says < probe cost" \
	"$(grep -c -E '^unix_stream_sendmsg +20,000 .* < probe cost ' <<<"$text")" 1
check "subtract, inflated: one calibration line" \
	"$(grep -c -E '^probe cost subtracted: [0-9.]+ [nuµm]?s per call \(\+- [0-9.]+ [nuµm]?s\), from this run.s BPF statistics: our programs. [0-9.]+ [nuµm]?s per traced call less half of the [0-9.]+ [nuµm]?s of those whose clock reads bound the timed window, plus 1000000000 ns from UDSTRACE_PROBE_COST_EXTRA_NS; AVG is less it, KTIME, MIN and MAX are as measured$' <<<"$text")" 1
unset UDSTRACE_PROBE_COST_EXTRA_NS

# The statistics' one window (1% from the start) ends before the first
# send: no calibration, known only at the end, so the report says so and
# subtracts nothing.
late=(sh -c "sleep 0.5; exec $WORKLOAD -u 100 -s $S")
out=$(timeout 120 "$UDSTRACE" --json --cost-sample 1 --subtract-probe-cost -- "${late[@]}" 2>/dev/null)
j=$(final_object <<<"$out")
if [ "$(jq -r .bpf_cost.sampling <<<"$j")" = already_on ]; then
	skip "subtract, no call in a window" "the statistics were on already"
else
	why="no traced call was made while the statistics were on"
	check "subtract, no call in a window: no calibration, and why" \
		"$(jq -c '[.probe_cost, .probe_cost_reason]' <<<"$j")" "[null,\"$why\"]"
	check "subtract, no call in a window: the sends timed, nothing subtracted, and why" \
		"$(jq -c '.paths[] | select(.path == "unix_stream_sendmsg") | [.timed, .ns_per_call_less_probe_cost, .less_probe_cost_reason]' <<<"$j")" \
		"[100,null,\"$why\"]"
	text=$(timeout 120 "$UDSTRACE" --cost-sample 1 --subtract-probe-cost -- "${late[@]}" 2>/dev/null)
	check "subtract, no call in a window: the table says so" \
		"$(grep '^probe cost' <<<"$text")" "probe cost subtracted: nothing: $why"
fi

# Without the option: nothing of it.
out=$(timeout 120 "$UDSTRACE" --json -- "${W[@]}" 2>/dev/null)
check "subtract: off by default" \
	"$(final_object <<<"$out" | jq -c '[has("probe_cost"), (.paths | map(has("ns_per_call_less_probe_cost")) | any)]')" '[false,false]'

# Without CAP_SYS_ADMIN the statistics cannot be turned on: known at the
# start, so one line, exit 2, and the command never runs.
if ! command -v setpriv >/dev/null; then
	skip "subtract, no CAP_SYS_ADMIN" "setpriv (util-linux) is not installed"
elif ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$UDSTRACE"; then
	skip "subtract, no CAP_SYS_ADMIN" "nobody cannot run $UDSTRACE"
elif [ "$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)" = 1 ]; then
	skip "subtract, no CAP_SYS_ADMIN" "the statistics are on already (kernel.bpf_stats_enabled reads 1)"
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	chmod 777 "$tmp"
	caps=-all,+bpf,+perfmon
	err=$(timeout -s KILL 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps="$caps" --ambient-caps="$caps" --bounding-set="$caps" \
		"$UDSTRACE" --subtract-probe-cost -- touch "$tmp/ran" 2>&1 >/dev/null)
	check "subtract, no CAP_SYS_ADMIN: exit status" "$?" 2
	check "subtract, no CAP_SYS_ADMIN: one line" "$err" \
		"udstrace: --subtract-probe-cost: no calibration: BPF_ENABLE_STATS needs CAP_SYS_ADMIN"
	check "subtract, no CAP_SYS_ADMIN: the command did not run" \
		"$([ -e "$tmp/ran" ] && echo ran || echo no)" no
fi
