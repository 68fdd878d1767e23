/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef UDSTRACE_PATHS_H
#define UDSTRACE_PATHS_H

#include "udstrace.h"

struct path_info {
	const char *name;	/* the row's name, in the table and the JSON */
	const char *func;	/* the kernel function that is the path */
};

extern const struct path_info path_info[NR_PATHS];

#endif /* UDSTRACE_PATHS_H */
