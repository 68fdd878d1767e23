#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# dist/udstrace-exporter.service under a real systemd: a Debian 12 root
# file system with systemd 252 as init (tests/vm/rootfs.sh, cached), a copy
# of it per run into which `make install DESTDIR=... PREFIX=/usr/local`
# installs udstrace and `systemctl --root enable` enables the unit, as an
# operator would. Booted with Debian's 6.1 kernel (run-vm.sh --rootfs),
# the exporter starts with multi-user.target; a oneshot unit after that
# (guest-service.sh) scrapes it around a workload, checks the counts, the
# user and capabilities it runs with, stops it, and powers off.
# UDSTRACE_SKIP_VM=1 skips it; the kernel is UDSTRACE_VM_KERNEL (6.1), and
# a UDSTRACE_VM_KERNELS list without it skips it too.
. "$(dirname "$0")/../lib.sh"

KERNEL=${UDSTRACE_VM_KERNEL:-6.1}
N=1000 M=7 K=500 S=100
if [ "${UDSTRACE_SKIP_VM:-0}" = 1 ]; then
	skip "vm $KERNEL service" "UDSTRACE_SKIP_VM=1 was set"
	exit 0
fi
if [ -n "${UDSTRACE_VM_KERNELS:-}" ] && [[ " $UDSTRACE_VM_KERNELS " != *" $KERNEL "* ]]; then
	skip "vm $KERNEL service" "UDSTRACE_VM_KERNELS=$UDSTRACE_VM_KERNELS leaves out $KERNEL (UDSTRACE_VM_KERNEL)"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	skip "vm $KERNEL service" "needs root (debootstrap, and a root file system owned by root)"
	exit 0
fi
for c in mkfs.ext4 systemctl; do
	if ! command -v $c >/dev/null; then
		fail "vm $KERNEL service" "$c is not installed (e2fsprogs, systemd)"
		exit 0
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/udstrace-service.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
t0=$SECONDS
if ! base=$("$TOP/tests/vm/rootfs.sh" 2>"$tmp/rootfs.err"); then
	fail "vm $KERNEL service: root file system" "$(tail -n 3 "$tmp/rootfs.err" | xargs)"
	exit 0
fi
grep '^vm: root file system built' "$tmp/rootfs.err" | sed 's/^vm:/# vm service:/'

# The operator's steps, on a copy of the cached tree.
root=$tmp/root
cp -a "$base" "$root"
if ! make -C "$TOP" --no-print-directory install DESTDIR="$root" PREFIX=/usr/local >"$tmp/log" 2>&1; then
	fail "vm $KERNEL service: make install" "$(tail -n 3 "$tmp/log" | xargs)"
	exit 0
fi
if ! systemctl --root="$root" enable udstrace-exporter.service >"$tmp/log" 2>&1; then
	fail "vm $KERNEL service: systemctl --root enable" "$(tail -n 3 "$tmp/log" | xargs)"
	exit 0
fi
check "vm $KERNEL service: enabled for multi-user.target" \
	"$(readlink "$root/etc/systemd/system/multi-user.target.wants/udstrace-exporter.service")" \
	/usr/local/lib/systemd/system/udstrace-exporter.service

# The test: a oneshot after multi-user.target, in a target of its own that
# the guest boots into, writing to the serial console; it powers the guest
# off when it ends, however it ends (run-vm.sh's deadline covers the rest).
mkdir -p "$root/udstrace"
cp "$WORKLOAD" "$root/udstrace/workload"
cp "$TOP/tests/wait.sh" "$TOP/tests/vm/guest-service.sh" "$root/udstrace/"
cat >"$root/etc/systemd/system/udstrace-vmtest.target" <<'EOF'
[Unit]
Description=udstrace VM test
Requires=multi-user.target udstrace-vmtest.service
After=multi-user.target
AllowIsolate=yes
EOF
cat >"$root/etc/systemd/system/udstrace-vmtest.service" <<EOF
[Unit]
Description=udstrace VM test of udstrace-exporter.service
After=multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/bin/bash /udstrace/guest-service.sh $N $M $K $S
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no
TimeoutStartSec=300
EOF
ln -sfn udstrace-vmtest.target "$root/etc/systemd/system/default.target"

# An ext4 image of the tree, with room to spare for the journal.
img=$tmp/root.img
size=$(($(du -sm "$root" | cut -f1) + 64))
if ! mkfs.ext4 -q -F -L udstrace-root -d "$root" "$img" "${size}M" >"$tmp/log" 2>&1; then
	fail "vm $KERNEL service: mkfs.ext4 -d" "$(tail -n 3 "$tmp/log" | xargs)"
	exit 0
fi
echo "# vm service: image of ${size} MB made in $((SECONDS - t0)) s"

t1=$SECONDS
st=0
"$TOP/tests/vm/run-vm.sh" --kernel "$KERNEL" --timeout 200 --rootfs "$img" >"$tmp/out" 2>&1 || st=$?
echo "# vm service: the VM ran for $((SECONDS - t1)) s"
grep '^#' "$tmp/out"
grep -E '^(PASS|FAIL|SKIP) ' "$tmp/out" | sed -E "s/^(PASS|FAIL|SKIP) /\1 vm $KERNEL service: /"
if [ $st != 0 ] || ! grep -q '^@@end' "$tmp/out"; then
	fail "vm $KERNEL service: guest finished" "exit status $st; last lines: $(grep -v '^#' "$tmp/out" | tail -n 15 | xargs)"
	exit 0
fi
pass "vm $KERNEL service: guest finished"
sed -n 's/^@@journal /# vm service: journal: /p' "$tmp/out"

# The exposure score of the running unit against the README's.
score=$(sed -n 's/^@@security //p' "$tmp/out")
line=$(grep -o 'exposure level of \*\*[0-9.]*\*\* with systemd [0-9]*' "$TOP/README.md")
check "vm $KERNEL service: systemd-analyze security on the running unit: the README's score" \
	"exposure level of **$score** with systemd 252" "$line"
