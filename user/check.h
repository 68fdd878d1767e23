/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* udstrace --check: what this kernel allows, per backend and per probe. */
#ifndef UDSTRACE_CHECK_H
#define UDSTRACE_CHECK_H

struct opts;

/*
 * Loads and attaches every backend for real (with the run's --stages and
 * --counts-only), prints the report (text, or one JSON object) and
 * returns 0 if auto can trace every path.
 */
int check_run(const struct opts *o);

#endif /* UDSTRACE_CHECK_H */
