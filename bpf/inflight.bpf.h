/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-thread state of a call in flight, in one of two maps chosen by user
 * space before load:
 *
 *  - task storage (5.11+): no key to build, freed with the task;
 *  - before 5.11, a preallocated hash keyed by pid_tgid, sized by user
 *    space. An entry lives from the call's entry to its exit; a call that
 *    finds the map full is counted as dropped (reported as missed).
 *
 * User space sets have_task_storage and leaves the other map uncreated.
 * The flag is read-only data, so the verifier never walks the branch that
 * names the missing map or helper (bpf_get_current_task_btf is 5.11+ too).
 */
#ifndef UDSTRACE_INFLIGHT_BPF_H
#define UDSTRACE_INFLIGHT_BPF_H

const volatile bool have_task_storage = true;

/*
 * The current task as a BTF pointer (5.11+), for NAME_task() and
 * target_task(); NULL before, where neither dereferences it.
 */
static __always_inline struct task_struct *current_task_btf(void)
{
	return have_task_storage ? bpf_get_current_task_btf() : NULL;
}

/* Threads that can be inside a traced call at once, before 5.11. */
#define MAX_INFLIGHT 16384

/*
 * DEFINE_INFLIGHT(NAME, TYPE) defines the maps NAME_ts and NAME_hash and:
 *   TYPE *NAME_current(bool create)   the current thread's entry
 *   TYPE *NAME_of(struct task_struct *task)   another task's (BTF pointer)
 *   TYPE *NAME_task(struct task_struct *task, bool create)
 *                   the current thread's, @task being current_task_btf()'s
 *   void NAME_done(void)              the current thread's call is over
 * A created entry starts zeroed only in the hash; callers set every field.
 */
#define DEFINE_INFLIGHT(NAME, TYPE)					\
struct {								\
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);			\
	__uint(map_flags, BPF_F_NO_PREALLOC);				\
	__type(key, int);						\
	__type(value, TYPE);						\
} NAME##_ts SEC(".maps");						\
									\
struct {								\
	__uint(type, BPF_MAP_TYPE_HASH);				\
	__uint(max_entries, MAX_INFLIGHT);				\
	__type(key, __u64);						\
	__type(value, TYPE);						\
} NAME##_hash SEC(".maps");						\
									\
/* A zeroed value to create hash entries from, off the BPF stack. */	\
struct {								\
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);			\
	__uint(max_entries, 1);						\
	__type(key, __u32);						\
	__type(value, TYPE);						\
} NAME##_zero SEC(".maps");						\
									\
static __always_inline TYPE *NAME##_current(bool create)		\
{									\
	__u64 id;							\
	__u32 zero = 0;							\
	TYPE *v;							\
									\
	if (have_task_storage)						\
		return bpf_task_storage_get(&NAME##_ts,			\
			bpf_get_current_task_btf(), NULL,		\
			create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);	\
	id = bpf_get_current_pid_tgid();				\
	v = bpf_map_lookup_elem(&NAME##_hash, &id);			\
	if (v || !create)						\
		return v;						\
	v = bpf_map_lookup_elem(&NAME##_zero, &zero);			\
	if (!v || bpf_map_update_elem(&NAME##_hash, &id, v, BPF_NOEXIST)) \
		return NULL;						\
	return bpf_map_lookup_elem(&NAME##_hash, &id);			\
}									\
									\
static __always_inline TYPE *NAME##_of(struct task_struct *task)	\
{									\
	__u64 id;							\
									\
	if (have_task_storage)						\
		return bpf_task_storage_get(&NAME##_ts, task, NULL, 0);	\
	id = (__u64)task->tgid << 32 | (__u32)task->pid;		\
	return bpf_map_lookup_elem(&NAME##_hash, &id);			\
}									\
									\
/* Unused where every caller has no task pointer at hand (fentry). */	\
static __always_inline __attribute__((unused)) TYPE *			\
NAME##_task(struct task_struct *task, bool create)			\
{									\
	if (have_task_storage)						\
		return bpf_task_storage_get(&NAME##_ts, task, NULL,	\
			create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);	\
	return NAME##_current(create);					\
}									\
									\
static __always_inline void NAME##_done(void)				\
{									\
	__u64 id;							\
									\
	if (have_task_storage)						\
		return;							\
	id = bpf_get_current_pid_tgid();				\
	bpf_map_delete_elem(&NAME##_hash, &id);				\
}

#endif /* UDSTRACE_INFLIGHT_BPF_H */
