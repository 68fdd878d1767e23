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

# The last object udstrace printed (the final one).
final_object() { grep '"final":true' | tail -n 1; }

# stage_calls JSON ROW NAME: calls of one stage in one row, all contexts.
stage_calls() {
	jq --arg r "$2" --arg n "$3" \
		'[.paths[] | select(.path == $r) | .stages[] | select(.name == $n) | .calls] | add // 0' <<<"$1"
}

# probed_listed JSON ROW: names of the probed stages of ROW (one per line).
probed_stages() {
	jq -r --arg r "$2" '.paths[] | select(.path == $r) | .stages[] | select(.probed) | .name' <<<"$1" | sort -u
}

# first_probed JSON ROW NAME...: the first NAME that ROW probes on this kernel.
first_probed() {
	local j=$1 row=$2 n
	shift 2
	for n in "$@"; do
		if probed_stages "$j" "$row" | grep -qxF "$n"; then
			echo "$n"
			return
		fi
	done
}

# check_stages NAME OUTPUT N M K: the stage picture of a run of
# "workload -u N -c M -t K -l" (lockstep, so each TCP send goes out at once).
check_stages() {
	local name=$1 j n net xmit rcv
	j=$(final_object <<<"$2")
	for n in $(probed_stages "$j" unix_stream_sendmsg); do
		check "$name: unix_stream_sendmsg stage $n per send" \
			"$(stage_calls "$j" unix_stream_sendmsg "$n")" "$3"
	done
	net=$(jq '[.paths[] | select(.path == "unix_stream_sendmsg") | .stages[]
		| select(.name | test("^(net:|irq:|ip_|__dev|loopback|__netif|net_rx|tcp|__tcp)")) | .calls] | add // 0' <<<"$j")
	check "$name: no device, IP or TCP stage ran in unix_stream_sendmsg" "$net" 0
	for n in $(probed_stages "$j" unix_stream_connect); do
		check "$name: unix_stream_connect stage $n per connect" \
			"$(stage_calls "$j" unix_stream_connect "$n")" "$4"
	done
	xmit=$(first_probed "$j" tcp_sendmsg:loopback loopback_xmit net:net_dev_start_xmit)
	rcv=$(first_probed "$j" tcp_sendmsg:loopback tcp_v4_rcv tcp:tcp_probe)
	if [ -z "$xmit" ] || [ -z "$rcv" ]; then
		fail "$name: tcp stages" "neither loopback_xmit nor net:net_dev_start_xmit, or tcp_v4_rcv nor tcp:tcp_probe, is probed"
		return
	fi
	check "$name: tcp_sendmsg:loopback runs $xmit for every send" \
		"$(stage_calls "$j" tcp_sendmsg:loopback "$xmit" | awk -v k="$5" '{print ($1 >= k)}')" 1
	check "$name: tcp_sendmsg:loopback runs $rcv for every send" \
		"$(stage_calls "$j" tcp_sendmsg:loopback "$rcv" | awk -v k="$5" '{print ($1 >= k)}')" 1
	check "$name: unprobed stages say why" \
		"$(jq '[.paths[].stages[] | select(.probed | not) | select((.reason // "") == "")] | length' <<<"$j")" 0
}

# check_blocked NAME OUTPUT: a run of "workload -u 20 -s 65536 -b 600",
# whose AF_UNIX sender waits about 600 ms for its reader.
check_blocked() {
	local j
	j=$(final_object <<<"$2")
	check "$1: blocked sender shows blocked time" \
		"$(path_field "$j" unix_stream_sendmsg blocked_ns | awk '{print ($1 >= 400000000)}')" 1
	check "$1: on-CPU time well below wall time" \
		"$(jq '.paths[] | select(.path == "unix_stream_sendmsg") | (.oncpu_ns * 4 < .ktime_ns) and (.oncpu_ns + .blocked_ns == .ktime_ns)' <<<"$j")" true
}

# --- what a run touches (from an strace log of udstrace alone) ---------------
# changes LOG: each call in an strace log that can change a file, a mount
# or the BPF filesystem, one per line: "open PATH" (opened for writing),
# "unlink PATH", ..., "mount TARGET" (only if not unmounted later), "pin".
changes() {
	awk '
	function path(s) { return match(s, /"[^"]*"/) ? substr(s, RSTART + 1, RLENGTH - 2) : "?" }
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
	[ "$1" -nt "$TOP/tests/workload.c" ] && return 0
	rm -f "$1"
	cc -m32 -O2 -Wall -Werror -D_GNU_SOURCE -pthread -static \
		"$TOP/tests/workload.c" -o "$1" 2>&1 | head -n 1 >&2
	[ -x "$1" ]
}
