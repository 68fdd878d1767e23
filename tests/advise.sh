# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The --advise comparison of issue 12, shared by tests/live/advise.sh (the
# host) and tests/vm/test-conns.sh (each backend in the VMs): the advisor's
# predicted saving for tests/rates.c's top connection over loopback TCP,
# held against the saving measured when the same traffic runs over
# AF_UNIX (TCP kernel time minus UDS kernel time, same messages). Sourced
# after tests/lib.sh.
# shellcheck shell=bash

# advise_try NAME TCP UDS ROUNDS: TCP is the output of "udstrace --advise
# --json -- rates -t tcp -n ROUNDS", UDS that of "udstrace -S --json --
# rates -t unix -n ROUNDS", both with rates's own report line. Exact sends
# against the workload's, the top connection's UDS cost from calibration
# (the TCP run has no UDS traffic), and the figure in a "#" line whatever
# it is. Sets ADVISE_ERR to the error in percent ("" when there is none).
advise_try() {
	local name=$1 tcp=$2 uds=$3 rounds=$4 sends usends tj uj top pred meas
	ADVISE_ERR=
	sends=$(grep '^{"transport":"tcp"' <<<"$tcp" | jq -c '[.conns[].sends]')
	usends=$(grep '^{"transport":"unix"' <<<"$uds" | jq '[.conns[].sends] | add')
	tj=$(final_object <<<"$tcp")
	uj=$(final_object <<<"$uds")
	if [ -z "$sends" ] || [ -z "$usends" ] || [ -z "$tj" ] || [ -z "$uj" ]; then
		fail "$name: the workload and udstrace reported" \
			"$(head -c 300 <<<"$tcp$uds" | tr '\n' ' ')"
		return
	fi
	top=$((rounds * 100))
	check "$name: the workload's TCP sends, 100:10:1" \
		"$sends" "[$((top * 2)),$((rounds * 20)),$((rounds * 2))]"
	check "$name: ranked 100:10:1, the workload's sends" "$(jq -c '[.advice[].sends]' <<<"$tj")" \
		"$sends"
	check "$name: the UDS run's sends" "$(path_field "$uj" unix_stream_sendmsg calls)" "$usends"
	# The same connection over AF_UNIX: the socketpair whose ends sent 100 a round.
	check "$name: its UDS ends" \
		"$(jq "[.connections[] | select(.proto == \"unix\" and .send.calls == $top)] | length" <<<"$uj")" 2
	check "$name: request-response" "$(jq -r '.advice[0].pattern' <<<"$tj")" rr
	check "$name: UDS cost from calibration" "$(jq -r '.advice[0].uds_source' <<<"$tj")" calibration
	pred=$(jq '.advice[0].saving_ns' <<<"$tj")
	meas=$(( $(jq '.advice[0].ktime_ns' <<<"$tj") - \
		 $(jq "[.connections[] | select(.proto == \"unix\" and .send.calls == $top) | .send.ktime_ns] | add" <<<"$uj") ))
	if ! [[ $pred =~ ^[0-9.e+-]+$ ]] || [ "$meas" -le 0 ]; then
		fail "$name: a saving predicted and measured" "predicted $pred ns, measured $meas ns"
		return
	fi
	ADVISE_ERR=$(awk -v p="$pred" -v m="$meas" 'BEGIN { printf "%.1f", 100 * (p - m) / m }')
	echo "# $name: top connection: predicted saving $(awk -v p="$pred" 'BEGIN { printf "%.1f", p / 1e6 }') ms," \
		"measured $(awk -v m="$meas" 'BEGIN { printf "%.1f", m / 1e6 }') ms, error $ADVISE_ERR%"
	# Where an error comes from: the two sides of the prediction, per send.
	# The TCP side is the same in both, so only the UDS costs can differ.
	echo "# $name: per send: TCP $(jq '.advice[0].tcp_ns_per_send | floor' <<<"$tj") ns," \
		"UDS $(jq '.advice[0].uds_ns_per_send | floor' <<<"$tj") ns predicted," \
		"$(jq "[.connections[] | select(.proto == \"unix\" and .send.calls == $top) | .send.ktime_ns] | add / $((2 * top)) | floor" <<<"$uj") ns measured"
}

# advise_median NAME ERR...: the median error of the tries within 25%.
# A try without a figure (it failed above) counts as off the scale.
advise_median() {
	local name=$1 median
	shift
	median=$(printf '%s\n' "$@" | sed 's/^$/999/' | sort -g | sed -n "$((($# + 1) / 2))p")
	echo "# $name: median error $median% (tries: $*)"
	awk -v e="$median" 'BEGIN { exit !(e >= -25 && e <= 25) }' &&
		pass "$name: predicted saving within 25% of the measured one (median error $median%)" ||
		fail "$name: predicted saving within 25% of the measured one" "median error $median% (tries: $*)"
}
