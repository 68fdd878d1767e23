// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* -S: the per-connection table and its JSON (user/conns.h has the rows). */
#include <string.h>
#include "conns.h"
#include "fmt.h"
#include "output.h"

static char *ns_or_dash(char *buf, size_t len, __u64 ns, bool known)
{
	if (!known)
		snprintf(buf, len, "-");
	else
		fmt_ns(buf, len, (double)ns);
	return buf;
}

static char *proc(char *buf, size_t len, __u32 tgid, const char *comm)
{
	if (!tgid)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%u/%.*s", tgid, CONN_COMM_LEN, comm);
	return buf;
}

/* on-CPU = kernel time less the time switched out. */
static __u64 oncpu(const struct conn_dir *d)
{
	__u64 off = d->blocked_ns + d->runq_ns;

	return d->ktime_ns > off ? d->ktime_ns - off : 0;
}

static void print_conn(FILE *f, const struct conn_table *t,
		       const struct conn_row *r)
{
	char local[CONN_NAME_LEN + 2], remote[64], owner[40], peer[40];
	char sends[FMT_LEN], sbytes[FMT_LEN], skt[FMT_LEN], scpu[FMT_LEN];
	char sblk[FMT_LEN], srq[FMT_LEN], recvs[FMT_LEN], rbytes[FMT_LEN];
	char rkt[FMT_LEN], rcpu[FMT_LEN], rblk[FMT_LEN], rrq[FMT_LEN];
	char wk[FMT_LEN], wavg[FMT_LEN], wmax[FMT_LEN];
	const struct conn_dir *s = &r->s.send, *v = &r->s.recv;

	conn_local(r, local, sizeof(local));
	conn_remote(r, remote, sizeof(remote));
	if (r->s.family == CONN_AF_UNIX)
		snprintf(local + strlen(local), sizeof(local) - strlen(local),
			 " %llu", (unsigned long long)r->s.ino);
	fmt_count(sends, sizeof(sends), s->calls);
	fmt_bytes(sbytes, sizeof(sbytes), s->bytes);
	fmt_count(recvs, sizeof(recvs), v->calls);
	fmt_bytes(rbytes, sizeof(rbytes), v->bytes);
	ns_or_dash(skt, sizeof(skt), s->ktime_ns, s->ktime_ns);
	ns_or_dash(rkt, sizeof(rkt), v->ktime_ns, v->ktime_ns);
	ns_or_dash(scpu, sizeof(scpu), oncpu(s), t->split && s->ktime_ns);
	ns_or_dash(sblk, sizeof(sblk), s->blocked_ns, t->split && s->ktime_ns);
	ns_or_dash(srq, sizeof(srq), s->runq_ns, t->split && s->ktime_ns);
	ns_or_dash(rcpu, sizeof(rcpu), oncpu(v), t->split && v->ktime_ns);
	ns_or_dash(rblk, sizeof(rblk), v->blocked_ns, t->split && v->ktime_ns);
	ns_or_dash(rrq, sizeof(rrq), v->runq_ns, t->split && v->ktime_ns);
	if (t->wakeups) {
		fmt_count(wk, sizeof(wk), r->s.wakeups);
		ns_or_dash(wavg, sizeof(wavg),
			   r->s.wakeups ? r->s.wakeup_ns / r->s.wakeups : 0,
			   r->s.wakeups);
		ns_or_dash(wmax, sizeof(wmax), r->s.wakeup_max_ns, r->s.wakeups);
	} else {
		strcpy(wk, "-");
		strcpy(wavg, "-");
		strcpy(wmax, "-");
	}
	fprintf(f, "%-4s %-28s %-24s %-20s %-20s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %7s %9s %9s\n",
		conn_proto(r), local, remote,
		proc(owner, sizeof(owner), r->s.owner_tgid, r->s.owner_comm),
		proc(peer, sizeof(peer), r->s.peer_tgid, r->s.peer_comm),
		sends, sbytes, skt, scpu, sblk, srq,
		recvs, rbytes, rkt, rcpu, rblk, rrq, wk, wavg, wmax);
}

void out_conns_table(FILE *f, const struct report *r)
{
	const struct conn_table *t = r->conns;
	/* --top N rows, largest kernel time first (0: a report made without it) */
	size_t top = r->top > 0 ? (size_t)r->top : 20;
	size_t shown = t->nr < top ? t->nr : top;

	fprintf(f, "\nCONNECTIONS: %zu sockets, by kernel time", t->nr);
	if (t->nr > shown)
		fprintf(f, ", first %zu (--top)", shown);
	fprintf(f, "; BACKPRESS: sends asleep waiting for buffer space\n");
	fprintf(f, "%-4s %-28s %-24s %-20s %-20s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %7s %9s %9s\n",
		"PROTO", "LOCAL", "PEER", "OWNER", "PEER PROCESS",
		"SENDS", "BYTES", "SEND KT", "ON-CPU", "BACKPRESS", "RUNQ",
		"RECVS", "BYTES", "RECV KT", "ON-CPU", "BLOCKED", "RUNQ",
		"WAKEUPS", "WAKE AVG", "WAKE MAX");
	for (size_t i = 0; i < shown; i++)
		print_conn(f, t, &t->rows[i]);
	if (t->nr > shown) {
		char c[FMT_LEN], k[FMT_LEN];
		__u64 calls = 0, kt = 0;

		for (size_t i = shown; i < t->nr; i++) {
			calls += t->rows[i].s.send.calls + t->rows[i].s.recv.calls;
			kt += conn_ktime(&t->rows[i]);
		}
		fmt_count(c, sizeof(c), calls);
		fmt_ns(k, sizeof(k), (double)kt);
		fprintf(f, "(%zu more sockets: %s calls, %s kernel time)\n",
			t->nr - shown, c, k);
	}
	if (!t->split)
		fprintf(f, "NOTE: ON-CPU, BACKPRESS, BLOCKED and RUNQ need sched_switch: not on the kprobe backend, nor with --counts-only\n");
	if (!t->wakeups)
		fprintf(f, "NOTE: wake-ups not measured: they need the fentry backend, or the tracepoint backend on 6.3+ (sock:sk_data_ready), and no --counts-only\n");
	if (t->evicted)
		fprintf(f, "WARNING: %llu sockets' rows were evicted from the per-connection map (%u rows): their counts are lost\n",
			(unsigned long long)t->evicted, t->max_rows);
}

static void json_dir(struct json *j, const char *key, const struct conn_dir *d,
		     bool split)
{
	json_object_start(j, key);
	json_u64(j, "calls", d->calls);
	json_u64(j, "bytes", d->bytes);
	json_u64(j, "ktime_ns", d->ktime_ns);
	json_u64(j, "timed", d->timed);
	if (split) {
		json_u64(j, "oncpu_ns", oncpu(d));
		json_u64(j, "blocked_ns", d->blocked_ns);
		json_u64(j, "runq_ns", d->runq_ns);
	} else {
		json_null(j, "oncpu_ns");
		json_null(j, "blocked_ns");
		json_null(j, "runq_ns");
	}
	json_object_end(j);
}

static void json_proc(struct json *j, const char *tgid_key, const char *comm_key,
		      __u32 tgid, const char *comm)
{
	char c[CONN_COMM_LEN + 1];

	if (!tgid) {
		json_null(j, tgid_key);
		json_null(j, comm_key);
		return;
	}
	snprintf(c, sizeof(c), "%.*s", CONN_COMM_LEN, comm);
	json_u64(j, tgid_key, tgid);
	json_str(j, comm_key, c);
}

static void json_conn(struct json *j, const struct conn_table *t,
		      const struct conn_row *r)
{
	char buf[CONN_NAME_LEN + 2];

	json_object_start(j, NULL);
	json_str(j, "proto", conn_proto(r));
	json_str(j, "local", conn_local(r, buf, sizeof(buf)));
	if (r->s.family == CONN_AF_UNIX) {
		json_u64(j, "inode", r->s.ino);
		json_u64(j, "peer_inode", r->s.peer_ino);
	} else {
		json_str(j, "peer", conn_remote(r, buf, sizeof(buf)));
	}
	json_proc(j, "tgid", "comm", r->s.owner_tgid, r->s.owner_comm);
	json_proc(j, "peer_tgid", "peer_comm", r->s.peer_tgid, r->s.peer_comm);
	json_dir(j, "send", &r->s.send, t->split);
	json_dir(j, "recv", &r->s.recv, t->split);
	if (t->wakeups) {
		json_u64(j, "wakeups", r->s.wakeups);
		json_u64(j, "wakeup_ns", r->s.wakeup_ns);
		json_u64(j, "wakeup_max_ns", r->s.wakeup_max_ns);
	} else {
		json_null(j, "wakeups");
		json_null(j, "wakeup_ns");
		json_null(j, "wakeup_max_ns");
	}
	json_object_end(j);
}

void out_conns_json(struct json *j, const struct report *r)
{
	const struct conn_table *t = r->conns;

	json_u64(j, "connections_evicted", t->evicted);
	json_array_start(j, "connections");
	for (size_t i = 0; i < t->nr; i++)
		json_conn(j, t, &t->rows[i]);
	json_array_end(j);
}
