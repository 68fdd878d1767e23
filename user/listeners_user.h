/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --listeners: the per-listener backpressure counters (bpf/listeners.bpf.h),
 * read from the kernel, and their table and JSON.
 */
#ifndef UDSTRACE_LISTENERS_USER_H
#define UDSTRACE_LISTENERS_USER_H

#include <stdbool.h>
#include <stdio.h>
#include "json.h"
#include "listeners.h"

struct tracer;

/* '@' and the name, as ss -x shows it; room for every byte and a NUL. */
#define LISTENER_NAME_LEN (UNIX_NAME_MAX + 2)

struct listener_row {
	char name[LISTENER_NAME_LEN];
	struct listener_stats s;	/* summed over the CPUs */
};

struct listener_table {
	struct listener_row rows[MAX_LISTENERS];
	int n;
	__u64 lost;		/* not counted: the map was full */
	bool queue_seen;	/* the backend sees connects queued (backlog, queue) */
	bool waits_seen;	/* and how long connects sleep (not kprobe) */
};

/* A key's name as ss -x shows it: a path, or '@' and the abstract name. */
void listener_name(const struct listener_key *k, char *buf, size_t len);
/*
 * Reads the counters since start from the backend serving connects,
 * sorted: most refused first, then most waits, then by name. -errno.
 */
int listeners_read(const struct tracer *t, struct listener_table *out);
/* Does the backend serving connects see them queued (sk_data_ready)? */
bool listeners_queue_seen(const struct tracer *t);
void out_listeners_table(FILE *f, const struct listener_table *lt);
void out_listeners_json(struct json *j, const struct listener_table *lt);

#endif /* UDSTRACE_LISTENERS_USER_H */
