/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --stages on the BPF side: per (row, stage, context) counters, the
 * context test, and the stack of entry times for softirq stages. A stage
 * is counted only while the current task is inside a traced path call,
 * under that call's row.
 */
#ifndef UDSTRACE_STAGES_BPF_H
#define UDSTRACE_STAGES_BPF_H

#include "stages.h"

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

static __always_inline void softirq_push(__u64 now)
{
	__u32 zero = 0;
	struct softirq_stack *st = bpf_map_lookup_elem(&softirq_stacks, &zero);

	if (!st)
		return;
	if (st->depth < SOFTIRQ_DEPTH)
		st->start[st->depth & (SOFTIRQ_DEPTH - 1)] = now;
	st->depth++;
}

/*
 * Softirqs do not nest on a CPU, so each starts with an empty stack,
 * whatever an earlier one left behind (an exit program that the BPF
 * recursion guard dropped would leave the depth one too high for good).
 */
static __always_inline void softirq_stack_reset(void)
{
	__u32 zero = 0;
	struct softirq_stack *st = bpf_map_lookup_elem(&softirq_stacks, &zero);

	if (st)
		st->depth = 0;
}

/* The entry time pushed by the matching entry, or 0 past the stack's depth. */
static __always_inline __u64 softirq_pop(void)
{
	__u32 zero = 0;
	struct softirq_stack *st = bpf_map_lookup_elem(&softirq_stacks, &zero);

	if (!st || !st->depth)
		return 0;
	st->depth--;
	return st->depth < SOFTIRQ_DEPTH ?
		st->start[st->depth & (SOFTIRQ_DEPTH - 1)] : 0;
}

#endif /* UDSTRACE_STAGES_BPF_H */
