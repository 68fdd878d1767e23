// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for the reader of tracefs's kprobe_events listing
 * (kprobe_event_line in user/kprobe_events.c), which finds the events of
 * killed udstrace runs to remove them. The input is the listing's text,
 * fed line by line as kprobe_events_remove_stale does.
 */
#include <limits.h>
#include <stdbool.h>
#include "fuzz.h"
#include "kprobe_events.h"

#define PREFIX "udstrace_"

/*
 * A decimal number at *@s up to '_' (leading zeros allowed) and at most
 * @max, read digit by digit: the harness's own reading, to compare with
 * the parser's.
 */
static bool number(const char **s, unsigned long long max, unsigned long long *v)
{
	const char *p = *s;

	*v = 0;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (*v > (max - (*p - '0')) / 10)
			return false;
		*v = *v * 10 + (*p - '0');
	}
	if (*p != '_')
		return false;
	*s = p + 1;
	return true;
}

/* What a line said yes to: the name is the line's, and so are the numbers. */
static void check(const char *line, const char *name, unsigned long long ns, int pid)
{
	const char *at = strstr(line, ":kprobes/"), *p = name + strlen(PREFIX);
	unsigned long long want_ns, want_pid;
	char want[KPROBE_EVENT_LEN + 2];

	if (!memchr(name, '\0', KPROBE_EVENT_LEN) || strncmp(name, PREFIX, strlen(PREFIX)))
		abort();
	snprintf(want, sizeof(want), "%s ", name);
	if (!at || strncmp(at + strlen(":kprobes/"), want, strlen(want)))
		abort();
	/* The run that made it, "NS_PID_" with a pid > 0; else 0 and 0. */
	if (!number(&p, ULLONG_MAX, &want_ns) || !number(&p, INT_MAX, &want_pid) ||
	    !want_pid)
		want_ns = want_pid = 0;
	if (ns != want_ns || (unsigned long long)pid != want_pid)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[KPROBE_EVENT_LEN], *line = NULL;
	unsigned long long ns;
	size_t cap = 0;
	FILE *f = fuzz_file(data, size);
	int pid;

	while (getline(&line, &cap, f) > 0)
		if (kprobe_event_line(line, name, &ns, &pid))
			check(line, name, ns, pid);
	free(line);
	fclose(f);
	return 0;
}
