// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - a small streaming JSON writer: values go out as they come;
 * the writer tracks nesting and commas.  Keys are used inside objects and
 * ignored inside arrays and at the top level.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json.h"

void jw_init(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

static void put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* The comma and the key before a value */
static void prefix(struct jw *w, const char *key)
{
	if (w->depth == 0)
		return;
	if (w->comma[w->depth])
		fputc(',', w->f);
	w->comma[w->depth] = true;
	if (w->close[w->depth] == '}') {
		put_string(w->f, key ? key : "");
		fputc(':', w->f);
	}
}

static void open_(struct jw *w, const char *key, char open, char close)
{
	prefix(w, key);
	fputc(open, w->f);
	if (w->depth + 1 < JW_MAX_DEPTH) {
		w->depth++;
		w->comma[w->depth] = false;
		w->close[w->depth] = close;
	}
}

void jw_obj(struct jw *w, const char *key)
{
	open_(w, key, '{', '}');
}

void jw_arr(struct jw *w, const char *key)
{
	open_(w, key, '[', ']');
}

void jw_end(struct jw *w)
{
	if (w->depth == 0)
		return;
	fputc(w->close[w->depth], w->f);
	w->depth--;
}

void jw_finish(struct jw *w)
{
	while (w->depth)
		jw_end(w);
	fputc('\n', w->f);
	fflush(w->f);
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	prefix(w, key);
	if (s)
		put_string(w->f, s);
	else
		fputs("null", w->f);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	prefix(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_i64(struct jw *w, const char *key, int64_t v)
{
	prefix(w, key);
	fprintf(w->f, "%" PRId64, v);
}

void jw_dbl(struct jw *w, const char *key, double v)
{
	prefix(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.6g", v);
	else
		fputs("null", w->f);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	prefix(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	prefix(w, key);
	fputs("null", w->f);
}

void jw_hex(struct jw *w, const char *key, uint64_t v)
{
	prefix(w, key);
	fprintf(w->f, "\"0x%" PRIx64 "\"", v);
}
