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
# and fails. WAIT_STATUS is then their exit statuses, in the order given
# (137 for one killed here).
wait_pids() {
	_wp_secs=$1 _wp_what=$2 _wp_ok=0
	shift 2
	_wp_pids=$*
	if ! wait_until "$_wp_secs" _none_alive; then
		echo "@@timeout $_wp_what: still running after $_wp_secs s, killed"
		kill -9 "$@" 2>/dev/null
		_wp_ok=1
	fi
	WAIT_STATUS=
	for _p in "$@"; do
		wait "$_p" 2>/dev/null
		WAIT_STATUS="${WAIT_STATUS:+$WAIT_STATUS }$?"
	done
	return $_wp_ok
}
_none_alive() {
	for _p in $_wp_pids; do
		! kill -0 "$_p" 2>/dev/null || return 1
	done
}
