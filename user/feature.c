// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "feature.h"

int feature_can_load(enum bpf_attach_type type, const char *name,
		     char *why, size_t len)
{
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int id, fd, err;

	id = libbpf_find_vmlinux_btf_id(name, type);
	if (id < 0) {
		snprintf(why, len, "%s not in kernel BTF", name);
		return id;
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

bool feature_has_tracepoint(const char *name)
{
	return libbpf_find_vmlinux_btf_id(name, BPF_TRACE_RAW_TP) >= 0;
}
