// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab bench fault`: first-touch fault throughput of vmlab
 * (events off; fault and TLB records to the ring; records with page-table
 * walks) side by side with anonymous memory, memfd and userfaultfd.
 *
 * A sample maps a fresh region of N pages, touches one byte of each page
 * once, in order, from a thread pinned to one CPU, and times the touches
 * with CLOCK_MONOTONIC (mapping and unmapping are not timed).  Rounds
 * interleave the variants, in an order rotated every round.
 *
 * The machines this runs on are shared and emulated: other work steals the
 * virtual CPUs for seconds at a time, so two samples taken a second apart
 * can differ by 2x.  So each variant's sample is paired with a sample of
 * anonymous memory taken at the same time: the two regions are faulted
 * chunk by chunk in turn (BENCH_CHUNKS chunks each), and the ratio of the
 * pair is the variant's throughput relative to anon under the same load.
 * Reported: per variant and access, the median and min-max time per fault
 * and the median (min-max) of the paired ratios over the rounds.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "experiment.h"
#include "json.h"
#include "summary.h"
#include "uffd.h"
#include "util.h"

#define BENCH_MAX_ROUNDS 1000
#define WARMUP_PAGES 1024
#define BENCH_CHUNKS 16
/*
 * A cross-CPU userfaultfd round trip takes milliseconds under emulation
 * (the wakeups are IPIs): 65536 of them would be minutes a sample.
 */
#define UFFD_OTHER_PAGES 2048

enum backing {
	B_ANON,		/* MAP_PRIVATE | MAP_ANONYMOUS, MADV_NOHUGEPAGE */
	B_MEMFD,	/* memfd_create, MAP_SHARED */
	B_VMLAB,	/* /dev/vmlab, MAP_SHARED */
	B_UFFD,		/* anonymous memory, userfaultfd MISSING mode */
};

struct variant {
	const char *name;
	const char *desc;
	enum backing backing;
	uint64_t event_mask;	/* vmlab */
	uint32_t cfg_flags;	/* vmlab */
	bool other_cpu;		/* uffd: the handler on another CPU */
	bool zeropage;		/* uffd: UFFDIO_ZEROPAGE, not UFFDIO_COPY */
	bool minor;		/* vmlab: resident pages, PTEs zapped */
	bool evicted;		/* vmlab: a budget that evicted, frames free */
};

static const struct variant variants[] = {
	{ .name = "anon", .backing = B_ANON,
	  .desc = "anonymous memory, MAP_PRIVATE, MADV_NOHUGEPAGE" },
	{ .name = "memfd", .backing = B_MEMFD,
	  .desc = "memfd (shmem), MAP_SHARED" },
	{ .name = "vmlab", .backing = B_VMLAB,
	  .desc = "vmlab, events off" },
	{ .name = "vmlab-ring", .backing = B_VMLAB, .event_mask = EV_FAULT_TLB,
	  .desc = "vmlab, fault and TLB records to the ring" },
	{ .name = "vmlab-walk", .backing = B_VMLAB, .event_mask = EV_FAULT_TLB,
	  .cfg_flags = VMLAB_CFG_WALK,
	  .desc = "vmlab, records with page-table walks (all logged)" },
	{ .name = "vmlab-minor", .backing = B_VMLAB, .minor = true,
	  .desc = "vmlab, events off, minor faults on resident pages" },
	{ .name = "vmlab-evicted", .backing = B_VMLAB, .evicted = true,
	  .desc = "vmlab, events off, a FIFO budget that evicted, frames free" },
	{ .name = "uffd-same", .backing = B_UFFD,
	  .desc = "userfaultfd UFFDIO_COPY, handler on the same CPU" },
	{ .name = "uffd-other", .backing = B_UFFD, .other_cpu = true,
	  .desc = "userfaultfd UFFDIO_COPY, handler on another CPU" },
	{ .name = "uffd-zero", .backing = B_UFFD, .zeropage = true,
	  .desc = "userfaultfd UFFDIO_ZEROPAGE, handler on the same CPU" },
};

#define NVARIANTS ARRAY_SIZE(variants)
#define V_ANON 0	/* variants[V_ANON] is anonymous memory, the reference */

static const enum access_mode accesses[] = { ACCESS_WRITE, ACCESS_READ };

#define NACCESS ARRAY_SIZE(accesses)

struct bench {
	/* parameters */
	uint64_t pages;
	uint64_t uffd_pages;		/* uffd-same, uffd-zero */
	uint64_t uffd_other_pages;	/* uffd-other */
	unsigned int rounds;
	bool want_access[NACCESS];
	bool want[NVARIANTS];
	int cpu, other_cpu;	/* other_cpu -1: none */
	bool verbose;

	/* the machine */
	size_t psize;
	struct vmlab_info info;
	bool have_vmlab;

	/* results: ns per fault of each sample (a round) */
	double *ns[NACCESS][NVARIANTS];
	/* anon's ns per fault in the same sample, when paired */
	double *pair[NACCESS][NVARIANTS];
	bool paired;		/* anon is measured alongside every variant */
	uint64_t dropped[NACCESS][NVARIANTS];	/* vmlab: records dropped */
	uint64_t produced[NACCESS][NVARIANTS];	/* vmlab: records produced */
	/* vmlab: instance locks the faults took (debugfs; -1: unknown) */
	long long locks[NACCESS][NVARIANTS];
	uint64_t faults[NACCESS][NVARIANTS];	/* vmlab: faults counted */
};

/* -------------------------------------------------------------- samples */

struct region {
	unsigned char *map;
	size_t len;
	int fd;
	struct uffd_handler uffd;
	struct vmlab_stats stats;	/* vmlab, after the touches */
	long long locks;		/* vmlab: instance locks its faults took,
					 * -1 without debugfs
					 */
};

/*
 * vmlab-minor: every page of @r resident in the instance and none mapped,
 * so that each touch is a minor fault: written once, the PTEs zapped with
 * MADV_DONTNEED (the pages stay the instance's), the stats reset.
 */
static int region_make_resident(struct region *r, uint64_t pages, size_t psize)
{
	uint64_t i;

	for (i = 0; i < pages; i++)
		touch_page(r->map + i * psize, ACCESS_WRITE);
	if (madvise(r->map, r->len, MADV_DONTNEED))
		return err_errno("madvise MADV_DONTNEED");
	return vmlab_reset_stats(r->fd);
}

/*
 * vmlab-evicted: a FIFO budget of every page and one more, which has
 * evicted: one page past those touched written and evicted to the store,
 * the stats reset.  The touches are then zero-fills with free frames
 * while the store holds a page.
 */
static int region_evict_one(struct region *r, uint64_t pages, size_t psize)
{
	touch_page(r->map + pages * psize, ACCESS_WRITE);
	if (vmlab_evict_pages(r->fd, pages, 1))
		return 1;
	return vmlab_reset_stats(r->fd);
}

static int region_map(struct bench *b, const struct variant *v,
		      struct region *r, uint64_t pages)
{
	struct vmlab_config cfg;
	int flags = MAP_SHARED;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->len = (pages + v->evicted) * b->psize;
	switch (v->backing) {
	case B_ANON:
	case B_UFFD:
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case B_MEMFD:
		r->fd = memfd_create("vmlab-bench", MFD_CLOEXEC);
		if (r->fd < 0)
			return err_errno("memfd_create");
		if (ftruncate(r->fd, r->len)) {
			close(r->fd);
			return err_errno("ftruncate memfd");
		}
		break;
	case B_VMLAB:
		r->fd = vmlab_open(O_RDWR);
		if (r->fd < 0)
			return 1;
		if (vmlab_get_config(r->fd, &cfg))
			goto fail;
		cfg.region_size = r->len;
		cfg.event_mask = v->event_mask;
		cfg.flags = v->cfg_flags;
		if (v->evicted) {
			cfg.policy = VMLAB_POLICY_FIFO;
			cfg.frames = pages + 1;
		}
		if (v->event_mask) {
			uint64_t ring = round_up_pow2(pages + 64);

			while (ring > b->info.max_ring_records && ring > 1)
				ring >>= 1;
			cfg.ring_records = (uint32_t)ring;
		}
		if (vmlab_set_config(r->fd, &cfg))
			goto fail;
		break;
	}
	r->map = mmap(NULL, r->len, PROT_READ | PROT_WRITE, flags, r->fd, 0);
	if (r->map == MAP_FAILED) {
		err_errno(v->backing == B_VMLAB ? "mmap " VMLAB_DEV : "mmap");
		goto fail;
	}
	if (v->backing != B_VMLAB && madvise(r->map, r->len, MADV_NOHUGEPAGE)) {
		err_errno("madvise MADV_NOHUGEPAGE");
		goto fail_unmap;
	}
	if (v->backing == B_UFFD &&
	    uffd_start(&r->uffd, r->map, r->len, b->psize,
		       v->other_cpu ? b->other_cpu : b->cpu, v->zeropage))
		goto fail_unmap;
	if (v->minor && region_make_resident(r, pages, b->psize))
		goto fail_unmap;
	if (v->evicted && region_evict_one(r, pages, b->psize))
		goto fail_unmap;
	return 0;

fail_unmap:
	munmap(r->map, r->len);
fail:
	if (r->fd >= 0)
		close(r->fd);
	return 1;
}

static int region_unmap(const struct variant *v, struct region *r)
{
	int ret = 0;

	if (v->backing == B_UFFD)
		ret = uffd_stop(&r->uffd);
	if (v->backing == B_VMLAB) {
		if (vmlab_get_stats(r->fd, &r->stats))
			ret = 1;
		r->locks = vmlab_debugfs_stat(r->fd, "fault_locks");
	}
	munmap(r->map, r->len);
	if (r->fd >= 0)
		close(r->fd);
	return ret;
}

/* Touch pages [@lo, @hi) of @map; the time it took */
static uint64_t touch_range(unsigned char *map, uint64_t lo, uint64_t hi,
			    size_t psize, enum access_mode a)
{
	uint64_t i, t0 = now_ns();

	if (a == ACCESS_WRITE)
		for (i = lo; i < hi; i++)
			touch_page(map + i * psize, ACCESS_WRITE);
	else
		for (i = lo; i < hi; i++)
			touch_page(map + i * psize, ACCESS_READ);
	return now_ns() - t0;
}

/* Unmap and check that every touch was one fault; 0 or 1 (reported) */
static int region_done(struct bench *b, unsigned int vi, unsigned int ai,
		       struct region *r, uint64_t pages)
{
	const struct variant *v = &variants[vi];

	if (region_unmap(v, r))
		return 1;
	if (v->backing == B_UFFD && r->uffd.handled != pages)
		return err_msg("%s: %" PRIu64 " faults handled for %" PRIu64
			       " pages", v->name, r->uffd.handled, pages);
	if (v->backing == B_VMLAB) {
		if (r->stats.faults != pages)
			return err_msg("%s: the module counted %" PRIu64
				       " faults for %" PRIu64 " pages", v->name,
				       (uint64_t)r->stats.faults, pages);
		if (v->minor && r->stats.faults_minor != pages)
			return err_msg("%s: %" PRIu64 " minor faults for %"
				       PRIu64 " pages", v->name,
				       (uint64_t)r->stats.faults_minor, pages);
		if (v->evicted && (r->stats.store_pages != 1 ||
				   r->stats.faults_free_frame != pages))
			return err_msg("%s: %" PRIu64 " pages in the store, %"
				       PRIu64 " misses with a free frame for %"
				       PRIu64 " pages", v->name,
				       (uint64_t)r->stats.store_pages,
				       (uint64_t)r->stats.faults_free_frame, pages);
		b->dropped[ai][vi] += r->stats.events_dropped;
		b->produced[ai][vi] += r->stats.events;
		if (r->locks < 0 || b->locks[ai][vi] < 0)
			b->locks[ai][vi] = -1;
		else
			b->locks[ai][vi] += r->locks;
		b->faults[ai][vi] += r->stats.faults;
	}
	return 0;
}

/*
 * One sample of variant @vi: @pages first touches, ns per fault into *@ns.
 * With @anon_ns, an anonymous region of @anon_pages is faulted in the same
 * sample, a chunk of each in turn (who goes first alternates), and anon's
 * ns per fault goes to *@anon_ns.  0 or 1 (reported).
 */
static int sample(struct bench *b, unsigned int vi, unsigned int ai,
		  unsigned int round, uint64_t pages, uint64_t anon_pages,
		  double *ns, double *anon_ns)
{
	const struct variant *v = &variants[vi];
	enum access_mode acc = accesses[ai];
	struct region r, ra;
	uint64_t t = 0, ta = 0;
	unsigned int c, n = BENCH_CHUNKS;
	int err;

	if (region_map(b, v, &r, pages))
		return 1;
	if (anon_ns && region_map(b, &variants[V_ANON], &ra, anon_pages)) {
		region_unmap(v, &r);
		return 1;
	}
	for (c = 0; c < n; c++) {
		bool anon_first = (c + round) % 2;

		if (anon_ns && anon_first)
			ta += touch_range(ra.map, anon_pages * c / n,
					  anon_pages * (c + 1) / n, b->psize, acc);
		t += touch_range(r.map, pages * c / n, pages * (c + 1) / n,
				 b->psize, acc);
		if (anon_ns && !anon_first)
			ta += touch_range(ra.map, anon_pages * c / n,
					  anon_pages * (c + 1) / n, b->psize, acc);
	}
	err = region_done(b, vi, ai, &r, pages);
	if (anon_ns)
		err |= region_done(b, V_ANON, ai, &ra, anon_pages);
	if (err)
		return 1;
	*ns = (double)t / pages;
	if (anon_ns)
		*anon_ns = (double)ta / anon_pages;
	return 0;
}

/* ------------------------------------------------------------ reporting */

static int variant_index(const char *name)
{
	unsigned int i;

	for (i = 0; i < NVARIANTS; i++)
		if (!strcmp(variants[i].name, name))
			return i;
	return -1;
}

/* Anon's samples: its own, or all those paired with the other variants */
static double *anon_samples(const struct bench *b, unsigned int ai,
			    unsigned int *n)
{
	unsigned int vi, r;
	double *s;

	*n = 0;
	if (!b->paired) {
		*n = b->ns[ai][V_ANON] ? b->rounds : 0;
		return b->ns[ai][V_ANON];
	}
	s = calloc((size_t)b->rounds * NVARIANTS, sizeof(*s));
	if (!s)
		return NULL;
	for (vi = 0; vi < NVARIANTS; vi++)
		for (r = 0; b->pair[ai][vi] && r < b->rounds; r++)
			s[(*n)++] = b->pair[ai][vi][r];
	return s;
}

static struct summary variant_summary(const struct bench *b, unsigned int ai,
				      unsigned int vi)
{
	struct summary s;
	unsigned int n;
	double *a;

	if (vi != V_ANON || !b->paired)
		return summarize(b->ns[ai][vi], b->ns[ai][vi] ? b->rounds : 0);
	a = anon_samples(b, ai, &n);
	s = summarize(a, n);
	free(a);
	return s;
}

/*
 * @vi's throughput relative to anon: the median (min-max) over the rounds
 * of the paired ratios (anon's time / the variant's in the same sample);
 * without pairs, anon's median time / the variant's.  NAN if missing.
 */
static struct summary vs_anon(const struct bench *b, unsigned int ai, int vi)
{
	struct summary s = { NAN, NAN, NAN }, a, v;
	double r[BENCH_MAX_ROUNDS];
	unsigned int i;

	if (vi < 0 || !b->ns[ai][vi])
		return s;
	if (vi == V_ANON)
		return (struct summary){ 1, 1, 1 };
	if (b->paired) {
		for (i = 0; i < b->rounds; i++)
			r[i] = b->pair[ai][vi][i] / b->ns[ai][vi][i];
		return summarize(r, b->rounds);
	}
	if (!b->ns[ai][V_ANON])
		return s;
	a = summarize(b->ns[ai][V_ANON], b->rounds);
	v = summarize(b->ns[ai][vi], b->rounds);
	s.median = s.min = s.max = a.median / v.median;
	return s;
}

struct goal {
	const char *what;
	const char *fast, *slow;	/* ratio: fast's throughput / slow's */
	double min;
};

static const struct goal goals[] = {
	{ "vmlab/anon (events off)", "vmlab", "anon", 0.9 },
	{ "vmlab-walk/anon (all logged)", "vmlab-walk", "anon", 0.75 },
	{ "vmlab/uffd-same", "vmlab", "uffd-same", 10 },
	{ "vmlab/uffd-other", "vmlab", "uffd-other", 10 },
};

/* Both measured against anon: the ratio of their ratios */
static double goal_ratio(const struct bench *b, unsigned int ai,
			 const struct goal *g)
{
	return vs_anon(b, ai, variant_index(g->fast)).median /
	       vs_anon(b, ai, variant_index(g->slow)).median;
}

/* vmlab: the instance locks a fault took, on average (debugfs) */
static void print_locks(const struct bench *b, unsigned int ai, unsigned int vi)
{
	if (b->locks[ai][vi] < 0 || !b->faults[ai][vi])
		printf("  locks/fault -");
	else
		printf("  locks/fault %.2f",
		       (double)b->locks[ai][vi] / b->faults[ai][vi]);
}

static void print_text(const struct bench *b)
{
	unsigned int ai, vi, g;
	int header = 0;

	printf("vmlab bench fault: faults a sample: %" PRIu64 " (uffd-same and "
	       "uffd-zero: %" PRIu64 ", uffd-other: %" PRIu64 "), %u rounds "
	       "interleaved, faulting thread on CPU %d",
	       b->pages, b->uffd_pages, b->uffd_other_pages, b->rounds, b->cpu);
	if (b->other_cpu >= 0)
		printf(", uffd-other handler on CPU %d", b->other_cpu);
	printf("\ntime per first-touch fault in us: median (min-max) over the "
	       "rounds\n");
	if (b->paired)
		printf("vs anon: throughput relative to anonymous memory faulted "
		       "in the same sample,\n  chunk by chunk in turn: median "
		       "(min-max) over the rounds\n");
	else
		printf("vs anon: anon's median time / the variant's\n");
	for (ai = 0; ai < NACCESS; ai++) {
		if (!b->want_access[ai])
			continue;
		printf("\n%-15s %8s %17s %10s %8s %15s\n",
		       access_name(accesses[ai]), "median", "min-max", "faults/s",
		       "vs anon", "min-max");
		for (vi = 0; vi < NVARIANTS; vi++) {
			struct summary s, r;
			char range[32], rrange[32];

			if (!b->ns[ai][vi])
				continue;
			s = variant_summary(b, ai, vi);
			r = vs_anon(b, ai, vi);
			snprintf(range, sizeof(range), "%.2f-%.2f", s.min / 1e3,
				 s.max / 1e3);
			snprintf(rrange, sizeof(rrange), "%.3f-%.3f", r.min, r.max);
			printf("  %-13s %8.2f %17s %10.0f %8.3f %15s",
			       variants[vi].name, s.median / 1e3, range,
			       1e9 / s.median, r.median, rrange);
			if (variants[vi].backing == B_VMLAB)
				print_locks(b, ai, vi);
			if (b->dropped[ai][vi])
				printf("  (%.0f%% of records dropped: ring full)",
				       100.0 * b->dropped[ai][vi] /
				       b->produced[ai][vi]);
			printf("\n");
		}
	}
	for (ai = 0; ai < NACCESS; ai++) {
		if (!b->want_access[ai])
			continue;
		for (g = 0; g < ARRAY_SIZE(goals); g++) {
			double r = goal_ratio(b, ai, &goals[g]);

			if (isnan(r))
				continue;
			if (!header++)
				printf("\ngoals:\n");
			printf("  %-5s %-30s %8.3f  >= %-5g %s\n",
			       access_name(accesses[ai]), goals[g].what, r,
			       goals[g].min, r >= goals[g].min ? "met" : "MISSED");
		}
	}
}

static void json_samples(struct jw *w, const char *key, const double *s,
			 unsigned int n)
{
	unsigned int i;

	jw_arr(w, key);
	for (i = 0; s && i < n; i++)
		jw_dbl(w, NULL, s[i]);
	jw_end(w);
}

static void print_json(const struct bench *b)
{
	unsigned int ai, vi, g, n;
	struct jw w;
	double *a;

	jw_init(&w, stdout);
	jw_obj(&w, NULL);
	jw_str(&w, "bench", "fault");
	jw_u64(&w, "pages", b->pages);
	jw_u64(&w, "uffd_pages", b->uffd_pages);
	jw_u64(&w, "uffd_other_pages", b->uffd_other_pages);
	jw_u64(&w, "rounds", b->rounds);
	jw_u64(&w, "page_size", b->psize);
	jw_bool(&w, "paired", b->paired);
	jw_u64(&w, "chunks", BENCH_CHUNKS);
	jw_i64(&w, "cpu", b->cpu);
	jw_i64(&w, "other_cpu", b->other_cpu);
	jw_arr(&w, "results");
	for (ai = 0; ai < NACCESS; ai++) {
		for (vi = 0; vi < NVARIANTS; vi++) {
			struct summary s, r;

			if (!b->ns[ai][vi])
				continue;
			s = variant_summary(b, ai, vi);
			r = vs_anon(b, ai, vi);
			jw_obj(&w, NULL);
			jw_str(&w, "access", access_name(accesses[ai]));
			jw_str(&w, "variant", variants[vi].name);
			jw_str(&w, "description", variants[vi].desc);
			jw_dbl(&w, "median_ns", s.median);
			jw_dbl(&w, "min_ns", s.min);
			jw_dbl(&w, "max_ns", s.max);
			jw_dbl(&w, "faults_per_sec", 1e9 / s.median);
			jw_dbl(&w, "ratio_vs_anon", r.median);
			jw_dbl(&w, "ratio_vs_anon_min", r.min);
			jw_dbl(&w, "ratio_vs_anon_max", r.max);
			if (variants[vi].backing == B_VMLAB) {
				jw_u64(&w, "records_produced", b->produced[ai][vi]);
				jw_u64(&w, "records_dropped", b->dropped[ai][vi]);
				if (b->locks[ai][vi] >= 0 && b->faults[ai][vi])
					jw_dbl(&w, "locks_per_fault",
					       (double)b->locks[ai][vi] /
					       b->faults[ai][vi]);
			}
			if (vi == V_ANON && b->paired) {
				a = anon_samples(b, ai, &n);
				json_samples(&w, "samples_ns", a, n);
				free(a);
			} else {
				json_samples(&w, "samples_ns", b->ns[ai][vi],
					     b->rounds);
			}
			if (vi != V_ANON && b->paired)
				json_samples(&w, "anon_samples_ns", b->pair[ai][vi],
					     b->rounds);
			jw_end(&w);
		}
	}
	jw_end(&w);
	jw_arr(&w, "goals");
	for (ai = 0; ai < NACCESS; ai++) {
		for (g = 0; g < ARRAY_SIZE(goals); g++) {
			double r = goal_ratio(b, ai, &goals[g]);

			if (isnan(r))
				continue;
			jw_obj(&w, NULL);
			jw_str(&w, "access", access_name(accesses[ai]));
			jw_str(&w, "goal", goals[g].what);
			jw_dbl(&w, "ratio", r);
			jw_dbl(&w, "min", goals[g].min);
			jw_bool(&w, "met", r >= goals[g].min);
			jw_end(&w);
		}
	}
	jw_finish(&w);
}

static uint64_t sample_pages(const struct bench *b, unsigned int vi)
{
	if (variants[vi].backing != B_UFFD)
		return b->pages;
	return variants[vi].other_cpu ? b->uffd_other_pages : b->uffd_pages;
}

/* ------------------------------------------------------------ the command */

static const char bench_doc[] =
"Benchmarks.  'vmlab bench fault': first-touch fault throughput of vmlab\n"
"(events off; records to the ring; records with walks) against anonymous\n"
"memory (MADV_NOHUGEPAGE), memfd MAP_SHARED and userfaultfd (UFFDIO_COPY\n"
"with the handler thread on the faulting CPU and on another one;\n"
"UFFDIO_ZEROPAGE).  Each sample touches every page of a fresh mapping\n"
"once; rounds interleave the variants.  Each variant's sample is taken\n"
"together with one of anonymous memory, 16 chunks of each in turn, so both\n"
"see the same load; 'vs anon' is the median over the rounds of these\n"
"paired throughput ratios.  As root, with debugfs mounted, each vmlab\n"
"variant also shows the instance locks its faults took, on average\n"
"(locks/fault): 0 where every fault took the lock-free path.\n"
"\n"
"Variants: anon, memfd, vmlab, vmlab-ring, vmlab-walk, vmlab-minor\n"
"(minor faults on resident pages), vmlab-evicted (zero-fills under a\n"
"budget that has evicted, with frames free), uffd-same, uffd-other,\n"
"uffd-zero.\n"
"\n"
"'vmlab bench trace --help' and 'vmlab bench evict --help' describe the\n"
"others.\n"
"\n"
"EXAMPLES:\n"
"  vmlab bench fault                      # 9 rounds of 65536 faults\n"
"  vmlab bench fault --rounds 3 --pages 4096\n"
"  vmlab bench fault --variants anon,vmlab,vmlab-walk --access write\n"
"  vmlab -j bench fault > bench.json\n";

enum {
	OPT_UFFD_PAGES = 0x100,
	OPT_UFFD_OTHER_PAGES,
	OPT_VARIANTS,
	OPT_ACCESS,
};

static const struct argp_option bench_opts[] = {
	{ "rounds", 'r', "R", 0, "Interleaved rounds (default 9)", 0 },
	{ "pages", 'n', "N", 0, "Faults a sample (default 65536)", 0 },
	{ "uffd-pages", OPT_UFFD_PAGES, "N", 0,
	  "Faults a uffd-same or uffd-zero sample (default: --pages)", 0 },
	{ "uffd-other-pages", OPT_UFFD_OTHER_PAGES, "N", 0,
	  "Faults a uffd-other sample (default: 2048 or --pages if less)", 0 },
	{ "variants", OPT_VARIANTS, "LIST", 0,
	  "Comma-separated variants (default: all)", 0 },
	{ "access", OPT_ACCESS, "write|read|both", 0,
	  "Which faults to time (default both)", 0 },
	CLI_OPT_CPU("CPU of the faulting thread (default: the first allowed)",
		    0),
	CLI_OPT_VERBOSE("Progress on stderr", 0),
	CLI_OPT_JSON(0),
	{},
};

struct bench_args {
	struct bench *b;
	bool have_variants;
	bool have_uffd_pages;
	bool have_uffd_other_pages;
	int what;		/* argument index: "fault" */
};

static error_t bench_parse(int key, char *arg, struct argp_state *state)
{
	struct bench_args *a = state->input;
	struct bench *b = a->b;

	switch (key) {
	case 'r':
		b->rounds = arg_u64(state, "--rounds", arg, 1, BENCH_MAX_ROUNDS);
		break;
	case 'n':
		b->pages = arg_u64(state, "--pages", arg, 1, 1ULL << 30);
		break;
	case OPT_UFFD_PAGES:
		b->uffd_pages = arg_u64(state, "--uffd-pages", arg, 1, 1ULL << 30);
		a->have_uffd_pages = true;
		break;
	case OPT_UFFD_OTHER_PAGES:
		b->uffd_other_pages = arg_u64(state, "--uffd-other-pages", arg, 1,
					      1ULL << 30);
		a->have_uffd_other_pages = true;
		break;
	case OPT_VARIANTS:
		arg_choices(state, "--variants", "variant", "variants: anon, "
			    "memfd, vmlab, vmlab-ring, vmlab-walk, vmlab-minor, "
			    "vmlab-evicted, uffd-same, uffd-other, uffd-zero",
			    arg, variants,
			    sizeof(variants[0]), NVARIANTS, b->want);
		break;
	case OPT_ACCESS:
		if (!strcmp(arg, "write") || !strcmp(arg, "read") ||
		    !strcmp(arg, "both")) {
			b->want_access[0] = strcmp(arg, "read") != 0;
			b->want_access[1] = strcmp(arg, "write") != 0;
		} else {
			argp_error(state, "--access '%s': write, read or both", arg);
		}
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num > 0 || strcmp(arg, "fault"))
			argp_error(state, "unknown benchmark '%s'; benchmarks: fault, "
				   "trace, evict, policy", arg);
		a->what = state->arg_num;
		break;
	case ARGP_KEY_END:
		if (a->what < 0)
			argp_error(state, "which benchmark? benchmarks: fault, trace, "
				   "evict, policy");
		if (!a->have_uffd_pages)
			b->uffd_pages = b->pages;
		if (!a->have_uffd_other_pages)
			b->uffd_other_pages = b->pages < UFFD_OTHER_PAGES ?
					      b->pages : UFFD_OTHER_PAGES;
		break;
	default:
		return bench_key(key, arg, state, &b->cpu, &b->verbose);
	}
	return 0;
}

int cmd_bench_fault(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(bench_opts, bench_parse,
						   "fault", bench_doc);
	struct bench b = {
		.pages = 65536,
		.rounds = 9,
		.want_access = { true, true },
		.cpu = -1,
	};
	struct bench_args a = { .b = &b, .what = -1 };
	unsigned int vi, ai, r, k, order[NVARIANTS], n = 0;
	int ret = 1, fd;
	uint64_t t0;

	memset(b.want, 1, sizeof(b.want));
	sub_argp_parse(&argp, "bench", argc, argv, &a);
	b.psize = sysconf(_SC_PAGESIZE);
	if (bench_pin(&b.cpu, &b.other_cpu))
		return 1;

	for (vi = 0; vi < NVARIANTS; vi++)
		if (b.want[vi] && variants[vi].backing == B_VMLAB)
			b.have_vmlab = true;
	if (b.have_vmlab) {
		fd = vmlab_open_info(O_RDWR, &b.info);
		if (fd < 0)
			return 1;
		close(fd);
		if (b.pages * b.psize > b.info.max_region_size ||
		    b.pages > b.info.max_pages)
			return err_msg("--pages %" PRIu64 ": more than the module "
				       "allows (%" PRIu64 " pages an instance, %"
				       PRIu64 " in all; max_region_mb)", b.pages,
				       (uint64_t)b.info.max_region_size / b.psize,
				       (uint64_t)b.info.max_pages);
	}
	/* anon alongside every other variant: see the comment at the top */
	for (vi = 0; vi < NVARIANTS; vi++)
		if (vi != V_ANON && b.want[vi] && b.want[V_ANON])
			b.paired = true;
	for (vi = 0; vi < NVARIANTS; vi++) {
		if (!b.want[vi])
			continue;
		if (variants[vi].other_cpu && b.other_cpu < 0) {
			fprintf(stderr, "vmlab: %s skipped: only CPU %d is allowed\n",
				variants[vi].name, b.cpu);
			continue;
		}
		if (vi != V_ANON || !b.paired)
			order[n++] = vi;
		for (ai = 0; ai < NACCESS; ai++) {
			if (!b.want_access[ai])
				continue;
			b.ns[ai][vi] = calloc(b.rounds, sizeof(double));
			if (b.paired && vi != V_ANON)
				b.pair[ai][vi] = calloc(b.rounds, sizeof(double));
			if (!b.ns[ai][vi] ||
			    (b.paired && vi != V_ANON && !b.pair[ai][vi])) {
				err_errno("calloc");
				goto out;
			}
		}
	}
	if (b.rounds < 9)
		fprintf(stderr, "vmlab: %u rounds: medians of fewer than 9 are "
			"rough\n", b.rounds);

	/* warm up: caches, page tables of the tool itself, the module */
	for (k = 0; k < n; k++) {
		for (ai = 0; ai < NACCESS; ai++) {
			uint64_t p = sample_pages(&b, order[k]);
			uint64_t pa = b.pages;
			double ns, ans;

			if (!b.want_access[ai])
				continue;
			if (p > WARMUP_PAGES)
				p = WARMUP_PAGES;
			if (pa > WARMUP_PAGES)
				pa = WARMUP_PAGES;
			if (sample(&b, order[k], ai, 0, p, pa, &ns,
				   b.paired ? &ans : NULL))
				goto out;
		}
	}
	memset(b.dropped, 0, sizeof(b.dropped));
	memset(b.produced, 0, sizeof(b.produced));

	t0 = now_ns();
	for (r = 0; r < b.rounds; r++) {
		for (ai = 0; ai < NACCESS; ai++) {
			if (!b.want_access[ai])
				continue;
			for (k = 0; k < n; k++) {
				vi = order[(k + r) % n];
				if (sample(&b, vi, ai, r, sample_pages(&b, vi),
					   b.pages, &b.ns[ai][vi][r],
					   b.paired ? &b.pair[ai][vi][r] : NULL))
					goto out;
			}
		}
		bench_progress(b.verbose, "bench", r, b.rounds, t0);
	}
	if (opt_json)
		print_json(&b);
	else
		print_text(&b);
	ret = 0;
out:
	for (ai = 0; ai < NACCESS; ai++) {
		for (vi = 0; vi < NVARIANTS; vi++) {
			free(b.ns[ai][vi]);
			free(b.pair[ai][vi]);
		}
	}
	return ret;
}
