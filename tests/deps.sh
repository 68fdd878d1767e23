#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Installs what building and testing need, from Debian's packages, when
# missing. Used by make test and make demo.
set -eu
build="clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc"
# libclang-rt-dev: libFuzzer and the sanitizers for tests/fuzz.
# man-db: man --warnings on the man pages; systemd: systemd-analyze for the unit.
# prometheus (and its promtool), curl and python3: the exporter's tests.
# debootstrap, e2fsprogs (mkfs.ext4 -d): the systemd root file system of tests/vm/test-service.sh.
# tmux: the live view's test (tests/live/top.sh) reads its screen.
test="jq util-linux graphviz gcc-multilib valgrind strace libclang-rt-dev libcap2-bin man-db systemd
prometheus curl python3 tmux"
vm="qemu-system-x86 busybox-static cpio debootstrap e2fsprogs"
want="$build"
case "${1:-test}" in
test) want="$build $test $vm" ;;
build) ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
