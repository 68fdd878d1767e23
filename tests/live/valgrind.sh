#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# udstrace under valgrind (memcheck, --leak-check=full): bad input, --check,
# and short live runs that must still count exactly. valgrind needs the
# dynamically linked build (.output/udstrace-dynamic: the same objects),
# since it cannot follow malloc inside a static binary. A run is clean when
# valgrind's exit status is not its error status (99 here) and its log holds
# nothing but its notes on bpf(2) commands it does not model (see
# docs/RELIABILITY.md: those pass no memory back).
. "$(dirname "$0")/../lib.sh"

VG_BIN=${UDSTRACE_DYNAMIC:-$TOP/.output/udstrace-dynamic}
if ! command -v valgrind >/dev/null; then
	skip "valgrind" "valgrind is not installed (apt-get install valgrind)"
	exit 0
fi
if [ ! -x "$VG_BIN" ]; then
	fail "valgrind" "$VG_BIN is missing (make .output/udstrace-dynamic)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
runs=0

# vg NAME WANT_STATUS ARGS...: udstrace under valgrind; stdout in $tmp/out.
vg() {
	local name=$1 want=$2 log=$tmp/vg.log status
	shift 2
	rm -f "$log"
	timeout -s KILL 120 valgrind -q --error-exitcode=99 --leak-check=full \
		--suppressions="$TOP/tests/live/valgrind.supp" --log-file="$log" \
		"$VG_BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	runs=$((runs + 1))
	check "valgrind $name: exit status" "$status" "$want"
	if grep -v -q -E '^--[0-9]+-- WARNING: unhandled eBPF command (28|32|35)$' "$log"; then
		grep -v -E 'unhandled eBPF command (28|32|35)$' "$log" | head -n 30 | sed 's/^/# /'
		fail "valgrind $name: no errors or leaks" "valgrind reported (log above)"
	else
		pass "valgrind $name: no errors or leaks"
	fi
}

vg "unknown option" 2 --bogus
vg "non-numeric pid" 2 -p abc
vg "zero duration" 2 -d 0
vg "negative interval" 2 -i -1
vg "unknown backend" 2 --backend ebpf
vg "empty command" 2 --
vg "pid and command" 2 -p 1 -- true
vg "empty dot file" 2 --dot ""
vg "help" 0 --help

if [ "$(id -u)" -ne 0 ]; then
	skip "valgrind live runs" "need root to load BPF programs"
	exit 0
fi
N=300 M=3 K=200 S=100
W=("$WORKLOAD" -u $N -c $M -t $K -s $S)
vg "--check" 0 --check --json
check "valgrind --check: schema" "$(jq -r .schema <"$tmp/out")" "udstrace-check/1"
vg "-d 1 -- workload" 0 --json -d 1 -- "${W[@]}"
check_counts "valgrind -d 1 -- workload" "$(cat "$tmp/out")" $M $N $((N * S)) $K $((K * S))
# Stages, intervals, histograms and the --dot writer in one run.
vg "--stages -i -H --dot" 0 --stages -i 0.2 -H --dot "$tmp/paths.dot" -- \
	sh -c "sleep 0.5; exec ${W[*]} -l"
check "valgrind --stages: the table came out" \
	"$(grep -c '^unix_stream_sendmsg: ' "$tmp/out" | awk '{print ($1 >= 1)}')" 1
check "valgrind --dot: both send paths drawn" "$(grep -c 'subgraph cluster_' "$tmp/paths.dot")" 2
echo "# valgrind: $runs udstrace runs"
