# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by tests/vm/test-core.sh: the host's checks of the kprobe cases
# of tests/vm/guest-kprobe.sh, against the fixture's own counts.
# shellcheck shell=bash

# kp_row FINAL ROW FIELD
kp_row() { path_field "$1" "$2" "$3"; }

# kprobe_checks KERNEL RESULT-FUNCTION: RESULT-FUNCTION NAME prints the
# guest's lines of case NAME.
kprobe_checks() {
	local k=$1 res=$2 a c j w r u t lost
	a=$("$res" kernel-kprobe-maxactive)
	if [ -z "$a" ] || [ "$a" = none ]; then
		fail "vm $k kprobe losses" "the guest found no maxactive in --check"
		return
	fi
	# R = maxactive + 4 readers per kind, two rounds: 8 returns per kind
	# find no instance. They are counted (calls exact), untimed, missed,
	# and their round-one bytes are not seen.
	for c in kprobe-lost kprobe-lost-hash; do
		check "vm $k $c: exit statuses (sleepers, udstrace)" "$("$res" "$c-status")" "0 0"
		j=$("$res" "$c" | final_object)
		w=$("$res" "$c" | grep '^{"readers"')
		r=$(jq .readers <<<"$w")
		check "vm $k $c: readers per kind" "$r" $((a + 4))
		for u in unix:unix_stream_recvmsg tcp:tcp_recvmsg:loopback; do
			t=${u#*:} u=${u%%:*}
			check "vm $k $c: $t calls = the fixture's reads" \
				"$(kp_row "$j" "$t" calls)" "$(jq ".${u}_reads" <<<"$w")"
			check "vm $k $c: $t missed" "$(kp_row "$j" "$t" missed)" 8
			check "vm $k $c: $t timed" "$(kp_row "$j" "$t" timed)" \
				$(($(jq ".${u}_reads" <<<"$w") - 8))
			check "vm $k $c: $t bytes" "$(kp_row "$j" "$t" bytes)" \
				$(($(jq ".${u}_bytes" <<<"$w") * (r - 4) / r))
		done
		check "vm $k $c: tcp_recvmsg:remote calls" "$(kp_row "$j" tcp_recvmsg:remote calls)" 0
		# The function's losses are the loopback row's, not the remote's too.
		check "vm $k $c: tcp_recvmsg:remote missed" "$(kp_row "$j" tcp_recvmsg:remote missed)" 0
		check "vm $k $c: the untraced writer's sends" \
			"$(jq '[.paths[] | select(.path | test("send")) | .calls] | add' <<<"$j")" 0
	done
	check "vm $k kprobe-lost: -v says the instances are shared" \
		"$("$res" kprobe-lost-v)" 1

	# The in-flight hash holds 4 threads; 6 readers sleep in each round,
	# so 2 per round find no room. Which kind they are is up to the race:
	# an AF_UNIX one is counted at its return, untimed and missed; a TCP
	# one, whose row is unknown without its entry, is missed.
	c=kprobe-full
	check "vm $k $c: exit statuses (sleepers, udstrace)" "$("$res" "$c-status")" "0 0"
	j=$("$res" "$c" | final_object)
	w=$("$res" "$c" | grep '^{"readers"')
	check "vm $k $c: unix_stream_recvmsg calls = the fixture's reads" \
		"$(kp_row "$j" unix_stream_recvmsg calls)" "$(jq .unix_reads <<<"$w")"
	check "vm $k $c: tcp_recvmsg calls + missed = the fixture's reads" \
		"$(($(kp_row "$j" tcp_recvmsg:loopback calls) + $(kp_row "$j" tcp_recvmsg:loopback missed)))" \
		"$(jq .tcp_reads <<<"$w")"
	lost=$(jq '[.paths[] | .missed] | add' <<<"$j")
	check "vm $k $c: missed, all rows" "$lost" 4
	check "vm $k $c: timed, all rows" "$(jq '[.paths[] | .timed] | add' <<<"$j")" \
		$(($(jq '.unix_reads + .tcp_reads' <<<"$w") - 4))

	# Every instance is held by an untraced process: each of the traced
	# one's calls is counted, none is timed, all are missed; the holder's
	# own lost returns are not the traced process's.
	c=kprobe-others
	check "vm $k $c: exit statuses (sleepers, udstrace)" "$("$res" "$c-status")" "0 0"
	check "vm $k $c: the holder's exit status" "$("$res" "$c-holder-status")" 0
	j=$("$res" "$c" | final_object)
	w=$("$res" "$c" | grep '^{"readers"')
	for u in unix:unix_stream_recvmsg tcp:tcp_recvmsg:loopback; do
		t=${u#*:} u=${u%%:*}
		r=$(jq ".${u}_reads" <<<"$w")
		check "vm $k $c: $t calls = the fixture's reads" "$(kp_row "$j" "$t" calls)" "$r"
		check "vm $k $c: $t missed" "$(kp_row "$j" "$t" missed)" "$r"
		check "vm $k $c: $t timed" "$(kp_row "$j" "$t" timed)" 0
	done

	# 4 readers per kind asleep before udstrace attached. A kretprobe
	# hooks a return at the call's entry, so those first reads are not
	# seen at all (as with fentry): neither counted nor missed. Every
	# later read is counted and timed.
	c=kprobe-noentry
	check "vm $k $c: exit statuses (sleepers, udstrace)" "$("$res" "$c-status")" "0 0"
	j=$("$res" "$c" | final_object)
	w=$("$res" "$c" | grep '^{"readers"')
	for u in unix:unix_stream_recvmsg tcp:tcp_recvmsg:loopback; do
		t=${u#*:} u=${u%%:*}
		r=$(($(jq ".${u}_reads" <<<"$w") - 4))
		check "vm $k $c: $t calls = the fixture's reads after the attach" \
			"$(kp_row "$j" "$t" calls)" "$r"
		check "vm $k $c: $t timed" "$(kp_row "$j" "$t" timed)" "$r"
		check "vm $k $c: $t missed" "$(kp_row "$j" "$t" missed)" 0
	done
}
