#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What udstrace adapts to at load time, on the running kernel:
#  - the pre-5.11 in-flight hash (UDSTRACE_INFLIGHT=hash) counts and
#    times exactly like task storage;
#  - inside a PID namespace, -- CMD and -p trace the right process;
#  - a 32-bit process's syscalls are decoded as ia32 ones (its syscall 42
#    is pipe, not connect), so its connects and sends are exact too.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "kernel adaptation tests" "need root to load BPF programs"
	exit 0
fi

N=1000 M=7 K=500 S=100
W=("$WORKLOAD" -u $N -c $M -t $K -s $S)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the in-flight hash ------------------------------------------------------
for mode in "" --counts-only --stages; do
	name="inflight hash${mode:+ $mode}"
	out=$(UDSTRACE_INFLIGHT=hash timeout 60 "$UDSTRACE" --json $mode -- "${W[@]}" 2>"$tmp/err")
	check_counts "$name" "$out" $M $N $((N * S)) $K $((K * S))
	[ -n "$mode" ] || check "$name: every send timed" \
		"$(path_field "$(final_object <<<"$out")" unix_stream_sendmsg timed)" $N
done
# A file of its own: in $tmp/err the runs above already said "tracing", and
# the wait could read that before the shell truncates it for this run.
UDSTRACE_INFLIGHT=hash "$UDSTRACE" -v -d 2 >/dev/null 2>"$tmp/err-maps" &
pid=$!
wait_until 10 grep -q tracing "$tmp/err-maps" || fail "inflight hash: start" "udstrace did not say tracing within 10 s"
check "inflight hash: the hash map is what is loaded" \
	"$(maps_of_pid $pid | grep -E '^inflight_(hash|ts)$' | sort -u | tr '\n' ' ')" \
	"inflight_hash "
wait_pids 20 "udstrace -d 2" $pid

# --- PID namespaces ----------------------------------------------------------
if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
	skip "pid namespace" "unshare --pid --fork --mount-proc fails here"
else
	out=$(timeout 60 unshare --pid --fork --mount-proc "$UDSTRACE" --json -- "${W[@]}" -f 2>/dev/null)
	check_counts "pid namespace: -- CMD" "$out" $M $N $((N * S)) $K $((K * S))
	# -p: udstrace and the workload in one new namespace, each waiting
	# with a deadline; the workload starts once udstrace is tracing.
	T=$tmp U=$UDSTRACE L=$TOP/tests/wait.sh timeout 60 unshare --pid --fork --mount-proc bash -c '
		. "$L"
		"$0" -w "$@" >"$T/w" &
		w=$!
		wait_until 10 grep -q ready "$T/w"
		"$U" --json -p $w >"$T/p" 2>"$T/perr" &
		wait_until 10 grep -q tracing "$T/perr"
		kill -USR1 $w
		wait' "${W[@]}" 2>/dev/null
	check_counts "pid namespace: -p" "$(cat "$tmp/p" "$tmp/w")" $M $N $((N * S)) $K $((K * S))
fi

# --- 32-bit processes ----------------------------------------------------------
# The workload built for ia32 (Debian's gcc-multilib). Its lockstep run
# calls pipe(2), which is syscall 42 there: the number of connect on x86-64.
W32=$TOP/.output/workload32
if ! build_workload32 "$W32" 2>"$tmp/cc"; then
	skip "32-bit process" "cannot build an ia32 workload (gcc -m32: $(head -n 1 "$tmp/cc"); apt-get install gcc-multilib)"
else
	for b in auto tracepoint; do
		out=$(timeout 60 "$UDSTRACE" --json --backend $b -- "$W32" -u $N -c $M -t $K -s $S -l 2>/dev/null)
		check_counts "32-bit process, $b" "$out" $M $N $((N * S)) $K $((K * S))
		check "32-bit process, $b: every send timed" \
			"$(path_field "$(final_object <<<"$out")" unix_stream_sendmsg timed)" $N
	done
fi
