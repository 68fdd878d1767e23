/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which processes are traced; every backend turns this into BPF rodata. */
#ifndef UDSTRACE_TARGET_H
#define UDSTRACE_TARGET_H

#include <stdbool.h>
#include <sys/types.h>
#include "udstrace.h"

struct target {
	enum filter_mode mode;
	pid_t tgid;		/* FILTER_TGID: the first -p (kmod); FILTER_FOLLOW: the command */
	/* -c and --cgroup: how many; the maps are filled by tracer_filter() */
	__u32 nr_comms, nr_cgroups;
	pid_t self;		/* never traced: udstrace itself */
	/* udstrace's PID namespace if not the initial one, else 0 and 0 */
	__u64 pidns_dev, pidns_ino;
	bool stages;		/* --stages: probe the stages along each path */
	bool counts_only;	/* --counts-only: no timing programs */
	bool time_sampled;	/* --time-sample: timing in windows, where it can */
	bool conns;		/* -S: per-socket rows (bpf/conns.bpf.h) */
	bool listeners;		/* --listeners: the listener view's programs */
	/* room in the followed map if not MAX_FOLLOWED (the tests: a full map) */
	__u32 max_followed;
	enum breakdown breakdown;	/* -P, --by-cgroup */
	__u32 owners_max;		/* their map's size if not OWNERS_MAX */
};

/* Sets the filter variables every backend's rodata has (bpf/target.bpf.h). */
#define TARGET_SET_RODATA(skel, t)					\
	do {								\
		(skel)->rodata->filter_mode = (t)->mode;		\
		(skel)->rodata->nr_comms = (t)->nr_comms;		\
		(skel)->rodata->nr_cgroups = (t)->nr_cgroups;		\
		(skel)->rodata->self_tgid = (t)->self;			\
		(skel)->rodata->counts_only = (t)->counts_only;		\
		(skel)->rodata->pidns_dev = (t)->pidns_dev;		\
		(skel)->rodata->pidns_ino = (t)->pidns_ino;		\
		(skel)->rodata->breakdown = (t)->breakdown;		\
		bpf_map__set_max_entries((skel)->maps.owners,		\
			!(t)->breakdown ? 1 :				\
			(t)->owners_max ?: OWNERS_MAX);			\
		(skel)->rodata->listeners_on = (t)->listeners;		\
		/* Unused without --listeners: as small as a map can be. */ \
		if (!(t)->listeners) {					\
			bpf_map__set_max_entries((skel)->maps.listeners, 1); \
			bpf_map__set_max_entries((skel)->maps.listener_conns, 1); \
		}							\
	} while (0)

/*
 * Shares @followed_fd (>= 0) as the follow map, or else owns the map and
 * runs its programs: the exit program for -p and -- CMD (a process that
 * exits is forgotten), the fork program for -- CMD.
 */
#define TARGET_SET_FOLLOW(skel, t, followed_fd, err)			\
	do {								\
		bool own_ = (t)->mode != FILTER_ALL && (followed_fd) < 0; \
		if (own_ && (t)->max_followed)				\
			bpf_map__set_max_entries((skel)->maps.followed,	\
						 (t)->max_followed);	\
		bpf_program__set_autoload((skel)->progs.follow_fork,	\
					  own_ && (t)->mode == FILTER_FOLLOW); \
		bpf_program__set_autoload((skel)->progs.follow_exit, own_); \
		(err) = (followed_fd) >= 0 ?				\
			bpf_map__reuse_fd((skel)->maps.followed, (followed_fd)) : 0; \
	} while (0)

#endif /* UDSTRACE_TARGET_H */
