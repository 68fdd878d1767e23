#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside the Debian guest (busybox sh): the reliability cases of
# tests/live/reliability.sh with the backends the host cannot run. Prints
# "@@NAME ..." lines for tests/vm/test-reliability.sh to check, udstrace's
# stderr behind "#". Every wait has a deadline; one that runs out prints
# "@@timeout WHAT" and the script goes on.
# Usage: guest-reliability.sh THREADS UDS_SENDS TCP_SENDS (the load, per thread)
# shellcheck disable=SC2086 # lists of pids and words are split on purpose
LT=$1 LU=$2 LK=$3
set -f
RUN_DEADLINE=300 # seconds for one udstrace run (TCG is slow)
POLL_SECS=60     # to wait for "ready" or "tracing"
T=/sys/kernel/tracing
W_NEXT="./workload -u 300 -c 2 -t 100" # the exact run after each case

. ./wait.sh # wait_until, wait_pids
. ./guest-dmesg.sh # dmesg_begin, dmesg_end
. ./guest-deadline.sh # run_deadline, udstrace_run

# run NAME UDSTRACE-ARGS...: one traced run, its stdout behind @@NAME.
run() {
	name=$1
	shift
	udstrace_run "$name" "$@"
}

# traced_by PID ERRFILE: udstrace PID said it is tracing, or has given up.
traced_by() { grep -q tracing "$2" 2>/dev/null || ! kill -0 "$1" 2>/dev/null; }
# gate FILE: the start of a command line that waits for FILE (at most 60 s).
gate() { echo "i=0; while [ ! -e $1 ] && [ \$i -lt 1200 ]; do sleep 0.05; i=\$((i + 1)); done; exec"; }
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
# rand_ms N: a random number in [0, N) (busybox's $RANDOM, else the clock).
# shellcheck disable=SC3028 # handled: the clock when busybox has no $RANDOM
rand_ms() { echo $((${RANDOM:-$(now_ms)} % $1)); }
sleep_ms() { sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"; }

echo "# guest kernel $(uname -r)"
dmesg_begin

# --- exact under load ----------------------------------------------------------
for b in fentry kprobe; do
	run load-$b --backend $b -- ./workload -L $LT -u $LU -t $LK
	run load-i-$b --backend $b -i 1 -- ./workload -L $LT -u $LU -t $LK
done

# --- nothing left behind ------------------------------------------------------------
# bpf_ids: every BPF object in the guest, "KIND ID" per line. Nothing else
# traces here, so whatever is new after a run is that run's.
bpf_ids() {
	for k in prog map link btf; do
		./bpftool $k list 2>/dev/null | sed -n "s/^\([0-9][0-9]*\): .*/$k \1/p"
	done | sort
}
# not_in FILE: the lines of stdin that are not lines of FILE. (busybox's
# grep -f with an empty FILE matches everything: "-" is a line never seen.)
not_in() { { echo -; cat "$1"; } >/tmp/not_in; grep -vxF -f /tmp/not_in; }
new_ids() { bpf_ids | not_in /tmp/ids.before | xargs; }
no_new_ids() { [ -z "$(new_ids)" ]; }
events() { grep udstrace_ $T/kprobe_events 2>/dev/null | sort; }
new_events() { events | not_in /tmp/ev.before | wc -l; }
pinned() { find /sys/fs/bpf -mindepth 1 2>/dev/null | sort; }
# held_progs PID: how many BPF programs PID has open.
held_progs() {
	set +f
	grep -l '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | wc -l
	set -f
}

# left B CASE: a run of backend B ended the CASE way (normal: its command
# exits, d: -d 1, INT TERM HUP QUIT: that signal, PIPE: its reader goes away,
# KILL: SIGKILL at any moment from the start, KILLT: SIGKILL while
# tracing); then what is left of it, and the next run (exact counts).
# Prints @@left-B-CASE-FIELD lines:
# held (BPF objects it held while it ran), bpf (new BPF objects left),
# events (its kprobe events left in tracefs), pinned (new pins).
left() {
	b=$1 c=$2 n=left-$1-$2
	bpf_ids >/tmp/ids.before
	events >/tmp/ev.before
	pinned >/tmp/pin.before
	rm -f /tmp/go /tmp/fifo
	: >/tmp/e
	hp=
	case $c in
	normal) ./udstrace --json --backend $b -- sh -c "$(gate /tmp/go) $W_NEXT" >/tmp/j 2>/tmp/e & ;;
	d) ./udstrace --json --backend $b -d 1 >/tmp/j 2>/tmp/e & ;;
	PIPE)
		mkfifo /tmp/fifo
		head -n 1 </tmp/fifo >/tmp/first &
		hp=$!
		./udstrace --json --backend $b -i 0.5 >/tmp/fifo 2>/tmp/e &
		;;
	*) ./udstrace --json --backend $b >/tmp/e.out 2>/tmp/e & ;;
	esac
	u=$!
	t0=$(now_ms)
	if [ $c = KILL ]; then
		# A random moment from the start: loading, attaching or tracing.
		# Stopped first, so what it holds is what it held at the kill.
		d=$(rand_ms ${KILL_MS:-3000})
		sleep_ms $d
		kill -STOP $u
		phase=loading
		grep -q tracing /tmp/e && phase=tracing
		echo "# $n: SIGKILL $d ms after the start, while $phase"
	else
		wait_until $POLL_SECS traced_by $u /tmp/e ||
			echo "@@timeout $n: udstrace did not say tracing within $POLL_SECS s"
	fi
	echo "@@$n-held $(held_progs $u)"
	case $c in
	normal) touch /tmp/go ;;
	d | PIPE) ;;
	KILL) kill -KILL $u ;;
	KILLT)	# a random moment of tracing: all its kprobe events exist
		d=$(rand_ms 1000)
		echo "# $n: SIGKILL $d ms after tracing"
		sleep_ms $d
		kill -KILL $u
		;;
	*)
		d=$(rand_ms 1000)
		echo "# $n: SIG$c $d ms after tracing"
		sleep_ms $d
		kill -$c $u
		;;
	esac
	wait_until $POLL_SECS eval "! kill -0 $u 2>/dev/null" || {
		echo "@@timeout $n: udstrace still running after $POLL_SECS s, killed"
		kill -9 $u
	}
	wait $u
	echo "@@$n-status $?"
	[ -z "$hp" ] || wait_pids $POLL_SECS "$n: head" $hp
	echo "# $n: udstrace ended after $(($(now_ms) - t0)) ms"
	[ $c != PIPE ] || echo "@@$n-first $(cat /tmp/first)"
	grep -v -e '^libbpf:' -e ' via ' /tmp/e | sed "s/^/# $n: /"
	wait_until 10 no_new_ids
	echo "@@$n-bpf $(new_ids)"
	echo "@@$n-events $(new_events)"
	echo "@@$n-pinned $(pinned | not_in /tmp/pin.before | xargs)"
	# The next run is exact; after it, no kprobe event of a dead udstrace is
	# left, whatever earlier runs left (the start cleans up).
	run $n-next --backend $b -- $W_NEXT
	echo "@@$n-events-after-next $(events | wc -l)"
}
# Light traffic all along, so probes fire while udstrace ends.
rm -f /tmp/stop
(
	i=0
	while [ $i -lt 3000 ] && [ ! -e /tmp/stop ]; do
		./workload -u 100 -t 50 >/dev/null
		sleep 0.1
		i=$((i + 1))
	done
) &
traffic=$!
for c in normal d INT TERM HUP QUIT PIPE KILL KILLT; do
	left kprobe $c
done
for c in HUP KILL; do
	left fentry $c
done
KILL_MS=1000 left tracepoint KILL
touch /tmp/stop
wait_pids $POLL_SECS "the traffic" $traffic

# --- four instances at once -----------------------------------------------------
# fentry -p, kprobe -p, tracepoint following a command, fentry counting only
# following a command; an untraced workload runs at the same time.
./workload -w -u 3000 -c 3 -t 1000 >/tmp/w.p1 &
w1=$!
./workload -w -u 2000 -c 5 -t 1500 >/tmp/w.p2 &
w2=$!
wait_until $POLL_SECS eval "grep -q ready /tmp/w.p1 && grep -q ready /tmp/w.p2" ||
	echo "@@timeout four: the workloads did not say ready"
rm -f /tmp/go4
./udstrace --json --backend fentry -p $w1 >/tmp/u.p1 2>/tmp/e.p1 &
u1=$!
./udstrace --json --backend kprobe -p $w2 >/tmp/u.p2 2>/tmp/e.p2 &
u2=$!
./udstrace --json --backend tracepoint -- sh -c "$(gate /tmp/go4) ./workload -u 2500 -c 2 -t 1200" \
	>/tmp/u.c3 2>/tmp/e.c3 &
u3=$!
./udstrace --json --backend fentry --counts-only -- sh -c "$(gate /tmp/go4) ./workload -L 4 -u 800 -c 4 -t 300" \
	>/tmp/u.c4 2>/tmp/e.c4 &
u4=$!
all_tracing() {
	traced_by $u1 /tmp/e.p1 && traced_by $u2 /tmp/e.p2 && traced_by $u3 /tmp/e.c3 &&
		traced_by $u4 /tmp/e.c4
}
wait_until $POLL_SECS all_tracing || echo "@@timeout four: not all tracing within $POLL_SECS s"
touch /tmp/go4
kill -USR1 $w1 $w2
timeout -s KILL $RUN_DEADLINE ./workload -L 2 -u 1000 -c 6 -t 400 >/dev/null # not traced
wait_pids $RUN_DEADLINE "four: the workloads and the four udstrace runs" $w1 $w2 $u1 $u2 $u3 $u4
for w in p1 p2 c3 c4; do
	cat /tmp/u.$w /tmp/w.$w 2>/dev/null | sed "s/^/@@four-$w /"
	grep -v -e '^libbpf:' /tmp/e.$w | sed "s/^/# four-$w: /"
done

# --- PID reuse ---------------------------------------------------------------------
# In a new PID namespace, per backend: A is traced with -p; once A has
# exited, B gets its PID (ns_last_pid) and sends for a while.
cat >/tmp/reuse.sh <<'EOF'
. ./wait.sh
b=$1
rm -f /tmp/a /tmp/b /tmp/e /tmp/u
./workload -w -u 300 -c 2 -t 100 >/tmp/a &
a=$!
wait_until 60 grep -q ready /tmp/a || echo "@@timeout reuse-$b: A not ready"
./udstrace --json --backend $b -p $a >/tmp/u 2>/tmp/e &
u=$!
wait_until 60 eval "grep -q tracing /tmp/e || ! kill -0 $u" || echo "@@timeout reuse-$b: not tracing"
kill -USR1 $a
wait $a
echo $((a - 1)) >/proc/sys/kernel/ns_last_pid
./workload -u 20000 -c 9 -t 5000 >/tmp/b &
bp=$!
echo "@@reuse-$b-pids $a $bp"
wait_until 120 eval "! kill -0 $u 2>/dev/null" || {
	echo "@@timeout reuse-$b: udstrace still running after 120 s, killed"
	kill -9 $u
}
wait $u
echo "@@reuse-$b-status $?"
wait_pids 120 "reuse-$b: B" $bp
EOF
for b in fentry kprobe tracepoint; do
	if ! unshare -p -f -m --mount-proc true 2>/dev/null; then
		echo "@@reuse-$b-pids unsupported"
		continue
	fi
	timeout -s KILL $RUN_DEADLINE unshare -p -f -m --mount-proc sh /tmp/reuse.sh $b
	sed "s/^/@@reuse-$b /" /tmp/u /tmp/a
	grep -v -e '^libbpf:' /tmp/e | sed "s/^/# reuse-$b: /"
done
dmesg_end
echo "@@end"
