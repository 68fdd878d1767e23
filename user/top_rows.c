// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live view's rows: per path, per process (-P) and per socket (-S),
 * each an interval against the run's totals, for out_top.c to sort,
 * cap and draw.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fmt.h"
#include "paths.h"
#include "top.h"
#include "sort.h"

int top_grow(struct top_row **rows, int *cap, int n)
{
	struct top_row *r;

	if (n <= *cap)
		return 0;
	r = realloc(*rows, n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	*rows = r;
	*cap = n;
	return 0;
}

int top_path_rows(const struct report *ival, const struct snapshot *total,
		  struct top_row *rows)
{
	bool uniform = report_uniform(ival);
	int nr = 0;

	for (int p = 0; p < NR_PATHS; p++) {
		const struct path_stats *s = &ival->snap->path[p], *t = &total->path[p];
		struct top_row *r = &rows[nr];

		/* A path that never made a call is no row of a top view. */
		if (!t->calls && !t->errors)
			continue;
		memset(r, 0, sizeof(*r));
		snprintf(r->id[0], sizeof(r->id[0]), "%s%s%s%s", path_info[p].name,
			 uniform ? "" : " [", uniform ? "" : report_backend(ival, p)->name,
			 uniform ? "" : "]");
		r->calls = s->calls;
		r->errors = s->errors;
		r->bytes = s->bytes;
		r->ktime_ns = s->ktime_ns;
		r->timed = s->timed;
		r->total_calls = t->calls;
		r->total_errors = t->errors;
		r->total_ktime_ns = t->ktime_ns;
		nr++;
	}
	return nr;
}

/* A process's row: its run from @t, its interval from @i (NULL: idle). */
static void owner_row(struct top_row *r, const struct owner_row *t,
		      const struct owner_row *i)
{
	char comm[COMM_LEN + 1] = {};

	memset(r, 0, sizeof(*r));
	memcpy(comm, t->s.comm, COMM_LEN);
	snprintf(r->id[0], sizeof(r->id[0]), "%llu", (unsigned long long)t->k.id);
	snprintf(r->id[1], sizeof(r->id[1]), "%s", comm[0] ? comm : "-");
	snprintf(r->id[2], sizeof(r->id[2]), "%s", path_info[t->k.path].name);
	if (i) {
		r->calls = i->s.calls;
		r->errors = i->s.errors;
		r->bytes = i->s.bytes;
		r->ktime_ns = i->s.ktime_ns;
		r->timed = i->s.timed;
	}
	r->total_calls = t->s.calls;
	r->total_errors = t->s.errors;
	r->total_ktime_ns = t->s.ktime_ns;
}

int top_owner_rows(struct owners *ival, const struct owners *total,
		   struct top_row **rows, int *cap)
{
	int nr = 0, err = top_grow(rows, cap, total->n);

	if (err)
		return err;
	sort_rows(ival->row, ival->n, sizeof(*ival->row), owners_key_cmp);
	for (size_t i = 0; i < total->n; i++) {
		const struct owner_row *t = &total->row[i];

		/* A process that never made a call is no row of a top view. */
		if (!t->s.calls && !t->s.errors)
			continue;
		owner_row(&(*rows)[nr++], t, find_row(t, ival->row, ival->n,
						      sizeof(*t), owners_key_cmp));
	}
	return nr;
}

static int cmp_sk(const void *pa, const void *pb)
{
	const struct conn_row *a = pa, *b = pb;

	return a->sk < b->sk ? -1 : a->sk > b->sk;
}

static void proc_id(char *buf, size_t len, __u32 tgid, const char *comm)
{
	if (!tgid)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%u/%.*s", tgid, CONN_COMM_LEN, comm);
}

/* The interval's counters: @c less @p, or all of @c when it is a new row. */
static void conn_row(struct top_row *r, const struct conn_row *c,
		     const struct conn_row *p)
{
	static const struct conn_row none;
	const struct conn_dir *s = &c->s.send, *v = &c->s.recv;
	/* Fewer calls than before: evicted, or the address of a new socket. */
	bool again = !p || p->s.send.calls > s->calls || p->s.recv.calls > v->calls ||
		     p->s.send.ktime_ns > s->ktime_ns || p->s.recv.ktime_ns > v->ktime_ns ||
		     p->s.send.bytes > s->bytes || p->s.recv.bytes > v->bytes ||
		     p->s.send.timed > s->timed || p->s.recv.timed > v->timed;

	memset(r, 0, sizeof(*r));
	snprintf(r->id[0], sizeof(r->id[0]), "%s", conn_proto(c));
	conn_local(c, r->id[1], sizeof(r->id[1]));
	if (c->s.family == CONN_AF_UNIX)
		snprintf(r->id[1] + strlen(r->id[1]), sizeof(r->id[1]) - strlen(r->id[1]),
			 " %llu", (unsigned long long)c->s.ino);
	conn_remote(c, r->id[2], sizeof(r->id[2]));
	proc_id(r->id[3], sizeof(r->id[3]), c->s.owner_tgid, c->s.owner_comm);
	proc_id(r->id[4], sizeof(r->id[4]), c->s.peer_tgid, c->s.peer_comm);
	r->total_sends = s->calls;
	r->total_recvs = v->calls;
	r->total_calls = s->calls + v->calls;
	r->total_ktime_ns = conn_ktime(c);
	if (again)
		p = &none;
	r->sends = s->calls - p->s.send.calls;
	r->recvs = v->calls - p->s.recv.calls;
	r->calls = r->sends + r->recvs;
	r->bytes = s->bytes + v->bytes - p->s.send.bytes - p->s.recv.bytes;
	r->ktime_ns = conn_ktime(c) - conn_ktime(p);
	r->timed = s->timed + v->timed - p->s.send.timed - p->s.recv.timed;
}

int top_conn_rows(const struct conn_table *cur, struct conn_table *prev,
		  struct top_row **rows, int *cap)
{
	struct conn_row *prev_rows = prev ? prev->rows : NULL;
	size_t nr_prev = prev ? prev->nr : 0;
	int nr = 0, err = top_grow(rows, cap, cur->nr);

	if (err)
		return err;
	sort_rows(prev_rows, nr_prev, sizeof(*prev_rows), cmp_sk);
	for (size_t i = 0; i < cur->nr; i++) {
		const struct conn_row *c = &cur->rows[i];

		/* A socket that never made a call is no row of a top view. */
		if (!c->s.send.calls && !c->s.recv.calls)
			continue;
		conn_row(&(*rows)[nr++], c,
			 find_row(c, prev_rows, nr_prev, sizeof(*prev_rows), cmp_sk));
	}
	return nr;
}
