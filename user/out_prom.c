// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --prometheus: the counters in the Prometheus text exposition format,
 * version 0.0.4, one scrape at a time (docs/METRICS.md). Labels stay few
 * and bounded: the row (path); with -P the process name (comm, never the
 * tgid), with --by-cgroup or --cgroup the cgroup. Per process or per
 * connection detail is for the JSON, never for labels.
 */
#include <inttypes.h>
#include <string.h>
#include "output.h"
#include "paths.h"

#define NSEC_PER_SEC 1000000000ULL

/* A label value: backslash, double quote and newline escaped. */
static void put_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* {path="...",cgroup="..."} and any extra label (",le=..."), or nothing. */
static void put_labels(FILE *f, const struct prom_info *pi, int path,
		       const char *extra)
{
	bool any = path >= 0 || pi->cgroup || extra;
	const char *sep = "";

	if (!any)
		return;
	fputc('{', f);
	if (path >= 0) {
		fprintf(f, "path=\"%s\"", path_info[path].name);
		sep = ",";
	}
	if (pi->cgroup) {
		fprintf(f, "%scgroup=\"", sep);
		put_value(f, pi->cgroup);
		fputc('"', f);
		sep = ",";
	}
	if (extra)
		fprintf(f, "%s%s", sep, extra);
	fputc('}', f);
}

static void put_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Nanoseconds as seconds, exactly: 1.500000000 */
static void put_seconds(FILE *f, __u64 ns)
{
	fprintf(f, "%" PRIu64 ".%09" PRIu64 "\n", (uint64_t)(ns / NSEC_PER_SEC),
		(uint64_t)(ns % NSEC_PER_SEC));
}

static void put_sample(FILE *f, const char *name, const struct prom_info *pi,
		       int path, __u64 v)
{
	fputs(name, f);
	put_labels(f, pi, path, NULL);
	fprintf(f, " %" PRIu64 "\n", (uint64_t)v);
}

static __u64 get_calls(const struct snapshot *s, int p)
{
	return s->path[p].calls;
}

static __u64 get_errors(const struct snapshot *s, int p)
{
	return s->path[p].errors;
}

static __u64 get_bytes(const struct snapshot *s, int p)
{
	return s->path[p].bytes;
}

static __u64 get_missed(const struct snapshot *s, int p)
{
	return s->missed[p];
}

/* A counter with one sample per row. */
static void put_path_counter(FILE *f, const struct report *r, const struct prom_info *pi,
			     const char *name, const char *help,
			     __u64 (*get)(const struct snapshot *, int))
{
	put_head(f, name, "counter", help);
	for (int p = 0; p < NR_PATHS; p++)
		put_sample(f, name, pi, p, get(r->snap, p));
}

/*
 * {path="...",comm="..."} or {path="...",cgroup="..."}: a series' own
 * cgroup replaces the constant --cgroup one.
 */
static void put_series_labels(FILE *f, const struct prom_info *pi,
			      const struct prom_series *s)
{
	fprintf(f, "{path=\"%s\",%s=\"", path_info[s->path].name,
		pi->series_label);
	put_value(f, s->label);
	fputc('"', f);
	if (pi->cgroup && strcmp(pi->series_label, "cgroup")) {
		fputs(",cgroup=\"", f);
		put_value(f, pi->cgroup);
		fputc('"', f);
	}
	fputc('}', f);
}

enum series_field { SERIES_CALLS, SERIES_ERRORS, SERIES_BYTES, SERIES_KTIME };

/* -P, --by-cgroup, --cgroup: one of the four counters, per series. */
static void put_series_counter(FILE *f, const struct prom_info *pi,
			       const char *name, enum series_field field)
{
	for (size_t i = 0; i < pi->nr_series; i++) {
		const struct prom_series *s = &pi->series[i];
		const struct owner_stats *v = &s->shown;

		fputs(name, f);
		put_series_labels(f, pi, s);
		fputc(' ', f);
		if (field == SERIES_KTIME)
			put_seconds(f, v->ktime_ns);
		else
			fprintf(f, "%" PRIu64 "\n", (uint64_t)(field == SERIES_CALLS ?
				v->calls : field == SERIES_ERRORS ? v->errors : v->bytes));
	}
}

/* The four counters, per path or per series. */
static void put_counter(FILE *f, const struct report *r, const struct prom_info *pi,
			const char *name, const char *help, enum series_field field,
			__u64 (*get)(const struct snapshot *, int))
{
	if (!pi->series_label) {
		put_path_counter(f, r, pi, name, help, get);
		return;
	}
	put_head(f, name, "counter", help);
	put_series_counter(f, pi, name, field);
}

/*
 * The log2 slots as cumulative buckets. Slot i < 31 holds calls of
 * [2^i, 2^(i+1)) ns, slot 0 of 0 and 1 ns: whole nanoseconds, so its
 * upper bound, inclusive as "le" is, is 2^(i+1) - 1 ns. The last slot,
 * from 2^31 ns, is the +Inf bucket's alone.
 */
static void put_histogram(FILE *f, const struct report *r, const struct prom_info *pi)
{
	const char *name = "udstrace_call_duration_seconds";
	char le[64];

	put_head(f, name, "histogram",
		 "Time per call in the kernel (time_scope in udstrace_info), by log2 slot of nanoseconds.");
	for (int p = 0; p < NR_PATHS; p++) {
		const struct path_stats *s = &r->snap->path[p];
		__u64 cum = 0;

		for (int i = 0; i < HIST_SLOTS; i++) {
			__u64 hi = (1ULL << (i + 1)) - 1;

			cum += s->hist[i];
			if (i == HIST_SLOTS - 1)
				snprintf(le, sizeof(le), "le=\"+Inf\"");
			else
				snprintf(le, sizeof(le), "le=\"%" PRIu64 ".%09" PRIu64 "\"",
					 (uint64_t)(hi / NSEC_PER_SEC),
					 (uint64_t)(hi % NSEC_PER_SEC));
			fprintf(f, "%s_bucket", name);
			put_labels(f, pi, p, le);
			fprintf(f, " %" PRIu64 "\n", (uint64_t)cum);
		}
		fprintf(f, "%s_sum", name);
		put_labels(f, pi, p, NULL);
		fputc(' ', f);
		put_seconds(f, s->ktime_ns);
		fprintf(f, "%s_count", name);
		put_labels(f, pi, p, NULL);
		fprintf(f, " %" PRIu64 "\n", (uint64_t)cum);
	}
}

static void put_info(FILE *f, const struct report *r, const struct prom_info *pi)
{
	bool uniform = report_uniform(r);

	put_head(f, "udstrace_info", "gauge",
		 "Always 1: the backend and time scope (mixed when the rows differ), the kernel, and udstrace's version and git commit.");
	fputs("udstrace_info{", f);
	fprintf(f, "backend=\"%s\",time_scope=\"%s\",kernel=\"",
		uniform ? report_backend(r, 0)->name : "mixed",
		uniform ? report_time_scope(r, 0) : "mixed");
	put_value(f, r->kernel);
	fputs("\",version=\"", f);
	put_value(f, pi->version);
	fputs("\",commit=\"", f);
	put_value(f, pi->commit);
	fputc('"', f);
	if (pi->cgroup) {
		fputs(",cgroup=\"", f);
		put_value(f, pi->cgroup);
		fputc('"', f);
	}
	fputs("} 1\n", f);
}

static void put_run_counters(FILE *f, const struct report *r, const struct prom_info *pi)
{
	const struct snapshot *sn = r->snap;

	put_head(f, "udstrace_other_missed_total", "counter",
		 "Probe hits lost by the programs that serve no single row (stages, sched_switch, fork following); JSON other_missed.");
	put_sample(f, "udstrace_other_missed_total", pi, -1, sn->other_missed);
	put_head(f, "udstrace_children_not_followed_total", "counter",
		 "With a command: its children left untraced because the followed map was full; JSON children_not_followed.");
	put_sample(f, "udstrace_children_not_followed_total", pi, -1, sn->followed_lost);
	put_head(f, "udstrace_module_resets_total", "counter",
		 "kmod: times the module's counters went back to zero (a reset or unload); the calls just before each are not counted; JSON module_resets.");
	put_sample(f, "udstrace_module_resets_total", pi, -1, sn->restarts);
	if (!pi->bpf_stats)
		return;
	put_head(f, "udstrace_bpf_run_seconds_total", "counter",
		 "udstrace's own cost in the kernel: time spent running udstrace's BPF programs since they loaded, as bpf_stats measures it (BPF_ENABLE_STATS or sysctl kernel.bpf_stats_enabled); probe dispatch is not included.");
	fputs("udstrace_bpf_run_seconds_total", f);
	put_labels(f, pi, -1, NULL);
	fputc(' ', f);
	put_seconds(f, pi->bpf_run_ns);
	put_head(f, "udstrace_bpf_runs_total", "counter",
		 "Runs of udstrace's BPF programs that bpf_stats counted; with udstrace_bpf_run_seconds_total, the cost per run.");
	put_sample(f, "udstrace_bpf_runs_total", pi, -1, pi->bpf_runs);
}

void out_prom(FILE *f, const struct report *r, const struct prom_info *pi)
{
	put_counter(f, r, pi, "udstrace_calls_total",
		    "Calls of each kernel path by traced processes, each counted once.",
		    SERIES_CALLS, get_calls);
	put_counter(f, r, pi, "udstrace_errors_total",
		    "Calls that returned a negative errno.", SERIES_ERRORS, get_errors);
	put_counter(f, r, pi, "udstrace_bytes_total",
		    "Bytes sent or received: the sum of the calls' positive return values.",
		    SERIES_BYTES, get_bytes);
	put_head(f, "udstrace_kernel_seconds_total", "counter",
		 "Kernel time of the timed calls (time_scope in udstrace_info: function, syscall, or none).");
	if (pi->series_label)
		put_series_counter(f, pi, "udstrace_kernel_seconds_total", SERIES_KTIME);
	for (int p = 0; !pi->series_label && p < NR_PATHS; p++) {
		fputs("udstrace_kernel_seconds_total", f);
		put_labels(f, pi, p, NULL);
		fputc(' ', f);
		put_seconds(f, r->snap->path[p].ktime_ns);
	}
	put_histogram(f, r, pi);
	put_path_counter(f, r, pi, "udstrace_missed_total",
			 "Probe hits a mechanism dropped for the row (BPF recursion guard, kretprobe maxactive, a full in-flight map); when not 0 its counts or times are short.",
			 get_missed);
	put_info(f, r, pi);
	put_run_counters(f, r, pi);
}
