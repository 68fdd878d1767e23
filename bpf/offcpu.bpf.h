/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Off-CPU time inside a traced call, split by why (--stages): asleep
 * (waiting for data, buffer space or a lock) or runnable but waiting for
 * a CPU (preempted). Kept in each backend's in-flight state and moved by
 * its sched_switch program. Inline functions only.
 */
#ifndef UDSTRACE_OFFCPU_BPF_H
#define UDSTRACE_OFFCPU_BPF_H

struct offcpu {
	__u64 out_ns;		/* switched out at; 0 while on a CPU */
	__u64 blocked_ns;	/* asleep, so far in this call */
	__u64 runq_ns;		/* runnable, waiting for a CPU */
	__u32 runnable;		/* how it went out: preempted or asleep */
	__u32 pad;
};

/* task_struct's state before 5.14 renamed it __state. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

/* A task switched out with state TASK_RUNNING stays on the run queue. */
static __always_inline bool task_still_runnable(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state) == 0;
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state) == 0;
}

static __always_inline void offcpu_reset(struct offcpu *o)
{
	o->out_ns = 0;
	o->blocked_ns = 0;
	o->runq_ns = 0;
}

/* @prev, inside a call, is switched out; @preempt as sched_switch says. */
static __always_inline void offcpu_out(struct offcpu *o, bool preempt,
				       struct task_struct *prev, __u64 now)
{
	o->out_ns = now;
	o->runnable = preempt || task_still_runnable(prev);
}

/* The task is back on a CPU. */
static __always_inline void offcpu_in(struct offcpu *o, __u64 now)
{
	if (!o->out_ns)
		return;
	if (o->runnable)
		o->runq_ns += now - o->out_ns;
	else
		o->blocked_ns += now - o->out_ns;
	o->out_ns = 0;
}

#endif /* UDSTRACE_OFFCPU_BPF_H */
