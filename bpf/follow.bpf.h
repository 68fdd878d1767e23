/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Following forks under FILTER_FOLLOW: a child of a followed process is
 * followed. Under FILTER_FOLLOW and FILTER_TGID a process is forgotten
 * when its last thread exits. The handlers are inline functions; each
 * backend's .bpf.c defines the two programs with DEFINE_FOLLOW_PROGRAMS(),
 * which user space loads only when they are needed (TARGET_SET_FOLLOW in
 * user/target.h).
 */
#ifndef UDSTRACE_FOLLOW_BPF_H
#define UDSTRACE_FOLLOW_BPF_H

#include "target.bpf.h"

/* Children of followed processes not followed: the followed map was full. */
__u64 followed_lost = 0;

/*
 * @child's tgid in udstrace's PID namespace, which is @parent's (the
 * caller checked that). A new process leads its group, so its pid is
 * its tgid: the number at that namespace's level of its struct pid.
 */
static __always_inline __u32 child_tgid_in_ns(struct task_struct *parent,
					      struct task_struct *child)
{
	unsigned int level = BPF_CORE_READ(parent, thread_pid, level);
	struct pid *pid = BPF_CORE_READ(child, thread_pid);
	int nr = 0;

	if (level > 32)		/* MAX_PID_NS_LEVEL */
		return 0;
	bpf_probe_read_kernel(&nr, sizeof(nr), (void *)pid +
			      bpf_core_field_offset(struct pid, numbers) +
			      level * bpf_core_type_size(struct upid) +
			      bpf_core_field_offset(struct upid, nr));
	return nr;
}

/*
 * A new process forked by a followed one. Threads share the tgid, so only
 * new processes add entries. The hook runs in the parent, so
 * current_tgid() is the parent's.
 */
static __always_inline void followed_add_child(struct task_struct *parent,
					       struct task_struct *child)
{
	__u32 ptgid, ctgid;
	__u8 one = 1;

	if (filter_mode != FILTER_FOLLOW ||
	    BPF_CORE_READ(parent, tgid) == BPF_CORE_READ(child, tgid))
		return;
	ptgid = current_tgid();
	if (!ptgid || !bpf_map_lookup_elem(&followed, &ptgid))
		return;
	ctgid = pidns_ino ? child_tgid_in_ns(parent, child) :
			    BPF_CORE_READ(child, tgid);
	if (ctgid && bpf_map_update_elem(&followed, &ctgid, &one, BPF_ANY))
		__sync_fetch_and_add(&followed_lost, 1);
}

/*
 * A thread exits (the hook runs in it): its process is forgotten with its
 * last thread, when signal->live has hit 0.
 */
static __always_inline void followed_forget(struct task_struct *task)
{
	__u32 tgid;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return;
	tgid = current_tgid();
	bpf_map_delete_elem(&followed, &tgid);
}

#define DEFINE_FOLLOW_PROGRAMS()					\
	SEC("?tp_btf/sched_process_fork")				\
	int BPF_PROG(follow_fork, struct task_struct *parent,		\
		     struct task_struct *child)				\
	{								\
		followed_add_child(parent, child);			\
		return 0;						\
	}								\
	SEC("?tp_btf/sched_process_exit")				\
	int BPF_PROG(follow_exit, struct task_struct *task)		\
	{								\
		followed_forget(task);					\
		return 0;						\
	}

#endif /* UDSTRACE_FOLLOW_BPF_H */
