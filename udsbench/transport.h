/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef UDSBENCH_TRANSPORT_H
#define UDSBENCH_TRANSPORT_H

#include "udsbench.h"

/* A connected pair of stream sockets, one end per side. */
struct conn {
	int fd[2];		/* [SIDE_CLIENT], [SIDE_SERVER] */
	uint64_t connects;	/* connect() calls made to set it up */
};

/*
 * Connects a pair for tr: socketpair(), or an AF_UNIX listener on a path
 * in a fresh temp dir plus connect() (the path and dir are removed before
 * this returns), or TCP over 127.0.0.1 with an ephemeral port. Returns 0,
 * or -1 after printing why on stderr.
 */
int conn_open(struct conn *c, enum transport tr, const struct config *cfg);

#endif /* UDSBENCH_TRANSPORT_H */
