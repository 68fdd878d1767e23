// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "bpf_cost.h"
#include "tracer.h"

/*
 * The later windows open at multiples of the golden ratio of a second,
 * wrapped into the room a window has: a sequence that spreads evenly
 * through the second whatever the run's length, and never lines up with
 * --time-sample's windows, which all open at the start of a second.
 */
#define GOLDEN_NS 618033989ULL

void cost_decide(struct bpf_cost *c, bool any_bpf, bool held, bool sysctl_on,
		 int pct, int enable_err)
{
	c->how = COST_NONE;
	c->pct = pct;
	if (!any_bpf)
		snprintf(c->why, sizeof(c->why), "the kmod backend runs no BPF programs");
	else if (!pct)
		snprintf(c->why, sizeof(c->why), "--cost-sample 0");
	else if (held)
		c->how = COST_ALWAYS;
	else if (sysctl_on)
		c->how = COST_BORROWED;
	else if (enable_err == -EPERM)
		snprintf(c->why, sizeof(c->why), "BPF_ENABLE_STATS needs CAP_SYS_ADMIN");
	else if (enable_err == -EINVAL)
		snprintf(c->why, sizeof(c->why), "this kernel has no BPF_ENABLE_STATS (it came in 5.8)");
	else if (enable_err)
		snprintf(c->why, sizeof(c->why), "BPF_ENABLE_STATS failed: %s",
			 strerror(-enable_err));
	else
		c->how = pct >= 100 ? COST_ALWAYS : COST_WINDOWS;
	if (c->how == COST_NONE)
		return;
	if (held)
		snprintf(c->why, sizeof(c->why), "statistics on all run for --stages or --bpf-stats");
	else if (sysctl_on)
		snprintf(c->why, sizeof(c->why), "statistics on all run: they were on already (kernel.bpf_stats_enabled reads 1)");
	else if (c->how == COST_ALWAYS)
		snprintf(c->why, sizeof(c->why), "statistics on all run (--cost-sample 100)");
	else
		snprintf(c->why, sizeof(c->why), "statistics on %d%% of each second, in windows", pct);
}

unsigned long long cost_window_at(const struct bpf_cost *c,
				  unsigned long long period)
{
	unsigned long long room = COST_PERIOD_NS - c->open_ns;

	/* The first opens at the start, so that even a short run is measured. */
	return c->start_ns + period * COST_PERIOD_NS +
	       (period && room ? period * GOLDEN_NS % room : 0);
}

/*
 * The programs' run time and runs, the part of the run time that bounds
 * the calls' timed windows, and the calls traced, all so far.
 */
static void take(struct tracer *t, __u64 *run_ns, __u64 *runs, __u64 *calls,
		 __u64 *bound_ns)
{
	struct snapshot s;

	tracer_prog_time_split(t, run_ns, runs, bound_ns);
	*calls = 0;
	if (tracer_read(t, &s, false))
		return;
	for (int p = 0; p < NR_PATHS; p++)
		*calls += s.path[p].calls;
}

static void open_window(struct bpf_cost *c, struct tracer *t,
			unsigned long long now_ns)
{
	c->open = true;
	t->cost_window = c->how == COST_WINDOWS;
	c->opened_ns = now_ns;
	take(t, &c->run_ns0, &c->runs0, &c->calls0, &c->bound_ns0);
}

static void close_window(struct bpf_cost *c, struct tracer *t,
			 unsigned long long now_ns)
{
	__u64 run_ns, runs, calls, bound_ns;

	/* Read before the statistics go off: every run in it was timed. */
	take(t, &run_ns, &runs, &calls, &bound_ns);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->open = false;
	t->cost_window = false;
	/* A program's info that could not be read must not make it go back. */
	if (run_ns < c->run_ns0 || runs < c->runs0 || calls < c->calls0 ||
	    bound_ns < c->bound_ns0)
		return;
	c->window_ns += now_ns - c->opened_ns;
	c->run_ns += run_ns - c->run_ns0;
	c->runs += runs - c->runs0;
	c->calls += calls - c->calls0;
	c->bound_ns += bound_ns - c->bound_ns0;
}

static bool sysctl_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int ch;

	if (!f)
		return false;
	ch = fgetc(f);
	fclose(f);
	return ch == '1';
}

/* From now, our own windows, if the statistics can be turned on. */
static void own_windows(struct bpf_cost *c, struct tracer *t,
			unsigned long long now_ns)
{
	c->fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (c->fd < 0) {
		c->how = COST_NONE;
		snprintf(c->why, sizeof(c->why),
			 "the statistics were on, then went off, and BPF_ENABLE_STATS failed: %s",
			 strerror(errno));
		return;
	}
	c->how = c->pct >= 100 ? COST_ALWAYS : COST_WINDOWS;
	snprintf(c->why, sizeof(c->why), c->how == COST_ALWAYS ?
		 "statistics on all run: they were on already, then went off, then ours (--cost-sample 100)" :
		 "statistics on all run while they were on already, then ours on %d%% of each second, in windows",
		 c->pct);
	c->period = (now_ns - c->start_ns) / COST_PERIOD_NS;
	c->next_ns = now_ns + c->open_ns;
	open_window(c, t, now_ns);
}

/* COST_BORROWED: a second is over; keep it if they are still on. */
static void borrowed_step(struct bpf_cost *c, struct tracer *t,
			  unsigned long long now_ns)
{
	if (!sysctl_on()) {
		/* Off somewhere in this second: its runs are short, drop it. */
		c->open = false;
		own_windows(c, t, now_ns);
		return;
	}
	close_window(c, t, now_ns);
	open_window(c, t, now_ns);
	c->next_ns = now_ns + COST_PERIOD_NS;
}

void cost_start(struct bpf_cost *c, struct tracer *t, int pct,
		unsigned long long now_ns)
{
	bool any_bpf = false, held = t->run_time_fd >= 0, on;
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	for (int k = 0; k < NR_BACKENDS; k++)
		any_bpf |= t->started[k] && t->obj[k].bpf;
	on = !held && sysctl_on();
	/* Tried only where it decides something; it is the first window. */
	if (any_bpf && pct && !held && !on) {
		c->fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		err = c->fd < 0 ? -errno : 0;
	}
	cost_decide(c, any_bpf, held, on, pct, err);
	if (c->how == COST_NONE) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return;
	}
	c->start_ns = now_ns;
	c->open_ns = COST_PERIOD_NS / 100 * pct;
	c->next_ns = now_ns + (c->how == COST_BORROWED ? COST_PERIOD_NS : c->open_ns);
	open_window(c, t, now_ns);
}

void cost_step(struct bpf_cost *c, struct tracer *t, unsigned long long now_ns)
{
	if (c->how == COST_BORROWED && now_ns >= c->next_ns)
		borrowed_step(c, t, now_ns);
	if (c->how != COST_WINDOWS || now_ns < c->next_ns)
		return;
	if (c->open) {
		close_window(c, t, now_ns);
		/* A late loop skips the windows whose time has passed. */
		do
			c->period++;
		while (cost_window_at(c, c->period) + c->open_ns <= now_ns);
		c->next_ns = cost_window_at(c, c->period);
		if (c->next_ns < now_ns)
			c->next_ns = now_ns;
		return;
	}
	c->fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (c->fd >= 0) {
		open_window(c, t, now_ns);
		c->next_ns = now_ns + c->open_ns;
		return;
	}
	/* It worked at the start: skip this window rather than give up. */
	c->period++;
	c->next_ns = cost_window_at(c, c->period);
}

unsigned long long cost_next(const struct bpf_cost *c)
{
	return c->how == COST_WINDOWS || c->how == COST_BORROWED ?
	       c->next_ns : ~0ULL;
}

void cost_finish(struct bpf_cost *c, struct tracer *t,
		 unsigned long long now_ns)
{
	/* A borrowed stretch counts only if they are on to its end. */
	if (c->how == COST_BORROWED && !sysctl_on())
		c->open = false;
	if (c->open)
		close_window(c, t, now_ns);
}
