// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab tlb`: the TLB-reach experiment.
 *
 * Time per access while touching 1, 2, 4 ... N pages over and over, one
 * access per page: while the pages' translations fit in the TLB an access
 * costs a cache hit; past its reach each one needs a page-table walk too,
 * and the time per access jumps (the knee).  Three series: pages of a vmlab
 * instance (the module logs each fault with its walk and counts the TLB
 * flushes, so the run shows that none happened while it timed), anonymous
 * 4 KiB pages, and anonymous memory in transparent 2 MiB pages, which one
 * TLB entry covers 512 at a time: its knee moves 512 times further.
 *
 * Each page is touched at a different cache line (page i at line i mod 64),
 * so the pages do not all fall in one cache set and the knee is the TLB's.
 * Which TLB that is depends on the machine: under QEMU's TCG it is QEMU's
 * software TLB, with a size and a knee of its own; in a KVM guest or on
 * bare metal, the CPU's.  The output says which (CPUID's hypervisor leaf).
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "experiment.h"
#include "json.h"
#include "plot.h"
#include "util.h"

#define TLB_PAGE	4096UL
#define TLB_HUGE	(2UL << 20)
#define TLB_TRIALS	3

static const char tlb_doc[] =
"The TLB-reach experiment: nanoseconds per access while touching 1, 2, 4 ...\n"
"--max-pages pages in a loop, one access per page (each at another cache\n"
"line), pinned to one CPU.  Past the TLB's reach every access also walks the\n"
"page table: the knee.  Series: pages of a vmlab instance (the module counts\n"
"the faults, each walked, and the TLB flushes while the loops ran: none),\n"
"anonymous 4 KiB pages, and anonymous 2 MiB transparent huge pages, whose\n"
"knee is 512 times further out.  The output says which TLB it measured:\n"
"QEMU's software TLB under TCG, the CPU's otherwise.\n"
"\n"
"EXAMPLES:\n"
"  vmlab tlb\n"
"  vmlab tlb --max-pages 65536 --plot build/tlb   # .csv .gp .png .svg\n"
"  vmlab -j tlb -c 1\n";

enum { OPT_MAX = 0x100, OPT_ACCESSES, OPT_PLOT };

static const struct argp_option tlb_opts[] = {
	{ "max-pages", OPT_MAX, "N", 0,
	  "Largest number of pages, a power of two (default 16384)", 0 },
	{ "accesses", OPT_ACCESSES, "N", 0,
	  "Accesses timed at each point (default 1048576)", 0 },
	{ "plot", OPT_PLOT, "PREFIX", 0,
	  "Write PREFIX.csv and .gp, and through gnuplot .png and .svg", 0 },
	CLI_OPT_CPU("Run on this CPU (default: the first allowed)", 0),
	CLI_OPT_JSON(0),
	{},
};

enum tlb_series { TLB_VMLAB, TLB_ANON, TLB_THP, TLB_NR_SERIES };

static const char *const series_names[TLB_NR_SERIES] = {
	"4k-vmlab", "4k-anon", "2m-thp",
};

struct tlb_args {
	uint64_t max_pages;
	uint64_t accesses;
	const char *plot;
	int cpu;
};

struct tlb_result {
	unsigned int npoints;
	uint64_t pages[32];
	double ns[TLB_NR_SERIES][32];
	uint64_t knee[TLB_NR_SERIES];	/* pages; 0 = none seen */
	uint64_t huge_backed;		/* 2 MiB pages THP gave the last series */
	uint64_t huge_needed;
	struct vmlab_stats before, after; /* the vmlab instance's, around the loops */
	char tlb[160];
};

static error_t tlb_parse(int key, char *arg, struct argp_state *state)
{
	struct tlb_args *a = state->input;

	switch (key) {
	case OPT_MAX:
		a->max_pages = arg_u64(state, "--max-pages", arg, 1, 1U << 20);
		if (a->max_pages & (a->max_pages - 1))
			argp_error(state, "--max-pages %s: not a power of two", arg);
		break;
	case OPT_ACCESSES:
		a->accesses = arg_u64(state, "--accesses", arg, 1, 1ULL << 32);
		break;
	case OPT_PLOT:
		a->plot = arg;
		break;
	case 'c':
		a->cpu = arg_cpu(state, arg);
		break;
	default:
		return cli_key(key, arg, state);
	}
	return 0;
}

/* Which TLB an access here goes through, from CPUID's hypervisor leaf */
static void tlb_which(char *buf, size_t len)
{
	unsigned int a, b, c, d;
	char sig[13] = "";

	if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1U << 31))) {
		__cpuid(0x40000000, a, b, c, d);
		memcpy(sig, &b, 4);
		memcpy(sig + 4, &c, 4);
		memcpy(sig + 8, &d, 4);
	}
	if (!strcmp(sig, "TCGTCGTCGTCG"))
		snprintf(buf, len, "emulated: QEMU's software TLB (TCG), not a CPU's");
	else if (sig[0])
		snprintf(buf, len, "hardware: the CPU's TLB, in a guest of a '%s' "
			 "hypervisor (two-dimensional walks)", sig);
	else
		snprintf(buf, len, "hardware: the CPU's TLB");
}

/* One pass over @n pages of @base, one access each, at line i mod 64 */
static inline uint64_t tlb_pass(volatile unsigned char *base, uint64_t n)
{
	uint64_t i, sum = 0;

	for (i = 0; i < n; i++)
		sum += base[i * TLB_PAGE + (i % 64) * 64];
	return sum;
}

/* Nanoseconds per access over @n pages: the median of three trials */
static double tlb_time(unsigned char *base, uint64_t n, uint64_t accesses)
{
	uint64_t passes = (accesses + n - 1) / n, p, t0;
	double t[TLB_TRIALS], tmp;
	volatile uint64_t sink = 0;
	int i, j;

	sink += tlb_pass(base, n);	/* warm the TLB and the caches */
	for (i = 0; i < TLB_TRIALS; i++) {
		t0 = now_ns();
		for (p = 0; p < passes; p++)
			sink += tlb_pass(base, n);
		t[i] = (double)(now_ns() - t0) / (double)(passes * n);
	}
	(void)sink;
	for (i = 0; i < TLB_TRIALS; i++)
		for (j = i + 1; j < TLB_TRIALS; j++)
			if (t[j] < t[i]) {
				tmp = t[i];
				t[i] = t[j];
				t[j] = tmp;
			}
	return t[TLB_TRIALS / 2];
}

/*
 * The knee: the first point whose time per access, and the next point's,
 * are over 1.5 times the fastest seen before it.  0 if none is.
 */
static uint64_t tlb_knee(const struct tlb_result *r, const double *ns)
{
	double best = ns[0];
	unsigned int i;

	for (i = 1; i < r->npoints; i++) {
		if (ns[i] > 1.5 * best &&
		    (i + 1 == r->npoints || ns[i + 1] > 1.5 * best))
			return r->pages[i];
		if (ns[i] < best)
			best = ns[i];
	}
	return 0;
}

static void tlb_sweep(struct tlb_result *r, enum tlb_series s,
		      unsigned char *base, uint64_t accesses)
{
	unsigned int i;

	for (i = 0; i < r->npoints; i++) {
		r->ns[s][i] = tlb_time(base, r->pages[i], accesses);
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "\rvmlab: %s %" PRIu64 " pages ", series_names[s],
				r->pages[i]);
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r%40s\r", "");
	r->knee[s] = tlb_knee(r, r->ns[s]);
}

/* Anonymous memory for @pages pages, 2 MiB aligned; huge pages if @thp */
static unsigned char *tlb_anon(uint64_t pages, bool thp, size_t *maplen)
{
	size_t len = pages * TLB_PAGE;
	unsigned char *map, *base;

	len = (len + TLB_HUGE - 1) & ~(TLB_HUGE - 1);
	*maplen = len + TLB_HUGE;
	map = mmap(NULL, *maplen, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	base = (unsigned char *)(((uintptr_t)map + TLB_HUGE - 1) & ~(TLB_HUGE - 1));
	madvise(map, *maplen, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	memset(base, 1, len);
	return map;
}

static unsigned char *tlb_align(unsigned char *map)
{
	return (unsigned char *)(((uintptr_t)map + TLB_HUGE - 1) & ~(TLB_HUGE - 1));
}

/* How many of the 2 MiB chunks at @base a huge PMD maps (VMLAB_WALK) */
static uint64_t tlb_huge_chunks(int fd, unsigned char *base, uint64_t chunks)
{
	struct vmlab_walk w;
	uint64_t i, n = 0;

	for (i = 0; i < chunks; i++)
		if (!vmlab_walk(fd, (uintptr_t)base + i * TLB_HUGE, &w) &&
		    (w.flags & VMLAB_WALK_HUGE))
			n++;
	return n;
}

static int tlb_write_plot(const char *prefix, const struct tlb_result *r)
{
	char path[4096];
	unsigned int i, s;
	FILE *f;

	f = plot_open(prefix, ".csv", path, sizeof(path));
	if (!f)
		return -1;
	fprintf(f, "pages");
	for (s = 0; s < TLB_NR_SERIES; s++)
		fprintf(f, ",%s", series_names[s]);
	fprintf(f, "\n");
	for (i = 0; i < r->npoints; i++) {
		fprintf(f, "%" PRIu64, r->pages[i]);
		for (s = 0; s < TLB_NR_SERIES; s++)
			fprintf(f, ",%.3f", r->ns[s][i]);
		fprintf(f, "\n");
	}
	if (plot_close(f, path))
		return -1;

	f = plot_open(prefix, ".gp", path, sizeof(path));
	if (!f)
		return -1;
	plot_script_begin(f, path, "tlb: time per access over pages touched");
	fprintf(f,
		"set title \"TLB reach: %s\" noenhanced\n"
		"set xlabel 'pages touched (4 KiB apart)'\n"
		"set ylabel 'ns per access'\n"
		"set logscale x 2\n"
		"set yrange [0:*]\n"
		"set key top left noenhanced\n"
		"set grid\n", r->tlb);
	for (s = 0; s < TLB_NR_SERIES; s++)
		if (r->knee[s])
			fprintf(f, "set arrow from %" PRIu64 ", graph 0 to %" PRIu64
				", graph 1 nohead dashtype 2\n"
				"set label 'knee %s: %" PRIu64 "' at %" PRIu64
				", graph %.2f left offset 0.5,0 noenhanced\n",
				r->knee[s], r->knee[s], series_names[s], r->knee[s],
				r->knee[s], 0.95 - 0.06 * s);
	plot_outputs_begin(f, prefix, 1000, 600);
	fprintf(f, "    plot for [i=2:%d] '%s.csv' using 1:i with linespoints "
		"title columnheader(i)\n", TLB_NR_SERIES + 1, prefix);
	plot_outputs_end(f);
	if (plot_close(f, path))
		return -1;
	return plot_run(path, prefix);
}

static void tlb_print(const struct tlb_result *r)
{
	unsigned int i, s;

	printf("TLB reach, %s\n", r->tlb);
	printf("%8s %10s %10s %10s   (ns per access)\n", "pages",
	       series_names[0], series_names[1], series_names[2]);
	for (i = 0; i < r->npoints; i++) {
		printf("%8" PRIu64, r->pages[i]);
		for (s = 0; s < TLB_NR_SERIES; s++)
			printf(" %10.2f", r->ns[s][i]);
		printf("\n");
	}
	for (s = 0; s < TLB_NR_SERIES; s++) {
		if (r->knee[s])
			printf("knee %-9s at %" PRIu64 " pages\n", series_names[s],
			       r->knee[s]);
		else
			printf("knee %-9s none up to %" PRIu64 " pages\n",
			       series_names[s], r->pages[r->npoints - 1]);
	}
	printf("2m-thp: %" PRIu64 " of %" PRIu64 " 2 MiB chunks were huge pages\n",
	       r->huge_backed, r->huge_needed);
	printf("vmlab: %llu faults, each logged with its walk; %llu TLB flushes "
	       "while the loops ran\n", r->before.faults,
	       (r->after.tlb_module + r->after.tlb_kernel) -
	       (r->before.tlb_module + r->before.tlb_kernel));
}

static void tlb_json(const struct tlb_result *r)
{
	unsigned int i, s;
	struct jw w;

	jw_init(&w, stdout);
	jw_obj(&w, NULL);
	jw_str(&w, "tlb", r->tlb);
	jw_arr(&w, "pages");
	for (i = 0; i < r->npoints; i++)
		jw_u64(&w, NULL, r->pages[i]);
	jw_end(&w);
	jw_obj(&w, "ns_per_access");
	for (s = 0; s < TLB_NR_SERIES; s++) {
		jw_arr(&w, series_names[s]);
		for (i = 0; i < r->npoints; i++)
			jw_dbl(&w, NULL, r->ns[s][i]);
		jw_end(&w);
	}
	jw_end(&w);
	jw_obj(&w, "knee");
	for (s = 0; s < TLB_NR_SERIES; s++)
		jw_u64(&w, series_names[s], r->knee[s]);
	jw_end(&w);
	jw_u64(&w, "huge_backed", r->huge_backed);
	jw_u64(&w, "huge_needed", r->huge_needed);
	jw_u64(&w, "vmlab_faults", r->before.faults);
	jw_u64(&w, "vmlab_events", r->before.events);
	jw_u64(&w, "vmlab_tlb_flushes_timed",
	       (r->after.tlb_module + r->after.tlb_kernel) -
	       (r->before.tlb_module + r->before.tlb_kernel));
	jw_finish(&w);
}

int cmd_tlb(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(tlb_opts, tlb_parse, NULL, tlb_doc);
	struct tlb_args a = { .max_pages = 16384, .accesses = 1 << 20, .cpu = -1 };
	struct tlb_result *r;
	struct experiment e;
	unsigned char *map;
	size_t maplen;
	uint64_t n;
	int ret = 1, other;

	sub_argp_parse(&argp, "tlb", argc, argv, &a);
	r = calloc(1, sizeof(*r));
	if (!r)
		return err_errno("calloc");
	if (bench_pin(&a.cpu, &other))
		goto out_free;
	tlb_which(r->tlb, sizeof(r->tlb));
	for (n = 1; n <= a.max_pages; n *= 2)
		r->pages[r->npoints++] = n;

	/* pages of a vmlab instance: faulted in first, each fault walked */
	exp_defaults(&e);
	e.pages = a.max_pages;
	e.access = ACCESS_WRITE;
	e.events = true;
	e.walk = true;
	if (exp_prepare(&e) || exp_setup(&e) || exp_touch(&e) ||
	    vmlab_get_stats(e.fd, &r->before))
		goto out_exp;
	tlb_sweep(r, TLB_VMLAB, e.map, a.accesses);
	if (vmlab_get_stats(e.fd, &r->after))
		goto out_exp;

	map = tlb_anon(a.max_pages, false, &maplen);
	if (!map) {
		err_errno("mmap");
		goto out_exp;
	}
	tlb_sweep(r, TLB_ANON, tlb_align(map), a.accesses);
	munmap(map, maplen);

	map = tlb_anon(a.max_pages, true, &maplen);
	if (!map) {
		err_errno("mmap");
		goto out_exp;
	}
	r->huge_needed = (a.max_pages * TLB_PAGE + TLB_HUGE - 1) / TLB_HUGE;
	r->huge_backed = tlb_huge_chunks(e.fd, tlb_align(map), r->huge_needed);
	tlb_sweep(r, TLB_THP, tlb_align(map), a.accesses);
	munmap(map, maplen);

	if (opt_json)
		tlb_json(r);
	else
		tlb_print(r);
	ret = a.plot && tlb_write_plot(a.plot, r) ? 1 : 0;
out_exp:
	exp_teardown(&e);
out_free:
	free(r);
	return ret;
}
