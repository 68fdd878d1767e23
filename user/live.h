/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The terminal side of the live view: the alternate screen, its size, and
 * putting a frame (top.h) on it in one write.
 */
#ifndef UDSTRACE_LIVE_H
#define UDSTRACE_LIVE_H

#include <stdbool.h>
#include "report.h"
#include "top.h"

struct live {
	bool on;		/* on the alternate screen */
	int lines, cols;	/* the terminal's size, from TIOCGWINSZ */
	int top;		/* --top */
	/* The last frame's rows and header, drawn again at a new size. */
	struct top_row *rows;
	int nr, cap;
	struct top_row *copy;	/* top_render sorts: a redraw sorts a copy */
	int copy_cap;
	struct top_view view;
	char clock[16], backend[64];
};

/* -i, no --json, and stdout is a terminal: the run is shown live. */
bool live_wanted(double interval_s, bool json);
/*
 * Switches stdout to the alternate screen and hides the cursor; the
 * normal screen, and the shell's lines on it, come back at live_stop().
 */
void live_start(struct live *l, int top);
/* Reads the terminal's size again and redraws (after SIGWINCH). */
void live_resize(struct live *l);
/*
 * Draws one frame: the interval @ival and the run so far @total, with
 * the @nr rows of @kind the caller put in l->rows (top_grow, and
 * top_path_rows, top_owner_rows or top_conn_rows).
 */
void live_draw(struct live *l, const struct report *ival,
	       const struct snapshot *total, enum top_kind kind, int nr);
/* Back to the normal screen, the cursor shown. Safe to call again. */
void live_stop(struct live *l);
/* Frees the rows, at the end of the run. */
void live_free(struct live *l);

#endif /* UDSTRACE_LIVE_H */
