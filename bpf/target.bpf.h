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
const volatile __u32 targ_tgid = 0;
const volatile __u32 self_tgid = 0;
/*
 * udstrace's own PID namespace (nsfs dev and inode) when it is not the
 * initial one: targ_tgid, self_tgid and the followed tgids are then
 * numbers in that namespace, and so is what current_tgid() returns.
 */
const volatile __u64 pidns_dev = 0;
const volatile __u64 pidns_ino = 0;
/* --counts-only: count calls and bytes, time nothing. */
const volatile bool counts_only = false;

/*
 * The tgids traced, unless system-wide: user space seeds the -p target or
 * the command, and follow.bpf.h forgets a process when it exits (and
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

/* The target check: the first thing every probe does. */
static __always_inline bool target_current(void)
{
	__u32 tgid = current_tgid();

	if (tgid == self_tgid)
		return false;
	switch (filter_mode) {
	case FILTER_TGID:
		return tgid == targ_tgid &&
		       bpf_map_lookup_elem(&followed, &tgid) != NULL;
	case FILTER_FOLLOW:
		return bpf_map_lookup_elem(&followed, &tgid) != NULL;
	default:
		return true;
	}
}

#endif /* UDSTRACE_TARGET_BPF_H */
