/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every printer reads: one snapshot of the counters, which backend
 * served each path, and the options that shape the output.
 */
#ifndef UDSTRACE_REPORT_H
#define UDSTRACE_REPORT_H

#include <stdbool.h>
#include "advice.h"
#include "owners.h"
#include "snapshot.h"
#include "tracer.h"

struct bpf_cost;
struct conn_table;
struct listener_table;

struct report {
	const struct snapshot *snap;
	const struct tracer *tracer;	/* which backend serves each path */
	const char *kernel;
	bool final;			/* whole run, not one interval */
	bool hist;			/* -H */
	bool explain;			/* --explain */
	bool counts_only;		/* --counts-only */
	int time_sample_pct;		/* --time-sample where it took, else 0 */
	const struct advice *advice;	/* --advise, on the final report */
	/* the final report: what our BPF programs cost; else NULL */
	const struct bpf_cost *cost;
	bool subtract;			/* --subtract-probe-cost */
	/* -P, --by-cgroup: the rows, sorted; NULL without */
	const struct owners *owners;
	enum breakdown breakdown;
	int top;			/* --top: how many rows to show */
	unsigned int owners_max;	/* the kernel map's size */
	const struct conn_table *conns;	/* -S, the summary only; else NULL */
	/* --listeners: since start, else NULL */
	const struct listener_table *listeners;
};

/* The backend of a path, and whether all paths have the same one. */
const struct backend_ops *report_backend(const struct report *r, int path);
bool report_uniform(const struct report *r);
/* "function", "syscall", or "none" for a row --counts-only left untimed. */
const char *report_time_scope(const struct report *r, int path);

#endif /* UDSTRACE_REPORT_H */
