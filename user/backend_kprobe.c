// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kprobe backend (bpf/kprobe.bpf.c): kprobe/kretprobe on the path
 * functions, attached through tracefs kprobe events (user/kprobe_events.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "backend.h"
#include "kprobe_events.h"
#include "path_progs.h"
#include "paths.h"
#include "skel_common.h"
#include "system.h"
#include "target.h"
#include "kprobe.skel.h"

/* Each path function's probes, kept under its first row (path_first_row). */
struct kprobe_state {
	struct kprobe_event entry[NR_PATHS];
	struct kprobe_event ret[NR_PATHS];
};

/* @path's function in kallsyms, or NULL (kallsyms is read once per run). */
static const char *path_sym(int path)
{
	static char syms[NR_PATHS][KSYM_LEN];
	static int rets[NR_PATHS];
	static bool read;

	if (!read) {
		const char *funcs[NR_PATHS];

		read = true;
		for (int p = 0; p < NR_PATHS; p++)
			funcs[p] = path_info[p].func;
		if (ksym_resolve(funcs, NR_PATHS, syms, rets))
			for (int p = 0; p < NR_PATHS; p++)
				rets[p] = -ENOENT;
	}
	return rets[path] ? NULL : syms[path];
}

/* Returns may be pending in many sleeping threads at once. */
static int kretprobe_maxactive(void)
{
	int ncpu = libbpf_num_possible_cpus();

	return ncpu > 8 ? 8 * ncpu : 64;
}

static int kprobe_can_serve(enum ipc_path path, char *probe, size_t probe_len,
			    char *why, size_t why_len)
{
	const char *func = path_info[path].func, *sym;
	int err = kprobes_supported(why, why_len);

	if (!err)
		err = kprobe_privileges(why, why_len);
	if (err)
		return err;
	/* kallsyms only once kprobes can be used at all: reading it is slow. */
	sym = path_sym(path);
	if (!sym) {
		snprintf(why, why_len, "%s not in /proc/kallsyms", func);
		return -ENOENT;
	}
	if (kprobe_blacklisted(sym)) {
		snprintf(why, why_len, "%s is on the kprobe blacklist", sym);
		return -EPERM;
	}
	snprintf(probe, probe_len, "kprobe+kretprobe %s (maxactive %d)", sym,
		 kretprobe_maxactive());
	return 0;
}

/* Puts the kprobe and kretprobe of @path's function, and its programs, in place. */
static int attach_path(struct kprobe_state *st, struct bpf_object *obj, int path,
		       char *why, size_t why_len)
{
	const char *sym = path_sym(path);
	int err = sym ? 0 : -ENOENT;

	if (!err)
		err = kprobe_event_attach(&st->entry[path], path_prog(obj, path, "entry"),
					  sym, false, 0);
	if (!err)
		err = kprobe_event_attach(&st->ret[path], path_prog(obj, path, "exit"),
					  sym, true, kretprobe_maxactive());
	if (err)
		snprintf(why, why_len, "attaching to %s failed: %s",
			 path_info[path].func, strerror(-err));
	return err;
}

/* The exit program for -p and -- CMD, the fork program for -- CMD. */
static int attach_follow(struct kprobe_bpf *skel, char *why, size_t why_len)
{
	int err;

	if (bpf_program__autoload(skel->progs.follow_fork)) {
		skel->links.follow_fork = bpf_program__attach(skel->progs.follow_fork);
		if (!skel->links.follow_fork)
			goto fail;
	}
	if (bpf_program__autoload(skel->progs.follow_exit)) {
		skel->links.follow_exit = bpf_program__attach(skel->progs.follow_exit);
		if (!skel->links.follow_exit)
			goto fail;
	}
	return 0;
fail:
	err = -errno;
	snprintf(why, why_len, "attaching fork tracking failed: %s", strerror(-err));
	return err;
}

static int kprobe_start(struct backend_obj *obj, const bool serve[NR_PATHS],
			struct stage_choice *stages,
			const struct target *t, int followed_fd,
			char *why, size_t why_len)
{
	struct kprobe_state *st = calloc(1, sizeof(*st));
	struct kprobe_bpf *skel;
	int err;

	if (!st)
		return -ENOMEM;
	obj->priv = st;
	err = tracefs_ensure();
	if (err) {
		snprintf(why, why_len, "tracefs is not available: %s", strerror(-err));
		return err;
	}
	err = kprobe_events_remove_stale();
	if (err > 0)
		fprintf(stderr, "udstrace: removed %d kprobe events left by udstrace runs that were killed\n",
			err);
	err = SKEL_OPEN(kprobe, skel, obj, t, followed_fd, why, why_len);
	if (err)
		return err;
	path_progs_select(skel->obj, serve, true);
	err = SKEL_LOAD(kprobe, skel, why, why_len);
	if (err)
		return err;
	/* The follow programs are tp_btf and attach the usual way. */
	err = attach_follow(skel, why, why_len);
	if (err)
		return err;
	for (int p = 0; !err && p < NR_PATHS; p++) {
		int first = path_first_row(p);

		/* Once per function, under its first row, if any of its rows is served. */
		if (serve[p] && !st->entry[first].link)
			err = attach_path(st, skel->obj, first, why, why_len);
	}
	if (err)
		return err;
	path_progs_record(obj, skel->obj);
	SKEL_SET_MAPS(obj, skel);
	return 0;
}

/* Recursion misses of the programs, plus the kernel's kretprobe misses. */
static __u64 kprobe_missed(struct backend_obj *obj, enum ipc_path path)
{
	struct kprobe_state *st = obj->priv;
	int first = path_first_row(path);

	return maps_missed(obj, path) + kprobe_event_missed(&st->entry[first]) +
	       kprobe_event_missed(&st->ret[first]);
}

static void kprobe_stop(struct backend_obj *obj)
{
	struct kprobe_state *st = obj->priv;

	for (int p = 0; st && p < NR_PATHS; p++) {
		kprobe_event_detach(&st->entry[p]);
		kprobe_event_detach(&st->ret[p]);
	}
	kprobe_bpf__destroy(obj->skel);
	free(st);
	obj->skel = NULL;
	obj->priv = NULL;
}

const struct backend_ops kprobe_backend = {
	.name = "kprobe",
	.time_scope = "function",
	.can_serve = kprobe_can_serve,
	.start = kprobe_start,
	.read = maps_read,
	.missed = kprobe_missed,
	.stop = kprobe_stop,
};
