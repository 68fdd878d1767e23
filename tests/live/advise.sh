#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --calibrate and --advise. tests/rates.c holds three request-response
# connections at 100:10:1 exchanges and counts its own sends. The advisor
# must count them exactly, take its UDS cost from a calibration when the
# run has no UDS traffic and from the run when it has, and its predicted
# saving must be within 25% of the one measured when the same traffic
# runs over AF_UNIX: TCP kernel time minus UDS kernel time, same messages.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/advise.sh"
RATES=${RATES:-$TOP/.output/rates}
ROUNDS=300	# 111 exchanges a round: 66,600 sends each way of running

if [ "$(id -u)" -ne 0 ]; then
	skip "advise" "need root to load BPF programs"
	exit 0
fi
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export UDSTRACE_CALIBRATION_DIR=$cache
backend=$("$UDSTRACE" --check --json | jq -r '.auto["tcp_sendmsg:loopback"]')

# Bad input: one line, exit 2.
for bad in "--calibrate --sizes 0" "--calibrate --sizes 100,x" "--calibrate --pattern pp" \
	   "--sizes 100" "--calibrate -d 1" "--advise --counts-only"; do
	# shellcheck disable=SC2086
	err=$("$UDSTRACE" $bad 2>&1 >/dev/null)
	check "advise: '$bad' exits 2" "$?" 2
	check "advise: '$bad' says one line" "$(wc -l <<<"$err")" 1
done

# --calibrate: 5 rounds of 300 request-response exchanges (600 sends) a transport.
out=$(UDSTRACE_CALIBRATE_MSGS=300 timeout 120 "$UDSTRACE" --calibrate --sizes 100 --pattern rr --json 2>/dev/null)
check "calibrate: exit status" "$?" 0
file=$(jq -r .calibration <<<"$out")
check "calibrate: the cache is where UDSTRACE_CALIBRATION_DIR says" "$(dirname "$file")" "$cache"
check "calibrate: named per kernel and backend" "$(basename "$file")" \
	"calibration-$(uname -r)-$(jq -r .backend <<<"$out").json"
check "calibrate: sends per transport" "$(jq '.entries[0].sends' <<<"$out")" 3000
jq -e '.entries[0] | .uds_ns > 0 and .tcp_ns > 0 and .uds_spread_ns >= 0' <<<"$out" >/dev/null &&
	pass "calibrate: both costs measured" || fail "calibrate: both costs measured" "$out"
UDSTRACE_CALIBRATE_MSGS=300 timeout 120 "$UDSTRACE" --calibrate --sizes 100,4096 --pattern stream >/dev/null 2>&1
check "calibrate: the cache keeps every size and pattern" \
	"$(grep -c '^{"size"' "$file") $(grep -c '"size":100,"pattern":"rr"' "$file")" "3 1"
jq -e '.entries | length == 3' "$file" >/dev/null &&
	pass "calibrate: the cache is JSON" || fail "calibrate: the cache is JSON" "$(cat "$file")"
rm -f "$cache"/*

# Per connection: exactly the workload's three connections, ranked
# 100:10:1 with its own send counts and ports, each with its peer process.
out=$(timeout 120 "$UDSTRACE" --advise --json -- "$RATES" -t tcp -n 50 2>/dev/null)
w=$(grep '^{"transport":"tcp"' <<<"$out")
j=$(final_object <<<"$out")
check "advise: ranks connections" "$(jq -r .advice_level <<<"$j")" connection
check "advise ranks the connections 100:10:1" "$(jq -c '[.advice[].sends]' <<<"$j")" \
	"$(jq -c '[.conns[].sends]' <<<"$w")"
check "advise: the connections are the workload's, client -> server" \
	"$(jq -r '[.advice[].traffic] | join(",")' <<<"$j")" \
	"$(jq -r '[.conns[] | "127.0.0.1:\(.client_port) -> 127.0.0.1:\(.server_port)"] | join(",")' <<<"$w")"
check "advise: each connection has its peer process" \
	"$(jq '[.advice[] | select(.tgid > 0 and .peer_tgid == .tgid and .comm == "rates" and .peer_comm == "rates")] | length' <<<"$j")" 3
check "advise: nothing blocks loopback connections" "$(jq '[.advice[].blockers[]] | length' <<<"$j")" 0
check "advise: the process behind them, with all their sends" \
	"$(jq -c '[.advice_processes[] | [.comm, .sends, (.peer | sub("\\[[0-9]+\\]$"; ""))]]' <<<"$j")" \
	"$(jq -c '[["rates", ([.conns[].sends] | add), "rates"]]' <<<"$w")"

# The prediction: TCP only, so the UDS cost comes from calibration (run now,
# into the empty cache); then the same traffic over AF_UNIX. Three tries,
# judged by the median error: the machine is shared and its noise is real.
errs=()
for try in 1 2 3; do
	tcp=$(timeout 120 "$UDSTRACE" --advise --json -- "$RATES" -t tcp -n $ROUNDS 2>/dev/null)
	uds=$(timeout 120 "$UDSTRACE" -S --json -- "$RATES" -t unix -n $ROUNDS 2>/dev/null)
	[ "$try" = 1 ] && check "advise: the calibration was cached" \
		"$(ls "$cache")" "calibration-$(uname -r)-$backend.json"
	advise_try "advise try $try ($backend)" "$tcp" "$uds" $ROUNDS
	errs+=("$ADVISE_ERR")
done
advise_median "advise ($backend)" "${errs[@]}"

# UDS traffic of the same size and pattern in the run: its cost is used.
out=$(timeout 120 "$UDSTRACE" --advise --json -- sh -c "'$RATES' -t tcp -n 50 && '$RATES' -t unix -n 50" 2>/dev/null)
j=$(final_object <<<"$out")
check "advise: UDS cost from this run" "$(jq -r '.advice[0].uds_source' <<<"$j")" "this run"
check "advise: this run's UDS cost per send" \
	"$(jq '.advice[0].uds_ns_per_send | floor' <<<"$j")" \
	"$(jq '.paths[] | select(.path == "unix_stream_sendmsg") | (.ktime_ns / .timed) | floor' <<<"$j")"

# The table: a header and the top connection, with its source, no blockers and its ends.
text=$(timeout 120 "$UDSTRACE" --advise -- "$RATES" -t tcp -n 20 2>/dev/null)
grep -q '^ADVICE: TCP connections by kernel time per second' <<<"$text" &&
	pass "advise: the table has its heading" || fail "advise: the table has its heading" "$text"
grep -Eq '^127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+ .* 4,000 +100 B rr .*\((calibration|this run)\) .* - +rates\[[0-9]+\] -> rates\[[0-9]+\]$' <<<"$text" &&
	pass "advise: the table's row" || fail "advise: the table's row" "$(grep -A3 ^ADVICE <<<"$text")"

# --top N caps each table as it does -P's and -S's: N rows, then one line
# with the sends, kernel time and saving of the rest. The JSON keeps every
# row, as -S's does.
for top in 1 2; do
	text=$(timeout 120 "$UDSTRACE" --advise --top $top -- "$RATES" -t tcp -n 20 2>/dev/null)
	conns=$(sed -n '/^CONNECTION /,/^$/p' <<<"$text")
	# The workload's sends past the first N: 440 and 40, no thousands separator.
	rest=$(grep '^{"transport":"tcp"' <<<"$text" | jq --argjson n $top '[.conns[$n:][].sends] | add')
	check "advise --top $top: the connection rows shown" "$(grep -c '^127\.0\.0\.1:' <<<"$conns")" $top
	grep -Eq "^\($((3 - top)) more connections?\) +[0-9.]+ [mun]?s/s +$rest +[0-9.]+ [mun]?s/s\$" <<<"$conns" &&
		pass "advise --top $top: a line sums the rest's sends ($rest) and saving" ||
		fail "advise --top $top: a line sums the rest's sends ($rest) and saving" "$conns"
	check "advise --top $top: the process row" \
		"$(sed -n '/^PROCESS /,/^$/p' <<<"$text" | grep -c '^rates\[')" 1
done
out=$(timeout 120 "$UDSTRACE" --advise --top 1 --json -- "$RATES" -t tcp -n 20 2>/dev/null)
check "advise --top 1: the JSON has every connection" \
	"$(final_object <<<"$out" | jq -c '[.advice[].sends]')" \
	"$(grep '^{"transport":"tcp"' <<<"$out" | jq -c '[.conns[].sends]')"

# Blockers: a connection into another network namespace over veth. Both
# ends are traced (the server is a child of the traced command), so the
# peer is on this host, but not in this namespace: netns, and nothing else.
ns=udsadv$$	# interface names: 15 bytes at most
N=50
if ! ip netns add "$ns" 2>/dev/null; then
	skip "advise: netns blocker" "ip netns add failed"
	exit 0
fi
trap 'ip netns del "$ns" 2>/dev/null; ip link del "v$$a" 2>/dev/null; rm -rf "$cache"' EXIT
ip link add "v$$a" type veth peer name "v$$b" &&
	ip link set "v$$b" netns "$ns" &&
	ip addr add 10.251.0.1/30 dev "v$$a" && ip link set "v$$a" up &&
	ip -n "$ns" addr add 10.251.0.2/30 dev "v$$b" && ip -n "$ns" link set "v$$b" up &&
	ip -n "$ns" link set lo up
srv="import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('10.251.0.2', 5000)); s.listen(1); c = s.accept()[0]
for i in range($N):
    b = b''
    while len(b) < 100: b += c.recv(100 - len(b))
    c.sendall(b)
print('server=%d' % (i + 1))"
cli="import socket, time
for t in range(100):
    try: c = socket.create_connection(('10.251.0.2', 5000)); break
    except OSError: time.sleep(0.05)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range($N):
    c.sendall(b'x' * 100)
    b = b''
    while len(b) < 100: b += c.recv(100 - len(b))
print('client=%d' % (i + 1))"
out=$(timeout 60 "$UDSTRACE" --advise --json -- sh -c \
	"ip netns exec $ns python3 -c \"\$1\" & python3 -c \"\$2\"; wait" sh "$srv" "$cli" 2>/dev/null)
j=$(final_object <<<"$out")
check "advise: both ends counted their exchanges" \
	"$(grep -Eo '(server|client)=[0-9]+' <<<"$out" | sort | tr '\n' ' ')" "client=$N server=$N "
row=$(jq -c '[.advice[] | select(.traffic | endswith("-> 10.251.0.2:5000"))]' <<<"$j")
check "advise: the connection into the namespace, both ends' sends" "$(jq '.[0].sends' <<<"$row")" $((2 * N))
check "advise: a peer in another network namespace blocks it" "$(jq -c '.[0].blockers' <<<"$row")" '["netns"]'
check "advise: its peer process found" "$(jq -r '.[0].peer_comm' <<<"$row")" python3

# A loopback client that is not traced: no row of the run is its end, but
# its address is this host's, so nothing blocks the move (neither
# not-local, nor remote-clients on the server's port).
lsrv=${srv//10.251.0.2/127.0.0.1}
lcli=${cli//10.251.0.2/127.0.0.1}
lsrv=${lsrv//5000/5001}
lcli=${lcli//5000/5001}
python3 -c "$lcli" >"$cache/cli.out" 2>&1 &
cpid=$!
out=$(timeout 60 "$UDSTRACE" --advise --json -- python3 -c "$lsrv" 2>/dev/null)
wait_pids 30 "untraced client" "$cpid"
j=$(final_object <<<"$out")
row=$(jq -c '[.advice[] | select(.traffic | endswith("-> 127.0.0.1:5001"))]' <<<"$j")
check "advise: the server's end of an untraced loopback client, its sends" \
	"$(jq '.[0].sends' <<<"$row")" "$N"
check "advise: an untraced loopback client blocks nothing" "$(jq -c '.[0].blockers' <<<"$row")" '[]'
