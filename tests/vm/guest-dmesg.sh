#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by the guest scripts (busybox sh): the kernel's log of a whole
# suite, checked on the host by vm_dmesg (tests/vm/parallel.sh).
#   dmesg_begin          at the start: the boot log is the distribution's;
#                        its matches are shown for the log, then it is cleared
#   dmesg_end [EXTRA]    at the end: "@@dmesg-bad LINE" for each line of the
#                        suite's log that matches the pattern (| EXTRA), the
#                        taint flags before and after, and the canary count
# A canary line written to /dev/kmsg just before the end must be found: it
# shows that the log is read and the pattern matches a WARNING.
DMESG_PATTERN='WARN|BUG|Oops|Call Trace|RIP:|general protection|soft lockup|hard LOCKUP|rcu.*stall|blocked for more than|refcount_t|Kernel panic|Bad page|list_(add|del) corruption|UBSAN|KASAN|kmemleak'
DMESG_CANARY='udstrace-vm canary: WARNING: written by the test, not a kernel problem'

dmesg_begin() {
	dmesg | grep -E "$DMESG_PATTERN" | sed 's/^/# boot dmesg: /'
	dmesg -c >/dev/null
	echo "@@taint-begin $(cat /proc/sys/kernel/tainted)"
}

dmesg_end() {
	pattern=$DMESG_PATTERN${1:+|$1}
	echo "$DMESG_CANARY" >/dev/kmsg
	# With the log that a hang report (guest-deadline.sh) cleared.
	{ cat /tmp/dmesg-before-hang 2>/dev/null; dmesg; } >/tmp/dmesg
	sed 's/^/# dmesg: /' /tmp/dmesg
	echo "@@dmesg-pattern $pattern"
	grep -E "$pattern" /tmp/dmesg | grep -v -F "$DMESG_CANARY" | sed 's/^/@@dmesg-bad /'
	echo "@@dmesg-canary $(grep -c -F "$DMESG_CANARY" /tmp/dmesg)"
	echo "@@taint-end $(cat /proc/sys/kernel/tainted)"
}
