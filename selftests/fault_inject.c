// SPDX-License-Identifier: GPL-2.0
/*
 * fault_inject - vmlab's allocation paths under failslab and fail_page_alloc,
 * on the debug kernel (scripts/debug-kernel.config).
 *
 * Each variant aims one of the kernel's fault-injection attributes at
 * vmlab.ko: require-start and require-end span the module's core (its text
 * first, coresize long) with a stack depth of 32, so only an allocation
 * with vmlab on its stack can fail - the module's own and the kernel's on
 * its behalf (the backing file's page cache, xarray nodes, the mmap).  It
 * then runs the workload: ITERATIONS instances, the i-th configured as
 *
 *   plain      no frame budget
 *   memory     FIFO, a budget of a quarter of the pages, the memory store
 *   file       CLOCK, the same budget, a backing file, 4 victims at a time
 *   lru        LRU with a 2-page software TLB, half the pages, a backing file
 *
 * each mapping PAGES pages, writing a pattern to every page, reading every
 * page back, evicting them all with VMLAB_EVICT and reading them again.
 *
 * An injected failure may surface as ENOMEM (or, from VMLAB_EVICT, the
 * backing file's write error ENOSPC or EIO) from a system call, or as
 * SIGBUS on a page access: a clean error, counted.  A page whose write went
 * through must read back its pattern or raise SIGBUS; one whose write
 * raised SIGBUS must read back zero or raise SIGBUS.  Any other error or
 * byte fails the test, as do more clean errors than injected failures.
 * Splats and kmemleak reports fail the VM run (scripts/vm), and a module
 * that cannot be unloaded afterwards fails run_tests.sh.
 *
 * One test aims at one path: a page parked for the write-back worker comes
 * back with no allocation at all (its frame from the instance's pool, its
 * xarray slot kept), so no failure can lose it (the file has no copy).
 *
 * Not a *_test: the suite's run leaves it out.  make check-debug runs it in
 * a VM of its own, where the allocation-failure reports it provokes are
 * expected (scripts/vm --allow-alloc-failures):
 *
 *   selftests/run_tests.sh build/selftests/fault_inject
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define ITERATIONS	20
#define PAGES		16

enum setup { PLAIN, MEMORY, FILESTORE, LRU, NR_SETUPS };

static const char * const setup_name[NR_SETUPS] = {
	"plain", "memory", "file", "lru",
};

struct tally {
	unsigned long ok;		/* iterations without an error */
	unsigned long clean;		/* ENOMEM, ENOSPC, EIO, SIGBUS */
	unsigned long unexpected;	/* anything else, or a wrong byte */
};

static sigjmp_buf touch_env;
static volatile sig_atomic_t in_touch;

static void on_sigbus(int sig)
{
	if (!in_touch) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	siglongjmp(touch_env, 1);
}

/* Read a byte at @p here, not in a child (a fork allocates): SIGBUS or 0. */
static int read_signal(const volatile char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	volatile int sig = 0;

	sigaction(SIGBUS, &sa, &old);
	in_touch = 1;
	if (sigsetjmp(touch_env, 1))
		sig = SIGBUS;
	else
		(void)*p;
	in_touch = 0;
	sigaction(SIGBUS, &old, NULL);
	return sig;
}

/* Count a failed call: 0 when @err is one of the clean errors of @what. */
static int failed(struct tally *t, const char *what, int err, bool io)
{
	if (err == ENOMEM || (io && (err == ENOSPC || err == EIO))) {
		t->clean++;
		return 0;
	}
	t->unexpected++;
	fprintf(stderr, "# %s: unexpected %s\n", what, strerror(err));
	return -1;
}

static unsigned char pattern(unsigned long iter, size_t page, size_t off)
{
	return (unsigned char)(iter * 131 + page * 7 + off + 1);
}

/*
 * Access every page: write its pattern at both ends when @write, then check
 * both ends against what @written says it holds.  A SIGBUS counts once per
 * page.  1 when some access raised SIGBUS, -1 on a wrong byte, else 0.
 */
static int touch(struct tally *t, volatile unsigned char *p, size_t psz,
		 unsigned long iter, unsigned char *written, bool write)
{
	volatile int bad = 0;
	volatile size_t i;

	for (i = 0; i < PAGES; i++) {
		volatile unsigned char *b = p + i * psz;
		unsigned char head, tail;

		in_touch = 1;
		if (sigsetjmp(touch_env, 1)) {
			in_touch = 0;
			t->clean++;
			bad = 1;
			continue;
		}
		if (write) {
			b[0] = pattern(iter, i, 0);
			b[psz - 1] = pattern(iter, i, psz - 1);
			written[i] = 1;
		}
		head = b[0];
		tail = b[psz - 1];
		in_touch = 0;
		if (written[i] ? head != pattern(iter, i, 0) ||
				 tail != pattern(iter, i, psz - 1) :
				 head || tail) {
			t->unexpected++;
			fprintf(stderr, "# %s page %zu reads %#x..%#x\n",
				written[i] ? "written" : "unwritten", (size_t)i,
				head, tail);
			return -1;
		}
	}
	return bad;
}

/* Configure @fd as @setup; 0, 1 after a clean error, -1 after another. */
static int configure(struct tally *t, int fd, enum setup setup, size_t len)
{
	struct vmlab_backing bk = { .size = sizeof(bk) };
	struct vmlab_config cfg;
	int bfd, ret = 0;

	vmlab_config_init(&cfg, len, VMLAB_EV_ALL, VMLAB_CFG_WALK, 64);
	switch (setup) {
	case MEMORY:
		cfg.policy = VMLAB_POLICY_FIFO;
		cfg.frames = PAGES / 4;
		break;
	case FILESTORE:
		cfg.policy = VMLAB_POLICY_CLOCK;
		cfg.frames = PAGES / 4;
		cfg.evict_batch = 4;
		break;
	case LRU:
		cfg.policy = VMLAB_POLICY_LRU;
		cfg.frames = PAGES / 2;
		cfg.tlb_window = 2;
		break;
	default:
		break;
	}
	if (ioctl(fd, VMLAB_SET_CONFIG, &cfg))
		return failed(t, "VMLAB_SET_CONFIG", errno, false) ? -1 : 1;
	if (setup != FILESTORE && setup != LRU)
		return 0;

	bfd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (bfd < 0)
		return failed(t, "O_TMPFILE", errno, false) ? -1 : 1;
	bk.fd = bfd;
	if (ioctl(fd, VMLAB_SET_BACKING, &bk))
		ret = failed(t, "VMLAB_SET_BACKING", errno, false) ? -1 : 1;
	close(bfd);
	return ret;
}

/* Evict every resident page; 0, 1 after a clean error, -1 after another. */
static int evict_all(struct tally *t, int fd)
{
	struct vmlab_evict ev = {
		.size = sizeof(ev),
		.flags = VMLAB_EVICT_FLAG_ALL,
	};

	if (!ioctl(fd, VMLAB_EVICT, &ev))
		return 0;
	return failed(t, "VMLAB_EVICT", errno, true) ? -1 : 1;
}

/* One instance through its setup; 0, 1 after clean errors, -1 otherwise. */
static int iteration(struct tally *t, unsigned long iter)
{
	enum setup setup = iter % NR_SETUPS;
	unsigned char written[PAGES] = { 0 };
	size_t psz = vmlab_page_size();
	size_t len = PAGES * psz;
	int fd, r, bad = 0;
	void *p;

	fd = open(VMLAB_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return failed(t, "open", errno, false) ? -1 : 1;

	r = configure(t, fd, setup, len);
	if (r < 0)
		goto out;
	bad |= r;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		r = failed(t, "mmap", errno, false);
		bad = 1;
		goto out;
	}
	r = touch(t, p, psz, iter, written, true);
	if (r >= 0) {
		bad |= r;
		r = touch(t, p, psz, iter, written, false);
	}
	if (r >= 0) {
		bad |= r;
		r = evict_all(t, fd);
	}
	if (r >= 0) {
		bad |= r;
		r = touch(t, p, psz, iter, written, false);
	}
	munmap(p, len);
	if (r >= 0) {
		ssize_t n = vmlab_discard(fd);

		bad |= r;
		if (n < 0)
			r = failed(t, "read", -n, false);
	}
out:
	close(fd);
	if (r < 0)
		fprintf(stderr, "# iteration %lu (%s) went wrong\n", iter,
			setup_name[setup]);
	return r < 0 ? -1 : bad;
}

static void workload(struct tally *t)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	unsigned long i;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	for (i = 0; i < ITERATIONS; i++) {
		int r = iteration(t, i);

		if (r < 0)
			break;
		if (r == 0)
			t->ok++;
	}
}

/* The module's core: its text sections come first, coresize covers all. */
static int module_core(unsigned long *start, unsigned long *end)
{
	unsigned long lo = 0, a;
	glob_t g;
	size_t i;
	long size;

	if (glob("/sys/module/vmlab/sections/.text*", 0, NULL, &g))
		return -ENOENT;
	for (i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");

		if (f && fscanf(f, "%lx", &a) == 1 && a && (!lo || a < lo))
			lo = a;
		if (f)
			fclose(f);
	}
	globfree(&g);
	size = vmlab_read_long("/sys/module/vmlab/coresize");
	if (!lo || size <= 0)
		return -ENOENT;
	*start = lo;
	*end = lo + size;
	return 0;
}

static int attr_write(const char *dir, const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return vmlab_write_file(path, val);
}

static int attr_set(const char *dir, const char *name, unsigned long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", val);
	return attr_write(dir, name, buf);
}

static long attr_get(const char *dir, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return vmlab_read_long(path);
}

static void attr_off(const char *dir)
{
	attr_set(dir, "probability", 0);
	attr_set(dir, "times", 1);
	attr_set(dir, "verbose", 0);
}

/*
 * Aim the fault-injection attribute directory @dir at vmlab.ko, still off:
 * 0, -ENOENT when the kernel has no such attribute with a stacktrace
 * filter (not the debug kernel), or another -errno.
 */
static int aim(const char *dir, unsigned long *start, unsigned long *end)
{
	char path[96];
	int ret;

	snprintf(path, sizeof(path), "%s/require-start", dir);
	if (access(path, W_OK))
		return -ENOENT;
	ret = module_core(start, end);
	if (ret)
		return ret;
	attr_off(dir);
	if (attr_set(dir, "interval", 1) || attr_set(dir, "space", 0) ||
	    attr_write(dir, "task-filter", "N") ||
	    attr_write(dir, "ignore-gfp-wait", "N") ||
	    attr_set(dir, "stacktrace-depth", 32) ||
	    attr_set(dir, "reject-start", 0) || attr_set(dir, "reject-end", 0) ||
	    attr_set(dir, "require-start", *start) ||
	    attr_set(dir, "require-end", *end) || attr_set(dir, "verbose", 1))
		return -EIO;
	if (strstr(dir, "fail_page_alloc") &&
	    (attr_write(dir, "ignore-gfp-highmem", "N") ||
	     attr_set(dir, "min-order", 0)))
		return -EIO;
	return 0;
}

TEST(no_error_without_injection)
{
	struct tally t = { 0 };

	VMLAB_TEST_REQUIRE_MODULE();
	workload(&t);
	EXPECT_EQ(0UL, t.unexpected);
	EXPECT_EQ(0UL, t.clean);
	EXPECT_EQ((unsigned long)ITERATIONS, t.ok);
}

FIXTURE(inject) {
	char dir[64];
};

FIXTURE_VARIANT(inject) {
	const char *attr;
	unsigned long probability;
	unsigned long times;
};

#define INJECT_VARIANT(name, a, prob, n)				\
	FIXTURE_VARIANT_ADD(inject, name) {				\
		.attr = a, .probability = prob, .times = n,		\
	}

/* the first allocation, every one, one in two, one in ten */
INJECT_VARIANT(failslab_first, "failslab", 100, 1);
INJECT_VARIANT(failslab_every, "failslab", 100, 200);
INJECT_VARIANT(failslab_half, "failslab", 50, 200);
INJECT_VARIANT(failslab_tenth, "failslab", 10, 200);
INJECT_VARIANT(fail_page_alloc_first, "fail_page_alloc", 100, 1);
INJECT_VARIANT(fail_page_alloc_every, "fail_page_alloc", 100, 200);
INJECT_VARIANT(fail_page_alloc_half, "fail_page_alloc", 50, 200);
INJECT_VARIANT(fail_page_alloc_tenth, "fail_page_alloc", 10, 200);

FIXTURE_SETUP(inject)
{
	unsigned long start, end;
	int ret;

	VMLAB_REQUIRE_MODULE();
	snprintf(self->dir, sizeof(self->dir), "/sys/kernel/debug/%s",
		 variant->attr);
	ret = aim(self->dir, &start, &end);
	if (ret == -ENOENT)
		SKIP(return, "no %s with a stacktrace filter (not the debug kernel)",
		     self->dir);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, attr_set(self->dir, "times", variant->times));
	ASSERT_EQ(0, attr_set(self->dir, "probability", variant->probability));
	TH_LOG("%s aimed at vmlab.ko %#lx-%#lx", variant->attr, start, end);
}

FIXTURE_TEARDOWN(inject)
{
	if (self->dir[0])
		attr_off(self->dir);
}

TEST_F(inject, every_failure_is_clean_and_no_page_is_lost)
{
	struct tally t = { 0 };
	unsigned long injected;
	long left;

	workload(&t);
	left = attr_get(self->dir, "times");
	attr_off(self->dir);
	ASSERT_LE(0, left);
	injected = variant->times - left;
	TH_LOG("%lu failures injected; %lu of %d iterations error-free, %lu clean errors",
	       injected, t.ok, ITERATIONS, t.clean);
	EXPECT_EQ(0UL, t.unexpected);
	/* absorbed failures (a fallback, a retry) show no error */
	EXPECT_LE(t.clean, injected);
	/* the workload reaches vmlab's allocations */
	EXPECT_LT(0UL, injected);
}

/*
 * A page parked in memory for the write-back worker (a kernel fault's
 * victim, with a backing file) has no copy in the file.  The ext4 test
 * disk is frozen, so the worker's write waits and the second victim stays
 * parked; then the fault that takes it back runs with vmlab's next slab
 * allocation set to fail, and makes none.
 */
FIXTURE(parked) {
	char dir[64];
	char path[128];
	struct vmlab_lab lab;
	int backing_fd;
	int frozen_fd;
};

FIXTURE_SETUP(parked)
{
	const char *disk = getenv("VMLAB_DISK");
	unsigned long start, end;
	int ret;

	self->backing_fd = -1;
	self->frozen_fd = -1;
	self->lab.map = MAP_FAILED;
	VMLAB_REQUIRE_MODULE();
	if (!disk)
		SKIP(return, "no ext4 test disk (scripts/vm --disk)");
	snprintf(self->dir, sizeof(self->dir), "/sys/kernel/debug/failslab");
	ret = aim(self->dir, &start, &end);
	if (ret == -ENOENT)
		SKIP(return, "no failslab with a stacktrace filter (not the debug kernel)");
	ASSERT_EQ(0, ret);
	snprintf(self->path, sizeof(self->path), "%s/vmlab-parked", disk);
	self->backing_fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, self->backing_fd);
	/* 5 pages, 3 frames, FIFO, the backing file */
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, 5, 0, 0, 1024));
	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_FIFO, 3, 0, 0));
	ASSERT_EQ(0, vmlab_set_backing(self->lab.fd, self->backing_fd));
	self->frozen_fd = vmlab_fs_freeze(disk);
	ASSERT_LE(0, self->frozen_fd);
}

FIXTURE_TEARDOWN(parked)
{
	if (self->dir[0])
		attr_off(self->dir);
	if (self->frozen_fd >= 0)
		vmlab_fs_thaw(self->frozen_fd);
	vmlab_lab_close(&self->lab);
	if (self->backing_fd >= 0) {
		close(self->backing_fd);
		unlink(self->path);
	}
}

TEST_F(parked, swap_in_of_a_parked_page_allocates_nothing_and_keeps_it)
{
	size_t ps = self->lab.ps;
	struct vmlab_stats st;
	int p[2];
	char *buf;

	buf = calloc(1, ps);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, pipe(p));
	/* pages 0 and 1 written from user space: resident, dirty */
	vmlab_fill(self->lab.map, 0, 2, 11);
	/* page 2 read by the kernel (zero, clean): the third frame */
	ASSERT_EQ(1, write(p[1], vmlab_page(&self->lab, 2), 1));
	ASSERT_EQ(1, read(p[0], buf, 1));
	/*
	 * Pages 3 and 4 written by the kernel: each evicts the oldest page,
	 * 0 then 1, which a kernel fault parks for the worker.  The worker's
	 * write of page 0 waits for the thaw; page 1 stays parked.
	 */
	ASSERT_EQ((ssize_t)ps, write(p[1], buf, ps));
	ASSERT_EQ((ssize_t)ps, read(p[0], vmlab_page(&self->lab, 3), ps));
	ASSERT_EQ((ssize_t)ps, write(p[1], buf, ps));
	ASSERT_EQ((ssize_t)ps, read(p[0], vmlab_page(&self->lab, 4), ps));
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	ASSERT_EQ(2ULL, st.store_pages);
	ASSERT_EQ(3ULL, st.pages_resident);

	/* the next slab allocation on vmlab's behalf would fail: none comes */
	ASSERT_EQ(0, attr_set(self->dir, "times", 1));
	ASSERT_EQ(0, attr_set(self->dir, "probability", 100));
	EXPECT_EQ(0, read_signal(vmlab_page(&self->lab, 1)));
	EXPECT_EQ(1, attr_get(self->dir, "times"));
	attr_off(self->dir);

	/* page 1 back with its data; page 0 written once the disk thaws */
	ASSERT_EQ(0, vmlab_fs_thaw(self->frozen_fd));
	self->frozen_fd = -1;
	EXPECT_EQ(-1, vmlab_check(vmlab_page(&self->lab, 0), 0, 2, 11));
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	EXPECT_EQ(0ULL, st.fault_errors);
	close(p[0]);
	close(p[1]);
	free(buf);
}

TEST_HARNESS_MAIN
