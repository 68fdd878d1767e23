// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Connected socket pairs: AF_UNIX (socketpair or path + connect) and TCP 127.0.0.1. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "transport.h"

static int fail(const char *what)
{
	fprintf(stderr, "udsbench: %s: %s\n", what, strerror(errno));
	return -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* listener + connect + accept; the caller has bound lfd to sa already. */
static int connect_accept(struct conn *c, int lfd, int family,
			  const struct sockaddr *sa, socklen_t len, const char *name)
{
	char what[64];

	snprintf(what, sizeof(what), "%s listen", name);
	if (listen(lfd, 1))
		return fail(what);
	c->fd[SIDE_CLIENT] = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(what, sizeof(what), "%s connect", name);
	if (c->fd[SIDE_CLIENT] < 0)
		return fail(what);
	c->connects++;
	if (connect(c->fd[SIDE_CLIENT], sa, len))
		return fail(what);
	c->fd[SIDE_SERVER] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	snprintf(what, sizeof(what), "%s accept", name);
	if (c->fd[SIDE_SERVER] < 0)
		return fail(what);
	return 0;
}

static int uds_connect(struct conn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *tmp = getenv("TMPDIR");
	char dir[sizeof(sa.sun_path) - 8];
	int lfd, err = -1;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (snprintf(dir, sizeof(dir), "%s/udsbench.XXXXXX", tmp) >= (int)sizeof(dir)) {
		fprintf(stderr, "udsbench: TMPDIR '%s' is too long for a socket path\n", tmp);
		return -1;
	}
	if (!mkdtemp(dir))
		return fail("mkdtemp");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa))) {
		fail("uds bind");
		goto out;
	}
	err = connect_accept(c, lfd, AF_UNIX, (struct sockaddr *)&sa, sizeof(sa), "uds");
out:
	if (lfd >= 0)
		close(lfd);
	unlink(sa.sun_path);
	if (rmdir(dir))
		err = fail("rmdir of the socket's temp dir");
	return err;
}

static int tcp_connect(struct conn *c, bool nodelay)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd, one = 1, err = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, len) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len)) {
		fail("tcp bind 127.0.0.1");
		goto out;
	}
	if (connect_accept(c, lfd, AF_INET, (struct sockaddr *)&sa, len, "tcp"))
		goto out;
	err = 0;
	for (int i = 0; i < 2 && nodelay; i++)
		if (setsockopt(c->fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
			err = fail("setsockopt TCP_NODELAY");
out:
	if (lfd >= 0)
		close(lfd);
	return err;
}

int conn_open(struct conn *c, enum transport tr, const struct config *cfg)
{
	int fds[2], err;

	c->fd[0] = c->fd[1] = -1;
	c->connects = 0;
	if (tr == TR_TCP)
		err = tcp_connect(c, cfg->nodelay);
	else if (cfg->uds_setup == UDS_CONNECT)
		err = uds_connect(c);
	else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
		err = fail("socketpair");
	else {
		c->fd[SIDE_CLIENT] = fds[0];
		c->fd[SIDE_SERVER] = fds[1];
		err = 0;
	}
	if (err) {
		close_fd(&c->fd[0]);
		close_fd(&c->fd[1]);
	}
	return err;
}
