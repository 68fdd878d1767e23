/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The printers. They read a snapshot and never talk to the kernel. */
#ifndef UDSTRACE_OUTPUT_H
#define UDSTRACE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include "snapshot.h"
#include "tracer.h"

struct report {
	const struct snapshot *snap;
	const struct tracer *tracer;	/* which backend serves each path */
	const char *kernel;
	bool final;			/* whole run, not one interval */
	bool hist;			/* -H */
	bool explain;			/* --explain */
	bool counts_only;		/* --counts-only */
};

void out_table(FILE *f, const struct report *r);
/* One NDJSON line, schema udstrace/1 (docs/JSON.md). */
void out_json(FILE *f, const struct report *r);

/* --stages: the tree under a row, its JSON, and the Graphviz picture. */
void out_stages_table(FILE *f, const struct report *r, int row);
void out_stages_json(FILE *f, const struct report *r, int row);
/* What the BPF programs cost per traced call, from their run time. */
void out_stages_cost(FILE *f, const struct report *r, bool json);
int out_dot(const char *path, const struct report *r);

/* "key":"value", with the value escaped for JSON. */
void json_str(FILE *f, const char *key, const char *s);

/* Shared by both: the backend of a path, and whether all paths agree. */
const struct backend_ops *report_backend(const struct report *r, int path);
bool report_uniform(const struct report *r);
/* "function", "syscall", or "none" for a row --counts-only left untimed. */
const char *report_time_scope(const struct report *r, int path);

#endif /* UDSTRACE_OUTPUT_H */
