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

/*
 * Each path function's probes, kept under its first row (path_first_row),
 * and those of the row's extra function (user/paths.c) where it is probed.
 */
struct kprobe_state {
	struct kprobe_event entry[NR_PATHS];
	struct kprobe_event ret[NR_PATHS];
	struct kprobe_event extra_entry[NR_PATHS];
	struct kprobe_event extra_ret[NR_PATHS];
	struct kprobe_event readable;	/* --listeners before 6.3 */
};

/*
 * @path's function (or with @extra, its extra function) in kallsyms, or
 * NULL; kallsyms is read once per run.
 */
static const char *func_sym(int path, bool extra)
{
	static char syms[2 * NR_PATHS][KSYM_LEN];
	static int rets[2 * NR_PATHS];
	static bool read;
	int i = extra ? NR_PATHS + path : path;

	if (!read) {
		const char *funcs[2 * NR_PATHS];

		read = true;
		for (int p = 0; p < NR_PATHS; p++) {
			funcs[p] = path_info[p].func;
			/* No extra: a name no symbol has. */
			funcs[NR_PATHS + p] = path_info[p].extra_func ?: "-";
		}
		if (ksym_resolve(funcs, 2 * NR_PATHS, syms, rets))
			for (int p = 0; p < 2 * NR_PATHS; p++)
				rets[p] = -ENOENT;
	}
	return rets[i] ? NULL : syms[i];
}

static const char *path_sym(int path)
{
	return func_sym(path, false);
}

/* The symbol of @path's extra function, if it can be probed here. */
static const char *extra_sym(int path)
{
	const char *sym = path_info[path].extra_func ? func_sym(path, true) : NULL;

	return sym && !kprobe_blacklisted(sym) ? sym : NULL;
}

/* For path_progs_select_extra(): is @func an extra function we can probe? */
static bool extra_probed(const char *func)
{
	for (int p = 0; p < NR_PATHS; p++)
		if (path_info[p].extra_func && !strcmp(path_info[p].extra_func, func))
			return extra_sym(p);
	return false;
}

/* Returns may be pending in many sleeping threads at once. */
static int kretprobe_maxactive(void)
{
	return kretprobe_maxactive_for(libbpf_num_possible_cpus(),
				       getenv("UDSTRACE_KPROBE_MAXACTIVE"));
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
	/*
	 * A tracefs kretprobe takes its instance before any BPF program
	 * runs: threads udstrace does not trace take them too.
	 */
	if (extra_sym(path))
		snprintf(probe, probe_len,
			 "kprobe+kretprobe %s, %s (maxactive %d, shared with untraced threads: the filter runs after)",
			 sym, extra_sym(path), kretprobe_maxactive());
	else
		snprintf(probe, probe_len,
			 "kprobe+kretprobe %s (maxactive %d, shared with untraced threads: the filter runs after)",
			 sym, kretprobe_maxactive());
	return 0;
}

/* Puts the kprobe and kretprobe of @path's function, and its programs, in place. */
static int attach_path(struct kprobe_state *st, struct bpf_object *obj, int path,
		       char *why, size_t why_len)
{
	const char *sym = path_sym(path);
	int err = sym ? 0 : -ENOENT;
	struct bpf_program *x;

	/*
	 * The return probe first: a call that enters before both are in
	 * place then has a return without an entry (counted, untimed), never
	 * an entry whose return is not hooked (which would count as lost).
	 */
	if (!err)
		err = kprobe_event_attach(&st->ret[path], path_prog(obj, path, "exit"),
					  sym, true, kretprobe_maxactive());
	if (!err)
		err = kprobe_event_attach(&st->entry[path], path_prog(obj, path, "entry"),
					  sym, false, 0);
	if (err) {
		snprintf(why, why_len, "attaching to %s failed: %s",
			 path_info[path].func, strerror(-err));
		return err;
	}
	/* The extra function, where its programs were loaded (extra_probed). */
	x = path_extra_prog(obj, path, "exit");
	if (!x || bpf_program__fd(x) < 0)
		return 0;
	sym = extra_sym(path);
	err = kprobe_event_attach(&st->extra_ret[path], x, sym, true,
				  kretprobe_maxactive());
	if (!err)
		err = kprobe_event_attach(&st->extra_entry[path],
					  path_extra_prog(obj, path, "entry"), sym, false, 0);
	if (err)
		snprintf(why, why_len, "attaching to %s failed: %s",
			 path_info[path].extra_func, strerror(-err));
	return err;
}

/*
 * --listeners before 6.3 (no sock:sk_data_ready): a kprobe on
 * sock_def_readable, the wake-up unix_stream_connect calls, if kallsyms
 * has it (its name in @sym). Without it the listener's side is not seen,
 * and the table says so.
 */
static bool readable_sym(char sym[KSYM_LEN])
{
	static const char *const funcs[] = { "sock_def_readable" };
	char syms[1][KSYM_LEN];
	int ret[1];

	if (ksym_resolve(funcs, 1, syms, ret) || ret[0] || kprobe_blacklisted(syms[0]))
		return false;
	memcpy(sym, syms[0], KSYM_LEN);
	return true;
}

static int attach_readable(struct kprobe_state *st, struct kprobe_bpf *skel,
			   const char *sym, char *why, size_t why_len)
{
	int err = kprobe_event_attach(&st->readable, skel->progs.listener_readable,
				      sym, false, 0);

	if (err)
		snprintf(why, why_len, "attaching to %s failed: %s", sym, strerror(-err));
	return err;
}

/*
 * The exit program for -p and -- CMD, the fork program for -- CMD, and
 * the thread exit that counts lost returns.
 */
static int attach_follow(struct kprobe_bpf *skel, char *why, size_t why_len)
{
	int err;

	skel->links.thread_exit = bpf_program__attach(skel->progs.thread_exit);
	if (!skel->links.thread_exit)
		goto fail;
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
	/* --listeners on 6.3+: the connects queued on a listener. */
	if (bpf_program__autoload(skel->progs.listener_wakeup)) {
		skel->links.listener_wakeup =
			bpf_program__attach(skel->progs.listener_wakeup);
		if (!skel->links.listener_wakeup)
			goto fail;
	}
	return 0;
fail:
	err = -errno;
	snprintf(why, why_len, "attaching fork tracking or the listener wake-ups failed: %s",
		 strerror(-err));
	return err;
}

static int kprobe_start(struct backend_obj *obj, const bool serve[NR_PATHS],
			struct stage_choice *stages,
			const struct target *t, int followed_fd,
			char *why, size_t why_len)
{
	struct kprobe_state *st = calloc(1, sizeof(*st));
	char readable[KSYM_LEN];
	struct kprobe_bpf *skel;
	bool tp, by_readable;
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
	SKEL_PICK_INFLIGHT(skel, inflight, feature_kprobe_task_storage());
	path_progs_select(skel->obj, serve, true);
	bpf_program__set_autoload(skel->progs.thread_exit, true);
	tp = feature_has_tracepoint("sk_data_ready");
	by_readable = t->listeners && !tp && readable_sym(readable);
	bpf_program__set_autoload(skel->progs.listener_wakeup, t->listeners && tp);
	bpf_program__set_autoload(skel->progs.listener_readable, by_readable);
	path_progs_select_extra(skel->obj, serve, true, extra_probed);
	SKEL_SET_CONNS(skel, t, false);	/* no sched_switch: no split, no wake-ups */
	err = SKEL_LOAD(kprobe, skel, why, why_len);
	if (err)
		return err;
	/* The follow programs are tp_btf and attach the usual way. */
	err = attach_follow(skel, why, why_len);
	if (!err && by_readable)
		err = attach_readable(st, skel, readable, why, why_len);
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

/* Is @path's row settled from the socket (bpf/kprobe.bpf.c, row_from_socket)? */
static bool row_from_socket(int path)
{
	return path + 1 < NR_PATHS && path_first_row(path + 1) == path;
}

/*
 * What the BPF side cannot count itself: calls neither probe saw (a
 * kprobe hit refused as recursive, kprobe_profile, counted on the
 * function's first row), and entries whose program was refused by the
 * BPF recursion guard, whose return is then counted untimed (a TCP one
 * is counted as missed by the exit). Returns lost to maxactive are
 * counted in BPF (dropped) for the traced threads only, so the
 * kretprobe's own count of them, which takes in every thread on the
 * machine, is not added; neither is the exit programs' recursion, whose
 * calls BPF counts as lost.
 */
static __u64 kprobe_missed(struct backend_obj *obj, enum ipc_path path)
{
	struct kprobe_state *st = obj->priv;
	__u64 missed;

	if (path_first_row(path) != (int)path)
		return 0;
	missed = kprobe_event_missed(&st->entry[path]) +
		 kprobe_event_missed(&st->extra_entry[path]);
	if (!row_from_socket(path))
		missed += prog_missed(obj->progs[path][0]) +
			  prog_missed(obj->progs[path][2]);
	return missed;
}

static void kprobe_stop(struct backend_obj *obj)
{
	struct kprobe_state *st = obj->priv;

	for (int p = 0; st && p < NR_PATHS; p++) {
		kprobe_event_detach(&st->entry[p]);
		kprobe_event_detach(&st->ret[p]);
		kprobe_event_detach(&st->extra_entry[p]);
		kprobe_event_detach(&st->extra_ret[p]);
	}
	if (st)
		kprobe_event_detach(&st->readable);
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
