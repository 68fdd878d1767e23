#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# user/feature.c's own reading of vmlinux BTF against libbpf's, on this
# kernel's BTF; it prints its own PASS/FAIL lines.
. "$(dirname "$0")/../lib.sh"
"${TEST_FEATURE:-$TOP/.output/test_feature}"
