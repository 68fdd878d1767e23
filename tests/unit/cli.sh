#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Bad input: a one-line message (plus argp's hint line) and exit 2; a
# missing process or missing privileges: exit 1. Nothing here loads BPF.
. "$(dirname "$0")/../lib.sh"

# usage NAME WANT_STATUS WANT_TEXT ARGS...: status and message of one run.
usage() {
	local name=$1 want=$2 text=$3 out status
	shift 3
	out=$("$UDSTRACE" "$@" 2>&1 >/dev/null)
	status=$?
	check "$name: exit status" "$status" "$want"
	if grep -qF -- "$text" <<<"$out"; then
		pass "$name: message"
	else
		fail "$name: message" "'$out' lacks '$text'"
	fi
	if [ "$(grep -c . <<<"$out")" -le 2 ] && ! grep -q libbpf <<<"$out"; then
		pass "$name: short"
	else
		fail "$name: short" "more than an error and a hint: '$out'"
	fi
}

usage "unknown option" 2 "unrecognized option '--bogus'" --bogus
usage "non-numeric pid" 2 "invalid PID 'abc'" -p abc
usage "zero pid" 2 "invalid PID '0'" -p 0
usage "negative pid" 2 "invalid PID '-3'" -p -3
usage "huge pid" 2 "invalid PID '99999999999'" -p 99999999999
usage "non-numeric duration" 2 "invalid duration 'ten'" -d ten
usage "zero duration" 2 "invalid duration '0'" -d 0
usage "negative interval" 2 "invalid interval '-1'" -i -1
usage "duration too long" 2 "invalid duration '1e12'" -d 1e12
usage "unknown backend" 2 "unknown backend 'ebpf'" --backend ebpf
usage "stray argument" 2 "unexpected argument 'ls'" ls
usage "empty command" 2 "missing command after --" --
usage "pid and command" 2 "-p and a command exclude each other" -p 1 -- true
usage "counts-only and stages" 2 "--counts-only and --stages exclude each other" --counts-only --stages
usage "empty dot file" 2 "--dot needs a file name" --dot ""

out=$("$UDSTRACE" --help)
check "help: exit status" "$?" 0
grep -q '^Examples:' <<<"$out" && pass "help: examples block" || fail "help: examples block" "no Examples: in --help"

if [ "$(id -u)" -eq 0 ]; then
	usage "pid that does not exist" 1 "no process with PID 4194304" -p 4194304
	if command -v setpriv >/dev/null; then
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$UDSTRACE" -d 1 2>&1)
		check "not root: exit status" "$?" 1
		grep -qxF "udstrace: needs CAP_BPF and CAP_PERFMON, missing both; run as root or grant them" <<<"$out" &&
			pass "not root: message" || fail "not root: message" "'$out'"
	else
		skip "not root" "setpriv (util-linux) is not installed"
	fi
else
	skip "pid that does not exist" "needs root to get past the privilege check"
fi
