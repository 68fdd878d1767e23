/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers shared by the libFuzzer harnesses of tests/fuzz. */
#ifndef UDSTRACE_FUZZ_H
#define UDSTRACE_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The input as a read-only FILE, the way the parsers read their files. */
static inline FILE *fuzz_file(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size, "r");

	if (!f)
		abort();	/* fmemopen takes any size, 0 included */
	return f;
}

/*
 * Splits the input at its first newline: the line (what the harness looks
 * for, cut to @len - 1 bytes and NUL-terminated) into @line, and the rest,
 * the file's text, into @text and @text_size.
 */
static inline void fuzz_split(const uint8_t *data, size_t size, char *line,
			      size_t len, const uint8_t **text, size_t *text_size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;

	snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), (const char *)data);
	*text = nl ? nl + 1 : data + size;
	*text_size = size - (*text - data);
}

/* Does @s occur in the text? For results that must come from the input. */
static inline bool fuzz_in(const uint8_t *text, size_t size, const char *s)
{
	return memmem(text, size, s, strlen(s)) != NULL;
}

#endif /* UDSTRACE_FUZZ_H */
