// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "feature.h"

const struct btf *kernel_btf(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();	/* NULL, with errno, if none */
	}
	return btf;
}

static int btf_id(const char *name, __u32 kind)
{
	const struct btf *btf = kernel_btf();

	return btf ? btf__find_by_name_kind(btf, name, kind) : -ENOENT;
}

bool feature_has_func(const char *name)
{
	return btf_id(name, BTF_KIND_FUNC) > 0;
}

int feature_func_nargs(const char *name)
{
	const struct btf *btf = kernel_btf();
	const struct btf_type *t;
	int id = btf_id(name, BTF_KIND_FUNC);

	if (id <= 0)
		return -1;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

bool feature_has_tracepoint(const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return btf_id(type, BTF_KIND_TYPEDEF) > 0;
}

int feature_can_load(enum bpf_attach_type type, const char *name,
		     char *why, size_t len)
{
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char type_name[128];
	int id, fd, err;

	if (type == BPF_TRACE_RAW_TP) {
		snprintf(type_name, sizeof(type_name), "btf_trace_%s", name);
		id = btf_id(type_name, BTF_KIND_TYPEDEF);
	} else {
		id = btf_id(name, BTF_KIND_FUNC);
	}
	if (id <= 0) {
		snprintf(why, len, "%s not in kernel BTF", name);
		return -ENOENT;
	}
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type,
		    .attach_btf_id = id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", ret0, 2, &opts);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "BPF_PROG_LOAD failed: %s", strerror(-err));
		return err;
	}
	close(fd);
	return 0;
}

/*
 * UDSTRACE_INFLIGHT=hash or =task-storage overrides the probe, so tests
 * can run the pre-5.11 variant on any kernel, and on 5.10 show what
 * happens when a backend fails to load (auto moves on).
 */
bool feature_has_task_storage(void)
{
	static int have = -1;
	const char *force = getenv("UDSTRACE_INFLIGHT");

	if (have >= 0)
		return have;
	if (force && !strcmp(force, "hash"))
		have = 0;
	else if (force && !strcmp(force, "task-storage"))
		have = 1;
	else
		have = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
	return have;
}
