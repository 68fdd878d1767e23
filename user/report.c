// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "report.h"

const struct backend_ops *report_backend(const struct report *r, int path)
{
	return backend_ops(r->tracer->choice[path].backend);
}

const char *report_time_scope(const struct report *r, int path)
{
	const struct backend_ops *b = report_backend(r, path);

	return r->counts_only && b->counts_only ? "none" : b->time_scope;
}

bool report_uniform(const struct report *r)
{
	for (int p = 1; p < NR_PATHS; p++)
		if (r->tracer->choice[p].backend != r->tracer->choice[0].backend)
			return false;
	return true;
}
