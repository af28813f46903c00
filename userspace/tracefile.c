// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - reference traces (tracefile.h): the parser `--pattern
 * trace:FILE` reads, for `vmlab run` and `vmlab simulate` alike.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tracefile.h"

#define FORM "a line is PAGE, PAGE,r or PAGE,w; PAGE decimal or 0x-hex"

static int trace_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static char *skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Room for one more reference; 0 or -1 (ENOMEM) */
static int trace_grow(struct trace_refs *t, uint64_t *cap, bool rw)
{
	uint64_t ncap = *cap ? 2 * *cap : 1024;
	uint64_t *r;
	uint8_t *w;

	r = realloc(t->refs, ncap * sizeof(*r));
	if (!r)
		return -1;
	t->refs = r;
	if (rw) {
		w = realloc(t->writes, ncap);
		if (!w)
			return -1;
		t->writes = w;
	}
	*cap = ncap;
	return 0;
}

int trace_parse(FILE *f, const char *name, uint64_t limit, uint64_t max_refs,
		uint64_t region, struct trace_refs *t, char *err, size_t errlen)
{
	uint64_t cap = 0, lineno = 0, v;
	char *line = NULL, *s, *end, *tok;
	size_t linecap = 0;
	int ret = -1;
	uint8_t w;

	memset(t, 0, sizeof(*t));
	while (getline(&line, &linecap, f) >= 0) {
		lineno++;
		s = strchr(line, '#');
		if (s)
			*s = '\0';
		s = skip_space(line);
		end = s + strlen(s);
		while (end > s && strchr(" \t\r\n", end[-1]))
			*--end = '\0';
		if (!*s)
			continue;
		/* the page */
		tok = s;
		s += strcspn(s, ", \t");
		w = 0;
		if (*s) {
			*s++ = '\0';
			s = skip_space(s);
			if (*s == ',')
				s = skip_space(s + 1);
			if ((*s != 'r' && *s != 'w') || *skip_space(s + 1)) {
				trace_err(err, errlen, "%s:%" PRIu64 ": '%s' is not "
					  "r or w (%s)", name, lineno, s, FORM);
				goto out;
			}
			w = *s == 'w' ? 1 : 2;	/* 2: read, said so */
		}
		if (!isdigit((unsigned char)*tok)) {
			trace_err(err, errlen, "%s:%" PRIu64 ": '%s' is not a "
				  "page number (%s)", name, lineno, tok, FORM);
			goto out;
		}
		errno = 0;
		v = strtoull(tok, &end, 0);
		if (*end) {
			trace_err(err, errlen, "%s:%" PRIu64 ": '%s' is not a "
				  "page number (%s)", name, lineno, tok, FORM);
			goto out;
		}
		if (errno == ERANGE || v >= limit) {
			if (region)
				trace_err(err, errlen, "%s:%" PRIu64 ": page %s is "
					  "outside the region of %" PRIu64
					  " pages", name, lineno, tok, region);
			else
				trace_err(err, errlen, "%s:%" PRIu64 ": page %s is "
					  "too large (at most %" PRIu64 ")", name,
					  lineno, tok, limit - 1);
			goto out;
		}
		if (t->n == max_refs) {
			trace_err(err, errlen, "%s:%" PRIu64 ": more than %" PRIu64
				  " references", name, lineno, max_refs);
			goto out;
		}
		if (w && !t->writes) {
			/* the first line to say r or w: the lines before read */
			t->writes = calloc(cap ? cap : 1, 1);
			if (!t->writes)
				goto nomem;
		}
		if (t->n == cap && trace_grow(t, &cap, t->writes))
			goto nomem;
		t->refs[t->n] = v;
		if (t->writes)
			t->writes[t->n] = w == 1;
		t->n++;
		if (v > t->max)
			t->max = v;
	}
	if (ferror(f)) {
		trace_err(err, errlen, "%s: %s", name, strerror(errno));
		goto out;
	}
	if (!t->n) {
		trace_err(err, errlen, "%s: no references (the file is empty, "
			  "or only blank and '#' lines)", name);
		goto out;
	}
	ret = 0;
	goto out;
nomem:
	trace_err(err, errlen, "%s:%" PRIu64 ": out of memory", name, lineno);
out:
	free(line);
	if (ret)
		trace_refs_free(t);
	return ret;
}

int trace_load(const char *path, uint64_t limit, uint64_t max_refs,
	       uint64_t region, struct trace_refs *t, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	int ret;

	memset(t, 0, sizeof(*t));
	if (!f)
		return trace_err(err, errlen, "%s: %s", path, strerror(errno));
	ret = trace_parse(f, path, limit, max_refs, region, t, err, errlen);
	fclose(f);
	return ret;
}

void trace_refs_free(struct trace_refs *t)
{
	free(t->refs);
	free(t->writes);
	memset(t, 0, sizeof(*t));
}
