#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# kmod/udsprobe.c must be `checkpatch.pl --strict` clean. No headers package
# ships checkpatch.pl; Debian's linux-source-6.1 has it in its source
# tarball, so the three files it reads are extracted once into
# .output/checkpatch/. Root is needed only to install linux-source-6.1.
. "$(dirname "$0")/../lib.sh"

name="checkpatch --strict kmod/udsprobe.c"
pkg=linux-source-6.1
tarball=/usr/src/$pkg.tar.xz
files="checkpatch.pl spelling.txt const_structs.checkpatch"
cache=$TOP/.output/checkpatch

have_all() { # have_all DIR: DIR holds every file checkpatch needs
	local f
	for f in $files; do [ -s "$1/$f" ] || return 1; done
}

if ! have_all "$cache"; then
	if [ ! -f "$tarball" ]; then
		if [ "$(id -u)" -ne 0 ]; then
			skip "$name" "$pkg is not installed (installing it needs root)"
			exit 0
		fi
		export DEBIAN_FRONTEND=noninteractive
		out=$({ apt-get install -y -q --no-install-recommends "$pkg" ||
			{ apt-get update -q && apt-get install -y -q --no-install-recommends "$pkg"; }; } 2>&1)
		if [ ! -f "$tarball" ]; then
			skip "$name" "cannot install $pkg: $(tail -n 1 <<<"$out")"
			exit 0
		fi
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	patterns=()
	for f in $files; do patterns+=("*/scripts/$f"); done
	tar -xJf "$tarball" -C "$tmp" --wildcards "${patterns[@]}" 2>/dev/null
	# The cache is a convenience: without a writable .output, use the copy once.
	mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=$tmp/cache
	mkdir -p "$cache"
	for f in $files; do
		find "$tmp" -path "*/scripts/$f" -type f -exec cp {} "$cache/" \;
	done
	if ! have_all "$cache"; then
		fail "$name" "$tarball lacks one of: $files"
		exit 0
	fi
fi

out=$(cd "$TOP" && perl "$cache/checkpatch.pl" --strict --no-tree --color=never \
	-f kmod/udsprobe.c 2>&1)
status=$?
summary=$(grep -m 1 '^total:' <<<"$out")
if [ $status -eq 0 ] && [[ $summary == "total: 0 errors, 0 warnings, 0 checks, "* ]]; then
	pass "$name ($summary)"
else
	grep -E '^(ERROR|WARNING|CHECK):|^#[0-9]+:' <<<"$out" | sed 's/^/# /'
	fail "$name" "${summary:-checkpatch did not run: $(tail -n 1 <<<"$out")}"
fi
