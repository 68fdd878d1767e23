// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reads that cross the edges of --time-sample windows, at set times from
 * its start (udstrace --time-sample 30: windows [0, 0.3) and [1.0, 1.3) s):
 * a writer thread writes one byte at 0.6 s and one at 1.15 s, then closes.
 * The reader's first read() enters in a window and returns between two;
 * its second enters between two and returns in the next window; its
 * third enters and returns (0, end of file) in that window. Only the
 * third may be timed: a tracer that times the second across the gap
 * reports a call of about 0.55 s. It prints one JSON line of its own
 * counts.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fds[2];

static void sleep_until(const struct timespec *start, long ms)
{
	struct timespec at = *start;

	at.tv_sec += ms / 1000;
	at.tv_nsec += ms % 1000 * 1000000L;
	if (at.tv_nsec >= 1000000000L) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL))
		;
}

static void *writer(void *start)
{
	sleep_until(start, 600);
	if (write(fds[1], "a", 1) != 1)
		perror("edges: write");
	sleep_until(start, 1150);
	if (write(fds[1], "b", 1) != 1)
		perror("edges: write");
	close(fds[1]);
	return NULL;
}

int main(void)
{
	struct timespec start;
	pthread_t th;
	long reads = 0, bytes = 0;
	ssize_t n;
	char c;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds)) {
		perror("edges: socketpair");
		return 1;
	}
	pthread_create(&th, NULL, writer, &start);
	do {
		n = read(fds[0], &c, 1);
		reads++;
		bytes += n > 0 ? n : 0;
	} while (n > 0);
	pthread_join(th, NULL);
	printf("{\"pid\":%d,\"unix_sends\":2,\"unix_recvs\":%ld,\"unix_recv_bytes\":%ld}\n",
	       getpid(), reads, bytes);
	return 0;
}
