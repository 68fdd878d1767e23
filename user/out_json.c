// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* NDJSON, schema udstrace/1 (docs/JSON.md): one object per table. */
#include "listeners_user.h"
#include "output.h"
#include "paths.h"

static void json_path(struct json *j, const struct report *r, int p)
{
	const struct path_stats *s = &r->snap->path[p];

	json_object_start(j, NULL);
	json_str(j, "path", path_info[p].name);
	json_str(j, "backend", report_backend(r, p)->name);
	json_str(j, "time_scope", report_time_scope(r, p));
	json_str(j, "probe", r->tracer->choice[p].probe);
	json_u64(j, "calls", s->calls);
	json_u64(j, "errors", s->errors);
	json_u64(j, "bytes", s->bytes);
	json_u64(j, "ktime_ns", s->ktime_ns);
	json_u64(j, "timed", s->timed);
	if (extremes_known(s)) {
		json_u64(j, "min_ns", s->min_ns);
		json_u64(j, "max_ns", s->max_ns);
	} else {
		json_null(j, "min_ns");
		json_null(j, "max_ns");
	}
	json_less_probe_cost(j, r, s->ktime_ns, s->timed);
	json_u64(j, "missed", r->snap->missed[p]);
	json_array_start(j, "hist_log2_ns");
	for (int i = 0; i < HIST_SLOTS; i++)
		json_u64(j, NULL, s->hist[i]);
	json_array_end(j);
	if (r->tracer->stages)
		out_stages_json(j, r, p);
	json_object_end(j);
}

void out_json(FILE *f, const struct report *r)
{
	bool uniform = report_uniform(r);
	struct json j;

	json_init(&j, f);
	json_object_start(&j, NULL);
	json_str(&j, "schema", "udstrace/1");
	json_str(&j, "backend", uniform ? report_backend(r, 0)->name : "mixed");
	json_str(&j, "time_scope", uniform ? report_time_scope(r, 0) : "mixed");
	json_str(&j, "kernel", r->kernel);
	json_bool(&j, "final", r->final);
	json_u64(&j, "elapsed_ns", r->snap->elapsed_ns);
	json_u64(&j, "time_sample_pct", r->time_sample_pct);
	json_u64(&j, "sampled_ns", r->snap->sampled_ns);
	json_u64(&j, "other_missed", r->snap->other_missed);
	json_u64(&j, "children_not_followed", r->snap->followed_lost);
	json_u64(&j, "module_resets", r->snap->restarts);
	if (r->tracer->stages && r->final)
		out_stages_cost_json(&j, r);
	if (r->cost)
		out_cost_json(&j, r);
	if (r->cost && r->subtract)
		out_probe_cost_json(&j, r);
	json_array_start(&j, "paths");
	for (int p = 0; p < NR_PATHS; p++)
		json_path(&j, r, p);
	json_array_end(&j);
	if (r->advice)
		out_advice_json(&j, r->advice);
	out_owners_json(&j, r);
	if (r->conns)
		out_conns_json(&j, r);
	if (r->listeners)
		out_listeners_json(&j, r->listeners);
	json_object_end(&j);
	fflush(f);
}
