#!/bin/bash
# Fetch (once) and print details of the Debian distribution kernel used by the VM tests.
#
#   tests/vm/kernel.sh [--vmlinuz]   path of the cached vmlinuz (default)
#   tests/vm/kernel.sh --abi         kernel ABI string, e.g. 6.1.0-56-amd64
#   tests/vm/kernel.sh --root        extracted .deb tree (holds boot/ and lib/modules/ABI/)
#   tests/vm/kernel.sh --moddir      ROOT/lib/modules/ABI (the distro's modules)
#   tests/vm/kernel.sh --boot-image  best file for qemu -kernel: the uncompressed
#                                    vmlinux (PVH entry; saves ~2s of in-guest xz
#                                    decompression under TCG) or else vmlinuz
#
# The real package is whatever linux-image-amd64 depends on right now; it is
# downloaded with `apt-get download` into $UDSTRACE_VM_CACHE (default
# <repo>/.output/vm) and extracted there with dpkg-deb, so later runs are offline.
# Progress goes to stderr, the answer to stdout; exit 1 if no kernel can be had.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${UDSTRACE_VM_CACHE:-$repo/.output/vm}
meta=linux-image-amd64

die() { echo "vm: $*" >&2; exit 1; }

mode=${1:---vmlinuz}
case $mode in
--vmlinuz|--abi|--root|--moddir|--boot-image) ;;
*) die "usage: $0 [--vmlinuz|--abi|--root|--moddir|--boot-image]" ;;
esac

updated=
apt_update_once() {
	[[ -z $updated ]] || return 1
	updated=1
	echo "vm: running apt-get update" >&2
	apt-get update -qq >&2 || true
}

# Name of the versioned image package, e.g. linux-image-6.1.0-56-amd64.
resolve_pkg() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
}

# Newest already-extracted ABI in the cache (used when apt cannot tell us).
newest_cached_abi() {
	local d
	for d in "$cache"/*/.extracted; do
		[[ -e $d ]] && basename "$(dirname "$d")"
	done | sort -V | tail -n1
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # serialize concurrent first runs

pkg=$(resolve_pkg)
if [[ -z $pkg ]]; then
	abi=$(newest_cached_abi)
	if [[ -z $abi ]] && apt_update_once; then
		pkg=$(resolve_pkg)
	fi
	[[ -n $pkg || -n $abi ]] ||
		die "cannot resolve the package behind $meta (apt-cache depends $meta)"
fi
[[ -z $pkg ]] || abi=${pkg#linux-image-}
root=$cache/$abi

if [[ ! -e $root/.extracted ]]; then
	debs=("$cache/${pkg}"_*.deb)
	if [[ ! -e ${debs[0]} ]]; then
		echo "vm: downloading $pkg into $cache" >&2
		# A stale package list points at a version the mirror no longer has.
		(cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
			{ apt_update_once && (cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); } ||
			die "apt-get download $pkg failed"
		debs=("$cache/${pkg}"_*.deb)
	fi
	echo "vm: extracting ${debs[-1]##*/}" >&2
	rm -rf "$root.tmp"
	dpkg-deb -x "${debs[-1]}" "$root.tmp" || die "dpkg-deb -x ${debs[-1]} failed"
	[[ -f $root.tmp/boot/vmlinuz-$abi ]] || die "${debs[-1]} has no boot/vmlinuz-$abi"
	touch "$root.tmp/.extracted"
	rm -rf "$root"
	mv "$root.tmp" "$root"
	# Drop kernels of older ABIs so the cache does not grow with every update.
	for d in "$cache"/*/.extracted; do
		d=$(dirname "$d")
		[[ $d == "$root" ]] || rm -rf "$d"
	done
	for f in "$cache"/linux-image-*_*.deb; do
		[[ ! -e $f || $f == "$cache/${pkg}"_* ]] || rm -f "$f"
	done
fi

# vmlinuz is a bzImage holding an xz-compressed ELF vmlinux; qemu can boot
# that ELF directly through its PVH note if the kernel has CONFIG_PVH.
vmlinux=$root/vmlinux
if [[ $mode == --boot-image && ! -s $vmlinux ]] && command -v xz >/dev/null &&
	grep -qx CONFIG_PVH=y "$root/boot/config-$abi" 2>/dev/null; then
	off=$(LC_ALL=C grep -abo -m1 $'\xfd7zXZ' "$root/boot/vmlinuz-$abi" | cut -d: -f1 | sed -n 1p) || true
	# (xz stops at the end of its stream; a pipe from tail would die of SIGPIPE.)
	if [[ -n $off ]] && xz -dcq --single-stream >"$vmlinux.tmp" 2>/dev/null \
		< <(tail -c +$((off + 1)) "$root/boot/vmlinuz-$abi") &&
		[[ $(head -c4 "$vmlinux.tmp") == $'\x7fELF' ]]; then
		mv "$vmlinux.tmp" "$vmlinux"
	else
		rm -f "$vmlinux.tmp"
	fi
fi

case $mode in
--boot-image) if [[ -s $vmlinux ]]; then echo "$vmlinux"; else echo "$root/boot/vmlinuz-$abi"; fi ;;
--vmlinuz) echo "$root/boot/vmlinuz-$abi" ;;
--abi) echo "$abi" ;;
--root) echo "$root" ;;
--moddir) echo "$root/lib/modules/$abi" ;;
esac
