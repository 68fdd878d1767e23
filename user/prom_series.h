/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --prometheus with -P, --by-cgroup or --cgroup: the counters of each
 * path by comm or by cgroup, as series that never go back. The kernel's
 * rows are per process (or cgroup id) and can leave its LRU map; a
 * series keeps what its rows had when they were last seen, and adds the
 * rows there now.
 */
#ifndef UDSTRACE_PROM_SERIES_H
#define UDSTRACE_PROM_SERIES_H

#include <stddef.h>
#include "owners.h"

struct prom_series {
	__u32 path;
	char *label;			/* the comm or the cgroup */
	struct owner_stats gone;	/* of its rows no longer in the map */
	struct owner_stats shown;	/* held: never lower than before */
};

/* A kernel row as last seen, and the series it counts in. */
struct prom_tracked {
	struct owner_key k;
	size_t series;
	struct owner_stats last;
};

struct prom_series_set {
	enum breakdown breakdown;
	const char *const *given;	/* --cgroup PATHs */
	int nr_given;
	struct prom_series *s;
	size_t n, cap;
	struct prom_tracked *t;
	size_t nr_t;
	struct owners cur;
};

/*
 * With --cgroup (@given) and no -P, one series per path and PATH from
 * the start, zeros included. 0 or -ENOMEM.
 */
int prom_series_init(struct prom_series_set *ps, enum breakdown b,
		     const char *const *given, int nr_given);
/* Reads the rows afresh, and brings every series up to date. */
int prom_series_update(struct prom_series_set *ps, const struct tracer *t);
void prom_series_free(struct prom_series_set *ps);

#endif /* UDSTRACE_PROM_SERIES_H */
