/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef UDSBENCH_OPTIONS_H
#define UDSBENCH_OPTIONS_H

#include "udsbench.h"

/* Default messages per run when neither --count nor --duration is given. */
#define DEFAULT_COUNT 10000

/*
 * Parses argv (and the UDSBENCH_CORRUPT test hook) into *cfg. Returns 0
 * to run; exits by itself with 0 after --help and with EXIT_USAGE after
 * a one-line error (plus argp's hint line for unknown options).
 */
int options_parse(int argc, char **argv, struct config *cfg);

#endif /* UDSBENCH_OPTIONS_H */
