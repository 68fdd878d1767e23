// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --listeners: reads bpf/listeners.bpf.h's maps, prints the listener view. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "feature.h"
#include "fmt.h"
#include "listeners_user.h"
#include "paths.h"
#include "tracer.h"
#include "sort.h"

#define SOCK_STREAM_TYPE	1
#define SOCK_SEQPACKET_TYPE	5

void listener_name(const struct listener_key *k, char *buf, size_t len)
{
	size_t n = 0, i;

	if (!len)
		return;
	if (k->name[0]) {
		/* A path, NUL-terminated by the kernel's rules (at most 108 bytes). */
		for (i = 0; i < UNIX_NAME_MAX && k->name[i] && n + 1 < len; i++)
			buf[n++] = k->name[i] < 0x20 || k->name[i] == 0x7f ?
				   '?' : k->name[i];
	} else {
		/* ss -x: the leading NUL and any other as '@'. */
		for (i = 0; i < k->len && i < UNIX_NAME_MAX && n + 1 < len; i++)
			buf[n++] = !k->name[i] ? '@' :
				   k->name[i] < 0x20 || k->name[i] == 0x7f ?
				   '?' : k->name[i];
	}
	buf[n] = '\0';
}

/* The BPF object serving connects, if it has the listener maps. */
static struct bpf_object *listeners_obj(const struct tracer *t)
{
	enum backend_kind k = t->choice[PATH_UNIX_CONNECT].backend;

	if (k >= NR_BACKENDS || !t->started[k])
		return NULL;
	return t->obj[k].bpf;
}

/* Is program @name of @obj loaded? */
static bool prog_loaded(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p && bpf_program__fd(p) >= 0;
}

/*
 * The listener's side is seen by the program that each backend loads
 * only where the kernel has what it needs (sk_data_ready, 6.3+, or
 * sock_def_readable for the function-level backends).
 */
bool listeners_queue_seen(const struct tracer *t)
{
	struct bpf_object *obj = listeners_obj(t);

	return obj && (prog_loaded(obj, "unix_connect_delivered") ||
		       prog_loaded(obj, "listener_wakeup") ||
		       prog_loaded(obj, "listener_readable"));
}

static void add_cpus(struct listener_stats *sum, const struct listener_stats *v,
		     int ncpus)
{
	memset(sum, 0, sizeof(*sum));
	for (int c = 0; c < ncpus; c++) {
		const struct listener_stats *s = &v[c];

		sum->queued += s->queued;
		sum->waited += s->waited;
		sum->wait_ns += s->wait_ns;
		sum->eagain += s->eagain;
		sum->refused += s->refused;
		if (s->max_wait_ns > sum->max_wait_ns)
			sum->max_wait_ns = s->max_wait_ns;
		if (s->max_queue > sum->max_queue)
			sum->max_queue = s->max_queue;
		if (s->seen_listener) {
			sum->seen_listener = 1;
			sum->backlog = s->backlog;
		}
		if (s->type)
			sum->type = s->type;
	}
}

/* Most refused first, then most waits, then by name. */
static int row_cmp(const void *a, const void *b)
{
	const struct listener_row *x = a, *y = b;
	__u64 rx = x->s.eagain + x->s.refused, ry = y->s.eagain + y->s.refused;

	if (rx != ry)
		return rx > ry ? -1 : 1;
	if (x->s.waited != y->s.waited)
		return x->s.waited > y->s.waited ? -1 : 1;
	return strcmp(x->name, y->name);
}

int listeners_read(const struct tracer *t, struct listener_table *out)
{
	struct bpf_object *obj = listeners_obj(t);
	struct listener_key key, next, *prev = NULL;
	int ncpus = libbpf_num_possible_cpus(), fd, lost_fd, err = 0;
	struct listener_stats *v;
	__u32 zero = 0;

	out->n = 0;
	out->lost = 0;
	out->queue_seen = listeners_queue_seen(t);
	/* The kprobe backend has no sched_switch program: no sleep time. */
	out->waits_seen = t->choice[PATH_UNIX_CONNECT].backend != BACKEND_KPROBE;
	if (!obj)
		return 0;
	fd = bpf_object__find_map_fd_by_name(obj, "listeners");
	lost_fd = bpf_object__find_map_fd_by_name(obj, "listeners_lost");
	if (fd < 0 || ncpus <= 0)
		return fd < 0 ? fd : ncpus;
	if (lost_fd >= 0)
		bpf_map_lookup_elem(lost_fd, &zero, &out->lost);
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (out->n < MAX_LISTENERS && !bpf_map_get_next_key(fd, prev, &next)) {
		struct listener_row *row = &out->rows[out->n];

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, v))
			continue;	/* gone since: never, but not ours to fail */
		listener_name(&key, row->name, sizeof(row->name));
		add_cpus(&row->s, v, ncpus);
		out->n++;
	}
	free(v);
	sort_rows(out->rows, out->n, sizeof(out->rows[0]), row_cmp);
	return err;
}

static const char *type_name(__u32 type)
{
	return type == SOCK_STREAM_TYPE ? "stream" :
	       type == SOCK_SEQPACKET_TYPE ? "seqpacket" : "-";
}

void out_listeners_table(FILE *f, const struct listener_table *lt)
{
	fprintf(f, "\nUDS listeners (since start; connects made by the traced processes):\n");
	fprintf(f, "%-32s %-9s %7s %9s %9s %7s %10s %10s %9s %12s\n",
		"LISTENER", "TYPE", "BACKLOG", "MAX_QUEUE", "QUEUED", "WAITED",
		"WAIT_TOTAL", "WAIT_MAX", "EAGAIN", "ECONNREFUSED");
	for (int i = 0; i < lt->n; i++) {
		const struct listener_row *r = &lt->rows[i];
		const struct listener_stats *s = &r->s;
		char backlog[FMT_LEN] = "-", maxq[FMT_LEN] = "-";
		char total[FMT_LEN] = "-", max[FMT_LEN] = "-";

		if (s->seen_listener) {
			snprintf(backlog, sizeof(backlog), "%u", s->backlog);
			snprintf(maxq, sizeof(maxq), "%u", s->max_queue);
		}
		char queued[FMT_LEN] = "-", waited[FMT_LEN] = "-";

		if (lt->queue_seen)
			snprintf(queued, sizeof(queued), "%llu", (unsigned long long)s->queued);
		if (lt->waits_seen)
			snprintf(waited, sizeof(waited), "%llu", (unsigned long long)s->waited);
		if (s->waited) {
			fmt_ns(total, sizeof(total), (double)s->wait_ns);
			fmt_ns(max, sizeof(max), (double)s->max_wait_ns);
		}
		fprintf(f, "%-32s %-9s %7s %9s %9s %7s %10s %10s %9llu %12llu\n",
			r->name, type_name(s->type), backlog, maxq, queued, waited,
			total, max, (unsigned long long)s->eagain,
			(unsigned long long)s->refused);
	}
	if (!lt->n)
		fprintf(f, "(no connect to a unix listener seen)\n");
	if (!lt->queue_seen)
		fprintf(f, "NOTE: BACKLOG, MAX_QUEUE and QUEUED are not seen here: the tracepoint backend needs sock:sk_data_ready (6.3+)\n");
	if (!lt->waits_seen)
		fprintf(f, "NOTE: the kprobe backend does not time sleeps: WAITED, WAIT_TOTAL and WAIT_MAX are not seen\n");
	if (lt->lost)
		fprintf(f, "WARNING: %llu connects not counted: more than %d listener names\n",
			(unsigned long long)lt->lost, MAX_LISTENERS);
}

void out_listeners_json(struct json *j, const struct listener_table *lt)
{
	json_u64(j, "listeners_lost", lt->lost);
	json_array_start(j, "listeners");
	for (int i = 0; i < lt->n; i++) {
		const struct listener_stats *s = &lt->rows[i].s;
		bool known = s->seen_listener;

		json_object_start(j, NULL);
		json_str(j, "name", lt->rows[i].name);
		if (s->type)
			json_str(j, "type", type_name(s->type));
		else
			json_null(j, "type");
		if (known) {
			json_u64(j, "backlog", s->backlog);
			json_u64(j, "max_queue", s->max_queue);
		} else {
			json_null(j, "backlog");
			json_null(j, "max_queue");
		}
		if (lt->queue_seen)
			json_u64(j, "queued", s->queued);
		else
			json_null(j, "queued");
		if (lt->waits_seen) {
			json_u64(j, "waited", s->waited);
			json_u64(j, "wait_ns", s->wait_ns);
			json_u64(j, "max_wait_ns", s->max_wait_ns);
		} else {
			json_null(j, "waited");
			json_null(j, "wait_ns");
			json_null(j, "max_wait_ns");
		}
		json_u64(j, "eagain", s->eagain);
		json_u64(j, "econnrefused", s->refused);
		json_object_end(j);
	}
	json_array_end(j);
}
