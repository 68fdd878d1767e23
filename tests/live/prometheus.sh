#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --prometheus against the real thing, Debian's prometheus and promtool:
# a scrape passes `promtool check metrics`; a Prometheus server on loopback
# (1 s scrapes, its own storage in a temporary directory) scrapes udstrace
# while the workload makes exactly N AF_UNIX and K TCP loopback sends, and
# its HTTP API then returns exactly N and K, and a positive rate() of
# kernel time on both paths. Then concurrent scrapes, slow clients and
# 1000 malformed requests: every answer is the right one, the counts stay
# exact, and the exporter's memory stays flat.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "prometheus" "need root to load BPF programs"
	exit 0
fi
for c in prometheus promtool curl python3; do
	if ! command -v $c >/dev/null; then
		skip "prometheus" "$c is not installed (tests/deps.sh installs it)"
		exit 0
	fi
done

N=3000 K=2000 S=100
# The most the exporter's resident memory may grow over all the abuse below.
RSS_BOUND_KB=128
tmp=$(mktemp -d)
U= P=
cleanup() {
	[ -z "$U" ] || kill -9 "$U" 2>/dev/null
	[ -z "$P" ] || kill -9 "$P" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# A port nobody listens on now (the kernel picks it).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# query PROMQL: the first sample's value of an instant query, or nothing.
query() {
	curl -s --max-time 5 -G "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}
scrape() { curl -s --max-time 5 "http://127.0.0.1:$UP/metrics"; }
# sample TEXT PATH: the value of udstrace_calls_total for PATH in a scrape.
sample() { sed -n "s/^udstrace_calls_total{path=\"$2\"} //p" <<<"$1"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' /proc/"$U"/status; }

UP=$(free_port)
PP=$(free_port)
# --time-sample 100: every call timed, so the histogram's count is exact
# (the exporter's own default times in windows, checked at the end).
"$UDSTRACE" --json --prometheus "127.0.0.1:$UP" --bpf-stats --time-sample 100 -- "$WORKLOAD" -u $N -t $K -s $S -w \
	>"$tmp/out" 2>"$tmp/err" &
U=$!
serving() { grep -q "serving the counters" "$tmp/err" || ! kill -0 "$U" 2>/dev/null; }
ready() { grep -q ready "$tmp/out"; }
if ! wait_until 30 serving || ! kill -0 "$U" 2>/dev/null || ! wait_until 30 ready; then
	fail "prometheus: udstrace started" "$(cat "$tmp/err")"
	exit 0
fi
W=$(pgrep -P "$U")
check "prometheus: the exporter says where" \
	"$(grep -c "^udstrace: serving the counters on http://127.0.0.1:$UP/metrics$" "$tmp/err")" 1

# --- the server's answers -----------------------------------------------------
code() { curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$@"; }
check "prometheus: GET /metrics" "$(code "http://127.0.0.1:$UP/metrics")" 200
check "prometheus: HEAD /metrics" "$(code -I "http://127.0.0.1:$UP/metrics")" 200
check "prometheus: GET / is 404" "$(code "http://127.0.0.1:$UP/")" 404
check "prometheus: POST /metrics is 405" "$(code -X POST "http://127.0.0.1:$UP/metrics")" 405
check "prometheus: 405 says what is allowed" \
	"$(curl -s -D - -o /dev/null --max-time 5 -X PUT "http://127.0.0.1:$UP/metrics" | tr -d '\r' | grep -i '^allow:')" \
	"Allow: GET, HEAD"
check "prometheus: the text format's content type" \
	"$(curl -s -D - -o /dev/null --max-time 5 "http://127.0.0.1:$UP/metrics" | tr -d '\r' | grep -i '^content-type:')" \
	"Content-Type: text/plain; version=0.0.4; charset=utf-8"
check "prometheus: HEAD has no body" "$(curl -s -I --max-time 5 "http://127.0.0.1:$UP/metrics" | tr -d '\r' | sed '1,/^$/d')" ""
before=$(scrape)
check "prometheus: nothing counted before the workload" "$(sample "$before" unix_stream_sendmsg)" 0

# --- a real Prometheus --------------------------------------------------------
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: udstrace
    static_configs:
      - targets: ['127.0.0.1:$UP']
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address="127.0.0.1:$PP" >"$tmp/prometheus.log" 2>&1 &
P=$!
up() { [ "$(query 'up{job="udstrace"}')" = 1 ]; }
if ! wait_until 60 up; then
	fail "prometheus: the server scrapes udstrace" "no up == 1 within 60 s: $(tail -n 3 "$tmp/prometheus.log")"
	exit 0
fi
pass "prometheus: the server scrapes udstrace"
# Two scrapes of the zeros at least, so rate() has a point before the work.
sleep 2

kill -USR1 "$W"
gone() { grep -q "nothing left to trace" "$tmp/err"; }
if ! wait_until 60 gone; then
	fail "prometheus: the workload ended" "not within 60 s"
	exit 0
fi
ended=$(date +%s.%N)
report=$(grep '^{"pid"' "$tmp/out")
check "prometheus: the workload made N AF_UNIX sends" "$(jq .unix_sends <<<"$report")" $N
check "prometheus: the workload made K TCP sends" "$(jq .tcp_sends <<<"$report")" $K
check "prometheus: udstrace keeps serving after the command ended" "$(kill -0 "$U" 2>/dev/null && echo yes)" yes
# Wait for a scrape that started after the workload had ended.
scraped_after() {
	awk -v t="$(query 'timestamp(udstrace_calls_total{path="unix_stream_sendmsg"})')" \
		-v e="$ended" 'BEGIN { exit !(t != "" && t > e) }'
}
if wait_until 30 scraped_after; then
	check "prometheus: the API returns exactly the workload's AF_UNIX sends" \
		"$(query 'udstrace_calls_total{path="unix_stream_sendmsg"}')" "$(jq .unix_sends <<<"$report")"
	check "prometheus: the API returns exactly the workload's TCP loopback sends" \
		"$(query 'udstrace_calls_total{path="tcp_sendmsg:loopback"}')" "$(jq .tcp_sends <<<"$report")"
	check "prometheus: the API returns exactly the workload's AF_UNIX bytes" \
		"$(query 'udstrace_bytes_total{path="unix_stream_sendmsg"}')" "$(jq .unix_bytes <<<"$report")"
	for p in unix_stream_sendmsg tcp_sendmsg:loopback; do
		r=$(query "rate(udstrace_kernel_seconds_total{path=\"$p\"}[1m])")
		echo "# rate(udstrace_kernel_seconds_total{path=\"$p\"}[1m]) = $r"
		check "prometheus: rate() of $p kernel time is positive" \
			"$(awk -v r="$r" 'BEGIN { print (r != "" && r > 0) ? "yes" : "no: " r }')" yes
	done
	# The README's two PromQL examples, as written there.
	q1='sum by (instance, path) (rate(udstrace_kernel_seconds_total{path=~"unix_stream_sendmsg|tcp_sendmsg:loopback"}[5m]))'
	q2='histogram_quantile(0.99, sum by (instance, path, le) (rate(udstrace_call_duration_seconds_bucket[5m])))'
	for q in "$q1" "$q2"; do
		got=$(curl -s --max-time 5 -G "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$q" |
			jq -r '[.data.result[] | select(.metric.path == "unix_stream_sendmsg" or .metric.path == "tcp_sendmsg:loopback")
				| "\(.metric.path)=\(.value[1])"] | sort | join(" ")')
		echo "# $q: $got"
		check "prometheus: README query ${q%%(*} gives both paths a positive finite value" \
			"$(awk -v g="$got" 'BEGIN { n = split(g, kv, " "); ok = n == 2
				for (i = 1; i <= n; i++) { split(kv[i], a, "="); if (!(a[2] + 0 > 0 && a[2] + 0 < 3)) ok = 0 }
				print ok ? "yes" : "no: " g }')" yes
	done
	check "prometheus: the histogram counts every AF_UNIX send" \
		"$(query 'udstrace_call_duration_seconds_count{path="unix_stream_sendmsg"}')" \
		"$(jq .unix_sends <<<"$report")"
else
	fail "prometheus: a scrape after the workload ended" "none within 30 s"
fi
now=$(scrape)
# --bpf-stats: what our programs cost. Each send ran at least one of them.
runs=$(sed -n 's/^udstrace_bpf_runs_total //p' <<<"$now")
secs=$(sed -n 's/^udstrace_bpf_run_seconds_total //p' <<<"$now")
echo "# --bpf-stats: our BPF programs ran $runs times, $secs s in all"
check "prometheus: --bpf-stats counts a program run per send at least" \
	"$(awk -v r="$runs" -v n=$((N + K)) 'BEGIN { print (r != "" && r >= n) ? "yes" : "no: " r }')" yes
check "prometheus: --bpf-stats times them" \
	"$(awk -v s="$secs" 'BEGIN { print (s != "" && s > 0) ? "yes" : "no: " s }')" yes
if promtool check metrics <<<"$now" >"$tmp/promtool" 2>&1; then
	pass "prometheus: promtool check metrics passes on a scrape"
else
	fail "prometheus: promtool check metrics" "$(head -n 5 "$tmp/promtool")"
fi

# --- abuse: concurrent scrapes, slow clients, malformed requests ------------
rss0=$(rss_kb)
# 10 rounds of 20 scrapes at once; each must be whole and exact.
for round in $(seq 10); do
	cpids=()
	for i in $(seq 20); do
		curl -s --max-time 10 "http://127.0.0.1:$UP/metrics" >"$tmp/c$i" &
		cpids+=($!)
	done
	wait_pids 30 "20 concurrent scrapes" "${cpids[@]}"
done
bad=0
for i in $(seq 20); do
	[ "$(sample "$(cat "$tmp/c$i")" unix_stream_sendmsg)" = $N ] || bad=$((bad + 1))
done
check "prometheus: 20 concurrent scrapes each show exactly N" $bad 0

# Slow clients: one asks and never reads (its window shut), one sends half
# a request and waits. Meanwhile scrapes are answered at once, and the
# exporter drops both at its 5 s deadline.
cat >"$tmp/slow.py" <<'EOF'
import json, socket, sys, time
port = int(sys.argv[1])
def client(rcvbuf):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    return s
reader = client(1)
reader.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
half = client(65536)
half.sendall(b"GET /metrics HTTP/1.1\r\nHo")
half.settimeout(15)
t0 = time.monotonic()
print("asked", flush=True)
try:
    got = half.recv(100)
except OSError:
    got = b""
print(json.dumps({"half_dropped_after": round(time.monotonic() - t0, 2),
                  "half_got": got.decode("latin-1")}), flush=True)
EOF
python3 "$tmp/slow.py" "$UP" >"$tmp/slow" 2>&1 &
SP=$!
if wait_until 10 grep -q asked "$tmp/slow"; then
	t0=$(date +%s%N)
	fast=$(curl -s --max-time 3 "http://127.0.0.1:$UP/metrics")
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# a scrape beside two slow clients took $ms ms"
	check "prometheus: a scrape beside two slow clients is exact" "$(sample "$fast" unix_stream_sendmsg)" $N
	check "prometheus: a scrape beside two slow clients is answered within 1 s" \
		"$([ "$ms" -lt 1000 ] && echo yes || echo "no: $ms ms")" yes
else
	fail "prometheus: slow clients" "they did not connect within 10 s"
fi
wait_pids 20 "the slow clients" $SP
dropped=$(grep half_dropped "$tmp/slow")
echo "# $dropped"
check "prometheus: a half request is dropped at the 5 s deadline, unanswered" \
	"$(jq -r '(.half_dropped_after >= 4 and .half_dropped_after < 8) and .half_got == ""' <<<"$dropped")" true

# 1000 malformed or refused requests, each on its own connection, each
# answered with its status; oversized ones are cut at 4 KiB.
cat >"$tmp/bad.py" <<'EOF'
import collections, json, socket, sys
port = int(sys.argv[1])
cases = [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /metrics HTTP/1.1\r\n\r\n", 400),                  # no Host
    (b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n", 400),
    (b"GET  /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400),
    (b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: \x00\r\n\r\n", 400),
    (b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 5000, 400),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, 400),  # TLS
    (b"GET /metrics HTTP/1.1\r\nHo", 400),                    # then EOF
    (b"DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    (b"GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 404),
]
seen = collections.Counter()
wrong = 0
for i in range(1000):
    req, want = cases[i % len(cases)]
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(req)
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    status = int(data.split(b" ")[1]) if data.startswith(b"HTTP/1.1 ") else 0
    seen[status] += 1
    wrong += status != want
print(json.dumps({"wrong": wrong, "statuses": seen}))
EOF
if timeout -s KILL 120 python3 "$tmp/bad.py" "$UP" >"$tmp/bad" 2>&1; then
	echo "# 1000 malformed requests: $(cat "$tmp/bad")"
	check "prometheus: 1000 malformed requests each get their status" "$(jq .wrong "$tmp/bad")" 0
else
	fail "prometheus: 1000 malformed requests" "$(tail -n 3 "$tmp/bad")"
fi
rss1=$(rss_kb)
echo "# exporter RSS: $rss0 KiB before, $rss1 KiB after 200 scrapes, 2 slow clients and 1000 malformed requests"
if [ -n "${ASAN_OPTIONS:-}" ]; then
	# ASan's quarantine holds freed memory back on purpose; LeakSanitizer
	# checks for leaks there instead.
	skip "prometheus: RSS flat" "ASan build; the normal pass checks it"
else
	check "prometheus: RSS grew at most $RSS_BOUND_KB KiB" \
		"$([ $((rss1 - rss0)) -le $RSS_BOUND_KB ] && echo yes || echo "no: +$((rss1 - rss0)) KiB")" yes
fi
check "prometheus: the counts are still exact" "$(sample "$(scrape)" unix_stream_sendmsg)" $N
check "prometheus: the server's last scrapes succeeded" "$(query 'up{job="udstrace"}')" 1

# --- without --bpf-stats the cost is not measured, and not shown -------------
if [ "$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)" = 0 ]; then
	: >"$tmp/plain.err"
	# With --cgroup, every sample carries it as a label (the hierarchy's
	# root: the filter then passes every process).
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	"$UDSTRACE" --prometheus "127.0.0.1:$(free_port)" -d 2 ${cg2:+--cgroup "$cg2"} \
		-- "$WORKLOAD" -u 10 >"$tmp/plain" 2>"$tmp/plain.err" &
	V=$!
	vserving() { grep -q "serving the counters" "$tmp/plain.err" || ! kill -0 "$V" 2>/dev/null; }
	wait_until 30 vserving
	vport=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/metrics$|\1|p' "$tmp/plain.err")
	plain=$(curl -s --max-time 5 "http://127.0.0.1:$vport/metrics")
	check "prometheus: without --bpf-stats a scrape has the counters" \
		"$(grep -c '^udstrace_calls_total{' <<<"$plain")" 7
	if [ -n "$cg2" ]; then
		check "prometheus: --cgroup is a label of every sample" \
			"$(grep -v '^#' <<<"$plain" | grep -vc "cgroup=\"$cg2\"")" 0
	else
		skip "prometheus: --cgroup label" "no cgroup2 mounted"
	fi
	check "prometheus: without --bpf-stats no cost is shown" \
		"$(grep -c '^udstrace_bpf_run' <<<"$plain")" 0
	wait_pids 30 "udstrace -d 2" $V
else
	skip "prometheus: without --bpf-stats" "kernel.bpf_stats_enabled is on: the cost is shown anyway"
fi

# --- the exporter's own default: time in windows where the backend can --------
out=$(timeout 60 "$UDSTRACE" --json --prometheus "127.0.0.1:$(free_port)" -d 1 -- \
	"$WORKLOAD" -u $N -s $S 2>"$tmp/default.err")
j=$(final_object <<<"$out")
check "prometheus default: counts exact" "$(path_field "$j" unix_stream_sendmsg calls)" $N
if [ "$(jq -r .backend <<<"$j")" = tracepoint ] &&
	in_tracefs '[ -d "$T/events/sock/sock_send_length" ]'; then
	check "prometheus default: --time-sample 10 on the tracepoint backend" \
		"$(jq .time_sample_pct <<<"$j")" 10
else
	check "prometheus default: every call timed on $(jq -r .backend <<<"$j")" \
		"$(jq .time_sample_pct <<<"$j")" 0
fi
check "prometheus default: says nothing of it" "$(grep -c -- --time-sample "$tmp/default.err")" 0

# --- the end: SIGTERM, the summary, the command's status ----------------------
kill -TERM "$U"
wait_pids 30 "udstrace after SIGTERM" "$U"
check "prometheus: udstrace ends on SIGTERM with the command's status" "$WAIT_STATUS" 0
U=
check_counts "prometheus: the final summary" "$(cat "$tmp/out")" 0 $N $((N * S)) $K $((K * S))
