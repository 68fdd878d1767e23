#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# VM tests: boot Debian's kernels under qemu, 5.10 (Debian 11), 6.1 and
# 6.12 (Debian 12), and demand the same exact counts there, where fentry and
# kprobe really work. The VMs run in the background, two at a time
# (tests/vm/parallel.sh), while the results come out kernel by kernel.
# A VM that cannot start is a failure; UDSTRACE_SKIP_VM=1 is the only way to
# skip, and says so. UDSTRACE_VM_KERNELS picks the kernels (default all three).
. "$(dirname "$0")/../lib.sh"

KERNELS=${UDSTRACE_VM_KERNELS:-5.10 6.1 6.12}
BACKENDS="auto fentry kprobe tracepoint"
if [ "${UDSTRACE_SKIP_VM:-0}" = 1 ]; then
	skip "vm tests" "UDSTRACE_SKIP_VM=1 was set"
	for k in $KERNELS; do
		for b in $BACKENDS; do matrix_add "$k" "$b" "SKIP: UDSTRACE_SKIP_VM=1"; done
	done
	exit 0
fi
. "$TOP/tests/vm/parallel.sh"
. "$TOP/tests/vm/kprobe-checks.sh"
N=1000 M=7 K=500 S=100

# The host's setpriv and strace, for the least-privilege and footprint
# cases (their libraries go along); without them those cases say so.
HOST_TOOLS=()
for t in setpriv strace; do
	p=$(command -v $t) && HOST_TOOLS+=(--add "$p:$t")
done
# boot KERNEL: the core suite in a VM running KERNEL (40-75 s under TCG).
boot() {
	local t0=$SECONDS st=0
	"$TOP/tests/vm/run-vm.sh" --kernel "$1" --timeout 120 --add "$UDSTRACE:udstrace" \
		--add "$WORKLOAD:workload" --add "$TOP/tests/wait.sh:wait.sh" \
		--add "$TOP/.output/sleepers:sleepers" --add "$TOP/.output/backlog:backlog" --add "$TOP/tests/vm/guest-kprobe.sh:guest-kprobe.sh" ${W32:+--add "$W32:workload32"} \
		--add "$TOP/tests/vm/guest-dmesg.sh:guest-dmesg.sh" --add "$TOP/tests/vm/guest-deadline.sh:guest-deadline.sh" "${HOST_TOOLS[@]}" \
		-- "$TOP/tests/vm/guest-core.sh" $N $M $K $S \
		>"$VM_TMP/$1.log" 2>&1 || st=$?
	echo "# vm $1: the core suite's VM ran for $((SECONDS - t0)) s" >>"$VM_TMP/$1.log"
	return $st
}
# The workload built for ia32, if Debian's gcc-multilib is there.
W32=$TOP/.output/workload32
build_workload32 "$W32" 2>/dev/null || W32=
# shellcheck disable=SC2086 # a list
vm_parallel boot $KERNELS

# results KERNEL: the checks of one kernel's run.
results() {
	local k=$1 log=$VM_TMP/$1.log status c b p tps traceable
	status=$(cat "$VM_TMP/$k.status" 2>/dev/null || echo killed)
	grep '^#' "$log"
	if ! vm_finished "$k" core "$status" "^@@end"; then
		for b in $BACKENDS; do matrix_add "$k" "$b" FAIL; done
		return
	fi
	matrix_add "$k" abi "$(sed -n 's/^# guest kernel //p' "$log" | tr -d '\r' | head -n1)"
	# A wait in the guest that ran out of time.
	while IFS= read -r p; do
		fail "vm $k guest deadline: ${p%%:*}" "${p#*: }"
	done < <(sed -n 's/^@@timeout //p' "$log" | tr -d '\r')

	# result NAME: what the guest printed for case NAME; final: udstrace's total.
	result() { sed -n "s/^@@$1 //p" "$log" | tr -d '\r'; }
	final() { result "$1" | final_object; }

	for c in auto auto-grandchild auto-daemon tracepoint fentry kprobe; do
		b=${c%%-*}
		counted "$k" "$b" check "vm $k $c: exit status" "$(result "$c-status")" 0
		counted "$k" "$b" check_counts "vm $k $c" "$(result "$c")" $M $N $((N * S)) $K $((K * S))
	done
	for c in counts-fentry counts-tracepoint; do
		b=${c#counts-}
		counted "$k" "$b" check_counts "vm $k $c" "$(result "$c")" $M $N $((N * S)) $K $((K * S))
		counted "$k" "$b" check "vm $k $c: nothing timed" "$(jq '[.paths[].timed] | add' <<<"$(final "$c")")" 0
	done
	for b in fentry kprobe; do
		check "vm $k subtract-$b: exit status" "$(result "subtract-$b-status")" 0
		check_subtract "vm $k subtract-$b" "$(result "subtract-$b")" $N
	done
	# fentry and kprobe on one process at once: both exact, both ended
	# well, and both timed the TCP reader's read() that the workload saw
	# sleep 300 ms or more, within the workload's own time for its calls.
	check "vm $k both: workload exit status" "$(result both-workload-status)" 0
	for c in both-fentry both-kprobe; do
		counted "$k" "${c#both-}" check "vm $k $c: exit status" "$(result "$c-status")" 0
		counted "$k" "${c#both-}" check_counts "vm $k $c" "$(result "$c")" $M $N $((N * S)) $K $((K * S))
		check "vm $k $c: the reader's 300 ms in read() timed in tcp_recvmsg" \
			"$(path_field "$(final "$c")" tcp_recvmsg:loopback ktime_ns | awk '{print ($1 >= 300000000)}')" 1
		check_times "vm $k $c" "$(result "$c")"
	done
	# The stages each backend must probe follow from what the guest's
	# kernel reported having (tracepoints, traceable functions).
	tps=$(result kernel-tracepoints) traceable=$(result kernel-traceable)
	echo "# vm $k: stage tracepoints: ${tps:-none}; traceable stage functions: ${traceable:-none}"
	for b in fentry tracepoint; do
		counted "$k" "$b" check "vm $k stages-$b: exit status" "$(result "stages-$b-status")" 0
		counted "$k" "$b" check_counts "vm $k stages-$b" "$(result "stages-$b")" $M $N $((N * S)) $K $((K * S))
		counted "$k" "$b" check_stages "vm $k stages-$b" "$(result "stages-$b")" $N $M $K "$tps" "$traceable"
		check "vm $k blocked-$b: exit status" "$(result "blocked-$b-status")" 0
		check_blocked "vm $k blocked-$b" "$(result "blocked-$b")"
		check_preempted "vm $k preempted-$b" "$(result preempted-$b)" \
			"$(result kernel-preempt-full)" 4000
	done
	# Other sockets' softirq work inside the traced calls (stages-rps.sh).
	for b in fentry tracepoint; do
		if [ "$(result kernel-rps)" != yes ]; then
			skip "vm $k rps-$b" "no writable lo rps_cpus in the guest (CONFIG_RPS)"
			continue
		fi
		check "vm $k rps-uds-$b: exit status" "$(result "rps-uds-$b-status")" 0
		counted "$k" "$b" check_rps_uds "vm $k rps-uds-$b" "$(result "rps-uds-$b")" 10000
		check "vm $k rps-tcp-$b: exit status" "$(result "rps-tcp-$b-status")" 0
		counted "$k" "$b" check_rps_tcp "vm $k rps-tcp-$b" "$(result "rps-tcp-$b")" $K "$tps" "$traceable"
	done
	for b in fentry tracepoint; do
		check "vm $k tfo-$b: exit status" "$(result "tfo-$b-status")" 0
		counted "$k" "$b" check_tfo "vm $k tfo-$b" "$(result "tfo-$b")" $K
	done
	check "vm $k one stage fails: exit status" "$(result stage-fails-fentry-status)" 0
	counted "$k" fentry check_one_stage_failed "vm $k one stage fails" \
		"$(result stage-fails-fentry)" ip_rcv ip_rcv_exit $M $N $K
	# sock:sk_data_ready, the tracepoint backend's view of the reader's
	# wake-up, exists from 6.3 on: before, udstrace must say so.
	if [[ " $tps " != *" sock:sk_data_ready "* ]]; then
		check "vm $k stages-tracepoint: sk_data_ready is missing before 6.3" \
			"$(jq -r '.paths[] | select(.path == "unix_stream_sendmsg") | .stages[] | select(.name == "sock:sk_data_ready" or .name == "sock_def_readable") | .reason' <<<"$(final stages-tracepoint)")" \
			"no tracepoint sock:sk_data_ready on this kernel (added in 6.3)"
	fi
	check "vm $k check: exit status" "$(result check-status)" 0
	for b in fentry kprobe tracepoint; do
		check "vm $k check: $b serves every path" \
			"$(jq --arg b "$b" '[.backends[] | select(.backend == $b) | .paths[].ok] | all' <<<"$(result check)")" true
	done
	check "vm $k check: kmod absent" \
		"$(jq -r '.backends[] | select(.backend == "kmod") | .paths[0].reason' <<<"$(result check)")" \
		"/proc/udsprobe absent (sudo insmod kmod/udsprobe.ko)"
	check "vm $k check: auto picks fentry" "$(jq -r '.auto | [.[]] | unique | join(",")' <<<"$(result check)")" fentry
	check "vm $k kprobe: function time" "$(jq -r .time_scope <<<"$(final kprobe)")" function
	check "vm $k auto: chose fentry" "$(jq -r .backend <<<"$(final auto)")" fentry
	check "vm $k auto: function time" "$(jq -r .time_scope <<<"$(final auto)")" function
	counted "$k" auto check "vm $k auto: timed sends" "$(path_field "$(final auto)" unix_stream_sendmsg timed)" $N
	check "vm $k tracepoint: syscall time" "$(jq -r .time_scope <<<"$(final tracepoint)")" syscall
	adapted "$k"
	filters "$k"
	perproc "$k"
	time_sample "$k"
	ending "$k"
	privilege "$k"
	footprint "$k"
	counted "$k" kprobe kprobe_checks "$k" result
	vm_dmesg "$k" core "$log" 0
	for b in $BACKENDS; do matrix_counted "$k" "$b"; done
}

# privilege KERNEL: udstrace as nobody with exactly the capabilities given.
privilege() {
	local k=$1 p res
	if [ "$(result priv-status)" = unsupported ] || [ "$(result priv-auto-status)" = "" ]; then
		skip "vm $k least privilege" "setpriv is not on the host (util-linux)"
		return
	fi
	res=$(result priv-res)
	if [ "$res" = none ]; then
		check "vm $k CAP_BPF+CAP_PERFMON as nobody: exit status" "$(result priv-auto-status)" 0
		check_counts "vm $k CAP_BPF+CAP_PERFMON as nobody" "$(result priv-auto)" $M $N $((N * S)) $K $((K * S))
		check "vm $k CAP_BPF+CAP_PERFMON as nobody: backend" "$(jq -r .backend <<<"$(final priv-auto)")" fentry
	else
		# Before 5.11: RLIMIT_MEMLOCK (the guest's ulimit -l, in KiB) must be lifted.
		check "vm $k CAP_BPF+CAP_PERFMON as nobody, before 5.11: exit status" "$(result priv-auto-status)" 1
		check "vm $k CAP_BPF+CAP_PERFMON as nobody, before 5.11: one line" "$(result priv-auto-err)" \
			"udstrace: needs CAP_SYS_RESOURCE on this kernel: before 5.11, BPF maps count against RLIMIT_MEMLOCK ($(result priv-memlock) KiB here); or run it under ulimit -l unlimited"
		check "vm $k CAP_BPF+CAP_PERFMON+CAP_SYS_RESOURCE as nobody: exit status" "$(result priv-auto-res-status)" 0
		check_counts "vm $k CAP_BPF+CAP_PERFMON+CAP_SYS_RESOURCE as nobody" "$(result priv-auto-res)" $M $N $((N * S)) $K $((K * S))
	fi
	check "vm $k kprobe as nobody without CAP_DAC_OVERRIDE: exit status" "$(result priv-kprobe-status)" 1
	check "vm $k kprobe as nobody without CAP_DAC_OVERRIDE: one line" "$(result priv-kprobe-err)" \
		"udstrace: kprobe: cannot write /sys/kernel/tracing/kprobe_events: Permission denied (needs uid 0 or CAP_DAC_OVERRIDE)"
	p=$(result priv-paranoid)
	echo "# vm $k: kernel.perf_event_paranoid is $p"
	if [ "${p:-2}" -gt 2 ]; then
		check "vm $k kprobe as nobody with CAP_DAC_OVERRIDE, paranoid $p: exit status" "$(result priv-kprobe-dac-status)" 1
		check "vm $k kprobe as nobody with CAP_DAC_OVERRIDE, paranoid $p: one line" "$(result priv-kprobe-dac-err)" \
			"udstrace: kprobe: perf_event_open needs CAP_SYS_ADMIN while kernel.perf_event_paranoid is $p (2 would do)"
	else
		check_counts "vm $k kprobe as nobody with CAP_DAC_OVERRIDE" "$(result priv-kprobe-dac)" $M $N $((N * S)) $K $((K * S))
	fi
	check "vm $k kprobe as nobody with CAP_DAC_OVERRIDE, paranoid 2: exit status" "$(result priv-kprobe-p2-status)" 0
	check_counts "vm $k kprobe as nobody with CAP_DAC_OVERRIDE, paranoid 2" "$(result priv-kprobe-p2)" $M $N $((N * S)) $K $((K * S))
}

# footprint KERNEL: what a kprobe run touched, under strace.
footprint() {
	local k=$1 f=$VM_TMP/$1.strace
	if [ "$(result fp-kprobe-status)" = unsupported ]; then
		skip "vm $k kprobe footprint" "strace is not on the host"
		return
	fi
	check "vm $k kprobe under strace: exit status" "$(result fp-kprobe-status)" 0
	check_counts "vm $k kprobe under strace" "$(result fp-kprobe)" $M $N $((N * S)) $K $((K * S))
	result fp-kprobe-strace >"$f"
	check "vm $k kprobe under strace: it was traced" "$(grep -c '^openat(' "$f" | awk '{ print ($1 > 0) }')" 1
	check "vm $k kprobe: no network calls" "$(network "$f" | head -n 3)" ""
	check "vm $k kprobe: writes only its tracefs events" "$(changes "$f")" \
		"open /sys/kernel/tracing/kprobe_events"
	check "vm $k kprobe: nothing new in /sys/fs/bpf" "$(result fp-bpffs)" same
	check "vm $k kprobe: its events are gone" "$(result fp-kprobe-events-left)" 0
}

# adapted KERNEL: what adapts at load time (guest-core.sh's last cases).
adapted() {
	local k=$1 b want
	# Forced task storage: before 5.11 fentry and tracepoint fail to load
	# and auto falls back to kprobe; from 5.11 nothing changes.
	want=fentry
	[ "$(result kernel-task-storage)" = yes ] || want=kprobe
	counted "$k" auto check_counts "vm $k auto, task storage forced" "$(result forced-ts)" $M $N $((N * S)) $K $((K * S))
	check "vm $k auto, task storage forced: backend" "$(jq -r .backend <<<"$(final forced-ts)")" $want
	check "vm $k --check, task storage forced: exit status" "$(result forced-ts-check-status)" 0
	check "vm $k --check, task storage forced: auto" \
		"$(jq -r '.auto | [.[]] | unique | join(",")' <<<"$(result forced-ts-check)")" $want
	if [ $want = kprobe ]; then
		check "vm $k --check, task storage forced: why fentry cannot" \
			"$(jq -r '.backends[] | select(.backend == "fentry") | .paths[0].reason' <<<"$(result forced-ts-check)")" \
			"BPF_PROG_LOAD failed: Invalid argument"
	fi
	for b in fentry tracepoint; do
		counted "$k" "$b" check_counts "vm $k $b, in-flight hash" "$(result hash-$b)" $M $N $((N * S)) $K $((K * S))
	done
	if [ -z "$W32" ]; then
		skip "vm $k 32-bit process" "cannot build an ia32 workload (apt-get install gcc-multilib)"
	else
		for b in tracepoint fentry; do
			counted "$k" "$b" check_counts "vm $k 32-bit process, $b" "$(result ia32-$b)" $M $N $((N * S)) $K $((K * S))
		done
	fi
	if [ "$(result pidns-status)" = unsupported ]; then
		skip "vm $k pid namespace" "busybox unshare -p -f -m --mount-proc fails in the guest"
	else
		check "vm $k pid namespace: exit status" "$(result pidns-status)" 0
		counted "$k" auto check_counts "vm $k pid namespace" "$(result pidns)" $M $N $((N * S)) $K $((K * S))
	fi
}

# vm_counts NAME OUTPUT REPORTS: OUTPUT's final object has exactly what the
# workload reports REPORTS say, every row.
vm_counts() {
	check_counts "$1" "$2
$3" "$(workload_sum "$3" connects)" "$(workload_sum "$3" unix_sends)" \
		"$(workload_sum "$3" unix_bytes)" "$(workload_sum "$3" tcp_sends)" \
		"$(workload_sum "$3" tcp_bytes)"
}

# time_sample KERNEL: --time-sample with fentry and tracepoint. Counts are
# exact; where a backend cannot sample it times every call and says so.
time_sample() {
	local k=$1 b j sampled
	for b in fentry tracepoint; do
		j=$(final "sample-$b")
		counted "$k" "$b" check "vm $k sample-$b: exit status" "$(result "sample-$b-status")" 0
		counted "$k" "$b" check "vm $k sample-$b: sends" "$(path_field "$j" unix_stream_sendmsg calls)" 200
		sampled=0
		[ $b = tracepoint ] && grep -q sock:sk_data_ready <<<"$(result kernel-tracepoints)" && sampled=1
		if [ $sampled = 1 ]; then
			check "vm $k sample-$b: samples here (6.3+)" "$(result "sample-$b-told")/$(jq .time_sample_pct <<<"$j")" 0/10
		else
			check "vm $k sample-$b: says it times every call" "$(result "sample-$b-told")" 1
			check "vm $k sample-$b: every call timed" "$(path_field "$j" unix_stream_sendmsg timed)" 200
			check "vm $k sample-$b: no sampling in the JSON" "$(jq .time_sample_pct <<<"$j")" 0
		fi
	done
}

# filters KERNEL: -p twice, -p, -c and --cgroup with fentry and kprobe,
# each on three workloads at once; --folded with fentry's stage times.
filters() {
	local k=$1 b c sums want
	for b in fentry kprobe; do
		c=filters-$b
		counted "$k" "$b" check "vm $k $c -p A -p B: exit status" "$(result "$c-ab-status")" 0
		counted "$k" "$b" vm_counts "vm $k $c -p A -p B" "$(result "$c-ab")" \
			"$(result "$c-wa")
$(result "$c-wb")"
		counted "$k" "$b" check "vm $k $c -p A: exit status" "$(result "$c-a-status")" 0
		counted "$k" "$b" vm_counts "vm $k $c -p A" "$(result "$c-a")" "$(result "$c-wa")"
		counted "$k" "$b" check "vm $k $c -c: exit status" "$(result "$c-c-status")" 0
		counted "$k" "$b" vm_counts "vm $k $c -c" "$(result "$c-c")" "$(result "$c-wb")"
		if [ "$(result filters-cgroup)" = unsupported ]; then
			skip "vm $k $c --cgroup" "cannot make a cgroup under /sys/fs/cgroup in the guest"
			continue
		fi
		counted "$k" "$b" check "vm $k $c --cgroup: exit status" "$(result "$c-cg-status")" 0
		counted "$k" "$b" vm_counts "vm $k $c --cgroup" "$(result "$c-cg")" "$(result "$c-wc")"
	done
	check "vm $k folded-fentry: exit status" "$(result folded-fentry-status)" 0
	sums=$(result folded-fentry-file | awk '{ split($1, f, ";"); s[f[1]] += $2 } END { for (r in s) print r, s[r] }' | sort)
	want=$(jq -r '.paths[] | select(.ktime_ns > 0) | "\(.path) \(.ktime_ns)"' <<<"$(final folded-fentry)" | sort)
	check "vm $k folded-fentry: each row's values add up to its kernel time" "$sums" "$want"
	check "vm $k folded-fentry: rows with time" "$(wc -l <<<"$want")" 5
	check "vm $k folded-fentry: every line is 'frame;frame VALUE'" \
		"$(result folded-fentry-file | grep -cvE '^[^ ;]+(;[^ ;]+)* [1-9][0-9]*$')" 0
	check "vm $k folded-fentry: the TCP send is a stack three frames deep or more" \
		"$(result folded-fentry-file | grep -c '^tcp_sendmsg:loopback;tcp_sendmsg_locked;[^ ]*;' | awk '{print ($1 > 0)}')" 1
}

# perproc KERNEL: -P rows of two workloads at once, exact against each
# one's own counts, on fentry and kprobe; the module refuses -P.
perproc() {
	local k=$1 b c j w pid comm field want row
	for b in fentry kprobe; do
		c=perproc-$b
		counted "$k" "$b" check "vm $k $c: exit status" "$(result "$c-status")" 0
		j=$(final "$c")
		while read -r w; do
			pid=$(jq .pid <<<"$w")
			for want in "unix_stream_sendmsg unix_sends" "tcp_sendmsg:loopback tcp_sends" \
				    "unix_stream_sendmsg unix_bytes bytes" "unix_stream_connect connects" \
				    "unix_stream_recvmsg unix_recvs" "tcp_recvmsg:loopback tcp_recvs"; do
				set -- $want
				field=${3:-calls}
				row=$(jq -r --arg p "$1" --argjson t "$pid" --arg f "$field" \
					'[.processes[] | select(.path == $p and .tgid == $t) | .[$f]] | if length == 1 then .[0] else "rows: \(length)" end' <<<"$j")
				# A workload without connects has no connect row.
				[ "$1/$(jq .connects <<<"$w")" = unix_stream_connect/0 ] && [ "$row" = "rows: 0" ] && row=0
				counted "$k" "$b" check "vm $k $c: tgid $pid $1 $field" "$row" "$(jq ".$2" <<<"$w")"
			done
			comm=$(jq -r --argjson t "$pid" '[.processes[] | select(.tgid == $t) | .comm] | unique | join(" ")' <<<"$j")
			counted "$k" "$b" check "vm $k $c: tgid $pid comm" "$comm" \
				"$([ "$(jq .unix_sends <<<"$w")" = $N ] && echo pp-a || echo pp-b)"
		done < <(result "$c" | grep '^{"pid"')
		counted "$k" "$b" check "vm $k $c: two workloads reported" "$(result "$c" | grep -c '^{"pid"')" 2
		counted "$k" "$b" check "vm $k $c: nothing evicted" "$(jq .processes_evicted <<<"$j")" 0
	done
	check "vm $k perproc-kmod: exit status" "$(result perproc-kmod-status)" 2
	check "vm $k perproc-kmod: says why" "$(result perproc-kmod-err)" \
		"udstrace: the kmod backend counts per path only: -P and --by-cgroup need a BPF backend"
}

# ending KERNEL: every way a kprobe run ends leaves no kprobe event behind.
ending() {
	local k=$1 sig want i ev
	# A kprobe and a kretprobe for each of the 5 path functions and of
	# each of their extra functions the guest's kernel has.
	ev=$((2 * (5 + $(wc -w <<<"$(result kernel-extras)"))))
	for sig in INT TERM HUP QUIT PIPE; do
		check "vm $k kprobe SIG$sig: its $ev events while tracing" "$(result "sig-$sig-during")" $ev
		check "vm $k kprobe SIG$sig: exit status" "$(result "sig-$sig-status")" 0
		want="one final object"
		[ $sig != PIPE ] || want="one interval object read"
		check "vm $k kprobe SIG$sig: $want" "$(result "sig-$sig-final")" 1
		check "vm $k kprobe SIG$sig: no events left" "$(result "sig-$sig-after")" 0
	done
	check "vm $k kprobe SIGKILL: leaves its $ev events" "$(result stale-left)" $ev
	check "vm $k kprobe after SIGKILL: next run exit status" "$(result stale-next-status)" 0
	counted "$k" kprobe check_counts "vm $k kprobe after SIGKILL" "$(result stale-next)" $M $N $((N * S)) $K $((K * S))
	check "vm $k kprobe after SIGKILL: next run says it removed them" "$(result stale-removed)" 1
	check "vm $k kprobe after SIGKILL: no events left" "$(result stale-after)" 0
	if [ "$(result pidns-kprobe1-status)" = unsupported ]; then
		skip "vm $k kprobe in two PID namespaces" "busybox unshare -p -f -m --mount-proc fails in the guest"
		return
	fi
	check "vm $k kprobe in two PID namespaces: $((2 * ev)) events while tracing" \
		"$(result pidns-kprobe-during)" $((2 * ev))
	for i in 1 2; do
		check "vm $k kprobe in two PID namespaces: run $i exit status" "$(result "pidns-kprobe$i-status")" 0
		counted "$k" kprobe check_counts "vm $k kprobe in two PID namespaces: run $i" \
			"$(result "pidns-kprobe$i")" $M $N $((N * S)) $K $((K * S))
	done
	check "vm $k kprobe in two PID namespaces: no events left" "$(result pidns-kprobe-after)" 0
	listeners_results "$k"
}

# listeners_results KERNEL: --listeners per backend against ./backlog's own
# counts (tests/backlog.c). The listener's side (backlog, queue): from
# sock:sk_data_ready (6.3+), or sock_def_readable for fentry and kprobe;
# the tracepoint backend has nothing before 6.3.
listeners_results() {
	local k=$1 b name lis helper ok eagain dr w hw
	dr=$(result kernel-tracepoints | grep -c 'sock:sk_data_ready')
	for b in fentry kprobe tracepoint; do
		name=/tmp/vm-l-$b.sock
		helper=$(result "listeners-$b-helper")
		lis=$(final "listeners-$b" | jq -c --arg n "$name" '.listeners[]? | select(.name == $n)')
		ok=$(sed -n -E 's/.*ok=([0-9]+).*/\1/p' <<<"$helper")
		eagain=$(sed -n -E 's/.*eagain=([0-9]+).*/\1/p' <<<"$helper")
		counted "$k" "$b" check "vm $k listeners $b: exit status" "$(result "listeners-$b-status")" 0
		check "vm $k listeners $b: the workload was refused" "${eagain:-0} $ok" "$((9 - 3)) 3"
		counted "$k" "$b" check "vm $k listeners $b: EAGAIN as the workload counted" \
			"$(jq -r .eagain <<<"$lis")" "${eagain:-none}"
		check "vm $k listeners $b: ECONNREFUSED" "$(jq -r .econnrefused <<<"$lis")" 0
		if [ "$dr" = 1 ] || [ $b != tracepoint ]; then
			check "vm $k listeners $b: backlog, longest queue, queued" \
				"$(jq -r '"\(.backlog) \(.max_queue) \(.queued)"' <<<"$lis")" "2 $ok $ok"
		else
			check "vm $k listeners $b: no queue seen before 6.3, shown as null" \
				"$(jq -r '"\(.backlog) \(.max_queue) \(.queued)"' <<<"$lis")" "null null null"
			skip "vm $k listeners $b: backlog and longest queue" "no sock:sk_data_ready tracepoint before 6.3 for the tracepoint backend"
		fi
	done
	helper=$(result listeners-wait-fentry-helper)
	lis=$(final listeners-wait-fentry | jq -c '.listeners[]? | select(.name == "@vm-wait")')
	if [ -z "$(result listeners-wait-fentry-status)" ]; then
		fail "vm $k listeners wait fentry" "the guest did not run it"
		return
	fi
	check "vm $k listeners wait fentry: one connect waited" "$(jq -r .waited <<<"$lis")" 1
	w=$(jq -r .wait_ns <<<"$lis")
	hw=$(sed -n -E 's/.*waited_ns=([0-9]+).*/\1/p' <<<"$helper")
	if [ "${w:-0}" -ge 300000000 ] 2>/dev/null && [ "$w" -le "${hw:-0}" ]; then
		pass "vm $k listeners wait fentry: $w ns, >= 300 ms and <= the connect's $hw ns"
	else
		fail "vm $k listeners wait fentry: time" "got '$w' ns, want >= 300 ms and <= the workload's $hw ns"
	fi
}

for k in $KERNELS; do
	vm_wait "$k"
	results "$k"
done
