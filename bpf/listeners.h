/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --listeners, shared between the BPF programs (bpf/listeners.bpf.h) and
 * user space (user/listeners.c): plain types only.
 */
#ifndef UDSTRACE_LISTENERS_H
#define UDSTRACE_LISTENERS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* sun_path's size; the key has room to the next power of two (masks). */
#define UNIX_NAME_MAX		108
#define UNIX_NAME_MAX_POW2	128

/* Listener names counted at once; more are counted as lost. */
#define MAX_LISTENERS		1024
/* Threads inside a connect at once (an LRU: the oldest go first). */
#define MAX_LISTENER_CONNECTS	4096

/*
 * A name as the kernel stores a bound one: a path up to its NUL (@len 0),
 * or an abstract name (@name[0] is NUL) of @len bytes. Zero-padded.
 */
struct listener_key {
	__u8 name[UNIX_NAME_MAX_POW2];
	__u32 len;
};

/* Per CPU: user space sums the counts and takes the largest extremes. */
struct listener_stats {
	__u64 queued;		/* connects queued on it (accepted or not) */
	__u64 waited;		/* connects that slept before returning */
	__u64 wait_ns;		/* how long, in all */
	__u64 max_wait_ns;
	__u64 eagain;		/* non-blocking connects refused: queue full */
	__u64 refused;		/* ECONNREFUSED: nobody listening there */
	__u32 backlog;		/* sk_max_ack_backlog, when seen_listener */
	__u32 max_queue;	/* the longest accept queue seen */
	__u32 type;		/* SOCK_STREAM or SOCK_SEQPACKET, 0 unknown */
	__u32 seen_listener;	/* a connect was queued: backlog is known */
};

#endif /* UDSTRACE_LISTENERS_H */
