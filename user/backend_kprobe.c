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
#include "paths.h"
#include "skel_common.h"
#include "target.h"
#include "kprobe.skel.h"

/* The functions probed; a path maps to one of them. */
enum { FN_CONNECT, FN_UNIX_SEND, FN_TCP_SEND, FN_UNIX_RECV, FN_TCP_RECV, NR_FNS };

static const int path_fn[NR_PATHS] = {
	[PATH_UNIX_CONNECT] = FN_CONNECT,
	[PATH_UNIX_SEND] = FN_UNIX_SEND,
	[PATH_TCP_LOOPBACK] = FN_TCP_SEND,
	[PATH_TCP_REMOTE] = FN_TCP_SEND,
	[PATH_UNIX_RECV] = FN_UNIX_RECV,
	[PATH_TCP_RECV_LOOPBACK] = FN_TCP_RECV,
	[PATH_TCP_RECV_REMOTE] = FN_TCP_RECV,
};

/* The functions' names in kallsyms, found in one pass the first time. */
static const char *const fn_func[NR_FNS] = {
	[FN_CONNECT] = "unix_stream_connect",
	[FN_UNIX_SEND] = "unix_stream_sendmsg",
	[FN_TCP_SEND] = "tcp_sendmsg",
	[FN_UNIX_RECV] = "unix_stream_recvmsg",
	[FN_TCP_RECV] = "tcp_recvmsg",
};

/* @fn's symbol, or NULL if kallsyms has none (reading it once per run). */
static const char *fn_sym(int fn)
{
	static char syms[NR_FNS][KSYM_LEN];
	static int rets[NR_FNS];
	static bool read;

	if (!read) {
		read = true;
		if (ksym_resolve(fn_func, NR_FNS, syms, rets))
			for (int i = 0; i < NR_FNS; i++)
				rets[i] = -ENOENT;
	}
	return rets[fn] ? NULL : syms[fn];
}

struct kprobe_state {
	struct kprobe_event entry[NR_FNS];
	struct kprobe_event ret[NR_FNS];
};

/* Returns may be pending in many sleeping threads at once. */
static int kretprobe_maxactive(void)
{
	int ncpu = libbpf_num_possible_cpus();

	return ncpu > 8 ? 8 * ncpu : 64;
}

static int kprobe_can_serve(enum ipc_path path, char *probe, size_t probe_len,
			    char *why, size_t why_len)
{
	const char *func = path_info[path].func, *sym = fn_sym(path_fn[path]);
	int err = kprobes_supported(why, why_len);

	if (err)
		return err;
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

static int attach_fn(struct kprobe_state *st, int fn,
		     struct bpf_program *entry, struct bpf_program *ret,
		     char *why, size_t why_len)
{
	const char *sym = fn_sym(fn);
	int err = sym ? 0 : -ENOENT;

	if (!err)
		err = kprobe_event_attach(&st->entry[fn], entry, sym, false, 0);
	if (!err)
		err = kprobe_event_attach(&st->ret[fn], ret, sym, true,
					  kretprobe_maxactive());
	if (err)
		snprintf(why, why_len, "attaching to %s failed: %s", fn_func[fn],
			 strerror(-err));
	return err;
}

static int kprobe_start(struct backend_obj *obj, const bool serve[NR_PATHS],
			const struct target *t, int followed_fd,
			char *why, size_t why_len)
{
	bool tcp = serve[PATH_TCP_LOOPBACK] || serve[PATH_TCP_REMOTE];
	bool tcp_recv = serve[PATH_TCP_RECV_LOOPBACK] || serve[PATH_TCP_RECV_REMOTE];
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
	err = SKEL_OPEN(kprobe, skel, obj, t, followed_fd, why, why_len);
	if (err)
		return err;
	err = SKEL_LOAD(kprobe, skel, why, why_len);
	if (err)
		return err;
	/* The follow programs are tp_btf and attach the usual way. */
	if (bpf_program__autoload(skel->progs.follow_fork)) {
		skel->links.follow_fork = bpf_program__attach(skel->progs.follow_fork);
		skel->links.follow_exit = bpf_program__attach(skel->progs.follow_exit);
		if (!skel->links.follow_fork || !skel->links.follow_exit) {
			err = -errno;
			snprintf(why, why_len, "attaching fork tracking failed: %s",
				 strerror(-err));
			return err;
		}
	}
	if (serve[PATH_UNIX_CONNECT])
		err = attach_fn(st, FN_CONNECT, skel->progs.unix_connect_entry,
				skel->progs.unix_connect_exit, why, why_len);
	if (!err && serve[PATH_UNIX_SEND])
		err = attach_fn(st, FN_UNIX_SEND, skel->progs.unix_send_entry,
				skel->progs.unix_send_exit, why, why_len);
	if (!err && tcp)
		err = attach_fn(st, FN_TCP_SEND, skel->progs.tcp_send_entry,
				skel->progs.tcp_send_exit, why, why_len);
	if (!err && serve[PATH_UNIX_RECV])
		err = attach_fn(st, FN_UNIX_RECV, skel->progs.unix_recv_entry,
				skel->progs.unix_recv_exit, why, why_len);
	if (!err && tcp_recv)
		err = attach_fn(st, FN_TCP_RECV, skel->progs.tcp_recv_entry,
				skel->progs.tcp_recv_exit, why, why_len);
	if (err)
		return err;
	SKEL_SET_PATH_PROGS(obj, skel);
	SKEL_SET_MAPS(obj, skel);
	return 0;
}

/* Recursion misses of the programs, plus the kernel's kretprobe misses. */
static __u64 kprobe_missed(struct backend_obj *obj, enum ipc_path path)
{
	struct kprobe_state *st = obj->priv;
	int fn = path_fn[path];

	return bpf_stats_missed(obj, path) + kprobe_event_missed(&st->entry[fn]) +
	       kprobe_event_missed(&st->ret[fn]);
}

static void kprobe_stop(struct backend_obj *obj)
{
	struct kprobe_state *st = obj->priv;

	for (int fn = 0; st && fn < NR_FNS; fn++) {
		kprobe_event_detach(&st->entry[fn]);
		kprobe_event_detach(&st->ret[fn]);
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
	.read = bpf_stats_read,
	.missed = kprobe_missed,
	.stop = kprobe_stop,
};
