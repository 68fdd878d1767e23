#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Prints the kernel x backend table from the cells the test scripts recorded
# (see matrix_add in tests/lib.sh); tests/run.sh calls it before its tally.
#   tests/matrix.sh FILE
# A cell is FAIL if any script failed it, else exact if one found it exact,
# else the first "SKIP: reason"; "-" if nothing ran there. Rows: host (the
# running kernel) first, then the VM kernels in version order.
set -u
file=$1
backends=(auto fentry kprobe tracepoint kmod)

declare -A cell abi
kernels=()
while read -r k b v; do
	[ -n "$k" ] || continue
	if [ "$b" = abi ]; then
		abi[$k]=$v
		continue
	fi
	[[ " ${kernels[*]} " == *" $k "* ]] || kernels+=("$k")
	case ${cell[$k $b]:-} in
	FAIL) ;;
	exact) [ "$v" != FAIL ] || cell[$k $b]=FAIL ;;
	"" | SKIP*) [[ $v != SKIP* || -z ${cell[$k $b]:-} ]] && cell[$k $b]=$v ;;
	esac
done <"$file"
((${#kernels[@]})) || exit 0

rows=()
for k in "${kernels[@]}"; do [ "$k" = host ] && rows+=(host); done
while read -r k; do [ -n "$k" ] && rows+=("$k"); done < <(printf '%s\n' "${kernels[@]}" | grep -vx host | sort -V)

label() {
	case $1 in
	host) echo "host ($(uname -r))" ;;
	*) echo "$1${abi[$1]:+ (${abi[$1]})}" ;;
	esac
}
# Column widths, then the table.
declare -a width
width[0]=6
for k in "${rows[@]}"; do l=$(label "$k"); ((${#l} > width[0])) && width[0]=${#l}; done
for i in "${!backends[@]}"; do
	w=${#backends[$i]}
	for k in "${rows[@]}"; do
		v=${cell[$k ${backends[$i]}]:--}
		((${#v} > w)) && w=${#v}
	done
	width[i + 1]=$w
done
line() {
	local i out
	out=$(printf '%-*s' "${width[0]}" "$1")
	shift
	for i in "${!backends[@]}"; do out+=$(printf '  %-*s' "${width[i + 1]}" "$1"); shift; done
	printf '%s\n' "${out%"${out##*[! ]}"}"
}
echo "== kernel x backend: exact = every count check of that backend on that kernel passed"
line kernel "${backends[@]}"
for k in "${rows[@]}"; do
	vals=()
	for b in "${backends[@]}"; do vals+=("${cell[$k $b]:--}"); done
	line "$(label "$k")" "${vals[@]}"
done
