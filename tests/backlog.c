// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unix listener backpressure, made on purpose, for --listeners' tests. It
 * counts what its own connects got and prints it on stderr, one line:
 *   backlog: ok=N eagain=N refused=N other=N waited_ns=N
 *
 *   backlog full NAME B M [HOLD]  a listener with backlog B that never
 *                                 accepts, M non-blocking connects to it
 *   backlog refused NAME M        a bound socket that does not listen,
 *                                 M connects to it (ECONNREFUSED)
 *   backlog wait NAME MS          backlog 0: one connect fills the queue,
 *                                 a blocking one waits until a thread
 *                                 accepts, MS ms after it started
 *
 * NAME is a path, or @name for an abstract one. With HOLD, the listener
 * stays until the file HOLD exists (10 s at most), so that ss can see it.
 * BACKLOG_SEQPACKET=1 in the environment: seqpacket sockets, not stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static unsigned long ok, eagain, refused, other;
static int sock_type = SOCK_STREAM;
static unsigned long long waited_ns;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "backlog: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* NAME as a sockaddr_un: @x is abstract (no NUL after it). */
static socklen_t make_addr(const char *name, struct sockaddr_un *a)
{
	size_t n = strlen(name);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (n >= sizeof(a->sun_path))
		exit(2);
	memcpy(a->sun_path, name, n);
	if (name[0] == '@') {
		a->sun_path[0] = '\0';
		return offsetof(struct sockaddr_un, sun_path) + n;
	}
	unlink(name);
	return sizeof(*a);
}

static int bound(const char *name, int backlog)
{
	struct sockaddr_un a;
	socklen_t len = make_addr(name, &a);
	int fd = socket(AF_UNIX, sock_type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, len))
		die("bind");
	if (backlog >= 0 && listen(fd, backlog))
		die("listen");
	return fd;
}

/* One connect; the socket stays open (it holds its place in the queue). */
static void connect_one(const char *name, int nonblock)
{
	int fd = socket(AF_UNIX, sock_type | (nonblock ? SOCK_NONBLOCK : 0), 0);
	struct sockaddr_un a;
	socklen_t len;

	if (fd < 0)
		die("socket");
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strncpy(a.sun_path, name, sizeof(a.sun_path) - 1);
	len = sizeof(a);
	if (name[0] == '@') {
		a.sun_path[0] = '\0';
		len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
	}
	if (!connect(fd, (struct sockaddr *)&a, len)) {
		ok++;
		return;
	}
	if (errno == EAGAIN)
		eagain++;
	else if (errno == ECONNREFUSED)
		refused++;
	else
		other++;
	close(fd);
}

struct acceptor {
	int fd;
	unsigned long long at_ns;
};

static void *accept_later(void *arg)
{
	struct acceptor *ac = arg;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 10000000 };

	while (now_ns() < ac->at_ns)
		nanosleep(&ts, NULL);
	if (accept(ac->fd, NULL, NULL) < 0)
		die("accept");
	return NULL;
}

static void hold(const char *file)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 20000000 };

	for (int i = 0; file && i < 500 && access(file, F_OK); i++)
		nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[1] : "", *name = argv[2];
	pthread_t t;

	if (getenv("BACKLOG_SEQPACKET") && atoi(getenv("BACKLOG_SEQPACKET")))
		sock_type = SOCK_SEQPACKET;
	if (!strcmp(mode, "full") && argc >= 5) {
		int fd = bound(name, atoi(argv[3]));

		for (int i = atoi(argv[4]); i > 0; i--)
			connect_one(name, 1);
		fprintf(stderr, "backlog: ok=%lu eagain=%lu refused=%lu other=%lu waited_ns=0\n",
			ok, eagain, refused, other);
		hold(argc > 5 ? argv[5] : NULL);
		close(fd);
	} else if (!strcmp(mode, "refused") && argc == 4) {
		int fd = bound(name, -1);

		for (int i = atoi(argv[3]); i > 0; i--)
			connect_one(name, 0);
		close(fd);
	} else if (!strcmp(mode, "wait") && argc == 4) {
		struct acceptor ac = { .fd = bound(name, 0) };
		unsigned long long start;

		connect_one(name, 1);	/* the queue is full from here */
		start = now_ns();
		ac.at_ns = start + atoll(argv[3]) * 1000000ULL;
		if (pthread_create(&t, NULL, accept_later, &ac))
			die("pthread_create");
		connect_one(name, 0);
		waited_ns = now_ns() - start;
		pthread_join(t, NULL);
		close(ac.fd);
	} else {
		fprintf(stderr, "usage: backlog full NAME B M [HOLD] | refused NAME M | wait NAME MS\n");
		return 2;
	}
	if (strcmp(mode, "full"))
		fprintf(stderr, "backlog: ok=%lu eagain=%lu refused=%lu other=%lu waited_ns=%llu\n",
			ok, eagain, refused, other, waited_ns);
	if (name[0] != '@')
		unlink(name);
	return 0;
}
