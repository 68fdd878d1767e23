// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --folded FILE: each row's stage tree as folded stacks, one line per
 * frame, "path;stage;stage NANOSECONDS", the input of flamegraph.pl and
 * speedscope. The value is a frame's exclusive time: its own inclusive
 * time less that of its children, so a row's lines add up to its kernel
 * time exactly.
 *
 * The counters are per stage, not per place in the tree, so a stage also
 * reached from elsewhere (tcp_rcv_established from __release_sock as well
 * as from tcp_v4_rcv) can hold more than its parent. A frame is therefore
 * given at most what its parent has left, in call order; the rest of its
 * time is not shown twice. A stage without time (not probed here, or a
 * tracepoint, which is a point) is no frame: its children hang from the
 * nearest timed stage above it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "output.h"
#include "paths.h"
#include "stages_info.h"

/* Deeper than any row's tree (stages_info.c goes to 13). */
#define MAX_DEPTH 32
#define FRAMES_LEN 2048

struct frame {
	int depth;		/* 0: the row itself */
	size_t end;		/* where its name ends in the stack string */
	__u64 left;		/* its time its children have not taken */
	bool hidden;		/* a stage without time: no frame of its own */
};

struct folded {
	FILE *f;
	char stack[FRAMES_LEN];	/* "row;stage;stage" of the top frame */
	struct frame frame[MAX_DEPTH];
	int top;
};

/* Writes the top frame's exclusive time, if any, and drops it. */
static void pop(struct folded *fo)
{
	struct frame *fr = &fo->frame[fo->top];

	fo->stack[fr->end] = '\0';
	if (!fr->hidden && fr->left)
		fprintf(fo->f, "%s %llu\n", fo->stack,
			(unsigned long long)fr->left);
	fo->top--;
	if (fo->top >= 0)
		fo->stack[fo->frame[fo->top].end] = '\0';
}

/*
 * Appends @name as a frame, or with NULL a hidden one that only holds
 * its depth; ';' and spaces would split a name, so not those.
 */
static void push(struct folded *fo, int depth, const char *name, __u64 ns)
{
	size_t end = fo->top >= 0 ? fo->frame[fo->top].end : 0;
	struct frame *fr;

	if (fo->top + 1 >= MAX_DEPTH)
		return;
	if (name && fo->top >= 0 && end + 1 < sizeof(fo->stack))
		fo->stack[end++] = ';';
	for (const char *c = name; c && *c && end + 1 < sizeof(fo->stack); c++)
		fo->stack[end++] = *c == ';' || *c == ' ' ? '_' : *c;
	fo->stack[end] = '\0';
	fr = &fo->frame[++fo->top];
	fr->depth = depth;
	fr->end = end;
	fr->left = ns;
	fr->hidden = !name;
}

/* The nearest frame on the stack that is not hidden: the row at least. */
static struct frame *visible_top(struct folded *fo)
{
	int i = fo->top;

	while (i > 0 && fo->frame[i].hidden)
		i--;
	return &fo->frame[i];
}

/* One stage of @row at @depth: a frame under the nearest one above it. */
static void add_stage(struct folded *fo, const struct report *r, int row,
		      enum stage st, int depth)
{
	const struct stage_choice *c = tracer_stage(r->tracer, row, st);
	const struct stage_stats *s = r->snap->stage[row][st];
	__u64 ns = s[CTX_TASK].ktime_ns + s[CTX_SOFTIRQ].ktime_ns;
	struct frame *parent;

	while (fo->top > 0 && fo->frame[fo->top].depth >= depth)
		pop(fo);
	if (!c->probed || !ns) {
		push(fo, depth, NULL, 0);
		return;
	}
	parent = visible_top(fo);
	if (ns > parent->left)
		ns = parent->left;
	parent->left -= ns;
	push(fo, depth, c->name, ns);
}

static bool listed(int row, enum stage st)
{
	for (const struct row_stage *rs = row_stages[row]; rs->depth; rs++)
		if (rs->stage == st)
			return true;
	return false;
}

static void folded_row(struct folded *fo, const struct report *r, int row)
{
	fo->top = -1;
	push(fo, 0, path_info[row].name, r->snap->path[row].ktime_ns);
	for (const struct row_stage *rs = row_stages[row]; rs->depth; rs++)
		add_stage(fo, r, row, rs->stage, rs->depth);
	/* Stages that ran off the row's list, as the table shows them. */
	for (int s = 0; s < NR_STAGES; s++)
		if (!listed(row, s))
			add_stage(fo, r, row, s, 1);
	while (fo->top >= 0)
		pop(fo);
}

int out_folded(const char *path, const struct report *r)
{
	struct folded fo = { .f = fopen(path, "w") };

	if (!fo.f)
		return -errno;
	for (int row = 0; row < NR_PATHS; row++)
		if (r->snap->path[row].ktime_ns)
			folded_row(&fo, r, row);
	return fclose(fo.f) ? -errno : 0;
}
