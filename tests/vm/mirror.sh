# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# Sourced by tests/vm/kernel.sh and tests/vm/rootfs.sh: where the system's
# apt configuration fetches Debian from. No mirror's name is written in the
# repository; the tests use the one this machine is configured with.

# mirror KIND: the first URI of the system's Debian sources for this release
# (KIND main) or its security suite (KIND security), read from deb822
# *.sources files and one-line sources.list files.
mirror() {
	local codename kind=$1
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	[[ -n $codename ]] || codename=bookworm
	{
		# deb822: one "URIS|SUITES|TYPES" line per stanza.
		for f in /etc/apt/sources.list.d/*.sources; do
			[[ -r $f ]] || continue
			awk '
				function flush() { if (u != "") print u "|" s "|" t; u = s = t = "" }
				/^[ \t]*$/ { flush(); next }
				/^[ \t]*#/ { next }
				tolower($1) == "uris:" { u = $2 }
				tolower($1) == "suites:" { $1 = ""; s = $0 }
				tolower($1) == "types:" { $1 = ""; t = $0 }
				END { flush() }' "$f"
		done
		# one-line: "deb [options] URI SUITE COMPONENTS..."
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[[ -r $f ]] || continue
			sed -E -n 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+([^[:space:]]+).*/\2| \3 | deb/p' "$f"
		done
	} | while IFS='|' read -r uri suites types; do
		[[ " $types " == *" deb "* ]] || continue
		for s in $suites; do
			case $kind:$s in
			main:"$codename" | security:"$codename"-security | security:"$codename"/updates)
				echo "$uri"; break ;;
			esac
		done
	done | head -n1
}
