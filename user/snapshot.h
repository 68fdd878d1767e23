/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one view of the counters that every printer reads: per-CPU maps
 * summed per path. Interval rows are the difference of two snapshots.
 */
#ifndef UDSTRACE_SNAPSHOT_H
#define UDSTRACE_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "stages.h"

/*
 * min_ns and max_ns of a row with calls whose extremes over the span are
 * not known: the kmod backend's intervals, for one. Printed as "-" / null.
 */
#define NS_UNKNOWN UINT64_MAX

static inline bool extremes_known(const struct path_stats *s)
{
	return s->min_ns != NS_UNKNOWN && s->max_ns != NS_UNKNOWN;
}

struct snapshot {
	uint64_t elapsed_ns;		/* since the probes attached */
	/* --time-sample: of that, how long timing windows were open; else 0 */
	uint64_t sampled_ns;
	struct path_stats path[NR_PATHS];
	__u64 missed[NR_PATHS];		/* probe hits lost, since start */
	/*
	 * Probe hits lost, since start, by the programs that serve no one
	 * row: stages, softirq and sched_switch tracking, fork following.
	 */
	__u64 other_missed;
	/* Children of followed processes left untraced: the map was full. */
	__u64 followed_lost;
	/*
	 * Times the counters under a backend went back to zero during the
	 * run (kmod: the module reset or unloaded); since start.
	 */
	__u64 restarts;
	/* --stages; [CTX_OTHER]: softirq work for other sockets */
	struct stage_stats stage[NR_PATHS][NR_STAGES][NR_CTX_SLOTS];
};

/*
 * out = cur - prev for the cumulative fields; min/max (already the
 * interval's, see tracer_read) and missed (a run total) come from cur.
 */
void snapshot_delta(const struct snapshot *cur, const struct snapshot *prev,
		    struct snapshot *out);
/*
 * held = the larger of held and cur, counter by counter (the ones that
 * only grow over a run; min/max and the stages are left alone). For the
 * exporter: a read that comes out short (a kprobe_profile that could not
 * be read, say) must never show as a counter going back, which Prometheus
 * takes for a restart and counts again from zero.
 */
void snapshot_hold(struct snapshot *held, const struct snapshot *cur);
/* Fold one CPU's counters into a sum (exported for the unit tests). */
void path_stats_add(struct path_stats *sum, const struct path_stats *cpu);

#endif /* UDSTRACE_SNAPSHOT_H */
