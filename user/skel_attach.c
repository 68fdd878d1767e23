// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "skel_attach.h"
#include "stages_info.h"

/* Is @prog one of @stage's programs: FUNC_entry, FUNC_exit or EVENT_stage? */
static bool stage_owns(enum stage stage, const char *prog)
{
	const struct stage_info *info = &stage_info[stage];
	const char *base = info->func;
	size_t n;

	for (int pass = 0; pass < 2; pass++, base = info->tp_event) {
		if (!base)
			continue;
		n = strlen(base);
		if (!strncmp(prog, base, n) && prog[n] == '_' &&
		    (!strcmp(prog + n + 1, "entry") || !strcmp(prog + n + 1, "exit") ||
		     !strcmp(prog + n + 1, "stage")))
			return true;
	}
	return false;
}

static int stage_of(const struct stage_choice *stages, const char *prog)
{
	for (int s = 0; stages && s < NR_STAGES; s++)
		if (stages[s].probed && stage_owns(s, prog))
			return s;
	return -1;
}

static struct bpf_link *attach(struct bpf_program *prog)
{
	const char *fail = getenv("UDSTRACE_FAIL_ATTACH");

	if (fail && !strcmp(fail, bpf_program__name(prog))) {
		errno = EINVAL;
		return NULL;
	}
	return bpf_program__attach(prog);
}

int skel_attach_each(struct bpf_object_skeleton *s, struct stage_choice *stages,
		     char *why, size_t why_len)
{
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_prog_skeleton *ps = (void *)((char *)s->progs + i * s->prog_skel_sz);
		struct bpf_program *prog = *ps->prog;
		const char *name = bpf_program__name(prog);
		struct bpf_link *link;
		int err, stage;

		if (bpf_program__fd(prog) < 0)
			continue;	/* not loaded */
		link = attach(prog);
		if (link) {
			*ps->link = link;
			continue;
		}
		err = -errno;
		stage = stage_of(stages, name);
		if (stage < 0) {
			snprintf(why, why_len, "attach failed: %s: %s", name, strerror(-err));
			return err;
		}
		stages[stage].probed = false;
		snprintf(stages[stage].why, sizeof(stages[stage].why),
			 "%s would not attach: %s", name, strerror(-err));
	}
	return 0;
}
