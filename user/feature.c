// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "feature.h"
#include "system.h"

/*
 * vmlinux BTF, read once per run. Only names are looked up here (of
 * functions, and of btf_trace_* typedefs for tracepoints), so the file is
 * kept as it is and those names are hashed once. libbpf's struct btf would
 * read the 5 MB file, copy it, search it linearly for each name, and stay
 * in memory while libbpf loads a copy of its own for CO-RE. Since 6.16 the
 * kernel lets the file be mapped, which costs no memory of ours; before,
 * it is read into one buffer.
 */
struct kernel_btf {
	const void *file;
	size_t size;
	bool mapped;
	bool borrowed;		/* @file is the caller's (kernel_btf_new) */
	const char *types;	/* the type section */
	const char *strs;	/* the string section */
	__u32 strs_len;
	__u32 nr_types;		/* ids 1 to nr_types */
	__u32 *offs;		/* id -> offset in types */
	__u32 *slots;		/* FUNC and TYPEDEF ids by name hash; 0 is empty */
	__u32 mask;		/* number of slots - 1 */
};

/* The bytes after a type's struct btf_type, or -1 for a kind not known here. */
static long btf_type_extra(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)btf_vlen(t) * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)btf_vlen(t) * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return (long)btf_vlen(t) * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return (long)btf_vlen(t) * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)btf_vlen(t) * sizeof(struct btf_var_secinfo);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	}
	return -1;
}

static __u32 name_hash(const char *s)
{
	__u32 h = 2166136261u;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static bool is_named_kind(const struct btf_type *t)
{
	return btf_is_func(t) || btf_is_typedef(t);
}

static const struct btf_type *kbtf_type(const struct kernel_btf *k, __u32 id)
{
	return id && id <= k->nr_types ?
		(const void *)(k->types + k->offs[id]) : NULL;
}

static const char *kbtf_name(const struct kernel_btf *k, const struct btf_type *t)
{
	return t->name_off < k->strs_len ? k->strs + t->name_off : "";
}

/* Walks the type section into k->offs; counts the names to hash in @nr_named. */
static int kbtf_index_types(struct kernel_btf *k, __u32 types_len, __u32 *nr_named)
{
	__u32 off = 0, cap = 0;

	*nr_named = 0;
	while (off < types_len) {
		const struct btf_type *t = (const void *)(k->types + off);
		long extra = types_len - off < sizeof(*t) ? -1 : btf_type_extra(t);

		if (extra < 0 || sizeof(*t) + extra > types_len - off)
			return -EINVAL;
		if (++k->nr_types >= cap) {
			__u32 *offs;

			cap = cap ? 2 * cap : 65536;
			offs = realloc(k->offs, cap * sizeof(*offs));
			if (!offs)
				return -ENOMEM;
			k->offs = offs;
		}
		k->offs[k->nr_types] = off;
		*nr_named += is_named_kind(t);
		off += sizeof(*t) + extra;
	}
	return 0;
}

/* Hashes FUNC and TYPEDEF names in id order, so the first id wins, as in libbpf. */
static int kbtf_index_names(struct kernel_btf *k, __u32 nr_named)
{
	__u32 size = 1024;

	while (size < 2 * nr_named)
		size *= 2;
	k->slots = calloc(size, sizeof(*k->slots));
	if (!k->slots)
		return -ENOMEM;
	k->mask = size - 1;
	for (__u32 id = 1; id <= k->nr_types; id++) {
		const struct btf_type *t = kbtf_type(k, id);
		__u32 h;

		/* A name outside the string section is none, as for libbpf. */
		if (!is_named_kind(t) || t->name_off >= k->strs_len)
			continue;
		h = name_hash(kbtf_name(k, t)) & k->mask;
		while (k->slots[h])
			h = (h + 1) & k->mask;
		k->slots[h] = id;
	}
	return 0;
}

static int read_all(int fd, char *buf, size_t size)
{
	for (size_t got = 0; got < size; ) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n <= 0)
			return n ? -errno : -EIO;
		got += n;
	}
	return 0;
}

/* Maps the file where the kernel allows it, else reads it. */
static int kbtf_read(struct kernel_btf *k)
{
	int fd = open(VMLINUX_BTF, O_RDONLY | O_CLOEXEC), err = 0;
	struct stat st;
	void *buf;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	k->size = st.st_size;
	buf = mmap(NULL, k->size, PROT_READ, MAP_PRIVATE, fd, 0);
	k->mapped = buf != MAP_FAILED;
	if (!k->mapped) {
		buf = malloc(k->size);
		err = buf ? read_all(fd, buf, k->size) : -ENOMEM;
	}
	k->file = buf;
out:
	close(fd);
	return err;
}

static int kbtf_parse(struct kernel_btf *k)
{
	const struct btf_header *h = k->file;
	__u32 nr_named;
	int err;

	if (k->size < sizeof(*h) || h->magic != BTF_MAGIC ||
	    h->version != BTF_VERSION || h->hdr_len < sizeof(*h) ||
	    (size_t)h->hdr_len + h->type_off + h->type_len > k->size ||
	    (size_t)h->hdr_len + h->str_off + h->str_len > k->size || !h->str_len ||
	    (h->hdr_len + h->type_off) % sizeof(__u32))
		return -EINVAL;	/* types are read in place: 4-byte aligned */
	k->types = (const char *)h + h->hdr_len + h->type_off;
	k->strs = (const char *)h + h->hdr_len + h->str_off;
	k->strs_len = h->str_len;
	if (k->strs[k->strs_len - 1])
		return -EINVAL;	/* names must end inside the section */
	err = kbtf_index_types(k, h->type_len, &nr_named);
	return err ?: kbtf_index_names(k, nr_named);
}

static void kbtf_free(struct kernel_btf *k)
{
	if (k->mapped)
		munmap((void *)k->file, k->size);
	else if (!k->borrowed)
		free((void *)k->file);
	free(k->offs);
	free(k->slots);
	memset(k, 0, sizeof(*k));
}

/* vmlinux BTF, loaded on first use and kept for the run; NULL if none. */
static const struct kernel_btf *kernel_btf(void)
{
	static struct kernel_btf k;
	static int err = 1;

	if (err > 0) {
		err = kbtf_read(&k) ?: kbtf_parse(&k);
		if (err)
			kbtf_free(&k);
	}
	return err ? NULL : &k;
}

struct kernel_btf *kernel_btf_new(const void *data, size_t size)
{
	struct kernel_btf *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->file = data;
	k->size = size;
	k->borrowed = true;
	if (kbtf_parse(k)) {
		kernel_btf_free(k);
		return NULL;
	}
	return k;
}

void kernel_btf_free(struct kernel_btf *k)
{
	if (!k)
		return;
	kbtf_free(k);
	free(k);
}

int kernel_btf_find(const struct kernel_btf *k, const char *name, __u32 kind)
{
	if (!k)
		return -ENOENT;
	for (__u32 h = name_hash(name) & k->mask; k->slots[h]; h = (h + 1) & k->mask) {
		const struct btf_type *t = kbtf_type(k, k->slots[h]);

		if (btf_kind(t) == kind && !strcmp(kbtf_name(k, t), name))
			return k->slots[h];
	}
	return -ENOENT;
}

/* The first type of @kind named @name in vmlinux BTF: its id, or -ENOENT. */
static int btf_id(const char *name, __u32 kind)
{
	return kernel_btf_find(kernel_btf(), name, kind);
}

bool feature_has_func(const char *name)
{
	return btf_id(name, BTF_KIND_FUNC) > 0;
}

int kernel_btf_func_nargs(const struct kernel_btf *k, const char *name)
{
	const struct btf_type *t;
	int id = kernel_btf_find(k, name, BTF_KIND_FUNC);

	if (id <= 0)
		return -1;
	t = kbtf_type(k, kbtf_type(k, id)->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

int feature_func_nargs(const char *name)
{
	return kernel_btf_func_nargs(kernel_btf(), name);
}

bool feature_has_tracepoint(const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return btf_id(type, BTF_KIND_TYPEDEF) > 0;
}

/*
 * Loads "return 0" on attach point @id: 0 or -errno. Remembers the
 * answers, since every path asks again (the tracepoint backend asks about
 * sys_enter once per path), and they do not change during a run.
 */
static int load_ret0(enum bpf_attach_type type, int id)
{
	static struct load_answer {
		enum bpf_attach_type type;
		int id;
		int err;
	} seen[32];
	static unsigned int nr_seen;
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd, err = 0;

	for (unsigned int i = 0; i < nr_seen; i++)
		if (seen[i].type == type && seen[i].id == id)
			return seen[i].err;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type,
		    .attach_btf_id = id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", ret0, 2, &opts);
	if (fd < 0)
		err = -errno;
	else
		close(fd);
	if (nr_seen < sizeof(seen) / sizeof(seen[0]))
		seen[nr_seen++] = (struct load_answer){ type, id, err };
	return err;
}

int feature_can_load(enum bpf_attach_type type, const char *name,
		     char *why, size_t len)
{
	char type_name[128];
	int id, err;

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
	err = load_ret0(type, id);
	if (err)
		snprintf(why, len, "BPF_PROG_LOAD failed: %s", strerror(-err));
	return err;
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

bool feature_kprobe_task_storage(void)
{
	static int have = -1;
	const char *force = getenv("UDSTRACE_INFLIGHT");

	if (have >= 0)
		return have;
	if (force && !strcmp(force, "hash"))
		have = 0;
	else
		have = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1 &&
		       libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE,
					       BPF_FUNC_task_storage_get, NULL) == 1 &&
		       libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE,
					       BPF_FUNC_get_current_task_btf, NULL) == 1;
	return have;
}
