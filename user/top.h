/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The live view (-i on a terminal): a top-style table redrawn in place.
 * The renderer takes a list of rows, whatever they are: per path, per
 * process (-P) or per connection (-S), so it is the same code for every
 * breakdown and can be tested without a terminal.
 */
#ifndef UDSTRACE_TOP_H
#define UDSTRACE_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "conns.h"
#include "report.h"

/* The columns that say who a row is: PATH; PID COMM PATH; PROTO LOCAL ... */
#define TOP_IDS 5
#define TOP_ID_LEN 112	/* an AF_UNIX path (108) and its NUL, rounded */

enum top_kind {
	TOP_PATHS,	/* one row per path */
	TOP_PROCS,	/* -P: per process and path */
	TOP_CONNS,	/* -S: per socket, sends and receives apart */
};

/* One row: its interval's counters, and its totals since the start. */
struct top_row {
	char id[TOP_IDS][TOP_ID_LEN];
	uint64_t calls, errors, bytes, ktime_ns, timed;	/* this interval */
	uint64_t total_calls, total_errors, total_ktime_ns;	/* since start */
	/* TOP_CONNS: calls = sends + recvs, and errors are not counted */
	uint64_t sends, recvs, total_sends, total_recvs;
};

/* What the header line says, and the space the table has. */
struct top_view {
	enum top_kind kind;
	const char *clock;	/* "06:41:07", wall-clock time of the frame */
	const char *backend;	/* "fentry (function time)", or "per path" */
	uint64_t interval_ns;	/* the interval the rows' counters cover */
	uint64_t elapsed_ns;	/* since the start */
	bool counts_only;	/* nothing is timed: sort by calls */
	int top;		/* --top */
	int lines, cols;	/* the terminal's size */
};

/* The header line and the column names come before the rows. */
#define TOP_HEAD_LINES 2

/*
 * Sorts @rows by the interval's kernel time (its calls under
 * --counts-only), busiest first, and writes one frame of at most
 * v->lines lines, none longer than v->cols: the header line, the column
 * names, the rows capped by --top and by the lines left, and a last line
 * that sums what the cap left out. Lines end in "\n"; no escapes. Returns
 * the number of rows shown.
 */
int top_render(FILE *f, const struct top_view *v, struct top_row *rows, int nr);

/* Makes *@rows room for @n rows: 0, or -ENOMEM. */
int top_grow(struct top_row **rows, int *cap, int n);

/* The rows of a report's paths: @ival the interval, @total the run so far. */
int top_path_rows(const struct report *ival, const struct snapshot *total,
		  struct top_row *rows);
/*
 * -P: a row per process and path of @total (the run's owners), with the
 * interval's counters from @ival (owners_delta's rows, sorted here by key).
 * *@rows is grown as needed. The number of rows, or -ENOMEM.
 */
int top_owner_rows(struct owners *ival, const struct owners *total,
		   struct top_row **rows, int *cap);
/*
 * -S: a row per socket of @cur, the interval's counters against @prev
 * (the last interval's read; NULL at the first). @prev is sorted by key.
 */
int top_conn_rows(const struct conn_table *cur, struct conn_table *prev,
		  struct top_row **rows, int *cap);

#endif /* UDSTRACE_TOP_H */
