#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make demo: udsbench's wall-clock view and udstrace's kernel view of the
# same traffic, UDS and TCP loopback, same size and count. Under a minute.
set -eu
cd "$(dirname "$0")/.."
args=(--sizes 100 --count 20000)

echo "== udsbench under udstrace: wall clock (udsbench), then kernel time (udstrace)"
./udstrace -- ./udsbench/udsbench "${args[@]}" 2>/dev/null

echo "== where the kernel time goes, stage by stage (udstrace --stages; send rows)"
# Lockstep-free throughput runs; only the two send rows' trees are shown.
./udstrace --stages -- ./udsbench/udsbench --mode throughput "${args[@]}" --json 2>/dev/null |
	awk '/^(unix_stream_sendmsg|tcp_sendmsg:loopback): /{show = 1} /^$/{show = 0} show'
echo "(all rows: sudo ./udstrace --stages --explain -- ./udsbench/udsbench ${args[*]})"
