/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * -S: one row per socket, shared between bpf/conns.bpf.h and user space
 * (user/conns.c). Plain types only, so both sides agree on the layout.
 */
#ifndef UDSTRACE_CONN_STATS_H
#define UDSTRACE_CONN_STATS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Sockets tracked at once; the least recently used one is evicted. */
#define MAX_CONNS 16384
#define CONN_NAME_LEN 108	/* sun_path */
#define CONN_COMM_LEN 16

/* One direction of a socket's calls. Times as the backend measures them. */
struct conn_dir {
	__u64 calls;
	__u64 bytes;		/* sum of positive returns */
	__u64 ktime_ns;		/* timed calls' kernel time */
	__u64 timed;		/* calls with a time sample (the mean: ktime_ns / timed) */
	__u64 blocked_ns;	/* of that, asleep (a send: backpressure) */
	__u64 runq_ns;		/* of that, runnable, waiting for a CPU */
};

/*
 * The value of the conns map, keyed by the struct sock's address. The
 * identity is read in BPF, where the kernel pointers can be followed.
 */
struct conn_stats {
	struct conn_dir send;
	struct conn_dir recv;
	__u64 wakeups;		/* readers woken by data on this socket, run */
	__u64 wakeup_ns;	/* sum of wake-up to running */
	__u64 wakeup_max_ns;
	__u32 owner_tgid;	/* the first traced process to call on it; 0: none yet */
	__u32 peer_tgid;	/* AF_UNIX: sk_peer_pid's (init namespace); 0: none */
	char owner_comm[CONN_COMM_LEN];
	char peer_comm[CONN_COMM_LEN];
	__u16 family;		/* AF_UNIX, AF_INET, AF_INET6 */
	__u16 name_len;		/* AF_UNIX: bytes of sun_path in name; 0: unnamed */
	__u16 sport, dport;	/* TCP, host order */
	__u64 ino, peer_ino;	/* AF_UNIX: socket inodes as ss -x shows them */
	__u64 peer_sk;		/* AF_UNIX: unix_peer(), the peer's row key */
	__u8 saddr[16], daddr[16];	/* TCP: IPv4 in the first 4 bytes */
	char name[CONN_NAME_LEN];	/* AF_UNIX: sun_path, raw (abstract: leading NUL) */
	__u32 netns;		/* TCP: the socket's network namespace inode; 0: unknown */
};

#endif /* UDSTRACE_CONN_STATS_H */
