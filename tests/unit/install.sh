#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make install: into a temporary DESTDIR, with the default PREFIX and with
# PREFIX=/usr, the tree is exactly the files and directories listed below
# with their modes, whatever the umask; the binaries and pages are the
# built ones; the unit differs from dist/ only in ExecStart's directory.
# Installed with a real PREFIX (no DESTDIR), systemd-analyze verify passes
# on the unit (it checks that ExecStart is executable and that the man page
# of Documentation= is found), and its systemd-analyze security exposure is
# the one the README gives.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# tree_of PREFIX: what make install must make under DESTDIR, "MODE PATH".
tree_of() {
	local p=${1#/} d=
	for c in ${p//\// }; do
		d=${d:+$d/}$c
		echo "drwxr-xr-x $d"
	done
	cat <<EOF
drwxr-xr-x $p/bin
-rwxr-xr-x $p/bin/udsbench
drwxr-xr-x $p/lib
drwxr-xr-x $p/lib/systemd
drwxr-xr-x $p/lib/systemd/system
-rw-r--r-- $p/lib/systemd/system/udstrace-exporter.service
drwxr-xr-x $p/sbin
-rwxr-xr-x $p/sbin/udstrace
drwxr-xr-x $p/share
drwxr-xr-x $p/share/man
drwxr-xr-x $p/share/man/man1
-rw-r--r-- $p/share/man/man1/udsbench.1
drwxr-xr-x $p/share/man/man8
-rw-r--r-- $p/share/man/man8/udstrace.8
EOF
}

# installed NAME PREFIX MAKE-ARGS...: make install into a fresh DESTDIR
# under umask 077, then its tree and contents.
installed() {
	local name=$1 prefix=$2 dest=$tmp/dest${2//\//-}
	shift 2
	if ! (umask 077 && make -C "$TOP" --no-print-directory install DESTDIR="$dest" "$@") \
		>"$tmp/log" 2>&1; then
		fail "$name: make install" "$(tail -3 "$tmp/log")"
		return
	fi
	check "$name: the tree and its modes" "$(cd "$dest" && find . -mindepth 1 -printf '%M %P\n' | sort -k2)" \
		"$(tree_of "$prefix" | sort -k2)"
	local d=$dest$prefix
	check "$name: udstrace is the built one" "$(cmp "$d/sbin/udstrace" "$TOP/udstrace" 2>&1)" ""
	check "$name: udsbench is the built one" "$(cmp "$d/bin/udsbench" "$TOP/udsbench/udsbench" 2>&1)" ""
	check "$name: udstrace.8" "$(cmp "$d/share/man/man8/udstrace.8" "$TOP/man/udstrace.8" 2>&1)" ""
	check "$name: udsbench.1" "$(cmp "$d/share/man/man1/udsbench.1" "$TOP/man/udsbench.1" 2>&1)" ""
	local want="< ExecStart=/usr/local/sbin/udstrace --prometheus 127.0.0.1:9435 > ExecStart=$prefix/sbin/udstrace --prometheus 127.0.0.1:9435"
	[ "$prefix" = /usr/local ] && want=
	check "$name: the unit, but for ExecStart" \
		"$(diff "$TOP/dist/udstrace-exporter.service" "$d/lib/systemd/system/udstrace-exporter.service" |
			grep '^[<>]' | xargs)" "$want"
}

# Built first under the caller's umask: a link under umask 077 would leave
# binaries that the tests running them as nobody cannot execute.
if ! make -C "$TOP" --no-print-directory udstrace udsbench >"$tmp/log" 2>&1; then
	fail "make udstrace udsbench" "$(tail -3 "$tmp/log")"
	exit 0
fi
installed "default PREFIX" /usr/local
installed "PREFIX=/usr" /usr PREFIX=/usr

# --- the unit, installed where it can be run ----------------------------------
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify" "systemd-analyze is not installed (systemd)"
	exit 0
fi
p=$tmp/prefix
if ! make -C "$TOP" --no-print-directory install PREFIX="$p" >"$tmp/log" 2>&1; then
	fail "make install PREFIX=$p" "$(tail -3 "$tmp/log")"
	exit 0
fi
unit=$p/lib/systemd/system/udstrace-exporter.service
out=$(MANPATH=$p/share/man systemd-analyze verify "$unit" 2>&1)
check "systemd-analyze verify: exit status" "$?" 0
check "systemd-analyze verify: no complaint" "$out" ""
# The check can fail: a unit whose ExecStart is missing does not verify.
sed "s|^ExecStart=$p/|ExecStart=$p/nonexistent/|" "$unit" >"$tmp/udstrace-exporter.service"
MANPATH=$p/share/man systemd-analyze verify "$tmp/udstrace-exporter.service" >/dev/null 2>&1
check "systemd-analyze verify refuses a missing ExecStart" "$?" 1

score=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null |
	sed -n 's/^→ Overall exposure level for udstrace-exporter.service: \([0-9.]*\) .*/\1/p')
if [ -z "$score" ]; then
	fail "systemd-analyze security" "no exposure level in its output"
else
	# The README names the systemd it measured with; others weigh differently.
	line=$(grep -o 'exposure level of \*\*[0-9.]*\*\* with systemd [0-9]*' "$TOP/README.md")
	ver=$(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
	if [ -n "$line" ] && [ "${line##* }" != "$ver" ]; then
		skip "systemd-analyze security" "the README's score is systemd ${line##* }'s, this is systemd $ver (exposure $score here)"
	else
		check "systemd-analyze security: exposure $score with systemd $ver is the README's" \
			"$line" "exposure level of **$score** with systemd $ver"
	fi
fi
