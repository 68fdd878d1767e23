#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The breakdowns, on the running kernel: -P rows of two concurrent
# workloads (under two names) are exactly what each counted itself, with
# the right tgid and comm, in the final object and summed over intervals;
# --top 1 shows one row, and the line for the rest has exactly the other
# calls; --by-cgroup counts two workloads in two fresh cgroups apart;
# --prometheus -P labels by comm with exact counts, and no counter goes
# back when a process exits or its rows are evicted from a full map.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "perproc" "need root to load BPF programs"
	exit 0
fi

S=100
tmp=$(mktemp -d)
CG=
U=
cleanup() {
	[ -z "$U" ] || kill -9 "$U" 2>/dev/null
	wait 2>/dev/null
	[ -z "$CG" ] || rmdir "$CG/a/sub" "$CG/a" "$CG/b" "$CG" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

attached() { grep -q tracing "$1" 2>/dev/null || ! kill -0 "$2" 2>/dev/null; }
# start_workload NAME [PREFIX...] -- ARGS: a workload that waits for SIGUSR1
# (-w), its report in $tmp/NAME; its pid in $wpid once it says ready.
start_workload() {
	local name=$1
	shift
	"$@" -w >"$tmp/$name" &
	wpid=$!
	wait_until 30 grep -qs ready "$tmp/$name" ||
		fail "$name: workload ready" "it did not say ready within 30 s"
}
# report NAME FIELD: a field of workload NAME's own report.
report() { grep '^{"pid"' "$tmp/$1" | jq -r ".$2"; }
# row JSON ARRAY PATH ID FIELD: a field of the row of PATH and tgid (or
# cgroup) ID in the final object's ARRAY ("processes" or "cgroups").
row() {
	local key=tgid
	[ "$2" = cgroups ] && key=cgroup
	jq -r --arg p "$3" --arg id "$4" --arg f "$5" --arg k "$key" \
		"[.$2[] | select(.path == \$p and (.[\$k] | tostring) == \$id) | .[\$f]] | if length == 1 then .[0] else \"rows: \\(length)\" end" <<<"$1"
}
# all_calls NAME: every call workload NAME counted itself.
all_calls() {
	grep '^{"pid"' "$tmp/$1" | jq '.unix_sends + .tcp_sends + .unix_recvs + .tcp_recvs + .connects'
}

# --- -P and --top: two workloads at once, named apart --------------------------
N1=300 T1=120 C1=3 N2=111 T2=40 C2=1
cp "$WORKLOAD" "$tmp/wl-a"
cp "$WORKLOAD" "$tmp/wl-b"
start_workload a "$tmp/wl-a" -u $N1 -t $T1 -c $C1 -s $S
A=$wpid
start_workload b "$tmp/wl-b" -u $N2 -t $T2 -c $C2 -s $S
B=$wpid
"$UDSTRACE" --json -P -i 0.05 -p $A -p $B >"$tmp/p" 2>"$tmp/p.err" &
U1=$!
"$UDSTRACE" --json -P --top 1 --counts-only -p $A -p $B >"$tmp/t" 2>"$tmp/t.err" &
U2=$!
"$UDSTRACE" --per-process --top 1 --counts-only -p $A -p $B >"$tmp/tt" 2>"$tmp/tt.err" &
U3=$!
for u in "p $U1" "t $U2" "tt $U3"; do
	set -- $u
	wait_until 30 attached "$tmp/$1.err" "$2" ||
		fail "perproc: udstrace ($1) attached" "it did not say tracing within 30 s"
done
kill -USR1 $A $B
wait_pids 60 "the two workloads and three udstrace runs" $A $B $U1 $U2 $U3 ||
	fail "perproc: ended" "still running after 60 s, killed"
set -- $WAIT_STATUS
check "perproc: udstrace -P exit status" "$3" 0
check "perproc: udstrace -P --top 1 --json exit status" "$4" 0
check "perproc: udstrace -P --top 1 exit status" "$5" 0
j=$(final_object <"$tmp/p")
for w in "a $A wl-a" "b $B wl-b"; do
	set -- $w
	name=$1 pid=$2 comm=$3
	check "perproc: -P $comm unix_stream_sendmsg calls" "$(row "$j" processes unix_stream_sendmsg "$pid" calls)" "$(report $name unix_sends)"
	check "perproc: -P $comm unix_stream_sendmsg bytes" "$(row "$j" processes unix_stream_sendmsg "$pid" bytes)" "$(report $name unix_bytes)"
	check "perproc: -P $comm unix_stream_sendmsg comm" "$(row "$j" processes unix_stream_sendmsg "$pid" comm)" "$comm"
	check "perproc: -P $comm tcp_sendmsg:loopback calls" "$(row "$j" processes tcp_sendmsg:loopback "$pid" calls)" "$(report $name tcp_sends)"
	check "perproc: -P $comm tcp_sendmsg:loopback bytes" "$(row "$j" processes tcp_sendmsg:loopback "$pid" bytes)" "$(report $name tcp_bytes)"
	check "perproc: -P $comm tcp_sendmsg:loopback comm" "$(row "$j" processes tcp_sendmsg:loopback "$pid" comm)" "$comm"
	check "perproc: -P $comm unix_stream_connect calls" "$(row "$j" processes unix_stream_connect "$pid" calls)" "$(report $name connects)"
	# The receiving threads are the same process's: one row per path and tgid.
	check "perproc: -P $comm unix_stream_recvmsg calls" "$(row "$j" processes unix_stream_recvmsg "$pid" calls)" "$(report $name unix_recvs)"
	check "perproc: -P $comm tcp_recvmsg:loopback calls" "$(row "$j" processes tcp_recvmsg:loopback "$pid" calls)" "$(report $name tcp_recvs)"
	# The intervals' rows add up to the run's.
	check "perproc: -P $comm unix_stream_sendmsg calls over the intervals" \
		"$(grep '"final":false' "$tmp/p" | jq -s --arg p "$pid" '[.[].processes[] | select(.path == "unix_stream_sendmsg" and (.tgid | tostring) == $p) | .calls] | add')" \
		"$(report $name unix_sends)"
done
check "perproc: -P every row is of A or B" "$(jq "[.processes[] | select(.tgid != $A and .tgid != $B)] | length" <<<"$j")" 0
check "perproc: -P nothing evicted" "$(jq .processes_evicted <<<"$j")" 0
check "perproc: -P nothing left out by --top 20" "$(jq .processes_left_out.rows <<<"$j")" 0
check "perproc: -P the rows add up to the summary's calls" \
	"$(jq '[.processes[].calls] | add' <<<"$j")" "$(jq '[.paths[].calls] | add' <<<"$j")"

# --top 1 under --counts-only: the most calls first, which is A's AF_UNIX
# sends; the rest line has every other call of A and all of B's.
t=$(final_object <"$tmp/t")
check "perproc: --top 1 shows one row" "$(jq '.processes | length' <<<"$t")" 1
check "perproc: --top 1 the row is A's unix_stream_sendmsg" \
	"$(jq -r '.processes[0] | "\(.path) \(.tgid) \(.comm) \(.calls)"' <<<"$t")" "unix_stream_sendmsg $A wl-a $N1"
check "perproc: --top 1 the rest's calls" "$(jq .processes_left_out.calls <<<"$t")" \
	$(($(all_calls a) + $(all_calls b) - N1))
check "perproc: --top 1 the rest's bytes" "$(jq .processes_left_out.bytes <<<"$t")" \
	"$(grep -h '^{"pid"' "$tmp/a" "$tmp/b" | jq -s 'map(.unix_bytes + .tcp_bytes + .unix_recv_bytes + .tcp_recv_bytes) | add - '"$((N1 * S))")"
check "perproc: --top 1 table: one row" "$(grep -cE "^[a-z_:]+ +[0-9]+ wl-" "$tmp/tt")" 1
check "perproc: --top 1 table: the row" "$(grep -E "^[a-z_:]+ +[0-9]+ wl-" "$tmp/tt" | awk '{ print $1, $2, $3, $4 }')" \
	"unix_stream_sendmsg $A wl-a $N1"
check "perproc: --top 1 table: the rest's line" "$(grep '^(.* more rows)' "$tmp/tt" | awk '{ print $4 }' | tr -d ,)" \
	$(($(all_calls a) + $(all_calls b) - N1))

# --check -P: the module cannot break counts down.
check "perproc: --check -P says kmod cannot" \
	"$("$UDSTRACE" --check -P | grep -c '^kmod .*-P and --by-cgroup need a BPF backend')" 7

# --- --by-cgroup: two workloads in two fresh cgroups ---------------------------
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [ -z "$CG2" ]; then
	skip "perproc: --by-cgroup" "no cgroup2 file system is mounted"
elif ! mkdir "$CG2/udstrace-pp-$$" 2>"$tmp/mkdir.err"; then
	skip "perproc: --by-cgroup" "cannot make a cgroup under $CG2: $(cat "$tmp/mkdir.err")"
else
	CG=$CG2/udstrace-pp-$$
	mkdir -p "$CG/a/sub" "$CG/b"
	start_workload ca sh -c "echo \$\$ >'$CG/a/sub/cgroup.procs' && exec '$WORKLOAD' -u 213 -t 31 -s $S \"\$@\"" sh
	A=$wpid
	start_workload cb sh -c "echo \$\$ >'$CG/b/cgroup.procs' && exec '$WORKLOAD' -u 97 -t 55 -s $S \"\$@\"" sh
	B=$wpid
	"$UDSTRACE" --json --by-cgroup -p $A -p $B >"$tmp/c" 2>"$tmp/c.err" &
	U1=$!
	# With --cgroup, a call is labelled by the PATH given that it is under.
	"$UDSTRACE" --json --by-cgroup --cgroup "$CG/a" --cgroup "$CG/b" -p $A -p $B >"$tmp/cg" 2>"$tmp/cg.err" &
	U2=$!
	wait_until 30 attached "$tmp/c.err" $U1 && wait_until 30 attached "$tmp/cg.err" $U2 ||
		fail "perproc: --by-cgroup attached" "it did not say tracing within 30 s"
	kill -USR1 $A $B
	wait_pids 60 "two workloads in cgroups, two udstrace runs" $A $B $U1 $U2 ||
		fail "perproc: --by-cgroup ended" "still running after 60 s, killed"
	set -- $WAIT_STATUS
	check "perproc: --by-cgroup exit status" "$3 $4" "0 0"
	c=$(final_object <"$tmp/c")
	cg=$(final_object <"$tmp/cg")
	rel=/udstrace-pp-$$
	for w in "ca $rel/a/sub $CG/a" "cb $rel/b $CG/b"; do
		set -- $w
		check "perproc: --by-cgroup $2 unix_stream_sendmsg calls" "$(row "$c" cgroups unix_stream_sendmsg "$2" calls)" "$(report $1 unix_sends)"
		check "perproc: --by-cgroup $2 tcp_sendmsg:loopback calls" "$(row "$c" cgroups tcp_sendmsg:loopback "$2" calls)" "$(report $1 tcp_sends)"
		check "perproc: --by-cgroup $2 unix_stream_recvmsg calls" "$(row "$c" cgroups unix_stream_recvmsg "$2" calls)" "$(report $1 unix_recvs)"
		check "perproc: --by-cgroup --cgroup $3 unix_stream_sendmsg calls" "$(row "$cg" cgroups unix_stream_sendmsg "$3" calls)" "$(report $1 unix_sends)"
		check "perproc: --by-cgroup --cgroup $3 tcp_sendmsg:loopback bytes" "$(row "$cg" cgroups tcp_sendmsg:loopback "$3" bytes)" "$(report $1 tcp_bytes)"
	done
	check "perproc: --by-cgroup only the two cgroups" \
		"$(jq -r '[.cgroups[].cgroup] | unique | join(" ")' <<<"$c")" "$rel/a/sub $rel/b"
fi

# --- --prometheus -P: comm labels, exact, never back --------------------------
if ! command -v promtool >/dev/null || ! command -v curl >/dev/null; then
	skip "perproc: --prometheus -P" "promtool or curl is not installed (tests/deps.sh installs them)"
	exit 0
fi
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# calls TEXT PATH COMM: udstrace_calls_total of PATH and COMM in a scrape.
calls() { sed -n "s/^udstrace_calls_total{path=\"$2\",comm=\"$3\"} //p" <<<"$1"; }
# not_back OLD NEW: every counter sample of scrape OLD is in NEW, no lower.
not_back() {
	awk 'FNR == NR { if ($0 !~ /^#/ && $1 ~ /_total\{|_total /) old[$1] = $2; next }
	     !/^#/ { new[$1] = $2 }
	     END { for (k in old) if (!(k in new) || new[k] + 0 < old[k] + 0) { print k, old[k], new[k]; bad = 1 }
		   if (!bad) print "ok" }' <(echo "$1") <(echo "$2")
}

start_workload pa "$tmp/wl-a" -u 321 -t 12 -s $S
A=$wpid
start_workload pb "$tmp/wl-b" -u 45 -t 67 -s $S
B=$wpid
UP=$(free_port)
"$UDSTRACE" -P --prometheus "127.0.0.1:$UP" -p $A -p $B >/dev/null 2>"$tmp/pr.err" &
U=$!
# serving ERRFILE: udstrace $U serves, or has given up.
serving() { grep -qs "serving the counters" "$1" || ! kill -0 "$U" 2>/dev/null; }
wait_until 30 serving "$tmp/pr.err" || fail "perproc: --prometheus -P serving" "$(cat "$tmp/pr.err")"
scrape() { curl -s --max-time 5 "http://127.0.0.1:$UP/metrics"; }
kill -USR1 $A
wait_pids 30 "workload A" $A
s1=$(scrape)
check "perproc: --prometheus -P wl-a unix sends" "$(calls "$s1" unix_stream_sendmsg wl-a)" 321
check "perproc: --prometheus -P wl-a tcp sends" "$(calls "$s1" tcp_sendmsg:loopback wl-a)" 12
check "perproc: --prometheus -P no wl-b yet" "$(calls "$s1" unix_stream_sendmsg wl-b)" ""
kill -USR1 $B
wait_pids 30 "workload B" $B
s2=$(scrape)
check "perproc: --prometheus -P wl-a after it exited" "$(calls "$s2" unix_stream_sendmsg wl-a)" 321
check "perproc: --prometheus -P wl-b unix sends" "$(calls "$s2" unix_stream_sendmsg wl-b)" 45
check "perproc: --prometheus -P wl-b tcp sends" "$(calls "$s2" tcp_sendmsg:loopback wl-b)" 67
check "perproc: --prometheus -P no counter went back" "$(not_back "$s1" "$s2")" ok
check "perproc: --prometheus -P a comm label, never a tgid" \
	"$(grep -c '^udstrace_calls_total{path="[^"]*",comm="[^"]*"} [0-9]*$' <<<"$s2")" "$(grep -c '^udstrace_calls_total' <<<"$s2")"
promtool check metrics <<<"$s2" >"$tmp/promtool" 2>&1
check "perproc: --prometheus -P promtool check metrics" "$?:$(cat "$tmp/promtool")" "0:"
kill -TERM $U
wait_pids 30 "udstrace --prometheus" $U
U=

# A map of 6 rows, and five workloads of 4 rows each under one name, one
# after the other: rows are evicted, and the comm's counters still add up
# to every workload's sends, scrape after scrape.
cp "$WORKLOAD" "$tmp/wl-ev"
UP=$(free_port)
UDSTRACE_OWNERS_MAX=6 "$UDSTRACE" -P --json -c wl-ev --prometheus "127.0.0.1:$UP" >"$tmp/ev" 2>"$tmp/ev.err" &
U=$!
wait_until 30 serving "$tmp/ev.err" || fail "perproc: eviction: serving" "$(cat "$tmp/ev.err")"
prev= sum=0 back=ok exact=ok
for i in 1 2 3 4 5; do
	"$tmp/wl-ev" -u $((100 + i)) -t 7 -s $S >>"$tmp/ev.w"
	sum=$((sum + 100 + i))
	s=$(scrape)
	v=$(calls "$s" unix_stream_sendmsg wl-ev)
	[ "$v" = "$sum" ] || exact="scrape $i: $v, want $sum"
	[ -z "$prev" ] || [ "$(not_back "$prev" "$s")" = ok ] || back="scrape $i: $(not_back "$prev" "$s")"
	prev=$s
done
check "perproc: eviction: the comm's sends are exact at every scrape" "$exact" ok
check "perproc: eviction: no counter went back" "$back" ok
kill -TERM $U
wait_pids 30 "udstrace --prometheus (eviction)" $U
U=
e=$(final_object <"$tmp/ev")
check "perproc: eviction: reported" "$(jq '.processes_evicted > 0' <<<"$e")" true
check "perproc: eviction: at most 6 rows left in the map" "$(jq '.processes | length <= 6' <<<"$e")" true
check "perproc: eviction: the rows left plus the evicted are every row made" \
	"$(jq '(.processes | length) + .processes_evicted' <<<"$e")" \
	"$(grep -c '^{"pid"' "$tmp/ev.w" | awk '{ print $1 * 4 }')"
