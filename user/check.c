// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include "backend.h"
#include "check.h"
#include "opts.h"
#include "json.h"
#include "paths.h"
#include "system.h"
#include "tracer.h"

struct probe_result {
	bool ok;
	char probe[REASON_LEN];
	char why[REASONS_LEN];
};

#define SECURITYFS "/sys/kernel/security"

/* "none", "integrity" or "confidentiality": the bracketed word. */
static const char *lockdown_mode(char *buf, size_t len)
{
	char line[128], *a, *b;
	bool mounted = false;
	FILE *f;

	/*
	 * Like tracefs, securityfs is often not mounted on a fresh VM. A check
	 * changes nothing: what it mounts to read, it unmounts.
	 */
	if (access(SECURITYFS "/lockdown", F_OK))
		mounted = !mount("securityfs", SECURITYFS, "securityfs", 0, NULL);
	f = fopen(SECURITYFS "/lockdown", "r");
	snprintf(buf, len, "unknown (no %s/lockdown: no lockdown LSM)", SECURITYFS);
	if (f) {
		if (fgets(line, sizeof(line), f) && (a = strchr(line, '[')) &&
		    (b = strchr(a, ']'))) {
			*b = '\0';
			snprintf(buf, len, "%s", a + 1);
		}
		fclose(f);
	}
	if (mounted)
		umount(SECURITYFS);
	return buf;
}

static void print_text(struct probe_result res[NR_BACKENDS][NR_PATHS],
		       const char *lockdown, const struct tracer *auto_choice,
		       bool auto_ok)
{
	printf("kernel    %s\n", kernel_release());
	printf("btf       %s: %s\n", VMLINUX_BTF, have_kernel_btf() ? "present" : "missing");
	printf("lockdown  %s\n\n", lockdown);
	printf("%-11s %-21s %s\n", "BACKEND", "PATH", "STATUS");
	for (int k = 0; k < NR_BACKENDS; k++) {
		const char *name = backend_ops(k)->name;

		for (int p = 0; p < NR_PATHS; p++) {
			const struct probe_result *r = &res[k][p];

			printf("%-11s %-21s %s: %s\n", name, path_info[p].name,
			       r->ok ? "ok" : name, r->ok ? r->probe : r->why);
		}
	}
	printf("\n");
	if (!auto_ok) {
		printf("auto: no backend can trace every path here\n");
		return;
	}
	for (int p = 0; p < NR_PATHS; p++)
		printf("auto: %-21s -> %s\n", path_info[p].name,
		       backend_ops(auto_choice->choice[p].backend)->name);
}

static void print_json(struct probe_result res[NR_BACKENDS][NR_PATHS],
		       const char *lockdown, const struct tracer *auto_choice,
		       bool auto_ok)
{
	struct json j;

	json_init(&j, stdout);
	json_object_start(&j, NULL);
	json_str(&j, "schema", "udstrace-check/1");
	json_str(&j, "kernel", kernel_release());
	json_bool(&j, "btf", have_kernel_btf());
	json_str(&j, "lockdown", lockdown);
	json_bool(&j, "ok", auto_ok);
	json_array_start(&j, "backends");
	for (int k = 0; k < NR_BACKENDS; k++) {
		json_object_start(&j, NULL);
		json_str(&j, "backend", backend_ops(k)->name);
		json_array_start(&j, "paths");
		for (int p = 0; p < NR_PATHS; p++) {
			const struct probe_result *r = &res[k][p];

			json_object_start(&j, NULL);
			json_str(&j, "path", path_info[p].name);
			json_bool(&j, "ok", r->ok);
			json_str(&j, r->ok ? "probe" : "reason", r->ok ? r->probe : r->why);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_start(&j, "auto");
	for (int p = 0; auto_ok && p < NR_PATHS; p++)
		json_str(&j, path_info[p].name,
			 backend_ops(auto_choice->choice[p].backend)->name);
	json_object_end(&j);
	json_object_end(&j);
}

/*
 * What a run with backend @k gives here: every path it can serve is
 * loaded and attached for real, by the code a run uses, then detached.
 */
static void check_backend(enum backend_kind k, const struct target *tg,
			  struct probe_result res[NR_PATHS])
{
	const struct backend_ops *ops = backend_ops(k);
	static struct stage_choice stages[NR_STAGES];
	struct backend_obj obj = { .stage_fd = -1 };
	bool serve[NR_PATHS] = {}, any = false;
	char why[REASON_LEN];
	int err;

	for (int p = 0; p < NR_PATHS; p++) {
		struct probe_result *r = &res[p];

		/* The module counts per path, and nothing finer. */
		if (k == BACKEND_KMOD && tg->breakdown) {
			r->ok = false;
			snprintf(r->why, sizeof(r->why),
				 "-P and --by-cgroup need a BPF backend: the module counts per path only");
			continue;
		}
		/* As a run says: opts_parse() refuses --listeners with kmod. */
		if (tg->listeners && k == BACKEND_KMOD) {
			r->ok = false;
			snprintf(r->why, sizeof(r->why),
				 "--listeners needs a BPF backend: the kmod backend counts the path functions only");
			continue;
		}
		r->ok = !ops->can_serve(p, r->probe, sizeof(r->probe), r->why,
					sizeof(r->why));
		any |= serve[p] = r->ok;
	}
	if (!any)
		return;
	if (tg->stages)
		backend_choose_stages(k, stages);
	err = ops->start(&obj, serve, tg->stages ? stages : NULL, tg, -1,
			 why, sizeof(why));
	ops->stop(&obj);
	for (int p = 0; err && p < NR_PATHS; p++) {
		if (serve[p]) {
			res[p].ok = false;
			snprintf(res[p].why, sizeof(res[p].why), "%s", why);
		}
	}
}

int check_run(const struct opts *o)
{
	static struct probe_result res[NR_BACKENDS][NR_PATHS];
	static struct tracer auto_choice;
	/* Follow mode with nobody followed: every program loads, none counts. */
	struct target tg = {
		.mode = FILTER_FOLLOW,
		.self = getpid(),
		.stages = o->stages,
		.counts_only = o->counts_only,
		.breakdown = o->per_process ? BREAKDOWN_PROC :
			     o->by_cgroup ? BREAKDOWN_CGROUP : BREAKDOWN_NONE,
		.listeners = o->listeners,
	};
	char lockdown[96], err[REASONS_LEN];
	bool auto_ok;

	pidns_self(&tg.pidns_dev, &tg.pidns_ino);
	for (int k = 0; k < NR_BACKENDS; k++)
		check_backend(k, &tg, res[k]);
	auto_ok = !tracer_choose(&auto_choice, BACKEND_AUTO, err, sizeof(err)) &&
		  !tracer_start(&auto_choice, &tg, err, sizeof(err));
	tracer_stop(&auto_choice);
	lockdown_mode(lockdown, sizeof(lockdown));
	(o->json ? print_json : print_text)(res, lockdown, &auto_choice, auto_ok);
	return auto_ok ? 0 : 1;
}
