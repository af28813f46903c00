// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab bench trace`: what tracing costs the fault path.
 *
 * First-touch write faults on a fresh vmlab instance (events off in the
 * module), timed as `vmlab bench fault` times them, with:
 *
 *   off         nothing attached
 *   ftrace      the vmlab:* tracepoints but vmlab_walk (which makes the
 *               module walk the page tables) enabled in a tracefs instance
 *   trace       `vmlab trace` running, its output to a file in /tmp
 *   trace-ring  the same, stopped (SIGSTOP) while the sample runs: the
 *               records wait in the ring; the fault path's share alone
 *   trace-all   `vmlab trace -e ...,pf,ktlb`: page_fault_user, tlb_flush too
 *   trace-hist  `vmlab trace --hist`: histograms, no records
 *   pinned      the counters `vmlab trace --pin` leaves attached
 *
 * Each tracer is the real command (this binary, exec'd), started before a
 * sample and stopped after it, outside the timed loop.  Rounds interleave
 * the variants in an order rotated every round; the report gives medians
 * and the throughput ratio against "off" (off's median time / the
 * variant's), with the records each tracer printed and lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "experiment.h"
#include "json.h"
#include "summary.h"
#include "tracer.h"
#include "util.h"

#define MAX_ROUNDS	100
#define READY_MS	120000
#define TRACEFS		"/sys/kernel/tracing"
#define TRACE_GOAL	0.97
#define SETTLE_US	300000

enum how { OFF, FTRACE, TRACER, TRACER_STOPPED, PINNED };

/* bt_variants[] indices the report and setup name */
enum { VI_OFF, VI_FTRACE, VI_TRACE, VI_TRACE_RING };

static const struct bt_variant {
	const char *name;
	enum how how;
	const char *args[4];	/* of `vmlab trace` */
	const char *desc;
} bt_variants[] = {
	{ "off", OFF, {}, "no tracing" },
	{ "ftrace", FTRACE, {},
	  "vmlab:* but vmlab_walk enabled in a tracefs instance" },
	{ "trace", TRACER, {}, "vmlab trace > /tmp/file (fault,tlb,evict,swap)" },
	{ "trace-ring", TRACER_STOPPED, {},
	  "the same, its reader stopped (SIGSTOP) during the sample: the "
	  "fault path's share" },
	{ "trace-all", TRACER, { "-e", "fault,tlb,evict,swap,pf,ktlb" },
	  "the same with -e ...,pf,ktlb: page_fault_user and tlb_flush too" },
	{ "trace-hist", TRACER, { "--hist" }, "vmlab trace --hist (no records)" },
	{ "pinned", PINNED, {}, "counters left by vmlab trace --pin" },
};

#define NBT ARRAY_SIZE(bt_variants)

struct bt {
	uint64_t pages;
	unsigned int rounds;
	bool want[NBT];
	int cpu;
	cpu_set_t all;		/* the tracers' CPUs: all others allowed */
	bool verbose;
	size_t psize;
	char self[256];		/* this binary */
	char tdir[128];		/* our tracefs instance */
	char pin[64];		/* bpffs directory of the pinned variant */

	double ns[NBT][MAX_ROUNDS];
	uint64_t records[NBT], lost[NBT], faults[NBT];
	double reader_ns[NBT];	/* the tracer's CPU time */
};

/* ------------------------------------------------------------ tracers */

/* utime + stime of @pid from /proc, in ns, or 0 */
static double proc_cpu_ns(pid_t pid)
{
	unsigned long ut = 0, st = 0;
	char path[64], buf[1024], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* after "(comm)": state and 10 fields, then utime and stime */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return 0;
	return (double)(ut + st) * 1e9 / sysconf(_SC_CLK_TCK);
}

/* Run this binary as `vmlab trace ARGS...`; with @wait_exit, to its end */
static int tracer_spawn(struct bt *b, struct tracer *t, const char *const *args,
			bool wait_exit)
{
	char out[64];
	int ret;

	snprintf(out, sizeof(out), "/tmp/vmlab-bench-trace.%d", getpid());
	ret = tracer_start(t, b->self, out, args, &b->all,
			   wait_exit ? 0 : READY_MS);
	if (wait_exit)
		unlink(out);
	if (wait_exit && ret)
		return err_msg("bench trace: vmlab trace %s failed%s%s",
			       args[0] ? args[0] : "", t->errlen ? ": " : "",
			       t->errbuf);
	if (ret == -EIO)
		return err_msg("bench trace: vmlab trace did not start: %s",
			       t->errbuf);
	errno = -ret;
	return ret ? err_errno("bench trace: vmlab trace") : 0;
}

/*
 * Ctrl-C it and read its totals ("records N printed, M lost") and the CPU
 * time it used.
 */
static int tracer_end(struct tracer *t, double cpu0_ns, uint64_t *records,
		      uint64_t *lost, double *cpu_ns)
{
	struct rusage ru;
	char line[512];
	FILE *f;

	if (tracer_stop(t, &ru)) {
		unlink(t->out);
		return err_msg("bench trace: vmlab trace failed");
	}
	/* from the sample's start to its exit: the records and the summary */
	*cpu_ns += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
		   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3 - cpu0_ns;
	f = fopen(t->out, "r");
	while (f && fgets(line, sizeof(line), f)) {
		uint64_t r, l;

		if (sscanf(line, "  records %" SCNu64 " printed, %" SCNu64 " lost",
			   &r, &l) == 2) {
			*records += r;
			*lost += l;
		}
	}
	if (f)
		fclose(f);
	unlink(t->out);
	return 0;
}

/* ------------------------------------------------------------- ftrace */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return err_errno(path);
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = err_errno(path);
	close(fd);
	return ret;
}

/* The events `vmlab trace` traces by default: all but vmlab_walk */
static int ftrace_enable(struct bt *b, bool on)
{
	static const char *const events[] = {
		"vmlab_fault", "vmlab_tlb_flush", "vmlab_evict",
		"vmlab_swap_out", "vmlab_swap_in",
	};
	char path[192];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(path, sizeof(path), "%s/events/vmlab/%s/enable", b->tdir,
			 events[i]);
		if (write_str(path, on ? "1" : "0"))
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------- sample */

/* Time @pages first-touch write faults on a new instance: ns per fault */
static int sample(struct bt *b, double *ns)
{
	size_t len = b->pages * b->psize, i;
	struct vmlab_config cfg;
	unsigned char *map;
	uint64_t t0, t1;
	int fd;

	fd = vmlab_open(O_RDWR);
	if (fd < 0)
		return 1;
	if (vmlab_get_config(fd, &cfg))
		goto fail;
	cfg.region_size = len;
	cfg.event_mask = 0;
	cfg.flags = 0;
	if (vmlab_set_config(fd, &cfg))
		goto fail;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err_errno("mmap /dev/vmlab");
		goto fail;
	}
	t0 = now_ns();
	for (i = 0; i < len; i += b->psize)
		touch_page(map + i, ACCESS_WRITE);
	t1 = now_ns();
	munmap(map, len);
	close(fd);
	*ns = (double)(t1 - t0) / b->pages;
	return 0;
fail:
	close(fd);
	return 1;
}

/* One sample of variant @vi, its tracer around it */
static int run_variant(struct bt *b, unsigned int vi, unsigned int round)
{
	const struct bt_variant *v = &bt_variants[vi];
	const char *pin_args[] = { "--pin", b->pin, NULL };
	const char *unpin_args[] = { "--unpin", b->pin, NULL };
	struct tracer t;
	double cpu0_ns = 0;
	int ret = 0;

	switch (v->how) {
	case OFF:
		break;
	case FTRACE:
		if (ftrace_enable(b, true))
			return 1;
		break;
	case TRACER:
	case TRACER_STOPPED:
		if (tracer_spawn(b, &t, v->args, false))
			return 1;
		if (v->how == TRACER_STOPPED &&
		    (kill(t.pid, SIGSTOP) || waitpid(t.pid, NULL, WUNTRACED) != t.pid))
			return err_errno("bench trace: stopping vmlab trace");
		cpu0_ns = proc_cpu_ns(t.pid);
		break;
	case PINNED:
		if (tracer_spawn(b, &t, pin_args, true))
			return 1;
		break;
	}
	/*
	 * Let the deferred work of the last tracer's start or exit (RCU
	 * callbacks, kworkers freeing programs, maps, the ring) finish
	 * before the clock starts: every variant waits alike.
	 */
	usleep(SETTLE_US);
	ret = sample(b, &b->ns[vi][round]);
	b->faults[vi] += b->pages;
	switch (v->how) {
	case OFF:
		break;
	case FTRACE:
		ret |= ftrace_enable(b, false);
		break;
	case TRACER:
	case TRACER_STOPPED:
		ret |= tracer_end(&t, cpu0_ns, &b->records[vi], &b->lost[vi],
				  &b->reader_ns[vi]);
		break;
	case PINNED:
		ret |= tracer_spawn(b, &t, unpin_args, true);
		break;
	}
	if (b->verbose)
		fprintf(stderr, "vmlab: round %u %-10s %.0f ns/fault\n", round,
			v->name, b->ns[vi][round]);
	return ret;
}

/* ------------------------------------------------------------- report */

/*
 * Throughput of @vi against off: the median of the rounds' ratios, each
 * of two samples taken close together, so drift in a shared machine's
 * load cancels better than in a ratio of medians.
 */
static double paired_ratio(const struct bt *b, unsigned int vi)
{
	double r[MAX_ROUNDS];
	unsigned int i;

	if (!b->want[VI_OFF])
		return NAN;
	for (i = 0; i < b->rounds; i++)
		r[i] = b->ns[VI_OFF][i] / b->ns[vi][i];
	return summarize(r, b->rounds).median;
}

/*
 * The fastest sample of off against the variant's: on a host whose load
 * comes in bursts, the least disturbed samples come closest to what each
 * costs by itself.
 */
static double best_ratio(const struct bt *b, unsigned int vi)
{
	if (!b->want[VI_OFF])
		return NAN;
	return summarize(b->ns[VI_OFF], b->rounds).min /
	       summarize(b->ns[vi], b->rounds).min;
}

static void report(struct bt *b)
{
	struct summary s;
	unsigned int vi;
	double ratio;
	struct jw w;

	if (opt_json) {
		jw_init(&w, stdout);
		jw_obj(&w, NULL);
		jw_str(&w, "bench", "trace");
		jw_u64(&w, "pages", b->pages);
		jw_u64(&w, "rounds", b->rounds);
		jw_u64(&w, "cpu", b->cpu);
		jw_arr(&w, "variants");
	} else {
		printf("vmlab bench trace: %" PRIu64 " first-touch write faults a "
		       "sample, %u rounds, CPU %d\n\n", b->pages, b->rounds, b->cpu);
		printf("  %-10s %9s %17s %10s %7s %7s %9s %5s %9s\n", "variant",
		       "us/fault", "min-max", "faults/s", "vs off", "best",
		       "records", "lost", "reader us");
	}
	for (vi = 0; vi < NBT; vi++) {
		const struct bt_variant *v = &bt_variants[vi];
		char range[32];

		if (!b->want[vi])
			continue;
		s = summarize(b->ns[vi], b->rounds);
		ratio = paired_ratio(b, vi);
		if (opt_json) {
			jw_obj(&w, NULL);
			jw_str(&w, "variant", v->name);
			jw_str(&w, "description", v->desc);
			jw_dbl(&w, "median_ns", s.median);
			jw_dbl(&w, "min_ns", s.min);
			jw_dbl(&w, "max_ns", s.max);
			jw_dbl(&w, "faults_per_sec", 1e9 / s.median);
			jw_dbl(&w, "ratio_vs_off", ratio);
			jw_dbl(&w, "best_ratio_vs_off", best_ratio(b, vi));
			if (v->how == TRACER || v->how == TRACER_STOPPED) {
				jw_u64(&w, "faults", b->faults[vi]);
				jw_u64(&w, "records", b->records[vi]);
				jw_u64(&w, "lost", b->lost[vi]);
				jw_dbl(&w, "reader_cpu_ns_per_fault",
				       b->reader_ns[vi] / b->faults[vi]);
			}
			jw_end(&w);
			continue;
		}
		snprintf(range, sizeof(range), "%.2f-%.2f", s.min / 1e3,
			 s.max / 1e3);
		printf("  %-10s %9.2f %17s %10.0f %7.3f %7.3f", v->name,
		       s.median / 1e3, range, 1e9 / s.median, ratio,
		       best_ratio(b, vi));
		if (v->how == TRACER || v->how == TRACER_STOPPED)
			printf(" %9" PRIu64 " %5" PRIu64 " %9.2f", b->records[vi],
			       b->lost[vi], b->reader_ns[vi] / b->faults[vi] / 1e3);
		putchar('\n');
	}
	if (opt_json) {
		jw_end(&w);
		jw_arr(&w, "goals");
		for (vi = VI_TRACE; vi <= VI_TRACE_RING; vi++) {
			if (!b->want[VI_OFF] || !b->want[vi])
				continue;
			jw_obj(&w, NULL);
			jw_str(&w, "variant", bt_variants[vi].name);
			jw_str(&w, "what", "vmlab trace attached / untraced "
			       "throughput, no records lost");
			jw_dbl(&w, "ratio", paired_ratio(b, vi));
			jw_dbl(&w, "min", TRACE_GOAL);
			jw_u64(&w, "lost", b->lost[vi]);
			jw_bool(&w, "met", paired_ratio(b, vi) >= TRACE_GOAL &&
				!b->lost[vi]);
			jw_end(&w);
		}
		jw_end(&w);
		jw_finish(&w);
		return;
	}
	printf("\n");
	for (vi = 0; vi < NBT; vi++)
		if (b->want[vi])
			printf("  %-10s %s\n", bt_variants[vi].name,
			       bt_variants[vi].desc);
	for (vi = VI_TRACE; vi <= VI_TRACE_RING; vi++) {
		if (!b->want[VI_OFF] || !b->want[vi])
			continue;
		s = summarize(b->ns[vi], b->rounds);
		printf("%sgoal (%s): vmlab trace attached >= %.2f of untraced "
		       "throughput, no records lost: %.3f, %" PRIu64 " lost at "
		       "%.0f faults/s: %s\n", vi == VI_TRACE ? "\n" : "",
		       bt_variants[vi].name, TRACE_GOAL, paired_ratio(b, vi),
		       b->lost[vi], 1e9 / s.median,
		       paired_ratio(b, vi) >= TRACE_GOAL && !b->lost[vi] ? "met" :
		       "NOT met");
	}
	printf("  (vs off: median of the rounds' paired ratios; best: fastest "
	       "off / fastest sample;\n   reader us: the CPU time `vmlab trace` "
	       "used, per fault)\n");
}

/* ------------------------------------------------------------ command */

static const char bt_doc[] =
"'vmlab bench trace': the cost of tracing vmlab's fault path.  First-touch\n"
"write faults on a fresh instance, timed untraced (off), with vmlab's\n"
"tracepoints (all but vmlab_walk) enabled in a tracefs instance (ftrace),\n"
"with `vmlab trace` running and writing its lines to a file (trace;\n"
"trace-ring: stopped during the sample, its records waiting in the ring;\n"
"trace-all: with pf and ktlb too; trace-hist: --hist), and with the\n"
"counters of `vmlab trace --pin` (pinned).  Each tracer is started\n"
"before its sample and stopped after it; rounds interleave the variants.\n"
"The tracers run on the other CPUs, the faulting thread on --cpu.\n"
"Ratios are throughput against off: the median of the rounds' ratios,\n"
"and the best (fastest off / fastest sample of the variant);\n"
"records and lost are the tracer's own totals, reader us the CPU time it\n"
"used per fault from the sample's start to its exit (clock ticks).\n"
"\v"
"EXAMPLES:\n"
"  vmlab bench trace                       # 5 rounds of 16384 faults\n"
"  vmlab bench trace --rounds 9 --pages 65536\n"
"  vmlab bench trace --variants off,trace  # the goal alone\n"
"  vmlab -j bench trace > bench-trace.json\n";

enum { OPT_VARIANTS = 0x100 };

static const struct argp_option bt_opts[] = {
	{ "rounds", 'r', "R", 0, "Interleaved rounds (default 5)", 0 },
	{ "pages", 'n', "N", 0, "Faults a sample (default 16384)", 0 },
	{ "variants", OPT_VARIANTS, "LIST", 0,
	  "Comma-separated: off,ftrace,trace,trace-ring,trace-all,trace-hist,"
	  "pinned (default: all)", 0 },
	CLI_OPT_CPU("CPU of the faulting thread (default: the first)", 0),
	CLI_OPT_VERBOSE("Each sample on stderr", 0),
	CLI_OPT_JSON(0),
	{},
};

static error_t bt_parse(int key, char *arg, struct argp_state *state)
{
	struct bt *b = state->input;

	switch (key) {
	case 'r':
		b->rounds = arg_u64(state, "--rounds", arg, 1, MAX_ROUNDS);
		break;
	case 'n':
		b->pages = arg_u64(state, "--pages", arg, 1, 1ULL << 24);
		break;
	case OPT_VARIANTS:
		arg_choices(state, "--variants", "variant", "variants: off, "
			    "ftrace, trace, trace-ring, trace-all, trace-hist, "
			    "pinned", arg, bt_variants, sizeof(bt_variants[0]),
			    NBT, b->want);
		break;
	default:
		return bench_key(key, arg, state, &b->cpu, &b->verbose);
	}
	return 0;
}

int cmd_bench_trace(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(bt_opts, bt_parse,
						   NULL, bt_doc);
	static struct bt b;
	unsigned int order[NBT], n = 0, r, k, vi;
	int other, ret = 1;
	double warm;
	ssize_t len;

	b.pages = 16384;
	b.rounds = 5;
	b.cpu = -1;
	memset(b.want, 1, sizeof(b.want));
	sub_argp_parse(&argp, "bench trace", argc, argv, &b);
	b.psize = sysconf(_SC_PAGESIZE);
	len = readlink("/proc/self/exe", b.self, sizeof(b.self) - 1);
	if (len <= 0)
		return err_errno("/proc/self/exe");
	b.self[len] = '\0';

	if (sched_getaffinity(0, sizeof(b.all), &b.all))
		return err_errno("sched_getaffinity");
	if (bench_pin(&b.cpu, &other))
		return 1;
	/*
	 * The tracers run on the other CPUs: woken from the faulting CPU, a
	 * reader is otherwise often placed on it (wake-affine) and takes
	 * half of it, which measures the scheduler, not the tracing.
	 */
	if (other >= 0)
		CPU_CLR(b.cpu, &b.all);

	for (vi = 0; vi < NBT; vi++)
		if (b.want[vi])
			order[n++] = vi;
	snprintf(b.tdir, sizeof(b.tdir), TRACEFS "/instances/vmlab-bench-%d",
		 getpid());
	snprintf(b.pin, sizeof(b.pin), "/sys/fs/bpf/vmlab-bench-%d", getpid());
	if (b.want[VI_FTRACE] && mkdir(b.tdir, 0700))
		return err_errno(b.tdir);

	/* warm up the module, the page allocator, the tool's code */
	if (sample(&b, &warm))
		goto out;
	for (r = 0; r < b.rounds; r++)
		for (k = 0; k < n; k++)
			if (run_variant(&b, order[(k + r) % n], r))
				goto out;
	report(&b);
	ret = 0;
out:
	if (b.want[VI_FTRACE])
		rmdir(b.tdir);
	return ret;
}
