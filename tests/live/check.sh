#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# udstrace --check on the running kernel: what it says must match what
# this kernel can do, which the test finds out on its own.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "check" "needs root to load test programs"
	exit 0
fi

j=$("$UDSTRACE" --check --json)
check "check: exit status" "$?" 0
check "check: schema" "$(jq -r .schema <<<"$j")" "udstrace-check/1"
check "check: kernel" "$(jq -r .kernel <<<"$j")" "$(uname -r)"
check "check: btf" "$(jq -r .btf <<<"$j")" "$([ -r /sys/kernel/btf/vmlinux ] && echo true || echo false)"

# reason BACKEND PATH: why a backend cannot serve a path ("" if it can).
reason() {
	jq -r --arg b "$1" --arg p "$2" \
		'.backends[] | select(.backend == $b) | .paths[] | select(.path == $p) | .reason // ""' <<<"$j"
}

if [ -e /sys/bus/event_source/devices/kprobe ] || [ -e /sys/kernel/tracing/kprobe_events ]; then
	check "check: kprobe available" "$(reason kprobe unix_stream_sendmsg)" ""
else
	check "check: kprobe refused" "$(reason kprobe unix_stream_sendmsg)" \
		"no kprobe support in this kernel (CONFIG_KPROBES off)"
fi
if [ -e /proc/udsprobe ]; then
	check "check: kmod available" "$(reason kmod unix_stream_sendmsg)" ""
else
	check "check: kmod absent" "$(reason kmod unix_stream_sendmsg)" \
		"/proc/udsprobe absent (sudo insmod kmod/udsprobe.ko)"
fi
# Whether fentry works is what a real run with it says.
if "$UDSTRACE" --backend fentry -d 0.1 >/dev/null 2>&1; then
	check "check: fentry available" "$(reason fentry tcp_sendmsg:loopback)" ""
	check "check: auto prefers fentry" "$(jq -r '.auto["unix_stream_sendmsg"]' <<<"$j")" fentry
else
	check "check: fentry refused" "$(reason fentry tcp_sendmsg:loopback)" \
		"BPF_PROG_LOAD failed: Operation not permitted"
	check "check: auto falls back" "$(jq -r '.auto["unix_stream_sendmsg"]' <<<"$j")" \
		"$(jq -r 'if (.backends[] | select(.backend == "kprobe") | .paths[0].ok) then "kprobe" else "tracepoint" end' <<<"$j")"
fi
text=$("$UDSTRACE" --check)
grep -q "^tracepoint  unix_stream_connect   ok: raw_syscalls:sys_enter/sys_exit (connect)$" <<<"$text" &&
	pass "check: text names the tracepoint probe" ||
	fail "check: text names the tracepoint probe" "$text"
