#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What udstrace touches besides the kernel's tracing objects, on the running
# kernel. Each run is made under strace (-ff: udstrace's own log is the one
# that starts with its execve), and from udstrace's log:
#  - no network call at all: no socket of any kind, so no port;
#  - no file opened for writing, created, removed, renamed or chmod-ed but
#    the ones the user named (--dot FILE) and, for the kprobe backend, its
#    events in tracefs; a mount only if undone before the end;
#  - nothing pinned in the BPF filesystem (no BPF_OBJ_PIN; /sys/fs/bpf as before).
# And while a run is tracing, none of its open files is a socket.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "footprint" "needs root to load BPF programs"
	exit 0
fi
if ! command -v strace >/dev/null; then
	skip "footprint" "strace is not installed (apt-get install strace)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TRACEFS=/sys/kernel/tracing
N=200 M=3 K=100 S=100
W=("$WORKLOAD" -u $N -c $M -t $K -s $S)

bpffs_before=$(find /sys/fs/bpf 2>/dev/null | sort)
runs=0
# traced NAME ALLOWED UDSTRACE-ARGS...: one run under strace; ALLOWED is the
# list of changes it may make ("open /path ...", newline-separated). Leaves
# udstrace's stdout in $tmp/out and its strace log in $log.
traced() {
	local name=$1 allowed=$2 dir=$tmp/strace-$runs got
	shift 2
	runs=$((runs + 1))
	mkdir "$dir"
	# LeakSanitizer cannot work under ptrace: off for this run, should
	# udstrace be the sanitized build (tests/sanitize/run.sh).
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	timeout -s KILL 120 strace -qq -ff -s 512 -o "$dir/t" \
		-e trace=%network,%file,bpf,mount,umount2 \
		"$UDSTRACE" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	log=$(grep -l -F "execve(\"$UDSTRACE\"" "$dir"/t.* | head -n 1)
	if [ -z "$log" ]; then
		fail "$name: strace log" "no log starts with udstrace's execve"
		return
	fi
	check "$name: no network calls" "$(network "$log" | head -n 3)" ""
	got=$(changes "$log")
	check "$name: writes only what it was given" "$got" "$(sort -u <<<"$allowed" | sed '/^$/d')"
}

# The analysers see what they must (a log made up for them).
cat >"$tmp/fake" <<'LOG'
openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
openat(AT_FDCWD, "/tmp/a", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 4
open("/tmp/b", O_RDWR) = 5
unlinkat(AT_FDCWD, "/tmp/c", 0) = 0
mkdir("/tmp", 0755) = -1 EEXIST (File exists)
mkdir("/tmp/d", 0755) = -1 EACCES (Permission denied)
mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) = 0
umount2("/sys/kernel/security", 0) = 0
mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) = 0
bpf(BPF_OBJ_PIN, {pathname="/sys/fs/bpf/x", bpf_fd=3, file_flags=0}, 16) = 0
socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 6
LOG
check "analyser: changes" "$(changes "$tmp/fake" | xargs)" \
	"mkdir /tmp/d mount /sys/kernel/tracing open /tmp/a open /tmp/b pin unlinkat /tmp/c"
check "analyser: network" "$(network "$tmp/fake" | cut -d'(' -f1)" socket

"${W[@]}" -w >"$tmp/w1" &
wpid=$!
wait_until 30 grep -q ready "$tmp/w1" 2>/dev/null || fail "system-wide: workload ready" "no ready within 30 s"
# The workload goes once udstrace is tracing.
(wait_until 30 grep -q tracing "$tmp/err" 2>/dev/null; kill -USR1 $wpid) &
traced "system-wide -d 2" "" --json -d 2
check "system-wide -d 2: exit status" "$status" 0
wait_pids 30 "system-wide: the workload" $wpid
check "system-wide -d 2: saw the workload" \
	"$(path_field "$(final_object <"$tmp/out")" unix_stream_sendmsg calls | awk -v n=$N '{ print ($1 >= n) }')" 1

traced "-- CMD --stages --dot -i -H" "open $tmp/paths.dot" \
	--json --stages --dot "$tmp/paths.dot" -i 0.2 -H -- "${W[@]}" -l
check "-- CMD --stages --dot -i -H: exit status" "$status" 0
check_counts "-- CMD --stages --dot -i -H, under strace" "$(cat "$tmp/out")" $M $N $((N * S)) $K $((K * S))
check "-- CMD --dot: the file it was given is written" "$(grep -c 'subgraph cluster_' "$tmp/paths.dot")" 2

traced "--check" "" --check --json
check "--check: exit status" "$status" 0

# A backend that fails to load on this kernel, or works: either way nothing stays.
traced "--backend fentry -d 0.5" "" --backend fentry -d 0.5
traced "bad input" "" -p abc
check "bad input: exit status" "$status" 2

# kprobe: its events in tracefs, nothing else.
kreason=$("$UDSTRACE" --check --json | jq -r '.backends[] | select(.backend == "kprobe") |
	.paths[] | select(.path == "unix_stream_sendmsg") | .reason // ""')
if [ -z "$kreason" ]; then
	traced "--backend kprobe" "open $TRACEFS/kprobe_events" --json --backend kprobe -- "${W[@]}"
	check_counts "--backend kprobe, under strace" "$(cat "$tmp/out")" $M $N $((N * S)) $K $((K * S))
else
	skip "--backend kprobe: writes only its tracefs events" "$kreason"
fi

# While it traces: no socket among its open files, and ss knows none of its.
"${W[@]}" -w >"$tmp/w2" &
wpid=$!
wait_until 30 grep -q ready "$tmp/w2" 2>/dev/null || fail "-p: workload ready" "no ready within 30 s"
"$UDSTRACE" --json -p $wpid >"$tmp/p" 2>"$tmp/perr" &
upid=$!
wait_until 30 eval "grep -q tracing '$tmp/perr' || ! kill -0 $upid 2>/dev/null" ||
	fail "-p: udstrace attached" "udstrace did not say tracing within 30 s"
targets=$(for fd in /proc/$upid/fd/*; do readlink "$fd"; done 2>/dev/null)
check "-p: it has BPF objects open (the right process)" \
	"$(grep -c '^anon_inode:bpf' <<<"$targets" | awk '{ print ($1 > 0) }')" 1
check "-p: no socket among its open files" "$(grep '^socket:' <<<"$targets" | xargs)" ""
if command -v ss >/dev/null; then
	check "-p: ss shows no socket of its" "$(ss -a -p -n 2>/dev/null | grep -c "pid=$upid,")" 0
fi
kill -USR1 $wpid
wait_pid 60 $wpid
wait_pid 60 $upid
check "-p: exit status" "$?" 0
check_counts "-p" "$(cat "$tmp/p" "$tmp/w2")" $M $N $((N * S)) $K $((K * S))

check "nothing new in /sys/fs/bpf" "$(find /sys/fs/bpf 2>/dev/null | sort)" "$bpffs_before"
