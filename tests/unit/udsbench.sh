#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# udsbench without root: bad input exits 2 with one line, a corrupted byte
# makes the run fail with exit 1 and no numbers, and small runs give
# exactly the rows, counts and bytes asked for.
. "$(dirname "$0")/../lib.sh"
UDSBENCH=${UDSBENCH:-$TOP/udsbench/udsbench}

if [ ! -x "$UDSBENCH" ]; then
	fail "udsbench" "$UDSBENCH is missing (make udsbench)"
	exit 0
fi

# bad NAME TEXT ARGS...: exit 2 and one line naming the problem. argp adds
# its "Try ... --help" hint only for options it does not know.
bad() {
	local name=$1 text=$2 out
	shift 2
	out=$("$UDSBENCH" "$@" 2>&1 >/dev/null)
	check "$name: exit status" "$?" 2
	check "$name: message" "$(grep -v '^Try ' <<<"$out")" "$text"
}

bad "size zero" "udsbench: invalid size '0' in --sizes: want bytes, 1..16777216" --sizes 0
bad "size not a number" "udsbench: invalid size 'abc' in --sizes: want bytes, 1..16777216" --sizes abc
bad "size too big" "udsbench: invalid size '16777217' in --sizes: want bytes, 1..16777216" --sizes 100,16777217
bad "empty size" "udsbench: invalid --sizes '100,,5': want a list like 100,1024" --sizes 100,,5
bad "negative count" "udsbench: invalid count '-1': want 1..1000000000" --count -1
bad "zero duration" "udsbench: invalid duration '0': want seconds, > 0 and <= 3600" --duration 0
bad "unknown transport" "udsbench: unknown transport 'foo': want uds, tcp or both" --transport foo
bad "unknown mode" "udsbench: unknown mode 'x': want latency, throughput or both" --mode x
bad "one cpu" "udsbench: invalid --cpus '0': want two CPUs, A,B" --cpus 0
bad "bad nodelay" "udsbench: invalid --nodelay 'yes': want on or off" --nodelay yes
bad "stray argument" "udsbench: unexpected argument 'x'" x
bad "unknown option" "$UDSBENCH: unrecognized option '--bogus'" --bogus

out=$("$UDSBENCH" --help)
check "help: exit status" "$?" 0
if grep -q '^Examples:' <<<"$out"; then
	pass "help: examples block"
else
	fail "help: examples block" "no Examples: in --help"
fi

# UDSBENCH_CORRUPT=N (a test hook): the client flips byte size/2 of its
# message N. Byte 50 of message 3 is (3*131 + 50) & 0xff = 0xbb.
corrupt() {
	local name=$1 want=$2 out err status
	shift 2
	err=$(mktemp)
	out=$(UDSBENCH_CORRUPT=3 "$UDSBENCH" --count 10 --sizes 100 "$@" 2>"$err")
	status=$?
	check "corrupt $name: exit status" "$status" 1
	check "corrupt $name: message" "$(cat "$err")" \
		"udsbench: $want: data mismatch in message 3 at byte 50 (stream offset 350): got 0x44, want 0xbb"
	check "corrupt $name: no numbers" "$out" ""
	rm -f "$err"
}
corrupt "uds latency" "uds latency 100 B" --json
corrupt "tcp throughput, threads" "tcp throughput 100 B" \
	--transport tcp --mode throughput --threads
corrupt "uds connect throughput" "uds throughput 100 B" \
	--transport uds --mode throughput --uds-setup connect

# Both transports, both modes, two sizes: 8 rows with exact counts.
N=200
rows=$("$UDSBENCH" --transport both --mode both --sizes 100,4096 --count $N --json)
check "json: exit status" "$?" 0
check "json: rows" "$(grep -c . <<<"$rows")" 8
check "json: schema" "$(jq -r .schema <<<"$rows" | sort -u)" "udsbench/1"
check "json: one row per transport, mode and size" \
	"$(jq -r '"\(.transport) \(.mode) \(.size)"' <<<"$rows" | sort -u | wc -l)" 8
check "json: count" "$(jq -r .count <<<"$rows" | sort -u)" $N
check "json: latency send_calls = 2 * count" \
	"$(jq -r 'select(.mode == "latency") | .send_calls' <<<"$rows" | sort -u)" $((2 * N))
check "json: latency bytes_sent = 2 * count * size" \
	"$(jq -r 'select(.mode == "latency") | .bytes_sent == 2 * .count * .size' <<<"$rows" | sort -u)" true
check "json: throughput send_calls = count" \
	"$(jq -r 'select(.mode == "throughput") | .send_calls' <<<"$rows" | sort -u)" $N
check "json: throughput bytes_sent = count * size" \
	"$(jq -r 'select(.mode == "throughput") | .bytes_sent == .count * .size' <<<"$rows" | sort -u)" true
check "json: every byte sent was received" \
	"$(jq -r '.bytes_received == .bytes_sent and .recv_calls > .count' <<<"$rows" | sort -u)" true
# keys MODE: the keys of that mode's rows, sorted, as jq prints them.
keys() { jq -r --arg m "$1" 'select(.mode == $m) | keys | join(",")' <<<"$rows" | sort -u; }
sorted() { printf '%s\n' "$@" | sort | paste -sd,; }
common=(schema transport mode size count setup nodelay sides cpus connects
	send_calls bytes_sent recv_calls bytes_received elapsed_ns)
check "json: latency keys" "$(keys latency)" \
	"$(sorted "${common[@]}" rtt_ns_mean one_way_ns_mean p50_ns p99_ns rtt_p50_ns rtt_p99_ns)"
check "json: throughput keys" "$(keys throughput)" \
	"$(sorted "${common[@]}" msgs_per_s mbytes_per_s mbits_per_s)"
check "json: p50 and p99 are the RTT's; one-way is RTT/2" \
	"$(jq -r 'select(.mode == "latency") | (.p50_ns == .rtt_p50_ns and .p99_ns == .rtt_p99_ns
		and .p50_ns <= .p99_ns and .p50_ns > 0 and .one_way_ns_mean == .rtt_ns_mean / 2)' <<<"$rows" | sort -u)" true
check "json: Mb/s = 8 * MB/s, MB/s = msgs/s * size / 10^6" \
	"$(jq -r 'select(.mode == "throughput") | ((.mbits_per_s / .mbytes_per_s - 8 | fabs) < 0.01
		and (.msgs_per_s * .size / 1e6 / .mbytes_per_s - 1 | fabs) < 0.01)' <<<"$rows" | sort -u)" true
how='"\(.transport) \(.setup) \(.connects) \(.nodelay) \(.sides) \(.cpus)"'
check "json: setup and connects" "$(jq -r "$how" <<<"$rows" | sort -u | paste -sd';')" \
	"tcp tcp 1 true procs null;uds socketpair 0 null procs null"

# A listener on a path: one connect per run, and its temp dir is gone.
tmp=$(mktemp -d)
rows=$(TMPDIR=$tmp "$UDSBENCH" --transport uds --uds-setup connect --threads --cpus 0,0 \
	--nodelay off --sizes 1000 --count 50 --json)
check "connect: exit status" "$?" 0
check "connect: rows" \
	"$(jq -r '"\(.mode) \(.setup) \(.connects) \(.sides) \(.cpus)"' <<<"$rows" | paste -sd';')" \
	"latency connect 1 threads [0,0];throughput connect 1 threads [0,0]"
check "connect: temp dir removed" "$(ls -A "$tmp")" ""
rmdir "$tmp"

# --duration: counts are whatever fits, but still exact and consistent.
rows=$("$UDSBENCH" --transport tcp --sizes 100 --duration 0.2 --json)
check "duration: exit status" "$?" 0
check "duration: send_calls match count" "$(jq -r '(.count > 0) and
	.send_calls == (if .mode == "latency" then 2 else 1 end) * .count' <<<"$rows" | sort -u)" true
# The last message may leave just before the deadline and arrive at once.
# The upper bound says the run ended on its duration, not on a count: a
# shared machine under load can stretch 0.2 s a long way, so it is generous.
check "duration: at least 0.2 s per run, ended by the deadline" \
	"$(jq -r '.elapsed_ns >= 1.9e8 and .elapsed_ns < 5e9' <<<"$rows" | sort -u)" true

# The table: units in the headers, under 100 columns, a ratio per row.
out=$("$UDSBENCH" --sizes 100,1000 --count 100)
check "table: exit status" "$?" 0
check "table: under 100 columns" "$(awk 'length > 99' <<<"$out")" ""
check "table: size rows with a ratio" "$(grep -cE '^ +(100|1000) .*[0-9]x ' <<<"$out")" 4
if grep -q 'SIZE (B)' <<<"$out" && grep -q 'one-way mean (ns)' <<<"$out" &&
	grep -q 'MB/s = 10^6 bytes/s, Mb/s = 10^6 bits/s' <<<"$out"; then
	pass "table: units in headers"
else
	fail "table: units in headers" "$out"
fi
