#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Least privilege on the running kernel. As nobody with exactly CAP_BPF and
# CAP_PERFMON, udstrace counts exactly (with -- CMD, -p of root's process,
# --stages, --check), and the command it starts gets neither. CAP_SYS_ADMIN
# alone stands in for both, as in the kernel. With less, as nobody or as a
# root without capabilities, it says in one line what is missing and exits 1.
# (What the kprobe backend needs on top is in docs/RELIABILITY.md.)
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "least privilege" "needs root to hand out capabilities"
	exit 0
fi
if ! command -v setpriv >/dev/null; then
	skip "least privilege" "setpriv (util-linux) is not installed"
	exit 0
fi
# as CAPS CMD...: CMD as nobody with exactly CAPS ("+bpf,+perfmon", or "").
as() {
	local caps=-all${1:+,$1}
	shift
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="$caps" \
		--ambient-caps="$caps" --bounding-set="$caps" "$@"
}
# root_as CAPS CMD...: CMD as root with exactly CAPS.
root_as() {
	local caps=-all${1:+,$1}
	shift
	setpriv --inh-caps="$caps" --ambient-caps="$caps" --bounding-set="$caps" "$@"
}
if ! as "" test -x "$UDSTRACE" || ! as "" test -x "$WORKLOAD"; then
	skip "least privilege" "nobody cannot run $UDSTRACE or $WORKLOAD (a directory on the way is not searchable)"
	exit 0
fi

N=1000 M=7 K=500 S=100
W=("$WORKLOAD" -u $N -c $M -t $K -s $S)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- enough: exact counts ------------------------------------------------------
out=$(as +bpf,+perfmon "$UDSTRACE" --json -- "${W[@]}" 2>"$tmp/err")
check "CAP_BPF+CAP_PERFMON as nobody, -- CMD: exit status" "$?" 0
check_counts "CAP_BPF+CAP_PERFMON as nobody, -- CMD" "$out" $M $N $((N * S)) $K $((K * S))
check "CAP_BPF+CAP_PERFMON as nobody: stderr" "$(cat "$tmp/err")" \
	"udstrace: tracing the command and its children. Hit Ctrl-C to end."

# The command runs as nobody, without the tracer's capabilities (the others
# in the ambient set, here CAP_NET_BIND_SERVICE = 0x400, it keeps).
out=$(as +bpf,+perfmon,+net_bind_service "$UDSTRACE" --json -d 5 -- \
	sh -c 'id -u; grep -E "^Cap(Eff|Amb)" /proc/self/status' 2>/dev/null | grep -v '^{')
check "the command gets neither CAP_BPF nor CAP_PERFMON" "$(xargs <<<"$out")" \
	"65534 CapEff: 0000000000000400 CapAmb: 0000000000000400"

# -p of a process of root's.
"$WORKLOAD" -w -u $N -c $M -t $K -s $S >"$tmp/w" &
wpid=$!
wait_until 30 grep -q ready "$tmp/w" ||
	fail "CAP_BPF+CAP_PERFMON as nobody, -p: workload ready" "the workload did not say ready within 30 s"
as +bpf,+perfmon "$UDSTRACE" --json -p $wpid >"$tmp/j" 2>"$tmp/e" &
upid=$!
wait_until 30 eval "grep -q tracing '$tmp/e' || ! kill -0 $upid 2>/dev/null" ||
	fail "CAP_BPF+CAP_PERFMON as nobody, -p: attached" "udstrace did not say tracing within 30 s"
kill -USR1 $wpid
wait_pid 60 $wpid
wait_pid 60 $upid
check "CAP_BPF+CAP_PERFMON as nobody, -p: exit status" "$?" 0
check_counts "CAP_BPF+CAP_PERFMON as nobody, -p" "$(cat "$tmp/j" "$tmp/w")" $M $N $((N * S)) $K $((K * S))

# --stages: exact, and it says what tracing cost or why it cannot know.
# BPF_ENABLE_STATS needs CAP_SYS_ADMIN; another tracer may have the
# kernel's statistics on at the moment, so either line is right.
out=$(as +bpf,+perfmon "$UDSTRACE" --stages -- "${W[@]}" -l 2>/dev/null)
check "CAP_BPF+CAP_PERFMON as nobody, --stages: cost or why not" \
	"$(grep -c -E '^(tracing added ~|what tracing added is not measured: BPF_ENABLE_STATS needs CAP_SYS_ADMIN$)' <<<"$out")" 1
out=$(as +bpf,+perfmon "$UDSTRACE" --json --stages -- "${W[@]}" -l 2>/dev/null)
check_counts "CAP_BPF+CAP_PERFMON as nobody, --stages" "$out" $M $N $((N * S)) $K $((K * S))

# Every report says what our programs cost, or why it cannot know: here,
# no CAP_SYS_ADMIN for BPF_ENABLE_STATS, unless the statistics are on already.
for mode in default --counts-only; do
	args=()
	[ "$mode" = default ] || args=("$mode")
	j=$(as +bpf,+perfmon "$UDSTRACE" --json "${args[@]}" -- "${W[@]}" 2>/dev/null | final_object)
	if [ "$(jq -r .bpf_cost.sampling <<<"$j")" = already_on ]; then
		skip "CAP_BPF+CAP_PERFMON as nobody, $mode: the cost's reason" "the statistics were on already"
	else
		check "CAP_BPF+CAP_PERFMON as nobody, $mode: the cost is null, and why" \
			"$(jq -c '[.bpf_cost, .bpf_cost_reason]' <<<"$j")" \
			'[null,"BPF_ENABLE_STATS needs CAP_SYS_ADMIN"]'
	fi
done
out=$(as +bpf,+perfmon "$UDSTRACE" -- "${W[@]}" 2>/dev/null)
check "CAP_BPF+CAP_PERFMON as nobody: the table says the cost or why not" \
	"$(grep -c -E '^bpf cost: (not measured: BPF_ENABLE_STATS needs CAP_SYS_ADMIN|.* \(statistics on all run: they were on already .*)$' <<<"$out")" 1
out=$(as +sys_admin "$UDSTRACE" --json -- "${W[@]}" 2>/dev/null)
check "CAP_SYS_ADMIN alone as nobody: the cost is measured" \
	"$(final_object <<<"$out" | jq -c '[(.bpf_cost | type), .bpf_cost_reason]')" '["object",null]'

j=$(as +bpf,+perfmon "$UDSTRACE" --check --json 2>/dev/null)
check "CAP_BPF+CAP_PERFMON as nobody, --check: exit status" "$?" 0
check "CAP_BPF+CAP_PERFMON as nobody, --check: agrees with root's" \
	"$(jq -c .auto <<<"$j")" "$("$UDSTRACE" --check --json | jq -c .auto)"

out=$(as +sys_admin "$UDSTRACE" --json -- "${W[@]}" 2>/dev/null)
check_counts "CAP_SYS_ADMIN alone as nobody" "$out" $M $N $((N * S)) $K $((K * S))

# The way to deploy it: file capabilities on the binary, nobody with none of
# its own. (The ELF itself: in the sanitized pass $UDSTRACE is a wrapper.)
bin=${UDSTRACE_ELF:-$UDSTRACE}
if ! command -v setcap >/dev/null; then
	skip "file capabilities" "setcap is not installed (libcap2-bin)"
elif ! cp "$bin" "$tmp/udstrace-caps" || ! chmod 755 "$tmp" ||
	! setcap cap_bpf,cap_perfmon+ep "$tmp/udstrace-caps" 2>"$tmp/setcap"; then
	skip "file capabilities" "setcap on $tmp fails: $(head -n 1 "$tmp/setcap")"
else
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$tmp/udstrace-caps" --json -- "${W[@]}" 2>"$tmp/err")
	check "cap_bpf,cap_perfmon+ep on the file, nobody: exit status" "$?" 0
	check_counts "cap_bpf,cap_perfmon+ep on the file, nobody" "$out" $M $N $((N * S)) $K $((K * S))
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$tmp/udstrace-caps" -d 5 -- sh -c 'grep -E "^Cap(Eff|Amb)" /proc/self/status' 2>/dev/null)
	check "cap_bpf,cap_perfmon+ep on the file: the command gets none" \
		"$(grep '^Cap' <<<"$out" | xargs)" "CapEff: 0000000000000000 CapAmb: 0000000000000000"
fi

# --- less: one line, exit 1 ---------------------------------------------------------
# short NAME WANT CMD...: CMD's exit status is 1 and its stderr is WANT, one line.
short() {
	local name=$1 want=$2 err
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	check "$name: exit status" "$?" 1
	check "$name: one line" "$err" "$want"
}
MSG="udstrace: needs CAP_BPF and CAP_PERFMON, missing"
short "nobody, no capabilities" "$MSG both; run as root or grant them" \
	as "" "$UDSTRACE" -d 1
short "nobody, CAP_BPF only" "$MSG CAP_PERFMON; run as root or grant them" \
	as +bpf "$UDSTRACE" -d 1
short "nobody, CAP_PERFMON only" "$MSG CAP_BPF; run as root or grant them" \
	as +perfmon "$UDSTRACE" -- "${W[@]}"
short "nobody, --check without capabilities" "$MSG both; run as root or grant them" \
	as "" "$UDSTRACE" --check
short "root without capabilities" "$MSG both; run as root or grant them" \
	root_as "" "$UDSTRACE" -d 1
short "root with CAP_BPF only" "$MSG CAP_PERFMON; run as root or grant them" \
	root_as +bpf "$UDSTRACE" -d 1
