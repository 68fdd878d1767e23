#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# dist/udstrace-exporter.service on the running kernel, without systemd
# (this host's PID 1 is not systemd, so the unit itself cannot start here).
# What the unit grants is read from the unit file and rebuilt by hand: a
# fresh uid as DynamicUser= makes, exactly the capabilities of
# AmbientCapabilities= (and CapabilityBoundingSet= must be the same set),
# no_new_privs, every mount read-only
# (ProtectSystem=strict, ProtectKernelTunables=), an empty /tmp
# (PrivateTmp=), no /home, /root or /run/user (ProtectHome=), and a /proc
# that shows only the service's own processes (ProtectProc=invisible). Under
# that, a run counts a workload exactly. Then every system call udstrace makes
# in a system-wide run, as the service runs it, must be one
# SystemCallFilter= allows (systemd-analyze expands the groups).
. "$(dirname "$0")/../lib.sh"
UNIT=$TOP/dist/udstrace-exporter.service

if [ "$(id -u)" -ne 0 ]; then
	skip "service sandbox" "needs root to build the sandbox"
	exit 0
fi
for c in setpriv unshare prlimit findmnt; do
	if ! command -v $c >/dev/null; then
		skip "service sandbox" "$c (util-linux) is not installed"
		exit 0
	fi
done

# (RLIMIT_MEMLOCK, LimitMEMLOCK=, matters before 5.11 only; raising it here
# needs CAP_SYS_RESOURCE, which a container may lack.)

# directive NAME: the unit's value of NAME (one line each, as the unit has).
directive() { sed -n "s/^$1=//p" "$UNIT"; }

amb=$(directive AmbientCapabilities)
check "unit: CapabilityBoundingSet= is AmbientCapabilities=" "$(directive CapabilityBoundingSet)" "$amb"
for d in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
	PrivateTmp=yes ProtectKernelTunables=yes ProtectProc=invisible \
	"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"; do
	if grep -qx -- "$d" "$UNIT"; then
		pass "unit: $d"
	else
		fail "unit: $d" "not in $UNIT (the sandbox below assumes it)"
	fi
done
# CAP_BPF CAP_PERFMON -> +bpf,+perfmon, setpriv's spelling.
caps=$(tr ' ' '\n' <<<"$amb" | sed -n 's/^CAP_\(.*\)/+\L\1/p' | paste -sd,)
if [ -z "$caps" ]; then
	fail "unit: capabilities" "no AmbientCapabilities= in $UNIT"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
# The sandbox hides /tmp, /home and /root: the programs under test must be
# elsewhere (the sanitized pass runs them from /tmp and skips this script).
for p in "$UDSTRACE" "$WORKLOAD"; do
	case $(readlink -f "$p") in
	/tmp/* | /home/* | /root/* | /run/user/*)
		skip "service sandbox" "$p is under a directory the sandbox hides"
		exit 0 ;;
	esac
done
# A uid of DynamicUser='s range (61184-65519) that no process here has.
uid=61184
while [ $uid -lt 65519 ] && pgrep -U $uid >/dev/null; do uid=$((uid + 1)); done

# sandboxed CMD...: CMD as the service would run, in a mount and PID
# namespace of its own, so nothing here is changed for anyone else.
sandboxed() {
	unshare --mount --pid --fork --propagation private /bin/sh -s "$uid" "$caps" "$@" <<'SH'
uid=$1 caps=-all,$2
shift 2
set -e
# ProtectProc=invisible: a /proc of this PID namespace with hidepid.
mount -t proc -o hidepid=invisible proc /proc
# PrivateTmp=, ProtectHome=: empty and nothing.
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
for d in /home /root /run/user; do
	[ -d $d ] && mount -t tmpfs -o mode=000 tmpfs $d
done
# ProtectSystem=strict, ProtectKernelTunables=: every mount read-only but
# /proc's PIDs and /tmp (/sys included: the BPF file system, tracefs).
findmnt -rno TARGET | while read -r m; do
	case $m in
	/proc | /tmp | /var/tmp) ;;
	*) mount -o remount,bind,ro "$m" 2>/dev/null || true ;;
	esac
done
mount -o remount,bind,ro /proc/sys 2>/dev/null || mount --bind -o ro /proc/sys /proc/sys
exec setpriv --reuid=$uid --regid=$uid --clear-groups \
	--no-new-privs --inh-caps=$caps --ambient-caps=$caps --bounding-set=$caps "$@"
SH
}

# The sandbox is what it claims: a write anywhere fails, the capabilities
# are exactly the unit's, no_new_privs is set.
got=$(sandboxed /bin/sh -c '
	touch /etc/udstrace-sandbox-test 2>/dev/null && echo etc-writable
	touch /sys/fs/bpf/udstrace-sandbox-test 2>/dev/null && echo bpffs-writable
	ls /root >/dev/null 2>&1 && echo root-readable
	id -u; grep -E "^(CapEff|CapAmb|CapBnd|NoNewPrivs):" /proc/self/status | xargs
	ls /proc | grep -c "^[0-9]"' 2>&1)
# CAP_BPF is bit 39, CAP_PERFMON 38: 0xc000000000.
want_caps=0
for c in $amb; do
	case $c in
	CAP_BPF) want_caps=$((want_caps | 1 << 39)) ;;
	CAP_PERFMON) want_caps=$((want_caps | 1 << 38)) ;;
	*) fail "service sandbox: capability" "$c: the test knows CAP_BPF and CAP_PERFMON only" ;;
	esac
done
hex=$(printf %016x $want_caps)
check "service sandbox: read-only, no /root, uid, capabilities, no_new_privs, own processes only" \
	"$(xargs <<<"$got")" \
	"$uid CapEff: $hex CapBnd: $hex CapAmb: $hex NoNewPrivs: 1 3"

# What the unit grants is enough: exact counts (the unit's own run is
# system-wide; a command makes the counts exact and checkable).
N=1000 M=7 K=500 S=100
out=$(sandboxed timeout -s KILL 120 "$UDSTRACE" --json -- "$WORKLOAD" -u $N -c $M -t $K -s $S \
	2>"$tmp/err")
check "service sandbox: exit status" "$?" 0
check_counts "service sandbox" "$out" $M $N $((N * S)) $K $((K * S))
check "service sandbox: stderr" "$(cat "$tmp/err")" \
	"udstrace: tracing the command and its children. Hit Ctrl-C to end."

# --- SystemCallFilter= --------------------------------------------------------
if ! command -v strace >/dev/null || ! command -v systemd-analyze >/dev/null; then
	skip "service: system calls" "needs strace and systemd-analyze (systemd)"
	exit 0
fi
# The calls the filter allows: its groups expanded (a group lists the groups
# it includes by name), and the names as they are.
expand() {
	local f
	for f in "$@"; do
		case $f in
		@*) expand $(systemd-analyze syscall-filter "$f" | sed -n 's/^ \+\([@a-z0-9_-]\+\)$/\1/p') ;;
		*) echo "$f" ;;
		esac
	done
}
allowed=$tmp/allowed
expand $(directive SystemCallFilter) | sort -u >"$allowed"
if [ ! -s "$allowed" ]; then
	fail "service: system calls" "no SystemCallFilter= in $UNIT, or systemd-analyze expanded nothing"
	exit 0
fi
# System-wide as the service, with a table every 0.2 s, under strace (as root:
# the calls are the same). The workload runs meanwhile so every path fires.
"$WORKLOAD" -w -u $N -c $M -t $K -s $S >"$tmp/w" &
wpid=$!
wait_until 30 grep -q ready "$tmp/w" || fail "service: system calls: workload ready" "not within 30 s"
timeout -s KILL 60 strace -f -qq -o "$tmp/strace" "$UDSTRACE" --json -d 2 -i 0.2 >"$tmp/out" 2>"$tmp/err" &
spid=$!
wait_until 30 grep -q tracing "$tmp/err"
kill -USR1 $wpid
wait_pid 60 $wpid >/dev/null
wait_pid 60 $spid
check "service: system-wide run under strace: exit status" "$?" 0
made=$(sed -n -E 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' "$tmp/strace" | sort -u)
if [ -z "$made" ]; then
	fail "service: system calls" "strace recorded nothing"
else
	check "service: every system call of a system-wide run is in SystemCallFilter= ($(wc -l <<<"$made") calls)" \
		"$(comm -23 <(echo "$made") "$allowed" | xargs)" ""
fi
