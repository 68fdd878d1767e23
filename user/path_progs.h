/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The entry and exit programs of each path in a BPF backend's object,
 * found by the names in user/paths.c (PROG_entry, PROG_exit), so the
 * backends loop over the path table instead of naming each path; and
 * the stage programs, by the names bpf/stage_list.h gives them.
 */
#ifndef UDSTRACE_PATH_PROGS_H
#define UDSTRACE_PATH_PROGS_H

#include <stdbool.h>
#include <bpf/libbpf.h>
#include "backend.h"

/* @path's "entry" or "exit" program in @obj, or NULL. */
struct bpf_program *path_prog(struct bpf_object *obj, int path, const char *end);
/* The same for @path's extra function, or NULL (none, or not loaded). */
struct bpf_program *path_extra_prog(struct bpf_object *obj, int path, const char *end);
/*
 * Loads the exit programs of the paths in @serve, and their entry
 * programs too when @entries (entries only take start times).
 */
void path_progs_select(struct bpf_object *obj, const bool serve[NR_PATHS],
		       bool entries);
/*
 * Loads the programs of each served row's extra function (user/paths.c)
 * where @has says the kernel has it: entry programs too when @entries.
 */
void path_progs_select_extra(struct bpf_object *obj, const bool serve[NR_PATHS],
			     bool entries, bool (*has)(const char *func));
/* Notes each row's programs in @bo, for their miss counters. */
void path_progs_record(struct backend_obj *bo, struct bpf_object *obj);

/* Loads program "@prefix_@suffix" of @obj, if @obj has one. */
void prog_load_named(struct bpf_object *obj, const char *prefix,
		     const char *suffix);
/* --stages: loads sched_switch and softirq_entry/exit, which it always needs. */
void stage_progs_common(struct bpf_object *obj);

#endif /* UDSTRACE_PATH_PROGS_H */
