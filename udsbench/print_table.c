// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The table for people: UDS and TCP side by side, one row per size. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "print.h"

#define NUM_LEN 32

/* 1234567.8 -> "1,234,568" (decimals 0) or "1,234,567.8" (decimals 1). */
static char *fmt_num(char *buf, double v, int decimals)
{
	char raw[NUM_LEN], *dot;
	int len, lead, o = 0;

	snprintf(raw, sizeof(raw), "%.*f", decimals, v);
	dot = strchr(raw, '.');
	len = dot ? (int)(dot - raw) : (int)strlen(raw);
	lead = len % 3 ? len % 3 : 3;
	for (int i = 0; i < len; i++) {
		if (i && (i - lead) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	snprintf(buf + o, NUM_LEN - o, "%s", dot ? dot : "");
	return buf;
}

static const struct row *find(const struct row *rows, int n, enum transport tr,
			      enum mode mode, size_t size)
{
	for (int i = 0; i < n; i++)
		if (rows[i].tr == tr && rows[i].mode == mode && rows[i].size == size)
			return &rows[i];
	return NULL;
}

/*
 * A header line of column groups: each title centered over its span of
 * columns (spans[i] wide, two spaces apart), after the SIZE column.
 */
static void print_groups(FILE *f, const char *const titles[3], const int spans[3])
{
	char line[128];
	int o = snprintf(line, sizeof(line), "%8s", "");

	for (int i = 0; i < 3; i++) {
		int len = (int)strlen(titles[i]), pad = (spans[i] - len) / 2;

		o += snprintf(line + o, sizeof(line) - o, "  %*s%s%*s", pad, "", titles[i],
			      spans[i] - len - pad, "");
	}
	while (o > 0 && line[o - 1] == ' ')
		line[--o] = 0;
	fprintf(f, "%s\n", line);
}

/* "2.10x", or "-" when a side is missing. */
static char *fmt_ratio(char *buf, double tcp, double uds, bool have)
{
	if (have && uds > 0)
		snprintf(buf, NUM_LEN, "%.2fx", tcp / uds);
	else
		snprintf(buf, NUM_LEN, "-");
	return buf;
}

static void print_banner(FILE *f, const struct config *cfg)
{
	struct utsname u;
	char n[NUM_LEN], cpus[NUM_LEN] = "not pinned";

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	if (cfg->cpu[SIDE_CLIENT] >= 0)
		snprintf(cpus, sizeof(cpus), "client %d, server %d",
			 cfg->cpu[SIDE_CLIENT], cfg->cpu[SIDE_SERVER]);
	fprintf(f, "udsbench: kernel %s, %ld CPUs, ", u.release, sysconf(_SC_NPROCESSORS_ONLN));
	if (cfg->count == NO_LIMIT)
		fprintf(f, "%g s per run\n", cfg->duration_s);
	else if (cfg->duration_s > 0)
		fprintf(f, "%s messages or %g s per run\n", fmt_num(n, (double)cfg->count, 0),
			cfg->duration_s);
	else
		fprintf(f, "%s messages per run\n", fmt_num(n, (double)cfg->count, 0));
	fprintf(f, "          server in a %s, UDS by %s, TCP_NODELAY %s, CPUs %s\n",
		cfg->threads ? "thread" : "child process",
		cfg->uds_setup == UDS_CONNECT ? "connect" : "socketpair", cfg->nodelay ? "on" : "off",
		cpus);
}

static void print_latency(FILE *f, const struct config *cfg, const struct row *rows, int n)
{
	char c[7][NUM_LEN];

	fprintf(f, "\nLATENCY, ping-pong: RTT is one round trip, one-way = RTT/2 (as ipc-bench)\n");
	print_groups(f, (const char *const[]){ "one-way mean (ns)", "RTT p50 (ns)", "RTT p99 (ns)" },
		     (const int[]){ 29, 21, 21 });
	fprintf(f, "%8s  %10s %10s %7s  %10s %10s  %10s %10s\n", "SIZE (B)",
		"UDS", "TCP", "TCP/UDS", "UDS", "TCP", "UDS", "TCP");
	for (int i = 0; i < cfg->nr_sizes; i++) {
		size_t size = cfg->sizes[i];
		const struct row *u = find(rows, n, TR_UDS, MODE_LATENCY, size);
		const struct row *t = find(rows, n, TR_TCP, MODE_LATENCY, size);

		fprintf(f, "%8zu  %10s %10s %7s  %10s %10s  %10s %10s\n", size,
			u ? fmt_num(c[0], u->rtt_mean_ns / 2, 0) : "-",
			t ? fmt_num(c[1], t->rtt_mean_ns / 2, 0) : "-",
			fmt_ratio(c[2], t ? t->rtt_mean_ns : 0, u ? u->rtt_mean_ns : 0, u && t),
			u ? fmt_num(c[3], (double)u->rtt_p50_ns, 0) : "-",
			t ? fmt_num(c[4], (double)t->rtt_p50_ns, 0) : "-",
			u ? fmt_num(c[5], (double)u->rtt_p99_ns, 0) : "-",
			t ? fmt_num(c[6], (double)t->rtt_p99_ns, 0) : "-");
	}
	fprintf(f, "TCP/UDS above 1: TCP takes longer\n");
}

static void print_throughput(FILE *f, const struct config *cfg, const struct row *rows, int n)
{
	char c[7][NUM_LEN];

	fprintf(f, "\nTHROUGHPUT, one way: MB/s = 10^6 bytes/s, Mb/s = 10^6 bits/s\n");
	print_groups(f, (const char *const[]){ "msgs/s", "MB/s", "Mb/s" },
		     (const int[]){ 31, 17, 21 });
	fprintf(f, "%8s  %11s %11s %7s  %8s %8s  %10s %10s\n", "SIZE (B)",
		"UDS", "TCP", "TCP/UDS", "UDS", "TCP", "UDS", "TCP");
	for (int i = 0; i < cfg->nr_sizes; i++) {
		size_t size = cfg->sizes[i];
		const struct row *u = find(rows, n, TR_UDS, MODE_THROUGHPUT, size);
		const struct row *t = find(rows, n, TR_TCP, MODE_THROUGHPUT, size);

		fprintf(f, "%8zu  %11s %11s %7s  %8s %8s  %10s %10s\n", size,
			u ? fmt_num(c[0], u->msgs_per_s, 0) : "-",
			t ? fmt_num(c[1], t->msgs_per_s, 0) : "-",
			fmt_ratio(c[2], t ? t->msgs_per_s : 0, u ? u->msgs_per_s : 0, u && t),
			u ? fmt_num(c[3], u->mbytes_per_s, 1) : "-",
			t ? fmt_num(c[4], t->mbytes_per_s, 1) : "-",
			u ? fmt_num(c[5], u->mbits_per_s, 0) : "-",
			t ? fmt_num(c[6], t->mbits_per_s, 0) : "-");
	}
	fprintf(f, "TCP/UDS below 1: TCP moves less\n");
}

void print_table(FILE *f, const struct config *cfg, const struct row *rows, int n)
{
	print_banner(f, cfg);
	if (cfg->mode[MODE_LATENCY])
		print_latency(f, cfg, rows, n);
	if (cfg->mode[MODE_THROUGHPUT])
		print_throughput(f, cfg, rows, n);
	fflush(f);
}
