/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --stages on the BPF side: per (row, stage, context) counters, the
 * context test, and the stack of entry times for softirq stages. A stage
 * is counted only while the current task is inside a traced path call,
 * under that call's row: in task context always, in softirq context only
 * when the hit is for the call's own socket (flow.bpf.h), else in the
 * row's CTX_OTHER slot, as softirq work for other sockets.
 */
#ifndef UDSTRACE_STAGES_BPF_H
#define UDSTRACE_STAGES_BPF_H

#include "stages.h"
#include "flow.bpf.h"

/* Set by user space with --stages; the stage programs load only then. */
const volatile bool stages_on = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_STAGE_KEYS);
	__type(key, __u32);
	__type(value, struct stage_stats);
} stage_stats SEC(".maps");

/*
 * Softirq stages nest on a CPU (ip_rcv inside net_rx_action ...) and never
 * sleep, so their entry times live on a per-CPU stack. Task-context stages
 * may sleep and move CPUs; theirs live in the task's own storage.
 */
#define SOFTIRQ_DEPTH 16
struct softirq_stack {
	__u32 depth;
	__u32 mine;		/* bit d: the entry at depth d is the call's own */
	__u32 any_mine;		/* this softirq handled the call's socket's work */
	__u32 pad;
	__u64 start[SOFTIRQ_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct softirq_stack);
} softirq_stacks SEC(".maps");

/*
 * Whether this CPU is serving a softirq, kept by irq:softirq_entry/exit
 * (softirqs never nest on a CPU). Reading the preempt count instead would
 * need its per-CPU address, which kernels without CONFIG_KALLSYMS_ALL
 * (the development VM's) do not give BPF.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} in_softirq SEC(".maps");

static __always_inline void softirq_mark(__u32 on)
{
	__u32 zero = 0, *flag = bpf_map_lookup_elem(&in_softirq, &zero);

	if (flag)
		*flag = on;
}

/* CTX_TASK or CTX_SOFTIRQ. The stage functions never run in hard IRQs. */
static __always_inline int stage_ctx(void)
{
	__u32 zero = 0, *flag = bpf_map_lookup_elem(&in_softirq, &zero);

	return flag && *flag ? CTX_SOFTIRQ : CTX_TASK;
}

static __always_inline void stage_account(__u32 row, __u32 stage, int ctx,
					  __u64 ns)
{
	struct stage_stats *s;
	__u32 key;

	if (row >= NR_PATHS || stage >= NR_STAGES || ctx < 0)
		return;
	key = STAGE_KEY(row, stage, ctx);
	s = bpf_map_lookup_elem(&stage_stats, &key);
	if (!s)
		return;
	STAT_ADD(&s->calls, 1);
	if (ns)
		STAT_ADD(&s->ktime_ns, ns);
}

static __always_inline struct softirq_stack *softirq_stack(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&softirq_stacks, &zero);
}

/* @mine: the stage entered is the traced call's own work. */
static __always_inline void softirq_push(__u64 now, bool mine)
{
	struct softirq_stack *st = softirq_stack();

	if (!st)
		return;
	if (st->depth < SOFTIRQ_DEPTH) {
		st->start[st->depth & (SOFTIRQ_DEPTH - 1)] = now;
		if (mine)
			st->mine |= 1U << (st->depth & (SOFTIRQ_DEPTH - 1));
		else
			st->mine &= ~(1U << (st->depth & (SOFTIRQ_DEPTH - 1)));
	}
	if (mine)
		st->any_mine = 1;
	st->depth++;
}

/* A point stage (a tracepoint) in this softirq was the call's own work. */
static __always_inline void softirq_saw_mine(void)
{
	struct softirq_stack *st = softirq_stack();

	if (st)
		st->any_mine = 1;
}

/*
 * Did this softirq handle any of the traced call's own packets? The
 * softirq itself has no packet of its own: it is charged to the call only
 * then, else counted with the work for other sockets.
 */
static __always_inline bool softirq_was_mine(void)
{
	struct softirq_stack *st = softirq_stack();

	return st && st->any_mine;
}

/*
 * Softirqs do not nest on a CPU, so each starts with an empty stack,
 * whatever an earlier one left behind (an exit program that the BPF
 * recursion guard dropped would leave the depth one too high for good).
 */
static __always_inline void softirq_stack_reset(void)
{
	struct softirq_stack *st = softirq_stack();

	if (st) {
		st->depth = 0;
		st->any_mine = 0;
	}
}

/*
 * The entry time pushed by the matching entry, or 0 past the stack's
 * depth; in @mine whether that entry was the call's own work.
 */
static __always_inline __u64 softirq_pop(bool *mine)
{
	struct softirq_stack *st = softirq_stack();

	*mine = false;
	if (!st || !st->depth)
		return 0;
	st->depth--;
	if (st->depth >= SOFTIRQ_DEPTH)
		return 0;
	*mine = st->mine & (1U << (st->depth & (SOFTIRQ_DEPTH - 1)));
	return st->start[st->depth & (SOFTIRQ_DEPTH - 1)];
}

#endif /* UDSTRACE_STAGES_BPF_H */
