# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Every way of writing to and reading from a socket (workload -x CASE), the
# checks shared by tests/live/writes.sh (host) and tests/vm/test-writes.sh
# (VMs): each row must hold exactly what the workload counted itself, or,
# where a backend cannot see the case on this kernel, the test says SKIP
# with the reason (README.md, "What each backend sees"). Sourced after
# tests/lib.sh.
# shellcheck shell=bash

# The cases, and their sizes: U AF_UNIX and T TCP writes or reads each (a
# sendmmsg or recvmmsg is 4 messages), C connects, S bytes a message.
# shellcheck disable=SC2034 # used by the scripts that source this
WRITE_CASES="sendfile splice-in sendmmsg uring-send splice-out recvmmsg peek uring-recv seqpacket uring-connect"
# shellcheck disable=SC2034
WRITE_ARGS=(-u 20 -t 10 -c 5 -s 100)

# writes_unseen CASE BACKEND SOCK_TP COUNTS_ONLY: "ROWS reason" if BACKEND
# cannot see CASE's calls in ROWS (send, recv or connect) on a kernel with
# (SOCK_TP yes) or without sock:sock_send_length and sk_data_ready (6.3),
# and with --counts-only (COUNTS_ONLY yes); nothing if it sees them all.
writes_unseen() {
	local c=$1 b=$2 tp=$3 co=$4
	[ "$b" = tracepoint ] || return 0
	if [ "$tp" = no ]; then
		case $c in
		sendfile | splice-in | sendmmsg)
			echo "send before 6.3 the tracepoint backend counts per syscall, by fd, and leaves out syscalls that make several calls ($c)" ;;
		uring-send)
			echo "send before 6.3 the tracepoint backend counts per syscall, and io_uring makes its calls in no syscall of the socket" ;;
		recvmmsg)
			echo "recv before 6.3 the tracepoint backend counts per syscall, by fd, and leaves out syscalls that make several calls (recvmmsg)" ;;
		uring-recv)
			echo "recv before 6.3 the tracepoint backend counts per syscall, and io_uring makes its calls in no syscall of the socket" ;;
		uring-connect)
			echo "connect before 6.3 (no sock:sk_data_ready) the tracepoint backend counts connect(2) syscalls only, and io_uring connects in none" ;;
		esac
	elif [ "$co" = yes ] && [ "$c" = splice-out ]; then
		echo "recv --counts-only loads no syscall tracepoint, and splice out of a socket reaches no sock tracepoint"
	fi
}

# writes_check NAME OUTPUT CASE BACKEND SOCK_TP [COUNTS_ONLY]: the final
# udstrace/1 object in OUTPUT against the workload's own report there.
writes_check() {
	local name=$1 out=$2 c=$3 b=$4 tp=$5 co=${6:-no} w j unseen rows reason
	w=$(grep '^{"pid"' <<<"$out" | tail -n 1)
	j=$(final_object <<<"$out")
	if [ -z "$w" ] && grep -q 'workload: io_uring_setup' <<<"$out"; then
		skip "$name" "io_uring is not available here: $(grep -m 1 'workload: io_uring_setup' <<<"$out")"
		return
	fi
	if [ -z "$w" ] || [ -z "$j" ]; then
		fail "$name" "no workload report or no final udstrace object: $(grep -m 1 -e 'workload:' -e 'udstrace:' <<<"$out")"
		return
	fi
	check "$name: the workload ran its case" "$(jq -r .case <<<"$w")" "$c"
	unseen=$(writes_unseen "$c" "$b" "$tp" "$co")
	rows=${unseen%% *} reason=${unseen#* }
	# row ROW FIELD WANT KIND: one check, unless KIND is what is unseen.
	row() {
		if [ -n "$unseen" ] && [ "$4" = "$rows" ]; then return; fi
		check "$name: $1 $2" "$(path_field "$j" "$1" "$2")" "$3"
	}
	[ -z "$unseen" ] || skip "$name: the $rows rows" "$reason"
	row unix_stream_connect calls "$(jq .connects <<<"$w")" connect
	row unix_stream_sendmsg calls "$(jq .unix_sends <<<"$w")" send
	row unix_stream_sendmsg bytes "$(jq .unix_bytes <<<"$w")" send
	row tcp_sendmsg:loopback calls "$(jq .tcp_sends <<<"$w")" send
	row tcp_sendmsg:loopback bytes "$(jq .tcp_bytes <<<"$w")" send
	row unix_stream_recvmsg calls "$(jq .unix_recvs <<<"$w")" recv
	row unix_stream_recvmsg bytes "$(jq .unix_recv_bytes <<<"$w")" recv
	row tcp_recvmsg:loopback calls "$(jq .tcp_recvs <<<"$w")" recv
	row tcp_recvmsg:loopback bytes "$(jq .tcp_recv_bytes <<<"$w")" recv
	check "$name: remote rows empty" \
		"$(jq '[.paths[] | select(.path | endswith(":remote")) | .calls] | add' <<<"$j")" 0
	check "$name: no probe hits missed" "$(jq '[.paths[].missed] | add' <<<"$j")" 0
	# The units: a function backend times every call; the tracepoint
	# backend one sample per syscall, so a sendmmsg's 4 calls are one
	# sample and io_uring's calls none. The module times every call by
	# construction (user/udsprobe_proc.c), so its timed says nothing.
	[ "$co" = yes ] || [ "$b" = kmod ] && return
	if [ "$b" = tracepoint ]; then
		row unix_stream_connect timed "$(jq .connect_syscalls <<<"$w")" connect
		row unix_stream_sendmsg timed "$(jq .unix_send_syscalls <<<"$w")" send
		row tcp_sendmsg:loopback timed "$(jq .tcp_send_syscalls <<<"$w")" send
		row unix_stream_recvmsg timed "$(jq .unix_recv_syscalls <<<"$w")" recv
		row tcp_recvmsg:loopback timed "$(jq .tcp_recv_syscalls <<<"$w")" recv
	else
		row unix_stream_connect timed "$(jq .connects <<<"$w")" connect
		row unix_stream_sendmsg timed "$(jq .unix_sends <<<"$w")" send
		row tcp_sendmsg:loopback timed "$(jq .tcp_sends <<<"$w")" send
		row unix_stream_recvmsg timed "$(jq .unix_recvs <<<"$w")" recv
		row tcp_recvmsg:loopback timed "$(jq .tcp_recvs <<<"$w")" recv
	fi
}
