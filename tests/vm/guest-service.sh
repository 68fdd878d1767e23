#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs in the systemd VM of tests/vm/test-service.sh, as udstrace-vmtest.service,
# a oneshot unit after multi-user.target, with its output on the serial
# console: what an operator sees of udstrace-exporter.service, installed by
# make install and enabled, as systemd 252 runs it.
#
#   guest-service.sh N M K S    the workload's AF_UNIX sends, connects, TCP
#                               sends and bytes per send
#
# It prints PASS/FAIL/SKIP lines and "# " notes between the markers
# run-vm.sh looks for; the unit powers the VM off when it ends.
N=$1 M=$2 K=$3 S=$4
UNIT=udstrace-exporter.service
cd /udstrace || exit 1
. ./wait.sh
echo UDSTRACE-VM-START

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
check() { if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi; }

echo "# guest: $(systemctl --version | head -n1), kernel $(uname -r)"

# scrape FILE: GET /metrics into FILE (the whole response, headers too),
# through bash's /dev/tcp: one connection, one write of the request.
REQ=$'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'
scrape() {
	exec 3<>/dev/tcp/127.0.0.1/9435 || return 1
	printf '%s' "$REQ" >&3
	timeout 10 cat <&3 >"$1"
	exec 3<&-
	grep -q '^HTTP/1\.[01] 200 ' "$1"
}
# metric FILE NAME PATH: NAME{path="PATH"}'s value in a scrape.
metric() {
	sed -n "s/^$2{path=\"$3\"} \([0-9]*\)\$/\1/p" "$1"
}
# answering SECONDS: the first scrape, tried until SECONDS of wall time
# have passed (wait_until counts its steps, and a step of forks is slow
# under TCG).
answering() {
	local end=$((SECONDS + $1))
	until scrape /tmp/first 2>/dev/null; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}
# systemd stops this unit with SIGTERM at its TimeoutStartSec=.
trap 'fail "guest" "stopped by systemd (TimeoutStartSec=)"; echo UDSTRACE-VM-EXIT=1; exit 1' TERM

# --- it started at boot, as the unit says -------------------------------------
check "service: enabled" "$(systemctl is-enabled $UNIT)" enabled
if ! answering 90; then
	fail "service: answers on 127.0.0.1:9435" "not within 90 s of multi-user.target"
	systemctl status --no-pager -l $UNIT | sed 's/^/# /'
	journalctl -b --no-pager -u $UNIT | tail -n 20 | sed 's/^/# /'
	echo "UDSTRACE-VM-EXIT=1"
	exit 0
fi
pass "service: answers on 127.0.0.1:9435"
# (systemd-analyze time waits for the default target, this test's own.)
echo "# guest: multi-user.target reached $(($(systemctl show -p ActiveEnterTimestampMonotonic --value multi-user.target) / 1000)) ms after boot"
check "service: active" "$(systemctl is-active $UNIT)" active
echo "# exporter: $(grep '^udstrace_info' /tmp/first)"
check "service: auto picked fentry on $(uname -r) as a non-root service" \
	"$(sed -n 's/^udstrace_info{backend="\([a-z]*\)".*/\1/p' /tmp/first)" fentry

# --- what it runs as -----------------------------------------------------------
pid=$(systemctl show -p MainPID --value $UNIT)
status() { sed -n "s/^$1:[[:space:]]*//p" /proc/"$pid"/status; }
uid=$(status Uid | awk '{ print $1 }')
# DynamicUser= takes uids 61184-65519 and writes no /etc/passwd line.
check "service: a dynamic user (uid in 61184-65519)" \
	"$(awk -v u="$uid" 'BEGIN { print (u >= 61184 && u <= 65519) }')" 1
check "service: its uid is in no /etc/passwd line" "$(awk -F: -v u="$uid" '$3 == u' /etc/passwd)" ""
check "service: real, effective, saved and fs uid" "$(status Uid | xargs)" "$uid $uid $uid $uid"
# CAP_PERFMON is bit 38, CAP_BPF 39.
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	check "service: $c is CAP_BPF and CAP_PERFMON only" "$(status $c)" 000000c000000000
done
check "service: no_new_privs" "$(status NoNewPrivs)" 1
check "service: seccomp filter" "$(status Seccomp)" 2
# The BPF objects it holds, to see them gone after the stop.
held=$(sed -n -E 's/^(prog|map|link)_id:\s+([0-9]+)$/\1 \2/p' /proc/"$pid"/fdinfo/* 2>/dev/null | sort -u)
echo "# exporter: pid $pid, uid $uid, holds $(grep -c prog <<<"$held") BPF programs"

# --- exact counts across a workload ----------------------------------------------
# The service counts the whole guest. Nothing else runs here (no getty,
# logind or timers: tests/vm/rootfs.sh masks them; this unit writes to the
# console, not the journal, and no systemctl runs in the window), so
# between two scrapes the only other send is scrape B's request: one
# write(), TCP. (udstrace leaves its own process out, so scrape A's
# response is not counted.) An idle pair shows that; then a pair around
# the workload must differ by exactly the workload's sends and that one.
delta() { # delta A B NAME PATH
	echo $(($(metric "$2" "$3" "$4") - $(metric "$1" "$3" "$4")))
}
pair() { # pair NAME A B UDS-SENDS CONNECTS TCP-SENDS TCP-BYTES
	check "$1: unix_stream_sendmsg grew by" "$(delta "$2" "$3" udstrace_calls_total unix_stream_sendmsg)" "$4"
	check "$1: unix_stream_sendmsg bytes grew by" \
		"$(delta "$2" "$3" udstrace_bytes_total unix_stream_sendmsg)" $(($4 * S))
	check "$1: unix_stream_connect grew by" "$(delta "$2" "$3" udstrace_calls_total unix_stream_connect)" "$5"
	check "$1: tcp_sendmsg:loopback grew by (with the scrape's request)" \
		"$(delta "$2" "$3" udstrace_calls_total tcp_sendmsg:loopback)" $(($6 + 1))
	check "$1: tcp_sendmsg:loopback bytes grew by (with the request's ${#REQ})" \
		"$(delta "$2" "$3" udstrace_bytes_total tcp_sendmsg:loopback)" $(($7 + ${#REQ}))
	check "$1: tcp_sendmsg:remote" "$(metric "$3" udstrace_calls_total tcp_sendmsg:remote)" 0
}
scrape /tmp/a || fail "scrape A" "no answer"
scrape /tmp/b || fail "scrape B" "no answer"
pair "idle guest" /tmp/a /tmp/b 0 0 0 0
scrape /tmp/c || fail "scrape C" "no answer"
./workload -u "$N" -c "$M" -t "$K" -s "$S" >/tmp/w 2>&1
wst=$?
scrape /tmp/d || fail "scrape D" "no answer"
check "workload: exit status" $wst 0
w() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" /tmp/w; }
check "workload: its own count of its sends" "$(w unix_sends) $(w connects) $(w tcp_sends)" "$N $M $K"
pair "workload -u $N -c $M -t $K" /tmp/c /tmp/d "$(w unix_sends)" "$(w connects)" "$(w tcp_sends)" "$(w tcp_bytes)"

# --- systemd-analyze security on the running unit ----------------------------------
score=$(systemd-analyze security --no-pager $UNIT 2>/dev/null |
	sed -n "s/^→ Overall exposure level for $UNIT: \([0-9.]*\) .*/\1/p")
echo "@@security $score"

# --- systemctl stop ----------------------------------------------------------------
systemctl stop $UNIT
check "stop: exit status" $? 0
# ExecMainCode 1: CLD_EXITED, with status 0; not killed by a signal.
check "stop: state, result, how and with what status it exited" \
	"$(systemctl show -p ActiveState -p Result -p ExecMainCode -p ExecMainStatus $UNIT | sort | xargs)" \
	"ActiveState=inactive ExecMainCode=1 ExecMainStatus=0 Result=success"
check "stop: the process is gone" "$(kill -0 "$pid" 2>/dev/null && echo alive)" ""
if [ -z "$held" ]; then
	fail "stop: BPF objects" "the exporter held none while it ran"
else
	left() {
		while read -r kind id; do
			bpftool "$kind" show id "$id" >/dev/null 2>&1 && echo "$kind $id"
		done <<<"$held"
	}
	gone() { [ -z "$(left)" ]; }
	if wait_until 5 gone; then
		pass "stop: its $(wc -l <<<"$held") BPF programs, maps and links are gone"
	else
		fail "stop: BPF objects gone" "still there: $(left | xargs)"
	fi
fi
journalctl -b --no-pager -o cat -u $UNIT >/tmp/journal
# What systemd says of a unit file it finds fault with names file and line.
check "journal: no complaint about the unit file" "$(grep "$UNIT:[0-9]" /tmp/journal)" ""
sed 's/^/@@journal /' /tmp/journal
echo "@@end"
echo "UDSTRACE-VM-EXIT=0"
