// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The human-readable table: a banner, one aligned row per path, a ratio. */
#include <string.h>
#include "fmt.h"
#include "hist.h"
#include "listeners_user.h"
#include "output.h"
#include "paths.h"

static void print_banner(FILE *f, const struct report *r)
{
	const struct backend_ops *b = report_backend(r, 0);
	char t[FMT_LEN];

	fmt_ns(t, sizeof(t), (double)r->snap->elapsed_ns);
	if (report_uniform(r))
		fprintf(f, "udstrace: backend %s (%s time), kernel %s, %s%s\n",
			b->name, report_time_scope(r, 0), r->kernel, t,
			r->final ? "" : " interval");
	else
		fprintf(f, "udstrace: backend per path (in brackets), kernel %s, %s%s\n",
			r->kernel, t, r->final ? "" : " interval");
}

static void print_row(FILE *f, const struct report *r, int p)
{
	const struct path_stats *s = &r->snap->path[p];
	char calls[FMT_LEN], errs[FMT_LEN], bytes[FMT_LEN];
	char kt[FMT_LEN] = "-", avg[FMT_LEN] = "-", mn[FMT_LEN] = "-", mx[FMT_LEN] = "-";

	fmt_count(calls, sizeof(calls), s->calls);
	fmt_count(errs, sizeof(errs), s->errors);
	if (s->bytes)
		fmt_bytes(bytes, sizeof(bytes), s->bytes);
	else
		snprintf(bytes, sizeof(bytes), "-");
	if (s->timed) {
		fmt_ns(kt, sizeof(kt), (double)s->ktime_ns);
		fmt_ns(avg, sizeof(avg), (double)s->ktime_ns / s->timed);
	}
	avg_less_probe_cost(avg, sizeof(avg), r, s->ktime_ns, s->timed);
	/* Extremes the backend cannot tell for this span stay "-". */
	if (s->timed && extremes_known(s)) {
		fmt_ns(mn, sizeof(mn), (double)s->min_ns);
		fmt_ns(mx, sizeof(mx), (double)s->max_ns);
	}
	fprintf(f, "%-22s %11s %7s %10s %10s %9s %9s %9s", path_info[p].name,
		calls, errs, bytes, kt, avg, mn, mx);
	if (!report_uniform(r))
		fprintf(f, " [%s]", report_backend(r, p)->name);
	fputc('\n', f);
}

/* "TCP loopback costs N x UDS per call", when both were timed alike. */
static void print_ratio(FILE *f, const struct report *r)
{
	const struct path_stats *u = &r->snap->path[PATH_UNIX_SEND];
	const struct path_stats *t = &r->snap->path[PATH_TCP_LOOPBACK];
	const struct backend_ops *bu = report_backend(r, PATH_UNIX_SEND);
	const struct backend_ops *bt = report_backend(r, PATH_TCP_LOOPBACK);

	if (!u->timed || !t->timed || !u->ktime_ns || bu != bt)
		return;
	fprintf(f, "%s costs %.2fx %s per call (%s time)\n",
		path_info[PATH_TCP_LOOPBACK].name,
		((double)t->ktime_ns / t->timed) / ((double)u->ktime_ns / u->timed),
		path_info[PATH_UNIX_SEND].name, report_time_scope(r, PATH_TCP_LOOPBACK));
}

/* --time-sample: how much of the span was timed, and how many calls. */
static void print_sampled(FILE *f, const struct report *r)
{
	unsigned long long calls = 0, timed = 0;
	char open[FMT_LEN];

	if (!r->time_sample_pct)
		return;
	for (int p = 0; p < NR_PATHS; p++) {
		calls += r->snap->path[p].calls;
		timed += r->snap->path[p].timed;
	}
	fmt_ns(open, sizeof(open), (double)r->snap->sampled_ns);
	fprintf(f, "time sampled (--time-sample %d): windows open %s (%.1f%%), %llu of %llu calls timed; counts are exact\n",
		r->time_sample_pct, open,
		r->snap->elapsed_ns ? 100.0 * r->snap->sampled_ns / r->snap->elapsed_ns : 0.0,
		timed, calls);
}

/*
 * A row whose calls were not all timed: its KTIME, AVG, MIN and MAX are
 * those of fewer samples than CALLS, so the table says so. On the
 * tracepoint backend a sample is a syscall: one sendmmsg or recvmmsg
 * makes several calls, and io_uring's calls have no syscall at all.
 */
static void print_untimed(FILE *f, const struct report *r, int p)
{
	const struct path_stats *s = &r->snap->path[p];
	const char *scope = report_time_scope(r, p);
	char calls[FMT_LEN], timed[FMT_LEN];

	/* --time-sample says it in its own line */
	if (s->timed == s->calls || !strcmp(scope, "none") || r->time_sample_pct)
		return;
	fmt_count(calls, sizeof(calls), s->calls);
	fmt_count(timed, sizeof(timed), s->timed);
	fprintf(f, "NOTE: %s: %s calls, %s timed: KTIME, AVG, MIN and MAX are those of the timed ones%s\n",
		path_info[p].name, calls, timed,
		strcmp(scope, "syscall") ? "" :
		", a syscall each (one sendmmsg or recvmmsg makes several calls; io_uring's calls are counted, not timed)");
}

void out_table(FILE *f, const struct report *r)
{
	print_banner(f, r);
	fprintf(f, "%-22s %11s %7s %10s %10s %9s %9s %9s\n", "PATH", "CALLS",
		"ERRORS", "BYTES", "KTIME", "AVG", "MIN", "MAX");
	for (int p = 0; p < NR_PATHS; p++)
		print_row(f, r, p);
	print_ratio(f, r);
	print_sampled(f, r);
	for (int p = 0; p < NR_PATHS; p++)
		print_untimed(f, r, p);
	out_owners_table(f, r);
	if (r->conns)
		out_conns_table(f, r);
	for (int p = 0; r->tracer->stages && p < NR_PATHS; p++)
		out_stages_table(f, r, p);
	if (r->tracer->stages && r->final)
		out_stages_cost(f, r);
	if (r->cost)
		out_cost(f, r);
	if (r->cost && r->subtract)
		out_probe_cost(f, r);
	if (r->listeners)
		out_listeners_table(f, r->listeners);
	for (int p = 0; p < NR_PATHS; p++)
		if (r->snap->missed[p])
			fprintf(f, "WARNING: %s: %llu probe hits missed since start (%s); its counts are low\n",
				path_info[p].name, (unsigned long long)r->snap->missed[p],
				report_backend(r, p)->name);
	if (r->snap->followed_lost)
		fprintf(f, "WARNING: %llu child processes were not traced: udstrace follows at most %d processes at once\n",
			(unsigned long long)r->snap->followed_lost, MAX_FOLLOWED);
	if (r->snap->restarts)
		fprintf(f, "WARNING: the module's counters went back to zero during the run (%llu resets or unloads); the calls between udstrace's last read and each of those are not counted\n",
			(unsigned long long)r->snap->restarts);
	if (r->snap->other_missed)
		fprintf(f, "WARNING: %llu probe hits missed since start by the stage, sched_switch and fork-following programs; stage counts, the time split or followed children may be short\n",
			(unsigned long long)r->snap->other_missed);
	if (r->hist) {
		for (int p = 0; p < NR_PATHS; p++) {
			if (!r->snap->path[p].timed)
				continue;
			fprintf(f, "\n%s, time per call:\n", path_info[p].name);
			hist_print(f, r->snap->path[p].hist, HIST_SLOTS, "nsecs");
		}
	}
	if (r->advice)
		out_advice_table(f, r->advice, r->top);
	fputc('\n', f);
	fflush(f);
}
