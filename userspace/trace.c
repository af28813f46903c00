// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab trace`: vmlab's events live, through BPF.
 *
 * A trace session (trace_session.c) attaches the programs of the kinds
 * asked for and streams their records, which this command prints
 * (trace_print.c) until Ctrl-C, then the counts.  --hist has the programs
 * fill log2 latency histograms instead; an interval prints the counts (and
 * histograms) every so often; --pin leaves counting programs attached after
 * exit, for bpftool (trace_pin.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "hist.h"
#include "json.h"
#include "trace_pin.h"
#include "trace_print.h"
#include "trace_session.h"
#include "util.h"
#include "vmlab.skel.h"

#define MAX_RING_MB		1024

struct trace_args {
	struct trace_opts o;
	bool timestamp;		/* -T */
	bool hist;		/* --hist */
	const char *pin, *unpin;
	uint64_t interval;	/* seconds, 0: none */
	uint64_t count;		/* intervals, 0: until Ctrl-C */
	int nargs;
};

struct trace_run {
	struct trace_args *a;
	struct trace_session s;
	uint64_t t0;		/* CLOCK_MONOTONIC at attach */
	uint64_t prev[VMT_COUNTERS];	/* at the last interval */
	uint64_t lost_reported;
	bool header;
	FILE *out;
};

static int on_event(const struct vmt_event *e, void *arg)
{
	struct trace_run *r = arg;

	if (opt_json) {
		trace_json_event(r->out, e);
		return 0;
	}
	if (!r->header) {
		trace_print_header(r->out, r->a->timestamp);
		r->header = true;
	}
	trace_print_event(r->out, e, r->a->timestamp, r->t0);
	return 0;
}

static const char *clock_str(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	strftime(buf, len, "%H:%M:%S", localtime_r(&t, &tm));
	return buf;
}

/* The histograms: key, the kind whose programs fill it, its name */
static const struct {
	__u32 key;
	unsigned int type;
	const char *name;
} hist_keys[] = {
	{ VMLAB_FAULT_ZERO, VMT_FAULT, "fault_zero" },
	{ VMLAB_FAULT_MINOR, VMT_FAULT, "fault_minor" },
	{ VMLAB_FAULT_UPGRADE, VMT_FAULT, "fault_upgrade" },
	{ VMLAB_FAULT_SWAPIN, VMT_FAULT, "fault_swapin" },
	{ VMLAB_FAULT_SOFT, VMT_FAULT, "fault_soft" },
	{ VMLAB_FAULT_COW, VMT_FAULT, "fault_cow" },
	{ VMT_HIST_EVICT, VMT_EVICT, "evict" },
	{ VMT_HIST_SWAP_OUT, VMT_SWAP, "swap_out" },
	{ VMT_HIST_SWAP_IN, VMT_SWAP, "swap_in" },
};

static void print_hists(struct trace_run *r, struct jw *w, bool reset)
{
	struct log2_hist h;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hist_keys); i++) {
		if (!(r->s.events & VMT_BIT(hist_keys[i].type)) ||
		    trace_session_hist(&r->s, hist_keys[i].key, &h, reset) || !h.count)
			continue;
		if (w) {
			jw_obj(w, NULL);
			jw_str(w, "kind", hist_keys[i].name);
			hist_json(w, "latency_ns", &h);
			jw_end(w);
			continue;
		}
		fprintf(r->out, "\nlatency, kind = %s\n", hist_keys[i].name);
		hist_print(&h, "nsecs", r->out);
	}
}

/* An interval's or the final report: counts since @base, histograms */
static void report(struct trace_run *r, const uint64_t *now, const uint64_t *base,
		   bool final, uint64_t interval_no)
{
	uint64_t d[VMT_COUNTERS];
	char clk[16];
	struct jw w;
	int i;

	for (i = 0; i < VMT_COUNTERS; i++)
		d[i] = now[i] - base[i];
	if (opt_json) {
		jw_init(&w, r->out);
		jw_obj(&w, NULL);
		jw_str(&w, "type", final ? "summary" : "interval");
		if (!final)
			jw_u64(&w, "interval", interval_no);
		if (r->a->timestamp)
			jw_str(&w, "time", clock_str(clk, sizeof(clk)));
		jw_dbl(&w, "elapsed_s", (now_ns() - r->t0) / 1e9);
		jw_u64(&w, "records", r->s.records);
		jw_u64(&w, "lost", d[VMT_LOST]);
		trace_json_counts(&w, r->s.events, d);
		if (r->a->hist && !(final && r->a->interval)) {
			jw_arr(&w, "hists");
			print_hists(r, &w, !final);
			jw_end(&w);
		}
		jw_finish(&w);
		return;
	}
	if (r->a->hist && !(final && r->a->interval))
		print_hists(r, NULL, !final);
	if (r->a->timestamp || final)
		fprintf(r->out, "\n%s%s%s\n", r->a->timestamp ?
			clock_str(clk, sizeof(clk)) : "",
			r->a->timestamp && final ? " " : "",
			final ? "Total:" : "");
	else if (r->a->hist || interval_no > 1)
		fputc('\n', r->out);
	trace_print_counts(r->out, r->s.events, d);
	if (final && r->s.rb)
		fprintf(r->out, "  records %" PRIu64 " printed, %" PRIu64 " lost\n",
			r->s.records, d[VMT_LOST]);
	fflush(r->out);
}

/* ------------------------------------------------------------ command */

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = 1;
}

static const char trace_doc[] =
"Trace vmlab's events live with BPF: faults the module handles, page-table\n"
"walks, TLB flushes, evictions and swaps, and the kernel's own page faults\n"
"and TLB flushes in the processes that use vmlab.  Prints one line per\n"
"event until Ctrl-C, then the counts; with an interval, the counts every\n"
"INTERVAL seconds (COUNT times); with --hist, log2 histograms of fault,\n"
"eviction and swap latency by kind.\n"
"Lost events (the ring buffer full) are counted and reported on stderr.\n"
"\n"
"EVENTS (-e, default fault,tlb,evict,swap):\n"
"  fault   faults the module handled, by kind (vmlab:vmlab_fault)\n"
"  walk    the page-table walk after each fault (vmlab:vmlab_walk); the\n"
"          module walks only while this is traced\n"
"  tlb     TLB flushes of vmlab memory: the module's unmaps and the\n"
"          kernel's flushes of its mms (vmlab:vmlab_tlb_flush)\n"
"  evict   pages evicted, by policy and action (vmlab:vmlab_evict)\n"
"  swap    pages written to and read back from the store\n"
"          (vmlab:vmlab_swap_out, vmlab:vmlab_swap_in)\n"
"  pf      the kernel's user page faults, in vmlab VMAs or elsewhere, of\n"
"          traced processes (exceptions:page_fault_user)\n"
"  ktlb    the kernel's TLB flushes in traced processes (tlb:tlb_flush)\n"
"  all     every one of these\n"
"Kinds the loaded module lacks are left out of the default set.\n"
"Without -p, a process is traced (pf, ktlb) from its first fault on vmlab\n"
"memory; -p PID also drops flushes, evictions and swaps done by other\n"
"tasks (a remote shootdown, the writeback worker).\n"
"\v"
"EXAMPLES:\n"
"  vmlab trace                  # faults, flushes, evictions until Ctrl-C\n"
"  vmlab trace -T -p 181        # only PID 181, with timestamps\n"
"  vmlab trace -e fault,walk    # faults with their page-table walks\n"
"  vmlab trace -j > trace.json  # JSON lines, then a summary line\n"
"  vmlab trace 1 10             # counts every second, 10 times\n"
"  vmlab trace --hist           # latency histograms by kind\n"
"  vmlab trace --hist 5         # ... every 5 seconds\n"
"  vmlab trace -e all 1         # the kernel's view beside the module's\n"
"  vmlab trace --pin /sys/fs/bpf/vmlab -e all   # count in the background:\n"
"  bpftool map dump pinned /sys/fs/bpf/vmlab/counts\n"
"  vmlab trace --unpin /sys/fs/bpf/vmlab        # ... and stop\n";

enum {
	OPT_HIST = 0x100,
	OPT_PIN,
	OPT_UNPIN,
	OPT_BATCH,
	OPT_RING,
};

static const struct argp_option trace_opts[] = {
	{ "pid", 'p', "PID", 0, "Trace this process only", 0 },
	{ "events", 'e', "LIST", 0,
	  "Event kinds, comma-separated (default fault,tlb,evict,swap)", 0 },
	{ "timestamp", 'T', NULL, 0, "Print a timestamp on each event and report", 0 },
	{ "json", 'j', NULL, 0, "Print JSON lines instead of text", 0 },
	{ "hist", OPT_HIST, NULL, 0,
	  "Print log2 histograms of latency by kind, not events", 0 },
	{ "pin", OPT_PIN, "DIR", 0,
	  "Attach counting programs, pin them and their maps under DIR "
	  "(bpffs) and exit, leaving them running", 0 },
	{ "unpin", OPT_UNPIN, "DIR", 0,
	  "Detach what --pin DIR left running and remove DIR", 0 },
	{ "batch", OPT_BATCH, "N", 0,
	  "Wake the reader once N records are queued (default: a quarter of "
	  "the ring); it also reads every 100 ms", 0 },
	{ "ring-mb", OPT_RING, "MB", 0,
	  "Ring buffer size in MiB, a power of two (default 4)", 0 },
	{ "verbose", 'v', NULL, 0, "Print libbpf's messages", 0 },
	{},
};

static error_t trace_parse(int key, char *arg, struct argp_state *state)
{
	struct trace_args *a = state->input;
	const char *bad;

	switch (key) {
	case 'p':
		a->o.pid = arg_u64(state, "--pid", arg, 1, INT32_MAX);
		break;
	case 'e':
		if (trace_parse_events(arg, &a->o.events, &bad))
			argp_error(state, "-e: unknown event kind '%s'; kinds: %s,all",
				   bad, trace_event_names());
		a->o.events_given = true;
		break;
	case 'T':
		a->timestamp = true;
		break;
	case OPT_HIST:
		a->hist = true;
		break;
	case OPT_PIN:
		a->pin = arg;
		break;
	case OPT_UNPIN:
		a->unpin = arg;
		break;
	case OPT_BATCH:
		a->o.batch = arg_u64(state, "--batch", arg, 1, 1 << 20);
		break;
	case OPT_RING:
		a->o.ring_mb = arg_u64(state, "--ring-mb", arg, 1, MAX_RING_MB);
		if (a->o.ring_mb & (a->o.ring_mb - 1))
			argp_error(state, "--ring-mb %s: not a power of two", arg);
		break;
	case 'v':
		a->o.verbose = true;
		break;
	case ARGP_KEY_ARG:
		if (a->nargs == 0)
			a->interval = arg_u64(state, "interval", arg, 1, 86400);
		else if (a->nargs == 1)
			a->count = arg_u64(state, "count", arg, 1, UINT32_MAX);
		else
			argp_error(state, "too many arguments");
		a->nargs++;
		break;
	case ARGP_KEY_END:
		if (a->pin && a->unpin)
			argp_error(state, "--pin and --unpin together");
		if ((a->pin || a->unpin) && a->nargs)
			argp_error(state, "--pin and --unpin take no interval");
		break;
	default:
		return cli_key(key, arg, state);
	}
	return 0;
}

static void say_pinned(struct trace_run *r, const char *dir)
{
	struct bpf_object_skeleton *sk = r->s.skel->skeleton;
	int n;

	if (opt_json) {
		struct jw w;

		jw_init(&w, stdout);
		jw_obj(&w, NULL);
		jw_str(&w, "pinned", dir);
		jw_arr(&w, "links");
		for (n = 0; n < sk->prog_cnt; n++)
			if (*sk->progs[n].link)
				jw_str(&w, NULL, sk->progs[n].name);
		jw_end(&w);
		jw_finish(&w);
		return;
	}
	printf("Pinned under %s, attached and counting:\n", dir);
	for (n = 0; n < sk->prog_cnt; n++)
		if (*sk->progs[n].link)
			printf("  %s/link_%s\n", dir, sk->progs[n].name);
	printf("  %s/counts   (bpftool map dump pinned %s/counts)\n", dir, dir);
	printf("  %s/hists\n  %s/procs\n", dir, dir);
	printf("Stop with: vmlab trace --unpin %s\n", dir);
}

static void check_lost(struct trace_run *r, const uint64_t *c)
{
	if (c[VMT_LOST] <= r->lost_reported)
		return;
	fflush(r->out);
	fprintf(stderr, "vmlab trace: %" PRIu64 " events lost: the ring buffer "
		"was full (try --ring-mb, fewer -e kinds, or an interval)\n",
		c[VMT_LOST] - r->lost_reported);
	r->lost_reported = c[VMT_LOST];
}

int cmd_trace(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(trace_opts, trace_parse,
						   "[INTERVAL [COUNT]]", trace_doc);
	struct trace_args a = { .o.ring_mb = TRACE_DEFAULT_RING_MB };
	static struct trace_run r;
	uint64_t c[VMT_COUNTERS], next = 0, n = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	char names[128];
	int ret = 0, err;

	sub_argp_parse(&argp, "trace", argc, argv, &a);
	if (a.unpin)
		return trace_unpin(a.unpin);
	if (!a.o.events)
		a.o.events = trace_default_events();
	if (a.o.pid && kill(a.o.pid, 0) && errno == ESRCH)
		return err_msg("-p %d: no such process", a.o.pid);
	a.o.hist = a.hist;
	a.o.stream = !a.pin && !a.hist && !a.interval;

	r.a = &a;
	r.out = stdout;
	if (trace_session_open(&r.s, &a.o, on_event, &r))
		return 1;
	r.t0 = now_ns();

	if (a.pin) {
		ret = trace_pin(&r.s, a.pin);
		if (!ret)
			say_pinned(&r, a.pin);
		trace_session_close(&r.s);
		return ret;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "Tracing vmlab events (%s)%s... Hit Ctrl-C to end.\n",
		trace_kind_list(r.s.events, names, sizeof(names)),
		a.pin ? "" : a.hist ? ", latency histograms" :
		a.interval ? ", counts every interval" : "");
	memset(r.prev, 0, sizeof(r.prev));
	if (a.interval)
		next = r.t0 + a.interval * 1000000000ULL;
	while (!exiting) {
		int timeout = TRACE_POLL_MS;

		if (a.interval) {
			uint64_t t = now_ns();

			if (t >= next) {
				timeout = 0;
			} else if ((next - t) / 1000000 < TRACE_POLL_MS) {
				timeout = (next - t) / 1000000 + 1;
			}
		}
		err = trace_session_poll(&r.s, timeout);
		if (err) {
			errno = -err;
			ret = err_errno("reading the ring buffer");
			break;
		}
		fflush(r.out);
		if (trace_session_counts(&r.s, c)) {
			ret = err_errno("reading the counters");
			break;
		}
		check_lost(&r, c);
		if (a.interval && now_ns() >= next) {
			report(&r, c, r.prev, false, ++n);
			memcpy(r.prev, c, sizeof(c));
			next += a.interval * 1000000000ULL;
			if (a.count && n >= a.count)
				break;
		}
	}

	/* detach first: the counts and the records then describe the same events */
	trace_session_detach(&r.s);
	if (trace_session_counts(&r.s, c)) {
		ret = err_errno("reading the counters");
	} else {
		static const uint64_t zero[VMT_COUNTERS];

		check_lost(&r, c);
		report(&r, c, zero, true, n);
	}
	trace_session_close(&r.s);
	return ret;
}
