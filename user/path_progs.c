// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include "path_progs.h"
#include "paths.h"

struct bpf_program *path_prog(struct bpf_object *obj, int path, const char *end)
{
	char name[PROBE_NAME_LEN];

	snprintf(name, sizeof(name), "%s_%s", path_info[path].prog, end);
	return bpf_object__find_program_by_name(obj, name);
}

struct bpf_program *path_extra_prog(struct bpf_object *obj, int path, const char *end)
{
	char name[PROBE_NAME_LEN];

	if (!path_info[path].extra_prog)
		return NULL;
	snprintf(name, sizeof(name), "%s_%s", path_info[path].extra_prog, end);
	return bpf_object__find_program_by_name(obj, name);
}

void path_progs_select(struct bpf_object *obj, const bool serve[NR_PATHS],
		       bool entries)
{
	/* Rows that share a function share its programs: any row turns them on. */
	for (int p = 0; p < NR_PATHS; p++) {
		struct bpf_program *entry = path_prog(obj, p, "entry");
		struct bpf_program *exit = path_prog(obj, p, "exit");

		if (!serve[p])
			continue;
		if (entry)
			bpf_program__set_autoload(entry, entries);
		if (exit)
			bpf_program__set_autoload(exit, true);
	}
}

void path_progs_select_extra(struct bpf_object *obj, const bool serve[NR_PATHS],
			     bool entries, bool (*has)(const char *func))
{
	for (int p = 0; p < NR_PATHS; p++) {
		struct bpf_program *entry = path_extra_prog(obj, p, "entry");
		struct bpf_program *exit = path_extra_prog(obj, p, "exit");

		/* Absent since 6.5 (sendpage): the row is whole without it. */
		if (!serve[p] || !exit || !has(path_info[p].extra_func))
			continue;
		if (entry)
			bpf_program__set_autoload(entry, entries);
		bpf_program__set_autoload(exit, true);
	}
}

void path_progs_record(struct backend_obj *bo, struct bpf_object *obj)
{
	for (int p = 0; p < NR_PATHS; p++) {
		bo->progs[p][0] = path_prog(obj, p, "entry");
		bo->progs[p][1] = path_prog(obj, p, "exit");
		bo->progs[p][2] = path_extra_prog(obj, p, "entry");
		bo->progs[p][3] = path_extra_prog(obj, p, "exit");
	}
}

void prog_load_named(struct bpf_object *obj, const char *prefix,
		     const char *suffix)
{
	char name[PROBE_NAME_LEN];
	struct bpf_program *prog;

	snprintf(name, sizeof(name), "%s_%s", prefix, suffix);
	prog = bpf_object__find_program_by_name(obj, name);
	if (prog)
		bpf_program__set_autoload(prog, true);
}

void stage_progs_common(struct bpf_object *obj)
{
	prog_load_named(obj, "sched", "switch");
	prog_load_named(obj, "softirq", "entry");
	prog_load_named(obj, "softirq", "exit");
}
