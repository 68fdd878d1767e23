// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The per-connection (-S) fixture: connections with known, different
 * traffic, held open until told to go, so the tests can compare udstrace's
 * rows with the workload's own numbers and with ss.
 *
 *   connwork counts [-w FILE]
 *     A server process (comm "connsrv") listens on a bound AF_UNIX path and
 *     on 127.0.0.1; the client (comm "conncli", the parent) opens two
 *     AF_UNIX and two TCP connections to it and sends, on each, a known
 *     number of messages of a known size (7 x 100, 13 x 200 bytes over
 *     AF_UNIX; 5 x 300, 11 x 400 over TCP). The server reads every byte and
 *     never sends. One JSON line then names, per connection, both ends'
 *     socket inodes, the ports, the sends and bytes, and both processes.
 *     With -w, both hold every socket open until FILE exists.
 *   connwork block MS
 *     Over a socketpair, a thread sends until it blocks on the full buffer;
 *     the reader waits until the sender is asleep in write(), sleeps MS
 *     more, then reads everything. The sender's blocked time is >= MS.
 *   connwork pingpong K
 *     Over an AF_UNIX connection, then over a TCP one on 127.0.0.1, K
 *     round trips of one byte between two threads; each end writes only
 *     once the other is asleep in read(), so each of the 2K writes wakes
 *     a reader that sleeps: K wake-ups on each end's socket.
 * Each prints one JSON line with what it did.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "asleep.h"

#define NR_CONNS 4
#define DEADLINE_S 30

/* Connections 0 and 1 are AF_UNIX, 2 and 3 TCP. */
static const long sends[NR_CONNS] = { 7, 13, 5, 11 };
static const long sizes[NR_CONNS] = { 100, 200, 300, 400 };

static void die(const char *what)
{
	fprintf(stderr, "connwork: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long ino_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	return st.st_ino;
}

static int port_of(int fd, bool peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&a, &len))
		die("getsockname");
	return ntohs(a.sin_port);
}

static void write_all(int fd, const char *buf, long n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write");
		buf += w;
		n -= w;
	}
}

static void read_all(int fd, long n)
{
	char buf[4096];

	while (n > 0) {
		ssize_t r = read(fd, buf, n < (long)sizeof(buf) ? n : (long)sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("read");
		n -= r;
	}
}

/* Waits (at most DEADLINE_S) until @file exists. */
static void hold(const char *file)
{
	for (int i = 0; file && i < DEADLINE_S * 100; i++) {
		if (!access(file, F_OK))
			return;
		usleep(10000);
	}
}

static void wait_asleep(pid_t tid, long nr)
{
	for (int i = 0; i < DEADLINE_S * 10000; i++) {
		if (asleep_in(tid, nr))
			return;
		usleep(100);
	}
	fprintf(stderr, "connwork: thread %d never slept in syscall %ld\n", tid, nr);
	exit(1);
}

/* counts ------------------------------------------------------------- */

struct server_ends {
	unsigned long ino[NR_CONNS];	/* the accepted sockets' inodes */
	int port[NR_CONNS];		/* TCP: the accepted sockets' local ports */
};

/*
 * The server makes its own listeners, as a real one does, so the kernel's
 * peer credentials (sk_peer_pid) name it on the connecting side. It tells
 * the client the TCP port, then what it accepted, through @report.
 */
static void server(const struct sockaddr_un *ua, int report, const char *file)
{
	struct sockaddr_in ta = { .sin_family = AF_INET };
	socklen_t tlen = sizeof(ta);
	struct server_ends e = {};
	int ul, tl, fd[NR_CONNS];

	prctl(PR_SET_NAME, "connsrv");
	ta.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ul = socket(AF_UNIX, SOCK_STREAM, 0);
	tl = socket(AF_INET, SOCK_STREAM, 0);
	if (ul < 0 || tl < 0 || bind(ul, (void *)ua, sizeof(*ua)) ||
	    bind(tl, (void *)&ta, sizeof(ta)) || listen(ul, 8) || listen(tl, 8) ||
	    getsockname(tl, (void *)&ta, &tlen))
		die("listen");
	write_all(report, (char *)&ta, sizeof(ta));
	for (int c = 0; c < NR_CONNS; c++) {
		fd[c] = accept(c < 2 ? ul : tl, NULL, NULL);
		if (fd[c] < 0)
			die("accept");
		e.ino[c] = ino_of(fd[c]);
		e.port[c] = c < 2 ? 0 : port_of(fd[c], false);
	}
	for (int c = 0; c < NR_CONNS; c++)
		read_all(fd[c], sends[c] * sizes[c]);
	write_all(report, (char *)&e, sizeof(e));
	hold(file);
	exit(0);
}

static int work_counts(const char *file)
{
	struct sockaddr_un ua = { .sun_family = AF_UNIX };
	struct sockaddr_in ta;
	int fd[NR_CONNS], pfd[2], status;
	struct server_ends e;
	char buf[400] = {};
	pid_t srv;

	snprintf(ua.sun_path, sizeof(ua.sun_path), "/tmp/udstrace-connwork-%d.sock",
		 getpid());
	unlink(ua.sun_path);
	if (pipe(pfd))
		die("pipe");
	srv = fork();
	if (srv < 0)
		die("fork");
	if (!srv) {
		close(pfd[0]);
		server(&ua, pfd[1], file);
	}
	close(pfd[1]);
	if (read(pfd[0], &ta, sizeof(ta)) != sizeof(ta))
		die("the server's port");
	prctl(PR_SET_NAME, "conncli");
	/* Connected in order, so the server's accept() order matches. */
	for (int c = 0; c < NR_CONNS; c++) {
		fd[c] = socket(c < 2 ? AF_UNIX : AF_INET, SOCK_STREAM, 0);
		if (fd[c] < 0 || connect(fd[c], c < 2 ? (void *)&ua : (void *)&ta,
					 c < 2 ? sizeof(ua) : sizeof(ta)))
			die("connect");
	}
	for (int c = 0; c < NR_CONNS; c++)
		for (long i = 0; i < sends[c]; i++)
			write_all(fd[c], buf, sizes[c]);
	if (read(pfd[0], &e, sizeof(e)) != sizeof(e))
		die("the server's report");
	printf("{\"client_pid\":%d,\"server_pid\":%d,\"path\":\"%s\",\"conns\":[",
	       getpid(), srv, ua.sun_path);
	for (int c = 0; c < NR_CONNS; c++) {
		printf("%s{\"proto\":\"%s\",\"sends\":%ld,\"bytes\":%ld,"
		       "\"client_inode\":%lu,\"server_inode\":%lu",
		       c ? "," : "", c < 2 ? "unix" : "tcp", sends[c],
		       sends[c] * sizes[c], ino_of(fd[c]), e.ino[c]);
		if (c >= 2)
			printf(",\"client_port\":%d,\"server_port\":%d",
			       port_of(fd[c], false), e.port[c]);
		printf("}");
	}
	printf("]}\n");
	fflush(stdout);
	hold(file);
	if (waitpid(srv, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	unlink(ua.sun_path);
	return 0;
}

/* block -------------------------------------------------------------- */

static int block_fd[2];
static volatile pid_t block_tid;
static long long blocked_at_ns;	/* the sender seen asleep */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long block_sent;

static void *block_sender(void *arg)
{
	char buf[4096] = {};

	block_tid = syscall(SYS_gettid);
	/* Writes until the reader has read everything and shut its end. */
	for (;;) {
		ssize_t w = write(block_fd[0], buf, sizeof(buf));

		if (w <= 0)
			break;
		block_sent += w;
		if (block_sent >= 4 * 1024 * 1024)
			break;
	}
	shutdown(block_fd[0], SHUT_WR);
	return arg;
}

static int work_block(long ms)
{
	long long slept;
	pthread_t t;
	long got = 0;
	char buf[65536];
	ssize_t r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, block_fd))
		die("socketpair");
	if (pthread_create(&t, NULL, block_sender, NULL))
		die("pthread_create");
	while (!block_tid)
		usleep(100);
	wait_asleep(block_tid, SYS_write);
	blocked_at_ns = now_ns();
	usleep(ms * 1000);
	slept = now_ns() - blocked_at_ns;
	while ((r = read(block_fd[1], buf, sizeof(buf))) > 0)
		got += r;
	pthread_join(t, NULL);
	printf("{\"case\":\"block\",\"sender_inode\":%lu,\"reader_inode\":%lu,"
	       "\"bytes\":%ld,\"read\":%ld,\"asleep_ns\":%lld}\n",
	       ino_of(block_fd[0]), ino_of(block_fd[1]), block_sent, got, slept);
	return 0;
}

/* pingpong ----------------------------------------------------------- */

static int pp_fd[2];
static long pp_rounds;
static volatile pid_t pp_tid[2];

/* End @e: 0 starts each round, 1 answers. Writes only to a sleeping reader. */
static void *pp_end(void *arg)
{
	int e = (int)(long)arg;
	char b = 'x';

	pp_tid[e] = syscall(SYS_gettid);
	while (!pp_tid[!e])
		usleep(100);
	for (long i = 0; i < pp_rounds; i++) {
		if (e == 1)
			read_all(pp_fd[e], 1);
		wait_asleep(pp_tid[!e], SYS_read);
		write_all(pp_fd[e], &b, 1);
		if (e == 0)
			read_all(pp_fd[e], 1);
	}
	return NULL;
}

/* K round trips over pp_fd[0] (one end) and pp_fd[1] (the other). */
static void pingpong(long k)
{
	pthread_t t[2];

	pp_rounds = k;
	pp_tid[0] = pp_tid[1] = 0;
	for (long e = 0; e < 2; e++)
		if (pthread_create(&t[e], NULL, pp_end, (void *)e))
			die("pthread_create");
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
}

static int work_pingpong(long k)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct sockaddr_in ta = { .sin_family = AF_INET };
	socklen_t len, tlen = sizeof(ta);
	unsigned long ci, si;
	int l, tl;

	/* An abstract name, so the rows show @NAME as ss -x does. */
	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "udstrace-pingpong-%d",
		 getpid());
	/* The name's own length: no trailing NULs in it. */
	len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	pp_fd[0] = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || pp_fd[0] < 0 || bind(l, (void *)&a, len) ||
	    listen(l, 1) || connect(pp_fd[0], (void *)&a, len))
		die("connect");
	pp_fd[1] = accept(l, NULL, NULL);
	if (pp_fd[1] < 0)
		die("accept");
	pingpong(k);
	ci = ino_of(pp_fd[0]);
	si = ino_of(pp_fd[1]);

	ta.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tl = socket(AF_INET, SOCK_STREAM, 0);
	pp_fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (tl < 0 || pp_fd[0] < 0 || bind(tl, (void *)&ta, sizeof(ta)) ||
	    listen(tl, 1) || getsockname(tl, (void *)&ta, &tlen) ||
	    connect(pp_fd[0], (void *)&ta, sizeof(ta)))
		die("tcp connect");
	pp_fd[1] = accept(tl, NULL, NULL);
	if (pp_fd[1] < 0)
		die("accept");
	pingpong(k);
	printf("{\"case\":\"pingpong\",\"rounds\":%ld,\"client_inode\":%lu,"
	       "\"server_inode\":%lu,\"name\":\"@%s\",\"tcp_client_port\":%d,"
	       "\"tcp_server_port\":%d}\n", k, ci, si, a.sun_path + 1,
	       port_of(pp_fd[0], false), port_of(pp_fd[1], false));
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "counts"))
		return work_counts(argc == 4 && !strcmp(argv[2], "-w") ? argv[3] : NULL);
	if (argc == 3 && !strcmp(argv[1], "block"))
		return work_block(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "pingpong"))
		return work_pingpong(atol(argv[2]));
	fprintf(stderr, "usage: connwork counts [-w FILE] | block MS | pingpong K\n");
	return 2;
}
