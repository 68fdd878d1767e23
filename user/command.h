/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The traced command after --: started held, released once probes attach. */
#ifndef UDSTRACE_COMMAND_H
#define UDSTRACE_COMMAND_H

#include <signal.h>
#include <sys/types.h>

/* How long the command has to end after SIGTERM before it gets SIGKILL. */
#define COMMAND_GRACE_MS 2000

struct command {
	pid_t pid;
	int go_fd;	/* write end; the child waits on it before exec */
};

/*
 * Can @file be run, found on PATH as execvp(3) would? 0, -ENOENT if it is
 * not there, or -EACCES if it cannot be executed.
 */
int command_find(const char *file);
/* Forks a child that waits for command_release() and then execs argv. */
int command_start(struct command *c, char **argv);
/* Lets the child exec. */
void command_release(struct command *c);
/* Makes the child exit without running anything. */
void command_abort(struct command *c);
enum command_end {
	COMMAND_ENDED,		/* on SIGTERM */
	COMMAND_KILLED,		/* it outlived the grace time: SIGKILL */
	COMMAND_LEFT,		/* it outlived SIGKILL too, and is left as it is */
};

/*
 * Ends a command that still runs: SIGTERM and SIGCONT, then SIGKILL after
 * COMMAND_GRACE_MS, or at once when one of @stop arrives (a second Ctrl-C).
 * Its wait status goes to *@wstatus. SIGCHLD and @stop must be blocked.
 */
enum command_end command_end(struct command *c, int *wstatus,
			     const sigset_t *stop);
/* The shell-style exit status for a wait status: code, or 128 + signal. */
int command_exit_status(int wstatus);

#endif /* UDSTRACE_COMMAND_H */
