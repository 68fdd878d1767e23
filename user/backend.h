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
#include "udstrace.h"

enum backend_kind {
	BACKEND_FENTRY,
	BACKEND_TRACEPOINT,
	NR_BACKENDS,
	BACKEND_AUTO = NR_BACKENDS,
};

struct target;

/* One loaded BPF object serving some paths. */
struct backend_obj {
	void *skel;
	int stats_fd;
	int extremes_fd;
	int followed_fd;
};

struct backend_ops {
	const char *name;
	const char *time_scope;		/* "function" or "syscall" */
	/*
	 * Can this backend serve @path here? 0, or -errno with the reason in
	 * @why. Also names the probe it would use in @probe.
	 */
	int (*can_serve)(enum ipc_path path, char *probe, size_t probe_len,
			 char *why, size_t why_len);
	/*
	 * Open, configure, load and attach for the paths where @serve is
	 * true. A non-negative @followed_fd is an existing follow map to
	 * share; the fork-tracking programs then stay unloaded.
	 */
	int (*start)(struct backend_obj *obj, const bool serve[NR_PATHS],
		     const struct target *t, int followed_fd,
		     char *why, size_t why_len);
	void (*stop)(struct backend_obj *obj);
};

extern const struct backend_ops fentry_backend;
extern const struct backend_ops tracepoint_backend;

const struct backend_ops *backend_ops(enum backend_kind kind);
/* Parses "auto", "fentry" or "tracepoint"; -1 if unknown. */
int backend_parse(const char *name, enum backend_kind *out);

#endif /* UDSTRACE_BACKEND_H */
