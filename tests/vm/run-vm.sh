#!/bin/bash
# Boot Debian's distribution kernel under qemu with a throw-away initramfs,
# run a test script inside it and exit with that script's status.
#
#   tests/vm/run-vm.sh [--add HOST_PATH[:GUEST_PATH]]... [--dir HOST_DIR[:GUEST_DIR]]...
#                      -- GUEST_SCRIPT [ARGS...]
#
# Files land in /udstrace (the guest's cwd) unless an absolute GUEST_PATH is
# given; a relative GUEST_PATH is taken relative to /udstrace. Shared libraries
# of dynamically linked executables (and the loader) are copied along.
# GUEST_SCRIPT is a host file; the guest runs `sh /udstrace/NAME ARGS...` with
# stdin at /dev/null, UDSTRACE_VM=1 and /udstrace at the end of PATH.
#
# Environment: UDSTRACE_VM_TIMEOUT (seconds, default 300), UDSTRACE_VM_MEM (1G),
# UDSTRACE_VM_SMP (2), UDSTRACE_VM_APPEND (extra kernel command line),
# UDSTRACE_VM_VERBOSE=1 (also show the kernel's boot output),
# UDSTRACE_VM_CACHE (kernel cache, see kernel.sh).
# Exit status: the guest script's, or 1 if the VM could not be run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout_s=${UDSTRACE_VM_TIMEOUT:-300}
workdir=/udstrace

die() { echo "vm: $*" >&2; exit 1; }
usage() { sed -n '5,6s/^#//p' "$0" >&2; exit 1; }

adds=() dirs=()
while (($#)); do
	case $1 in
	--add) (($# >= 2)) || usage; adds+=("$2"); shift 2 ;;
	--dir) (($# >= 2)) || usage; dirs+=("$2"); shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
(($# >= 1)) || usage
script=$1; shift
[[ -f $script ]] || die "guest script $script not found"

# --- host tools -------------------------------------------------------------
static_busybox() { # prints the path of a statically linked busybox, if any
	local b
	for b in /bin/busybox /usr/bin/busybox; do
		[[ -x $b ]] && ! ldd "$b" >/dev/null 2>&1 && { echo "$b"; return; }
	done
	return 1
}
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
static_busybox >/dev/null || need+=(busybox-static)
command -v xz >/dev/null || need+=(xz-utils) # optional, see kernel.sh --boot-image
if ((${#need[@]})); then
	echo "vm: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${need[@]}" >&2 ||
		{ apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${need[@]}" >&2; } ||
		die "cannot install ${need[*]}"
fi
busybox=$(static_busybox) || die "no statically linked busybox (package busybox-static)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"
kernel=$("$here/kernel.sh" --boot-image) || die "cannot obtain the Debian kernel"

# --- initramfs --------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/udstrace-vm.XXXXXX")
qemu_pid=
# timeout(1) runs qemu in its own process group: stop it if we are interrupted.
trap '[[ -z $qemu_pid ]] || kill "$qemu_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,dev,proc,sys,tmp,run}
echo "127.0.0.1 localhost" >"$root/etc/hosts"
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true # kernel has its own otherwise
cp "$busybox" "$root/bin/busybox" # init.sh creates the applet symlinks
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"

libdirs=()
# Guest paths under these are hidden by the mounts init.sh makes.
hidden() { [[ $1 =~ ^/(tmp|run|dev|proc|sys)(/|$) ]]; }
copy_libs() { # copy_libs HOST_FILE: add the shared objects it needs
	local out name arrow path dst
	[[ -f $1 && -x $1 ]] || return 0
	out=$(ldd "$1" 2>/dev/null) || return 0 # static or not an ELF executable
	if grep -q 'not found' <<<"$out"; then
		die "$1: missing shared libraries: $(grep 'not found' <<<"$out" | tr -s ' \t\n' ' ')"
	fi
	# Lines are "libx.so.1 => /path/libx.so.1 (addr)", "/lib64/ld-linux-x86-64.so.2
	# (addr)" (the loader, needed at exactly that path) or "linux-vdso.so.1 (addr)".
	# Libraries keep their host path (so RPATHs work) unless the guest hides it.
	while read -r name arrow path _; do
		if [[ $name == /* ]]; then
			path=$name dst=$name
		elif [[ $arrow == "=>" && $path == /* ]]; then
			dst=$path
			! hidden "$dst" || dst=/usr/lib/udstrace-vm/$name
		else
			continue
		fi
		[[ -e $root$dst ]] && continue
		mkdir -p "$root${dst%/*}"
		cp -L "$path" "$root$dst"
		[[ " ${libdirs[*]} " == *" ${dst%/*} "* ]] || libdirs+=("${dst%/*}")
	done <<<"$out"
}
guest_path() { # guest_path HOST GUEST: resolve GUEST (may be empty) to an absolute path
	local g=${2:-${1##*/}}
	[[ $g == /* ]] || g=$workdir/$g
	[[ $g != */ ]] || g=$g${1##*/}
	! hidden "$g" || die "guest path $g would be hidden by a mount in the guest"
	echo "$g"
}

mkdir -p "$root$workdir"
for a in "${adds[@]}"; do
	h=${a%%:*} g=
	[[ $a != *:* ]] || g=${a#*:}
	[[ -f $h ]] || die "--add $h: no such file"
	g=$(guest_path "$h" "$g")
	mkdir -p "$root${g%/*}"
	cp -L "$h" "$root$g"
	copy_libs "$h"
done
for d in "${dirs[@]}"; do
	h=${d%%:*} g=
	[[ $d != *:* ]] || g=${d#*:}
	[[ -d $h ]] || die "--dir $h: no such directory"
	g=$(guest_path "${h%/}" "$g")
	mkdir -p "$root$g"
	cp -a "$h/." "$root$g/"
	while IFS= read -r -d '' f; do copy_libs "$f"; done < <(find "$h" -type f -perm -u+x -print0)
done
cp "$script" "$root$workdir/${script##*/}"

quote() { local s=${1//\'/\'\\\'\'}; printf "'%s' " "$s"; } # single-quote for sh
{
	printf 'VM_SCRIPT=%s\n' "$(quote "$workdir/${script##*/}")"
	printf 'VM_LIBPATH=%s\n' "$(IFS=:; quote "${libdirs[*]}")"
	printf 'set -- '
	for arg in "$@"; do quote "$arg"; done
	echo
} >"$root/etc/udstrace-vm.cmd"

(cd "$root" && find . | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$tmp/initrd.gz"

# --- boot -------------------------------------------------------------------
accel=(-accel tcg -cpu max)
[[ -w /dev/kvm ]] && accel=(-accel kvm -cpu host)
log=$tmp/console.log
started=${UDSTRACE_VM_VERBOSE:-}
[[ $started == 1 ]] || started=
status=
mkfifo "$tmp/console"
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
	-nodefaults -no-user-config -display none -no-reboot \
	"${accel[@]}" -m "${UDSTRACE_VM_MEM:-1G}" -smp "${UDSTRACE_VM_SMP:-2}" \
	-serial stdio -kernel "$kernel" -initrd "$tmp/initrd.gz" \
	-append "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=3 ${UDSTRACE_VM_APPEND:-}" \
	>"$tmp/console" 2>&1 </dev/null &
qemu_pid=$!
# The console is streamed line by line: \r is dropped, kernel boot noise
# before the guest's start marker is hidden (unless verbose), and so is
# everything after the exit marker (the power-off messages).
while IFS= read -r line || [[ -n $line ]]; do
	line=${line//$'\r'/}
	printf '%s\n' "$line" >>"$log"
	if [[ -z $status && $line =~ UDSTRACE-VM-EXIT=([0-9]+) ]]; then
		status=${BASH_REMATCH[1]}
		pre=${line%%UDSTRACE-VM-EXIT=*} # output without a final newline
		[[ -z $pre || -z $started ]] || printf '%s\n' "$pre"
		printf 'UDSTRACE-VM-EXIT=%s\n' "$status"
	elif [[ -z $started && $line == *UDSTRACE-VM-START* ]]; then
		started=1
	elif [[ -n $started && -z $status ]]; then
		printf '%s\n' "$line"
	fi
done <"$tmp/console"
wait "$qemu_pid" || true
qemu_pid=

if [[ -z $status ]]; then
	[[ -n $started ]] || { echo "vm: console output:"; cat "$log" 2>/dev/null; } >&2
	die "guest did not report an exit status (boot failure or timeout after ${timeout_s}s)"
fi
exit "$status"
