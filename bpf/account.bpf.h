/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-path counters (layout in udstrace.h), in every backend's BPF
 * object: the two per-CPU maps user space reads (user/backend_maps.c)
 * and the adds into them. Included once per object.
 */
#ifndef UDSTRACE_ACCOUNT_BPF_H
#define UDSTRACE_ACCOUNT_BPF_H

#include "udstrace.h"
#include "target.bpf.h"

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
/* -P or --by-cgroup (user/target.h); nothing below runs without them. */
const volatile enum breakdown breakdown = BREAKDOWN_NONE;

/*
 * The calls per (path, process) or (path, cgroup). An LRU hash, so a
 * busy machine's new processes push out the ones not seen for longest;
 * user space sizes it (1 entry when unused), and compares the inserts
 * counted here with the entries it finds to report the evictions.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OWNERS_MAX);
	__type(key, struct owner_key);
	__type(value, struct owner_stats);
} owners SEC(".maps");

__u64 owners_inserted = 0;

/* The current task's entry in owners for @path, made if need be. */
static __always_inline struct owner_stats *owner_current(__u32 path)
{
	struct owner_key k = { .path = path, .pad = 0 };
	struct owner_stats *o, zero = {};
	struct task_struct *task;

	if (breakdown == BREAKDOWN_CGROUP)
		k.id = bpf_get_current_cgroup_id();
	else
		k.id = current_tgid();
	o = bpf_map_lookup_elem(&owners, &k);
	if (o)
		return o;
	if (breakdown == BREAKDOWN_PROC) {
		/* The process's name, not the thread's: a pool thread's differs. */
		task = (struct task_struct *)bpf_get_current_task();
		BPF_CORE_READ_INTO(&zero.comm, task, group_leader, comm);
	}
	/* Another CPU may have made it meanwhile: then it is not counted. */
	if (!bpf_map_update_elem(&owners, &k, &zero, BPF_NOEXIST))
		__sync_fetch_and_add(&owners_inserted, 1);
	return bpf_map_lookup_elem(&owners, &k);
}

/*
 * Unlike the per-CPU stats, an owner's counters are shared by every
 * CPU, so the adds are atomic whatever the program type. The entry is
 * returned, for owner_time() to take without a second lookup.
 */
static __always_inline struct owner_stats *owner_call(__u32 path, long ret)
{
	struct owner_stats *o;

	if (breakdown == BREAKDOWN_NONE)
		return NULL;
	o = owner_current(path);
	if (!o)
		return NULL;
	__sync_fetch_and_add(&o->calls, 1);
	if (ret < 0)
		__sync_fetch_and_add(&o->errors, 1);
	else if (ret > 0)
		__sync_fetch_and_add(&o->bytes, ret);
	return o;
}

/* @o: what owner_call() returned for this call, or NULL to look it up. */
static __always_inline void owner_time(__u32 path, struct owner_stats *o,
				       __u64 ns)
{
	if (breakdown == BREAKDOWN_NONE)
		return;
	if (!o)
		o = owner_current(path);
	if (!o)
		return;
	__sync_fetch_and_add(&o->ktime_ns, ns);
	__sync_fetch_and_add(&o->timed, 1);
}

/* A call whose in-flight state could not be stored (see inflight.bpf.h). */
static __always_inline void account_drop(__u32 path)
{
	struct path_stats *s = bpf_map_lookup_elem(&stats, &path);

	if (s)
		STAT_ADD(&s->dropped, 1);
}

/*
 * Returns the call's -P/--by-cgroup entry (NULL without one), which its
 * account_time() takes, so a call looks it up once.
 */
static __always_inline struct owner_stats *account_call(__u32 path, long ret)
{
	struct path_stats *s = bpf_map_lookup_elem(&stats, &path);
	struct owner_stats *o = owner_call(path, ret);

	if (!s)
		return o;
	STAT_ADD(&s->calls, 1);
	if (ret < 0)
		STAT_ADD(&s->errors, 1);
	else if (ret > 0)
		STAT_ADD(&s->bytes, ret);
	return o;
}

/*
 * @o: what account_call() returned for this call, or NULL (not counted
 * here): then it is looked up. @blocked, @runq: the parts of @ns the task spent off-CPU asleep, and
 * runnable waiting for a CPU (0 when not known).
 */
static __always_inline void account_time(__u32 path, struct owner_stats *o,
					 __u64 ns, __u64 blocked, __u64 runq)
{
	struct path_stats *s = bpf_map_lookup_elem(&stats, &path);
	struct path_extremes *x = bpf_map_lookup_elem(&extremes, &path);

	owner_time(path, o, ns);
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
