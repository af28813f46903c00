// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz - vmlab's own adversary: a seeded, bounded fuzzer with an integrity
 * oracle, built on include/uapi/linux/vmlab.h and standard system calls only.
 *
 *   fuzz [--seed S] [--ops N] [--seconds T] [--watchdog W] [--disk DIR]
 *        [--frames-min F] [--window-min W] [--no-odirect-backing]
 *        [--skip OP,...] [--verbose]
 *
 * It keeps a shadow of every byte of the instance's region and makes every
 * access to vmlab memory write through it and check against it: loads and
 * stores of the process, of its threads and of a forked child, and every
 * path on which the kernel reaches user memory (process_vm_readv/writev,
 * /proc/PID/mem, read()/write() of files, pipes and sockets, O_DIRECT,
 * vmsplice/splice, AIO, io_uring).  Around them it runs random lifecycles
 * (configurations, backing stores, mmap/munmap/mremap/mprotect/madvise/
 * mlock, evictions, closes while another thread faults) and random,
 * mostly malformed, ioctls whose errno must be one the header documents
 * (fuzz.h).
 *
 * Any mismatch, undocumented errno or unexpected signal prints the seed, the
 * index of the operation and the last FUZZ_RING operations, and exits 1.  A
 * watchdog thread that sees no operation complete for W seconds prints every
 * task's kernel stack and exits 2.  The last line on success is
 *   # fuzz: result seed=S ops=N checks=N ioctls=N seconds=T skipped=N ...
 * Runs are reproducible from the seed (threads interleave as they will, but
 * what they write is fixed): --seed S --ops N replays the first N operations.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/aio_abi.h>
#include <linux/io_uring.h>

#include "fuzz.h"

#define FUZZ_RING	32	/* operations remembered for a report */
#define FUZZ_MAPS	8	/* mappings of the instance at a time */
#define FUZZ_MAX_PAGES	48	/* largest region */
#define FUZZ_XFER_PAGES	8	/* largest transfer */
#define FUZZ_THREADS	3

/* ------------------------------------------------------------ the state */

enum backing_kind {
	BK_MEMORY,
	BK_TMPFS,	/* a regular file on /tmp (tmpfs) */
	BK_EXT4,	/* a regular file on the VM's ext4 disk */
	BK_EXT4_DIRECT,	/* the same, opened O_DIRECT */
	BK_KINDS,
};

static const char *const backing_name[BK_KINDS] = {
	"memory", "tmpfs", "ext4", "ext4-odirect",
};

struct map {
	char *addr;
	size_t pgoff;
	size_t npages;
	int prot;
	bool locked;		/* MAP_LOCKED: MADV_DONTNEED refuses it */
};

struct lab {
	int fd;
	size_t npages;
	unsigned char *shadow;		/* what each page must hold */
	struct map maps[FUZZ_MAPS];
	int nmaps;
	enum backing_kind backing;
	int bfd;			/* the backing file, or -1 */
	struct vmlab_config cfg;
	__u64 last_seq;			/* of the last event record read */
	bool seq_valid;
	unsigned int gen;		/* instances opened so far */
};

enum category {
	C_USER_WRITE, C_USER_READ, C_KWRITE, C_KREAD, C_GUP_MULTI,
	C_IOCTL_FUZZ, C_IOCTL, C_EVICT, C_MADVISE, C_MLOCK, C_MPROTECT,
	C_MMAP, C_MUNMAP, C_MREMAP, C_EVENTS, C_RECONFIG, C_BACKING,
	C_FORK, C_THREADS, C_CLOSE_RACE, C_NEW_LAB, C_BAD_MMAP, C_RDONLY,
	C_VSPLICE_HOLD, C_WALK, C_FULL_FS,
	C_MAX,
};

static const char *const cat_name[C_MAX] = {
	"user_write", "user_read", "kwrite", "kread", "gup_multi",
	"ioctl_fuzz", "ioctl", "evict", "madvise", "mlock", "mprotect",
	"mmap", "munmap", "mremap", "events", "reconfig", "backing",
	"fork", "threads", "close_race", "new_lab", "bad_mmap", "rdonly",
	"vsplice_hold", "walk", "full_fs",
};

/* how often each operation is picked */
static unsigned int cat_weight[C_MAX] = {
	[C_USER_WRITE] = 14, [C_USER_READ] = 10, [C_KWRITE] = 14,
	[C_KREAD] = 14, [C_GUP_MULTI] = 4, [C_IOCTL_FUZZ] = 10,
	[C_IOCTL] = 6, [C_EVICT] = 6, [C_MADVISE] = 6, [C_MLOCK] = 2,
	[C_MPROTECT] = 3, [C_MMAP] = 3, [C_MUNMAP] = 2, [C_MREMAP] = 2,
	[C_EVENTS] = 3, [C_RECONFIG] = 2, [C_BACKING] = 1, [C_FORK] = 2,
	[C_THREADS] = 2, [C_CLOSE_RACE] = 1, [C_NEW_LAB] = 1,
	[C_BAD_MMAP] = 1, [C_RDONLY] = 1, [C_VSPLICE_HOLD] = 2, [C_WALK] = 2,
	[C_FULL_FS] = 1,
};

static struct {
	uint64_t seed;
	unsigned long max_ops;
	double max_seconds;
	unsigned int watchdog_s;
	const char *disk;
	unsigned int frames_min;	/* a budget of fewer frames is made 0 */
	unsigned int window_min;	/* a smaller software TLB is made this */
	bool no_odirect_backing;
	bool verbose;
} opt = { .seed = 1, .watchdog_s = 30 };

static size_t ps;
static uint64_t rng;
static struct lab lab;
static struct vmlab_info info;
static int self_mem = -1;		/* /proc/self/mem */
static int scratch_tmp = -1;		/* a file on tmpfs */
static int scratch_ext4 = -1;		/* a file on ext4 */
static int scratch_direct = -1;		/* the same file, O_DIRECT */
static char path_buf[PATH_MAX];

static unsigned long op_index;
static atomic_ulong progress;		/* bumped by every step of every op */
static unsigned long n_checks, n_ioctls, n_skipped;
static atomic_ulong n_checks_mt;	/* page checks made by threads */
static unsigned long n_cat[C_MAX];
static double t_start;
static bool in_child;
static volatile pid_t child_pid;

static char ring[FUZZ_RING][192];

/* ------------------------------------------------------------- reports */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void dump_ring(void)
{
	unsigned long i, first = op_index >= FUZZ_RING ? op_index - FUZZ_RING + 1 : 0;

	fprintf(stderr, "# fuzz: the last %lu operations:\n", op_index - first + 1);
	for (i = first; i <= op_index; i++)
		fprintf(stderr, "# fuzz:   %s\n", ring[i % FUZZ_RING]);
}

/* The end of a failure: the ring, how to replay it, the child gone */
static void __attribute__((noreturn)) fail_exit(int status)
{
	dump_ring();
	fprintf(stderr, "# fuzz: replay: fuzz --seed %llu --ops %lu\n",
		(unsigned long long)opt.seed, op_index + 1);
	if (child_pid > 0)
		kill(child_pid, SIGKILL);
	fflush(stderr);
	_exit(status);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# fuzz: FAIL%s seed=%llu op=%lu: ", in_child ? " (child)" : "",
		(unsigned long long)opt.seed, op_index);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fail_exit(1);
}

/* Describe operation op_index (what a report shows) */
static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	char *s = ring[op_index % FUZZ_RING];
	va_list ap;
	int n;

	n = snprintf(s, sizeof(ring[0]), "#%lu ", op_index);
	va_start(ap, fmt);
	vsnprintf(s + n, sizeof(ring[0]) - n, fmt, ap);
	va_end(ap);
	if (opt.verbose)
		fprintf(stderr, "# fuzz: %s\n", s);
}

/* Add to operation op_index's description */
static void __attribute__((format(printf, 1, 2))) note_more(const char *fmt, ...)
{
	char *s = ring[op_index % FUZZ_RING];
	size_t n = strlen(s);
	va_list ap;

	if (n + 1 >= sizeof(ring[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(s + n, sizeof(ring[0]) - n, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ watchdog */

static void dump_task(pid_t pid, const char *tid)
{
	static const char *const files[] = { "stat", "wchan", "syscall", "stack" };
	char path[96], buf[4096];
	unsigned int i;
	ssize_t n;
	int fd;

	fprintf(stderr, "# fuzz: ---- task %d/%s\n", pid, tid);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%s/%s", pid, tid, files[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		fprintf(stderr, "# fuzz: %s:%s%s", files[i],
			strchr(buf, '\n') && strchr(buf, '\n')[1] ? "\n" : " ", buf);
		if (buf[n - 1] != '\n')
			fprintf(stderr, "\n");
	}
}

static void dump_tasks(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			dump_task(pid, d->d_name);
	closedir(dir);
}

/*
 * A task spinning in the kernel has no stack in /proc: ask every CPU for its
 * backtrace (sysrq l) and copy what the kernel log got.
 */
static void dump_cpus(void)
{
	char rec[1024];
	ssize_t n;
	int kmsg, trig;

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	trig = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	if (kmsg < 0 || trig < 0 || lseek(kmsg, 0, SEEK_END) < 0 ||
	    write(trig, "l", 1) != 1) {
		fprintf(stderr, "# fuzz: no backtrace of the CPUs (sysrq): %s\n",
			strerror(errno));
	} else {
		sleep(1);
		fprintf(stderr, "# fuzz: ---- the CPUs' backtraces (sysrq l):\n");
		while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE) {
			char *msg;

			if (n <= 0)
				continue;
			rec[n] = '\0';
			msg = strchr(rec, ';');
			fprintf(stderr, "# fuzz: %s", msg ? msg + 1 : rec);
		}
	}
	if (kmsg >= 0)
		close(kmsg);
	if (trig >= 0)
		close(trig);
}

static void *watchdog(void *arg)
{
	unsigned long last = atomic_load(&progress);
	unsigned int idle = 0;

	for (;;) {
		sleep(1);
		if (atomic_load(&progress) != last) {
			last = atomic_load(&progress);
			idle = 0;
			continue;
		}
		if (++idle < opt.watchdog_s)
			continue;
		fprintf(stderr, "# fuzz: FAIL seed=%llu op=%lu: no progress for %u s (watchdog); kernel stacks:\n",
			(unsigned long long)opt.seed, op_index, idle);
		dump_tasks(getpid());
		if (child_pid > 0)
			dump_tasks(child_pid);
		dump_cpus();
		fail_exit(2);
	}
	return NULL;
}

/* --------------------------------------------------------------- random */

static uint64_t next_rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	return next_rng(&rng);
}

/* uniform in [0, n), n > 0 */
static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

/* true with probability pct % */
static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

static void fill_random(void *p, size_t len)
{
	unsigned char *c = p;
	uint64_t v;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v = rnd();
		memcpy(c + i, &v, 8);
	}
	for (v = rnd(); i < len; i++, v >>= 8)
		c[i] = v;
}

/* ------------------------------------------------- guarded user access */

/* A SIGBUS or SIGSEGV in a guarded copy returns to its caller. */
static __thread sigjmp_buf *volatile guard_jmp;
static __thread void *guard_addr;

/* the compiler must not move accesses of guarded memory across these */
#define guard_on(jb)	do { guard_jmp = (jb); asm volatile("" ::: "memory"); } while (0)
#define guard_off()	do { asm volatile("" ::: "memory"); guard_jmp = NULL; } while (0)

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	if (guard_jmp) {
		guard_addr = si->si_addr;
		siglongjmp(*guard_jmp, sig);
	}
	signal(sig, SIG_DFL);
	fprintf(stderr, "# fuzz: FAIL seed=%llu op=%lu: unguarded signal %d at %p\n",
		(unsigned long long)opt.seed, op_index, sig, si->si_addr);
	dump_ring();
	_exit(1);
}

/* memcpy() that returns the signal it took (0 for none), noting where */
static int guarded_copy(void *dst, const void *src, size_t len)
{
	sigjmp_buf jb;
	int sig;

	sig = sigsetjmp(jb, 1);
	if (sig) {
		guard_off();
		return sig;
	}
	guard_on(&jb);
	memcpy(dst, src, len);
	guard_off();
	return 0;
}

/* memcmp() of user memory against @want: the first differing byte or -1 */
static long guarded_cmp(const void *have, const void *want, size_t len,
			int *sig)
{
	const unsigned char *h = have, *w = want;
	sigjmp_buf jb;
	size_t i;

	*sig = sigsetjmp(jb, 1);
	if (*sig) {
		guard_off();
		return -1;
	}
	guard_on(&jb);
	if (!memcmp(h, w, len)) {
		guard_off();
		return -1;
	}
	for (i = 0; h[i] == w[i]; i++)
		;
	guard_off();
	return (long)i;
}

/* ----------------------------------------------------- the instance */

static unsigned char *shadow_at(size_t pgoff)
{
	return lab.shadow + pgoff * ps;
}

static int lab_ioctl(unsigned long cmd, void *arg)
{
	n_ioctls++;
	return ioctl(lab.fd, cmd, arg) ? -errno : 0;
}

static int ioctl_index(unsigned long cmd)
{
	static const unsigned long cmds[] = {
		VMLAB_GET_INFO, VMLAB_SET_CONFIG, VMLAB_GET_CONFIG,
		VMLAB_GET_STATS, VMLAB_RESET_STATS, VMLAB_WALK,
		VMLAB_SET_BACKING, VMLAB_EVICT, VMLAB_RESIDENT,
		VMLAB_POLICY_STATE, VMLAB_PT, VMLAB_SET_BPF_POLICY,
	};
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i] == cmd)
			return i;
	return -1;
}

/* Fail unless @ret is 0 or an errno the header documents for @cmd. */
static void ioctl_errno_check(unsigned long cmd, int ret, const char *what)
{
	int i = ioctl_index(cmd);

	if (!ret)
		return;
	if (i < 0) {
		if (ret != -ENOTTY)
			fail("%s: unknown command %#lx gave %s, not ENOTTY",
			     what, cmd, strerror(-ret));
		return;
	}
	if (!fuzz_errno_ok(&fuzz_ioctl_errnos[i], -ret))
		fail("%s: %s gave %s (errno %d), which the header does not document",
		     what, fuzz_ioctl_errnos[i].call, strerror(-ret), -ret);
}

static struct vmlab_stats get_stats(void)
{
	struct vmlab_stats st = { .size = sizeof(st) };
	int ret = lab_ioctl(VMLAB_GET_STATS, &st);

	if (ret)
		fail("VMLAB_GET_STATS: %s", strerror(-ret));
	return st;
}

static void get_config(void)
{
	int ret;

	memset(&lab.cfg, 0, sizeof(lab.cfg));
	lab.cfg.size = sizeof(lab.cfg);
	ret = lab_ioctl(VMLAB_GET_CONFIG, &lab.cfg);
	if (ret)
		fail("VMLAB_GET_CONFIG: %s", strerror(-ret));
}

/* Evict pages [start, start + count), or all: 0 or a documented -errno */
static int evict(bool all, __u64 start, __u64 count, __u64 *evicted)
{
	struct vmlab_evict ev = {
		.size = sizeof(ev), .flags = all ? VMLAB_EVICT_FLAG_ALL : 0,
		.start = start, .count = count,
	};
	int ret = lab_ioctl(VMLAB_EVICT, &ev);

	ioctl_errno_check(VMLAB_EVICT, ret, "evict");
	if (evicted)
		*evicted = ev.evicted;
	return ret;
}

static int set_backing_fd(__u32 fd)
{
	struct vmlab_backing b = { .size = sizeof(b), .fd = fd };

	return lab_ioctl(VMLAB_SET_BACKING, &b);
}

/* The page-by-page state VMLAB_RESIDENT gives, for a report */
static void report_page(size_t pgoff)
{
	struct vmlab_resident r = { .size = sizeof(r), .start = pgoff, .count = 1 };
	struct vmlab_stats st;
	unsigned char v = 0;

	r.vec = (uintptr_t)&v;
	if (!lab_ioctl(VMLAB_RESIDENT, &r))
		fprintf(stderr, "# fuzz: page %zu: resident %d dirty %d stored %d window %d\n",
			pgoff, !!(v & VMLAB_PAGE_RESIDENT), !!(v & VMLAB_PAGE_DIRTY),
			!!(v & VMLAB_PAGE_STORED), !!(v & VMLAB_PAGE_WINDOW));
	st = get_stats();
	fprintf(stderr, "# fuzz: instance %u (%zu pages, backing %s): frames %llu policy %u window %u batch %u; resident %llu store %llu evictions %llu swap-outs %llu swap-ins %llu io_errors %llu fault_errors %llu\n",
		lab.gen, lab.npages, backing_name[lab.backing],
		(unsigned long long)lab.cfg.frames, lab.cfg.policy,
		lab.cfg.tlb_window, lab.cfg.evict_batch,
		(unsigned long long)st.pages_resident,
		(unsigned long long)st.store_pages,
		(unsigned long long)st.evictions,
		(unsigned long long)st.swap_outs,
		(unsigned long long)st.swap_ins,
		(unsigned long long)st.io_errors,
		(unsigned long long)st.fault_errors);
}

/*
 * Compare @len bytes of @have, which should hold instance bytes from
 * @pgoff * ps + @off on, with the shadow: fail at the first difference.
 * @how names the path the bytes came by.
 */
static void check_bytes(const void *have, size_t pgoff, size_t off, size_t len,
			const char *how)
{
	const unsigned char *want = shadow_at(pgoff) + off;
	long at;
	int sig;

	n_checks += (len + ps - 1) / ps;
	at = guarded_cmp(have, want, len, &sig);
	if (sig) {
		report_page(pgoff + (off + ((char *)guard_addr - (char *)have)) / ps);
		fail("%s: signal %d reading vmlab memory at %p (instance pages %zu+)",
		     how, sig, guard_addr, pgoff);
	}
	if (at < 0)
		return;
	{
		size_t byte = off + at, pg = pgoff + byte / ps;
		const unsigned char *h = have;

		report_page(pg);
		fail("%s: MISMATCH in page %zu at offset %zu: has %#04x, the shadow %#04x",
		     how, pg, byte % ps, h[at], want[at]);
	}
}

/* Check the pages of mapping @m from @first for @n pages, as loads do. */
static void check_map(const struct map *m, size_t first, size_t n, const char *how)
{
	check_bytes(m->addr + first * ps, m->pgoff + first, 0, n * ps, how);
}

/* --------------------------------------------------- choosing ranges */

/* A mapping whose prot includes @prot, or NULL. */
static struct map *pick_map(int prot)
{
	int i, cand[FUZZ_MAPS], n = 0;

	for (i = 0; i < lab.nmaps; i++)
		if ((lab.maps[i].prot & prot) == prot)
			cand[n++] = i;
	return n ? &lab.maps[cand[below(n)]] : NULL;
}

/* pick_map(@prot), or NULL after noting that @op found none */
static struct map *pick_map_for(const char *op, int prot)
{
	struct map *m = pick_map(prot);

	if (!m)
		note("%s: no %s mapping", op,
		     prot & PROT_WRITE ? "writable" : "readable");
	return m;
}

/* A random run of 1..@max pages of @m: its first page (in @m) and length */
static void pick_pages(const struct map *m, size_t max, size_t *first, size_t *n)
{
	*n = 1 + below(max < m->npages ? max : m->npages);
	*first = below(m->npages - *n + 1);
}

/* --------------------------------------------------- user loads/stores */

static void fill_pages(unsigned char *buf, size_t n)
{
	size_t i, off, len;

	for (i = 0; i < n; i++) {
		unsigned char *p = buf + i * ps;

		switch (below(3)) {
		case 0:
			fill_random(p, ps);
			break;
		case 1:
			off = below(ps);
			len = 1 + below(ps - off);
			fill_random(p + off, len);
			break;
		default:
			fill_random(p, 8);
			fill_random(p + ps - 8, 8);
			break;
		}
	}
}

static void op_user_write(void)
{
	struct map *m = pick_map_for("user_write", PROT_READ | PROT_WRITE);
	size_t first, n, i;
	unsigned char *buf;
	int sig;

	if (!m)
		return;
	pick_pages(m, FUZZ_XFER_PAGES, &first, &n);
	note("user_write pages %zu+%zu via %p", m->pgoff + first, n, m->addr);
	buf = malloc(n * ps);
	memcpy(buf, shadow_at(m->pgoff + first), n * ps);
	fill_pages(buf, n);
	for (i = 0; i < n; i++) {
		sig = guarded_copy(m->addr + (first + i) * ps, buf + i * ps, ps);
		if (sig) {
			report_page(m->pgoff + first + i);
			fail("user store: signal %d at %p (page %zu)", sig,
			     guard_addr, m->pgoff + first + i);
		}
		memcpy(shadow_at(m->pgoff + first + i), buf + i * ps, ps);
	}
	free(buf);
	check_map(m, first, n, "user load after store");
}

static void op_user_read(void)
{
	struct map *m = pick_map_for("user_read", PROT_READ);
	size_t first, n;

	if (!m)
		return;
	if (chance(20)) {
		first = 0;
		n = m->npages;
	} else {
		pick_pages(m, FUZZ_XFER_PAGES, &first, &n);
	}
	note("user_read pages %zu+%zu via %p", m->pgoff + first, n, m->addr);
	check_map(m, first, n, "user load");
}

/* ------------------------------------------ kernel access: helpers */

/*
 * Write (@out) or read all of @buf to or from @fd at @off (or the file
 * position when @off < 0): @len, or -errno (-EIO at an end of file).
 */
static ssize_t rw_all(int fd, char *buf, size_t len, off_t off, bool out)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (off >= 0)
			n = out ? pwrite(fd, buf + done, len - done, off + done) :
			    pread(fd, buf + done, len - done, off + done);
		else
			n = out ? write(fd, buf + done, len - done) :
			    read(fd, buf + done, len - done);
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;
		done += n;
	}
	return done;
}

static ssize_t write_all(int fd, const void *buf, size_t len, off_t off)
{
	return rw_all(fd, (char *)buf, len, off, true);
}

static ssize_t read_all(int fd, void *buf, size_t len, off_t off)
{
	return rw_all(fd, buf, len, off, false);
}

static ssize_t pvm(pid_t pid, void *local, void *remote, size_t len, bool write)
{
	struct iovec l = { local, len }, r = { remote, len };
	ssize_t n;

	n = write ? process_vm_writev(pid, &l, 1, &r, 1, 0)
		  : process_vm_readv(pid, &l, 1, &r, 1, 0);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? n : -EIO;
}

static ssize_t aio_rw(int fd, void *buf, size_t len, off_t off, bool write)
{
	static aio_context_t ctx;
	struct iocb cb, *cbs[1] = { &cb };
	struct io_event ev;

	if (!ctx && syscall(__NR_io_setup, 4, &ctx))
		return -errno;
	memset(&cb, 0, sizeof(cb));
	cb.aio_fildes = fd;
	cb.aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
	cb.aio_buf = (uintptr_t)buf;
	cb.aio_nbytes = len;
	cb.aio_offset = off;
	if (syscall(__NR_io_submit, ctx, 1, cbs) != 1)
		return -errno;
	if (syscall(__NR_io_getevents, ctx, 1, 1, &ev, NULL) != 1)
		return -errno;
	if ((long long)ev.res < 0)
		return ev.res;
	return ev.res == (__s64)len ? (ssize_t)len : -EIO;
}

static struct {
	int fd;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
} ur = { .fd = -1 };

static int uring_init(void)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	ur.fd = syscall(__NR_io_uring_setup, 4, &p);
	if (ur.fd < 0)
		return -errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sq_len = cq_len = sq_len > cq_len ? sq_len : cq_len;
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  ur.fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -errno;
	cq = sq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, ur.fd, IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			return -errno;
	}
	ur.sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ur.fd,
		       IORING_OFF_SQES);
	if (ur.sqes == MAP_FAILED)
		return -errno;
	ur.sq_head = (unsigned int *)(sq + p.sq_off.head);
	ur.sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	ur.sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	ur.sq_array = (unsigned int *)(sq + p.sq_off.array);
	ur.cq_head = (unsigned int *)(cq + p.cq_off.head);
	ur.cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	ur.cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	ur.cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

static ssize_t uring_rw(int fd, void *buf, size_t len, off_t off, bool write)
{
	unsigned int tail, head, idx;
	struct io_uring_sqe *sqe;
	int ret, res;

	if (ur.fd < 0) {
		ret = uring_init();
		if (ret)
			return ret;
	}
	tail = *ur.sq_tail;
	idx = tail & *ur.sq_mask;
	sqe = &ur.sqes[idx];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = write ? IORING_OP_WRITE : IORING_OP_READ;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)buf;
	sqe->len = len;
	sqe->off = off;
	ur.sq_array[idx] = idx;
	__atomic_store_n(ur.sq_tail, tail + 1, __ATOMIC_RELEASE);
	ret = syscall(__NR_io_uring_enter, ur.fd, 1, 1, IORING_ENTER_GETEVENTS,
		      NULL, 0);
	if (ret < 0)
		return -errno;
	head = __atomic_load_n(ur.cq_head, __ATOMIC_ACQUIRE);
	if (head == __atomic_load_n(ur.cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	res = ur.cqes[head & *ur.cq_mask].res;
	__atomic_store_n(ur.cq_head, head + 1, __ATOMIC_RELEASE);
	if (res < 0)
		return res;
	return res == (int)len ? (ssize_t)len : -EIO;
}

/* --------------------------------------- kernel writes into vmlab */

enum kwrite_method {
	KW_PVM, KW_PROCMEM, KW_FILE_READ, KW_PIPE_READ, KW_VMSPLICE_READ,
	KW_RECV, KW_DIRECT_READ, KW_AIO_READ, KW_URING_READ, KW_MAX,
};

static const char *const kw_name[KW_MAX] = {
	"process_vm_writev", "pwrite(/proc/self/mem)", "read(tmpfs file)",
	"read(pipe)", "vmsplice(pipe->vmlab)", "recv(socketpair)",
	"O_DIRECT read(ext4)", "AIO read", "io_uring read",
};

/* Whether @method needs whole, aligned pages */
static bool kw_aligned(int method)
{
	return method == KW_DIRECT_READ ||
	       (method == KW_AIO_READ && scratch_direct >= 0);
}

static int pipe_pair(int fds[2], bool sock)
{
	if (sock)
		return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) ? -errno : 0;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	/* every transfer fits: no writer blocks */
	fcntl(fds[0], F_SETPIPE_SZ, (FUZZ_XFER_PAGES + 1) * ps);
	return 0;
}

/* A call that must move @len bytes at once returned @ret: it, or -errno,
 * or -EIO if it moved fewer */
static ssize_t whole(ssize_t ret, size_t len)
{
	return ret < 0 ? -errno : ret == (ssize_t)len ? ret : -EIO;
}

/* @src..+@len written to @fd at @off and read back into @dst */
static ssize_t via_file(int fd, void *dst, const void *src, size_t len,
			off_t off)
{
	ssize_t ret = write_all(fd, src, len, off);

	return ret < 0 ? ret : read_all(fd, dst, len, off);
}

/* How chunked() moves bytes out of a pipe or socket */
enum chunk_op {
	CHUNK_VMSPLICE,		/* into @buf, vmsplice() */
	CHUNK_RECV,		/* into @buf, recv() */
	CHUNK_SPLICE,		/* to scratch_tmp from offset 0, splice() */
};

/*
 * Move @len bytes out of @fd with @op, a chunk at a time until all have
 * moved: the last chunk's size, or -errno (-EIO if one moved nothing).
 */
static ssize_t chunked(enum chunk_op op, int fd, char *buf, size_t len)
{
	struct iovec iov;
	size_t done = 0;
	ssize_t ret = 0;
	loff_t o = 0;

	while (done < len) {
		switch (op) {
		case CHUNK_VMSPLICE:
			iov.iov_base = buf + done;
			iov.iov_len = len - done;
			ret = vmsplice(fd, &iov, 1, 0);
			break;
		case CHUNK_RECV:
			ret = recv(fd, buf + done, len - done, 0);
			break;
		case CHUNK_SPLICE:
			ret = splice(fd, NULL, scratch_tmp, &o, len - done, 0);
			break;
		}
		if (ret <= 0)
			return ret ? -errno : -EIO;
		done += ret;
	}
	return ret;
}

/* Bytes @src..+@len land at vmlab address @dst by @method: 0 or -errno */
static ssize_t kernel_write(int method, char *dst, const void *src, size_t len)
{
	int fds[2], fd;
	ssize_t ret;

	switch (method) {
	case KW_PVM:
		return pvm(getpid(), (void *)src, dst, len, true);
	case KW_PROCMEM:
		return whole(pwrite(self_mem, src, len, (off_t)(uintptr_t)dst), len);
	case KW_FILE_READ:
		return via_file(scratch_tmp, dst, src, len, 0);
	case KW_PIPE_READ:
	case KW_RECV:
	case KW_VMSPLICE_READ:
		ret = pipe_pair(fds, method == KW_RECV);
		if (ret)
			return ret;
		ret = write_all(fds[1], src, len, -1);
		if (ret >= 0 && method == KW_VMSPLICE_READ) {
			ret = chunked(CHUNK_VMSPLICE, fds[0], dst, len);
		} else if (ret >= 0 && method == KW_RECV) {
			ret = chunked(CHUNK_RECV, fds[0], dst, len);
		} else if (ret >= 0) {
			ret = read_all(fds[0], dst, len, -1);
		}
		close(fds[0]);
		close(fds[1]);
		return ret;
	case KW_DIRECT_READ:
	case KW_AIO_READ:
	case KW_URING_READ:
		fd = scratch_ext4 >= 0 ? scratch_ext4 : scratch_tmp;
		ret = write_all(fd, src, len, 0);
		if (ret < 0)
			return ret;
		if (method == KW_DIRECT_READ)
			return read_all(scratch_direct, dst, len, 0);
		if (method == KW_AIO_READ)
			return aio_rw(scratch_direct >= 0 ? scratch_direct : fd,
				      dst, len, 0, false);
		return uring_rw(fd, dst, len, 0, false);
	}
	return -EINVAL;
}

/* Optional system calls: a kernel without one skips the operation. */
enum feature { F_NONE, F_PVM, F_AIO, F_URING, F_MAX };

static bool have[F_MAX] = { true, true, true, true };
static const char *const feature_name[F_MAX] = {
	"", "process_vm_readv/writev", "AIO", "io_uring",
};

static enum feature kw_feature(int method)
{
	return method == KW_PVM ? F_PVM : method == KW_AIO_READ ? F_AIO :
	       method == KW_URING_READ ? F_URING : F_NONE;
}

/* Whether a failure with @ret means @f is missing: then skip, and remember. */
static bool skipped_nosys(enum feature f, ssize_t ret)
{
	if (f == F_NONE || (ret != -ENOSYS && ret != -EOPNOTSUPP))
		return false;
	if (have[f])
		printf("# fuzz: %s: %s: skipping it\n", feature_name[f],
		       strerror((int)-ret));
	have[f] = false;
	note_more(" (%s: skipped)", strerror((int)-ret));
	n_skipped++;
	return true;
}

/*
 * The bytes of @n pages a transfer covers: all of them, or (unless the
 * method needs alignment) half the time a random span that may start and
 * end inside a page.
 */
static void pick_span(size_t n, bool aligned, size_t *off, size_t *len)
{
	*off = 0;
	*len = n * ps;
	if (!aligned && chance(50)) {
		*off = below(ps);
		*len = 1 + below(n * ps - *off);
	}
}

static void kernel_range(struct map *m, size_t first, size_t n, int method,
			 bool aligned, bool write);

static int pick_kw_method(void)
{
	int method;

	do
		method = below(KW_MAX);
	while (!have[kw_feature(method)] ||
	       (method == KW_DIRECT_READ && scratch_direct < 0));
	return method;
}

static void op_kwrite(void)
{
	struct map *m = pick_map_for("kwrite", PROT_READ | PROT_WRITE);
	size_t first, n;
	int method;

	if (!m)
		return;
	method = pick_kw_method();
	pick_pages(m, FUZZ_XFER_PAGES, &first, &n);
	note("kwrite pages %zu+%zu", m->pgoff + first, n);
	kernel_range(m, first, n, method, kw_aligned(method), true);
}

/*
 * A kernel access over several pages that are not resident, with few
 * frames: get_user_pages() faults (and pins) them one by one, so a later
 * fault's eviction meets an earlier, pinned page.
 */
static void op_gup_multi(void)
{
	static const int methods[] = {
		KW_PVM, KW_PROCMEM, KW_DIRECT_READ, KW_VMSPLICE_READ, KW_AIO_READ,
	};
	struct map *m = pick_map(PROT_READ | PROT_WRITE);
	size_t first, n;
	int method;

	if (!m || m->npages < 2) {
		note("gup_multi: no writable mapping of 2+ pages");
		return;
	}
	do
		method = methods[below(sizeof(methods) / sizeof(methods[0]))];
	while (!have[kw_feature(method)] ||
	       (method == KW_DIRECT_READ && scratch_direct < 0));
	n = 2 + below((m->npages < 6 ? m->npages : 6) - 1);
	first = below(m->npages - n + 1);
	note("gup_multi pages %zu+%zu, frames %llu, evict all first", m->pgoff + first,
	     n, (unsigned long long)lab.cfg.frames);
	evict(true, 0, 0, NULL);
	kernel_range(m, first, n, method, true, true);
	/* read back from the start: a lost page comes back from the store */
	evict(true, 0, 0, NULL);
	check_map(m, first, n, "load after evict, after a multi-page kernel write");
}

/* ------------------------------------------ kernel reads of vmlab */

enum kread_method {
	KR_PVM, KR_PROCMEM, KR_FILE_WRITE, KR_PIPE_WRITE, KR_VMSPLICE,
	KR_SPLICE_FILE, KR_SEND, KR_DIRECT_WRITE, KR_AIO_WRITE, KR_URING_WRITE,
	KR_BACKING_WRITE, KR_MAX,
};

static const char *const kr_name[KR_MAX] = {
	"process_vm_readv", "pread(/proc/self/mem)", "write(tmpfs file)",
	"write(pipe)", "vmsplice(vmlab->pipe)", "vmsplice+splice(pipe->file)",
	"send(socketpair)", "O_DIRECT write(ext4)", "AIO write",
	"io_uring write", "write(the backing file)",
};

static enum feature kr_feature(int method)
{
	return method == KR_PVM ? F_PVM : method == KR_AIO_WRITE ? F_AIO :
	       method == KR_URING_WRITE ? F_URING : F_NONE;
}

static bool kr_available(int method)
{
	if (method == KR_DIRECT_WRITE)
		return scratch_direct >= 0;
	if (method == KR_BACKING_WRITE)
		return lab.bfd >= 0;
	return have[kr_feature(method)];
}

static bool kr_aligned(int method)
{
	return method == KR_DIRECT_WRITE ||
	       (method == KR_AIO_WRITE && scratch_direct >= 0) ||
	       (method == KR_BACKING_WRITE && lab.backing == BK_EXT4_DIRECT);
}

/* Bytes at vmlab address @src..+@len, as the kernel reads them, into @dst */
static ssize_t kernel_read(int method, void *dst, char *src, size_t len)
{
	struct iovec iov = { src, len };
	int fds[2], fd;
	ssize_t ret;
	off_t off;

	switch (method) {
	case KR_PVM:
		return pvm(getpid(), dst, src, len, false);
	case KR_PROCMEM:
		return whole(pread(self_mem, dst, len, (off_t)(uintptr_t)src), len);
	case KR_FILE_WRITE:
		return via_file(scratch_tmp, dst, src, len, 0);
	case KR_PIPE_WRITE:
	case KR_SEND:
	case KR_VMSPLICE:
	case KR_SPLICE_FILE:
		ret = pipe_pair(fds, method == KR_SEND);
		if (ret)
			return ret;
		if (method == KR_VMSPLICE || method == KR_SPLICE_FILE) {
			ret = whole(vmsplice(fds[1], &iov, 1, 0), len);
		} else if (method == KR_SEND) {
			ret = whole(send(fds[1], src, len, 0), len);
		} else {
			ret = write_all(fds[1], src, len, -1);
		}
		if (ret >= 0 && method == KR_SPLICE_FILE) {
			ret = chunked(CHUNK_SPLICE, fds[0], NULL, len);
			if (ret >= 0)
				ret = read_all(scratch_tmp, dst, len, 0);
		} else if (ret >= 0) {
			ret = read_all(fds[0], dst, len, -1);
		}
		close(fds[0]);
		close(fds[1]);
		return ret;
	case KR_DIRECT_WRITE:
	case KR_AIO_WRITE:
	case KR_URING_WRITE:
		fd = scratch_ext4 >= 0 ? scratch_ext4 : scratch_tmp;
		if (method == KR_DIRECT_WRITE)
			ret = write_all(scratch_direct, src, len, 0);
		else if (method == KR_AIO_WRITE)
			ret = aio_rw(scratch_direct >= 0 ? scratch_direct : fd,
				     src, len, 0, true);
		else
			ret = uring_rw(fd, src, len, 0, true);
		return ret < 0 ? ret : read_all(fd, dst, len, 0);
	case KR_BACKING_WRITE:
		/* past every page's slot: the task holds the backing inode */
		off = (off_t)(lab.npages + 1) * ps;
		return via_file(lab.bfd, dst, src, len, off);
	}
	return -EINVAL;
}

/*
 * Pages [@first, +@n) of @m written with random bytes by kernel_write()
 * (@write) or read by kernel_read() with @method, and checked.
 */
static void kernel_range(struct map *m, size_t first, size_t n, int method,
			 bool aligned, bool write)
{
	const char *name = write ? kw_name[method] : kr_name[method];
	size_t off, len;
	unsigned char *buf;
	ssize_t ret;
	char *at;

	pick_span(n, aligned, &off, &len);
	note_more(" %s off %zu len %zu", name, off, len);
	buf = aligned_alloc(ps, n * ps);
	at = m->addr + first * ps + off;
	if (write)
		fill_random(buf, len);
	ret = write ? kernel_write(method, at, buf, len) :
	      kernel_read(method, buf, at, len);
	if (ret < 0) {
		if (skipped_nosys(write ? kw_feature(method) : kr_feature(method),
				  ret)) {
			free(buf);
			return;
		}
		report_page(m->pgoff + first);
		fail("%s %s vmlab pages %zu+%zu: %s", name, write ? "into" : "of",
		     m->pgoff + first, n, strerror(-ret));
	}
	if (write)
		memcpy(shadow_at(m->pgoff + first) + off, buf, len);
	else
		check_bytes(buf, m->pgoff + first, off, len, name);
	free(buf);
	if (write)
		check_map(m, first, n, name);
}

/*
 * Does /proc/self/mem read a PROT_NONE page (FOLL_FORCE)?  Debian's 6.12
 * forces always; its 7.x only for a ptracer (CONFIG_PROC_MEM_FORCE_PTRACE),
 * where the read fails with EIO.
 */
static bool procmem_forces(void)
{
	static int forces = -1;
	char *p, c;
	int fd;

	if (forces >= 0)
		return forces;
	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	forces = p != MAP_FAILED && fd >= 0 && !mprotect(p, ps, PROT_NONE) &&
		 pread(fd, &c, 1, (off_t)(uintptr_t)p) == 1;
	if (fd >= 0)
		close(fd);
	if (p != MAP_FAILED)
		munmap(p, ps);
	return forces;
}

static void op_kread(void)
{
	struct map *m;
	size_t first, n;
	int method;

	do
		method = below(KR_MAX);
	while (!kr_available(method));
	/* /proc/PID/mem reads with FOLL_FORCE: a PROT_NONE mapping too */
	m = method == KR_PROCMEM && procmem_forces() && chance(30) ?
	    pick_map(PROT_NONE) : pick_map(PROT_READ);
	if (!m) {
		note("kread: no readable mapping");
		return;
	}
	pick_pages(m, FUZZ_XFER_PAGES, &first, &n);
	note("kread pages %zu+%zu prot %d", m->pgoff + first, n, m->prot);
	kernel_range(m, first, n, method, kr_aligned(method), false);
}

/*
 * vmsplice() vmlab pages into a pipe, which then holds references to them;
 * evict and fault other pages, then read the pipe: it must give the bytes
 * the pages held at the vmsplice().
 */
static void op_vsplice_hold(void)
{
	struct map *m = pick_map_for("vsplice_hold", PROT_READ), *w;
	size_t first, n, len, i;
	unsigned char *buf, *want;
	struct iovec iov;
	int fds[2], ret;

	if (!m)
		return;
	pick_pages(m, FUZZ_XFER_PAGES, &first, &n);
	len = n * ps;
	note("vsplice_hold pages %zu+%zu, then evict and write others",
	     m->pgoff + first, n);
	if (pipe_pair(fds, false))
		fail("pipe: %s", strerror(errno));
	iov.iov_base = m->addr + first * ps;
	iov.iov_len = len;
	if (vmsplice(fds[1], &iov, 1, 0) != (ssize_t)len)
		fail("vmsplice of vmlab pages %zu+%zu: %s", m->pgoff + first, n,
		     strerror(errno));
	want = malloc(len);
	memcpy(want, shadow_at(m->pgoff + first), len);
	evict(true, 0, 0, NULL);
	/* write pages outside the spliced range, as other faults would */
	w = pick_map(PROT_READ | PROT_WRITE);
	for (i = 0; w && i < w->npages; i++) {
		size_t pg = w->pgoff + i;

		if (pg >= m->pgoff + first && pg < m->pgoff + first + n)
			continue;
		fill_random(shadow_at(pg), 16);
		if (guarded_copy(w->addr + i * ps, shadow_at(pg), 16))
			fail("store to page %zu: signal at %p", pg, guard_addr);
	}
	buf = malloc(len);
	ret = read_all(fds[0], buf, len, -1);
	if (ret < 0)
		fail("read of the vmspliced pipe: %s", strerror(-ret));
	n_checks += n;
	if (memcmp(buf, want, len)) {
		for (i = 0; buf[i] == want[i]; i++)
			;
		fail("MISMATCH: the pipe vmspliced from page %zu has %#04x at byte %zu, the page held %#04x",
		     m->pgoff + first + i / ps, buf[i], i % ps, want[i]);
	}
	close(fds[0]);
	close(fds[1]);
	free(buf);
	free(want);
	check_map(m, first, n, "load after vmsplice and evictions");
}

/* --------------------------------------------------------- mappings */

static void map_add(char *addr, size_t pgoff, size_t npages, int prot,
		    bool locked)
{
	struct map *m = &lab.maps[lab.nmaps++];

	m->locked = locked;
	m->addr = addr;
	m->pgoff = pgoff;
	m->npages = npages;
	m->prot = prot;
}

static void map_del(struct map *m)
{
	*m = lab.maps[--lab.nmaps];
}

static char *lab_mmap(size_t pgoff, size_t npages, int prot, int flags)
{
	char *p = mmap(NULL, npages * ps, prot, MAP_SHARED | flags, lab.fd,
		       (off_t)(pgoff * ps));

	if (p == MAP_FAILED)
		fail("mmap of instance pages %zu+%zu (prot %d flags %#x): %s",
		     pgoff, npages, prot, flags, strerror(errno));
	return p;
}

static void op_mmap(void)
{
	static const int flags[] = { 0, MAP_POPULATE, MAP_LOCKED, MAP_POPULATE | MAP_LOCKED };
	size_t pgoff, n;
	int f, prot;

	if (lab.nmaps == FUZZ_MAPS) {
		note("mmap: %d mappings already", FUZZ_MAPS);
		return;
	}
	n = 1 + below(lab.npages);
	pgoff = below(lab.npages - n + 1);
	f = flags[below(4)];
	prot = chance(80) ? PROT_READ | PROT_WRITE : PROT_READ;
	note("mmap pages %zu+%zu prot %d flags %#x", pgoff, n, prot, f);
	map_add(lab_mmap(pgoff, n, prot, f), pgoff, n, prot, f & MAP_LOCKED);
	note_more(" at %p", lab.maps[lab.nmaps - 1].addr);
	if (f)
		check_map(&lab.maps[lab.nmaps - 1], 0, n, "load after MAP_POPULATE");
}

static void op_munmap(void)
{
	struct map *m;
	size_t k;

	if (lab.nmaps <= 1) {
		note("munmap: keeping the last mapping");
		return;
	}
	m = &lab.maps[below(lab.nmaps)];
	k = 1 + below(m->npages);
	if (k == m->npages) {
		note("munmap %p (pages %zu+%zu)", m->addr, m->pgoff, m->npages);
		if (munmap(m->addr, m->npages * ps))
			fail("munmap: %s", strerror(errno));
		map_del(m);
	} else if (chance(50)) {
		note("munmap the first %zu pages of %p (pages %zu+%zu)", k, m->addr,
		     m->pgoff, m->npages);
		if (munmap(m->addr, k * ps))
			fail("munmap: %s", strerror(errno));
		m->addr += k * ps;
		m->pgoff += k;
		m->npages -= k;
	} else {
		note("munmap the last %zu pages of %p (pages %zu+%zu)", k, m->addr,
		     m->pgoff, m->npages);
		if (munmap(m->addr + (m->npages - k) * ps, k * ps))
			fail("munmap: %s", strerror(errno));
		m->npages -= k;
	}
}

static void op_mremap(void)
{
	struct map *m;
	size_t n;
	char *p;

	if (!lab.nmaps)
		return;
	m = &lab.maps[below(lab.nmaps)];
	switch (below(3)) {
	case 0:		/* shrink */
		if (m->npages < 2) {
			note("mremap: a 1-page mapping does not shrink");
			return;
		}
		n = 1 + below(m->npages - 1);
		note("mremap %p shrink %zu -> %zu pages", m->addr, m->npages, n);
		p = mremap(m->addr, m->npages * ps, n * ps, 0);
		if (p != m->addr)
			fail("mremap shrink: %s", strerror(errno));
		m->npages = n;
		break;
	case 1:		/* move */
		note("mremap %p move %zu pages", m->addr, m->npages);
		p = mmap(NULL, m->npages * ps, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			fail("mmap: %s", strerror(errno));
		p = mremap(m->addr, m->npages * ps, m->npages * ps,
			   MREMAP_MAYMOVE | MREMAP_FIXED, p);
		if (p == MAP_FAILED)
			fail("mremap move: %s", strerror(errno));
		m->addr = p;
		note_more(" to %p", p);
		break;
	default:	/* growth: VM_DONTEXPAND refuses it */
		note("mremap %p grow %zu -> %zu pages (must fail)", m->addr,
		     m->npages, m->npages + 1);
		p = mremap(m->addr, m->npages * ps, (m->npages + 1) * ps,
			   MREMAP_MAYMOVE);
		if (p != MAP_FAILED)
			fail("mremap grew a vmlab mapping to %p", p);
		return;
	}
	if (m->prot & PROT_READ)
		check_map(m, 0, m->npages, "load after mremap");
}

static void op_mprotect(void)
{
	static const int prots[] = { PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE };
	struct map *m;
	int prot;

	if (!lab.nmaps)
		return;
	m = &lab.maps[below(lab.nmaps)];
	prot = prots[below(3)];
	note("mprotect %p (pages %zu+%zu) %d -> %d", m->addr, m->pgoff,
	     m->npages, m->prot, prot);
	if (mprotect(m->addr, m->npages * ps, prot))
		fail("mprotect: %s", strerror(errno));
	m->prot = prot;
	if (prot & PROT_READ)
		check_map(m, 0, m->npages, "load after mprotect");
}

static void op_madvise(void)
{
	static const struct {
		int advice;
		const char *name;
		int prot;
	} adv[] = {
		{ MADV_DONTNEED, "DONTNEED", PROT_NONE },
		{ MADV_WILLNEED, "WILLNEED", PROT_NONE },
		{ MADV_COLD, "COLD", PROT_NONE },
		{ MADV_PAGEOUT, "PAGEOUT", PROT_NONE },
		{ MADV_POPULATE_READ, "POPULATE_READ", PROT_READ },
		{ MADV_POPULATE_WRITE, "POPULATE_WRITE", PROT_READ | PROT_WRITE },
	};
	unsigned int a = below(sizeof(adv) / sizeof(adv[0]));
	struct map *m = pick_map(adv[a].prot);
	size_t first, n;

	if (m && m->locked && adv[a].advice == MADV_DONTNEED)
		m = NULL;	/* EINVAL on VM_LOCKED, as madvise(2) says */
	if (!m) {
		note("madvise %s: no mapping", adv[a].name);
		return;
	}
	pick_pages(m, m->npages, &first, &n);
	note("madvise %s pages %zu+%zu via %p", adv[a].name, m->pgoff + first, n,
	     m->addr);
	if (madvise(m->addr + first * ps, n * ps, adv[a].advice))
		fail("madvise %s: %s", adv[a].name, strerror(errno));
	if (m->prot & PROT_READ)
		check_map(m, first, n, "load after madvise");
}

static void op_mlock(void)
{
	struct map *m = pick_map_for("mlock", PROT_READ);
	size_t first, n;

	if (!m)
		return;
	pick_pages(m, m->npages, &first, &n);
	note("mlock+munlock pages %zu+%zu via %p", m->pgoff + first, n, m->addr);
	if (mlock(m->addr + first * ps, n * ps))
		fail("mlock: %s", strerror(errno));
	check_map(m, first, n, "load of mlocked pages");
	if (munlock(m->addr + first * ps, n * ps))
		fail("munlock: %s", strerror(errno));
}

/* ---------------------------------------------------------- the lab */

static void lab_final_check(void)
{
	char *p;

	if (!lab.shadow)
		return;
	/* a fresh mapping of everything: no stale PTE helps */
	p = lab_mmap(0, lab.npages, PROT_READ, 0);
	check_bytes(p, 0, 0, lab.npages * ps, "final load of the whole instance");
	munmap(p, lab.npages * ps);
}

static void lab_close(void)
{
	int i;

	for (i = 0; i < lab.nmaps; i++)
		munmap(lab.maps[i].addr, lab.maps[i].npages * ps);
	lab.nmaps = 0;
	if (lab.fd >= 0)
		close(lab.fd);
	if (lab.bfd >= 0)
		close(lab.bfd);
	free(lab.shadow);
	lab.shadow = NULL;
	lab.fd = lab.bfd = -1;
}

/* A file for kind @bk, opened read-write (@odirect: O_DIRECT): fd or -errno */
static int backing_file(enum backing_kind bk)
{
	int fd, flags = O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC;

	if (bk == BK_TMPFS || !opt.disk)
		snprintf(path_buf, sizeof(path_buf), "/tmp/vmlab-fuzz-backing-%d", getpid());
	else
		snprintf(path_buf, sizeof(path_buf), "%s/vmlab-fuzz-backing-%d",
			 opt.disk, getpid());
	if (bk == BK_EXT4_DIRECT && opt.disk)
		flags |= O_DIRECT;
	fd = open(path_buf, flags, 0600);
	if (fd < 0)
		return -errno;
	unlink(path_buf);
	return fd;
}

/* Whether this kernel lets the module flush TLBs: VMLAB_CFG_CLOCK_FLUSH works */
static bool clock_flush_ok(void)
{
	static int ok = -1;
	struct vmlab_info i = { .size = sizeof(i) };
	int fd;

	if (ok < 0) {
		fd = open("/dev/vmlab", O_RDONLY | O_CLOEXEC);
		ok = fd >= 0 && !ioctl(fd, VMLAB_GET_INFO, &i) &&
		     (i.flags & VMLAB_INFO_TLB_FLUSH);
		if (fd >= 0)
			close(fd);
	}
	return ok;
}

/* Every policy, and whether it needs the software TLB */
static const struct {
	__u32 policy;
	bool window;
} fuzz_policies[] = {
	{ VMLAB_POLICY_FIFO, false },
	{ VMLAB_POLICY_RANDOM, false },
	{ VMLAB_POLICY_CLOCK, false },
	{ VMLAB_POLICY_LRU_APPROX, false },
	{ VMLAB_POLICY_LRU, true },
	{ VMLAB_POLICY_MRU, true },
	{ VMLAB_POLICY_SIEVE, false },
	{ VMLAB_POLICY_S3FIFO, false },
	{ VMLAB_POLICY_SFIFO, true },
	{ VMLAB_POLICY_TWOQ, true },
	{ VMLAB_POLICY_WSCLOCK, false },
};

static void random_config(struct vmlab_config *c, size_t npages)
{
	unsigned int p = below(sizeof(fuzz_policies) / sizeof(fuzz_policies[0]));

	c->frames = chance(25) ? 0 : 1 + below(npages < 6 ? npages : 6);
	if (c->frames < opt.frames_min)
		c->frames = 0;
	c->policy = fuzz_policies[p].policy;
	c->tlb_window = chance(30) || fuzz_policies[p].window ? 1 + below(4) : 0;
	c->ws_window = chance(50) ? 0 : 1 + below(64);
	if (c->tlb_window && c->tlb_window < opt.window_min)
		c->tlb_window = opt.window_min;
	c->evict_batch = chance(70) ? below(2) : below(VMLAB_EVICT_BATCH_MAX + 1);
	/* the page daemon: evicts in a worker while faults run */
	c->low_watermark = c->high_watermark = 0;
	if (c->frames >= 2 && chance(30)) {
		c->low_watermark = 1 + below(c->frames - 1);
		c->high_watermark = c->low_watermark + 1 +
				    below(c->frames - c->low_watermark);
	}
	c->seed = rnd();
	c->event_mask = rnd() & VMLAB_EV_ALL;
	c->flags = rnd() & VMLAB_CFG_FLAGS;
	if (!clock_flush_ok())
		c->flags &= ~VMLAB_CFG_CLOCK_FLUSH;
}

/* A new instance: random size, configuration and backing store. */
static void lab_open(bool pinned_case)
{
	struct vmlab_config c;
	enum backing_kind bk;
	int ret;

	lab_final_check();
	lab_close();
	lab.gen++;
	lab.fd = open("/dev/vmlab", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (lab.fd < 0)
		fail("open /dev/vmlab: %s", strerror(errno));
	lab.npages = 4 + below(FUZZ_MAX_PAGES - 3);
	lab.shadow = calloc(lab.npages, ps);
	lab.seq_valid = false;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.region_size = lab.npages * ps;
	c.ring_records = 1U << (4 + below(7));
	random_config(&c, lab.npages);
	bk = below(BK_KINDS);
	if (pinned_case) {
		/* what get_user_pages() over several pages meets */
		c.frames = 1 + below(2);
		if (c.frames < opt.frames_min)
			c.frames = 0;
		c.low_watermark = c.high_watermark = 0;
		bk = opt.disk ? BK_EXT4 : BK_TMPFS;
	}
	if (bk == BK_EXT4_DIRECT && opt.no_odirect_backing)
		bk = BK_EXT4;
	if ((bk == BK_EXT4 || bk == BK_EXT4_DIRECT) && !opt.disk)
		bk = BK_TMPFS;
	note("new instance %u: %zu pages, frames %llu, policy %u, window %u, batch %u, daemon %u-%u, events %#llx, flags %#x, ring %u, backing %s",
	     lab.gen, lab.npages, (unsigned long long)c.frames, c.policy,
	     c.tlb_window, c.evict_batch, c.low_watermark, c.high_watermark,
	     (unsigned long long)c.event_mask, c.flags, c.ring_records,
	     backing_name[bk]);
	ret = lab_ioctl(VMLAB_SET_CONFIG, &c);
	if (ret)
		fail("VMLAB_SET_CONFIG of a valid configuration: %s", strerror(-ret));
	lab.backing = BK_MEMORY;
	lab.bfd = -1;
	if (bk != BK_MEMORY) {
		lab.bfd = backing_file(bk);
		if (lab.bfd < 0)
			fail("backing file %s: %s", path_buf, strerror(-lab.bfd));
		ret = set_backing_fd(lab.bfd);
		ioctl_errno_check(VMLAB_SET_BACKING, ret, "SET_BACKING");
		if (ret) {
			/* refused with a documented errno: a choice, not a bug */
			note_more(" (refused: %s)", strerror(-ret));
			close(lab.bfd);
			lab.bfd = -1;
		} else {
			lab.backing = bk;
		}
	}
	get_config();
	map_add(lab_mmap(0, lab.npages, PROT_READ | PROT_WRITE, 0), 0,
		lab.npages, PROT_READ | PROT_WRITE, false);
}

static void op_new_lab(void)
{
	lab_open(false);
}

/* Evict everything, then apply a new random configuration. */
static void op_reconfig(void)
{
	struct vmlab_config c = lab.cfg;
	int ret;

	random_config(&c, lab.npages);
	note("reconfig frames %llu policy %u window %u batch %u daemon %u-%u events %#llx flags %#x",
	     (unsigned long long)c.frames, c.policy, c.tlb_window,
	     c.evict_batch, c.low_watermark, c.high_watermark,
	     (unsigned long long)c.event_mask, c.flags);
	evict(true, 0, 0, NULL);
	ret = lab_ioctl(VMLAB_SET_CONFIG, &c);
	ioctl_errno_check(VMLAB_SET_CONFIG, ret, "reconfig");
	if (ret && ret != -EBUSY)
		fail("SET_CONFIG of a valid configuration: %s", strerror(-ret));
	if (ret)
		note_more(" (EBUSY)");
	get_config();
}

/* Switch the backing store: allowed only while the store is empty. */
static void op_backing(void)
{
	enum backing_kind bk = below(BK_KINDS);
	struct vmlab_stats st = get_stats();
	int fd = -1, ret;

	if ((bk == BK_EXT4 || bk == BK_EXT4_DIRECT) && !opt.disk)
		bk = BK_TMPFS;
	if (bk == BK_EXT4_DIRECT && opt.no_odirect_backing)
		bk = BK_EXT4;
	note("set_backing %s (store holds %llu pages)", backing_name[bk],
	     (unsigned long long)st.store_pages);
	if (bk != BK_MEMORY) {
		fd = backing_file(bk);
		if (fd < 0)
			fail("backing file %s: %s", path_buf, strerror(-fd));
	}
	ret = set_backing_fd(bk == BK_MEMORY ? VMLAB_BACKING_MEMORY : (__u32)fd);
	ioctl_errno_check(VMLAB_SET_BACKING, ret, "SET_BACKING");
	if (!ret && st.store_pages)
		fail("SET_BACKING succeeded while the store held pages");
	if (ret) {
		note_more(" (%s)", strerror(-ret));
		if (fd >= 0)
			close(fd);
		return;
	}
	if (lab.bfd >= 0)
		close(lab.bfd);
	lab.bfd = fd;
	lab.backing = bk;
}

/* ----------------------------------------------------- plain ioctls */

static void op_evict(void)
{
	__u64 start, count, evicted;
	bool all = chance(30);
	int ret;

	start = below(lab.npages + 2);
	count = 1 + below(lab.npages);
	note("evict %s", all ? "all" : "");
	if (!all)
		note_more("pages %llu+%llu", (unsigned long long)start,
			  (unsigned long long)count);
	ret = evict(all, start, count, &evicted);
	note_more(": %s, %llu evicted", ret ? strerror(-ret) : "ok",
		  (unsigned long long)evicted);
	if (chance(50))
		lab_final_check();
}

static void check_resident(__u64 start, __u64 count)
{
	struct vmlab_resident r = { .size = sizeof(r), .start = start, .count = count };
	unsigned char *vec = calloc(count + 1, 1);
	__u64 i, n = 0, end;
	int ret;

	r.vec = (uintptr_t)vec;
	ret = lab_ioctl(VMLAB_RESIDENT, &r);
	if (ret)
		fail("VMLAB_RESIDENT %llu+%llu: %s", (unsigned long long)start,
		     (unsigned long long)count, strerror(-ret));
	end = start + count < lab.npages ? start + count : lab.npages;
	for (i = start; i < end; i++) {
		if (vec[i - start] & ~(VMLAB_PAGE_RESIDENT | VMLAB_PAGE_DIRTY |
				       VMLAB_PAGE_STORED | VMLAB_PAGE_WINDOW))
			fail("VMLAB_RESIDENT: unknown bits %#x for page %llu",
			     vec[i - start], (unsigned long long)i);
		n += !!(vec[i - start] & VMLAB_PAGE_RESIDENT);
	}
	if (n != r.resident)
		fail("VMLAB_RESIDENT: resident = %llu, the vector has %llu",
		     (unsigned long long)r.resident, (unsigned long long)n);
	free(vec);
}

static void op_ioctl(void)
{
	struct vmlab_stats st;
	__u64 sum;

	switch (below(4)) {
	case 0:
		note("get_stats");
		st = get_stats();
		sum = st.faults_zero + st.faults_minor + st.faults_upgrade +
		      st.faults_swapin + st.faults_soft + st.faults_cow;
		if (st.faults != sum)
			fail("VMLAB_GET_STATS: faults %llu, the kinds sum to %llu",
			     (unsigned long long)st.faults, (unsigned long long)sum);
		if (st.size != sizeof(st))
			fail("VMLAB_GET_STATS: size %u", st.size);
		break;
	case 1:
		note("resident");
		check_resident(below(lab.npages), 1 + below(lab.npages + 4));
		break;
	case 2:
		note("reset_stats");
		if (lab_ioctl(VMLAB_RESET_STATS, NULL))
			fail("VMLAB_RESET_STATS: %s", strerror(errno));
		break;
	default:
		note("get_info");
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (lab_ioctl(VMLAB_GET_INFO, &info))
			fail("VMLAB_GET_INFO: %s", strerror(errno));
		if (info.abi_version != VMLAB_ABI_VERSION || info.page_size != ps ||
		    info.record_size != sizeof(struct vmlab_event))
			fail("VMLAB_GET_INFO: abi %u page %u record %u", info.abi_version,
			     info.page_size, info.record_size);
	}
}

/* VMLAB_WALK of a page of a mapping: MAPPED means a present leaf. */
static void op_walk(void)
{
	struct vmlab_walk w = { .size = sizeof(w) };
	struct map *m;
	size_t pg;
	int ret;

	if (!lab.nmaps)
		return;
	m = &lab.maps[below(lab.nmaps)];
	pg = below(m->npages);
	w.addr = (uintptr_t)(m->addr + pg * ps + below(ps));
	note("walk page %zu via %p (prot %d)", m->pgoff + pg, m->addr, m->prot);
	if (m->prot & PROT_READ)
		check_map(m, pg, 1, "load before walk");
	ret = lab_ioctl(VMLAB_WALK, &w);
	if (ret)
		fail("VMLAB_WALK: %s", strerror(-ret));
	if (w.depth > VMLAB_LEVELS)
		fail("VMLAB_WALK: depth %u", w.depth);
	if ((w.flags & VMLAB_WALK_MAPPED) && !(w.flags & VMLAB_WALK_HUGE) &&
	    (w.depth != VMLAB_LEVELS || !(w.entry[VMLAB_PTE] & VMLAB_PTE_P)))
		fail("VMLAB_WALK says MAPPED (a present leaf) but depth %u, PTE %#llx (prot %d)",
		     w.depth, (unsigned long long)w.entry[VMLAB_PTE], m->prot);
}

/* Read records from the ring; check what the header promises of them. */
static void op_events(void)
{
	size_t cap = below(8) ? (1 + below(16)) * sizeof(struct vmlab_event) :
		     1 + below(sizeof(struct vmlab_event) - 1);
	struct vmlab_event *ev = malloc(cap + 1);
	ssize_t n;
	size_t i;

	note("read events, buffer %zu", cap);
	n = read(lab.fd, ev, cap);
	if (n < 0) {
		if (!fuzz_errno_ok(&fuzz_read_errnos, errno))
			fail("read of the ring: %s, which the header does not document",
			     strerror(errno));
		if (cap < sizeof(*ev) && errno != EINVAL)
			fail("read with a %zu-byte buffer: %s, not EINVAL", cap,
			     strerror(errno));
		free(ev);
		return;
	}
	if (cap < sizeof(*ev))
		fail("read with a %zu-byte buffer returned %zd", cap, n);
	if (n % sizeof(*ev))
		fail("read returned %zd bytes: not whole records", n);
	for (i = 0; i < n / sizeof(*ev); i++) {
		struct vmlab_event *e = &ev[i];
		__u64 seq = e->type == VMLAB_EV_LOST ? e->lost.first_seq : e->seq;

		if (e->size != sizeof(*e) || !e->type || e->type >= VMLAB_EV_MAX)
			fail("record seq %llu: type %u size %u",
			     (unsigned long long)e->seq, e->type, e->size);
		if (e->type == VMLAB_EV_LOST && e->seq != e->lost.first_seq)
			fail("LOST record: seq %llu, first_seq %llu",
			     (unsigned long long)e->seq,
			     (unsigned long long)e->lost.first_seq);
		if (lab.seq_valid && seq <= lab.last_seq)
			fail("record seq %llu after seq %llu", (unsigned long long)seq,
			     (unsigned long long)lab.last_seq);
		lab.last_seq = e->type == VMLAB_EV_LOST ?
			       e->lost.first_seq + e->lost.count - 1 : e->seq;
		lab.seq_valid = true;
	}
	note_more(": %zd records", n / (ssize_t)sizeof(*ev));
	free(ev);
}

/* ----------------------------------------------------- ioctl fuzzing */

struct fuzz_cmd {
	unsigned long cmd;
	size_t size;			/* 0: no argument */
	bool writes_out;		/* copies the structure back */
	size_t resv[4];			/* offsets of reserved fields */
	unsigned int nresv;
	size_t flags_off;		/* offset of a flags field, or 0 */
	__u64 known_flags;
	size_t first;			/* the first version's size, if it grew */
};

#define R(type, field) offsetof(struct type, field)

static const struct fuzz_cmd fuzz_cmds[] = {
	{ VMLAB_GET_INFO, sizeof(struct vmlab_info), true,
	  { R(vmlab_info, reserved) }, 1, 0, 0, 0 },
	{ VMLAB_SET_CONFIG, sizeof(struct vmlab_config), false,
	  { R(vmlab_config, reserved), R(vmlab_config, reserved) + 8 }, 2,
	  R(vmlab_config, flags), VMLAB_CFG_FLAGS, VMLAB_CONFIG_SIZE_VER0 },
	{ VMLAB_GET_CONFIG, sizeof(struct vmlab_config), true,
	  { R(vmlab_config, reserved) }, 1, 0, 0, VMLAB_CONFIG_SIZE_VER0 },
	{ VMLAB_GET_STATS, sizeof(struct vmlab_stats), true,
	  { R(vmlab_stats, reserved0), R(vmlab_stats, reserved) }, 2, 0, 0,
	  VMLAB_STATS_SIZE_VER0 },
	{ VMLAB_WALK, sizeof(struct vmlab_walk), true,
	  { R(vmlab_walk, reserved0), R(vmlab_walk, reserved1),
	    R(vmlab_walk, reserved) }, 3, 0, 0, 0 },
	{ VMLAB_SET_BACKING, sizeof(struct vmlab_backing), false,
	  { R(vmlab_backing, reserved), R(vmlab_backing, reserved) + 8 }, 2, 0, 0,
	  0 },
	{ VMLAB_EVICT, sizeof(struct vmlab_evict), true,
	  { R(vmlab_evict, reserved) }, 1, R(vmlab_evict, flags), VMLAB_EVICT_FLAG_ALL,
	  0 },
	{ VMLAB_RESIDENT, sizeof(struct vmlab_resident), true,
	  { R(vmlab_resident, reserved) }, 1, R(vmlab_resident, flags),
	  VMLAB_RESIDENT_YOUNG, 0 },
	{ VMLAB_POLICY_STATE, sizeof(struct vmlab_policy_state), true,
	  { R(vmlab_policy_state, reserved) }, 1, 0, 0, 0 },
	{ VMLAB_PT, sizeof(struct vmlab_pt), true,
	  { R(vmlab_pt, reserved0), R(vmlab_pt, reserved) }, 2, 0, 0, 0 },
	{ VMLAB_SET_BPF_POLICY, sizeof(struct vmlab_bpf_policy), false,
	  { R(vmlab_bpf_policy, reserved), R(vmlab_bpf_policy, reserved) + 8 }, 2,
	  R(vmlab_bpf_policy, flags), 0, 0 },
};

/* A valid argument for @c in @buf (at least a page, zeroed). */
static void fuzz_valid_arg(const struct fuzz_cmd *c, unsigned char *buf)
{
	*(__u32 *)buf = c->size;
	switch (c->cmd) {
	case VMLAB_SET_CONFIG:
		memcpy(buf, &lab.cfg, sizeof(lab.cfg));
		break;
	case VMLAB_WALK:
		((struct vmlab_walk *)buf)->addr = rnd();
		break;
	case VMLAB_SET_BACKING:
		/* the store's own choice again when it is memory, else a bad fd */
		((struct vmlab_backing *)buf)->fd = lab.backing == BK_MEMORY ?
			VMLAB_BACKING_MEMORY : (__u32)-2;
		break;
	case VMLAB_EVICT:
		((struct vmlab_evict *)buf)->start = below(lab.npages + 8);
		((struct vmlab_evict *)buf)->count = 1 + below(lab.npages + 8);
		break;
	case VMLAB_RESIDENT:
		((struct vmlab_resident *)buf)->start = below(lab.npages);
		((struct vmlab_resident *)buf)->count = below(ps);
		((struct vmlab_resident *)buf)->vec = (uintptr_t)(buf + ps);
		break;
	case VMLAB_POLICY_STATE:
		((struct vmlab_policy_state *)buf)->count =
			below(ps / sizeof(struct vmlab_policy_entry) + 1);
		((struct vmlab_policy_state *)buf)->entries = (uintptr_t)(buf + ps);
		break;
	case VMLAB_SET_BPF_POLICY:
		/* no such ops (ENOENT), or no BPF policies here (EPROTONOSUPPORT) */
		((struct vmlab_bpf_policy *)buf)->name = (uintptr_t)(chance(50) ?
			"fuzz_no_such" : "");
		break;
	case VMLAB_PT:
		/* this process: a range below the top of 4-level user space, or all */
		if (below(2)) {
			((struct vmlab_pt *)buf)->start = rnd() & ((1ULL << 46) - 1);
			((struct vmlab_pt *)buf)->end = ((struct vmlab_pt *)buf)->start +
							1 + below(1ULL << 40);
		}
		break;
	}
}

/* Scratch memory for arguments: 2 pages, then a hole, then a read-only page */
static unsigned char *arg_area;

static void op_ioctl_fuzz(void)
{
	const struct fuzz_cmd *c = &fuzz_cmds[below(sizeof(fuzz_cmds) / sizeof(fuzz_cmds[0]))];
	unsigned char *buf = arg_area;
	unsigned long cmd = c->cmd;
	int expect = 0, ret, kind;
	void *arg = buf;
	const char *what;
	size_t size;

	do
		kind = below(10);
	while ((kind == 5 && !c->flags_off) || (kind == 7 && !c->writes_out));
	memset(buf, 0, 2 * ps);
	fuzz_valid_arg(c, buf);
	switch (kind) {
	case 0:
		/* an earlier version's size is accepted: below the first */
		size = below(c->first ?: c->size);
		*(__u32 *)buf = size;
		what = "size smaller";
		expect = EINVAL;
		break;
	case 1:
		size = c->size + 1 + below(ps - c->size);
		*(__u32 *)buf = size;
		what = "size larger, zero tail";
		break;
	case 2:
		size = c->size + 1 + below(ps - c->size);
		*(__u32 *)buf = size;
		buf[c->size + below(size - c->size)] = 1 + below(255);
		what = "size larger, non-zero tail";
		expect = E2BIG;
		break;
	case 3:
		size = ps + 1 + below(1U << 20);
		*(__u32 *)buf = chance(10) ? UINT32_MAX : size;
		what = "size above a page";
		expect = E2BIG;
		break;
	case 4:
		buf[c->resv[below(c->nresv)] + below(4)] = 1 + below(255);
		what = "reserved field not zero";
		expect = EINVAL;
		break;
	case 5:
		*(__u32 *)(buf + c->flags_off) |= 1U << (31 - below(8));
		what = "unknown flag bit";
		expect = EINVAL;
		break;
	case 6: {
		static const uintptr_t bad[] = {
			0, 1, 0xffff888000000000ULL, 0xfffffffffffff000ULL,
		};
		unsigned int k = below(6);

		if (k < 4)
			arg = (void *)bad[k];
		else if (k == 4)	/* the hole after the area */
			arg = arg_area + 2 * ps;
		else			/* straddles into the hole */
			arg = arg_area + 2 * ps - 4, memcpy(arg, &c->size, 4);
		what = "bad pointer";
		expect = EFAULT;
		break;
	}
	case 7:
		/* a read-only argument for a command that writes it back */
		memcpy(arg_area + 3 * ps, buf, c->size);
		mprotect(arg_area + 3 * ps, ps, PROT_READ);
		arg = arg_area + 3 * ps;
		what = "read-only argument";
		expect = EFAULT;
		break;
	case 8:
		switch (below(4)) {
		case 0:
			cmd = _IOWR(VMLAB_IOC_MAGIC, 0x0c + below(0xf4), struct vmlab_info);
			break;
		case 1:
			cmd = _IOC(_IOC_DIR(c->cmd), VMLAB_IOC_MAGIC, _IOC_NR(c->cmd),
				   below(c->size));
			break;
		case 2:
			cmd = _IOC(_IOC_DIR(c->cmd) ^ (1 + below(3)), VMLAB_IOC_MAGIC,
				   _IOC_NR(c->cmd), c->size);
			break;
		default:
			cmd = rnd() & 0xffffffff;
			if (ioctl_index(cmd) >= 0)
				cmd ^= 0x80;
		}
		what = "unknown command";
		expect = ENOTTY;
		break;
	default:
		what = "valid";
		break;
	}
	if (cmd == VMLAB_RESIDENT && kind != 6)
		((struct vmlab_resident *)buf)->vec = (uintptr_t)(arg_area + ps);
	if (cmd == VMLAB_POLICY_STATE && kind != 6)
		((struct vmlab_policy_state *)buf)->entries = (uintptr_t)(arg_area + ps);
	note("ioctl_fuzz %#lx (%s): %s", cmd,
	     ioctl_index(cmd) >= 0 ? fuzz_ioctl_errnos[ioctl_index(cmd)].call : "?",
	     what);
	ret = lab_ioctl(cmd, arg);
	if (kind == 7)
		mprotect(arg_area + 3 * ps, ps, PROT_READ | PROT_WRITE);
	note_more(" -> %s", ret ? strerror(-ret) : "0");
	ioctl_errno_check(cmd, ret, what);
	if (expect && ret != -expect)
		fail("ioctl %#lx with %s gave %s, not %s", cmd, what,
		     ret ? strerror(-ret) : "success", strerror(expect));
	if (!expect && cmd == VMLAB_SET_BACKING && lab.backing != BK_MEMORY && !ret)
		fail("VMLAB_SET_BACKING accepted fd %u", ((struct vmlab_backing *)buf)->fd);
	if (!ret && c->writes_out && cmd != VMLAB_EVICT && arg == buf &&
	    *(__u32 *)buf != c->size)
		fail("ioctl %#lx wrote back size %u, not %zu", cmd, *(__u32 *)buf,
		     c->size);
	/* a SET_CONFIG that passed changed nothing: it was the current one */
	get_config();
}

/* SET_BACKING with fds it must refuse */
static void op_bad_backing(void)
{
	int fds[2], fd = -1, ret, expect[2] = { EINVAL, 0 };
	const char *what;

	switch (below(5)) {
	case 0:
		what = "a pipe";
		if (pipe2(fds, O_CLOEXEC))
			fail("pipe: %s", strerror(errno));
		fd = fds[0];
		close(fds[1]);
		break;
	case 1:
		what = "an O_RDONLY file";
		fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		expect[0] = EACCES;
		break;
	case 2:
		what = "an O_APPEND file";
		snprintf(path_buf, sizeof(path_buf), "/tmp/vmlab-fuzz-append-%d", getpid());
		fd = open(path_buf, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		unlink(path_buf);
		break;
	case 3:
		what = "the vmlab fd";
		fd = dup(lab.fd);
		break;
	default:
		what = "a closed fd";
		fd = dup(0);
		close(fd);
		expect[0] = EBADF;
		break;
	}
	note("set_backing to %s (must fail)", what);
	ret = set_backing_fd(fd);
	note_more(" -> %s", ret ? strerror(-ret) : "0");
	ioctl_errno_check(VMLAB_SET_BACKING, ret, what);
	if (!ret)
		fail("VMLAB_SET_BACKING accepted %s", what);
	/* a full store refuses any switch first */
	if (-ret != expect[0] && ret != -EBUSY)
		fail("VMLAB_SET_BACKING of %s gave %s, not %s", what, strerror(-ret),
		     strerror(expect[0]));
	if (expect[0] != EBADF)
		close(fd);
}

static void op_bad_mmap(void)
{
	int which = below(4), expect;
	size_t len = ps, off = 0;
	int flags = MAP_SHARED;
	void *p;

	switch (which) {
	case 0:
		len = 0;
		expect = EINVAL;
		break;
	case 1:
		len = (lab.npages + 1 + below(4)) * ps;
		expect = EFBIG;
		break;
	case 2:
		off = (lab.npages - below(2)) * ps;
		len = 2 * ps;
		expect = ENXIO;
		break;
	default:
		op_bad_backing();
		return;
	}
	note("mmap flags %#x len %zu off %zu (must fail: %s)", flags, len, off,
	     strerror(expect));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, lab.fd, off);
	if (p != MAP_FAILED)
		fail("mmap succeeded");
	if (!fuzz_errno_ok(&fuzz_mmap_errnos, errno))
		fail("mmap: %s, which the header does not document", strerror(errno));
	if (errno != expect)
		fail("mmap: %s, not %s", strerror(errno), strerror(expect));
}

/* An instance opened O_RDONLY maps PROT_READ, MAP_SHARED: its pages read 0. */
static void op_rdonly(void)
{
	int fd = open("/dev/vmlab", O_RDONLY | O_CLOEXEC);
	struct vmlab_config c = { .size = sizeof(c) };
	char *p;

	note("open O_RDONLY, mmap PROT_READ MAP_SHARED");
	if (fd < 0)
		fail("open /dev/vmlab O_RDONLY: %s", strerror(errno));
	c.region_size = 4 * ps;
	c.ring_records = 16;
	n_ioctls++;
	if (ioctl(fd, VMLAB_SET_CONFIG, &c))
		fail("SET_CONFIG on an O_RDONLY instance: %s", strerror(errno));
	p = mmap(NULL, 4 * ps, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		fail("mmap(PROT_READ, MAP_SHARED) of an O_RDONLY instance: %s",
		     strerror(errno));
	n_checks += 4;
	if (p[0] || p[3 * ps + ps - 1])
		fail("an O_RDONLY instance's new page is not zero");
	munmap(p, 4 * ps);
	close(fd);
}

/* -------------------------------------------------- fork and threads */

/*
 * A child checks a mapping, stores into it, then lets the parent write
 * into its address space (process_vm_writev, /proc/PID/mem) and checks
 * that.  The pages are shared: the parent's shadow takes both.
 */
static void op_fork(void)
{
	struct map *m = pick_map_for("fork", PROT_READ | PROT_WRITE);
	size_t f1, n1, f2, n2, i;
	unsigned char *d1, *d2, *buf;
	int up[2], down[2], status;
	char ch;
	pid_t pid;
	ssize_t ret;
	bool via_pvm;

	if (!m)
		return;
	pick_pages(m, FUZZ_XFER_PAGES, &f1, &n1);
	pick_pages(m, FUZZ_XFER_PAGES, &f2, &n2);
	via_pvm = have[F_PVM] && chance(50);
	note("fork: child checks pages %zu+%zu, stores pages %zu+%zu; parent writes pages %zu+%zu by %s",
	     m->pgoff, m->npages, m->pgoff + f1, n1, m->pgoff + f2, n2,
	     via_pvm ? "process_vm_writev" : "/proc/PID/mem");
	d1 = malloc(n1 * ps);
	d2 = malloc(n2 * ps);
	fill_random(d1, n1 * ps);
	fill_random(d2, n2 * ps);
	if (pipe2(up, O_CLOEXEC) || pipe2(down, O_CLOEXEC))
		fail("pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid) {
		in_child = true;
		check_map(m, 0, m->npages, "child: load of an inherited mapping");
		for (i = 0; i < n1; i++)
			if (guarded_copy(m->addr + (f1 + i) * ps, d1 + i * ps, ps))
				fail("child: store: signal at %p", guard_addr);
		memcpy(shadow_at(m->pgoff + f1), d1, n1 * ps);
		check_map(m, f1, n1, "child: load after store");
		if (write(up[1], "r", 1) != 1 || read(down[0], &ch, 1) != 1)
			fail("child: pipe: %s", strerror(errno));
		memcpy(shadow_at(m->pgoff + f2), d2, n2 * ps);
		check_map(m, f2, n2, "child: load of what the parent wrote into it");
		_exit(0);
	}
	child_pid = pid;
	if (read(up[0], &ch, 1) != 1)
		fail("the child died before storing (pipe: %s)", strerror(errno));
	memcpy(shadow_at(m->pgoff + f1), d1, n1 * ps);
	ret = via_pvm ? pvm(pid, d2, m->addr + f2 * ps, n2 * ps, true) : -ENOSYS;
	if (via_pvm && ret < 0 && skipped_nosys(F_PVM, ret))
		via_pvm = false;
	if (!via_pvm) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fail("open %s: %s", path, strerror(errno));
		ret = pwrite(fd, d2, n2 * ps, (off_t)(uintptr_t)(m->addr + f2 * ps));
		ret = ret < 0 ? -errno : ret == (ssize_t)(n2 * ps) ? ret : -EIO;
		close(fd);
	}
	if (ret < 0)
		fail("write into the child's vmlab pages %zu+%zu: %s",
		     m->pgoff + f2, n2, strerror(-ret));
	memcpy(shadow_at(m->pgoff + f2), d2, n2 * ps);
	buf = malloc(m->npages * ps);
	ret = have[F_PVM] ? pvm(pid, buf, m->addr, m->npages * ps, false) : -ENOSYS;
	if (ret < 0 && !skipped_nosys(F_PVM, ret))
		fail("process_vm_readv of the child's mapping: %s", strerror(-ret));
	if (ret >= 0)
		check_bytes(buf, m->pgoff, 0, m->npages * ps,
			    "process_vm_readv of the child");
	free(buf);
	if (write(down[1], "d", 1) != 1)
		fail("pipe to the child: %s", strerror(errno));
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	child_pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child failed (status %#x): see its report above", status);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	free(d1);
	free(d2);
	check_map(m, 0, m->npages, "load after the child exited");
}

#define FUZZ_ROUNDS	4

struct worker {
	pthread_t th;
	char *addr;		/* its pages */
	size_t pgoff, npages;
	unsigned char *data[FUZZ_ROUNDS];
	int method[FUZZ_ROUNDS];
	char err[256];
	size_t bad_page;	/* the instance page of the error */
};

static const char *const worker_method[] = {
	"store", "process_vm_writev", "pwrite(/proc/self/mem)",
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	size_t len = w->npages * ps;
	int r, sig;
	long at;
	ssize_t ret;

	for (r = 0; r < FUZZ_ROUNDS; r++) {
		switch (w->method[r]) {
		case 0:
			sig = guarded_copy(w->addr, w->data[r], len);
			if (sig) {
				snprintf(w->err, sizeof(w->err),
					 "thread store to pages %zu+%zu: signal %d at %p",
					 w->pgoff, w->npages, sig, guard_addr);
				return NULL;
			}
			break;
		default:
			ret = w->method[r] == 1 ?
			      pvm(getpid(), w->data[r], w->addr, len, true) : -ENOSYS;
			if (ret == -ENOSYS) {
				w->method[r] = 2;
				ret = pwrite(self_mem, w->data[r], len,
					     (off_t)(uintptr_t)w->addr);
				if (ret < 0)
					ret = -errno;
			}
			if (ret != (ssize_t)len) {
				snprintf(w->err, sizeof(w->err),
					 "thread %s into pages %zu+%zu: %s",
					 w->method[r] == 1 ? "process_vm_writev" :
					 "pwrite(/proc/self/mem)", w->pgoff, w->npages,
					 ret < 0 ? strerror(-ret) : "short");
				return NULL;
			}
		}
		atomic_fetch_add(&progress, 1);
		at = guarded_cmp(w->addr, w->data[r], len, &sig);
		atomic_fetch_add(&n_checks_mt, w->npages);
		if (sig || at >= 0) {
			w->bad_page = w->pgoff + (at < 0 ? 0 : at) / ps;
			snprintf(w->err, sizeof(w->err),
				 "thread %s pages %zu+%zu after round %d (%s): %s at page %zu offset %zu: has %#04x, wrote %#04x",
				 sig ? "load of" : "MISMATCH in", w->pgoff, w->npages, r,
				 worker_method[w->method[r]],
				 sig ? "signal" : "differs", w->bad_page,
				 (size_t)(at < 0 ? 0 : at) % ps,
				 at < 0 ? 0 : ((unsigned char *)w->addr)[at],
				 at < 0 ? 0 : w->data[r][at]);
			return NULL;
		}
	}
	return NULL;
}

/*
 * Threads store into disjoint pages of one mapping (and write them by
 * process_vm_writev or /proc/self/mem) while the main thread evicts, reads
 * the stats and may switch the backing store.
 */
static void op_threads(void)
{
	struct map *m = pick_map(PROT_READ | PROT_WRITE);
	struct worker w[FUZZ_THREADS];
	size_t nt, per, i, r;
	bool switch_backing = chance(30);

	if (!m || m->npages < 2) {
		note("threads: no writable mapping of 2+ pages");
		return;
	}
	nt = 2 + below(FUZZ_THREADS - 1);
	if (nt > m->npages)
		nt = m->npages;
	per = m->npages / nt;
	if (per > FUZZ_XFER_PAGES)
		per = FUZZ_XFER_PAGES;
	note("threads: %zu threads x %zu pages of %p (pages %zu+)%s", nt, per,
	     m->addr, m->pgoff, switch_backing ? ", backing switched meanwhile" : "");
	for (i = 0; i < nt; i++) {
		w[i].addr = m->addr + i * per * ps;
		w[i].pgoff = m->pgoff + i * per;
		w[i].npages = per;
		w[i].err[0] = '\0';
		for (r = 0; r < FUZZ_ROUNDS; r++) {
			w[i].data[r] = malloc(per * ps);
			memcpy(w[i].data[r], shadow_at(w[i].pgoff), per * ps);
			fill_pages(w[i].data[r], per);
			do
				w[i].method[r] = below(3);
			while (w[i].method[r] == 1 && !have[F_PVM]);
		}
	}
	for (i = 0; i < nt; i++)
		if (pthread_create(&w[i].th, NULL, worker_run, &w[i]))
			fail("pthread_create: %s", strerror(errno));
	for (r = 0; r < 6; r++) {
		evict(!below(3), below(lab.npages), 1 + below(4), NULL);
		if (switch_backing && r == 2) {
			int ret = set_backing_fd(VMLAB_BACKING_MEMORY);

			ioctl_errno_check(VMLAB_SET_BACKING, ret, "SET_BACKING during faults");
			if (!ret && lab.bfd >= 0) {
				close(lab.bfd);
				lab.bfd = -1;
				lab.backing = BK_MEMORY;
			}
		}
		get_stats();
	}
	for (i = 0; i < nt; i++)
		pthread_join(w[i].th, NULL);
	for (i = 0; i < nt; i++) {
		if (!w[i].err[0])
			continue;
		report_page(w[i].bad_page);
		fail("%s", w[i].err);
	}
	for (i = 0; i < nt; i++) {
		memcpy(shadow_at(w[i].pgoff), w[i].data[FUZZ_ROUNDS - 1], per * ps);
		for (r = 0; r < FUZZ_ROUNDS; r++)
			free(w[i].data[r]);
	}
	check_map(m, 0, m->npages, "load after the threads");
}

struct racer {
	char *addr;
	size_t npages;
	atomic_bool stop;
	unsigned int rounds;
	int sig;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	size_t i;
	char v;

	while (!atomic_load(&r->stop)) {
		for (i = 0; i < r->npages; i++) {
			v = (char)r->rounds;
			r->sig = guarded_copy(r->addr + i * ps, &v, 1);
			if (r->sig)
				return NULL;
		}
		r->rounds++;
		atomic_fetch_add(&progress, 1);
	}
	return NULL;
}

/*
 * An instance of its own: a thread faults its pages in a loop (few frames)
 * while the main thread closes the fd, then (sometimes) unmaps the memory
 * under the thread, which must then take SIGSEGV, nothing worse.
 */
static void op_close_race(void)
{
	struct vmlab_config c = { .size = sizeof(c) };
	struct racer r = { .npages = 8 };
	bool unmap = chance(50);
	pthread_t th;
	size_t i;
	int fd;

	note("close_race: %s", unmap ? "close, then munmap under a faulting thread" :
	     "close while a thread faults");
	fd = open("/dev/vmlab", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail("open /dev/vmlab: %s", strerror(errno));
	c.region_size = r.npages * ps;
	c.ring_records = 16;
	c.frames = 1 + below(3);
	c.policy = below(VMLAB_POLICY_LRU);
	n_ioctls++;
	if (ioctl(fd, VMLAB_SET_CONFIG, &c))
		fail("SET_CONFIG: %s", strerror(errno));
	r.addr = mmap(NULL, r.npages * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r.addr == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	if (pthread_create(&th, NULL, racer_run, &r))
		fail("pthread_create");
	usleep(below(3000));
	close(fd);
	usleep(below(3000));
	if (unmap) {
		munmap(r.addr, r.npages * ps);
		usleep(1000);
	}
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	if (unmap) {
		if (r.sig && r.sig != SIGSEGV)
			fail("a store into unmapped vmlab memory: signal %d", r.sig);
		return;
	}
	if (r.sig)
		fail("a racing store: signal %d", r.sig);
	/* each page holds the last round that finished, or the one after */
	for (i = 0; i < r.npages && r.rounds; i++) {
		char v = r.addr[i * ps];

		n_checks++;
		if (v != (char)(r.rounds - 1) && v != (char)r.rounds)
			fail("close_race: page %zu holds %d after %u rounds", i, v, r.rounds);
	}
	munmap(r.addr, r.npages * ps);
}

/*
 * The full file system: the mount op_full_fs backs its instances with, a
 * tmpfs with room for FULL_FS_PAGES pages ("" until mounted; NULL when it
 * cannot be, e.g. not root).
 */
#define FULL_FS_PAGES	2
static char full_dir_buf[64];
static const char *full_dir = "";

static void full_fs_umount(void)
{
	if (full_dir && *full_dir) {
		umount2(full_dir, MNT_DETACH);
		rmdir(full_dir);
	}
}

static bool full_fs_ready(void)
{
	char opts[32];

	if (full_dir && !*full_dir) {
		snprintf(full_dir_buf, sizeof(full_dir_buf), "/tmp/vmlab-fuzz-full-%d",
			 getpid());
		snprintf(opts, sizeof(opts), "size=%zu", FULL_FS_PAGES * ps);
		if (mkdir(full_dir_buf, 0700) ||
		    mount("vmlab-fuzz", full_dir_buf, "tmpfs", 0, opts)) {
			printf("# fuzz: mount tmpfs on %s: %s: no full file system\n",
			       full_dir_buf, strerror(errno));
			rmdir(full_dir_buf);
			full_dir = NULL;
		} else {
			full_dir = full_dir_buf;
			atexit(full_fs_umount);
		}
	}
	return full_dir;
}

/*
 * An instance of its own, 2 frames, backed by a file on a file system with
 * room for two pages: evictions fail with ENOSPC.  The header's contract:
 * the access that needed the frame gets SIGBUS, the victim stays resident,
 * nothing is lost.  So a store or load may take SIGBUS, but a load that
 * works gives the last store that worked, and the populate paths
 * (MADV_POPULATE_*, mlock, MAP_POPULATE) and VMLAB_EVICT return with an
 * error instead of spinning (the watchdog reports a spin).
 */
static void op_full_fs(void)
{
	static const char *const how[] = {
		"MADV_POPULATE_WRITE", "MADV_POPULATE_READ", "mlock",
		"MAP_POPULATE", "VMLAB_EVICT_FLAG_ALL",
	};
	struct vmlab_config c = { .size = sizeof(c) };
	struct vmlab_evict ev = { .size = sizeof(ev), .flags = VMLAB_EVICT_FLAG_ALL };
	unsigned char want[8], *page = malloc(ps);
	size_t np = 8, i, k;
	int fd, bfd, sig, ret, pop = below(5);
	char *p, *q;

	if (!full_fs_ready()) {
		note("full_fs: no full file system (skipped)");
		n_skipped++;
		free(page);
		return;
	}
	note("full_fs: 8 pages, 2 frames, a file system with room for %d pages; then %s",
	     FULL_FS_PAGES, how[pop]);
	fd = open("/dev/vmlab", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail("open /dev/vmlab: %s", strerror(errno));
	c.region_size = np * ps;
	c.ring_records = 16;
	c.frames = 2;
	c.policy = below(VMLAB_POLICY_LRU);
	n_ioctls += 2;
	if (ioctl(fd, VMLAB_SET_CONFIG, &c))
		fail("SET_CONFIG: %s", strerror(errno));
	snprintf(path_buf, sizeof(path_buf), "%s/backing", full_dir);
	bfd = open(path_buf, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (bfd < 0)
		fail("open %s: %s", path_buf, strerror(errno));
	unlink(path_buf);
	{
		struct vmlab_backing b = { .size = sizeof(b), .fd = bfd };

		if (ioctl(fd, VMLAB_SET_BACKING, &b))
			fail("SET_BACKING to a file on tmpfs: %s", strerror(errno));
	}
	p = mmap(NULL, np * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	memset(want, 0, sizeof(want));
	for (k = 0; k < 2 * np; k++) {
		i = below(np);
		memset(page, 1 + below(255), ps);
		/* one page: the first byte faults or none does */
		sig = guarded_copy(p + i * ps, page, ps);
		if (sig && sig != SIGBUS)
			fail("full_fs: store to page %zu: signal %d", i, sig);
		if (!sig)
			want[i] = page[0];
		atomic_fetch_add(&progress, 1);
	}
	note_more(" [stores done]");
	switch (pop) {
	case 0:
	case 1:
		ret = madvise(p, np * ps, pop ? MADV_POPULATE_READ : MADV_POPULATE_WRITE);
		if (ret && errno != EFAULT && errno != ENOMEM && errno != EINTR)
			fail("full_fs: %s: %s", how[pop], strerror(errno));
		break;
	case 2:
		ret = mlock(p, np * ps);
		if (ret && errno != ENOMEM && errno != EAGAIN && errno != EFAULT)
			fail("full_fs: mlock: %s", strerror(errno));
		munlock(p, np * ps);
		break;
	case 3:
		q = mmap(NULL, np * ps, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, fd, 0);
		if (q == MAP_FAILED)
			fail("full_fs: mmap(MAP_POPULATE): %s", strerror(errno));
		munmap(q, np * ps);
		break;
	default:
		ret = ioctl(fd, VMLAB_EVICT, &ev) ? -errno : 0;
		ioctl_errno_check(VMLAB_EVICT, ret, "full_fs: VMLAB_EVICT");
	}
	note_more(" [%s returned]", how[pop]);
	atomic_fetch_add(&progress, 1);
	for (i = 0; i < np; i++) {
		long at;

		memset(page, want[i], ps);
		at = guarded_cmp(p + i * ps, page, ps, &sig);
		n_checks++;
		if (sig && sig != SIGBUS)
			fail("full_fs: load of page %zu: signal %d", i, sig);
		if (!sig && at >= 0)
			fail("full_fs: MISMATCH in page %zu at offset %ld: has %#04x, the last store that worked %#04x",
			     i, at, (unsigned char)p[i * ps + at], want[i]);
	}
	munmap(p, np * ps);
	close(bfd);
	close(fd);
	free(page);
}

/* ---------------------------------------------------------------- main */

static void (*const op_fn[C_MAX])(void) = {
	[C_USER_WRITE] = op_user_write, [C_USER_READ] = op_user_read,
	[C_KWRITE] = op_kwrite, [C_KREAD] = op_kread,
	[C_GUP_MULTI] = op_gup_multi, [C_IOCTL_FUZZ] = op_ioctl_fuzz,
	[C_IOCTL] = op_ioctl, [C_EVICT] = op_evict, [C_MADVISE] = op_madvise,
	[C_MLOCK] = op_mlock, [C_MPROTECT] = op_mprotect, [C_MMAP] = op_mmap,
	[C_MUNMAP] = op_munmap, [C_MREMAP] = op_mremap, [C_EVENTS] = op_events,
	[C_RECONFIG] = op_reconfig, [C_BACKING] = op_backing,
	[C_FORK] = op_fork, [C_THREADS] = op_threads,
	[C_CLOSE_RACE] = op_close_race, [C_NEW_LAB] = op_new_lab,
	[C_BAD_MMAP] = op_bad_mmap, [C_RDONLY] = op_rdonly,
	[C_VSPLICE_HOLD] = op_vsplice_hold, [C_WALK] = op_walk,
	[C_FULL_FS] = op_full_fs,
};

static enum category pick_op(void)
{
	unsigned int total = 0, i, x;

	for (i = 0; i < C_MAX; i++)
		total += cat_weight[i];
	x = below(total);
	for (i = 0; x >= cat_weight[i]; i++)
		x -= cat_weight[i];
	return i;
}

static int scratch_open(const char *dir, int flags)
{
	int fd;

	snprintf(path_buf, sizeof(path_buf), "%s/vmlab-fuzz-scratch-%d", dir, getpid());
	fd = open(path_buf, O_RDWR | O_CREAT | O_CLOEXEC | flags, 0600);
	if (fd < 0)
		fail("open %s: %s", path_buf, strerror(errno));
	return fd;
}

static void setup(void)
{
	struct sigaction sa;
	pthread_t th;
	char *p;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ps = sysconf(_SC_PAGESIZE);
	self_mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (self_mem < 0)
		fail("open /proc/self/mem: %s", strerror(errno));
	scratch_tmp = scratch_open("/tmp", 0);
	unlink(path_buf);
	if (opt.disk) {
		scratch_ext4 = scratch_open(opt.disk, 0);
		scratch_direct = scratch_open(opt.disk, O_DIRECT);
		unlink(path_buf);
	}
	p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	/* a hole no later mmap() can fill */
	mprotect(p + 2 * ps, ps, PROT_NONE);
	arg_area = (unsigned char *)p;
	lab.fd = lab.bfd = -1;
	if (pthread_create(&th, NULL, watchdog, NULL))
		fail("pthread_create: %s", strerror(errno));
}

static void usage(void);

/* Never pick the operations named in @list (comma-separated) */
static void skip_ops(const char *list)
{
	char *dup = strdup(list), *tok, *save;
	unsigned int i;

	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < C_MAX && strcmp(tok, cat_name[i]); i++)
			;
		if (i == C_MAX) {
			fprintf(stderr, "fuzz: no operation %s\n", tok);
			usage();
		}
		cat_weight[i] = 0;
	}
	free(dup);
}

static void usage(void)
{
	unsigned int i;

	fprintf(stderr,
		"usage: fuzz [--seed S] [--ops N] [--seconds T] [--watchdog W] [--disk DIR]\n"
		"            [--frames-min F] [--window-min W] [--no-odirect-backing]\n"
		"            [--skip OP,...] [--verbose]\n"
		"  stops after N operations or T seconds, whichever comes first\n"
		"  (default: 1000 operations); --disk defaults to $VMLAB_DISK;\n"
		"  --frames-min, --window-min, --no-odirect-backing and --skip steer\n"
		"  around known bugs;\n"
		"  operations:");
	for (i = 0; i < C_MAX; i++)
		fprintf(stderr, " %s", cat_name[i]);
	fprintf(stderr, "\n");
	exit(64);
}

static void parse_args(int argc, char **argv)
{
	int i;

	opt.disk = getenv("VMLAB_DISK");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--verbose")) {
			opt.verbose = true;
			continue;
		}
		if (!strcmp(a, "--no-odirect-backing")) {
			opt.no_odirect_backing = true;
			continue;
		}
		if (!v)
			usage();
		if (!strcmp(a, "--seed"))
			opt.seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--ops"))
			opt.max_ops = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--seconds"))
			opt.max_seconds = strtod(v, NULL);
		else if (!strcmp(a, "--watchdog"))
			opt.watchdog_s = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--skip"))
			skip_ops(v);
		else if (!strcmp(a, "--window-min"))
			opt.window_min = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--frames-min"))
			opt.frames_min = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--disk"))
			opt.disk = *v ? v : NULL;
		else
			usage();
		i++;
	}
	if (!opt.max_ops && !opt.max_seconds)
		opt.max_ops = 1000;
	if (!opt.watchdog_s)
		opt.watchdog_s = 30;
}

int main(int argc, char **argv)
{
	enum category c;
	unsigned int i;
	char line[1024];
	size_t n;

	parse_args(argc, argv);
	rng = opt.seed;
	t_start = now_s();
	setup();
	printf("# fuzz: seed %llu, %lu ops, %.0f s, watchdog %u s, disk %s\n",
	       (unsigned long long)opt.seed, opt.max_ops, opt.max_seconds,
	       opt.watchdog_s, opt.disk ? opt.disk : "(none)");
	fflush(stdout);
	/* the first instance: few frames and a file, where pins meet evictions */
	lab_open(true);
	for (op_index = 1; !opt.max_ops || op_index <= opt.max_ops; op_index++) {
		if (opt.max_seconds && now_s() - t_start >= opt.max_seconds)
			break;
		c = pick_op();
		n_cat[c]++;
		note("%s", cat_name[c]);
		op_fn[c]();
		atomic_fetch_add(&progress, 1);
	}
	op_index--;
	note("end: final check");
	lab_final_check();
	lab_close();
	n = snprintf(line, sizeof(line),
		     "# fuzz: result seed=%llu ops=%lu checks=%lu ioctls=%lu seconds=%.1f skipped=%lu",
		     (unsigned long long)opt.seed, op_index,
		     n_checks + atomic_load(&n_checks_mt), n_ioctls,
		     now_s() - t_start, n_skipped);
	for (i = 0; i < C_MAX && n < sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, " %s=%lu", cat_name[i], n_cat[i]);
	printf("%s\n", line);
	return 0;
}
