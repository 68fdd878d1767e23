// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --dot FILE: the two send paths side by side as a Graphviz digraph, one
 * node per stage with its calls per send and average time.
 */
#include <errno.h>
#include <stdio.h>
#include "fmt.h"
#include "output.h"
#include "paths.h"
#include "stages_info.h"

static const struct {
	int row;
	const char *title;
} clusters[] = {
	{ PATH_UNIX_SEND, "AF_UNIX send" },
	{ PATH_TCP_LOOPBACK, "TCP send over 127.0.0.1" },
};

/* One node; its parent is the nearest earlier stage one level up. */
static void dot_stage(FILE *f, const struct report *r, int row,
		      const struct row_stage *rs, int i, const int *parent)
{
	const struct stage_choice *c = tracer_stage(r->tracer, row, rs->stage);
	const struct stage_info *info = &stage_info[rs->stage];
	const struct path_stats *p = &r->snap->path[row];
	const struct stage_stats *s = r->snap->stage[row][rs->stage];
	unsigned long long calls = s[CTX_TASK].calls + s[CTX_SOFTIRQ].calls;
	unsigned long long ns = s[CTX_TASK].ktime_ns + s[CTX_SOFTIRQ].ktime_ns;
	bool softirq = s[CTX_SOFTIRQ].calls > s[CTX_TASK].calls;
	char avg[FMT_LEN] = "";

	if (calls && ns)
		fmt_ns(avg, sizeof(avg), (double)ns / calls);
	fprintf(f, "    r%d_%d [label=\"%s\\n%s\\n", row, i,
		c->probed ? c->name : info->func ? info->func : info->label, info->label);
	if (c->probed)
		fprintf(f, "%.2f per send%s%s\"", p->calls ? (double)calls / p->calls : 0.0,
			avg[0] ? ", " : "", avg);
	else
		fprintf(f, "not probed\", style=dashed");
	if (softirq)
		fprintf(f, ", fillcolor=\"#fde7c8\", style=filled");
	fprintf(f, "];\n    r%d_%d -> r%d_%d;\n", row, parent[rs->depth - 1], row, i);
}

int out_dot(const char *path, const struct report *r)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "digraph udstrace {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n");
	for (size_t c = 0; c < sizeof(clusters) / sizeof(clusters[0]); c++) {
		int row = clusters[c].row, parent[16] = { 0 }, i = 1;
		const struct path_stats *p = &r->snap->path[row];
		char avg[FMT_LEN] = "-";

		if (p->timed)
			fmt_ns(avg, sizeof(avg), (double)p->ktime_ns / p->timed);
		fprintf(f, "  subgraph cluster_%d {\n    label=\"%s\";\n", row, clusters[c].title);
		fprintf(f, "    r%d_0 [label=\"%s\\n%llu calls, %s per call\", style=bold];\n",
			row, path_info[row].func, (unsigned long long)p->calls, avg);
		for (const struct row_stage *rs = row_stages[row]; rs->depth; rs++, i++) {
			dot_stage(f, r, row, rs, i, parent);
			if (rs->depth < 15)
				parent[rs->depth] = i;
		}
		fprintf(f, "  }\n");
	}
	fprintf(f, "}\n");
	return fclose(f) ? -errno : 0;
}
