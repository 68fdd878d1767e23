// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "snapshot.h"

void path_stats_add(struct path_stats *sum, const struct path_stats *cpu)
{
	sum->calls += cpu->calls;
	sum->errors += cpu->errors;
	sum->bytes += cpu->bytes;
	sum->ktime_ns += cpu->ktime_ns;
	sum->blocked_ns += cpu->blocked_ns;
	sum->runq_ns += cpu->runq_ns;
	sum->timed += cpu->timed;
	sum->dropped += cpu->dropped;
	if (cpu->min_ns && (!sum->min_ns || cpu->min_ns < sum->min_ns))
		sum->min_ns = cpu->min_ns;
	if (cpu->max_ns > sum->max_ns)
		sum->max_ns = cpu->max_ns;
	for (int i = 0; i < HIST_SLOTS; i++)
		sum->hist[i] += cpu->hist[i];
}

void snapshot_delta(const struct snapshot *cur, const struct snapshot *prev,
		    struct snapshot *out)
{
	out->elapsed_ns = cur->elapsed_ns - prev->elapsed_ns;
	out->sampled_ns = cur->sampled_ns - prev->sampled_ns;
	memcpy(out->missed, cur->missed, sizeof(out->missed));
	out->other_missed = cur->other_missed;
	out->followed_lost = cur->followed_lost;
	out->restarts = cur->restarts;
	for (int p = 0; p < NR_PATHS; p++) {
		const struct path_stats *c = &cur->path[p], *o = &prev->path[p];
		struct path_stats *d = &out->path[p];

		d->calls = c->calls - o->calls;
		d->errors = c->errors - o->errors;
		d->bytes = c->bytes - o->bytes;
		d->ktime_ns = c->ktime_ns - o->ktime_ns;
		d->timed = c->timed - o->timed;
		d->dropped = c->dropped - o->dropped;
		d->min_ns = c->min_ns;
		d->max_ns = c->max_ns;
		d->blocked_ns = c->blocked_ns - o->blocked_ns;
		d->runq_ns = c->runq_ns - o->runq_ns;
		for (int i = 0; i < HIST_SLOTS; i++)
			d->hist[i] = c->hist[i] - o->hist[i];
		for (int s = 0; s < NR_STAGES; s++) {
			for (int x = 0; x < NR_CTX_SLOTS; x++) {
				const struct stage_stats *cs = &cur->stage[p][s][x];
				const struct stage_stats *os = &prev->stage[p][s][x];

				out->stage[p][s][x].calls = cs->calls - os->calls;
				out->stage[p][s][x].ktime_ns = cs->ktime_ns - os->ktime_ns;
			}
		}
	}
}

static void hold(__u64 *held, __u64 cur)
{
	if (cur > *held)
		*held = cur;
}

void snapshot_hold(struct snapshot *held, const struct snapshot *cur)
{
	held->elapsed_ns = cur->elapsed_ns;
	hold(&held->other_missed, cur->other_missed);
	hold(&held->followed_lost, cur->followed_lost);
	hold(&held->restarts, cur->restarts);
	for (int p = 0; p < NR_PATHS; p++) {
		const struct path_stats *c = &cur->path[p];
		struct path_stats *h = &held->path[p];

		hold(&held->missed[p], cur->missed[p]);
		hold(&h->calls, c->calls);
		hold(&h->errors, c->errors);
		hold(&h->bytes, c->bytes);
		hold(&h->ktime_ns, c->ktime_ns);
		hold(&h->timed, c->timed);
		hold(&h->dropped, c->dropped);
		hold(&h->blocked_ns, c->blocked_ns);
		hold(&h->runq_ns, c->runq_ns);
		for (int i = 0; i < HIST_SLOTS; i++)
			hold(&h->hist[i], c->hist[i]);
	}
}
