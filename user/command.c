// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "command.h"

#define NSEC_PER_SEC 1000000000LL

/* 0 if @path is a file we may execute, else -errno. */
static int runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode) || access(path, X_OK))
		return -EACCES;
	return 0;
}

int command_find(const char *file)
{
	const char *dir, *end, *path = getenv("PATH");
	char buf[PATH_MAX];
	int err = -ENOENT, ret;

	if (strchr(file, '/'))
		return runnable(file);
	/* As execvp(3) searches: an empty entry is the current directory. */
	for (dir = path ? path : "/bin:/usr/bin"; ; dir = end + 1) {
		end = strchrnul(dir, ':');
		if (end == dir)
			snprintf(buf, sizeof(buf), "%s", file);
		else
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - dir), dir, file);
		ret = runnable(buf);
		if (!ret)
			return 0;
		if (ret == -EACCES)
			err = ret;
		if (!*end)
			return err;
	}
}

int command_start(struct command *c, char **argv)
{
	int fds[2];
	sigset_t none;
	char go;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	c->pid = fork();
	if (c->pid < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (c->pid == 0) {
		close(fds[1]);
		/* The tracer blocks signals to wait for them; the command must not. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (read(fds[0], &go, 1) != 1)
			_exit(127);	/* the tracer gave up before attaching */
		close(fds[0]);
		/*
		 * Granted to udstrace through the ambient set (setpriv, capsh),
		 * tracing rights would pass on to the command: they stop here.
		 */
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_BPF, 0, 0);
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_PERFMON, 0, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "udstrace: cannot run '%s': %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	c->go_fd = fds[1];
	return 0;
}

void command_release(struct command *c)
{
	if (write(c->go_fd, "g", 1) != 1)
		perror("udstrace: releasing the command");
	close(c->go_fd);
	c->go_fd = -1;
}

void command_abort(struct command *c)
{
	int status;

	if (c->go_fd >= 0)
		close(c->go_fd);
	c->go_fd = -1;
	waitpid(c->pid, &status, 0);
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * Reaps the command if it ends within @ns. SIGCHLD is blocked in the
 * tracer, so it is waited for here; a signal of @stop gives up early.
 */
static bool reap_within(struct command *c, int *wstatus, long long ns,
			const sigset_t *stop)
{
	long long until = mono_ns() + ns, left;
	sigset_t set = *stop;
	struct timespec ts;
	int sig;

	sigaddset(&set, SIGCHLD);
	for (;;) {
		pid_t p = waitpid(c->pid, wstatus, WNOHANG);

		if (p == c->pid || (p < 0 && errno == ECHILD))
			return true;
		left = until - mono_ns();
		if (left <= 0)
			return false;
		ts.tv_sec = left / NSEC_PER_SEC;
		ts.tv_nsec = left % NSEC_PER_SEC;
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig > 0 && sig != SIGCHLD)
			return false;
	}
}

enum command_end command_end(struct command *c, int *wstatus,
			     const sigset_t *stop)
{
	const long long grace = COMMAND_GRACE_MS * 1000000LL;

	/* SIGCONT too: a stopped command would not act on SIGTERM. */
	kill(c->pid, SIGTERM);
	kill(c->pid, SIGCONT);
	if (reap_within(c, wstatus, grace, stop))
		return COMMAND_ENDED;
	kill(c->pid, SIGKILL);
	/* Only a task stuck in the kernel outlives SIGKILL; do not wait forever. */
	if (!reap_within(c, wstatus, grace, stop))
		return COMMAND_LEFT;
	/* It may have ended on SIGTERM just before SIGKILL. */
	if (WIFSIGNALED(*wstatus) && WTERMSIG(*wstatus) == SIGKILL)
		return COMMAND_KILLED;
	return COMMAND_ENDED;
}

int command_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}
