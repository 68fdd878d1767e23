/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * -P and --by-cgroup: the calls of each path by process or by cgroup,
 * read from every BPF backend's owners map (bpf/account.bpf.h).
 */
#ifndef UDSTRACE_OWNERS_H
#define UDSTRACE_OWNERS_H

#include <stdbool.h>
#include <stddef.h>
#include "udstrace.h"

struct tracer;

struct owner_row {
	struct owner_key k;	/* id: tgid or cgroup id */
	struct owner_stats s;	/* s.comm: -P */
	const char *cgroup;	/* --by-cgroup: its label (cgroup_name()), or NULL */
};

struct owners {
	struct owner_row *row;
	size_t n, cap;
	/* Entries the kernel made, and those of them gone (LRU evictions). */
	unsigned long long inserted, evicted;
};

/* Adds @s's counters (not its comm) to @d's. */
void owner_stats_add(struct owner_stats *d, const struct owner_stats *s);

/*
 * The kernel map's size: OWNERS_MAX, or UDSTRACE_OWNERS_MAX=N (the
 * tests fill it to see evictions).
 */
unsigned int owners_max(void);
/* Reads every started BPF backend's map into @out (emptied first). */
int owners_read(const struct tracer *t, struct owners *out);
/*
 * out = cur - prev, row by row (a row new since prev, or made again
 * after an eviction, counts whole); rows without calls are left out.
 */
int owners_delta(const struct owners *cur, struct owners *prev,
		 struct owners *out);
/*
 * --by-cgroup: names each row's cgroup; with @given (--cgroup PATHs),
 * by the first of them the cgroup is in or below.
 */
void owners_name_cgroups(struct owners *o, const char *const *given,
			 int nr_given);
/* Merges the rows with the same path and cgroup name. */
void owners_merge_cgroup(struct owners *o);
/* By key (id, then path), for qsort and bsearch of rows. */
int owners_key_cmp(const void *a, const void *b);
/* Merges the rows with the same path and comm (Prometheus' comm label). */
void owners_merge_comm(struct owners *o);
/* Biggest first: by kernel time, or by calls with @by_calls. */
void owners_sort(struct owners *o, bool by_calls);
int owners_copy(struct owners *dst, const struct owners *src);
void owners_free(struct owners *o);

#endif /* UDSTRACE_OWNERS_H */
