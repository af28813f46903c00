// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own accesses to vmlab memory: get_user_pages() and pins
 * (process_vm_writev(), O_DIRECT, /proc/PID/mem), populate (mlock,
 * MAP_POPULATE, MADV_POPULATE_WRITE), copies inside write(2), and the
 * backing file written or replaced while those run.  Nothing is lost and
 * nothing hangs: a pinned page stays resident (the budget is exceeded and
 * counted), a fault the kernel takes for the task never writes the backing
 * file itself, and the backing file cannot change under a write.
 *
 * Tests that need a write held in flight freeze the ext4 test disk
 * (FIFREEZE): the write then waits in the file system's freeze protection.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define REGION_PAGES	64

/* What every test here starts from: an instance and a place for files. */
struct kenv {
	struct vmlab_lab lab;
	char dir[64];		/* a tmpfs directory of its own */
	char path[128];		/* the backing file */
	int bfd;
	int frozen_fd;		/* the frozen disk's root, or -1 */
};

static int kenv_setup(struct kenv *e)
{
	e->bfd = -1;
	e->frozen_fd = -1;
	e->path[0] = 0;
	strcpy(e->dir, "/tmp/vmlab-kaccess.XXXXXX");
	if (!mkdtemp(e->dir))
		return -errno;
	return vmlab_lab_open(&e->lab, REGION_PAGES,
			      VMLAB_EV_BIT(VMLAB_EV_EVICT), 0, 4096);
}

static void kenv_teardown(struct kenv *e)
{
	if (e->frozen_fd >= 0) {
		ioctl(e->frozen_fd, FITHAW, 0);
		close(e->frozen_fd);
	}
	vmlab_lab_close(&e->lab);
	if (e->bfd >= 0)
		close(e->bfd);
	if (e->path[0])
		unlink(e->path);
	rmdir(e->dir);
}

/* The ext4 test disk's mount point, or NULL (the test then skips). */
static const char *test_disk(void)
{
	return getenv("VMLAB_DISK");
}

/* A backing file in @dir opened with @flags, handed to the instance. */
static int backing_in(struct kenv *e, const char *dir, int flags)
{
	snprintf(e->path, sizeof(e->path), "%s/vmlab-backing", dir);
	e->bfd = open(e->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | flags,
		      0600);
	if (e->bfd < 0)
		return -errno;
	return vmlab_set_backing(e->lab.fd, e->bfd);
}

/* Write @len bytes from @src to our own @dst through get_user_pages(). */
static ssize_t vm_writev_self(void *dst, const void *src, size_t len)
{
	struct iovec local = { .iov_base = (void *)src, .iov_len = len };
	struct iovec remote = { .iov_base = dst, .iov_len = len };

	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
}

/* pwrite()/pread() of our own memory at @addr through /proc/self/mem. */
static ssize_t proc_mem_io(void *addr, void *buf, size_t len, bool write)
{
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (write)
		n = pwrite(fd, buf, len, (off_t)(uintptr_t)addr);
	else
		n = pread(fd, buf, len, (off_t)(uintptr_t)addr);
	n = n < 0 ? -errno : n;
	close(fd);
	return n;
}

/* @pages pages as vmlab_fill() would write them to instance page @pgoff. */
static char *filled_buffer(size_t pgoff, size_t pages, unsigned int seed)
{
	char *buf = aligned_alloc(vmlab_page_size(), pages * vmlab_page_size());

	if (buf)
		vmlab_fill(buf, pgoff, pages, seed);
	return buf;
}

/* Wait up to 10 s for @fd's io_errors to reach @want: 0 or -ETIMEDOUT. */
static int wait_io_errors(int fd, __u64 want)
{
	struct vmlab_stats st;
	int i;

	for (i = 0; i < 1000; i++) {
		if (vmlab_get_stats(fd, &st))
			return -errno;
		if (st.io_errors >= want)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* ---------------------------------------------------------------- pins */

/* Pinned pages under every policy that chooses victims by itself */
FIXTURE(pin) {
	struct kenv e;
};

FIXTURE_VARIANT(pin) {
	__u32 policy;
};

FIXTURE_VARIANT_ADD(pin, fifo) { .policy = VMLAB_POLICY_FIFO };
FIXTURE_VARIANT_ADD(pin, clock) { .policy = VMLAB_POLICY_CLOCK };
FIXTURE_VARIANT_ADD(pin, random) { .policy = VMLAB_POLICY_RANDOM };
FIXTURE_VARIANT_ADD(pin, lru_approx) { .policy = VMLAB_POLICY_LRU_APPROX };

FIXTURE_SETUP(pin)
{
	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, kenv_setup(&self->e));
	ASSERT_EQ(0, backing_in(&self->e, self->e.dir, 0));
	ASSERT_EQ(0, vmlab_set_policy(self->e.lab.fd, variant->policy, 1, 0, 1));
}

FIXTURE_TEARDOWN(pin)
{
	kenv_teardown(&self->e);
}

/*
 * One frame, and process_vm_writev() of four pages pins all four before it
 * copies: each fault after the first finds every resident page pinned, so
 * the page comes in past the budget (3 times), each pinned page tried once
 * (1 + 2 + 3 refusals).  The copy lands in pages vmlab still owns.
 */
TEST_F(pin, pinned_pages_are_not_evicted_and_keep_what_was_copied_in)
{
	char *buf = filled_buffer(0, 4, 1);

	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)(4 * self->e.lab.ps),
		  vm_writev_self(self->e.lab.map, buf, 4 * self->e.lab.ps));
	EXPECT_STATS(self->e.lab.fd, STAT(over_budget, 3ULL),
		     STAT(evict_pinned, 6ULL), STAT(evictions, 0ULL),
		     STAT(pages_resident, 4ULL));
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 4, 1));
	free(buf);
}

/*
 * Past the budget, the policy still holds every page (the extra ones wait
 * for a slot): the next misses evict the instance back under its budget,
 * and every page reads back from the file as written.
 */
TEST_F(pin, pages_admitted_past_the_budget_are_evicted_once_unpinned)
{
	char *buf = filled_buffer(0, 4, 2);

	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)(4 * self->e.lab.ps),
		  vm_writev_self(self->e.lab.map, buf, 4 * self->e.lab.ps));
	vmlab_fill(vmlab_page(&self->e.lab, 4), 4, 4, 2);
	EXPECT_STATS(self->e.lab.fd, STAT(pages_resident, 1ULL),
		     STAT(evictions, 7ULL), STAT(swap_outs, 7ULL));
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 8, 2));
	free(buf);
}

/*
 * An O_DIRECT read takes references on every destination page before the
 * device fills them: the same rule keeps them, and the data is there.
 */
TEST_F(pin, o_direct_read_into_pages_beyond_the_budget_loses_nothing)
{
	const char *disk = test_disk();
	size_t len = 4 * self->e.lab.ps;
	char *buf = filled_buffer(0, 4, 3), src[128];
	struct vmlab_stats st;
	int fd;

	ASSERT_NE(NULL, buf);
	if (!disk)
		SKIP(return, "no ext4 test disk (scripts/vm --disk)");
	snprintf(src, sizeof(src), "%s/vmlab-direct-src", disk);
	fd = open(src, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, pwrite(fd, buf, len, 0));
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	fd = open(src, O_RDONLY | O_DIRECT | O_CLOEXEC);
	ASSERT_LE(0, fd);

	ASSERT_EQ((ssize_t)len, pread(fd, self->e.lab.map, len, 0));
	ASSERT_EQ(0, vmlab_get_stats(self->e.lab.fd, &st));
	EXPECT_EQ(3ULL, st.over_budget);
	EXPECT_EQ(0ULL, st.evictions);
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 4, 3));
	close(fd);
	unlink(src);
	free(buf);
}

/* ------------------------------------------------------ everything else */

FIXTURE(kaccess) {
	struct kenv e;
};

FIXTURE_SETUP(kaccess)
{
	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, kenv_setup(&self->e));
}

FIXTURE_TEARDOWN(kaccess)
{
	kenv_teardown(&self->e);
}

/*
 * vmsplice() holds a reference to the page until the pipe is read:
 * VMLAB_EVICT of it fails with EBUSY and it stays.
 */
TEST_F(kaccess, forced_eviction_of_a_page_held_by_a_pipe_fails_ebusy)
{
	struct vmlab_evict ev = { .size = sizeof(ev), .count = 1 };
	struct iovec iov = { .iov_base = self->e.lab.map, .iov_len = self->e.lab.ps };
	char *out = malloc(self->e.lab.ps);
	struct vmlab_stats st;
	int p[2];

	ASSERT_NE(NULL, out);
	vmlab_fill(self->e.lab.map, 0, 1, 4);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ((ssize_t)self->e.lab.ps, vmsplice(p[1], &iov, 1, 0));
	EXPECT_EQ(-EBUSY, vmlab_ioctl(self->e.lab.fd, VMLAB_EVICT, &ev));
	EXPECT_EQ(0ULL, ev.evicted);
	ASSERT_EQ(0, vmlab_get_stats(self->e.lab.fd, &st));
	EXPECT_EQ(1ULL, st.evict_pinned);
	EXPECT_EQ(1ULL, st.pages_resident);
	/* the pipe still reads the page as it is */
	vmlab_fill(self->e.lab.map, 0, 1, 5);
	ASSERT_EQ((ssize_t)self->e.lab.ps, read(p[0], out, self->e.lab.ps));
	EXPECT_EQ(-1, vmlab_check(out, 0, 1, 5));
	/* let go: now it goes */
	EXPECT_EQ(0, vmlab_ioctl(self->e.lab.fd, VMLAB_EVICT, &ev));
	EXPECT_EQ(1ULL, ev.evicted);
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 1, 5));
	close(p[0]);
	close(p[1]);
	free(out);
}

/* ----------------------------------------------- a write held in flight */

/* Freeze the file system of @dir: every write to it waits for the thaw. */
static int freeze(struct kenv *e, const char *dir)
{
	int fd = vmlab_fs_freeze(dir);

	e->frozen_fd = fd < 0 ? -1 : fd;
	return fd < 0 ? fd : 0;
}

static int thaw(struct kenv *e)
{
	int ret = vmlab_fs_thaw(e->frozen_fd);

	e->frozen_fd = -1;
	return ret;
}

/* Wait up to 10 s for thread @tid to sleep uninterruptibly (state D). */
static int wait_blocked(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (i = 0; i < 1000; i++) {
		n = vmlab_read_file(path, buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'D')
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* A thread that fills one page from user mode. */
struct writer {
	pthread_t thread;
	char *page;
	size_t pgoff;
	unsigned int seed;
	atomic_int tid;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;

	atomic_store(&w->tid, gettid());
	vmlab_fill(w->page, w->pgoff, 1, w->seed);
	return NULL;
}

#define HELD_SEED	7

/*
 * One frame under CLOCK, backed by a file on the ext4 disk, page 0 written
 * (HELD_SEED).  The disk is frozen, then a thread's write to page 1 evicts
 * page 0, whose write waits in the disk's freeze protection: page 0 is busy
 * until thaw().  0 once the thread sleeps there.
 */
static int start_held_writeout(struct kenv *e, const char *disk,
			       struct writer *w)
{
	int ret = backing_in(e, disk, 0), i;

	if (ret)
		return ret;
	ret = vmlab_set_policy(e->lab.fd, VMLAB_POLICY_CLOCK, 1, 0, 1);
	if (ret)
		return ret;
	vmlab_fill(e->lab.map, 0, 1, HELD_SEED);
	ret = freeze(e, disk);
	if (ret)
		return ret;
	*w = (struct writer){ .page = vmlab_page(&e->lab, 1), .pgoff = 1,
			      .seed = HELD_SEED };
	ret = -pthread_create(&w->thread, NULL, writer_fn, w);
	if (ret)
		return ret;
	for (i = 0; i < 1000 && !atomic_load(&w->tid); i++)
		usleep(1000);
	return wait_blocked(atomic_load(&w->tid));
}

/*
 * A fault that may not drop the mmap lock (/proc/PID/mem, ptrace) cannot
 * wait for the busy page: it comes in past the budget.  A read of the busy
 * page takes it back; when its write ends it rejoins the policy with the
 * only slot taken, and waits for one.  Every page reads back as written.
 */
TEST_F(kaccess, fault_that_cannot_wait_for_a_busy_page_comes_in_past_the_budget)
{
	const char *disk = test_disk();
	char *buf = filled_buffer(2, 1, HELD_SEED);
	char *out = malloc(self->e.lab.ps);
	struct vmlab_stats st;
	struct writer w;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, out);
	if (!disk)
		SKIP(return, "no ext4 test disk (scripts/vm --disk)");
	ASSERT_EQ(0, start_held_writeout(&self->e, disk, &w));
	ASSERT_EQ((ssize_t)self->e.lab.ps,
		  proc_mem_io(vmlab_page(&self->e.lab, 2), buf, self->e.lab.ps,
			      true));
	ASSERT_EQ((ssize_t)self->e.lab.ps,
		  proc_mem_io(self->e.lab.map, out, self->e.lab.ps, false));
	EXPECT_EQ(-1, vmlab_check(out, 0, 1, HELD_SEED));
	ASSERT_EQ(0, vmlab_get_stats(self->e.lab.fd, &st));
	EXPECT_EQ(1ULL, st.over_budget);
	EXPECT_EQ(2ULL, st.pages_resident);

	ASSERT_EQ(0, thaw(&self->e));
	ASSERT_EQ(0, pthread_join(w.thread, NULL));
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 3, HELD_SEED));
	vmlab_fill(vmlab_page(&self->e.lab, 3), 3, 8, HELD_SEED);
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 11, HELD_SEED));
	EXPECT_STATS(self->e.lab.fd, STAT(over_budget, 1ULL),
		     STAT(pages_resident, 1ULL), STAT(io_errors, 0ULL));
	free(buf);
	free(out);
}

/*
 * The page being written is not in the store yet, but its copy will be
 * indexed as in the backing file: the file cannot change until it is.
 */
TEST_F(kaccess, backing_file_cannot_change_while_a_write_to_it_is_in_flight)
{
	const char *disk = test_disk();
	struct vmlab_stats st;
	struct writer w;
	char other[96];
	int fd;

	if (!disk)
		SKIP(return, "no ext4 test disk (scripts/vm --disk)");
	snprintf(other, sizeof(other), "%s/other", self->e.dir);
	fd = open(other, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, start_held_writeout(&self->e, disk, &w));
	EXPECT_EQ(-EBUSY, vmlab_set_backing(self->e.lab.fd, VMLAB_BACKING_MEMORY));
	EXPECT_EQ(-EBUSY, vmlab_set_backing(self->e.lab.fd, fd));

	ASSERT_EQ(0, thaw(&self->e));
	ASSERT_EQ(0, pthread_join(w.thread, NULL));
	ASSERT_EQ(0, vmlab_get_stats(self->e.lab.fd, &st));
	EXPECT_EQ(1ULL, st.store_pages);
	EXPECT_EQ(1ULL, st.swap_outs);
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 2, HELD_SEED));
	close(fd);
	unlink(other);
}

/* ------------------------------------------- faults inside system calls */

/*
 * write(2) to a file copies from vmlab memory holding that file system's
 * freeze protection and the file's inode lock: the faults it takes must
 * not write the backing file (on the same file system) themselves.  Their
 * victims are parked for the worker: every eviction record says DEFER.
 */
TEST_F(kaccess, write_from_vmlab_memory_to_a_file_parks_the_victims)
{
	const char *disk = test_disk();
	size_t len = 4 * self->e.lab.ps;
	char other[96], *copy = malloc(len);
	struct vmlab_event ev[16];
	ssize_t n, i;
	int fd;

	ASSERT_NE(NULL, copy);
	if (!disk)
		SKIP(return, "no ext4 test disk (scripts/vm --disk)");
	ASSERT_EQ(0, backing_in(&self->e, disk, 0));
	ASSERT_EQ(0, vmlab_set_policy(self->e.lab.fd, VMLAB_POLICY_FIFO, 4, 0, 1));
	vmlab_fill(self->e.lab.map, 0, 8, 12);
	ASSERT_LE(0, vmlab_discard(self->e.lab.fd));

	snprintf(other, sizeof(other), "%s/vmlab-other", disk);
	fd = open(other, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, write(fd, self->e.lab.map, len));
	n = vmlab_read_ready(self->e.lab.fd, ev, ARRAY_SIZE(ev));
	ASSERT_EQ(4, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ((__u32)VMLAB_EV_EVICT, ev[i].type);
		EXPECT_EQ((__u32)VMLAB_EVICT_ACTION_DEFER, ev[i].evict.action);
		EXPECT_EQ((__u64)(4 + i), ev[i].evict.pgoff);
	}
	ASSERT_EQ((ssize_t)len, pread(fd, copy, len, 0));
	EXPECT_EQ(-1, vmlab_check(copy, 0, 4, 12));
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 8, 12));
	close(fd);
	unlink(other);
	free(copy);
}

/*
 * A software TLB of one page keeps one page mapped, but the kernel's copy
 * of a buffer that straddles two pages needs both at once: its faults do
 * not shrink the window (the user's next fault does), so the copy finishes.
 */
TEST_F(kaccess, copy_straddling_two_pages_with_a_one_page_window_finishes)
{
	size_t ps = self->e.lab.ps;
	char path[96], *copy = malloc(ps);
	int fd;

	ASSERT_NE(NULL, copy);
	ASSERT_EQ(0, vmlab_set_policy(self->e.lab.fd, VMLAB_POLICY_FIFO, 0, 1, 1));
	vmlab_fill(self->e.lab.map, 0, 2, 13);
	snprintf(path, sizeof(path), "%s/copy", self->e.dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)ps, write(fd, self->e.lab.map + ps / 2, ps));
	ASSERT_EQ((ssize_t)ps, pread(fd, copy, ps, 0));
	EXPECT_EQ(0, memcmp(copy, self->e.lab.map + ps / 2, ps));
	close(fd);
	unlink(path);
	free(copy);
}

/*
 * One frame, and one access that needs two pages: a load straddling them
 * (one instruction) or the kernel's copy of a buffer straddling them (one
 * system call).  The page the access faulted in first is not evicted for
 * the second; it comes in past the budget, and the access completes.
 */
static void straddle_one_frame(struct __test_metadata *_metadata,
			       struct kenv *e, bool kernel)
{
	size_t ps = e->lab.ps;
	char path[96], *copy = malloc(ps);
	struct vmlab_stats st;
	uint64_t v;
	int fd;

	ASSERT_NE(NULL, copy);
	ASSERT_EQ(0, vmlab_set_policy(e->lab.fd, VMLAB_POLICY_FIFO, 1, 0, 1));
	vmlab_fill(e->lab.map, 0, 2, 14);
	ASSERT_EQ(0, vmlab_reset_stats(e->lab.fd));
	if (kernel) {
		snprintf(path, sizeof(path), "%s/copy", e->dir);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		ASSERT_LE(0, fd);
		ASSERT_EQ((ssize_t)ps, write(fd, e->lab.map + ps / 2, ps));
		ASSERT_EQ((ssize_t)ps, pread(fd, copy, ps, 0));
		EXPECT_EQ(0, memcmp(copy, e->lab.map + ps / 2, ps));
		close(fd);
		unlink(path);
	} else {
		/* the last 4 bytes of page 0 and the first 4 of page 1 */
		memcpy(&v, (const char *)e->lab.map + ps - 4, sizeof(v));
		EXPECT_EQ(~vmlab_tag(14, 0) >> 32 | vmlab_tag(14, 1) << 32, v);
	}
	ASSERT_EQ(0, vmlab_get_stats(e->lab.fd, &st));
	EXPECT_EQ(1ULL, st.over_budget);
	free(copy);
}

TEST_F(kaccess, load_straddling_two_pages_with_one_frame_completes)
{
	straddle_one_frame(_metadata, &self->e, false);
}

TEST_F(kaccess, copy_straddling_two_pages_with_one_frame_finishes)
{
	straddle_one_frame(_metadata, &self->e, true);
}

/*
 * The backing fd may be O_DIRECT: vmlab opens the file again for itself,
 * buffered, so its reads of a kernel buffer work (direct ones would fail).
 */
TEST_F(kaccess, o_direct_backing_file_gives_evicted_pages_back)
{
	const char *disk = test_disk();

	if (!disk)
		SKIP(return, "no ext4 test disk (scripts/vm --disk)");
	ASSERT_EQ(0, backing_in(&self->e, disk, O_DIRECT));
	ASSERT_EQ(0, vmlab_set_policy(self->e.lab.fd, VMLAB_POLICY_FIFO, 4, 0, 1));
	vmlab_fill(self->e.lab.map, 0, 8, 10);
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 8, 10));
	/* 0-3 and then 4-7 read back, each read evicting one page */
	EXPECT_STATS(self->e.lab.fd, STAT(swap_ins, 8ULL),
		     STAT(swap_outs, 8ULL), STAT(clean_drops, 4ULL),
		     STAT(io_errors, 0ULL), STAT(fault_errors, 0ULL));
}

/*
 * A direct write(backing_fd, vmlab_memory, n) holds the backing inode's lock
 * while it pins its source pages; swapping them in must not take that lock
 * (a direct read would): it finishes, and both copies are right.
 */
TEST_F(kaccess, direct_write_of_swapped_out_pages_into_the_backing_file_finishes)
{
	const char *disk = test_disk();
	size_t len = 4 * self->e.lab.ps;
	off_t at = (off_t)REGION_PAGES * self->e.lab.ps;
	char *copy = aligned_alloc(self->e.lab.ps, len);

	ASSERT_NE(NULL, copy);
	if (!disk)
		SKIP(return, "no ext4 test disk (scripts/vm --disk)");
	ASSERT_EQ(0, backing_in(&self->e, disk, O_DIRECT));
	ASSERT_EQ(0, vmlab_set_policy(self->e.lab.fd, VMLAB_POLICY_FIFO, 4, 0, 1));
	vmlab_fill(self->e.lab.map, 0, 8, 11);
	ASSERT_EQ((ssize_t)len, pwrite(self->e.bfd, self->e.lab.map, len, at));
	ASSERT_EQ((ssize_t)len, pread(self->e.bfd, copy, len, at));
	EXPECT_EQ(-1, vmlab_check(copy, 0, 4, 11));
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 8, 11));
	free(copy);
}

/* Spin for @us microseconds. */
static void spin_us(unsigned int us)
{
	__u64 end = vmlab_now_ns() + (__u64)us * 1000;

	while (vmlab_now_ns() < end)
		;
}

/*
 * A fault the kernel takes parks its victim for the worker.  Faulting it
 * straight back in, writing it and parking it again hands the worker the
 * same page while it may be writing the older contents: it must write it
 * again, not free it.  Each round: page 0 written with a new value through
 * /proc/self/mem and parked, then after a delay that sweeps across the
 * worker's write (slow: the backing fd is O_SYNC on ext4) written again and
 * parked again, and read back once the worker is done.
 */
#define REPARK_ROUNDS	120

TEST_F(kaccess, page_parked_again_while_the_worker_writes_it_keeps_its_new_contents)
{
	size_t ps = self->e.lab.ps;
	char *page0 = self->e.lab.map, *page1 = vmlab_page(&self->e.lab, 1);
	char *buf = filled_buffer(0, 1, 0), *out = malloc(ps);
	const char *disk = test_disk();
	struct vmlab_stats st;
	unsigned int round;


	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, out);
	if (!disk)
		SKIP(return, "no ext4 test disk (scripts/vm --disk)");
	ASSERT_EQ(0, backing_in(&self->e, disk, O_SYNC));
	ASSERT_EQ(0, vmlab_set_policy(self->e.lab.fd, VMLAB_POLICY_FIFO, 1, 0, 1));
	for (round = 1; round <= REPARK_ROUNDS; round++) {
		vmlab_fill(buf, 0, 1, 2 * round);
		ASSERT_EQ((ssize_t)ps, proc_mem_io(page0, buf, ps, true));
		ASSERT_EQ((ssize_t)ps, proc_mem_io(page1, buf, ps, true));
		spin_us(round * 97 % 6000);
		vmlab_fill(buf, 0, 1, 2 * round + 1);
		ASSERT_EQ((ssize_t)ps, proc_mem_io(page0, buf, ps, true));
		ASSERT_EQ((ssize_t)ps, proc_mem_io(page1, buf, ps, true));
		/*
		 * Give the worker time to finish (a write takes well under a
		 * millisecond here): a read before it does would find the
		 * page still parked, which proves nothing but fails nothing.
		 */
		usleep(20000);
		ASSERT_EQ((ssize_t)ps, proc_mem_io(page0, out, ps, false));
		ASSERT_EQ(-1, vmlab_check(out, 0, 1, 2 * round + 1))
			TH_LOG("round %u: page 0 lost its last write", round);
	}
	ASSERT_EQ(0, vmlab_get_stats(self->e.lab.fd, &st));
	EXPECT_EQ(0ULL, st.io_errors);
	free(buf);
	free(out);
}

/* ------------------------------------------------------------- populate */

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

enum populate_how { POP_MADVISE, POP_MLOCK, POP_MAP_POPULATE };

FIXTURE(populate) {
	struct kenv e;
};

FIXTURE_VARIANT(populate) {
	enum populate_how how;
};

FIXTURE_VARIANT_ADD(populate, madv_populate_write) { .how = POP_MADVISE };
FIXTURE_VARIANT_ADD(populate, mlock) { .how = POP_MLOCK };
FIXTURE_VARIANT_ADD(populate, map_populate) { .how = POP_MAP_POPULATE };

/*
 * A backing file on a 16-page tmpfs, FIFO over 4 frames, pages 0-19
 * written: 16 fill the file, 16-19 are resident and dirty.
 */
FIXTURE_SETUP(populate)
{
	char opts[64];

	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, kenv_setup(&self->e));
	snprintf(opts, sizeof(opts), "size=%zu", 16 * self->e.lab.ps);
	ASSERT_EQ(0, mount("tmpfs", self->e.dir, "tmpfs", 0, opts));
	ASSERT_EQ(0, backing_in(&self->e, self->e.dir, 0));
	ASSERT_EQ(0, vmlab_set_policy(self->e.lab.fd, VMLAB_POLICY_FIFO, 4, 0, 1));
	vmlab_fill(self->e.lab.map, 0, 20, 9);
}

FIXTURE_TEARDOWN(populate)
{
	if (self->e.bfd >= 0)
		close(self->e.bfd);
	self->e.bfd = -1;
	umount2(self->e.dir, MNT_DETACH);
	self->e.path[0] = 0;
	kenv_teardown(&self->e);
}

static int populate(struct kenv *e, enum populate_how how, size_t pgoff,
		    size_t pages)
{
	char *p = vmlab_page(&e->lab, pgoff);
	size_t len = pages * e->lab.ps;
	void *q;
	int ret;

	switch (how) {
	case POP_MADVISE:
		return madvise(p, len, MADV_POPULATE_WRITE) ? -errno : 0;
	case POP_MLOCK:
		ret = mlock(p, len) ? -errno : 0;
		munlock(p, len);
		return ret;
	case POP_MAP_POPULATE:
		q = mmap(p, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED | MAP_POPULATE, e->lab.fd,
			 (off_t)(pgoff * e->lab.ps));
		return q == MAP_FAILED ? -errno : 0;
	}
	return -EINVAL;
}

/*
 * Populating pages 20-23 needs four victims the full file cannot take.
 * Populate faults are the kernel's, so the victims are parked and the
 * worker's writes fail (counted); nothing spins, nothing is lost.
 */
TEST_F(populate, on_a_full_backing_file_system_finishes_and_loses_nothing)
{
	char opts[64];

	ASSERT_EQ(0, populate(&self->e, variant->how, 20, 4));
	ASSERT_EQ(0, wait_io_errors(self->e.lab.fd, 4));
	EXPECT_STATS(self->e.lab.fd, STAT(io_errors, 4ULL),
		     STAT(fault_errors, 0ULL), STAT(pages_resident, 4ULL),
		     STAT(store_pages, 20ULL));

	snprintf(opts, sizeof(opts), "size=%zu", 64 * self->e.lab.ps);
	ASSERT_EQ(0, mount("tmpfs", self->e.dir, "tmpfs", MS_REMOUNT, opts));
	EXPECT_EQ(-1, vmlab_check(self->e.lab.map, 0, 20, 9));
	EXPECT_TRUE(vmlab_all_zero(vmlab_page(&self->e.lab, 20),
				   4 * self->e.lab.ps));
}

VMLAB_HARNESS_MAIN
