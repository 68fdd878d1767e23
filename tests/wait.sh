# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Waiting with a deadline, for the host's tests (bash) and the VM guests
# (busybox sh): sourced by tests/lib.sh, guest-core.sh and guest-kmod.sh.
# Every wait in the tests has a deadline; a test may fail, never hang.
# shellcheck shell=sh

# wait_until SECONDS CMD...: runs CMD every 0.05 s until it succeeds; fails
# if it has not after SECONDS.
wait_until() {
	_wu_steps=$(($1 * 20))
	shift
	until "$@"; do
		[ "$_wu_steps" -gt 0 ] || return 1
		_wu_steps=$((_wu_steps - 1))
		sleep 0.05
	done
}

# wait_pids SECONDS WHAT PID...: waits for the PIDs (children) to end, at
# most SECONDS; past that, prints "@@timeout WHAT ...", kills what is left
# and fails.
wait_pids() {
	_wp_secs=$1 _wp_what=$2
	shift 2
	_wp_pids=$*
	if wait_until "$_wp_secs" _none_alive; then
		wait "$@" 2>/dev/null
		return 0
	fi
	echo "@@timeout $_wp_what: still running after $_wp_secs s, killed"
	kill -9 "$@" 2>/dev/null
	wait "$@" 2>/dev/null
	return 1
}
_none_alive() {
	for _p in $_wp_pids; do
		! kill -0 "$_p" 2>/dev/null || return 1
	done
}
