#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside the Debian guest (busybox sh; 5.10, 6.1 or 6.12). Each case
# prints its stdout (the workload's reports and udstrace's JSON) as lines
# "@@NAME ..." for tests/vm/test-core.sh to check on the host, plus
# udstrace's stderr behind "#" for the log. What the kernel has that the
# checks depend on is reported as "@@kernel-*" lines. Nothing waits without
# a deadline: a wait that runs out prints "@@timeout WHAT", which the host
# turns into a FAIL, and the script goes on.
# Usage: guest-core.sh N M K SIZE
# shellcheck disable=SC2086 # $W and the lists of pids are split on purpose
N=$1 M=$2 K=$3 S=$4
set -f  # $W is split into words on purpose, never globbed
W="./workload -u $N -c $M -t $K -s $S"
RUN_DEADLINE=120 # seconds for one udstrace run (a few seconds under TCG)
POLL_SECS=30     # to wait for "ready" or "tracing"

. ./wait.sh # wait_until, wait_pids
. ./guest-dmesg.sh # dmesg_begin, dmesg_end
. ./guest-deadline.sh # run_deadline, udstrace_run

# run NAME UDSTRACE-ARGS...: one traced run, its stdout behind @@NAME.
run() {
	name=$1
	shift
	udstrace_run "$name" -v "$@"
}

echo "# guest kernel $(uname -r)"
dmesg_begin
# What this kernel has of the stage probes the host counts exactly
# (tests/lib.sh, STAGE_FUNCS and STAGE_TRACEPOINTS): the functions ftrace
# (and so fentry) can attach to, and the tracepoints.
F=/sys/kernel/tracing/available_filter_functions
echo "@@kernel-traceable $(grep -x -e sock_alloc_send_pskb -e skb_copy_datagram_from_iter \
	-e skb_queue_tail -e sock_def_readable -e unix_create1 -e sock_wmalloc \
	-e loopback_xmit -e tcp_v4_rcv $F | sort -u | xargs)"
echo "@@kernel-tracepoints $(for t in sock:sk_data_ready net:net_dev_start_xmit tcp:tcp_probe; do
	[ -d "/sys/kernel/tracing/events/${t%%:*}/${t#*:}" ] && echo "$t"; done | xargs)"
# BPF task storage came with 5.11.
v=$(uname -r) maj=${v%%.*} min=${v#*.}
min=${min%%.*}
# The rows' extra functions this kernel has (kprobe: two events each).
EXTRAS=$(awk '$3 == "unix_stream_sendpage" || $3 == "tcp_sendpage" ||
	$3 == "unix_stream_splice_read" || $3 == "tcp_splice_read" { print $3 }' /proc/kallsyms | sort -u | xargs)
echo "@@kernel-extras $EXTRAS"
KEVENTS_N=$((2 * (5 + $(echo "$EXTRAS" | wc -w))))
echo "@@kernel-task-storage $({ [ "$maj" -gt 5 ] || { [ "$maj" -eq 5 ] && [ "$min" -ge 11 ]; }; } && echo yes || echo no)"

check=$(timeout -s KILL "$RUN_DEADLINE" ./udstrace --check --json)
st=$?
echo "@@check $check"
echo "@@check-status $st"
run auto -- $W
run auto-grandchild -- $W -f
run auto-daemon -- $W -D
run tracepoint --backend tracepoint -- $W
run fentry --backend fentry -- $W
run kprobe --backend kprobe -- $W
run counts-fentry --backend fentry --counts-only -- $W
run counts-tracepoint --backend tracepoint --counts-only -- $W
# --subtract-probe-cost: which programs bound the timed window differs
# per backend (sys_enter/sys_exit, fentry/fexit, kprobe/kretprobe).
run subtract-fentry --backend fentry --cost-sample 100 --subtract-probe-cost -- $W
run subtract-kprobe --backend kprobe --cost-sample 100 --subtract-probe-cost -- $W

# Two instances at once on one process: fentry and kprobe must agree. The
# TCP reader sleeps in read() 300 ms or more (-r), which both must time.
./workload -w -u "$N" -c "$M" -t "$K" -s "$S" -r 300 >/tmp/w &
wpid=$!
wait_until $POLL_SECS grep -q ready /tmp/w 2>/dev/null ||
	echo "@@timeout both: the workload did not say ready within $POLL_SECS s"
upids=
for b in fentry kprobe; do
	./udstrace --json --backend $b -p $wpid >/tmp/both-$b 2>/tmp/both-$b.err &
	upids="$upids $!"
done
# Each one is tracing, or has already given up (it failed to load: the
# host's checks of its empty output say so).
attached() {
	set -- $upids
	for b in fentry kprobe; do
		grep -q tracing /tmp/both-$b.err || ! kill -0 "$1" 2>/dev/null || return 1
		shift
	done
}
wait_until $POLL_SECS attached ||
	echo "@@timeout both: udstrace did not say tracing within $POLL_SECS s"
kill -USR1 $wpid
wait_pids $RUN_DEADLINE "both: workload and the two udstrace runs" $wpid $upids
set -- $WAIT_STATUS
echo "@@both-workload-status $1"
echo "@@both-fentry-status $2"
echo "@@both-kprobe-status $3"
for b in fentry kprobe; do
	sed "s/^/@@both-$b /" /tmp/both-$b /tmp/w
	grep -v -e '^libbpf:' -e 'via' /tmp/both-$b.err | sed "s/^/# both-$b: /"
done

# reap SECONDS WHAT PID: waits for the child PID, at most SECONDS (then
# kills it and says so), and returns its exit status.
reap() {
	wait_until "$1" eval "! kill -0 $3 2>/dev/null" || {
		echo "@@timeout $2: still running after $1 s, killed"
		kill -9 "$3" 2>/dev/null
	}
	wait "$3"
}

# kprobe events: ours are made in tracefs and must go whatever ends the run.
KEVENTS=/sys/kernel/tracing/kprobe_events
kevents() { grep -c ':kprobes/udstrace_' $KEVENTS; }
# signal_run SIG: a kprobe run system-wide, ended by SIG (PIPE: its stdout's
# reader goes away after one interval object).
signal_run() {
	sig=$1
	rm -f /tmp/go /tmp/sig.err
	if [ "$sig" = PIPE ]; then
		rm -f /tmp/fifo && mkfifo /tmp/fifo
		sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; exec head -n 1' </tmp/fifo >/tmp/first &
		hpid=$!
		./udstrace --json --backend kprobe -i 0.2 >/tmp/fifo 2>/tmp/sig.err &
	else
		hpid=
		./udstrace --json --backend kprobe >/tmp/sig.out 2>/tmp/sig.err &
	fi
	upid=$!
	wait_until $POLL_SECS grep -q tracing /tmp/sig.err ||
		echo "@@timeout sig-$sig: udstrace did not say tracing within $POLL_SECS s"
	echo "@@sig-$sig-during $(kevents)"
	if [ "$sig" = PIPE ]; then touch /tmp/go; else kill -"$sig" $upid; fi
	reap $RUN_DEADLINE "sig-$sig: udstrace" $upid
	echo "@@sig-$sig-status $?"
	if [ -n "$hpid" ]; then
		wait_pids $RUN_DEADLINE "sig-$sig: head" $hpid
		echo "@@sig-$sig-final $(grep -c '"final":false' /tmp/first)"
	else
		echo "@@sig-$sig-final $(grep -c '"final":true' /tmp/sig.out)"
	fi
	echo "@@sig-$sig-after $(kevents)"
	sed 's/^/# sig-'"$sig"': /' /tmp/sig.err
}
for sig in INT TERM HUP QUIT PIPE; do
	signal_run $sig
done
# SIGKILL leaves the events; the next kprobe run removes them at start.
# A file of its own: the last signal run's says "tracing" already.
rm -f /tmp/stale.err
./udstrace --json --backend kprobe >/dev/null 2>/tmp/stale.err &
upid=$!
wait_until $POLL_SECS grep -q tracing /tmp/stale.err ||
	echo "@@timeout stale: udstrace did not say tracing within $POLL_SECS s"
kill -9 $upid
reap $RUN_DEADLINE "stale: udstrace" $upid
echo "@@stale-left $(kevents)"
run stale-next --backend kprobe -- $W
echo "@@stale-removed $(grep -c "^udstrace: removed $KEVENTS_N kprobe events left by udstrace runs that were killed\$" /tmp/err)"
echo "@@stale-after $(kevents)"
# Two kprobe runs at once, each PID 1 of its own PID namespace: the same
# getpid(), different events. The commands wait for /tmp/go, so both
# runs are attached when the work starts.
if unshare -p -f -m --mount-proc true 2>/dev/null; then
	rm -f /tmp/go
	upids=
	for i in 1 2; do
		unshare -p -f -m --mount-proc ./udstrace --json --backend kprobe -- \
			sh -c "while [ ! -e /tmp/go ]; do sleep 0.05; done; exec $W" >/tmp/ns$i 2>/tmp/ns$i.err &
		upids="$upids $!"
	done
	both_tracing() {
		for i in 1 2; do
			grep -q -e tracing -e failed /tmp/ns$i.err || return 1
		done
	}
	wait_until $POLL_SECS both_tracing ||
		echo "@@timeout pidns-kprobe: udstrace did not say tracing within $POLL_SECS s"
	echo "@@pidns-kprobe-during $(kevents)"
	touch /tmp/go
	set -- $upids
	for i in 1 2; do
		reap $RUN_DEADLINE "pidns-kprobe: udstrace $i" "$1"
		echo "@@pidns-kprobe$i-status $?"
		shift
		sed "s/^/@@pidns-kprobe$i /" /tmp/ns$i
		grep -v '^libbpf:' /tmp/ns$i.err | sed "s/^/# pidns-kprobe$i: /"
	done
	echo "@@pidns-kprobe-after $(kevents)"
else
	echo "@@pidns-kprobe1-status unsupported"
fi

# What adapts at load time. Forcing task storage is a real load failure
# before 5.11 (fentry and tracepoint): auto must move on and stay exact,
# and --check must say the same. The hash runs on every kernel.
export UDSTRACE_INFLIGHT=task-storage
run forced-ts -- $W
check=$(timeout -s KILL "$RUN_DEADLINE" ./udstrace --check --json)
st=$?
echo "@@forced-ts-check $check"
echo "@@forced-ts-check-status $st"
export UDSTRACE_INFLIGHT=hash
for b in fentry tracepoint; do
	run hash-$b --backend $b -- $W
done
unset UDSTRACE_INFLIGHT
# A 32-bit process (syscall 42 is pipe there; -l makes it call pipe).
if [ -x ./workload32 ]; then
	for b in tracepoint fentry; do
		run ia32-$b --backend $b -- ./workload32 -u "$N" -c "$M" -t "$K" -s "$S" -l
	done
fi
# udstrace inside a new PID namespace, following a command.
if unshare -p -f -m --mount-proc true 2>/dev/null; then
	timeout -s KILL "$RUN_DEADLINE" unshare -p -f -m --mount-proc \
		./udstrace --json -- $W -f >/tmp/out 2>/tmp/err
	echo "@@pidns-status $?"
	sed "s/^/@@pidns /" /tmp/out
else
	echo "@@pidns-status unsupported"
fi

# --stages with each backend that has stage probes.
for b in fentry tracepoint; do
	run stages-$b --backend $b --stages -- ./workload -u "$N" -c "$M" -t "$K" -s "$S" -l
	run blocked-$b --backend $b --stages -- ./workload -u 20 -s 65536 -b 600 -t 3 -r 300
done
# One stage program that will not attach: --stages goes on without it.
UDSTRACE_FAIL_ATTACH=ip_rcv_exit run stage-fails-fentry --backend fentry --stages -- $W -l

# Preempted, not asleep: the sender shares CPU 0 with a CPU hog, under
# full preemption so the hog can take the CPU inside a send. Kernels with
# PREEMPT_DYNAMIC (5.12+) switch to it at run time through debugfs.
P=/sys/kernel/debug/sched/preempt
mount -t debugfs none /sys/kernel/debug 2>/dev/null
old=$(sed -n 's/.*(\([a-z]*\)).*/\1/p' $P 2>/dev/null)
if [ -n "$old" ] && echo full >$P 2>/dev/null; then
	echo "@@kernel-preempt-full yes"
	taskset -c 0 sh -c 'while :; do :; done' &
	hog=$!
	for b in fentry tracepoint; do
		run preempted-$b --backend $b --stages -- ./workload -u 4000 -s 8192 -P 0 -B 67108864
	done
	kill $hog
	echo "$old" >$P
else
	echo "@@kernel-preempt-full no"
fi

# Other sockets' softirq work inside traced calls (tests/live/stages-rps.sh
# is the host's side): RPS steers lo's receive work to CPU 0, where the
# traced workload runs, while an untraced one drives TCP from CPU 1.
R=/sys/class/net/lo/queues/rx-0/rps_cpus
if [ -w $R ]; then
	echo "@@kernel-rps yes"
	rps_old=$(cat $R)
	echo 1 >$R
	./workload -t 100000000 -l -P 1 >/dev/null 2>&1 &
	drv=$!
	for b in fentry tracepoint; do
		run rps-uds-$b --backend $b --stages -- ./workload -u 10000 -P 0 -B 67108864
		run rps-tcp-$b --backend $b --stages -- ./workload -t "$K" -l -P 0
	done
	kill $drv
	wait_pids 10 "the rps TCP driver" $drv
	echo "$rps_old" >$R
else
	echo "@@kernel-rps no"
fi

# TCP Fast Open: each send connects its own socket (stages-tfo.sh).
tfo_old=$(cat /proc/sys/net/ipv4/tcp_fastopen)
echo 3 >/proc/sys/net/ipv4/tcp_fastopen
for b in fentry tracepoint; do
	run tfo-$b --backend $b --stages -- ./workload -t "$K" -F
done
echo "$tfo_old" >/proc/sys/net/ipv4/tcp_fastopen

# Least privilege, as nobody with exactly the capabilities given (setpriv
# comes from the host; tests/live/privilege.sh is the host's side). The
# kprobe backend needs more: see user/system.c, kprobe_privileges.
if [ -x ./setpriv ]; then
	run_as() { # run_as NAME CAPS UDSTRACE-ARGS...
		name=$1 caps=-all$2
		shift 2
		timeout -s KILL "$RUN_DEADLINE" ./setpriv --reuid=65534 --regid=65534 \
			--clear-groups --inh-caps=$caps --ambient-caps=$caps \
			--bounding-set=$caps ./udstrace --json "$@" >/tmp/out 2>/tmp/err
		echo "@@$name-status $?"
		sed "s/^/@@$name /" /tmp/out
		sed "s/^/@@$name-err /" /tmp/err
	}
	# Before 5.11 (no task storage either), BPF memory counts against
	# RLIMIT_MEMLOCK, and lifting it takes CAP_SYS_RESOURCE as well.
	res=
	[ "$(ulimit -l)" = unlimited ] || [ "$maj" -gt 5 ] ||
		{ [ "$maj" -eq 5 ] && [ "$min" -ge 11 ]; } || res=,+sys_resource
	echo "@@priv-res ${res:-none}"
	echo "@@priv-memlock $(ulimit -l)"
	run_as priv-auto ,+bpf,+perfmon -- $W
	[ -z "$res" ] || run_as priv-auto-res ,+bpf,+perfmon$res -- $W
	run_as priv-kprobe ,+bpf,+perfmon$res --backend kprobe -- $W
	run_as priv-kprobe-dac ,+bpf,+perfmon,+dac_override$res --backend kprobe -- $W
	paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo "@@priv-paranoid $paranoid"
	echo 2 >/proc/sys/kernel/perf_event_paranoid
	run_as priv-kprobe-p2 ,+bpf,+perfmon,+dac_override$res --backend kprobe -- $W
	echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
else
	echo "@@priv-status unsupported"
fi

# What a kprobe run touches, under strace (from the host): its lines that
# can open, create, remove or mount files, or use the network, for the
# host's analysers (tests/lib.sh: changes, network); and the BPF filesystem.
if [ -x ./strace ]; then
	find /sys/fs/bpf | sort >/tmp/bpffs-before
	mkdir -p /tmp/fp
	timeout -s KILL "$RUN_DEADLINE" ./strace -qq -ff -s 512 -o /tmp/fp/t \
		-e trace=%network,%file,mount,umount2 \
		./udstrace --json --backend kprobe -- $W >/tmp/out 2>/tmp/err
	echo "@@fp-kprobe-status $?"
	sed "s/^/@@fp-kprobe /" /tmp/out
	log=$(grep -rl '^execve("./udstrace"' /tmp/fp | head -n 1) # set -f: no glob
	grep -E '^(open|openat|creat|mkdir|mkdirat|unlink|unlinkat|rmdir|rename|renameat|renameat2|link|linkat|symlink|symlinkat|truncate|mknod|mknodat|chmod|fchmodat|chown|fchownat|lchown|utimensat|mount|umount|umount2|socket|socketpair|bind|listen|connect|accept|accept4|sendto|recvfrom|sendmsg|sendmmsg|recvmsg|recvmmsg|getsockopt|setsockopt|shutdown|getsockname|getpeername)\(' \
		"${log:-/dev/null}" | sed 's/^/@@fp-kprobe-strace /'
	find /sys/fs/bpf | sort >/tmp/bpffs-after
	echo "@@fp-bpffs $(cmp -s /tmp/bpffs-before /tmp/bpffs-after && echo same || echo changed)"
	echo "@@fp-kprobe-events-left $(grep -c udstrace_ /sys/kernel/tracing/kprobe_events)"
else
	echo "@@fp-kprobe-status unsupported"
fi

# --time-sample: fentry times every call, and so does the tracepoint
# backend before 6.3; both say so. From 6.3 the tracepoint backend samples.
for b in fentry tracepoint; do
	run sample-$b --backend $b --time-sample 10 -- ./workload -u 200 -s "$S"
	echo "@@sample-$b-told $(grep -c '^udstrace: --time-sample: timing every call' /tmp/err)"
done

# The kprobe backend when calls outnumber its kretprobe instances.
. ./guest-kprobe.sh

# The filters with the function-level backends (the host runs them with
# the tracepoint backend, tests/live/filters.sh). Three workloads with
# different counts at once: A, B under another name (a copy), and C in a
# child of a fresh cgroup. Four runs at once: -p A -p B, -p A, -c with B's
# name, and --cgroup with C's parent cgroup (those two system-wide, ended
# by SIGINT once the workloads are done).
CG=/sys/fs/cgroup/udstrace-filters
cp ./workload /tmp/wl-b
if mkdir -p $CG/sub 2>/dev/null; then
	cg_ok=yes
else
	cg_ok=no
	echo "@@filters-cgroup unsupported"
fi
for b in fentry kprobe; do
	for f in fw-a fw-b fw-c f-ab f-a f-c f-cg f-ab.err f-a.err f-c.err f-cg.err; do
		rm -f /tmp/$f # set -f: no globs
	done
	./workload -w -u 300 -c 4 -t 200 -s "$S" >/tmp/fw-a &
	A=$!
	/tmp/wl-b -w -u 111 -c 2 -t 50 -s "$S" >/tmp/fw-b &
	B=$!
	if [ $cg_ok = yes ]; then
		sh -c "echo \$\$ >$CG/sub/cgroup.procs && exec ./workload -w -u 77 -c 5 -t 33 -s $S" >/tmp/fw-c &
	else
		./workload -w -u 77 -c 5 -t 33 -s "$S" >/tmp/fw-c &
	fi
	C=$!
	ready3() { grep -qs ready /tmp/fw-a && grep -qs ready /tmp/fw-b && grep -qs ready /tmp/fw-c; }
	wait_until $POLL_SECS ready3 ||
		echo "@@timeout filters-$b: the workloads did not say ready within $POLL_SECS s"
	./udstrace --json --backend $b -p $A -p $B >/tmp/f-ab 2>/tmp/f-ab.err &
	U1=$!
	./udstrace --json --backend $b -p $A >/tmp/f-a 2>/tmp/f-a.err &
	U2=$!
	./udstrace --json --backend $b -c wl-b >/tmp/f-c 2>/tmp/f-c.err &
	U3=$!
	runs="ab:$U1 a:$U2 c:$U3"
	if [ $cg_ok = yes ]; then
		./udstrace --json --backend $b --cgroup $CG >/tmp/f-cg 2>/tmp/f-cg.err &
		U4=$!
		runs="$runs cg:$U4"
	fi
	# Each run is tracing, or has given up (the host sees its status).
	attached4() {
		for r in $runs; do
			grep -qs tracing /tmp/f-${r%:*}.err || ! kill -0 ${r#*:} 2>/dev/null ||
				return 1
		done
	}
	wait_until $POLL_SECS attached4 ||
		echo "@@timeout filters-$b: udstrace did not say tracing within $POLL_SECS s"
	kill -USR1 $A $B $C
	wait_pids $RUN_DEADLINE "filters-$b: workloads and -p runs" $A $B $C $U1 $U2
	set -- $WAIT_STATUS
	echo "@@filters-$b-ab-status $4"
	echo "@@filters-$b-a-status $5"
	kill -INT $U3 ${U4:-}
	wait_pids $RUN_DEADLINE "filters-$b: -c and --cgroup runs" $U3 ${U4:-}
	set -- $WAIT_STATUS
	echo "@@filters-$b-c-status $1"
	[ $cg_ok = no ] || echo "@@filters-$b-cg-status $2"
	for f in ab a c cg; do
		[ -e /tmp/f-$f ] && sed "s/^/@@filters-$b-$f /" /tmp/f-$f
		[ -e /tmp/f-$f.err ] && grep -v '^libbpf:' /tmp/f-$f.err | sed "s/^/# filters-$b-$f: /"
	done
	for w in a b c; do
		sed "s/^/@@filters-$b-w$w /" /tmp/fw-$w
	done
	U4=
done
[ $cg_ok = no ] || rmdir $CG/sub $CG
# -P: two workloads at once under two names, on fentry and kprobe (and
# the module, which must refuse it). Each prints its own counts.
cp ./workload /tmp/pp-a
cp ./workload /tmp/pp-b
for b in fentry kprobe; do
	run perproc-$b --backend $b -P -- sh -c \
		"/tmp/pp-a -u $N -t $K -c $M -s $S & /tmp/pp-b -u $((N / 2 + 1)) -t $((K / 3 + 1)) -s $S & wait"
done
timeout -s KILL "$RUN_DEADLINE" ./udstrace --backend kmod -P >/dev/null 2>/tmp/err
echo "@@perproc-kmod-status $?"
echo "@@perproc-kmod-err $(cat /tmp/err)"
# --folded with real stage times (fentry): each row's lines add up to its
# kernel time in the same run's summary.
run folded-fentry --backend fentry --folded /tmp/folded -- ./workload -u "$N" -c "$M" -t "$K" -s "$S" -l
sed 's/^/@@folded-fentry-file /' /tmp/folded 2>/dev/null

# --listeners: a listener with backlog 2 that never accepts and 9
# non-blocking connects, per backend; a blocking connect that waits 350 ms
# for an accept (fentry: the backend that times sleeps). ./backlog's own
# counts go behind @@NAME-helper.
for b in fentry kprobe tracepoint; do
	run listeners-$b --backend $b --listeners -- ./backlog full /tmp/vm-l-$b.sock 2 9
	sed -n "s/^backlog: /@@listeners-$b-helper /p" /tmp/err
done
run listeners-wait-fentry --backend fentry --listeners -- ./backlog wait @vm-wait 350
sed -n "s/^backlog: /@@listeners-wait-fentry-helper /p" /tmp/err

dmesg_end
echo "@@end"
