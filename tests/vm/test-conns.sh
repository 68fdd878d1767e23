#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# -S in the VMs (Debian 5.10, 6.1 and 6.12 by default; UDSTRACE_VM_KERNELS
# picks), with fentry, kprobe and tracepoint: the exact per-connection
# counts, peers and names of tests/connwork.c, backpressure and wake-ups
# (tests/conns.sh), or a SKIP that says what the backend or kernel lacks:
# kprobe has no sched_switch (no time split, no wake-ups), the tracepoint
# backend's wake-ups need sock:sk_data_ready (6.3+). ss is not in the
# guest: the host's tests/live/conns.sh compares with ss. A VM that cannot
# boot is a failure; UDSTRACE_SKIP_VM=1 skips, and says so.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/conns.sh"
CONNWORK=${CONNWORK:-$TOP/.output/connwork}

KERNELS=${UDSTRACE_VM_KERNELS:-5.10 6.1 6.12}
if [ "${UDSTRACE_SKIP_VM:-0}" = 1 ]; then
	skip "vm conns" "UDSTRACE_SKIP_VM=1 was set"
	exit 0
fi
. "$TOP/tests/vm/parallel.sh"

boot() {
	local t0=$SECONDS st=0
	"$TOP/tests/vm/run-vm.sh" --kernel "$1" --timeout 200 --add "$UDSTRACE:udstrace" \
		--add "$CONNWORK:connwork" --add "$TOP/tests/vm/guest-dmesg.sh:guest-dmesg.sh" \
		--add "$TOP/tests/vm/guest-deadline.sh:guest-deadline.sh" \
		-- "$TOP/tests/vm/guest-conns.sh" >"$VM_TMP/$1.log" 2>&1 || st=$?
	echo "# vm $1: the conns suite's VM ran for $((SECONDS - t0)) s" >>"$VM_TMP/$1.log"
	return $st
}
# shellcheck disable=SC2086 # a list
vm_parallel boot $KERNELS

results() {
	local k=$1 log=$VM_TMP/$1.log status b nosplit nowake
	status=$(cat "$VM_TMP/$k.status" 2>/dev/null || echo killed)
	grep '^#' "$log" | grep -v '^# dmesg' | tr -d '\r'
	vm_finished "$k" conns "$status" "^@@end" || return
	result() { sed -n "s/^@@$1 //p" "$log" | tr -d '\r'; }
	while IFS= read -r p; do
		fail "vm $k conns deadline: ${p%%:*}" "${p#*: }"
	done < <(result timeout)
	for b in fentry kprobe tracepoint; do
		nosplit= nowake=
		if [ "$b" = kprobe ]; then
			nosplit="the kprobe backend has no sched_switch"
			nowake=$nosplit
		elif [ "$b" = tracepoint ] && [ "$(result kernel-datareadytp)" != yes ]; then
			nowake="no sock:sk_data_ready on $k (6.3+)"
		fi
		for c in counts block pingpong; do
			check "vm $k conns $b $c: exit status" "$(result "$b-$c-status")" 0
		done
		conn_counts_check "vm $k conns $b" "$(result "$b-counts")"
		conn_block_check "vm $k conns $b" "$(result "$b-block")" "$nosplit"
		conn_wake_check "vm $k conns $b" "$(result "$b-pingpong")" "$nowake"
	done
	vm_dmesg "$k" conns "$log" 0
}
for k in $KERNELS; do
	vm_wait "$k"
	results "$k"
done
