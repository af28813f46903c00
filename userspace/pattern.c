// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - access patterns: generators of the page indices an
 * experiment touches.  A pattern is an entry in the table below; add one
 * (loop, hotcold, trace:FILE, ...) by writing its init/next/fini and adding
 * the entry.  The generator state lives in struct pattern; a pattern that
 * needs more keeps it behind ->priv.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* splitmix64: a small, good, seedable generator (Steele, Lea, Flood 2014) */
uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), without modulo bias */
static uint64_t rng_below(uint64_t *state, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, v;

	do
		v = rng_next(state);
	while (v >= limit);
	return v % n;
}

/* ------------------------------------------------------------------ seq */

static bool seq_next(struct pattern *p, uint64_t *page)
{
	*page = p->done % p->pages;
	return true;
}

/* ----------------------------------------------------------------- rand */

/*
 * rand: every page once, in a random order (a Fisher-Yates shuffle); a run
 * longer than the region continues with a fresh permutation.  So N touches
 * of N pages fault each page exactly once, as seq does.
 */
static void shuffle(struct pattern *p)
{
	uint64_t i, j, t;

	for (i = p->pages - 1; i > 0; i--) {
		j = rng_below(&p->rng, i + 1);
		t = p->perm[i];
		p->perm[i] = p->perm[j];
		p->perm[j] = t;
	}
}

static int rand_init(struct pattern *p, const char *arg)
{
	uint64_t i;

	p->perm = malloc(p->pages * sizeof(*p->perm));
	if (!p->perm)
		return -ENOMEM;
	for (i = 0; i < p->pages; i++)
		p->perm[i] = i;
	shuffle(p);
	return 0;
}

static bool rand_next(struct pattern *p, uint64_t *page)
{
	uint64_t i = p->done % p->pages;

	if (i == 0 && p->done)
		shuffle(p);
	*page = p->perm[i];
	return true;
}

/* ---------------------------------------------------------------- table */

static const struct pattern_ops patterns[] = {
	{
		.name = "seq",
		.help = "pages 0, 1, 2, ... in order",
		.next = seq_next,
	},
	{
		.name = "rand",
		.help = "every page once, in a random order (--seed)",
		.init = rand_init,
		.next = rand_next,
	},
};

const struct pattern_ops *pattern_lookup(const char *spec, const char **arg)
{
	size_t i, len = strcspn(spec, ":");

	for (i = 0; i < ARRAY_SIZE(patterns); i++) {
		if (strlen(patterns[i].name) != len ||
		    strncmp(patterns[i].name, spec, len))
			continue;
		if (!!spec[len] != patterns[i].takes_arg)
			return NULL;	/* an argument missing or unexpected */
		*arg = spec[len] ? spec + len + 1 : NULL;
		return &patterns[i];
	}
	return NULL;
}

const char *pattern_names(void)
{
	static char buf[256];
	size_t i, off = 0;

	if (buf[0])
		return buf;
	for (i = 0; i < ARRAY_SIZE(patterns) && off < sizeof(buf); i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s%s",
				i ? ", " : "", patterns[i].name,
				patterns[i].takes_arg ? ":ARG" : "");
	return buf;
}

int pattern_init(struct pattern *p, const char *spec, uint64_t pages,
		 uint64_t length, uint64_t seed)
{
	const char *arg;
	int err;

	memset(p, 0, sizeof(*p));
	p->ops = pattern_lookup(spec, &arg);
	if (!p->ops)
		return -EINVAL;
	if (!pages)
		return -EINVAL;
	p->pages = pages;
	p->length = length;
	p->rng = seed;
	if (p->ops->init) {
		err = p->ops->init(p, arg);
		if (err) {
			pattern_fini(p);
			return err;
		}
	}
	return 0;
}

bool pattern_next(struct pattern *p, uint64_t *page)
{
	if (p->done >= p->length || !p->ops->next(p, page))
		return false;
	p->done++;
	return true;
}

void pattern_fini(struct pattern *p)
{
	if (p->ops && p->ops->fini)
		p->ops->fini(p);
	free(p->perm);
	p->perm = NULL;
}
