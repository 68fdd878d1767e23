// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for the kprobe_profile reader (kprobe_profile_missed
 * in user/kprobe_events.c), which gives the misses of udstrace's
 * kretprobes. The input's first line is the event's name; the rest is the
 * text of tracefs's kprobe_profile.
 */
#include <errno.h>
#include "fuzz.h"
#include "kprobe_events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *text;
	size_t text_size;
	char event[256];
	__u64 missed = 0;
	int err;
	FILE *f;

	fuzz_split(data, size, event, sizeof(event), &text, &text_size);
	f = fuzz_file(text, text_size);
	err = kprobe_profile_missed(f, event, &missed);
	fclose(f);
	if (err && err != -ENOENT)
		abort();
	/* Not listed: the count is left alone; listed: the text names it. */
	if ((err && missed) || (!err && (!*event || !fuzz_in(text, text_size, event))))
		abort();
	return 0;
}
