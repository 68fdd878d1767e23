#!/bin/bash
# Fetch (once) and print details of a Debian distribution kernel used by the VM tests.
#
#   tests/vm/kernel.sh [--kernel LINE] [--vmlinuz]   path of the cached vmlinuz (default)
#   tests/vm/kernel.sh [--kernel LINE] --abi         kernel ABI string, e.g. 6.1.0-56-amd64
#   tests/vm/kernel.sh [--kernel LINE] --root        extracted .deb tree (holds boot/ and lib/modules/ABI/)
#   tests/vm/kernel.sh [--kernel LINE] --moddir      ROOT/lib/modules/ABI (the distro's modules)
#   tests/vm/kernel.sh [--kernel LINE] --boot-image  best file for qemu -kernel: the uncompressed
#                                    vmlinux (PVH entry; saves ~2s of in-guest xz
#                                    decompression under TCG) or else vmlinuz
#
# LINE (--kernel, or $UDSTRACE_VM_KERNEL; default 6.1) is one of:
#   6.1   Debian 12's kernel: whatever bookworm's linux-image-amd64 depends on
#   6.12  Debian 12's newer line: whatever linux-image-6.12-amd64 depends on
#   5.10  Debian 11's kernel: whatever bullseye's linux-image-amd64 depends on,
#         found through a private apt configuration under the cache (its own
#         sources list, lists and package cache; the mirrors are the ones the
#         system's apt configuration uses, with bullseye's suites). The
#         system's apt sources and lists are never touched.
# The versioned package is downloaded with `apt-get download` into
# $UDSTRACE_VM_CACHE (default <repo>/.output/vm) and extracted there with
# dpkg-deb, so later runs are offline. A newer ABI of a line replaces the older
# ABIs of that line only. Progress goes to stderr, the answer to stdout;
# exit 1 if no kernel can be had.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${UDSTRACE_VM_CACHE:-$repo/.output/vm}
line=${UDSTRACE_VM_KERNEL:-6.1}

die() { echo "vm: $*" >&2; exit 1; }
usage() { die "usage: $0 [--kernel 5.10|6.1|6.12] [--vmlinuz|--abi|--root|--moddir|--boot-image]"; }

mode=--vmlinuz
while (($#)); do
	case $1 in
	--kernel) (($# >= 2)) || usage; line=$2; shift 2 ;;
	--kernel=*) line=${1#--kernel=}; shift ;;
	--vmlinuz|--abi|--root|--moddir|--boot-image) mode=$1; shift ;;
	*) usage ;;
	esac
done

apt=(apt-get)
apt_cache=(apt-cache)
case $line in
6.1) meta=linux-image-amd64 ;;
6.12) meta=linux-image-6.12-amd64 ;;
5.10) meta=linux-image-amd64 ;;
*) die "unknown kernel line '$line' (UDSTRACE_VM_KERNEL or --kernel: 5.10, 6.1 or 6.12)" ;;
esac

# line_of ABI: the kernel line an ABI string belongs to (6.1.0-56-amd64 -> 6.1).
line_of() { sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$1"; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # serialize concurrent first runs

# --- the private apt configuration for bullseye (5.10) -----------------------
# mirror KIND (tests/vm/mirror.sh): the system's Debian mirror.
. "$(dirname "${BASH_SOURCE[0]}")/mirror.sh"

setup_bullseye_apt() {
	local d=$cache/apt-bullseye main sec keys=() k
	main=$(mirror main)
	sec=$(mirror security)
	[[ -n $main ]] || die "cannot find the system's Debian mirror in /etc/apt/sources.list{,.d/*} for the bullseye sources"
	for k in /usr/share/keyrings/debian-archive-bullseye-automatic.gpg \
		/usr/share/keyrings/debian-archive-bullseye-security-automatic.gpg \
		/usr/share/keyrings/debian-archive-bullseye-stable.gpg; do
		[[ -r $k ]] && keys+=("$k")
	done
	((${#keys[@]})) || keys=(/usr/share/keyrings/debian-archive-keyring.gpg)
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc/preferences.d"
	local opts
	opts="signed-by=$(IFS=,; echo "${keys[*]}")"
	{
		echo "# Written by tests/vm/kernel.sh: Debian 11 for the 5.10 kernel only."
		echo "deb [$opts] $main bullseye main"
		[[ -z $sec ]] || echo "deb [$opts] $sec bullseye-security main"
	} >"$d/etc/sources.list.new"
	if cmp -s "$d/etc/sources.list.new" "$d/etc/sources.list" 2>/dev/null; then
		rm -f "$d/etc/sources.list.new"
	else # new mirrors: the old lists are no use
		mv "$d/etc/sources.list.new" "$d/etc/sources.list"
		rm -f "$d/lists/"*_*
	fi
	[[ -n $sec ]] || echo "vm: no security mirror in the system's apt sources; bullseye main only" >&2
	local o=(-o "Dir::Etc::sourcelist=$d/etc/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache"
		-o "Dir::Etc::preferences=$d/etc/preferences" -o "Dir::Etc::preferencesparts=$d/etc/preferences.d"
		-o "Dir::State::status=$d/etc/status" -o APT::Sandbox::User=root)
	: >>"$d/etc/status"
	apt=(apt-get "${o[@]}")
	apt_cache=(apt-cache "${o[@]}")
	# The private lists are empty the first time: nothing to resolve without them.
	compgen -G "$d/lists/*_Packages*" >/dev/null || apt_update_once
}

updated=
apt_update_once() {
	[[ -z $updated ]] || return 1
	updated=1
	echo "vm: running ${apt[*]} update" >&2
	"${apt[@]}" update -qq >&2 || true
}

[[ $line != 5.10 ]] || setup_bullseye_apt

# Name of the versioned image package, e.g. linux-image-6.1.0-56-amd64.
resolve_pkg() {
	"${apt_cache[@]}" depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
}

# Newest already-extracted ABI of this line in the cache (used when apt cannot tell us).
newest_cached_abi() {
	local d a
	for d in "$cache"/*/.extracted; do
		[[ -e $d ]] || continue
		a=$(basename "$(dirname "$d")")
		[[ $(line_of "$a") == "$line" ]] && echo "$a"
	done | sort -V | tail -n1
}

pkg=$(resolve_pkg)
abi=
if [[ -z $pkg ]]; then
	abi=$(newest_cached_abi)
	if [[ -z $abi ]] && apt_update_once; then
		pkg=$(resolve_pkg)
	fi
	[[ -n $pkg || -n $abi ]] ||
		die "cannot resolve the package behind $meta for kernel $line (${apt_cache[0]} depends $meta)"
fi
[[ -z $pkg ]] || abi=${pkg#linux-image-}
[[ $(line_of "$abi") == "$line" ]] || die "$meta depends on $pkg, not a $line kernel"
root=$cache/$abi

if [[ ! -e $root/.extracted ]]; then
	debs=("$cache/${pkg}"_*.deb)
	if [[ ! -e ${debs[0]} ]]; then
		echo "vm: downloading $pkg into $cache" >&2
		# A stale package list points at a version the mirror no longer has.
		(cd "$cache" && "${apt[@]}" download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
			{ apt_update_once && (cd "$cache" && "${apt[@]}" download -q -o APT::Sandbox::User=root "$pkg" >&2); } ||
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
	# Drop older ABIs of the same line so the cache does not grow with every
	# update; the other lines' kernels stay.
	for d in "$cache"/*/.extracted; do
		[[ -e $d ]] || continue
		d=$(dirname "$d")
		[[ $d != "$root" && $(line_of "${d##*/}") == "$line" ]] && rm -rf "$d"
	done
	for f in "$cache"/linux-image-*_*.deb; do
		[[ -e $f && $f != "$cache/${pkg}"_* ]] || continue
		a=${f##*/linux-image-}
		[[ $(line_of "${a%%_*}") == "$line" ]] && rm -f "$f"
	done
fi

# vmlinuz is a bzImage holding a compressed ELF vmlinux (xz up to 6.1, zstd
# on 6.12); qemu can boot that ELF directly through its PVH note if the
# kernel has CONFIG_PVH.
# elf_complete FILE: FILE is a 64-bit ELF whose section headers lie inside it.
elf_complete() {
	local shoff shentsize shnum size
	[[ $(head -c4 "$1") == $'\x7fELF' ]] || return 1
	read -r shoff < <(od -An -t u8 -j 40 -N 8 "$1")
	read -r shentsize shnum < <(od -An -t u2 -j 58 -N 4 "$1")
	size=$(stat -c %s "$1")
	((shoff > 0 && shoff + shentsize * shnum <= size))
}
# decompress MAGIC CMD...: the first stream with MAGIC in vmlinuz, through CMD.
decompress() {
	local magic=$1 off
	shift
	command -v "$1" >/dev/null || return 1
	off=$(LC_ALL=C grep -abo -m1 "$magic" "$root/boot/vmlinuz-$abi" | cut -d: -f1 | sed -n 1p) || true
	[[ -n $off ]] || return 1
	# The decompressor stops at the end of its stream, or fails on the data
	# after it: the ELF check below decides. (A pipe from tail would die of SIGPIPE.)
	"$@" >"$vmlinux.tmp" 2>/dev/null < <(tail -c +$((off + 1)) "$root/boot/vmlinuz-$abi") || true
	elf_complete "$vmlinux.tmp"
}
vmlinux=$root/vmlinux
if [[ $mode == --boot-image && ! -s $vmlinux ]] &&
	grep -qx CONFIG_PVH=y "$root/boot/config-$abi" 2>/dev/null; then
	if decompress $'\xfd7zXZ' xz -dcq --single-stream ||
		decompress $'\x28\xb5\x2f\xfd' zstd -dcq; then
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
