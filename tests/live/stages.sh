#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --stages on the running kernel, with whichever backend auto picks:
# exact stage counts from a lockstep workload, blocked time, --explain and
# a --dot picture rendered by Graphviz.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "stages" "need root to load BPF programs"
	exit 0
fi

N=500 M=5 K=300
tps=$(host_tracepoints) traceable=$(host_traceable)
echo "# host kernel: stage tracepoints: ${tps:-none}; traceable stage functions: ${traceable:-none readable}"
# On one CPU: with the reader on the other one, it often holds its socket's
# lock when a segment arrives (in tcp_recvmsg, between two waits), so TCP
# puts the segment on the socket's backlog and the reader's own call runs
# tcp_rcv_established (and tcp:tcp_probe) at release_sock, not the send.
# Measured: 2 to 24 tcp_probe hits of 300 sends in half the runs unpinned;
# pinned, 300 in every run. (tcp_v4_rcv, which fentry shows, runs either way.)
out=$("$UDSTRACE" --json --stages -- taskset -c 0 "$WORKLOAD" -u $N -c $M -t $K -l 2>/dev/null)
check_counts "stages" "$out" $M $N $((N * 100)) $K $((K * 100))
check_stages "stages" "$out" $N $M $K "$tps" "$traceable"

out=$("$UDSTRACE" --json --stages -- "$WORKLOAD" -u 20 -s 65536 -b 600 -t 3 -r 300 2>/dev/null)
check_blocked "stages" "$out"

# One stage that will not attach leaves the others, and the counts, alone.
out=$(UDSTRACE_FAIL_ATTACH=tcp_probe_stage "$UDSTRACE" --json --stages -- "$WORKLOAD" -u $N -c $M -t $K -l 2>/dev/null)
check "one stage fails: exit status" $? 0
check_one_stage_failed "one stage fails" "$out" tcp_rcv_established tcp_probe_stage $M $N $K

# Without --stages there are no stage fields at all.
j=$("$UDSTRACE" --json -- "$WORKLOAD" -u 10 2>/dev/null | final_object)
check "no --stages: no stages in the JSON" "$(jq '[.paths[] | has("stages")] | any' <<<"$j")" false

tmp=$(mktemp -d)
text=$("$UDSTRACE" --explain --dot "$tmp/paths.dot" -- "$WORKLOAD" -u 50 -t 50 -l 2>/dev/null)
grep -q "copies the user's bytes into the skb" <<<"$text" &&
	pass "explain: says what a stage does" || fail "explain: says what a stage does" "no explanation in the output"
grep -q "(net/core/datagram.c)" <<<"$text" &&
	pass "explain: names the source file" || fail "explain: names the source file" "no source file in the output"
if dot -Tsvg "$tmp/paths.dot" -o "$tmp/paths.svg" 2>"$tmp/err" && grep -q '<svg' "$tmp/paths.svg"; then
	pass "dot: Graphviz renders the picture"
else
	fail "dot: Graphviz renders the picture" "$(cat "$tmp/err")"
fi
check "dot: both send paths drawn" "$(grep -c 'subgraph cluster_' "$tmp/paths.dot")" 2
rm -rf "$tmp"
