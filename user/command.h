/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The traced command after --: started held, released once probes attach. */
#ifndef UDSTRACE_COMMAND_H
#define UDSTRACE_COMMAND_H

#include <sys/types.h>

struct command {
	pid_t pid;
	int go_fd;	/* write end; the child waits on it before exec */
};

/* Forks a child that waits for command_release() and then execs argv. */
int command_start(struct command *c, char **argv);
/* Lets the child exec. */
void command_release(struct command *c);
/* Makes the child exit without running anything. */
void command_abort(struct command *c);
/* The shell-style exit status for a wait status: code, or 128 + signal. */
int command_exit_status(int wstatus);

#endif /* UDSTRACE_COMMAND_H */
