#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Every atomic instruction in udstrace's BPF objects is a plain add: the
# only one kernels before 5.12 take (5.10 refuses the others with "BPF_STX
# uses reserved fields" and the whole object fails to load). clang makes
# other ones from innocent code: an atomic add of a constant 0 becomes an
# atomic OR, a used __sync_fetch_and_add result a fetch-add.
. "$(dirname "$0")/../lib.sh"

if ! command -v llvm-objdump >/dev/null; then
	skip "bpf atomics" "llvm-objdump is not installed"
	exit 0
fi
for o in tracepoint fentry kprobe; do
	obj=$TOP/.output/$o.bpf.o
	if [ ! -f "$obj" ]; then
		fail "bpf atomics: $o" "$obj is not built"
		continue
	fi
	# Opcode 0xdb (and 0xc3, 32-bit): BPF_STX | BPF_ATOMIC; an add is "+= rN".
	bad=$(llvm-objdump -d "$obj" | awk '$1 ~ /^[0-9]+:$/ && ($2 == "db" || $2 == "c3")' |
		grep -v '+= r' | head -n 3)
	check "bpf atomics: $o: only plain adds (5.10)" "$bad" ""
done
