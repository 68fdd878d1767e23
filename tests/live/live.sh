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

# --- what is in the kernel before and after ------------------------------------
# bpf_objects: every BPF program, map and link in the kernel, as KIND:ID.
bpf_objects() {
	{
		bpftool -j prog list | jq -r '.[] | "prog:\(.id)"'
		bpftool -j map list | jq -r '.[] | "map:\(.id)"'
		bpftool -j link list | jq -r '.[] | "link:\(.id)"'
	} 2>/dev/null | sort -u
}
# bpf_held: the objects a live process holds through an fd (a link's fd
# shows its program too), and the maps of the programs held.
bpf_held() {
	local fds
	fds=$(cat /proc/[0-9]*/fdinfo/* 2>/dev/null |
		sed -n 's/^\(prog\|map\|link\)_id:[[:space:]]*\([0-9][0-9]*\)$/\1:\2/p' | sort -u)
	{
		echo "$fds"
		bpftool -j prog list 2>/dev/null | jq -r --arg held "$fds" '($held | split("\n")) as $h |
			.[] | select("prog:\(.id)" as $p | any($h[]; . == $p)) | .map_ids[]? | "map:\(.)"'
	} | sed '/^$/d' | sort -u
}
# kprobe_events: udstrace's kprobe events in tracefs, one name a line.
kprobe_events() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	in_tracefs 'cat "$T/kprobe_events" 2>/dev/null' | sed -n 's/^[pr][0-9]*:kprobes\/\(udstrace_[^ ]*\) .*/\1/p' | sort
}
objects_before=$(bpf_objects)
events_before=$(kprobe_events)

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

# fentry works here or says exactly why not: whether it loads on this
# kernel is what loading a BPF program of its own type says (fentry_loads).
if fentry_loads; then
	out=$(run_cmd --backend fentry -- "${W[@]}")
	counted host fentry check_counts "forced fentry" "$out" $M $N $((N * S)) $K $((K * S))
	matrix_counted host fentry
else
	why=$FENTRY_WHY
	err=$("$UDSTRACE" --backend fentry --json -- "${W[@]}" 2>&1 >/dev/null)
	status=$?
	check "forced fentry refused: exit status" "$status" 1
	check "forced fentry refused: message" "$err" "udstrace: fentry: BPF_PROG_LOAD failed: $why"
	matrix_add host fentry "SKIP: BPF_PROG_LOAD failed: $why"
fi

# kprobe: exact counts where this kernel has kprobe events, else the refusal.
if [ "$(kernel_config CONFIG_KPROBE_EVENTS)" = y ]; then
	out=$(run_cmd --backend kprobe -- "${W[@]}")
	counted host kprobe check_counts "forced kprobe" "$out" $M $N $((N * S)) $K $((K * S))
	matrix_counted host kprobe
else
	why="no kprobe support in this kernel (CONFIG_KPROBES off)"
	skip "forced kprobe" "$why"
	matrix_add host kprobe "SKIP: $why"
fi

# The command's exit status is ours; 128+N when signal N killed it.
"$UDSTRACE" -- sh -c 'exit 7' >/dev/null 2>&1
check "command exit status" "$?" 7
"$UDSTRACE" -- sh -c 'kill -USR1 $$' >/dev/null 2>&1
check "command killed by SIGUSR1: exit status" "$?" $((128 + 10))
"$UDSTRACE" -- sh -c 'kill -KILL $$' >/dev/null 2>&1
check "command killed by SIGKILL: exit status" "$?" $((128 + 9))

# The intervals add up to what the two workloads did, each counted once.
j=$("$UDSTRACE" --json -i 0.05 -- sh -c "$WORKLOAD -u 100 -t 50; sleep 0.2; $WORKLOAD -u 100 -c 3 -t 50" 2>/dev/null)
check "intervals: at least two" "$(grep -c '"final":false' <<<"$j" | awk '{print ($1 >= 2)}')" 1
for p in unix_stream_connect:connects unix_stream_sendmsg:unix_sends tcp_sendmsg:loopback:tcp_sends \
	unix_stream_recvmsg:unix_recvs tcp_recvmsg:loopback:tcp_recvs; do
	sum=$(grep '"final":false' <<<"$j" | jq -s --arg p "${p%:*}" '[.[].paths[] | select(.path == $p) | .calls] | add')
	check "intervals: ${p%:*} adds up to the workloads' ${p##*:}" "$sum" "$(workload_sum "$j" "${p##*:}")"
done

# -p: only that process, while an untraced one does the same work.
tmp=$(mktemp -d)
# attached PID ERRFILE: udstrace PID said it is tracing, or has given up.
attached() { grep -q tracing "$2" 2>/dev/null || ! kill -0 "$1" 2>/dev/null; }
"$WORKLOAD" -w -u 300 -c 4 -t 200 >"$tmp/w" &
wpid=$!
wait_until 30 grep -q ready "$tmp/w" 2>/dev/null ||
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
check "pid: says the process ended" "$(grep -c "^udstrace: process $wpid ended$" "$tmp/e")" 1
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
# Detached cleanly: every BPF program, map and link that appeared since the
# first run is gone, or held by a process still running (another tracer on
# this machine, not one of ours: they have all ended), and no kprobe event
# of udstrace's is left in tracefs. The kernel frees objects after an RCU
# grace period (tracing programs after an RCU tasks trace one, which can
# take seconds on a loaded machine), so allow it ten seconds.
# left_over: objects new since the start that no live process holds.
left_over() {
	comm -13 <(echo "$objects_before") <(bpf_objects) | comm -23 - <(bpf_held) | xargs
}
# events_left: udstrace kprobe events new since the start whose udstrace
# has ended (udstrace_<pidns inode>_<pid>_...: from this namespace, the pid
# says).
events_left() {
	comm -13 <(echo "$events_before") <(kprobe_events) | while read -r e; do
		p=${e#udstrace_*_} p=${p%%_*}
		kill -0 "$p" 2>/dev/null || echo "$e"
	done | xargs
}
# shellcheck disable=SC2016 # expanded by eval
wait_until 10 eval '[ -z "$(left_over)" ]'
check "after the runs: no BPF program, map or link left" "$(left_over)" ""
if [ "$(kernel_config CONFIG_KPROBE_EVENTS)" = y ]; then
	check "after the runs: no udstrace kprobe event left in tracefs" "$(events_left)" ""
else
	skip "after the runs: no udstrace kprobe event left" "this kernel has no kprobe events (CONFIG_KPROBE_EVENTS off)"
fi

# No BTF: say which file is missing.
out=$(unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && '$UDSTRACE' -d 1" 2>&1)
check "no BTF: exit status" "$?" 1
check "no BTF: message" "$out" \
	"udstrace: no kernel BTF: /sys/kernel/btf/vmlinux is missing (needs CONFIG_DEBUG_INFO_BTF=y)"
