#!/bin/bash
# Boot a Debian distribution kernel under qemu with a throw-away initramfs,
# run a test script inside it and exit with that script's status.
#
#   tests/vm/run-vm.sh [--kernel LINE] [--timeout SECONDS] [--add HOST_PATH[:GUEST_PATH]]...
#                      [--dir HOST_DIR[:GUEST_DIR]]... -- GUEST_SCRIPT [ARGS...]
#   tests/vm/run-vm.sh [--kernel LINE] [--timeout SECONDS] --rootfs IMAGE
#   tests/vm/run-vm.sh [--kernel LINE] --print-accel
#
# Files land in /udstrace (the guest's cwd) unless an absolute GUEST_PATH is
# given; a relative GUEST_PATH is taken relative to /udstrace. Shared libraries
# of dynamically linked executables (and the loader) are copied along.
# GUEST_SCRIPT is a host file; the guest runs `sh /udstrace/NAME ARGS...` with
# stdin at /dev/null, UDSTRACE_VM=1 and /udstrace at the end of PATH.
# --kernel LINE (or $UDSTRACE_VM_KERNEL): 5.10, 6.1 (default) or 6.12, see kernel.sh.
# --timeout SECONDS: the run's deadline under KVM (default 300); under TCG it
# is multiplied by $UDSTRACE_VM_TCG_SCALE (default 3).
# --rootfs IMAGE boots a whole root file system instead (a raw ext4 image,
# the guest's /dev/vda, written to by the guest): the initramfs only loads
# the kernel's virtio and ext4 modules, mounts it and runs its /sbin/init
# (init-rootfs.sh). Something in IMAGE must print the two markers below on
# the serial console; the run ends when the guest powers off after the exit
# marker, or $UDSTRACE_VM_ROOTFS_GRACE seconds (default 60) after it.
# --print-accel prints the accelerator a run would use and why ("tcg (why)"),
# doing the KVM smoke boot if no verdict is cached, and exits.
#
# Accelerator (UDSTRACE_VM_ACCEL=auto|kvm|tcg, default auto): auto uses KVM
# only if /dev/kvm is writable and a smoke boot under KVM (the same kernel,
# an init that prints a marker and powers off) reaches the marker within
# $UDSTRACE_VM_SMOKE_TIMEOUT seconds (default 20): a /dev/kvm that makes qemu
# abort or the guest hang is not used. Otherwise TCG. The verdict is cached
# in the VM cache dir, keyed by host name, CPU model, qemu version, host
# kernel, boot id and the -cpu model for KVM. qemu's -cpu is
# $UDSTRACE_VM_KVM_CPU (default host) under KVM, $UDSTRACE_VM_TCG_CPU
# (default max) under TCG. TCG runs all vCPUs in one host thread unless
# UDSTRACE_VM_TCG_THREAD=multi: measured here, that is faster (a 6.1 core
# suite in 35 s against 46 s alone, and two VMs on two CPUs do not compete
# for threads), and no vCPU runs a stale translation of kernel text that
# another has just patched (an attach, a module load). Every run prints
# "# vm: accelerator X (why)" on stderr.
#
# Environment: UDSTRACE_VM_TIMEOUT (seconds, used as is with either
# accelerator, overrides --timeout), UDSTRACE_VM_MEM (1G),
# UDSTRACE_VM_SMP (2), UDSTRACE_VM_APPEND (extra kernel command line),
# UDSTRACE_VM_VERBOSE=1 (also show the kernel's boot output),
# UDSTRACE_VM_CACHE (kernel and verdict cache, see kernel.sh).
# Exit status: the guest script's, or 1 if the VM could not be run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${UDSTRACE_VM_CACHE:-$repo/.output/vm}
base_timeout=300
workdir=/udstrace
kernel_line=${UDSTRACE_VM_KERNEL:-6.1}
mem=${UDSTRACE_VM_MEM:-1G}
smp=${UDSTRACE_VM_SMP:-2}
kvm_cpu=${UDSTRACE_VM_KVM_CPU:-host}
tcg_cpu=${UDSTRACE_VM_TCG_CPU:-max}
tcg_thread=${UDSTRACE_VM_TCG_THREAD:-single}

die() { echo "vm: $*" >&2; exit 1; }
usage() { sed -n '5,8s/^#//p' "$0" >&2; exit 1; }

adds=() dirs=() print_accel='' rootfs=''
while (($#)); do
	case $1 in
	--add) (($# >= 2)) || usage; adds+=("$2"); shift 2 ;;
	--dir) (($# >= 2)) || usage; dirs+=("$2"); shift 2 ;;
	--kernel) (($# >= 2)) || usage; kernel_line=$2; shift 2 ;;
	--timeout) (($# >= 2)) || usage; [[ $2 =~ ^[1-9][0-9]*$ ]] || usage; base_timeout=$2; shift 2 ;;
	--print-accel) print_accel=1; shift ;;
	--rootfs) (($# >= 2)) || usage; rootfs=$2; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
if [[ -n $rootfs ]]; then
	(($# == 0 && ${#adds[@]} == 0 && ${#dirs[@]} == 0)) || usage
	[[ -f $rootfs ]] || die "root file system image $rootfs not found"
elif [[ -z $print_accel ]]; then
	(($# >= 1)) || usage
	script=$1; shift
	[[ -f $script ]] || die "guest script $script not found"
fi

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
kernel=$("$here/kernel.sh" --kernel "$kernel_line" --boot-image) ||
	die "cannot obtain the Debian $kernel_line kernel"

# --- accelerator ------------------------------------------------------------
smoke_pid=
trap '[[ -z $smoke_pid ]] || kill -9 "$smoke_pid" 2>/dev/null' EXIT
# smoke_boot: boot $kernel under KVM with an init that only prints a marker
# and powers off. Succeeds if the marker shows up in time; else sets smoke_why.
smoke_boot() {
	local d pid deadline line t0 secs=${UDSTRACE_VM_SMOKE_TIMEOUT:-20} status
	d=$(mktemp -d "${TMPDIR:-/tmp}/udstrace-vm-smoke.XXXXXX")
	mkdir -p "$d/root/bin" "$d/root/dev" "$d/root/proc"
	cp "$busybox" "$d/root/bin/busybox"
	printf '%s\n' '#!/bin/busybox sh' \
		'/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null' \
		'exec >/dev/console 2>&1' \
		'echo UDSTRACE-VM-SMOKE-OK' \
		'/bin/busybox poweroff -f' >"$d/root/init"
	chmod 755 "$d/root/init"
	mknod -m 600 "$d/root/dev/console" c 5 1 2>/dev/null || true
	(cd "$d/root" && find . | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$d/initrd.gz"
	t0=$SECONDS
	# bash reports a child that died of a signal (qemu's abort) on its own
	# stderr, whoever waits for it: silence that for the smoke boot.
	exec 7>&2 2>/dev/null
	qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
		-accel kvm -cpu "$kvm_cpu" -m "$mem" -smp "$smp" \
		-serial stdio -kernel "$kernel" -initrd "$d/initrd.gz" \
		-append "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=3" \
		>"$d/out" 2>&1 </dev/null &
	pid=$! smoke_pid=$!
	deadline=$((SECONDS + secs))
	smoke_why=
	while :; do
		if grep -q UDSTRACE-VM-SMOKE-OK "$d/out"; then
			smoke_why="kvm smoke boot reached the guest in $((SECONDS - t0))s"
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			status=0
			wait "$pid" || status=$?
			pid='' smoke_pid=
			if grep -q UDSTRACE-VM-SMOKE-OK "$d/out"; then
				smoke_why="kvm smoke boot reached the guest in $((SECONDS - t0))s"
				break
			fi
			line=$(grep -m1 -E 'qemu-system-x86_64: ' "$d/out" | sed 's/^qemu-system-x86_64: //; s/^error: //' || true)
			smoke_why="kvm smoke boot failed: qemu aborted: ${line:-exit status $status, no message}"
			break
		fi
		if ((SECONDS >= deadline)); then
			smoke_why="kvm smoke boot failed: the guest did not start within ${secs}s"
			break
		fi
		sleep 0.1
	done
	if [[ -n $pid ]]; then
		kill "$pid" 2>/dev/null || true
		sleep 0.2
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		smoke_pid=
	fi
	exec 2>&7 7>&-
	rm -rf "$d"
	[[ $smoke_why == "kvm smoke boot reached"* ]]
}

# choose_accel: sets accel (kvm or tcg), accel_why and accel_args.
choose_accel() {
	local key f verdict why
	case ${UDSTRACE_VM_ACCEL:-auto} in
	tcg) accel=tcg accel_why="UDSTRACE_VM_ACCEL=tcg" ;;
	kvm) accel=kvm accel_why="UDSTRACE_VM_ACCEL=kvm" ;;
	auto)
		if [[ ! -w /dev/kvm ]]; then
			accel=tcg accel_why="no writable /dev/kvm"
		else
			key=$({
				hostname
				sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1
				qemu-system-x86_64 --version | head -n1
				uname -r
				cat /proc/sys/kernel/random/boot_id 2>/dev/null
				echo "$kvm_cpu"
			} | sha256sum | cut -c1-16)
			f=$cache/accel-$key
			mkdir -p "$cache"
			exec 8>"$cache/.accel.lock"
			flock 8 # one smoke boot at a time; the others read its verdict
			if [[ -s $f ]] && IFS=$'\t' read -r verdict why <"$f" && [[ $verdict == kvm || $verdict == tcg ]]; then
				accel=$verdict accel_why="$why; cached verdict"
			else
				if smoke_boot; then accel=kvm; else accel=tcg; fi
				accel_why=$smoke_why
				printf '%s\t%s\n' "$accel" "$accel_why" >"$f.tmp" && mv "$f.tmp" "$f"
			fi
			exec 8>&-
		fi ;;
	*) die "UDSTRACE_VM_ACCEL=${UDSTRACE_VM_ACCEL}: want auto, kvm or tcg" ;;
	esac
	case $accel in
	kvm) accel_args=(-accel kvm -cpu "$kvm_cpu") ;;
	tcg) accel_args=(-accel "tcg,thread=$tcg_thread" -cpu "$tcg_cpu") ;;
	esac
}
choose_accel
if [[ -n $print_accel ]]; then
	echo "$accel ($accel_why)"
	exit 0
fi
if [[ -n ${UDSTRACE_VM_TIMEOUT:-} ]]; then
	timeout_s=$UDSTRACE_VM_TIMEOUT
elif [[ $accel == tcg ]]; then
	timeout_s=$((base_timeout * ${UDSTRACE_VM_TCG_SCALE:-3}))
else
	timeout_s=$base_timeout
fi
echo "# vm: accelerator $accel ($accel_why)" >&2
kabi=${kernel#"$cache"/}
cpus="$smp vCPUs"
[[ $accel != tcg ]] || cpus+=" ($tcg_thread-threaded TCG)"
echo "# vm: kernel $kernel_line (${kabi%%/*}), $cpus, $mem, timeout ${timeout_s}s" >&2

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

# rootfs_modules MODULE...: the modules' files under the kernel's module
# tree, each after the ones it depends on (modinfo; the extracted package
# has no modules.dep).
rootfs_modules() {
	local m f
	for m in "$@"; do
		[[ " $seen " != *" $m "* ]] || continue
		seen+=" $m"
		f=$(find "$moddir/kernel" -name "$m.ko" -o -name "${m//_/-}.ko" | head -n1)
		[[ -n $f ]] || die "module $m not found under $moddir"
		# shellcheck disable=SC2046 # a comma-separated list
		rootfs_modules $(modinfo -F depends "$f" | tr , ' ')
		echo "$f"
	done
}
if [[ -n $rootfs ]]; then
	seen=
	moddir=$("$here/kernel.sh" --kernel "$kernel_line" --moddir)
	mkdir -p "$root/modules"
	# crc32c: ext4's checksums, which it asks the crypto API for by name.
	rootfs_modules virtio_pci virtio_blk crc32c_generic ext4 | while read -r f; do
		cp "$f" "$root/modules/"
		echo "${f##*/}"
	done >"$root/etc/vm-modules"
	cp "$here/init-rootfs.sh" "$root/init"
fi

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
[[ -n $rootfs ]] || cp "$script" "$root$workdir/${script##*/}"

quote() { local s=${1//\'/\'\\\'\'}; printf "'%s' " "$s"; } # single-quote for sh
[[ -n $rootfs ]] || {
	printf 'VM_SCRIPT=%s\n' "$(quote "$workdir/${script##*/}")"
	printf 'VM_LIBPATH=%s\n' "$(IFS=:; quote "${libdirs[*]}")"
	printf 'set -- '
	for arg in "$@"; do quote "$arg"; done
	echo
} >"$root/etc/udstrace-vm.cmd"

(cd "$root" && find . | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$tmp/initrd.gz"

# --- boot -------------------------------------------------------------------
log=$tmp/console.log
started=${UDSTRACE_VM_VERBOSE:-}
[[ $started == 1 ]] || started=
status=
mkfifo "$tmp/console"
disk=() append="console=ttyS0 rdinit=/init panic=-1 quiet loglevel=3"
if [[ -n $rootfs ]]; then
	disk=(-drive "file=$rootfs,format=raw,if=virtio")
	# systemd: no status lines on the console, no first-boot questions.
	append+=" systemd.show_status=false systemd.firstboot=off"
fi
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
	-nodefaults -no-user-config -display none -no-reboot \
	"${accel_args[@]}" -m "$mem" -smp "$smp" "${disk[@]}" \
	-serial stdio -kernel "$kernel" -initrd "$tmp/initrd.gz" \
	-append "$append ${UDSTRACE_VM_APPEND:-}" \
	>"$tmp/console" 2>&1 </dev/null &
qemu_pid=$!
# A root file system's init powers off in its own time after the exit
# marker: this long at most, then qemu is stopped.
read_t=() grace_end=
# The console is streamed line by line: \r is dropped, kernel boot noise
# before the guest's start marker is hidden (unless verbose), and so is
# everything after the exit marker (the power-off messages).
while IFS= read -r "${read_t[@]}" line || [[ -n $line ]]; do
	if [[ -n $grace_end ]] && ((SECONDS >= grace_end)); then
		break
	fi
	line=${line//$'\r'/}
	printf '%s\n' "$line" >>"$log"
	if [[ -z $status && $line =~ UDSTRACE-VM-EXIT=([0-9]+) ]]; then
		status=${BASH_REMATCH[1]}
		pre=${line%%UDSTRACE-VM-EXIT=*} # output without a final newline
		[[ -z $pre || -z $started ]] || printf '%s\n' "$pre"
		printf 'UDSTRACE-VM-EXIT=%s\n' "$status"
		if [[ -n $rootfs ]]; then
			grace=${UDSTRACE_VM_ROOTFS_GRACE:-60}
			read_t=(-t "$grace")
			grace_end=$((SECONDS + grace))
		fi
	elif [[ -z $started && $line == *UDSTRACE-VM-START* ]]; then
		started=1
	elif [[ -n $started && -z $status ]]; then
		printf '%s\n' "$line"
	fi
done <"$tmp/console"
[[ -z $grace_end ]] || kill "$qemu_pid" 2>/dev/null || true
wait "$qemu_pid" || true
qemu_pid=

if [[ -z $status ]]; then
	[[ -n $started ]] || { echo "vm: console output:"; cat "$log" 2>/dev/null; } >&2
	die "guest did not report an exit status (boot failure or timeout after ${timeout_s}s)"
fi
exit "$status"
