// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kmod backend: the udsprobe kernel module (kmod/) counts with its own
 * kretprobes; udstrace only reads /proc/udsprobe and reports what changed
 * since it started. It never loads the module itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backend.h"
#include "snapshot.h"
#include "target.h"
#include "udsprobe_proc.h"

static int kmod_can_serve(enum ipc_path path, char *probe, size_t probe_len,
			  char *why, size_t why_len)
{
	/* The effective ids and capabilities decide, as for the open. */
	if (faccessat(AT_FDCWD, UDSPROBE_PROC, R_OK, AT_EACCESS)) {
		int err = errno;

		if (err == ENOENT)
			snprintf(why, why_len, "%s absent (sudo insmod kmod/udsprobe.ko)",
				 UDSPROBE_PROC);
		else
			snprintf(why, why_len, "cannot read %s: %s (root's, mode 0600: needs uid 0 or CAP_DAC_READ_SEARCH)",
				 UDSPROBE_PROC, strerror(err));
		return -err;
	}
	snprintf(probe, probe_len, "udsprobe module kretprobes via %s", UDSPROBE_PROC);
	return 0;
}

static int kmod_start(struct backend_obj *obj, const bool serve[NR_PATHS],
		      const struct stage_choice *stages,
		      const struct target *t, int followed_fd,
		      char *why, size_t why_len)
{
	struct udsprobe_counters *base = calloc(1, sizeof(*base));
	int err;

	if (!base)
		return -ENOMEM;
	obj->priv = base;
	err = udsprobe_read(base);
	if (err) {
		snprintf(why, why_len, "reading %s failed: %s", UDSPROBE_PROC,
			 strerror(-err));
		return err;
	}
	/* The module filters by its own parameter; it cannot follow forks. */
	if (t->mode == FILTER_FOLLOW) {
		snprintf(why, why_len, "the module cannot follow a command; use -p with /sys/module/udsprobe/parameters/tgid");
		return -EINVAL;
	}
	if (t->mode == FILTER_TGID && base->tgid != t->tgid) {
		snprintf(why, why_len, "the module traces tgid %ld, not %d (echo %d > /sys/module/udsprobe/parameters/tgid)",
			 base->tgid, t->tgid, t->tgid);
		return -EINVAL;
	}
	if (t->mode == FILTER_ALL && base->tgid) {
		snprintf(why, why_len, "the module traces only tgid %ld (-p %ld, or echo 0 > /sys/module/udsprobe/parameters/tgid)",
			 base->tgid, base->tgid);
		return -EINVAL;
	}
	obj->followed_fd = -1;
	return 0;
}

static int kmod_read(struct backend_obj *obj, enum ipc_path path,
		     struct path_stats *out, bool interval)
{
	const struct path_stats *b = &((struct udsprobe_counters *)obj->priv)->path[path];
	struct udsprobe_counters now;
	struct path_stats *s = &now.path[path];
	int err = udsprobe_read(&now);

	if (err)
		return err;
	out->calls = s->calls - b->calls;
	out->errors = s->errors - b->errors;
	out->bytes = s->bytes - b->bytes;
	out->ktime_ns = s->ktime_ns - b->ktime_ns;
	out->timed = s->timed - b->timed;
	for (int i = 0; i < HIST_SLOTS; i++)
		out->hist[i] = s->hist[i] - b->hist[i];
	/* The module's extremes are since load or reset: ours only if it was idle. */
	if (!b->calls && !interval) {
		out->min_ns = s->min_ns;
		out->max_ns = s->max_ns;
	}
	return 0;
}

static __u64 kmod_missed(struct backend_obj *obj, enum ipc_path path)
{
	struct udsprobe_counters *base = obj->priv, now;

	if (udsprobe_read(&now))
		return 0;
	return now.missed[path] - base->missed[path];
}

static void kmod_stop(struct backend_obj *obj)
{
	free(obj->priv);
	obj->priv = NULL;
}

const struct backend_ops kmod_backend = {
	.name = "kmod",
	.time_scope = "function",
	.can_serve = kmod_can_serve,
	.start = kmod_start,
	.read = kmod_read,
	.missed = kmod_missed,
	.stop = kmod_stop,
};
