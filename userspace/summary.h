/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - the median, minimum and maximum of a benchmark's samples.
 */
#ifndef _VMLAB_SUMMARY_H
#define _VMLAB_SUMMARY_H

#include "json.h"

struct summary {
	double median, min, max;
};

/* Of @n samples (@v is left as it is); NAN each if there are none */
struct summary summarize(const double *v, unsigned int n);
/* { "median": ..., "min": ..., "max": ... } */
void summary_json(struct jw *w, const char *key, struct summary s);

#endif /* _VMLAB_SUMMARY_H */
