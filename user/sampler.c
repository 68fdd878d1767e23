// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "sampler.h"

void sampler_init(struct sampler *s, int pct, unsigned long long now_ns)
{
	s->start_ns = s->opened_ns = now_ns;
	s->open_ns = SAMPLE_PERIOD_NS / 100 * pct;
	s->next_ns = now_ns + s->open_ns;
	s->open_total_ns = 0;
	s->open = true;
}

/* The start of the period @now_ns lies in. */
static unsigned long long period_of(const struct sampler *s,
				    unsigned long long now_ns)
{
	return now_ns - (now_ns - s->start_ns) % SAMPLE_PERIOD_NS;
}

bool sampler_step(struct sampler *s, unsigned long long now_ns)
{
	unsigned long long period = period_of(s, now_ns);

	if (now_ns < s->next_ns)
		return false;
	if (s->open) {
		s->open_total_ns += now_ns - s->opened_ns;
		s->open = false;
		s->next_ns = period + SAMPLE_PERIOD_NS;
		return true;
	}
	if (now_ns - period >= s->open_ns) {
		s->next_ns = period + SAMPLE_PERIOD_NS;	/* this one is over */
		return false;
	}
	s->open = true;
	s->opened_ns = now_ns;
	s->next_ns = period + s->open_ns;
	return true;
}

void sampler_skip(struct sampler *s)
{
	if (!s->open)
		return;
	s->open = false;
	s->next_ns = period_of(s, s->opened_ns) + SAMPLE_PERIOD_NS;
}

unsigned long long sampler_open_ns(const struct sampler *s,
				   unsigned long long now_ns)
{
	return s->open_total_ns + (s->open ? now_ns - s->opened_ns : 0);
}
