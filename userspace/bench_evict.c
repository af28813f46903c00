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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "json.h"
#include "names.h"
#include "summary.h"
#include "util.h"

#define CGROUP_ROOT	"/sys/fs/cgroup"
#define CGROUP_NAME	"vmlab-bench"
#define CGROUP_DIR	CGROUP_ROOT "/" CGROUP_NAME
#define STORE_NAME	"vmlab-bench.store"
#define SWAP_NAME	"vmlab-bench.swap"
#define EXT4_MAGIC	0xEF53
#define TMPFS_MAGIC	0x01021994

/* goals (issue 4) */
#define GOAL_ROUND_TRIP	1.0		/* vmlab-file throughput / kernel's */
#define GOAL_IPI	(1.0 / 16)	/* IPIs per evicted page */
#define GOAL_REGION	1.1		/* 1 GiB per-fault cost / 1 MiB's */

enum { V_FILE, V_MEM, V_KERNEL, NVAR };

static const char *const var_name[NVAR] = {
	[V_FILE] = "vmlab-file",
	[V_MEM] = "vmlab-mem",
	[V_KERNEL] = "kernel",
};

enum { P_WRITE, P_READ, NPASS };

/*
 * The region measurement: vmlab in 1 MiB, in 1 GiB with the pages spread,
 * and packed; anonymous memory's fault and zap of the same pages, packed
 * and spread, as the baseline of what the layout alone costs.
 */
enum { R_SMALL, R_SPREAD, R_PACKED, R_ANON_SMALL, R_ANON_SPREAD, NREGION };

static const char *const region_name[NREGION] = {
	[R_SMALL] = "small",
	[R_SPREAD] = "large_spread",
	[R_PACKED] = "large_packed",
	[R_ANON_SMALL] = "anon_small",
	[R_ANON_SPREAD] = "anon_large_spread",
};

/*
 * Region samples a round: short and many, so that a burst of load on the
 * machine spoils few of them; the median and the min are reported
 */
#define REGION_REPS 8

static const char *const pass_name[NPASS] = {
	[P_WRITE] = "write",
	[P_READ] = "read",
};

/* One pass of one sample */
struct pass {
	double ns;		/* the pass, fsync included */
	double sync_ns;		/* vmlab-file's write pass: the fsync */
	double p50_ns, p99_ns, max_ns;	/* one touch */
	uint64_t out, in;	/* pages written to / read from the store */
	uint64_t evicted;	/* pages evicted (kernel: pgsteal) */
	uint64_t tlb_module;	/* vmlab: the module's TLB flushes */
	uint64_t ipis;		/* CAL interrupts, all CPUs */
	uint64_t shootdowns;	/* TLB interrupts, all CPUs */
};

/* The counters read around a pass */
struct counters {
	uint64_t ipis, shootdowns;
	uint64_t pswpout, pswpin;	/* /proc/vmstat */
	uint64_t pgsteal;		/* the cgroup's memory.stat */
	struct vmlab_stats st;
};

struct ebench {
	/* parameters */
	uint64_t pages, frames;
	unsigned int rounds;
	const char *dir;
	uint32_t policy;
	uint32_t batch;		/* vmlab's evict_batch */
	bool want[NVAR];
	bool region;		/* the 1 GiB vs 1 MiB measurement */
	uint32_t region_policy;
	uint64_t region_pages, region_frames;
	unsigned int region_passes;
	bool shootdown;		/* with a sibling thread on another CPU */
	uint64_t sd_pages, sd_frames;
	int cpu, other_cpu;
	bool verbose;

	/* the machine */
	size_t psize;
	struct vmlab_info info;
	char fstype[32];
	char store_path[4096], swap_path[4096];
	int store_fd;
	bool swap_on, cgroup_made;
	uint64_t region_large;	/* bytes: 1 GiB or the module's limit */
	char zswap[16];

	/* results */
	struct pass (*res)[NVAR][NPASS];	/* [round] */
	double (*region_ns)[NREGION][REGION_REPS];	/* [round] */
	struct pass (*sd)[2][NPASS];		/* [round][vmlab-mem, kernel] */
	uint32_t *lat;		/* one touch's ns, shared with the child */
	size_t lat_len;
};

/* For the signal handler: what to undo */
static struct ebench *cleanup_b;
static volatile pid_t cleanup_child;

/* ------------------------------------------------------------ counters */

/* Sum the per-CPU numbers of one /proc/interrupts line ("TLB:", "CAL:") */
static uint64_t irq_line_sum(const char *line)
{
	uint64_t sum = 0;
	const char *p = strchr(line, ':') + 1;
	char *end;

	for (;;) {
		unsigned long long v;

		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			break;
		v = strtoull(p, &end, 10);
		if (*end != ' ' && *end != '\n' && *end)
			break;
		sum += v;
		p = end;
	}
	return sum;
}

static int read_ipis(uint64_t *ipis, uint64_t *shootdowns)
{
	static char buf[1 << 16];
	char *line, *save = NULL;
	ssize_t n, len = 0;
	int fd = open("/proc/interrupts", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_errno("/proc/interrupts"), -1;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	*ipis = *shootdowns = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ')
			line++;
		if (!strncmp(line, "CAL:", 4))
			*ipis += irq_line_sum(line);
		else if (!strncmp(line, "TLB:", 4))
			*shootdowns += irq_line_sum(line);
	}
	return 0;
}

/* "name value" lines: /proc/vmstat, memory.stat */
static int read_keyed(const char *path, const char *key, uint64_t *v)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "re");

	*v = 0;
	if (!f)
		return err_errno(path), -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			*v = strtoull(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return 0;
}

static int counters_read(const struct ebench *b, int vfd, struct counters *c)
{
	memset(c, 0, sizeof(*c));
	if (read_ipis(&c->ipis, &c->shootdowns))
		return -1;
	if (vfd >= 0)
		return vmlab_get_stats(vfd, &c->st);
	if (read_keyed("/proc/vmstat", "pswpout", &c->pswpout) ||
	    read_keyed("/proc/vmstat", "pswpin", &c->pswpin) ||
	    read_keyed(CGROUP_DIR "/memory.stat", "pgsteal", &c->pgsteal))
		return -1;
	return 0;
}

static void counters_delta(const struct counters *a, const struct counters *z,
			   bool vmlab, struct pass *p)
{
	p->ipis = z->ipis - a->ipis;
	p->shootdowns = z->shootdowns - a->shootdowns;
	if (vmlab) {
		p->out = z->st.swap_outs - a->st.swap_outs;
		p->in = z->st.swap_ins - a->st.swap_ins;
		p->evicted = z->st.evictions - a->st.evictions;
		p->tlb_module = z->st.tlb_module - a->st.tlb_module;
	} else {
		p->out = z->pswpout - a->pswpout;
		p->in = z->pswpin - a->pswpin;
		p->evicted = z->pgsteal - a->pgsteal;
	}
}

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
static uint64_t pass_touch(unsigned char *map, uint64_t pages, size_t psize,
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
static void pass_latency(uint32_t *lat, uint64_t n, struct pass *p)
{
	qsort(lat, n, sizeof(*lat), cmp_u32);
	p->p50_ns = lat[n / 2];
	p->p99_ns = lat[n * 99 / 100];
	p->max_ns = lat[n - 1];
}

/* A sibling thread spinning on another CPU: the mm is live there */
struct spinner {
	pthread_t thread;
	int cpu;
	atomic_int stop;
	atomic_int running;
};

static void *spin(void *arg)
{
	struct spinner *s = arg;

	pin_self(s->cpu);
	atomic_store(&s->running, 1);
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed))
		;
	return NULL;
}

static int spinner_start(struct spinner *s, int cpu)
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

static void spinner_stop(struct spinner *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
}

/* --------------------------------------------------------------- vmlab */

/* A vmlab instance of @pages pages through @frames frames, mapped */
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
	cfg.tlb_window = 0;
	cfg.evict_batch = b->batch;
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

/* -------------------------------------------------------------- kernel */

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* The child's side of a kernel sample; the parent reads counters between */
static void kernel_child(struct ebench *b, uint64_t pages, bool both,
			 int spin_cpu, int to_parent, int from_parent,
			 double *ns)
{
	size_t len = pages * b->psize;
	struct spinner sp;
	unsigned char *map;
	char c = 'r';
	uint64_t bad;

	if (write_file(CGROUP_DIR "/cgroup.procs", "0"))
		_exit(10);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		_exit(11);
	if (madvise(map, len, MADV_NOHUGEPAGE))
		_exit(12);
	if (spin_cpu >= 0 && spinner_start(&sp, spin_cpu))
		_exit(13);
	/* ready; each pass starts on the parent's word */
	if (write(to_parent, &c, 1) != 1 || read(from_parent, &c, 1) != 1)
		_exit(14);
	pass_touch(map, pages, b->psize, true, b->lat, &ns[P_WRITE]);
	c = 'w';
	if (write(to_parent, &c, 1) != 1)
		_exit(14);
	if (both) {
		if (read(from_parent, &c, 1) != 1)
			_exit(14);
		bad = pass_touch(map, pages, b->psize, false, b->lat + pages,
				 &ns[P_READ]);
		if (bad)
			_exit(15);
		c = 'd';
		if (write(to_parent, &c, 1) != 1)
			_exit(14);
	}
	if (spin_cpu >= 0)
		spinner_stop(&sp);
	_exit(0);
}

static const char *child_failure(int code)
{
	switch (code) {
	case 10:
		return "could not join " CGROUP_DIR;
	case 11:
		return "mmap failed";
	case 12:
		return "madvise(MADV_NOHUGEPAGE) failed";
	case 13:
		return "could not start the sibling thread";
	case 15:
		return "pages read back wrong";
	default:
		return "lost the parent";
	}
}

/*
 * One kernel sample: a child in the cgroup touches @pages pages (write
 * pass, then read pass if @both); @spin_cpu >= 0 adds a sibling thread.
 * The touch latencies come back in b->lat (shared), the times in @ns.
 */
static int kernel_sample(struct ebench *b, uint64_t pages, bool both,
			 int spin_cpu, struct pass *out)
{
	int up[2], down[2], status, ret = -1;
	struct counters c0, c1, c2;
	double *ns = (double *)(b->lat + 2 * b->lat_len);
	pid_t pid;
	char c;

	if (pipe2(up, O_CLOEXEC))
		return err_errno("pipe"), -1;
	if (pipe2(down, O_CLOEXEC)) {
		close(up[0]);
		close(up[1]);
		return err_errno("pipe"), -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err_errno("fork");
		goto out;
	}
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		kernel_child(b, pages, both, spin_cpu, up[1], down[0], ns);
	}
	cleanup_child = pid;
	close(up[1]);
	close(down[0]);
	up[1] = down[0] = -1;
	c = 'g';
	if (read(up[0], &c, 1) != 1 || counters_read(b, -1, &c0) ||
	    write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1 ||
	    counters_read(b, -1, &c1))
		goto reap;
	counters_delta(&c0, &c1, false, &out[P_WRITE]);
	if (both) {
		if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1 ||
		    counters_read(b, -1, &c2))
			goto reap;
		counters_delta(&c1, &c2, false, &out[P_READ]);
	}
	ret = 0;
reap:
	close(down[1]);
	down[1] = -1;
	if (waitpid(pid, &status, 0) < 0) {
		err_errno("waitpid");
		ret = -1;
	} else if (WIFSIGNALED(status)) {
		uint64_t ooms = 0;

		read_keyed(CGROUP_DIR "/memory.events", "oom_kill", &ooms);
		err_msg("kernel: the child died of signal %d%s", WTERMSIG(status),
			ooms ? " (the memory cgroup's OOM killer: memory.max "
			"too small for the process, or swap full)" : "");
		ret = -1;
	} else if (WEXITSTATUS(status)) {
		err_msg("kernel: the child failed: %s",
			child_failure(WEXITSTATUS(status)));
		ret = -1;
	}
	cleanup_child = 0;
	if (ret)
		goto out;
	out[P_WRITE].ns = ns[P_WRITE];
	pass_latency(b->lat, pages, &out[P_WRITE]);
	if (both) {
		out[P_READ].ns = ns[P_READ];
		pass_latency(b->lat + pages, pages, &out[P_READ]);
	}
out:
	close(up[0]);
	if (up[1] >= 0)
		close(up[1]);
	if (down[0] >= 0)
		close(down[0]);
	if (down[1] >= 0)
		close(down[1]);
	return ret;
}

/* --------------------------------------------------------- setup, undo */

static int run_quiet(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int status, err;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		errno = err;
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	errno = 0;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static void cleanup(struct ebench *b)
{
	if (cleanup_child > 0) {
		kill(cleanup_child, SIGKILL);
		waitpid(cleanup_child, NULL, 0);
		cleanup_child = 0;
	}
	if (b->swap_on && swapoff(b->swap_path))
		err_errno("swapoff");
	b->swap_on = false;
	if (b->swap_path[0])
		unlink(b->swap_path);
	if (b->store_fd >= 0)
		close(b->store_fd);
	b->store_fd = -1;
	if (b->store_path[0])
		unlink(b->store_path);
	if (b->cgroup_made && rmdir(CGROUP_DIR))
		err_errno("rmdir " CGROUP_DIR);
	b->cgroup_made = false;
}

static void on_signal(int sig)
{
	if (cleanup_b)
		cleanup(cleanup_b);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const char *fs_name(long type)
{
	switch (type) {
	case EXT4_MAGIC:
		return "ext4";
	case TMPFS_MAGIC:
		return "tmpfs";
	case 0x9123683E:
		return "btrfs";
	case 0x58465342:
		return "xfs";
	case 0x01021997:
		return "9p";
	case 0x794c7630:
		return "overlayfs";
	default:
		return "other";
	}
}

/* Write zeros over @pages pages of @fd: every block allocated */
static int fill_zero(int fd, uint64_t pages, size_t psize, const char *what)
{
	static char zero[1 << 16];
	uint64_t left = pages * psize;
	ssize_t n;

	while (left) {
		n = write(fd, zero, left < sizeof(zero) ? left : sizeof(zero));
		if (n <= 0)
			return err_errno(what), -1;
		left -= n;
	}
	if (fsync(fd))
		return err_errno(what), -1;
	return 0;
}

static int setup_store(struct ebench *b)
{
	snprintf(b->store_path, sizeof(b->store_path), "%s/" STORE_NAME, b->dir);
	b->store_fd = open(b->store_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			   0600);
	if (b->store_fd < 0) {
		b->store_path[0] = '\0';
		return err_errno(b->dir), -1;
	}
	/* the blocks exist before the first sample, as the swapfile's do */
	return fill_zero(b->store_fd, b->pages, b->psize, b->store_path);
}

static uint64_t swap_pages(const struct ebench *b)
{
	return 2 * b->pages + b->pages / 4 + 256;
}

static int setup_swap(struct ebench *b)
{
	/* over twice the pages: swapped-in pages keep their slots */
	uint64_t pages = swap_pages(b);
	char *argv[] = { "mkswap", b->swap_path, NULL };
	char line[256];
	FILE *f;
	int fd;

	f = fopen("/proc/swaps", "re");
	if (f) {
		int n = 0;

		while (fgets(line, sizeof(line), f))
			n++;
		fclose(f);
		if (n > 1)
			fprintf(stderr, "vmlab: note: other swap areas are active "
				"(/proc/swaps); the kernel variant's swapfile gets "
				"the highest priority\n");
	}
	snprintf(b->swap_path, sizeof(b->swap_path), "%s/" SWAP_NAME, b->dir);
	fd = open(b->swap_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		b->swap_path[0] = '\0';
		return err_errno(b->dir), -1;
	}
	if (fill_zero(fd, pages, b->psize, b->swap_path)) {
		close(fd);
		return -1;
	}
	close(fd);
	if (run_quiet(argv))
		return err_msg("mkswap %s failed%s%s", b->swap_path,
			       errno ? ": " : "", errno ? strerror(errno) : ""), -1;
	if (swapon(b->swap_path, SWAP_FLAG_PREFER |
		   (32767 << SWAP_FLAG_PRIO_SHIFT)))
		return err_msg("swapon %s: %s (the filesystem of --dir must hold "
			       "a swapfile: ext4, e.g. scripts/vm --disk 1G)",
			       b->swap_path, strerror(errno)), -1;
	b->swap_on = true;
	return 0;
}

static int setup_cgroup(struct ebench *b)
{
	char buf[64];
	struct stat st;

	if (stat(CGROUP_ROOT "/cgroup.controllers", &st))
		return err_msg("%s: no cgroup2 hierarchy (the kernel variant "
			       "needs one)", CGROUP_ROOT), -1;
	if (write_file(CGROUP_ROOT "/cgroup.subtree_control", "+memory"))
		return err_msg("%s: cannot enable the memory controller: %s",
			       CGROUP_ROOT, strerror(errno)), -1;
	if (mkdir(CGROUP_DIR, 0755) && errno != EEXIST)
		return err_errno("mkdir " CGROUP_DIR), -1;
	b->cgroup_made = true;
	snprintf(buf, sizeof(buf), "%" PRIu64, b->frames * b->psize);
	if (write_file(CGROUP_DIR "/memory.max", buf))
		return err_errno(CGROUP_DIR "/memory.max"), -1;
	write_file(CGROUP_DIR "/memory.swap.max", "max");
	return 0;
}

static void read_zswap(struct ebench *b)
{
	int fd = open("/sys/module/zswap/parameters/enabled", O_RDONLY);
	ssize_t n;

	strcpy(b->zswap, "absent");
	if (fd < 0)
		return;
	n = read(fd, b->zswap, sizeof(b->zswap) - 1);
	close(fd);
	b->zswap[n > 0 ? n : 0] = '\0';
	b->zswap[strcspn(b->zswap, "\n")] = '\0';
}

static int setup(struct ebench *b)
{
	struct statfs sfs;
	uint64_t need;
	int fd;

	fd = vmlab_open_info(O_RDWR, &b->info);
	if (fd < 0)
		return -1;
	close(fd);
	if (b->pages * b->psize > b->info.max_region_size)
		return err_msg("--pages %" PRIu64 ": more than an instance may map "
			       "(max_region_mb)", b->pages), -1;
	if (b->frames > b->info.max_pages)
		return err_msg("--frames %" PRIu64 ": more than the module's "
			       "max_pages", b->frames), -1;
	b->region_large = 1ULL << 30;
	if (b->region_large > b->info.max_region_size)
		b->region_large = b->info.max_region_size;
	if (b->region && b->region_large < 2 * (1ULL << 20))
		return err_msg("the module's max_region_mb is too small for the "
			       "region measurement (--no-region)"), -1;

	if (statfs(b->dir, &sfs))
		return err_errno(b->dir), -1;
	snprintf(b->fstype, sizeof(b->fstype), "%s", fs_name(sfs.f_type));
	need = (b->want[V_FILE] ? b->pages : 0) +
	       (b->want[V_KERNEL] ? swap_pages(b) : 0);
	if ((uint64_t)sfs.f_bavail * sfs.f_bsize < need * b->psize)
		return err_msg("%s: %" PRIu64 " MiB free, %" PRIu64 " MiB needed",
			       b->dir, (uint64_t)sfs.f_bavail * sfs.f_bsize >> 20,
			       need * b->psize >> 20), -1;
	if (b->want[V_KERNEL]) {
		if (geteuid())
			return err_msg("the kernel variant needs root (swapon, "
				       "cgroups); --variants vmlab-file,vmlab-mem "
				       "runs without it"), -1;
		read_zswap(b);
		if (setup_cgroup(b) || setup_swap(b))
			return -1;
	}
	if (b->want[V_FILE] && setup_store(b))
		return -1;
	return 0;
}

/* ------------------------------------------------------ region and IPIs */

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
	uint64_t i, faults, t0;
	struct vmlab_stats s0, s1;
	volatile unsigned char *v;
	unsigned char *map;
	unsigned int pass;
	int fd, ret = -1;

	fd = vmlab_region(b, len, b->region_frames, b->region_policy, -1, &map);
	if (fd < 0)
		return -1;
	v = map;
	for (i = 0; i < b->region_pages; i++)	/* warm: page tables, store */
		v[i * stride * b->psize] = 1;
	if (vmlab_get_stats(fd, &s0))
		goto out;
	t0 = now_ns();
	for (pass = 0; pass < b->region_passes; pass++)
		for (i = 0; i < b->region_pages; i++)
			v[i * stride * b->psize] = (unsigned char)pass;
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

static int kernel_shootdown(struct ebench *b, struct pass *out)
{
	char buf[64];
	int ret;

	snprintf(buf, sizeof(buf), "%" PRIu64, b->sd_frames * b->psize);
	if (write_file(CGROUP_DIR "/memory.max", buf))
		return err_errno(CGROUP_DIR "/memory.max"), -1;
	ret = kernel_sample(b, b->sd_pages, true, b->other_cpu, out);
	snprintf(buf, sizeof(buf), "%" PRIu64, b->frames * b->psize);
	if (write_file(CGROUP_DIR "/memory.max", buf))
		return err_errno(CGROUP_DIR "/memory.max"), -1;
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
	uint64_t i, t0;
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
	for (i = 0; i < b->region_pages; i++)	/* warm: the page tables */
		((volatile unsigned char *)map)[i * stride * b->psize] = 1;
	t0 = now_ns();
	for (pass = 0; pass < b->region_passes; pass++)
		for (i = 0; i < b->region_pages; i++) {
			unsigned char *pg = map + i * stride * b->psize;

			madvise(pg, b->psize, MADV_DONTNEED);
			*(volatile unsigned char *)pg = (unsigned char)pass;
		}
	*ns = (double)(now_ns() - t0) / (b->region_passes * b->region_pages);
	munmap(map, len);
	return 0;
}

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

static void print_text(const struct ebench *b)
{
	char s1[32], s2[32];
	unsigned int v, ps;
	double r, ipi;

	printf("vmlab bench evict: %" PRIu64 " pages (%s) through %" PRIu64
	       " frames (%s), policy %s, %u victim%s at once, %u rounds "
	       "interleaved, CPU %d\n",
	       b->pages, fmt_bytes(b->pages * b->psize, s1, sizeof(s1)),
	       b->frames, fmt_bytes(b->frames * b->psize, s2, sizeof(s2)),
	       policy_name(b->policy), b->batch > 1 ? b->batch : 1,
	       b->batch > 1 ? "s" : "", b->rounds, b->cpu);
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
	for (ps = 0; ps < NPASS; ps++) {
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
	printf("  out, in: pages written to / read from the store per page "
	       "touched; per evicted page:\n  IPI = CAL interrupts, sd = TLB "
	       "interrupts (shootdowns received), fl = the module's flushes\n");

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

	if (b->shootdown) {
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
	if (b->region) {
		struct summary sm = region_summary(b, R_SMALL);
		struct summary sp = region_summary(b, R_SPREAD);
		struct summary pk = region_summary(b, R_PACKED);
		char bl[32];

		fmt_bytes(b->region_large, bl, sizeof(bl));
		printf("\nper-fault cost by region size: %" PRIu64 " pages through %"
		       PRIu64 " frames, memory store, %s, %u passes; median "
		       "(min-max) of %u samples\n", b->region_pages,
		       b->region_frames, policy_name(b->region_policy),
		       b->region_passes, b->rounds * REGION_REPS);
		printf("  %-7s %-26s %7.2f us (%.2f-%.2f)\n", "1 MiB",
		       "every page", sm.median / 1e3, sm.min / 1e3, sm.max / 1e3);
		printf("  %-7s pages %4" PRIu64 " KiB apart     %7.2f us (%.2f-%.2f)"
		       "  ratio %.3f (of the mins %.3f)\n", bl,
		       b->region_large / b->region_pages >> 10,
		       sp.median / 1e3, sp.min / 1e3, sp.max / 1e3,
		       region_ratio(b, R_SPREAD),
		       region_min_ratio(b, R_SPREAD, R_SMALL));
		printf("  %-7s %-26s %7.2f us (%.2f-%.2f)  ratio %.3f (of the mins "
		       "%.3f)\n", bl, "the same pages packed", pk.median / 1e3,
		       pk.min / 1e3, pk.max / 1e3, region_ratio(b, R_PACKED),
		       region_min_ratio(b, R_PACKED, R_SMALL));
		sm = region_summary(b, R_ANON_SMALL);
		sp = region_summary(b, R_ANON_SPREAD);
		printf("  anonymous memory, fault + MADV_DONTNEED of the same "
		       "pages (the layout's own cost):\n");
		printf("  %-7s %-26s %7.2f us (%.2f-%.2f)\n", "1 MiB",
		       "every page", sm.median / 1e3, sm.min / 1e3, sm.max / 1e3);
		printf("  %-7s pages %4" PRIu64 " KiB apart     %7.2f us (%.2f-%.2f)"
		       "  ratio %.3f (of the mins %.3f)\n", bl,
		       b->region_large / b->region_pages >> 10,
		       sp.median / 1e3, sp.min / 1e3, sp.max / 1e3,
		       sp.median / sm.median,
		       region_min_ratio(b, R_ANON_SPREAD, R_ANON_SMALL));
	}

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

/* ---------------------------------------------------------------- JSON */

static void print_json(const struct ebench *b)
{
	unsigned int v, ps, r;
	struct jw w;

	jw_init(&w, stdout);
	jw_obj(&w, NULL);
	jw_str(&w, "bench", "evict");
	jw_u64(&w, "pages", b->pages);
	jw_u64(&w, "frames", b->frames);
	jw_u64(&w, "page_size", b->psize);
	jw_u64(&w, "rounds", b->rounds);
	jw_str(&w, "policy", policy_name(b->policy));
	jw_u64(&w, "evict_batch", b->batch > 1 ? b->batch : 1);
	jw_str(&w, "dir", b->dir);
	jw_str(&w, "fstype", b->fstype);
	jw_i64(&w, "cpu", b->cpu);
	if (b->want[V_KERNEL])
		jw_str(&w, "zswap", b->zswap);
	jw_arr(&w, "variants");
	for (v = 0; v < NVAR; v++) {
		if (!b->want[v])
			continue;
		jw_obj(&w, NULL);
		jw_str(&w, "variant", var_name[v]);
		for (ps = 0; ps < NPASS; ps++) {
			jw_obj(&w, pass_name[ps]);
			summary_json(&w, "ns_per_page",
				     PASS_SUMMARY(b, v, ps, p->ns / b->pages));
			summary_json(&w, "p50_ns", PASS_SUMMARY(b, v, ps, p->p50_ns));
			summary_json(&w, "p99_ns", PASS_SUMMARY(b, v, ps, p->p99_ns));
			summary_json(&w, "max_ns", PASS_SUMMARY(b, v, ps, p->max_ns));
			jw_arr(&w, "rounds");
			for (r = 0; r < b->rounds; r++) {
				const struct pass *p = &b->res[r][v][ps];

				jw_obj(&w, NULL);
				jw_dbl(&w, "ns", p->ns);
				if (v == V_FILE && ps == P_WRITE)
					jw_dbl(&w, "fsync_ns", p->sync_ns);
				jw_u64(&w, "swap_out", p->out);
				jw_u64(&w, "swap_in", p->in);
				jw_u64(&w, "evicted", p->evicted);
				jw_u64(&w, "ipis", p->ipis);
				jw_u64(&w, "shootdowns", p->shootdowns);
				if (v != V_KERNEL)
					jw_u64(&w, "tlb_module", p->tlb_module);
				jw_end(&w);
			}
			jw_end(&w);
			jw_end(&w);
		}
		summary_json(&w, "round_trip_ns", round_trip(b, v));
		if (v != V_KERNEL) {
			jw_dbl(&w, "round_trip_vs_kernel", rt_ratio(b, v));
			jw_dbl(&w, "tlb_flushes_per_evicted",
			       per_evicted(b, false, v, -1, FLUSHES));
		}
		jw_dbl(&w, "ipis_per_evicted", per_evicted(b, false, v, -1, IPIS));
		jw_dbl(&w, "shootdowns_per_evicted",
		       per_evicted(b, false, v, -1, SHOOTDOWNS));
		jw_end(&w);
	}
	jw_end(&w);
	if (b->shootdown) {
		jw_obj(&w, "shootdown");
		jw_u64(&w, "pages", b->sd_pages);
		jw_u64(&w, "frames", b->sd_frames);
		jw_i64(&w, "sibling_cpu", b->other_cpu);
		jw_arr(&w, "results");
		for (v = 0; v < 2; v++) {
			if (v == 1 && !b->want[V_KERNEL])
				continue;
			for (ps = 0; ps < NPASS; ps++) {
				jw_obj(&w, NULL);
				jw_str(&w, "variant", v ? "kernel" : "vmlab-mem");
				jw_str(&w, "pass", pass_name[ps]);
				jw_dbl(&w, "ipis_per_evicted",
				       per_evicted(b, true, v, ps, IPIS));
				jw_dbl(&w, "shootdowns_per_evicted",
				       per_evicted(b, true, v, ps, SHOOTDOWNS));
				if (!v)
					jw_dbl(&w, "tlb_flushes_per_evicted",
					       per_evicted(b, true, v, ps, FLUSHES));
				jw_end(&w);
			}
		}
		jw_end(&w);
		jw_end(&w);
	}
	if (b->region) {
		jw_obj(&w, "region");
		jw_u64(&w, "pages", b->region_pages);
		jw_u64(&w, "frames", b->region_frames);
		jw_str(&w, "policy", policy_name(b->region_policy));
		jw_u64(&w, "small_bytes", 1 << 20);
		jw_u64(&w, "large_bytes", b->region_large);
		jw_u64(&w, "samples", b->rounds * REGION_REPS);
		for (v = 0; v < NREGION; v++) {
			char key[48];

			snprintf(key, sizeof(key), "%s_ns_per_fault", region_name[v]);
			summary_json(&w, key, region_summary(b, v));
		}
		jw_dbl(&w, "ratio", region_ratio(b, R_SPREAD));
		jw_dbl(&w, "ratio_of_mins", region_min_ratio(b, R_SPREAD, R_SMALL));
		jw_dbl(&w, "ratio_packed", region_ratio(b, R_PACKED));
		jw_dbl(&w, "anon_ratio", region_summary(b, R_ANON_SPREAD).median /
		       region_summary(b, R_ANON_SMALL).median);
		jw_end(&w);
	}
	jw_arr(&w, "goals");
	if (!isnan(rt_ratio(b, V_FILE))) {
		jw_obj(&w, NULL);
		jw_str(&w, "goal", "swap round trip vmlab-file vs kernel");
		jw_dbl(&w, "value", rt_ratio(b, V_FILE));
		jw_dbl(&w, "min", GOAL_ROUND_TRIP);
		jw_bool(&w, "met", rt_ratio(b, V_FILE) >= GOAL_ROUND_TRIP);
		jw_end(&w);
	}
	for (v = 0; v < V_KERNEL; v++) {
		char what[64];

		if (!b->want[v])
			continue;
		snprintf(what, sizeof(what), "IPIs per evicted page %s", var_name[v]);
		jw_obj(&w, NULL);
		jw_str(&w, "goal", what);
		jw_dbl(&w, "value", per_evicted(b, false, v, -1, IPIS));
		jw_dbl(&w, "max", GOAL_IPI);
		jw_bool(&w, "met", per_evicted(b, false, v, -1, IPIS) <= GOAL_IPI);
		jw_end(&w);
	}
	if (b->shootdown) {
		jw_obj(&w, NULL);
		jw_str(&w, "goal", "IPIs per evicted page vmlab-mem, sibling thread");
		jw_dbl(&w, "value", per_evicted(b, true, 0, -1, IPIS));
		jw_dbl(&w, "max", GOAL_IPI);
		jw_bool(&w, "met", per_evicted(b, true, 0, -1, IPIS) <= GOAL_IPI);
		jw_end(&w);
	}
	if (b->region) {
		jw_obj(&w, NULL);
		jw_str(&w, "goal", "per-fault cost 1 GiB / 1 MiB region");
		jw_dbl(&w, "value", region_ratio(b, R_SPREAD));
		jw_dbl(&w, "max", GOAL_REGION);
		jw_bool(&w, "met", region_ratio(b, R_SPREAD) <= GOAL_REGION);
		jw_end(&w);
	}
	jw_finish(&w);
}

/* ------------------------------------------------------------- command */

static const char evict_doc[] =
"Swapping through vmlab against the kernel's own swap, in one boot:\n"
"vmlab-file (a backing file in --dir), vmlab-mem (the module's memory\n"
"store) and kernel (anonymous memory of a child in the memory cgroup\n"
CGROUP_DIR " with memory.max = the frames, swapping to a swapfile made\n"
"in --dir with mkswap and swapon).  Each sample maps --pages pages through\n"
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
	OPT_BATCH,
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
	  "vmlab's policy (default fifo; lru is refused: it needs --soft-tlb)", 0 },
	{ "no-region", OPT_NO_REGION, NULL, 0,
	  "Skip the 1 GiB vs 1 MiB region measurement", 1 },
	{ "region-pages", OPT_REGION_PAGES, "N", 0,
	  "Pages touched in each region (default 256)", 1 },
	{ "region-frames", OPT_REGION_FRAMES, "F", 0,
	  "Frames for them (default 64)", 1 },
	{ "batch", OPT_BATCH, "B", 0,
	  "vmlab evicts B victims at once (evict_batch; default 1)", 0 },
	{ "region-policy", OPT_REGION_POLICY, "POLICY", 0,
	  "Policy for them (default clock)", 1 },
	{ "no-shootdown", OPT_NO_SHOOTDOWN, NULL, 0,
	  "Skip the measurement with a sibling thread on another CPU", 1 },
	{ "cpu", 'c', "CPU", 0, "CPU of the touching thread (default: the first "
	  "allowed)", 2 },
	{ "verbose", 'v', NULL, 0, "Progress on stderr", 2 },
	{ "json", 'j', NULL, 0, "Print JSON instead of text", 2 },
	{},
};

struct evict_args {
	struct ebench *b;
	bool have_frames;
};

static void parse_variants(struct argp_state *state, struct ebench *b,
			   const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	bool any = false;
	int v;

	if (!copy)
		argp_failure(state, 1, ENOMEM, "--variants");
	memset(b->want, 0, sizeof(b->want));
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (v = 0; v < NVAR && strcmp(tok, var_name[v]); v++)
			;
		if (v == NVAR)
			argp_error(state, "--variants: unknown variant '%s'; "
				   "variants: vmlab-file, vmlab-mem, kernel", tok);
		b->want[v] = true;
		any = true;
	}
	free(copy);
	if (!any)
		argp_error(state, "--variants '%s': no variant given", list);
}

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
		parse_variants(state, b, arg);
		break;
	case OPT_POLICY:
		p = policy_parse(arg);
		if (p < 0)
			argp_error(state, "--policy '%s': unknown; policies: fifo, "
				   "random, clock, lru-approx", arg);
		if (p == VMLAB_POLICY_LRU)
			argp_error(state, "--policy lru needs the software TLB, "
				   "which this benchmark does not use");
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
	case OPT_BATCH:
		b->batch = arg_u64(state, "--batch", arg, 1, VMLAB_EVICT_BATCH_MAX);
		break;
	case OPT_REGION_POLICY:
		p = policy_parse(arg);
		if (p < 0 || p == VMLAB_POLICY_LRU)
			argp_error(state, "--region-policy '%s': fifo, random, "
				   "clock or lru-approx", arg);
		b->region_policy = p;
		break;
	case OPT_NO_SHOOTDOWN:
		b->shootdown = false;
		break;
	case 'c':
		b->cpu = arg_u64(state, "--cpu", arg, 0, CPU_SETSIZE - 1);
		break;
	case 'v':
		b->verbose = true;
		break;
	case 'j':
		opt_json = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
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
		return ARGP_ERR_UNKNOWN;
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
	static const struct argp argp = {
		.options = evict_opts,
		.parser = evict_parse,
		.doc = evict_doc,
	};
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
	struct sigaction sa = { .sa_handler = on_signal };
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

	cleanup_b = &b;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (setup(&b))
		goto out;

	t0 = now_ns();
	for (r = 0; r < b.rounds; r++) {
		if (one_round(&b, r))
			goto out;
		if (b.verbose)
			fprintf(stderr, "vmlab: bench evict round %u/%u done, %.1f s\n",
				r + 1, b.rounds, (now_ns() - t0) / 1e9);
	}
	if (opt_json)
		print_json(&b);
	else
		print_text(&b);
	ret = 0;
out:
	cleanup(&b);
	cleanup_b = NULL;
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
