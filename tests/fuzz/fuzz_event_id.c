// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for the reader of a kprobe event's tracefs id file
 * (kprobe_event_id_parse in user/kprobe_events.c), the only tracefs event
 * file udstrace reads. The input is the file's text.
 */
#include <errno.h>
#include "fuzz.h"
#include "kprobe_events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fuzz_file(data, size);
	int id = kprobe_event_id_parse(f);

	fclose(f);
	/* An id for perf_event_open's config, or -EINVAL: never an errno. */
	if (id < 0 && id != -EINVAL)
		abort();
	return 0;
}
