// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One frame of the live view: plain lines, cut to the terminal's width
 * and height. live.c puts them on the screen; the unit tests read them.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "fmt.h"
#include "paths.h"
#include "top.h"
#include "sort.h"

#define NSEC_PER_SEC 1e9
/* The PATH column is at least this wide, and grows for longer names. */
#define NAME_MIN 22
#define LINE_LEN 1024

/*
 * The columns that say who a row is, per kind: their names and least
 * widths. A flexible column (a socket's address) gives up its width,
 * keeping the end of its text, when the line would not fit the screen.
 */
static const struct id_col {
	const char *head;
	int min;
	bool flex;
} id_cols[][TOP_IDS] = {
	[TOP_PATHS] = { { "PATH", NAME_MIN, false } },
	[TOP_PROCS] = { { "PID", 7, false }, { "COMM", 15, false },
			{ "PATH", NAME_MIN, false } },
	[TOP_CONNS] = { { "PROTO", 5, false }, { "LOCAL", 10, true }, { "PEER", 10, true },
			{ "OWNER", 12, false }, { "PEER PROCESS", 12, false } },
};

/*
 * The numbers after the ids, per kind: the interval's rates, then the
 * run's totals, which a narrow screen drops first, from the right.
 */
#define NR_NUMS 8
static const struct num_col {
	const char *head;
	int width;
	bool total;
} num_cols[][NR_NUMS] = {
#define PER_ROW_NUMS { { "CALLS/S", 9, false }, { "BYTES/S", 10, false },	\
		       { "KTIME/S", 9, false }, { "AVG", 9, false },		\
		       { "CALLS", 13, true }, { "ERRORS", 7, true },		\
		       { "KTIME", 10, true } }
	[TOP_PATHS] = PER_ROW_NUMS,
	[TOP_PROCS] = PER_ROW_NUMS,
	/* No AVG: the room goes to the addresses (the summary has it). */
	[TOP_CONNS] = { { "SENDS/S", 8, false }, { "RECVS/S", 8, false },
			{ "BYTES/S", 10, false }, { "KTIME/S", 9, false },
			{ "SENDS", 10, true }, { "RECVS", 10, true },
			{ "KTIME", 10, true } },
#undef PER_ROW_NUMS
};

/* A flexible id is narrowed to this before any total is dropped. */
#define FLEX_EASY 16

/* How a frame's columns are laid out on the screen. */
struct layout {
	int w[TOP_IDS];	/* each id's width */
	int nums;	/* how many numbers are shown */
};

static bool by_calls;	/* qsort has no context argument: --counts-only */

static int nr_ids(enum top_kind kind)
{
	int n = 0;

	while (n < TOP_IDS && id_cols[kind][n].head)
		n++;
	return n;
}

static int nr_nums(enum top_kind kind)
{
	int n = 0;

	while (n < NR_NUMS && num_cols[kind][n].head)
		n++;
	return n;
}

static uint64_t sort_key(const struct top_row *r, bool total)
{
	if (by_calls)
		return total ? r->total_calls : r->calls;
	return total ? r->total_ktime_ns : r->ktime_ns;
}

/* Busiest in the interval first, then over the run, then by name. */
static int cmp_rows(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;
	int c = 0;

	if (sort_key(a, false) != sort_key(b, false))
		return sort_key(a, false) < sort_key(b, false) ? 1 : -1;
	if (sort_key(a, true) != sort_key(b, true))
		return sort_key(a, true) < sort_key(b, true) ? 1 : -1;
	for (int i = 0; i < TOP_IDS && !c; i++)
		c = strcmp(a->id[i], b->id[i]);
	return c;
}

/* One line, cut to the width: a wrapped line would push the frame down. */
static void __attribute__((format(printf, 3, 4)))
put_line(FILE *f, int cols, const char *fmt, ...)
{
	char line[LINE_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	if (cols > 0 && n > cols)
		n = cols;
	fwrite(line, 1, n, f);
	fputc('\n', f);
}

static double per_sec(uint64_t v, uint64_t ns)
{
	return ns ? v * NSEC_PER_SEC / ns : 0;
}

/* Narrows the widest flexible id, down to @floor; false when none can be. */
static bool narrow(const struct id_col *c, int n, int floor, int *w)
{
	int widest = -1;

	for (int i = 0; i < n; i++)
		if (c[i].flex && w[i] > (c[i].min > floor ? c[i].min : floor) &&
		    (widest < 0 || w[i] > w[widest]))
			widest = i;
	if (widest < 0)
		return false;
	w[widest]--;
	return true;
}

/*
 * The columns of @rows on a screen of v->cols: each id as wide as its
 * longest text; when the line is too long, the flexible ids (a socket's
 * addresses) narrow to FLEX_EASY, then the run's totals go, from the
 * right, then the flexible ids narrow to their least. What is still too
 * long is cut at the screen's edge.
 */
static void lay_out(const struct top_view *v, const struct top_row *rows, int nr,
		    struct layout *l)
{
	const struct id_col *c = id_cols[v->kind];
	const struct num_col *num = num_cols[v->kind];
	int n = nr_ids(v->kind), len, over = 0;

	l->nums = nr_nums(v->kind);
	for (int i = 0; i < n; i++) {
		l->w[i] = c[i].min > (int)strlen(c[i].head) ? c[i].min : (int)strlen(c[i].head);
		for (int r = 0; r < nr; r++)
			if ((len = strlen(rows[r].id[i])) > l->w[i])
				l->w[i] = len;
		over += l->w[i] + (i > 0);
	}
	for (int i = 0; i < l->nums; i++)
		over += num[i].width + 1;
	if (v->cols <= 0)
		return;
	over -= v->cols;
	while (over > 0 && narrow(c, n, FLEX_EASY, l->w))
		over--;
	while (over > 0 && l->nums > 0 && num[l->nums - 1].total)
		over -= num[--l->nums].width + 1;
	while (over > 0 && narrow(c, n, 0, l->w))
		over--;
}

/* The ids, each padded to its width; one too long keeps its end after "..". */
static int put_ids(char *buf, size_t len, const struct top_view *v,
		   const struct layout *l, const char (*id)[TOP_ID_LEN])
{
	int n = nr_ids(v->kind), at = 0;

	buf[0] = 0;
	for (int i = 0; i < n && at < (int)len; i++) {
		const char *s = id[i];
		int sl = strlen(s), w = l->w[i];

		if (sl > w && w > 2)
			at += snprintf(buf + at, len - at, "%s..%s", i ? " " : "",
				       s + sl - (w - 2));
		else
			at += snprintf(buf + at, len - at, "%s%-*s", i ? " " : "", w, s);
	}
	return at < (int)len ? at : (int)len - 1;
}

/* The ids, then the numbers the layout shows, right-aligned. */
static void put_cols(FILE *f, const struct top_view *v, const struct layout *l,
		     const char (*id)[TOP_ID_LEN], char (*nums)[FMT_LEN])
{
	char line[LINE_LEN];
	int at = put_ids(line, sizeof(line), v, l, id);

	for (int i = 0; i < l->nums && at < (int)sizeof(line); i++)
		at += snprintf(line + at, sizeof(line) - at, " %*s",
			       num_cols[v->kind][i].width, nums[i]);
	put_line(f, v->cols, "%s", line);
}

static void put_header(FILE *f, const struct top_view *v, const struct top_row *rows,
		       int nr)
{
	char ival[FMT_LEN], up[FMT_LEN], ev[FMT_LEN], rate[FMT_LEN];
	uint64_t events = 0;

	for (int i = 0; i < nr; i++)
		events += rows[i].calls;
	fmt_ns(ival, sizeof(ival), (double)v->interval_ns);
	fmt_ns(up, sizeof(up), (double)v->elapsed_ns);
	fmt_count(ev, sizeof(ev), events);
	fmt_count(rate, sizeof(rate), (uint64_t)(per_sec(events, v->interval_ns) + 0.5));
	put_line(f, v->cols, "udstrace %s  backend %s  interval %s  events %s (%s/s)  up %s",
		 v->clock, v->backend, ival, ev, rate, up);
}

static void put_heads(FILE *f, const struct top_view *v, const struct layout *l)
{
	char heads[TOP_IDS][TOP_ID_LEN] = {}, nums[NR_NUMS][FMT_LEN] = {};

	for (int i = 0; i < nr_ids(v->kind); i++)
		snprintf(heads[i], sizeof(heads[i]), "%s", id_cols[v->kind][i].head);
	for (int i = 0; i < nr_nums(v->kind); i++)
		snprintf(nums[i], sizeof(nums[i]), "%s", num_cols[v->kind][i].head);
	put_cols(f, v, l, (const char (*)[TOP_ID_LEN])heads, nums);
}

static void fmt_rate(char *buf, uint64_t v, uint64_t ns)
{
	fmt_count(buf, FMT_LEN, (uint64_t)(per_sec(v, ns) + 0.5));
}

/* The numbers of a row, in the order of num_cols[v->kind]. */
static void put_row(FILE *f, const struct top_view *v, const struct layout *l,
		    const struct top_row *r)
{
	char nums[NR_NUMS][FMT_LEN] = {}, (*n)[FMT_LEN] = nums;
	uint64_t ns = v->interval_ns;

	if (v->kind == TOP_CONNS) {
		fmt_rate(*n++, r->sends, ns);
		fmt_rate(*n++, r->recvs, ns);
	} else {
		fmt_rate(*n++, r->calls, ns);
	}
	fmt_bytes(*n++, FMT_LEN, (uint64_t)(per_sec(r->bytes, ns) + 0.5));
	strcpy(n[0], "-");
	if (!v->counts_only)
		fmt_ns(n[0], FMT_LEN, per_sec(r->ktime_ns, ns));
	n++;
	if (v->kind != TOP_CONNS) {
		strcpy(n[0], "-");
		if (r->timed)
			fmt_ns(n[0], FMT_LEN, (double)r->ktime_ns / r->timed);
		n++;
	}
	if (v->kind == TOP_CONNS) {
		fmt_count(*n++, FMT_LEN, r->total_sends);
		fmt_count(*n++, FMT_LEN, r->total_recvs);
	} else {
		fmt_count(*n++, FMT_LEN, r->total_calls);
		fmt_count(*n++, FMT_LEN, r->total_errors);
	}
	strcpy(n[0], "-");
	if (!v->counts_only)
		fmt_ns(n[0], FMT_LEN, (double)r->total_ktime_ns);
	put_cols(f, v, l, r->id, nums);
}

/* The rows the cap left out, summed, so the frame still adds up. */
static void put_rest(FILE *f, const struct top_view *v, const struct top_row *rows,
		     int nr)
{
	char rate[FMT_LEN], kt[FMT_LEN] = "-";
	uint64_t calls = 0, ktime = 0;

	for (int i = 0; i < nr; i++) {
		calls += rows[i].calls;
		ktime += rows[i].ktime_ns;
	}
	fmt_count(rate, sizeof(rate), (uint64_t)(per_sec(calls, v->interval_ns) + 0.5));
	if (!v->counts_only)
		fmt_ns(kt, sizeof(kt), per_sec(ktime, v->interval_ns));
	put_line(f, v->cols, "+ %d more row%s: %s calls/s, kernel time %s/s", nr,
		 nr == 1 ? "" : "s", rate, kt);
}

int top_render(FILE *f, const struct top_view *v, struct top_row *rows, int nr)
{
	int room = v->lines - TOP_HEAD_LINES, show = nr;
	struct layout l;

	by_calls = v->counts_only;
	sort_rows(rows, nr, sizeof(*rows), cmp_rows);
	if (v->lines < 1)
		return 0;
	put_header(f, v, rows, nr);
	if (v->lines < TOP_HEAD_LINES)
		return 0;
	if (show > v->top)
		show = v->top;
	/* A row gives its line to the sum of the rest when the screen is full. */
	if (show > room || (show < nr && show == room))
		show = room - 1;
	if (show < 0)
		show = 0;
	/* The widths of the rows shown: one left out does not widen the table. */
	lay_out(v, rows, show, &l);
	put_heads(f, v, &l);
	for (int i = 0; i < show; i++)
		put_row(f, v, &l, &rows[i]);
	if (show < nr && room > show)
		put_rest(f, v, rows + show, nr - show);
	return show;
}
