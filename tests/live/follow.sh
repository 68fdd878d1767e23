#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# -- CMD follows the command's children; when the followed-process map is
# full, the children left out are counted and reported, never lost
# silently. UDSTRACE_MAX_FOLLOWED makes the map small enough to fill.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "follow" "need root to load BPF programs"
	exit 0
fi

N=10
# sh (followed from the start) forks two workloads: the map has room for two.
cmd=(sh -c "$WORKLOAD -u $N >/dev/null & $WORKLOAD -u $N >/dev/null & wait")
out=$(UDSTRACE_MAX_FOLLOWED=2 timeout 60 "$UDSTRACE" --json -- "${cmd[@]}" 2>/dev/null)
j=$(final_object <<<"$out")
check "follow, map full: the child left out is counted" "$(jq .children_not_followed <<<"$j")" 1
check "follow, map full: only the followed child's sends" \
	"$(path_field "$j" unix_stream_sendmsg calls)" $N
text=$(UDSTRACE_MAX_FOLLOWED=2 timeout 60 "$UDSTRACE" -- "${cmd[@]}" 2>/dev/null)
grep -q "^WARNING: 1 child processes were not traced" <<<"$text" &&
	pass "follow, map full: the table warns" ||
	fail "follow, map full: the table warns" "no warning in: $(tail -n 3 <<<"$text")"

# With room for all, both children are traced and nothing is left out.
j=$(timeout 60 "$UDSTRACE" --json -- "${cmd[@]}" 2>/dev/null | final_object)
check "follow: both children traced" "$(path_field "$j" unix_stream_sendmsg calls)" $((2 * N))
check "follow: no child left out" "$(jq .children_not_followed <<<"$j")" 0
