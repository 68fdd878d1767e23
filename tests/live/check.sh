#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# udstrace --check on the running kernel. What it says must match what this
# kernel can do, which the test finds out on its own: tracepoints in
# tracefs, the kernel's config, /proc/udsprobe, and whether an fentry
# program of the test's own loads. Then a real run with each backend must
# succeed, with exact counts, exactly where --check said yes, and fail with
# --check's reason where it said no.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "check" "needs root to load test programs"
	exit 0
fi

j=$("$UDSTRACE" --check --json)
check "check: exit status" "$?" 0
check "check: schema" "$(jq -r .schema <<<"$j")" "udstrace-check/1"
check "check: kernel" "$(jq -r .kernel <<<"$j")" "$(uname -r)"
btf=$([ -r /sys/kernel/btf/vmlinux ] && echo true || echo false)
check "check: btf" "$(jq -r .btf <<<"$j")" "$btf"

# --- what this kernel can do, without udstrace ----------------------------------
# shellcheck disable=SC2016 # expanded by the inner sh
tps=$(in_tracefs 'for t in raw_syscalls/sys_enter sock/sock_send_length sock/sock_recv_length sock/sk_data_ready; do
	[ -d "$T/events/$t" ] && echo "$t"; done' | xargs)
has_tp() { [[ " $tps " == *" $1 "* ]]; }
kprobe_events=$(kernel_config CONFIG_KPROBE_EVENTS)
if fentry_loads; then fentry_ok=true; else fentry_ok=false; fi
echo "# kernel: btf $btf; tracepoints: ${tps:-none}; CONFIG_KPROBE_EVENTS=${kprobe_events:-unset};" \
	"fentry loads: $fentry_ok${FENTRY_WHY:+ ($FENTRY_WHY)}; /proc/udsprobe: $([ -e /proc/udsprobe ] && echo yes || echo no)"

PATHS="unix_stream_connect unix_stream_sendmsg tcp_sendmsg:loopback tcp_sendmsg:remote"
PATHS="$PATHS unix_stream_recvmsg tcp_recvmsg:loopback tcp_recvmsg:remote"

# expect BACKEND PATH: "ok" or the reason BACKEND cannot serve PATH here.
expect() {
	case $1 in
	fentry)
		if $fentry_ok; then echo ok; else echo "BPF_PROG_LOAD failed: $FENTRY_WHY"; fi ;;
	kprobe)
		case $kprobe_events in
		y) echo ok ;;
		"?") echo "?" ;;
		*) echo "no kprobe support in this kernel (CONFIG_KPROBES off)" ;;
		esac ;;
	tracepoint)
		if $btf && has_tp raw_syscalls/sys_enter; then echo ok; else echo "?"; fi ;;
	kmod)
		if [ -e /proc/udsprobe ]; then echo ok; else echo "/proc/udsprobe absent (sudo insmod kmod/udsprobe.ko)"; fi ;;
	esac
}
# said BACKEND PATH: what --check said, "ok" or the reason.
said() {
	jq -r --arg b "$1" --arg p "$2" '.backends[] | select(.backend == $b) | .paths[]
		| select(.path == $p) | if .ok then "ok" else .reason end' <<<"$j"
}
# probe BACKEND PATH: the probe --check named.
probe() {
	jq -r --arg b "$1" --arg p "$2" '.backends[] | select(.backend == $b) | .paths[]
		| select(.path == $p) | .probe // ""' <<<"$j"
}

for b in fentry kprobe tracepoint kmod; do
	want=$(expect $b)
	if [ "$want" = "?" ]; then
		skip "check: $b" "cannot tell on this kernel without udstrace (no kernel config, or no BTF or raw_syscalls tracepoints)"
		continue
	fi
	for p in $PATHS; do
		check "check: $b $p" "$(said $b "$p")" "$want"
	done
done
# Where the tracepoint backend serves a path, its probe begins with the
# tracepoint it uses.
if [ "$(expect tracepoint)" = ok ]; then
	# From 6.3 connects that work are counted at the listener's wake-up.
	if has_tp sock/sk_data_ready; then
		want="sock:sk_data_ready + raw_syscalls:sys_enter/sys_exit (connect; io_uring's counted, not timed)"
	else
		want="raw_syscalls:sys_enter/sys_exit (connect; no sock:sk_data_ready before 6.3, so io_uring's are not seen)"
	fi
	check "check: tracepoint unix_stream_connect probe" "$(probe tracepoint unix_stream_connect)" "$want"
	for p in unix_stream_sendmsg:send tcp_sendmsg:loopback:send unix_stream_recvmsg:recv tcp_recvmsg:loopback:recv; do
		tp=sock/sock_${p##*:}_length
		if has_tp "$tp"; then want=yes; else want=no; fi
		check "check: tracepoint ${p%:*} uses ${tp/\//:} where the kernel has it" \
			"$(probe tracepoint "${p%:*}" | grep -q "^${tp/\//:} " && echo yes || echo no)" $want
	done
fi
# auto: the first of fentry, kprobe, tracepoint this kernel serves.
want=
for b in fentry kprobe tracepoint; do
	if [ "$(expect $b)" = ok ]; then want=$b; break; fi
done
if [ -n "$want" ]; then
	check "check: auto picks $want" "$(jq -r '.auto | [.[]] | unique | join(",")' <<<"$j")" "$want"
fi

# --- a real run with each backend agrees with --check ---------------------------
N=50 M=2 K=20 S=100
for b in fentry kprobe tracepoint kmod; do
	said_ok=$(jq -r --arg b "$b" '[.backends[] | select(.backend == $b) | .paths[].ok] | all' <<<"$j")
	reason=$(said $b unix_stream_sendmsg)
	tmp=$(mktemp)
	out=$(timeout -s KILL 60 "$UDSTRACE" --backend $b --json -- "$WORKLOAD" -u $N -c $M -t $K -s $S 2>"$tmp")
	status=$?
	err=$(grep -v '^udstrace: tracing' "$tmp")
	rm -f "$tmp"
	if [ "$said_ok" = true ]; then
		check "check: --check said $b works: a run's exit status" "$status" 0
		check_counts "check: --check said $b works: a run" "$out" $M $N $((N * S)) $K $((K * S))
	else
		check "check: --check said $b does not work: a run's exit status" "$status" 1
		check "check: --check said $b does not work: a run says why" "$err" "udstrace: $b: $reason"
	fi
done

text=$("$UDSTRACE" --check)
grep -q -E "^tracepoint  unix_stream_connect   ok: (sock:sk_data_ready \+ )?raw_syscalls:sys_enter/sys_exit \(connect; " <<<"$text" &&
	pass "check: text names the tracepoint probe" ||
	fail "check: text names the tracepoint probe" "$text"
