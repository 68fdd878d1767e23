// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* -S: the per-socket rows of every BPF backend, read and paired (conns.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "conns.h"
#include "tracer.h"
#include "sort.h"

static void dir_add(struct conn_dir *sum, const struct conn_dir *d)
{
	sum->calls += d->calls;
	sum->bytes += d->bytes;
	sum->ktime_ns += d->ktime_ns;
	sum->timed += d->timed;
	sum->blocked_ns += d->blocked_ns;
	sum->runq_ns += d->runq_ns;
}

/* @v's counters into @r, which has the same socket from another backend. */
static void row_merge(struct conn_row *r, const struct conn_stats *v)
{
	dir_add(&r->s.send, &v->send);
	dir_add(&r->s.recv, &v->recv);
	r->s.wakeups += v->wakeups;
	r->s.wakeup_ns += v->wakeup_ns;
	if (v->wakeup_max_ns > r->s.wakeup_max_ns)
		r->s.wakeup_max_ns = v->wakeup_max_ns;
}

/* The row of @sk among the first @nr (an earlier backend's), or NULL. */
static struct conn_row *row_find(struct conn_table *out, size_t nr, __u64 sk)
{
	for (size_t i = 0; i < nr; i++)
		if (out->rows[i].sk == sk)
			return &out->rows[i];
	return NULL;
}

/* Appends the rows of one object's map; @nr_rows: what it held. */
static int read_map(int fd, struct conn_table *out, size_t *nr_rows)
{
	__u64 key, next, *prev = NULL;
	size_t cap = out->nr, earlier = out->nr;
	struct conn_row *same;
	struct conn_stats v;

	*nr_rows = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;	/* evicted meanwhile */
		(*nr_rows)++;
		same = row_find(out, earlier, key);
		if (same) {
			row_merge(same, &v);
			continue;
		}
		if (out->nr == cap) {
			struct conn_row *rows;

			cap = cap ? 2 * cap : 64;
			rows = realloc(out->rows, cap * sizeof(*rows));
			if (!rows)
				return -ENOMEM;
			out->rows = rows;
		}
		memset(&out->rows[out->nr], 0, sizeof(out->rows[0]));
		out->rows[out->nr].sk = key;
		out->rows[out->nr].s = v;
		out->nr++;
	}
	return 0;
}

static bool same_addr(const struct conn_row *a, const __u8 *addr)
{
	size_t n = a->s.family == CONN_AF_INET ? 4 : 16;

	return !memcmp(a->s.saddr, addr, n);
}

/*
 * TCP: the peer process is the owner of the row whose 4-tuple is this
 * one reversed, the other end of a connection on this host.
 */
static void pair_tcp(struct conn_table *out)
{
	for (size_t i = 0; i < out->nr; i++) {
		struct conn_row *r = &out->rows[i];

		if (r->s.family == CONN_AF_UNIX || !r->s.dport)
			continue;
		for (size_t j = 0; j < out->nr; j++) {
			const struct conn_row *p = &out->rows[j];

			if (j == i || p->s.family != r->s.family ||
			    p->s.sport != r->s.dport || p->s.dport != r->s.sport ||
			    !same_addr(p, r->s.daddr) || !same_addr(r, p->s.daddr))
				continue;
			r->loopback = true;
			r->s.peer_tgid = p->s.owner_tgid;
			memcpy(r->s.peer_comm, p->s.owner_comm, sizeof(r->s.peer_comm));
			break;
		}
	}
}

static int by_sk(const void *a, const void *b)
{
	const struct conn_row *x = a, *y = b;

	return x->sk < y->sk ? -1 : x->sk > y->sk;
}

/*
 * AF_UNIX: the peer's row, by the kernel's peer link, gives what the
 * socket's own row may have missed (a peer not accepted yet when it was
 * read: inode 0), and its owner is the peer process: sk_peer_pid names
 * who called listen(), which a server that forks after listen() is not.
 */
static void pair_unix(struct conn_table *out)
{
	for (size_t i = 0; i < out->nr; i++) {
		struct conn_row *r = &out->rows[i];
		const struct conn_row *p;

		if (r->s.family != CONN_AF_UNIX || !r->s.peer_sk)
			continue;
		p = find_row(&(struct conn_row){ .sk = r->s.peer_sk }, out->rows,
			     out->nr, sizeof(out->rows[0]), by_sk);
		if (!p)
			continue;
		if (!r->s.peer_ino)
			r->s.peer_ino = p->s.ino;
		if (p->s.owner_tgid) {
			r->s.peer_tgid = p->s.owner_tgid;
			memcpy(r->s.peer_comm, p->s.owner_comm, sizeof(r->s.peer_comm));
		}
	}
}

static int by_ktime(const void *a, const void *b)
{
	const struct conn_row *x = a, *y = b;
	__u64 kx = conn_ktime(x), ky = conn_ktime(y);
	__u64 cx = x->s.send.calls + x->s.recv.calls;
	__u64 cy = y->s.send.calls + y->s.recv.calls;

	if (kx != ky)
		return kx > ky ? -1 : 1;
	if (cx != cy)
		return cx > cy ? -1 : 1;
	return x->sk < y->sk ? -1 : x->sk > y->sk;
}

int conns_read(const struct tracer *t, struct conn_table *out)
{
	bool any = false;
	int err;

	memset(out, 0, sizeof(*out));
	out->split = out->wakeups = true;
	for (int k = 0; k < NR_BACKENDS; k++) {
		const struct backend_obj *o = &t->obj[k];
		size_t nr_rows;

		if (!t->started[k] || o->conns_fd < 0 || !o->conns_created)
			continue;
		any = true;
		out->max_rows = o->conns_max;
		out->split &= o->conns_split;
		out->wakeups &= o->conns_wake;
		err = read_map(o->conns_fd, out, &nr_rows);
		if (err) {
			conns_free(out);
			return err;
		}
		if (*o->conns_created > nr_rows)
			out->evicted += *o->conns_created - nr_rows;
	}
	if (!any)
		out->split = out->wakeups = false;
	pair_tcp(out);
	/* By key, to find peers; then by kernel time. */
	sort_rows(out->rows, out->nr, sizeof(out->rows[0]), by_sk);
	pair_unix(out);
	sort_rows(out->rows, out->nr, sizeof(out->rows[0]), by_ktime);
	return 0;
}

void conns_free(struct conn_table *out)
{
	free(out->rows);
	out->rows = NULL;
	out->nr = 0;
}

const char *conn_proto(const struct conn_row *r)
{
	switch (r->s.family) {
	case CONN_AF_UNIX:
		return "unix";
	case CONN_AF_INET:
		return "tcp";
	default:
		return "tcp6";
	}
}

static char *addr_port(int family, const __u8 *addr, __u16 port, char *buf,
		       size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family == CONN_AF_INET ? AF_INET : AF_INET6, addr, a, sizeof(a));
	snprintf(buf, len, family == CONN_AF_INET ? "%s:%u" : "[%s]:%u", a, port);
	return buf;
}

char *conn_local(const struct conn_row *r, char *buf, size_t len)
{
	size_t n = r->s.name_len, i;

	if (r->s.family != CONN_AF_UNIX)
		return addr_port(r->s.family, r->s.saddr, r->s.sport, buf, len);
	if (!n) {
		snprintf(buf, len, "*");
		return buf;
	}
	/* A path ends at its NUL; an abstract name has all n bytes, NULs as @. */
	if (r->s.name[0])
		n = strnlen(r->s.name, n);
	if (n >= len)
		n = len - 1;
	for (i = 0; i < n; i++)
		buf[i] = r->s.name[i] ? r->s.name[i] : '@';
	buf[i] = '\0';
	return buf;
}

char *conn_remote(const struct conn_row *r, char *buf, size_t len)
{
	if (r->s.family != CONN_AF_UNIX)
		return addr_port(r->s.family, r->s.daddr, r->s.dport, buf, len);
	snprintf(buf, len, "* %llu", (unsigned long long)r->s.peer_ino);
	return buf;
}
