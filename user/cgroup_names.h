/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --by-cgroup: a cgroup v2 id as a path. The id the kernel hands BPF
 * (bpf_get_current_cgroup_id) is the inode number of the cgroup's
 * directory in the cgroup2 file system, so a walk of that tree maps one
 * to the other.
 */
#ifndef UDSTRACE_CGROUP_NAMES_H
#define UDSTRACE_CGROUP_NAMES_H

#include <linux/types.h>

/* CLOCK_MONOTONIC, in ns: when an id was seen, for cgroup_name(). */
unsigned long long cgroup_names_now(void);
/*
 * @id's directory relative to the cgroup2 mount ("/" for the root,
 * "/system.slice/x.service"), or "(removed cgroup ID)"; NULL without a
 * cgroup2 mount. @seen_ns: when the id was read from the kernel. The
 * walk is cached, and made again for an id not in a walk made since.
 */
const char *cgroup_name(__u64 id, unsigned long long seen_ns);
/*
 * The absolute directory @path (a --cgroup PATH, checked by main) as
 * cgroup_name() would name it, malloc()ed; NULL if it is not under the
 * mount.
 */
char *cgroup_name_of_dir(const char *path);

#endif /* UDSTRACE_CGROUP_NAMES_H */
