/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Attaching a loaded skeleton program by program, so one stage cannot sink --stages. */
#ifndef UDSTRACE_SKEL_ATTACH_H
#define UDSTRACE_SKEL_ATTACH_H

#include <stddef.h>
#include <bpf/libbpf.h>
#include "backend.h"

/*
 * Attaches every loaded program of skeleton @s, one by one; the skeleton's
 * destroy detaches them. A stage program (named after its stage, as
 * bpf/stage_list.h names them) that will not attach marks its stage in
 * @stages "not probed" with the reason, and the rest goes on. Any other
 * program that will not attach is an error: -errno, the reason in @why.
 * UDSTRACE_FAIL_ATTACH=PROG makes program PROG fail, for the tests.
 */
int skel_attach_each(struct bpf_object_skeleton *s, struct stage_choice *stages,
		     char *why, size_t why_len);

#endif /* UDSTRACE_SKEL_ATTACH_H */
