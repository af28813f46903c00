// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab bench evict`: swapping through vmlab against the
 * kernel's own swap, side by side in one boot.
 *
 *   vmlab-file  a vmlab instance with a frame budget, swapping to a backing
 *               file in --dir (ext4 in the test VM: $VMLAB_DISK)
 *   vmlab-mem   the same, swapping to the module's memory store
 *   kernel      anonymous memory (MADV_NOHUGEPAGE) of a child process in a
 *               memory cgroup whose memory.max is the frame budget,
 *               swapping to a swapfile in the same --dir
 *
 * A sample maps N pages through F frames (F < N) and makes two passes in
 * page order, timing each touch: a write pass (the first touch of every
 * page: a zero-fill that evicts a dirty page -- swap-out dominated) and a
 * read pass (every page comes back -- swap-in dominated; the page it
 * evicts is clean and has a copy, so it is dropped).  vmlab-file's write
 * pass ends with fsync() of the backing file, timed with it: vmlab writes
 * through the file's page cache, the kernel's swap to the disk, and only
 * the data on the disk frees the memory.  Its page cache is then dropped
 * (POSIX_FADV_DONTNEED, untimed), so the read pass reads from the disk as
 * the kernel's does.  Rounds interleave the variants, in an order rotated
 * every round; reported are the median and min-max over the rounds.
 *
 * Counted per pass: pages written and read (vmlab's stats; pswpout/pswpin
 * of /proc/vmstat for the kernel), pages evicted (vmlab's evictions; the
 * cgroup's pgsteal), the module's TLB flushes, and from /proc/interrupts,
 * summed over the CPUs, the CAL line (function-call IPIs: every TLB
 * shootdown is one) and the TLB line (flushes a CPU did for another: the
 * shootdowns among them).  A shootdown counts in both lines (x86
 * sysvec_call_function and flush_tlb_func), so they are not added.  The
 * faulting thread is pinned to one CPU, so its flushes are local; a second
 * measurement runs a sibling thread of the same process spinning on another
 * CPU, which makes every flush of the mm a shootdown.
 *
 * The swapfile holds more than twice the pages, so the kernel keeps a
 * swapped-in page's slot (vm_swap_full() stays false) as vmlab's file store
 * keeps its copy: a clean page is dropped again without a write.
 *
 * Region size: the per-fault cost (a swap-in and an eviction each, memory
 * store) of the same number of pages spread over a 1 GiB region and packed
 * in a 1 MiB one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench_evict.h"
#include "cli.h"
#include "device.h"
#include "names.h"
#include "util.h"

const char *const var_name[NVAR] = {
	[V_FILE] = "vmlab-file",
	[V_MEM] = "vmlab-mem",
	[V_KERNEL] = "kernel",
};
const char *const region_name[NREGION] = {
	[R_SMALL] = "small",
	[R_SPREAD] = "large_spread",
	[R_PACKED] = "large_packed",
	[R_ANON_SMALL] = "anon_small",
	[R_ANON_SPREAD] = "anon_large_spread",
};
const char *const pass_name[NPASS] = {
	[P_WRITE] = "write",
	[P_READ] = "read",
};

/* -------------------------------------------------------------- passes */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The byte page @i holds after the write pass */
static unsigned char mark(uint64_t i)
{
	return (unsigned char)(i * 7 + 1);
}

/*
 * Touch one byte of each page in order, timing every touch (the time from
 * one touch's end to the next's: the loop is in it, alike for all).
 * Returns the number of pages whose byte was wrong on a read pass.
 */
uint64_t pass_touch(unsigned char *map, uint64_t pages, size_t psize,
			   bool write, uint32_t *lat, double *total)
{
	volatile unsigned char *v = map;
	uint64_t i, bad = 0, t0, prev, t;

	t0 = prev = now_ns();
	for (i = 0; i < pages; i++) {
		if (write)
			v[i * psize] = mark(i);
		else if (v[i * psize] != mark(i))
			bad++;
		t = now_ns();
		lat[i] = t - prev > UINT32_MAX ? UINT32_MAX : (uint32_t)(t - prev);
		prev = t;
	}
	*total = (double)(prev - t0);
	return bad;
}

/* p50, p99, max of the touches of the pass just made (sorts @lat) */
void pass_latency(uint32_t *lat, uint64_t n, struct pass *p)
{
	qsort(lat, n, sizeof(*lat), cmp_u32);
	p->p50_ns = lat[n / 2];
	p->p99_ns = lat[n * 99 / 100];
	p->max_ns = lat[n - 1];
}

static void *spin(void *arg)
{
	struct spinner *s = arg;

	pin_self(s->cpu);
	atomic_store(&s->running, 1);
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed))
		;
	return NULL;
}

int spinner_start(struct spinner *s, int cpu)
{
	memset(s, 0, sizeof(*s));
	s->cpu = cpu;
	errno = pthread_create(&s->thread, NULL, spin, s);
	if (errno)
		return -1;
	while (!atomic_load(&s->running))
		sched_yield();
	return 0;
}

void spinner_stop(struct spinner *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
}

/* --------------------------------------------------------------- vmlab */

/*
 * A vmlab instance of @pages pages through @frames frames, mapped; a
 * one-page software TLB for a policy that needs one (--region-policy:
 * LRU, MRU, SFIFO and 2Q)
 */
static int vmlab_region(struct ebench *b, uint64_t len, uint64_t frames,
			uint32_t policy, int store_fd, unsigned char **map)
{
	struct vmlab_config cfg;
	int fd = vmlab_open(O_RDWR);

	if (fd < 0)
		return -1;
	if (vmlab_get_config(fd, &cfg))
		goto fail;
	cfg.region_size = len;
	cfg.event_mask = 0;
	cfg.flags = 0;
	cfg.frames = frames;
	cfg.policy = policy;
	cfg.tlb_window = policy_needs_window(policy) ? 1 : 0;
	cfg.evict_batch = b->evict_batch;
	if (vmlab_set_config(fd, &cfg))
		goto fail;
	if (store_fd >= 0 && vmlab_set_backing(fd, store_fd, b->store_path))
		goto fail;
	*map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*map == MAP_FAILED) {
		err_errno("mmap " VMLAB_DEV);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * One vmlab sample: @pages pages through @frames frames, the backing file
 * if @file; @spin_cpu >= 0 adds a sibling thread spinning there.
 */
static int vmlab_sample(struct ebench *b, bool file, uint64_t pages,
			uint64_t frames, int spin_cpu, struct pass *out)
{
	size_t len = pages * b->psize;
	struct counters c0, c1, c2;
	struct spinner sp;
	unsigned char *map;
	uint64_t bad;
	double t;
	int fd, ret = -1;

	if (file)	/* start with none of the file cached, every sample */
		posix_fadvise(b->store_fd, 0, 0, POSIX_FADV_DONTNEED);
	fd = vmlab_region(b, len, frames, b->policy, file ? b->store_fd : -1,
			  &map);
	if (fd < 0)
		return -1;
	if (spin_cpu >= 0 && spinner_start(&sp, spin_cpu)) {
		err_errno("pthread_create");
		spin_cpu = -1;
		goto out;
	}
	if (counters_read(b, fd, &c0))
		goto out;
	pass_touch(map, pages, b->psize, true, b->lat, &out[P_WRITE].ns);
	if (file) {
		t = now_ns();
		if (fsync(b->store_fd)) {
			err_errno(b->store_path);
			goto out;
		}
		out[P_WRITE].sync_ns = now_ns() - t;
		out[P_WRITE].ns += out[P_WRITE].sync_ns;
	}
	if (counters_read(b, fd, &c1))
		goto out;
	pass_latency(b->lat, pages, &out[P_WRITE]);
	counters_delta(&c0, &c1, true, &out[P_WRITE]);
	if (file)
		posix_fadvise(b->store_fd, 0, 0, POSIX_FADV_DONTNEED);
	if (counters_read(b, fd, &c1))
		goto out;
	bad = pass_touch(map, pages, b->psize, false, b->lat, &out[P_READ].ns);
	if (counters_read(b, fd, &c2))
		goto out;
	pass_latency(b->lat, pages, &out[P_READ]);
	counters_delta(&c1, &c2, true, &out[P_READ]);
	if (bad) {
		err_msg("%s: %" PRIu64 " pages read back wrong", var_name[file ?
			V_FILE : V_MEM], bad);
		goto out;
	}
	if (c2.st.io_errors || c2.st.fault_errors) {
		err_msg("%s: %llu I/O errors, %llu faults refused", var_name[file ?
			V_FILE : V_MEM], c2.st.io_errors, c2.st.fault_errors);
		goto out;
	}
	ret = 0;
out:
	if (spin_cpu >= 0)
		spinner_stop(&sp);
	munmap(map, len);
	close(fd);
	return ret;
}

/* ------------------------------------------------------ region and IPIs */

/*
 * Write @val to each of the region measurement's pages, @stride pages
 * apart; with @zap, MADV_DONTNEED each page first (one call a page, as
 * vmlab unmaps one page an eviction).
 */
static void region_touch(const struct ebench *b, unsigned char *map,
			 uint64_t stride, unsigned int val, bool zap)
{
	uint64_t i;

	for (i = 0; i < b->region_pages; i++) {
		unsigned char *pg = map + i * stride * b->psize;

		if (zap)
			madvise(pg, b->psize, MADV_DONTNEED);
		*(volatile unsigned char *)pg = (unsigned char)val;
	}
}

/*
 * Per-fault cost of region_pages pages in a region of @len bytes, spread
 * evenly over it or packed at its start, through few frames, memory store:
 * every touch after the first pass is a swap-in that evicts (a move each
 * way).  Returns ns per fault of the timed passes.
 */
static int region_sample(struct ebench *b, uint64_t len, bool spread,
			 double *ns)
{
	uint64_t stride = spread ? len / b->psize / b->region_pages : 1;
	uint64_t faults, t0;
	struct vmlab_stats s0, s1;
	unsigned char *map;
	unsigned int pass;
	int fd, ret = -1;

	fd = vmlab_region(b, len, b->region_frames, b->region_policy, -1, &map);
	if (fd < 0)
		return -1;
	region_touch(b, map, stride, 1, false);	/* warm: page tables, store */
	if (vmlab_get_stats(fd, &s0))
		goto out;
	t0 = now_ns();
	for (pass = 0; pass < b->region_passes; pass++)
		region_touch(b, map, stride, pass, false);
	*ns = now_ns() - t0;
	if (vmlab_get_stats(fd, &s1))
		goto out;
	faults = s1.faults_swapin - s0.faults_swapin;
	if (!faults) {
		err_msg("region: no swap-ins (--region-frames must be less than "
			"--region-pages)");
		goto out;
	}
	*ns /= faults;
	ret = 0;
out:
	munmap(map, len);
	close(fd);
	return ret;
}

/*
 * The baseline: anonymous memory, the same pages and layout; every pass
 * faults each page in (zero-fill) and zaps it (MADV_DONTNEED, one call a
 * page, as vmlab unmaps one page an eviction).  ns per fault-and-zap.
 */
static int anon_region_sample(struct ebench *b, uint64_t len, bool spread,
			      double *ns)
{
	uint64_t stride = spread ? len / b->psize / b->region_pages : 1;
	uint64_t t0;
	unsigned char *map;
	unsigned int pass;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		return err_errno("mmap"), -1;
	if (madvise(map, len, MADV_NOHUGEPAGE)) {
		munmap(map, len);
		return err_errno("madvise"), -1;
	}
	region_touch(b, map, stride, 1, false);	/* warm: the page tables */
	t0 = now_ns();
	for (pass = 0; pass < b->region_passes; pass++)
		region_touch(b, map, stride, pass, true);
	*ns = (double)(now_ns() - t0) / (b->region_passes * b->region_pages);
	munmap(map, len);
	return 0;
}

/* ------------------------------------------------------------- command */

static const char evict_doc[] =
"Swapping through vmlab against the kernel's own swap, in one boot:\n"
"vmlab-file (a backing file in --dir), vmlab-mem (the module's memory\n"
"store) and kernel (anonymous memory of a child in the memory cgroup\n"
CGROUP_DIR "\n"
"with memory.max = the frames, swapping to a swapfile made in --dir with\n"
"mkswap and swapon).  Each sample maps --pages pages through\n"
"--frames frames and makes a write pass (first touch of every page:\n"
"swap-out dominated) and a read pass (every page back: swap-in dominated),\n"
"timing every touch.  Rounds interleave the variants.  Also: IPIs per\n"
"evicted page with a sibling thread on another CPU, and the per-fault cost\n"
"in a 1 GiB region against a 1 MiB one.  Needs root; the swapfile is\n"
"swapped off and removed at the end.\n"
"\n"
"EXAMPLES:\n"
"  vmlab bench evict                      # in the VM: --dir $VMLAB_DISK\n"
"  vmlab bench evict --pages 16384 --frames 2048 --rounds 5\n"
"  vmlab bench evict --variants vmlab-file,vmlab-mem --dir /tmp\n"
"  vmlab -j bench evict > evict.json\n";

enum {
	OPT_FRAMES = 0x100,
	OPT_DIR,
	OPT_VARIANTS,
	OPT_POLICY,
	OPT_NO_REGION,
	OPT_REGION_PAGES,
	OPT_REGION_FRAMES,
	OPT_REGION_POLICY,
	OPT_EVICT_BATCH,
	OPT_NO_SHOOTDOWN,
};

static const struct argp_option evict_opts[] = {
	{ "pages", 'n', "N", 0, "Pages a sample maps and touches (default 8192)", 0 },
	{ "frames", OPT_FRAMES, "F", 0,
	  "Frames: vmlab's budget, the cgroup's memory.max (default N/8)", 0 },
	{ "rounds", 'r', "R", 0, "Interleaved rounds (default 3)", 0 },
	{ "dir", OPT_DIR, "DIR", 0,
	  "Where the backing file and the swapfile go (default $VMLAB_DISK, "
	  "else /tmp)", 0 },
	{ "variants", OPT_VARIANTS, "LIST", 0,
	  "vmlab-file, vmlab-mem, kernel (default: all)", 0 },
	{ "policy", OPT_POLICY, "POLICY", 0,
	  "vmlab's policy (default fifo; lru, sfifo and 2q are refused: they "
	  "need the software TLB)", 0 },
	{ "no-region", OPT_NO_REGION, NULL, 0,
	  "Skip the 1 GiB vs 1 MiB region measurement", 1 },
	{ "region-pages", OPT_REGION_PAGES, "N", 0,
	  "Pages touched in each region (default 256)", 1 },
	{ "region-frames", OPT_REGION_FRAMES, "F", 0,
	  "Frames for them (default 64)", 1 },
	{ "evict-batch", OPT_EVICT_BATCH, "B", 0,
	  "vmlab evicts B victims at once (evict_batch; default 1)", 0 },
	{ "region-policy", OPT_REGION_POLICY, "POLICY", 0,
	  "Policy for them (default clock; lru, mru, sfifo and 2q with a "
	  "one-page software TLB)", 1 },
	{ "no-shootdown", OPT_NO_SHOOTDOWN, NULL, 0,
	  "Skip the measurement with a sibling thread on another CPU", 1 },
	CLI_OPT_CPU("CPU of the touching thread (default: the first "
		    "allowed)", 2),
	CLI_OPT_VERBOSE("Progress on stderr", 2),
	CLI_OPT_JSON(2),
	{},
};

struct evict_args {
	struct ebench *b;
	bool have_frames;
};

static error_t evict_parse(int key, char *arg, struct argp_state *state)
{
	struct evict_args *a = state->input;
	struct ebench *b = a->b;
	int p;

	switch (key) {
	case 'n':
		b->pages = arg_u64(state, "--pages", arg, 16, 1ULL << 24);
		break;
	case OPT_FRAMES:
		b->frames = arg_u64(state, "--frames", arg, 8, 1ULL << 24);
		a->have_frames = true;
		break;
	case 'r':
		b->rounds = arg_u64(state, "--rounds", arg, 1, 100);
		break;
	case OPT_DIR:
		if (!*arg)
			argp_error(state, "--dir: no directory given");
		b->dir = arg;
		break;
	case OPT_VARIANTS:
		arg_choices(state, "--variants", "variant", "variants: "
			    "vmlab-file, vmlab-mem, kernel", arg, var_name,
			    sizeof(var_name[0]), NVAR, b->want);
		break;
	case OPT_POLICY:
		p = policy_parse(arg);
		if (p < 0)
			argp_error(state, "--policy '%s': unknown; policies: fifo, "
				   "random, clock, lru-approx, sieve, s3fifo, "
				   "wsclock", arg);
		if (policy_needs_window(p))
			argp_error(state, "--policy %s needs the software TLB, "
				   "which the swap passes do not use", arg);
		b->policy = p;
		break;
	case OPT_NO_REGION:
		b->region = false;
		break;
	case OPT_REGION_PAGES:
		b->region_pages = arg_u64(state, "--region-pages", arg, 2, 256);
		break;
	case OPT_REGION_FRAMES:
		b->region_frames = arg_u64(state, "--region-frames", arg, 1, 255);
		break;
	case OPT_EVICT_BATCH:
		b->evict_batch = arg_u64(state, "--evict-batch", arg, 1,
				   VMLAB_EVICT_BATCH_MAX);
		break;
	case OPT_REGION_POLICY:
		p = policy_parse(arg);
		if (p < 0)
			argp_error(state, "--region-policy '%s': unknown; "
				   "policies: fifo, random, clock, lru-approx, "
				   "lru, mru, sieve, s3fifo, sfifo, 2q, wsclock",
				   arg);
		b->region_policy = p;
		break;
	case OPT_NO_SHOOTDOWN:
		b->shootdown = false;
		break;
	case ARGP_KEY_END:
		if (!a->have_frames)
			b->frames = b->pages / 8 < 8 ? 8 : b->pages / 8;
		if (b->frames >= b->pages)
			argp_error(state, "--frames %" PRIu64 ": must be less than "
				   "--pages %" PRIu64 ", or nothing is swapped",
				   b->frames, b->pages);
		if (b->region_frames >= b->region_pages)
			argp_error(state, "--region-frames must be less than "
				   "--region-pages");
		break;
	default:
		return bench_key(key, arg, state, &b->cpu, &b->verbose);
	}
	return 0;
}

static int choose_cpus(struct ebench *b)
{
	if (bench_pin(&b->cpu, &b->other_cpu))
		return -1;
	if (b->shootdown && b->other_cpu < 0) {
		fprintf(stderr, "vmlab: one CPU only: no shootdown measurement\n");
		b->shootdown = false;
	}
	return 0;
}

static int one_round(struct ebench *b, unsigned int r)
{
	unsigned int k, n = 0, order[NVAR], rep;
	int v;

	for (v = 0; v < NVAR; v++)
		if (b->want[v])
			order[n++] = v;
	for (k = 0; k < n; k++) {
		v = order[(k + r) % n];
		if (v == V_KERNEL) {
			if (kernel_sample(b, b->pages, true, -1, b->res[r][v]))
				return -1;
		} else if (vmlab_sample(b, v == V_FILE, b->pages, b->frames, -1,
					b->res[r][v])) {
			return -1;
		}
	}
	if (b->shootdown) {
		bool kernel = b->want[V_KERNEL];

		if (r % 2 && kernel && kernel_shootdown(b, b->sd[r][1]))
			return -1;
		if (vmlab_sample(b, false, b->sd_pages, b->sd_frames,
				 b->other_cpu, b->sd[r][0]))
			return -1;
		if (!(r % 2) && kernel && kernel_shootdown(b, b->sd[r][1]))
			return -1;
	}
	for (rep = 0; b->region && rep < REGION_REPS; rep++) {
		for (k = 0; k < NREGION; k++) {
			unsigned int which = (k + r + rep) % NREGION;

			uint64_t len = which == R_SMALL || which == R_ANON_SMALL ?
				       1 << 20 : b->region_large;
			bool spread = which == R_SPREAD || which == R_ANON_SPREAD;
			double *ns = &b->region_ns[r][which][rep];

			if (which >= R_ANON_SMALL ?
			    anon_region_sample(b, len, spread, ns) :
			    region_sample(b, len, spread, ns))
				return -1;
		}
	}
	return 0;
}

int cmd_bench_evict(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(evict_opts, evict_parse,
						   NULL, evict_doc);
	struct ebench b = {
		.pages = 8192,
		.rounds = 3,
		.policy = VMLAB_POLICY_FIFO,
		.want = { true, true, true },
		.region = true,
		.region_policy = VMLAB_POLICY_CLOCK,
		.region_pages = 256,
		.region_frames = 64,
		.region_passes = 4,
		.shootdown = true,
		.sd_pages = 2048,
		.sd_frames = 512,
		.cpu = -1,
		.store_fd = -1,
	};
	struct evict_args a = { .b = &b };
	struct sigaction sa = { .sa_handler = evict_on_signal };
	const char *disk = getenv("VMLAB_DISK");
	size_t shared;
	unsigned int r;
	int ret = 1;
	uint64_t t0;

	b.dir = disk && *disk ? disk : "/tmp";
	sub_argp_parse(&argp, "bench evict", argc, argv, &a);
	b.psize = sysconf(_SC_PAGESIZE);
	if (b.sd_pages > b.pages)
		b.sd_pages = b.pages;
	if (b.sd_frames > b.frames)
		b.sd_frames = b.frames;
	if (b.rounds < 3)
		fprintf(stderr, "vmlab: %u rounds: a median of fewer than 3 is "
			"rough\n", b.rounds);
	if (choose_cpus(&b))
		return 1;

	/* touch latencies, shared with the kernel variant's child, and its times */
	b.lat_len = b.pages > b.sd_pages ? b.pages : b.sd_pages;
	shared = 2 * b.lat_len * sizeof(*b.lat) + NPASS * sizeof(double);
	b.lat = mmap(NULL, shared, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	b.res = calloc(b.rounds, sizeof(*b.res));
	b.region_ns = calloc(b.rounds, sizeof(*b.region_ns));
	b.sd = calloc(b.rounds, sizeof(*b.sd));
	if (b.lat == MAP_FAILED || !b.res || !b.region_ns || !b.sd) {
		err_msg("out of memory");
		goto out;
	}
	memset(b.lat, 0, shared);	/* allocated now, not in the child's cgroup */

	evict_cleanup_b = &b;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (evict_setup(&b))
		goto out;

	t0 = now_ns();
	for (r = 0; r < b.rounds; r++) {
		if (one_round(&b, r))
			goto out;
		bench_progress(b.verbose, "bench evict", r, b.rounds, t0);
	}
	if (opt_json)
		evict_print_json(&b);
	else
		evict_print_text(&b);
	ret = 0;
out:
	evict_cleanup(&b);
	evict_cleanup_b = NULL;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (b.lat != MAP_FAILED && b.lat)
		munmap(b.lat, shared);
	free(b.res);
	free(b.region_ns);
	free(b.sd);
	return ret;
}
