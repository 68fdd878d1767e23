#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What udstrace's BPF programs cost, in every mode's final report: with the
# kernel's statistics on all run (--cost-sample 100), the calls it divides
# by are exactly the workload's own, and every traced call ran at least one
# of our programs; in the default windows (5% of each second) a cost is
# there, from fewer calls; with --cost-sample 0, null and the reason. The
# statistics may be on already (another tracer, or the sysctl): the report
# then says so, and the checks that need our own windows are skipped.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "bpf cost" "need root to load BPF programs"
	exit 0
fi

N=20000 M=3 K=10000 S=100
W=("$WORKLOAD" -u $N -c $M -t $K -s $S)
# The workload's own calls: connects, sends and the reads it counted.
calls_of() {
	grep '^{"pid"' <<<"$1" | jq -s 'map(.connects + .unix_sends + .tcp_sends + .unix_recvs + .tcp_recvs) | add'
}
# A number > 0 (jq's test), or what it was.
positive() { jq -r "if ($2) > 0 then \"yes\" else \"no: \\($2)\" end" <<<"$1"; }

for mode in default --counts-only "--time-sample 10" --stages; do
	args=()
	[ "$mode" = default ] || read -r -a args <<<"$mode"
	name="bpf cost $mode, all run"
	out=$(timeout 120 "$UDSTRACE" --json --cost-sample 100 "${args[@]}" -- "${W[@]}" 2>/dev/null)
	j=$(final_object <<<"$out")
	check "$name: measured" "$(jq -c '[(.bpf_cost | type), .bpf_cost_reason]' <<<"$j")" '["object",null]'
	how=$(jq -r '.bpf_cost.sampling' <<<"$j")
	if [ "$how" = already_on ]; then
		skip "$name: every traced call" "the statistics were on already ($(jq -r .bpf_cost.how <<<"$j"))"
	else
		check "$name: statistics on all run" "$how" all_run
		check "$name: divided by every call the workload made" \
			"$(jq .bpf_cost.calls <<<"$j")" "$(calls_of "$out")"
	fi
	check "$name: a program run per traced call at least" \
		"$(jq '.bpf_cost.runs >= .bpf_cost.calls' <<<"$j")" true
	check "$name: run time > 0" "$(positive "$j" .bpf_cost.run_ns)" yes
	if [ "$mode" = --counts-only ]; then
		check "$name: no share without time" "$(jq .bpf_cost.share_of_ktime <<<"$j")" null
	else
		check "$name: a share of the kernel time" "$(positive "$j" .bpf_cost.share_of_ktime)" yes
	fi

	# The default: windows of 5% of each second, the first at the start,
	# the next two 1.6 s and 2.3 s in: a workload that sends until
	# udstrace ends it after 3 s has calls in them.
	name="bpf cost $mode, windows"
	out=$(timeout 120 "$UDSTRACE" --json -d 3 "${args[@]}" -- "$WORKLOAD" -u 1000000000 -s $S 2>/dev/null)
	j=$(final_object <<<"$out")
	check "$name: measured" "$(jq -c '[(.bpf_cost | type), .bpf_cost_reason]' <<<"$j")" '["object",null]'
	how=$(jq -r '.bpf_cost.sampling' <<<"$j")
	if [ "$mode" = --stages ]; then
		check "$name: --stages keeps the statistics on all run" "$how" all_run
	elif [ "$how" = already_on ]; then
		skip "$name: windows" "the statistics were on already"
	else
		check "$name: in windows" "$(jq -c '[.bpf_cost.sampling, .bpf_cost.sample_pct]' <<<"$j")" '["windows",5]'
		check "$name: windows shorter than the run" \
			"$(jq '.bpf_cost.measured_ns > 0 and .bpf_cost.measured_ns < .elapsed_ns' <<<"$j")" true
	fi
	check "$name: from some of the calls" \
		"$(jq '.bpf_cost.calls > 0 and .bpf_cost.calls <= ([.paths[].calls] | add)' <<<"$j")" true
	check "$name: a program run per traced call at least" \
		"$(jq '.bpf_cost.runs >= .bpf_cost.calls' <<<"$j")" true
	check "$name: cost > 0" "$(positive "$j" .bpf_cost.ns_per_call)" yes

	text=$(timeout 120 "$UDSTRACE" "${args[@]}" -- "${W[@]}" 2>/dev/null)
	check "bpf cost $mode: one line in the table" \
		"$(grep -c -E '^bpf cost: [0-9.]+ [nuµm]?s of our BPF programs per traced call(, [0-9.]+% of the kernel time per timed call)? \(statistics on .*: .*, [0-9,]+ calls, [0-9,]+ program runs\)$' <<<"$text")" 1
done

out=$(timeout 120 "$UDSTRACE" --json --cost-sample 0 -- "${W[@]}" 2>/dev/null)
j=$(final_object <<<"$out")
check "bpf cost, --cost-sample 0: null, and why" \
	"$(jq -c '[.bpf_cost, .bpf_cost_reason]' <<<"$j")" '[null,"--cost-sample 0"]'
text=$(timeout 120 "$UDSTRACE" --cost-sample 0 -- "${W[@]}" 2>/dev/null)
check "bpf cost, --cost-sample 0: the table says why" \
	"$(grep '^bpf cost' <<<"$text")" "bpf cost: not measured: --cost-sample 0"
# Interval objects carry no cost: it is the run's.
out=$(timeout 120 "$UDSTRACE" --json -i 0.05 -- "${W[@]}" 2>/dev/null)
check "bpf cost: not in interval objects" \
	"$(grep '"final":false' <<<"$out" | jq -s 'map(has("bpf_cost")) | any')" false
