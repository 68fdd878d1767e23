#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Every way of writing to and reading from a socket, in the VMs (Debian
# 5.10, 6.1 and 6.12 by default; UDSTRACE_VM_KERNELS picks): fentry, kprobe,
# tracepoint and the module (built against the kernel's Debian headers, as
# tests/vm/test-kmod.sh does) must each count exactly what the workload
# counted itself (tests/writes.sh), or say SKIP with the reason. On 6.1
# sendfile and splice into a socket go through ->sendpage, which only the
# rows' extra functions see. A VM that cannot boot is a failure;
# UDSTRACE_SKIP_VM=1 skips, and says so.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/writes.sh"

KERNELS=${UDSTRACE_VM_KERNELS:-5.10 6.1 6.12}
if [ "${UDSTRACE_SKIP_VM:-0}" = 1 ]; then
	skip "vm writes" "UDSTRACE_SKIP_VM=1 was set"
	exit 0
fi
. "$TOP/tests/vm/parallel.sh"
log=$VM_TMP/build.log

# kmod KERNEL: the module built against KERNEL's headers, in
# $VM_TMP/udsprobe-KERNEL.ko, or a SKIP (5.10: never built for it).
kmod() {
	local k=$1 abi kdir
	if [ "$k" = 5.10 ]; then
		skip "vm $k writes kmod" "the module is built and tested against Debian 12's headers only (6.1, 6.12)"
		return
	fi
	abi=$("$TOP/tests/vm/kernel.sh" --kernel "$k" --abi 2>"$log") || {
		fail "vm $k writes kmod: guest kernel" "$(tail -n 1 "$log")"
		return
	}
	kdir=/usr/src/linux-headers-$abi
	if [ ! -f "$kdir/Makefile" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"linux-headers-$abi" >"$log" 2>&1
	fi
	if [ ! -f "$kdir/Makefile" ]; then
		fail "vm $k writes kmod: headers" "cannot install linux-headers-$abi: $(tail -n 1 "$log")"
	elif ! make -C "$TOP" --no-print-directory kmod KDIR="$kdir" >"$log" 2>&1; then
		fail "vm $k writes kmod: build" "$(grep -m 2 -E 'error|Error' "$log" | tr '\n' ' ')"
	else
		cp "$TOP/kmod/udsprobe.ko" "$VM_TMP/udsprobe-$k.ko"
	fi
}
for k in $KERNELS; do kmod "$k"; done

boot() {
	local t0=$SECONDS st=0 ko=()
	[ ! -e "$VM_TMP/udsprobe-$1.ko" ] || ko=(--add "$VM_TMP/udsprobe-$1.ko:udsprobe.ko")
	"$TOP/tests/vm/run-vm.sh" --kernel "$1" --timeout 200 --add "$UDSTRACE:udstrace" \
		--add "$WORKLOAD:workload" --add "$TOP/tests/vm/guest-dmesg.sh:guest-dmesg.sh" "${ko[@]}" \
		-- "$TOP/tests/vm/guest-writes.sh" "$WRITE_CASES" -- "${WRITE_ARGS[@]}" \
		>"$VM_TMP/$1.log" 2>&1 || st=$?
	echo "# vm $1: the writes suite's VM ran for $((SECONDS - t0)) s" >>"$VM_TMP/$1.log"
	return $st
}
# shellcheck disable=SC2086 # a list
vm_parallel boot $KERNELS

results() {
	local k=$1 log=$VM_TMP/$1.log status tp b c backends
	status=$(cat "$VM_TMP/$k.status" 2>/dev/null || echo killed)
	grep '^#' "$log" | grep -v '^# dmesg' | tr -d '\r'
	vm_finished "$k" writes "$status" "^@@end" || return
	result() { sed -n "s/^@@$1 //p" "$log" | tr -d '\r'; }
	while IFS= read -r p; do
		fail "vm $k writes deadline: ${p%%:*}" "${p#*: }"
	done < <(result timeout)
	tp=$(result kernel-socktp)
	echo "# vm $k: sock:sock_send_length and sk_data_ready: $tp; the rows' extra functions here: $(result kernel-extras)"
	backends="fentry kprobe tracepoint"
	if [ -e "$VM_TMP/udsprobe-$k.ko" ]; then
		check "vm $k writes: insmod udsprobe.ko" "$(result kmod-insmod)" ""
		backends="$backends kmod"
	fi
	for b in $backends; do
		for c in $WRITE_CASES; do
			check "vm $k writes $b $c: exit status" "$(result "$b-$c-status")" 0
			writes_check "vm $k writes $b $c" "$(result "$b-$c")" "$c" "$b" "$tp"
		done
	done
	for b in fentry tracepoint; do
		for c in seqpacket uring-connect splice-out uring-send; do
			writes_check "vm $k writes $b --counts-only $c" "$(result "counts-$b-$c")" "$c" "$b" "$tp" yes
		done
	done
	vm_dmesg "$k" writes "$log" "$([ -e "$VM_TMP/udsprobe-$k.ko" ] && echo 12288 || echo 0)"
}
for k in $KERNELS; do
	vm_wait "$k"
	results "$k"
done
