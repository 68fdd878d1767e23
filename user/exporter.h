/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --prometheus: the tracer's counters served over HTTP (user/http.c) in
 * the Prometheus text format (user/out_prom.c), from the run loop.
 */
#ifndef UDSTRACE_EXPORTER_H
#define UDSTRACE_EXPORTER_H

#include "opts.h"
#include "tracer.h"

struct exporter;

/*
 * Listens on --prometheus's address, before anything loads, so a port in
 * use fails at once. Scrapes read @t, which must be started before the
 * first exporter_serve(). NULL after one line on stderr.
 */
struct exporter *exporter_start(const struct opts *o, struct tracer *t);
/* Serves scrapes for up to @wait_ns, or until @wake_fd is readable. */
void exporter_serve(struct exporter *e, unsigned long long wait_ns, int wake_fd);
/* "127.0.0.1:9100" */
const char *exporter_address(const struct exporter *e);
void exporter_stop(struct exporter *e);

#endif /* UDSTRACE_EXPORTER_H */
