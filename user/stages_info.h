/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What each stage is (from bpf/stage_list.h), and each row's stage tree. */
#ifndef UDSTRACE_STAGES_INFO_H
#define UDSTRACE_STAGES_INFO_H

#include <stdbool.h>
#include "stages.h"

struct stage_info {
	const char *func;	/* kernel function fentry probes; NULL = inline */
	const char *tp;		/* subsystem:tracepoint that sees it, or NULL */
	const char *tp_event;	/* its event name, as tracefs and BTF know it */
	const char *tp_since;	/* Linux version that added it, or "" */
	bool tp_point;		/* a point: tp_event_stage counts, never times */
	enum stage_ctx ctx;	/* where it runs on its row's path */
	const char *label;	/* what it is, in a few words */
	const char *explain;	/* one sentence for --explain */
	const char *source;	/* where it lives in the kernel tree */
};

extern const struct stage_info stage_info[NR_STAGES];

/* A row's stages in call order, with tree depth; ends with depth 0. */
struct row_stage {
	enum stage stage;
	int depth;		/* 1 = called by the path function */
};

extern const struct row_stage *const row_stages[NR_PATHS];

#endif /* UDSTRACE_STAGES_INFO_H */
