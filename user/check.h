/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* udstrace --check: what this kernel allows, per backend and per probe. */
#ifndef UDSTRACE_CHECK_H
#define UDSTRACE_CHECK_H

#include <stdbool.h>

/* Prints the report (text, or one JSON object); 0 if a backend works. */
int check_run(bool json);

#endif /* UDSTRACE_CHECK_H */
