#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Reliability in a VM, for the backends the host cannot run (fentry, kprobe,
# and tracepoint beside them): exact under load, nothing left behind after
# every way of ending (kprobe events in tracefs included, and the next start
# cleans up after a SIGKILL), four instances at once with four backends,
# PID reuse. One kernel, $UDSTRACE_VM_RELIABILITY_KERNEL (default 6.1): the
# load under TCG is slow, and the core suite covers the kernel matrix.
# The guest is tests/vm/guest-reliability.sh; docs/RELIABILITY.md has the
# figures. UDSTRACE_SKIP_VM=1 skips, and says so.
. "$(dirname "$0")/../lib.sh"

K=${UDSTRACE_VM_RELIABILITY_KERNEL:-6.1}
if [ "${UDSTRACE_SKIP_VM:-0}" = 1 ]; then
	skip "vm reliability" "UDSTRACE_SKIP_VM=1 was set"
	exit 0
fi
BPFTOOL=$(command -v bpftool) || {
	fail "vm $K reliability" "bpftool is not installed on the host (tests/deps.sh installs it)"
	exit 0
}
. "$TOP/tests/vm/parallel.sh"
# The load: 8 threads, as on the host, with fewer sends each: TCG runs the
# guest some 20-50 times slower.
LT=8 LU=${UDSTRACE_VM_LOAD_UNIX:-10000} LK=${UDSTRACE_VM_LOAD_TCP:-4000} S=100

boot() {
	local t0=$SECONDS st=0
	"$TOP/tests/vm/run-vm.sh" --kernel "$1" --timeout 240 --add "$UDSTRACE:udstrace" \
		--add "$WORKLOAD:workload" --add "$TOP/tests/wait.sh:wait.sh" --add "$BPFTOOL:bpftool" \
		--add "$TOP/tests/vm/guest-dmesg.sh:guest-dmesg.sh" --add "$TOP/tests/vm/guest-deadline.sh:guest-deadline.sh" \
		-- "$TOP/tests/vm/guest-reliability.sh" "$LT" "$LU" "$LK" \
		>"$VM_TMP/$1.log" 2>&1 || st=$?
	echo "# vm $1: the reliability suite's VM ran for $((SECONDS - t0)) s" >>"$VM_TMP/$1.log"
	return $st
}
vm_parallel boot "$K"
vm_wait "$K"
log=$VM_TMP/$K.log
status=$(cat "$VM_TMP/$K.status" 2>/dev/null || echo killed)
grep '^#' "$log"
if ! vm_finished "$K" reliability "$status" "^@@end"; then
	for b in fentry kprobe tracepoint; do matrix_add "$K" "$b" FAIL; done
	exit 0
fi
while IFS= read -r p; do
	fail "vm $K reliability deadline: ${p%%:*}" "${p#*: }"
done < <(sed -n 's/^@@timeout //p' "$log" | tr -d '\r')

result() { sed -n "s/^@@$1 //p" "$log" | tr -d '\r'; }

for b in fentry kprobe; do
	counted "$K" $b check "vm $K load $b: exit status" "$(result load-$b-status)" 0
	counted "$K" $b check_load "vm $K load $b" "$(result load-$b)" "$LT" "$LU" "$LK"
	echo "# vm $K load $b: $(load_rate "$(result load-$b)") (TCG)"
	counted "$K" $b check "vm $K load -i 1 $b: exit status" "$(result load-i-$b-status)" 0
	counted "$K" $b check_load "vm $K load -i 1 $b" "$(result load-i-$b)" "$LT" "$LU" "$LK"
	echo "# vm $K load -i 1 $b: $(load_rate "$(result load-i-$b)") (TCG)"
done

# Nothing left behind. Every signal but SIGKILL ends the run with status 0
# and cleans up; after a SIGKILL the kprobe events stay, and the next
# start removes them.
for c in kprobe-normal kprobe-d kprobe-INT kprobe-TERM kprobe-HUP kprobe-QUIT kprobe-PIPE \
	kprobe-KILL kprobe-KILLT fentry-HUP fentry-KILL tracepoint-KILL; do
	b=${c%%-*} n="vm $K $b ${c#*-}"
	[[ $c == *KILL* ]] || check "$n: exit status" "$(result left-$c-status)" 0
	[[ $c == *KILL ]] || check "$n: udstrace held BPF programs" \
		"$(result left-$c-held | awk '{ print ($1 > 0) }')" 1
	check "$n: no BPF program, map, link or BTF left" "$(result left-$c-bpf)" ""
	check "$n: nothing pinned" "$(result left-$c-pinned)" ""
	[[ $c == *KILL* ]] || check "$n: no kprobe event left" "$(result left-$c-events)" 0
	[[ $c != *PIPE ]] || check "$n: head read one interval" \
		"$(result left-$c-first | jq -r .final)" false
	counted "$K" $b check "$n: the next run: exit status" "$(result left-$c-next-status)" 0
	counted "$K" $b check_counts "$n: the next run" "$(result left-$c-next)" 2 300 $((300 * S)) 100 $((100 * S))
	# The kprobe backend's start removes what dead runs left.
	[ $b != kprobe ] || check "$n: no kprobe event of a dead udstrace after the next run" \
		"$(result left-$c-events-after-next)" 0
done

# Four at once, four backends: each counts its own target exactly.
declare -A FB=([p1]=fentry [p2]=kprobe [c3]=tracepoint [c4]=fentry)
for w in p1 p2 c3 c4; do
	out=$(result four-$w)
	rep=$(grep '^{"pid"' <<<"$out")
	counted "$K" "${FB[$w]}" check_counts "vm $K four at once: $w (${FB[$w]})" "$out" \
		"$(jq .connects <<<"$rep")" "$(jq .unix_sends <<<"$rep")" "$(jq .unix_bytes <<<"$rep")" \
		"$(jq .tcp_sends <<<"$rep")" "$(jq .tcp_bytes <<<"$rep")"
	check "vm $K four at once: $w (${FB[$w]}): backend" "$(jq -r .backend <<<"$(final_object <<<"$out")")" "${FB[$w]}"
done
check "vm $K four at once: the workloads' sends as asked" \
	"$(for w in p1 p2 c3 c4; do result four-$w; done | grep '^{"pid"' | jq -s -c 'map(.unix_sends)')" \
	"[3000,2000,2500,3200]"

# PID reuse, per backend.
for b in fentry kprobe tracepoint; do
	read -r a p < <(result reuse-$b-pids)
	if [ "$a" = unsupported ]; then
		skip "vm $K pid reuse $b" "busybox unshare -p -f -m --mount-proc fails in the guest"
	elif [ -z "$a" ] || [ "$a" != "$p" ]; then
		skip "vm $K pid reuse $b" "B did not get A's PID ($a, $p)"
	else
		check "vm $K pid reuse $b: exit status" "$(result reuse-$b-status)" 0
		counted "$K" $b check_counts "vm $K pid reuse $b: only A" "$(result reuse-$b)" \
			2 300 $((300 * S)) 100 $((100 * S))
	fi
done
for b in fentry kprobe tracepoint; do matrix_counted "$K" $b; done
# Load, signals and SIGKILLs, and the kernel said nothing about them.
vm_dmesg "$K" reliability "$log" 0
