// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* -P and --by-cgroup: reading, naming, merging and sorting the rows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cgroup_names.h"
#include "owners.h"
#include "tracer.h"
#include "sort.h"

unsigned int owners_max(void)
{
	const char *env = getenv("UDSTRACE_OWNERS_MAX");
	long v = env ? strtol(env, NULL, 10) : 0;

	return v > 0 && v <= OWNERS_MAX ? v : OWNERS_MAX;
}

static int grow(struct owners *o)
{
	size_t cap = o->cap ? 2 * o->cap : 256;
	struct owner_row *r;

	if (o->n < o->cap)
		return 0;
	r = realloc(o->row, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	o->row = r;
	o->cap = cap;
	return 0;
}

static int push(struct owners *o, const struct owner_row *row)
{
	int err = grow(o);

	if (!err)
		o->row[o->n++] = *row;
	return err;
}

/* One backend's map; an entry evicted while we walk it is just not seen. */
static int read_map(int fd, struct owners *out)
{
	struct owner_key key, next, *prev = NULL;
	struct owner_row row = {};
	int err;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &row.s))
			continue;
		row.k = key;
		err = push(out, &row);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

int owners_read(const struct tracer *t, struct owners *out)
{
	int err;

	out->n = 0;
	out->inserted = out->evicted = 0;
	for (int k = 0; k < NR_BACKENDS; k++) {
		const struct backend_obj *obj = &t->obj[k];

		if (!t->started[k] || !obj->bpf || !obj->owners_inserted)
			continue;
		out->inserted += *obj->owners_inserted;
		err = read_map(obj->owners_fd, out);
		if (err)
			return err;
	}
	/* Every entry was counted once as it was made: the rest are gone. */
	if (out->inserted > out->n)
		out->evicted = out->inserted - out->n;
	return 0;
}

int owners_key_cmp(const void *a, const void *b)
{
	const struct owner_key *x = &((const struct owner_row *)a)->k;
	const struct owner_key *y = &((const struct owner_row *)b)->k;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (int)x->path - (int)y->path;
}

static void sub(struct owner_stats *d, const struct owner_stats *p)
{
	d->calls -= p->calls;
	d->errors -= p->errors;
	d->bytes -= p->bytes;
	d->ktime_ns -= p->ktime_ns;
	d->timed -= p->timed;
}

int owners_delta(const struct owners *cur, struct owners *prev,
		 struct owners *out)
{
	int err;

	sort_rows(prev->row, prev->n, sizeof(*prev->row), owners_key_cmp);
	out->n = 0;
	out->inserted = cur->inserted;
	out->evicted = cur->evicted;
	for (size_t i = 0; i < cur->n; i++) {
		struct owner_row row = cur->row[i];
		const struct owner_row *p = find_row(&row, prev->row, prev->n,
						     sizeof(row), owners_key_cmp);

		/* Fewer calls than before: evicted and made again since. */
		if (p && p->s.calls <= row.s.calls && p->s.timed <= row.s.timed)
			sub(&row.s, &p->s);
		if (!row.s.calls)
			continue;
		err = push(out, &row);
		if (err)
			return err;
	}
	return 0;
}

void owner_stats_add(struct owner_stats *d, const struct owner_stats *s)
{
	d->calls += s->calls;
	d->errors += s->errors;
	d->bytes += s->bytes;
	d->ktime_ns += s->ktime_ns;
	d->timed += s->timed;
}

/* Folds the rows that @same says are one into the first of them. */
static void merge(struct owners *o,
		  bool (*same)(const struct owner_row *, const struct owner_row *))
{
	size_t n = 0;

	for (size_t i = 0; i < o->n; i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (same(&o->row[j], &o->row[i]))
				break;
		if (j < n)
			owner_stats_add(&o->row[j].s, &o->row[i].s);
		else
			o->row[n++] = o->row[i];
	}
	o->n = n;
}

static bool same_cgroup(const struct owner_row *a, const struct owner_row *b)
{
	return a->k.path == b->k.path && a->cgroup && b->cgroup &&
	       !strcmp(a->cgroup, b->cgroup);
}

static bool same_comm(const struct owner_row *a, const struct owner_row *b)
{
	return a->k.path == b->k.path &&
	       !strncmp(a->s.comm, b->s.comm, COMM_LEN);
}

/* Is cgroup @name @dir or below it? */
static bool under(const char *name, const char *dir)
{
	size_t len = strlen(dir);

	if (!strcmp(dir, "/"))
		return true;
	return !strncmp(name, dir, len) && (!name[len] || name[len] == '/');
}

void owners_name_cgroups(struct owners *o, const char *const *given,
			 int nr_given)
{
	unsigned long long seen = cgroup_names_now();
	char *dirs[MAX_CGROUPS] = {};

	for (int g = 0; g < nr_given && g < MAX_CGROUPS; g++)
		dirs[g] = cgroup_name_of_dir(given[g]);
	for (size_t i = 0; i < o->n; i++) {
		struct owner_row *r = &o->row[i];
		const char *name = cgroup_name(r->k.id, seen);

		r->cgroup = name;
		for (int g = 0; name && g < nr_given && g < MAX_CGROUPS; g++) {
			if (dirs[g] && under(name, dirs[g])) {
				r->cgroup = given[g];
				break;
			}
		}
	}
	for (int g = 0; g < nr_given && g < MAX_CGROUPS; g++)
		free(dirs[g]);
}

void owners_merge_cgroup(struct owners *o)
{
	merge(o, same_cgroup);
}

void owners_merge_comm(struct owners *o)
{
	merge(o, same_comm);
}

static bool sort_by_calls;

static int size_cmp(const void *a, const void *b)
{
	const struct owner_row *x = a, *y = b;
	__u64 vx = sort_by_calls ? x->s.calls : x->s.ktime_ns;
	__u64 vy = sort_by_calls ? y->s.calls : y->s.ktime_ns;

	if (vx != vy)
		return vx > vy ? -1 : 1;
	if (x->s.calls != y->s.calls)
		return x->s.calls > y->s.calls ? -1 : 1;
	return owners_key_cmp(a, b);
}

void owners_sort(struct owners *o, bool by_calls)
{
	sort_by_calls = by_calls;
	sort_rows(o->row, o->n, sizeof(*o->row), size_cmp);
}

int owners_copy(struct owners *dst, const struct owners *src)
{
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++)
		if (push(dst, &src->row[i]))
			return -ENOMEM;
	dst->inserted = src->inserted;
	dst->evicted = src->evicted;
	return 0;
}

void owners_free(struct owners *o)
{
	free(o->row);
	memset(o, 0, sizeof(*o));
}
