/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small streaming JSON writer, in the spirit of bpftool's json_writer:
 * objects, arrays and typed members, with the commas kept here. A leaf:
 * it knows nothing of udstrace. Written by hand because none of the
 * packages we depend on has one, and the output is a fixed shape.
 */
#ifndef UDSTRACE_JSON_H
#define UDSTRACE_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool has_member[JSON_MAX_DEPTH];	/* per open level: a comma is due */
};

void json_init(struct json *j, FILE *f);
/*
 * @key names a member of the enclosing object; NULL inside an array or
 * for the top level. Closing the top-level value ends the line.
 */
void json_object_start(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_start(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_str(struct json *j, const char *key, const char *s);
void json_u64(struct json *j, const char *key, unsigned long long v);
void json_double(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

#endif /* UDSTRACE_JSON_H */
