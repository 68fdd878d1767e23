/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * -S: the per-socket rows (bpf/conns.bpf.h) as user space sees them. The
 * API for every consumer of the rows (the -S table and JSON, --advise):
 * conns_read() takes a snapshot of every started BPF backend's rows,
 * pairs loopback TCP peers, and sorts them; conns_free() releases it.
 */
#ifndef UDSTRACE_CONNS_USER_H
#define UDSTRACE_CONNS_USER_H

#include <stdbool.h>
#include <stddef.h>
#include "conn_stats.h"

struct tracer;

/* AF_* as the rows carry them (the BPF side's constants). */
#define CONN_AF_UNIX 1
#define CONN_AF_INET 2
#define CONN_AF_INET6 10

struct conn_row {
	__u64 sk;		/* the struct sock's address: the row's key, for the run */
	/*
	 * The counters and the identity. peer_tgid/peer_comm: the owner of
	 * the peer socket's row, found by the kernel's peer link (AF_UNIX)
	 * or by the reversed 4-tuple (TCP, a loopback peer traced in the same
	 * run). Without such a row, AF_UNIX keeps the kernel's sk_peer_pid
	 * (who called listen(), for a connecting socket), TCP 0 and "".
	 */
	struct conn_stats s;
	bool loopback;		/* TCP: the peer's row was found on this host */
};

struct conn_table {
	struct conn_row *rows;	/* by kernel time (sends + receives), largest first */
	size_t nr;
	__u64 evicted;		/* rows pushed out of the full LRU map during the run */
	__u32 max_rows;		/* the map's size */
	bool split;		/* every backend split time on-CPU/blocked/runnable */
	bool wakeups;		/* every backend measured wake-ups */
};

/*
 * Reads the rows of every started BPF backend into @out (zeroed first),
 * merging the rows of one socket seen by two backends. 0, or -errno.
 */
int conns_read(const struct tracer *t, struct conn_table *out);
void conns_free(struct conn_table *out);

/* Kernel time of a row, both directions. */
static inline __u64 conn_ktime(const struct conn_row *r)
{
	return r->s.send.ktime_ns + r->s.recv.ktime_ns;
}

/* "unix", "tcp" or "tcp6". */
const char *conn_proto(const struct conn_row *r);
/*
 * The local end as ss prints it: an AF_UNIX name (a path, @abstract with
 * its NULs as @, or * for none) or a TCP address:port ([v6]:port).
 */
char *conn_local(const struct conn_row *r, char *buf, size_t len);
/* The remote end: the AF_UNIX peer's inode (ss -x's "* INODE") or address:port. */
char *conn_remote(const struct conn_row *r, char *buf, size_t len);

#endif /* UDSTRACE_CONNS_USER_H */
