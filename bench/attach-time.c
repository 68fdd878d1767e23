// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * attach-time: how long a tracer takes from exec to attached, and its
 * peak RSS. For bench/startup.sh.
 *
 *   attach-time PATTERN CMD [ARG...]
 *
 * Starts CMD with stdout and stderr on a pipe, and takes the time from
 * just before the exec to the first output that contains PATTERN
 * (udstrace's "udstrace: tracing" line, printed once every program is
 * attached; a BEGIN probe's line for bpftrace, which runs BEGIN once every
 * probe is attached). Then sends SIGINT, drains the pipe, reaps CMD and
 * prints one line: "<nanoseconds> <peak RSS of CMD in KiB> <CPU ns>",
 * the CPU time (user and system) being CMD's whole run. Exits 1, with
 * CMD's output, if CMD exits before PATTERN or takes over 30 s.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define DEADLINE_MS 30000

extern char **environ;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_ns(const struct timeval *tv)
{
	return tv->tv_sec * 1000000000LL + tv->tv_usec * 1000LL;
}

/*
 * Ends CMD: SIGINT, again each second it is still there (bpftrace can
 * miss one that comes as it starts), SIGKILL after 10 s. Drains @fd
 * meanwhile, so CMD never blocks on a full pipe.
 */
static void end_cmd(pid_t pid, int fd)
{
	char drain[4096];

	for (int tries = 0;; tries++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		kill(pid, tries < 10 ? SIGINT : SIGKILL);
		while (poll(&pfd, 1, 1000) > 0)
			if (read(fd, drain, sizeof(drain)) <= 0)
				return;
	}
}

/* Reads @fd into @buf until it holds @pattern: 0, or -1 at EOF or the deadline. */
static int wait_for(int fd, const char *pattern, char *buf, size_t size,
		    long long deadline)
{
	size_t used = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = (deadline - now_ns()) / 1000000;
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -1;
		if (used == size - 1) {	/* keep the tail, where the line is */
			memmove(buf, buf + size / 2, used - size / 2);
			used -= size / 2;
		}
		n = read(fd, buf + used, size - 1 - used);
		if (n <= 0)
			return -1;
		used += n;
		buf[used] = '\0';
		if (strstr(buf, pattern))
			return 0;
	}
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	char buf[65536] = "";
	struct rusage ru;
	long long t0, t1;
	int pipefd[2], status, found;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: attach-time PATTERN CMD [ARG...]\n");
		return 2;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		perror("attach-time: pipe");
		return 1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	t0 = now_ns();
	errno = posix_spawnp(&pid, argv[2], &fa, NULL, argv + 2, environ);
	if (errno) {
		perror("attach-time: spawn");
		return 1;
	}
	close(pipefd[1]);
	found = !wait_for(pipefd[0], argv[1], buf, sizeof(buf),
			  t0 + DEADLINE_MS * 1000000LL);
	t1 = now_ns();
	if (found)
		end_cmd(pid, pipefd[0]);
	else
		kill(pid, SIGKILL);
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("attach-time: wait4");
		return 1;
	}
	if (!found) {
		fprintf(stderr, "attach-time: no \"%s\" from %s:\n%s", argv[1],
			argv[2], buf);
		return 1;
	}
	printf("%lld %ld %lld\n", t1 - t0, ru.ru_maxrss,
	       tv_ns(&ru.ru_utime) + tv_ns(&ru.ru_stime));
	return 0;
}
