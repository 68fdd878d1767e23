#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests on the running kernel: each makes its own workload of exactly
# N AF_UNIX sends, M AF_UNIX connects and K TCP 127.0.0.1 sends, and
# demands exactly those counts and bytes back.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "live tests" "need root to load BPF programs"
	for b in auto fentry kprobe tracepoint; do matrix_add host $b "SKIP: need root to load BPF programs"; done
	exit 0
fi

N=1000 M=7 K=500 S=100
W=("$WORKLOAD" -u $N -c $M -t $K -s $S)

# run_cmd UDSTRACE-ARGS... -- CMD: all of stdout, udstrace's and the command's.
run_cmd() {
	"$UDSTRACE" --json "$@" 2>/dev/null
}

out=$(run_cmd -- "${W[@]}")
counted host auto check_counts "command" "$out" $M $N $((N * S)) $K $((K * S))
j=$(final_object <<<"$out")
check "command: seven rows" "$(jq '.paths | length' <<<"$j")" 7
check "command: schema" "$(jq -r .schema <<<"$j")" "udstrace/1"
backend=$(jq -r .backend <<<"$j")
echo "# host kernel $(uname -r): auto chose backend $backend"

out=$(run_cmd -- "${W[@]}" -f)
counted host auto check_counts "grandchild" "$out" $M $N $((N * S)) $K $((K * S))
out=$(run_cmd -- "${W[@]}" -D)
counted host auto check_counts "double-fork daemon" "$out" $M $N $((N * S)) $K $((K * S))
out=$(run_cmd -- sh -c "exec sh -c '$WORKLOAD -u 10 -c 1 -t 20; $WORKLOAD -u 5 -c 2 -t 3 -s 7'")
counted host auto check_counts "exec chain" "$out" 3 15 $((10 * S + 5 * 7)) 23 $((20 * S + 3 * 7))

out=$(run_cmd --backend tracepoint -- "${W[@]}")
counted host tracepoint check_counts "forced tracepoint" "$out" $M $N $((N * S)) $K $((K * S))
j=$(final_object <<<"$out")
check "forced tracepoint: time scope" "$(jq -r .time_scope <<<"$j")" syscall
counted host tracepoint check "forced tracepoint: timed sends" \
	"$(path_field "$j" unix_stream_sendmsg timed)" $N

out=$(run_cmd --counts-only -- "${W[@]}")
counted host auto check_counts "counts only" "$out" $M $N $((N * S)) $K $((K * S))
j=$(final_object <<<"$out")
check "counts only: time scope" "$(jq -r '[.paths[].time_scope] | unique | join(",")' <<<"$j")" none
counted host auto check "counts only: nothing timed" "$(jq '[.paths[].timed] | add' <<<"$j")" 0

# fentry works here or says exactly why not.
out=$("$UDSTRACE" --backend fentry --json -- "${W[@]}" 2>&1 >/dev/null | grep -v '^udstrace: tracing')
status=${PIPESTATUS[0]}
if [ "$backend" = fentry ]; then
	out=$(run_cmd --backend fentry -- "${W[@]}")
	counted host fentry check_counts "forced fentry" "$out" $M $N $((N * S)) $K $((K * S))
	matrix_counted host fentry
else
	check "forced fentry refused: exit status" "$("$UDSTRACE" --backend fentry -d 1 >/dev/null 2>&1; echo $?)" 1
	check "forced fentry refused: message" "$out" \
		"udstrace: fentry: BPF_PROG_LOAD failed: Operation not permitted"
	matrix_add host fentry "SKIP: ${out#udstrace: fentry: }"
fi

# kprobe: exact counts where this kernel has kprobes, else --check's reason.
kreason=$("$UDSTRACE" --check --json | jq -r '.backends[] | select(.backend == "kprobe") |
	.paths[] | select(.path == "unix_stream_sendmsg") | .reason // ""')
if [ -z "$kreason" ]; then
	out=$(run_cmd --backend kprobe -- "${W[@]}")
	counted host kprobe check_counts "forced kprobe" "$out" $M $N $((N * S)) $K $((K * S))
	matrix_counted host kprobe
else
	skip "forced kprobe" "$kreason"
	matrix_add host kprobe "SKIP: $kreason"
fi

# The command's exit status is ours.
"$UDSTRACE" -- sh -c 'exit 7' >/dev/null 2>&1
check "command exit status" "$?" 7

# Intervals add up to the total.
j=$("$UDSTRACE" --json -i 0.05 -- sh -c "$WORKLOAD -u 100 -t 50; sleep 0.2; $WORKLOAD -u 100 -c 3 -t 50" 2>/dev/null)
check "intervals: at least two" "$(grep -c '"final":false' <<<"$j" | awk '{print ($1 >= 2)}')" 1
for p in unix_stream_connect unix_stream_sendmsg tcp_sendmsg:loopback unix_stream_recvmsg; do
	sum=$(grep '"final":false' <<<"$j" | jq -s --arg p "$p" '[.[].paths[] | select(.path == $p) | .calls] | add')
	check "intervals: $p adds up" "$sum" "$(path_field "$(final_object <<<"$j")" "$p" calls)"
done

# -p: only that process, while an untraced one does the same work.
tmp=$(mktemp -d)
# attached PID ERRFILE: udstrace PID said it is tracing, or has given up.
attached() { grep -q tracing "$2" 2>/dev/null || ! kill -0 "$1" 2>/dev/null; }
"$WORKLOAD" -w -u 300 -c 4 -t 200 >"$tmp/w" &
wpid=$!
wait_until 30 grep -q ready "$tmp/w" ||
	fail "pid: workload ready" "the workload did not say ready within 30 s"
"$UDSTRACE" --json -p $wpid >"$tmp/j" 2>"$tmp/e" &
upid=$!
wait_until 30 attached $upid "$tmp/e" ||
	fail "pid: udstrace attached" "udstrace did not say tracing within 30 s"
timeout -s KILL 60 "$WORKLOAD" -u 77 -c 5 -t 33 >/dev/null	# not traced
kill -USR1 $wpid
wait_pid 60 $wpid
wait_pid 60 $upid
check "pid: exit status" "$?" 0
counted host auto check_counts "pid" "$(cat "$tmp/j" "$tmp/w")" 4 300 $((300 * S)) 200 $((200 * S))
rm -rf "$tmp"
matrix_counted host auto
matrix_counted host tracepoint

# SIGINT and SIGTERM end a run with the final summary and status 0.
for sig in INT TERM; do
	tmp=$(mktemp -d)
	"$UDSTRACE" --json >"$tmp/j" 2>"$tmp/e" &
	upid=$!
	wait_until 30 attached $upid "$tmp/e" ||
		fail "SIG$sig: udstrace attached" "udstrace did not say tracing within 30 s"
	timeout -s KILL 60 "$WORKLOAD" -u 25 >/dev/null
	kill -$sig $upid
	wait_pid 60 $upid
	check "SIG$sig: exit status" "$?" 0
	check "SIG$sig: one final object" "$(grep -c '"final":true' "$tmp/j")" 1
	check "SIG$sig: it saw the sends before the signal" \
		"$(path_field "$(final_object <"$tmp/j")" unix_stream_sendmsg calls | awk '{print ($1 >= 25)}')" 1
	rm -rf "$tmp"
done
# Detached cleanly: none of udstrace's programs is left in the kernel. The
# kernel frees them after an RCU grace period, so allow it two seconds.
ours() { bpftool prog show 2>/dev/null | grep -cE 'name (sys_enter|sys_exit|sock_send_lengt|sock_recv_lengt|follow_fork) '; }
for _ in $(seq 20); do [ "$(ours)" = 0 ] && break; sleep 0.1; done
check "after the runs: no udstrace programs loaded" "$(ours)" 0

# No BTF: say which file is missing.
out=$(unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && '$UDSTRACE' -d 1" 2>&1)
check "no BTF: exit status" "$?" 1
check "no BTF: message" "$out" \
	"udstrace: no kernel BTF: /sys/kernel/btf/vmlinux is missing (needs CONFIG_DEBUG_INFO_BTF=y)"
