// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for udstrace's own reader of vmlinux BTF
 * (kernel_btf_new and its lookups in user/feature.c). The input is a BTF
 * file. Where libbpf accepts the same bytes, every FUNC and TYPEDEF name
 * must give the id libbpf gives, and every function the same number of
 * arguments: the check tests/unit/test_feature.c makes on the real file.
 */
#include <errno.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "feature.h"
#include "fuzz.h"

/* Names udstrace asks about, asked whatever the input. */
static const char *const asked[] = {
	"tcp_recvmsg", "tcp_sendmsg", "unix_stream_sendmsg",
	"btf_trace_sock_send_length", "btf_trace_sys_enter", "", "void",
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	libbpf_set_print(quiet);
	return 0;
}

/* libbpf's answer for function @name's arguments, as feature.c computes it. */
static int libbpf_nargs(const struct btf *b, int id)
{
	const struct btf_type *proto = btf__type_by_id(b, btf__type_by_id(b, id)->type);

	return proto && btf_is_func_proto(proto) ? btf_vlen(proto) : -1;
}

/* Both readers took the file: the same answer for every named type. */
static void compare(const struct kernel_btf *k, const struct btf *b)
{
	for (__u32 id = 1; id < btf__type_cnt(b); id++) {
		const struct btf_type *t = btf__type_by_id(b, id);
		const char *name = btf__name_by_offset(b, t->name_off);
		__u32 kind = btf_kind(t);
		int want;

		/* libbpf answers 0 for "void" whatever the file says. */
		if ((kind != BTF_KIND_FUNC && kind != BTF_KIND_TYPEDEF) || !name ||
		    !strcmp(name, "void"))
			continue;
		want = btf__find_by_name_kind(b, name, kind);
		if (kernel_btf_find(k, name, kind) != want)
			abort();
		if (kind == BTF_KIND_FUNC &&
		    kernel_btf_func_nargs(k, name) != libbpf_nargs(b, want))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kernel_btf *k = kernel_btf_new(data, size);
	struct btf *b;

	if (!k)
		return 0;
	for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		int id = kernel_btf_find(k, asked[i], BTF_KIND_FUNC);

		/* An id from 1 up or -ENOENT; no function, no arguments. */
		if (!id || (id < 0 && (id != -ENOENT ||
				       kernel_btf_func_nargs(k, asked[i]) != -1)))
			abort();
		kernel_btf_find(k, asked[i], BTF_KIND_TYPEDEF);
	}
	b = btf__new(data, size);
	if (!libbpf_get_error(b) && b)
		compare(k, b);
	btf__free(b);
	kernel_btf_free(k);
	return 0;
}
