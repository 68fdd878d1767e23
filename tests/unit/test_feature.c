// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * user/feature.c reads vmlinux BTF with its own small index, not libbpf's
 * struct btf. Every answer it gives must be libbpf's: each function in
 * this kernel's BTF and its argument count, each tracepoint, and names
 * that are there only as another kind. Reads the kernel's BTF; no root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "feature.h"
#include "system.h"

static int failures;

/* The reference: libbpf's types by name, then id, for binary search. */
struct named {
	const char *name;
	__u32 id;
};

static int cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->id < y->id ? -1 : x->id > y->id;
}

/* The first id named @name in the sorted @v (as btf__find_by_name_kind), or 0. */
static __u32 first_id(const struct named *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(v[lo].name, name) ? v[lo].id : 0;
}

/* libbpf's types of @kind, sorted. */
static struct named *collect(const struct btf *btf, __u16 kind, size_t *n)
{
	struct named *v = calloc(btf__type_cnt(btf), sizeof(*v));

	*n = 0;
	for (__u32 id = 1; v && id < btf__type_cnt(btf); id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (btf_kind(t) == kind)
			v[(*n)++] = (struct named){ btf__name_by_offset(btf, t->name_off), id };
	}
	if (v)
		qsort(v, *n, sizeof(*v), cmp_named);
	return v;
}

/* PASS, or FAIL with the count and the first name that disagrees. */
static void report(const char *what, int checked, int bad, const char *first)
{
	if (bad) {
		printf("FAIL feature %s: %d of %d disagree with libbpf, first %s\n",
		       what, bad, checked, first);
		failures++;
	} else {
		printf("PASS feature %s (%d names)\n", what, checked);
	}
}

static void check(const char *name, long long got, long long want)
{
	if (got == want) {
		printf("PASS feature %s\n", name);
	} else {
		printf("FAIL feature %s: got %lld, want %lld\n", name, got, want);
		failures++;
	}
}

/*
 * A BTF file made by libbpf, in a 4-aligned buffer of its own: int (id 1),
 * int (*)(int, int) (id 2) and the function f (id 3), whose record starts
 * at byte 44 of the types (12 + 4 for the int, 12 + 2 x 8 for the proto).
 */
static void *small_btf(__u32 *size)
{
	struct btf *b = btf__new_empty();
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int proto = btf__add_func_proto(b, i);
	const void *raw;
	void *copy;

	btf__add_func_param(b, "a", i);
	btf__add_func_param(b, "b", i);
	btf__add_func(b, "f", BTF_FUNC_GLOBAL, proto);
	raw = btf__raw_data(b, size);
	copy = malloc(*size + 8);
	memcpy(copy, raw, *size);
	btf__free(b);
	return copy;
}

/* Files libbpf would refuse or read otherwise (found by tests/fuzz/fuzz_btf). */
static void test_malformed(void)
{
	struct btf_header *h;
	struct kernel_btf *k;
	__u32 size;
	char *raw = small_btf(&size), *moved = malloc(size + 8);

	k = kernel_btf_new(raw, size);
	check("small btf: f", kernel_btf_find(k, "f", BTF_KIND_FUNC), 3);
	check("small btf: f's arguments", kernel_btf_func_nargs(k, "f"), 2);
	kernel_btf_free(k);

	/* The same types 2 bytes further on: a struct btf_type read there is misaligned. */
	h = (struct btf_header *)raw;
	memcpy(moved, raw, h->hdr_len);
	memcpy(moved + h->hdr_len + 2, raw + h->hdr_len, size - h->hdr_len);
	((struct btf_header *)moved)->type_off += 2;
	((struct btf_header *)moved)->str_off += 2;
	k = kernel_btf_new(moved, size + 2);
	check("misaligned types refused", k == NULL, 1);
	kernel_btf_free(k);

	/* f's name past the string section: f has no name, not "". */
	((__u32 *)(raw + h->hdr_len + h->type_off + 44))[0] = 0xffffff00;
	k = kernel_btf_new(raw, size);
	check("name outside the strings is none", kernel_btf_find(k, "", BTF_KIND_FUNC), -ENOENT);
	kernel_btf_free(k);
	free(moved);
	free(raw);
}

int main(void)
{
	int funcs = 0, bad_funcs = 0, tps = 0, bad_tps = 0, others = 0, bad_others = 0;
	char first_func[128] = "", first_tp[128] = "", first_other[128] = "";
	struct named *fn, *td;
	size_t nr_fn, nr_td;
	struct btf *btf;

	test_malformed();
	if (access(VMLINUX_BTF, R_OK)) {
		printf("SKIP feature btf: no %s\n", VMLINUX_BTF);
		return 0;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		printf("FAIL feature btf: libbpf cannot load %s\n", VMLINUX_BTF);
		return 1;
	}
	fn = collect(btf, BTF_KIND_FUNC, &nr_fn);
	td = collect(btf, BTF_KIND_TYPEDEF, &nr_td);
	if (!fn || !td) {
		printf("FAIL feature btf: out of memory\n");
		return 1;
	}
	for (__u32 id = 1; id < btf__type_cnt(btf); id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = btf__name_by_offset(btf, t->name_off);
		__u32 func;

		if (!name || !*name)
			continue;
		func = first_id(fn, nr_fn, name);
		if (btf_is_func(t) && func == id) {
			/* The first function of a name is the one both find. */
			int nargs = btf_vlen(btf__type_by_id(btf, t->type));

			funcs++;
			if (!feature_has_func(name) || feature_func_nargs(name) != nargs)
				if (!bad_funcs++)
					snprintf(first_func, sizeof(first_func), "%s", name);
		} else if (btf_is_typedef(t) && !strncmp(name, "btf_trace_", 10)) {
			tps++;
			if (!feature_has_tracepoint(name + 10))
				if (!bad_tps++)
					snprintf(first_tp, sizeof(first_tp), "%s", name);
		} else if (!func && !btf_is_typedef(t)) {
			/* A struct, enum, ... name: no function; a tracepoint if libbpf says so. */
			char tp[160];
			bool is_tp;

			snprintf(tp, sizeof(tp), "btf_trace_%s", name);
			is_tp = first_id(td, nr_td, tp);
			others++;
			if (feature_has_func(name) || feature_func_nargs(name) != -1 ||
			    feature_has_tracepoint(name) != is_tp)
				if (!bad_others++)
					snprintf(first_other, sizeof(first_other), "%s", name);
		}
	}
	free(fn);
	free(td);
	btf__free(btf);
	report("functions and argument counts", funcs, bad_funcs, first_func);
	report("tracepoints", tps, bad_tps, first_tp);
	report("other names", others, bad_others, first_other);
	if (feature_has_func("udstrace_no_such_function") ||
	    feature_has_tracepoint("udstrace_no_such_tracepoint")) {
		printf("FAIL feature unknown names: found\n");
		failures++;
	} else {
		printf("PASS feature unknown names are not found\n");
	}
	return failures ? 1 : 0;
}
