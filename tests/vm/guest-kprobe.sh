#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck disable=SC2086 # pids and file names are plain words
# Sourced by guest-core.sh (its helpers and POLL_SECS, RUN_DEADLINE): the
# kprobe backend when calls outnumber what it can hold. The fixture
# ./sleepers puts R readers per kind (AF_UNIX, TCP) to sleep in read() at
# once, twice, and counts its own reads (its JSON line). udstrace follows
# it with -p; the fixture's writing child is not traced.
#   kprobe-lost      R = maxactive + 4: each round, 4 returns per kind find
#                    no kretprobe instance
#   kprobe-lost-hash the same with the pre-5.11 in-flight hash
#   kprobe-others    another, untraced process holds every instance first
#   kprobe-noentry   the readers sleep before udstrace attaches
#   kprobe-full      the in-flight hash shrunk to 4 entries, 6 readers
# tests/vm/kprobe-checks.sh checks the results on the host.

# The kretprobe's maxactive on this kernel, as --check names it.
KP_MAXACTIVE=$(./udstrace --check 2>/dev/null | sed -n 's/.*maxactive \([0-9]*\).*/\1/p' | head -n 1)
echo "@@kernel-kprobe-maxactive ${KP_MAXACTIVE:-none}"

# kp_start NAME SLEEPERS-ARGS...: starts the fixture into /tmp/NAME.w and
# waits for its first line; its pid in KP_PID.
kp_start() {
	kp_name=$1
	shift
	./sleepers "$@" >/tmp/$kp_name.w 2>&1 &
	KP_PID=$!
	wait_until $POLL_SECS grep -q -e ready -e asleep /tmp/$kp_name.w ||
		echo "@@timeout $kp_name: sleepers $* did not start within $POLL_SECS s"
}

# kp_attach NAME PID [VAR=VALUE...]: udstrace -p PID with the kprobe
# backend, in the background (pid in KP_UPID), once it is tracing.
kp_attach() {
	kp_name=$1 kp_target=$2
	shift 2
	env "$@" ./udstrace --json -v --backend kprobe -p "$kp_target" \
		>/tmp/$kp_name.out 2>/tmp/$kp_name.err &
	KP_UPID=$!
	wait_until $POLL_SECS eval "grep -q tracing /tmp/$kp_name.err || ! kill -0 $KP_UPID 2>/dev/null" ||
		echo "@@timeout $kp_name: udstrace did not say tracing within $POLL_SECS s"
}

# kp_finish NAME: waits for the fixture KP_PID and udstrace KP_UPID (which
# ends with it), and prints their statuses and outputs.
kp_finish() {
	wait_pids $RUN_DEADLINE "$1: sleepers and udstrace" $KP_PID $KP_UPID
	set -- "$1" $WAIT_STATUS
	echo "@@$1-status $2 $3"
	sed "s/^/@@$1 /" /tmp/$1.out /tmp/$1.w
	grep -v '^libbpf:' /tmp/$1.err | sed "s/^/# $1: /"
}

# kp_case NAME R [VAR=VALUE...]: the readers start once udstrace traces.
kp_case() {
	kp_c=$1 kp_r=$2
	shift 2
	kp_start "$kp_c" -n "$kp_r" -w
	kp_attach "$kp_c" $KP_PID "$@"
	kill -USR1 $KP_PID
	kp_finish "$kp_c"
}

if [ -n "$KP_MAXACTIVE" ]; then
	kp_case kprobe-lost $((KP_MAXACTIVE + 4))
	echo "@@kprobe-lost-v $(grep -c "unix_stream_recvmsg: kprobe via .*maxactive $KP_MAXACTIVE, shared with untraced threads" /tmp/kprobe-lost.err)"
	kp_case kprobe-lost-hash $((KP_MAXACTIVE + 4)) UDSTRACE_INFLIGHT=hash
	kp_case kprobe-full 3 UDSTRACE_INFLIGHT=hash UDSTRACE_INFLIGHT_MAX=4

	# Another process's readers take every instance (and 3 more find
	# none) before the traced one's start: none of its returns is seen.
	kp_start kprobe-others-holder -n $((KP_MAXACTIVE + 3)) -w -a
	holder=$KP_PID
	kp_start kprobe-others -n 4 -w
	kp_attach kprobe-others $KP_PID
	kill -USR1 $holder
	wait_until $POLL_SECS grep -q asleep /tmp/kprobe-others-holder.w ||
		echo "@@timeout kprobe-others: the holder's readers did not sleep within $POLL_SECS s"
	kill -USR1 $KP_PID
	kp_finish kprobe-others
	kill -USR1 $holder
	wait_pids $RUN_DEADLINE "kprobe-others: the holder" $holder
	echo "@@kprobe-others-holder-status $WAIT_STATUS"

	# Readers asleep in read() before udstrace attaches: their first
	# calls began before the kretprobe existed.
	kp_start kprobe-noentry -n 4 -a
	kp_attach kprobe-noentry $KP_PID
	kill -USR1 $KP_PID
	kp_finish kprobe-noentry
fi
