// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab run`: one experiment.  It makes the pattern's
 * reference string, opens an instance, configures it (frame budget, policy,
 * software TLB, backing file), maps N pages, makes the references, drains
 * the event stream and reports the records, the stats and the fault
 * latencies; with --compare, the misses of the simulated policies on the
 * very same reference string (sim.c).  The steps are experiment.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "events.h"
#include "experiment.h"
#include "hist.h"
#include "json.h"
#include "names.h"
#include "pattern.h"
#include "sim.h"
#include "stats.h"
#include "steps.h"
#include "util.h"

/* The largest run one command does: 2^32 pages is 16 TiB of 4 KiB pages */
#define RUN_MAX_PAGES PATTERN_MAX_PAGES

static const char run_doc[] =
"Map an instance of N pages, touch them in a pattern, then print the event\n"
"records the module logged (with --events) and a summary: misses, faults by\n"
"kind (VMLAB_GET_STATS), evictions, swap-outs and swap-ins, TLB flushes,\n"
"records, and a log2 histogram of the module's fault-handling latency.\n"
"\n"
"With --frames F at most F pages are resident: a miss beyond them evicts the\n"
"--policy's victim to the store (--backing FILE, or the module's memory).\n"
"A miss is a zero-fill or a swap-in fault.  --low-watermark L\n"
"--high-watermark H starts the page daemon: when a miss leaves fewer than L\n"
"frames free, a kernel worker evicts victims until H are free, and misses\n"
"find free frames instead of evicting (the summary counts both).\n"
"--compare runs the reference\n"
"simulator (vmlab simulate) on the very references made and prints its FIFO,\n"
"LRU and OPT misses (and the twin of the run's own policy: CLOCK, RANDOM,\n"
"MRU, SIEVE, S3FIFO, SFIFO, 2Q or WSCLOCK) next to the kernel's.  --steps\n"
"makes the references one at a time and prints each: the kernel's hit or\n"
"miss, victim and memory in the policy's order beside the simulator's, the\n"
"first divergence marked.\n"
"\n"
"Each record line: sequence number, time since the first record, CPU, pid,\n"
"then for a fault its kind (zero, minor, upgrade, swapin, soft, cow), access,\n"
"address, page offset, latency and the walk done after the fault (indices\n"
"PGD/P4D/PUD/PMD/PTE, '-' for a folded level, the leaf's flags and frame);\n"
"for a TLB flush its origin, reason and pages; for an eviction its action\n"
"(write, move, drop, defer), reason, page and latency; for a swap its\n"
"direction, store, page, latency and bytes; 'lost' when the ring was full.\n"
"\n"
"Patterns:\n"
"  seq         pages 0, 1, 2, ... (one pass)\n"
"  rand        every page once, in a random order (--seed)\n"
"  loop        pages 0..N-1 over and over (4 passes unless --touches)\n"
"  hotcold     80% of the references to the first 20% of the pages\n"
"              (--seed; 4N references unless --touches)\n"
"  trace:FILE  one reference a line: PAGE, or PAGE,r / PAGE,w for a read or\n"
"              a write ('#' comments and blank lines skipped); the region\n"
"              is the highest page + 1 unless --pages, and pages too sparse\n"
"              for the module's region are renumbered in order\n"
"\n"
"Policies: fifo, random (--seed), clock, lru-approx, lru and mru (both need\n"
"--software-tlb; exact with --software-tlb 1), sieve and s3fifo (they count\n"
"the hits the kernel sees: with --software-tlb 1 every reference but an\n"
"immediate repeat of a page), sfifo (VAX/VMS segmented FIFO: clean and\n"
"dirty second-chance lists) and 2q (Linux's active and inactive lists), both\n"
"needing --software-tlb, and wsclock (--ws-window); with --software-tlb 1\n"
"these three equal the simulator's on strings without immediate repeats.\n"
"\n"
"EXAMPLES:\n"
"  vmlab run --pages 64 --pattern rand --events\n"
"  vmlab run --pages 8 --read-then-write --events\n"
"  vmlab run --pages 65536 --write --events --quiet   # histogram only\n"
"  vmlab run --pages 64 --frames 16 --policy clock --clock-flush \\\n"
"            --pattern hotcold --backing /tmp/store --compare\n"
"  vmlab run --pages 64 --frames 16 --low-watermark 4 --high-watermark 8 \\\n"
"            --write --backing /tmp/store\n"
"  vmlab run --frames 3 --pattern trace:belady.txt --events\n"
"  vmlab run --frames 3 --policy clock --clock-flush \\\n"
"            --pattern trace:belady.txt --steps\n"
"  vmlab -j run --pages 16 --events\n";

enum {
	OPT_RING = 0x100,
	OPT_TOUCHES,
	OPT_NO_WALK,
	OPT_READ,
	OPT_WRITE,
	OPT_RW,
	OPT_FRAMES,
	OPT_POLICY,
	OPT_CLOCK_FLUSH,
	OPT_BACKING,
	OPT_SOFTWARE_TLB,
	OPT_EVICT_BATCH,
	OPT_LOW_WATERMARK,
	OPT_HIGH_WATERMARK,
	OPT_COMPARE,
	OPT_STEPS,
	OPT_WS_WINDOW,
};

static const struct argp_option run_opts[] = {
	{ "pages", 'n', "N", 0, "Pages to map (default 16)", 0 },
	{ "pattern", 'p', "PATTERN", 0,
	  "Access pattern: seq (default), rand, loop, hotcold, trace:FILE", 0 },
	{ "seed", 's', "S", 0,
	  "Seed of the random patterns and of the random policy (default 1)", 0 },
	{ "touches", OPT_TOUCHES, "T", 0,
	  "References to make (default: the pattern's: one per page, 4 per "
	  "page for loop and hotcold, the file's lines for trace)", 0 },
	{ "frames", OPT_FRAMES, "F", 0,
	  "Frame budget: at most F resident pages (default: no budget)", 4 },
	{ "policy", OPT_POLICY, "POLICY", 0,
	  "Replacement policy: fifo (default), random, clock, lru-approx, lru, "
	  "mru, sieve, s3fifo, sfifo, 2q, wsclock; bpf:FILE.bpf.o loads and "
	  "registers a policy written in BPF, bpf:NAME selects one registered "
	  "already (bpftool struct_ops register; Linux 6.9+)", 4 },
	{ "clock-flush", OPT_CLOCK_FLUSH, NULL, 0,
	  "clock, lru-approx, wsclock: flush TLBs after clearing accessed bits", 4 },
	{ "ws-window", OPT_WS_WINDOW, "T", 0,
	  "wsclock: a page unreferenced for more than T references is out of "
	  "the working set (default: the frame budget)", 4 },
	{ "software-tlb", OPT_SOFTWARE_TLB, "W", 0,
	  "Software TLB: keep at most W resident pages mapped", 4 },
	{ "evict-batch", OPT_EVICT_BATCH, "B", 0,
	  "Evict B victims at once when the budget is full, with one TLB flush "
	  "and one write per run of consecutive pages (default 1: the textbook)", 4 },
	{ "low-watermark", OPT_LOW_WATERMARK, "N", 0,
	  "Page daemon: wake it when a miss leaves fewer than N frames free "
	  "(with --high-watermark; default: no daemon)", 4 },
	{ "high-watermark", OPT_HIGH_WATERMARK, "N", 0,
	  "Page daemon: it evicts until N frames are free (N <= F)", 4 },
	{ "backing", OPT_BACKING, "FILE", 0,
	  "Swap to FILE (opened read-write, created if missing; default: the "
	  "module's memory store)", 4 },
	{ "compare", OPT_COMPARE, NULL, 0,
	  "Print the simulated FIFO, LRU and OPT misses on the same references", 4 },
	{ "steps", OPT_STEPS, NULL, 0,
	  "One line per reference: the kernel's hit or miss, victim and memory "
	  "in the policy's order beside the simulator's (fifo, lru, clock, "
	  "random, sfifo, 2q, wsclock)", 4 },
	{ "read", OPT_READ, NULL, 0, "Read one byte a page (the default)", 1 },
	{ "write", OPT_WRITE, NULL, 0, "Write one byte a page", 1 },
	{ "read-then-write", OPT_RW, NULL, 0,
	  "Read, then write each page: a zero-fill and a write-upgrade", 1 },
	{ "events", 'e', NULL, 0,
	  "Record faults and TLB flushes, with page-table walks", 2 },
	{ "no-walk", OPT_NO_WALK, NULL, 0, "With --events: no walks", 2 },
	{ "ring", OPT_RING, "RECORDS", 0,
	  "Ring capacity, a power of two (default: enough for the run, up to the "
	  "module's limit)", 2 },
	{ "quiet", 'q', NULL, 0, "Print no record lines, only the summary", 2 },
	CLI_OPT_JSON(3),
	{},
};

struct run_args {
	struct experiment *e;
	bool quiet;
	bool compare;
	bool steps;
	bool have_policy;
	bool access_given;	/* --read, --write or --read-then-write */
};

static error_t run_parse(int key, char *arg, struct argp_state *state)
{
	struct run_args *a = state->input;
	struct experiment *e = a->e;
	uint64_t v;

	switch (key) {
	case 'n':
		e->pages = arg_u64(state, "--pages", arg, 1, RUN_MAX_PAGES);
		e->pages_given = true;
		break;
	case 'p':
		arg_pattern(state, arg);
		e->pattern = arg;
		break;
	case OPT_FRAMES:
		e->frames = arg_u64(state, "--frames", arg, 1, UINT64_MAX);
		break;
	case OPT_POLICY:
		if (!strncmp(arg, "bpf:", 4) && arg[4]) {
			e->policy = VMLAB_POLICY_BPF;
			e->bpf_policy = arg + 4;
			a->have_policy = true;
			break;
		}
		if (policy_parse(arg) < 0 || policy_parse(arg) == VMLAB_POLICY_BPF)
			argp_error(state, "--policy '%s': unknown; policies: fifo, "
				   "random, clock, lru-approx, lru, mru, sieve, "
				   "s3fifo, sfifo, 2q, wsclock, bpf:FILE.bpf.o, "
				   "bpf:NAME", arg);
		e->policy = policy_parse(arg);
		a->have_policy = true;
		break;
	case OPT_CLOCK_FLUSH:
		e->clock_flush = true;
		break;
	case OPT_WS_WINDOW:
		e->ws_window = arg_u64(state, "--ws-window", arg, 1,
				       VMLAB_WS_WINDOW_MAX);
		break;
	case OPT_SOFTWARE_TLB:
		e->tlb_window = arg_u64(state, "--software-tlb", arg, 1, UINT32_MAX);
		break;
	case OPT_EVICT_BATCH:
		e->evict_batch = arg_u64(state, "--evict-batch", arg, 1,
					 VMLAB_EVICT_BATCH_MAX);
		break;
	case OPT_LOW_WATERMARK:
		e->low_watermark = arg_u64(state, "--low-watermark", arg, 0,
					   UINT32_MAX);
		break;
	case OPT_HIGH_WATERMARK:
		e->high_watermark = arg_u64(state, "--high-watermark", arg, 1,
					    UINT32_MAX);
		break;
	case OPT_BACKING:
		if (!*arg)
			argp_error(state, "--backing: no file name given");
		e->backing = arg;
		break;
	case OPT_COMPARE:
		a->compare = true;
		break;
	case OPT_STEPS:
		a->steps = true;
		break;
	case 's':
		e->seed = arg_u64(state, "--seed", arg, 0, UINT64_MAX);
		break;
	case OPT_TOUCHES:
		e->touches = arg_u64(state, "--touches", arg, 1, UINT64_MAX);
		break;
	case OPT_READ:
		e->access = ACCESS_READ;
		a->access_given = true;
		break;
	case OPT_WRITE:
		e->access = ACCESS_WRITE;
		a->access_given = true;
		break;
	case OPT_RW:
		e->access = ACCESS_READ_WRITE;
		a->access_given = true;
		break;
	case 'e':
		e->events = true;
		break;
	case OPT_NO_WALK:
		e->walk = false;
		break;
	case OPT_RING:
		v = arg_u64(state, "--ring", arg, 1, UINT32_MAX);
		if (v & (v - 1))
			argp_error(state, "--ring %s: not a power of two", arg);
		e->ring_records = (uint32_t)v;
		break;
	case 'q':
		a->quiet = true;
		break;
	case ARGP_KEY_END:
		if (e->ring_records && !e->events)
			argp_error(state, "--ring needs --events");
		if (!e->walk && !e->events)
			argp_error(state, "--no-walk needs --events");
		if (a->have_policy && !e->frames)
			argp_error(state, "--policy %s needs --frames F: without a "
				   "frame budget nothing is evicted",
				   policy_name(e->policy));
		if (policy_needs_window(e->policy) && !e->tlb_window)
			argp_error(state, "--policy %s needs --software-tlb W: the "
				   "kernel sees a reference only when it faults, "
				   "so it needs the software TLB (W = 1 sees "
				   "every change of page)", policy_name(e->policy));
		if (e->clock_flush && e->policy != VMLAB_POLICY_CLOCK &&
		    e->policy != VMLAB_POLICY_LRU_APPROX &&
		    e->policy != VMLAB_POLICY_WSCLOCK)
			argp_error(state, "--clock-flush needs --policy clock, "
				   "lru-approx or wsclock: only they clear "
				   "accessed bits");
		if (e->ws_window && e->policy != VMLAB_POLICY_WSCLOCK)
			argp_error(state, "--ws-window needs --policy wsclock");
		if (e->backing && !e->frames)
			argp_error(state, "--backing needs --frames F: without a "
				   "frame budget nothing is swapped");
		if ((e->low_watermark || e->high_watermark) &&
		    (!e->frames || !e->high_watermark ||
		     e->low_watermark >= e->high_watermark ||
		     e->high_watermark > e->frames))
			argp_error(state, "--low-watermark L --high-watermark H "
				   "need --frames F and L < H <= F");
		if (a->compare && !e->frames)
			argp_error(state, "--compare needs --frames F");
		if (a->steps && !e->frames)
			argp_error(state, "--steps needs --frames F");
		if (a->steps && steps_sim_policy(e->policy) < 0)
			argp_error(state, "--steps: --policy %s has no textbook "
				   "twin in the simulator (fifo, lru, clock, "
				   "random, mru, sieve, s3fifo, sfifo, 2q, "
				   "wsclock have)",
				   policy_name(e->policy));
		if (a->steps && e->policy == VMLAB_POLICY_WSCLOCK &&
		    !e->tlb_window)
			argp_error(state, "--steps --policy wsclock needs "
				   "--software-tlb W: without it the kernel's "
				   "virtual time counts faults, not the "
				   "references the simulator's window counts "
				   "(W = 1 counts every change of page)");
		if (a->steps && e->access == ACCESS_READ_WRITE &&
		    (e->policy == VMLAB_POLICY_SIEVE ||
		     e->policy == VMLAB_POLICY_S3FIFO ||
		     e->policy == VMLAB_POLICY_TWOQ ||
		     e->policy == VMLAB_POLICY_WSCLOCK))
			argp_error(state, "--steps --policy %s: the kernel sees "
				   "each read-then-write as two references, the "
				   "simulator one; use --read or --write",
				   policy_name(e->policy));
		if (a->steps && (e->events || a->compare || a->quiet))
			argp_error(state, "--steps is a view of its own: no "
				   "--events, --compare or --quiet");
		if (a->steps && e->high_watermark)
			argp_error(state, "--steps compares the misses with the "
				   "simulator, which has no page daemon: no "
				   "--high-watermark");
		if (a->steps && e->evict_batch > 1)
			argp_error(state, "--steps compares one victim a miss "
				   "with the simulator: no --evict-batch");
		break;
	default:
		return cli_key(key, arg, state);
	}
	return 0;
}

struct run_out {
	struct ev_ctx ctx;
	struct ev_tally tally;
	struct jw *jw;
	bool print;
	bool header;
};

static void run_record(const struct vmlab_event *ev, void *arg)
{
	struct run_out *o = arg;

	ev_tally_add(&o->tally, ev);
	if (!o->print)
		return;
	if (o->jw) {
		ev_json(o->jw, ev, &o->ctx);
		return;
	}
	if (!o->header) {
		printf("\n");
		ev_print_header(stdout);
		o->header = true;
	}
	ev_print(ev, &o->ctx, stdout);
}

/* ------------------------------------------------------------ --compare */

/* The simulated policies --compare shows: FIFO, LRU, OPT, and the run's */
struct compare {
	unsigned int n;
	enum sim_policy policy[SIM_NR_POLICIES];
	struct sim_result res[SIM_NR_POLICIES];
};

static int run_compare(const struct experiment *e, struct compare *c)
{
	static const enum sim_policy always[] = { SIM_FIFO, SIM_LRU, SIM_OPT };
	/* the trace's r|w or the run's access, for the dirty pages */
	struct sim_opts o = { .writes = e->writes,
			      .all_writes = e->access != ACCESS_READ,
			      .ws_window = e->ws_window };
	int own = steps_sim_policy(e->policy);
	unsigned int i;

	c->n = 0;
	for (i = 0; i < ARRAY_SIZE(always); i++)
		c->policy[c->n++] = always[i];
	if (own >= 0 && own != SIM_FIFO && own != SIM_LRU)
		c->policy[c->n++] = own;
	for (i = 0; i < c->n; i++)
		if (sim_run_opts(c->policy[i], e->frames, e->refs, e->references,
				 e->seed, &o, &c->res[i], NULL, NULL))
			return err_errno("simulate"), -1;
	return 0;
}

static double hit_ratio(uint64_t refs, uint64_t misses)
{
	return refs && misses <= refs ? (double)(refs - misses) / refs : 0.0;
}

/* What the kernel's policy should match in the simulator, and how well */
static const char *compare_note(const struct experiment *e, enum sim_policy p)
{
	if (e->evict_batch > 1 && (p == SIM_FIFO || p == SIM_LRU))
		return "the simulator evicts one victim a miss, the kernel a batch";
	if (p == SIM_FIFO && e->policy == VMLAB_POLICY_FIFO)
		return "exact: equals the kernel's FIFO";
	if (p == SIM_LRU && e->policy == VMLAB_POLICY_LRU)
		return e->tlb_window == 1 ? "exact: equals the kernel's LRU "
		       "(--software-tlb 1)" : "the kernel sees only references "
		       "that leave the software TLB";
	if (p == SIM_OPT)
		return "Belady's optimum: no policy misses less";
	if (p == SIM_CLOCK)
		return "textbook clock: every reference sets the bit";
	if (p == SIM_RANDOM)
		return "another random stream: equal only on average";
	if (p == SIM_MRU)
		return e->tlb_window == 1 ? "exact: equals the kernel's MRU "
		       "(--software-tlb 1)" : "the kernel sees only references "
		       "that leave the software TLB";
	if ((p == SIM_SIEVE || p == SIM_S3FIFO) &&
	    e->access == ACCESS_READ_WRITE)
		return "the kernel sees each write after its read as a hit, "
		       "the simulator one reference";
	if (p == SIM_SIEVE || p == SIM_S3FIFO)
		return e->tlb_window == 1 ? "exact unless a page is referenced "
		       "twice in a row: the kernel does not see the repeat" :
		       "the kernel sees only references that leave the "
		       "software TLB";
	if ((p == SIM_SFIFO || p == SIM_TWOQ || p == SIM_WSCLOCK) &&
	    (int)p == steps_sim_policy(e->policy))
		return e->tlb_window != 1 ? "the kernel sees only references "
		       "that leave the software TLB" :
		       e->access == ACCESS_READ_WRITE ? "the kernel sees each "
		       "read-then-write as two references" :
		       "exact with --software-tlb 1 but for immediate repeats, "
		       "which the kernel does not see";
	return "";
}

static void compare_text(const struct experiment *e, const struct compare *c)
{
	uint64_t kmiss = stats_misses(&e->stats);
	unsigned int i;

	printf("\ncompare: misses on the same %" PRIu64 " references (%" PRIu64
	       " pages, %" PRIu64 " frames)\n", e->references, e->pages,
	       e->frames);
	printf("  %-26s %8s %10s\n", "", "misses", "hit ratio");
	printf("  kernel    %-16s %8" PRIu64 " %9.1f%%\n",
	       e->clock_flush ? (e->policy == VMLAB_POLICY_CLOCK ? "clock+flush" :
				 "lru-approx+flush") : policy_name(e->policy),
	       kmiss, 100 * hit_ratio(e->references, kmiss));
	for (i = 0; i < c->n; i++) {
		const char *note = compare_note(e, c->policy[i]);
		bool same = c->res[i].misses == kmiss;

		printf("  simulated %-16s %8" PRIu64 " %9.1f%%%s%s%s%s\n",
		       sim_policy_name(c->policy[i]), c->res[i].misses,
		       100 * hit_ratio(c->res[i].refs, c->res[i].misses),
		       same || *note ? "  " : "", same ? "= kernel" : "",
		       same && *note ? "; " : "", note);
	}
}

static void compare_json(struct jw *w, const struct experiment *e,
			 const struct compare *c)
{
	uint64_t kmiss = stats_misses(&e->stats);
	unsigned int i;

	jw_obj(w, "compare");
	jw_u64(w, "references", e->references);
	jw_u64(w, "frames", e->frames);
	jw_obj(w, "kernel");
	jw_str(w, "policy", policy_name(e->policy));
	jw_bool(w, "clock_flush", e->clock_flush);
	jw_u64(w, "software_tlb", e->tlb_window);
	jw_u64(w, "misses", kmiss);
	jw_dbl(w, "hit_ratio", hit_ratio(e->references, kmiss));
	jw_end(w);
	jw_arr(w, "simulated");
	for (i = 0; i < c->n; i++) {
		jw_obj(w, NULL);
		jw_str(w, "policy", sim_policy_name(c->policy[i]));
		jw_u64(w, "misses", c->res[i].misses);
		jw_dbl(w, "hit_ratio", hit_ratio(c->res[i].refs, c->res[i].misses));
		jw_u64(w, "evictions", c->res[i].evictions);
		jw_bool(w, "equals_kernel", c->res[i].misses == kmiss);
		jw_end(w);
	}
	jw_end(w);
	jw_end(w);
}

/* ---------------------------------------------------------------- output */

static void run_text_head(const struct experiment *e)
{
	char b[32];

	printf("vmlab run: %" PRIu64 " pages (%s), pattern %s", e->pages,
	       fmt_bytes(e->len, b, sizeof(b)), e->pattern);
	if (strcmp(e->pattern, "seq") && strcmp(e->pattern, "loop") &&
	    strncmp(e->pattern, "trace:", 6))
		printf(" (seed %" PRIu64 ")", e->seed);
	printf(", %" PRIu64 " touches, %s\n", exp_touches(e),
	       e->writes ? "as the trace says (r|w)" : access_name(e->access));
	if (e->names)
		printf("trace pages renumbered in order: %" PRIu64 " distinct, up "
		       "to %" PRIu64 ", more than the module's region holds\n",
		       e->distinct, e->names[e->distinct - 1]);
	if (e->frames) {
		printf("frames %" PRIu64 ", policy %s", e->frames,
		       policy_name(e->policy));
		if (e->clock_flush)
			printf(" (TLB flush after clearing accessed bits)");
		if (e->policy == VMLAB_POLICY_RANDOM)
			printf(" (seed %" PRIu64 ")", e->seed);
		if (e->policy == VMLAB_POLICY_WSCLOCK)
			printf(" (window %" PRIu64 " references)",
			       e->ws_window ? e->ws_window : e->frames);
		if (e->evict_batch > 1)
			printf(", %u victims at once", e->evict_batch);
		if (e->high_watermark)
			printf(", page daemon below %u free frames, up to %u",
			       e->low_watermark, e->high_watermark);
		printf(", store: %s%s\n", e->backing ? "file " : "memory",
		       e->backing ? e->backing : "");
	}
	if (e->tlb_window)
		printf("software TLB: at most %u page%s mapped\n", e->tlb_window,
		       e->tlb_window == 1 ? "" : "s");
	if (e->events)
		printf("events: faults, TLB flushes, evictions and swaps%s, ring "
		       "of %u records\n",
		       e->walk ? ", with page-table walks" : "",
		       e->cfg.ring_records);
	else
		printf("events: off (--events to record them)\n");
}

static void run_text_tail(const struct experiment *e, const struct run_out *o)
{
	const struct ev_tally *t = &o->tally;

	printf("\ntouched %" PRIu64 " times in %.3f ms: %.2f us per touch\n",
	       e->references, e->elapsed_ns / 1e6,
	       e->references ? e->elapsed_ns / 1e3 / e->references : 0.0);
	printf("misses       %" PRIu64 " of %" PRIu64 " references (zero-fill + "
	       "swap-in), hit ratio %.1f%%\n", stats_misses(&e->stats),
	       e->references,
	       100 * hit_ratio(e->references, stats_misses(&e->stats)));
	stats_print(&e->stats, stdout);
	if (!e->events)
		return;
	printf("read         %" PRIu64 " records: %" PRIu64 " fault (zero-fill %"
	       PRIu64 ", minor %" PRIu64 ", write-upgrade %" PRIu64 ", swap-in %"
	       PRIu64 ", soft %" PRIu64 "), %" PRIu64 " tlb, %" PRIu64 " evict, %"
	       PRIu64 " swap, %" PRIu64 " lost (reporting %" PRIu64 " dropped)\n",
	       t->records, t->by_type[VMLAB_EV_FAULT], t->by_kind[VMLAB_FAULT_ZERO],
	       t->by_kind[VMLAB_FAULT_MINOR], t->by_kind[VMLAB_FAULT_UPGRADE],
	       t->by_kind[VMLAB_FAULT_SWAPIN], t->by_kind[VMLAB_FAULT_SOFT],
	       t->by_type[VMLAB_EV_TLB], t->by_type[VMLAB_EV_EVICT],
	       t->by_type[VMLAB_EV_SWAP], t->by_type[VMLAB_EV_LOST], t->lost);
	/* every record produced was read, or reported lost */
	if (t->records - t->by_type[VMLAB_EV_LOST] + t->lost != e->stats.events)
		printf("note: %" PRIu64 " records read and %" PRIu64 " reported "
		       "lost, but %llu produced\n",
		       t->records - t->by_type[VMLAB_EV_LOST], t->lost,
		       e->stats.events);
	if (t->seq_gaps > t->lost)
		printf("note: %" PRIu64 " records missing by sequence number, %"
		       PRIu64 " reported lost\n", t->seq_gaps, t->lost);
	if (!e->stats.events_dropped && t->by_type[VMLAB_EV_FAULT] != e->stats.faults)
		printf("note: %" PRIu64 " fault records but %llu faults counted, none dropped\n",
		       t->by_type[VMLAB_EV_FAULT], e->stats.faults);
	printf("\nfault latency in the module's handler (%" PRIu64 " records):\n",
	       t->latency.count);
	hist_print(&t->latency, "nsecs", stdout);
}

static void run_json_head(struct jw *w, const struct experiment *e)
{
	jw_obj(w, NULL);
	jw_obj(w, "experiment");
	jw_u64(w, "pages", e->pages);
	jw_u64(w, "page_size", e->info.page_size);
	jw_str(w, "pattern", e->pattern);
	jw_u64(w, "seed", e->seed);
	jw_u64(w, "touches", exp_touches(e));
	jw_str(w, "access", e->writes ? "trace" : access_name(e->access));
	jw_bool(w, "renumbered", e->names);
	jw_bool(w, "events", e->events);
	jw_bool(w, "walk", e->events && e->walk);
	jw_u64(w, "ring_records", e->cfg.ring_records);
	jw_u64(w, "frames", e->frames);
	jw_str(w, "policy", policy_name(e->policy));
	jw_bool(w, "clock_flush", e->clock_flush);
	jw_u64(w, "software_tlb", e->tlb_window);
	jw_u64(w, "evict_batch", e->evict_batch ? e->evict_batch : 1);
	jw_u64(w, "ws_window", e->ws_window);	/* 0: the frames */
	jw_u64(w, "low_watermark", e->low_watermark);
	jw_u64(w, "high_watermark", e->high_watermark);
	if (e->backing)
		jw_str(w, "backing", e->backing);
	else
		jw_null(w, "backing");
	jw_u64(w, "pgtable_levels", e->info.pgtable_levels);
	jw_bool(w, "pfn_visible", e->info.flags & VMLAB_INFO_PFN_VISIBLE);
	jw_end(w);
	jw_arr(w, "events");
}

static void run_json_tail(struct jw *w, const struct experiment *e,
			  const struct run_out *o, const struct compare *c)
{
	const struct ev_tally *t = &o->tally;

	jw_end(w);	/* events */
	jw_u64(w, "references", e->references);
	jw_u64(w, "elapsed_ns", e->elapsed_ns);
	jw_u64(w, "misses", stats_misses(&e->stats));
	jw_dbl(w, "hit_ratio", hit_ratio(e->references, stats_misses(&e->stats)));
	stats_json(w, "stats", &e->stats);
	if (c)
		compare_json(w, e, c);
	jw_obj(w, "records");
	jw_u64(w, "total", t->records);
	jw_u64(w, "fault", t->by_type[VMLAB_EV_FAULT]);
	jw_u64(w, "fault_zero", t->by_kind[VMLAB_FAULT_ZERO]);
	jw_u64(w, "fault_minor", t->by_kind[VMLAB_FAULT_MINOR]);
	jw_u64(w, "fault_upgrade", t->by_kind[VMLAB_FAULT_UPGRADE]);
	jw_u64(w, "fault_swapin", t->by_kind[VMLAB_FAULT_SWAPIN]);
	jw_u64(w, "fault_soft", t->by_kind[VMLAB_FAULT_SOFT]);
	jw_u64(w, "tlb", t->by_type[VMLAB_EV_TLB]);
	jw_u64(w, "evict", t->by_type[VMLAB_EV_EVICT]);
	jw_u64(w, "swap", t->by_type[VMLAB_EV_SWAP]);
	jw_u64(w, "lost_records", t->by_type[VMLAB_EV_LOST]);
	jw_u64(w, "lost", t->lost);
	jw_u64(w, "seq_gaps", t->seq_gaps);
	jw_end(w);
	hist_json(w, "latency_ns", &t->latency);
	jw_finish(w);
}

int cmd_run(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(run_opts, run_parse,
						   NULL, run_doc);
	struct experiment e;
	struct run_args a = { .e = &e };
	struct compare c;
	struct run_out o;
	struct jw jw;
	int ret = 1, touch_err;

	exp_defaults(&e);
	e.walk = true;
	sub_argp_parse(&argp, "run", argc, argv, &a);

	memset(&o, 0, sizeof(o));
	/* the references first: a bad trace file is refused before the device */
	if (exp_prepare(&e))
		goto out;
	if (e.writes && a.access_given) {
		err_msg("--pattern %s says which references write (PAGE,r|w): "
			"no --read, --write or --read-then-write", e.pattern);
		goto out;
	}
	if (a.steps) {
		/* the records tell each reference's outcome: no walks */
		e.events = true;
		e.walk = false;
	}
	if (exp_setup(&e))
		goto out;
	if (a.steps) {
		ret = run_steps(&e);
		goto out;
	}
	/* a SIGBUS stops the touches; what happened up to it is reported */
	touch_err = exp_touch(&e);
	o.ctx.levels = e.info.pgtable_levels;
	o.ctx.pfn_visible = e.info.flags & VMLAB_INFO_PFN_VISIBLE;
	o.print = e.events && !a.quiet;
	if (opt_json) {
		jw_init(&jw, stdout);
		o.jw = &jw;
		run_json_head(&jw, &e);
	} else {
		run_text_head(&e);
	}
	if (e.events && ev_drain(e.fd, run_record, &o) < 0) {
		err_errno("read " VMLAB_DEV);
		goto out;
	}
	if (exp_collect(&e))
		goto out;
	if (a.compare && run_compare(&e, &c))
		goto out;
	if (opt_json) {
		run_json_tail(&jw, &e, &o, a.compare ? &c : NULL);
	} else {
		run_text_tail(&e, &o);
		if (a.compare)
			compare_text(&e, &c);
	}
	ret = touch_err ? 1 : 0;
out:
	exp_teardown(&e);
	return ret;
}
