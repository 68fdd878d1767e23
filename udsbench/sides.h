/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The two ends of a run: the client here, the server in a thread or child. */
#ifndef UDSBENCH_SIDES_H
#define UDSBENCH_SIDES_H

#include "transport.h"
#include "udsbench.h"

enum side_err { SIDE_OK, SIDE_IO, SIDE_DATA };

/* What a side reports; the server's crosses a pipe in process mode. */
struct side_result {
	uint64_t send_calls;	/* every send() on the socket, partial or failed */
	uint64_t bytes_sent;
	uint64_t recv_calls;	/* every recv(), the one that sees the end included */
	uint64_t bytes_received;
	uint64_t msgs;		/* complete, verified messages (or round trips) */
	uint64_t t_start_ns;	/* client: when its first message left */
	uint64_t t_end_ns;	/* server: when its last message was verified */
	enum side_err err;
	char msg[200];		/* why, when err != SIDE_OK */
};

/* One run as both sides see it. */
struct job {
	enum transport tr;
	enum mode mode;
	size_t size;
	uint64_t count;		/* NO_LIMIT: until the deadline */
	double duration_s;	/* 0: no deadline */
};

struct side {
	int fd;
	int cpu;		/* -1: not pinned */
	int64_t corrupt;	/* message to damage when sending; -1 = none */
	const struct job *job;
	struct side_result res;
	uint64_t *samples;	/* client, latency: RTT of each round trip, ns */
	size_t nr_samples, cap_samples;
};

typedef void (*side_fn)(struct side *s);

/*
 * Runs server() on the server end in a child process (or a thread with
 * --threads) and client() on the client end in the caller, each pinned
 * to its CPU when asked. Both sockets are closed and the child reaped
 * when it returns. s[SIDE_CLIENT] and s[SIDE_SERVER] hold the results.
 */
void sides_run(struct conn *c, const struct config *cfg, side_fn client,
	       side_fn server, struct side s[2]);

/* Sets s->res.err and its message, unless an error is already recorded. */
void side_error(struct side *s, enum side_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* UDSBENCH_SIDES_H */
