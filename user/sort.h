/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * qsort() and bsearch() for tables that may be empty. An empty table's
 * rows are NULL here (nothing allocated yet), and C leaves a NULL array
 * undefined even with 0 elements: UBSan reports it. One guard, here,
 * instead of one at each call.
 */
#ifndef UDSTRACE_SORT_H
#define UDSTRACE_SORT_H

#include <stdlib.h>

typedef int (*rows_cmp_fn)(const void *, const void *);

static inline void sort_rows(void *rows, size_t n, size_t size, rows_cmp_fn cmp)
{
	if (n)
		qsort(rows, n, size, cmp);
}

static inline void *find_row(const void *key, const void *rows, size_t n,
			     size_t size, rows_cmp_fn cmp)
{
	return n ? bsearch(key, rows, n, size, cmp) : NULL;
}

#endif /* UDSTRACE_SORT_H */
