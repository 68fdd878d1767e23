#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The unit and live tests again, with udstrace, test_units, test_feature and
# udsbench built with ASan and UBSan (make SANITIZE=1 test-bins puts them in
# .output/sanitize). Each result line is passed on with "sanitized: " in
# front of its name. Every sanitized process writes any report into one
# directory (log_path), and the last check demands that it stays empty: a
# report fails the run even from a process whose exit status no test reads.
# First, canaries built with the same flags prove that an overflow, an
# undefined shift and a leak each do leave a report there.
. "$(dirname "$0")/../lib.sh"

SAN=$TOP/.output/sanitize
for b in udstrace test_units test_feature udsbench/udsbench; do
	if [ ! -x "$SAN/$b" ]; then
		fail "sanitized build" "$SAN/$b is missing (make SANITIZE=1 test-bins)"
		exit 0
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
logs=$tmp/reports
# Tests also run udstrace as nobody (tests/live/privilege.sh): they must be
# able to write their reports too.
mkdir -m 1777 "$logs"
chmod 755 "$tmp"
san_env() { # san_env DIR: sanitizer options that put reports in DIR
	export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$1/asan"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$1/ubsan"
}

# --- the canaries: the options really catch and report ----------------------
cat >"$tmp/canary.c" <<'C'
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	char *p = malloc(8);
	int shift = argc + 31;

	if (!strcmp(argv[1], "overflow"))
		p[argc + 7] = 1;
	else if (!strcmp(argv[1], "shift"))
		return 1 << shift;
	else if (!strcmp(argv[1], "leak"))
		p = NULL;
	free(p);
	return 0;
}
C
if ! ${CLANG:-clang} -g -fsanitize=address,undefined -fno-omit-frame-pointer "$tmp/canary.c" \
	-o "$tmp/canary" 2>"$tmp/cc"; then
	fail "sanitized: canaries build" "$(head -n 1 "$tmp/cc")"
	exit 0
fi
for c in overflow shift leak; do
	mkdir -p "$tmp/canary-$c"
	(san_env "$tmp/canary-$c"; "$tmp/canary" "$c")
	status=$?
	what=$(cat "$tmp/canary-$c"/* 2>/dev/null |
		grep -m 1 -o -E 'heap-buffer-overflow|shift exponent|detected memory leaks')
	check "sanitized: canary $c is reported" "$status ${what:-no report}" \
		"1 $(case $c in overflow) echo heap-buffer-overflow ;; shift) echo shift exponent ;;
			leak) echo detected memory leaks ;; esac)"
done
(san_env "$tmp/canary-none"; "$tmp/canary" none)
check "sanitized: canary without a bug runs clean" "$? $(find "$tmp/canary-none" -type f 2>/dev/null | wc -l)" "0 0"

# --- the unit and live tests with the sanitized programs ---------------------
san_env "$logs"
# udstrace through a wrapper that counts its runs (exec: same PID). The
# count is written by a subshell, a process of its own, so that
# tests/live/footprint.sh does not take it for a write of udstrace's.
cat >"$tmp/udstrace" <<SH
#!/bin/sh
(echo >>"$logs/.runs")
exec "$SAN/udstrace" "\$@"
SH
chmod 755 "$tmp/udstrace"
touch "$logs/.runs"
chmod 666 "$logs/.runs"
export UDSTRACE=$tmp/udstrace UDSTRACE_ELF=$SAN/udstrace TEST_UNITS=$SAN/test_units \
	TEST_FEATURE=$SAN/test_feature UDSBENCH=$SAN/udsbench/udsbench
unset UDSTRACE_MATRIX	# the kernel x backend table is the normal pass's
for t in "$TOP"/tests/unit/*.sh "$TOP"/tests/live/*.sh; do
	case ${t##*/} in
	# Nothing sanitized runs in the first two; the fuzzers are built with
	# ASan and UBSan anyway.
	checkpatch.sh | valgrind.sh | fuzz.sh) continue ;;
	reliability.sh)
		# Load, signals at random moments and PID reuse race against
		# deadlines; ASan slows udstrace several times over. The normal
		# pass runs it; the sanitized pass covers the same code paths
		# through live.sh and ending.sh.
		skip "sanitized: reliability" "timing-bound load test; the normal pass runs it"
		continue ;;
	service.sh)
		# Its PrivateTmp hides the wrapper and the report directory,
		# both in /tmp. The normal pass runs it.
		skip "sanitized: service" "the sandbox hides /tmp, where the sanitized programs and reports are"
		continue ;;
	footprint.sh)
		# It holds udstrace to writing nothing but what it was given;
		# the sanitizer runtime writes its reports. The normal pass runs it.
		skip "sanitized: footprint" "the sanitizer runtime writes its own logs"
		continue ;;
	esac
	t0=$SECONDS
	bash "$t" 2>&1 | sed -n -E 's/^(PASS|FAIL|SKIP) /\1 sanitized: /p; /^# /p'
	status=${PIPESTATUS[0]}
	echo "# sanitized: ${t#"$TOP"/} took $((SECONDS - t0)) s"
	[ "$status" -eq 0 ] || fail "sanitized: ${t#"$TOP"/}" "the script itself exited with $status"
done

runs=$(wc -l <"$logs/.runs")
reports=$(find "$logs" -type f -name '*san.*' | sort)
if [ -z "$reports" ]; then
	pass "sanitized: no ASan or UBSan report in $runs udstrace runs and the unit tests"
else
	for r in $reports; do
		echo "# ${r##*/}:"
		grep -m 12 -E 'ERROR|runtime error|SUMMARY|^    #[0-9]' "$r" | sed 's/^/#   /'
	done
	fail "sanitized: no ASan or UBSan report" \
		"$(wc -l <<<"$reports") reports: $(xargs -n 1 basename <<<"$reports" | xargs)"
fi
