/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The live view (-i on a terminal): a top-style table redrawn in place.
 * The renderer takes a list of rows, whatever they are (paths today;
 * per-process or per-connection rows fit the same struct), so it is the
 * same code for every breakdown and can be tested without a terminal.
 */
#ifndef UDSTRACE_TOP_H
#define UDSTRACE_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "report.h"

#define TOP_NAME_LEN 64

/* One row: its interval's counters, and its totals since the start. */
struct top_row {
	char name[TOP_NAME_LEN];
	uint64_t calls, errors, bytes, ktime_ns, timed;	/* this interval */
	uint64_t total_calls, total_errors, total_ktime_ns;	/* since start */
};

/* What the header line says, and the space the table has. */
struct top_view {
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

/* The rows of a report's paths: @ival the interval, @total the run so far. */
int top_path_rows(const struct report *ival, const struct snapshot *total,
		  struct top_row *rows);

#endif /* UDSTRACE_TOP_H */
