// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --stages output: the aggregated call tree under each row, and its JSON. */
#include <stdbool.h>
#include <string.h>
#include "fmt.h"
#include "output.h"
#include "paths.h"
#include "stages_info.h"

#define NAME_COL 42

/* A call's time that was neither asleep nor waiting for a CPU. */
static __u64 oncpu_ns(const struct path_stats *p)
{
	__u64 off = p->blocked_ns + p->runq_ns;

	return p->ktime_ns > off ? p->ktime_ns - off : 0;
}

static const char *const ctx_name[NR_CTX] = { "task", "softirq" };

static void print_header(FILE *f, const struct report *r, int row)
{
	const struct path_stats *p = &r->snap->path[row];
	char calls[FMT_LEN], avg[FMT_LEN] = "-", on[FMT_LEN] = "-";
	char asleep[FMT_LEN] = "-", runq[FMT_LEN] = "-";

	fmt_count(calls, sizeof(calls), p->calls);
	if (p->timed) {
		fmt_ns(avg, sizeof(avg), (double)p->ktime_ns / p->timed);
		fmt_ns(on, sizeof(on), (double)oncpu_ns(p) / p->timed);
		fmt_ns(asleep, sizeof(asleep), (double)p->blocked_ns / p->timed);
		fmt_ns(runq, sizeof(runq), (double)p->runq_ns / p->timed);
	}
	fprintf(f, "%s: %s calls, %s per call = %s on-CPU + %s blocked + %s waiting for a CPU\n",
		path_info[row].name, calls, avg, on, asleep, runq);
	fprintf(f, "  %-*s %8s %9s %6s  %s\n", NAME_COL, "STAGE", "PER CALL",
		"AVG", "SHARE", "CTX");
}

static void print_stage(FILE *f, const struct report *r, int row,
			const struct row_stage *rs)
{
	const struct stage_choice *c = tracer_stage(r->tracer, row, rs->stage);
	const struct stage_info *info = &stage_info[rs->stage];
	const struct path_stats *p = &r->snap->path[row];
	int indent = 2 * (rs->depth - 1);
	bool printed = false;
	char name[NAME_COL + 1];

	/* Long names are cut to the column; the JSON has them whole. */
	snprintf(name, sizeof(name), "%*s%.*s", indent, "", NAME_COL - indent,
		 c->probed ? c->name : info->func ? info->func : info->label);
	if (!c->probed) {
		fprintf(f, "  %-*s not probed: %s\n", NAME_COL, name, c->why);
	} else {
		for (int x = 0; x < NR_CTX; x++) {
			const struct stage_stats *s = &r->snap->stage[row][rs->stage][x];
			char avg[FMT_LEN] = "-", share[FMT_LEN] = "-";

			if (!s->calls && (printed || x != (int)info->ctx))
				continue;
			if (s->ktime_ns && s->calls) {
				fmt_ns(avg, sizeof(avg), (double)s->ktime_ns / s->calls);
				if (p->ktime_ns)
					snprintf(share, sizeof(share), "%.0f%%",
						 100.0 * s->ktime_ns / p->ktime_ns);
			}
			fprintf(f, "  %-*s %8.2f %9s %6s  %s\n", NAME_COL, name,
				p->calls ? (double)s->calls / p->calls : 0.0, avg,
				share, ctx_name[x]);
			printed = true;
		}
	}
	if (r->explain)
		fprintf(f, "  %*s  %s: %s (%s)\n", indent, "", info->label,
			info->explain, info->source);
}

/* Is @stage on @row's list? Others are shown only if they ran. */
static bool listed(int row, enum stage stage)
{
	for (const struct row_stage *rs = row_stages[row]; rs->depth; rs++)
		if (rs->stage == stage)
			return true;
	return false;
}

static bool ran(const struct report *r, int row, enum stage stage)
{
	return r->snap->stage[row][stage][CTX_TASK].calls ||
	       r->snap->stage[row][stage][CTX_SOFTIRQ].calls;
}

/* The name a stage is shown by: what was probed, else what it is. */
static const char *stage_name(const struct report *r, int row, enum stage st)
{
	const struct stage_choice *c = tracer_stage(r->tracer, row, st);
	const struct stage_info *info = &stage_info[st];

	return c->probed ? c->name : info->func ? info->func : info->label;
}

/* Softirq stage hits during @row's calls that were for other sockets. */
static __u64 other_hits(const struct report *r, int row)
{
	__u64 n = 0;

	for (int s = 0; s < NR_STAGES; s++)
		n += r->snap->stage[row][s][CTX_OTHER].calls;
	return n;
}

/*
 * Softirq work for other sockets that ran on top of @row's calls: kept
 * out of the tree (bpf/flow.bpf.h says how a hit is told apart), shown
 * after it with the same columns, per traced call.
 */
static void print_other(FILE *f, const struct report *r, int row)
{
	const struct path_stats *p = &r->snap->path[row];

	if (!other_hits(r, row))
		return;
	fprintf(f, "  softirq work for other sockets during these calls (not charged to them):\n");
	for (int s = 0; s < NR_STAGES; s++) {
		const struct stage_stats *o = &r->snap->stage[row][s][CTX_OTHER];
		char name[NAME_COL + 1], avg[FMT_LEN] = "-";

		if (!o->calls)
			continue;
		snprintf(name, sizeof(name), "%.*s", NAME_COL, stage_name(r, row, s));
		if (o->ktime_ns)
			fmt_ns(avg, sizeof(avg), (double)o->ktime_ns / o->calls);
		fprintf(f, "  %-*s %8.2f %9s %6s  %s\n", NAME_COL, name,
			p->calls ? (double)o->calls / p->calls : 0.0, avg, "-",
			"other");
	}
}

void out_stages_table(FILE *f, const struct report *r, int row)
{
	bool header = false;

	if (!r->snap->path[row].calls)
		return;
	fputc('\n', f);
	print_header(f, r, row);
	for (const struct row_stage *rs = row_stages[row]; rs->depth; rs++)
		print_stage(f, r, row, rs);
	for (int s = 0; s < NR_STAGES; s++) {
		struct row_stage other = { s, 1 };

		if (listed(row, s) || !ran(r, row, s))
			continue;
		if (!header)
			fprintf(f, "  also ran inside these calls:\n");
		header = true;
		print_stage(f, r, row, &other);
	}
	print_other(f, r, row);
}

static void json_stage(struct json *j, const struct report *r, int row,
		       enum stage st)
{
	const struct stage_choice *c = tracer_stage(r->tracer, row, st);
	const struct stage_info *info = &stage_info[st];

	for (int x = 0; x < NR_CTX; x++) {
		const struct stage_stats *s = &r->snap->stage[row][st][x];

		if (c->probed && !s->calls && x != (int)info->ctx)
			continue;
		if (!c->probed && x != (int)info->ctx)
			continue;
		json_object_start(j, NULL);
		json_str(j, "name", c->probed ? c->name :
			 info->func ? info->func : info->label);
		json_u64(j, "calls", s->calls);
		json_u64(j, "ktime_ns", s->ktime_ns);
		json_str(j, "ctx", ctx_name[x]);
		json_bool(j, "probed", c->probed);
		if (!c->probed)
			json_str(j, "reason", c->why);
		json_object_end(j);
	}
}

/* "other_sockets": see docs/JSON.md. */
static void json_other(struct json *j, const struct report *r, int row)
{
	json_object_start(j, "other_sockets");
	json_u64(j, "stage_hits", other_hits(r, row));
	json_u64(j, "softirq_ns",
		 r->snap->stage[row][STAGE_NET_RX_SOFTIRQ][CTX_OTHER].ktime_ns);
	json_array_start(j, "stages");
	for (int s = 0; s < NR_STAGES; s++) {
		const struct stage_stats *o = &r->snap->stage[row][s][CTX_OTHER];

		if (!o->calls)
			continue;
		json_object_start(j, NULL);
		json_str(j, "name", stage_name(r, row, s));
		json_u64(j, "calls", o->calls);
		json_u64(j, "ktime_ns", o->ktime_ns);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void out_stages_cost_json(struct json *j, const struct report *r)
{
	__u64 run_ns, runs;

	tracer_prog_time(r->tracer, &run_ns, &runs);
	json_u64(j, "bpf_run_ns", run_ns);
	json_u64(j, "bpf_runs", runs);
}

void out_stages_cost(FILE *f, const struct report *r)
{
	__u64 run_ns, runs, calls = 0;
	char per[FMT_LEN], total[FMT_LEN], n[FMT_LEN];

	tracer_prog_time(r->tracer, &run_ns, &runs);
	for (int p = 0; p < NR_PATHS; p++)
		calls += r->snap->path[p].calls;
	if (!calls)
		return;
	/* Programs ran (calls were counted) but the kernel timed none. */
	if (!run_ns) {
		fprintf(f, "\nwhat tracing added is not measured: BPF_ENABLE_STATS needs CAP_SYS_ADMIN\n"
			"(or sysctl kernel.bpf_stats_enabled=1)\n");
		return;
	}
	fmt_ns(per, sizeof(per), (double)run_ns / calls);
	fmt_ns(total, sizeof(total), (double)run_ns);
	fmt_count(n, sizeof(n), runs);
	fprintf(f, "\ntracing added ~%s per traced call: our BPF programs ran %s in %s runs\n"
		"(their own run time as the kernel measures it; probe dispatch is not included)\n",
		per, total, n);
}

void out_stages_json(struct json *j, const struct report *r, int row)
{
	const struct path_stats *p = &r->snap->path[row];

	json_u64(j, "oncpu_ns", oncpu_ns(p));
	json_u64(j, "blocked_ns", p->blocked_ns);
	json_u64(j, "runnable_ns", p->runq_ns);
	json_array_start(j, "stages");
	for (const struct row_stage *rs = row_stages[row]; rs->depth; rs++)
		json_stage(j, r, row, rs->stage);
	for (int s = 0; s < NR_STAGES; s++)
		if (!listed(row, s) && ran(r, row, s))
			json_stage(j, r, row, s);
	json_array_end(j);
	json_other(j, r, row);
}
