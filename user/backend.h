/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The backends and what each one needs from the kernel. A backend fills
 * the same per-path maps (layout in bpf/udstrace.h); only how it gets
 * there differs.
 */
#ifndef UDSTRACE_BACKEND_H
#define UDSTRACE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>
#include "stages.h"

enum backend_kind {
	BACKEND_FENTRY,
	BACKEND_KPROBE,
	BACKEND_TRACEPOINT,
	BACKEND_KMOD,		/* only when asked for: the module is loaded by hand */
	NR_BACKENDS,
	BACKEND_AUTO = NR_BACKENDS,
};

struct target;

#define MAX_PATH_PROGS 4
#define PROBE_NAME_LEN 128
#define REASON_LEN 256

/* Whether a backend sees a stage on this kernel, and by what name. */
struct stage_choice {
	bool probed;
	char name[PROBE_NAME_LEN];	/* function or subsystem:tracepoint */
	char why[REASON_LEN];		/* when not probed */
};

/* One started backend serving some paths. */
struct backend_obj {
	void *skel;
	struct bpf_object *bpf;	/* the skeleton's object, BPF backends only */
	int stats_fd;		/* BPF backends: the maps of bpf/account.bpf.h */
	int extremes_fd;
	int followed_fd;
	/* The object's followed_lost counter (bpf/follow.bpf.h), or NULL */
	const volatile __u64 *followed_lost;
	int stage_fd;		/* --stages counters, or -1 */
	/* -P, --by-cgroup: bpf/account.bpf.h's owners map and its inserts */
	int owners_fd;
	const volatile __u64 *owners_inserted;
	int conns_fd;		/* -S: the per-socket rows (bpf/conn_stats.h), or -1 */
	const volatile __u64 *conns_created;	/* rows ever made, for evictions */
	__u32 conns_max;	/* the rows' map size */
	bool conns_split;	/* -S: on-CPU, blocked and runnable time known */
	bool conns_wake;	/* -S: wake-ups measured */
	bool time_sampled;	/* --time-sample took: time_window switches timing */
	/* The programs each path depends on, for their miss counters. */
	struct bpf_program *progs[NR_PATHS][MAX_PATH_PROGS];
	void *priv;		/* backend's own state */
};

struct backend_ops {
	const char *name;
	const char *time_scope;		/* "function" or "syscall" */
	bool counts_only;		/* honours --counts-only (time scope "none") */
	/*
	 * Can this backend serve @path here? 0, or -errno with the reason in
	 * @why. Also names the probe it would use in @probe.
	 */
	int (*can_serve)(enum ipc_path path, char *probe, size_t probe_len,
			 char *why, size_t why_len);
	/*
	 * Open, configure, load and attach for the paths where @serve is
	 * true. @stages is NULL without --stages, else what stage_probe
	 * decided for each stage, once per run; a stage whose programs will
	 * not attach is marked not probed there. A non-negative @followed_fd
	 * is an existing follow map to share; the fork-tracking programs
	 * then stay unloaded.
	 */
	int (*start)(struct backend_obj *obj, const bool serve[NR_PATHS],
		     struct stage_choice stages[NR_STAGES],
		     const struct target *t, int followed_fd,
		     char *why, size_t why_len);
	/*
	 * Adds @path's counters since start to @out. With @interval, min/max
	 * become those since the previous interval read. Both are NS_UNKNOWN
	 * (user/snapshot.h) where the backend cannot tell them for the span.
	 */
	int (*read)(struct backend_obj *obj, enum ipc_path path,
		    struct path_stats *out, bool interval);
	/* Probe hits the mechanism dropped for @path (recursion, maxactive). */
	__u64 (*missed)(struct backend_obj *obj, enum ipc_path path);
	/*
	 * Times the counters under the backend went back to zero during the
	 * run (kmod: a reset or an unload of the module). NULL: never.
	 */
	__u64 (*restarts)(struct backend_obj *obj);
	/*
	 * --time-sample: starts (@open) or stops timing calls. Only where
	 * start() set obj->time_sampled; NULL: the backend times every call.
	 */
	int (*time_window)(struct backend_obj *obj, bool open);
	/*
	 * Looks at the counters: between reports (tracer_polled), and once
	 * before each snapshot's reads. NULL: no need.
	 */
	int (*poll)(struct backend_obj *obj);
	/*
	 * Can this backend see @stage here? 0 with the kernel's name for what
	 * it probes in @name, or -errno with the reason. NULL: no stages.
	 */
	int (*stage_probe)(enum stage stage, char *name, size_t name_len,
			   char *why, size_t why_len);
	void (*stop)(struct backend_obj *obj);
};

/* read and missed for backends built on bpf/account.bpf.h (user/backend_maps.c). */
int maps_read(struct backend_obj *obj, enum ipc_path path,
		   struct path_stats *out, bool interval);
__u64 maps_missed(struct backend_obj *obj, enum ipc_path path);
/* The kernel's recursion-miss count of a loaded program, or 0. */
__u64 prog_missed(struct bpf_program *prog);
/* Probe hits lost by @obj's programs that belong to no path's list. */
__u64 maps_other_missed(struct backend_obj *obj);
/* Adds @path's stage counters (bpf/stages.bpf.h) to @out. */
int maps_read_stages(struct backend_obj *obj, enum ipc_path path,
			  struct stage_stats out[NR_STAGES][NR_CTX_SLOTS]);

extern const struct backend_ops fentry_backend;
extern const struct backend_ops kprobe_backend;
extern const struct backend_ops tracepoint_backend;
extern const struct backend_ops kmod_backend;

const struct backend_ops *backend_ops(enum backend_kind kind);
/* Asks backend @kind, once, which stages it sees here (user/tracer.c). */
void backend_choose_stages(enum backend_kind kind,
			   struct stage_choice out[NR_STAGES]);
/* Parses "auto" or a backend's name; -1 if unknown. */
int backend_parse(const char *name, enum backend_kind *out);

#endif /* UDSTRACE_BACKEND_H */
