// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "paths.h"
#include "udsprobe_proc.h"

/* Reads one path row's numbers after its name. */
static int parse_row(const char *line, struct path_stats *s)
{
	int off;

	if (sscanf(line, "%llu %llu %llu %llu %llu %llu%n",
		   (unsigned long long *)&s->calls, (unsigned long long *)&s->errors,
		   (unsigned long long *)&s->bytes, (unsigned long long *)&s->ktime_ns,
		   (unsigned long long *)&s->min_ns, (unsigned long long *)&s->max_ns,
		   &off) != 6)
		return -EINVAL;
	line += off;
	for (int i = 0; i < HIST_SLOTS; i++) {
		if (sscanf(line, "%llu%n", (unsigned long long *)&s->hist[i], &off) != 1)
			return -EINVAL;
		line += off;
	}
	s->timed = s->calls;	/* the module times every call it counts */
	return 0;
}

int udsprobe_parse(FILE *f, struct udsprobe_counters *out)
{
	char line[1024], name[64];
	bool header = false;
	int off;

	memset(out, 0, sizeof(*out));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "# udsprobe 1", 12)) {
			header = true;
			continue;
		}
		if (sscanf(line, "# tgid %ld", &out->tgid) == 1 || line[0] == '#')
			continue;
		if (sscanf(line, "missed %63s %n", name, &off) == 1) {
			unsigned long long n;

			if (sscanf(line + off, "%llu", &n) != 1)
				return -EINVAL;
			for (int p = 0; p < NR_PATHS; p++)
				if (!strcmp(name, path_info[p].func))
					out->missed[p] = n;
			continue;
		}
		if (sscanf(line, "%63s %n", name, &off) != 1)
			continue;
		for (int p = 0; p < NR_PATHS; p++)
			if (!strcmp(name, path_info[p].name) &&
			    parse_row(line + off, &out->path[p]))
				return -EINVAL;
	}
	return header ? 0 : -EINVAL;
}

int udsprobe_read(struct udsprobe_counters *out)
{
	FILE *f = fopen(UDSPROBE_PROC, "r");
	int err;

	if (!f)
		return -errno;
	err = udsprobe_parse(f, out);
	fclose(f);
	return err;
}
