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

#define NSEC_PER_SEC 1e9
/* The PATH column is at least this wide, and grows for longer names. */
#define NAME_MIN 22
#define LINE_LEN 512

static bool by_calls;	/* qsort has no context argument: --counts-only */

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

	if (sort_key(a, false) != sort_key(b, false))
		return sort_key(a, false) < sort_key(b, false) ? 1 : -1;
	if (sort_key(a, true) != sort_key(b, true))
		return sort_key(a, true) < sort_key(b, true) ? 1 : -1;
	return strcmp(a->name, b->name);
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

static void put_row(FILE *f, const struct top_view *v, int w, const struct top_row *r)
{
	char rate[FMT_LEN], bytes[FMT_LEN], kt[FMT_LEN] = "-", avg[FMT_LEN] = "-";
	char calls[FMT_LEN], errs[FMT_LEN], total_kt[FMT_LEN] = "-";

	fmt_count(rate, sizeof(rate), (uint64_t)(per_sec(r->calls, v->interval_ns) + 0.5));
	fmt_bytes(bytes, sizeof(bytes), (uint64_t)(per_sec(r->bytes, v->interval_ns) + 0.5));
	if (!v->counts_only) {
		fmt_ns(kt, sizeof(kt), per_sec(r->ktime_ns, v->interval_ns));
		fmt_ns(total_kt, sizeof(total_kt), (double)r->total_ktime_ns);
	}
	if (r->timed)
		fmt_ns(avg, sizeof(avg), (double)r->ktime_ns / r->timed);
	fmt_count(calls, sizeof(calls), r->total_calls);
	fmt_count(errs, sizeof(errs), r->total_errors);
	put_line(f, v->cols, "%-*s %9s %10s %9s %9s %13s %7s %10s", w, r->name, rate,
		 bytes, kt, avg, calls, errs, total_kt);
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
	int room = v->lines - TOP_HEAD_LINES, show = nr, w = NAME_MIN;

	by_calls = v->counts_only;
	qsort(rows, nr, sizeof(*rows), cmp_rows);
	for (int i = 0; i < nr; i++)
		if ((int)strlen(rows[i].name) > w)
			w = strlen(rows[i].name);
	if (v->lines < 1)
		return 0;
	put_header(f, v, rows, nr);
	if (v->lines < TOP_HEAD_LINES)
		return 0;
	put_line(f, v->cols, "%-*s %9s %10s %9s %9s %13s %7s %10s", w, "PATH", "CALLS/S",
		 "BYTES/S", "KTIME/S", "AVG", "CALLS", "ERRORS", "KTIME");
	if (show > v->top)
		show = v->top;
	/* A row gives its line to the sum of the rest when the screen is full. */
	if (show > room || (show < nr && show == room))
		show = room - 1;
	if (show < 0)
		show = 0;
	for (int i = 0; i < show; i++)
		put_row(f, v, w, &rows[i]);
	if (show < nr && room > show)
		put_rest(f, v, rows + show, nr - show);
	return show;
}

int top_path_rows(const struct report *ival, const struct snapshot *total,
		  struct top_row *rows)
{
	bool uniform = report_uniform(ival);
	int nr = 0;

	for (int p = 0; p < NR_PATHS; p++) {
		const struct path_stats *s = &ival->snap->path[p], *t = &total->path[p];
		struct top_row *r = &rows[nr];

		/* A path that never made a call is no row of a top view. */
		if (!t->calls && !t->errors)
			continue;
		snprintf(r->name, sizeof(r->name), "%s%s%s%s", path_info[p].name,
			 uniform ? "" : " [", uniform ? "" : report_backend(ival, p)->name,
			 uniform ? "" : "]");
		r->calls = s->calls;
		r->errors = s->errors;
		r->bytes = s->bytes;
		r->ktime_ns = s->ktime_ns;
		r->timed = s->timed;
		r->total_calls = t->calls;
		r->total_errors = t->errors;
		r->total_ktime_ns = t->ktime_ns;
		nr++;
	}
	return nr;
}
