#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --version: udstrace and udsbench print the version of the Makefile and the
# git commit they were built from, as git itself names it ("-dirty" when
# tracked files differ from it), exit 0. The commit is taken at build time
# and follows the tree: a throwaway repository built, changed, built,
# committed and built again names each state; a copy without .git (a
# tarball) says "unknown".
. "$(dirname "$0")/../lib.sh"
UDSBENCH=${UDSBENCH:-$TOP/udsbench/udsbench}

version=$(sed -n 's/^VERSION := //p' "$TOP/Makefile")
if [ -z "$version" ]; then
	fail "version" "no 'VERSION := ' line in $TOP/Makefile"
	exit 0
fi

# commit_of DIR: the commit as the build must name it, asked of git here.
commit_of() {
	local c
	[ -e "$1/.git" ] && c=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null) || {
		echo unknown
		return
	}
	git -C "$1" diff --quiet HEAD -- || c=$c-dirty
	echo "$c"
}

# version_is NAME BINARY WANT: --version prints exactly WANT, exit 0.
version_is() {
	local out
	out=$("$2" --version 2>&1)
	check "$1: exit status" "$?" 0
	check "$1: output" "$out" "$3"
}

want=$(commit_of "$TOP")
version_is "udstrace --version" "$UDSTRACE" "udstrace $version (commit $want)"
version_is "udsbench --version" "$UDSBENCH" "udsbench $version (commit $want)"
out=$("$UDSBENCH" -V 2>&1)
check "udsbench -V" "$out" "udsbench $version (commit $want)"
out=$("$UDSTRACE" -V 2>&1)
check "udstrace -V" "$out" "udstrace $version (commit $want)"

# The commit follows the tree. udsbench is what is built: it needs no BPF
# toolchain and takes seconds; udstrace's version comes from the same
# generated header (the Makefile's version.h).
if ! command -v git >/dev/null || [ ! -e "$TOP/.git" ]; then
	skip "version: build-time commit" "needs git and a git checkout to copy from"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# What a tarball holds: the tracked files of HEAD, no .git.
git -C "$TOP" archive --format=tar HEAD | tar -x -C "$tmp" ||
	fail "version: copy of the tree" "git archive failed"
build() {
	make -C "$tmp" --no-print-directory udsbench >"$tmp.log" 2>&1 ||
		fail "version: make udsbench in $tmp" "$(tail -3 "$tmp.log")"
}
build
version_is "tarball without .git" "$tmp/udsbench/udsbench" "udsbench $version (commit unknown)"

g() { git -C "$tmp" -c user.name=test -c user.email=test@invalid "$@" >/dev/null; }
g init -q
g add -A
g commit -q -m one
build
version_is "fresh commit" "$tmp/udsbench/udsbench" "udsbench $version (commit $(git -C "$tmp" rev-parse --short=12 HEAD))"
first=$(git -C "$tmp" rev-parse --short=12 HEAD)
echo "# changed" >>"$tmp/README.md"
build
version_is "tracked file changed" "$tmp/udsbench/udsbench" "udsbench $version (commit $first-dirty)"
g commit -q -a -m two
second=$(git -C "$tmp" rev-parse --short=12 HEAD)
build
version_is "next commit" "$tmp/udsbench/udsbench" "udsbench $version (commit $second)"
if [ "$first" != "$second" ] && ! git -C "$TOP" ls-files --error-unmatch .output/version.h >/dev/null 2>&1; then
	pass "version: the commit is generated, not committed"
else
	fail "version: the commit is generated, not committed" "version.h is tracked, or the commits are equal"
fi
rm -f "$tmp.log"
