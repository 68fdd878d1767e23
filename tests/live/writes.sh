#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Every way of writing to and reading from a socket, on the running kernel,
# with every backend that works here: sendfile, splice into and out of a
# socket, sendmmsg, recvmmsg, MSG_PEEK, io_uring send, recv and connect,
# SOCK_SEQPACKET connects (workload -x, tests/writes.sh). Each row must hold
# exactly what the workload counted itself, and on the tracepoint backend
# "timed" exactly the syscalls it made; what a backend cannot see here is a
# SKIP with the reason. tests/vm/test-writes.sh runs the same in the VMs.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/writes.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "writes" "need root to load BPF programs"
	exit 0
fi
# What the kernel has, from tracefs, not from udstrace.
sock_tp=no
# shellcheck disable=SC2016 # expanded by in_tracefs's sh
if in_tracefs '[ -d "$T/events/sock/sock_send_length" ] && [ -d "$T/events/sock/sk_data_ready" ]'; then
	sock_tp=yes
fi
echo "# host kernel $(uname -r): sock:sock_send_length and sk_data_ready: $sock_tp"

for b in tracepoint fentry kprobe; do
	why=$("$UDSTRACE" --check --json 2>/dev/null |
		jq -r --arg b $b '[.backends[] | select(.backend == $b) | .paths[] | select(.ok | not) | .reason][0] // empty')
	if [ -n "$why" ]; then
		skip "writes $b" "$why"
		continue
	fi
	# shellcheck disable=SC2086 # a list
	for c in $WRITE_CASES; do
		out=$("$UDSTRACE" --json --backend $b -- "$WORKLOAD" -x $c "${WRITE_ARGS[@]}" 2>&1)
		counted host $b writes_check "writes $b $c" "$out" $c $b $sock_tp
	done
	# --counts-only: the same counts (io_uring's connects included), no time.
	for c in seqpacket uring-connect splice-out uring-send; do
		out=$("$UDSTRACE" --json --counts-only --backend $b -- "$WORKLOAD" -x $c "${WRITE_ARGS[@]}" 2>&1)
		counted host $b writes_check "writes $b --counts-only $c" "$out" $c $b $sock_tp yes
	done
done

# The table says when a row's calls were not all timed, with the numbers.
w=$("$UDSTRACE" --backend tracepoint -- "$WORKLOAD" -x sendmmsg "${WRITE_ARGS[@]}" 2>/dev/null)
r=$(grep '^{"pid"' <<<"$w")
if [ "$sock_tp" = yes ]; then
	check "writes table: sendmmsg's calls and timed syscalls are told apart" \
		"$(grep -c "^NOTE: unix_stream_sendmsg: $(jq .unix_sends <<<"$r") calls, $(jq .unix_send_syscalls <<<"$r") timed" <<<"$w")" 1
else
	skip "writes table: sendmmsg" "before 6.3 the tracepoint backend does not see sendmmsg"
fi
w=$("$UDSTRACE" --backend tracepoint -- "$WORKLOAD" -x uring-recv "${WRITE_ARGS[@]}" 2>/dev/null)
r=$(grep '^{"pid"' <<<"$w")
if [ -z "$r" ]; then
	skip "writes table: io_uring" "the workload could not use io_uring here"
elif [ "$sock_tp" = yes ]; then
	check "writes table: io_uring receives are counted, not timed, and it says so" \
		"$(grep -c "^NOTE: unix_stream_recvmsg: $(jq .unix_recvs <<<"$r") calls, 0 timed: .*io_uring's calls are counted, not timed" <<<"$w")" 1
else
	skip "writes table: io_uring" "before 6.3 the tracepoint backend does not see io_uring's calls"
fi
