#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The bounded fuzz run of make test: every libFuzzer harness of tests/fuzz
# (the option parser, /proc/udsprobe, kallsyms, the kprobe blacklist,
# kprobe_profile, a tracefs event id, the exporter's HTTP request and
# address) for its share of FUZZ_TEST_SECONDS
# (default 60 in all), from the checked-in seeds, which include every
# crash found so far. One PASS or FAIL per harness with its executions.
# Longer runs: make fuzz.
. "$(dirname "$0")/../lib.sh"

dir=$TOP/.output/fuzz
total=${FUZZ_TEST_SECONDS:-60}
names=$(cd "$TOP/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
# About a second of each run is start-up and exit (ASan, the seeds).
each=$((total / $(wc -w <<<"$names") - 1))
[ "$each" -ge 1 ] || each=1
for n in $names; do
	if [ ! -x "$dir/fuzz_$n" ]; then
		skip "fuzz $n" "not built: clang -fsanitize=fuzzer does not link here (libclang-rt-dev)"
		continue
	fi
	# The seeds alone, not what earlier runs found: each run starts alike.
	work=$(mktemp -d "$dir/test-$n.XXXXXX")
	out=$(bash "$TOP/tests/fuzz/run.sh" "$each" "$dir" "$work" "$n" 2>&1)
	echo "$out"
	case $out in
	PASS*) rm -rf "$work" ;;
	*) echo "# fuzz $n: crash input and log kept in $work" ;;
	esac
done
