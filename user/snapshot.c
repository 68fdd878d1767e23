// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "snapshot.h"

void path_stats_add(struct path_stats *sum, const struct path_stats *cpu)
{
	sum->calls += cpu->calls;
	sum->errors += cpu->errors;
	sum->bytes += cpu->bytes;
	sum->ktime_ns += cpu->ktime_ns;
	sum->timed += cpu->timed;
	if (cpu->min_ns && (!sum->min_ns || cpu->min_ns < sum->min_ns))
		sum->min_ns = cpu->min_ns;
	if (cpu->max_ns > sum->max_ns)
		sum->max_ns = cpu->max_ns;
	for (int i = 0; i < HIST_SLOTS; i++)
		sum->hist[i] += cpu->hist[i];
}

/* Replaces min/max with the per-CPU extremes since the last clear, and clears them. */
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

int snapshot_read(const struct snapshot_source *src, struct snapshot *out,
		  int interval)
{
	int ncpu = libbpf_num_possible_cpus();
	struct path_stats *cpu;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	cpu = calloc(ncpu, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	memset(out->path, 0, sizeof(out->path));
	for (__u32 p = 0; p < NR_PATHS && !err; p++) {
		if (src->stats_fd[p] < 0)
			continue;
		if (bpf_map_lookup_elem(src->stats_fd[p], &p, cpu)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < ncpu; c++)
			path_stats_add(&out->path[p], &cpu[c]);
		if (interval)
			err = read_interval_extremes(src->extremes_fd[p], p,
						     &out->path[p], ncpu);
	}
	free(cpu);
	return err;
}

void snapshot_delta(const struct snapshot *cur, const struct snapshot *prev,
		    struct snapshot *out)
{
	out->elapsed_ns = cur->elapsed_ns - prev->elapsed_ns;
	for (int p = 0; p < NR_PATHS; p++) {
		const struct path_stats *c = &cur->path[p], *o = &prev->path[p];
		struct path_stats *d = &out->path[p];

		d->calls = c->calls - o->calls;
		d->errors = c->errors - o->errors;
		d->bytes = c->bytes - o->bytes;
		d->ktime_ns = c->ktime_ns - o->ktime_ns;
		d->timed = c->timed - o->timed;
		d->min_ns = c->min_ns;
		d->max_ns = c->max_ns;
		for (int i = 0; i < HIST_SLOTS; i++)
			d->hist[i] = c->hist[i] - o->hist[i];
	}
}
