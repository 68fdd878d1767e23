// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * udsbench: ping-pong latency and one-way throughput of AF_UNIX stream
 * sockets and TCP over 127.0.0.1, in the tradition of rigtorp/ipc-bench,
 * with every byte verified and every send() counted, so that udstrace's
 * counts can be checked against it. Nothing is printed until every run
 * has passed: a broken run exits 1 with one line on stderr.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include "bench.h"
#include "options.h"
#include "print.h"
#include "wire.h"

int main(int argc, char **argv)
{
	struct config cfg;
	struct row *rows;
	size_t max = 0;
	int n = 0, err;

	err = options_parse(argc, argv, &cfg);
	if (err)
		return err;
	for (int i = 0; i < cfg.nr_sizes; i++)
		if (cfg.sizes[i] > max)
			max = cfg.sizes[i];
	rows = calloc((size_t)cfg.nr_sizes * NR_MODES * NR_TRANSPORTS, sizeof(*rows));
	if (!rows || wire_init(max)) {
		fprintf(stderr, "udsbench: out of memory\n");
		return 1;
	}
	/* A peer that goes away is an error from send(), not a signal. */
	signal(SIGPIPE, SIG_IGN);

	/* UDS and TCP alternate at each size, so drift hits both alike. */
	for (int m = 0; m < NR_MODES; m++)
		for (int i = 0; i < cfg.nr_sizes; i++)
			for (int t = 0; t < NR_TRANSPORTS; t++) {
				if (!cfg.mode[m] || !cfg.transport[t])
					continue;
				if (bench_run(&cfg, t, m, cfg.sizes[i], &rows[n])) {
					free(rows);
					return 1;
				}
				n++;
			}
	if (cfg.json)
		print_json(stdout, &cfg, rows, n);
	else
		print_table(stdout, &cfg, rows, n);
	free(rows);
	return 0;
}
