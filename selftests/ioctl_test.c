// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab's ioctl and mmap contract: every errno include/uapi/linux/vmlab.h
 * documents for the structures, the configuration and mmap(), the defaults,
 * and compat_ioctl (32-bit callers reach it with int $0x80: the structures
 * have no pointer-sized fields, so the commands are the same).
 */
#include <stddef.h>
#include <termios.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define REGION_PAGES	16U

/* ------------------------------------------- size-versioned structures */

struct field {
	size_t off, len;
};

#define FIELD(type, f)	{ offsetof(struct type, f), sizeof(((struct type *)0)->f) }

FIXTURE(sized) {
	int fd;
	__u8 buf[512] __attribute__((aligned(8)));
};

FIXTURE_VARIANT(sized) {
	unsigned long cmd;
	__u32 size;
	__u32 first;		/* the first version's size, if it grew */
	struct field reserved[3];
	/* fill a valid structure into buf (its size field is set after) */
	int (*prepare)(int fd, void *buf);
};

static int prepare_config(int fd, void *buf)
{
	return vmlab_get_config(fd, buf);
}

FIXTURE_VARIANT_ADD(sized, get_info) {
	.cmd = VMLAB_GET_INFO,
	.size = sizeof(struct vmlab_info),
	.reserved = { FIELD(vmlab_info, reserved) },
};

FIXTURE_VARIANT_ADD(sized, get_config) {
	.cmd = VMLAB_GET_CONFIG,
	.size = sizeof(struct vmlab_config),
	.first = VMLAB_CONFIG_SIZE_VER0,
	.reserved = { FIELD(vmlab_config, reserved) },
};

FIXTURE_VARIANT_ADD(sized, set_config) {
	.cmd = VMLAB_SET_CONFIG,
	.size = sizeof(struct vmlab_config),
	.first = VMLAB_CONFIG_SIZE_VER0,
	.reserved = { FIELD(vmlab_config, reserved) },
	.prepare = prepare_config,
};

FIXTURE_VARIANT_ADD(sized, get_stats) {
	.cmd = VMLAB_GET_STATS,
	.size = sizeof(struct vmlab_stats),
	.first = VMLAB_STATS_SIZE_VER0,
	.reserved = { FIELD(vmlab_stats, reserved0),
		      FIELD(vmlab_stats, reserved) },
};

FIXTURE_VARIANT_ADD(sized, walk) {
	.cmd = VMLAB_WALK,
	.size = sizeof(struct vmlab_walk),
	.reserved = { FIELD(vmlab_walk, reserved0),
		      FIELD(vmlab_walk, reserved1),
		      FIELD(vmlab_walk, reserved) },
};

FIXTURE_VARIANT_ADD(sized, policy_state) {
	.cmd = VMLAB_POLICY_STATE,
	.size = sizeof(struct vmlab_policy_state),
	.reserved = { FIELD(vmlab_policy_state, reserved) },
};

FIXTURE_SETUP(sized)
{
	VMLAB_REQUIRE_MODULE();
	self->fd = vmlab_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(sized)
{
	close(self->fd);
}

/* A valid structure in self->buf, its size field @size, the rest zero. */
#define PREPARE(size_) do {						\
		memset(self->buf, 0, sizeof(self->buf));		\
		if (variant->prepare)					\
			ASSERT_EQ(0, variant->prepare(self->fd, self->buf)); \
		memset(self->buf + variant->size, 0,			\
		       sizeof(self->buf) - variant->size);		\
		*(__u32 *)self->buf = (size_);				\
	} while (0)

#define CALL()	vmlab_ioctl(self->fd, variant->cmd, self->buf)

TEST_F(sized, exact_size_is_accepted)
{
	PREPARE(variant->size);
	EXPECT_EQ(0, CALL());
}

TEST_F(sized, size_zero_fails_einval)
{
	PREPARE(0);
	EXPECT_EQ(-EINVAL, CALL());
}

/* The first version of the structure: its size now, or before it grew */
static __u32 first_size(const FIXTURE_VARIANT(sized) *variant)
{
	return variant->first ?: variant->size;
}

TEST_F(sized, size_smaller_than_the_first_version_fails_einval)
{
	PREPARE(4);
	EXPECT_EQ(-EINVAL, CALL());
	PREPARE(first_size(variant) - 8);
	EXPECT_EQ(-EINVAL, CALL());
	PREPARE(first_size(variant) - 1);
	EXPECT_EQ(-EINVAL, CALL());
}

TEST_F(sized, first_version_size_is_accepted_and_nothing_past_it_is_copied)
{
	__u32 first = first_size(variant);

	PREPARE(first);
	/* what an older caller keeps past its structure stays as it was */
	memset(self->buf + first, 0xa5, sizeof(self->buf) - first);
	EXPECT_EQ(0, CALL());
	EXPECT_EQ(first, *(__u32 *)self->buf);
	EXPECT_EQ(0xa5, self->buf[first]);
	if (first < variant->size)
		EXPECT_EQ(0xa5, self->buf[variant->size - 1]);
}

TEST_F(sized, larger_size_with_a_zero_tail_is_accepted)
{
	PREPARE(variant->size + 64);
	EXPECT_EQ(0, CALL());
	PREPARE(variant->size + 1);
	EXPECT_EQ(0, CALL());
}

TEST_F(sized, larger_size_with_a_nonzero_tail_fails_e2big)
{
	PREPARE(variant->size + 64);
	self->buf[variant->size] = 1;
	EXPECT_EQ(-E2BIG, CALL());
	PREPARE(variant->size + 64);
	self->buf[variant->size + 63] = 0x80;
	EXPECT_EQ(-E2BIG, CALL());
}

TEST_F(sized, nonzero_reserved_field_fails_einval)
{
	const struct field *r;
	size_t k;

	for (r = variant->reserved; r->len; r++) {
		/* every byte of every reserved field, one at a time */
		for (k = 0; k < r->len; k++) {
			PREPARE(variant->size);
			self->buf[r->off + k] = 1;
			EXPECT_EQ(-EINVAL, CALL())
				TH_LOG("reserved byte at offset %zu", r->off + k);
		}
	}
}

TEST_F(sized, null_pointer_fails_efault)
{
	EXPECT_EQ(-EFAULT, vmlab_ioctl(self->fd, variant->cmd, NULL));
}

TEST_F(sized, unmapped_pointer_fails_efault)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EFAULT, vmlab_ioctl(self->fd, variant->cmd, p));
	munmap(p, 4096);
}

/* ------------------------------------------------------ policy state */

#define PS_PAGES	8U

FIXTURE(pstate) {
	int fd;
	unsigned char *map;
	size_t ps;
	struct vmlab_policy_entry e[PS_PAGES];
	struct vmlab_policy_state st;
};

FIXTURE_SETUP(pstate)
{
	VMLAB_REQUIRE_MODULE();
	self->ps = vmlab_page_size();
	self->fd = vmlab_open_config(PS_PAGES, 0, 0, 1024);
	ASSERT_LE(0, self->fd);
	self->map = MAP_FAILED;
}

FIXTURE_TEARDOWN(pstate)
{
	if (self->map != MAP_FAILED)
		munmap(self->map, PS_PAGES * self->ps);
	close(self->fd);
}

/* @policy with @frames frames (and a software TLB of @window), mapped */
static int ps_config(FIXTURE_DATA(pstate) *self, __u32 policy,
			__u64 frames, __u32 window)
{
	int ret = vmlab_set_policy(self->fd, policy, frames, window, 1);

	if (ret)
		return ret;
	self->map = vmlab_mmap(self->fd, PS_PAGES, 0);
	return self->map == MAP_FAILED ? -errno : 0;
}

static void ps_touch(FIXTURE_DATA(pstate) *self, const int *pages, int n)
{
	int i;

	for (i = 0; i < n; i++)
		((volatile unsigned char *)self->map)[pages[i] * self->ps];
}

/* VMLAB_POLICY_STATE into self->st with room for @count entries */
static int ps_get(FIXTURE_DATA(pstate) *self, __u32 count, void *entries)
{
	memset(&self->st, 0, sizeof(self->st));
	memset(self->e, 0xff, sizeof(self->e));
	self->st.size = sizeof(self->st);
	self->st.count = count;
	self->st.entries = (__u64)(uintptr_t)entries;
	return vmlab_ioctl(self->fd, VMLAB_POLICY_STATE, &self->st);
}

TEST_F(pstate, count_above_the_maximum_fails_einval)
{
	EXPECT_EQ(-EINVAL, ps_get(self, VMLAB_PSTATE_MAX + 1, self->e));
}

TEST_F(pstate, null_entries_with_a_count_fail_einval)
{
	EXPECT_EQ(-EINVAL, ps_get(self, 1, NULL));
}

TEST_F(pstate, read_only_entries_fail_efault)
{
	static const int pages[] = { 0 };
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_FIFO, 4, 0));
	ps_touch(self, pages, 1);
	EXPECT_EQ(-EFAULT, ps_get(self, 1, ro));
	munmap(ro, 4096);
}

TEST_F(pstate, count_zero_reports_the_resident_pages_and_writes_nothing)
{
	static const int pages[] = { 3, 1, 2 };

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_FIFO, 4, 0));
	ps_touch(self, pages, 3);
	ASSERT_EQ(0, ps_get(self, 0, self->e));
	EXPECT_EQ(3ULL, self->st.resident);
	EXPECT_EQ(0U, self->st.count);
	EXPECT_EQ(~0ULL, self->e[0].pgoff);
}

TEST_F(pstate, count_below_the_resident_pages_fails_enospc_saying_how_many)
{
	static const int pages[] = { 3, 1, 2 };

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_FIFO, 4, 0));
	ps_touch(self, pages, 3);
	EXPECT_EQ(-ENOSPC, ps_get(self, 2, self->e));
	EXPECT_EQ(3ULL, self->st.resident);
	EXPECT_EQ(2U, self->st.count);
	EXPECT_EQ(3ULL, self->e[0].pgoff);
	EXPECT_EQ(1ULL, self->e[1].pgoff);
	EXPECT_EQ(~0ULL, self->e[2].pgoff);
}

TEST_F(pstate, fifo_lists_pages_first_out_first_without_a_hand)
{
	/* 5 into 3 frames: 3 goes, then 1 */
	static const int pages[] = { 3, 1, 2, 3, 5, 6 };

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_FIFO, 3, 0));
	ps_touch(self, pages, 6);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ((__u32)VMLAB_POLICY_FIFO, self->st.policy);
	EXPECT_EQ(3ULL, self->st.resident);
	EXPECT_EQ(3U, self->st.count);
	EXPECT_EQ(VMLAB_PSTATE_NO_HAND, self->st.hand);
	EXPECT_EQ(2ULL, self->e[0].pgoff);
	EXPECT_EQ(5ULL, self->e[1].pgoff);
	EXPECT_EQ(6ULL, self->e[2].pgoff);
	EXPECT_EQ(0U, self->e[0].flags | self->e[1].flags | self->e[2].flags);
}

TEST_F(pstate, lru_with_a_one_page_tlb_lists_pages_least_recent_first)
{
	/* 3 and 1 used again after 2: 2 is the least recent, then 3 */
	static const int pages[] = { 3, 1, 2, 3, 1 };

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_LRU, 4, 1));
	ps_touch(self, pages, 5);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ((__u32)VMLAB_POLICY_LRU, self->st.policy);
	EXPECT_EQ(3U, self->st.count);
	EXPECT_EQ(VMLAB_PSTATE_NO_HAND, self->st.hand);
	EXPECT_EQ(2ULL, self->e[0].pgoff);
	EXPECT_EQ(3ULL, self->e[1].pgoff);
	EXPECT_EQ(1ULL, self->e[2].pgoff);
}

TEST_F(pstate, clock_lists_slots_with_the_hand_and_accessed_bits)
{
	static const int fill[] = { 0, 1, 2 }, next[] = { 3 };

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_CLOCK, 3, 0));
	ps_touch(self, fill, 3);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	/* every page used since it came: the hand at slot 0 */
	EXPECT_EQ(0U, self->st.hand);
	EXPECT_EQ(0ULL, self->e[0].pgoff);
	EXPECT_EQ(VMLAB_PSTATE_USE, self->e[0].flags);
	EXPECT_EQ(VMLAB_PSTATE_USE, self->e[1].flags);
	EXPECT_EQ(VMLAB_PSTATE_USE, self->e[2].flags);
	/* reading the bits cleared none: 3's sweep clears all, takes slot 0 */
	ps_touch(self, next, 1);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ((__u32)VMLAB_POLICY_CLOCK, self->st.policy);
	EXPECT_EQ(3U, self->st.count);
	EXPECT_EQ(1U, self->st.hand);
	EXPECT_EQ(3ULL, self->e[0].pgoff);
	EXPECT_EQ(1ULL, self->e[1].pgoff);
	EXPECT_EQ(2ULL, self->e[2].pgoff);
	EXPECT_EQ(VMLAB_PSTATE_USE, self->e[0].flags);
	EXPECT_EQ(0U, self->e[1].flags);
	EXPECT_EQ(0U, self->e[2].flags);
}

TEST_F(pstate, lru_approx_reports_each_slots_age)
{
	static const int fill[] = { 0, 1, 2, 3 };

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_LRU_APPROX, 3, 0));
	ps_touch(self, fill, 4);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ((__u32)VMLAB_POLICY_LRU_APPROX, self->st.policy);
	EXPECT_EQ(3U, self->st.count);
	/* 8 sweeps halved 0x80 to 0: page 0 went, 1 and 2 at 0x01 */
	EXPECT_EQ(3ULL, self->e[0].pgoff);
	EXPECT_EQ(0U, self->e[0].age);
	EXPECT_EQ(1U, self->e[1].age);
	EXPECT_EQ(1U, self->e[2].age);
	EXPECT_EQ(1U, self->st.hand);
}

/* MRU's memory: least recent first, as LRU's; its victim is the last */
TEST_F(pstate, mru_with_a_one_page_tlb_lists_least_recent_first_victim_last)
{
	/* 3 and 1 used again after 2: 1 is the most recent, and 5 takes it */
	static const int pages[] = { 3, 1, 2, 3, 1 }, next[] = { 5 };

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_MRU, 3, 1));
	ps_touch(self, pages, 5);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ((__u32)VMLAB_POLICY_MRU, self->st.policy);
	EXPECT_EQ(3U, self->st.count);
	EXPECT_EQ(VMLAB_PSTATE_NO_HAND, self->st.hand);
	EXPECT_EQ(2ULL, self->e[0].pgoff);
	EXPECT_EQ(3ULL, self->e[1].pgoff);
	EXPECT_EQ(1ULL, self->e[2].pgoff);
	ps_touch(self, next, 1);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ(3U, self->st.count);
	EXPECT_EQ(2ULL, self->e[0].pgoff);
	EXPECT_EQ(3ULL, self->e[1].pgoff);
	EXPECT_EQ(5ULL, self->e[2].pgoff);
	EXPECT_EQ(0U, self->e[0].flags | self->e[1].flags | self->e[2].flags);
}

/* SIEVE's memory: oldest first, with its hand and visited bits */
TEST_F(pstate, sieve_lists_its_queue_with_the_hand_and_visited_bits)
{
	static const int fill[] = { 0, 1, 2, 0 }, next[] = { 3 };
	static const int again[] = { 0, 4 };

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_SIEVE, 3, 1));
	ps_touch(self, fill, 4);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ((__u32)VMLAB_POLICY_SIEVE, self->st.policy);
	EXPECT_EQ(3U, self->st.count);
	/* a hand that never moved is at the oldest page */
	EXPECT_EQ(0U, self->st.hand);
	EXPECT_EQ(0ULL, self->e[0].pgoff);
	EXPECT_EQ(1ULL, self->e[1].pgoff);
	EXPECT_EQ(2ULL, self->e[2].pgoff);
	EXPECT_EQ(VMLAB_PSTATE_MARK, self->e[0].flags);
	EXPECT_EQ(0U, self->e[1].flags | self->e[2].flags);
	EXPECT_EQ(0U, self->e[0].age);
	/* 3: the hand clears 0 and takes 1, then points at 2 */
	ps_touch(self, next, 1);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ(3U, self->st.count);
	EXPECT_EQ(1U, self->st.hand);
	EXPECT_EQ(0ULL, self->e[0].pgoff);
	EXPECT_EQ(2ULL, self->e[1].pgoff);
	EXPECT_EQ(3ULL, self->e[2].pgoff);
	EXPECT_EQ(0U, self->e[0].flags | self->e[1].flags | self->e[2].flags);
	/* 0 visited again; 4 takes 2, at the hand, which moves on to 3 */
	ps_touch(self, again, 2);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ(3U, self->st.count);
	EXPECT_EQ(1U, self->st.hand);
	EXPECT_EQ(0ULL, self->e[0].pgoff);
	EXPECT_EQ(3ULL, self->e[1].pgoff);
	EXPECT_EQ(4ULL, self->e[2].pgoff);
	EXPECT_EQ(VMLAB_PSTATE_MARK, self->e[0].flags);
	EXPECT_EQ(0U, self->e[1].flags | self->e[2].flags);
}

/* S3FIFO's memory: the small queue, then the main queue, with the counts */
TEST_F(pstate, s3fifo_lists_the_small_then_the_main_queue_with_the_counts)
{
	/* 4 frames: a small queue of one, a ghost of 3; 0 hit once */
	static const int fill[] = { 0, 1, 0, 2, 3 }, next[] = { 4 };
	static const int back[] = { 1 };

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_S3FIFO, 4, 1));
	ps_touch(self, fill, 5);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ((__u32)VMLAB_POLICY_S3FIFO, self->st.policy);
	EXPECT_EQ(4U, self->st.count);
	EXPECT_EQ(VMLAB_PSTATE_NO_HAND, self->st.hand);
	EXPECT_EQ(0ULL, self->e[0].pgoff);
	EXPECT_EQ(1ULL, self->e[1].pgoff);
	EXPECT_EQ(2ULL, self->e[2].pgoff);
	EXPECT_EQ(3ULL, self->e[3].pgoff);
	EXPECT_EQ(0U, self->e[0].flags | self->e[1].flags |
		  self->e[2].flags | self->e[3].flags);
	EXPECT_EQ(1U, self->e[0].age);
	EXPECT_EQ(0U, self->e[1].age | self->e[2].age | self->e[3].age);
	/* 4: 0, hit, moves to the main queue; 1 goes, into the ghost */
	ps_touch(self, next, 1);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ(4U, self->st.count);
	EXPECT_EQ(2ULL, self->e[0].pgoff);
	EXPECT_EQ(3ULL, self->e[1].pgoff);
	EXPECT_EQ(4ULL, self->e[2].pgoff);
	EXPECT_EQ(0ULL, self->e[3].pgoff);
	EXPECT_EQ(0U, self->e[0].flags | self->e[1].flags | self->e[2].flags);
	EXPECT_EQ(VMLAB_PSTATE_MAIN, self->e[3].flags);
	EXPECT_EQ(1U, self->e[3].age);
	/* 1, in the ghost, comes back into the main queue; 2 goes */
	ps_touch(self, back, 1);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ(4U, self->st.count);
	EXPECT_EQ(3ULL, self->e[0].pgoff);
	EXPECT_EQ(4ULL, self->e[1].pgoff);
	EXPECT_EQ(0ULL, self->e[2].pgoff);
	EXPECT_EQ(1ULL, self->e[3].pgoff);
	EXPECT_EQ(0U, self->e[0].flags | self->e[1].flags);
	EXPECT_EQ(VMLAB_PSTATE_MAIN, self->e[2].flags);
	EXPECT_EQ(VMLAB_PSTATE_MAIN, self->e[3].flags);
	EXPECT_EQ(1U, self->e[2].age);
	EXPECT_EQ(0U, self->e[3].age);
}

/* SFIFO's memory: its FIFO, then the clean list, then the dirty list */
TEST_F(pstate, sfifo_lists_the_fifo_then_the_clean_and_dirty_lists)
{
	static const int fill[] = { 1, 2, 3 }, again[] = { 1 }, next[] = { 4 };

	/* 4 frames, the FIFO holds 2; 0 written leaves it for the dirty list */
	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_SFIFO, 4, 1));
	self->map[0] = 1;
	ps_touch(self, fill, 3);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ((__u32)VMLAB_POLICY_SFIFO, self->st.policy);
	EXPECT_EQ(4U, self->st.count);
	EXPECT_EQ(VMLAB_PSTATE_NO_HAND, self->st.hand);
	EXPECT_EQ(2ULL, self->e[0].pgoff);
	EXPECT_EQ(3ULL, self->e[1].pgoff);
	EXPECT_EQ(1ULL, self->e[2].pgoff);
	EXPECT_EQ(0ULL, self->e[3].pgoff);
	EXPECT_EQ(0U, self->e[0].flags | self->e[1].flags);
	EXPECT_EQ(VMLAB_PSTATE_CLEAN, self->e[2].flags);
	EXPECT_EQ(VMLAB_PSTATE_DIRTY, self->e[3].flags);
	/* 1 is reclaimed, pushing 2 to the clean list; 4 takes 2's frame */
	ps_touch(self, again, 1);
	ps_touch(self, next, 1);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ(4U, self->st.count);
	EXPECT_EQ(1ULL, self->e[0].pgoff);
	EXPECT_EQ(4ULL, self->e[1].pgoff);
	EXPECT_EQ(3ULL, self->e[2].pgoff);
	EXPECT_EQ(0ULL, self->e[3].pgoff);
	EXPECT_EQ(0U, self->e[0].flags | self->e[1].flags);
	EXPECT_EQ(VMLAB_PSTATE_CLEAN, self->e[2].flags);
	EXPECT_EQ(VMLAB_PSTATE_DIRTY, self->e[3].flags);
}

/* 2Q's memory: inactive, then active, each oldest first, with the marks */
TEST_F(pstate, twoq_lists_inactive_then_active_with_the_marks)
{
	/* 0's second reference promotes it, unmarked; 1 and 2 are marked once */
	static const int pages[] = { 0, 1, 0, 2 };

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_TWOQ, 4, 1));
	ps_touch(self, pages, 4);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ((__u32)VMLAB_POLICY_TWOQ, self->st.policy);
	EXPECT_EQ(3U, self->st.count);
	EXPECT_EQ(VMLAB_PSTATE_NO_HAND, self->st.hand);
	EXPECT_EQ(1ULL, self->e[0].pgoff);
	EXPECT_EQ(2ULL, self->e[1].pgoff);
	EXPECT_EQ(0ULL, self->e[2].pgoff);
	EXPECT_EQ(VMLAB_PSTATE_MARK, self->e[0].flags);
	EXPECT_EQ(VMLAB_PSTATE_MARK, self->e[1].flags);
	EXPECT_EQ(VMLAB_PSTATE_ACTIVE, self->e[2].flags);
	/* a third reference marks the active page */
	ps_touch(self, pages, 1);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ(0ULL, self->e[2].pgoff);
	EXPECT_EQ(VMLAB_PSTATE_ACTIVE | VMLAB_PSTATE_MARK, self->e[2].flags);
}

/* WSClock's memory: by slot, with the hand, use bits and reference bits */
TEST_F(pstate, wsclock_lists_slots_with_the_hand_and_reference_bits)
{
	static const int fill[] = { 0, 1, 2 }, next[] = { 3 };
	const __u32 both = VMLAB_PSTATE_USE | VMLAB_PSTATE_MARK;

	ASSERT_EQ(0, ps_config(self, VMLAB_POLICY_WSCLOCK, 3, 0));
	ps_touch(self, fill, 3);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ((__u32)VMLAB_POLICY_WSCLOCK, self->st.policy);
	EXPECT_EQ(3U, self->st.count);
	EXPECT_EQ(0U, self->st.hand);
	EXPECT_EQ(0ULL, self->e[0].pgoff);
	EXPECT_EQ(both, self->e[0].flags);
	EXPECT_EQ(both, self->e[1].flags);
	EXPECT_EQ(both, self->e[2].flags);
	/*
	 * 3's turn clears both bits of every page and finds none older than
	 * the window (3 references): the first clean page, 0, goes.
	 */
	ps_touch(self, next, 1);
	ASSERT_EQ(0, ps_get(self, PS_PAGES, self->e));
	EXPECT_EQ(3U, self->st.count);
	EXPECT_EQ(1U, self->st.hand);
	EXPECT_EQ(3ULL, self->e[0].pgoff);
	EXPECT_EQ(1ULL, self->e[1].pgoff);
	EXPECT_EQ(2ULL, self->e[2].pgoff);
	EXPECT_EQ(both, self->e[0].flags);
	EXPECT_EQ(0U, self->e[1].flags);
	EXPECT_EQ(0U, self->e[2].flags);
}

/* ------------------------------------------------ info and configuration */

FIXTURE(ioctl) {
	int fd;
	struct vmlab_info info;
	size_t ps;
};

FIXTURE_SETUP(ioctl)
{
	VMLAB_REQUIRE_MODULE();
	self->ps = vmlab_page_size();
	self->fd = vmlab_open(0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, vmlab_get_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(ioctl)
{
	close(self->fd);
}

TEST_F(ioctl, info_reports_abi_version_page_size_and_record_size)
{
	EXPECT_EQ((__u32)VMLAB_ABI_VERSION, self->info.abi_version);
	EXPECT_EQ(self->ps, self->info.page_size);
	EXPECT_EQ(128U, self->info.record_size);
	EXPECT_EQ(sizeof(struct vmlab_event), self->info.record_size);
	EXPECT_EQ(0ULL, self->info.reserved[0] | self->info.reserved[1] |
			self->info.reserved[2] | self->info.reserved[3]);
}

TEST_F(ioctl, info_reports_the_module_parameters)
{
	EXPECT_EQ((__u64)vmlab_param("max_region_mb") << 20,
		  self->info.max_region_size);
	EXPECT_EQ((__u64)vmlab_param("max_pages"), self->info.max_pages);
	EXPECT_EQ((__u32)vmlab_param("max_ring_records"),
		  self->info.max_ring_records);
}

TEST_F(ioctl, info_pgtable_levels_agree_with_the_la57_flag)
{
	bool la57 = self->info.flags & VMLAB_INFO_LA57;

	EXPECT_EQ(la57 ? 5U : 4U, self->info.pgtable_levels);
	/* the kernel uses 5 levels only where the CPU has them */
	if (!vmlab_cpu_has("la57"))
		EXPECT_EQ(4U, self->info.pgtable_levels);
}

/* CLOCK_FLUSH is accepted exactly where the module says it can flush */
TEST_F(ioctl, clock_flush_is_refused_eopnotsupp_only_where_info_says_so)
{
	bool can = self->info.flags & VMLAB_INFO_TLB_FLUSH;
	struct vmlab_config cfg;

	ASSERT_EQ(0, vmlab_get_config(self->fd, &cfg));
	cfg.flags |= VMLAB_CFG_CLOCK_FLUSH;
	EXPECT_EQ(can ? 0 : -EOPNOTSUPP,
		  vmlab_ioctl(self->fd, VMLAB_SET_CONFIG, &cfg));
}

TEST_F(ioctl, info_shows_pfns_to_cap_sys_admin)
{
	ASSERT_TRUE(vmlab_has_cap(CAP_SYS_ADMIN));
	EXPECT_EQ(VMLAB_INFO_PFN_VISIBLE,
		  self->info.flags & VMLAB_INFO_PFN_VISIBLE);
}

TEST_F(ioctl, each_open_is_a_new_instance_with_its_own_id)
{
	struct vmlab_info info2;
	int fd2 = vmlab_open(0);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, vmlab_get_info(fd2, &info2));
	EXPECT_NE(self->info.instance_id, info2.instance_id);
	close(fd2);
}

TEST_F(ioctl, new_instance_has_the_documented_default_config)
{
	struct vmlab_config cfg;

	ASSERT_EQ(0, vmlab_get_config(self->fd, &cfg));
	EXPECT_EQ(sizeof(cfg), cfg.size);
	EXPECT_EQ(self->info.max_region_size, cfg.region_size);
	EXPECT_EQ(0ULL, cfg.event_mask);
	EXPECT_EQ(0U, cfg.flags);
	EXPECT_EQ(1024U, cfg.ring_records);
	EXPECT_EQ((__u32)VMLAB_POLICY_FIFO, cfg.policy);
	EXPECT_EQ(0ULL, cfg.frames);
	EXPECT_EQ(0U, cfg.tlb_window);
}

TEST_F(ioctl, set_config_round_trips_through_get_config)
{
	struct vmlab_config in, out;

	vmlab_config_init(&in, REGION_PAGES * self->ps, VMLAB_EV_ALL,
			  VMLAB_CFG_WALK, 64);
	ASSERT_EQ(0, vmlab_ioctl(self->fd, VMLAB_SET_CONFIG, &in));
	ASSERT_EQ(0, vmlab_get_config(self->fd, &out));
	EXPECT_EQ(0, memcmp(&in, &out, sizeof(in)));
}

/* SET_CONFIG with the fixture's base config changed by @field = @value. */
#define SET_CONFIG_WITH(field, value) ({				\
		struct vmlab_config __c;				\
									\
		vmlab_config_init(&__c, REGION_PAGES * self->ps, 0, 0, 1024); \
		__c.field = (value);					\
		vmlab_ioctl(self->fd, VMLAB_SET_CONFIG, &__c);		\
	})

TEST_F(ioctl, region_size_zero_fails_einval)
{
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(region_size, 0));
}

TEST_F(ioctl, region_size_not_a_page_multiple_fails_einval)
{
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(region_size, self->ps + 1));
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(region_size, self->ps / 2));
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(region_size,
					   self->info.max_region_size - 1));
}

TEST_F(ioctl, region_size_above_the_maximum_fails_efbig)
{
	EXPECT_EQ(-EFBIG, SET_CONFIG_WITH(region_size,
					  self->info.max_region_size + self->ps));
	EXPECT_EQ(-EFBIG, SET_CONFIG_WITH(region_size, 1ULL << 62));
	EXPECT_EQ(0, SET_CONFIG_WITH(region_size, self->info.max_region_size));
}

TEST_F(ioctl, ring_records_not_a_power_of_two_fails_einval)
{
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(ring_records, 0));
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(ring_records, 3));
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(ring_records, 1000));
	EXPECT_EQ(0, SET_CONFIG_WITH(ring_records, 1));
}

TEST_F(ioctl, ring_records_above_the_maximum_fails_efbig)
{
	EXPECT_EQ(-EFBIG, SET_CONFIG_WITH(ring_records,
					  2 * self->info.max_ring_records));
	EXPECT_EQ(0, SET_CONFIG_WITH(ring_records,
				     self->info.max_ring_records));
}

TEST_F(ioctl, unknown_config_flag_fails_einval)
{
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(flags, ~(__u32)VMLAB_CFG_FLAGS));
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(flags, 1U << 31));
	EXPECT_EQ(0, SET_CONFIG_WITH(flags, VMLAB_CFG_WALK));
}

TEST_F(ioctl, unknown_event_bit_fails_einval)
{
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(event_mask, 1ULL << 0));
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(event_mask,
					   VMLAB_EV_BIT(VMLAB_EV_MAX)));
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(event_mask, 1ULL << 63));
	EXPECT_EQ(0, SET_CONFIG_WITH(event_mask, VMLAB_EV_ALL));
}

TEST_F(ioctl, refused_config_leaves_the_config_unchanged)
{
	struct vmlab_config before, after;

	ASSERT_EQ(0, SET_CONFIG_WITH(event_mask, VMLAB_EV_BIT(VMLAB_EV_FAULT)));
	ASSERT_EQ(0, vmlab_get_config(self->fd, &before));
	EXPECT_EQ(-EINVAL, SET_CONFIG_WITH(ring_records, 1000));
	EXPECT_EQ(-EFBIG, SET_CONFIG_WITH(region_size, 1ULL << 62));
	ASSERT_EQ(0, vmlab_get_config(self->fd, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
}

TEST_F(ioctl, region_or_ring_change_after_mmap_fails_ebusy)
{
	void *map;

	ASSERT_EQ(0, SET_CONFIG_WITH(ring_records, 1024));
	map = vmlab_mmap(self->fd, REGION_PAGES, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(-EBUSY, SET_CONFIG_WITH(region_size,
					  2 * REGION_PAGES * self->ps));
	EXPECT_EQ(-EBUSY, SET_CONFIG_WITH(region_size, self->ps));
	EXPECT_EQ(-EBUSY, SET_CONFIG_WITH(ring_records, 2048));
	/* "after the first mmap()": unmapping does not make them free again */
	ASSERT_EQ(0, munmap(map, REGION_PAGES * self->ps));
	EXPECT_EQ(-EBUSY, SET_CONFIG_WITH(region_size, self->ps));
	EXPECT_EQ(-EBUSY, SET_CONFIG_WITH(ring_records, 2048));
}

TEST_F(ioctl, event_mask_and_flags_change_after_mmap_are_accepted)
{
	struct vmlab_config cfg;
	void *map;

	ASSERT_EQ(0, SET_CONFIG_WITH(flags, 0));
	map = vmlab_mmap(self->fd, REGION_PAGES, 0);
	ASSERT_NE(MAP_FAILED, map);
	vmlab_config_init(&cfg, REGION_PAGES * self->ps, VMLAB_EV_ALL,
			  VMLAB_CFG_WALK, 1024);
	EXPECT_EQ(0, vmlab_ioctl(self->fd, VMLAB_SET_CONFIG, &cfg));
	munmap(map, REGION_PAGES * self->ps);
}

TEST_F(ioctl, unknown_command_fails_enotty)
{
	struct vmlab_info big[2] = { 0 };
	struct termios tio;

	EXPECT_EQ(-ENOTTY, vmlab_ioctl(self->fd, _IO(VMLAB_IOC_MAGIC, 0x3f),
				       NULL));
	EXPECT_EQ(-ENOTTY, vmlab_ioctl(self->fd, _IO(VMLAB_IOC_MAGIC, 0xff),
				       NULL));
	/* a known number with another size is another command */
	big[0].size = sizeof(big);
	EXPECT_EQ(-ENOTTY, vmlab_ioctl(self->fd,
				       _IOWR(VMLAB_IOC_MAGIC, 0x00, big), big));
	/* another driver's command: isatty() asks this */
	EXPECT_EQ(-ENOTTY, vmlab_ioctl(self->fd, TCGETS, &tio));
	EXPECT_FALSE(isatty(self->fd));
}

TEST_F(ioctl, reset_stats_takes_no_argument_and_succeeds)
{
	EXPECT_EQ(0, vmlab_reset_stats(self->fd));
	EXPECT_EQ(0, vmlab_ioctl(self->fd, VMLAB_RESET_STATS, NULL));
}

/* ----------------------------------------------------------------- mmap */

FIXTURE(mmap) {
	int fd;
	size_t ps;
};

FIXTURE_SETUP(mmap)
{
	VMLAB_REQUIRE_MODULE();
	self->ps = vmlab_page_size();
	self->fd = vmlab_open_config(REGION_PAGES, 0, 0, 1024);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(mmap)
{
	close(self->fd);
}

/* errno of mmap(@pages from @pgoff, @prot, @flags), or 0 (then unmapped) */
static int mmap_errno(int fd, size_t pages, size_t pgoff, int prot, int flags)
{
	size_t ps = vmlab_page_size();
	void *p = mmap(NULL, pages * ps, prot, flags, fd, (off_t)(pgoff * ps));

	if (p == MAP_FAILED)
		return errno;
	munmap(p, pages * ps);
	return 0;
}

#define RW	(PROT_READ | PROT_WRITE)

TEST_F(mmap, shared_mapping_of_the_whole_region_succeeds)
{
	EXPECT_EQ(0, mmap_errno(self->fd, REGION_PAGES, 0, RW, MAP_SHARED));
	EXPECT_EQ(0, mmap_errno(self->fd, REGION_PAGES, 0, PROT_READ,
				MAP_SHARED));
}

TEST_F(mmap, shared_mapping_inside_the_region_at_an_offset_succeeds)
{
	EXPECT_EQ(0, mmap_errno(self->fd, 4, 12, RW, MAP_SHARED));
	EXPECT_EQ(0, mmap_errno(self->fd, 1, REGION_PAGES - 1, RW, MAP_SHARED));
}

/*
 * do_mmap() clears VM_SHARED (keeping VM_MAYSHARE) for a shared mapping of a
 * file not open for writing: it is still a shared mapping, read-only.
 */
TEST_F(mmap, read_only_shared_mapping_of_a_read_only_open_reads_zeros)
{
	int fd = open(VMLAB_DEV, O_RDONLY | O_CLOEXEC);
	struct vmlab_stats st;
	char *p;

	ASSERT_LE(0, fd);
	EXPECT_EQ(EACCES, mmap_errno(fd, 1, 0, RW, MAP_SHARED));
	p = mmap(NULL, 2 * self->ps, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_TRUE(vmlab_all_zero(p, 2 * self->ps));
	EXPECT_EQ(-1, mprotect(p, self->ps, RW));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(SIGSEGV, vmlab_access_signal(p, true));
	ASSERT_EQ(0, vmlab_get_stats(fd, &st));
	EXPECT_EQ(2ULL, st.faults_zero);
	EXPECT_EQ(2ULL, st.pages_resident);
	munmap(p, 2 * self->ps);
	close(fd);
}

TEST_F(mmap, zero_length_fails_einval)
{
	EXPECT_EQ(EINVAL, mmap_errno(self->fd, 0, 0, RW, MAP_SHARED));
}

TEST_F(mmap, length_beyond_the_region_fails_efbig)
{
	EXPECT_EQ(EFBIG, mmap_errno(self->fd, REGION_PAGES + 1, 0, RW,
				    MAP_SHARED));
	EXPECT_EQ(EFBIG, mmap_errno(self->fd, 2 * REGION_PAGES, 0, RW,
				    MAP_SHARED));
}

TEST_F(mmap, offset_plus_length_past_the_end_fails_enxio)
{
	EXPECT_EQ(ENXIO, mmap_errno(self->fd, 2, REGION_PAGES - 1, RW,
				    MAP_SHARED));
	EXPECT_EQ(ENXIO, mmap_errno(self->fd, REGION_PAGES, 1, RW, MAP_SHARED));
}

TEST_F(mmap, offset_at_or_past_the_end_fails_enxio)
{
	EXPECT_EQ(ENXIO, mmap_errno(self->fd, 1, REGION_PAGES, RW, MAP_SHARED));
	EXPECT_EQ(ENXIO, mmap_errno(self->fd, 1, 4 * REGION_PAGES, RW,
				    MAP_SHARED));
}

TEST_F(mmap, refused_mmap_leaves_the_region_changeable)
{
	ASSERT_EQ(EFBIG, mmap_errno(self->fd, REGION_PAGES + 1, 0, RW,
				    MAP_SHARED));
	ASSERT_EQ(ENXIO, mmap_errno(self->fd, 1, REGION_PAGES, RW, MAP_SHARED));
	EXPECT_EQ(0, vmlab_set_config(self->fd, 2 * REGION_PAGES * self->ps,
				      0, 0, 2048));
}

/* --------------------------------------------------------------- compat */

/*
 * ioctl() as a 32-bit process makes it: int $0x80 enters the kernel's ia32
 * entry (in_compat_syscall() is true there) even from a 64-bit process.
 * Arguments must live below 4 GiB.
 */
#define NR_IOCTL_32	54

static long ioctl32(int fd, unsigned int cmd, void *arg)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "0"((long)NR_IOCTL_32), "b"((long)fd), "c"((long)cmd),
		       "d"((long)(uintptr_t)arg)
		     : "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

/*
 * The kernel has an ia32 entry (CONFIG_IA32_EMULATION) when it has the
 * abi.vsyscall32 sysctl.  Without it int $0x80 is a general protection
 * fault, which the test VM would report as a splat: do not probe.
 */
#define IA32_SYSCTL	"/proc/sys/abi/vsyscall32"

FIXTURE(compat) {
	int fd;
	__u8 *low;	/* a page below 4 GiB */
	char *map;
	size_t ps;
};

FIXTURE_SETUP(compat)
{
	VMLAB_REQUIRE_MODULE();
	if (access(IA32_SYSCTL, F_OK))
		VMLAB_SETUP_SKIP("a kernel without IA32 emulation: no 32-bit callers");
	self->ps = vmlab_page_size();
	self->fd = vmlab_open_config(REGION_PAGES, VMLAB_EV_ALL, 0, 1024);
	ASSERT_LE(0, self->fd);
	self->map = vmlab_mmap(self->fd, REGION_PAGES, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	self->low = mmap(NULL, self->ps, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	ASSERT_NE(MAP_FAILED, self->low);
	ASSERT_GT(1UL << 32, (unsigned long)self->low);
}

FIXTURE_TEARDOWN(compat)
{
	if (self->low && self->low != MAP_FAILED)
		munmap(self->low, self->ps);
	if (self->map && self->map != MAP_FAILED)
		munmap(self->map, REGION_PAGES * self->ps);
	close(self->fd);
}

TEST_F(compat, compat_ioctl_answers_as_the_native_ioctl)
{
	struct vmlab_info info, *info32 = (void *)self->low;
	struct vmlab_config cfg, *cfg32 = (void *)self->low;
	struct vmlab_stats st, *st32 = (void *)self->low;
	struct vmlab_walk w, *w32 = (void *)self->low;

	vmlab_fill(self->map, 0, 4, 1);

	ASSERT_EQ(0, vmlab_get_info(self->fd, &info));
	memset(info32, 0, sizeof(info));
	info32->size = sizeof(info);
	EXPECT_EQ(0, ioctl32(self->fd, VMLAB_GET_INFO, info32));
	EXPECT_EQ(0, memcmp(&info, info32, sizeof(info)));

	ASSERT_EQ(0, vmlab_get_config(self->fd, &cfg));
	memset(cfg32, 0, sizeof(cfg));
	cfg32->size = sizeof(cfg);
	EXPECT_EQ(0, ioctl32(self->fd, VMLAB_GET_CONFIG, cfg32));
	EXPECT_EQ(0, memcmp(&cfg, cfg32, sizeof(cfg)));
	cfg32->flags = VMLAB_CFG_WALK;
	EXPECT_EQ(0, ioctl32(self->fd, VMLAB_SET_CONFIG, cfg32));
	ASSERT_EQ(0, vmlab_get_config(self->fd, &cfg));
	EXPECT_EQ((__u32)VMLAB_CFG_WALK, cfg.flags);

	ASSERT_EQ(0, vmlab_get_stats(self->fd, &st));
	memset(st32, 0, sizeof(st));
	st32->size = sizeof(st);
	EXPECT_EQ(0, ioctl32(self->fd, VMLAB_GET_STATS, st32));
	EXPECT_EQ(0, memcmp(&st, st32, sizeof(st)));
	EXPECT_EQ(4ULL, st32->faults_zero);
	EXPECT_EQ(0, ioctl32(self->fd, VMLAB_RESET_STATS, NULL));
	ASSERT_EQ(0, vmlab_get_stats(self->fd, &st));
	EXPECT_EQ(0ULL, st.faults);

	/* the walk of the low page itself: mapped, below 4 GiB */
	ASSERT_EQ(0, vmlab_walk(self->fd, self->low, &w));
	memset(w32, 0, sizeof(w));
	w32->size = sizeof(w);
	w32->addr = (__u64)(uintptr_t)self->low;
	EXPECT_EQ(0, ioctl32(self->fd, VMLAB_WALK, w32));
	EXPECT_EQ(0, memcmp(&w, w32, sizeof(w)));
	EXPECT_EQ(VMLAB_WALK_MAPPED, w32->flags);
}

TEST_F(compat, compat_unknown_command_fails_enotty)
{
	EXPECT_EQ(-ENOTTY, ioctl32(self->fd, _IO(VMLAB_IOC_MAGIC, 0x3f), NULL));
}

TEST_F(compat, compat_errors_are_the_native_errors)
{
	struct vmlab_config *cfg32 = (void *)self->low;

	memset(cfg32, 0, 2 * sizeof(*cfg32));
	cfg32->size = 0;
	EXPECT_EQ(-EINVAL, ioctl32(self->fd, VMLAB_GET_CONFIG, cfg32));
	cfg32->size = sizeof(*cfg32) + 8;
	((__u8 *)cfg32)[sizeof(*cfg32)] = 1;
	EXPECT_EQ(-E2BIG, ioctl32(self->fd, VMLAB_GET_CONFIG, cfg32));
	EXPECT_EQ(-EFAULT, ioctl32(self->fd, VMLAB_GET_CONFIG, NULL));
}

VMLAB_HARNESS_MAIN
