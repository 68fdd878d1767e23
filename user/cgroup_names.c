// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --by-cgroup: cgroup v2 ids to paths, by a walk of the cgroup2 tree. */
#include <ftw.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cgroup_names.h"

/* A cgroup tree deeper than this is not walked further. */
#define WALK_FDS 32

struct cg {
	__u64 id;
	char *name;
};

static struct cg *cgs;
static size_t nr_cgs, cap_cgs;
static char mnt[PATH_MAX];
static size_t mnt_len;
static unsigned long long last_walk_ns;

unsigned long long cgroup_names_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The first cgroup2 mount in /proc/self/mountinfo, or "" if none. */
static const char *cgroup2_mount(void)
{
	char line[4096], point[PATH_MAX], *dash;
	FILE *f;

	if (mnt[0])
		return mnt;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return mnt;
	while (fgets(line, sizeof(line), f)) {
		dash = strstr(line, " - ");
		if (!dash || strncmp(dash + 3, "cgroup2 ", 8))
			continue;
		/* id parent major:minor root mountpoint ...; no spaces escaped here */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
		    strlen(point) < sizeof(mnt)) {
			strcpy(mnt, point);
			mnt_len = strlen(mnt);
			break;
		}
	}
	fclose(f);
	return mnt;
}

static struct cg *find(__u64 id)
{
	for (size_t i = 0; i < nr_cgs; i++)
		if (cgs[i].id == id)
			return &cgs[i];
	return NULL;
}

static int add(__u64 id, const char *name)
{
	struct cg *c = find(id);

	if (c)
		return 0;
	if (nr_cgs == cap_cgs) {
		size_t cap = cap_cgs ? 2 * cap_cgs : 64;
		struct cg *n = realloc(cgs, cap * sizeof(*n));

		if (!n)
			return -1;
		cgs = n;
		cap_cgs = cap;
	}
	cgs[nr_cgs].name = strdup(name);
	if (!cgs[nr_cgs].name)
		return -1;
	cgs[nr_cgs++].id = id;
	return 0;
}

/* A path under the mount as a name: "/" for the mount itself. */
static const char *relative(const char *path)
{
	const char *rel = path + mnt_len;

	return *rel ? rel : "/";
}

static int visit(const char *path, const struct stat *st, int type,
		 struct FTW *ftw)
{
	if (type != FTW_D)
		return 0;
	return add(st->st_ino, relative(path)) ? FTW_STOP : 0;
}

static void walk(void)
{
	if (!cgroup2_mount()[0])
		return;
	last_walk_ns = cgroup_names_now();
	nftw(mnt, visit, WALK_FDS, FTW_PHYS | FTW_MOUNT);
}

const char *cgroup_name(__u64 id, unsigned long long seen_ns)
{
	char gone[64];
	struct cg *c = find(id);

	if (c)
		return c->name;
	if (last_walk_ns <= seen_ns) {
		walk();
		c = find(id);
		if (c)
			return c->name;
	}
	/*
	 * Not there in a walk made after it was seen: removed since (ids are
	 * never reused), and named so for good.
	 */
	if (last_walk_ns <= seen_ns)
		return NULL;
	snprintf(gone, sizeof(gone), "(removed cgroup %llu)", (unsigned long long)id);
	if (add(id, gone))
		return NULL;
	return find(id)->name;
}

char *cgroup_name_of_dir(const char *path)
{
	char real[PATH_MAX];

	if (!cgroup2_mount()[0] || !realpath(path, real))
		return NULL;
	if (strncmp(real, mnt, mnt_len) || (real[mnt_len] && real[mnt_len] != '/'))
		return NULL;
	return strdup(relative(real));
}
