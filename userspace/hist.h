/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - log2 histograms, printed the way bcc's tools print them.
 */
#ifndef _VMLAB_HIST_H
#define _VMLAB_HIST_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"

#define HIST_SLOTS 64

struct log2_hist {
	uint64_t slot[HIST_SLOTS];	/* slot i: values in [2^(i-1), 2^i) */
	uint64_t count, sum, min, max;
};

void hist_add(struct log2_hist *h, uint64_t v);
/* bcc-style "unit : count distribution" table */
void hist_print(const struct log2_hist *h, const char *unit, FILE *f);
void hist_json(struct jw *w, const char *key, const struct log2_hist *h);

#endif /* _VMLAB_HIST_H */
