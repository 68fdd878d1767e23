/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Parsing /proc/udsprobe, the kernel module's counters (kmod/README.md). */
#ifndef UDSTRACE_UDSPROBE_PROC_H
#define UDSTRACE_UDSPROBE_PROC_H

#include <stdio.h>
#include <linux/types.h>
#include "udstrace.h"

#define UDSPROBE_PROC "/proc/udsprobe"

struct udsprobe_counters {
	long tgid;			/* the module's filter, 0 = all */
	struct path_stats path[NR_PATHS];
	__u64 missed[NR_PATHS];		/* kretprobe misses of the path's function */
};

/* 0, or -EINVAL for a file that is not udsprobe format 1. */
int udsprobe_parse(FILE *f, struct udsprobe_counters *out);
int udsprobe_read(struct udsprobe_counters *out);

#endif /* UDSTRACE_UDSPROBE_PROC_H */
