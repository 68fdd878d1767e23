/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared between the BPF programs and user space: the path enum, the
 * per-path counters and the histogram width. Plain types only, so both
 * sides always agree on the layout.
 */
#ifndef UDSTRACE_H
#define UDSTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * One row of the summary. Keep in step with path_info[] in user/paths.c.
 * Each TCP remote row directly follows its loopback row (see tcp_row()).
 */
enum ipc_path {
	PATH_UNIX_CONNECT,	/* unix_stream_connect */
	PATH_UNIX_SEND,		/* unix_stream_sendmsg */
	PATH_TCP_LOOPBACK,	/* tcp_sendmsg over a loopback device (tcp_row.bpf.h) */
	PATH_TCP_REMOTE,	/* tcp_sendmsg, any other (veth between netns too) */
	PATH_UNIX_RECV,		/* unix_stream_recvmsg */
	PATH_TCP_RECV_LOOPBACK,	/* tcp_recvmsg over a loopback device */
	PATH_TCP_RECV_REMOTE,	/* tcp_recvmsg, any other */
	NR_PATHS,
	PATH_NONE = NR_PATHS,
};

/*
 * log2 histogram of per-call nanoseconds: slot 0 holds 0-1 ns, slot i
 * holds [2^i, 2^(i+1)) ns, the last slot everything from 2^31 ns (2.1 s).
 */
#define HIST_SLOTS 32

/* One per path per CPU; user space sums the CPUs. */
struct path_stats {
	__u64 calls;
	__u64 errors;		/* calls that returned < 0 */
	__u64 bytes;		/* sum of positive returns */
	__u64 ktime_ns;		/* sum of timed calls */
	__u64 blocked_ns;	/* of that, asleep off-CPU (--stages only) */
	__u64 runq_ns;		/* of that, runnable, waiting for a CPU (--stages) */
	__u64 timed;		/* calls with a time sample */
	__u64 dropped;		/* calls whose in-flight state found no room */
	__u64 min_ns;		/* 0 = no sample yet */
	__u64 max_ns;
	__u64 hist[HIST_SLOTS];
};

/*
 * Extremes since user space last cleared them, for interval rows. Kept
 * apart from path_stats so that clearing them can never lose a count.
 */
struct path_extremes {
	__u64 min_ns;
	__u64 max_ns;
};

/* What the target filter compares. */
enum filter_mode {
	FILTER_ALL,		/* system-wide */
	FILTER_TGID,		/* -p: the tgids in the map, children not followed */
	FILTER_FOLLOW,		/* -- CMD: the tgids in the traced map */
};

#define MAX_FOLLOWED 16384

/* -c and --cgroup: how many of each; a comm is TASK_COMM_LEN bytes. */
#define MAX_COMMS 64
#define MAX_CGROUPS 8
#define COMM_LEN 16

/*
 * -P and --by-cgroup: the calls of each path broken down by who made
 * them, in an LRU hash (bpf/account.bpf.h) of OWNERS_MAX entries.
 */
enum breakdown {
	BREAKDOWN_NONE,
	BREAKDOWN_PROC,		/* -P: id is the tgid */
	BREAKDOWN_CGROUP,	/* --by-cgroup: id is the cgroup v2 id */
};

#define OWNERS_MAX 10240

struct owner_key {
	__u64 id;
	__u32 path;
	__u32 pad;		/* always 0: the key is hashed whole */
};

/* Shared by all CPUs: every add is atomic. */
struct owner_stats {
	__u64 calls;
	__u64 errors;
	__u64 bytes;
	__u64 ktime_ns;
	__u64 timed;
	char comm[COMM_LEN];	/* -P: the thread group leader's, at the first call */
};

#endif /* UDSTRACE_H */
