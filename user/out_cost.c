// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The final report's line on what udstrace's BPF programs cost per
 * traced call (user/bpf_cost.h measures it), in the table and the JSON.
 */
#include <stdlib.h>
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
	json_u64(j, "bound_run_ns", c->bound_ns);
	json_object_end(j);
	json_null(j, "bpf_cost_reason");
}

/*
 * --subtract-probe-cost. Inside a call's timed window run the programs
 * that ran between its clock reads (the sock_* tracepoints, the wake-up
 * and stage programs) and part of the two that read the clock: sys_enter
 * after its read, sys_exit before its own (fentry's entry and exit
 * programs alike). The kernel times each program whole, so the part of
 * those two inside is not known: half is taken, and the other half is the
 * spread. The fentry trampoline and the kprobe breakpoint are not BPF
 * run time, so they are left in.
 */
struct probe_cost {
	double ns;		/* what is taken off each call */
	double spread;		/* +- this: the bounding programs' half */
	double all;		/* all our programs, per traced call */
	double bound;		/* those that read the clock, per traced call */
	double extra;		/* UDSTRACE_PROBE_COST_EXTRA_NS, for the tests */
};

/* Why there is no calibration, or NULL and *pc. */
static const char *probe_cost(const struct report *r, struct probe_cost *pc)
{
	const struct bpf_cost *c = r->cost;
	const char *none = no_cost(c);
	const char *env = getenv("UDSTRACE_PROBE_COST_EXTRA_NS");

	if (none)
		return none;
	pc->all = (double)c->run_ns / c->calls;
	pc->bound = (double)c->bound_ns / c->calls;
	pc->extra = env ? strtod(env, NULL) : 0;
	pc->ns = pc->all - pc->bound / 2 + pc->extra;
	pc->spread = pc->bound / 2;
	return NULL;
}

int probe_cost_less(const struct report *r, unsigned long long ktime_ns,
		    unsigned long long timed, double *ns, const char **why)
{
	struct probe_cost pc;

	*why = probe_cost(r, &pc);
	if (*why)
		return -1;
	if (!timed) {
		*why = "no timed call";
		return -1;
	}
	*ns = (double)ktime_ns / timed - pc.ns;
	if (*ns < 0) {
		*why = "the time per call is less than the probe cost";
		return 1;
	}
	return 0;
}

void avg_less_probe_cost(char *avg, size_t len, const struct report *r,
			 unsigned long long ktime_ns, unsigned long long timed)
{
	const char *why;
	double ns;
	int ret;

	if (!timed || !r->subtract || !r->cost)
		return;
	ret = probe_cost_less(r, ktime_ns, timed, &ns, &why);
	if (!ret)
		fmt_ns(avg, len, ns);
	else if (ret > 0)
		snprintf(avg, len, "< probe cost");
}

void json_less_probe_cost(struct json *j, const struct report *r,
			  unsigned long long ktime_ns, unsigned long long timed)
{
	const char *why;
	double ns;

	if (!r->subtract || !r->cost)
		return;
	if (probe_cost_less(r, ktime_ns, timed, &ns, &why)) {
		json_null(j, "ns_per_call_less_probe_cost");
		json_str(j, "less_probe_cost_reason", why);
		return;
	}
	json_double(j, "ns_per_call_less_probe_cost", ns);
	json_null(j, "less_probe_cost_reason");
}

void out_probe_cost(FILE *f, const struct report *r)
{
	char ns[FMT_LEN], spread[FMT_LEN], all[FMT_LEN], bound[FMT_LEN];
	struct probe_cost pc;
	const char *why = probe_cost(r, &pc);

	if (why) {
		fprintf(f, "probe cost subtracted: nothing: %s\n", why);
		return;
	}
	fmt_ns(ns, sizeof(ns), pc.ns);
	fmt_ns(spread, sizeof(spread), pc.spread);
	fmt_ns(all, sizeof(all), pc.all);
	fmt_ns(bound, sizeof(bound), pc.bound);
	fprintf(f, "probe cost subtracted: %s per call (+- %s), from this run's BPF statistics: our programs' %s per traced call less half of the %s of those whose clock reads bound the timed window",
		ns, spread, all, bound);
	if (pc.extra)
		fprintf(f, ", plus %.0f ns from UDSTRACE_PROBE_COST_EXTRA_NS", pc.extra);
	fprintf(f, "; AVG is less it, KTIME, MIN and MAX are as measured\n");
}

void out_probe_cost_json(struct json *j, const struct report *r)
{
	struct probe_cost pc;
	const char *why = probe_cost(r, &pc);

	if (why) {
		json_null(j, "probe_cost");
		json_str(j, "probe_cost_reason", why);
		return;
	}
	json_object_start(j, "probe_cost");
	json_double(j, "ns_per_call", pc.ns);
	json_double(j, "spread_ns", pc.spread);
	json_double(j, "bpf_ns_per_call", pc.all);
	json_double(j, "bound_ns_per_call", pc.bound);
	json_double(j, "extra_ns", pc.extra);
	json_str(j, "source", "this run's BPF statistics: all our programs per traced call, less half of those whose clock reads bound the timed window");
	json_object_end(j);
	json_null(j, "probe_cost_reason");
}
