#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside the Debian guest (busybox sh; 6.1 or 6.12) for tests/vm/test-kmod.sh.
# Prints "@@KEY VALUE..." lines for the host to check: exit statuses,
# values read back, and "@@snap NAME LINE" for every line of /proc/udsprobe
# at a named moment. Lines starting with "#" are for the log only. Nothing
# waits without a deadline: a wait that runs out prints "@@timeout WHAT",
# which the host turns into a FAIL, and the script goes on.
# Usage: guest-kmod.sh N M K SIZE CYCLES
N=$1 M=$2 K=$3 S=$4 CYCLES=$5
set -f  # $W is split into words on purpose, never globbed
W="./workload -u $N -c $M -t $K -s $S"
P=/proc/udsprobe
T=/sys/module/udsprobe/parameters/tgid
KPROBES=/sys/kernel/debug/kprobes/list

say() { echo "@@$*"; }
snap() { # snap NAME: every line of /proc/udsprobe, tagged with NAME
	sed "s/^/@@snap $1 /" $P || say "snap-failed $1"
}
# put NAME FILE TEXT: write TEXT (echo -e: \n allowed) with one write(2);
# reports the shell's status and error message. busybox echo, unlike its
# printf, names the error ("write error: Invalid argument").
put() {
	# shellcheck disable=SC3037 # busybox sh
	echo -ne "$3" 2>/tmp/err >"$2"
	# shellcheck disable=SC2320 # the status of that write is the point
	status=$?
	say "$1 $status $(tr '\n' ' ' </tmp/err)"
}
# Our own probes in the kprobes list (r = kretprobe), 0 when none.
probes() { grep -c -E ' r  (unix_stream_|tcp_)(connect|sendmsg|recvmsg)' $KPROBES; }
stamp() { say "time-$1 $(cut -d' ' -f1 /proc/uptime)"; }
loaded() { [ -e /sys/module/udsprobe ] && echo loaded; }
. ./wait.sh # wait_until, wait_pids
. ./guest-dmesg.sh # dmesg_begin, dmesg_end
ready() { grep -q '^ready' /tmp/w.out 2>/dev/null; }

echo "# guest kernel $(uname -r)"
dmesg_begin
# The functions the module probes where the kernel has them (sendpage:
# before 6.5); each adds a "missed" line to the 17 of /proc/udsprobe.
EXTRAS=$(awk '$3 == "unix_stream_sendpage" || $3 == "tcp_sendpage" ||
	$3 == "unix_stream_splice_read" || $3 == "tcp_splice_read" { print $3 }' /proc/kallsyms | sort -u | xargs)
say kernel-extras "$EXTRAS"
PROC_LINES=$((17 + $(echo "$EXTRAS" | wc -w)))

stamp start
# --- load, counts system-wide
insmod ./udsprobe.ko
say insmod $?
say proc-mode "$(stat -c %a $P)"
say param-mode "$(stat -c %a $T)"
say param-initial "$(cat $T)"
say probes-loaded "$(probes)"
snap fresh
$W >/tmp/w.out
say work-all $?
sed 's/^/@@w-all /' /tmp/w.out
snap all

stamp reset
# --- reset: garbage is refused and changes nothing; "reset" zeroes
put garbage-bogus $P 'bogus'
put garbage-reset2 $P 'reset2\n'
put garbage-empty $P '\n'
put garbage-two-lines $P 'reset\n\n'
put garbage-space $P ' reset'
snap after-garbage
put reset-newline $P 'reset\n'
snap after-reset
$W >/dev/null
put reset-plain $P 'reset'
snap after-reset-plain

stamp tgid
# --- tgid filter set at run time: the workload itself, then another process
$W -w >/tmp/w.out &
wpid=$!
wait_until 30 ready || echo "@@timeout tgid: the workload did not say ready within 30 s"
say self-pid $wpid
put set-self $T "$wpid\n"
say param-self "$(cat $T)"
put reset-self $P 'reset\n'
kill -USR1 $wpid
wait_pids 120 "tgid: the workload" $wpid
say work-self "$WAIT_STATUS"
sed 's/^/@@w-self /' /tmp/w.out
snap self

sleep 1000 &
other=$!
say other-pid $other
put set-other $T "$other\n"
put reset-other $P 'reset\n'
$W >/dev/null
say work-other $?
snap other
kill $other
put set-zero $T '0\n'

stamp crosscheck
# --- three mechanisms on one process at once: udstrace with fentry, a
# second udstrace with kprobe, and the module (read by a third udstrace
# through --backend kmod, which needs the module's filter on that process).
# The TCP reader sleeps in read() 300 ms or more (-r), which all must time.
$W -w -r 300 >/tmp/w.out &
wpid=$!
wait_until 30 ready || echo "@@timeout crosscheck: the workload did not say ready within 30 s"
put set-cross $T "$wpid\n"
upids=
for b in fentry kprobe kmod; do
	./udstrace --json --backend $b -p $wpid >/tmp/cross-$b 2>/tmp/cross-$b.err &
	upids="$upids $!"
done
# Each one is tracing, or has already given up (the host's checks of its
# output say so).
attached() {
	# shellcheck disable=SC2086 # a list of pids
	set -- $upids
	for b in fentry kprobe kmod; do
		grep -q tracing /tmp/cross-$b.err || ! kill -0 "$1" 2>/dev/null || return 1
		shift
	done
}
wait_until 30 attached || echo "@@timeout crosscheck: udstrace did not say tracing within 30 s"
kill -USR1 $wpid
# shellcheck disable=SC2086 # a list of pids
wait_pids 120 "crosscheck: the workload and three udstrace runs" $wpid $upids
say cross-status "$WAIT_STATUS"
for b in fentry kprobe kmod; do
	sed "s/^/@@cross-$b /" /tmp/cross-$b /tmp/w.out
	sed 's/^/# /' /tmp/cross-$b.err
done
put cross-zero $T '0\n'

stamp targets
# --- udstrace points the module's filter at its target and restores it
# A command: the filter is the command's pid while it runs.
./udstrace --json --backend kmod -- sh -c "cat $T >/tmp/param; exec $W" >/tmp/out 2>/tmp/err
say kmod-cmd-status $?
say kmod-cmd-pid "$(sed -n 's/.*(PID \([0-9]*\)).*/\1/p' /tmp/err)"
say kmod-cmd-param-during "$(cat /tmp/param)"
say kmod-cmd-param-after "$(cat $T)"
sed "s/^/@@kmod-cmd /" /tmp/out
sed 's/^/# kmod-cmd: /' /tmp/err
# -p, while an untraced process does the same work. The filter was set by
# a run that was killed (a pid that no longer runs): taken over, restored.
sh -c 'exit 0' &
dead=$!
wait $dead
put kmod-pid-stale $T "$dead\n"
say kmod-pid-stale-value "$dead"
$W -w >/tmp/w.out &
wpid=$!
wait_until 30 ready || echo "@@timeout kmod-pid: the workload did not say ready within 30 s"
./udstrace --json --backend kmod -p $wpid >/tmp/out 2>/tmp/err &
upid=$!
wait_until 30 eval "grep -q tracing /tmp/err || ! kill -0 $upid 2>/dev/null" ||
	echo "@@timeout kmod-pid: udstrace did not say tracing within 30 s"
say kmod-pid-param-during "$(cat $T)"
./workload -u 77 -c 5 -t 33 >/dev/null	# not traced
kill -USR1 $wpid
wait_pids 120 "kmod-pid: the workload" $wpid
wait_until 60 eval "! kill -0 $upid 2>/dev/null" ||
	{ echo "@@timeout kmod-pid: udstrace still running after 60 s"; kill -9 $upid; }
wait $upid
say kmod-pid-status $?
say kmod-pid-param-after "$(cat $T)"
sed "s/^/@@kmod-pid /" /tmp/out /tmp/w.out
sed 's/^/# kmod-pid: /' /tmp/err
put kmod-pid-zero $T '0\n'
# A filter on a live process belongs to someone else: refused, unchanged.
sleep 1000 &
other=$!
put kmod-busy-set $T "$other\n"
./udstrace --json --backend kmod -p $$ >/dev/null 2>/tmp/err
say kmod-busy-status $?
say kmod-busy-err "$(grep -v '^libbpf' /tmp/err)"
say kmod-busy-other "$other"
say kmod-busy-param-after "$(cat $T)"
kill $other
put kmod-busy-zero $T '0\n'
# A signal ends the run: the filter is restored all the same.
./udstrace --json --backend kmod -- sleep 60 >/dev/null 2>/tmp/err &
upid=$!
wait_until 30 eval "grep -q tracing /tmp/err || ! kill -0 $upid 2>/dev/null" ||
	echo "@@timeout kmod-sig: udstrace did not say tracing within 30 s"
say kmod-sig-param-during "$(cat $T)"
kill -HUP $upid
wait_until 30 eval "! kill -0 $upid 2>/dev/null" ||
	{ echo "@@timeout kmod-sig: udstrace still running after 30 s"; kill -9 $upid; }
wait $upid
say kmod-sig-status $?
say kmod-sig-pid "$(sed -n 's/.*(PID \([0-9]*\)).*/\1/p' /tmp/err)"
say kmod-sig-param-after "$(cat $T)"

stamp badparam
# --- bad values at run time leave the old one
put set-123 $T '123\n'
put param-bad-minus1 $T '-1\n'
say param-after-minus1 "$(cat $T)"
put param-bad-abc $T 'abc\n'
say param-after-abc "$(cat $T)"
put param-bad-big $T '99999999\n'
say param-after-big "$(cat $T)"
put param-bad-limit1 $T '4194305\n'
say param-after-limit1 "$(cat $T)"
put param-bad-empty $T '\n'
say param-after-empty "$(cat $T)"
put param-limit $T '4194304\n'
say param-after-limit "$(cat $T)"
rmmod udsprobe
say rmmod $?
say gone "$(loaded) $([ -e $P ] && echo proc)"
say probes-unloaded "$(probes)"

stamp insmodbad
# --- bad values at insmod fail the load
for v in -1 abc 99999999 4194305 ''; do
	insmod ./udsprobe.ko "tgid=$v" 2>/tmp/err
	say "insmod-bad[$v] $? $(loaded)"
	[ -z "$(loaded)" ] || rmmod udsprobe
done
insmod ./udsprobe.ko tgid=4194304
say insmod-limit $?
say param-insmod-limit "$(cat $T)"
rmmod udsprobe

stamp cycles
# --- load and unload under load, with a reader and a filter that flips
# QEMU's multi-threaded TCG can keep running a stale translation of kernel
# text that another vCPU has just patched (text_poke's int3 stays visible:
# a soft lockup at func+0x0, or a jump to 0 from the int3 handler). So the
# patching (insmod, rmmod) and everything that runs the probed functions
# stay on CPU 0; the /proc reader and the tgid writer run on CPU 1.
# Each cycle waits (at most 10 s) until, while the module is loaded, its
# probes have fired, the reader has read a whole /proc/udsprobe and the
# writer has set the filter: so every load and unload races all three.
export P T PROC_LINES
taskset -p 1 $$ >/dev/null
rm -f /tmp/stop /tmp/loads /tmp/read-ok /tmp/flip-ok
(
	while [ ! -e /tmp/stop ]; do
		./workload -u 100 -c 2 -t 50 -s 100 >/dev/null || say load-failed $?
		echo >>/tmp/loads
	done
) &
bg=$!
renice -n 19 -p $bg >/dev/null
# shellcheck disable=SC2016 # expanded by the inner sh
taskset 2 sh -c '
	ok=0 none=0 torn=0
	while [ ! -e /tmp/stop ]; do
		case $(cat $P 2>/dev/null | wc -l) in
		"$PROC_LINES") ok=$((ok + 1)); : >/tmp/read-ok ;;
		0) none=$((none + 1)) ;;
		*) torn=$((torn + 1)) ;;
		esac
	done
	echo "@@reads $ok $none $torn"' &
bg="$bg $!"
# shellcheck disable=SC2016 # expanded by the inner sh
taskset 2 sh -c '
	n=0
	while [ ! -e /tmp/stop ]; do
		{ echo $$ >$T && echo 0 >$T && n=$((n + 1)) && : >/tmp/flip-ok; } 2>/dev/null
	done
	echo "@@tgid-flips $n"' &
bg="$bg $!"
sleep 0.2
# fired: the module counted a send of the background workload.
fired() { awk '$1 == "unix_stream_sendmsg" && $2 > 0 { f = 1 } END { exit !f }' $P 2>/dev/null; }
raced() { fired && [ -e /tmp/read-ok ] && [ -e /tmp/flip-ok ]; }
ok=0 bad=0 i=0
while [ $i -lt "$CYCLES" ]; do
	if insmod ./udsprobe.ko && rm -f /tmp/read-ok /tmp/flip-ok &&
	    wait_until 10 raced && grep -q '^# udsprobe 2$' $P && rmmod udsprobe; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
		[ -z "$(loaded)" ] || rmmod udsprobe
	fi
	i=$((i + 1))
done
touch /tmp/stop
# shellcheck disable=SC2086 # a list of pids
wait_pids 120 "cycles: the background load, reader and tgid writer" $bg
say cycles $ok $bad
say loads "$(wc -l </tmp/loads)"
say probes-after-cycles "$(probes)"

stamp inflight
# --- unload while a call sleeps inside a probed function. busybox nc -e
# runs cat on the accepted socket, an AF_INET6 socket connected from
# 127.0.0.1, so the peer is ::ffff:127.0.0.1. cat's read() sleeps in
# tcp_recvmsg, and rmmod happens while it is there.
wait_for() { # wait_for CMD...: poll up to 30 s until CMD succeeds
	wait_until 30 "$@" || echo "@@timeout inflight: $* still false after 30 s"
}
listening() { grep -q -E ':15B3 0+:0000 0A' /proc/net/tcp /proc/net/tcp6; }
echoed() { grep -q "^$1\$" /tmp/client.out; }
sleeping() { [ "$(cat /proc/$srv/comm)" = cat ] && [ "$(cat /proc/$srv/wchan)" = wait_woken ]; }
insmod ./udsprobe.ko
say insmod-inflight $?
nc -l -p 5555 -e cat &
srv=$!
wait_for listening
put set-inflight $T "$srv\n"
mkfifo /tmp/in
nc 127.0.0.1 5555 </tmp/in >/tmp/client.out &
cli=$!
exec 3>/tmp/in
echo first >&3
wait_for echoed first
say echo-first "$(xargs </tmp/client.out)"
wait_for sleeping
say server-wchan "$(cat /proc/$srv/wchan)"
sed 's/^/# server stack: /' /proc/$srv/stack
snap inflight
rmmod udsprobe
say rmmod-inflight $?
echo second >&3
wait_for echoed second
say echo-second "$(xargs </tmp/client.out)"
exec 3>&-
kill $srv $cli 2>/dev/null
wait_pids 30 "inflight: nc server and client" $srv $cli

stamp restarts
# --- a reset, then an unload and a load, under a running udstrace -i: it
# says so and its totals stay exact. Three workload runs, each one read by
# udstrace (two more interval objects) before the module's counters go
# back to zero. Still on CPU 0 (see the cycles above): the module is
# loaded and unloaded here, and nothing else runs meanwhile.
intervals() { grep -c '"final":false' /tmp/restart.out; }
at_least() { [ "$(intervals)" -ge "$1" ]; }
# read_twice WHAT: waits until udstrace printed two more intervals, so it
# read the module after what came before.
read_twice() {
	wait_until 30 at_least $(($(intervals) + 2)) ||
		echo "@@timeout restarts: udstrace printed no interval within 30 s ($1)"
}
insmod ./udsprobe.ko
say insmod-restarts $?
./udstrace --json --backend kmod -i 0.2 >/tmp/restart.out 2>/tmp/restart.err &
upid=$!
wait_until 30 eval "grep -q tracing /tmp/restart.err || ! kill -0 $upid 2>/dev/null" ||
	echo "@@timeout restarts: udstrace did not say tracing within 30 s"
: >/tmp/restart.w
$W >>/tmp/restart.w
say restart-work-1 $?
read_twice "before the reset"
snap before-reset
put restart-reset $P 'reset\n'
snap after-reset-run
$W >>/tmp/restart.w
say restart-work-2 $?
read_twice "before the unload"
rmmod udsprobe
say restart-rmmod $?
read_twice "while unloaded"
insmod ./udsprobe.ko
say restart-insmod $?
snap reloaded
$W >>/tmp/restart.w
say restart-work-3 $?
read_twice "after the load"
kill -INT $upid
wait_until 30 eval "! kill -0 $upid 2>/dev/null" ||
	{ echo "@@timeout restarts: udstrace still running 30 s after SIGINT"; kill -9 $upid; }
wait $upid
say restart-status $?
sed 's/^/@@restart /' /tmp/restart.out /tmp/restart.w
sed 's/^/@@restart-err /' /tmp/restart.err
snap restarted
rmmod udsprobe
say rmmod-restarts $?

stamp final
# --- still exact afterwards, on both CPUs again
taskset -p 3 $$ >/dev/null
insmod ./udsprobe.ko
say insmod-final $?
$W >/tmp/w.out
say work-final $?
sed 's/^/@@w-final /' /tmp/w.out
snap final
rmmod udsprobe
say rmmod-final $?

stamp privilege
# --- /proc/udsprobe is root's (0600): nobody with CAP_BPF and CAP_PERFMON
# cannot read it, and says so in one line; CAP_DAC_READ_SEARCH can.
if [ -x ./setpriv ]; then
	insmod ./udsprobe.ko
	for caps in ,+bpf,+perfmon ,+bpf,+perfmon,+dac_read_search; do
		./setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all$caps \
			--ambient-caps=-all$caps --bounding-set=-all$caps \
			./udstrace --backend kmod -d 0.2 >/dev/null 2>/tmp/err
		say "priv[$caps] $?"
		grep -v '^udstrace: tracing' /tmp/err | sed "s/^/@@priv-err[$caps] /"
	done
	rmmod udsprobe
else
	say "priv unsupported"
fi

stamp dmesg
# --- what the kernel said, the module's own words too
dmesg_end '[Kk]probe|rethook|refcount|leak'
say end
