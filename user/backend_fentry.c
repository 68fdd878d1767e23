// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* fentry backend: fentry/fexit on the path functions (bpf/fentry.bpf.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "backend.h"
#include "feature.h"
#include "path_progs.h"
#include "paths.h"
#include "stages_info.h"
#include "skel_attach.h"
#include "skel_common.h"
#include "target.h"
#include "fentry.skel.h"

static int fentry_can_serve(enum ipc_path path, char *probe, size_t probe_len,
			    char *why, size_t why_len)
{
	const char *func = path_info[path].func, *extra = path_info[path].extra_func;

	if (extra && feature_has_func(extra))
		snprintf(probe, probe_len, "fentry+fexit %s, %s", func, extra);
	else
		snprintf(probe, probe_len, "fentry+fexit %s", func);
	return feature_can_load(BPF_TRACE_FENTRY, func, why, why_len);
}

static int fentry_stage_probe(enum stage stage, char *name, size_t name_len,
			      char *why, size_t why_len)
{
	const char *func = stage_info[stage].func;

	if (!func) {
		snprintf(why, why_len, "inline code: no function to probe");
		return -ENOENT;
	}
	if (!feature_has_func(func)) {
		snprintf(why, why_len, "%s is not in kernel BTF (inlined on this kernel)", func);
		return -ENOENT;
	}
	snprintf(name, name_len, "%s", func);
	return 0;
}

/* With --stages: sched_switch, softirq_entry/exit and the stages seen here. */
static void fentry_select_stages(struct fentry_bpf *skel,
				 const struct stage_choice *stages)
{
	skel->rodata->stages_on = stages;
	if (!stages)
		return;	/* every stage program is optional (SEC("?...")) */
	stage_progs_common(skel->obj);
	for (int s = 0; s < NR_STAGES; s++) {
		if (!stages[s].probed)
			continue;
		prog_load_named(skel->obj, stage_info[s].func, "entry");
		prog_load_named(skel->obj, stage_info[s].func, "exit");
	}
}

static int fentry_start(struct backend_obj *obj, const bool serve[NR_PATHS],
			struct stage_choice *stages,
			const struct target *t, int followed_fd,
			char *why, size_t why_len)
{
	struct fentry_bpf *skel;
	bool nonblock, tp;
	int err;

	err = SKEL_OPEN(fentry, skel, obj, t, followed_fd, why, why_len);
	if (err)
		return err;
	SKEL_SET_INFLIGHT(skel, inflight);
	path_progs_select(skel->obj, serve, !t->counts_only);
	path_progs_select_extra(skel->obj, serve, !t->counts_only, feature_has_func);
	/* tcp_recvmsg had six arguments until 5.19: its own exit program. */
	nonblock = feature_func_nargs("tcp_recvmsg") == 6;
	if (nonblock && bpf_program__autoload(skel->progs.tcp_recv_exit)) {
		bpf_program__set_autoload(skel->progs.tcp_recv_exit, false);
		bpf_program__set_autoload(skel->progs.tcp_recv_exit_nonblock, true);
	}
	fentry_select_stages(skel, stages);
	/* -S: wake-ups from sock_def_readable; the split from sched_switch. */
	SKEL_SET_CONNS(skel, t, !t->counts_only && feature_has_func("sock_def_readable"));
	if (t->conns && !t->counts_only)
		bpf_program__set_autoload(skel->progs.sched_switch, true);
	if (skel->rodata->conns_wake) {
		bpf_program__set_autoload(skel->progs.conn_readable_entry, true);
		bpf_program__set_autoload(skel->progs.conn_readable_exit, true);
		bpf_program__set_autoload(skel->progs.conn_sched_waking, true);
	}
	/* --listeners: connects' sleep (sched_switch), the queue (6.3+). */
	if (t->listeners)
		bpf_program__set_autoload(skel->progs.sched_switch, true);
	tp = feature_has_tracepoint("sk_data_ready");
	bpf_program__set_autoload(skel->progs.listener_wakeup, t->listeners && tp);
	bpf_program__set_autoload(skel->progs.listener_readable, t->listeners && !tp &&
				  feature_has_func("sock_def_readable"));
	err = SKEL_LOAD(fentry, skel, why, why_len);
	if (err)
		return err;
	err = skel_attach_each(skel->skeleton, stages, why, why_len);
	if (err)
		return err;
	path_progs_record(obj, skel->obj);
	if (nonblock) {
		obj->progs[PATH_TCP_RECV_LOOPBACK][1] = skel->progs.tcp_recv_exit_nonblock;
		obj->progs[PATH_TCP_RECV_REMOTE][1] = skel->progs.tcp_recv_exit_nonblock;
	}
	SKEL_SET_MAPS(obj, skel);
	obj->stage_fd = stages ? bpf_map__fd(skel->maps.stage_stats) : -1;
	obj->conns_split = t->conns && !t->counts_only;
	obj->conns_wake = skel->rodata->conns_wake;
	return 0;
}

static void fentry_stop(struct backend_obj *obj)
{
	fentry_bpf__destroy(obj->skel);
	obj->skel = NULL;
}

const struct backend_ops fentry_backend = {
	.name = "fentry",
	.time_scope = "function",
	.counts_only = true,
	.can_serve = fentry_can_serve,
	.start = fentry_start,
	.read = maps_read,
	.missed = maps_missed,
	.stage_probe = fentry_stage_probe,
	.stop = fentry_stop,
};
