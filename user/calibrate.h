/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * udstrace --calibrate: what a send costs over a Unix socket and over
 * loopback TCP on this kernel, measured by udstrace's own tracer with the
 * backend the run uses, and cached per kernel and backend for --advise.
 */
#ifndef UDSTRACE_CALIBRATE_H
#define UDSTRACE_CALIBRATE_H

#include <stdio.h>
#include "advise.h"
#include "backend.h"

/* Rounds per size and pattern: the spread comes from their differences. */
#define CALIB_ROUNDS 5
/* Messages per round and transport (a request and its reply are two). */
#define CALIB_MSGS 2000
/* Entries one cache file holds: sizes x patterns. */
#define CALIB_MAX 64

struct calib_entry {
	unsigned long long size;	/* bytes per message */
	enum adv_pattern pattern;
	int rounds;
	unsigned long long sends;	/* per transport, all rounds */
	double uds_ns, uds_spread_ns;	/* mean of the rounds, standard error */
	double tcp_ns, tcp_spread_ns;
};

struct calib {
	int n;
	struct calib_entry e[CALIB_MAX];
};

/*
 * The cache file for a kernel and backend:
 * $UDSTRACE_CALIBRATION_DIR or /var/cache/udstrace, then
 * calibration-KERNEL-BACKEND.json.
 */
void calib_file(char *buf, size_t len, const char *kernel, const char *backend);
/* 0, -ENOENT when there is no file, -EINVAL when a line is bad. */
int calib_load(const char *file, struct calib *c);
/* Writes the file whole (a temporary, then rename), the directory made. */
int calib_save(const char *file, const char *kernel, const char *backend,
	       const struct calib *c);
/* One entry's line, and back: 0, or -1 if it is not one. */
void calib_format(FILE *f, const struct calib_entry *e);
int calib_parse(const char *line, struct calib_entry *e);
/* Adds or replaces the entry of the same size and pattern. */
void calib_put(struct calib *c, const struct calib_entry *e);
/* The entry nearest in size within @bucket for @pattern, or NULL. */
const struct calib_entry *calib_get(const struct calib *c, int bucket,
				    enum adv_pattern pattern);
/* The mean and standard error of @n round means. */
void calib_stats(const double *v, int n, double *mean, double *se);
/*
 * Measures each of the @n entries (size and pattern set): CALIB_ROUNDS
 * rounds of @msgs messages over a socketpair and over a loopback TCP
 * connection, made by a child that only udstrace's tracer (backend @want,
 * or auto) follows. *@served is the backend that timed the TCP sends.
 * 0, or -errno with the reason in @err.
 */
int calibrate_run(enum backend_kind want, struct calib_entry *e, int n,
		  unsigned long long msgs, enum backend_kind *served,
		  char *err, size_t len);

struct opts;
/* udstrace --calibrate: measures, prints, caches. The exit status. */
int calibrate_main(const struct opts *o);

#endif /* UDSTRACE_CALIBRATE_H */
