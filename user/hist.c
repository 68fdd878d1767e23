// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "hist.h"

#define BAR_WIDTH 40

__u64 hist_slot_low(int slot)
{
	return slot ? 1ULL << slot : 0;
}

void hist_print(FILE *f, const __u64 *hist, int slots, const char *unit)
{
	int first = -1, last = -1;
	__u64 max = 0;

	for (int i = 0; i < slots; i++) {
		if (!hist[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (hist[i] > max)
			max = hist[i];
	}
	if (first < 0) {
		fprintf(f, "     (no samples)\n");
		return;
	}
	fprintf(f, "%24s : %-10s |%-*s|\n", unit, "count", BAR_WIDTH, "distribution");
	for (int i = first; i <= last; i++) {
		int stars = (int)((hist[i] * BAR_WIDTH + max - 1) / max);
		char range[48];

		if (i == slots - 1)
			snprintf(range, sizeof(range), "%llu -> ...",
				 (unsigned long long)hist_slot_low(i));
		else
			snprintf(range, sizeof(range), "%llu -> %llu",
				 (unsigned long long)hist_slot_low(i),
				 (unsigned long long)hist_slot_low(i + 1) - 1);
		fprintf(f, "%24s : %-10llu |%.*s%*s|\n", range,
			(unsigned long long)hist[i], stars,
			"****************************************", BAR_WIDTH - stars, "");
	}
}
