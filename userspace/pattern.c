// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - access patterns: generators of the page indices an
 * experiment touches.  A pattern is an entry in the table below; add one
 * by writing its init/next/fini and adding the entry.  The generator state
 * lives in struct pattern; a pattern that needs more keeps it behind ->priv.
 *
 *   seq        0, 1, 2, ... N-1, once (more --touches: again from 0)
 *   rand       every page once, in a random order
 *   loop       0, 1, ... N-1, repeated: 4 passes unless --touches says
 *   hotcold    80% of the references to the first 20% of the pages
 *   trace:FILE one page number a line, as written
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pattern.h"
#include "util.h"

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

/* ---------------------------------------------------------------- loop */

/* loop: seq's order, several passes by default: the case LRU gets wrong */
#define LOOP_PASSES 4

/* ------------------------------------------------------------- hotcold */

/*
 * hotcold: the first HOT_PCT% of the pages (at least one) are hot and get
 * REF_PCT% of the references, uniformly; the rest are cold and get the
 * others.  Reproducible from the seed.
 */
#define HOT_PCT 20
#define REF_PCT 80
#define HOTCOLD_PASSES 4

static uint64_t hot_pages(const struct pattern *p)
{
	uint64_t hot = p->pages * HOT_PCT / 100;

	return hot ? hot : 1;
}

static bool hotcold_next(struct pattern *p, uint64_t *page)
{
	uint64_t hot = hot_pages(p);

	if (hot >= p->pages || rng_below(&p->rng, 100) < REF_PCT)
		*page = rng_below(&p->rng, hot);
	else
		*page = hot + rng_below(&p->rng, p->pages - hot);
	return true;
}

/* --------------------------------------------------------------- trace */

/*
 * trace:FILE: one page number a line (decimal or 0x-hex), each line one
 * reference; blank lines and lines starting with '#' are skipped.  With no
 * region size given (pages 0) the region is the highest page + 1.  More
 * --touches than lines replay the trace from its start.
 */
struct trace {
	uint64_t *refs;
	uint64_t n;
};

static int trace_fail(FILE *f, struct trace *t)
{
	if (f)
		fclose(f);
	free(t->refs);
	free(t);
	return -1;
}

static int trace_init(struct pattern *p, const char *file)
{
	struct trace *t = calloc(1, sizeof(*t));
	uint64_t cap = 0, lineno = 0, max = 0, v;
	char *line = NULL, *s, *end;
	size_t linecap = 0;
	FILE *f;

	if (!t)
		return err_msg("trace: out of memory"), -1;
	if (!*file)
		return err_msg("--pattern trace:FILE: no file name given"),
		       trace_fail(NULL, t);
	f = fopen(file, "re");
	if (!f) {
		err_msg("trace %s: %s", file, strerror(errno));
		return trace_fail(NULL, t);
	}
	while (getline(&line, &linecap, f) >= 0) {
		lineno++;
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		end = s + strlen(s);
		while (end > s && strchr(" \t\r\n", end[-1]))
			*--end = '\0';
		if (!*s || *s == '#')
			continue;
		if (parse_u64(s, &v)) {
			err_msg("trace %s:%" PRIu64 ": '%s' is not a page number "
				"(one page number a line, decimal or 0x-hex)",
				file, lineno, s);
			free(line);
			return trace_fail(f, t);
		}
		if (p->pages && v >= p->pages) {
			err_msg("trace %s:%" PRIu64 ": page %" PRIu64 " is outside "
				"the region of %" PRIu64 " pages (--pages)",
				file, lineno, v, p->pages);
			free(line);
			return trace_fail(f, t);
		}
		if (v >= PATTERN_MAX_PAGES) {
			err_msg("trace %s:%" PRIu64 ": page %" PRIu64 " is too "
				"large (at most %llu)", file, lineno, v,
				PATTERN_MAX_PAGES - 1);
			free(line);
			return trace_fail(f, t);
		}
		if (t->n == cap) {
			uint64_t *r;

			cap = cap ? 2 * cap : 1024;
			r = realloc(t->refs, cap * sizeof(*r));
			if (!r) {
				err_msg("trace %s: out of memory", file);
				free(line);
				return trace_fail(f, t);
			}
			t->refs = r;
		}
		t->refs[t->n++] = v;
		if (v > max)
			max = v;
	}
	free(line);
	if (ferror(f)) {
		err_msg("trace %s: %s", file, strerror(errno));
		return trace_fail(f, t);
	}
	fclose(f);
	if (!t->n) {
		err_msg("trace %s: no references (the file is empty, or only "
			"blank and '#' lines)", file);
		return trace_fail(NULL, t);
	}
	if (!p->pages)
		p->pages = max + 1;
	if (!p->length)
		p->length = t->n;
	p->priv = t;
	return 0;
}

static bool trace_next(struct pattern *p, uint64_t *page)
{
	struct trace *t = p->priv;

	*page = t->refs[p->done % t->n];
	return true;
}

static void trace_fini(struct pattern *p)
{
	struct trace *t = p->priv;

	if (t)
		free(t->refs);
	free(t);
	p->priv = NULL;
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
	{
		.name = "loop",
		.help = "pages 0..N-1 over and over (4 passes by default)",
		.next = seq_next,
		.passes = LOOP_PASSES,
	},
	{
		.name = "hotcold",
		.help = "80% of the references to 20% of the pages, the first "
			"ones (--seed; 4N references by default)",
		.next = hotcold_next,
		.passes = HOTCOLD_PASSES,
	},
	{
		.name = "trace",
		.help = "the page numbers in FILE, one a line (the region: the "
			"highest + 1, unless --pages)",
		.takes_arg = true,
		.sizes_itself = true,
		.init = trace_init,
		.next = trace_next,
		.fini = trace_fini,
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

void arg_pattern(struct argp_state *state, const char *spec)
{
	size_t i, len = strcspn(spec, ":");
	const char *arg;

	if (pattern_lookup(spec, &arg))
		return;
	for (i = 0; i < ARRAY_SIZE(patterns); i++) {
		if (strlen(patterns[i].name) != len ||
		    strncmp(patterns[i].name, spec, len))
			continue;
		if (patterns[i].takes_arg)
			argp_error(state, "--pattern %s needs a file: %s:FILE",
				   spec, patterns[i].name);
		argp_error(state, "--pattern %s takes no argument", spec);
	}
	argp_error(state, "--pattern '%s': unknown; patterns: %s", spec,
		   pattern_names());
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
				patterns[i].takes_arg ? ":FILE" : "");
	return buf;
}

int pattern_init(struct pattern *p, const char *spec, uint64_t pages,
		 uint64_t length, uint64_t seed)
{
	const char *arg;

	memset(p, 0, sizeof(*p));
	p->ops = pattern_lookup(spec, &arg);
	if (!p->ops)
		return err_msg("--pattern '%s': unknown; patterns: %s", spec,
			       pattern_names()), -1;
	if (!pages && !p->ops->sizes_itself)
		return err_msg("--pattern %s needs the region's size (--pages)",
			       spec), -1;
	p->pages = pages;
	p->length = length;
	p->rng = seed;
	if (p->ops->init && p->ops->init(p, arg)) {
		pattern_fini(p);
		return -1;
	}
	if (!p->length)
		p->length = p->pages * (p->ops->passes ? p->ops->passes : 1);
	return 0;
}

uint64_t *pattern_refs(const char *spec, uint64_t *pages, uint64_t *length,
		       uint64_t seed)
{
	struct pattern p;
	uint64_t *refs, i = 0;

	if (pattern_init(&p, spec, *pages, *length, seed))
		return NULL;
	if (p.length > PATTERN_MAX_REFS) {
		err_msg("--pattern %s: %" PRIu64 " references are too many (at "
			"most %llu)", spec, p.length, PATTERN_MAX_REFS);
		pattern_fini(&p);
		return NULL;
	}
	refs = malloc((p.length ? p.length : 1) * sizeof(*refs));
	if (!refs) {
		err_msg("--pattern %s: no memory for %" PRIu64 " references",
			spec, p.length);
		pattern_fini(&p);
		return NULL;
	}
	while (i < p.length && pattern_next(&p, &refs[i]))
		i++;
	*pages = p.pages;
	*length = i;
	pattern_fini(&p);
	return refs;
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
