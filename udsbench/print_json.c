// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* NDJSON output, schema udsbench/1. Every key is documented in README.md. */
#include "print.h"

static void print_row(FILE *f, const struct config *cfg, const struct row *r)
{
	unsigned long long rtt = (unsigned long long)(r->rtt_mean_ns + 0.5);

	fprintf(f, "{\"schema\":\"udsbench/1\",\"transport\":\"%s\",\"mode\":\"%s\","
		"\"size\":%zu,\"count\":%llu,\"setup\":\"%s\",\"nodelay\":%s,\"sides\":\"%s\",",
		transport_name[r->tr], mode_name[r->mode], r->size, (unsigned long long)r->count,
		setup_name(cfg, r->tr),
		r->tr != TR_TCP ? "null" : cfg->nodelay ? "true" : "false",
		cfg->threads ? "threads" : "procs");
	if (cfg->cpu[SIDE_CLIENT] >= 0)
		fprintf(f, "\"cpus\":[%d,%d],", cfg->cpu[SIDE_CLIENT], cfg->cpu[SIDE_SERVER]);
	else
		fprintf(f, "\"cpus\":null,");
	fprintf(f, "\"connects\":%llu,\"send_calls\":%llu,\"bytes_sent\":%llu,"
		"\"recv_calls\":%llu,\"bytes_received\":%llu,\"elapsed_ns\":%llu,",
		(unsigned long long)r->connects, (unsigned long long)r->send_calls,
		(unsigned long long)r->bytes_sent, (unsigned long long)r->recv_calls,
		(unsigned long long)r->bytes_received, (unsigned long long)r->elapsed_ns);
	/* Whole ns, and one-way exactly half of the printed RTT. */
	if (r->mode == MODE_LATENCY)
		fprintf(f, "\"rtt_ns_mean\":%llu,\"one_way_ns_mean\":%.1f,\"p50_ns\":%llu,\"p99_ns\":%llu,"
			"\"rtt_p50_ns\":%llu,\"rtt_p99_ns\":%llu}\n",
			rtt, (double)rtt / 2,
			(unsigned long long)r->rtt_p50_ns, (unsigned long long)r->rtt_p99_ns,
			(unsigned long long)r->rtt_p50_ns, (unsigned long long)r->rtt_p99_ns);
	else
		fprintf(f, "\"msgs_per_s\":%.1f,\"mbytes_per_s\":%.3f,\"mbits_per_s\":%.3f}\n",
			r->msgs_per_s, r->mbytes_per_s, r->mbits_per_s);
}

void print_json(FILE *f, const struct config *cfg, const struct row *rows, int n)
{
	for (int i = 0; i < n; i++)
		print_row(f, cfg, &rows[i]);
	fflush(f);
}
