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
 *   trace:FILE one reference a line: PAGE, PAGE,r or PAGE,w
 *   phases:LO-HIxN,...  N references cycling over pages LO..HI, then the
 *              next phase: a working set that moves
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pattern.h"
#include "tracefile.h"
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
 * trace:FILE: one reference a line, "PAGE", "PAGE,r" or "PAGE,w" (decimal
 * or 0x-hex; tracefile.c parses it); '#' comments and blank lines are
 * skipped.  With no region size given (pages 0) the region is the highest
 * page + 1.  More --touches than lines replay the trace from its start.
 */
static int trace_init(struct pattern *p, const char *file)
{
	struct trace_refs *t = calloc(1, sizeof(*t));
	char err[512];

	if (!t)
		return err_msg("trace: out of memory"), -1;
	if (!*file) {
		free(t);
		return err_msg("--pattern trace:FILE: no file name given"), -1;
	}
	if (trace_load(file, p->pages ? p->pages : PATTERN_MAX_PAGES,
		       PATTERN_MAX_REFS, p->pages, t, err, sizeof(err))) {
		free(t);
		return err_msg("trace %s", err), -1;
	}
	if (!p->pages)
		p->pages = t->max + 1;
	if (!p->length)
		p->length = t->n;
	p->priv = t;
	return 0;
}

static bool trace_next(struct pattern *p, uint64_t *page)
{
	struct trace_refs *t = p->priv;

	*page = t->refs[p->done % t->n];
	return true;
}

/* Does reference @i write?  -1: the trace does not say */
static int trace_writes(struct pattern *p, uint64_t i)
{
	struct trace_refs *t = p->priv;

	return t->writes ? t->writes[i % t->n] : -1;
}

static void trace_fini(struct pattern *p)
{
	struct trace_refs *t = p->priv;

	if (t)
		trace_refs_free(t);
	free(t);
	p->priv = NULL;
}

/* -------------------------------------------------------------- phases */

/*
 * phases:LO-HIxN[,LO-HIxN...]: N references cycling over pages LO..HI
 * (LO, LO+1, ..., HI, LO, ...), then the next phase's; a program whose
 * working set moves, phase after phase.  The region is the highest HI + 1
 * unless --pages; more --touches than the phases make start over.
 */
#define PHASES_MAX 64

struct phase {
	uint64_t lo, hi, n;
};

struct phases {
	struct phase v[PHASES_MAX];
	unsigned int nr;
	uint64_t total;		/* references in one pass over the phases */
};

/* Parse one "LO-HIxN" at *@s into @ph, moving *@s past it; 0 or -1 */
static int phase_parse(const char **s, struct phase *ph)
{
	char *end;

	errno = 0;
	ph->lo = strtoull(*s, &end, 0);
	if (end == *s || *end != '-' || errno)
		return -1;
	*s = end + 1;
	ph->hi = strtoull(*s, &end, 0);
	if (end == *s || *end != 'x' || errno)
		return -1;
	*s = end + 1;
	ph->n = strtoull(*s, &end, 0);
	if (end == *s || errno || (*end && *end != ','))
		return -1;
	*s = end;
	return 0;
}

static int phases_init(struct pattern *p, const char *spec)
{
	struct phases *ps = calloc(1, sizeof(*ps));
	const char *s = spec;
	uint64_t max = 0;

	if (!ps)
		return err_msg("phases: out of memory"), -1;
	p->priv = ps;
	do {
		struct phase *ph = &ps->v[ps->nr];

		if (ps->nr == PHASES_MAX)
			return err_msg("--pattern phases: at most %d phases",
				       PHASES_MAX), -1;
		if (ps->nr)
			s++;	/* the comma */
		if (phase_parse(&s, ph) || ph->lo > ph->hi || !ph->n)
			return err_msg("--pattern phases:%s: phase %u is not "
				       "LO-HIxN (LO <= HI, N > 0), as in "
				       "phases:0-15x1000,8-39x2000", spec,
				       ps->nr + 1), -1;
		if (ph->hi >= PATTERN_MAX_PAGES ||
		    (p->pages && ph->hi >= p->pages))
			return err_msg("--pattern phases: page %" PRIu64
				       " is outside the region", ph->hi), -1;
		if (ps->total + ph->n > PATTERN_MAX_REFS)
			return err_msg("--pattern phases: more than %llu "
				       "references", PATTERN_MAX_REFS), -1;
		ps->total += ph->n;
		if (ph->hi > max)
			max = ph->hi;
		ps->nr++;
	} while (*s);
	if (!p->pages)
		p->pages = max + 1;
	if (!p->length)
		p->length = ps->total;
	return 0;
}

static bool phases_next(struct pattern *p, uint64_t *page)
{
	const struct phases *ps = p->priv;
	uint64_t i = p->done % ps->total;
	unsigned int k;

	for (k = 0; i >= ps->v[k].n; k++)
		i -= ps->v[k].n;
	*page = ps->v[k].lo + i % (ps->v[k].hi - ps->v[k].lo + 1);
	return true;
}

static void phases_fini(struct pattern *p)
{
	free(p->priv);
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
		.help = "the references in FILE, one a line: PAGE, PAGE,r or "
			"PAGE,w (the region: the highest + 1, unless --pages)",
		.takes_arg = true,
		.arg_name = "FILE",
		.sizes_itself = true,
		.init = trace_init,
		.next = trace_next,
		.writes = trace_writes,
		.fini = trace_fini,
	},
	{
		.name = "phases",
		.help = "N references cycling over pages LO..HI, phase after "
			"phase: phases:LO-HIxN,LO-HIxN,... (the region: the "
			"highest HI + 1, unless --pages)",
		.takes_arg = true,
		.arg_name = "LO-HIxN,...",
		.sizes_itself = true,
		.init = phases_init,
		.next = phases_next,
		.fini = phases_fini,
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
			argp_error(state, "--pattern %s needs an argument: %s:%s",
				   spec, patterns[i].name, patterns[i].arg_name);
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
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s%s%s",
				i ? ", " : "", patterns[i].name,
				patterns[i].takes_arg ? ":" : "",
				patterns[i].takes_arg ? patterns[i].arg_name : "");
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

uint64_t *pattern_refs_rw(const char *spec, uint64_t *pages, uint64_t *length,
			  uint64_t seed, uint8_t **writes)
{
	struct pattern p;
	uint64_t *refs, i = 0;
	uint8_t *w = NULL;
	bool rw;

	if (writes)
		*writes = NULL;
	if (pattern_init(&p, spec, *pages, *length, seed))
		return NULL;
	rw = writes && p.ops->writes && p.ops->writes(&p, 0) >= 0;
	if (p.length > PATTERN_MAX_REFS) {
		err_msg("--pattern %s: %" PRIu64 " references are too many (at "
			"most %llu)", spec, p.length, PATTERN_MAX_REFS);
		pattern_fini(&p);
		return NULL;
	}
	refs = malloc((p.length ? p.length : 1) * sizeof(*refs));
	if (rw)
		w = malloc(p.length ? p.length : 1);
	if (!refs || (rw && !w)) {
		err_msg("--pattern %s: no memory for %" PRIu64 " references",
			spec, p.length);
		free(refs);
		free(w);
		pattern_fini(&p);
		return NULL;
	}
	while (i < p.length && pattern_next(&p, &refs[i])) {
		if (w)
			w[i] = p.ops->writes(&p, i);
		i++;
	}
	*pages = p.pages;
	*length = i;
	if (writes)
		*writes = w;
	pattern_fini(&p);
	return refs;
}

uint64_t *pattern_refs(const char *spec, uint64_t *pages, uint64_t *length,
		       uint64_t seed)
{
	return pattern_refs_rw(spec, pages, length, seed, NULL);
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
