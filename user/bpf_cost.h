/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What udstrace's own BPF programs cost per traced call, in every mode.
 *
 * The kernel times BPF programs (bpf_prog_info's run_time_ns, run_cnt)
 * only while its statistics are on, and then it times every program on
 * the machine, which costs (17% of 100-byte AF_UNIX throughput on the
 * development VM). So by default they are on only in short windows:
 * COST_PCT% of each second (the first window from the start, the later
 * ones at offsets that move through the second, so that they see
 * --time-sample's windows and the gaps between in proportion). At each
 * window's open and close the programs' run time and runs and the traced
 * calls are read; the report divides the sums: BPF ns per traced call.
 */
#ifndef UDSTRACE_BPF_COST_H
#define UDSTRACE_BPF_COST_H

#include <stdbool.h>
#include <linux/types.h>
#include "backend.h"

struct tracer;

/* --cost-sample's default: the statistics are on 5% of the run. */
#define COST_PCT 5
#define COST_PERIOD_NS 1000000000ULL

enum cost_how {
	COST_NONE,	/* not measured: why says why */
	COST_ALWAYS,	/* the statistics are on all run: why says by whom */
	COST_WINDOWS,	/* on in windows of pct% of each second */
	/*
	 * On already (kernel.bpf_stats_enabled reads 1): measured all run,
	 * in stretches of a second, each kept only if they were still on
	 * at its end. If they go off, our own windows take over.
	 */
	COST_BORROWED,
};

struct bpf_cost {
	enum cost_how how;
	char why[REASON_LEN];
	int pct;
	int fd;			/* our BPF_ENABLE_STATS while it is held, or -1 */
	/* the windows' clock (COST_WINDOWS) */
	unsigned long long start_ns, open_ns, next_ns, opened_ns;
	unsigned long long period;	/* the period the next window is in */
	bool open;
	/* the readings when the open window opened */
	__u64 run_ns0, runs0, calls0, bound_ns0;
	/* summed over closed windows (COST_ALWAYS: one, the whole run) */
	unsigned long long window_ns;
	__u64 run_ns, runs, calls;
	/* of run_ns, the programs that open or close a call's timed window */
	__u64 bound_ns;
};

/*
 * How the cost can be measured, from what is known at the start: @any_bpf
 * (some backend runs BPF programs: not kmod alone), @held (BPF_ENABLE_STATS
 * is held for the whole run already: --stages, --bpf-stats), @sysctl_on
 * (kernel.bpf_stats_enabled reads 1), @pct (--cost-sample), @enable_err
 * (0, or the -errno of a trial BPF_ENABLE_STATS). Sets how and why.
 */
void cost_decide(struct bpf_cost *c, bool any_bpf, bool held, bool sysctl_on,
		 int pct, int enable_err);

/* When the window of @period opens, from the run's start. */
unsigned long long cost_window_at(const struct bpf_cost *c,
				  unsigned long long period);

/*
 * Starts measuring at @now_ns, after the tracer started: the first window
 * opens now. Says nothing: the report gives the outcome.
 */
void cost_start(struct bpf_cost *c, struct tracer *t, int pct,
		unsigned long long now_ns);
/* Opens or closes a window when its time has come. */
void cost_step(struct bpf_cost *c, struct tracer *t, unsigned long long now_ns);
/* When cost_step has something to do next (~0ULL: never). */
unsigned long long cost_next(const struct bpf_cost *c);
/* The run ends: closes the open window, or the whole-run one. */
void cost_finish(struct bpf_cost *c, struct tracer *t,
		 unsigned long long now_ns);

#endif /* UDSTRACE_BPF_COST_H */
