// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->has_member[0] = false;
}

/* The comma and the key before any value. */
static void member(struct json *j, const char *key)
{
	if (j->has_member[j->depth])
		fputc(',', j->f);
	j->has_member[j->depth] = true;
	if (key)
		fprintf(j->f, "\"%s\":", key);
}

static void open_level(struct json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->has_member[j->depth] = false;
}

static void close_level(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (!j->depth) {
		fputc('\n', j->f);
		j->has_member[0] = false;
	}
}

void json_object_start(struct json *j, const char *key)
{
	open_level(j, key, '{');
}

void json_object_end(struct json *j)
{
	close_level(j, '}');
}

void json_array_start(struct json *j, const char *key)
{
	open_level(j, key, '[');
}

void json_array_end(struct json *j)
{
	close_level(j, ']');
}

void json_str(struct json *j, const char *key, const char *s)
{
	member(j, key);
	fputc('"', j->f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(j->f, "\\%c", c);
		else if (c < 0x20)
			fprintf(j->f, "\\u%04x", c);
		else
			fputc(c, j->f);
	}
	fputc('"', j->f);
}

void json_u64(struct json *j, const char *key, unsigned long long v)
{
	member(j, key);
	fprintf(j->f, "%llu", v);
}

void json_double(struct json *j, const char *key, double v)
{
	member(j, key);
	fprintf(j->f, "%.6g", v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}
