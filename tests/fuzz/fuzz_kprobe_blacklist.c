// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for the kprobe blacklist reader (kprobe_blacklist_find
 * in user/kprobe_events.c). The input's first line is the symbol looked
 * for (udstrace's own functions when it is empty: udstrace never asks for
 * an empty name); the rest is the text of debugfs's kprobes/blacklist.
 */
#include <stdbool.h>
#include "fuzz.h"
#include "kprobe_events.h"
#include "paths.h"

static void find(const uint8_t *text, size_t size, const char *sym)
{
	FILE *f = fuzz_file(text, size);
	bool found = kprobe_blacklist_find(f, sym);

	fclose(f);
	/* A symbol is only ever found where the text names it. */
	if (found && !fuzz_in(text, size, sym))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *text;
	size_t text_size;
	char sym[256];

	fuzz_split(data, size, sym, sizeof(sym), &text, &text_size);
	if (*sym) {
		find(text, text_size, sym);
		return 0;
	}
	for (int p = 0; p < NR_PATHS; p++)
		find(text, text_size, path_info[p].func);
	return 0;
}
