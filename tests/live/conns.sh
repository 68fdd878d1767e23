#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# -S on the running kernel, with each BPF backend that runs here:
# per-connection rows against tests/connwork.c's own numbers (sends, bytes,
# inodes, ports, processes) and against ss for the same sockets while they
# are open, backpressure from a sender blocked on a full buffer, and
# wake-ups from a ping-pong (checks in tests/conns.sh). The kmod backend
# refuses -S.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/conns.sh"
CONNWORK=${CONNWORK:-$TOP/.output/connwork}

if [ "$(id -u)" -ne 0 ]; then
	skip "conns" "need root to load BPF programs"
	exit 0
fi

# kmod: one line, exit 2, before anything is loaded; --check too.
err=$("$UDSTRACE" -S --backend kmod -d 1 2>&1 >/dev/null)
check "conns: kmod refuses -S" "$?:$err" \
	"2:udstrace: the kmod backend counts per path only: -S needs a BPF backend"
err=$("$UDSTRACE" -S --backend kmod --check 2>&1 >/dev/null)
check "conns: --check with kmod refuses -S" "$?:$err" \
	"2:udstrace: the kmod backend counts per path only: -S needs a BPF backend"

# Without -S: no per-connection rows.
j=$("$UDSTRACE" --json -- "$WORKLOAD" -u 3 2>/dev/null | final_object)
check "conns: none without -S" "$(jq 'has("connections")' <<<"$j")" false

# A map too small for the 8 sockets of "connwork counts": every socket got
# a row once, so rows present plus rows evicted make at least 8, and no
# more are present than the map holds; the table warns.
out=$(UDSTRACE_CONNS_MAX=4 "$UDSTRACE" -S --json -- "$CONNWORK" counts 2>/dev/null)
j=$(final_object <<<"$out")
check "conns: a full map evicts and says so" \
	"$(jq '(.connections | length) <= 4 and .connections_evicted > 0 and
		(.connections | length) + .connections_evicted >= 8' <<<"$j")" true
UDSTRACE_CONNS_MAX=4 "$UDSTRACE" -S -- "$CONNWORK" counts 2>/dev/null |
	grep -q "^WARNING: [0-9]* sockets' rows were evicted from the per-connection map (4 rows)" &&
	pass "conns: the table warns of evictions" ||
	fail "conns: the table warns of evictions" "no WARNING line"

# --top 2: the two sockets with the most kernel time, then one line for
# the other six: their calls (the workload's 7+13+5+11 sends, and the
# receives, less those of the two shown).
out=$("$UDSTRACE" -S --top 2 -- "$CONNWORK" counts 2>/dev/null)
check "conns: --top 2 shows two rows" \
	"$(sed -n '/^CONNECTIONS/,/^(/p' <<<"$out" | grep -cE '^(unix|tcp) ')" 2
check "conns: --top 2 says it cut" "$(grep -c '^CONNECTIONS: 8 sockets, by kernel time, first 2 (--top)' <<<"$out")" 1
grep -q '^(6 more sockets: ' <<<"$out" && pass "conns: --top 2 sums the other six" ||
	fail "conns: --top 2 sums the other six" "$(grep -A12 '^CONNECTIONS' <<<"$out")"

# counts_with_ss BACKEND: the exact counts, and ss while the sockets are open.
counts_with_ss() {
	local b=$1 tmp pid ss_x= ss_t=
	tmp=$(mktemp -d)
	"$UDSTRACE" -S --json --backend "$b" -- "$CONNWORK" counts -w "$tmp/go" \
		>"$tmp/out" 2>"$tmp/err" &
	pid=$!
	if wait_until 20 grep -qs client_pid "$tmp/out"; then
		ss_x=$(ss -xpn)
		ss_t=$(ss -tnp)
	fi
	touch "$tmp/go"
	wait_pid 30 $pid
	check "conns[$b]: exit status" $? 0
	conn_counts_check "conns[$b]" "$(cat "$tmp/out" "$tmp/err")" "$ss_x" "$ss_t"
	rm -rf "$tmp"
}

# Every BPF backend this kernel runs (the VM suite runs fentry and kprobe).
backends=tracepoint
if fentry_loads; then
	backends="$backends fentry"
else
	skip "conns[fentry]" "fentry does not load here: $FENTRY_WHY"
fi
if [ "$(kernel_config CONFIG_KPROBE_EVENTS)" = y ]; then
	backends="$backends kprobe"
else
	skip "conns[kprobe]" "no kprobe support in this kernel (CONFIG_KPROBES off)"
fi
for b in $backends; do
	nosplit= nowake=
	if [ "$b" = kprobe ]; then
		nosplit="the kprobe backend has no sched_switch"
		nowake=$nosplit
	elif [ "$b" = tracepoint ] && [ ! -d /sys/kernel/tracing/events/sock/sk_data_ready ] &&
		[ ! -d /sys/kernel/debug/tracing/events/sock/sk_data_ready ]; then
		nowake="no sock:sk_data_ready on this kernel (6.3+)"
	fi
	counts_with_ss "$b"
	out=$("$UDSTRACE" -S --json --backend "$b" -- "$CONNWORK" block 300 2>/dev/null)
	conn_block_check "conns[$b]" "$out" "$nosplit"
	"$UDSTRACE" -S --backend "$b" -- "$CONNWORK" block 10 2>/dev/null |
		grep -q 'BACKPRESS: sends asleep waiting for buffer space' &&
		pass "conns[$b]: the table names backpressure" ||
		fail "conns[$b]: the table names backpressure" "no such line"
	out=$("$UDSTRACE" -S --json --backend "$b" -- "$CONNWORK" pingpong 50 2>/dev/null)
	conn_wake_check "conns[$b]" "$out" "$nowake"
done
