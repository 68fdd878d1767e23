/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-path counters (layout in udstrace.h), in every backend's BPF
 * object: the two per-CPU maps user space reads (user/backend_maps.c)
 * and the adds into them. Included once per object.
 */
#ifndef UDSTRACE_ACCOUNT_BPF_H
#define UDSTRACE_ACCOUNT_BPF_H

#include "udstrace.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_PATHS);
	__type(key, __u32);
	__type(value, struct path_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_PATHS);
	__type(key, __u32);
	__type(value, struct path_extremes);
} extremes SEC(".maps");

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	if (v >> (HIST_SLOTS - 1))
		return HIST_SLOTS - 1;
	/* Unrolled binary search over the 31 bits left. */
	if (v >> 16) { v >>= 16; slot += 16; }
	if (v >> 8) { v >>= 8; slot += 8; }
	if (v >> 4) { v >>= 4; slot += 4; }
	if (v >> 2) { v >>= 2; slot += 2; }
	if (v >> 1)
		slot += 1;
	return slot;
}

/*
 * Counters are per CPU. Tracepoint and kprobe programs run with preemption
 * off, so a plain add is exact. fentry/fexit programs run with only
 * migration disabled: another task can run the same program on this CPU
 * in the middle of an update. There the adds are atomic; exact counts
 * matter more than the cycles of an uncontended locked add.
 */
#ifdef UDSTRACE_PREEMPTIBLE
#define STAT_ADD(p, v) __sync_fetch_and_add(p, v)
#else
#define STAT_ADD(p, v) (*(p) += (v))
#endif
/* A call whose in-flight state could not be stored (see inflight.bpf.h). */
static __always_inline void account_drop(__u32 path)
{
	struct path_stats *s = bpf_map_lookup_elem(&stats, &path);

	if (s)
		STAT_ADD(&s->dropped, 1);
}

static __always_inline void account_call(__u32 path, long ret)
{
	struct path_stats *s = bpf_map_lookup_elem(&stats, &path);

	if (!s)
		return;
	STAT_ADD(&s->calls, 1);
	if (ret < 0)
		STAT_ADD(&s->errors, 1);
	else if (ret > 0)
		STAT_ADD(&s->bytes, ret);
}

/*
 * @blocked, @runq: the parts of @ns the task spent off-CPU asleep, and
 * runnable waiting for a CPU (0 when not known).
 */
static __always_inline void account_time(__u32 path, __u64 ns, __u64 blocked,
					 __u64 runq)
{
	struct path_stats *s = bpf_map_lookup_elem(&stats, &path);
	struct path_extremes *x = bpf_map_lookup_elem(&extremes, &path);

	if (!s || !x)
		return;
	STAT_ADD(&s->ktime_ns, ns);
	if (blocked)
		STAT_ADD(&s->blocked_ns, blocked);
	if (runq)
		STAT_ADD(&s->runq_ns, runq);
	STAT_ADD(&s->timed, 1);
	STAT_ADD(&s->hist[log2_slot(ns) & (HIST_SLOTS - 1)], 1);
	/* Extremes may lose a race with preemption; counts never do. */
	if (!s->min_ns || ns < s->min_ns)
		s->min_ns = ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	if (!x->min_ns || ns < x->min_ns)
		x->min_ns = ns;
	if (ns > x->max_ns)
		x->max_ns = ns;
}

#endif /* UDSTRACE_ACCOUNT_BPF_H */
