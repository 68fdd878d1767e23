// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for the /proc/kallsyms reader (ksym_resolve_file in
 * user/kprobe_events.c). The input's first line holds the function names
 * to find, separated by blanks (udstrace's own functions when it is
 * empty); the rest is the text of kallsyms.
 */
#include <errno.h>
#include <stdbool.h>
#include "fuzz.h"
#include "kprobe_events.h"
#include "paths.h"

#define MAX_FUNCS 8

/* The names on the first line, or udstrace's path functions. */
static int want_names(char *line, const char *funcs[MAX_FUNCS])
{
	char *save, *w;
	int n = 0;

	for (w = strtok_r(line, " \t", &save); w && n < MAX_FUNCS;
	     w = strtok_r(NULL, " \t", &save))
		funcs[n++] = w;
	if (n)
		return n;
	for (int p = 0; p < NR_PATHS && n < MAX_FUNCS; p++)
		funcs[n++] = path_info[p].func;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[512], syms[MAX_FUNCS][KSYM_LEN];
	int rets[MAX_FUNCS], n;
	const char *funcs[MAX_FUNCS];
	const uint8_t *text;
	size_t text_size;
	FILE *f;

	fuzz_split(data, size, line, sizeof(line), &text, &text_size);
	n = want_names(line, funcs);
	f = fuzz_file(text, text_size);
	if (ksym_resolve_file(f, funcs, n, syms, rets))
		abort();
	fclose(f);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(funcs[i]);

		if (rets[i] == -ENOENT)
			continue;
		/* Found: the name or a suffixed copy of it, out of the text. */
		if (rets[i] || !memchr(syms[i], '\0', KSYM_LEN) ||
		    strncmp(syms[i], funcs[i], len) ||
		    (syms[i][len] && syms[i][len] != '.') ||
		    !fuzz_in(text, text_size, syms[i]))
			abort();
	}
	return 0;
}
