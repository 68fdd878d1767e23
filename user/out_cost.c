// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The final report's line on what udstrace's BPF programs cost per
 * traced call (user/bpf_cost.h measures it), in the table and the JSON.
 */
#include "bpf_cost.h"
#include "fmt.h"
#include "json.h"
#include "output.h"
#include "paths.h"

/* Why there is no figure, or NULL when there is one. */
static const char *no_cost(const struct bpf_cost *c)
{
	if (c->how == COST_NONE)
		return c->why;
	if (!c->calls)
		return "no traced call was made while the statistics were on";
	return NULL;
}

/* The mean kernel time of the timed calls, or 0 when nothing was timed. */
static double ktime_per_call(const struct report *r)
{
	unsigned long long ktime = 0, timed = 0;

	for (int p = 0; p < NR_PATHS; p++) {
		ktime += r->snap->path[p].ktime_ns;
		timed += r->snap->path[p].timed;
	}
	return timed ? (double)ktime / timed : 0;
}

void out_cost(FILE *f, const struct report *r)
{
	const struct bpf_cost *c = r->cost;
	const char *none = no_cost(c);
	char per[FMT_LEN], open[FMT_LEN], calls[FMT_LEN], runs[FMT_LEN];
	double ns, kt = ktime_per_call(r);

	if (none) {
		fprintf(f, "bpf cost: not measured: %s\n", none);
		return;
	}
	ns = (double)c->run_ns / c->calls;
	fmt_ns(per, sizeof(per), ns);
	fmt_ns(open, sizeof(open), (double)c->window_ns);
	fmt_count(calls, sizeof(calls), c->calls);
	fmt_count(runs, sizeof(runs), c->runs);
	fprintf(f, "bpf cost: %s of our BPF programs per traced call", per);
	if (kt > 0)
		fprintf(f, ", %.1f%% of the kernel time per timed call", 100 * ns / kt);
	fprintf(f, " (%s: %s, %s calls, %s program runs)\n", c->why, open, calls,
		runs);
}

void out_cost_json(struct json *j, const struct report *r)
{
	const struct bpf_cost *c = r->cost;
	const char *none = no_cost(c);
	double kt = ktime_per_call(r);

	if (none) {
		json_null(j, "bpf_cost");
		json_str(j, "bpf_cost_reason", none);
		return;
	}
	json_object_start(j, "bpf_cost");
	json_double(j, "ns_per_call", (double)c->run_ns / c->calls);
	if (kt > 0)
		json_double(j, "share_of_ktime", (double)c->run_ns / c->calls / kt);
	else
		json_null(j, "share_of_ktime");
	json_str(j, "sampling", c->how == COST_WINDOWS ? "windows" :
		 c->how == COST_BORROWED ? "already_on" : "all_run");
	json_u64(j, "sample_pct", c->how == COST_WINDOWS ? c->pct : 100);
	json_str(j, "how", c->why);
	json_u64(j, "measured_ns", c->window_ns);
	json_u64(j, "calls", c->calls);
	json_u64(j, "run_ns", c->run_ns);
	json_u64(j, "runs", c->runs);
	json_object_end(j);
	json_null(j, "bpf_cost_reason");
}
