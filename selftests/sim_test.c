// SPDX-License-Identifier: GPL-2.0
/*
 * The reference simulator (userspace/sim.c) on its own, no module: page
 * numbers are names, not sizes - a string's memory goes with its distinct
 * pages, and renaming its pages (keeping their order) changes no count.
 */
#include <stdint.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"
#include "../userspace/sim.h"

#define REFS	4096

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Misses of @refs under @p with @frames frames; the test fails on an error. */
static uint64_t misses(struct __test_metadata *_metadata, enum sim_policy p,
		       uint64_t frames, const uint64_t *refs, size_t n)
{
	struct sim_result r;

	EXPECT_EQ(0, sim_run(p, frames, refs, n, 7, &r));
	EXPECT_EQ(n, r.refs);
	return r.misses;
}

/*
 * 2^32 - 1 as a page number, under a 64 MiB address-space limit: a table
 * indexed by page number (32 bytes a page) would need 128 GiB.
 */
TEST(sparse_page_numbers_cost_memory_per_distinct_page)
{
	const uint64_t refs[] = { 4294967295ULL, 3, 4294967295ULL, 1ULL << 40,
				  3, UINT64_MAX, 4294967295ULL };
	struct rlimit rl = { 64 << 20, 64 << 20 };
	int p;

	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &rl));
	for (p = 0; p < SIM_NR_POLICIES; p++) {
		/* one frame: every change of page misses */
		EXPECT_EQ(7U, misses(_metadata, p, 1, refs, ARRAY_SIZE(refs)));
		/* as many frames as pages: only first touches miss */
		EXPECT_EQ(4U, misses(_metadata, p, 4, refs, ARRAY_SIZE(refs)));
	}
	/* FIFO with two frames: 2^32-1, 3 miss; 2^32-1 hits; 2^40 evicts
	 * 2^32-1; 3 hits; 2^64-1 evicts 3; 2^32-1 evicts 2^40 */
	EXPECT_EQ(5U, misses(_metadata, SIM_FIFO, 2, refs, ARRAY_SIZE(refs)));
}

/* A frame budget beyond the pages costs nothing either. */
TEST(frames_beyond_the_pages_cost_no_memory)
{
	const uint64_t refs[] = { 1, 2, 1 };
	struct rlimit rl = { 64 << 20, 64 << 20 };

	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &rl));
	EXPECT_EQ(2U, misses(_metadata, SIM_FIFO, 1ULL << 40, refs, 3));
	EXPECT_EQ(2U, misses(_metadata, SIM_RANDOM, 1ULL << 40, refs, 3));
}

/*
 * Random strings over 64 pages, then the same strings with every page p
 * renamed p * 2^30 + 5 (order kept): every policy, at every frame count,
 * misses exactly as often.
 */
TEST(renaming_pages_in_order_changes_no_count)
{
	uint64_t dense[REFS], sparse[REFS], seed = 42, frames;
	int round, p;
	size_t i;

	for (round = 0; round < 8; round++) {
		for (i = 0; i < REFS; i++) {
			dense[i] = xorshift(&seed) % 64;
			sparse[i] = dense[i] * (1ULL << 30) + 5;
		}
		for (p = 0; p < SIM_NR_POLICIES; p++)
			for (frames = 1; frames <= 64; frames *= 2)
				EXPECT_EQ(misses(_metadata, p, frames, dense, REFS),
					  misses(_metadata, p, frames, sparse, REFS));
	}
}

TEST_HARNESS_MAIN
