#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The live view (-i on a terminal), read as a person reads it: udstrace runs
# in a tmux pane of a fixed size, and the screen is read with capture-pane
# while it runs and after it ends. The workload runs in rounds released by
# the test, so the screen can be read between two rounds, when the counts
# are known exactly.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "live view" "needs root to load BPF programs"
	exit 0
fi
if ! command -v tmux >/dev/null; then
	skip "live view" "tmux is not installed (tests/deps.sh installs it)"
	exit 0
fi

N=1000 M=3 K=500 S=100 ROUNDS=3
dir=$(mktemp -d)
printf 'set -g status off\n' >"$dir/tmux.conf"
runs=0
T=(true)
trap '"${T[@]}" kill-server 2>/dev/null; rm -rf "$dir"' EXIT

# start LINES ARGS: udstrace ARGS in a new pane of COLS (120) x LINES, alone on the
# server. The shell around it stays, so the screen it leaves can be read
# (tmux resets a dead pane's cursor), and says "udstrace-exit STATUS". It
# lets a Ctrl-C end udstrace, not itself.
start() {
	"${T[@]}" kill-server 2>/dev/null
	# A server of its own each time: one being killed may still hold its socket.
	runs=$((runs + 1))
	T=(tmux -L "udstrace-top-$$-$runs" -f "$dir/tmux.conf")
	rm -f "$dir/fifo" "$dir/log"
	mkfifo "$dir/fifo"
	"${T[@]}" new-session -d -s top -x "${COLS:-120}" -y "$1" \
		"bash -c 'trap : INT; \"\$0\" \"\$@\"; echo udstrace-exit \$?; exec sleep 300' $UDSTRACE $2"
}
screen() { "${T[@]}" capture-pane -p -t top 2>/dev/null; }
pane() { "${T[@]}" display -p -t top "#{$1}" 2>/dev/null; }
ended() { screen | grep -q '^udstrace-exit '; }
exit_status() { screen | sed -n 's/^udstrace-exit //p'; }
# release: lets the command's next round start (it waits on the fifo).
release() { timeout 5 sh -c "echo go >'$dir/fifo'"; }
# rounds ARGS R: udstrace's ARGS and a command that makes R rounds of the
# workload, each after a release, then waits for one more.
rounds() {
	echo "$1 -- sh -c 'for i in \$(seq $2); do read x <$dir/fifo || exit 1;
		$WORKLOAD -u $N -c $M -t $K -s $S >>$dir/log || exit 1; done; read x <$dir/fifo'"
}
logged() { [ "$(wc -l 2>/dev/null <"$dir/log")" = "$1" ]; }
# live_calls ROW: the CALLS (since start) of ROW in the live table on the
# screen: the column under the CALLS that is not CALLS/S.
live_calls() {
	screen | awk -v row="$1" '
		/^PATH / { end = index($0, " CALLS ") + 6 }
		end && substr($0, 1, length(row) + 1) == row " " {
			n = split(substr($0, 1, end), f, " "); gsub(",", "", f[n]); print f[n] }'
}
# final_calls ROW: the CALLS of ROW in the plain summary table on the screen.
final_calls() { screen | awk -v row="$1" '$1 == row && $2 ~ /^[0-9,]+$/ { gsub(",", "", $2); print $2 }'; }
headers() { screen | grep -c '^udstrace [0-9:]*  backend '; }
has_calls() { [ "$(live_calls "$1")" = "$2" ]; }
# rows_shown: the table rows of the live view on the screen (paths, then "+ N more").
rows_shown() { screen | grep -cE '^(unix|tcp)_'; }
rows_are() { [ "$(rows_shown)" = "$1" ]; }
headers_are() { [ "$(headers)" = "$1" ]; }
more_line() { screen | grep -o '^+ [0-9]* more rows\?' ; }
shape_is() { rows_are "$1" && [ "$(more_line)" = "$2" ]; }

# --- rounds on a 40-line terminal: refreshed in place, counts growing ---------
start 40 "$(rounds "-i 0.3" $ROUNDS)"
for r in $(seq $ROUNDS); do
	release || fail "rounds: release round $r" "the command did not take it within 5 s"
	if ! wait_until 20 logged "$r"; then
		fail "rounds: round $r" "the workload did not report within 20 s"
		break
	fi
	if wait_until 5 has_calls unix_stream_sendmsg $((r * N)); then
		pass "rounds: round $r: the screen shows $((r * N)) unix_stream_sendmsg calls"
	else
		fail "rounds: round $r: unix_stream_sendmsg calls" "got '$(live_calls unix_stream_sendmsg)', want $((r * N)); screen:
$(screen)"
	fi
	check "rounds: round $r: tcp_sendmsg:loopback calls" "$(live_calls tcp_sendmsg:loopback)" $((r * K))
	check "rounds: round $r: unix_stream_connect calls" "$(live_calls unix_stream_connect)" $((r * M))
	check "rounds: round $r: one header on the screen" "$(headers)" 1
	check "rounds: round $r: on the alternate screen" "$(pane alternate_on)" 1
	# five rows made calls; the remote TCP rows never did
	check "rounds: round $r: five rows, all shown" "$(rows_shown)" 5
done
# The terminal shrinks to 6 lines: 2 heads, 3 rows, the sum of the other 2.
"${T[@]}" resize-window -t top -y 6
if wait_until 5 rows_are 3; then
	pass "resized to 6 lines: three rows"
else
	fail "resized to 6 lines: three rows" "screen:
$(screen)"
fi
check "resized to 6 lines: the rest summed" "$(more_line)" "+ 2 more rows"
check "resized to 6 lines: one header" "$(headers)" 1
"${T[@]}" resize-window -t top -y 40
wait_until 5 rows_are 5 || fail "resized back to 40 lines" "$(screen)"
release
if wait_until 10 ended; then
	pass "rounds: udstrace ended with the command"
else
	fail "rounds: udstrace ended with the command" "still running after 10 s"
fi
check "rounds: exit status" "$(exit_status)" 0
check "rounds: the normal screen is back" "$(pane alternate_on)" 0
check "rounds: no live header left on it" "$(headers)" 0
check "rounds: the line before the run is still there" \
	"$(screen | grep -c '^udstrace: tracing the command and its children')" 1
sum() { jq -s "map(.$1) | add" "$dir/log"; }
check "rounds: summary: unix_stream_sendmsg calls" "$(final_calls unix_stream_sendmsg)" $((ROUNDS * N))
check "rounds: summary: tcp_sendmsg:loopback calls" "$(final_calls tcp_sendmsg:loopback)" $((ROUNDS * K))
check "rounds: summary: unix_stream_connect calls" "$(final_calls unix_stream_connect)" $((ROUNDS * M))
check "rounds: summary: unix_stream_recvmsg calls" "$(final_calls unix_stream_recvmsg)" "$(sum unix_recvs)"
check "rounds: summary: tcp_recvmsg:loopback calls" "$(final_calls tcp_recvmsg:loopback)" "$(sum tcp_recvs)"

# --- a 10-line terminal and --top: the cap -------------------------------------
# top_once NAME LINES ARGS ROWS MORE: one round shown in LINES lines with ARGS;
# ROWS rows and the line MORE ("" for none) are on the screen.
top_once() {
	start "$2" "$(rounds "-i 0.3 $3" 1)"
	if ! release || ! wait_until 20 logged 1; then
		fail "$1: round" "the workload did not report within 20 s"
	fi
	# Which rows make the cut depends on the frame (the interval's kernel
	# time, then the run's); how many must not.
	if wait_until 5 shape_is "$4" "$5"; then
		check "$1: rows shown" "$(rows_shown)" "$4"
		check "$1: the rest" "$(more_line)" "$5"
		check "$1: one header" "$(headers)" 1
		check "$1: lines on the screen" "$(screen | grep -c .)" $((2 + $4 + (${#5} > 0)))
	else
		fail "$1: the screen" "not $4 rows and '$5' within 5 s:
$(screen)"
	fi
	release
	wait_until 10 ended || fail "$1: udstrace ended" "still running after 10 s"
	check "$1: the normal screen is back" "$(pane alternate_on)" 0
}
# Five rows fit in 10 lines: all shown.
top_once "10 lines" 10 "" 5 ""
top_once "10 lines, --top 2" 10 "--top 2" 2 "+ 3 more rows"
top_once "5 lines" 5 "" 2 "+ 3 more rows"
top_once "5 lines, --counts-only" 5 "--counts-only" 2 "+ 3 more rows"

# cell COL ROW: in the live table on the screen, the value under the
# column named COL (right-aligned) of the row that matches the regex ROW.
cell() {
	screen | COL=$1 ROW=$2 awk '
		BEGIN { col = ENVIRON["COL"]; row = ENVIRON["ROW"] }
		/^(PATH|PID|PROTO) / { end = index($0 " ", " " col " ") + length(col) }
		end && $0 ~ row { n = split(substr($0, 1, end), f, " "); gsub(",", "", f[n]); print f[n] }'
}
cell_is() { [ "$(cell "$1" "$2")" = "$3" ]; }
heads() { screen | grep -E '^(PATH|PID|PROTO) ' | tr -s ' '; }
# proc_row PID PATH: the regex of a -P row.
proc_row() { echo "^$1 +workload +$2 "; }

# --- -P: a row per process and path ------------------------------------------
# Two workloads, one after the other, with N1 and N2 AF_UNIX sends; their
# rows are read between the second and the end of the command.
N1=1000 N2=300
# procs ARGS: udstrace's ARGS and a command that runs both after a release.
procs() {
	echo "-i 0.3 $1 -- sh -c 'read x <$dir/fifo || exit 1;
		$WORKLOAD -u $N1 -c $M -t $K -s $S >>$dir/log || exit 1;
		$WORKLOAD -u $N2 -c $M -t $K -s $S >>$dir/log || exit 1; read x <$dir/fifo'"
}
# procs_rows: the -P rows on the screen (they start with a pid).
procs_rows() { screen | grep -cE '^[0-9]+ +workload '; }
start 40 "$(procs -P)"
if ! release || ! wait_until 20 logged 2; then
	fail "-P: the workloads" "did not report within 20 s"
fi
pid1=$(jq -r .pid "$dir/log" | sed -n 1p)
pid2=$(jq -r .pid "$dir/log" | sed -n 2p)
if wait_until 5 cell_is CALLS "$(proc_row "$pid2" unix_stream_sendmsg)" $N2; then
	pass "-P: the second process's row shows its $N2 sends"
else
	fail "-P: the second process's sends" "got '$(cell CALLS "$(proc_row "$pid2" unix_stream_sendmsg)")', want $N2; screen:
$(screen)"
fi
check "-P: the column names" "$(heads)" \
	"PID COMM PATH CALLS/S BYTES/S KTIME/S AVG CALLS ERRORS KTIME"
check "-P: the first process's sends" "$(cell CALLS "$(proc_row "$pid1" unix_stream_sendmsg)")" $N1
for p in "$pid1" "$pid2"; do
	line=$(grep "\"pid\":$p," "$dir/log")
	check "-P: $p's connects" "$(cell CALLS "$(proc_row "$p" unix_stream_connect)")" $M
	check "-P: $p's TCP sends" "$(cell CALLS "$(proc_row "$p" tcp_sendmsg:loopback)")" $K
	check "-P: $p's AF_UNIX receives" "$(cell CALLS "$(proc_row "$p" unix_stream_recvmsg)")" \
		"$(jq .unix_recvs <<<"$line")"
	check "-P: $p's TCP receives" "$(cell CALLS "$(proc_row "$p" tcp_recvmsg:loopback)")" \
		"$(jq .tcp_recvs <<<"$line")"
	check "-P: $p: no errors" "$(cell ERRORS "$(proc_row "$p" unix_stream_sendmsg)")" 0
done
# Five paths made calls in each process; nothing else ran under the command.
check "-P: ten rows, all shown" "$(procs_rows)" 10
check "-P: no rest line" "$(more_line)" ""
check "-P: one header" "$(headers)" 1
release
wait_until 10 ended || fail "-P: udstrace ended" "still running after 10 s"
check "-P: exit status" "$(exit_status)" 0
check "-P: the normal screen is back" "$(pane alternate_on)" 0

# --top 1: the busiest row, and one line for the other nine.
start 40 "$(procs "-P --top 1")"
if ! release || ! wait_until 20 logged 2; then
	fail "-P --top 1: the workloads" "did not report within 20 s"
fi
one_and_rest() { [ "$(procs_rows)" = 1 ] && [ "$(more_line)" = "+ 9 more rows" ]; }
if wait_until 5 one_and_rest; then
	pass "-P --top 1: one row and '+ 9 more rows'"
else
	fail "-P --top 1: one row and '+ 9 more rows'" "screen:
$(screen)"
fi
check "-P --top 1: lines on the screen" "$(screen | grep -c .)" 4
release
wait_until 10 ended || fail "-P --top 1: udstrace ended" "still running after 10 s"

# --- -S: a row per socket -----------------------------------------------------
# connwork's client sends 7 and 13 times over two AF_UNIX connections, 5
# and 11 times over two TCP ones, and holds them open until told to go.
# conn_rows: the rows of the live -S table on the screen.
conn_rows() { screen | grep -cE '^(unix|tcp6?) '; }
# conns_once ARGS COLS: connwork under udstrace -i 0.3 ARGS, on a screen
# COLS wide; the rows are read while connwork holds its sockets.
conns_once() {
	rm -f "$dir/go" "$dir/cw.json"
	COLS=$2 start 40 "-i 0.3 $1 -- sh -c '$CONNWORK counts -w $dir/go >$dir/cw.json'"
	wait_until 20 eval '[ -s "$dir/cw.json" ]' ||
		fail "$1: connwork" "no report within 20 s"
	cw=$(cat "$dir/cw.json")
	cpid=$(jq .client_pid <<<"$cw")
	spid=$(jq .server_pid <<<"$cw")
}
# client_row C: the regex of the client's row of connection C (0-3), from
# its own inodes or ports: local, peer, owner and peer process.
client_row() {
	local c=".conns[$1]"

	if [ "$(jq -r "$c.proto" <<<"$cw")" = unix ]; then
		echo "^unix +\\* $(jq "$c.client_inode" <<<"$cw") +\\* $(jq "$c.server_inode" <<<"$cw") +$cpid/conncli +$spid/connsrv "
	else
		echo "^tcp +127\\.0\\.0\\.1:$(jq "$c.client_port" <<<"$cw") +127\\.0\\.0\\.1:$(jq "$c.server_port" <<<"$cw") +$cpid/conncli +$spid/connsrv "
	fi
}
# server_row C: the same for the server's end.
server_row() {
	local c=".conns[$1]"

	if [ "$(jq -r "$c.proto" <<<"$cw")" = unix ]; then
		echo "^unix +$(jq -r .path <<<"$cw" | sed 's/\./\\./g') $(jq "$c.server_inode" <<<"$cw") +\\* $(jq "$c.client_inode" <<<"$cw") +$spid/connsrv +$cpid/conncli "
	else
		echo "^tcp +127\\.0\\.0\\.1:$(jq "$c.server_port" <<<"$cw") +127\\.0\\.0\\.1:$(jq "$c.client_port" <<<"$cw") +$spid/connsrv +$cpid/conncli "
	fi
}
CONNWORK=${CONNWORK:-$TOP/.output/connwork}
for args in "-S" "-P -S"; do
	conns_once "$args" 200
	# The last connection's sends shown: every row is read since.
	if wait_until 5 cell_is SENDS "$(client_row 3)" "$(jq '.conns[3].sends' <<<"$cw")"; then
		pass "$args: the client's rows"
	else
		fail "$args: the client's rows" "no '$(client_row 3)' with $(jq '.conns[3].sends' <<<"$cw") sends; screen:
$(screen)"
	fi
	check "$args: the column names" "$(heads)" \
		"PROTO LOCAL PEER OWNER PEER PROCESS SENDS/S RECVS/S BYTES/S KTIME/S SENDS RECVS KTIME"
	for c in 0 1 2 3; do
		row=$(client_row $c)
		check "$args: connection $c: sends" "$(cell SENDS "$row")" \
			"$(jq ".conns[$c].sends" <<<"$cw")"
		check "$args: connection $c: no receives" "$(cell RECVS "$row")" 0
	done
	# The server's ends: they only receive, and name the client as their peer.
	for c in 0 1 2 3; do
		row=$(server_row $c)
		check "$args: connection $c: the server's end sends nothing" "$(cell SENDS "$row")" 0
		check "$args: connection $c: the server's end receives" \
			"$(cell RECVS "$row" | awk '{ print ($1 > 0) }')" 1
	done
	check "$args: eight sockets, all shown" "$(conn_rows)" 8
	touch "$dir/go"
	wait_until 10 ended || fail "$args: udstrace ended" "still running after 10 s"
	check "$args: exit status" "$(exit_status)" 0
done

# A 100-column screen: the addresses narrow (their ends kept), and the run's
# totals give way to the interval's rates; no line is wrapped.
conns_once -S 100
if wait_until 5 eval '[ "$(conn_rows)" = 8 ]'; then
	pass "-S on 100 columns: eight rows"
else
	fail "-S on 100 columns: eight rows" "screen:
$(screen)"
fi
check "100 columns: the column names" "$(heads)" \
	"PROTO LOCAL PEER OWNER PEER PROCESS SENDS/S RECVS/S BYTES/S KTIME/S"
check "100 columns: the server's paths cut, their ends kept" \
	"$(screen | grep -cE '^unix +\.\.[^ ]* [0-9]+ ')" 2
for c in 0 1; do
	check "100 columns: connection $c: the client's inode whole" \
		"$(screen | grep -cE "^unix +\\* $(jq ".conns[$c].client_inode" <<<"$cw") ")" 1
done
check "100 columns: no line wrapped" "$(screen | grep -c .)" 10
touch "$dir/go"
wait_until 10 ended || fail "100 columns: udstrace ended" "still running after 10 s"

# --- every way out gives the terminal back -------------------------------------
# A system-wide run, ended by -d, Ctrl-C or SIGTERM.
for how in duration ctrl-c sigterm; do
	args="-i 0.2"
	[ $how = duration ] && args="$args -d 1.5"
	start 30 "$args"
	if ! wait_until 10 headers_are 1; then
		fail "$how: the live view" "no header within 10 s: $(screen)"
		continue
	fi
	case $how in
	ctrl-c) "${T[@]}" send-keys -t top C-c ;;
	sigterm) kill -TERM "$(pgrep -P "$(pane pane_pid)" udstrace)" ;;
	esac
	if wait_until 10 ended; then
		pass "$how: udstrace ended"
	else
		fail "$how: udstrace ended" "still running after 10 s"
	fi
	check "$how: exit status" "$(exit_status)" 0
	check "$how: the normal screen is back" "$(pane alternate_on)" 0
	check "$how: the summary is on it" "$(screen | grep -c '^udstrace: backend .*, kernel ')" 1
	check "$how: and no live header" "$(headers)" 0
	# The cursor is shown again: tmux knows whether it is hidden.
	check "$how: the cursor is shown" "$(pane cursor_flag)" 1
done

# --- JSON is never live -------------------------------------------------------
start 30 "$(rounds "--json -i 0.2" 1)"
release && wait_until 20 logged 1
wait_until 5 eval 'screen | grep -q "\"final\":false"' ||
	fail "json: interval objects" "none on the screen: $(screen)"
check "json: never on the alternate screen" "$(pane alternate_on)" 0
check "json: no live header" "$(headers)" 0
release
wait_until 10 ended || fail "json: udstrace ended" "still running after 10 s"

# --- no terminal: plain tables appended, as before ----------------------------
out=$("$UDSTRACE" -i 0.2 -- sh -c "$WORKLOAD -u $N -c $M -t $K -s $S >/dev/null; sleep 0.5" 2>/dev/null)
check "pipe: no escape sequences" "$(grep -c $'\033' <<<"$out")" 0
check "pipe: interval tables appended" \
	"$(grep -c '^udstrace: backend .* interval$' <<<"$out" | awk '{ print ($1 >= 2) }')" 1
check "pipe: one summary" "$(grep '^udstrace: backend ' <<<"$out" | grep -vc ' interval$')" 1
check "pipe: summary: unix_stream_sendmsg calls" \
	"$(awk '$1 == "unix_stream_sendmsg" { gsub(",", "", $2); v = $2 } END { print v }' <<<"$out")" $N

# --- --top: bad values --------------------------------------------------------
for bad in 0 10001 -3 x 5x ""; do
	err=$("$UDSTRACE" --top "$bad" -d 1 2>&1 >/dev/null)
	st=$?
	check "--top '$bad': exit status" "$st" 2
	check "--top '$bad': one line" "$(wc -l <<<"$err")" 1
done
