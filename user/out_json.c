// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * NDJSON, schema udstrace/1 (docs/JSON.md). Written by hand: the output
 * is a fixed shape of numbers and a few known strings, which a JSON
 * library (not among the packages we depend on) would not make simpler.
 */
#include "output.h"
#include "paths.h"

/* Strings here are ours or uname's; escape the two JSON specials anyway. */
void json_str(FILE *f, const char *key, const char *s)
{
	fprintf(f, "\"%s\":\"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_path(FILE *f, const struct report *r, int p)
{
	const struct path_stats *s = &r->snap->path[p];
	const struct backend_ops *b = report_backend(r, p);

	fputc('{', f);
	json_str(f, "path", path_info[p].name);
	fputc(',', f);
	json_str(f, "backend", b->name);
	fputc(',', f);
	json_str(f, "time_scope", report_time_scope(r, p));
	fputc(',', f);
	json_str(f, "probe", r->tracer->choice[p].probe);
	fprintf(f, ",\"calls\":%llu,\"errors\":%llu,\"bytes\":%llu,"
		"\"ktime_ns\":%llu,\"timed\":%llu,\"min_ns\":%llu,\"max_ns\":%llu,"
		"\"missed\":%llu,\"hist_log2_ns\":[",
		(unsigned long long)s->calls, (unsigned long long)s->errors,
		(unsigned long long)s->bytes, (unsigned long long)s->ktime_ns,
		(unsigned long long)s->timed, (unsigned long long)s->min_ns,
		(unsigned long long)s->max_ns,
		(unsigned long long)r->snap->missed[p]);
	for (int i = 0; i < HIST_SLOTS; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)s->hist[i]);
	fputc(']', f);
	if (r->tracer->stages)
		out_stages_json(f, r, p);
	fputc('}', f);
}

void out_json(FILE *f, const struct report *r)
{
	const struct backend_ops *b = report_backend(r, 0);
	bool uniform = report_uniform(r);

	fputc('{', f);
	json_str(f, "schema", "udstrace/1");
	fputc(',', f);
	json_str(f, "backend", uniform ? b->name : "mixed");
	fputc(',', f);
	json_str(f, "time_scope", uniform ? report_time_scope(r, 0) : "mixed");
	fputc(',', f);
	json_str(f, "kernel", r->kernel);
	fprintf(f, ",\"final\":%s,\"elapsed_ns\":%llu",
		r->final ? "true" : "false",
		(unsigned long long)r->snap->elapsed_ns);
	if (r->tracer->stages && r->final)
		out_stages_cost(f, r, true);
	fputs(",\"paths\":[", f);
	for (int p = 0; p < NR_PATHS; p++) {
		if (p)
			fputc(',', f);
		json_path(f, r, p);
	}
	fputs("]}\n", f);
	fflush(f);
}
