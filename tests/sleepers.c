// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A test fixture for the kprobe backend: R threads asleep in read() at
 * once on AF_UNIX stream sockets, and R on TCP loopback connections, so
 * that more calls wait for their return than a kretprobe has instances.
 * A forked child holds the other ends and does all the writing: under -p
 * only the readers are traced.
 *
 *   sleepers -n R [-s BYTES] [-w] [-a]
 *   -w  print "ready" and wait for SIGUSR1 before the readers start
 *   -a  once every reader sleeps in read(), print "asleep" and wait for
 *       SIGUSR1 before the child writes
 *
 * Each reader reads in two rounds. Round one: every reader sleeps in
 * read(), then the child writes one message of BYTES to each. A barrier
 * holds every reader until all have returned from round one. Round two:
 * every reader sleeps in read() again, then the child closes its ends
 * and each read returns 0. So in each round all 2R readers sleep at once,
 * and no call of one round overlaps a call of the other.
 *
 * The readers count their own read() calls and bytes; the totals are
 * printed as one JSON line at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "asleep.h"

#define DEADLINE_MS 30000

struct reader {
	int fd;
	pid_t tid;		/* set by the thread once it runs */
	long reads, bytes;
};

static long nr, size = 100;
static struct reader *readers;	/* 2 * nr: AF_UNIX first, then TCP */
static pthread_barrier_t round_one;
static long round_one_done;

static void die(const char *what)
{
	fprintf(stderr, "sleepers: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *reader(void *arg)
{
	struct reader *r = arg;
	char buf[65536];
	ssize_t n;

	__atomic_store_n(&r->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	n = read(r->fd, buf, sizeof(buf));
	r->reads++;
	if (n < 0)
		die("read");
	r->bytes += n;
	__atomic_add_fetch(&round_one_done, 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&round_one);
	do {
		n = read(r->fd, buf, sizeof(buf));
		r->reads++;
		if (n < 0)
			die("read");
		r->bytes += n;
	} while (n > 0);
	return NULL;
}

/* Waits (at most DEADLINE_MS) until @done threads are through round one
 * and every reader sleeps in read(). */
static void wait_asleep(long done)
{
	for (int ms = 0; ms < DEADLINE_MS; ms++) {
		long i = 0;

		if (__atomic_load_n(&round_one_done, __ATOMIC_SEQ_CST) == done)
			for (; i < 2 * nr; i++) {
				pid_t tid = __atomic_load_n(&readers[i].tid, __ATOMIC_SEQ_CST);

				if (!tid || !asleep_in_read(tid))
					break;
			}
		if (i == 2 * nr)
			return;
		usleep(1000);
	}
	errno = ETIMEDOUT;
	die("the readers never all slept in read()");
}

static void wait_usr1(const sigset_t *set)
{
	int sig;

	if (sigwait(set, &sig))
		die("sigwait");
}

/* @n connected loopback TCP pairs: the accepted ends to @in, the others to @out. */
static void tcp_pairs(long n, int *in, int *out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, len) || listen(lfd, n) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len))
		die("tcp listen");
	for (long i = 0; i < n; i++) {
		out[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (out[i] < 0 || connect(out[i], (struct sockaddr *)&sa, len))
			die("tcp connect");
		in[i] = accept(lfd, NULL, NULL);
		if (in[i] < 0)
			die("accept");
	}
	close(lfd);
}

/* The child: on 'w' writes one message to each end, on 'c' closes them. */
static void writer(int cmd, const int *ends)
{
	char *buf = calloc(1, size), c;

	while (read(cmd, &c, 1) == 1) {
		for (long i = 0; i < 2 * nr; i++) {
			if (c == 'w' && write(ends[i], buf, size) != size)
				die("write");
			if (c == 'c')
				close(ends[i]);
		}
		if (c == 'c')
			_exit(0);
	}
	_exit(1);
}

static void tell(int cmd, char c)
{
	if (write(cmd, &c, 1) != 1)
		die("write to the child");
}

int main(int argc, char **argv)
{
	int opt, wait_start = 0, wait_asleep_sig = 0, cmd[2], st;
	long unix_reads = 0, unix_bytes = 0, tcp_reads = 0, tcp_bytes = 0;
	pthread_t *th;
	sigset_t set;
	int *ends;
	pid_t child;

	while ((opt = getopt(argc, argv, "n:s:wa")) != -1) {
		switch (opt) {
		case 'n': nr = atol(optarg); break;
		case 's': size = atol(optarg); break;
		case 'w': wait_start = 1; break;
		case 'a': wait_asleep_sig = 1; break;
		default:
			fprintf(stderr, "usage: sleepers -n R [-s BYTES] [-w] [-a]\n");
			return 2;
		}
	}
	if (nr <= 0 || size <= 0 || size > 65536) {
		fprintf(stderr, "sleepers: -n must be positive, -s 1 to 65536\n");
		return 2;
	}
	/* SIGUSR1 is taken by sigwait, in every thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	readers = calloc(2 * nr, sizeof(*readers));
	ends = calloc(2 * nr, sizeof(*ends));
	th = calloc(2 * nr, sizeof(*th));
	for (long i = 0; i < nr; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("socketpair");
		readers[i].fd = sv[1];
		ends[i] = sv[0];
	}
	{
		int *in = calloc(nr, sizeof(int));

		tcp_pairs(nr, in, ends + nr);
		for (long i = 0; i < nr; i++)
			readers[nr + i].fd = in[i];
		free(in);
	}
	if (pipe(cmd))
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		close(cmd[1]);
		for (long i = 0; i < 2 * nr; i++)
			close(readers[i].fd);
		writer(cmd[0], ends);
	}
	close(cmd[0]);
	for (long i = 0; i < 2 * nr; i++)
		close(ends[i]);
	if (wait_start) {
		printf("ready\n");
		fflush(stdout);
		wait_usr1(&set);
	}
	pthread_barrier_init(&round_one, NULL, 2 * nr);
	for (long i = 0; i < 2 * nr; i++)
		if (pthread_create(&th[i], NULL, reader, &readers[i]))
			die("pthread_create");
	wait_asleep(0);
	if (wait_asleep_sig) {
		printf("asleep\n");
		fflush(stdout);
		wait_usr1(&set);
	}
	tell(cmd[1], 'w');
	wait_asleep(2 * nr);
	tell(cmd[1], 'c');
	for (long i = 0; i < 2 * nr; i++)
		pthread_join(th[i], NULL);
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st))
		die("the writing child failed");
	for (long i = 0; i < nr; i++) {
		unix_reads += readers[i].reads;
		unix_bytes += readers[i].bytes;
		tcp_reads += readers[nr + i].reads;
		tcp_bytes += readers[nr + i].bytes;
	}
	printf("{\"readers\":%ld,\"unix_reads\":%ld,\"unix_bytes\":%ld,\"tcp_reads\":%ld,\"tcp_bytes\":%ld}\n",
	       nr, unix_reads, unix_bytes, tcp_reads, tcp_bytes);
	return 0;
}
