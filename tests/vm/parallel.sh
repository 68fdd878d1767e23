# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by tests/vm/test-*.sh: boot the VMs for several kernels in the
# background, at most $UDSTRACE_VM_JOBS at once (default 2, 1 on a one-CPU
# host), while the caller checks the results of one kernel after the other.
#
#   vm_parallel FN NAME...  runs "FN NAME" for each NAME in the background;
#                           FN writes its output to "$VM_TMP/NAME.log"
#   vm_wait NAME            waits for "FN NAME" to end; its exit status is
#                           then in "$VM_TMP/NAME.status" (none: it was killed)
#   vm_finished NAME SUITE STATUS END_RE
#                           checks that NAME's guest booted and finished
#                           (status 0, a line matching END_RE in the log)
#   vm_dmesg NAME SUITE LOG ALLOWED_TAINT
#                           checks the guest's kernel log (tests/vm/guest-dmesg.sh)
# VM_TMP is a private directory, removed on exit with whatever still runs.
# shellcheck shell=bash

VM_TMP=$(mktemp -d "${TMPDIR:-/tmp}/udstrace-vmtest.XXXXXX")
VM_JOBS=${UDSTRACE_VM_JOBS:-$(($(nproc) >= 2 ? 2 : 1))}
VM_SCHED=

vm_cleanup() {
	local f
	if [ -n "$VM_SCHED" ]; then
		kill "$VM_SCHED" 2>/dev/null
		# The runs still going, each its own process group (run-vm.sh
		# stops its qemu when it ends).
		for f in "$VM_TMP"/*.pid; do
			[ -e "$f" ] && kill -- -"$(cat "$f")" 2>/dev/null
		done
		wait "$VM_SCHED" 2>/dev/null
	fi
	rm -rf "$VM_TMP"
}
trap vm_cleanup EXIT

vm_parallel() {
	local fn=$1
	shift
	(
		trap - EXIT
		set -m # each run in its own process group, for vm_cleanup
		running=0
		for name in "$@"; do
			if [ "$running" -ge "$VM_JOBS" ]; then
				wait -n
				running=$((running - 1))
			fi
			(
				trap - EXIT
				st=0
				"$fn" "$name" || st=$?
				echo "$st" >"$VM_TMP/$name.status.tmp"
				mv "$VM_TMP/$name.status.tmp" "$VM_TMP/$name.status"
				rm -f "$VM_TMP/$name.pid"
			) &
			echo $! >"$VM_TMP/$name.pid"
			running=$((running + 1))
		done
		wait
	) 2>"$VM_TMP/scheduler.err" &
	VM_SCHED=$!
}

vm_wait() {
	# Each run ends by itself: run-vm.sh kills its qemu at its deadline.
	# So this waits for the status file or for the scheduler to be gone.
	until [ -e "$VM_TMP/$1.status" ] || ! kill -0 "$VM_SCHED" 2>/dev/null; do
		sleep 0.5
	done
}

# vm_finished NAME SUITE STATUS END_RE: "vm NAME SUITE: boot" passes if the
# guest started its script, "vm NAME SUITE: guest finished" if it also ran
# to its end. A log that does not is kept in .output/vm-NAME-SUITE.log and
# the failure names the last case the guest reached.
vm_finished() {
	local log=$VM_TMP/$1.log keep last
	# A run that hung once and passed on its retry (guest-deadline.sh).
	sed -n "s/^@@hung-once /WARN vm $1 $2: /p" "$log" | tr -d '\r'
	if [ "$3" = 0 ] && grep -q "$4" "$log"; then
		pass "vm $1 $2: boot"
		pass "vm $1 $2: guest finished"
		return 0
	fi
	keep=$TOP/.output/vm-$1-$2.log
	{ mkdir -p "$TOP/.output" && cp "$log" "$keep"; } 2>/dev/null || keep=
	if ! grep -q '^# guest kernel ' "$log"; then
		fail "vm $1 $2: boot" "the guest did not start (status $3${keep:+, log in $keep}): $(grep -v '^[@#]' "$log" | tail -n 5 | tr '\n' ' ')"
		return 1
	fi
	pass "vm $1 $2: boot"
	last=$(grep -o '^@@[^ ]*' "$log" | tail -n 1)
	fail "vm $1 $2: guest finished" "it stopped after ${last:-its first line} (status $3${keep:+, log in $keep}): $(grep -v '^[@#]' "$log" | tail -n 3 | tr '\n' ' ')"
	return 1
}

# vm_dmesg NAME SUITE LOG ALLOWED_TAINT: the guest's kernel log over the
# whole suite (tests/vm/guest-dmesg.sh): the canary seen, no line that
# shows a kernel problem, and no taint flag added beyond ALLOWED_TAINT.
vm_dmesg() {
	local k=$1 suite=$2 log=$3 allowed=$4 begin end
	val() { sed -n "s/^@@$1 //p" "$log" | tr -d '\r' | head -n 1; }
	echo "# vm $k $suite: dmesg grep -E '$(val dmesg-pattern)'"
	sed -n 's/^@@dmesg-bad /#   /p' "$log" | tr -d '\r'
	check "vm $k $suite dmesg: the canary WARNING is found" "$(val dmesg-canary)" 1
	check "vm $k $suite dmesg: no WARN, BUG, Oops, lockup or stall" "$(grep -c '^@@dmesg-bad' "$log")" 0
	begin=$(val taint-begin) end=$(val taint-end)
	echo "# vm $k $suite: tainted $begin before the suite, $end after"
	check "vm $k $suite: no taint flag added (allowed: $allowed)" \
		"$(( ${end:-1} & ~${begin:-0} & ~allowed ))" 0
}
