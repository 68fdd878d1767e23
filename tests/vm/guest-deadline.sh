#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by the guest scripts (busybox sh): a command with a deadline that,
# when it is missed, shows where every task of the guest's workload is
# before killing it, so that a hang in CI can be read from its log.
#   run_deadline SECS CMD...   runs CMD (stdin, stdout and stderr as given);
#                              its exit status, or 137 after SECS seconds
#                              (each task's state, wchan, syscall and kernel
#                              stack, the sockets, the CPUs' interrupts and
#                              the kernel's view of all blocked tasks go to
#                              stderr as "# hang:" lines first)
#   udstrace_run NAME ARGS...  one udstrace run, with RUN_DEADLINE (below)

# hang_report: what every process but the kernel threads is doing, from
# /proc, and the state of the sockets and CPUs.
# shellcheck disable=SC3043 # busybox ash has local, as every guest shell here
hang_report() {
	local d t cmd
	for d in /proc/[0-9]*; do
		[ -r "$d/cmdline" ] || continue
		cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)
		[ -n "$cmd" ] || continue
		for t in "$d"/task/[0-9]*; do
			echo "# hang: ${t#/proc/} $(sed -n 's/^State:\t//p' "$t/status" 2>/dev/null)" \
				"wchan=$(cat "$t/wchan" 2>/dev/null) syscall=$(cut -d' ' -f1 "$t/syscall" 2>/dev/null)" \
				"comm=$(cat "$t/comm" 2>/dev/null) cmd=$cmd"
			sed 's/^/# hang:    /' "$t/stack" 2>/dev/null
		done
	done
	# The sockets' queues and timers (a reader waiting on a TCP socket:
	# is the data in the writer's send queue, with a retransmit due?),
	# and whether each CPU still takes its timer interrupts and softirqs.
	sed 's/^/# hang: tcp: /' /proc/net/tcp /proc/net/tcp6 2>/dev/null
	sed 's/^/# hang: unix: /' /proc/net/unix 2>/dev/null
	grep -E 'LOC|RES|CAL' /proc/interrupts | sed 's/^/# hang: irq: /'
	sed 's/^/# hang: softirq: /' /proc/softirqs
	# Blocked (D) tasks' stacks, as the kernel prints them. The log before
	# is kept for dmesg_end (guest-dmesg.sh), which would take the dump's
	# "Call Trace" lines for a kernel problem.
	dmesg >>/tmp/dmesg-before-hang
	echo w >/proc/sysrq-trigger 2>/dev/null
	dmesg -c | tail -n 80 | sed 's/^/# hang: dmesg: /'
}

# alive PID: PID is running (a child that ended is a zombie until waited for).
alive() {
	local key val
	[ -r "/proc/$1/status" ] || return 1
	while read -r key val _; do
		[ "$key" = State: ] || continue
		[ "$val" != Z ]
		return
	done <"/proc/$1/status"
}

# Polls with builtins and sleep only: a fork or two a second, not a load
# that would disturb what the command measures. Every 0.1 s at first, as
# most runs end in a few seconds, then every second.
run_deadline() {
	local secs="$1" pid up end polls
	shift
	"$@" &
	pid=$!
	read -r up _ </proc/uptime
	end=$((${up%.*} + secs)) polls=0
	while alive "$pid"; do
		read -r up _ </proc/uptime
		if [ "${up%.*}" -ge "$end" ]; then
			{
				echo "# hang: $* still running after $secs s"
				hang_report
			} >&2
			kill -9 "$pid" 2>/dev/null
			wait "$pid"
			return 137
		fi
		polls=$((polls + 1))
		if [ $polls -le 30 ]; then sleep 0.1; else sleep 1; fi
	done
	wait "$pid"
}

# shellcheck disable=SC3043 # busybox ash has local
# udstrace_run NAME ARGS...: ./udstrace --json ARGS within $RUN_DEADLINE
# seconds. Its stdout goes out as "@@NAME ..." lines, its exit status as
# "@@NAME-status", its stderr (but libbpf's) behind "# NAME: ". A run that
# is killed leaves "@@hung-once NAME: ..." and runs again; killed again, it
# leaves "@@timeout NAME: ...". Both kill the workloads.
udstrace_run() {
	local name="$1" st try=1
	shift
	while :; do
		run_deadline "$RUN_DEADLINE" ./udstrace --json "$@" >/tmp/out 2>/tmp/err
		st=$?
		[ $st = 137 ] || break
		killall -9 workload connwork rates 2>/dev/null
		if [ $try = 2 ]; then
			echo "@@timeout $name: udstrace still running after $RUN_DEADLINE s, twice, killed"
			break
		fi
		# Once is reported (the host prints a WARN), with where every
		# task was, and the case runs again. In CI a loopback TCP
		# connection of connwork's has stalled for the whole deadline
		# under 6.1 and TCG (its reader asleep in tcp_recvmsg, its
		# writer done) and the retry passed; a hang of udstrace's own
		# would come back.
		echo "@@hung-once $name: udstrace still running after $RUN_DEADLINE s, killed and run again"
		grep -v '^libbpf:' /tmp/err | sed "s/^/# $name (first try): /"
		try=2
	done
	echo "@@$name-status $st"
	sed "s/^/@@$name /" /tmp/out
	grep -v '^libbpf:' /tmp/err | sed "s/^/# $name: /"
}
