/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the running kernel offers, asked before anything is loaded: kernel
 * BTF (read once per run, its function and tracepoint names hashed), map
 * types, and attach points. Attachability is answered the way
 * libbpf-tools' fentry_can_attach() does: by loading a two-instruction
 * program, once per attach point and run.
 */
#ifndef UDSTRACE_FEATURE_H
#define UDSTRACE_FEATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

/* Is @name a function in kernel BTF (so fentry can name it)? */
bool feature_has_func(const char *name);
/* Number of arguments of kernel function @name, or -1 if not in BTF. */
int feature_func_nargs(const char *name);
/*
 * Loads "return 0" as a tracing program of @type (BPF_TRACE_FENTRY,
 * BPF_TRACE_RAW_TP, ...) on @name. 0, or -errno with a one-line reason
 * in @why such as "BPF_PROG_LOAD failed: Operation not permitted".
 */
int feature_can_load(enum bpf_attach_type type, const char *name,
		     char *why, size_t len);
/* Is there a tp_btf target @name (a btf_trace_@name type) in vmlinux BTF? */
bool feature_has_tracepoint(const char *name);
/* BPF_MAP_TYPE_TASK_STORAGE (5.11+); without it in-flight state is hashed. */
bool feature_has_task_storage(void);
/*
 * Task storage for kprobe programs: the map and, for that program type,
 * bpf_task_storage_get and bpf_get_current_task_btf (5.11+).
 * UDSTRACE_INFLIGHT=hash applies; =task-storage does not: the tests force
 * it to make fentry and tracepoint fail before 5.11, where auto must then
 * fall back to kprobe.
 */
bool feature_kprobe_task_storage(void);

/*
 * The reading of BTF behind the questions above, for the tests: @size
 * bytes at @data (the caller's, kept until kernel_btf_free) indexed as
 * vmlinux BTF is; NULL if malformed or out of memory.
 */
struct kernel_btf;
struct kernel_btf *kernel_btf_new(const void *data, size_t size);
void kernel_btf_free(struct kernel_btf *k);
/* The first type of @kind named @name in @k: its id, or -ENOENT. */
int kernel_btf_find(const struct kernel_btf *k, const char *name, __u32 kind);
/* Number of arguments of function @name in @k, or -1 if not there. */
int kernel_btf_func_nargs(const struct kernel_btf *k, const char *name);

#endif /* UDSTRACE_FEATURE_H */
