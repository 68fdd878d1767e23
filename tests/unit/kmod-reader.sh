#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The kmod backend's reader, on a host that cannot load the module: udstrace
# reads a stand-in for /proc/udsprobe (UDSTRACE_UDSPROBE_PROC) that this
# script rewrites under a running udstrace: more calls, a reset (a new
# generation), an unload (the file gone) and a load (a new instance). The
# totals must be exactly the calls the stand-in added while udstrace ran,
# no number may underflow, the restarts are reported, and extremes the
# module cannot give for a span are null, not 0. The VM test
# (tests/vm/test-kmod.sh) does the same with the real module.
. "$(dirname "$0")/../lib.sh"

F=$(mktemp -d)/udsprobe
trap 'rm -rf "$(dirname "$F")"' EXIT
ZEROS=$(printf ' 0%.0s' $(seq 32))

# state INSTANCE GENERATION CALLS MIN MAX [VERSION]: a whole file whose
# unix_stream_sendmsg row has CALLS calls of 100 bytes and 1 us each
# (histogram slot 9), written at once (rename), as the module's read is.
state() {
	local r f
	{
		echo "# udsprobe ${6:-2}"
		echo "# instance $1"
		echo "# generation $2"
		echo "# tgid 0"
		echo "# path calls errors bytes ktime_ns min_ns max_ns hist_log2_ns[32]"
		echo "unix_stream_connect 0 0 0 0 0 0$ZEROS"
		echo "unix_stream_sendmsg $3 0 $(($3 * 100)) $(($3 * 1000)) $4 $5 0 0 0 0 0 0 0 0 0 $3$(printf ' 0%.0s' $(seq 22))"
		for r in tcp_sendmsg:loopback tcp_sendmsg:remote unix_stream_recvmsg \
			tcp_recvmsg:loopback tcp_recvmsg:remote; do
			echo "$r 0 0 0 0 0 0$ZEROS"
		done
		for f in unix_stream_connect unix_stream_sendmsg tcp_sendmsg unix_stream_recvmsg tcp_recvmsg; do
			echo "missed $f 0"
		done
	} >"$F.new"
	mv "$F.new" "$F"
}

# objects: the interval objects udstrace has printed so far.
objects() { grep -c '"final":false' "$out" 2>/dev/null; }
# seen: udstrace has read the current state: two more intervals since it was
# written (the first may have read just before).
seen() { [ "$(objects)" -ge $(($1 + 2)) ]; }
# step NAME CMD...: changes the stand-in and waits until udstrace read it.
step() {
	local n
	n=$(objects)
	shift
	"$@"
	wait_until 10 seen "$n" || fail "kmod reader: udstrace read the stand-in" "no interval within 10 s"
}
send_row() { # send_row JSON FIELD
	jq -c --arg f "$2" '.paths[] | select(.path == "unix_stream_sendmsg") | .[$f]' <<<"$1"
}

# run NAME STEPS...: udstrace -i 0.1 while the steps run, then SIGINT.
run() {
	local name=$1
	shift
	out=$(dirname "$F")/$name.out err=$(dirname "$F")/$name.err
	UDSTRACE_UDSPROBE_PROC=$F "$UDSTRACE" --json --backend kmod -i 0.1 >"$out" 2>"$err" &
	upid=$!
	wait_until 10 seen -1 || fail "kmod reader $name: started" "no interval within 10 s: $(cat "$err")"
	"$@"
	kill -INT $upid
	wait_pid 10 $upid
	check "kmod reader $name: exit status" "$?" 0
}

# --- the module had counted before the run; more calls, a reset, an unload, a load
across() {
	step more state 100 0 15 500 900	# +5
	step reset state 100 1 4 600 700	# +4 after the reset
	step unload rm "$F"
	step load state 200 0 3 100 200	# +3 in the new instance
}
state 100 0 10 500 900
run restarts across
final=$(final_object <"$out")
check "kmod reader restarts: calls (5, then 4 after the reset, 3 after the load)" \
	"$(send_row "$final" calls) $(send_row "$final" bytes)" "12 1200"
check "kmod reader restarts: intervals add up to the calls" \
	"$(grep '"final":false' "$out" | while read -r j; do send_row "$j" calls; done | paste -sd+ | bc)" 12
check "kmod reader restarts: no interval's calls underflowed" \
	"$(grep '"final":false' "$out" | while read -r j; do send_row "$j" calls; done | awk '$1 > 5' | xargs)" ""
check "kmod reader restarts: the JSON counts a reset and an unload" "$(jq .module_resets <<<"$final")" 2
check "kmod reader restarts: the reset, the unload and the load said on stderr" \
	"$(grep -c -E "counters were reset|module was unloaded;|module was loaded again" "$err")" 3
# The module's extremes are since its load or reset: not the run's, nor any interval's.
check "kmod reader restarts: final min/max unknown (null)" \
	"$(send_row "$final" min_ns) $(send_row "$final" max_ns)" "null null"
check "kmod reader restarts: an interval with calls has min/max null" \
	"$(grep '"final":false' "$out" | jq -c '.paths[] | select(.path == "unix_stream_sendmsg" and .calls > 0)
		| [.min_ns, .max_ns]' | sort -u | xargs)" "[null,null]"
check "kmod reader restarts: a row without calls keeps min/max 0" \
	"$(jq -c '.paths[] | select(.path == "unix_stream_connect") | [.min_ns, .max_ns]' <<<"$final")" "[0,0]"

# --- the module idle at start: the final row's extremes are the module's
idle() { step calls state 300 4 7 400 800; }
state 300 4 0 0 0
run idle idle
final=$(final_object <"$out")
check "kmod reader idle: calls" "$(send_row "$final" calls)" 7
check "kmod reader idle: final min/max are the module's" \
	"$(send_row "$final" min_ns) $(send_row "$final" max_ns)" "400 800"
check "kmod reader idle: no restarts" "$(jq .module_resets <<<"$final")" 0

# --- the table prints "-" for unknown extremes, and the warning
state 100 0 10 500 900
UDSTRACE_UDSPROBE_PROC=$F timeout -s KILL 10 "$UDSTRACE" --backend kmod -d 0.5 >"$out" 2>"$err" &
upid=$!
wait_until 10 grep -q tracing "$err" || fail "kmod reader table: started" "$(cat "$err")"
state 100 0 12 500 900
wait_pid 10 $upid
check "kmod reader table: MIN and MAX are '-'" \
	"$(awk '$1 == "unix_stream_sendmsg" { print $2, $(NF - 1), $NF }' "$out")" "2 - -"

# --- another format: one line, exit 1
state 100 0 10 500 900 1
check "kmod reader: format 1 refused in one line" \
	"$(UDSTRACE_UDSPROBE_PROC=$F timeout -s KILL 10 "$UDSTRACE" --backend kmod -d 0.1 2>&1 >/dev/null; echo "status $?")" \
	"udstrace: kmod: $F is format 1, this udstrace reads format 2: load the module built from the same tree (make kmod)
status 1"
