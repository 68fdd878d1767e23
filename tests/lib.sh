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

# check NAME GOT WANT: exact equality, printing both on failure.
check() {
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
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

# The last object udstrace printed (the final one).
final_object() { grep '"final":true' | tail -n 1; }
