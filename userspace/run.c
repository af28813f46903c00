// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab run`: one experiment.  It opens an instance,
 * configures it, maps N pages, touches them in a pattern, drains the event
 * stream and reports the records, the stats and the fault latencies.
 *
 * The steps are exp_setup(), exp_touch(), exp_collect() and exp_teardown()
 * on a struct experiment, so later commands (frame budgets, policies,
 * backing files, simulate) extend the struct and the steps, not the flow.
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

#include "tool.h"

/* The largest run one command does: 2^32 pages is 16 TiB of 4 KiB pages */
#define RUN_MAX_PAGES (1ULL << 32)

const char *access_name(enum access_mode a)
{
	switch (a) {
	case ACCESS_READ:
		return "read";
	case ACCESS_WRITE:
		return "write";
	case ACCESS_READ_WRITE:
		return "read-then-write";
	}
	return "?";
}

/* ---------------------------------------------------------- experiment */

void exp_defaults(struct experiment *e)
{
	memset(e, 0, sizeof(*e));
	e->pages = 16;
	e->pattern = "seq";
	e->seed = 1;
	e->access = ACCESS_READ;
	e->fd = -1;
	e->map = MAP_FAILED;
}

static uint64_t exp_touches(const struct experiment *e)
{
	return e->touches ? e->touches : e->pages;
}

/* Ring capacity for the run: room for every record, within the limit */
static uint32_t auto_ring(const struct experiment *e)
{
	uint64_t want = exp_touches(e) * (e->access == ACCESS_READ_WRITE ? 2 : 1);
	uint64_t max = e->info.max_ring_records, r;

	want += 64;	/* TLB records and slack */
	r = round_up_pow2(want);
	while (r > max && r > 1)
		r >>= 1;
	return (uint32_t)r;
}

int exp_setup(struct experiment *e)
{
	uint64_t max_pages;

	e->fd = vmlab_open_info(O_RDWR | O_NONBLOCK, &e->info);
	if (e->fd < 0)
		return -1;
	max_pages = e->info.max_region_size / e->info.page_size;
	if (e->pages > max_pages) {
		err_msg("--pages %" PRIu64 ": the module allows at most %" PRIu64
			" pages an instance (its max_region_mb parameter)",
			e->pages, max_pages);
		return -1;
	}
	if (e->ring_records > e->info.max_ring_records) {
		err_msg("--ring %u: the module allows at most %u records",
			e->ring_records, e->info.max_ring_records);
		return -1;
	}
	if (vmlab_get_config(e->fd, &e->cfg))
		return -1;
	e->len = e->pages * e->info.page_size;
	e->cfg.region_size = e->len;
	e->cfg.event_mask = e->events ? EV_FAULT_TLB : 0;
	e->cfg.flags = e->events && e->walk ? VMLAB_CFG_WALK : 0;
	if (e->ring_records)
		e->cfg.ring_records = e->ring_records;
	else if (e->events)
		e->cfg.ring_records = auto_ring(e);
	if (vmlab_set_config(e->fd, &e->cfg))
		return -1;
	e->map = mmap(NULL, e->len, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd, 0);
	if (e->map == MAP_FAILED) {
		err_errno("mmap " VMLAB_DEV);
		return -1;
	}
	return 0;
}

static sigjmp_buf touch_jmp;
static volatile sig_atomic_t touch_sig;

static void touch_sigbus(int sig)
{
	touch_sig = sig;
	siglongjmp(touch_jmp, 1);
}

int exp_touch(struct experiment *e)
{
	struct sigaction sa = { .sa_handler = touch_sigbus }, old;
	struct pattern p;
	volatile uint64_t page = 0;
	uint64_t pg, t0;
	int err;

	err = pattern_init(&p, e->pattern, e->pages, exp_touches(e), e->seed);
	if (err) {
		errno = -err;
		return err_errno("pattern"), -1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	e->references = 0;
	t0 = now_ns();
	if (sigsetjmp(touch_jmp, 1)) {
		e->elapsed_ns = now_ns() - t0;
		sigaction(SIGBUS, &old, NULL);
		pattern_fini(&p);
		err_msg("SIGBUS touching page %" PRIu64 " (the module refused the "
			"fault: see fault_errors)", page);
		return -1;
	}
	while (pattern_next(&p, &pg)) {
		page = pg;
		touch_page(e->map + pg * e->info.page_size, e->access);
		e->references++;
	}
	e->elapsed_ns = now_ns() - t0;
	sigaction(SIGBUS, &old, NULL);
	pattern_fini(&p);
	return 0;
}

int exp_collect(struct experiment *e)
{
	return vmlab_get_stats(e->fd, &e->stats);
}

void exp_teardown(struct experiment *e)
{
	if (e->map != MAP_FAILED)
		munmap(e->map, e->len);
	e->map = MAP_FAILED;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

/* ---------------------------------------------------------- vmlab run */

static const char run_doc[] =
"Map an instance of N pages, touch them in a pattern, then print the event\n"
"records the module logged (with --events) and a summary: faults by kind\n"
"(VMLAB_GET_STATS), TLB flushes, records, and a log2 histogram of the\n"
"module's fault-handling latency.\n"
"\n"
"Each record line: sequence number, time since the first record, CPU, pid,\n"
"then for a fault its kind (zero-fill, minor, write-upgrade), access,\n"
"address, page offset, latency and the walk done after the fault (indices\n"
"PGD/P4D/PUD/PMD/PTE, '-' for a folded level, the leaf's flags and frame);\n"
"for a TLB flush its origin, reason and pages; 'lost' when the ring was full.\n"
"\n"
"Patterns: seq (pages 0, 1, 2, ...), rand (every page once, in a random\n"
"order).\n"
"\n"
"EXAMPLES:\n"
"  vmlab run --pages 64 --pattern rand --events\n"
"  vmlab run --pages 8 --read-then-write --events\n"
"  vmlab run --pages 65536 --write --events --quiet   # histogram only\n"
"  vmlab -j run --pages 16 --events\n";

enum {
	OPT_RING = 0x100,
	OPT_TOUCHES,
	OPT_NO_WALK,
	OPT_READ,
	OPT_WRITE,
	OPT_RW,
};

static const struct argp_option run_opts[] = {
	{ "pages", 'n', "N", 0, "Pages to map (default 16)", 0 },
	{ "pattern", 'p', "PATTERN", 0, "Access pattern: seq (default), rand", 0 },
	{ "seed", 's', "S", 0, "Seed of the random patterns (default 1)", 0 },
	{ "touches", OPT_TOUCHES, "T", 0,
	  "References to make (default: one per page)", 0 },
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
	{ "json", 'j', NULL, 0, "Print JSON instead of text", 3 },
	{},
};

struct run_args {
	struct experiment *e;
	bool quiet;
};

static error_t run_parse(int key, char *arg, struct argp_state *state)
{
	struct run_args *a = state->input;
	struct experiment *e = a->e;
	const char *parg;
	uint64_t v;

	switch (key) {
	case 'n':
		e->pages = arg_u64(state, "--pages", arg, 1, RUN_MAX_PAGES);
		break;
	case 'p':
		if (!pattern_lookup(arg, &parg))
			argp_error(state, "--pattern '%s': unknown; patterns: %s",
				   arg, pattern_names());
		e->pattern = arg;
		break;
	case 's':
		e->seed = arg_u64(state, "--seed", arg, 0, UINT64_MAX);
		break;
	case OPT_TOUCHES:
		e->touches = arg_u64(state, "--touches", arg, 1, UINT64_MAX);
		break;
	case OPT_READ:
		e->access = ACCESS_READ;
		break;
	case OPT_WRITE:
		e->access = ACCESS_WRITE;
		break;
	case OPT_RW:
		e->access = ACCESS_READ_WRITE;
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
	case 'j':
		opt_json = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (e->ring_records && !e->events)
			argp_error(state, "--ring needs --events");
		if (!e->walk && !e->events)
			argp_error(state, "--no-walk needs --events");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
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
		ev_json(o->jw, ev);
		return;
	}
	if (!o->header) {
		printf("\n");
		ev_print_header(stdout);
		o->header = true;
	}
	ev_print(ev, &o->ctx, stdout);
}

static void run_text_head(const struct experiment *e)
{
	char b[32];

	printf("vmlab run: %" PRIu64 " pages (%s), pattern %s", e->pages,
	       fmt_bytes(e->len, b, sizeof(b)), e->pattern);
	if (strcmp(e->pattern, "seq"))
		printf(" (seed %" PRIu64 ")", e->seed);
	printf(", %" PRIu64 " touches, %s\n", exp_touches(e), access_name(e->access));
	if (e->events)
		printf("events: faults and TLB flushes%s, ring of %u records\n",
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
	stats_print(&e->stats, stdout);
	if (!e->events)
		return;
	printf("read         %" PRIu64 " records: %" PRIu64 " fault (zero-fill %"
	       PRIu64 ", minor %" PRIu64 ", write-upgrade %" PRIu64 "), %" PRIu64
	       " tlb, %" PRIu64 " lost (reporting %" PRIu64 " dropped)\n",
	       t->records, t->by_type[VMLAB_EV_FAULT], t->by_kind[VMLAB_FAULT_ZERO],
	       t->by_kind[VMLAB_FAULT_MINOR], t->by_kind[VMLAB_FAULT_UPGRADE],
	       t->by_type[VMLAB_EV_TLB], t->by_type[VMLAB_EV_LOST], t->lost);
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
	jw_str(w, "access", access_name(e->access));
	jw_bool(w, "events", e->events);
	jw_bool(w, "walk", e->events && e->walk);
	jw_u64(w, "ring_records", e->cfg.ring_records);
	jw_u64(w, "pgtable_levels", e->info.pgtable_levels);
	jw_bool(w, "pfn_visible", e->info.flags & VMLAB_INFO_PFN_VISIBLE);
	jw_end(w);
	jw_arr(w, "events");
}

static void run_json_tail(struct jw *w, const struct experiment *e,
			  const struct run_out *o)
{
	const struct ev_tally *t = &o->tally;

	jw_end(w);	/* events */
	jw_u64(w, "references", e->references);
	jw_u64(w, "elapsed_ns", e->elapsed_ns);
	stats_json(w, "stats", &e->stats);
	jw_obj(w, "records");
	jw_u64(w, "total", t->records);
	jw_u64(w, "fault", t->by_type[VMLAB_EV_FAULT]);
	jw_u64(w, "fault_zero", t->by_kind[VMLAB_FAULT_ZERO]);
	jw_u64(w, "fault_minor", t->by_kind[VMLAB_FAULT_MINOR]);
	jw_u64(w, "fault_upgrade", t->by_kind[VMLAB_FAULT_UPGRADE]);
	jw_u64(w, "tlb", t->by_type[VMLAB_EV_TLB]);
	jw_u64(w, "lost_records", t->by_type[VMLAB_EV_LOST]);
	jw_u64(w, "lost", t->lost);
	jw_u64(w, "seq_gaps", t->seq_gaps);
	jw_end(w);
	hist_json(w, "latency_ns", &t->latency);
	jw_finish(w);
}

int cmd_run(int argc, char **argv)
{
	static const struct argp argp = {
		.options = run_opts,
		.parser = run_parse,
		.doc = run_doc,
	};
	struct experiment e;
	struct run_args a = { .e = &e };
	struct run_out o;
	struct jw jw;
	int ret = 1, touch_err;

	exp_defaults(&e);
	e.walk = true;
	sub_argp_parse(&argp, "run", argc, argv, &a);

	memset(&o, 0, sizeof(o));
	if (exp_setup(&e))
		goto out;
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
	if (opt_json)
		run_json_tail(&jw, &e, &o);
	else
		run_text_tail(&e, &o);
	ret = touch_err ? 1 : 0;
out:
	exp_teardown(&e);
	return ret;
}
