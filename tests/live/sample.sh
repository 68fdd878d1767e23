#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --time-sample: counts stay exact while the syscall tracepoints come and
# go, only calls that enter and return inside one window are timed, and
# the windows cover the share asked for. Where the tracepoint backend
# cannot sample (before 6.3), every call is timed and the user is told.
. "$(dirname "$0")/../lib.sh"
EDGES=$TOP/.output/edges

if [ "$(id -u)" -ne 0 ]; then
	skip "time-sample" "need root to load BPF programs"
	exit 0
fi
backend=$("$UDSTRACE" --check --json | jq -r '.auto.unix_stream_sendmsg')
if [ "$backend" != tracepoint ] || ! in_tracefs '[ -d "$T/events/sock/sock_send_length" ]'; then
	out=$(timeout 60 "$UDSTRACE" --time-sample 10 --json -- "$WORKLOAD" -u 100 2>&1)
	grep -q "^udstrace: --time-sample: timing every call" <<<"$out" &&
		pass "time-sample: says it times every call with $backend here" ||
		fail "time-sample: says it times every call with $backend here" "$(grep '^udstrace:' <<<"$out")"
	j=$(final_object <<<"$out")
	check "time-sample: every call timed with $backend" "$(path_field "$j" unix_stream_sendmsg timed)" 100
	skip "time-sample windows" "the $backend backend here times every call (windows need tracepoint on 6.3+)"
	exit 0
fi

# Counts exact, connects included, whatever the windows did.
out=$(timeout 120 "$UDSTRACE" --time-sample 10 --json -- "$WORKLOAD" -u 3000 -c 7 -t 2000 2>/dev/null)
check_counts "time-sample 10" "$out" 7 3000 300000 2000 200000
j=$(final_object <<<"$out")
check "time-sample 10: the share is in the JSON" "$(jq .time_sample_pct <<<"$j")" 10
jq -e '.sampled_ns > 0 and .sampled_ns <= .elapsed_ns' <<<"$j" >/dev/null &&
	pass "time-sample 10: windows were open, within the run" ||
	fail "time-sample 10: windows were open, within the run" "$(jq -c '{sampled_ns, elapsed_ns}' <<<"$j")"

# tests/edges.c: the first two reads cross a window's edge, the third and
# the second write fall inside window 2 ([1.0, 1.3) s): exactly those timed.
out=$(timeout 60 "$UDSTRACE" --time-sample 30 --json -- "$EDGES" 2>/dev/null)
j=$(final_object <<<"$out")
check "time-sample edges: reads counted" "$(path_field "$j" unix_stream_recvmsg calls)" \
	"$(workload_sum "$out" unix_recvs)"
check "time-sample edges: writes counted" "$(path_field "$j" unix_stream_sendmsg calls)" 2
check "time-sample edges: only the read inside one window timed" \
	"$(path_field "$j" unix_stream_recvmsg timed)" 1
check "time-sample edges: only the write inside a window timed" \
	"$(path_field "$j" unix_stream_sendmsg timed)" 1
# No timed call can be longer than a window (300 ms): none was timed
# across a gap.
jq -e '[.paths[] | select(.timed > 0) | .max_ns] | max < 300000000' <<<"$j" >/dev/null &&
	pass "time-sample edges: no call timed across a gap" ||
	fail "time-sample edges: no call timed across a gap" "$(jq -c '[.paths[] | {path, max_ns}]' <<<"$j")"
# Two windows: all of the first (300 ms) and the second from 1.0 s to the
# end; 50 ms of slack for the main loop's wake-up to close a window.
jq -e '.sampled_ns >= 300000000 and .sampled_ns <= .elapsed_ns - 650000000' <<<"$j" >/dev/null &&
	pass "time-sample edges: windows cover 300 ms of each second" ||
	fail "time-sample edges: windows cover 300 ms of each second" "$(jq -c '{sampled_ns, elapsed_ns}' <<<"$j")"

# The table says how much was timed.
text=$(timeout 60 "$UDSTRACE" --time-sample 30 -- "$EDGES" 2>/dev/null)
grep -q "^time sampled (--time-sample 30): windows open .*, 2 of 5 calls timed; counts are exact" <<<"$text" &&
	pass "time-sample: the table says how many calls were timed" ||
	fail "time-sample: the table says how many calls were timed" "$(grep -i sampled <<<"$text")"
