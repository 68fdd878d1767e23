#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# VM tests: boot Debian's 6.1 kernel under qemu and demand the same exact
# counts there, where fentry really works. A VM that cannot start is a
# failure; UDSTRACE_SKIP_VM=1 is the only way to skip, and says so.
. "$(dirname "$0")/../lib.sh"

if [ "${UDSTRACE_SKIP_VM:-0}" = 1 ]; then
	skip "vm tests" "UDSTRACE_SKIP_VM=1 was set"
	exit 0
fi

N=1000 M=7 K=500 S=100
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$TOP/tests/vm/run-vm.sh" --add "$UDSTRACE" --add "$WORKLOAD" \
	-- "$TOP/tests/vm/guest-core.sh" $N $M $K $S >"$log" 2>&1
status=$?
grep '^#' "$log"
if [ $status -ne 0 ] || ! grep -q '^@@auto ' "$log"; then
	fail "vm boot" "the guest did not run the tests (status $status): $(grep -v '^@@' "$log" | tail -n 5 | tr '\n' ' ')"
	exit 0
fi
pass "vm boot"
# A wait in the guest that ran out of time.
while IFS= read -r p; do
	fail "vm guest deadline: ${p%%:*}" "${p#*: }"
done < <(sed -n 's/^@@timeout //p' "$log" | tr -d '\r')

# result NAME: what the guest printed for case NAME; final: udstrace's total.
result() { sed -n "s/^@@$1 //p" "$log" | tr -d '\r'; }
final() { result "$1" | final_object; }

for c in auto auto-grandchild auto-daemon tracepoint fentry kprobe; do
	check "vm $c: exit status" "$(result "$c-status")" 0
	check_counts "vm $c" "$(result "$c")" $M $N $((N * S)) $K $((K * S))
done
for c in counts-fentry counts-tracepoint; do
	check_counts "vm $c" "$(result "$c")" $M $N $((N * S)) $K $((K * S))
	check "vm $c: nothing timed" "$(jq '[.paths[].timed] | add' <<<"$(final "$c")")" 0
done
for c in both-fentry both-kprobe; do
	check_counts "vm $c" "$(result "$c")" $M $N $((N * S)) $K $((K * S))
done
for b in fentry tracepoint; do
	check "vm stages-$b: exit status" "$(result "stages-$b-status")" 0
	check_counts "vm stages-$b" "$(result "stages-$b")" $M $N $((N * S)) $K $((K * S))
	check_stages "vm stages-$b" "$(result "stages-$b")" $N $M $K
	check_blocked "vm blocked-$b" "$(result "blocked-$b")"
done
# On 6.1 fentry sees every stage of the AF_UNIX send, the enqueue included.
check "vm stages-fentry: AF_UNIX send stages probed" \
	"$(probed_stages "$(final stages-fentry)" unix_stream_sendmsg | tr '\n' ' ')" \
	"skb_copy_datagram_from_iter skb_queue_tail sock_alloc_send_pskb sock_def_readable "
check "vm stages-tracepoint: sk_data_ready is missing before 6.3" \
	"$(jq -r '.paths[] | select(.path == "unix_stream_sendmsg") | .stages[] | select(.name == "sock:sk_data_ready" or .name == "sock_def_readable") | .reason' <<<"$(final stages-tracepoint)")" \
	"no tracepoint sock:sk_data_ready on this kernel (added in 6.3)"
check "vm check: exit status" "$(result check-status)" 0
for b in fentry kprobe tracepoint; do
	check "vm check: $b serves every path" \
		"$(jq --arg b "$b" '[.backends[] | select(.backend == $b) | .paths[].ok] | all' <<<"$(result check)")" true
done
check "vm check: kmod absent" \
	"$(jq -r '.backends[] | select(.backend == "kmod") | .paths[0].reason' <<<"$(result check)")" \
	"/proc/udsprobe absent (sudo insmod kmod/udsprobe.ko)"
check "vm check: auto picks fentry" "$(jq -r '.auto | [.[]] | unique | join(",")' <<<"$(result check)")" fentry
check "vm kprobe: function time" "$(jq -r .time_scope <<<"$(final kprobe)")" function
# Same calls, two mechanisms: mean times within 10x of each other.
for p in unix_stream_sendmsg tcp_sendmsg:loopback; do
	f=$(path_field "$(final both-fentry)" "$p" ktime_ns)
	k=$(path_field "$(final both-kprobe)" "$p" ktime_ns)
	check "vm fentry and kprobe times agree in magnitude: $p" \
		"$(awk -v f="$f" -v k="$k" 'BEGIN { r = f / k; print (r > 0.1 && r < 10) }')" 1
done
check "vm auto: chose fentry" "$(jq -r .backend <<<"$(final auto)")" fentry
check "vm auto: function time" "$(jq -r .time_scope <<<"$(final auto)")" function
check "vm auto: timed sends" "$(path_field "$(final auto)" unix_stream_sendmsg timed)" $N
check "vm tracepoint: syscall time" "$(jq -r .time_scope <<<"$(final tracepoint)")" syscall
