// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A deterministic workload for the tests: exactly N AF_UNIX stream sends,
 * M AF_UNIX stream connects and K TCP sends to 127.0.0.1, each of a fixed
 * size, so the tests can demand exact counts. The receiving ends run in
 * threads of the same process and never send; they count their own read()
 * calls, so the receive rows can be checked exactly too. Each side also
 * times its own send(), read() and connect() calls (CLOCK_MONOTONIC, the
 * clock of bpf_ktime_get_ns): the kernel's part of a call lies inside
 * that interval, so no tracer can see more time than the workload reports.
 *
 *   workload [-u N] [-c M] [-t K] [-s BYTES] [-l] [-b MS] [-r MS] [-f] [-D] [-w]
 *            [-P CPU] [-B BYTES] [-L T] [-F] [-x CASE]
 *   -l  lockstep: send the next message only once the last one was read,
 *       so every TCP send goes out at once instead of queueing behind
 *       the congestion window
 *   -b  the AF_UNIX reader starts MS milliseconds late, so the sender
 *       fills the socket buffer and blocks
 *   -r  the TCP sender waits until its reader sleeps in read(), then MS
 *       milliseconds more: that read() blocks at least MS milliseconds
 *   -f  do the work in a grandchild (fork twice)
 *   -D  do it in a daemon: double fork, setsid, middle process exits
 *   -w  print "ready" and wait for SIGUSR1 before starting
 *   -P  pin the sending thread to CPU; the receiving threads stay free
 *   -B  force the AF_UNIX sender's buffer to BYTES (SO_SNDBUFFORCE, root),
 *       so its sends never wait for the reader
 *   -L  load: T sender threads (T even), pinned round-robin to the CPUs,
 *       each making N AF_UNIX and K TCP sends interleaved; two threads
 *       share each connection, one at each end, so every connection
 *       carries traffic both ways at once. Every end has its own reader.
 *       Each thread counts its own calls and bytes (a short send is
 *       finished by another call, and counted as one). Then M connects.
 *       The report has load_ns, how long the traffic took, and no times
 *       per call.
 *   -F  TCP Fast Open: each TCP send on a connection of its own, opened by
 *       that send (sendto with MSG_FASTOPEN on an unconnected socket; needs
 *       net.ipv4.tcp_fastopen with the client and server bits, 3)
 *   -x  instead of the default work, one other way of writing to or reading
 *       from a socket, N times over AF_UNIX and K times over TCP:
 *       sendfile, splice-in (pipe to socket), sendmmsg, uring-send (the
 *       other end read()s); splice-out (socket to pipe), recvmmsg, peek
 *       (recv MSG_PEEK, then read), uring-recv (the other end send()s);
 *       or M connects: seqpacket (SOCK_SEQPACKET), uring-connect. io_uring
 *       is driven by raw syscalls. BYTES is at most a page, so a sendfile
 *       or splice is one call of the socket's. The JSON line also has
 *       "case", and per side the syscalls that made the calls: a sendmmsg
 *       or recvmmsg makes VLEN (4) calls, io_uring makes them inside
 *       io_uring_enter and counts no syscall.
 * It prints what it did as one JSON line when the work is done.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "asleep.h"

static long n_unix, n_connect, n_tcp, size = 100;
static int lockstep;
static long reader_delay_ms, sender_delay_ms;
static long long unix_send_ns, tcp_send_ns, connect_ns;
static cpu_set_t free_cpus;	/* -P: the CPUs the receiving threads may use */
static int pinned;
static int sndbuf;		/* -B */
static long n_threads;		/* -L */
static int fastopen;		/* -F */
static const char *xcase;	/* -x */
static long x_connect_syscalls;	/* -x: connect(2) calls made */

static int is_case(const char *name);
static int ring_do(int op, int fd, const void *addr, unsigned int len, __u64 off);

/*
 * What the receiving threads did: read() calls (the final 0 included),
 * bytes, and the time spent in read().
 */
struct drained {
	int fd;
	pid_t tid;		/* the reading thread, for -r */
	long calls;
	long bytes;
	long long ns;
	pthread_mutex_t lock;	/* -l: the sender waits for bytes to grow */
	pthread_cond_t more;
};

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct drained unix_rx = {
	.lock = PTHREAD_MUTEX_INITIALIZER, .more = PTHREAD_COND_INITIALIZER,
};
static struct drained tcp_rx = {
	.lock = PTHREAD_MUTEX_INITIALIZER, .more = PTHREAD_COND_INITIALIZER,
};

static void *drain(void *arg)
{
	struct drained *d = arg;
	char buf[65536];
	ssize_t n;

	if (pinned)
		sched_setaffinity(0, sizeof(free_cpus), &free_cpus);
	if (d == &unix_rx && reader_delay_ms)
		usleep(reader_delay_ms * 1000);
	pthread_mutex_lock(&d->lock);
	d->tid = syscall(SYS_gettid);
	pthread_mutex_unlock(&d->lock);
	do {
		long long t0 = now_ns(), t;

		n = read(d->fd, buf, sizeof(buf));
		t = now_ns() - t0;
		pthread_mutex_lock(&d->lock);
		d->calls++;
		d->ns += t;
		if (n > 0)
			d->bytes += n;
		pthread_cond_signal(&d->more);
		pthread_mutex_unlock(&d->lock);
	} while (n > 0);
	close(d->fd);
	return NULL;
}

/*
 * -L: like drain, without the lock (nobody waits on it), and the fd stays
 * open: its own sender still uses it.
 */
static void *drain_keep(void *arg)
{
	struct drained *d = arg;
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(d->fd, buf, sizeof(buf));
		d->calls++;
		if (n > 0)
			d->bytes += n;
		else if (!n)
			return NULL;
		else if (errno != EINTR)
			die("read");
	}
}

/* -r: waits (at most 30 s) until @rx's reader sleeps in read(), then MS more. */
static void wait_reader_asleep(struct drained *rx)
{
	for (int i = 0; i < 30000; i++) {
		pid_t tid;

		pthread_mutex_lock(&rx->lock);
		tid = rx->tid;
		pthread_mutex_unlock(&rx->lock);
		if (tid && asleep_in_read(tid)) {
			usleep(sender_delay_ms * 1000);
			return;
		}
		usleep(1000);
	}
	errno = ETIMEDOUT;
	die("-r: the reader never slept in read()");
}

static void send_all(int fd, long n, struct drained *rx, long long *ns)
{
	char *buf = malloc(size);

	memset(buf, 'x', size);
	for (long i = 0; i < n; i++) {
		long long t0 = now_ns();

		if (send(fd, buf, size, 0) != size)
			die("send");
		*ns += now_ns() - t0;
		if (!lockstep)
			continue;
		pthread_mutex_lock(&rx->lock);
		while (rx->bytes < (i + 1) * size)
			pthread_cond_wait(&rx->more, &rx->lock);
		pthread_mutex_unlock(&rx->lock);
	}
	free(buf);
}

static void unix_sends(void)
{
	pthread_t th;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	if (sndbuf && setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
				 sizeof(sndbuf)))
		die("SO_SNDBUFFORCE");
	unix_rx.fd = sv[1];
	pthread_create(&th, NULL, drain, &unix_rx);
	send_all(sv[0], n_unix, &unix_rx, &unix_send_ns);
	close(sv[0]);
	pthread_join(th, NULL);
}

static void *accept_n(void *arg)
{
	int lfd = (int)(long)arg;

	for (long i = 0; i < n_connect; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			die("accept");
		close(fd);
	}
	return NULL;
}

/* -x seqpacket: SOCK_SEQPACKET, whose connect is unix_stream_connect too. */
static void unix_connects(void)
{
	int type = is_case("seqpacket") ? SOCK_SEQPACKET : SOCK_STREAM;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timespec now;
	socklen_t len;
	pthread_t th;
	int lfd;

	/*
	 * Abstract name: nothing to clean up on disk. Abstract names are per
	 * network namespace, PIDs per PID namespace: two workloads in two PID
	 * namespaces can share a PID, so the clock makes the name unique.
	 */
	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "udstrace-test-%d-%lld-%ld",
		 getpid(), (long long)now.tv_sec, now.tv_nsec);
	len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1);
	lfd = socket(AF_UNIX, type, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, len) || listen(lfd, 128))
		die("unix listen");
	pthread_create(&th, NULL, accept_n, (void *)(long)lfd);
	for (long i = 0; i < n_connect; i++) {
		int fd = socket(AF_UNIX, type, 0), err;
		long long t0 = now_ns();

		if (fd < 0)
			die("socket");
		if (is_case("uring-connect")) {
			err = ring_do(IORING_OP_CONNECT, fd, &sa, 0, len);
			errno = -err;
		} else {
			err = connect(fd, (struct sockaddr *)&sa, len);
			x_connect_syscalls++;
		}
		if (err)
			die("unix connect");
		connect_ns += now_ns() - t0;
		close(fd);
	}
	pthread_join(th, NULL);
	close(lfd);
}

/* -F: accepts the connections one by one and reads each to its end. */
static void *accept_drain(void *arg)
{
	int lfd = *(int *)arg;

	for (long i = 0; i < n_tcp; i++) {
		tcp_rx.fd = accept(lfd, NULL, NULL);
		if (tcp_rx.fd < 0)
			die("accept");
		drain(&tcp_rx);
	}
	return NULL;
}

/* -F: n_tcp sends, each connecting a new socket with TCP Fast Open. */
static void tcp_fastopen_sends(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd, qlen = 16;
	char *buf = malloc(size);
	pthread_t th;

	memset(buf, 'x', size);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)) ||
	    bind(lfd, (struct sockaddr *)&sa, len) || listen(lfd, 128) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len))
		die("tcp fastopen listen");
	pthread_create(&th, NULL, accept_drain, &lfd);
	for (long i = 0; i < n_tcp; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		long long t0 = now_ns();

		if (fd < 0 || sendto(fd, buf, size, MSG_FASTOPEN,
				     (struct sockaddr *)&sa, len) != size)
			die("sendto MSG_FASTOPEN");
		tcp_send_ns += now_ns() - t0;
		close(fd);
	}
	pthread_join(th, NULL);
	close(lfd);
	free(buf);
}

static void tcp_sends(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd, fd, afd, one = 1;
	pthread_t th;

	if (fastopen) {
		tcp_fastopen_sends();
		return;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, len) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len))
		die("tcp listen");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len))
		die("tcp connect");
	afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		die("accept");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	tcp_rx.fd = afd;
	pthread_create(&th, NULL, drain, &tcp_rx);
	if (sender_delay_ms)
		wait_reader_asleep(&tcp_rx);
	send_all(fd, n_tcp, &tcp_rx, &tcp_send_ns);
	close(fd);
	pthread_join(th, NULL);
	close(lfd);
}

/* -L: the threads of one connection end, and what they did. */
struct load_end {
	int ufd, tfd;		/* this end of the AF_UNIX and the TCP connection */
	int cpu;		/* the sender's CPU, or -1 */
	long usends, ubytes, tsends, tbytes;	/* the sender's */
	struct drained urx, trx;		/* the readers' */
};

/* One message, however many calls it takes; returns the calls made. */
static long send_msg(int fd, const char *buf, long *bytes)
{
	long calls = 0, done = 0;

	while (done < size) {
		ssize_t n = send(fd, buf + done, size - done, 0);

		calls++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("send");
		done += n;
	}
	*bytes += done;
	return calls;
}

static void *load_sender(void *arg)
{
	struct load_end *e = arg;
	long steps = n_unix > n_tcp ? n_unix : n_tcp;
	char *buf = malloc(size);

	if (e->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(e->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	memset(buf, 'y', size);
	/* Both kinds spread evenly over the run, not one after the other. */
	for (long i = 0; i < steps; i++) {
		if ((i + 1) * n_unix / steps != i * n_unix / steps)
			e->usends += send_msg(e->ufd, buf, &e->ubytes);
		if ((i + 1) * n_tcp / steps != i * n_tcp / steps)
			e->tsends += send_msg(e->tfd, buf, &e->tbytes);
	}
	/* The peer's readers see the end; ours keep reading the peer. */
	shutdown(e->ufd, SHUT_WR);
	shutdown(e->tfd, SHUT_WR);
	free(buf);
	return NULL;
}

/* A connected loopback TCP pair. */
static void tcp_pair(int sv[2])
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd, one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, len) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len))
		die("tcp listen");
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[0] < 0 || connect(sv[0], (struct sockaddr *)&sa, len))
		die("tcp connect");
	sv[1] = accept(lfd, NULL, NULL);
	if (sv[1] < 0)
		die("accept");
	setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(lfd);
}

/* -L: the load, then the connects; prints the totals. */
static void load(void)
{
	struct load_end *e = calloc(n_threads, sizeof(*e));
	pthread_t *th = calloc(3 * n_threads, sizeof(*th));
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	long us = 0, ub = 0, ts = 0, tb = 0, ur = 0, urb = 0, tr = 0, trb = 0;
	long long t0;

	for (long i = 0; i < n_threads; i += 2) {
		int u[2], t[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, u))
			die("socketpair");
		tcp_pair(t);
		for (int k = 0; k < 2; k++) {
			e[i + k].ufd = e[i + k].urx.fd = u[k];
			e[i + k].tfd = e[i + k].trx.fd = t[k];
			e[i + k].cpu = ncpu > 0 ? (i + k) % ncpu : -1;
		}
	}
	t0 = now_ns();
	for (long i = 0; i < n_threads; i++) {
		pthread_create(&th[3 * i], NULL, drain_keep, &e[i].urx);
		pthread_create(&th[3 * i + 1], NULL, drain_keep, &e[i].trx);
		pthread_create(&th[3 * i + 2], NULL, load_sender, &e[i]);
	}
	for (long i = 0; i < 3 * n_threads; i++)
		pthread_join(th[i], NULL);
	t0 = now_ns() - t0;
	for (long i = 0; i < n_threads; i++) {
		close(e[i].ufd);
		close(e[i].tfd);
		us += e[i].usends;
		ub += e[i].ubytes;
		ts += e[i].tsends;
		tb += e[i].tbytes;
		ur += e[i].urx.calls;
		urb += e[i].urx.bytes;
		tr += e[i].trx.calls;
		trb += e[i].trx.bytes;
	}
	free(e);
	free(th);
	unix_connects();
	printf("{\"pid\":%d,\"threads\":%ld,\"load_ns\":%lld,\"unix_sends\":%ld,"
	       "\"unix_bytes\":%ld,\"connects\":%ld,\"tcp_sends\":%ld,\"tcp_bytes\":%ld,"
	       "\"unix_recvs\":%ld,\"unix_recv_bytes\":%ld,\"tcp_recvs\":%ld,"
	       "\"tcp_recv_bytes\":%ld}\n",
	       getpid(), n_threads, t0, us, ub, n_connect, ts, tb, ur, urb, tr, trb);
	fflush(stdout);
}

/* --- -x: the other ways of writing to and reading from a socket ---------- */

#define VLEN 4		/* messages per sendmmsg and per recvmmsg */

/* What one end did in a -x case: calls as the kernel makes them, syscalls. */
struct xside {
	long calls, bytes, syscalls, peeks;
};

static struct xside x_usend, x_tsend, x_urecv, x_trecv;
static int x_file = -1;		/* sendfile's source: size bytes */

static int is_case(const char *name)
{
	return xcase && !strcmp(xcase, name);
}

/* A one-entry io_uring driven by raw syscalls, so no liburing is needed. */
static struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
} ring = { .fd = -1 };

static void *ring_map(int fd, size_t len, off_t what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		       fd, what);

	if (p == MAP_FAILED)
		die("io_uring mmap");
	return p;
}

static void ring_init(void)
{
	struct io_uring_params p;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	ring.fd = syscall(__NR_io_uring_setup, 1, &p);
	if (ring.fd < 0)
		die("io_uring_setup");
	sq = ring_map(ring.fd, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		      IORING_OFF_SQ_RING);
	cq = ring_map(ring.fd, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		      IORING_OFF_CQ_RING);
	ring.sqes = ring_map(ring.fd, p.sq_entries * sizeof(struct io_uring_sqe),
			     IORING_OFF_SQES);
	ring.sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	ring.sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	ring.sq_array = (unsigned int *)(sq + p.sq_off.array);
	ring.cq_head = (unsigned int *)(cq + p.cq_off.head);
	ring.cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	ring.cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	ring.cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

/* One operation through the ring, waited for: its result (or -errno). */
static int ring_do(int op, int fd, const void *addr, unsigned int len, __u64 off)
{
	unsigned int tail, head, slot;
	struct io_uring_sqe *sqe;
	int res;

	if (ring.fd < 0)
		ring_init();
	tail = *ring.sq_tail;
	slot = tail & *ring.sq_mask;
	sqe = &ring.sqes[slot];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (unsigned long)addr;
	sqe->len = len;
	sqe->off = off;		/* IORING_OP_CONNECT: addr2, the address length */
	ring.sq_array[slot] = slot;
	__atomic_store_n(ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		die("io_uring_enter");
	head = *ring.cq_head;
	if (head == __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE)) {
		errno = EPROTO;
		die("io_uring: no completion");
	}
	res = ring.cqes[head & *ring.cq_mask].res;
	__atomic_store_n(ring.cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static void xpair(int tcp, int sv[2])
{
	if (tcp)
		tcp_pair(sv);
	else if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
}

/* One write of @size bytes into @fd, the -x case's way; counts it in @s. */
static void x_write(int fd, const char *buf, struct xside *s)
{
	long n, calls = 1;

	if (is_case("sendfile")) {
		off_t off = 0;

		n = sendfile(fd, x_file, &off, size);
	} else if (is_case("splice-in")) {
		int p[2];

		if (pipe(p) || write(p[1], buf, size) != size)
			die("pipe");
		n = splice(p[0], NULL, fd, NULL, size, 0);
		close(p[0]);
		close(p[1]);
	} else if (is_case("sendmmsg")) {
		struct mmsghdr v[VLEN];
		struct iovec iov = { .iov_base = (void *)buf, .iov_len = size };

		memset(v, 0, sizeof(v));
		for (int i = 0; i < VLEN; i++) {
			v[i].msg_hdr.msg_iov = &iov;
			v[i].msg_hdr.msg_iovlen = 1;
		}
		if (sendmmsg(fd, v, VLEN, 0) != VLEN)
			die("sendmmsg");
		for (int i = n = 0; i < VLEN; i++)
			n += v[i].msg_len;
		calls = VLEN;
	} else if (is_case("uring-send")) {
		n = ring_do(IORING_OP_SEND, fd, buf, size, 0);
		s->syscalls--;	/* io_uring_enter is no send syscall */
		errno = n < 0 ? -n : 0;
	} else {
		n = send(fd, buf, size, 0);
	}
	if (n != size * calls)
		die(xcase);
	s->calls += calls;
	s->bytes += n;
	s->syscalls++;
}

/* The sending cases: N (or K) writes the case's way; a thread read()s. */
static void x_send(int tcp, long n)
{
	struct drained *rx = tcp ? &tcp_rx : &unix_rx;
	struct xside *s = tcp ? &x_tsend : &x_usend, *r = tcp ? &x_trecv : &x_urecv;
	char *buf = malloc(size);
	pthread_t th;
	int sv[2];

	memset(buf, 'x', size);
	xpair(tcp, sv);
	rx->fd = sv[1];
	pthread_create(&th, NULL, drain, rx);
	for (long i = 0; i < n; i++)
		x_write(sv[0], buf, s);
	close(sv[0]);
	pthread_join(th, NULL);
	r->calls = r->syscalls = rx->calls;
	r->bytes = rx->bytes;
	free(buf);
}

/* The receiving end of a receiving case, in its own thread. */
struct xreader {
	int fd;
	long n;			/* recvmmsg: syscalls to make */
	struct xside *s;
};

static void *x_read(void *arg)
{
	struct xreader *x = arg;
	struct xside *s = x->s;
	char buf[65536];
	long n;
	int p[2];

	if (is_case("recvmmsg")) {
		struct mmsghdr v[VLEN];
		struct iovec iov[VLEN];

		memset(v, 0, sizeof(v));
		for (int i = 0; i < VLEN; i++) {
			iov[i].iov_base = buf + i * size;
			iov[i].iov_len = size;
			v[i].msg_hdr.msg_iov = &iov[i];
			v[i].msg_hdr.msg_iovlen = 1;
		}
		/* MSG_WAITALL: each of the VLEN calls takes one whole message. */
		for (long k = 0; k < x->n; k++) {
			if (recvmmsg(x->fd, v, VLEN, MSG_WAITALL, NULL) != VLEN)
				die("recvmmsg");
			for (int i = 0; i < VLEN; i++)
				s->bytes += v[i].msg_len;
			s->calls += VLEN;
			s->syscalls++;
		}
		return NULL;
	}
	if (is_case("splice-out") && pipe(p))
		die("pipe");
	do {
		if (is_case("splice-out")) {
			n = splice(x->fd, NULL, p[1], NULL, sizeof(buf), 0);
			if (n > 0 && read(p[0], buf, n) != n)
				die("pipe read");
		} else {	/* peek: look, then take what was seen */
			n = recv(x->fd, buf, size, MSG_PEEK);
			s->peeks++;
			if (n > 0) {
				s->calls++;
				s->syscalls++;
				s->bytes += n;
				n = read(x->fd, buf, n);
			}
		}
		if (n < 0)
			die(xcase);
		s->calls++;
		s->syscalls++;
		s->bytes += n;
	} while (n > 0);
	return NULL;
}

/* Waits (at most 10 s) until @fd has @bytes to read. */
static void wait_readable(int fd, long bytes)
{
	int have = 0;

	for (int i = 0; i < 10000; i++) {
		if (ioctl(fd, FIONREAD, &have))
			die("FIONREAD");
		if (have >= bytes)
			return;
		usleep(1000);
	}
	errno = ETIMEDOUT;
	die("waiting for the data");
}

/* The receiving cases: N (or K) messages send()-ed, read the case's way. */
static void x_recv(int tcp, long n)
{
	struct xside *s = tcp ? &x_tsend : &x_usend, *r = tcp ? &x_trecv : &x_urecv;
	struct xreader x = { .n = n, .s = r };
	long msgs = is_case("recvmmsg") ? n * VLEN : n;
	char *buf = malloc(size);
	pthread_t th;
	int sv[2];

	memset(buf, 'x', size);
	xpair(tcp, sv);
	x.fd = sv[1];
	if (is_case("uring-recv")) {
		/* All data there first: each receive completes at once, in one call. */
		for (long i = 0; i < msgs; i++)
			x_write(sv[0], buf, s);
		wait_readable(sv[1], msgs * size);
		for (long i = 0; i < n; i++) {
			int got = ring_do(IORING_OP_RECV, sv[1], buf, size, 0);

			if (got != size) {
				errno = got < 0 ? -got : EIO;
				die("io_uring recv");
			}
			r->calls++;
			r->bytes += got;
		}
		close(sv[0]);
		close(sv[1]);
		free(buf);
		return;
	}
	pthread_create(&th, NULL, x_read, &x);
	for (long i = 0; i < msgs; i++)
		x_write(sv[0], buf, s);
	shutdown(sv[0], SHUT_WR);
	pthread_join(th, NULL);
	close(sv[0]);
	close(sv[1]);
	free(buf);
}

/* The other ways of writing and reading; see -x. */
static void x_work(void)
{
	long connects = 0;

	if (is_case("sendfile")) {
		char *buf = malloc(size);

		memset(buf, 'x', size);
		x_file = memfd_create("udstrace-sendfile", 0);
		if (x_file < 0 || write(x_file, buf, size) != size)
			die("memfd");
		free(buf);
	}
	if (is_case("sendfile") || is_case("splice-in") || is_case("sendmmsg") ||
	    is_case("uring-send")) {
		x_send(0, n_unix);
		x_send(1, n_tcp);
	} else if (is_case("splice-out") || is_case("recvmmsg") || is_case("peek") ||
		   is_case("uring-recv")) {
		x_recv(0, n_unix);
		x_recv(1, n_tcp);
	} else if (is_case("seqpacket") || is_case("uring-connect")) {
		unix_connects();
		connects = n_connect;
	} else {
		errno = EINVAL;
		die(xcase);
	}
	printf("{\"pid\":%d,\"case\":\"%s\",\"unix_sends\":%ld,\"unix_bytes\":%ld,"
	       "\"connects\":%ld,\"tcp_sends\":%ld,\"tcp_bytes\":%ld,\"unix_recvs\":%ld,"
	       "\"unix_recv_bytes\":%ld,\"tcp_recvs\":%ld,\"tcp_recv_bytes\":%ld,"
	       "\"unix_send_syscalls\":%ld,\"tcp_send_syscalls\":%ld,"
	       "\"unix_recv_syscalls\":%ld,\"tcp_recv_syscalls\":%ld,"
	       "\"connect_syscalls\":%ld,\"unix_peeks\":%ld,\"tcp_peeks\":%ld}\n",
	       getpid(), xcase, x_usend.calls, x_usend.bytes, connects, x_tsend.calls,
	       x_tsend.bytes, x_urecv.calls, x_urecv.bytes, x_trecv.calls, x_trecv.bytes,
	       x_usend.syscalls, x_tsend.syscalls, x_urecv.syscalls, x_trecv.syscalls,
	       x_connect_syscalls, x_urecv.peeks, x_trecv.peeks);
	fflush(stdout);
}

static void work(void)
{
	if (xcase) {
		x_work();
		return;
	}
	if (n_threads) {
		load();
		return;
	}
	unix_sends();
	unix_connects();
	tcp_sends();
	printf("{\"pid\":%d,\"unix_sends\":%ld,\"unix_bytes\":%ld,\"connects\":%ld,"
	       "\"tcp_sends\":%ld,\"tcp_bytes\":%ld,\"unix_recvs\":%ld,"
	       "\"unix_recv_bytes\":%ld,\"tcp_recvs\":%ld,\"tcp_recv_bytes\":%ld,"
	       "\"unix_send_ns\":%lld,\"tcp_send_ns\":%lld,\"connect_ns\":%lld,"
	       "\"unix_recv_ns\":%lld,\"tcp_recv_ns\":%lld}\n",
	       getpid(), n_unix, n_unix * size, n_connect, n_tcp, n_tcp * size,
	       unix_rx.calls, unix_rx.bytes, tcp_rx.calls, tcp_rx.bytes,
	       unix_send_ns, tcp_send_ns, connect_ns, unix_rx.ns, tcp_rx.ns);
	fflush(stdout);
}

/* Fork twice and work in the grandchild; wait for it through a pipe, since
 * with -D it is not our child any more. */
static void work_in_grandchild(int daemonize)
{
	int done[2];
	char c;
	pid_t mid;

	if (pipe(done))
		die("pipe");
	mid = fork();
	if (mid < 0)
		die("fork");
	if (mid == 0) {
		pid_t g;

		if (daemonize)
			setsid();
		g = fork();
		if (g < 0)
			die("fork");
		if (g == 0) {
			close(done[0]);
			work();
			_exit(0);	/* closes done[1]: the top process wakes */
		}
		if (daemonize)
			_exit(0);
		waitpid(g, NULL, 0);
		_exit(0);
	}
	close(done[1]);
	waitpid(mid, NULL, 0);
	while (read(done[0], &c, 1) > 0)
		;
}

int main(int argc, char **argv)
{
	int opt, grandchild = 0, daemonize = 0, wait_sig = 0, cpu = -1;

	while ((opt = getopt(argc, argv, "u:c:t:s:lb:r:fDwP:B:L:Fx:")) != -1) {
		switch (opt) {
		case 'u': n_unix = atol(optarg); break;
		case 'c': n_connect = atol(optarg); break;
		case 't': n_tcp = atol(optarg); break;
		case 's': size = atol(optarg); break;
		case 'l': lockstep = 1; break;
		case 'b': reader_delay_ms = atol(optarg); break;
		case 'r': sender_delay_ms = atol(optarg); break;
		case 'f': grandchild = 1; break;
		case 'D': grandchild = daemonize = 1; break;
		case 'w': wait_sig = 1; break;
		case 'P': cpu = atoi(optarg); break;
		case 'B': sndbuf = atoi(optarg); break;
		case 'L': n_threads = atol(optarg); break;
		case 'F': fastopen = 1; break;
		case 'x': xcase = optarg; break;
		default: return 2;
		}
	}
	if (size < 1 || size > 65536 || n_unix < 0 || n_connect < 0 || n_tcp < 0 ||
	    sender_delay_ms < 0 || n_threads < 0 || n_threads % 2 ||
	    (n_threads && (lockstep || cpu >= 0)) || (fastopen && (lockstep || n_threads)) ||
	    (xcase && (n_threads || fastopen || size > 4096)))
		return 2;
	if (cpu >= 0) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_getaffinity(0, sizeof(free_cpus), &free_cpus) ||
		    sched_setaffinity(0, sizeof(one), &one))
			die("-P");
		pinned = 1;
	}
	if (wait_sig) {
		sigset_t set;
		int sig;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		printf("ready %d\n", getpid());
		fflush(stdout);
		sigwait(&set, &sig);
	}
	if (grandchild)
		work_in_grandchild(daemonize);
	else
		work();
	return 0;
}
