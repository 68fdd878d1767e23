#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the initramfs that boots a root file system image (run-vm.sh
# --rootfs): loads the kernel modules the disk needs (the distribution
# kernel has virtio and ext4 as modules; /etc/vm-modules lists them, each
# after those it depends on), mounts /dev/vda and hands over to its
# /sbin/init. A failure is one line on the console, and the VM powers off.
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1

die() {
	echo "vm-init: $*"
	poweroff -f
}
while read -r m; do
	insmod "/modules/$m" || die "insmod $m failed"
done </etc/vm-modules
# virtio_blk probes the disk asynchronously: wait for it, 30 s at most.
i=0
while [ ! -b /dev/vda ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
mount -t ext4 -o rw /dev/vda /newroot || die "cannot mount /dev/vda"
[ -L /newroot/sbin/init ] || [ -e /newroot/sbin/init ] || die "no /sbin/init on /dev/vda"
umount /sys /proc /dev
exec switch_root /newroot /sbin/init
