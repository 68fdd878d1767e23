#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# udstrace against udsbench: udsbench reports every send() and recv() it
# made on a socket and every connect(), and udstrace must have counted
# exactly those calls and bytes, per path.
. "$(dirname "$0")/../lib.sh"
UDSBENCH=${UDSBENCH:-$TOP/udsbench/udsbench}

if [ "$(id -u)" -ne 0 ]; then
	skip "udsbench live" "need root to load BPF programs"
	exit 0
fi
for b in "$UDSTRACE" "$UDSBENCH"; do
	if [ ! -x "$b" ]; then
		fail "udsbench live" "$b is missing (make udstrace udsbench)"
		exit 0
	fi
done

# traced NAME MIN_UDS_SENDS UDSBENCH-ARGS...: one traced run. Both tools
# print NDJSON on stdout; the "schema" field tells them apart. Each
# udstrace row must equal the sum over udsbench's rows of its transport.
traced() {
	local name=$1 min=$2 out bench got want key line
	shift 2
	out=$("$UDSTRACE" --json -- "$UDSBENCH" --json "$@" 2>/dev/null)
	check "$name: exit status" "$?" 0
	bench=$(grep '"schema":"udsbench/1"' <<<"$out")
	# "PATH FIELD VALUE" lines from udstrace's final object ...
	got=$(grep '"schema":"udstrace/1"' <<<"$out" | final_object |
		jq -r '.paths[] | "\(.path) calls \(.calls)", "\(.path) bytes \(.bytes)",
			"\(.path) missed \(.missed // 0)"')
	# ... and the same from udsbench's own counts.
	want=$(jq -rs '
		def sum(t; f): [.[] | select(.transport == t) | .[f]] | add // 0;
		"unix_stream_connect calls \(sum("uds"; "connects"))",
		"unix_stream_sendmsg calls \(sum("uds"; "send_calls"))",
		"unix_stream_sendmsg bytes \(sum("uds"; "bytes_sent"))",
		"tcp_sendmsg:loopback calls \(sum("tcp"; "send_calls"))",
		"tcp_sendmsg:loopback bytes \(sum("tcp"; "bytes_sent"))",
		"tcp_sendmsg:remote calls 0",
		"unix_stream_recvmsg calls \(sum("uds"; "recv_calls"))",
		"unix_stream_recvmsg bytes \(sum("uds"; "bytes_received"))",
		"tcp_recvmsg:loopback calls \(sum("tcp"; "recv_calls"))",
		"tcp_recvmsg:loopback bytes \(sum("tcp"; "bytes_received"))",
		"tcp_recvmsg:remote calls 0"' <<<"$bench")
	# Not vacuous: udsbench did send what the arguments ask for.
	line=$(grep '^unix_stream_sendmsg calls ' <<<"$want")
	check "$name: udsbench uds sends >= $min" "$((${line##* } >= min))" 1
	while read -r line; do
		key=${line% *}
		case $key in
		*recvmsg*)	# receive rows, where this udstrace has them
			grep -q "^${key%% *} " <<<"$got" || continue ;;
		esac
		check "$name: $key" "$(grep "^$key " <<<"$got")" "$line"
	done <<<"$want"
	grep -q '^unix_stream_recvmsg ' <<<"$got" ||
		skip "$name: receive paths" "this udstrace has no unix_stream_recvmsg row"
	check "$name: no probe hits missed" "$(grep ' missed ' <<<"$got" | grep -cv ' missed 0$')" 0
}

N=500
# Processes, socketpair: 2N + N sends per transport, no AF_UNIX connect.
traced "socketpair, processes" $((3 * N)) --count $N --sizes 100
# Threads, a listener on a path: one connect per run. 300 kB messages
# take several skbs and reads each, yet one send() is still one call.
traced "connect, threads" $((3 * 50)) --count 50 --sizes 100,300000 --uds-setup connect --threads
# By time: nobody knows the counts in advance, they must still agree.
traced "duration" 1 --duration 0.2 --mode throughput --sizes 1000 --nodelay off --cpus 0,1
