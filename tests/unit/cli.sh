#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Bad input: a one-line message and exit 2 (argp adds a hint line to its
# own errors: an unknown option, or one missing its argument); a missing
# process or missing privileges: exit 1. Nothing here loads BPF, but for
# the thread's id (root only).
. "$(dirname "$0")/../lib.sh"

# usage NAME WANT_STATUS WANT_TEXT ARGS...: status and message of one run.
usage() {
	local name=$1 want=$2 text=$3 out status
	shift 3
	out=$("$UDSTRACE" "$@" 2>&1 >/dev/null)
	status=$?
	check "$name: exit status" "$status" "$want"
	if grep -qF -- "$text" <<<"$out"; then
		pass "$name: message"
	else
		fail "$name: message" "'$out' lacks '$text'"
	fi
	if [ "$(grep -c . <<<"$out")" -le 2 ] && ! grep -q libbpf <<<"$out"; then
		pass "$name: short"
	else
		fail "$name: short" "more than an error and a hint: '$out'"
	fi
}

# one_line NAME WANT_STATUS WANT_LINE ARGS...: the status, and stderr is
# exactly that one line.
one_line() {
	local name=$1 want=$2 line=$3 out status
	shift 3
	out=$(timeout -s KILL 30 "$UDSTRACE" "$@" 2>&1 >/dev/null)
	status=$?
	check "$name: exit status" "$status" "$want"
	check "$name: one line" "$out" "$line"
}

# Numbers for -d, -i and -p: exit 2 and exactly one line, never a crash.
# Seconds go from 0.01 (an interval must not round to nothing or spin) to
# a year; a PID from 1 to PID_MAX_LIMIT.
secs="from 0.01 to 31536000"
for v in 1e-10 0.0099 0.001 0 -0 -1 -inf inf nan NaN '' ' ' abc 5x 0x 1e19 \
	9223372036854775808 18446744073709551616 31536001; do
	one_line "-i '$v'" 2 "udstrace: invalid interval '$v': want seconds, $secs" -i "$v"
	one_line "-d '$v'" 2 "udstrace: invalid duration '$v': want seconds, $secs" -d "$v"
done
for v in 0 -1 '' ' ' abc 12ab nan inf 1e3 4194305 9223372036854775808 \
	18446744073709551616; do
	one_line "-p '$v'" 2 "udstrace: invalid PID '$v': want 1 to 4194304" -p "$v"
done

# A command that cannot run: the shell's statuses, one line, and nothing
# loaded or started.
one_line "command not found" 127 "udstrace: cannot run 'no-such-command-here': No such file or directory" \
	-- no-such-command-here
one_line "command not found by path" 127 "udstrace: cannot run './no/such/file': No such file or directory" \
	-- ./no/such/file
nox=$(mktemp)
one_line "command not executable" 126 "udstrace: cannot run '$nox': Permission denied" -- "$nox"
rm -f "$nox"
one_line "command is a directory" 126 "udstrace: cannot run '/': Permission denied" -- /

usage "unknown option" 2 "unrecognized option '--bogus'" --bogus
usage "non-numeric pid" 2 "invalid PID 'abc'" -p abc
usage "zero pid" 2 "invalid PID '0'" -p 0
usage "negative pid" 2 "invalid PID '-3'" -p -3
usage "huge pid" 2 "invalid PID '99999999999'" -p 99999999999
usage "non-numeric duration" 2 "invalid duration 'ten'" -d ten
usage "zero duration" 2 "invalid duration '0'" -d 0
usage "negative interval" 2 "invalid interval '-1'" -i -1
usage "duration too long" 2 "invalid duration '1e12'" -d 1e12
usage "unknown backend" 2 "unknown backend 'ebpf'" --backend ebpf
usage "stray argument" 2 "unexpected argument 'ls'" ls
usage "empty command" 2 "missing command after --" --
usage "pid and command" 2 "-p and a command exclude each other" -p 1 -- true
usage "counts-only and stages" 2 "--counts-only and --stages exclude each other" --counts-only --stages
usage "time-sample 0" 2 "invalid --time-sample '0': want a whole percentage from 1 to 100" --time-sample 0
usage "time-sample 101" 2 "invalid --time-sample '101': want a whole percentage from 1 to 100" --time-sample 101
usage "time-sample 10.5" 2 "invalid --time-sample '10.5': want a whole percentage from 1 to 100" --time-sample 10.5
usage "time-sample empty" 2 "invalid --time-sample '': want a whole percentage from 1 to 100" --time-sample ''
usage "time-sample 100 and counts-only" 2 "--time-sample excludes --counts-only and --stages (they time everything or nothing)" --time-sample 100 --counts-only
usage "cost-sample 101" 2 "invalid --cost-sample '101': want a whole percentage from 0 to 100" --cost-sample 101
usage "cost-sample -1" 2 "invalid --cost-sample '-1': want a whole percentage from 0 to 100" --cost-sample -1
usage "cost-sample 5%" 2 "invalid --cost-sample '5%': want a whole percentage from 0 to 100" --cost-sample 5%
usage "cost-sample empty" 2 "invalid --cost-sample '': want a whole percentage from 0 to 100" --cost-sample ''
# --subtract-probe-cost where nothing could calibrate it, or nothing shows
# a time per call: one line, exit 2, before anything is traced.
for args in "--cost-sample 0" "--backend kmod"; do
	case $args in
	--cost*) line="udstrace: --subtract-probe-cost calibrates from the BPF statistics: not with --cost-sample 0" ;;
	*) line="udstrace: --subtract-probe-cost needs a BPF backend: the kmod backend runs no BPF programs to calibrate from" ;;
	esac
	read -r -a a <<<"$args"
	one_line "subtract-probe-cost $args" 2 "$line" --subtract-probe-cost "${a[@]}" -- true
done
for args in --counts-only "--prometheus 9" --calibrate; do
	read -r -a a <<<"$args"
	one_line "subtract-probe-cost $args" 2 \
		"udstrace: --subtract-probe-cost is for a run's final report of times per call: not with --counts-only, --prometheus or --calibrate" \
		--subtract-probe-cost "${a[@]}"
done
usage "time-sample and counts-only" 2 "--time-sample excludes --counts-only and --stages (they time everything or nothing)" --time-sample 10 --counts-only
usage "time-sample and stages" 2 "--time-sample excludes --counts-only and --stages (they time everything or nothing)" --stages --time-sample 10
usage "empty dot file" 2 "--dot needs a file name" --dot ""
usage "empty folded file" 2 "--folded needs a file name" --folded ""

# The filters: a thread's name is at most 15 bytes (TASK_COMM_LEN), a
# cgroup a cgroup v2 directory; the kmod backend has one tgid filter.
long=aaaaaaaaaaaaaaaa # 16 bytes
one_line "-c of 16 bytes" 2 "udstrace: invalid COMM '$long': want 1 to 15 bytes, as the kernel keeps a thread's name" -c "$long"
one_line "-c of 15 bytes, then one of 16" 2 "udstrace: invalid COMM '$long': want 1 to 15 bytes, as the kernel keeps a thread's name" \
	-c "${long:1}" -c "$long"
one_line "empty -c" 2 "udstrace: invalid COMM '': want 1 to 15 bytes, as the kernel keeps a thread's name" -c ""
one_line "--cgroup not cgroup2" 2 "udstrace: --cgroup '/': not a cgroup v2 directory" --cgroup /
one_line "--cgroup a file" 2 "udstrace: --cgroup '/proc/self/status': Not a directory" --cgroup /proc/self/status
one_line "--cgroup missing" 2 "udstrace: --cgroup '/no/such/dir': No such file or directory" --cgroup /no/such/dir
one_line "empty --cgroup" 2 "udstrace: --cgroup needs a cgroup v2 directory" --cgroup ""
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -z "$cg2" ] || one_line "--cgroup fine, another not" 2 "udstrace: --cgroup '/tmp': not a cgroup v2 directory" \
	--cgroup "$cg2" --cgroup /tmp
too_many=()
for i in $(seq 0 64); do too_many+=(-p $((i + 1))); done
one_line "65 -p" 2 "udstrace: too many -p: at most 64 processes" "${too_many[@]}"
kmod="udstrace: the kmod backend filters by one process only: -c, --cgroup and a second -p need a BPF backend"
one_line "kmod with -c" 2 "$kmod" --backend kmod -c nginx
one_line "kmod with --cgroup" 2 "$kmod" --cgroup /sys/fs/cgroup --backend kmod
one_line "kmod with two -p" 2 "$kmod" --backend kmod -p 1 -p 2
usage "-p twice and a command" 2 "-p and a command exclude each other" -p 1 -p 2 -- true

# -P, --by-cgroup and --top: the module counts per path only; one
# breakdown at a time; --top takes 1 to 10000 rows.
bd="udstrace: the kmod backend counts per path only: -P and --by-cgroup need a BPF backend"
one_line "kmod with -P" 2 "$bd" --backend kmod -P
one_line "kmod with --per-process" 2 "$bd" --per-process --backend kmod
one_line "kmod with --by-cgroup" 2 "$bd" --backend kmod --by-cgroup
one_line "-P and --by-cgroup" 2 "udstrace: -P and --by-cgroup exclude each other: one breakdown at a time" -P --by-cgroup
for v in 0 -1 10001 1.5 "" 5x 99999999999999999999; do
	one_line "--top '$v'" 2 "udstrace: invalid --top '$v': want a number of rows from 1 to 10000" -P --top "$v"
done

# --prometheus [ADDR:]PORT: a port from 1 to 65535, a numeric address (IPv6
# in brackets), and any address but 127.0.0.1 written out.
port="want [ADDR:]PORT, with PORT from 1 to 65535"
for v in '' ' ' 0 65536 99999999999 -1 +9100 abc 9100x 0x10 1.2.3.4: '[::1]:0' 127.0.0.1:65536; do
	one_line "--prometheus '$v'" 2 "udstrace: invalid --prometheus '$v': $port" --prometheus "$v"
done
one_line "--prometheus ':9100'" 2 \
	"udstrace: invalid --prometheus ':9100': write the address out, such as 0.0.0.0:PORT; PORT alone means 127.0.0.1" \
	--prometheus :9100
one_line "--prometheus '::1:9100'" 2 \
	"udstrace: invalid --prometheus '::1:9100': an IPv6 address goes in brackets, such as [::1]:9100" \
	--prometheus ::1:9100
one_line "--prometheus '[::1]'" 2 "udstrace: invalid --prometheus '[::1]': want [IPv6]:PORT, such as [::1]:9100" \
	--prometheus '[::1]'
for v in localhost 1.2.3.256 10.0.0; do
	one_line "--prometheus '$v:9100'" 2 \
		"udstrace: invalid --prometheus '$v:9100': '$v' is not a numeric IPv4 address" --prometheus "$v:9100"
done
one_line "--prometheus '[fe80::1%lo]:80'" 2 \
	"udstrace: invalid --prometheus '[fe80::1%lo]:80': 'fe80::1%lo' is not a numeric IPv6 address" \
	--prometheus '[fe80::1%lo]:80'

one_line "--bpf-stats without --prometheus" 2 \
	"udstrace: --bpf-stats is for --prometheus (every report measures the cost by itself)" --bpf-stats

# --listeners needs a BPF backend and every connect(2) seen.
one_line "--listeners with kmod" 2 \
	"udstrace: --listeners needs a BPF backend: the kmod backend counts the path functions only" \
	--listeners --backend kmod
for o in "--counts-only" "--time-sample 10"; do
	# shellcheck disable=SC2086 # two words for --time-sample
	one_line "--listeners $o" 2 \
		"udstrace: --listeners needs every connect seen: it excludes --counts-only and --time-sample" \
		--listeners $o
done
one_line "--listeners --prometheus" 2 \
	"udstrace: --listeners is for the table and --json, not --prometheus" \
	--listeners --prometheus 9100
usage "--listeners takes no argument" 2 "option '--listeners' doesn't allow an argument" --listeners=5

out=$("$UDSTRACE" --help)
check "help: exit status" "$?" 0
grep -q '^Examples:' <<<"$out" && pass "help: examples block" || fail "help: examples block" "no Examples: in --help"

if [ "$(id -u)" -eq 0 ]; then
	usage "pid that does not exist" 1 "no process with PID 4194304" -p 4194304
	# A thread's id is not a process: the probes compare tgids.
	"$WORKLOAD" -u 1 -b 60000 >/dev/null &
	wpid=$!
	threads() { set -- /proc/"$wpid"/task/*; [ $# -ge 2 ]; }
	if wait_until 30 threads; then
		for t in /proc/"$wpid"/task/*; do
			[ "${t##*/}" = "$wpid" ] || tid=${t##*/}
		done
		one_line "pid of a thread" 2 "udstrace: $tid is a thread of process $wpid: use -p $wpid" -p "$tid"
	else
		fail "pid of a thread" "the workload started no thread within 30 s"
	fi
	kill -9 $wpid
	wait $wpid 2>/dev/null
	# A port that is taken, an address that is not this host's: exit 1, one
	# line, before any probe is attached.
	holder=$(mktemp)
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$holder" &
	hpid=$!
	if wait_until 10 grep -q . "$holder"; then
		taken=$(cat "$holder")
		one_line "--prometheus on a port in use" 1 \
			"udstrace: --prometheus: cannot listen on 127.0.0.1:$taken: Address already in use" \
			--prometheus "$taken" -d 1
	else
		fail "--prometheus on a port in use" "python3 did not take a port within 10 s"
	fi
	kill $hpid
	wait $hpid 2>/dev/null
	rm -f "$holder"
	# TEST-NET-1 (RFC 5737): never a local address; binding sends nothing.
	one_line "--prometheus on another host's address" 1 \
		"udstrace: --prometheus: cannot listen on 192.0.2.1:9100: Cannot assign requested address" \
		--prometheus 192.0.2.1:9100 -d 1
	if command -v setpriv >/dev/null; then
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$UDSTRACE" -d 1 2>&1)
		check "not root: exit status" "$?" 1
		grep -qxF "udstrace: needs CAP_BPF and CAP_PERFMON, missing both; run as root or grant them" <<<"$out" &&
			pass "not root: message" || fail "not root: message" "'$out'"
	else
		skip "not root" "setpriv (util-linux) is not installed"
	fi
else
	skip "pid that does not exist" "needs root to get past the privilege check"
fi
