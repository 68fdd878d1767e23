/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Does this kernel let us attach here? Answered the way libbpf-tools'
 * fentry_can_attach() does: by loading a two-instruction program.
 */
#ifndef UDSTRACE_FEATURE_H
#define UDSTRACE_FEATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/bpf.h>

/*
 * Loads "return 0" as a tracing program of @type (BPF_TRACE_FENTRY,
 * BPF_TRACE_RAW_TP, ...) on @name. 0, or -errno with a one-line reason
 * in @why such as "BPF_PROG_LOAD failed: Operation not permitted".
 */
int feature_can_load(enum bpf_attach_type type, const char *name,
		     char *why, size_t len);
/* Is there a tp_btf target @name (a btf_trace_@name type) in vmlinux BTF? */
bool feature_has_tracepoint(const char *name);

#endif /* UDSTRACE_FEATURE_H */
