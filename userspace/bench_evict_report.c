// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab bench evict`'s report: the rounds summarized, as text
 * and as JSON, and the goals.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bench_evict.h"
#include "json.h"
#include "names.h"
#include "summary.h"
#include "util.h"

/* ------------------------------------------------------------ summaries */

/* A field of every round's pass, summarized */
#define PASS_SUMMARY(b, var, ps, expr) ({				\
	double _v[(b)->rounds];						\
	unsigned int _r;						\
	for (_r = 0; _r < (b)->rounds; _r++) {				\
		const struct pass *p = &(b)->res[_r][var][ps];		\
		_v[_r] = (expr);					\
	}								\
	summarize(_v, (b)->rounds);					\
})

static double per(uint64_t a, uint64_t b)
{
	return b ? (double)a / b : NAN;
}

/* Round trip: the write and the read pass of one round, in ns */
static struct summary round_trip(const struct ebench *b, int var)
{
	return PASS_SUMMARY(b, var, P_WRITE, p[0].ns + p[1].ns);
}

static double rt_ratio(const struct ebench *b, int var)
{
	if (!b->want[var] || !b->want[V_KERNEL])
		return NAN;
	return round_trip(b, V_KERNEL).median / round_trip(b, var).median;
}

/*
 * A counter of struct pass (at @field) per evicted page, summed over the
 * rounds and pass @ps (-1: both) of variant @var, or of the shootdown
 * measurement's @var (0 vmlab-mem, 1 kernel) if @sd.
 */
static double per_evicted(const struct ebench *b, bool sd, int var, int ps,
			  size_t field)
{
	uint64_t num = 0, ev = 0;
	unsigned int r;
	int p;

	for (r = 0; r < b->rounds; r++)
		for (p = 0; p < NPASS; p++) {
			const struct pass *x = sd ? &b->sd[r][var][p] :
					       &b->res[r][var][p];

			if (ps >= 0 && p != ps)
				continue;
			num += *(const uint64_t *)((const char *)x + field);
			ev += x->evicted;
		}
	return per(num, ev);
}

#define IPIS offsetof(struct pass, ipis)
#define SHOOTDOWNS offsetof(struct pass, shootdowns)
#define FLUSHES offsetof(struct pass, tlb_module)

static struct summary region_summary(const struct ebench *b, int which)
{
	double v[b->rounds * REGION_REPS];
	unsigned int r, k;

	for (r = 0; r < b->rounds; r++)
		for (k = 0; k < REGION_REPS; k++)
			v[r * REGION_REPS + k] = b->region_ns[r][which][k];
	return summarize(v, b->rounds * REGION_REPS);
}

/* The goal's ratio: 1 GiB, pages spread, over 1 MiB (of the medians) */
static double region_ratio(const struct ebench *b, int which)
{
	return region_summary(b, which).median / region_summary(b, R_SMALL).median;
}

/* The same of the fastest samples: what noise on the machine cannot add */
static double region_min_ratio(const struct ebench *b, int which, int base)
{
	return region_summary(b, which).min / region_summary(b, base).min;
}

/* ---------------------------------------------------------------- text */

static const char *goal_word(bool met)
{
	return met ? "met" : "MISSED";
}

/* The region measurement's lines of @small (1 MiB) and @spread (large) */
static void region_text(const struct ebench *b, const char *large, int small,
			int spread)
{
	struct summary sm = region_summary(b, small);
	struct summary sp = region_summary(b, spread);

	printf("  %-7s %-26s %7.2f us (%.2f-%.2f)\n", "1 MiB", "every page",
	       sm.median / 1e3, sm.min / 1e3, sm.max / 1e3);
	printf("  %-7s pages %4" PRIu64 " KiB apart     %7.2f us (%.2f-%.2f)"
	       "  ratio %.3f (of the mins %.3f)\n", large,
	       b->region_large / b->region_pages >> 10, sp.median / 1e3,
	       sp.min / 1e3, sp.max / 1e3, sp.median / sm.median,
	       region_min_ratio(b, spread, small));
}

static void text_head(const struct ebench *b)
{
	char s1[32], s2[32];

	printf("vmlab bench evict: %" PRIu64 " pages (%s) through %" PRIu64
	       " frames (%s), policy %s, %u victim%s at once, %u rounds "
	       "interleaved, CPU %d\n",
	       b->pages, fmt_bytes(b->pages * b->psize, s1, sizeof(s1)),
	       b->frames, fmt_bytes(b->frames * b->psize, s2, sizeof(s2)),
	       policy_name(b->policy), b->evict_batch > 1 ? b->evict_batch : 1,
	       b->evict_batch > 1 ? "s" : "", b->rounds, b->cpu);
	if (b->want[V_FILE])
		printf("  vmlab-file  backing file %s (%s); the write pass "
		       "includes its fsync\n", b->store_path, b->fstype);
	if (b->want[V_MEM])
		printf("  vmlab-mem   the module's memory store\n");
	if (b->want[V_KERNEL])
		printf("  kernel      anonymous memory in %s (memory.max %s), "
		       "swapfile %s (%s, %" PRIu64 " pages), zswap %s\n",
		       CGROUP_DIR, s2, b->swap_path, b->fstype, swap_pages(b),
		       b->zswap);
}

/* One pass's table: a line per variant */
static void text_pass(const struct ebench *b, unsigned int ps)
{
	unsigned int v;

	printf("\n%s pass (%s): per page, median (min-max) over the "
	       "rounds\n", pass_name[ps], ps == P_WRITE ?
	       "first touch of every page, a dirty page evicted: "
	       "swap-out" : "every page back, a clean page dropped: "
	       "swap-in");
	printf("  %-11s %20s %7s %8s %8s %5s %5s %7s %7s %7s\n", "",
	       "us/page", "MiB/s", "p50 us", "p99 us", "out", "in",
	       "IPI/ev", "sd/ev", "fl/ev");
	for (v = 0; v < NVAR; v++) {
		struct summary t, p50, p99;
		uint64_t out = 0, in = 0;
		char range[32];
		unsigned int rr;

		if (!b->want[v])
			continue;
		t = PASS_SUMMARY(b, v, ps, p->ns / b->pages);
		p50 = PASS_SUMMARY(b, v, ps, p->p50_ns);
		p99 = PASS_SUMMARY(b, v, ps, p->p99_ns);
		for (rr = 0; rr < b->rounds; rr++) {
			out += b->res[rr][v][ps].out;
			in += b->res[rr][v][ps].in;
		}
		snprintf(range, sizeof(range), "(%.1f-%.1f)",
			 t.min / 1e3, t.max / 1e3);
		printf("  %-11s %6.1f %13s %7.1f %8.1f %8.1f %5.2f %5.2f "
		       "%7.3f %7.3f ", var_name[v], t.median / 1e3, range,
		       b->psize / t.median * 1e9 / (1 << 20),
		       p50.median / 1e3, p99.median / 1e3,
		       per(out, (uint64_t)b->pages * b->rounds),
		       per(in, (uint64_t)b->pages * b->rounds),
		       per_evicted(b, false, v, ps, IPIS),
		       per_evicted(b, false, v, ps, SHOOTDOWNS));
		if (v == V_KERNEL)
			printf("%7s\n", "-");
		else
			printf("%7.3f\n", per_evicted(b, false, v, ps,
						      FLUSHES));
	}
	if (ps == P_WRITE && b->want[V_FILE]) {
		struct summary f = PASS_SUMMARY(b, V_FILE, P_WRITE,
						p->sync_ns);

		printf("  (vmlab-file: the fsync at the end takes %.1f ms "
		       "of the pass, median)\n", f.median / 1e6);
	}
}

static void text_round_trip(const struct ebench *b)
{
	unsigned int v;

	printf("\nswap round trip (write + read pass), median (min-max) ms; "
	       "vs kernel = kernel's time / vmlab's\n");
	for (v = 0; v < NVAR; v++) {
		struct summary t;

		if (!b->want[v])
			continue;
		t = round_trip(b, v);
		printf("  %-11s %9.1f (%.1f-%.1f)", var_name[v], t.median / 1e6,
		       t.min / 1e6, t.max / 1e6);
		if (v != V_KERNEL && b->want[V_KERNEL])
			printf("  vs kernel %.2fx", rt_ratio(b, v));
		printf("\n");
	}
}

static void text_shootdowns(const struct ebench *b)
{
	unsigned int v, ps;

	printf("\nshootdowns: %" PRIu64 " pages through %" PRIu64 " frames, "
	       "a sibling thread spinning on CPU %d; per evicted page\n",
	       b->sd_pages, b->sd_frames, b->other_cpu);
	printf("  %-17s %8s %11s %8s\n", "", "IPIs", "shootdowns",
	       "flushes");
	for (v = 0; v < 2; v++) {
		if (v == 1 && !b->want[V_KERNEL])
			continue;
		for (ps = 0; ps < NPASS; ps++) {
			printf("  %-10s %-6s %8.3f %11.3f ", v ? "kernel" :
			       "vmlab-mem", pass_name[ps],
			       per_evicted(b, true, v, ps, IPIS),
			       per_evicted(b, true, v, ps, SHOOTDOWNS));
			if (v)
				printf("%8s\n", "-");
			else
				printf("%8.3f\n", per_evicted(b, true, v,
							      ps, FLUSHES));
		}
	}
}

static void text_region(const struct ebench *b)
{
	struct summary pk = region_summary(b, R_PACKED);
	char bl[32];

	fmt_bytes(b->region_large, bl, sizeof(bl));
	printf("\nper-fault cost by region size: %" PRIu64 " pages through %"
	       PRIu64 " frames, memory store, %s%s, %u passes; median "
	       "(min-max) of %u samples\n", b->region_pages,
	       b->region_frames, policy_name(b->region_policy),
	       policy_needs_window(b->region_policy) ? " (software TLB 1)" : "",
	       b->region_passes, b->rounds * REGION_REPS);
	region_text(b, bl, R_SMALL, R_SPREAD);
	printf("  %-7s %-26s %7.2f us (%.2f-%.2f)  ratio %.3f (of the mins "
	       "%.3f)\n", bl, "the same pages packed", pk.median / 1e3,
	       pk.min / 1e3, pk.max / 1e3, region_ratio(b, R_PACKED),
	       region_min_ratio(b, R_PACKED, R_SMALL));
	printf("  anonymous memory, fault + MADV_DONTNEED of the same "
	       "pages (the layout's own cost):\n");
	region_text(b, bl, R_ANON_SMALL, R_ANON_SPREAD);
}

static void text_goals(const struct ebench *b)
{
	unsigned int v;
	double r, ipi;

	printf("\ngoals:\n");
	r = rt_ratio(b, V_FILE);
	if (!isnan(r))
		printf("  swap round trip, vmlab-file vs kernel   %7.2fx  >= %.1fx   %s\n",
		       r, GOAL_ROUND_TRIP, goal_word(r >= GOAL_ROUND_TRIP));
	r = rt_ratio(b, V_MEM);
	if (!isnan(r))
		printf("  swap round trip, vmlab-mem vs kernel    %7.2fx  (memory "
		       "store: no I/O)\n", r);
	for (v = 0; v < V_KERNEL; v++) {
		if (!b->want[v])
			continue;
		ipi = per_evicted(b, false, v, -1, IPIS);
		printf("  IPIs per evicted page, %-10s       %7.3f   <= 1/16   %s "
		       "(one thread: local flushes)\n", var_name[v], ipi,
		       goal_word(ipi <= GOAL_IPI));
	}
	if (b->shootdown) {
		ipi = per_evicted(b, true, 0, -1, IPIS);
		printf("  IPIs per evicted page, sibling thread   %7.3f   <= 1/16   %s",
		       ipi, goal_word(ipi <= GOAL_IPI));
		if (b->want[V_KERNEL])
			printf(" (kernel: %.3f)", per_evicted(b, true, 1, -1, IPIS));
		printf("\n");
	}
	if (b->region) {
		r = region_ratio(b, R_SPREAD);
		printf("  per-fault cost, 1 GiB / 1 MiB region    %7.3f   <= %.1f    %s\n",
		       r, GOAL_REGION, goal_word(r <= GOAL_REGION));
	}
}

void evict_print_text(const struct ebench *b)
{
	unsigned int ps;

	text_head(b);
	for (ps = 0; ps < NPASS; ps++)
		text_pass(b, ps);
	printf("  out, in: pages written to / read from the store per page "
	       "touched; per evicted page:\n  IPI = CAL interrupts, sd = TLB "
	       "interrupts (shootdowns received), fl = the module's flushes\n");
	text_round_trip(b);
	if (b->shootdown)
		text_shootdowns(b);
	if (b->region)
		text_region(b);
	text_goals(b);
}

/* ---------------------------------------------------------------- JSON */

/* A measurement's object, opened: @pages through @frames */
static void measurement_json(struct jw *w, const char *key, uint64_t pages,
			     uint64_t frames)
{
	jw_obj(w, key);
	jw_u64(w, "pages", pages);
	jw_u64(w, "frames", frames);
}

/* IPIs, shootdowns and (@flushes) the module's flushes per evicted page */
static void per_evicted_json(struct jw *w, const struct ebench *b, bool sd,
			     int var, int ps, bool flushes)
{
	jw_dbl(w, "ipis_per_evicted", per_evicted(b, sd, var, ps, IPIS));
	jw_dbl(w, "shootdowns_per_evicted",
	       per_evicted(b, sd, var, ps, SHOOTDOWNS));
	if (flushes)
		jw_dbl(w, "tlb_flushes_per_evicted",
		       per_evicted(b, sd, var, ps, FLUSHES));
}

/* A goal: @value against the @bound ("min" or "max") it must reach */
static void goal_json(struct jw *w, const char *goal, double value,
		      const char *bound, double limit)
{
	jw_obj(w, NULL);
	jw_str(w, "goal", goal);
	jw_dbl(w, "value", value);
	jw_dbl(w, bound, limit);
	jw_bool(w, "met", strcmp(bound, "min") ? value <= limit :
		value >= limit);
	jw_end(w);
}

/* One variant: each pass's summaries and rounds, the round trip */
static void json_variant(struct jw *w, const struct ebench *b, unsigned int v)
{
	unsigned int ps, r;

	jw_obj(w, NULL);
	jw_str(w, "variant", var_name[v]);
	for (ps = 0; ps < NPASS; ps++) {
		jw_obj(w, pass_name[ps]);
		summary_json(w, "ns_per_page",
			     PASS_SUMMARY(b, v, ps, p->ns / b->pages));
		summary_json(w, "p50_ns", PASS_SUMMARY(b, v, ps, p->p50_ns));
		summary_json(w, "p99_ns", PASS_SUMMARY(b, v, ps, p->p99_ns));
		summary_json(w, "max_ns", PASS_SUMMARY(b, v, ps, p->max_ns));
		jw_arr(w, "rounds");
		for (r = 0; r < b->rounds; r++) {
			const struct pass *p = &b->res[r][v][ps];

			jw_obj(w, NULL);
			jw_dbl(w, "ns", p->ns);
			if (v == V_FILE && ps == P_WRITE)
				jw_dbl(w, "fsync_ns", p->sync_ns);
			jw_u64(w, "swap_out", p->out);
			jw_u64(w, "swap_in", p->in);
			jw_u64(w, "evicted", p->evicted);
			jw_u64(w, "ipis", p->ipis);
			jw_u64(w, "shootdowns", p->shootdowns);
			if (v != V_KERNEL)
				jw_u64(w, "tlb_module", p->tlb_module);
			jw_end(w);
		}
		jw_end(w);
		jw_end(w);
	}
	summary_json(w, "round_trip_ns", round_trip(b, v));
	if (v != V_KERNEL)
		jw_dbl(w, "round_trip_vs_kernel", rt_ratio(b, v));
	per_evicted_json(w, b, false, v, -1, v != V_KERNEL);
	jw_end(w);
}

static void json_shootdown(struct jw *w, const struct ebench *b)
{
	unsigned int v, ps;

	measurement_json(w, "shootdown", b->sd_pages, b->sd_frames);
	jw_i64(w, "sibling_cpu", b->other_cpu);
	jw_arr(w, "results");
	for (v = 0; v < 2; v++) {
		if (v == 1 && !b->want[V_KERNEL])
			continue;
		for (ps = 0; ps < NPASS; ps++) {
			jw_obj(w, NULL);
			jw_str(w, "variant", v ? "kernel" : "vmlab-mem");
			jw_str(w, "pass", pass_name[ps]);
			per_evicted_json(w, b, true, v, ps, !v);
			jw_end(w);
		}
	}
	jw_end(w);
	jw_end(w);
}

static void json_region(struct jw *w, const struct ebench *b)
{
	unsigned int v;

	measurement_json(w, "region", b->region_pages, b->region_frames);
	jw_str(w, "policy", policy_name(b->region_policy));
	jw_u64(w, "small_bytes", 1 << 20);
	jw_u64(w, "large_bytes", b->region_large);
	jw_u64(w, "samples", b->rounds * REGION_REPS);
	for (v = 0; v < NREGION; v++) {
		char key[48];

		snprintf(key, sizeof(key), "%s_ns_per_fault", region_name[v]);
		summary_json(w, key, region_summary(b, v));
	}
	jw_dbl(w, "ratio", region_ratio(b, R_SPREAD));
	jw_dbl(w, "ratio_of_mins", region_min_ratio(b, R_SPREAD, R_SMALL));
	jw_dbl(w, "ratio_packed", region_ratio(b, R_PACKED));
	jw_dbl(w, "anon_ratio", region_summary(b, R_ANON_SPREAD).median /
	       region_summary(b, R_ANON_SMALL).median);
	jw_end(w);
}

static void json_goals(struct jw *w, const struct ebench *b)
{
	unsigned int v;

	jw_arr(w, "goals");
	if (!isnan(rt_ratio(b, V_FILE)))
		goal_json(w, "swap round trip vmlab-file vs kernel",
			  rt_ratio(b, V_FILE), "min", GOAL_ROUND_TRIP);
	for (v = 0; v < V_KERNEL; v++) {
		char what[64];

		if (!b->want[v])
			continue;
		snprintf(what, sizeof(what), "IPIs per evicted page %s", var_name[v]);
		goal_json(w, what, per_evicted(b, false, v, -1, IPIS), "max",
			  GOAL_IPI);
	}
	if (b->shootdown)
		goal_json(w, "IPIs per evicted page vmlab-mem, sibling thread",
			  per_evicted(b, true, 0, -1, IPIS), "max", GOAL_IPI);
	if (b->region)
		goal_json(w, "per-fault cost 1 GiB / 1 MiB region",
			  region_ratio(b, R_SPREAD), "max", GOAL_REGION);
	jw_end(w);
}

void evict_print_json(const struct ebench *b)
{
	unsigned int v;
	struct jw w;

	jw_init(&w, stdout);
	jw_obj(&w, NULL);
	jw_str(&w, "bench", "evict");
	jw_u64(&w, "pages", b->pages);
	jw_u64(&w, "frames", b->frames);
	jw_u64(&w, "page_size", b->psize);
	jw_u64(&w, "rounds", b->rounds);
	jw_str(&w, "policy", policy_name(b->policy));
	jw_u64(&w, "evict_batch", b->evict_batch > 1 ? b->evict_batch : 1);
	jw_str(&w, "dir", b->dir);
	jw_str(&w, "fstype", b->fstype);
	jw_i64(&w, "cpu", b->cpu);
	if (b->want[V_KERNEL])
		jw_str(&w, "zswap", b->zswap);
	jw_arr(&w, "variants");
	for (v = 0; v < NVAR; v++)
		if (b->want[v])
			json_variant(&w, b, v);
	jw_end(&w);
	if (b->shootdown)
		json_shootdown(&w, b);
	if (b->region)
		json_region(&w, b);
	json_goals(&w, b);
	jw_finish(&w);
}
