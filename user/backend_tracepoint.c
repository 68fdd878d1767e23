// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracepoint backend (bpf/tracepoint.bpf.c): sock:sock_send_length where
 * the kernel has it (6.3+), raw_syscalls enter/exit for connect and time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "backend.h"
#include "feature.h"
#include "path_progs.h"
#include "stages_info.h"
#include "skel_attach.h"
#include "skel_common.h"
#include "target.h"
#include "tracepoint.skel.h"

static int tracepoint_can_serve(enum ipc_path path, char *probe, size_t probe_len,
				char *why, size_t why_len)
{
	int err = feature_can_load(BPF_TRACE_RAW_TP, "sys_enter", why, why_len);

	if (err)
		return err;
	if (path == PATH_UNIX_CONNECT && feature_has_tracepoint("sk_data_ready"))
		snprintf(probe, probe_len,
			 "sock:sk_data_ready + raw_syscalls:sys_enter/sys_exit (connect; io_uring's counted, not timed)");
	else if (path == PATH_UNIX_CONNECT)
		snprintf(probe, probe_len,
			 "raw_syscalls:sys_enter/sys_exit (connect; no sock:sk_data_ready before 6.3, so io_uring's are not seen)");
	else if (feature_has_tracepoint("sock_send_length"))
		snprintf(probe, probe_len,
			 "sock:sock_%s_length + raw_syscalls:sys_enter/sys_exit (%s)",
			 path >= PATH_UNIX_RECV ? "recv" : "send",
			 path >= PATH_UNIX_RECV ?
			 "splice by fd; recvmmsg timed per syscall, io_uring's not timed" :
			 "sendmmsg timed per syscall, io_uring's not timed");
	else
		snprintf(probe, probe_len,
			 "raw_syscalls:sys_enter/sys_exit (fd lookup; no sock:sock_%s_length before 6.3, so %s are not seen)",
			 path >= PATH_UNIX_RECV ? "recv" : "send",
			 path >= PATH_UNIX_RECV ? "recvmmsg and io_uring's" :
			 "sendmmsg, sendfile, splice and io_uring's");
	return 0;
}

static int tracepoint_stage_probe(enum stage stage, char *name, size_t name_len,
				  char *why, size_t why_len)
{
	const struct stage_info *info = &stage_info[stage];

	if (!info->tp) {
		snprintf(why, why_len, "no tracepoint sees it; needs the fentry backend");
		return -ENOENT;
	}
	if (!feature_has_tracepoint(info->tp_event)) {
		snprintf(why, why_len, "no tracepoint %s on this kernel%s%s%s",
			 info->tp, *info->tp_since ? " (added in " : "",
			 info->tp_since, *info->tp_since ? ")" : "");
		return -ENOENT;
	}
	snprintf(name, name_len, "%s", info->tp);
	return 0;
}

/*
 * With --stages: sched_switch, softirq_entry/exit, and the program of
 * each stage a tracepoint here marks (<event>_stage).
 */
static void tracepoint_select_stages(struct tracepoint_bpf *skel,
				     const struct stage_choice *stages)
{
	skel->rodata->stages_on = stages;
	if (!stages)
		return;	/* every stage program is optional (SEC("?...")) */
	stage_progs_common(skel->obj);
	for (int s = 0; s < NR_STAGES; s++)
		if (stages[s].probed && stage_info[s].tp_point)
			prog_load_named(skel->obj, stage_info[s].tp_event, "stage");
}

static int tracepoint_start(struct backend_obj *obj, const bool serve[NR_PATHS],
			    struct stage_choice *stages,
			    const struct target *t, int followed_fd,
			    char *why, size_t why_len)
{
	bool sock_tp = feature_has_tracepoint("sock_send_length"), quiet;
	struct tracepoint_bpf *skel;
	int err;

	(void)serve;	/* one set of programs serves every path */
	err = SKEL_OPEN(tracepoint, skel, obj, t, followed_fd, why, why_len);
	if (err)
		return err;
	SKEL_SET_INFLIGHT(skel, inflight);
	skel->rodata->have_sock_tp = sock_tp;
	bpf_program__set_autoload(skel->progs.sock_send_length, sock_tp);
	bpf_program__set_autoload(skel->progs.sock_recv_length, sock_tp);
	/*
	 * --counts-only leaves out the syscall tracepoints, which put every
	 * syscall on the machine on the slow path. Before 6.3 the syscalls
	 * are all there is. From 6.3 connects that work are counted at the
	 * listener's wake-up in either mode, so io_uring's are counted too.
	 */
	quiet = t->counts_only && sock_tp;
	/* --time-sample: the same, with the syscalls on in windows only. */
	obj->time_sampled = t->time_sampled && sock_tp && !quiet;
	skel->rodata->time_sampled = obj->time_sampled;
	bpf_program__set_autoload(skel->progs.sys_enter, !quiet);
	bpf_program__set_autoload(skel->progs.sys_exit, !quiet);
	bpf_program__set_autoload(skel->progs.unix_connect_delivered, sock_tp);
	tracepoint_select_stages(skel, stages);
	/* -S: wake-ups need sock:sk_data_ready (6.3+); the split sched_switch. */
	SKEL_SET_CONNS(skel, t, sock_tp && feature_has_tracepoint("sk_data_ready"));
	if (t->conns && !quiet)
		bpf_program__set_autoload(skel->progs.sched_switch, true);
	if (skel->rodata->conns_wake && !quiet) {
		bpf_program__set_autoload(skel->progs.conn_data_ready_tp, true);
		bpf_program__set_autoload(skel->progs.conn_sched_waking, true);
	}
	/* --listeners: how long each connect slept (sched_switch). */
	if (t->listeners)
		bpf_program__set_autoload(skel->progs.sched_switch, true);
	err = SKEL_LOAD(tracepoint, skel, why, why_len);
	if (err)
		return err;
	err = skel_attach_each(skel->skeleton, stages, why, why_len);
	if (err)
		return err;
	for (int p = 0; p < NR_PATHS; p++) {
		obj->progs[p][0] = skel->progs.sys_enter;
		obj->progs[p][1] = skel->progs.sys_exit;
		if (p != PATH_UNIX_CONNECT && sock_tp)
			obj->progs[p][2] = p >= PATH_UNIX_RECV ?
				skel->progs.sock_recv_length : skel->progs.sock_send_length;
	}
	SKEL_SET_MAPS(obj, skel);
	obj->stage_fd = stages ? bpf_map__fd(skel->maps.stage_stats) : -1;
	obj->conns_split = t->conns && !quiet;
	obj->conns_wake = skel->rodata->conns_wake && !quiet;
	return 0;
}

/*
 * --time-sample: a window opens with a new time_window, so that no call
 * that entered in an earlier one is timed across the gap, and the
 * syscall tracepoints come back; it closes with them gone.
 */
static int tracepoint_time_window(struct backend_obj *obj, bool open)
{
	struct tracepoint_bpf *skel = obj->skel;

	if (!open) {
		bpf_link__destroy(skel->links.sys_enter);
		bpf_link__destroy(skel->links.sys_exit);
		skel->links.sys_enter = skel->links.sys_exit = NULL;
		return 0;
	}
	skel->bss->time_window++;
	skel->links.sys_exit = bpf_program__attach(skel->progs.sys_exit);
	if (!skel->links.sys_exit)
		return -errno;
	skel->links.sys_enter = bpf_program__attach(skel->progs.sys_enter);
	return skel->links.sys_enter ? 0 : -errno;
}

static void tracepoint_stop(struct backend_obj *obj)
{
	tracepoint_bpf__destroy(obj->skel);
	obj->skel = NULL;
}

const struct backend_ops tracepoint_backend = {
	.name = "tracepoint",
	.time_scope = "syscall",
	.counts_only = true,
	.can_serve = tracepoint_can_serve,
	.start = tracepoint_start,
	.read = maps_read,
	.missed = maps_missed,
	.stage_probe = tracepoint_stage_probe,
	.time_window = tracepoint_time_window,
	.stop = tracepoint_stop,
};
