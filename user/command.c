// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "command.h"

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

int command_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}
