// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - log2 histograms, printed the way bcc's tools print them:
 *
 *      nsecs               : count     distribution
 *       1024 -> 2047       : 12       |*****                                   |
 */
#include <inttypes.h>
#include <string.h>

#include "hist.h"

#define BAR_WIDTH 40

static unsigned int slot_of(uint64_t v)
{
	/* 0 -> slot 0, 1 -> 1, 2..3 -> 2, 4..7 -> 3, ... */
	return v ? 64 - __builtin_clzll(v) : 0;
}

static uint64_t slot_low(unsigned int i)
{
	return i ? 1ULL << (i - 1) : 0;
}

static uint64_t slot_high(unsigned int i)
{
	return i ? (i == 64 ? UINT64_MAX : (1ULL << i) - 1) : 0;
}

void hist_add(struct log2_hist *h, uint64_t v)
{
	unsigned int s = slot_of(v);

	if (s >= HIST_SLOTS)
		s = HIST_SLOTS - 1;
	h->slot[s]++;
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
}

void hist_print(const struct log2_hist *h, const char *unit, FILE *f)
{
	unsigned int i, first = HIST_SLOTS, last = 0;
	uint64_t peak = 0;
	char bar[BAR_WIDTH + 1];

	for (i = 0; i < HIST_SLOTS; i++) {
		if (!h->slot[i])
			continue;
		if (first == HIST_SLOTS)
			first = i;
		last = i;
		if (h->slot[i] > peak)
			peak = h->slot[i];
	}
	if (!peak) {
		fprintf(f, "  (no samples)\n");
		return;
	}
	fprintf(f, "%*s%-*s : count     distribution\n", 14, unit, 10, "");
	for (i = first; i <= last; i++) {
		unsigned int n = (unsigned int)((h->slot[i] * BAR_WIDTH + peak - 1) / peak);

		memset(bar, '*', n);
		memset(bar + n, ' ', BAR_WIDTH - n);
		bar[BAR_WIDTH] = '\0';
		fprintf(f, "%10" PRIu64 " -> %-10" PRIu64 " : %-9" PRIu64 "|%s|\n",
			slot_low(i), slot_high(i), h->slot[i], bar);
	}
	fprintf(f, "  count %" PRIu64 ", min %" PRIu64 ", mean %" PRIu64
		", max %" PRIu64 " %s\n", h->count, h->min,
		h->count ? h->sum / h->count : 0, h->max, unit);
}

void hist_json(struct jw *w, const char *key, const struct log2_hist *h)
{
	unsigned int i;

	jw_obj(w, key);
	jw_u64(w, "count", h->count);
	jw_u64(w, "min", h->min);
	jw_u64(w, "max", h->max);
	jw_u64(w, "sum", h->sum);
	jw_arr(w, "buckets");
	for (i = 0; i < HIST_SLOTS; i++) {
		if (!h->slot[i])
			continue;
		jw_obj(w, NULL);
		jw_u64(w, "low", slot_low(i));
		jw_u64(w, "high", slot_high(i));
		jw_u64(w, "count", h->slot[i]);
		jw_end(w);
	}
	jw_end(w);
	jw_end(w);
}
