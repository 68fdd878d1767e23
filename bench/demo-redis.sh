#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make demo-redis: what would a Unix socket save Redis? A private
# redis-server (Debian's package) on a 127.0.0.1 port and on a Unix socket
# in a temporary directory, and redis-benchmark against it over each, under
# udstrace: both ends, filtered by name (-c). Then the kernel time per
# request in the socket calls over TCP and over UDS, and the difference.
#
#   bench/demo-redis.sh            (root: BPF, and apt-get when missing)
#   DEMO_FLAGS="--top 3" bench/demo-redis.sh
#                                  udstrace's flags for both runs (default:
#                                  -P -S --advise --top 5: who pays, on which
#                                  connection, and what UDS would save)
#   DEMO_REQUESTS=100000 DEMO_CLIENTS=10 DEMO_TESTS=set,get   (the defaults)
set -eu
cd "$(dirname "$0")/.."
. tests/wait.sh # wait_until: every wait here has a deadline

UDSTRACE=${UDSTRACE:-./udstrace}
REQUESTS=${DEMO_REQUESTS:-100000}
CLIENTS=${DEMO_CLIENTS:-10}
TESTS=${DEMO_TESTS:-set,get}
read -r -a FLAGS <<<"${DEMO_FLAGS--P -S --advise --top 5}"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo-redis: run as root (udstrace loads BPF programs; apt-get installs Redis)" >&2
	exit 1
fi
missing=
for p in redis-server redis-tools; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "demo-redis: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	timeout 300 apt-get update -qq
	# shellcheck disable=SC2086
	timeout 600 apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

dir=$(mktemp -d /tmp/udstrace-redis.XXXXXX)
server='' tracer=''
# Whatever way the script ends, the server and the tracer go with it.
cleanup() {
	for p in $tracer $server; do
		kill -TERM "$p" 2>/dev/null || continue
		wait_until 10 eval "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# A free port on 127.0.0.1 (nothing listens there), from the ephemeral range's far side.
port=
for p in $(shuf -i 20000-29999 -n 50); do
	if ! ss -Htln "sport = :$p" | grep -q .; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { echo "demo-redis: no free port found" >&2; exit 1; }
sock=$dir/redis.sock

# No persistence, no replication: the traffic is the benchmark's alone.
redis-server --bind 127.0.0.1 --port "$port" --unixsocket "$sock" --unixsocketperm 700 \
	--save '' --appendonly no --dir "$dir" --logfile "$dir/redis.log" --daemonize no &
server=$!
pong() { [ "$(redis-cli -s "$sock" ping 2>/dev/null)" = PONG ]; }
if ! wait_until 10 pong; then
	echo "demo-redis: redis-server did not answer on $sock within 10 s:" >&2
	tail -n 5 "$dir/redis.log" >&2
	exit 1
fi

# run NAME REDIS-BENCHMARK-TARGET...: one benchmark under a system-wide
# udstrace that sees only the server's and the client's threads.
run() {
	local name=$1
	shift
	"$UDSTRACE" -c redis-server -c redis-benchmark "${FLAGS[@]}" \
		>"$dir/$name.out" 2>"$dir/$name.err" &
	tracer=$!
	if ! wait_until 30 grep -qs 'Hit Ctrl-C' "$dir/$name.err"; then
		echo "demo-redis: udstrace did not start within 30 s:" >&2
		cat "$dir/$name.err" >&2
		exit 1
	fi
	timeout 300 redis-benchmark "$@" -n "$REQUESTS" -c "$CLIENTS" -t "$TESTS" -q \
		>"$dir/$name.bench" 2>&1
	kill -INT "$tracer"
	if ! wait_until 30 eval "! kill -0 $tracer 2>/dev/null"; then
		echo "demo-redis: udstrace did not end within 30 s of SIGINT" >&2
		exit 1
	fi
	wait "$tracer" || { cat "$dir/$name.err" >&2; exit 1; }
	tracer=''
}
run tcp -h 127.0.0.1 -p "$port"
run uds -s "$sock"

# ns ROW FILE: a row's kernel time in ns, from the summary table (KTIME).
# calls ROW FILE: its calls.
ns() {
	awk -v row="$1" '$1 == row && $2 ~ /^[0-9,]+$/ {
		u = $7; v = $6; m = u == "ns" ? 1 : u == "us" ? 1e3 : u == "ms" ? 1e6 : u == "s" ? 1e9 : 0
		printf "%.0f\n", v * m; exit }' "$2"
}
calls() { awk -v row="$1" '$1 == row && $2 ~ /^[0-9,]+$/ { gsub(",", "", $2); print $2; exit }' "$2"; }

requests=$((REQUESTS * $(tr , '\n' <<<"$TESTS" | grep -c .)))
echo "== udstrace on redis-server $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') and redis-benchmark:" \
	"$REQUESTS requests x $TESTS, $CLIENTS clients"
echo "== $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)," \
	"kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
for t in tcp uds; do
	echo
	if [ $t = tcp ]; then echo "== over TCP, 127.0.0.1:$port"; else echo "== over the Unix socket"; fi
	# -q's last line per test; the progress lines before it end in \r.
	tr '\r' '\n' <"$dir/$t.bench" | grep 'requests per second' | sed 's/^/   redis-benchmark: /' || true
	cat "$dir/$t.out"
done

# Kernel time per request in the socket calls, both ends: sends and receives.
tcp_ns=$(($(ns tcp_sendmsg:loopback "$dir/tcp.out") + $(ns tcp_recvmsg:loopback "$dir/tcp.out")))
uds_ns=$(($(ns unix_stream_sendmsg "$dir/uds.out") + $(ns unix_stream_recvmsg "$dir/uds.out")))
tcp_sends=$(calls tcp_sendmsg:loopback "$dir/tcp.out")
uds_sends=$(calls unix_stream_sendmsg "$dir/uds.out")
echo "== what a Unix socket saves Redis here (kernel time in the socket calls, both ends)"
awk -v r="$requests" -v t="$tcp_ns" -v u="$uds_ns" -v ts="$tcp_sends" -v us="$uds_sends" 'BEGIN {
	printf "   TCP loopback: %.2f us per request (%d sends, %.2f us per send with its receive)\n", t / r / 1e3, ts, t / ts / 1e3
	printf "   Unix socket:  %.2f us per request (%d sends, %.2f us per send with its receive)\n", u / r / 1e3, us, u / us / 1e3
	printf "   saved:        %.2f us per request (%.0f%%); at 100,000 requests/s, %.2f CPU\n",
		(t - u) / r / 1e3, t ? 100 * (t - u) / t : 0, (t - u) / r * 1e5 / 1e9 }'
