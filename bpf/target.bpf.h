/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who is traced, in every backend's BPF object: the options user space
 * sets as rodata (user/target.h), the followed-processes map, and the
 * target test every probe makes first. Included once per object.
 */
#ifndef UDSTRACE_TARGET_BPF_H
#define UDSTRACE_TARGET_BPF_H

#include "udstrace.h"

/* Options, set by user space between open and load. */
const volatile enum filter_mode filter_mode = FILTER_ALL;
const volatile __u32 self_tgid = 0;
/*
 * udstrace's own PID namespace (nsfs dev and inode) when it is not the
 * initial one: self_tgid and the followed tgids are then
 * numbers in that namespace, and so is what current_tgid() returns.
 */
const volatile __u64 pidns_dev = 0;
const volatile __u64 pidns_ino = 0;
/* --counts-only: count calls and bytes, time nothing. */
const volatile bool counts_only = false;
/* -c and --cgroup: how many names and cgroups user space put in the maps. */
const volatile __u32 nr_comms = 0;
const volatile __u32 nr_cgroups = 0;

/*
 * The tgids traced, unless system-wide: user space seeds the -p targets
 * or the command, and follow.bpf.h forgets a process when it exits (and
 * under FILTER_FOLLOW adds its children). So under -p a later process
 * that gets the target's PID is never counted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_FOLLOWED);
	__type(key, __u32);
	__type(value, __u8);
} followed SEC(".maps");

/*
 * -c: the thread names traced, zero-padded as bpf_get_current_comm()
 * writes them, so one lookup compares all 16 bytes. User space fills
 * it after load, before the run is announced.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_COMMS);
	__type(key, char[COMM_LEN]);
	__type(value, __u8);
} filter_comms SEC(".maps");

/*
 * --cgroup: the cgroup2 directories traced, descendants included. A
 * cgroup array is what bpf_current_task_under_cgroup() takes, and that
 * helper works for every program type here from 5.10 on.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, MAX_CGROUPS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} filter_cgroups SEC(".maps");

/*
 * The current process's tgid as udstrace sees it: in its own PID
 * namespace, or 0 for a task outside it (never a target).
 */
static __always_inline __u32 current_tgid(void)
{
	struct bpf_pidns_info ns;

	if (!pidns_ino)
		return bpf_get_current_pid_tgid() >> 32;
	if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)))
		return 0;
	return ns.tgid;
}

/* -c: the current thread's name is one of those asked for. */
static __always_inline bool comm_current(void)
{
	char comm[COMM_LEN] = {};

	if (bpf_get_current_comm(comm, sizeof(comm)))
		return false;
	return bpf_map_lookup_elem(&filter_comms, comm) != NULL;
}

/* --cgroup: the current task is in one of them, or below. */
static __always_inline bool cgroup_current(void)
{
	for (__u32 i = 0; i < MAX_CGROUPS; i++) {
		if (i >= nr_cgroups)
			break;
		if (bpf_current_task_under_cgroup(&filter_cgroups, i) == 1)
			return true;
	}
	return false;
}

/*
 * The target check: the first thing every probe does, for the current
 * task, whose tgid is @tgid as current_tgid() gives it. The kinds of
 * filter are ANDed, the values of one kind ORed (-p A -p B: either
 * process); the cheapest test goes first.
 */
static __always_inline bool target_tgid(__u32 tgid)
{
	if (tgid == self_tgid)
		return false;
	/* -p (any of them) and -- CMD: the tgids in the map. */
	if (filter_mode != FILTER_ALL &&
	    !bpf_map_lookup_elem(&followed, &tgid))
		return false;
	if (nr_comms && !comm_current())
		return false;
	if (nr_cgroups && !cgroup_current())
		return false;
	return true;
}

static __always_inline bool target_current(void)
{
	return target_tgid(current_tgid());
}

/*
 * The same for @task, the current task as bpf_get_current_task_btf()
 * gives it (inflight.bpf.h's current_task_btf(): NULL before 5.11): a
 * program that needs that pointer anyway, for task storage, reads the
 * tgid through it, one helper call fewer than current_tgid().
 */
static __always_inline bool target_task(struct task_struct *task)
{
	return target_tgid(pidns_ino || !task ? current_tgid() : task->tgid);
}

#endif /* UDSTRACE_TARGET_BPF_H */
