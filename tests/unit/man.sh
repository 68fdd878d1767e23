#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The man pages: man --warnings finds nothing in man/udstrace.8 and
# man/udsbench.1, and each page's OPTIONS are exactly the options its
# program's --help lists, with the same argument names, so the two cannot
# drift apart. -h, which both accept but --help does not list, must print
# what --help prints.
. "$(dirname "$0")/../lib.sh"
UDSBENCH=${UDSBENCH:-$TOP/udsbench/udsbench}

for c in man groff; do
	if ! command -v $c >/dev/null; then
		skip "man pages" "$c is not installed (apt-get install man-db)"
		exit 0
	fi
done

# opts: headings ("-c, --comm=COMM", "--cpus=A,B") on stdin, one "OPTION ARG" line out
# for each option of each (ARG "-" for none), sorted.
opts() {
	local h o arg
	while IFS= read -r h; do
		arg=-
		[[ $h == *=* ]] && arg=${h#*=}
		for o in ${h//, / }; do
			echo "${o%%=*} $arg"
		done
	done | sort -u
}
# help_opts PROGRAM: the options --help lists. argp puts each at 2 or 6
# spaces, the description 2 spaces or a line after.
help_opts() {
	"$1" --help | sed -n -E 's/^ {2,6}((-[^- ], )*--[a-z][a-z-]*(=[^ ]+)?).*/\1/p' | opts
}
# man_opts PAGE: the tags of the page's OPTIONS, as man prints them: at
# 7 spaces, options joined by ", " (a short tag has its text on its line).
man_opts() {
	groff -t -man -Tascii -P-cbou "$1" 2>/dev/null | sed -n '/^OPTIONS$/,/^[A-Z]/p' |
		grep -E '^ {7}-' | awk '{ h = $1; for (i = 2; h ~ /,$/ && i <= NF; i++) h = h " " $i; print h }' |
		opts
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# page_matches NAME PROGRAM PAGE [PENDING...]: PENDING are options the page
# documents ahead of a build that has them (another branch adds them): a
# SKIP while --help lacks them, checked like the rest once it has them.
page_matches() {
	local name=$1 prog=$2 page=$3 o extra missing
	shift 3
	out=$(man --warnings -l "$page" 2>&1 >/dev/null)
	check "$name: man --warnings -l: exit status" "$?" 0
	check "$name: man --warnings -l: no warnings" "$out" ""
	help_opts "$prog" >"$tmp/help"
	man_opts "$page" >"$tmp/man"
	if [ "$(wc -l <"$tmp/help")" -lt 5 ] || [ "$(wc -l <"$tmp/man")" -lt 5 ]; then
		fail "$name: options" "found $(wc -l <"$tmp/help") in --help and $(wc -l <"$tmp/man") in the page: the parsing is broken"
		return
	fi
	missing=$(comm -23 "$tmp/help" "$tmp/man" | paste -sd, | sed 's/,/, /g')
	check "$name: every option of --help ($(wc -l <"$tmp/help")) is in the page, with its argument" \
		"$missing" ""
	extra=$(comm -13 "$tmp/help" "$tmp/man" | grep -v '^-h -$')
	for o in "$@"; do
		if grep -q "^$o " <<<"$extra"; then
			skip "$name: $o" "documented, but this build's --help lacks it (another branch adds it)"
			extra=$(grep -v "^$o " <<<"$extra")
		fi
	done
	check "$name: every option in the page is in --help" "$(paste -sd, <<<"$extra" | sed 's/,/, /g')" ""
	if grep -q '^-h -$' "$tmp/man"; then
		check "$name: -h prints --help" "$("$prog" -h 2>&1; echo "status $?")" \
			"$("$prog" --help 2>&1; echo "status $?")"
	fi
}

# The pages name the Makefile's version.
version=$(sed -n 's/^VERSION := //p' "$TOP/Makefile")
for p in "$TOP"/man/*.[18]; do
	check "${p##*/}: .TH names udstrace $version" "$(sed -n 's/^\.TH .* "\(udstrace [^"]*\)" .*/\1/p' "$p")" \
		"udstrace $version"
done

page_matches udstrace.8 "$UDSTRACE" "$TOP/man/udstrace.8" --prometheus
page_matches udsbench.1 "$UDSBENCH" "$TOP/man/udsbench.1"
