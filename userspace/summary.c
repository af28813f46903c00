// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - the median, minimum and maximum of a benchmark's samples.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct summary summarize(const double *v, unsigned int n)
{
	struct summary s = { NAN, NAN, NAN };
	double *t;

	if (!n || !v)
		return s;
	t = malloc(n * sizeof(*t));
	if (!t)
		return s;
	memcpy(t, v, n * sizeof(*t));
	qsort(t, n, sizeof(*t), cmp_double);
	s.min = t[0];
	s.max = t[n - 1];
	s.median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	free(t);
	return s;
}

void summary_json(struct jw *w, const char *key, struct summary s)
{
	jw_obj(w, key);
	jw_dbl(w, "median", s.median);
	jw_dbl(w, "min", s.min);
	jw_dbl(w, "max", s.max);
	jw_end(w);
}
