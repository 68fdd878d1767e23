// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include "fmt.h"

/* Three significant digits of v in unit u: 1.23, 12.3, 123. */
static char *fmt_sig3(char *buf, size_t len, double v, const char *u)
{
	int prec = v < 9.995 ? 2 : v < 99.95 ? 1 : 0;

	snprintf(buf, len, "%.*f %s", prec, v, u);
	return buf;
}

char *fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 999.5) {
		snprintf(buf, len, "%.0f ns", ns);
		return buf;
	}
	if (ns < 999.5e3)
		return fmt_sig3(buf, len, ns / 1e3, "us");
	if (ns < 999.5e6)
		return fmt_sig3(buf, len, ns / 1e6, "ms");
	return fmt_sig3(buf, len, ns / 1e9, "s");
}

char *fmt_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	int i = -1;

	if (bytes < 1000) {
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 999.5 && i < 4) {
		v /= 1000;
		i++;
	}
	return fmt_sig3(buf, len, v, units[i]);
}

char *fmt_count(char *buf, size_t len, uint64_t n)
{
	char digits[24];
	int nd = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	size_t o = 0;

	for (int i = 0; i < nd && o + 1 < len; i++) {
		if (i && (nd - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}
