// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab simulate`: the reference simulator (sim.c) of FIFO,
 * LRU, OPT, CLOCK and RANDOM over one reference string, for a list of frame
 * counts: misses and hit ratio per policy and frame count, and any
 * Belady's anomaly (more frames, more misses) it shows.  No module needed.
 *
 * --steps prints every reference instead: hit or miss, the victim, and
 * memory in the policy's order (the view of OSTEP's paging-policy.py -c),
 * JSON lines with -j.
 *
 * The reference string comes from --refs (page numbers) or from a pattern,
 * the same generators `vmlab run` touches pages with, so the two commands
 * see the same string for the same --pattern, --pages, --touches, --seed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "curve.h"
#include "json.h"
#include "names.h"
#include "pattern.h"
#include "sim.h"
#include "util.h"

#define SIM_MAX_FRAME_COUNTS 1024
/* A short string is printed with the results */
#define SHOW_REFS 40

struct simulate {
	/* the reference string */
	const char *refs_arg;	/* --refs */
	const char *pattern;	/* --pattern */
	uint64_t pages;		/* --pages; 0: not given */
	uint64_t touches;	/* --touches; 0: the pattern's default */
	uint64_t seed;
	uint64_t *refs;
	uint8_t *writes;	/* trace:FILE's r|w (opts.writes), or NULL */
	uint64_t n;

	/* what to simulate */
	bool policy[SIM_NR_POLICIES];
	uint64_t frames[SIM_MAX_FRAME_COUNTS];
	unsigned int nframes;

	struct sim_opts opts;	/* the trace's r|w or --write, --ws-window */
	bool steps;		/* --steps */
	bool kernel;		/* --kernel: the module's policies too */
	const char *plot;	/* --plot PREFIX */
	struct curve_kernel ks[SIM_NR_POLICIES];	/* --kernel's series */
	unsigned int nks;
	uint64_t *kmiss;	/* [kernel series][frame count] */

	/* results, [policy][frame count] */
	struct sim_result *res;
};

static const char simulate_doc[] =
"Run the reference simulator: textbook FIFO, LRU, OPT (Belady's optimal:\n"
"evict the page used furthest ahead), CLOCK (every reference sets the\n"
"page's bit), RANDOM, MRU (most recently used: right for loops), SIEVE\n"
"(NSDI'24: FIFO with a visited bit and a hand that moves from old to new,\n"
"keeping what it passes), S3FIFO (SOSP'23: a small FIFO, a main FIFO and\n"
"a ghost FIFO), SFIFO (VAX/VMS segmented FIFO: a FIFO of half the frames,\n"
"then clean and dirty second-chance lists), 2Q (Linux's inactive and\n"
"active lists) and WSCLOCK (Carr and Hennessy: a clock with last-use times\n"
"and a window, --ws-window) over one reference string, for each frame\n"
"count, and print the misses and the hit ratio of each.  A miss is a\n"
"reference to a page not resident; an SFIFO reference to a page on a\n"
"second-chance list is a reclaim (a soft miss, no I/O), not a miss.  The\n"
"string's references read, or write with --write, or do as a trace's\n"
"PAGE,r and PAGE,w lines say (SFIFO and WSCLOCK tell clean pages from dirty\n"
"ones; every policy counts the dirty pages it evicts as write-backs).\n"
"Belady's anomaly -- more frames, more misses -- is pointed out when the\n"
"frame counts show it.  No module is needed.\n"
"\n"
"The reference string is --refs, a list of page numbers, or a --pattern\n"
"(seq, rand, loop, hotcold, trace:FILE) of --pages pages: the same string\n"
"'vmlab run' makes with the same --pattern, --pages, --touches and --seed,\n"
"so 'vmlab run --compare' and this command agree.\n"
"\n"
"--kernel makes the same references on vmlab too, written, at each frame\n"
"count, with the module's twin of every policy simulated but OPT (LRU, MRU,\n"
"SIEVE, S3FIFO, SFIFO, 2Q and WSCLOCK with a one-page software TLB, which\n"
"makes them exact but for immediate repeats), and --plot\n"
"PREFIX writes the miss curves of every series: PREFIX.csv, and through\n"
"gnuplot PREFIX.png and PREFIX.svg (OPT is the floor; Belady's anomaly\n"
"shows as a FIFO curve going up).\n"
"\n"
"--steps prints one line per reference instead, for each policy and frame\n"
"count: hit or miss, the page evicted, and memory after it in the\n"
"policy's order - FIFO first out first, LRU least recent first, OPT by\n"
"arrival, CLOCK and RANDOM by frame, CLOCK with its hand (>) and use bits\n"
"(*), SFIFO the FIFO then the clean and dirty lists (a reclaim shows as\n"
"soft), 2Q inactive then active, WSCLOCK by frame with its hand and\n"
"reference bits.  OPT breaks ties among pages never used again as OSTEP's\n"
"paging-policy.py does (the last to arrive goes), so the views diff.\n"
"\n"
"EXAMPLES:\n"
"  vmlab simulate --refs 1,2,3,4,1,2,5,1,2,3,4,5 --frames 3,4 --policy fifo\n"
"  vmlab simulate --pattern loop --pages 64 --frames 16,32,48,64\n"
"  vmlab simulate --pattern hotcold --pages 100 --touches 10000 --frames 1-40\n"
"  vmlab simulate --pattern trace:refs.txt --frames 3,4 --policy fifo,opt\n"
"  vmlab -j simulate --refs 0,1,2,0,1,3 --frames 2\n"
"  vmlab simulate --refs 0,1,2,0,1,3,0,3,1,2,1 --frames 3 --policy opt --steps\n"
"  vmlab simulate --pattern hotcold --pages 64 --frames 1-64 --kernel \\\n"
"                 --policy fifo,lru,opt,clock --plot hotcold\n";

enum {
	OPT_REFS = 0x100,
	OPT_TOUCHES,
	OPT_STEPS,
	OPT_KERNEL,
	OPT_PLOT,
	OPT_WRITE,
	OPT_WS_WINDOW,
};

static const struct argp_option simulate_opts[] = {
	{ "frames", 'f', "F[,F2,...]", 0,
	  "Frame counts: a list, ranges allowed (3,4 or 1-8) (required)", 0 },
	{ "policy", 'P', "POLICY", 0,
	  "fifo, lru, opt, clock, random, mru, sieve, s3fifo, sfifo, 2q, "
	  "wsclock, unopt, lfu, a list of them, or all (default)", 0 },
	{ "write", OPT_WRITE, NULL, 0,
	  "Every reference writes (default: reads, or the trace's r|w)", 0 },
	{ "ws-window", OPT_WS_WINDOW, "T", 0,
	  "WSCLOCK's window: a page unreferenced for more than T references "
	  "is out of the working set (default: the frame count)", 0 },
	{ "refs", OPT_REFS, "LIST", 0,
	  "The reference string: page numbers, comma-separated", 1 },
	{ "pattern", 'p', "PATTERN", 0,
	  "Or a pattern: seq, rand, loop, hotcold, trace:FILE", 1 },
	{ "pages", 'n', "N", 0,
	  "The pattern's region in pages (default 16; trace: the highest page "
	  "+ 1)", 1 },
	{ "touches", OPT_TOUCHES, "T", 0,
	  "References the pattern makes (default: the pattern's)", 1 },
	{ "seed", 's', "S", 0,
	  "Seed of the random patterns and of RANDOM (default 1)", 1 },
	{ "steps", OPT_STEPS, NULL, 0,
	  "One line per reference: hit or miss, victim, memory", 2 },
	{ "kernel", OPT_KERNEL, NULL, 0,
	  "Also make the references on vmlab (FIFO, LRU with a one-page "
	  "software TLB, CLOCK) at each frame count", 2 },
	{ "plot", OPT_PLOT, "PREFIX", 0,
	  "Write the miss curves: PREFIX.csv, PREFIX.gp, PREFIX.png, "
	  "PREFIX.svg (gnuplot)", 2 },
	CLI_OPT_JSON(2),
	{},
};

/* "3,4" or "1-8" or "2,4-6": sorted, without duplicates */
static void parse_frames(struct argp_state *state, struct simulate *s,
			 const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL, *dash;
	uint64_t lo, hi, v;
	unsigned int i, j;

	if (!copy)
		argp_failure(state, 1, ENOMEM, "--frames");
	s->nframes = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		dash = strchr(tok, '-');
		if (dash)
			*dash = '\0';
		if (parse_u64(tok, &lo) || (dash && parse_u64(dash + 1, &hi)))
			argp_error(state, "--frames '%s': not a list of frame "
				   "counts (like 3,4 or 1-8)", list);
		if (!dash)
			hi = lo;
		if (!lo || hi < lo)
			argp_error(state, "--frames '%s': frame counts are 1 or "
				   "more, ranges low-high", list);
		for (v = lo; v <= hi; v++) {
			for (i = 0; i < s->nframes && s->frames[i] < v; i++)
				;
			if (i < s->nframes && s->frames[i] == v)
				continue;
			if (s->nframes == SIM_MAX_FRAME_COUNTS)
				argp_error(state, "--frames '%s': more than %d "
					   "frame counts", list,
					   SIM_MAX_FRAME_COUNTS);
			for (j = s->nframes; j > i; j--)
				s->frames[j] = s->frames[j - 1];
			s->frames[i] = v;
			s->nframes++;
		}
	}
	free(copy);
	if (!s->nframes)
		argp_error(state, "--frames '%s': no frame count given", list);
}

static int want_policy(const char *name, void *arg)
{
	struct simulate *s = arg;
	int p;

	if (!strcmp(name, "all")) {
		memset(s->policy, 1, sizeof(s->policy));
		return 0;
	}
	p = sim_policy_parse(name);
	if (p < 0)
		return -1;
	s->policy[p] = true;
	return 0;
}

/* --refs: comma-separated page numbers (spaces allowed after commas) */
static int parse_refs(struct simulate *s)
{
	const char *p = s->refs_arg;
	uint64_t cap = 0, v;
	char tok[32];
	size_t len;

	while (*p) {
		while (*p == ' ')
			p++;
		len = strcspn(p, ",");
		if (len >= sizeof(tok) || !len)
			return err_msg("--refs: '%.*s' is not a page number "
				       "(a list like 1,2,3)", (int)len, p);
		memcpy(tok, p, len);
		tok[len] = '\0';
		while (len && tok[len - 1] == ' ')
			tok[--len] = '\0';
		if (parse_u64(tok, &v))
			return err_msg("--refs: '%s' is not a page number (a "
				       "list like 1,2,3)", tok);
		if (v >= PATTERN_MAX_PAGES)
			return err_msg("--refs: page %" PRIu64 " is too large "
				       "(at most %llu)", v, PATTERN_MAX_PAGES - 1);
		if (s->pages && v >= s->pages)
			return err_msg("--refs: page %" PRIu64 " is outside the "
				       "region of %" PRIu64 " pages (--pages)",
				       v, s->pages);
		if (s->n == cap) {
			uint64_t *r;

			cap = cap ? 2 * cap : 64;
			r = realloc(s->refs, cap * sizeof(*r));
			if (!r)
				return err_msg("--refs: out of memory");
			s->refs = r;
		}
		s->refs[s->n++] = v;
		p += strcspn(p, ",");
		if (*p == ',' && !*++p)
			return err_msg("--refs: a comma ends the list");
	}
	if (!s->n)
		return err_msg("--refs: no references given");
	return 0;
}

static error_t simulate_parse(int key, char *arg, struct argp_state *state)
{
	struct simulate *s = state->input;

	switch (key) {
	case 'f':
		parse_frames(state, s, arg);
		break;
	case 'P':
		memset(s->policy, 0, sizeof(s->policy));
		arg_list(state, "--policy", "policy", "the simulator knows fifo, "
			 "lru, opt, clock, random, mru, sieve, s3fifo, sfifo, "
			 "2q, wsclock (or all)", arg,
			 want_policy, s);
		break;
	case OPT_REFS:
		s->refs_arg = arg;
		break;
	case 'p':
		arg_pattern(state, arg);
		s->pattern = arg;
		break;
	case 'n':
		s->pages = arg_u64(state, "--pages", arg, 1, PATTERN_MAX_PAGES);
		break;
	case OPT_TOUCHES:
		s->touches = arg_u64(state, "--touches", arg, 1, PATTERN_MAX_REFS);
		break;
	case OPT_STEPS:
		s->steps = true;
		break;
	case OPT_WRITE:
		s->opts.all_writes = true;
		break;
	case OPT_WS_WINDOW:
		s->opts.ws_window = arg_u64(state, "--ws-window", arg, 1,
					    UINT64_MAX);
		break;
	case OPT_KERNEL:
		s->kernel = true;
		break;
	case OPT_PLOT:
		if (!*arg)
			argp_error(state, "--plot needs a file name prefix");
		s->plot = arg;
		break;
	case 's':
		s->seed = arg_u64(state, "--seed", arg, 0, UINT64_MAX);
		break;
	case ARGP_KEY_END:
		if (!s->nframes)
			argp_error(state, "--frames F[,F2,...] is required");
		if (s->refs_arg && s->pattern)
			argp_error(state, "--refs and --pattern: give one reference "
				   "string");
		if (!s->refs_arg && !s->pattern)
			argp_error(state, "no reference string: give --refs LIST "
				   "or --pattern PATTERN");
		if (s->refs_arg && s->touches)
			argp_error(state, "--touches is for --pattern; --refs is "
				   "the whole string");
		if (s->steps && (s->kernel || s->plot))
			argp_error(state, "--steps is one view, --kernel and "
				   "--plot another: give one");
		break;
	default:
		return cli_key(key, arg, state);
	}
	return 0;
}

/* The reference string, from --refs or the pattern */
static int make_refs(struct simulate *s)
{
	const struct pattern_ops *ops;
	uint64_t pages = s->pages, length = s->touches, i;
	const char *arg;

	if (s->refs_arg) {
		if (parse_refs(s))
			return -1;
		if (!s->pages)
			for (i = 0; i < s->n; i++)
				if (s->refs[i] + 1 > s->pages)
					s->pages = s->refs[i] + 1;
		return 0;
	}
	ops = pattern_lookup(s->pattern, &arg);
	if (!pages && !(ops && ops->sizes_itself))
		pages = 16;	/* as vmlab run */
	s->refs = pattern_refs_rw(s->pattern, &pages, &length, s->seed,
				  &s->writes);
	if (!s->refs)
		return -1;
	/* the trace's own r|w win over --write */
	s->opts.writes = s->writes;
	s->pages = pages;
	s->n = length;
	return 0;
}

static uint64_t distinct_pages(const struct simulate *s)
{
	int64_t n = sim_distinct(s->refs, s->n);

	return n < 0 ? 0 : (uint64_t)n;
}

/* The order --steps lists memory in, by policy */
static const char *const mem_order[SIM_NR_POLICIES] = {
	[SIM_FIFO] = "first out first",
	[SIM_LRU] = "least recent first",
	[SIM_OPT] = "by arrival",
	[SIM_UNOPT] = "by arrival",
	[SIM_LFU] = "by frame",
	[SIM_CLOCK] = "by frame; > hand, * use bit",
	[SIM_RANDOM] = "by frame",
	[SIM_MRU] = "least recent first",
	[SIM_SIEVE] = "oldest first; > hand, * visited",
	[SIM_S3FIFO] = "small queue then main queue, oldest first",
	[SIM_SFIFO] = "FIFO, clean list, dirty list, each oldest first",
	[SIM_TWOQ] = "inactive, then active, each oldest first",
	[SIM_WSCLOCK] = "by frame; > hand, * reference bit",
};

struct step_out {
	bool rw;		/* the string says which references write */
	enum sim_policy policy;
	uint64_t frames;
	uint64_t hits, misses;
};

static void print_step(const struct sim_step *st, void *arg)
{
	struct step_out *o = arg;
	size_t k;

	st->hit ? o->hits++ : o->misses++;
	if (opt_json) {
		struct jw w;

		jw_init(&w, stdout);
		jw_obj(&w, NULL);
		jw_str(&w, "policy", sim_policy_name(o->policy));
		jw_u64(&w, "frames", o->frames);
		jw_u64(&w, "index", st->index);
		jw_u64(&w, "page", st->page);
		jw_bool(&w, "hit", st->hit);
		if (o->rw)
			jw_bool(&w, "write", st->write);
		if (st->reclaim)
			jw_bool(&w, "reclaim", true);
		if (st->evicted)
			jw_u64(&w, "victim", st->victim);
		else
			jw_null(&w, "victim");
		if (o->rw)
			jw_bool(&w, "victim_dirty", st->evicted && st->victim_dirty);
		jw_arr(&w, "memory");
		for (k = 0; k < st->nresident; k++)
			jw_u64(&w, NULL, st->resident[k]);
		jw_end(&w);
		if (st->use) {
			jw_arr(&w, "use");
			for (k = 0; k < st->nresident; k++)
				jw_u64(&w, NULL, st->use[k]);
			jw_end(&w);
			jw_u64(&w, "hand", st->hand);
		}
		jw_finish(&w);
		return;
	}
	/* an SFIFO reclaim is a hit without I/O: a soft miss */
	printf("%6" PRIu64 " %10" PRIu64 "%s %-4s ", st->index, st->page,
	       !o->rw ? " " : st->write ? "w" : "r",
	       st->reclaim ? "soft" : st->hit ? "hit" : "miss");
	if (!o->rw && st->evicted)
		printf("%10" PRIu64, st->victim);
	else if (!o->rw)
		printf("%10s", "-");
	else if (st->evicted)
		printf("%9" PRIu64 "%s", st->victim, st->victim_dirty ? "d" : " ");
	else
		printf("%9s ", "-");
	printf("  [");
	for (k = 0; k < st->nresident; k++)
		printf("%s%s%" PRIu64 "%s", k ? " " : "",
		       st->use && k == st->hand ? ">" : "", st->resident[k],
		       st->use && st->use[k] ? "*" : "");
	printf("]  hits %" PRIu64 ", misses %" PRIu64 "\n", o->hits, o->misses);
}

/* --steps: every policy and frame count, one reference a line */
static int run_steps(struct simulate *s)
{
	struct sim_result r;
	struct step_out o;
	unsigned int p, f;
	bool first = true;

	for (p = 0; p < SIM_NR_POLICIES; p++) {
		if (!s->policy[p])
			continue;
		for (f = 0; f < s->nframes; f++) {
			o = (struct step_out){ .policy = p, .frames = s->frames[f],
					       .rw = s->opts.writes ||
						     s->opts.all_writes };
			if (!opt_json)
				printf("%s%s, %" PRIu64 " frames (memory %s):\n"
				       "%6s %10s  %-4s %10s  %s\n",
				       first ? "" : "\n", sim_policy_name(p),
				       s->frames[f], mem_order[p], "ref", "page",
				       "", "victim", "memory");
			first = false;
			if (sim_run_opts(p, s->frames[f], s->refs, s->n,
					 s->seed, &s->opts, &r, print_step, &o))
				return err_errno("simulate");
		}
	}
	return 0;
}

static struct sim_result *result(const struct simulate *s, unsigned int p,
				 unsigned int f)
{
	return &s->res[p * s->nframes + f];
}

static double ratio_of(const struct sim_result *r)
{
	return r->refs ? (double)(r->refs - r->misses) / r->refs : 0.0;
}

/*
 * Belady's anomaly at result @k (policy *@p, frame count *@f): a policy
 * simulated whose next frame count in the list misses more.
 */
static bool anomaly(const struct simulate *s, unsigned int k, unsigned int *p,
		    unsigned int *f)
{
	*p = k / s->nframes;
	*f = k % s->nframes;
	return s->policy[*p] && *f + 1 < s->nframes &&
	       result(s, *p, *f + 1)->misses > result(s, *p, *f)->misses;
}

static void print_text(const struct simulate *s)
{
	unsigned int p, f, k, found = 0;
	uint64_t i;

	printf("vmlab simulate: %" PRIu64 " references to %" PRIu64 " distinct "
	       "pages (region of %" PRIu64 " pages), ", s->n, distinct_pages(s),
	       s->pages);
	if (s->refs_arg)
		printf("from --refs\n");
	else
		printf("pattern %s, seed %" PRIu64 "\n", s->pattern, s->seed);
	if (s->n <= SHOW_REFS) {
		printf("references:");
		for (i = 0; i < s->n; i++)
			printf(" %" PRIu64, s->refs[i]);
		printf("\n");
	}
	printf("misses and hit ratio by policy and frames:\n\n%8s", "frames");
	for (p = 0; p < SIM_NR_POLICIES; p++)
		if (s->policy[p])
			printf("  %15s", sim_policy_name(p));
	printf("\n");
	for (f = 0; f < s->nframes; f++) {
		printf("%8" PRIu64, s->frames[f]);
		for (p = 0; p < SIM_NR_POLICIES; p++) {
			const struct sim_result *r = result(s, p, f);

			if (s->policy[p])
				printf("  %8" PRIu64 " %5.1f%%", r->misses,
				       100 * ratio_of(r));
		}
		printf("\n");
	}
	if (s->kernel) {
		printf("\nthe same references on vmlab (written; misses and hit "
		       "ratio):\n\n%8s", "frames");
		for (k = 0; k < s->nks; k++)
			printf("  %15s", s->ks[k].name);
		printf("\n");
		for (f = 0; f < s->nframes; f++) {
			printf("%8" PRIu64, s->frames[f]);
			for (k = 0; k < s->nks; k++) {
				uint64_t m = s->kmiss[k * s->nframes + f];

				printf("  %8" PRIu64 " %5.1f%%", m,
				       s->n ? 100.0 * (s->n - m) / s->n : 0.0);
			}
			printf("\n");
		}
	}
	for (k = 0; k < SIM_NR_POLICIES * s->nframes; k++) {
		if (!anomaly(s, k, &p, &f))
			continue;
		if (!found++)
			printf("\n");
		printf("Belady's anomaly: %s misses %" PRIu64 " times with %"
		       PRIu64 " frames, more than the %" PRIu64 " with %" PRIu64
		       "\n", sim_policy_name(p), result(s, p, f + 1)->misses,
		       s->frames[f + 1], result(s, p, f)->misses, s->frames[f]);
	}
}

static void print_json(const struct simulate *s)
{
	unsigned int p, f, k;
	struct jw w;
	uint64_t i;

	jw_init(&w, stdout);
	jw_obj(&w, NULL);
	jw_str(&w, "source", s->refs_arg ? "refs" : "pattern");
	if (s->pattern)
		jw_str(&w, "pattern", s->pattern);
	jw_u64(&w, "seed", s->seed);
	jw_u64(&w, "pages", s->pages);
	jw_u64(&w, "distinct_pages", distinct_pages(s));
	jw_u64(&w, "references", s->n);
	if (s->n <= SHOW_REFS) {
		jw_arr(&w, "refs");
		for (i = 0; i < s->n; i++)
			jw_u64(&w, NULL, s->refs[i]);
		jw_end(&w);
	}
	jw_arr(&w, "results");
	for (p = 0; p < SIM_NR_POLICIES; p++) {
		if (!s->policy[p])
			continue;
		for (f = 0; f < s->nframes; f++) {
			const struct sim_result *r = result(s, p, f);

			jw_obj(&w, NULL);
			jw_str(&w, "policy", sim_policy_name(p));
			jw_u64(&w, "frames", s->frames[f]);
			jw_u64(&w, "misses", r->misses);
			jw_u64(&w, "hits", r->refs - r->misses);
			jw_dbl(&w, "hit_ratio", ratio_of(r));
			jw_u64(&w, "evictions", r->evictions);
			if (s->opts.writes || s->opts.all_writes)
				jw_u64(&w, "writebacks", r->writebacks);
			if (p == SIM_SFIFO)
				jw_u64(&w, "reclaims", r->reclaims);
			jw_end(&w);
		}
	}
	jw_end(&w);
	if (s->kernel) {
		jw_arr(&w, "kernel");
		for (k = 0; k < s->nks; k++) {
			for (f = 0; f < s->nframes; f++) {
				uint64_t m = s->kmiss[k * s->nframes + f];

				jw_obj(&w, NULL);
				jw_str(&w, "policy", policy_name(s->ks[k].policy));
				jw_u64(&w, "software_tlb", s->ks[k].window);
				jw_u64(&w, "frames", s->frames[f]);
				jw_u64(&w, "misses", m);
				jw_u64(&w, "hits", s->n - m);
				jw_end(&w);
			}
		}
		jw_end(&w);
	}
	jw_arr(&w, "anomalies");
	for (k = 0; k < SIM_NR_POLICIES * s->nframes; k++) {
		if (!anomaly(s, k, &p, &f))
			continue;
		jw_obj(&w, NULL);
		jw_str(&w, "policy", sim_policy_name(p));
		jw_u64(&w, "frames", s->frames[f]);
		jw_u64(&w, "misses", result(s, p, f)->misses);
		jw_u64(&w, "more_frames", s->frames[f + 1]);
		jw_u64(&w, "more_misses", result(s, p, f + 1)->misses);
		jw_end(&w);
	}
	jw_finish(&w);
}

/* --plot: every series' misses over the frame counts */
static int plot(const struct simulate *s)
{
	struct curve_series series[2 * SIM_NR_POLICIES];
	uint64_t *m = calloc(SIM_NR_POLICIES * s->nframes, sizeof(*m));
	unsigned int p, f, n = 0, k;
	char title[256];
	int ret;

	if (!m)
		return err_msg("out of memory");
	for (p = 0; p < SIM_NR_POLICIES; p++) {
		if (!s->policy[p])
			continue;
		for (f = 0; f < s->nframes; f++)
			m[n * s->nframes + f] = result(s, p, f)->misses;
		series[n].name = sim_policy_name(p);
		series[n].misses = &m[n * s->nframes];
		n++;
	}
	for (k = 0; s->kernel && k < s->nks; k++) {
		series[n].name = s->ks[k].name;
		series[n].misses = &s->kmiss[k * s->nframes];
		n++;
	}
	snprintf(title, sizeof(title), "%s: %" PRIu64 " references to %" PRIu64
		 " distinct pages", s->pattern ? s->pattern : "--refs", s->n,
		 distinct_pages(s));
	ret = curve_write(s->plot, title, s->n, s->frames, s->nframes, series, n);
	free(m);
	return ret;
}

int cmd_simulate(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(simulate_opts, simulate_parse,
						   NULL, simulate_doc);
	struct simulate *s = calloc(1, sizeof(*s));
	unsigned int p, f;
	int ret = 1;

	if (!s)
		return err_msg("out of memory");
	s->seed = 1;
	memset(s->policy, 1, sizeof(s->policy));
	sub_argp_parse(&argp, "simulate", argc, argv, s);
	if (make_refs(s))
		goto out;
	if (s->steps) {
		ret = run_steps(s) ? 1 : 0;
		goto out;
	}
	s->res = calloc(SIM_NR_POLICIES * s->nframes, sizeof(*s->res));
	if (!s->res) {
		err_msg("out of memory");
		goto out;
	}
	for (p = 0; p < SIM_NR_POLICIES; p++) {
		if (!s->policy[p])
			continue;
		for (f = 0; f < s->nframes; f++) {
			if (sim_run_opts(p, s->frames[f], s->refs, s->n, s->seed,
					 &s->opts, result(s, p, f), NULL, NULL)) {
				err_errno("simulate");
				goto out;
			}
		}
	}
	if (s->kernel) {
		/* the module's twin of each policy simulated */
		for (p = 0; p < SIM_NR_POLICIES; p++)
			if (s->policy[p] && !curve_kernel_twin(p, &s->ks[s->nks]))
				s->nks++;
		s->kmiss = calloc(s->nks * s->nframes + 1, sizeof(*s->kmiss));
		if (!s->kmiss) {
			err_msg("out of memory");
			goto out;
		}
		if (curve_kernel(s->ks, s->nks, s->refs, s->n, s->pages, s->seed,
				 s->frames, s->nframes, s->kmiss))
			goto out;
	}
	if (opt_json)
		print_json(s);
	else
		print_text(s);
	if (s->plot && plot(s))
		goto out;
	ret = 0;
out:
	free(s->kmiss);
	free(s->res);
	free(s->refs);
	free(s->writes);
	free(s);
	return ret;
}
