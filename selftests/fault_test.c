// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab demand paging: which faults a touch produces, exactly; sharing
 * between mappings and processes; madvise, munmap and mremap on a vmlab
 * mapping; the module's page limit; concurrent first touches; unloading
 * while mapped.
 *
 * A read fault maps a page read-only, so a later write is a second fault (an
 * upgrade); a write to a missing page is one zero-fill fault.  The kernel
 * makes these counts deterministic, so every count here is exact.
 */
#include <pthread.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define PAGES	64U	/* the fault fixture's region */

FIXTURE(fault) {
	struct vmlab_lab lab;
};

FIXTURE_SETUP(fault)
{
	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, PAGES,
				    VMLAB_EV_BIT(VMLAB_EV_FAULT), 0, 1024));
}

FIXTURE_TEARDOWN(fault)
{
	vmlab_lab_close(&self->lab);
}

/* Expect @n fault records for pages 0..n-1 of @lab, of @kind and @access. */
#define EXPECT_FAULT_RECORDS(ev, n, lab, kind_, access_) do {		\
		size_t __i;						\
									\
		for (__i = 0; __i < (n); __i++) {			\
			EXPECT_EQ((__u32)VMLAB_EV_FAULT, (ev)[__i].type);	\
			EXPECT_EQ((__u32)(kind_), (ev)[__i].fault.kind); \
			EXPECT_EQ((__u32)(access_), (ev)[__i].fault.access); \
			EXPECT_EQ((__u64)(uintptr_t)vmlab_page(lab, __i), \
				  (ev)[__i].fault.addr);		\
			EXPECT_EQ((__u64)__i, (ev)[__i].fault.pgoff);	\
		}							\
	} while (0)

TEST_F(fault, reading_n_pages_gives_n_zero_fill_faults)
{
	struct vmlab_event ev[2 * PAGES];

	vmlab_touch_read(self->lab.map, PAGES);
	EXPECT_FAULTS(self->lab.fd, PAGES, 0, 0);
	ASSERT_EQ(PAGES, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_FAULT_RECORDS(ev, PAGES, &self->lab, VMLAB_FAULT_ZERO,
			     VMLAB_ACC_READ | VMLAB_ACC_USER);
}

TEST_F(fault, writing_n_pages_gives_n_zero_fill_faults_and_no_upgrade)
{
	struct vmlab_event ev[2 * PAGES];

	vmlab_touch_write(self->lab.map, PAGES, 1);
	EXPECT_FAULTS(self->lab.fd, PAGES, 0, 0);
	ASSERT_EQ(PAGES, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_FAULT_RECORDS(ev, PAGES, &self->lab, VMLAB_FAULT_ZERO,
			     VMLAB_ACC_WRITE | VMLAB_ACC_USER);
}

TEST_F(fault, only_touched_pages_are_allocated)
{
	struct vmlab_stats st;

	vmlab_touch_write(vmlab_page(&self->lab, 8), 16, 1);
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	EXPECT_EQ(16ULL, st.pages_resident);
	EXPECT_EQ(16ULL, st.pages_allocated);
}

TEST_F(fault, retouching_resident_pages_faults_no_more)
{
	struct vmlab_event ev[PAGES];

	vmlab_touch_write(self->lab.map, PAGES, 1);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	ASSERT_EQ(PAGES, vmlab_discard(self->lab.fd));

	vmlab_touch_read(self->lab.map, PAGES);
	vmlab_touch_write(self->lab.map, PAGES, 2);
	EXPECT_FAULTS(self->lab.fd, 0, 0, 0);
	EXPECT_EQ(0, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
}

TEST_F(fault, read_then_write_gives_one_zero_fill_and_one_upgrade_per_page)
{
	struct vmlab_event ev[3 * PAGES];
	size_t i;

	vmlab_touch_read(self->lab.map, PAGES);
	vmlab_touch_write(self->lab.map, PAGES, 1);
	EXPECT_FAULTS(self->lab.fd, PAGES, 0, PAGES);
	ASSERT_EQ(2 * PAGES, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_FAULT_RECORDS(ev, PAGES, &self->lab, VMLAB_FAULT_ZERO,
			     VMLAB_ACC_READ | VMLAB_ACC_USER);
	for (i = 0; i < PAGES; i++) {
		const struct vmlab_event *e = &ev[PAGES + i];

		EXPECT_EQ((__u32)VMLAB_EV_FAULT, e->type);
		EXPECT_EQ((__u32)VMLAB_FAULT_UPGRADE, e->fault.kind);
		/* the core does not tell ->page_mkwrite the user bit */
		EXPECT_EQ((__u32)VMLAB_ACC_WRITE,
			  e->fault.access & (VMLAB_ACC_READ | VMLAB_ACC_WRITE |
					     VMLAB_ACC_EXEC));
		EXPECT_EQ((__u64)(uintptr_t)vmlab_page(&self->lab, i),
			  e->fault.addr);
		EXPECT_EQ((__u64)i, e->fault.pgoff);
	}
}

TEST_F(fault, first_touch_gives_zero_filled_pages)
{
	size_t ps = self->lab.ps;

	/* read faults: every byte of every page is zero */
	EXPECT_TRUE(vmlab_all_zero(self->lab.map, PAGES / 2 * ps));
	/* write faults: the rest of the page around the written byte too */
	vmlab_touch_write(vmlab_page(&self->lab, PAGES / 2), PAGES / 2, 0xaa);
	EXPECT_TRUE(vmlab_all_zero(vmlab_page(&self->lab, PAGES / 2) + 1,
				   ps - 1));
	EXPECT_TRUE(vmlab_all_zero(vmlab_page(&self->lab, PAGES - 1) + 1,
				   ps - 1));
	EXPECT_FAULTS(self->lab.fd, PAGES, 0, 0);
}

TEST_F(fault, two_mappings_of_one_instance_share_pages)
{
	char *map2 = vmlab_mmap(self->lab.fd, PAGES, 0);

	ASSERT_NE(MAP_FAILED, map2);
	vmlab_fill(self->lab.map, 0, PAGES, 1);
	EXPECT_EQ(-1, vmlab_check(map2, 0, PAGES, 1));
	/* the second mapping finds every page resident */
	EXPECT_FAULTS(self->lab.fd, PAGES, PAGES, 0);
	munmap(map2, PAGES * self->lab.ps);
}

TEST_F(fault, instances_are_independent)
{
	struct vmlab_event ev[PAGES];
	struct vmlab_stats st;
	struct vmlab_lab b;

	ASSERT_EQ(0, vmlab_lab_open(&b, PAGES, VMLAB_EV_BIT(VMLAB_EV_FAULT), 0,
				    1024));
	vmlab_fill(self->lab.map, 0, PAGES, 1);
	ASSERT_EQ(0, vmlab_get_stats(b.fd, &st));
	EXPECT_EQ(0ULL, st.faults);
	EXPECT_EQ(0ULL, st.pages_resident);
	EXPECT_EQ(0, vmlab_read_ready(b.fd, ev, ARRAY_SIZE(ev)));
	/* b's pages are its own: zero */
	EXPECT_TRUE(vmlab_all_zero(b.map, PAGES * b.ps));
	EXPECT_FAULTS(b.fd, PAGES, 0, 0);
	EXPECT_FAULTS(self->lab.fd, PAGES, 0, 0);
	vmlab_lab_close(&b);
}

static int check_then_fill_second_half(void *arg)
{
	struct vmlab_lab *lab = arg;

	CHILD_CHECK(vmlab_check(lab->map, 0, PAGES / 2, 1) == -1);
	vmlab_fill(vmlab_page(lab, PAGES / 2), PAGES / 2, PAGES / 2, 2);
	return 0;
}

TEST_F(fault, parent_and_child_share_bytes)
{
	vmlab_fill(self->lab.map, 0, PAGES / 2, 1);
	ASSERT_EQ(0, vmlab_in_child(check_then_fill_second_half, &self->lab));
	EXPECT_EQ(-1, vmlab_check(vmlab_page(&self->lab, PAGES / 2),
				  PAGES / 2, PAGES / 2, 2));
}

static int read_all_pages(void *arg)
{
	struct vmlab_lab *lab = arg;

	vmlab_touch_read(lab->map, lab->pages);
	return 0;
}

TEST_F(fault, child_faults_on_inherited_resident_pages_are_minor)
{
	struct vmlab_event ev[2 * PAGES];
	pid_t pid;
	size_t i;

	vmlab_fill(self->lab.map, 0, PAGES, 1);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	ASSERT_EQ(PAGES, vmlab_discard(self->lab.fd));

	/* fork() does not copy a shared file mapping's PTEs */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(read_all_pages(&self->lab));
	ASSERT_EQ(0, vmlab_wait(pid));

	EXPECT_FAULTS(self->lab.fd, 0, PAGES, 0);
	ASSERT_EQ(PAGES, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_FAULT_RECORDS(ev, PAGES, &self->lab, VMLAB_FAULT_MINOR,
			     VMLAB_ACC_READ | VMLAB_ACC_USER);
	for (i = 0; i < PAGES; i++) {
		EXPECT_EQ((__u32)pid, ev[i].pid);
		EXPECT_EQ((__u32)pid, ev[i].tgid);
	}
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* The receiver: map the instance it is sent, check and extend its bytes. */
static int map_received_instance(void *arg)
{
	int sock = *(int *)arg, fd;
	char *map;

	fd = recv_fd(sock);
	CHILD_CHECK(fd >= 0);
	map = vmlab_mmap(fd, PAGES, 0);
	CHILD_CHECK(map != MAP_FAILED);
	CHILD_CHECK(vmlab_check(map, 0, PAGES / 2, 3) == -1);
	vmlab_fill(map + PAGES / 2 * vmlab_page_size(), PAGES / 2, PAGES / 2, 4);
	munmap(map, PAGES * vmlab_page_size());
	close(fd);
	return 0;
}

TEST_F(fault, instance_passed_over_unix_socket_shares_pages)
{
	int sv[2], fd, status;
	pid_t pid;
	char *map;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	/* the receiver exists before the instance: only the socket joins them */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(map_received_instance(&sv[1]));

	fd = vmlab_open_config(PAGES, 0, 0, 1024);
	ASSERT_LE(0, fd);
	map = vmlab_mmap(fd, PAGES, 0);
	ASSERT_NE(MAP_FAILED, map);
	vmlab_fill(map, 0, PAGES / 2, 3);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	status = vmlab_wait(pid);
	EXPECT_EQ(0, status);
	EXPECT_EQ(-1, vmlab_check(map + PAGES / 2 * self->lab.ps, PAGES / 2,
				  PAGES / 2, 4));
	/* zero: a's half and b's; minor: each side reading the other's */
	EXPECT_FAULTS(fd, PAGES, PAGES, 0);
	munmap(map, PAGES * self->lab.ps);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(fault, madvise_dontneed_then_retouch_refaults_minor_and_keeps_contents)
{
	struct vmlab_stats st;

	vmlab_fill(self->lab.map, 0, PAGES, 1);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	ASSERT_EQ(0, madvise(self->lab.map, PAGES * self->lab.ps,
			     MADV_DONTNEED));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, PAGES, 1));
	EXPECT_FAULTS(self->lab.fd, 0, PAGES, 0);
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	EXPECT_EQ((__u64)PAGES, st.pages_resident);
}

/* debugfs: faults that took no instance lock, and locks faults took */
#define EXPECT_FAULT_LOCKS(fd, unlocked, locks) do {			\
		EXPECT_EQ(unlocked, vmlab_debugfs_stat(fd, "faults_unlocked")); \
		EXPECT_EQ(locks, vmlab_debugfs_stat(fd, "fault_locks"));	\
	} while (0)

/*
 * The fast path (fault.c): a fault on a resident page, under a policy
 * whose hit is a mark, takes no instance lock, with a frame budget or
 * without.  debugfs counts such faults.  Pages 0..@n-1 written, their PTEs zapped
 * and the stats reset, then @touch of them read again.
 */
static void refault_resident(struct __test_metadata *_metadata,
			     struct vmlab_lab *lab, size_t n, const size_t *touch,
			     size_t ntouch)
{
	size_t i;

	vmlab_fill(lab->map, 0, n, 1);
	ASSERT_EQ(0, madvise(lab->map, n * lab->ps, MADV_DONTNEED));
	ASSERT_EQ(0, vmlab_reset_stats(lab->fd));
	for (i = 0; i < ntouch; i++)
		EXPECT_EQ(-1, vmlab_check(vmlab_page(lab, touch[i]), touch[i], 1, 1));
}

/*
 * Eight minor faults under @policy with @frames (0: none): @unlocked of
 * them took no instance lock, and the rest took it once each.
 */
static void expect_minor_fault_locks(struct __test_metadata *_metadata,
				     struct vmlab_lab *lab, __u32 policy,
				     __u64 frames, long long unlocked)
{
	static const size_t all[] = { 0, 1, 2, 3, 4, 5, 6, 7 };

	ASSERT_EQ(0, vmlab_set_policy(lab->fd, policy, frames, 0, 0));
	refault_resident(_metadata, lab, 8, all, ARRAY_SIZE(all));
	EXPECT_FAULTS(lab->fd, 0, 8, 0);
	EXPECT_FAULT_LOCKS(lab->fd, unlocked, 8 - unlocked);
}

TEST_F(fault, minor_faults_without_a_budget_take_no_instance_lock)
{
	expect_minor_fault_locks(_metadata, &self->lab, VMLAB_POLICY_FIFO, 0, 8);
}

TEST_F(fault, minor_faults_under_a_frame_budget_take_no_instance_lock)
{
	expect_minor_fault_locks(_metadata, &self->lab, VMLAB_POLICY_FIFO,
				 PAGES, 8);
}

TEST_F(fault, minor_faults_under_wsclock_take_no_instance_lock)
{
	expect_minor_fault_locks(_metadata, &self->lab, VMLAB_POLICY_WSCLOCK,
				 PAGES, 8);
}

/* LRU moves the frame on its list, and runs with a software TLB */
TEST_F(fault, minor_faults_under_lru_take_the_instance_lock_once_each)
{
	static const size_t all[] = { 0, 1, 2, 3, 4, 5, 6, 7 };

	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_LRU, PAGES,
				      PAGES, 0));
	refault_resident(_metadata, &self->lab, 8, all, ARRAY_SIZE(all));
	EXPECT_FAULTS(self->lab.fd, 0, 8, 0);
	EXPECT_FAULT_LOCKS(self->lab.fd, 0, 8);
}

/* VMLAB_POLICY_STATE of @fd's four resident pages, in load order. */
static void policy_state_of_4(struct __test_metadata *_metadata, int fd,
			      struct vmlab_policy_entry e[4])
{
	struct vmlab_policy_state st = {
		.size = sizeof(st), .entries = (uintptr_t)e, .count = 4,
	};
	size_t i;

	ASSERT_EQ(0, vmlab_ioctl(fd, VMLAB_POLICY_STATE, &st));
	ASSERT_EQ(4U, st.count);
	for (i = 0; i < 4; i++)
		EXPECT_EQ((__u64)i, e[i].pgoff);
}

TEST_F(fault, sieve_hits_without_the_instance_lock_set_the_visited_bits)
{
	static const size_t touch[] = { 1, 3 };
	struct vmlab_policy_entry e[4];
	size_t i;

	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_SIEVE, 0, 0, 0));
	refault_resident(_metadata, &self->lab, 4, touch, ARRAY_SIZE(touch));
	EXPECT_EQ(2, vmlab_debugfs_stat(self->lab.fd, "faults_unlocked"));
	policy_state_of_4(_metadata, self->lab.fd, e);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(i % 2 ? VMLAB_PSTATE_MARK : 0U,
			  e[i].flags & VMLAB_PSTATE_MARK) TH_LOG("page %zu", i);
}

/*
 * The switch to WSCLOCK clears every reference bit; the hits set theirs.
 * The bits are shown by slot: under a budget.
 */
TEST_F(fault, wsclock_hits_without_the_instance_lock_set_the_reference_bits)
{
	struct vmlab_policy_entry e[4];
	size_t i;

	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_FIFO, PAGES, 0, 0));
	vmlab_fill(self->lab.map, 0, 4, 1);
	ASSERT_EQ(0, madvise(self->lab.map, 4 * self->lab.ps, MADV_DONTNEED));
	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_WSCLOCK, PAGES,
				      0, 0));
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	EXPECT_EQ(-1, vmlab_check(vmlab_page(&self->lab, 1), 1, 1, 1));
	EXPECT_EQ(-1, vmlab_check(vmlab_page(&self->lab, 3), 3, 1, 1));
	EXPECT_EQ(2, vmlab_debugfs_stat(self->lab.fd, "faults_unlocked"));
	policy_state_of_4(_metadata, self->lab.fd, e);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(i % 2 ? VMLAB_PSTATE_MARK : 0U,
			  e[i].flags & VMLAB_PSTATE_MARK) TH_LOG("page %zu", i);
}

TEST_F(fault, s3fifo_hits_without_the_instance_lock_count_to_3)
{
	static const size_t touch[] = { 1, 3, 3, 3, 3 };
	struct vmlab_policy_entry e[4];
	static const __u32 want[] = { 0, 1, 0, 3 };
	size_t i;

	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_S3FIFO, 0, 0, 0));
	refault_resident(_metadata, &self->lab, 4, touch, 1);
	/* page 3 four times: its PTE zapped before each */
	for (i = 1; i < ARRAY_SIZE(touch); i++) {
		ASSERT_EQ(0, madvise(vmlab_page(&self->lab, 3), self->lab.ps,
				     MADV_DONTNEED));
		EXPECT_EQ(-1, vmlab_check(vmlab_page(&self->lab, 3), 3, 1, 1));
	}
	EXPECT_EQ(5, vmlab_debugfs_stat(self->lab.fd, "faults_unlocked"));
	policy_state_of_4(_metadata, self->lab.fd, e);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(want[i], e[i].age) TH_LOG("page %zu", i);
}

/*
 * The fast path for a miss: a zero-fill with no frame budget and an empty
 * store takes no instance lock either, nor does a write upgrade.  debugfs
 * counts the instance locks faults took.
 */
/* Eight zero-fills under FIFO with @frames (0: none), none locked */
static void expect_zero_fills_unlocked(struct __test_metadata *_metadata,
				       struct vmlab_lab *lab, __u64 frames)
{
	ASSERT_EQ(0, vmlab_set_policy(lab->fd, VMLAB_POLICY_FIFO, frames, 0, 0));
	ASSERT_EQ(0, vmlab_reset_stats(lab->fd));
	vmlab_touch_write(lab->map, 8, 1);
	EXPECT_FAULTS(lab->fd, 8, 0, 0);
	EXPECT_FAULT_LOCKS(lab->fd, 8, 0);
}

TEST_F(fault, zero_fills_without_a_budget_take_no_instance_lock)
{
	expect_zero_fills_unlocked(_metadata, &self->lab, 0);
}

TEST_F(fault, zero_fills_while_free_frames_remain_take_no_instance_lock)
{
	expect_zero_fills_unlocked(_metadata, &self->lab, 8);
}

TEST_F(fault, write_upgrades_without_a_budget_take_no_instance_lock)
{
	vmlab_touch_read(self->lab.map, 8);
	vmlab_touch_write(self->lab.map, 8, 1);
	EXPECT_FAULTS(self->lab.fd, 8, 0, 8);
	EXPECT_FAULT_LOCKS(self->lab.fd, 16, 0);
}

/* Clean zero-filled pages: each eviction drops its victim, with no I/O. */
TEST_F(fault, zero_fills_that_evict_take_the_instance_lock_once_each)
{
	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_FIFO, 4, 0, 0));
	vmlab_touch_read(self->lab.map, 8);
	EXPECT_FAULTS(self->lab.fd, 8, 0, 0);
	EXPECT_STATS(self->lab.fd, STAT(faults_free_frame, 4ULL),
		     STAT(faults_evicted, 4ULL), STAT(pages_resident, 4ULL));
	EXPECT_FAULT_LOCKS(self->lab.fd, 4, 4);
}

/*
 * vmlab bench fault measures it: its vmlab-evicted variant, zero-fills
 * under a budget that has evicted, with frames free, took no lock.
 */
TEST_F(fault, bench_fault_counts_no_lock_for_zero_fills_after_an_eviction)
{
	static char out[65536];
	char tool[PATH_MAX];
	const char *row;

	ASSERT_EQ(0, vmlab_tool_path(tool, sizeof(tool)));
	ASSERT_EQ(0, vmlab_tool_run(tool, "-j bench fault --variants "
				    "vmlab-evicted --access write --rounds 1 "
				    "--pages 256", out, sizeof(out)));
	row = strstr(out, "\"variant\":\"vmlab-evicted\"");
	ASSERT_NE(NULL, row) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(row, "\"locks_per_fault\":0,")) TH_LOG("%s", row);
}

/*
 * A miss that must evict, or swap its page in, leaves the fast path before
 * it allocates: it gives back no page it cleared for nothing (debugfs
 * counts such pages).  Eight writes through four frames, then the four
 * evicted pages read back.
 */
TEST_F(fault, misses_that_evict_or_swap_in_allocate_no_page_for_nothing)
{
	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_FIFO, 4, 0, 0));
	vmlab_fill(self->lab.map, 0, 8, 7);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 4, 7));
	EXPECT_STATS(self->lab.fd, STAT(faults_evicted, 8ULL),
		     STAT(faults_swapin, 4ULL), STAT(pages_resident, 4ULL));
	EXPECT_EQ(0, vmlab_debugfs_stat(self->lab.fd, "misses_undone"));
}

TEST_F(fault, pages_zero_filled_without_the_lock_join_the_fifo_in_fault_order)
{
	static const size_t order[] = { 5, 2, 7, 0 };
	struct vmlab_policy_entry e[4];
	struct vmlab_policy_state st = {
		.size = sizeof(st), .entries = (uintptr_t)e, .count = 4,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(order); i++)
		vmlab_touch_write(vmlab_page(&self->lab, order[i]), 1, 1);
	EXPECT_EQ(4, vmlab_debugfs_stat(self->lab.fd, "faults_unlocked"));
	ASSERT_EQ(0, vmlab_ioctl(self->lab.fd, VMLAB_POLICY_STATE, &st));
	ASSERT_EQ(4U, st.count);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		EXPECT_EQ((__u64)order[i], e[i].pgoff) TH_LOG("entry %zu", i);
}

/*
 * The store holds the evicted pages: a miss on one takes the lock and swaps
 * it in; a miss on a page it has no copy of zero-fills without the lock.
 */
TEST_F(fault, after_a_forced_eviction_swap_ins_take_the_lock_and_zero_fills_do_not)
{
	__u64 n;

	vmlab_fill(self->lab.map, 0, 8, 3);
	ASSERT_EQ(0, vmlab_evict_all(self->lab.fd, &n));
	ASSERT_EQ(8ULL, n);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 8, 3));
	vmlab_touch_write(vmlab_page(&self->lab, 8), 1, 1);
	EXPECT_STATS(self->lab.fd, STAT(faults_swapin, 8ULL),
		     STAT(faults_zero, 1ULL), STAT(pages_resident, 9ULL),
		     STAT(store_pages, 0ULL));
	EXPECT_FAULT_LOCKS(self->lab.fd, 1, 8);
}

/*
 * A budget's evictions leave its misses lock-free: once VMLAB_EVICT frees
 * its frames, zero-fills of pages never touched take none, and the pages
 * the budget evicted come back whole, each swap-in evicting under the lock.
 */
TEST_F(fault, zero_fills_after_a_budget_evicted_take_no_lock_while_frames_are_free)
{
	__u64 n;

	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_FIFO, 4, 0, 0));
	vmlab_fill(self->lab.map, 0, 8, 5);
	EXPECT_STATS(self->lab.fd, STAT(evictions, 4ULL), STAT(store_pages, 4ULL));
	ASSERT_EQ(0, vmlab_evict_all(self->lab.fd, &n));
	ASSERT_EQ(4ULL, n);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	vmlab_touch_write(vmlab_page(&self->lab, 8), 4, 1);
	EXPECT_STATS(self->lab.fd, STAT(faults_zero, 4ULL),
		     STAT(faults_free_frame, 4ULL), STAT(faults_evicted, 0ULL));
	EXPECT_FAULT_LOCKS(self->lab.fd, 4, 0);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 8, 5));
	EXPECT_STATS(self->lab.fd, STAT(faults_swapin, 8ULL),
		     STAT(faults_evicted, 8ULL), STAT(pages_resident, 4ULL));
}

TEST_F(fault, partial_munmap_keeps_the_rest_mapped_and_every_page_resident)
{
	char *hole = vmlab_page(&self->lab, 16);
	size_t ps = self->lab.ps;
	struct vmlab_stats st;

	vmlab_fill(self->lab.map, 0, PAGES, 1);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	ASSERT_EQ(0, munmap(hole, 16 * ps));

	EXPECT_EQ(SIGSEGV, vmlab_access_signal(hole, false));
	EXPECT_EQ(SIGSEGV, vmlab_access_signal(hole + 15 * ps, false));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 16, 1));
	EXPECT_EQ(-1, vmlab_check(hole + 16 * ps, 32, PAGES - 32, 1));
	/* the PTEs outside the hole stayed: no fault at all */
	EXPECT_FAULTS(self->lab.fd, 0, 0, 0);
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	EXPECT_EQ((__u64)PAGES, st.pages_resident);
}

TEST_F(fault, remapping_an_unmapped_hole_shows_its_old_bytes)
{
	char *hole = vmlab_page(&self->lab, 16), *p;
	size_t ps = self->lab.ps;

	vmlab_fill(self->lab.map, 0, PAGES, 1);
	ASSERT_EQ(0, munmap(hole, 16 * ps));
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	p = mmap(hole, 16 * ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 self->lab.fd, (off_t)(16 * ps));
	ASSERT_EQ(hole, p);
	EXPECT_EQ(-1, vmlab_check(hole, 16, 16, 1));
	EXPECT_FAULTS(self->lab.fd, 0, 16, 0);
}

TEST_F(fault, mremap_growth_is_refused_with_efault)
{
	size_t half = PAGES / 2 * self->lab.ps;
	void *p;

	/* shrink to half the region first: growing back stays in the region */
	ASSERT_EQ(self->lab.map, mremap(self->lab.map, PAGES * self->lab.ps,
					half, 0));
	self->lab.pages = PAGES / 2;

	p = mremap(self->lab.map, half, 2 * half, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EFAULT, errno);
	p = mremap(self->lab.map, half, 2 * half, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EFAULT, errno);
	/* still mapped as before */
	vmlab_fill(self->lab.map, 0, PAGES / 2, 1);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, PAGES / 2, 1));
}

TEST_F(fault, mremap_shrink_unmaps_the_tail)
{
	size_t ps = self->lab.ps;

	vmlab_fill(self->lab.map, 0, PAGES, 1);
	ASSERT_EQ(self->lab.map, mremap(self->lab.map, PAGES * ps,
					PAGES / 2 * ps, 0));
	self->lab.pages = PAGES / 2;
	EXPECT_EQ(SIGSEGV, vmlab_access_signal(vmlab_page(&self->lab, PAGES / 2),
					       false));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, PAGES / 2, 1));
}

TEST_F(fault, mremap_move_carries_the_ptes_without_faults)
{
	size_t len = PAGES * self->lab.ps;
	char *target, *p;

	vmlab_fill(self->lab.map, 0, PAGES, 1);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	target = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, target);
	p = mremap(self->lab.map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   target);
	ASSERT_EQ(target, p);
	self->lab.map = p;
	EXPECT_EQ(-1, vmlab_check(p, 0, PAGES, 1));
	EXPECT_FAULTS(self->lab.fd, 0, 0, 0);
}

TEST_F(fault, vma_is_named_vmlab_in_proc_maps)
{
	char line[512], start[32];
	bool found = false;
	FILE *f;

	snprintf(start, sizeof(start), "%lx-", (unsigned long)self->lab.map);
	f = fopen("/proc/self/maps", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, start, strlen(start)))
			continue;
		found = true;
		line[strcspn(line, "\n")] = '\0';
		TH_LOG("%s", line);
		EXPECT_NE(NULL, strstr(line, "vmlab"));
		EXPECT_NE(NULL, strstr(line, " rw-s "));
	}
	fclose(f);
	EXPECT_TRUE(found);
}

TEST_F(fault, mapping_outlives_its_closed_fd)
{
	vmlab_fill(self->lab.map, 0, PAGES / 2, 1);
	ASSERT_EQ(0, close(self->lab.fd));
	self->lab.fd = -1;
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, PAGES / 2, 1));
	/* and still faults new pages in */
	vmlab_fill(vmlab_page(&self->lab, PAGES / 2), PAGES / 2, PAGES / 2, 2);
	EXPECT_EQ(-1, vmlab_check(vmlab_page(&self->lab, PAGES / 2), PAGES / 2,
				  PAGES / 2, 2));
}

TEST_F(fault, write_through_a_read_only_mapping_gets_sigsegv_and_no_vmlab_fault)
{
	char *ro = mmap(NULL, self->lab.ps, PROT_READ, MAP_SHARED, self->lab.fd,
			0);

	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(SIGSEGV, vmlab_access_signal(ro, true));
	EXPECT_FAULTS(self->lab.fd, 0, 0, 0);
	munmap(ro, self->lab.ps);
}

TEST_F(fault, instruction_fetch_fault_is_logged_with_exec_access)
{
	struct vmlab_event ev[4];
	int (*fn)(void);
	char *x;

	if (!vmlab_cpu_has("nx"))
		SKIP(return, "without NX the CPU does not report instruction fetches");
	/* "mov $42, %eax; ret" written through the read-write mapping */
	memcpy(self->lab.map, "\xb8\x2a\x00\x00\x00\xc3", 6);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	ASSERT_EQ(1, vmlab_discard(self->lab.fd));
	x = mmap(NULL, self->lab.ps, PROT_READ | PROT_EXEC, MAP_SHARED,
		 self->lab.fd, 0);
	ASSERT_NE(MAP_FAILED, x);
	fn = (int (*)(void))x;
	EXPECT_EQ(42, fn());
	EXPECT_FAULTS(self->lab.fd, 0, 1, 0);
	ASSERT_EQ(1, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_EQ((__u32)(VMLAB_ACC_EXEC | VMLAB_ACC_USER),
		  ev[0].fault.access & (VMLAB_ACC_EXEC | VMLAB_ACC_WRITE |
					VMLAB_ACC_USER));
	munmap(x, self->lab.ps);
}

#define PROCS		4
#define PROC_PAGES	1024U

static int write_every_page(void *arg)
{
	struct vmlab_lab *lab = arg;

	vmlab_touch_write(lab->map, PROC_PAGES, 1);
	return 0;
}

TEST_F(fault, processes_faulting_the_same_pages_at_once_share_one_zero_fill_each)
{
	struct vmlab_lab lab;
	pid_t pid[PROCS];
	int i;

	ASSERT_EQ(0, vmlab_lab_open(&lab, PROC_PAGES, 0, 0, 1024));
	for (i = 0; i < PROCS; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(write_every_page(&lab));
	}
	for (i = 0; i < PROCS; i++)
		ASSERT_EQ(0, vmlab_wait(pid[i]));
	/* each process faults each page once: one allocates, the rest map */
	EXPECT_STATS(lab.fd, STAT(faults_zero, (__u64)PROC_PAGES),
		     STAT(faults_minor, (__u64)(PROCS - 1) * PROC_PAGES),
		     STAT(faults_upgrade, 0ULL),
		     STAT(pages_allocated, (__u64)PROC_PAGES));
	vmlab_lab_close(&lab);
}

TEST_F(fault, map_populate_faults_every_page_in_as_kernel_reads)
{
	struct vmlab_event ev[2 * PAGES];
	char *p;
	size_t i;

	/* a shared mapping is populated read-only: no write upgrade yet */
	p = mmap(NULL, 16 * self->lab.ps, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, self->lab.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_FAULTS(self->lab.fd, 16, 0, 0);
	ASSERT_EQ(16, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	for (i = 0; i < 16; i++)
		EXPECT_EQ((__u32)VMLAB_ACC_READ, ev[i].fault.access);
	vmlab_touch_read(p, 16);
	EXPECT_FAULTS(self->lab.fd, 16, 0, 0);
	munmap(p, 16 * self->lab.ps);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

TEST_F(fault, madvise_populate_write_faults_every_page_in_writable)
{
	struct vmlab_event ev[2 * PAGES];
	size_t i;

	ASSERT_EQ(0, madvise(self->lab.map, 16 * self->lab.ps,
			     MADV_POPULATE_WRITE));
	EXPECT_FAULTS(self->lab.fd, 16, 0, 0);
	ASSERT_EQ(16, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	for (i = 0; i < 16; i++)
		EXPECT_EQ((__u32)VMLAB_ACC_WRITE, ev[i].fault.access);
	/* writable already: writing faults no more */
	vmlab_touch_write(self->lab.map, 16, 1);
	EXPECT_FAULTS(self->lab.fd, 16, 0, 0);
}

#ifndef MADV_COLD
#define MADV_COLD	20
#define MADV_PAGEOUT	21
#endif

TEST_F(fault, memory_advice_keeps_every_page_and_its_contents)
{
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_COLD, MADV_PAGEOUT,
	};
	size_t len = PAGES * self->lab.ps, i;
	struct vmlab_stats st;

	vmlab_fill(self->lab.map, 0, PAGES, 1);
	for (i = 0; i < ARRAY_SIZE(advice); i++)
		EXPECT_EQ(0, madvise(self->lab.map, len, advice[i]))
			TH_LOG("advice %d", advice[i]);
	EXPECT_EQ(0, posix_fadvise(self->lab.fd, 0, 0, POSIX_FADV_WILLNEED));
	EXPECT_EQ(0, posix_fadvise(self->lab.fd, 0, 0, POSIX_FADV_DONTNEED));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, PAGES, 1));
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	EXPECT_EQ((__u64)PAGES, st.pages_resident);
	EXPECT_EQ((__u64)PAGES, st.pages_allocated);
}

/* ------------------------------------------------------ eight threads */

#define THREADS		8
#define THREAD_PAGES	4096U

struct toucher {
	pthread_barrier_t *start;
	char *map;
	size_t pages;
	unsigned int id;
};

/* Write this thread's id into its own byte of every page, all at once. */
static void *touch_all_pages(void *arg)
{
	struct toucher *t = arg;
	size_t ps = vmlab_page_size(), i, pg;

	pthread_barrier_wait(t->start);
	for (i = 0; i < t->pages; i++) {
		/* half the threads go up, half down: they meet in the middle */
		pg = t->id % 2 ? t->pages - 1 - i : i;
		((volatile char *)t->map)[pg * ps + t->id] = (char)(t->id + 1);
	}
	return NULL;
}

TEST_F(fault, eight_threads_faulting_4096_pages_allocate_each_page_once)
{
	struct vmlab_event *ev = calloc(4 * THREAD_PAGES, sizeof(*ev));
	struct toucher t[THREADS];
	pthread_t tid[THREADS];
	pthread_barrier_t start;
	unsigned char *seen;
	struct vmlab_lab lab;
	struct vmlab_stats st;
	size_t n = 0, i, j;

	ASSERT_NE(NULL, ev);
	seen = calloc(THREAD_PAGES, 1);
	ASSERT_NE(NULL, seen);
	ASSERT_EQ(0, vmlab_lab_open(&lab, THREAD_PAGES,
				    VMLAB_EV_BIT(VMLAB_EV_FAULT), 0,
				    4 * THREAD_PAGES));
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, THREADS));
	for (i = 0; i < THREADS; i++) {
		t[i] = (struct toucher){ &start, lab.map, THREAD_PAGES,
					 (unsigned int)i };
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, touch_all_pages,
					    &t[i]));
	}
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_join(tid[i], NULL));

	ASSERT_EQ(0, vmlab_drain_settled(lab.fd, ev, 4 * THREAD_PAGES, &n,
					 &st));
	EXPECT_EQ((__u64)THREAD_PAGES, st.faults_zero);
	EXPECT_EQ((__u64)THREAD_PAGES, st.pages_allocated);
	EXPECT_EQ((__u64)THREAD_PAGES, st.pages_resident);
	/* every write found a writable PTE or installed one */
	EXPECT_EQ(0ULL, st.faults_upgrade);
	EXPECT_EQ(0ULL, st.fault_errors);
	EXPECT_EQ(0ULL, st.events_dropped);
	/* one zero-fill record per page, for every page */
	for (i = 0; i < n; i++) {
		if (ev[i].type != VMLAB_EV_FAULT ||
		    ev[i].fault.kind != VMLAB_FAULT_ZERO)
			continue;
		ASSERT_GT(THREAD_PAGES, ev[i].fault.pgoff);
		seen[ev[i].fault.pgoff]++;
	}
	for (i = 0; i < THREAD_PAGES; i++)
		ASSERT_EQ(1, seen[i]) TH_LOG("page %zu", i);
	/* one page each: every thread's byte is in it */
	for (i = 0; i < THREAD_PAGES; i++)
		for (j = 0; j < THREADS; j++)
			ASSERT_EQ((char)(j + 1), lab.map[i * lab.ps + j])
				TH_LOG("page %zu thread %zu", i, j);
	pthread_barrier_destroy(&start);
	vmlab_lab_close(&lab);
	free(seen);
	free(ev);
}

/*
 * First touches without the instance lock against the eviction that stops
 * them (page.c's vmlab_misses_lock()): writers fill their byte of every
 * page while another thread evicts everything, over and over.  A miss that
 * zero-filled a page after the eviction wrote it out would lose the bytes
 * written before.
 */
#define RACE_ROUNDS	20
#define RACE_PAGES	512U
#define RACE_WRITERS	4

struct race_evicter {
	pthread_barrier_t *start;
	int fd;
	volatile int *stop;
};

/*
 * EBUSY is an answer, not a failure: a page a fault holds (its reference
 * taken, its PTE not yet in) stays resident, as a pinned page does.
 */
static void *evict_until_stopped(void *arg)
{
	struct race_evicter *e = arg;
	int ret;
	__u64 n;

	pthread_barrier_wait(e->start);
	while (!*e->stop) {
		ret = vmlab_evict_all(e->fd, &n);
		if (ret && ret != -EBUSY)
			return (void *)1;
	}
	return NULL;
}

TEST_F(fault, first_touches_racing_forced_evictions_lose_no_write)
{
	struct toucher t[RACE_WRITERS];
	pthread_t tid[RACE_WRITERS], etid;
	struct race_evicter e;
	pthread_barrier_t start;
	volatile int stop;
	struct vmlab_lab lab;
	int round, i;
	void *ret;
	size_t pg;

	for (round = 0; round < RACE_ROUNDS; round++) {
		ASSERT_EQ(0, vmlab_lab_open(&lab, RACE_PAGES, 0, 0, 1024));
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, RACE_WRITERS + 1));
		stop = 0;
		e = (struct race_evicter){ &start, lab.fd, &stop };
		ASSERT_EQ(0, pthread_create(&etid, NULL, evict_until_stopped, &e));
		for (i = 0; i < RACE_WRITERS; i++) {
			t[i] = (struct toucher){ &start, lab.map, RACE_PAGES,
						 (unsigned int)i };
			ASSERT_EQ(0, pthread_create(&tid[i], NULL,
						    touch_all_pages, &t[i]));
		}
		for (i = 0; i < RACE_WRITERS; i++)
			ASSERT_EQ(0, pthread_join(tid[i], NULL));
		stop = 1;
		ASSERT_EQ(0, pthread_join(etid, &ret));
		EXPECT_EQ(NULL, ret);
		for (pg = 0; pg < RACE_PAGES; pg++)
			for (i = 0; i < RACE_WRITERS; i++)
				ASSERT_EQ((char)(i + 1), lab.map[pg * lab.ps + i])
					TH_LOG("round %d page %zu writer %d",
					       round, pg, i);
		EXPECT_STATS(lab.fd, STAT(fault_errors, 0ULL));
		pthread_barrier_destroy(&start);
		vmlab_lab_close(&lab);
	}
}

/* --------------------------------------------------- the module's limit */

FIXTURE(limit) {
	long max_pages;		/* to restore */
	struct vmlab_lab a, b;
};

FIXTURE_SETUP(limit)
{
	VMLAB_REQUIRE_MODULE();
	self->a.fd = self->b.fd = -1;
	self->max_pages = vmlab_param("max_pages");
	ASSERT_LT(0, self->max_pages);
}

FIXTURE_TEARDOWN(limit)
{
	vmlab_lab_close(&self->a);
	vmlab_lab_close(&self->b);
	vmlab_set_param("max_pages", self->max_pages);
}

TEST_F(limit, fault_beyond_the_module_page_limit_gets_sigbus_and_counts_an_error)
{
	struct vmlab_info info;

	ASSERT_EQ(0, vmlab_set_param("max_pages", 8));
	ASSERT_EQ(0, vmlab_lab_open(&self->a, 16, 0, 0, 1024));
	ASSERT_EQ(0, vmlab_get_info(self->a.fd, &info));
	EXPECT_EQ(8ULL, info.max_pages);

	vmlab_touch_write(self->a.map, 8, 1);
	EXPECT_EQ(SIGBUS, vmlab_access_signal(vmlab_page(&self->a, 8), true));
	EXPECT_EQ(SIGBUS, vmlab_access_signal(vmlab_page(&self->a, 9), false));
	EXPECT_STATS(self->a.fd, STAT(faults_zero, 8ULL), STAT(faults, 8ULL),
		     STAT(fault_errors, 2ULL), STAT(pages_resident, 8ULL));
}

TEST_F(limit, pages_return_to_the_limit_only_after_last_fd_and_mapping_are_gone)
{
	struct vmlab_stats st;

	ASSERT_EQ(0, vmlab_set_param("max_pages", 16));
	ASSERT_EQ(0, vmlab_lab_open(&self->a, 16, 0, 0, 1024));
	ASSERT_EQ(0, vmlab_lab_open(&self->b, 16, 0, 0, 1024));
	vmlab_fill(self->a.map, 0, 16, 1);

	/* a's mapping still holds its pages after its fd is closed */
	ASSERT_EQ(0, close(self->a.fd));
	self->a.fd = -1;
	EXPECT_EQ(SIGBUS, vmlab_access_signal(self->b.map, true));
	EXPECT_EQ(-1, vmlab_check(self->a.map, 0, 16, 1));

	/* its munmap frees them, before munmap returns */
	ASSERT_EQ(0, munmap(self->a.map, 16 * self->a.ps));
	self->a.map = MAP_FAILED;
	vmlab_fill(self->b.map, 0, 16, 2);
	ASSERT_EQ(0, vmlab_get_stats(self->b.fd, &st));
	EXPECT_EQ(16ULL, st.faults_zero);
	EXPECT_EQ(1ULL, st.fault_errors);
}

/* --------------------------------------------------------------- memcg */

#define CGROUP		"/sys/fs/cgroup"
#define MEMCG_PAGES	1024U

static long cgroup_read(const char *cg, const char *file)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return vmlab_read_long(path);
}

/* In a child in cgroup @arg: touch MEMCG_PAGES and check memory.current. */
static int charge_pages(void *arg)
{
	const char *cg = arg;
	char path[256], pid[32];
	struct vmlab_lab lab;
	long before, after, delta;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	CHILD_CHECK(vmlab_write_file(path, pid) == 0);
	CHILD_CHECK(vmlab_lab_open(&lab, MEMCG_PAGES, 0, 0, 1024) == 0);
	before = cgroup_read(cg, "memory.current");
	vmlab_fill(lab.map, 0, MEMCG_PAGES, 1);
	after = cgroup_read(cg, "memory.current");
	delta = after - before;
	fprintf(stderr, "# memory.current %ld -> %ld (+%ld pages)\n", before,
		after, delta / (long)lab.ps);
	/*
	 * memory.current moves in per-CPU batches of MEMCG_CHARGE_BATCH (64)
	 * pages, some precharged before "before": the pages, give or take a
	 * batch, plus page tables and slab.
	 */
	CHILD_CHECK(delta >= (long)((MEMCG_PAGES - 64) * lab.ps));
	CHILD_CHECK(delta <= (long)((MEMCG_PAGES + 192) * lab.ps));
	vmlab_lab_close(&lab);
	return 0;
}

TEST_F(fault, faults_are_charged_to_the_faulting_tasks_memcg)
{
	char cg[128];

	if (access(CGROUP "/cgroup.controllers", F_OK))
		SKIP(return, "no cgroup2 at " CGROUP);
	if (vmlab_write_file(CGROUP "/cgroup.subtree_control", "+memory"))
		SKIP(return, "cannot enable the memory controller");
	snprintf(cg, sizeof(cg), CGROUP "/vmlab_test.%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	EXPECT_EQ(0, vmlab_in_child(charge_pages, cg));
	EXPECT_EQ(0, rmdir(cg));
}

/* ------------------------------------------------------------- unload */

FIXTURE(unload) {
};

FIXTURE_SETUP(unload)
{
	VMLAB_REQUIRE_MODULE();
}

FIXTURE_TEARDOWN(unload)
{
	if (!vmlab_loaded())
		vmlab_load("");
}

TEST_F(unload, rmmod_fails_while_mapped_and_succeeds_after_munmap_and_close)
{
	struct vmlab_lab lab;

	ASSERT_EQ(0, vmlab_lab_open(&lab, PAGES, VMLAB_EV_ALL, VMLAB_CFG_WALK,
				    1024));
	vmlab_fill(lab.map, 0, PAGES, 1);
	EXPECT_EQ(-EAGAIN, vmlab_unload());
	ASSERT_EQ(0, close(lab.fd));
	lab.fd = -1;
	/* the mapping alone keeps the instance, and so the module */
	EXPECT_EQ(-EAGAIN, vmlab_unload());
	EXPECT_EQ(-1, vmlab_check(lab.map, 0, PAGES, 1));
	ASSERT_EQ(0, munmap(lab.map, PAGES * lab.ps));
	EXPECT_EQ(0, vmlab_unload());
	EXPECT_FALSE(vmlab_loaded());
	ASSERT_EQ(0, vmlab_load(""));
}

VMLAB_HARNESS_MAIN
