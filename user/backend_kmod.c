// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kmod backend: the udsprobe kernel module (kmod/) counts with its own
 * kretprobes; udstrace reads /proc/udsprobe and reports what changed
 * since it started. It never loads the module itself, but points the
 * module's tgid filter at the target for the run and restores it after.
 *
 * The module's counters can go back to zero under a run: a reset (a new
 * generation in the file's header) or an unload and load (a new
 * instance). udstrace then keeps what it had counted up to its last read
 * and counts on from the new zero, so no total ever goes down, and says
 * so: the calls between that last read and the restart are lost.
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
	/* The module's counters where the current stretch of counting began. */
	struct udsprobe_counters base;
	struct udsprobe_counters last;	/* the last good read */
	/* What earlier stretches counted, before a reset or unload ended them. */
	struct path_stats carried[NR_PATHS];
	__u64 carried_missed[NR_PATHS];
	__u64 restarts;			/* resets and unloads seen */
	bool gone;			/* the module was not loaded at the last read */
	bool frozen;			/* reloaded, and its filter not ours: no more counts */
	long want;			/* the filter the run needs */
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

/* One line for a read that failed, the format's version named. */
static int read_counters(struct udsprobe_counters *c, char *why, size_t why_len)
{
	int err = udsprobe_read(c);

	if (err == -EPROTONOSUPPORT)
		snprintf(why, why_len, "%s is format %ld, this udstrace reads format %d: load the module built from the same tree (make kmod)",
			 udsprobe_path(), c->version, UDSPROBE_FORMAT);
	else if (err)
		snprintf(why, why_len, "reading %s failed: %s", udsprobe_path(),
			 strerror(-err));
	return err;
}

/*
 * Points the module's filter at st->want (0: every process) and takes the
 * baseline. A filter on a live process other than ours belongs to someone
 * else, another run perhaps, and is left alone; one on a process that has
 * ended is stale (a run that was killed) and is taken over.
 */
static int set_filter(struct kmod_state *st, char *why, size_t why_len)
{
	long now = st->base.tgid;
	int err;

	if (now == st->want)
		return 0;
	if (now && !process_exists(now)) {
		snprintf(why, why_len, "the module traces process %ld, which still runs (another udstrace?); echo 0 > %s to free it",
			 now, UDSPROBE_TGID);
		return -EBUSY;
	}
	err = write_tgid(st->want);
	if (err) {
		snprintf(why, why_len, "writing %ld to %s failed: %s", st->want,
			 UDSPROBE_TGID, strerror(-err));
		return err;
	}
	st->old_tgid = now;
	st->set = true;
	/* Count from the moment the filter is ours. */
	return read_counters(&st->base, why, why_len);
}

static int kmod_can_serve(enum ipc_path path, char *probe, size_t probe_len,
			  char *why, size_t why_len)
{
	/* The effective ids and capabilities decide, as for the open. */
	if (faccessat(AT_FDCWD, udsprobe_path(), R_OK, AT_EACCESS)) {
		int err = errno;

		if (err == ENOENT)
			snprintf(why, why_len, "%s absent (sudo insmod kmod/udsprobe.ko)",
				 udsprobe_path());
		else
			snprintf(why, why_len, "cannot read %s: %s (root's, mode 0600: needs uid 0 or CAP_DAC_READ_SEARCH)",
				 udsprobe_path(), strerror(err));
		return -err;
	}
	snprintf(probe, probe_len, "udsprobe module kretprobes via %s", udsprobe_path());
	return 0;
}

static int kmod_start(struct backend_obj *obj, const bool serve[NR_PATHS],
		      struct stage_choice *stages,
		      const struct target *t, int followed_fd,
		      char *why, size_t why_len)
{
	struct kmod_state *st = calloc(1, sizeof(*st));
	int err;

	if (!st)
		return -ENOMEM;
	obj->priv = st;
	obj->followed_fd = -1;
	st->want = t->mode == FILTER_ALL ? 0 : t->tgid;
	err = read_counters(&st->base, why, why_len);
	if (err)
		return err;
	/* The module compares tgids as the initial PID namespace numbers them. */
	if (st->want && t->pidns_ino) {
		snprintf(why, why_len, "the module numbers processes as the initial PID namespace does; run udstrace there");
		return -EINVAL;
	}
	err = set_filter(st, why, why_len);
	if (err)
		return err;
	st->last = st->base;
	if (t->mode == FILTER_FOLLOW)
		fprintf(stderr, "udstrace: kmod: the module counts the command (PID %d) only, not its children\n",
			t->tgid);
	return 0;
}

/* a - b, field by field, for the counters that only grow. */
static void stats_diff(struct path_stats *out, const struct path_stats *a,
		       const struct path_stats *b)
{
	out->calls = a->calls - b->calls;
	out->errors = a->errors - b->errors;
	out->bytes = a->bytes - b->bytes;
	out->ktime_ns = a->ktime_ns - b->ktime_ns;
	out->timed = a->timed - b->timed;
	for (int i = 0; i < HIST_SLOTS; i++)
		out->hist[i] = a->hist[i] - b->hist[i];
}

static void stats_add(struct path_stats *sum, const struct path_stats *s)
{
	sum->calls += s->calls;
	sum->errors += s->errors;
	sum->bytes += s->bytes;
	sum->ktime_ns += s->ktime_ns;
	sum->timed += s->timed;
	for (int i = 0; i < HIST_SLOTS; i++)
		sum->hist[i] += s->hist[i];
}

/* Ends the current stretch at the last read: its counts are carried. */
static void carry(struct kmod_state *st)
{
	struct path_stats d;

	for (int p = 0; p < NR_PATHS; p++) {
		stats_diff(&d, &st->last.path[p], &st->base.path[p]);
		stats_add(&st->carried[p], &d);
		st->carried_missed[p] += st->last.missed[p] - st->base.missed[p];
	}
	st->base = st->last;
}

/*
 * The module was loaded again: its counters start at zero, and its filter
 * is the one it was loaded with. With a filter of ours to set, the new
 * stretch starts once it is set.
 */
static void restart_loaded(struct kmod_state *st, const struct udsprobe_counters *now)
{
	char why[REASON_LEN];
	int err;

	memset(&st->base, 0, sizeof(st->base));
	st->base.version = now->version;
	st->base.instance = now->instance;
	st->base.generation = now->generation;
	st->base.tgid = now->tgid;
	st->set = false;
	err = set_filter(st, why, sizeof(why));
	st->last = st->base;
	if (err) {
		/* Its counts would be another process's: keep what we have. */
		fprintf(stderr, "udstrace: kmod: %s; no more calls are counted in this run\n",
			why);
		st->frozen = true;
	}
}

/* Reads the module, and notices a reset, an unload or a load since the last read. */
static int refresh(struct kmod_state *st)
{
	struct udsprobe_counters now;
	char why[REASON_LEN];
	int err;

	if (st->frozen)
		return 0;
	err = read_counters(&now, why, sizeof(why));
	/* The file is gone, or went while we read it. */
	if (err == -ENOENT || err == -EIO) {
		if (!st->gone) {
			carry(st);
			st->gone = true;
			st->restarts++;
			fprintf(stderr, "udstrace: kmod: the module was unloaded; its calls since udstrace's last read are lost, and none are counted until it is loaded again\n");
		}
		return 0;
	}
	if (err) {
		fprintf(stderr, "udstrace: kmod: %s\n", why);
		return err;
	}
	if (now.instance != st->base.instance) {
		if (!st->gone) {
			carry(st);
			st->restarts++;
		}
		fprintf(stderr, "udstrace: kmod: the module was %sloaded again; its calls between udstrace's last read and the load are lost, counting goes on from the load\n",
			st->gone ? "" : "unloaded and ");
		st->gone = false;
		restart_loaded(st, &now);
		if (st->set || st->frozen)
			return 0;	/* the baseline is the read after the filter */
	} else if (now.generation != st->base.generation) {
		carry(st);
		st->restarts++;
		fprintf(stderr, "udstrace: kmod: the module's counters were reset; its calls between udstrace's last read and the reset are lost, counting goes on from the reset\n");
		/* A reset zeroes the rows but not the misses. */
		memset(st->base.path, 0, sizeof(st->base.path));
		st->base.generation = now.generation;
	}
	st->last = now;
	return 0;
}

static int kmod_read(struct backend_obj *obj, enum ipc_path path,
		     struct path_stats *out, bool interval)
{
	struct kmod_state *st = obj->priv;
	const struct path_stats *b = &st->base.path[path], *s = &st->last.path[path];

	/* As of the last refresh(): tracer_read() polls once per snapshot. */
	stats_diff(out, s, b);
	stats_add(out, &st->carried[path]);
	/*
	 * The module's extremes are since its load or reset: the run's only
	 * when it had counted none of this row before the run did, nor has
	 * restarted since. An interval's are never known.
	 */
	if (!b->calls && !st->carried[path].calls && !interval) {
		out->min_ns = s->min_ns;
		out->max_ns = s->max_ns;
	} else if (out->calls) {
		out->min_ns = out->max_ns = NS_UNKNOWN;
	}
	return 0;
}

static __u64 kmod_missed(struct backend_obj *obj, enum ipc_path path)
{
	struct kmod_state *st = obj->priv;

	return st->carried_missed[path] + st->last.missed[path] - st->base.missed[path];
}

static int kmod_poll(struct backend_obj *obj)
{
	return refresh(obj->priv);
}

static __u64 kmod_restarts(struct backend_obj *obj)
{
	return ((struct kmod_state *)obj->priv)->restarts;
}

static void kmod_stop(struct backend_obj *obj)
{
	struct kmod_state *st = obj->priv;
	int err;

	/* An unloaded module took its filter with it. */
	if (st && st->set && !st->gone) {
		err = write_tgid(st->old_tgid);
		if (err && err != -ENOENT)
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
	.restarts = kmod_restarts,
	.poll = kmod_poll,
	.stop = kmod_stop,
};
