// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* udstrace --calibrate: the command (calibrate.h). */
#include <stdlib.h>
#include <string.h>
#include "calibrate.h"
#include "fmt.h"
#include "json.h"
#include "opts.h"
#include "system.h"

static void print_table(const char *kernel, const char *backend, const char *file,
			const struct calib_entry *e, int n)
{
	char b[4][FMT_LEN], sz[FMT_LEN];

	printf("udstrace: calibration, backend %s, kernel %s: kernel time per send\n",
	       backend, kernel);
	printf("%10s %-7s %8s %22s %22s %8s\n", "SIZE", "PATTERN", "SENDS",
	       "UDS/SEND (+-SE)", "TCP/SEND (+-SE)", "TCP/UDS");
	for (int i = 0; i < n; i++) {
		char u[48], t[48];

		snprintf(u, sizeof(u), "%s +-%s", fmt_ns(b[0], FMT_LEN, e[i].uds_ns),
			 fmt_ns(b[1], FMT_LEN, e[i].uds_spread_ns));
		snprintf(t, sizeof(t), "%s +-%s", fmt_ns(b[2], FMT_LEN, e[i].tcp_ns),
			 fmt_ns(b[3], FMT_LEN, e[i].tcp_spread_ns));
		printf("%10s %-7s %8llu %22s %22s %7.2fx\n",
		       fmt_bytes(sz, sizeof(sz), e[i].size), adv_pattern_name(e[i].pattern),
		       e[i].sends, u, t, e[i].uds_ns > 0 ? e[i].tcp_ns / e[i].uds_ns : 0);
	}
	printf("cached in %s\n", file);
}

static void print_json(const char *kernel, const char *backend, const char *file,
		       const struct calib_entry *e, int n)
{
	struct json j;

	json_init(&j, stdout);
	json_object_start(&j, NULL);
	json_str(&j, "schema", "udstrace/1");
	json_str(&j, "calibration", file);
	json_str(&j, "backend", backend);
	json_str(&j, "kernel", kernel);
	json_array_start(&j, "entries");
	for (int i = 0; i < n; i++) {
		json_object_start(&j, NULL);
		json_u64(&j, "size", e[i].size);
		json_str(&j, "pattern", adv_pattern_name(e[i].pattern));
		json_u64(&j, "rounds", e[i].rounds);
		json_u64(&j, "sends", e[i].sends);
		json_double(&j, "uds_ns", e[i].uds_ns);
		json_double(&j, "uds_spread_ns", e[i].uds_spread_ns);
		json_double(&j, "tcp_ns", e[i].tcp_ns);
		json_double(&j, "tcp_spread_ns", e[i].tcp_spread_ns);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
}

int calibrate_main(const struct opts *o)
{
	static struct calib_entry e[MAX_SIZES * NR_ADV_PATTERNS];
	static struct calib cache;
	unsigned long long def = 100;
	const unsigned long long *sizes = o->nr_sizes ? o->sizes : &def;
	const char *kernel = kernel_release(), *bname;
	int nr_sizes = o->nr_sizes ? o->nr_sizes : 1, n = 0, err;
	unsigned long long msgs = CALIB_MSGS;
	enum backend_kind served;
	char why[1024] = "", file[512];
	const char *env = getenv("UDSTRACE_CALIBRATE_MSGS");

	/* The tests make it short. */
	if (env && strtoull(env, NULL, 10))
		msgs = strtoull(env, NULL, 10);
	for (int s = 0; s < nr_sizes; s++) {
		for (int p = 0; p < NR_ADV_PATTERNS; p++) {
			if (o->pattern >= 0 && o->pattern != p)
				continue;
			e[n].size = sizes[s];
			e[n].pattern = p;
			n++;
		}
	}
	fprintf(stderr, "udstrace: calibrating %d size%s and pattern%s, %d rounds of %llu messages each over UDS and TCP (about 2 s each)\n",
		n, n > 1 ? "s" : "", n > 1 ? "s" : "", CALIB_ROUNDS, msgs);
	err = calibrate_run(o->backend, e, n, msgs, &served, why, sizeof(why));
	if (err) {
		fprintf(stderr, "udstrace: %s\n", why);
		return 1;
	}
	bname = backend_ops(served)->name;
	calib_file(file, sizeof(file), kernel, bname);
	if (calib_load(file, &cache))
		cache.n = 0;
	for (int i = 0; i < n; i++)
		calib_put(&cache, &e[i]);
	err = calib_save(file, kernel, bname, &cache);
	if (err)
		fprintf(stderr, "udstrace: saving %s failed: %s\n", file, strerror(-err));
	(o->json ? print_json : print_table)(kernel, bname, file, e, n);
	return err ? 1 : 0;
}
