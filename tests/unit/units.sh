#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The C unit tests; they print their own PASS/FAIL lines. The parsers of
# kernel files read the real samples in tests/unit/data/.
. "$(dirname "$0")/../lib.sh"
"${TEST_UNITS:-$TOP/.output/test_units}" "$TOP/tests/unit/data"
