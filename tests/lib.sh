# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Shared by the test scripts: one result line per check, read by tests/run.sh.
#   PASS name | FAIL name: why | SKIP name: reason
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UDSTRACE=${UDSTRACE:-$TOP/udstrace}
WORKLOAD=${WORKLOAD:-$TOP/.output/workload}

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

. "$TOP/tests/wait.sh" # wait_until, wait_pids

# wait_pid SECONDS PID: waits for the child PID to end, at most SECONDS, and
# returns its exit status; past the deadline it kills PID and returns 137.
wait_pid() {
	if ! wait_until "$1" eval "! kill -0 $2 2>/dev/null"; then
		kill -9 "$2" 2>/dev/null
	fi
	wait "$2"
}

# bpf_objects_of PID: the BPF programs, maps and links PID holds open, one
# "prog|map|link ID" a line (its fdinfo). IDs are not reused soon, so these
# name its objects even while other BPF users come and go.
bpf_objects_of() {
	sed -n -E 's/^(prog|map|link)_id:\s+([0-9]+)$/\1 \2/p' /proc/"$1"/fdinfo/* 2>/dev/null | sort -u
}

# bpf_left OBJECTS: those of OBJECTS (lines of bpf_objects_of) still in the kernel.
bpf_left() {
	local kind id
	while read -r kind id; do
		[ -z "$id" ] || ! bpftool "$kind" show id "$id" >/dev/null 2>&1 || echo "$kind $id"
	done <<<"$1"
}

# released NAME OBJECTS: the kernel freed all of OBJECTS, a bpf_objects_of
# list taken while udstrace ran (after an RCU grace period: allow 2 s).
none_held() { [ -z "$(bpf_left "$held")" ]; }
released() {
	held=$2
	if [ -z "$held" ]; then
		fail "$1: BPF objects" "udstrace held no BPF program, map or link while tracing"
	elif wait_until 2 none_held; then
		pass "$1: its $(wc -l <<<"$held") BPF programs, maps and links are gone"
	else
		fail "$1: BPF objects gone" "still there: $(bpf_left "$held" | xargs)"
	fi
}

# check NAME GOT WANT: exact equality, printing both on failure.
check() {
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# The names of the BPF maps process PID holds open, one per line (from its
# fdinfo, so other tracers running on the machine do not count).
maps_of_pid() {
	local id
	grep -h '^map_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' |
	while read -r id; do
		bpftool -j map show id "$id" 2>/dev/null | jq -r '.name // empty'
	done
}

# path_field JSON PATH FIELD: one field of one row of a udstrace/1 object.
path_field() {
	jq -r --arg p "$2" --arg f "$3" '.paths[] | select(.path == $p) | .[$f]' <<<"$1"
}

# workload_sum OUTPUT FIELD: a field summed over the workload's own reports.
workload_sum() {
	grep '^{"pid"' <<<"$1" | jq -s --arg f "$2" 'map(.[$f]) | add // 0'
}

# check_counts NAME OUTPUT CONNECTS UNIX_SENDS UNIX_BYTES TCP_SENDS TCP_BYTES
# OUTPUT is everything on stdout: udstrace's objects and the workload's
# reports. Asserts every count and byte total of the final udstrace/1
# object: sends and connects against the numbers given, receives against
# the read() calls the workload counted itself.
check_counts() {
	local name=$1 out=$2 j
	j=$(final_object <<<"$out")
	check "$name: unix_stream_connect calls" "$(path_field "$j" unix_stream_connect calls)" "$3"
	check "$name: unix_stream_sendmsg calls" "$(path_field "$j" unix_stream_sendmsg calls)" "$4"
	check "$name: unix_stream_sendmsg bytes" "$(path_field "$j" unix_stream_sendmsg bytes)" "$5"
	check "$name: tcp_sendmsg:loopback calls" "$(path_field "$j" tcp_sendmsg:loopback calls)" "$6"
	check "$name: tcp_sendmsg:loopback bytes" "$(path_field "$j" tcp_sendmsg:loopback bytes)" "$7"
	check "$name: tcp_sendmsg:remote calls" "$(path_field "$j" tcp_sendmsg:remote calls)" 0
	check "$name: unix_stream_recvmsg calls" "$(path_field "$j" unix_stream_recvmsg calls)" \
		"$(workload_sum "$out" unix_recvs)"
	check "$name: unix_stream_recvmsg bytes" "$(path_field "$j" unix_stream_recvmsg bytes)" "$5"
	check "$name: tcp_recvmsg:loopback calls" "$(path_field "$j" tcp_recvmsg:loopback calls)" \
		"$(workload_sum "$out" tcp_recvs)"
	check "$name: tcp_recvmsg:loopback bytes" "$(path_field "$j" tcp_recvmsg:loopback bytes)" "$7"
	check "$name: tcp_recvmsg:remote calls" "$(path_field "$j" tcp_recvmsg:remote calls)" 0
	check "$name: no probe hits missed" "$(jq '[.paths[].missed] | add' <<<"$j")" 0
}

# check_load NAME OUTPUT THREADS UDS TCP: a run of "workload -L THREADS -u UDS
# -t TCP". udstrace's final totals, and the sum of its interval objects if
# it printed any, must be what the workload counted itself.
check_load() {
	local name=$1 out=$2 w j f sum want
	w=$(grep '^{"pid"' <<<"$out")
	j=$(final_object <<<"$out")
	check "$name: the workload did its sends" \
		"$(jq --argjson n $(($3 * $4)) --argjson k $(($3 * $5)) \
			'.unix_sends >= $n and .tcp_sends >= $k' <<<"$w")" true
	check_counts "$name" "$out" "$(jq .connects <<<"$w")" "$(jq .unix_sends <<<"$w")" \
		"$(jq .unix_bytes <<<"$w")" "$(jq .tcp_sends <<<"$w")" "$(jq .tcp_bytes <<<"$w")"
	check "$name: no errors" "$(jq '[.paths[].errors] | add' <<<"$j")" 0
	grep -q '"final":false' <<<"$out" || return 0
	check "$name: at least two intervals" \
		"$(grep -c '"final":false' <<<"$out" | awk '{ print ($1 >= 2) }')" 1
	for f in calls bytes; do
		sum=$(grep '"final":false' <<<"$out" | jq -r -s --arg f $f '
			[.[].paths[]] | group_by(.path) | map({key: .[0].path, value: (map(.[$f]) | add)})
			| from_entries | [.unix_stream_sendmsg, ."tcp_sendmsg:loopback",
				.unix_stream_recvmsg, ."tcp_recvmsg:loopback"] | join(" ")')
		if [ $f = calls ]; then
			want=$(jq -r '"\(.unix_sends) \(.tcp_sends) \(.unix_recvs) \(.tcp_recvs)"' <<<"$w")
		else
			want=$(jq -r '"\(.unix_bytes) \(.tcp_bytes) \(.unix_recv_bytes) \(.tcp_recv_bytes)"' <<<"$w")
		fi
		check "$name: intervals add up to the workload's $f (uds send, tcp send, uds recv, tcp recv)" \
			"$sum" "$want"
	done
}

# load_rate OUTPUT: the event rate udstrace held in a -L run: the calls it
# counted over the time the workload's traffic took.
load_rate() {
	jq -rn --argjson j "$(final_object <<<"$1")" --argjson w "$(grep '^{"pid"' <<<"$1")" '
		([$j.paths[].calls] | add) as $c
		| "\($c) calls in \($w.load_ns / 1e7 | round / 100) s: \($c / $w.load_ns * 1e9 | round) events/s"'
}

# The last object udstrace printed (the final one).
final_object() { grep '"final":true' | tail -n 1; }

# stage_calls JSON ROW NAME: calls of one stage in one row, all contexts.
stage_calls() {
	jq --arg r "$2" --arg n "$3" \
		'[.paths[] | select(.path == $r) | .stages[] | select(.name == $n) | .calls] | add // 0' <<<"$1"
}

# probed_stages JSON ROW: names of the probed stages of ROW (one per line).
probed_stages() {
	jq -r --arg r "$2" '.paths[] | select(.path == $r) | .stages[] | select(.probed) | .name' <<<"$1" | sort -u
}

# --- what the kernel offers the stages ---------------------------------------
# The stage probes the tests count exactly, as the kernel names them:
# functions fentry attaches to, and tracepoints (CATEGORY:NAME). Which of
# them a kernel has is read from the kernel (tracefs), never from udstrace.
STAGE_FUNCS="sock_alloc_send_pskb skb_copy_datagram_from_iter skb_queue_tail sock_def_readable unix_create1 sock_wmalloc loopback_xmit tcp_v4_rcv"
STAGE_TRACEPOINTS="sock:sk_data_ready net:net_dev_start_xmit tcp:tcp_probe"

# in_tracefs SCRIPT: runs the sh SCRIPT with $T set to a tracefs mount. An
# unmounted tracefs is mounted in a private mount namespace, so the host's
# mounts stay as they were.
in_tracefs() {
	if [ -d /sys/kernel/tracing/events ]; then
		T=/sys/kernel/tracing sh -c "$1"
	else
		# shellcheck disable=SC2016 # expanded by the inner sh
		unshare -m sh -c 'mount -t tracefs none /sys/kernel/tracing 2>/dev/null &&
			T=/sys/kernel/tracing sh -c "$1"' sh "$1"
	fi
}

# host_tracepoints: the STAGE_TRACEPOINTS this kernel has (one line).
host_tracepoints() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	in_tracefs 'for t in '"$STAGE_TRACEPOINTS"'; do
		[ -d "$T/events/${t%%:*}/${t#*:}" ] && echo "$t"; done' | xargs
}

# host_traceable: the STAGE_FUNCS ftrace (and so fentry) can attach to here
# (one line; empty where available_filter_functions cannot be read).
host_traceable() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	in_tracefs 'cat "$T/available_filter_functions" 2>/dev/null' |
		awk -v want="$STAGE_FUNCS" 'BEGIN { n = split(want, w); for (i = 1; i <= n; i++) f[w[i]] = 1 }
			$1 in f { print $1 }' | sort -u | xargs
}

# expected_stages BACKEND ROW TRACEPOINTS TRACEABLE: the stages of ROW that
# BACKEND can probe on a kernel with those tracepoints and traceable
# functions (sorted, one line). For the AF_UNIX rows: fentry probes the
# functions, the tracepoint backend sock:sk_data_ready (6.3+).
expected_stages() {
	local want n out=
	case $1:$2 in
	fentry:unix_stream_sendmsg) want="sock_alloc_send_pskb skb_copy_datagram_from_iter skb_queue_tail sock_def_readable" ;;
	fentry:unix_stream_connect) want="unix_create1 sock_wmalloc sock_def_readable" ;;
	tracepoint:unix_stream_sendmsg | tracepoint:unix_stream_connect) want="sock:sk_data_ready" ;;
	*) want= ;;
	esac
	for n in $want; do
		[[ " $3 $4 " == *" $n "* ]] && out="$out $n"
	done
	tr ' ' '\n' <<<"$out" | sed '/^$/d' | sort | xargs
}

# tcp_stage BACKEND xmit|rcv TRACEPOINTS TRACEABLE: the stage that shows a
# lockstep TCP send's segment leaving through lo (xmit) or reaching TCP
# (rcv), as BACKEND sees it on that kernel; empty if it cannot.
tcp_stage() {
	local n
	case $1:$2 in
	fentry:xmit) n=loopback_xmit ;;
	fentry:rcv) n=tcp_v4_rcv ;;
	tracepoint:xmit) n=net:net_dev_start_xmit ;;
	tracepoint:rcv) n=tcp:tcp_probe ;;
	*) return ;;
	esac
	[[ " $3 $4 " == *" $n "* ]] && echo "$n"
}

# check_stages NAME OUTPUT N M K TRACEPOINTS TRACEABLE: the stage picture
# of a run of "workload -u N -c M -t K -l" (lockstep, so each TCP send goes
# out at once), on a kernel that has TRACEPOINTS and can trace the functions
# TRACEABLE (host_tracepoints, host_traceable, or what a guest reported).
# The stages expected are derived from those and the backend that ran, not
# from what udstrace lists as probed; udstrace must probe exactly those.
check_stages() {
	local name=$1 j b n net row want why xmit rcv
	j=$(final_object <<<"$2")
	b=$(jq -r .backend <<<"$j")
	for row in unix_stream_sendmsg:$3 unix_stream_connect:$4; do
		want=$(expected_stages "$b" "${row%:*}" "$6" "$7")
		check "$name: ${row%:*} stages probed with $b" \
			"$(probed_stages "$j" "${row%:*}" | xargs)" "$want"
		if [ -z "$want" ]; then
			case $b in
			tracepoint) why="this kernel has no tracepoint in it (sock:sk_data_ready came in 6.3)" ;;
			fentry) why="none of its functions is traceable on this kernel (available_filter_functions)" ;;
			*) why="$b has no stage probes" ;;
			esac
			skip "$name: ${row%:*} stage counts" "$why"
		fi
		for n in $want; do
			check "$name: ${row%:*} stage $n once per call" \
				"$(stage_calls "$j" "${row%:*}" "$n")" "${row#*:}"
		done
	done
	net=$(jq '[.paths[] | select(.path == "unix_stream_sendmsg") | .stages[]
		| select(.name | test("^(net:|irq:|ip_|__dev|loopback|__netif|net_rx|tcp|__tcp)")) | .calls] | add // 0' <<<"$j")
	check "$name: no device, IP or TCP stage ran in unix_stream_sendmsg" "$net" 0
	xmit=$(tcp_stage "$b" xmit "$6" "$7")
	rcv=$(tcp_stage "$b" rcv "$6" "$7")
	if [ -z "$xmit" ] || [ -z "$rcv" ]; then
		skip "$name: tcp stages" "$b sees neither the segment leave through lo nor reach TCP on this kernel"
	else
		# At least K, not exactly: besides each send's own segment, the
		# call may also transmit (and loop back) an ACK or window update
		# due when it took the socket lock.
		check "$name: tcp_sendmsg:loopback runs $xmit for every send" \
			"$(stage_calls "$j" tcp_sendmsg:loopback "$xmit" | awk -v k="$5" '{print ($1 >= k)}')" 1
		check "$name: tcp_sendmsg:loopback runs $rcv for every send" \
			"$(stage_calls "$j" tcp_sendmsg:loopback "$rcv" | awk -v k="$5" '{print ($1 >= k)}')" 1
	fi
	check "$name: unprobed stages say why" \
		"$(jq '[.paths[].stages[] | select(.probed | not) | select((.reason // "") == "")] | length' <<<"$j")" 0
	check "$name: no stage, softirq or sched_switch probe hit missed" "$(jq .other_missed <<<"$j")" 0
}

# check_one_stage_failed NAME OUTPUT STAGE PROG M N K: a run of "workload -u N
# -c M -t K -l" with --stages where program PROG of stage STAGE was made
# to fail its attach (UDSTRACE_FAIL_ATTACH): the run goes on, counts are
# exact, and that stage alone says why it is not probed.
check_one_stage_failed() {
	local j
	j=$(final_object <<<"$2")
	check_counts "$1" "$2" "$5" "$6" $(($6 * 100)) "$7" $(($7 * 100))
	check "$1: the stage says its program would not attach" \
		"$(jq -r --arg s "$3" '[.paths[].stages[] | select(.name == $s) | .reason] | unique | join(",")' <<<"$j")" \
		"$4 would not attach: Invalid argument"
	check "$1: every other stage still probed where it was" \
		"$(jq -r --arg s "$3" '[.paths[].stages[] | select(.name != $s and (.probed | not) and ((.reason // "") | test("would not attach")))] | length' <<<"$j")" 0
}

# check_preempted NAME OUTPUT FULL N: a run of "workload -u N -s 8192 -P 0
# -B 64M" with --stages (large sends: long enough in the kernel to be cut): the sender pinned to CPU 0 with a CPU hog, its
# buffer large enough that no send waits for the reader. FULL is yes
# where the kernel ran it under full preemption. The hog takes the CPU
# inside the sends: that is time waiting for a CPU, not time asleep.
check_preempted() {
	local j
	if [ "$3" != yes ]; then
		skip "$1" "no run-time switch to full preemption (PREEMPT_DYNAMIC, 5.12+)"
		return
	fi
	j=$(final_object <<<"$2")
	echo "# $1: $(jq -c '.paths[] | select(.path == "unix_stream_sendmsg") | {ktime_ns, oncpu_ns, blocked_ns, runnable_ns}' <<<"$j")"
	check "$1: every send counted" "$(path_field "$j" unix_stream_sendmsg calls)" "$4"
	check "$1: preempted sends wait for a CPU (runnable_ns > 1 ms)" \
		"$(path_field "$j" unix_stream_sendmsg runnable_ns | awk '{print ($1 > 1000000)}')" 1
	check "$1: waiting for a CPU is not blocked time (blocked_ns * 10 < runnable_ns)" \
		"$(jq '.paths[] | select(.path == "unix_stream_sendmsg") | .blocked_ns * 10 < .runnable_ns' <<<"$j")" true
}

# The workload's own timing of its calls, per row: the report field that
# sums the time of the calls the row counts.
TIMED_ROWS="unix_stream_connect:connect_ns unix_stream_sendmsg:unix_send_ns tcp_sendmsg:loopback:tcp_send_ns unix_stream_recvmsg:unix_recv_ns tcp_recvmsg:loopback:tcp_recv_ns"

# check_times NAME OUTPUT: no row's kernel time exceeds the time the
# workload measured around the same calls. The workload times each send(),
# read() and connect() with CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns,
# and the kernel's part of a call (function or syscall) lies inside that.
check_times() {
	local j r row field
	j=$(final_object <<<"$2")
	for r in $TIMED_ROWS; do
		row=${r%:*} field=${r##*:}
		check "$1: $row time within the workload's own ($field)" \
			"$(jq -n --argjson k "$(path_field "$j" "$row" ktime_ns)" \
				--argjson w "$(workload_sum "$2" "$field")" '$k <= $w')" true
	done
}

# check_blocked NAME OUTPUT: a run of "workload -u 20 -s 65536 -b 600 -t 3 -r 300".
# Its AF_UNIX sender fills the socket buffer within milliseconds and then
# sleeps until the reader starts, 600 ms in: at least 400 ms blocked (200 ms
# allowed for filling the buffer, far more than it takes). Its TCP reader
# was seen asleep in read() before the sender waited 300 ms more: at least
# 300 ms blocked in tcp_recvmsg, exactly. No row is off the CPU longer
# than it ran, and no row ran longer than the workload's own calls.
check_blocked() {
	local j
	j=$(final_object <<<"$2")
	check "$1: blocked sender shows blocked time" \
		"$(path_field "$j" unix_stream_sendmsg blocked_ns | awk '{print ($1 >= 400000000)}')" 1
	check "$1: reader asleep 300 ms in read() shows it blocked in tcp_recvmsg" \
		"$(path_field "$j" tcp_recvmsg:loopback blocked_ns | awk '{print ($1 >= 300000000)}')" 1
	check "$1: on-CPU time well below wall time" \
		"$(jq '.paths[] | select(.path == "unix_stream_sendmsg") | .oncpu_ns * 4 < .ktime_ns' <<<"$j")" true
	check "$1: no row off the CPU (blocked or waiting for it) longer than its calls took" \
		"$(jq -r '[.paths[] | select(.blocked_ns + .runnable_ns > .ktime_ns) | .path] | join(" ")' <<<"$j")" ""
	check_times "$1" "$2"
}

# --- stages and other sockets' softirq work ------------------------------------
# A softirq runs on top of whatever task its CPU was running. The RPS tests
# (tests/live/stages-rps.sh, the guest's rps cases) trace a workload pinned
# to CPU 0 while an untraced process drives TCP over lo from CPU 1, with
# RPS steering lo's receive work to CPU 0: NET_RX softirqs for sockets that
# are not the traced call's land inside its calls.

# Stage names (as either backend gives them) of a packet's trip through
# the device, IP and TCP, and the NET_RX softirq.
NET_STAGES='^(net:|irq:|ip_|__dev|loopback|__netif|net_rx|tcp|__tcp)'

# check_rps_uds NAME OUTPUT N: a run of "workload -u N -P 0 -B BYTES" with
# --stages under that interference. No device, IP or TCP stage may be
# charged to unix_stream_sendmsg, and the softirq work for other sockets
# must be counted apart: if none was, the setup made no interference and
# the first check proved nothing, which is a failure too.
check_rps_uds() {
	local j hits
	j=$(final_object <<<"$2")
	check "$1: unix_stream_sendmsg calls" "$(path_field "$j" unix_stream_sendmsg calls)" "$3"
	check "$1: no device, IP or TCP stage charged to unix_stream_sendmsg" \
		"$(jq --arg re "$NET_STAGES" '[.paths[] | select(.path == "unix_stream_sendmsg")
			| .stages[] | select(.name | test($re)) | .calls] | add // 0' <<<"$j")" 0
	echo "# $1: other sockets' softirq work during the sends: $(jq -c '.paths[]
		| select(.path == "unix_stream_sendmsg") | .other_sockets' <<<"$j")"
	hits=$(jq -r '.paths[] | select(.path == "unix_stream_sendmsg") | .other_sockets.stage_hits // "none"' <<<"$j")
	if [ "$hits" = none ] || [ -z "$hits" ]; then
		fail "$1: other sockets' softirq work counted apart" "no other_sockets in the JSON"
	elif [ "$hits" -gt 0 ]; then
		pass "$1: other sockets' softirq work counted apart ($hits stage hits)"
	else
		fail "$1: other sockets' softirq work counted apart" \
			"none at all: no NET_RX softirq landed inside a traced send, so the setup tested nothing"
	fi
}

# check_rps_tcp NAME OUTPUT K TRACEPOINTS TRACEABLE: a run of "workload -t K
# -l -P 0" with --stages under the same interference: the sends' own
# segments still reach TCP inside the sends, and are charged to them. Not
# every one: with the other connection's packets on CPU 0's backlog too, a
# NET_RX run may stop at its budget and leave a segment to ksoftirqd or a
# later run, after its send returned (about 90% were inside with a
# lockstep driver; 36% with a flooding one on a host loaded by a TCG VM
# besides). So at least half here; without interference, check_stages
# demands every one. A match that failed would charge none.
check_rps_tcp() {
	local j b rcv
	j=$(final_object <<<"$2")
	b=$(jq -r .backend <<<"$j")
	check "$1: tcp_sendmsg:loopback calls" "$(path_field "$j" tcp_sendmsg:loopback calls)" "$3"
	rcv=$(tcp_stage "$b" rcv "$4" "$5")
	if [ -z "$rcv" ]; then
		skip "$1: own segments reach TCP" "$b sees no TCP receive stage on this kernel"
		return
	fi
	echo "# $1: $rcv charged to the sends: $(stage_calls "$j" tcp_sendmsg:loopback "$rcv") of $3;" \
		"other sockets' work during them: $(jq -c '.paths[] | select(.path == "tcp_sendmsg:loopback")
			| .other_sockets | del(.stages)' <<<"$j")"
	check "$1: tcp_sendmsg:loopback runs $rcv for half the sends or more" \
		"$(stage_calls "$j" tcp_sendmsg:loopback "$rcv" | awk -v k="$3" '{print ($1 * 2 >= k)}')" 1
}

# check_tfo NAME OUTPUT K: a run of "workload -t K -F" with --stages (TCP
# Fast Open over lo: each send connects its own socket). Every send is a
# loopback one, as the workload sent them all to 127.0.0.1, and so is
# every stage hit inside them: none under tcp_sendmsg:remote.
check_tfo() {
	local j
	j=$(final_object <<<"$2")
	check "$1: tcp_sendmsg:loopback calls" "$(path_field "$j" tcp_sendmsg:loopback calls)" "$3"
	check "$1: tcp_sendmsg:loopback bytes" "$(path_field "$j" tcp_sendmsg:loopback bytes)" \
		"$(workload_sum "$2" tcp_bytes)"
	check "$1: tcp_sendmsg:remote calls" "$(path_field "$j" tcp_sendmsg:remote calls)" 0
	check "$1: no stage hit under tcp_sendmsg:remote" \
		"$(jq '[.paths[] | select(.path == "tcp_sendmsg:remote") | .stages[].calls, .other_sockets.stage_hits] | add // 0' <<<"$j")" 0
	check "$1: stages ran under tcp_sendmsg:loopback" \
		"$(jq '[.paths[] | select(.path == "tcp_sendmsg:loopback") | .stages[].calls] | add // 0 | . > 0' <<<"$j")" true
}

# --- what the kernel can do, found out without udstrace -------------------------
# kernel_config OPTION: y, m, or "" (not set) in the running kernel's config
# (/proc/config.gz, else /boot/config-RELEASE); "?" if neither is there.
kernel_config() {
	local v
	if [ -r /proc/config.gz ]; then
		v=$(zcat /proc/config.gz)
	elif [ -r "/boot/config-$(uname -r)" ]; then
		v=$(cat "/boot/config-$(uname -r)")
	else
		echo "?"
		return
	fi
	sed -n "s/^$1=//p" <<<"$v"
}

# fentry_loads: whether this kernel loads an fentry program (on tcp_sendmsg),
# tried with a program of the test's own, built here and loaded by bpftool
# into a bpffs of a private mount namespace (so nothing stays loaded). If
# not, FENTRY_WHY is the kernel's error ("Operation not permitted").
fentry_loads() {
	local d st
	d=$(mktemp -d)
	cat >"$d/p.bpf.c" <<-'EOF'
	#include <linux/bpf.h>
	#include <bpf/bpf_helpers.h>
	SEC("fentry/tcp_sendmsg")
	int probe(void *ctx) { return 0; }
	char LICENSE[] SEC("license") = "GPL";
	EOF
	if ! clang -O2 -g -target bpf -c "$d/p.bpf.c" -o "$d/p.bpf.o" 2>"$d/err"; then
		FENTRY_WHY="cannot build the test's fentry program: $(head -n 1 "$d/err")"
		rm -rf "$d"
		return 1
	fi
	mkdir "$d/fs"
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m sh -c 'mount -t bpf none "$1/fs" && bpftool prog load "$1/p.bpf.o" "$1/fs/p"' \
		sh "$d" >/dev/null 2>"$d/err"
	st=$?
	FENTRY_WHY=$(sed -n 's/.*BPF program load failed: //p' "$d/err" | head -n 1)
	[ $st = 0 ] || [ -n "$FENTRY_WHY" ] || FENTRY_WHY="bpftool prog load failed: $(head -n 1 "$d/err")"
	rm -rf "$d"
	return $st
}

# --- what a run touches (from an strace log of udstrace alone) ---------------
# changes LOG: each call in an strace log that can change a file, a mount
# or the BPF filesystem, one per line: "open PATH" (opened for writing),
# "unlink PATH", ..., "mount TARGET" (only if not unmounted later), "pin".
# A call that failed with EEXIST made nothing (the sanitizer runtimes try
# mkdir on their log directory); any other attempt counts, failed or not.
changes() {
	awk '
	function path(s) { return match(s, /"[^"]*"/) ? substr(s, RSTART + 1, RLENGTH - 2) : "?" }
	/ = -1 EEXIST / { next }
	/^(open|openat)\(/ {
		if ($0 ~ /, O_[A-Z_|]*(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND)/ ||
		    $0 ~ /, (O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND)/)
			print "open " path($0)
		next
	}
	/^(creat|mkdir|mkdirat|unlink|unlinkat|rmdir|rename|renameat|renameat2|link|linkat|symlink|symlinkat|truncate|mknod|mknodat|chmod|fchmodat|chown|fchownat|lchown|utimensat)\(/ {
		print substr($0, 1, index($0, "(") - 1) " " path($0)
		next
	}
	/^mount\(/ { s = $0; sub(/^mount\("[^"]*", /, "", s); mounted[path(s)] = 1; next }
	/^umount2?\(/ { delete mounted[path($0)]; next }
	/^bpf\(BPF_OBJ_PIN/ { print "pin" }
	END { for (m in mounted) print "mount " m }' "$1" | sort -u
}
# network LOG: udstrace's network calls, one per line.
network() {
	grep -E '^(socket|socketpair|bind|listen|connect|accept4?|sendto|recvfrom|sendm?msg|recvm?msg|getsockopt|setsockopt|shutdown|getsockname|getpeername)\(' "$1"
}

# --- the kernel x backend matrix ----------------------------------------------
# tests/run.sh prints a table, kernel by backend, at the end of a run: each
# cell is "exact" (every count check of that backend on that kernel passed),
# FAIL, or "SKIP: reason". Test scripts record cells in $UDSTRACE_MATRIX
# (set by tests/run.sh; without it nothing is recorded), one line each:
# "KERNEL BACKEND VERDICT". KERNEL is host or a VM kernel line (5.10, 6.1, ...).
declare -A MATRIX_RAN=() MATRIX_BAD=()

# matrix_add KERNEL BACKEND VERDICT: records one cell.
matrix_add() {
	[ -n "${UDSTRACE_MATRIX:-}" ] || return 0
	echo "$1 $2 $3" >>"$UDSTRACE_MATRIX"
}

# counted KERNEL BACKEND CMD...: runs a check command (check, check_counts,
# ...), echoes its result lines, and remembers whether one of them failed.
counted() {
	local cell="$1 $2" out
	shift 2
	out=$("$@")
	[ -z "$out" ] || printf '%s\n' "$out"
	MATRIX_RAN[$cell]=1
	if grep -q '^FAIL ' <<<"$out"; then MATRIX_BAD[$cell]=1; fi
	return 0
}

# matrix_counted KERNEL BACKEND: records the cell from what counted saw.
matrix_counted() {
	local cell="$1 $2"
	if [ -n "${MATRIX_BAD[$cell]:-}" ]; then
		matrix_add "$1" "$2" FAIL
	elif [ -n "${MATRIX_RAN[$cell]:-}" ]; then
		matrix_add "$1" "$2" exact
	else
		matrix_add "$1" "$2" "SKIP: no count check ran"
	fi
}

# build_workload32 OUT: the workload built for ia32 processes (needs Debian's
# gcc-multilib). Fails, with the compiler's first line on stderr, if it cannot.
build_workload32() {
	[ "$1" -nt "$TOP/tests/workload.c" ] && [ "$1" -nt "$TOP/tests/asleep.h" ] && return 0
	rm -f "$1"
	cc -m32 -O2 -Wall -Werror -D_GNU_SOURCE -pthread -static \
		"$TOP/tests/workload.c" -o "$1" 2>&1 | head -n 1 >&2
	[ -x "$1" ]
}

# check_subtract NAME OUTPUT N: a run of the workload (N unix sends) with
# --cost-sample 100 --subtract-probe-cost. The calibration is the bpf cost
# line's kernel figures, over exactly the calls the workload made: all our
# programs per traced call less half of those whose clock reads bound the
# timed window; each timed row is its KTIME / timed less it; the send row
# timed every send, and its time less the probe cost stays below the
# workload's own time for its sends.
check_subtract() {
	local name=$1 out=$2 n=$3 j cal calls p
	j=$(final_object <<<"$out")
	check "$name: calibrated" "$(jq -c '[(.probe_cost | type), .probe_cost_reason]' <<<"$j")" '["object",null]'
	if [ "$(jq -r .bpf_cost.sampling <<<"$j")" = already_on ]; then
		skip "$name: calibrated on every call" "the statistics were on already"
	else
		calls=$(grep '^{"pid"' <<<"$out" | jq -s 'map(.connects + .unix_sends + .tcp_sends + .unix_recvs + .tcp_recvs) | add')
		check "$name: calibrated on every call the workload made" \
			"$(jq .bpf_cost.calls <<<"$j")" "$calls"
	fi
	check "$name: the clock-reading programs are some of the run time" \
		"$(jq '.bpf_cost.bound_run_ns > 0 and .bpf_cost.bound_run_ns < .bpf_cost.run_ns' <<<"$j")" true
	check "$name: the calibration is the bpf cost less half the clock-reading programs" \
		"$(near "$(jq .probe_cost.ns_per_call <<<"$j")" \
			"$(jq '(.bpf_cost.run_ns - .bpf_cost.bound_run_ns / 2) / .bpf_cost.calls' <<<"$j")")" true
	check "$name: the spread is the other half" \
		"$(near "$(jq .probe_cost.spread_ns <<<"$j")" \
			"$(jq '.bpf_cost.bound_run_ns / 2 / .bpf_cost.calls' <<<"$j")")" true
	check "$name: nothing added" "$(jq .probe_cost.extra_ns <<<"$j")" 0
	cal=$(jq .probe_cost.ns_per_call <<<"$j")
	for p in unix_stream_sendmsg tcp_sendmsg:loopback unix_stream_recvmsg; do
		check "$name: $p: KTIME / timed less the calibration" \
			"$(near "$(path_field "$j" "$p" ns_per_call_less_probe_cost)" \
				"$(jq --arg p "$p" --argjson c "$cal" '.paths[] | select(.path == $p) | .ktime_ns / .timed - $c' <<<"$j")")" true
	done
	check "$name: unix_stream_sendmsg timed every send" \
		"$(path_field "$j" unix_stream_sendmsg timed)" "$n"
	check "$name: below the workload's own time per send" \
		"$(jq --argjson w "$(grep '^{"pid"' <<<"$out" | jq -s 'map(.unix_send_ns) | add')" \
			'.paths[] | select(.path == "unix_stream_sendmsg") | .ns_per_call_less_probe_cost * .timed < $w' <<<"$j")" true
}

# near A B: equal to 6 significant digits, as the JSON prints its doubles.
near() { jq -n --argjson a "$1" --argjson b "$2" '(($a - $b) | fabs) <= 1e-5 * ([($a | fabs), ($b | fabs), 1] | max)'; }
