/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef UDSBENCH_STATS_H
#define UDSBENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

struct lat_stats {
	double mean;
	uint64_t p50, p99;
};

/* Sorts v[0..n) in place and summarizes it; n may be 0 (all zero). */
void stats_compute(uint64_t *v, size_t n, struct lat_stats *out);

/* Nearest-rank percentile of sorted v[0..n), n > 0: v[ceil(pct/100 * n) - 1]. */
uint64_t stats_percentile(const uint64_t *sorted, size_t n, unsigned int pct);

#endif /* UDSBENCH_STATS_H */
