/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef UDSTRACE_PATHS_H
#define UDSTRACE_PATHS_H

#include "udstrace.h"

/*
 * One row per path, and everything a backend needs to probe it: adding a
 * path is one entry here plus its BPF programs.
 */
struct path_info {
	const char *name;	/* the row's name, in the table and the JSON */
	const char *func;	/* the kernel function that is the path */
	const char *prog;	/* its BPF programs: PROG_entry and PROG_exit */
	/*
	 * Another function that makes this row's calls, for sendfile and
	 * splice, or NULL; probed where the kernel has it (the sendpage
	 * functions went in 6.5, when sendfile and splice into a socket
	 * started to go through ->sendmsg), with programs EXTRA_entry and
	 * EXTRA_exit.
	 */
	const char *extra_func;
	const char *extra_prog;
};

extern const struct path_info path_info[NR_PATHS];

/* The first row of @path's function: rows of one function share probes. */
int path_first_row(int path);

#endif /* UDSTRACE_PATHS_H */
