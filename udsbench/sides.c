// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Running the two sides of a run: the server in a forked child (default)
 * or a thread, the client in the caller. A pipe says when the server is
 * ready, so its start-up is never timed; in process mode a second pipe
 * carries its result back. Pipes are not sockets: nothing here adds to
 * the send counts.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sides.h"

void side_error(struct side *s, enum side_err err, const char *fmt, ...)
{
	va_list ap;

	if (s->res.err != SIDE_OK)
		return;
	s->res.err = err;
	va_start(ap, fmt);
	vsnprintf(s->res.msg, sizeof(s->res.msg), fmt, ap);
	va_end(ap);
}

static void pin(struct side *s)
{
	cpu_set_t set;

	if (s->cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	/* pid 0 is the calling thread, also in --threads mode. */
	if (sched_setaffinity(0, sizeof(set), &set))
		side_error(s, SIDE_IO, "sched_setaffinity to CPU %d: %s", s->cpu, strerror(errno));
}

struct server_ctx {
	struct side *s;
	side_fn fn;
	int ready_fd;		/* write end: one byte when ready */
};

/* The server's whole life: pin, say ready, serve, close its end. */
static void *serve(void *arg)
{
	struct server_ctx *x = arg;

	pin(x->s);
	if (write(x->ready_fd, "r", 1) != 1)
		side_error(x->s, SIDE_IO, "ready pipe: %s", strerror(errno));
	close(x->ready_fd);
	if (x->s->res.err == SIDE_OK)
		x->fn(x->s);
	close(x->s->fd);
	return NULL;
}

static void child(struct server_ctx *x, int client_fd, int result_fd)
{
	struct side *s = x->s;

	/* Our copy of the client's end would hide its close from us. */
	close(client_fd);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	serve(x);
	if (write(result_fd, &s->res, sizeof(s->res)) != sizeof(s->res))
		_exit(1);
	_exit(0);
}

/* Process mode: fork the server; returns its pid, or -1 with s[1] failed. */
static pid_t spawn(struct server_ctx *x, int client_fd, int ready[2], int result[2])
{
	pid_t pid;

	if (pipe(result)) {
		side_error(x->s, SIDE_IO, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		side_error(x->s, SIDE_IO, "fork: %s", strerror(errno));
		close(result[0]);
		close(result[1]);
		return -1;
	}
	if (pid == 0) {
		close(ready[0]);
		close(result[0]);
		child(x, client_fd, result[1]);
	}
	close(result[1]);
	return pid;
}

/* Process mode: the server's result from the pipe, then reap it. */
static void collect(struct side *s, pid_t pid, int result_fd)
{
	struct side_result r;
	ssize_t n;
	int status;

	do
		n = read(result_fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(result_fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(r)) {
		s->res = r;
		return;
	}
	if (WIFSIGNALED(status))
		side_error(s, SIDE_IO, "server process killed by signal %d", WTERMSIG(status));
	else
		side_error(s, SIDE_IO, "server process exited without a result");
}

void sides_run(struct conn *c, const struct config *cfg, side_fn client,
	       side_fn server, struct side s[2])
{
	struct server_ctx x = { .s = &s[SIDE_SERVER], .fn = server };
	int ready[2], result[2] = { -1, -1 };
	pthread_t th;
	pid_t pid = -1;
	char byte;
	ssize_t n;
	int err = 0;

	for (int i = 0; i < 2; i++) {
		s[i].fd = c->fd[i];
		s[i].cpu = cfg->cpu[i];
	}
	if (pipe(ready)) {
		side_error(&s[SIDE_CLIENT], SIDE_IO, "pipe: %s", strerror(errno));
		close(c->fd[0]);
		close(c->fd[1]);
		return;
	}
	x.ready_fd = ready[1];
	if (cfg->threads) {
		err = pthread_create(&th, NULL, serve, &x);
		if (err) {
			side_error(&s[SIDE_SERVER], SIDE_IO, "pthread_create: %s", strerror(err));
			close(ready[1]);
			close(s[SIDE_SERVER].fd);
		}
	} else {
		pid = spawn(&x, s[SIDE_CLIENT].fd, ready, result);
		close(ready[1]);
		close(s[SIDE_SERVER].fd);	/* the child has its own copy */
	}

	pin(&s[SIDE_CLIENT]);
	do
		n = read(ready[0], &byte, 1);
	while (n < 0 && errno == EINTR);
	close(ready[0]);
	/* No ready byte: the server never started; the error is its own. */
	if (n == 1 && s[SIDE_CLIENT].res.err == SIDE_OK)
		client(&s[SIDE_CLIENT]);
	close(s[SIDE_CLIENT].fd);	/* the server sees the end of the stream */

	if (cfg->threads && !err)
		pthread_join(th, NULL);
	else if (pid > 0)
		collect(&s[SIDE_SERVER], pid, result[0]);
}
