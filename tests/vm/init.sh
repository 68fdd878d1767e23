#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the test VM (copied to /init of the initramfs by run-vm.sh).
# Mounts the pseudo filesystems the tests need, brings up loopback, runs the
# guest script from /etc/udstrace-vm.cmd, reports its status on the console
# with a marker line that run-vm.sh looks for, and powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/udstrace HOME=/root UDSTRACE_VM=1
/bin/busybox mkdir -p /proc
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s # symlinks for all applets; keeps files added by run-vm.sh

mnt() { # mnt TYPE DIR [OPTS]
	mkdir -p "$2" && mount -t "$1" ${3:+-o "$3"} "$1" "$2" ||
		echo "vm-init: cannot mount $1 on $2" >&2
}
mnt sysfs /sys
mnt devtmpfs /dev
exec </dev/null >/dev/console 2>&1
mnt devpts /dev/pts
mnt tmpfs /dev/shm
mnt tmpfs /tmp mode=1777
mnt tmpfs /run
mnt debugfs /sys/kernel/debug
mnt tracefs /sys/kernel/tracing
mnt bpf /sys/fs/bpf
mnt cgroup2 /sys/fs/cgroup
hostname udstrace-vm
ip link set lo up || echo "vm-init: cannot bring up lo" >&2

# Sets VM_LIBPATH, VM_SCRIPT and the positional parameters (quoted by run-vm.sh).
# shellcheck source=/dev/null
. /etc/udstrace-vm.cmd
[ -z "$VM_LIBPATH" ] || export LD_LIBRARY_PATH="$VM_LIBPATH"

cd /udstrace || exit 1
echo "UDSTRACE-VM-START"
sh "$VM_SCRIPT" "$@"
rc=$?
echo "UDSTRACE-VM-EXIT=$rc"
sync
poweroff -f
# If poweroff fails, PID 1 exits: panic=-1 reboots and qemu -no-reboot quits.
