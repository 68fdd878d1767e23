#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Start-up and footprint: the time from exec to every program attached,
# the peak RSS, and the binary's size. bench/run.sh calls it for
# docs/BENCHMARKS.md; run alone (after make udstrace .output/attach-time)
# it prints just that section. A benchmark, not a test.
#
# Each round starts every tracer once, in turn, so that a slow moment of
# this shared machine falls on all of them alike; each figure is the
# median of BENCH_STARTUP_ROUNDS (21) rounds.
set -u
. "$(dirname "$0")/lib.sh"
ROUNDS=${BENCH_STARTUP_ROUNDS:-21}
ATTACH_TIME=$TOP/.output/attach-time
[ -x "$ATTACH_TIME" ] || { echo "startup.sh: no $ATTACH_TIME: make .output/attach-time" >&2; exit 2; }

# name|command. bpftrace runs bench/udstrace.bt, plus a BEGIN probe: it
# fires once every probe is attached.
BT=$(mktemp --suffix=.bt)
trap 'rm -f "$BT" "$BT".*' EXIT
{ echo 'BEGIN { printf("bpftrace: attached\n"); }'; cat "$TOP/bench/udstrace.bt"; } >"$BT"
TOOLS=(
	"udstrace|$UDSTRACE"
	"udstrace --counts-only|$UDSTRACE --counts-only"
	"udstrace --stages|$UDSTRACE --stages"
)
command -v bpftrace >/dev/null && TOOLS+=("bpftrace|bpftrace $BT")

# median FILE COLUMN: the median of one column of numbers.
median() {
	sort -n -k "$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

# min FILE COLUMN, max FILE COLUMN
min() { sort -n -k "$2" "$1" | awk -v c="$2" 'NR == 1 { print $c }'; }
max() { sort -n -k "$2" "$1" | awk -v c="$2" 'END { print $c }'; }

ms() { awk -v ns="$1" 'BEGIN { printf "%.0f", ns / 1e6 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
kib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1024 }'; }

measure() {
	local i name cmd pattern
	for _ in $(seq "$ROUNDS"); do
		for i in "${!TOOLS[@]}"; do
			IFS='|' read -r name cmd <<<"${TOOLS[$i]}"
			case $name in
			bpftrace) pattern="bpftrace: attached" ;;
			*) pattern="udstrace: tracing" ;;
			esac
			# shellcheck disable=SC2086
			"$ATTACH_TIME" "$pattern" $cmd >>"$BT.$i" || return 1
		done
	done
}

echo "## Start-up and footprint"
echo
if ! measure; then
	echo "Not measured: a tracer failed to start."
	echo
	exit 0
fi
echo "From exec to every program attached: for udstrace, its \"tracing\" line"
echo "on stderr; for bpftrace, a BEGIN probe added to bench/udstrace.bt. Median"
echo "of $ROUNDS interleaved rounds, with the fastest and slowest. CPU is the"
echo "process's user and system time for the run (attach, then SIGINT and the"
echo "final report), less swayed than wall time by a busy machine. Peak RSS"
echo "is the run's high-water mark (the kernel's ru_maxrss)."
echo
echo "| tool | start to attached | fastest | slowest | CPU | peak RSS |"
echo "| --- | --- | --- | --- | --- | --- |"
for i in "${!TOOLS[@]}"; do
	IFS='|' read -r name _ <<<"${TOOLS[$i]}"
	printf '| `%s` | %s ms | %s ms | %s ms | %s ms | %s MiB |\n' "$name" \
		"$(ms "$(median "$BT.$i" 1)")" "$(ms "$(min "$BT.$i" 1)")" \
		"$(ms "$(max "$BT.$i" 1)")" "$(ms "$(median "$BT.$i" 3)")" \
		"$(mib "$(median "$BT.$i" 2)")"
done
echo
objs=
for o in "$TOP"/.output/*.bpf.o; do
	objs="$objs${objs:+, }$(basename "$o" .bpf.o) $(kib "$(stat -c %s "$o")") KiB"
done
echo "The udstrace binary: $(mib "$(kib "$(stat -c %s "$UDSTRACE")")") MiB, statically linked (libbpf,"
echo "libelf, zlib), with its BPF objects embedded ($objs)."
echo
