// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
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

/* What a whole file must have had; a part missing would read as zeros. */
struct seen {
	bool instance, generation, row[NR_PATHS], missed[NR_PATHS];
};

static int parse_missed(const char *line, struct udsprobe_counters *out,
			struct seen *seen)
{
	unsigned long long n;
	char name[64];

	if (sscanf(line, "missed %63s %llu", name, &n) != 2)
		return -EINVAL;
	/*
	 * Both TCP rows share their function's probe, and so its misses. A
	 * row's misses are its function's plus its extra function's, whose
	 * line is there only where the kernel has it (user/paths.c).
	 */
	for (int p = 0; p < NR_PATHS; p++) {
		if (!strcmp(name, path_info[p].func)) {
			out->missed[p] += n;
			seen->missed[p] = true;
		} else if (path_info[p].extra_func &&
			   !strcmp(name, path_info[p].extra_func)) {
			out->missed[p] += n;
		}
	}
	return 0;
}

/* "@prefix<decimal>": the number into @v. */
static bool header_u64(const char *line, const char *prefix, __u64 *v)
{
	size_t n = strlen(prefix);

	return !strncmp(line, prefix, n) && isdigit((unsigned char)line[n]) &&
	       sscanf(line + n, "%llu", (unsigned long long *)v) == 1;
}

static int parse_line(const char *line, struct udsprobe_counters *out,
		      struct seen *seen)
{
	char name[64];
	int off;

	if (header_u64(line, "# instance ", &out->instance))
		seen->instance = true;
	else if (header_u64(line, "# generation ", &out->generation))
		seen->generation = true;
	else if (sscanf(line, "# tgid %ld", &out->tgid) == 1 || line[0] == '#')
		return 0;
	else if (!strncmp(line, "missed ", 7))
		return parse_missed(line, out, seen);
	else if (sscanf(line, "%63s %n", name, &off) == 1)
		/* A row this udstrace does not know is left alone. */
		for (int p = 0; p < NR_PATHS; p++) {
			if (strcmp(name, path_info[p].name))
				continue;
			if (seen->row[p] || parse_row(line + off, &out->path[p]))
				return -EINVAL;
			seen->row[p] = true;
		}
	return 0;
}

int udsprobe_parse(FILE *f, struct udsprobe_counters *out)
{
	struct seen seen = {};
	char line[1024];
	int n;

	memset(out, 0, sizeof(*out));
	if (!fgets(line, sizeof(line), f) || strncmp(line, "# udsprobe ", 11) ||
	    !isdigit((unsigned char)line[11]) ||
	    sscanf(line + 11, "%ld%n", &out->version, &n) != 1 || line[11 + n] != '\n')
		return -EINVAL;
	if (out->version != UDSPROBE_FORMAT)
		return -EPROTONOSUPPORT;
	while (fgets(line, sizeof(line), f))
		if (parse_line(line, out, &seen))
			return -EINVAL;
	if (!seen.instance || !seen.generation)
		return -EINVAL;
	for (int p = 0; p < NR_PATHS; p++)
		if (!seen.row[p] || !seen.missed[p])
			return -EINVAL;
	return 0;
}

/*
 * The tests put a file of their own in the module's place, to drive the
 * kmod backend through resets and reloads on a host that cannot load it.
 */
const char *udsprobe_path(void)
{
	return secure_getenv("UDSTRACE_UDSPROBE_PROC") ?: UDSPROBE_PROC;
}

int udsprobe_read(struct udsprobe_counters *out)
{
	FILE *f = fopen(udsprobe_path(), "r");
	int err;

	if (!f)
		return -errno;
	err = udsprobe_parse(f, out);
	/* A read of a file the module removed under us fails with EIO. */
	if (ferror(f))
		err = -EIO;
	fclose(f);
	return err;
}
