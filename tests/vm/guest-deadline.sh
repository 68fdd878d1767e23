#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by the guest scripts (busybox sh): a command with a deadline that,
# when it is missed, shows where every task of the guest's workload is
# before killing it, so that a hang in CI can be read from its log.
#   run_deadline SECS CMD...   runs CMD (stdin, stdout and stderr as given);
#                              its exit status, or 137 after SECS seconds
#                              (each task's state, wchan, syscall and kernel
#                              stack, then the kernel's view of all blocked
#                              tasks, go to stderr as "# hang:" lines first)

# hang_report: what every process other than the guest's own shell and
# kernel threads is doing, from /proc.
hang_report() {
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
	# Blocked (D) tasks' stacks, as the kernel prints them.
	echo w >/proc/sysrq-trigger 2>/dev/null
	dmesg | tail -n 80 | sed 's/^/# hang: dmesg: /'
}

run_deadline() {
	secs=$1
	shift
	"$@" &
	pid=$!
	end=$(($(date +%s) + secs))
	while kill -0 "$pid" 2>/dev/null; do
		# A reaped (zombie) child still answers kill -0: check its state.
		grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
		if [ "$(date +%s)" -ge "$end" ]; then
			{
				echo "# hang: $* still running after $secs s"
				hang_report
			} >&2
			kill -9 "$pid" 2>/dev/null
			wait "$pid"
			return 137
		fi
		sleep 1
	done
	wait "$pid"
}
