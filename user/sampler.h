/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --time-sample's clock: a window open for PCT% at the start of every
 * SAMPLE_PERIOD_NS of the run, the first from the run's start, so that
 * even a short run is timed.
 */
#ifndef UDSTRACE_SAMPLER_H
#define UDSTRACE_SAMPLER_H

#include <stdbool.h>

#define SAMPLE_PERIOD_NS 1000000000ULL

struct sampler {
	unsigned long long start_ns;	/* the run's start: period 0 opens here */
	unsigned long long open_ns;	/* how long each window stays open */
	unsigned long long next_ns;	/* when the window opens or closes next */
	unsigned long long opened_ns;	/* when the open window opened */
	unsigned long long open_total_ns; /* closed windows' time so far */
	bool open;
};

/* @pct: 1 to 99. The first window is open from @now_ns. */
void sampler_init(struct sampler *s, int pct, unsigned long long now_ns);

/*
 * At @now_ns: true if the window opened or closed (s->open says which).
 * Called late, it never opens a window whose time has passed.
 */
bool sampler_step(struct sampler *s, unsigned long long now_ns);

/*
 * The window sampler_step() just opened could not be opened after all
 * (the probes would not attach): it counts as never open, and the next
 * one comes in the next period.
 */
void sampler_skip(struct sampler *s);

/* How long windows were open up to @now_ns. */
unsigned long long sampler_open_ns(const struct sampler *s,
				   unsigned long long now_ns);

#endif /* UDSTRACE_SAMPLER_H */
