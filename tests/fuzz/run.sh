#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs libFuzzer harnesses for a while each and prints one result line per
# harness: "PASS fuzz NAME: N executions in S s" or "FAIL fuzz NAME: why".
#   tests/fuzz/run.sh SECONDS BINDIR DIR NAME...
# Each harness BINDIR/fuzz_NAME starts from its checked-in seeds
# (tests/fuzz/corpus/NAME, crashes found before included) and keeps what it
# finds in DIR/corpus/NAME; a crash leaves DIR/crash-NAME-* and the log
# DIR/NAME.log. libFuzzer itself stops each run after SECONDS.
set -u
[ $# -ge 4 ] || { echo "usage: $0 SECONDS BINDIR DIR NAME..." >&2; exit 2; }
secs=$1 bindir=$2 dir=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)

for name in "$@"; do
	bin=$bindir/fuzz_$name log=$dir/$name.log
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz $name: $bin was not built"
		continue
	fi
	mkdir -p "$dir/corpus/$name"
	dict=()
	[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
	# -close_fd_mask=3: the parsers' own messages (argp's help and
	# errors) would drown the log; libFuzzer keeps its reports.
	UBSAN_OPTIONS=print_stacktrace=1 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-close_fd_mask=3 -print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="$dir/crash-$name-" \
		"$dir/corpus/$name" "$here/corpus/$name" >"$log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$status" -eq 0 ] && [ -n "$runs" ]; then
		echo "PASS fuzz $name: $runs executions in $secs s"
	else
		why=$(grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log")
		crash=$(sed -n 's/.*Test unit written to //p' "$log" | head -n 1)
		echo "FAIL fuzz $name: exit $status, ${why:-no result} ${crash:+(input: $crash, log: $log)}"
	fi
done
