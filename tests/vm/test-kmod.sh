#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The udsprobe kernel module (kmod/), on Debian 12's 6.1 and 6.12 kernels:
# built against each kernel's headers (linux-headers-ABI) and loaded in a VM
# running that kernel (tests/vm/guest-kmod.sh): exact counts from the
# workload, the tgid filter, reset, bad parameters, 50 loads and unloads
# under load, an unload while a read sleeps in tcp_recvmsg, and a clean
# kernel log. Headers that cannot be installed or a VM that cannot start
# are failures; UDSTRACE_SKIP_VM=1 skips, and says so.
# UDSTRACE_VM_KMOD_KERNELS picks the kernels (default 6.1 6.12).
. "$(dirname "$0")/../lib.sh"

if [ ! -e /proc/modules ]; then
	skip "kmod on host" "this kernel has no module support (CONFIG_MODULES off)"
	matrix_add host kmod "SKIP: no module support in this kernel (CONFIG_MODULES off)"
else
	skip "kmod on host" "not loaded into the running kernel ($(uname -r)); the VM test loads it"
	matrix_add host kmod "SKIP: not loaded into the running kernel; the VM test loads it"
fi
KERNELS=${UDSTRACE_VM_KMOD_KERNELS:-6.1 6.12}
[[ " $KERNELS " == *" 5.10 "* ]] ||
	matrix_add 5.10 kmod "SKIP: the module is built and tested against Debian 12's headers only (6.1, 6.12)"
if [ "${UDSTRACE_SKIP_VM:-0}" = 1 ]; then
	skip "vm kmod tests" "UDSTRACE_SKIP_VM=1 was set"
	for k in $KERNELS; do matrix_add "$k" kmod "SKIP: UDSTRACE_SKIP_VM=1"; done
	exit 0
fi
. "$TOP/tests/vm/parallel.sh"
N=1000 M=7 K=500 S=100 CYCLES=50
log=$VM_TMP/build.log

# --- headers and build, one kernel after the other ----------------------------
# build KERNEL: builds kmod/ against KERNEL's headers, checks the module and
# keeps a copy in $VM_TMP/udsprobe-KERNEL.ko.
build() {
	local k=$1 abi kdir pkg
	if ! abi=$("$TOP/tests/vm/kernel.sh" --kernel "$k" --abi 2>"$log"); then
		fail "vm $k kmod: guest kernel" "tests/vm/kernel.sh --kernel $k --abi failed: $(tail -n 2 "$log" | tr '\n' ' ')"
		return 1
	fi
	kdir=/usr/src/linux-headers-$abi
	if [ ! -f "$kdir/Makefile" ]; then
		echo "# installing linux-headers-$abi"
		export DEBIAN_FRONTEND=noninteractive
		pkg=linux-headers-$abi
		{ apt-get install -y -q --no-install-recommends "$pkg" ||
			{ apt-get update -q && apt-get install -y -q --no-install-recommends "$pkg"; }; } >"$log" 2>&1
		if [ ! -f "$kdir/Makefile" ]; then
			fail "vm $k kmod: headers" "cannot install $pkg: $(tail -n 2 "$log" | tr '\n' ' ')"
			return 1
		fi
	fi
	if ! make -C "$TOP" --no-print-directory kmod KDIR="$kdir" >"$log" 2>&1; then
		fail "vm $k kmod: build" "make kmod KDIR=$kdir failed: $(grep -m 3 -E 'error|Error' "$log" | tr '\n' ' ')"
		return 1
	fi
	cp "$TOP/kmod/udsprobe.ko" "$VM_TMP/udsprobe-$k.ko"
	check "vm $k kmod: build has no warnings" "$(grep -E 'warning:' "$log")" ""
	check "vm $k kmod: vermagic is $abi" "$(modinfo_field "$k" vermagic | cut -d' ' -f1)" "$abi"
	check "vm $k kmod: license" "$(modinfo_field "$k" license)" GPL
	check "vm $k kmod: tgid parameter described" "$(modinfo_field "$k" parm | cut -d: -f1)" tgid
}
modinfo_field() { # modinfo_field KERNEL FIELD: the .modinfo field of that kernel's module
	objcopy -O binary --only-section=.modinfo "$VM_TMP/udsprobe-$1.ko" /dev/stdout |
		tr '\0' '\n' | sed -n "s/^$2=//p"
}
built=()
for k in $KERNELS; do
	if build "$k"; then built+=("$k"); else matrix_add "$k" kmod FAIL; fi
done
if ! make -C "$TOP" --no-print-directory "$WORKLOAD" >"$log" 2>&1; then
	fail "vm kmod: workload" "make $WORKLOAD failed: $(tail -n 2 "$log" | tr '\n' ' ')"
	for k in "${built[@]}"; do matrix_add "$k" kmod FAIL; done
	exit 0
fi

# --- the VMs -------------------------------------------------------------------
# The host's setpriv (and its libraries) for the case of a user without root.
SETPRIV=$(command -v setpriv)
# boot KERNEL: the kmod suite in a VM running KERNEL.
boot() {
	local t0=$SECONDS st=0
	"$TOP/tests/vm/run-vm.sh" --kernel "$1" --timeout 80 \
		--add "$VM_TMP/udsprobe-$1.ko:udsprobe.ko" --add "$WORKLOAD:workload" --add "$TOP/tests/wait.sh:wait.sh" --add "$UDSTRACE:udstrace" \
		--add "$TOP/tests/vm/guest-dmesg.sh:guest-dmesg.sh" ${SETPRIV:+--add "$SETPRIV:setpriv"} \
		-- "$TOP/tests/vm/guest-kmod.sh" $N $M $K $S $CYCLES >"$VM_TMP/$1.log" 2>&1 || st=$?
	echo "# vm $1: the kmod suite's VM ran for $((SECONDS - t0)) s" >>"$VM_TMP/$1.log"
	return $st
}
((${#built[@]} == 0)) || vm_parallel boot "${built[@]}"

# The checks of one kernel's run read $log and name the kernel $k.
got() { sed -n "s/^@@$1 //p" "$log" | head -n 1 | sed 's/ *$//'; } # the value of KEY
snap() { sed -n "s/^@@snap $1 //p" "$log"; } # snap NAME: /proc/udsprobe at moment NAME
# field NAME PATH I: column I of a path row (1 calls, 2 errors, 3 bytes,
# 4 ktime_ns, 5 min_ns, 6 max_ns, 7.. the histogram).
field() { snap "$1" | awk -v p="$2" -v i="$3" '$1 == p { print $(i + 1) }'; }

PATHS="unix_stream_connect unix_stream_sendmsg tcp_sendmsg:loopback tcp_sendmsg:remote"
PATHS="$PATHS unix_stream_recvmsg tcp_recvmsg:loopback tcp_recvmsg:remote"
FUNCS="unix_stream_connect unix_stream_sendmsg tcp_sendmsg unix_stream_recvmsg tcp_recvmsg"

# extras: the other functions the module probes, those the guest's kernel
# has (its kallsyms), in the module's order.
extras() {
	local have f
	have=" $(got kernel-extras | tr -d '\r') "
	for f in unix_stream_sendpage tcp_sendpage unix_stream_splice_read tcp_splice_read; do
		[[ $have != *" $f "* ]] || echo "$f"
	done | xargs
}

# check_format NAME TGID GENERATION: the exact layout of /proc/udsprobe.
check_format() {
	local t
	t=$(snap "$1")
	check "vm $k kmod $1: header" "$(sed -n 1,5p <<<"$t" | sed 's/^# instance [1-9][0-9]*$/# instance N/' | tr '\n' '|')" \
		"# udsprobe 2|# instance N|# generation $3|# tgid $2|# path calls errors bytes ktime_ns min_ns max_ns hist_log2_ns[32]|"
	check "vm $k kmod $1: rows" "$(awk 'NR >= 6 && NR <= 12 { print $1 }' <<<"$t" | xargs)" "$PATHS"
	check "vm $k kmod $1: rows are name and 38 decimals" \
		"$(sed -n 6,12p <<<"$t" | grep -v -E '^[a-z_:]+( (0|[1-9][0-9]*)){38}$' | cut -d' ' -f1 | xargs)" ""
	check "vm $k kmod $1: missed lines" \
		"$(sed -n '13,$p' <<<"$t" | grep -E '^missed [a-z_]+ (0|[1-9][0-9]*)$' | cut -d' ' -f2 | xargs)" \
		"$(xargs <<<"$FUNCS $(extras)")"
	check "vm $k kmod $1: line count" "$(wc -l <<<"$t")" $((17 + $(wc -w <<<"$(extras)")))
}
instance() { snap "$1" | sed -n 's/^# instance //p'; } # instance NAME: that snapshot's load

# check_sane NAME: per row, the histogram adds up to calls, min <= max,
# and the total lies between calls*min and calls*max.
check_sane() {
	check "vm $k kmod $1: histogram, min, max and total agree" "$(snap "$1" | awk '
		NR >= 6 && NR <= 12 {
			h = 0
			for (i = 8; i <= 39; i++) h += $i
			if (h != $2) print $1 ": histogram sums to " h ", calls " $2
			if ($2 == 0 && ($3 || $4 || $5 || $6 || $7)) print $1 ": values without calls"
			if ($2 > 0 && ($6 == 0 || $6 > $7)) print $1 ": min " $6 " max " $7
			if ($2 > 0 && ($5 < $2 * $6 || $5 > $2 * $7)) print $1 ": total " $5 " outside calls*[min,max]"
		}')" ""
	check "vm $k kmod $1: nothing missed" "$(snap "$1" | awk '$1 == "missed" { s += $3 } END { print s + 0 }')" 0
}

# wreport NAME: the report of the workload run behind snapshot NAME.
wreport() { sed -n "s/^@@w-$1 //p" "$log" | tr -d '\r'; }

# check_exact NAME: what one workload run must add, exactly: sends,
# connects and bytes as asked, reads as the workload counted them itself,
# and no row's total time beyond the workload's own time for those calls.
check_exact() {
	local n=$1 w r row col
	w=$(wreport "$n")
	check "vm $k kmod $n: the workload's report" "$(grep -c '^{"pid"' <<<"$w")" 1
	check "vm $k kmod $n: unix_stream_connect calls" "$(field "$n" unix_stream_connect 1)" $M
	check "vm $k kmod $n: unix_stream_connect errors" "$(field "$n" unix_stream_connect 2)" 0
	check "vm $k kmod $n: unix_stream_sendmsg calls" "$(field "$n" unix_stream_sendmsg 1)" $N
	check "vm $k kmod $n: unix_stream_sendmsg bytes" "$(field "$n" unix_stream_sendmsg 3)" $((N * S))
	check "vm $k kmod $n: unix_stream_sendmsg errors" "$(field "$n" unix_stream_sendmsg 2)" 0
	check "vm $k kmod $n: tcp_sendmsg:loopback calls" "$(field "$n" tcp_sendmsg:loopback 1)" $K
	check "vm $k kmod $n: tcp_sendmsg:loopback bytes" "$(field "$n" tcp_sendmsg:loopback 3)" $((K * S))
	check "vm $k kmod $n: tcp_sendmsg:remote calls" "$(field "$n" tcp_sendmsg:remote 1)" 0
	check "vm $k kmod $n: unix_stream_recvmsg bytes" "$(field "$n" unix_stream_recvmsg 3)" $((N * S))
	check "vm $k kmod $n: unix_stream_recvmsg calls" "$(field "$n" unix_stream_recvmsg 1)" "$(workload_sum "$w" unix_recvs)"
	check "vm $k kmod $n: tcp_recvmsg:loopback bytes" "$(field "$n" tcp_recvmsg:loopback 3)" $((K * S))
	check "vm $k kmod $n: tcp_recvmsg:loopback calls" "$(field "$n" tcp_recvmsg:loopback 1)" "$(workload_sum "$w" tcp_recvs)"
	check "vm $k kmod $n: tcp_recvmsg:remote calls" "$(field "$n" tcp_recvmsg:remote 1)" 0
	for r in $TIMED_ROWS; do
		row=${r%:*} col=${r##*:}
		check "vm $k kmod $n: $row time within the workload's own ($col)" \
			"$(jq -n --argjson k "$(field "$n" "$row" 4)" --argjson w "$(workload_sum "$w" "$col")" '$k <= $w')" true
	done
	echo "# $n: recvmsg calls: unix $(field "$n" unix_stream_recvmsg 1), tcp $(field "$n" tcp_recvmsg:loopback 1)"
}

check_zero() { # check_zero NAME: every counter of every row is 0
	check "vm $k kmod $1: all counters zero" \
		"$(snap "$1" | sed -n 6,12p | grep -v -E '^[a-z_:]+( 0){38}$' | cut -d' ' -f1 | xargs)" ""
}

# check_einval NAME VALUE: a write the shell reported as failed with EINVAL.
check_einval() {
	case $2 in
	0\ * | "") fail "$1" "got '$2', want a failed write (EINVAL)" ;;
	*"Invalid argument"*) pass "$1" ;;
	*) fail "$1" "got '$2', want 'Invalid argument'" ;;
	esac
}

# check_restarts: udstrace --backend kmod -i 0.2 ran while the workload ran
# three times: the module was reset after the first run, unloaded and
# loaded again after the second (guest-kmod.sh, "restarts"). udstrace read
# the module after each run, before its counters went back to zero, so
# its totals must be exactly the three runs' counts.
check_restarts() {
	local out err n w sum want f
	out=$(sed -n 's/^@@restart //p' "$log" | tr -d '\r')
	err=$(sed -n 's/^@@restart-err //p' "$log" | tr -d '\r')
	check "vm $k kmod restarts: insmod, 3 workload runs, rmmod, insmod, udstrace, rmmod" \
		"$(got insmod-restarts) $(got restart-work-1) $(got restart-work-2) $(got restart-rmmod) $(got restart-insmod) $(got restart-work-3) $(got restart-status) $(got rmmod-restarts)" \
		"0 0 0 0 0 0 0 0"
	check "vm $k kmod restarts: a reset keeps the instance" "$(instance after-reset-run)" "$(instance before-reset)"
	check_format after-reset-run 0 1
	check "vm $k kmod restarts: a new load is a new instance" \
		"$([ -n "$(instance reloaded)" ] && [ "$(instance reloaded)" != "$(instance before-reset)" ] && echo new)" new
	check_format reloaded 0 0
	counted "$k" kmod check_counts "vm $k kmod restarts" "$out" $((3 * M)) $((3 * N)) $((3 * N * S)) $((3 * K)) $((3 * K * S))
	counted "$k" kmod check_times "vm $k kmod restarts" "$out"
	check "vm $k kmod restarts: JSON module_resets (the reset, the unload)" \
		"$(final_object <<<"$out" | jq .module_resets)" 2
	check "vm $k kmod restarts: stderr names the reset, the unload and the load, once each" \
		"$(for p in "counters were reset;" "module was unloaded;" "module was loaded again;"; do grep -c -F "$p" <<<"$err"; done | xargs)" "1 1 1"
	w=$(grep '^{"pid"' <<<"$out")
	for f in calls bytes; do
		sum=$(grep '"final":false' <<<"$out" | jq -r -s --arg f $f '
			[.[].paths[]] | group_by(.path) | map({key: .[0].path, value: (map(.[$f]) | add)})
			| from_entries | [.unix_stream_sendmsg, ."tcp_sendmsg:loopback",
				.unix_stream_recvmsg, ."tcp_recvmsg:loopback"] | join(" ")')
		if [ $f = calls ]; then
			want=$(jq -s -r 'map([.unix_sends, .tcp_sends, .unix_recvs, .tcp_recvs]) | transpose | map(add) | join(" ")' <<<"$w")
		else
			want=$(jq -s -r 'map([.unix_bytes, .tcp_bytes, .unix_recv_bytes, .tcp_recv_bytes]) | transpose | map(add) | join(" ")' <<<"$w")
		fi
		check "vm $k kmod restarts: intervals add up to the workload's $f (uds send, tcp send, uds recv, tcp recv)" \
			"$sum" "$want"
	done
	# The module's MIN and MAX are since its load or reset: no interval's.
	n=$(grep '"final":false' <<<"$out" | jq -c '.paths[] | select(.calls > 0)' | wc -l)
	echo "# restarts: $n interval rows with calls, $(grep -c '"final":false' <<<"$out") intervals"
	check "vm $k kmod restarts: interval rows with calls: min/max null, none 0" \
		"$(grep '"final":false' <<<"$out" | jq -c '.paths[] | select(.calls > 0) | [.min_ns, .max_ns]' | sort -u | xargs)" \
		"[null,null]"
	check "vm $k kmod restarts: final rows with calls: min/max null (the module restarted)" \
		"$(final_object <<<"$out" | jq -c '.paths[] | select(.calls > 0) | [.min_ns, .max_ns]' | sort -u | xargs)" \
		"[null,null]"
}

# results KERNEL: the checks of one kernel's run.
results() {
	local status p ok none torn flips loads
	k=$1 log=$VM_TMP/$1.log
	status=$(cat "$VM_TMP/$k.status" 2>/dev/null || echo killed)
	grep '^#' "$log"
	if ! vm_finished "$k" kmod "$status" '^@@end$'; then
		matrix_add "$k" kmod FAIL
		return
	fi
	matrix_add "$k" abi "$(sed -n 's/^# guest kernel //p' "$log" | tr -d '\r' | head -n1)"
	# A wait in the guest that ran out of time.
	while IFS= read -r p; do
		fail "vm $k kmod guest deadline: ${p%%:*}" "${p#*: }"
	done < <(sed -n 's/^@@timeout //p' "$log" | tr -d '\r')

	# --- load, format, exact counts ----------------------------------------------
	check "vm $k kmod: insmod" "$(got insmod)" 0
	check "vm $k kmod: /proc/udsprobe mode (root reads, root writes reset)" "$(got proc-mode)" 600
	check "vm $k kmod: tgid parameter mode" "$(got param-mode)" 644
	check "vm $k kmod: tgid default" "$(got param-initial)" 0
	check "vm $k kmod: kretprobes registered" "$(got probes-loaded)" 5
	check_format fresh 0 0
	counted "$k" kmod check_zero fresh
	check "vm $k kmod: workload ran" "$(got work-all)" 0
	check_format all 0 0
	counted "$k" kmod check_exact all
	counted "$k" kmod check_sane all

	# --- reset -------------------------------------------------------------------
	for g in bogus reset2 empty two-lines space; do
		check_einval "vm $k kmod reset: '$g' is refused" "$(got "garbage-$g")"
	done
	if [ "$(snap after-garbage)" == "$(snap all)" ]; then
		pass "vm $k kmod reset: refused writes change nothing"
	else
		fail "vm $k kmod reset: refused writes change nothing" \
			"rows differ: $(diff <(snap all) <(snap after-garbage) | grep '^>' | cut -c1-60 | xargs)"
	fi
	check "vm $k kmod reset: 'reset\\n' accepted" "$(got reset-newline)" 0
	counted "$k" kmod check_zero after-reset
	check_format after-reset 0 1
	check "vm $k kmod reset: 'reset' accepted" "$(got reset-plain)" 0
	counted "$k" kmod check_zero after-reset-plain

	# --- tgid filter ---------------------------------------------------------------
	self=$(got self-pid)
	check "vm $k kmod tgid: set at run time" "$(got set-self)" 0
	check "vm $k kmod tgid: reads back" "$(got param-self)" "$self"
	check "vm $k kmod tgid: workload ran" "$(got work-self)" 0
	check_format self "$self" 3
	counted "$k" kmod check_exact self
	counted "$k" kmod check_sane self
	other=$(got other-pid)
	check "vm $k kmod tgid: set to another process" "$(got set-other)" 0
	check "vm $k kmod tgid: workload ran" "$(got work-other)" 0
	check_format other "$other" 4
	counted "$k" kmod check_zero other

	# --- parameter validation -----------------------------------------------------
	check "vm $k kmod param: 123 accepted" "$(got set-123)" 0
	for b in minus1 abc big limit1 empty; do
		check_einval "vm $k kmod param: runtime '$b' refused" "$(got "param-bad-$b")"
		check "vm $k kmod param: runtime '$b' keeps the old value" "$(got "param-after-$b")" 123
	done
	check "vm $k kmod param: PID_MAX_LIMIT accepted" "$(got param-limit)" 0
	check "vm $k kmod param: PID_MAX_LIMIT reads back" "$(got param-after-limit)" 4194304
	check "vm $k kmod: rmmod" "$(got rmmod)" 0
	check "vm $k kmod: nothing left after rmmod" "$(got gone | xargs)" ""
	check "vm $k kmod: no kretprobes left after rmmod" "$(got probes-unloaded)" 0
	for v in -1 abc 99999999 4194305 ''; do
		r=$(got "insmod-bad\\[$v\\]")
		case $r in
		0* | *loaded*) fail "vm $k kmod param: insmod tgid='$v' fails" "got status and state '$r', want a failed load" ;;
		*) pass "vm $k kmod param: insmod tgid='$v' fails" ;;
		esac
	done
	check "vm $k kmod param: insmod tgid=4194304" "$(got insmod-limit)" 0
	check "vm $k kmod param: insmod tgid=4194304 reads back" "$(got param-insmod-limit)" 4194304

	# --- lifecycle under load ------------------------------------------------------
	# A cycle counts as good only once, with the module loaded, its probes
	# fired on the background workload's sends, the reader read a whole
	# /proc/udsprobe and the writer set the filter (guest-kmod.sh). How many
	# reads and flips fit in between is the scheduler's choice, so for those
	# the rule is one per cycle at least; the workload runs on through the
	# cycles, so at least one of its runs has completed.
	check "vm $k kmod lifecycle: $CYCLES insmod/rmmod under load, each raced by probes, a reader and a writer" \
		"$(got cycles)" "$CYCLES 0"
	read -r ok none torn <<<"$(got reads)"
	flips=$(got tgid-flips) loads=$(got loads)
	echo "# lifecycle: $ok full reads, $none while unloaded, $flips tgid flips, $loads workload runs"
	check "vm $k kmod lifecycle: a whole read of /proc/udsprobe per cycle at least" "$(( ${ok:-0} >= CYCLES ))" 1
	check "vm $k kmod lifecycle: no torn reads" "${torn:-missing}" 0
	check "vm $k kmod lifecycle: a tgid change per cycle at least" "$(( ${flips:-0} >= CYCLES ))" 1
	check "vm $k kmod lifecycle: background workload runs completed" "$(( ${loads:-0} > 0 ))" 1
	check "vm $k kmod lifecycle: background workload never failed" "$(got load-failed)" ""
	check "vm $k kmod lifecycle: no kretprobes left" "$(got probes-after-cycles)" 0

	# --- three mechanisms at once on one process -------------------------------------
	check "vm $k cross-check: module filter set" "$(got set-cross)" 0
	cross() { sed -n "s/^@@cross-$1 //p" "$log" | tr -d '\r'; }
	# Same calls, three mechanisms: each exact, each ended well, each
	# timed the TCP read() the workload saw asleep 300 ms or more, and
	# none saw more time than the workload's own for its calls.
	check "vm $k cross-check: exit statuses (workload fentry kprobe kmod)" "$(got cross-status)" "0 0 0 0"
	for b in fentry kprobe kmod; do
		counted "$k" "$b" check_counts "vm $k cross-check $b" "$(cross $b)" $M $N $((N * S)) $K $((K * S))
		check "vm $k cross-check $b: the reader's 300 ms in read() timed in tcp_recvmsg" \
			"$(path_field "$(cross $b | final_object)" tcp_recvmsg:loopback ktime_ns | awk '{print ($1 >= 300000000)}')" 1
		check_times "vm $k cross-check $b" "$(cross $b)"
	done

	# --- udstrace sets the module's filter itself ---------------------------------
	local cmdpid
	cmdpid=$(got kmod-cmd-pid)
	check "vm $k kmod -- CMD: exit status" "$(got kmod-cmd-status)" 0
	check "vm $k kmod -- CMD: says once that children are not followed" \
		"$(grep -c "^# kmod-cmd: udstrace: kmod: the module counts the command (PID $cmdpid) only, not its children" "$log")" 1
	check "vm $k kmod -- CMD: filter is the command's pid while it runs" "$(got kmod-cmd-param-during)" "$cmdpid"
	check "vm $k kmod -- CMD: filter restored" "$(got kmod-cmd-param-after)" 0
	counted "$k" kmod check_counts "vm $k kmod -- CMD" "$(sed -n 's/^@@kmod-cmd //p' "$log")" $M $N $((N * S)) $K $((K * S))
	check "vm $k kmod: no BPF programs, so the bpf cost is null, and why" \
		"$(sed -n 's/^@@kmod-cmd //p' "$log" | final_object | jq -c '[.bpf_cost, .bpf_cost_reason]')" \
		'[null,"the kmod backend runs no BPF programs"]'
	check "vm $k kmod -p: stale filter of an ended process set" "$(got kmod-pid-stale)" 0
	check "vm $k kmod -p: exit status" "$(got kmod-pid-status)" 0
	check "vm $k kmod -p: filter is the process while it runs" "$(got kmod-pid-param-during)" \
		"$(sed -n 's/^@@kmod-pid ready //p' "$log" | head -n 1)"
	check "vm $k kmod -p: old filter restored" "$(got kmod-pid-param-after)" "$(got kmod-pid-stale-value)"
	counted "$k" kmod check_counts "vm $k kmod -p" "$(sed -n 's/^@@kmod-pid //p' "$log")" $M $N $((N * S)) $K $((K * S))
	check "vm $k kmod busy filter: exit status" "$(got kmod-busy-status)" 1
	check "vm $k kmod busy filter: message" "$(got kmod-busy-err)" \
		"udstrace: kmod: the module traces process $(got kmod-busy-other), which still runs (another udstrace?); echo 0 > /sys/module/udsprobe/parameters/tgid to free it"
	check "vm $k kmod busy filter: unchanged" "$(got kmod-busy-param-after)" "$(got kmod-busy-other)"
	check "vm $k kmod SIGHUP: filter is the command's pid while tracing" "$(got kmod-sig-param-during)" \
		"$(got kmod-sig-pid)"
	check "vm $k kmod SIGHUP: exit status (the command's, ended)" "$(got kmod-sig-status)" 143
	check "vm $k kmod SIGHUP: filter restored" "$(got kmod-sig-param-after)" 0

	# --- a reset, then an unload and a load, under udstrace -i ---------------------
	check_restarts

	# --- unload while a call is in flight -----------------------------------------
	check "vm $k kmod in flight: insmod" "$(got insmod-inflight)" 0
	check "vm $k kmod in flight: tgid set to the server" "$(got set-inflight)" 0
	check "vm $k kmod in flight: first line echoed" "$(got echo-first)" first
	check "vm $k kmod in flight: server sleeps in tcp_recvmsg" "$(got server-wchan)" wait_woken
	check "vm $k kmod in flight: stack shows tcp_recvmsg" "$(grep -c '^# server stack: .*tcp_recvmsg+' "$log")" 1
	# The server's socket is AF_INET6 with peer ::ffff:127.0.0.1: loopback.
	check "vm $k kmod in flight: v4-mapped echo is tcp_sendmsg:loopback" \
		"$(field inflight tcp_sendmsg:loopback 1) $(field inflight tcp_sendmsg:loopback 3)" "1 6"
	check "vm $k kmod in flight: v4-mapped read is tcp_recvmsg:loopback" \
		"$(field inflight tcp_recvmsg:loopback 1) $(field inflight tcp_recvmsg:loopback 3)" "1 6"
	check "vm $k kmod in flight: nothing remote" \
		"$(field inflight tcp_sendmsg:remote 1) $(field inflight tcp_recvmsg:remote 1)" "0 0"
	check "vm $k kmod in flight: rmmod while tcp_recvmsg sleeps" "$(got rmmod-inflight)" 0
	check "vm $k kmod in flight: the sleeping read returns after rmmod" "$(got echo-second)" "first second"
	check "vm $k kmod final: insmod" "$(got insmod-final)" 0
	check "vm $k kmod final: workload ran" "$(got work-final)" 0
	check_format final 0 0
	counted "$k" kmod check_exact final
	counted "$k" kmod check_sane final
	check "vm $k kmod final: rmmod" "$(got rmmod-final)" 0

	# --- who may read it ------------------------------------------------------
	if [ "$(got priv)" = unsupported ]; then
		skip "vm $k kmod as nobody" "setpriv is not on the host (util-linux)"
	else
		check "vm $k kmod as nobody with CAP_BPF+CAP_PERFMON: exit status" "$(got 'priv\[,+bpf,+perfmon\]')" 1
		check "vm $k kmod as nobody with CAP_BPF+CAP_PERFMON: one line" \
			"$(sed -n 's/^@@priv-err\[,+bpf,+perfmon\] //p' "$log" | tr -d '\r')" \
			"udstrace: kmod: cannot read /proc/udsprobe: Permission denied (root's, mode 0600: needs uid 0 or CAP_DAC_READ_SEARCH)"
		check "vm $k kmod as nobody with CAP_DAC_READ_SEARCH too: exit status" \
			"$(got 'priv\[,+bpf,+perfmon,+dac_read_search\]')" 0
	fi

	# --- kernel log: loading an out-of-tree (4096), unsigned (8192) module taints
	vm_dmesg "$k" kmod "$log" $((4096 | 8192))
	echo "# guest phase times (uptime s): $(sed -n 's/^@@time-//p' "$log" | xargs)"
	for b in kmod fentry kprobe; do matrix_counted "$k" "$b"; done
}

for k in "${built[@]}"; do
	vm_wait "$k"
	results "$k"
done
