// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for the parser of /proc/udsprobe, the module's counters
 * (user/udsprobe_proc.c). The input is the file's text.
 */
#include <errno.h>
#include <stdbool.h>
#include "fuzz.h"
#include "paths.h"
#include "udsprobe_proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udsprobe_counters c;
	FILE *f = fuzz_file(data, size);
	int err = udsprobe_parse(f, &c);

	fclose(f);
	if (err && err != -EINVAL)
		abort();
	if (err)
		return 0;
	/* Accepted: only with the format's header, and every call timed. */
	if (!fuzz_in(data, size, "# udsprobe 1"))
		abort();
	for (int p = 0; p < NR_PATHS; p++)
		if (c.path[p].timed != c.path[p].calls)
			abort();
	return 0;
}
