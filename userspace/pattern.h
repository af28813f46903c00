/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - access patterns (seq, rand, loop, hotcold, trace, phases): the
 * reference strings `vmlab run` touches and `vmlab simulate` simulates.
 */
#ifndef _VMLAB_PATTERN_H
#define _VMLAB_PATTERN_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * An access pattern: a generator of page indices in [0, pages).  Patterns
 * are named by a spec "NAME[:ARG]" (trace:FILE, phases:LO-HIxN,...); add one by
 * adding an entry to the table in pattern.c.
 */
struct pattern;

/* The largest region and reference string a pattern makes */
#define PATTERN_MAX_PAGES (1ULL << 32)
#define PATTERN_MAX_REFS (1ULL << 28)

struct pattern_ops {
	const char *name;
	const char *help;
	bool takes_arg;
	const char *arg_name;	/* "FILE": for help and errors */
	bool sizes_itself;	/* pages 0: the pattern knows the region */
	unsigned int passes;	/* default length: passes x pages (0: 1) */
	int (*init)(struct pattern *p, const char *arg);
	bool (*next)(struct pattern *p, uint64_t *page);
	/* does reference @i write (1) or read (0); -1: not said (optional) */
	int (*writes)(struct pattern *p, uint64_t i);
	void (*fini)(struct pattern *p);
};

struct pattern {
	const struct pattern_ops *ops;
	uint64_t pages;		/* the region, in pages */
	uint64_t length;	/* references to generate */
	uint64_t done;		/* references generated */
	uint64_t rng;		/* PRNG state, from the seed */
	uint64_t *perm;		/* a permutation of the pages, if needed */
	void *priv;		/* a pattern's own state */
};

/* Find a pattern by spec; NULL if unknown.  *@arg gets the ARG part. */
const struct pattern_ops *pattern_lookup(const char *spec, const char **arg);
/* argp_error() unless @spec names a pattern, with its argument if any */
void arg_pattern(struct argp_state *state, const char *spec);
/* "seq, rand, ..., trace:FILE" for help and error messages */
const char *pattern_names(void);
/*
 * @pages 0: the pattern sizes the region itself (trace), or fails;
 * @length 0: the pattern's default.  Prints why on failure: 0 or -1.
 */
int pattern_init(struct pattern *p, const char *spec, uint64_t pages,
		 uint64_t length, uint64_t seed);
bool pattern_next(struct pattern *p, uint64_t *page);
void pattern_fini(struct pattern *p);
/*
 * The whole reference string of a pattern, malloc()ed; *@pages and
 * *@length as pattern_init() takes them, and updated.  NULL (and why on
 * stderr) on failure.
 */
uint64_t *pattern_refs(const char *spec, uint64_t *pages, uint64_t *length,
		       uint64_t seed);
/*
 * pattern_refs(), and in *@writes, when the pattern says which references
 * write (trace:FILE with "PAGE,w" lines), one byte a reference, 1 for a
 * write, malloc()ed; else NULL.
 */
uint64_t *pattern_refs_rw(const char *spec, uint64_t *pages, uint64_t *length,
			  uint64_t seed, uint8_t **writes);
uint64_t rng_next(uint64_t *state);

#endif /* _VMLAB_PATTERN_H */
