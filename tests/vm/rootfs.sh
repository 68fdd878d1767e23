#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Build (once) a small Debian 12 root file system with systemd as init, for
# tests/vm/test-service.sh, and print its directory.
#
#   tests/vm/rootfs.sh
#
# debootstrap --variant=minbase with systemd, systemd-sysv (/sbin/init) and
# bpftool (to see that a stopped service left no BPF program behind), from
# the mirror the system's apt configuration uses (tests/vm/mirror.sh). No
# udev: nothing in the test waits for a device unit, and coldplug costs
# seconds under TCG. No curl: the guest speaks HTTP through bash's /dev/tcp.
# The tree is cached in $UDSTRACE_VM_CACHE (default <repo>/.output/vm) as
# rootfs-bookworm-KEY, KEY a hash of the package list and of the recipe
# below: a change to either builds a new one and drops the old. Callers copy
# it before changing anything. The build has a deadline
# ($UDSTRACE_VM_ROOTFS_TIMEOUT seconds, default 1200); progress goes to
# stderr, the directory to stdout; exit 1 if it cannot be had.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${UDSTRACE_VM_CACHE:-$repo/.output/vm}
suite=bookworm
packages=systemd,systemd-sysv,bpftool

die() { echo "vm: $*" >&2; exit 1; }

# recipe ROOT: what the test needs of the tree beyond the packages.
recipe() {
	local r=$1 u
	echo udstrace-vm >"$r/etc/hostname"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$r/etc/hosts"
	# Nothing may run on its own in the guest while the test counts every
	# send on it: no logins (getty, logind, which also wants D-Bus), no
	# timers (apt-daily, fstrim and e2scrub are Persistent= and would fire
	# right after the first boot).
	for u in getty@.service serial-getty@.service getty.target systemd-logind.service \
		apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
		fstrim.timer systemd-tmpfiles-clean.timer; do
		ln -sfn /dev/null "$r/etc/systemd/system/$u"
	done
	# Not needed to boot or to test: what apt downloaded, documentation.
	rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin "$r"/var/lib/apt/lists/* \
		"$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/locale/*
}

key=$({ echo "$suite minbase $packages"; declare -f recipe; } | sha256sum | cut -c1-12)
root=$cache/rootfs-$suite-$key
mkdir -p "$cache"
exec 9>"$cache/.rootfs.lock"
flock 9 # one build at a time; the others use it

if [[ ! -e $root/.built ]]; then
	if ! command -v debootstrap >/dev/null; then
		echo "vm: installing debootstrap" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2 ||
			die "cannot install debootstrap"
	fi
	. "$here/mirror.sh"
	url=$(mirror main)
	[[ -n $url ]] || die "cannot find the system's Debian mirror in /etc/apt/sources.list{,.d/*}"
	echo "vm: building a Debian 12 root file system ($packages) into $root" >&2
	rm -rf "$root.tmp"
	t0=$SECONDS
	if ! timeout -k 10 "${UDSTRACE_VM_ROOTFS_TIMEOUT:-1200}" debootstrap --variant=minbase \
		--include="$packages" "$suite" "$root.tmp" "$url" >"$cache/rootfs.log" 2>&1; then
		tail -n 5 "$cache/rootfs.log" >&2
		rm -rf "$root.tmp"
		die "debootstrap failed or ran out of time (log: $cache/rootfs.log)"
	fi
	recipe "$root.tmp"
	touch "$root.tmp/.built"
	mv "$root.tmp" "$root"
	echo "vm: root file system built in $((SECONDS - t0)) s, $(du -sm "$root" | cut -f1) MB" >&2
	# Trees of another recipe are of no more use.
	for d in "$cache"/rootfs-*/.built; do
		[[ -e $d && ${d%/.built} != "$root" ]] && rm -rf "${d%/.built}"
	done
fi
echo "$root"
