/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Parsing /proc/udsprobe, the kernel module's counters (kmod/README.md). */
#ifndef UDSTRACE_UDSPROBE_PROC_H
#define UDSTRACE_UDSPROBE_PROC_H

#include <stdio.h>
#include <linux/types.h>
#include "udstrace.h"

#define UDSPROBE_PROC "/proc/udsprobe"
/* The layout this udstrace reads: the module built from the same tree. */
#define UDSPROBE_FORMAT 2

struct udsprobe_counters {
	long version;			/* the file's format, from its first line */
	__u64 instance;			/* this load of the module */
	__u64 generation;		/* resets since that load */
	long tgid;			/* the module's filter, 0 = all */
	struct path_stats path[NR_PATHS];
	__u64 missed[NR_PATHS];		/* kretprobe misses of the path's function */
};

/*
 * 0 for a whole file of format UDSPROBE_FORMAT: its header, every row and
 * a missed line for every function. -EPROTONOSUPPORT for a udsprobe file
 * of another format (@out->version says which), -EINVAL for anything else.
 */
int udsprobe_parse(FILE *f, struct udsprobe_counters *out);
/* Parses the module's file: UDSPROBE_PROC, or the tests' stand-in. */
int udsprobe_read(struct udsprobe_counters *out);
const char *udsprobe_path(void);

#endif /* UDSTRACE_UDSPROBE_PROC_H */
