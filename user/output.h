/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The printers. They read a snapshot and never talk to the kernel. */
#ifndef UDSTRACE_OUTPUT_H
#define UDSTRACE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include "json.h"
#include "prom_series.h"
#include "report.h"

void out_table(FILE *f, const struct report *r);
/* One NDJSON line, schema udstrace/1 (docs/JSON.md). */
void out_json(FILE *f, const struct report *r);

/* -P, --by-cgroup: the rows under the table, and their JSON members. */
void out_owners_table(FILE *f, const struct report *r);
void out_owners_json(struct json *j, const struct report *r);
/* -S: the per-connection table, and its JSON members (r->conns set). */
void out_conns_table(FILE *f, const struct report *r);
void out_conns_json(struct json *j, const struct report *r);

/* --stages: the tree under a row, its JSON, and the Graphviz picture. */
void out_stages_table(FILE *f, const struct report *r, int row);
/* Members of a row's JSON object: on-CPU and blocked time, the stages. */
void out_stages_json(struct json *j, const struct report *r, int row);
/* What the BPF programs cost per traced call, from their run time. */
void out_stages_cost(FILE *f, const struct report *r);
void out_stages_cost_json(struct json *j, const struct report *r);
/* Every final report: what our BPF programs cost per traced call. */
void out_cost(FILE *f, const struct report *r);
void out_cost_json(struct json *j, const struct report *r);
/*
 * --subtract-probe-cost: the calibration's line; a time per call
 * (@ktime_ns over @timed) less it: 0; or why there is no such figure,
 * and 1 where it would be negative, -1 otherwise.
 */
void out_probe_cost(FILE *f, const struct report *r);
void out_probe_cost_json(struct json *j, const struct report *r);
int probe_cost_less(const struct report *r, unsigned long long ktime_ns,
		    unsigned long long timed, double *ns, const char **why);
/*
 * The same for a row of the final report, where it is asked for: an AVG
 * cell, or the JSON row's ns_per_call_less_probe_cost and its reason.
 */
void avg_less_probe_cost(char *avg, size_t len, const struct report *r,
			 unsigned long long ktime_ns, unsigned long long timed);
void json_less_probe_cost(struct json *j, const struct report *r,
			  unsigned long long ktime_ns, unsigned long long timed);
int out_dot(const char *path, const struct report *r);
/* --folded FILE: the stage trees as folded stacks, exclusive ns. */
int out_folded(const char *path, const struct report *r);

/* What --prometheus adds to a report: its constant labels and its own cost. */
struct prom_info {
	const char *version, *commit;	/* udstrace's, as --version says */
	const char *cgroup;	/* --cgroup's PATHs joined by ',', or NULL */
	bool bpf_stats;		/* the kernel times our programs: the cost is known */
	/*
	 * -P, --by-cgroup, --cgroup: calls, errors, bytes and kernel time
	 * per path and @series_label ("comm" or "cgroup"), in place of the
	 * per-path samples; NULL: per path.
	 */
	const char *series_label;
	const struct prom_series *series;
	size_t nr_series;
	__u64 bpf_run_ns, bpf_runs;
};
/*
 * The Prometheus text format, version 0.0.4 (docs/METRICS.md). The
 * report's snapshot must be of the whole run (never an interval), and
 * never lower than the one before it: the counters must not go back.
 */
void out_prom(FILE *f, const struct report *r, const struct prom_info *pi);

#endif /* UDSTRACE_OUTPUT_H */
