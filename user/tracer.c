// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "path_progs.h"
#include "paths.h"
#include "tracer.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* auto tries them in this order: the cheapest, most precise probe first. */
static const enum backend_kind auto_order[] = {
	BACKEND_FENTRY,
	BACKEND_KPROBE,
	BACKEND_TRACEPOINT,
};

static const struct backend_ops *const backends[NR_BACKENDS] = {
	[BACKEND_FENTRY] = &fentry_backend,
	[BACKEND_KPROBE] = &kprobe_backend,
	[BACKEND_TRACEPOINT] = &tracepoint_backend,
	[BACKEND_KMOD] = &kmod_backend,
};

const struct backend_ops *backend_ops(enum backend_kind kind)
{
	return kind < NR_BACKENDS ? backends[kind] : NULL;
}

int backend_parse(const char *name, enum backend_kind *out)
{
	if (!strcmp(name, "auto")) {
		*out = BACKEND_AUTO;
		return 0;
	}
	for (int k = 0; k < NR_BACKENDS; k++) {
		if (!strcmp(name, backends[k]->name)) {
			*out = k;
			return 0;
		}
	}
	return -1;
}

/* Notes "backend: why" in @c's list of backends passed over. */
static void note_skipped(struct path_choice *c, const char *name,
			 const char *why)
{
	size_t used = strlen(c->skipped);

	snprintf(c->skipped + used, sizeof(c->skipped) - used, "%s%s: %s",
		 used ? "; " : "", name, why);
}

static int choose_path(struct tracer *t, enum ipc_path p, char *err, size_t len)
{
	struct path_choice *c = &t->choice[p];
	bool any = t->want == BACKEND_AUTO;
	size_t n_try = any ? ARRAY_SIZE(auto_order) : 1;
	char why[REASON_LEN];
	int ret = -ENOENT;

	c->skipped[0] = '\0';
	for (size_t i = 0; i < n_try; i++) {
		enum backend_kind k = any ? auto_order[i] : t->want;
		const struct backend_ops *ops = backends[k];

		if (t->failed[k]) {
			snprintf(why, sizeof(why), "%s", t->failed_why[k]);
			note_skipped(c, ops->name, why);
			continue;
		}
		ret = ops->can_serve(p, c->probe, sizeof(c->probe), why, sizeof(why));
		if (!ret) {
			c->backend = k;
			return 0;
		}
		note_skipped(c, ops->name, why);
	}
	snprintf(err, len, "%s", c->skipped);
	return ret;
}

static int choose_all(struct tracer *t, char *err, size_t len)
{
	for (int p = 0; p < NR_PATHS; p++) {
		int ret = choose_path(t, p, err, len);

		if (ret)
			return ret;
	}
	return 0;
}

/* Forgets every started object, so a start can begin again. */
static void reset_objs(struct tracer *t)
{
	memset(t->obj, 0, sizeof(t->obj));
	memset(t->started, 0, sizeof(t->started));
	for (int k = 0; k < NR_BACKENDS; k++)
		t->obj[k].stage_fd = t->obj[k].conns_fd = -1;
	t->followed_fd = -1;
	t->run_time_fd = -1;
}

int tracer_choose(struct tracer *t, enum backend_kind want, char *err,
		  size_t len)
{
	memset(t, 0, sizeof(*t));
	reset_objs(t);
	t->want = want;
	return choose_all(t, err, len);
}

void backend_choose_stages(enum backend_kind kind,
			   struct stage_choice out[NR_STAGES])
{
	const struct backend_ops *ops = backends[kind];

	for (int s = 0; s < NR_STAGES; s++) {
		struct stage_choice *c = &out[s];

		memset(c, 0, sizeof(*c));
		if (!ops->stage_probe) {
			snprintf(c->why, sizeof(c->why),
				 "the %s backend has no stage probes; fentry and tracepoint do",
				 ops->name);
			continue;
		}
		c->probed = !ops->stage_probe(s, c->name, sizeof(c->name),
					      c->why, sizeof(c->why));
	}
}

const struct stage_choice *tracer_stage(const struct tracer *t, int row,
					enum stage stage)
{
	return &t->stage[t->choice[row].backend][stage];
}

/*
 * Does @prog open or close a call's timed window: the syscall tracepoints,
 * or a path function's entry or exit program? Its clock read splits its
 * run time: some of it falls inside the window, some outside.
 */
static bool prog_bounds_call(struct bpf_object *obj, struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);

	if (!strcmp(name, "sys_enter") || !strcmp(name, "sys_exit"))
		return true;
	for (int p = 0; p < NR_PATHS; p++)
		if (prog == path_prog(obj, p, "entry") ||
		    prog == path_prog(obj, p, "exit") ||
		    prog == path_extra_prog(obj, p, "entry") ||
		    prog == path_extra_prog(obj, p, "exit"))
			return true;
	return false;
}

void tracer_prog_time_split(const struct tracer *t, __u64 *run_ns,
			    __u64 *runs, __u64 *bound_ns)
{
	struct bpf_program *prog;

	*run_ns = *runs = 0;
	if (bound_ns)
		*bound_ns = 0;
	for (int k = 0; k < NR_BACKENDS; k++) {
		if (!t->started[k] || !t->obj[k].bpf)
			continue;
		bpf_object__for_each_program(prog, t->obj[k].bpf) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			int fd = bpf_program__fd(prog);

			if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
				continue;
			*run_ns += info.run_time_ns;
			*runs += info.run_cnt;
			if (bound_ns && prog_bounds_call(t->obj[k].bpf, prog))
				*bound_ns += info.run_time_ns;
		}
	}
}

void tracer_prog_time(const struct tracer *t, __u64 *run_ns, __u64 *runs)
{
	tracer_prog_time_split(t, run_ns, runs, NULL);
}

/* Starts each chosen backend once; on failure, the failing one in @failed. */
static int start_chosen(struct tracer *t, const struct target *tg,
			enum backend_kind *failed, char *why, size_t len)
{
	t->stages = tg->stages;
	/*
	 * Program run time is how --stages and the exporter report what
	 * tracing costs. Without CAP_SYS_ADMIN it fails, and is not measured.
	 */
	t->run_time_fd = tg->stages || t->run_stats ?
			 bpf_enable_stats(BPF_STATS_RUN_TIME) : -1;

	for (int k = 0; k < NR_BACKENDS; k++) {
		bool serve[NR_PATHS] = {}, any = false;
		int ret;

		for (int p = 0; p < NR_PATHS; p++)
			any |= serve[p] = t->choice[p].backend == (enum backend_kind)k;
		if (!any)
			continue;
		if (tg->stages)
			backend_choose_stages(k, t->stage[k]);
		ret = backends[k]->start(&t->obj[k], serve,
					 tg->stages ? t->stage[k] : NULL, tg,
					 t->followed_fd, why, len);
		t->started[k] = true;	/* stop() frees what start() got to */
		if (ret) {
			*failed = k;
			return ret;
		}
		if (t->followed_fd < 0)
			t->followed_fd = t->obj[k].followed_fd;
	}
	return 0;
}

int tracer_start(struct tracer *t, const struct target *tg, char *err,
		 size_t len)
{
	char why[REASON_LEN];
	enum backend_kind k;
	int ret;

	/* Each round drops one backend, so this ends. */
	while ((ret = start_chosen(t, tg, &k, why, sizeof(why)))) {
		tracer_stop(t);
		reset_objs(t);
		if (t->want != BACKEND_AUTO) {
			snprintf(err, len, "%s: %s", backends[k]->name, why);
			return ret;
		}
		t->failed[k] = true;
		snprintf(t->failed_why[k], sizeof(t->failed_why[k]), "%s", why);
		ret = choose_all(t, err, len);
		if (ret)
			return ret;
	}
	return 0;
}

int tracer_read(struct tracer *t, struct snapshot *out, bool interval)
{
	/* Once per snapshot, so that every row of it is of one instant. */
	int err = tracer_poll(t);

	if (err)
		return err;
	memset(out->path, 0, sizeof(out->path));
	memset(out->stage, 0, sizeof(out->stage));
	for (int p = 0; p < NR_PATHS; p++) {
		enum backend_kind k = t->choice[p].backend;
		int err = backends[k]->read(&t->obj[k], p, &out->path[p], interval);

		if (!err && backends[k]->stage_probe)
			err = maps_read_stages(&t->obj[k], p, out->stage[p]);
		if (err)
			return err;
		/* Dropped calls lost their in-flight state (a full map). */
		out->missed[p] = backends[k]->missed(&t->obj[k], p) +
				 out->path[p].dropped;
	}
	out->other_missed = 0;
	out->followed_lost = 0;
	out->restarts = 0;
	for (int k = 0; k < NR_BACKENDS; k++) {
		if (!t->started[k])
			continue;
		if (backends[k]->restarts)
			out->restarts += backends[k]->restarts(&t->obj[k]);
		out->other_missed += maps_other_missed(&t->obj[k]);
		if (t->obj[k].followed_lost)
			out->followed_lost += *t->obj[k].followed_lost;
	}
	return 0;
}

bool tracer_polled(const struct tracer *t)
{
	for (int k = 0; k < NR_BACKENDS; k++)
		if (t->started[k] && backends[k]->poll)
			return true;
	return false;
}

int tracer_poll(struct tracer *t)
{
	for (int k = 0; k < NR_BACKENDS; k++) {
		int err = t->started[k] && backends[k]->poll ?
			  backends[k]->poll(&t->obj[k]) : 0;

		if (err)
			return err;
	}
	return 0;
}

bool tracer_time_sampled(const struct tracer *t)
{
	for (int k = 0; k < NR_BACKENDS; k++)
		if (t->started[k] && t->obj[k].time_sampled)
			return true;
	return false;
}

int tracer_time_window(struct tracer *t, bool open)
{
	for (int k = 0; k < NR_BACKENDS; k++) {
		int err = t->started[k] && t->obj[k].time_sampled ?
			  backends[k]->time_window(&t->obj[k], open) : 0;

		if (err)
			return err;
	}
	return 0;
}

int tracer_follow(struct tracer *t, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	/* No BPF backend (kmod alone): the module filters by itself. */
	if (t->followed_fd < 0)
		return 0;
	return bpf_map_update_elem(t->followed_fd, &key, &one, BPF_ANY) ? -errno : 0;
}

/* Puts @n values into the map @name of @obj, keys 0..n-1 or the values. */
static int fill_map(struct bpf_object *obj, const char *name,
		    const void *vals, size_t size, int n, bool array)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);
	__u8 one = 1;

	if (!map)
		return -ENOENT;
	for (__u32 i = 0; i < (__u32)n; i++) {
		const void *v = (const char *)vals + i * size;
		int err = array ? bpf_map__update_elem(map, &i, sizeof(i), v, size, BPF_ANY) :
				  bpf_map__update_elem(map, v, size, &one, sizeof(one), BPF_ANY);

		if (err)
			return err;
	}
	return 0;
}

int tracer_filter(struct tracer *t, const char comms[][COMM_LEN], int nr_comms,
		  const int *cgroup_fds, int nr_cgroups)
{
	for (int k = 0; k < NR_BACKENDS; k++) {
		struct bpf_object *obj = t->obj[k].bpf;
		int err;

		/* kmod has no maps: the options refused these filters for it. */
		if (!t->started[k] || !obj)
			continue;
		err = fill_map(obj, "filter_comms", comms, COMM_LEN, nr_comms, false);
		if (!err)
			err = fill_map(obj, "filter_cgroups", cgroup_fds, sizeof(int),
				       nr_cgroups, true);
		if (err)
			return err;
	}
	return 0;
}

int tracer_forget(struct tracer *t, pid_t pid)
{
	__u32 key = pid;

	if (t->followed_fd < 0 || !bpf_map_delete_elem(t->followed_fd, &key))
		return 0;
	return errno == ENOENT ? 0 : -errno;
}

void tracer_stop(struct tracer *t)
{
	if (t->run_time_fd >= 0)
		close(t->run_time_fd);
	t->run_time_fd = -1;
	for (int k = 0; k < NR_BACKENDS; k++) {
		if (t->started[k])
			backends[k]->stop(&t->obj[k]);
		t->started[k] = false;
	}
}
