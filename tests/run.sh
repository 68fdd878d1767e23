#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs test scripts, echoes their result lines and prints the closing tally
# "N passed, N failed, N skipped", always the last line. Before it, the
# kernel x backend table (tests/matrix.sh) of the cells the scripts recorded
# in $UDSTRACE_MATRIX, a file of this run; a copy stays in .output/matrix.txt.
# Exit status 1 if anything failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
UDSTRACE_MATRIX=$(mktemp "${TMPDIR:-/tmp}/udstrace-matrix.XXXXXX")
export UDSTRACE_MATRIX
trap 'rm -f "$UDSTRACE_MATRIX"' EXIT
passed=0 failed=0 skipped=0
for t in "$@"; do
	echo "== $t"
	while IFS= read -r line; do
		case $line in
		EXIT\ *) ;;
		*) echo "$line" ;;
		esac
		case $line in
		PASS\ *) passed=$((passed + 1)) ;;
		FAIL\ *) failed=$((failed + 1)) ;;
		SKIP\ *) skipped=$((skipped + 1)) ;;
		EXIT\ 0) ;;
		EXIT\ *) echo "FAIL $t: the script itself exited with ${line#EXIT }"
			failed=$((failed + 1)) ;;
		esac
	done < <(bash "$t" 2>&1; echo "EXIT $?")
done
if [ -s "$UDSTRACE_MATRIX" ]; then
	bash "$here/matrix.sh" "$UDSTRACE_MATRIX"
	if [ -d "$here/../.output" ]; then
		rm -f "$here/../.output/matrix.txt"
		cat "$UDSTRACE_MATRIX" >"$here/../.output/matrix.txt" 2>/dev/null
	fi
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
