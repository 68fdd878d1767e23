// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for the option parser (user/opts.c). The input is an
 * argument vector, the arguments separated by NUL bytes; argv[0] is
 * "udstrace". Each input is parsed twice, from two fresh copies (argp
 * permutes argv), and both results must agree: a parser that kept state
 * between calls would differ. When the parser accepts, the options must
 * obey the rules it promises (the CLI tests check the messages).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "opts.h"

#define MAX_ARGS 64

/* Splits @data at NUL bytes into a fresh, NULL-terminated argv; argc back. */
static int make_argv(const uint8_t *data, size_t size, char *argv[MAX_ARGS + 2])
{
	size_t start = 0;
	int argc = 1;

	argv[0] = strdup("udstrace");
	for (size_t i = 0; i <= size && argc <= MAX_ARGS; i++) {
		if (i < size && data[i])
			continue;
		argv[argc] = malloc(i - start + 1);
		memcpy(argv[argc], data + start, i - start);
		argv[argc][i - start] = '\0';
		argc++;
		start = i + 1;
	}
	argv[argc] = NULL;
	return argc;
}

static void free_argv(char *argv[MAX_ARGS + 2])
{
	for (int i = 0; argv[i]; i++)
		free(argv[i]);
}

/* Whether an accepted parse keeps the promises opts.h and --help make. */
static void check_accepted(const struct opts *o)
{
	if (!isfinite(o->duration_s) || o->duration_s < 0 ||
	    !isfinite(o->interval_s) || o->interval_s < 0 ||
	    o->nr_pids < 0 || o->nr_pids > MAX_PIDS ||
	    o->nr_comms < 0 || o->nr_comms > MAX_COMMS ||
	    o->nr_cgroups < 0 || o->nr_cgroups > MAX_CGROUPS ||
	    o->backend > BACKEND_AUTO || (o->cmd && !o->cmd[0]) ||
	    (o->cmd && o->nr_pids) || (o->counts_only && o->stages) ||
	    (o->explain && !o->stages) || (o->dot && (!o->stages || !*o->dot)) ||
	    (o->folded && (!o->stages || !*o->folded)) ||
	    (o->prometheus && (!o->listen.len || !o->listen.name[0])) ||
	    (o->bpf_stats && !o->prometheus) ||
	    o->nr_sizes < 0 || o->nr_sizes > MAX_SIZES ||
	    ((o->nr_sizes || o->pattern >= 0) && !o->calibrate) ||
	    (o->calibrate && (o->advise || o->cmd)) ||
	    (o->advise && o->counts_only) ||
	    o->top < 1 || o->top > MAX_TOP || (o->per_process && o->by_cgroup) ||
	    (o->backend == BACKEND_KMOD && (o->per_process || o->by_cgroup)))
		abort();
	for (int i = 0; i < o->nr_sizes; i++)
		if (o->sizes[i] < 1 || o->sizes[i] > (1 << 20))
			abort();
	for (int i = 0; i < o->nr_pids; i++)
		if (o->pids[i] < 1)
			abort();
	for (int i = 0; i < o->nr_comms; i++)
		if (!o->comms[i][0] || strnlen(o->comms[i], COMM_LEN) >= COMM_LEN)
			abort();
}

/* Two parses of one input must agree (pointers compared as strings). */
static void check_same(const struct opts *a, int ra, const struct opts *b, int rb)
{
	if (ra != rb)
		abort();
	if (ra)
		return;
	if (a->nr_pids != b->nr_pids || a->nr_comms != b->nr_comms ||
	    a->nr_cgroups != b->nr_cgroups ||
	    memcmp(a->pids, b->pids, a->nr_pids * sizeof(a->pids[0])) ||
	    memcmp(a->comms, b->comms, a->nr_comms * sizeof(a->comms[0])) ||
	    !a->folded != !b->folded || a->duration_s != b->duration_s ||
	    a->interval_s != b->interval_s || a->json != b->json ||
	    a->verbose != b->verbose || a->hist != b->hist ||
	    a->check != b->check || a->stages != b->stages ||
	    a->counts_only != b->counts_only || a->explain != b->explain ||
	    a->backend != b->backend || !a->dot != !b->dot ||
	    (a->dot && strcmp(a->dot, b->dot)) || !a->cmd != !b->cmd ||
	    a->prometheus != b->prometheus || strcmp(a->listen.name, b->listen.name) ||
	    a->bpf_stats != b->bpf_stats || a->advise != b->advise ||
	    a->calibrate != b->calibrate || a->nr_sizes != b->nr_sizes ||
	    memcmp(a->sizes, b->sizes, a->nr_sizes * sizeof(a->sizes[0])) ||
	    a->pattern != b->pattern || a->per_process != b->per_process ||
	    a->by_cgroup != b->by_cgroup || a->top != b->top)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv1[MAX_ARGS + 2], *argv2[MAX_ARGS + 2];
	struct opts o1, o2;
	int argc, r1, r2;

	argc = make_argv(data, size, argv1);
	make_argv(data, size, argv2);
	r1 = opts_parse(argc, argv1, &o1);
	r2 = opts_parse(argc, argv2, &o2);
	if (r1 != 0 && r1 != OPTS_DONE && r1 != EXIT_USAGE)
		abort();
	if (!r1)
		check_accepted(&o1);
	check_same(&o1, r1, &o2, r2);
	free_argv(argv1);
	free_argv(argv2);
	return 0;
}
