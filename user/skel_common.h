/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every BPF backend's skeleton has in common (bpf/target.bpf.h, account.bpf.h), as
 * macros, since each skeleton is its own C type.
 */
#ifndef UDSTRACE_SKEL_COMMON_H
#define UDSTRACE_SKEL_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backend.h"
#include "feature.h"
#include "target.h"

/*
 * Opens skeleton NAME (NAME_bpf__open) into @skel, and sets the target's
 * rodata and the follow map. Evaluates to 0, or to -errno with the
 * reason in @why. @obj->skel owns the skeleton from then on.
 */
#define SKEL_OPEN(NAME, skel, obj, t, followed_fd, why, why_len)	\
	({								\
		int e_ = 0;						\
		(skel) = NAME##_bpf__open();				\
		if (!(skel)) {						\
			e_ = -errno;					\
			snprintf(why, why_len, "opening the BPF object failed: %s", \
				 strerror(-e_));			\
		} else {						\
			(obj)->skel = (skel);				\
			TARGET_SET_RODATA(skel, t);			\
			TARGET_SET_FOLLOW(skel, t, followed_fd, e_);	\
			if (e_)						\
				snprintf(why, why_len, "sharing the follow map failed: %s", \
					 strerror(-e_));		\
		}							\
		e_;							\
	})

/*
 * Picks the in-flight map NAME of bpf/inflight.bpf.h: task storage if
 * @ts, else the hash. The other is not created. UDSTRACE_INFLIGHT_MAX=N
 * shrinks the hash to N entries, so tests can fill it.
 */
#define SKEL_PICK_INFLIGHT(skel, NAME, ts)				\
	do {								\
		bool ts_ = (ts);					\
		const char *max_ = getenv("UDSTRACE_INFLIGHT_MAX");	\
		(skel)->rodata->have_task_storage = ts_;		\
		bpf_map__set_autocreate((skel)->maps.NAME##_ts, ts_);	\
		bpf_map__set_autocreate((skel)->maps.NAME##_hash, !ts_); \
		bpf_map__set_autocreate((skel)->maps.NAME##_zero, !ts_); \
		if (max_ && atoi(max_) > 0)				\
			bpf_map__set_max_entries((skel)->maps.NAME##_hash, \
						 atoi(max_));		\
	} while (0)

/* The same, with task storage wherever this kernel has it (5.11+). */
#define SKEL_SET_INFLIGHT(skel, NAME)					\
	SKEL_PICK_INFLIGHT(skel, NAME, feature_has_task_storage())

/* NAME_bpf__load(@skel): 0, or -errno with the reason in @why. */
#define SKEL_LOAD(NAME, skel, why, why_len)				\
	({								\
		int e_ = NAME##_bpf__load(skel);			\
		if (e_)							\
			snprintf(why, why_len, "BPF_PROG_LOAD failed: %s", strerror(-e_)); \
		e_;							\
	})

/*
 * -S (bpf/conns.bpf.h): sets conns_on, and creates the per-socket maps
 * only then. @wake: the backend hooks data_ready, so it loads sched_waking
 * (and the sched_switch it shares with --stages) for the wake-ups. Any
 * sched_switch program splits the time into on-CPU, blocked and waiting.
 * UDSTRACE_CONNS_MAX=N shrinks the rows' map, so tests can evict.
 */
#define SKEL_SET_CONNS(skel, t, wake)					\
	do {								\
		const char *cmax_ = getenv("UDSTRACE_CONNS_MAX");	\
		bool on_ = (t)->conns;					\
		if (cmax_ && atoi(cmax_) > 0)				\
			bpf_map__set_max_entries((skel)->maps.conns,	\
						 atoi(cmax_));		\
		(skel)->rodata->conns_on = on_;				\
		(skel)->rodata->conns_wake = on_ && (wake);		\
		bpf_map__set_autocreate((skel)->maps.conns, on_);	\
		bpf_map__set_autocreate((skel)->maps.conn_zero, on_);	\
		bpf_map__set_autocreate((skel)->maps.conn_waker, on_);	\
		bpf_map__set_autocreate((skel)->maps.conn_woken, on_);	\
	} while (0)

/* The maps every BPF backend has (the stage map is set apart, with --stages). */
#define SKEL_SET_MAPS(obj, skel)				\
	do {								\
		(obj)->bpf = (skel)->obj;				\
		(obj)->stats_fd = bpf_map__fd((skel)->maps.stats);	\
		(obj)->extremes_fd = bpf_map__fd((skel)->maps.extremes); \
		(obj)->followed_fd = bpf_map__fd((skel)->maps.followed); \
		(obj)->followed_lost = &(skel)->bss->followed_lost;	\
		(obj)->owners_fd = bpf_map__fd((skel)->maps.owners);	\
		(obj)->owners_inserted = &(skel)->bss->owners_inserted;	\
		(obj)->stage_fd = -1;					\
		(obj)->conns_fd = bpf_map__fd((skel)->maps.conns);	\
		(obj)->conns_created = &(skel)->bss->conns_created;	\
		(obj)->conns_max = bpf_map__max_entries((skel)->maps.conns); \
	} while (0)

#endif /* UDSTRACE_SKEL_COMMON_H */
