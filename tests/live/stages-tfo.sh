#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# TCP Fast Open: a send on an unconnected socket connects it, so its peer
# (loopback or remote) is known only inside the call. The call and the
# stages inside it must land under one row (tests/lib.sh, check_tfo).
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "stages-tfo" "need root to load BPF programs and set net.ipv4.tcp_fastopen"
	exit 0
fi
TFO=/proc/sys/net/ipv4/tcp_fastopen
if [ ! -w "$TFO" ]; then
	skip "stages-tfo" "no writable $TFO"
	exit 0
fi
K=300
orig=$(cat "$TFO")
trap 'echo "$orig" >"$TFO"' EXIT
echo 3 >"$TFO" # client and server
out=$(timeout 120 "$UDSTRACE" --json --stages -- "$WORKLOAD" -t $K -F 2>/dev/null)
check_tfo "stages-tfo" "$out" $K
echo "$orig" >"$TFO"
check "stages-tfo: net.ipv4.tcp_fastopen restored" "$(cat "$TFO")" "$orig"
trap - EXIT
