// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One run: a connection, the two sides, the checks, and the numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench.h"
#include "modes.h"
#include "sides.h"
#include "stats.h"
#include "transport.h"

const char *const transport_name[NR_TRANSPORTS] = { "uds", "tcp" };
const char *const mode_name[NR_MODES] = { "latency", "throughput" };

const char *setup_name(const struct config *cfg, enum transport tr)
{
	if (tr == TR_TCP)
		return "tcp";
	return cfg->uds_setup == UDS_CONNECT ? "connect" : "socketpair";
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The error that explains the failure: bad data first, then the server's. */
static const struct side_result *first_error(const struct side s[2])
{
	for (int e = SIDE_DATA; e > SIDE_OK; e--)
		for (int i = SIDE_SERVER; i >= SIDE_CLIENT; i--)
			if (s[i].res.err == (enum side_err)e)
				return &s[i].res;
	return NULL;
}

static void fill_latency(struct row *row, struct side *client)
{
	struct lat_stats st;

	stats_compute(client->samples, client->nr_samples, &st);
	row->rtt_mean_ns = st.mean;
	row->rtt_p50_ns = st.p50;
	row->rtt_p99_ns = st.p99;
	row->elapsed_ns = client->res.t_end_ns - client->res.t_start_ns;
}

static void fill_throughput(struct row *row, const struct side s[2])
{
	double secs;

	row->elapsed_ns = s[SIDE_SERVER].res.t_end_ns - s[SIDE_CLIENT].res.t_start_ns;
	secs = (double)row->elapsed_ns / 1e9;
	if (secs <= 0)
		secs = 1e-9;
	row->msgs_per_s = (double)row->count / secs;
	row->mbytes_per_s = (double)row->count * (double)row->size / secs / 1e6;
	row->mbits_per_s = row->mbytes_per_s * 8;
}

int bench_run(const struct config *cfg, enum transport tr, enum mode mode,
	      size_t size, struct row *row)
{
	struct job job = {
		.tr = tr, .mode = mode, .size = size, .count = cfg->count,
		.duration_s = cfg->duration_s,
	};
	struct side s[2] = { { .job = &job, .corrupt = cfg->corrupt },
			     { .job = &job, .corrupt = -1 } };
	const struct side_result *bad;
	struct conn c;
	int err = -1;

	memset(row, 0, sizeof(*row));
	row->tr = tr;
	row->mode = mode;
	row->size = size;
	if (conn_open(&c, tr, cfg))
		return -1;
	row->connects = c.connects;
	if (mode == MODE_LATENCY)
		sides_run(&c, cfg, latency_client, latency_server, s);
	else
		sides_run(&c, cfg, throughput_client, throughput_server, s);

	bad = first_error(s);
	if (bad) {
		fprintf(stderr, "udsbench: %s %s %zu B: %s\n", transport_name[tr],
			mode_name[mode], size, bad->msg);
		goto out;
	}
	/* Exactly what was sent arrived, message for message. */
	if (s[SIDE_SERVER].res.msgs != s[SIDE_CLIENT].res.msgs || !s[SIDE_CLIENT].res.msgs) {
		fprintf(stderr, "udsbench: %s %s %zu B: the server got %llu messages, the client %llu\n",
			transport_name[tr], mode_name[mode], size,
			(unsigned long long)s[SIDE_SERVER].res.msgs,
			(unsigned long long)s[SIDE_CLIENT].res.msgs);
		goto out;
	}
	row->count = s[SIDE_CLIENT].res.msgs;
	row->send_calls = s[SIDE_CLIENT].res.send_calls + s[SIDE_SERVER].res.send_calls;
	row->bytes_sent = s[SIDE_CLIENT].res.bytes_sent + s[SIDE_SERVER].res.bytes_sent;
	row->recv_calls = s[SIDE_CLIENT].res.recv_calls + s[SIDE_SERVER].res.recv_calls;
	row->bytes_received = s[SIDE_CLIENT].res.bytes_received + s[SIDE_SERVER].res.bytes_received;
	if (mode == MODE_LATENCY)
		fill_latency(row, &s[SIDE_CLIENT]);
	else
		fill_throughput(row, s);
	err = 0;
out:
	free(s[SIDE_CLIENT].samples);
	return err;
}
