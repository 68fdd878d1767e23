// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter: each scrape reads the counters afresh (tracer_read, the
 * snapshot every printer reads), holds every counter at its highest value
 * so far, and prints them with out_prom.
 *
 * Where a counter could go back, and what keeps it from it:
 *  - The BPF backends' per-CPU maps only grow while the programs are
 *    loaded, which is the whole run. A followed process that exits only
 *    leaves the follow map: its calls stay counted in the per-path maps.
 *  - kmod: a reset or reload of the module zeroes its counters; the
 *    backend carries what it had counted and counts on from the new zero
 *    (user/backend_kmod.c), so its totals never go back.
 *  - The kprobe backend's misses come from tracefs's kprobe_profile: a
 *    read of it that fails counts 0. The program run time drops a program
 *    whose info cannot be read. Those dips are what snapshot_hold and the
 *    hold below are for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exporter.h"
#include "http.h"
#include "output.h"
#include "system.h"

struct exporter {
	struct http_server *http;
	struct tracer *tracer;
	const struct opts *o;
	struct http_listen listen;
	struct snapshot held, cur;
	__u64 run_ns, runs;		/* held, as the snapshot */
	bool bpf_stats;			/* once shown, always shown */
	char *cgroup;			/* the label, or NULL */
	const char *version;
};

/*
 * Are the kernel's BPF statistics on, by our BPF_ENABLE_STATS (--bpf-stats,
 * --stages) or by sysctl kernel.bpf_stats_enabled?
 */
static bool stats_on(const struct tracer *t)
{
	bool any_bpf = false;
	FILE *f;
	int c;

	for (int k = 0; k < NR_BACKENDS; k++)
		any_bpf |= t->started[k] && t->obj[k].bpf;
	if (!any_bpf)
		return false;	/* kmod alone: no programs of ours */
	if (t->run_time_fd >= 0)
		return true;
	f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	if (!f)
		return false;
	c = fgetc(f);
	fclose(f);
	return c == '1';
}

static void hold(__u64 *held, __u64 cur)
{
	if (cur > *held)
		*held = cur;
}

static int render(void *ctx, FILE *f)
{
	struct exporter *e = ctx;
	struct report rep = {
		.tracer = e->tracer,
		.kernel = kernel_release(),
		.final = true,
		.counts_only = e->o->counts_only,
	};
	struct prom_info pi = {
		.version = e->version,
		.cgroup = e->cgroup,
	};
	__u64 run_ns, runs;
	int err = tracer_read(e->tracer, &e->cur, false);

	if (err)
		return err;
	snapshot_hold(&e->held, &e->cur);
	e->bpf_stats = e->bpf_stats || stats_on(e->tracer);
	if (e->bpf_stats) {
		tracer_prog_time(e->tracer, &run_ns, &runs);
		hold(&e->run_ns, run_ns);
		hold(&e->runs, runs);
	}
	pi.bpf_stats = e->bpf_stats;
	pi.bpf_run_ns = e->run_ns;
	pi.bpf_runs = e->runs;
	rep.snap = &e->held;
	out_prom(f, &rep, &pi);
	return ferror(f) ? -EIO : 0;
}

/* --cgroup's PATHs as one label value, joined by ','. */
static char *cgroup_label(const struct opts *o)
{
	size_t len = 1;
	char *s;

	if (!o->nr_cgroups)
		return NULL;
	for (int i = 0; i < o->nr_cgroups; i++)
		len += strlen(o->cgroups[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s && i < o->nr_cgroups; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, o->cgroups[i]);
	}
	return s;
}

/* What --version prints after "udstrace ". */
extern const char *argp_program_version;

struct exporter *exporter_start(const struct opts *o, struct tracer *t)
{
	struct exporter *e = calloc(1, sizeof(*e));
	const char *v = argp_program_version;
	char why[REASON_LEN];

	if (!e) {
		fprintf(stderr, "udstrace: --prometheus: %s\n", strerror(ENOMEM));
		return NULL;
	}
	e->o = o;
	e->tracer = t;
	e->listen = o->listen;
	e->version = strncmp(v, "udstrace ", 9) ? v : v + 9;
	e->cgroup = cgroup_label(o);
	e->http = http_start(&e->listen, render, e, why, sizeof(why));
	if (!e->http || (o->nr_cgroups && !e->cgroup)) {
		fprintf(stderr, "udstrace: --prometheus: %s\n",
			e->http ? strerror(ENOMEM) : why);
		exporter_stop(e);
		return NULL;
	}
	return e;
}

void exporter_serve(struct exporter *e, unsigned long long wait_ns, int wake_fd)
{
	http_serve(e->http, wait_ns, wake_fd);
}

const char *exporter_address(const struct exporter *e)
{
	return e->listen.name;
}

void exporter_stop(struct exporter *e)
{
	if (!e)
		return;
	http_stop(e->http);
	free(e->cgroup);
	free(e);
}
