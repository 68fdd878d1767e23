#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# How a run ends, whatever the command or a signal does: udstrace always
# ends within a deadline, prints its summary, exits with a status that says
# what happened, and leaves nothing in the kernel.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "ending tests" "need root to load BPF programs"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ended NAME SECONDS STATUS WANT_STATUS ELAPSED: the run ended with
# WANT_STATUS and took less than SECONDS.
ended() {
	check "$1: exit status" "$3" "$4"
	check "$1: ended within $2 s (took $5 s)" "$(awk -v t="$5" -v d="$2" 'BEGIN { print (t < d) }')" 1
}

# timed_run SECONDS UDSTRACE-ARGS...: runs udstrace with stdout in $tmp/out,
# stderr in $tmp/err, killed after SECONDS; sets $st and $took (seconds).
timed_run() {
	local t0 deadline=$1
	shift
	t0=$(date +%s.%N)
	timeout -s KILL "$deadline" "$UDSTRACE" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
}

# gone NAME: the command, which wrote its PID to $tmp/cmd, is gone (and
# killed here if not, so that a failing run leaves nothing behind).
gone() {
	local pid
	pid=$(cat "$tmp/cmd" 2>/dev/null)
	if [ -z "$pid" ]; then
		fail "$1: command gone" "the command did not write its PID"
	elif kill -0 "$pid" 2>/dev/null; then
		fail "$1: command gone" "PID $pid still runs after udstrace ended"
		kill -9 "$pid"
	else
		pass "$1: command gone"
	fi
	rm -f "$tmp/cmd"
}

# --- the command outlives the run (-d) --------------------------------------
# It ignores SIGTERM (the ignore survives exec): SIGKILL after the 2 s grace.
ignore_term="echo \$\$ >$tmp/cmd; trap '' TERM; exec sleep 60"
timed_run 20 --json -d 0.5 -- sh -c "$ignore_term"
ended "command ignoring TERM" 10 "$st" 137 "$took"
gone "command ignoring TERM"
check "command ignoring TERM: one final object" "$(grep -c '"final":true' "$tmp/out")" 1
check "command ignoring TERM: says it killed the command" \
	"$(grep -c '^udstrace: the command did not end on SIGTERM; killed it$' "$tmp/err")" 1
# It is stopped: SIGCONT lets it act on SIGTERM at once.
timed_run 20 --json -d 0.5 -- sh -c "echo \$\$ >$tmp/cmd; kill -STOP \$\$; exit 3"
ended "stopped command" 10 "$st" 143 "$took"
gone "stopped command"
check "stopped command: one final object" "$(grep -c '"final":true' "$tmp/out")" 1
# A Ctrl-C in the grace time ends it at once, not 2 s later.
"$UDSTRACE" --json -d 0.3 -- sh -c "$ignore_term" >"$tmp/ctrl-c.out" 2>/dev/null &
upid=$!
wait_until 30 grep -q '"final":true' "$tmp/ctrl-c.out" ||
	fail "Ctrl-C in the grace time: summary" "no final object within 30 s"
t0=$(date +%s.%N)
kill -INT $upid
wait_pid 30 $upid
st=$?
took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
ended "Ctrl-C in the grace time" 1.5 "$st" 137 "$took"
gone "Ctrl-C in the grace time"

# --- signals: each ends the run with the summary and status 0, and leaves
# none of udstrace's BPF programs, maps or links in the kernel ----------------
# attached PID ERRFILE: udstrace PID said it is tracing, or has given up.
attached() { grep -q tracing "$2" 2>/dev/null || ! kill -0 "$1" 2>/dev/null; }
for sig in HUP QUIT; do
	"$UDSTRACE" --json >"$tmp/$sig.out" 2>"$tmp/$sig.err" &
	upid=$!
	wait_until 30 attached $upid "$tmp/$sig.err" ||
		fail "SIG$sig: udstrace attached" "udstrace did not say tracing within 30 s"
	objs=$(bpf_objects_of $upid)
	timeout -s KILL 60 "$WORKLOAD" -u 25 >/dev/null
	kill -$sig $upid
	wait_pid 30 $upid
	check "SIG$sig: exit status" "$?" 0
	check "SIG$sig: one final object" "$(grep -c '"final":true' "$tmp/$sig.out")" 1
	check "SIG$sig: it saw the sends before the signal" \
		"$(path_field "$(final_object <"$tmp/$sig.out")" unix_stream_sendmsg calls | awk '{print ($1 >= 25)}')" 1
	released "SIG$sig" "$objs"
done

# SIGPIPE: the reader of stdout goes away (| head -n 1). The reader holds
# back until udstrace's objects are noted, so the order is fixed.
mkfifo "$tmp/fifo"
sh -c "while [ ! -e $tmp/go ]; do sleep 0.05; done; exec head -n 1" <"$tmp/fifo" >"$tmp/first" &
hpid=$!
"$UDSTRACE" --json -i 0.1 >"$tmp/fifo" 2>"$tmp/pipe.err" &
upid=$!
wait_until 30 attached $upid "$tmp/pipe.err" ||
	fail "SIGPIPE: udstrace attached" "udstrace did not say tracing within 30 s"
objs=$(bpf_objects_of $upid)
touch "$tmp/go"
wait_pid 30 $upid
check "SIGPIPE: exit status" "$?" 0
wait_pid 30 $hpid
check "SIGPIPE: the reader got an interval object" "$(jq -r .final "$tmp/first")" false
check "SIGPIPE: nothing on stderr but the start" "$(grep -v '^udstrace: tracing' "$tmp/pipe.err")" ""
released "SIGPIPE" "$objs"
# With a command, which is ended as when the run ends first.
t0=$(date +%s.%N)
timeout -s KILL 30 "$UDSTRACE" -i 0.1 -- sh -c "echo \$\$ >$tmp/cmd; exec sleep 60" 2>/dev/null | head -n 1 >/dev/null
st=${PIPESTATUS[0]}
took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
ended "SIGPIPE with a command" 10 "$st" 143 "$took"
gone "SIGPIPE with a command"

# --- -p: the process ends ------------------------------------------------------
# Without pidfd_open (a seccomp filter makes it fail with ENOSYS, as old
# container profiles do), udstrace says so in one line and still ends when
# the process does.
DENY=${DENY:-$TOP/.output/deny}
PIDFD_OPEN=434 ENOSYS=38
"$WORKLOAD" -w -u 300 -c 4 -t 200 >"$tmp/w" &
wpid=$!
wait_until 30 grep -q ready "$tmp/w" ||
	fail "pid without pidfd_open: workload ready" "the workload did not say ready within 30 s"
"$DENY" $PIDFD_OPEN $ENOSYS "$UDSTRACE" --json -p $wpid >"$tmp/j" 2>"$tmp/e" &
upid=$!
wait_until 30 attached $upid "$tmp/e" ||
	fail "pid without pidfd_open: udstrace attached" "udstrace did not say tracing within 30 s"
kill -USR1 $wpid
wait_pid 60 $wpid
wait_pid 30 $upid
check "pid without pidfd_open: exit status" "$?" 0
check "pid without pidfd_open: says the process ended" "$(grep -c "^udstrace: process $wpid ended$" "$tmp/e")" 1
check "pid without pidfd_open: says so, once" \
	"$(grep -c "^udstrace: pidfd_open($wpid) failed: Function not implemented; asking /proc every 100 ms whether it still runs$" "$tmp/e")" 1
check_counts "pid without pidfd_open" "$(cat "$tmp/j" "$tmp/w")" 4 300 $((300 * 100)) 200 $((200 * 100))
