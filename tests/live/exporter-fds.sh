#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --prometheus out of file descriptors: with its fd limit lowered to what
# it holds plus one, a second waiting client makes accept4() fail with
# EMFILE. The exporter must rest rather than spin (the listener stays
# readable while the client waits in the backlog), and serve again once
# fds free up. A spinning exporter burns a whole CPU; a resting one
# almost nothing, so the bound below has a 20-fold margin either way.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "exporter fds" "need root to load BPF programs"
	exit 0
fi
for c in curl python3 prlimit; do
	if ! command -v $c >/dev/null; then
		skip "exporter fds" "$c is not installed (tests/deps.sh installs it)"
		exit 0
	fi
done

tmp=$(mktemp -d)
U= H=
cleanup() {
	[ -z "$H" ] || kill -9 "$H" 2>/dev/null
	[ -z "$U" ] || kill -9 "$U" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$UDSTRACE" --prometheus "127.0.0.1:$port" >"$tmp/out" 2>"$tmp/err" &
U=$!
serving() { grep -q "serving the counters" "$tmp/err" || ! kill -0 "$U" 2>/dev/null; }
if ! wait_until 30 serving || ! kill -0 "$U" 2>/dev/null; then
	fail "exporter fds: udstrace started" "$(cat "$tmp/err")"
	exit 0
fi
scrape_code() { curl -s -o /dev/null --max-time 5 -w '%{http_code}' "http://127.0.0.1:$port/metrics"; }
check "exporter fds: serves before" "$(scrape_code)" 200

# Room for exactly one more fd: one client is accepted, the next is not.
nfd=$(find /proc/"$U"/fd -mindepth 1 | wc -l)
prlimit --pid "$U" --nofile=$((nfd + 1)):
# Three clients that connect and send nothing, held for 3 s (the server's
# own deadline, 5 s, drops the accepted one later than that).
python3 - "$port" >"$tmp/held" <<'EOF' &
import socket, sys, time
c = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(3)]
print("held", flush=True)
time.sleep(3)
EOF
H=$!
held() { grep -q held "$tmp/held" || ! kill -0 "$H" 2>/dev/null; }
wait_until 10 held
# CPU ticks (utime + stime) of the exporter over 2 s while clients wait.
ticks() { awk '{ print $14 + $15 }' /proc/"$U"/stat; }
t0=$(ticks)
sleep 2
t1=$(ticks)
hz=$(getconf CLK_TCK)
spent=$((t1 - t0))
if [ "$spent" -lt $((hz / 10)) ]; then
	pass "exporter fds: rests while accept4 fails with EMFILE ($spent ticks in 2 s)"
else
	fail "exporter fds: rests while accept4 fails with EMFILE" "$spent ticks of CPU in 2 s (HZ $hz)"
fi
wait_pids 10 "held clients" "$H"
H=
prlimit --pid "$U" --nofile=1024:
check "exporter fds: serves again once fds free up" "$(scrape_code)" 200

# No fd to spare at all for 2.5 s: the --time-sample windows (10% of each
# second, the exporter's default here) cannot attach their probes. The run
# must go on counting, say so once, and time again once fds are back.
if [ -d /sys/kernel/tracing/events/sock/sock_send_length ]; then
	prlimit --pid "$U" --nofile=3:
	sleep 2.5
	prlimit --pid "$U" --nofile=1024:
	check "exporter fds: alive after windows that could not open" \
		"$(kill -0 "$U" 2>/dev/null && echo alive || echo gone)" alive
	check "exporter fds: says so once" "$(grep -c 'opening a --time-sample window failed' "$tmp/err")" 1
	check "exporter fds: serves after windows that could not open" "$(scrape_code)" 200
else
	skip "exporter fds: windows that cannot open" "no sock tracepoints (6.3+): the exporter times every call here"
fi
kill -TERM "$U"
wait_pids 10 udstrace "$U"
check "exporter fds: SIGTERM ends it with status 0" "$WAIT_STATUS" 0
U=
