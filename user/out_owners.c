// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * -P and --by-cgroup: the rows by process or by cgroup under the
 * summary, the biggest --top of them and one line for the rest.
 */
#include <string.h>
#include "fmt.h"
#include "output.h"
#include "paths.h"

/* What the --top cap left out. */
struct left_out {
	size_t rows;
	struct owner_stats s;
};

static void left_out(const struct report *r, struct left_out *l)
{
	memset(l, 0, sizeof(*l));
	for (size_t i = r->top; i < r->owners->n; i++) {
		const struct owner_stats *s = &r->owners->row[i].s;

		l->rows++;
		l->s.calls += s->calls;
		l->s.errors += s->errors;
		l->s.bytes += s->bytes;
		l->s.ktime_ns += s->ktime_ns;
		l->s.timed += s->timed;
	}
}

static size_t shown(const struct report *r)
{
	return r->owners->n < (size_t)r->top ? r->owners->n : (size_t)r->top;
}

static void print_counts(FILE *f, const struct report *r,
			 const struct owner_stats *s)
{
	char calls[FMT_LEN], errs[FMT_LEN], bytes[FMT_LEN] = "-";
	char kt[FMT_LEN] = "-", avg[FMT_LEN] = "-";

	fmt_count(calls, sizeof(calls), s->calls);
	fmt_count(errs, sizeof(errs), s->errors);
	if (s->bytes)
		fmt_bytes(bytes, sizeof(bytes), s->bytes);
	if (s->timed) {
		fmt_ns(kt, sizeof(kt), (double)s->ktime_ns);
		fmt_ns(avg, sizeof(avg), (double)s->ktime_ns / s->timed);
	}
	avg_less_probe_cost(avg, sizeof(avg), r, s->ktime_ns, s->timed);
	fprintf(f, " %11s %7s %10s %10s %9s\n", calls, errs, bytes, kt, avg);
}

static void print_who(FILE *f, const struct report *r, const struct owner_row *o)
{
	char comm[COMM_LEN + 1] = {};

	if (r->breakdown == BREAKDOWN_CGROUP) {
		fprintf(f, "%-22s %-28s", path_info[o->k.path].name,
			o->cgroup ?: "-");
		return;
	}
	memcpy(comm, o->s.comm, COMM_LEN);
	fprintf(f, "%-22s %8llu %-16s", path_info[o->k.path].name,
		(unsigned long long)o->k.id, comm[0] ? comm : "-");
}

void out_owners_table(FILE *f, const struct report *r)
{
	const char *kind = r->breakdown == BREAKDOWN_CGROUP ? "cgroup" : "process";
	struct left_out l;
	char rows[64];

	if (!r->owners)
		return;
	fprintf(f, "\nBy %s (top %d by %s):\n", kind, r->top,
		r->counts_only ? "calls" : "kernel time");
	if (r->breakdown == BREAKDOWN_CGROUP)
		fprintf(f, "%-22s %-28s", "PATH", "CGROUP");
	else
		fprintf(f, "%-22s %8s %-16s", "PATH", "TGID", "COMM");
	fprintf(f, " %11s %7s %10s %10s %9s\n", "CALLS", "ERRORS", "BYTES",
		"KTIME", "AVG");
	for (size_t i = 0; i < shown(r); i++) {
		print_who(f, r, &r->owners->row[i]);
		print_counts(f, r, &r->owners->row[i].s);
	}
	left_out(r, &l);
	if (l.rows) {
		snprintf(rows, sizeof(rows), "(%zu more rows)", l.rows);
		fprintf(f, "%-*s", r->breakdown == BREAKDOWN_CGROUP ? 51 : 47, rows);
		print_counts(f, r, &l.s);
	}
	if (r->owners->evicted)
		fprintf(f, "WARNING: %llu %s rows were evicted from the kernel's map of %u (least recently used first): their calls are missing above, though not from the summary\n",
			r->owners->evicted, kind, r->owners_max);
}

static void json_counts(struct json *j, const struct report *r,
			const struct owner_stats *s)
{
	json_u64(j, "calls", s->calls);
	json_u64(j, "errors", s->errors);
	json_u64(j, "bytes", s->bytes);
	json_u64(j, "ktime_ns", s->ktime_ns);
	json_u64(j, "timed", s->timed);
	json_less_probe_cost(j, r, s->ktime_ns, s->timed);
}

void out_owners_json(struct json *j, const struct report *r)
{
	bool cg = r->breakdown == BREAKDOWN_CGROUP;
	struct left_out l;

	if (!r->owners)
		return;
	json_u64(j, "top", r->top);
	json_u64(j, cg ? "cgroups_evicted" : "processes_evicted",
		 r->owners->evicted);
	json_array_start(j, cg ? "cgroups" : "processes");
	for (size_t i = 0; i < shown(r); i++) {
		const struct owner_row *o = &r->owners->row[i];
		char comm[COMM_LEN + 1] = {};

		json_object_start(j, NULL);
		json_str(j, "path", path_info[o->k.path].name);
		if (cg) {
			if (o->cgroup)
				json_str(j, "cgroup", o->cgroup);
			else
				json_null(j, "cgroup");
		} else {
			memcpy(comm, o->s.comm, COMM_LEN);
			json_u64(j, "tgid", o->k.id);
			json_str(j, "comm", comm);
		}
		json_counts(j, r, &o->s);
		json_object_end(j);
	}
	json_array_end(j);
	left_out(r, &l);
	json_object_start(j, cg ? "cgroups_left_out" : "processes_left_out");
	json_u64(j, "rows", l.rows);
	json_counts(j, r, &l.s);
	json_object_end(j);
}
