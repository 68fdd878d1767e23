// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kmod backend: the udsprobe kernel module (kmod/) counts with its own
 * kretprobes; udstrace reads /proc/udsprobe and reports what changed
 * since it started. It never loads the module itself, but points the
 * module's tgid filter at the target for the run and restores it after.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backend.h"
#include "snapshot.h"
#include "system.h"
#include "target.h"
#include "udsprobe_proc.h"

#define UDSPROBE_TGID "/sys/module/udsprobe/parameters/tgid"

struct kmod_state {
	struct udsprobe_counters base;	/* at start: the run counts from here */
	long old_tgid;			/* the filter before the run */
	bool set;			/* we changed it: restore at stop */
};

static int write_tgid(long tgid)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", tgid);
	int fd = open(UDSPROBE_TGID, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	close(fd);
	return n == len ? 0 : n < 0 ? -errno : -EIO;
}

/*
 * Points the module's filter at @want (0: every process). A filter on a
 * live process other than ours belongs to someone else, another run
 * perhaps, and is left alone; one on a process that has ended is stale
 * (a run that was killed) and is taken over.
 */
static int set_filter(struct kmod_state *st, long want, char *why, size_t why_len)
{
	long now = st->base.tgid;
	int err;

	if (now == want)
		return 0;
	if (now && !process_exists(now)) {
		snprintf(why, why_len, "the module traces process %ld, which still runs (another udstrace?); echo 0 > %s to free it",
			 now, UDSPROBE_TGID);
		return -EBUSY;
	}
	err = write_tgid(want);
	if (err) {
		snprintf(why, why_len, "writing %ld to %s failed: %s", want,
			 UDSPROBE_TGID, strerror(-err));
		return err;
	}
	st->old_tgid = now;
	st->set = true;
	/* Count from the moment the filter is ours. */
	err = udsprobe_read(&st->base);
	if (err)
		snprintf(why, why_len, "reading %s failed: %s", UDSPROBE_PROC,
			 strerror(-err));
	return err;
}

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
		      struct stage_choice *stages,
		      const struct target *t, int followed_fd,
		      char *why, size_t why_len)
{
	struct kmod_state *st = calloc(1, sizeof(*st));
	long want = t->mode == FILTER_ALL ? 0 : t->tgid;
	int err;

	if (!st)
		return -ENOMEM;
	obj->priv = st;
	obj->followed_fd = -1;
	err = udsprobe_read(&st->base);
	if (err) {
		snprintf(why, why_len, "reading %s failed: %s", UDSPROBE_PROC,
			 strerror(-err));
		return err;
	}
	/* The module compares tgids as the initial PID namespace numbers them. */
	if (want && t->pidns_ino) {
		snprintf(why, why_len, "the module numbers processes as the initial PID namespace does; run udstrace there");
		return -EINVAL;
	}
	err = set_filter(st, want, why, why_len);
	if (err)
		return err;
	if (t->mode == FILTER_FOLLOW)
		fprintf(stderr, "udstrace: kmod: the module counts the command (PID %d) only, not its children\n",
			t->tgid);
	return 0;
}

static int kmod_read(struct backend_obj *obj, enum ipc_path path,
		     struct path_stats *out, bool interval)
{
	const struct path_stats *b = &((struct kmod_state *)obj->priv)->base.path[path];
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
	struct kmod_state *st = obj->priv;
	struct udsprobe_counters now;

	if (udsprobe_read(&now))
		return 0;
	return now.missed[path] - st->base.missed[path];
}

static void kmod_stop(struct backend_obj *obj)
{
	struct kmod_state *st = obj->priv;
	int err;

	if (st && st->set) {
		err = write_tgid(st->old_tgid);
		if (err)
			fprintf(stderr, "udstrace: kmod: restoring %ld in %s failed: %s\n",
				st->old_tgid, UDSPROBE_TGID, strerror(-err));
	}
	free(st);
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
