/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * For the test programs (workload, sleepers, connwork): is a thread of
 * this process asleep in a given syscall? They wait for their readers (or
 * a blocked writer) to sleep before the calls that wake them.
 */
#ifndef UDSTRACE_TESTS_ASLEEP_H
#define UDSTRACE_TESTS_ASLEEP_H

#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>

/* Is thread @tid of this process asleep (state S) in syscall @want? */
static int asleep_in(pid_t tid, long want)
{
	char path[64], line[256], *p;
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	p = f && fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	if (f)
		fclose(f);
	if (!p || strncmp(p, ") S ", 4))
		return 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr == want;
}

static inline int asleep_in_read(pid_t tid)
{
	return asleep_in(tid, SYS_read);
}

#endif /* UDSTRACE_TESTS_ASLEEP_H */
