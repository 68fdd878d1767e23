// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "paths.h"
#include "prom_series.h"
#include "sort.h"

static void hold(__u64 *held, __u64 cur)
{
	if (cur > *held)
		*held = cur;
}

/* The series of @path and @label, made if need be; -1 without memory. */
static long series_of(struct prom_series_set *ps, __u32 path, const char *label)
{
	struct prom_series *s;

	for (size_t i = 0; i < ps->n; i++)
		if (ps->s[i].path == path && !strcmp(ps->s[i].label, label))
			return i;
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 64;

		s = realloc(ps->s, cap * sizeof(*s));
		if (!s)
			return -1;
		ps->s = s;
		ps->cap = cap;
	}
	s = &ps->s[ps->n];
	memset(s, 0, sizeof(*s));
	s->path = path;
	s->label = strdup(label);
	if (!s->label)
		return -1;
	return ps->n++;
}

int prom_series_init(struct prom_series_set *ps, enum breakdown b,
		     const char *const *given, int nr_given)
{
	memset(ps, 0, sizeof(*ps));
	ps->breakdown = b;
	ps->given = given;
	ps->nr_given = nr_given;
	for (int g = 0; b == BREAKDOWN_CGROUP && g < nr_given; g++)
		for (int p = 0; p < NR_PATHS; p++)
			if (series_of(ps, p, given[g]) < 0)
				return -ENOMEM;
	return 0;
}

static const char *label_of(const struct prom_series_set *ps,
			    const struct owner_row *r, char *comm)
{
	if (ps->breakdown == BREAKDOWN_CGROUP)
		return r->cgroup ?: "";
	memcpy(comm, r->s.comm, COMM_LEN);
	comm[COMM_LEN] = '\0';
	return comm;
}

/*
 * A row that left the map, or was made again since (fewer calls than
 * last seen), leaves what it had in its series.
 */
static void retire(struct prom_series_set *ps)
{
	for (size_t i = 0; i < ps->nr_t; i++) {
		struct prom_tracked *t = &ps->t[i];
		const struct owner_row key = { .k = t->k };
		const struct owner_row *c = find_row(&key, ps->cur.row, ps->cur.n,
						     sizeof(key), owners_key_cmp);

		if (!c || c->s.calls < t->last.calls || c->s.timed < t->last.timed) {
			owner_stats_add(&ps->s[t->series].gone, &t->last);
			memset(&t->last, 0, sizeof(t->last));
		}
	}
}

int prom_series_update(struct prom_series_set *ps, const struct tracer *tr)
{
	struct owner_stats *now;
	struct prom_tracked *nt;
	char comm[COMM_LEN + 1];
	int err = owners_read(tr, &ps->cur);

	if (err)
		return err;
	if (ps->breakdown == BREAKDOWN_CGROUP)
		owners_name_cgroups(&ps->cur, ps->given, ps->nr_given);
	sort_rows(ps->cur.row, ps->cur.n, sizeof(*ps->cur.row), owners_key_cmp);
	retire(ps);
	/* ps->t stays sorted by key: it is made from ps->cur. */
	nt = calloc(ps->cur.n ?: 1, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	for (size_t i = 0; i < ps->cur.n; i++) {
		const struct owner_row *r = &ps->cur.row[i];
		/* Both start with the key, which is all owners_key_cmp reads. */
		const struct prom_tracked *old = find_row(r, ps->t, ps->nr_t, sizeof(*ps->t),
							  owners_key_cmp);
		/* A row keeps its series: its counts never move to another. */
		long s = old ? (long)old->series :
			 series_of(ps, r->k.path, label_of(ps, r, comm));

		if (s < 0) {
			free(nt);
			return -ENOMEM;
		}
		nt[i].k = r->k;
		nt[i].series = s;
		nt[i].last = r->s;
	}
	free(ps->t);
	ps->t = nt;
	ps->nr_t = ps->cur.n;
	now = calloc(ps->n ?: 1, sizeof(*now));
	if (!now)
		return -ENOMEM;
	for (size_t i = 0; i < ps->n; i++)
		now[i] = ps->s[i].gone;
	for (size_t i = 0; i < ps->nr_t; i++)
		owner_stats_add(&now[ps->t[i].series], &ps->t[i].last);
	for (size_t i = 0; i < ps->n; i++) {
		struct owner_stats *h = &ps->s[i].shown;

		hold(&h->calls, now[i].calls);
		hold(&h->errors, now[i].errors);
		hold(&h->bytes, now[i].bytes);
		hold(&h->ktime_ns, now[i].ktime_ns);
		hold(&h->timed, now[i].timed);
	}
	free(now);
	return 0;
}

void prom_series_free(struct prom_series_set *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->s[i].label);
	free(ps->s);
	free(ps->t);
	owners_free(&ps->cur);
	memset(ps, 0, sizeof(*ps));
}
