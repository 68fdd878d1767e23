// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Three request-response connections at known rates, for --advise: in
 * each round connection 0 makes 100 exchanges, connection 1 makes 10 and
 * connection 2 makes 1 (a request and its reply: two sends, two reads).
 * Over loopback TCP or over AF_UNIX, so that the advisor's prediction for
 * TCP can be held against the same traffic over a Unix socket.
 *
 *   rates [-t tcp|unix] [-n ROUNDS] [-s BYTES]
 *
 * Prints one JSON line with what each connection did: its sends (both
 * ends), and the client's local and the server's port for TCP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NR_CONNS 3

static const long rate[NR_CONNS] = { 100, 10, 1 };
static long size = 100, rounds = 100;
static int tcp = 1;

struct conn {
	int client, server;
	long exchanges;
	unsigned short client_port, server_port;
	pthread_t th;
};

static void die(const char *what)
{
	fprintf(stderr, "rates: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int full_io(int fd, char *buf, long len, int out)
{
	while (len) {
		ssize_t n = out ? write(fd, buf, len) : read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The server end: echoes each request until the client closes. */
static void *serve(void *arg)
{
	struct conn *c = arg;
	char *buf = malloc(size);

	while (!full_io(c->server, buf, size, 0))
		if (full_io(c->server, buf, size, 1))
			die("reply");
	close(c->server);
	free(buf);
	return NULL;
}

static unsigned short port_of(int fd, int peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&a, &len))
		die("getsockname");
	return ntohs(a.sin_port);
}

static void open_conn(struct conn *c, int lfd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int sv[2], one = 1;

	if (!tcp) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("socketpair");
		c->client = sv[0];
		c->server = sv[1];
		return;
	}
	if (getsockname(lfd, (struct sockaddr *)&a, &len))
		die("getsockname");
	c->client = socket(AF_INET, SOCK_STREAM, 0);
	if (c->client < 0 || connect(c->client, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	c->server = accept(lfd, NULL, NULL);
	if (c->server < 0)
		die("accept");
	setsockopt(c->client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(c->server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->client_port = port_of(c->client, 0);
	c->server_port = port_of(c->client, 1);
}

static int listener(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, NR_CONNS))
		die("listen");
	return lfd;
}

int main(int argc, char **argv)
{
	struct conn conns[NR_CONNS] = {};
	char *buf;
	int opt, lfd = -1;

	while ((opt = getopt(argc, argv, "t:n:s:")) != -1) {
		switch (opt) {
		case 't': tcp = !strcmp(optarg, "tcp"); break;
		case 'n': rounds = atol(optarg); break;
		case 's': size = atol(optarg); break;
		default:
			fprintf(stderr, "usage: rates [-t tcp|unix] [-n ROUNDS] [-s BYTES]\n");
			return 2;
		}
	}
	if (rounds < 1 || size < 1 || size > 65536) {
		fprintf(stderr, "rates: want ROUNDS >= 1 and 1 to 65536 BYTES\n");
		return 2;
	}
	buf = calloc(1, size);
	if (tcp)
		lfd = listener();
	for (int i = 0; i < NR_CONNS; i++) {
		open_conn(&conns[i], lfd);
		pthread_create(&conns[i].th, NULL, serve, &conns[i]);
	}
	/* Interleaved, so each connection's rate holds over the whole run. */
	for (long r = 0; r < rounds; r++) {
		for (int i = 0; i < NR_CONNS; i++) {
			for (long k = 0; k < rate[i]; k++) {
				if (full_io(conns[i].client, buf, size, 1) ||
				    full_io(conns[i].client, buf, size, 0))
					die("exchange");
				conns[i].exchanges++;
			}
		}
	}
	for (int i = 0; i < NR_CONNS; i++) {
		close(conns[i].client);
		pthread_join(conns[i].th, NULL);
	}
	printf("{\"transport\":\"%s\",\"size\":%ld,\"conns\":[", tcp ? "tcp" : "unix", size);
	for (int i = 0; i < NR_CONNS; i++)
		printf("%s{\"exchanges\":%ld,\"sends\":%ld,\"client_port\":%u,\"server_port\":%u}",
		       i ? "," : "", conns[i].exchanges, 2 * conns[i].exchanges,
		       conns[i].client_port, conns[i].server_port);
	printf("]}\n");
	free(buf);
	return 0;
}
