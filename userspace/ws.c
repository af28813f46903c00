// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab ws`: working sets, estimated from accessed bits, and
 * thrashing.
 *
 * Denning's working set W(t, D) is the set of pages a program referenced in
 * the last D references before t.  The kernel cannot see references, only
 * the accessed bits the MMU sets: so every --interval references this
 * samples them (VMLAB_RESIDENT_YOUNG tests and clears them in every
 * mapping) and estimates W as the union of the last --window samples.  The
 * exact W from the reference string is printed beside it: with the TLB
 * flushed after each sample (the default where the kernel allows it) they
 * agree; without, pages used through a TLB entry cached before the sample
 * set no bit, and the estimate falls short.
 *
 * Then the thrashing half: the same references under frame budgets from
 * above the largest working set to below it, with CLOCK (or --policy): the
 * fault rate stays near the cold misses while the budget holds the working
 * set and climbs toward one miss a reference below it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "experiment.h"
#include "json.h"
#include "names.h"
#include "pattern.h"
#include "plot.h"
#include "util.h"

#define WS_PATTERN	"phases:0-15x1600,8-39x3200,40-47x1600"
#define WS_MAX_BUDGETS	32

static const char ws_doc[] =
"Working sets from accessed bits: every --interval references of the pattern\n"
"(default " WS_PATTERN ": 16 pages, then 32, then\n"
"8), sample and clear the accessed bits of every resident page\n"
"(VMLAB_RESIDENT_YOUNG); W(t) is the union of the last --window samples,\n"
"printed beside the exact working set of the reference string over the same\n"
"references.  The TLB is flushed after each sample where the kernel lets a\n"
"module (see vmlab info): then they agree; --no-flush shows what is missed\n"
"without.  Then the same references under each --budgets frame count with\n"
"--policy (default clock): misses and the fault rate, which climbs once the\n"
"budget falls below the working set: thrashing.\n"
"\n"
"EXAMPLES:\n"
"  vmlab ws\n"
"  vmlab ws --interval 50 --window 8 --plot build/ws   # .csv .gp .png .svg\n"
"  vmlab ws --pattern phases:0-63x6400,0-15x3200 --budgets 64,48,32,16\n"
"  vmlab -j ws --no-flush\n";

enum { OPT_INTERVAL = 0x100, OPT_WINDOW, OPT_NO_FLUSH, OPT_BUDGETS, OPT_POLICY,
       OPT_PLOT, OPT_PATTERN };

static const struct argp_option ws_opts[] = {
	{ "pattern", OPT_PATTERN, "PATTERN", 0,
	  "The references (default " WS_PATTERN ")", 0 },
	{ "pages", 'n', "N", 0,
	  "The region, for a pattern that does not size it (default: its own)", 0 },
	{ "interval", OPT_INTERVAL, "K", 0,
	  "References between two samples (default 100)", 0 },
	{ "window", OPT_WINDOW, "D", 0,
	  "Samples in the working-set window (default 4)", 0 },
	{ "no-flush", OPT_NO_FLUSH, NULL, 0,
	  "Do not flush the TLB after a sample", 0 },
	{ "budgets", OPT_BUDGETS, "F,...", 0,
	  "Frame budgets for the thrashing runs (default: from the largest "
	  "working set + 8 down to a quarter of it); 'none' skips them", 0 },
	{ "policy", OPT_POLICY, "POLICY", 0,
	  "Policy of the thrashing runs (default clock)", 0 },
	{ "plot", OPT_PLOT, "PREFIX", 0,
	  "Write PREFIX.csv, PREFIX-budgets.csv and .gp, and through gnuplot "
	  ".png and .svg", 0 },
	CLI_OPT_JSON(0),
	{},
};

struct ws_args {
	const char *pattern;
	uint64_t pages;
	uint64_t interval;
	uint64_t window;
	bool no_flush;
	bool no_budgets;
	unsigned int nbudgets;
	uint64_t budgets[WS_MAX_BUDGETS];
	int policy;
	const char *plot;
};

struct ws_sample {
	uint64_t t;		/* references made */
	uint64_t young;		/* pages the sample found used */
	uint64_t w;		/* union of the last window samples */
	uint64_t w_exact;	/* distinct pages in the last window references */
};

struct ws_budget {
	uint64_t frames;
	uint64_t misses;
	double ns_per_ref;
};

static int ws_budget_item(const char *item, void *arg)
{
	struct ws_args *a = arg;
	uint64_t v;

	if (parse_u64(item, &v) || !v || a->nbudgets == WS_MAX_BUDGETS)
		return -1;
	a->budgets[a->nbudgets++] = v;
	return 0;
}

static error_t ws_parse(int key, char *arg, struct argp_state *state)
{
	struct ws_args *a = state->input;

	switch (key) {
	case OPT_PATTERN:
		arg_pattern(state, arg);
		a->pattern = arg;
		break;
	case 'n':
		a->pages = arg_u64(state, "--pages", arg, 1, 1U << 20);
		break;
	case OPT_INTERVAL:
		a->interval = arg_u64(state, "--interval", arg, 1, 1U << 24);
		break;
	case OPT_WINDOW:
		a->window = arg_u64(state, "--window", arg, 1, 1024);
		break;
	case OPT_NO_FLUSH:
		a->no_flush = true;
		break;
	case OPT_BUDGETS:
		a->nbudgets = 0;
		a->no_budgets = !strcmp(arg, "none");
		if (!a->no_budgets)
			arg_list(state, "--budgets", "budget (a frame count > 0, "
				 "at most 32 of them)", "", arg, ws_budget_item, a);
		break;
	case OPT_POLICY:
		a->policy = policy_parse(arg);
		if (a->policy < 0)
			argp_error(state, "--policy '%s': unknown", arg);
		break;
	case OPT_PLOT:
		a->plot = arg;
		break;
	default:
		return cli_key(key, arg, state);
	}
	return 0;
}

/* Sample: VMLAB_RESIDENT_YOUNG over the region into @vec; pages found used */
static int ws_sample(int fd, uint64_t pages, uint8_t *vec, uint64_t *young)
{
	struct vmlab_resident r = {
		.size = sizeof(r),
		.flags = VMLAB_RESIDENT_YOUNG,
		.count = pages,
		.vec = (uintptr_t)vec,
	};
	uint64_t i;

	if (ioctl(fd, VMLAB_RESIDENT, &r))
		return err_errno("VMLAB_RESIDENT");
	*young = 0;
	for (i = 0; i < pages; i++)
		*young += !!(vec[i] & VMLAB_PAGE_YOUNG);
	return 0;
}

/* Distinct pages among refs[from, to), with @seen (pages bytes) as scratch */
static uint64_t ws_exact(const uint64_t *refs, uint64_t from, uint64_t to,
			 uint8_t *seen, uint64_t pages)
{
	uint64_t i, n = 0;

	memset(seen, 0, pages);
	for (i = from; i < to; i++)
		if (!seen[refs[i]]++)
			n++;
	return n;
}

/*
 * The working-set half: touch the references on @e, sampling every
 * interval; @s gets one sample per interval.  Returns the samples, or -1.
 */
static int64_t ws_run(struct experiment *e, const struct ws_args *a,
		      struct ws_sample *s)
{
	uint64_t pages = e->pages, n = 0, i, j, k, d;
	uint8_t *vec, *hist, *seen;
	int64_t ret = -1;

	vec = calloc(pages, 1);
	seen = calloc(pages, 1);
	/* the young sets of the last window samples, a ring */
	hist = calloc(a->window * pages, 1);
	if (!vec || !seen || !hist) {
		err_errno("calloc");
		goto out;
	}
	for (i = 0; i < e->nrefs; i++) {
		touch_page(e->map + e->refs[i] * e->info.page_size, ACCESS_READ);
		if ((i + 1) % a->interval && i + 1 != e->nrefs)
			continue;
		if (ws_sample(e->fd, pages, vec, &s[n].young))
			goto out;
		for (j = 0; j < pages; j++)
			hist[(n % a->window) * pages + j] = vec[j] & VMLAB_PAGE_YOUNG;
		s[n].t = i + 1;
		s[n].w = 0;
		d = n + 1 < a->window ? n + 1 : a->window;
		for (j = 0; j < pages; j++)
			for (k = 0; k < d; k++)
				if (hist[((n - k) % a->window) * pages + j]) {
					s[n].w++;
					break;
				}
		s[n].w_exact = ws_exact(e->refs, s[n].t > a->window * a->interval ?
					s[n].t - a->window * a->interval : 0,
					s[n].t, seen, pages);
		n++;
	}
	ret = n;
out:
	free(vec);
	free(seen);
	free(hist);
	return ret;
}

/* The thrashing half: the references under @b->frames with @a->policy */
static int ws_budget_run(const struct ws_args *a, uint64_t pages,
			 struct ws_budget *b)
{
	struct experiment e;
	int ret = -1;

	exp_defaults(&e);
	e.pattern = a->pattern;
	e.pages = pages;
	e.pages_given = true;
	e.frames = b->frames;
	e.seed = 1;
	e.policy = a->policy;
	/* LRU and the list policies see every reference through a 1-page TLB */
	e.tlb_window = policy_needs_window(a->policy) ? 1 : 0;
	if (exp_prepare(&e) || exp_setup(&e) || exp_touch(&e) || exp_collect(&e))
		goto out;
	b->misses = e.stats.faults_zero + e.stats.faults_swapin;
	b->ns_per_ref = (double)e.elapsed_ns / (double)e.references;
	ret = 0;
out:
	exp_teardown(&e);
	return ret;
}

static int ws_write_plot(const char *prefix, const struct ws_args *a,
			 const struct ws_sample *s, uint64_t n,
			 const struct ws_budget *b, unsigned int nb,
			 uint64_t nrefs)
{
	char path[4096];
	uint64_t i;
	FILE *f;

	f = plot_open(prefix, ".csv", path, sizeof(path));
	if (!f)
		return -1;
	fprintf(f, "t,young,w,w_exact\n");
	for (i = 0; i < n; i++)
		fprintf(f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			s[i].t, s[i].young, s[i].w, s[i].w_exact);
	if (plot_close(f, path))
		return -1;
	f = plot_open(prefix, "-budgets.csv", path, sizeof(path));
	if (!f)
		return -1;
	fprintf(f, "frames,misses,fault_rate\n");
	for (i = 0; i < nb; i++)
		fprintf(f, "%" PRIu64 ",%" PRIu64 ",%.4f\n", b[i].frames,
			b[i].misses, (double)b[i].misses / (double)nrefs);
	if (plot_close(f, path))
		return -1;

	f = plot_open(prefix, ".gp", path, sizeof(path));
	if (!f)
		return -1;
	plot_script_begin(f, path, "ws: working set over time, and thrashing");
	fprintf(f, "set key bottom right opaque noenhanced\n"
		"set grid\n");
	plot_outputs_begin(f, prefix, 1000, 800);
	fprintf(f,
		"    set multiplot layout %d,1\n"
		"    set title \"working set W(t, %" PRIu64 " references), from accessed "
		"bits sampled every %" PRIu64 "\" noenhanced\n"
		"    set xlabel 'references (t)'\n"
		"    set ylabel 'pages'\n"
		"    set yrange [0:*]\n"
		"    plot '%s.csv' using 1:3 with steps lw 2 title 'W from accessed bits', "
		"'' using 1:4 with steps dashtype 2 title 'W exact (the reference string)', "
		"'' using 1:2 with impulses title 'used since the last sample'\n",
		nb ? 2 : 1, a->window * a->interval, a->interval, prefix);
	if (nb)
		fprintf(f,
			"    set title 'thrashing: fault rate by frame budget (%s)' "
			"noenhanced\n"
			"    set xlabel 'frames'\n"
			"    set ylabel 'misses per reference'\n"
			"    set yrange [0:1.05]\n"
			"    plot '%s-budgets.csv' using 1:3 with linespoints lw 2 "
			"title 'fault rate'\n", policy_name(a->policy), prefix);
	fprintf(f, "    unset multiplot\n");
	plot_outputs_end(f);
	if (plot_close(f, path))
		return -1;
	return plot_run(path, prefix);
}

static void ws_print(const struct ws_args *a, bool flush,
		     const struct ws_sample *s, uint64_t n,
		     const struct ws_budget *b, unsigned int nb, uint64_t nrefs)
{
	uint64_t i, differ = 0;

	printf("working set: %s, a sample every %" PRIu64 " references, W over "
	       "%" PRIu64 " samples (%" PRIu64 " references), TLB %s\n",
	       a->pattern, a->interval, a->window, a->window * a->interval,
	       flush ? "flushed after each sample" : "not flushed");
	printf("%10s %8s %8s %8s\n", "t", "used", "W", "W exact");
	for (i = 0; i < n; i++) {
		differ += s[i].w != s[i].w_exact;
		printf("%10" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "%s\n",
		       s[i].t, s[i].young, s[i].w, s[i].w_exact,
		       s[i].w != s[i].w_exact ? "  <- differs" : "");
	}
	printf("%" PRIu64 " of %" PRIu64 " samples differ from the exact working set\n",
	       differ, n);
	if (!nb)
		return;
	printf("\nthrashing: the same %" PRIu64 " references, %s\n", nrefs,
	       policy_name(a->policy));
	printf("%8s %10s %12s %12s\n", "frames", "misses", "fault rate", "ns/ref");
	for (i = 0; i < nb; i++)
		printf("%8" PRIu64 " %10" PRIu64 " %12.4f %12.1f\n", b[i].frames,
		       b[i].misses, (double)b[i].misses / (double)nrefs,
		       b[i].ns_per_ref);
}

static void ws_json(const struct ws_args *a, bool flush,
		    const struct ws_sample *s, uint64_t n,
		    const struct ws_budget *b, unsigned int nb, uint64_t nrefs)
{
	struct jw w;
	uint64_t i;

	jw_init(&w, stdout);
	jw_obj(&w, NULL);
	jw_str(&w, "pattern", a->pattern);
	jw_u64(&w, "references", nrefs);
	jw_u64(&w, "interval", a->interval);
	jw_u64(&w, "window", a->window);
	jw_bool(&w, "flush", flush);
	jw_arr(&w, "samples");
	for (i = 0; i < n; i++) {
		jw_obj(&w, NULL);
		jw_u64(&w, "t", s[i].t);
		jw_u64(&w, "used", s[i].young);
		jw_u64(&w, "w", s[i].w);
		jw_u64(&w, "w_exact", s[i].w_exact);
		jw_end(&w);
	}
	jw_end(&w);
	jw_str(&w, "policy", policy_name(a->policy));
	jw_arr(&w, "budgets");
	for (i = 0; i < nb; i++) {
		jw_obj(&w, NULL);
		jw_u64(&w, "frames", b[i].frames);
		jw_u64(&w, "misses", b[i].misses);
		jw_dbl(&w, "ns_per_ref", b[i].ns_per_ref);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);
}

int cmd_ws(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(ws_opts, ws_parse, NULL, ws_doc);
	struct ws_args a = {
		.pattern = WS_PATTERN, .interval = 100, .window = 4,
		.policy = VMLAB_POLICY_CLOCK,
	};
	struct ws_budget b[WS_MAX_BUDGETS] = {};
	struct ws_sample *s = NULL;
	struct experiment e;
	uint64_t i, wmax = 0;
	unsigned int nb = 0;
	int64_t n;
	int ret = 1;

	sub_argp_parse(&argp, "ws", argc, argv, &a);
	exp_defaults(&e);
	e.pattern = a.pattern;
	e.pages = a.pages;
	e.pages_given = a.pages;
	if (exp_prepare(&e))
		goto out;
	/* flush after each sample where the kernel lets a module */
	e.fd = vmlab_open_info(O_RDONLY, &e.info);
	if (e.fd < 0)
		goto out;
	close(e.fd);
	e.fd = -1;
	e.clock_flush = !a.no_flush && (e.info.flags & VMLAB_INFO_TLB_FLUSH);
	if (exp_setup(&e))
		goto out;
	s = calloc(e.nrefs / a.interval + 2, sizeof(*s));
	if (!s) {
		err_errno("calloc");
		goto out;
	}
	n = ws_run(&e, &a, s);
	if (n < 0)
		goto out;
	for (i = 0; i < (uint64_t)n; i++)
		if (s[i].w_exact > wmax)
			wmax = s[i].w_exact;

	if (!a.no_budgets && !a.nbudgets) {
		/* from above the largest working set to a quarter of it */
		uint64_t step = (wmax + 7) / 8;

		for (i = wmax + 8; i >= (wmax + 3) / 4 && i > step &&
		     a.nbudgets < WS_MAX_BUDGETS; i -= step)
			a.budgets[a.nbudgets++] = i;
	}
	for (nb = 0; nb < a.nbudgets; nb++) {
		b[nb].frames = a.budgets[nb];
		if (ws_budget_run(&a, e.pages, &b[nb]))
			goto out;
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "\rvmlab: budget %u/%u ", nb + 1, a.nbudgets);
	}
	if (nb && isatty(STDERR_FILENO))
		fprintf(stderr, "\r%30s\r", "");

	if (opt_json)
		ws_json(&a, e.clock_flush, s, n, b, nb, e.nrefs);
	else
		ws_print(&a, e.clock_flush, s, n, b, nb, e.nrefs);
	ret = a.plot && ws_write_plot(a.plot, &a, s, n, b, nb, e.nrefs) ? 1 : 0;
out:
	free(s);
	exp_teardown(&e);
	return ret;
}
