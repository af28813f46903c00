/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - a streaming JSON writer: values are written as they come,
 * commas and nesting are tracked.  @key is used inside objects and ignored
 * in arrays and at the top level.
 */
#ifndef _VMLAB_JSON_H
#define _VMLAB_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	int depth;
	bool comma[JW_MAX_DEPTH];
	char close[JW_MAX_DEPTH];
};

void jw_init(struct jw *w, FILE *f);
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
void jw_end(struct jw *w);
/* close everything still open, end the line and flush */
void jw_finish(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *s);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
void jw_dbl(struct jw *w, const char *key, double v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
/* a 64-bit value as a "0x..." string: addresses and raw entries */
void jw_hex(struct jw *w, const char *key, uint64_t v);

#endif /* _VMLAB_JSON_H */
