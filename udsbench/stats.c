// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Mean and percentiles of latency samples. */
#include <stdlib.h>
#include "stats.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

uint64_t stats_percentile(const uint64_t *sorted, size_t n, unsigned int pct)
{
	/* Integer arithmetic: 0.99 * n in floating point can overshoot. */
	size_t rank = (size_t)(((unsigned __int128)pct * n + 99) / 100);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

void stats_compute(uint64_t *v, size_t n, struct lat_stats *out)
{
	long double sum = 0;

	out->mean = 0;
	out->p50 = out->p99 = 0;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	out->mean = (double)(sum / n);
	out->p50 = stats_percentile(v, n, 50);
	out->p99 = stats_percentile(v, n, 99);
}
