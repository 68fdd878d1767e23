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

static bool starts(const uint8_t *data, size_t size, const char *s)
{
	return size >= strlen(s) && !memcmp(data, s, strlen(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udsprobe_counters c;
	FILE *f = fuzz_file(data, size);
	int err = udsprobe_parse(f, &c);

	fclose(f);
	/* Another format: only from a udsprobe header of another version. */
	if (err == -EPROTONOSUPPORT) {
		if (!starts(data, size, "# udsprobe ") || c.version == UDSPROBE_FORMAT)
			abort();
		return 0;
	}
	if (err && err != -EINVAL)
		abort();
	if (err)
		return 0;
	/*
	 * Accepted: only a whole file of format 2, with its header, every
	 * row and every function's misses; and every call timed.
	 */
	if (!starts(data, size, "# udsprobe 2\n") || !fuzz_in(data, size, "# instance ") ||
	    !fuzz_in(data, size, "# generation "))
		abort();
	for (int p = 0; p < NR_PATHS; p++) {
		if (!fuzz_in(data, size, path_info[p].name) ||
		    !fuzz_in(data, size, path_info[p].func))
			abort();
		if (c.path[p].timed != c.path[p].calls)
			abort();
	}
	return 0;
}
