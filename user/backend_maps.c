// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading the counters every BPF backend keeps (bpf/account.bpf.h): per-CPU
 * maps summed per path, and the programs' recursion-miss counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "backend.h"
#include "snapshot.h"

/* Replaces min/max with the extremes since the last clear, and clears them. */
static int read_interval_extremes(int fd, __u32 key, struct path_stats *s,
				  int ncpu)
{
	struct path_extremes *x = calloc(ncpu, sizeof(*x));
	int err = 0;

	if (!x)
		return -ENOMEM;
	s->min_ns = s->max_ns = 0;
	if (bpf_map_lookup_elem(fd, &key, x)) {
		err = -errno;
		goto out;
	}
	for (int c = 0; c < ncpu; c++) {
		if (x[c].min_ns && (!s->min_ns || x[c].min_ns < s->min_ns))
			s->min_ns = x[c].min_ns;
		if (x[c].max_ns > s->max_ns)
			s->max_ns = x[c].max_ns;
	}
	memset(x, 0, ncpu * sizeof(*x));
	if (bpf_map_update_elem(fd, &key, x, BPF_ANY))
		err = -errno;
out:
	free(x);
	return err;
}

int maps_read(struct backend_obj *obj, enum ipc_path path,
		   struct path_stats *out, bool interval)
{
	int ncpu = libbpf_num_possible_cpus();
	struct path_stats *cpu;
	__u32 key = path;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	cpu = calloc(ncpu, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(obj->stats_fd, &key, cpu)) {
		err = -errno;
		goto out;
	}
	for (int c = 0; c < ncpu; c++)
		path_stats_add(out, &cpu[c]);
	if (interval)
		err = read_interval_extremes(obj->extremes_fd, key, out, ncpu);
out:
	free(cpu);
	return err;
}

__u64 prog_missed(struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!prog || bpf_program__fd(prog) < 0 ||
	    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return 0;
	return info.recursion_misses;
}

__u64 maps_missed(struct backend_obj *obj, enum ipc_path path)
{
	__u64 missed = 0;

	for (int i = 0; i < MAX_PATH_PROGS; i++)
		missed += prog_missed(obj->progs[path][i]);
	return missed;
}

static bool serves_a_path(const struct backend_obj *obj,
			  const struct bpf_program *prog)
{
	for (int p = 0; p < NR_PATHS; p++)
		for (int i = 0; i < MAX_PATH_PROGS; i++)
			if (obj->progs[p][i] == prog)
				return true;
	return false;
}

__u64 maps_other_missed(struct backend_obj *obj)
{
	struct bpf_program *prog;
	__u64 missed = 0;

	if (!obj->bpf)
		return 0;
	bpf_object__for_each_program(prog, obj->bpf)
		if (!serves_a_path(obj, prog))
			missed += prog_missed(prog);
	return missed;
}

int maps_read_stages(struct backend_obj *obj, enum ipc_path path,
			  struct stage_stats out[NR_STAGES][NR_CTX_SLOTS])
{
	int ncpu = libbpf_num_possible_cpus();
	struct stage_stats *cpu;
	int err = 0;

	if (obj->stage_fd < 0)
		return 0;
	if (ncpu < 0)
		return ncpu;
	cpu = calloc(ncpu, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	for (__u32 s = 0; s < NR_STAGES && !err; s++) {
		for (__u32 x = 0; x < NR_CTX_SLOTS; x++) {
			__u32 key = STAGE_KEY(path, s, x);

			if (bpf_map_lookup_elem(obj->stage_fd, &key, cpu)) {
				err = -errno;
				break;
			}
			for (int c = 0; c < ncpu; c++) {
				out[s][x].calls += cpu[c].calls;
				out[s][x].ktime_ns += cpu[c].ktime_ns;
			}
		}
	}
	free(cpu);
	return err;
}
