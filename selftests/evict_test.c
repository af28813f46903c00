// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab eviction and swapping: the frame budget, the replacement policies
 * against the reference simulator (exact where the kernel sees every miss),
 * the software TLB, both stores, data integrity, I/O errors and the
 * deadlock a write() from vmlab memory into the backing file could cause.
 *
 * A miss is a fault that had to bring the page in: zero-fill or swap-in.
 */
#include <pthread.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"
#include "../userspace/sim.h"

#define REGION_PAGES	512

/* --------------------------------------------------------------- helpers */

/* Set the policy knobs of @fd; nothing may be resident. */
/* A new instance of @pages pages, mapped, with a policy: 0 or -errno. */
static int lab_open_policy(struct vmlab_lab *lab, size_t pages, __u32 policy,
			   __u64 frames, __u32 window)
{
	int ret = vmlab_lab_open(lab, pages, 0, 0, 1024);

	return ret ? ret : vmlab_set_policy(lab->fd, policy, frames, window, 1);
}

static __u64 lab_misses(int fd)
{
	struct vmlab_stats st;

	if (vmlab_get_stats(fd, &st))
		return ~0ULL;
	return st.faults_zero + st.faults_swapin;
}

/* One read access to each page of @refs, in order. */
static void lab_reference(struct vmlab_lab *lab, const uint64_t *refs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)*(volatile char *)vmlab_page(lab, refs[i]);
}

/* The kernel's misses for @refs under @policy with @frames (and @window). */
static __u64 kernel_misses(__u32 policy, __u64 frames, __u32 window,
			   const uint64_t *refs, size_t n, size_t pages)
{
	struct vmlab_lab lab;
	__u64 misses = ~0ULL;

	if (!lab_open_policy(&lab, pages, policy, frames, window)) {
		lab_reference(&lab, refs, n);
		misses = lab_misses(lab.fd);
	}
	vmlab_lab_close(&lab);
	return misses;
}

static __u64 sim_misses(enum sim_policy p, __u64 frames, const uint64_t *refs,
			size_t n)
{
	struct sim_result r;

	return sim_run(p, frames, refs, n, 1, &r) ? ~0ULL : r.misses;
}

/* A reproducible random reference string over @pages pages. */
static void random_refs(uint64_t *refs, size_t n, size_t pages,
			unsigned int seed)
{
	size_t i;

	srandom(seed);
	for (i = 0; i < n; i++)
		refs[i] = (uint64_t)random() % pages;
}

/*
 * The same, with no page referenced twice in a row: with a software TLB of
 * one page the kernel sees every reference but such a repeat (the page is
 * still mapped), so SIEVE's visited bit, S3FIFO's counter, TWOQ's mark and
 * WSCLOCK's virtual time, which a repeat would change in the simulator,
 * see what the kernel sees.
 */
static void random_refs_no_repeat(uint64_t *refs, size_t n, size_t pages,
				  unsigned int seed)
{
	size_t i;

	random_refs(refs, n, pages, seed);
	for (i = 1; i < n; i++)
		if (refs[i] == refs[i - 1])
			refs[i] = (refs[i] + 1) % pages;
}

static const uint64_t belady[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };

/* Every policy, with the software TLB it needs to run */
static const struct {
	__u32 policy;
	__u32 window;
} all_policies[] = {
	{ VMLAB_POLICY_FIFO, 0 },
	{ VMLAB_POLICY_RANDOM, 0 },
	{ VMLAB_POLICY_CLOCK, 0 },
	{ VMLAB_POLICY_LRU_APPROX, 0 },
	{ VMLAB_POLICY_LRU, 1 },
	{ VMLAB_POLICY_MRU, 1 },
	{ VMLAB_POLICY_SIEVE, 0 },
	{ VMLAB_POLICY_S3FIFO, 0 },
	{ VMLAB_POLICY_SFIFO, 1 },
	{ VMLAB_POLICY_TWOQ, 1 },
	{ VMLAB_POLICY_WSCLOCK, 0 },
};

/*
 * SFIFO, TWOQ and WSCLOCK against the simulator: references with write
 * flags, a backing file if asked, WSCLOCK's window.  With a software TLB
 * of one page the kernel sees every reference but an immediate repeat of
 * the page just used, which stays mapped and does not fault; the strings
 * here have none (random_refs_no_repeat()), so the kernel and the
 * simulator count the same references.
 */
struct lists_run {
	__u32 policy;
	__u64 frames;
	__u64 ws_window;
	bool file;		/* a backing file, not the memory store */
	const uint64_t *refs;
	const uint8_t *writes;	/* NULL: all reads */
	size_t n, pages;
};

/* A backing file on VMLAB_DISK or /tmp, unlinked: an fd or -1. */
static int backing_tmpfile(void)
{
	const char *dir = getenv("VMLAB_DISK") ?: "/tmp";
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "%s/vmlab-lists", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* Run @r on the kernel with a one-page TLB: its stats, 0 or -1. */
static int lists_kernel(const struct lists_run *r, struct vmlab_stats *st)
{
	struct vmlab_config cfg;
	struct vmlab_lab lab;
	int bfd = -1, ret = -1;
	size_t i;

	if (lab_open_policy(&lab, r->pages, r->policy, r->frames, 1))
		goto out;
	if (vmlab_get_config(lab.fd, &cfg))
		goto out;
	cfg.ws_window = r->ws_window;
	if (vmlab_ioctl(lab.fd, VMLAB_SET_CONFIG, &cfg))
		goto out;
	if (r->file) {
		bfd = backing_tmpfile();
		if (bfd < 0 || vmlab_set_backing(lab.fd, bfd))
			goto out;
	}
	for (i = 0; i < r->n; i++) {
		volatile char *p = vmlab_page(&lab, r->refs[i]);

		if (r->writes && r->writes[i])
			*p = (char)i;
		else
			(void)*p;
	}
	ret = vmlab_get_stats(lab.fd, st);
out:
	vmlab_lab_close(&lab);
	if (bfd >= 0)
		close(bfd);
	return ret;
}

static enum sim_policy lists_sim_policy(__u32 policy)
{
	return policy == VMLAB_POLICY_SFIFO ? SIM_SFIFO :
	       policy == VMLAB_POLICY_TWOQ ? SIM_TWOQ : SIM_WSCLOCK;
}

/* Run @r on the simulator: 0 or -1. */
static int lists_sim(const struct lists_run *r, struct sim_result *res)
{
	struct sim_opts o = { .writes = r->writes, .ws_window = r->ws_window };

	return sim_run_opts(lists_sim_policy(r->policy), r->frames, r->refs,
			    r->n, 1, &o, res, NULL, NULL);
}

/* Write flags: every @every-th reference (0: none) */
static void every_nth_write(uint8_t *writes, size_t n, unsigned int every,
			    unsigned int seed)
{
	size_t i;

	srandom(seed * 7919);
	for (i = 0; i < n; i++)
		writes[i] = every && (unsigned int)random() % every == 0;
}

/*
 * The kernel's @policy misses (and, SFIFO, reclaims) exactly as often as
 * the simulator's on random strings without immediate repeats, for
 * budgets from one frame to all but one of the 64 pages.  One in
 * @write_every references writes (0: none, 1: all).
 */
static void expect_lists_equal_sim(struct __test_metadata *_metadata,
				   __u32 policy, unsigned int write_every,
				   bool file, __u64 ws_window)
{
	static const __u64 frames[] = { 1, 4, 7, 16, 31, 63 };
	static uint64_t refs[2000];
	static uint8_t writes[2000];
	struct lists_run r = {
		.policy = policy, .ws_window = ws_window, .file = file,
		.refs = refs, .writes = write_every ? writes : NULL,
		.n = ARRAY_SIZE(refs), .pages = 64,
	};
	struct vmlab_stats st;
	struct sim_result res;
	unsigned int seed;
	size_t i;

	for (seed = 1; seed <= vmlab_sweep_seeds(3); seed++) {
		random_refs_no_repeat(refs, ARRAY_SIZE(refs), 64, seed);
		every_nth_write(writes, ARRAY_SIZE(writes), write_every, seed);
		for (i = 0; i < ARRAY_SIZE(frames); i++) {
			r.frames = frames[i];
			ASSERT_EQ(0, lists_sim(&r, &res));
			ASSERT_EQ(0, lists_kernel(&r, &st));
			EXPECT_EQ(res.misses, st.faults_zero + st.faults_swapin)
				TH_LOG("seed %u, %llu frames", seed, frames[i]);
			EXPECT_EQ(res.reclaims, st.reclaims)
				TH_LOG("seed %u, %llu frames", seed, frames[i]);
		}
	}
}

/* -------------------------------------------------- policies vs the book */

FIXTURE(policy) {
};

FIXTURE_SETUP(policy)
{
	VMLAB_REQUIRE_MODULE();
}

FIXTURE_TEARDOWN(policy)
{
}

TEST_F(policy, belady_fifo_3_frames_gives_9_misses)
{
	EXPECT_EQ(9ULL, kernel_misses(VMLAB_POLICY_FIFO, 3, 0, belady, 12, 8));
	EXPECT_EQ(9ULL, sim_misses(SIM_FIFO, 3, belady, 12));
}

TEST_F(policy, belady_fifo_4_frames_gives_10_misses)
{
	EXPECT_EQ(10ULL, kernel_misses(VMLAB_POLICY_FIFO, 4, 0, belady, 12, 8));
	EXPECT_EQ(10ULL, sim_misses(SIM_FIFO, 4, belady, 12));
}

/*
 * The kernel's @policy (with a software TLB of @window pages) misses exactly
 * as often as the simulator's @sim on random strings, for budgets from one
 * frame to all but one of the 64 pages.
 */
static void expect_kernel_equals_sim(struct __test_metadata *_metadata,
				     __u32 policy, __u32 window,
				     enum sim_policy sim, bool no_repeat)
{
	static const __u64 frames[] = { 1, 4, 7, 16, 31, 63 };
	uint64_t refs[3000];
	unsigned int seed;
	size_t i;

	for (seed = 1; seed <= vmlab_sweep_seeds(4); seed++) {
		if (no_repeat)
			random_refs_no_repeat(refs, ARRAY_SIZE(refs), 64, seed);
		else
			random_refs(refs, ARRAY_SIZE(refs), 64, seed);
		for (i = 0; i < ARRAY_SIZE(frames); i++)
			EXPECT_EQ(sim_misses(sim, frames[i], refs, ARRAY_SIZE(refs)),
				  kernel_misses(policy, frames[i], window, refs,
						ARRAY_SIZE(refs), 64))
				TH_LOG("seed %u, %llu frames", seed, frames[i]);
	}
}

TEST_F(policy, fifo_misses_equal_simulated_fifo_on_random_strings)
{
	expect_kernel_equals_sim(_metadata, VMLAB_POLICY_FIFO, 0, SIM_FIFO, false);
}

TEST_F(policy, lru_with_a_one_page_tlb_equals_simulated_lru)
{
	expect_kernel_equals_sim(_metadata, VMLAB_POLICY_LRU, 1, SIM_LRU, false);
}

/* A repeat changes no recency order: MRU is exact on any string. */
TEST_F(policy, mru_with_a_one_page_tlb_equals_simulated_mru)
{
	expect_kernel_equals_sim(_metadata, VMLAB_POLICY_MRU, 1, SIM_MRU, false);
}

TEST_F(policy, sieve_with_a_one_page_tlb_equals_simulated_sieve_without_repeats)
{
	expect_kernel_equals_sim(_metadata, VMLAB_POLICY_SIEVE, 1, SIM_SIEVE,
				 true);
}

TEST_F(policy, s3fifo_with_a_one_page_tlb_equals_simulated_s3fifo_without_repeats)
{
	expect_kernel_equals_sim(_metadata, VMLAB_POLICY_S3FIFO, 1, SIM_S3FIFO,
				 true);
}

/*
 * Why the strings above have no immediate repeat: 0 0 1 2 3 0 in 3
 * frames.  The second 0 finds its page still mapped: no fault, so the
 * kernel's SIEVE never sets its visited bit and evicts 0 for 3, missing on
 * the last 0 (5 misses); the simulator's repeat sets the bit, its hand
 * keeps 0 and evicts 1 (4 misses).
 */
TEST_F(policy, sieve_does_not_see_an_immediate_repeat_the_simulator_counts)
{
	static const uint64_t refs[] = { 0, 0, 1, 2, 3, 0 };

	EXPECT_EQ(5ULL, kernel_misses(VMLAB_POLICY_SIEVE, 3, 1, refs, 6, 8));
	EXPECT_EQ(4ULL, sim_misses(SIM_SIEVE, 3, refs, 6));
}

/* The same for S3FIFO's count: unseen, 0 leaves the small queue for the ghost. */
TEST_F(policy, s3fifo_does_not_see_an_immediate_repeat_the_simulator_counts)
{
	static const uint64_t refs[] = { 0, 0, 1, 2, 3, 0 };

	EXPECT_EQ(5ULL, kernel_misses(VMLAB_POLICY_S3FIFO, 3, 1, refs, 6, 8));
	EXPECT_EQ(4ULL, sim_misses(SIM_S3FIFO, 3, refs, 6));
}

/*
 * A loop over 4 pages with 3 frames: MRU evicts the page just used, which
 * comes round last: 4 misses to fill, then one every 3 references.
 */
TEST_F(policy, mru_on_a_loop_of_4_pages_in_3_frames_gives_16_misses)
{
	uint64_t refs[40];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refs); i++)
		refs[i] = i % 4;
	EXPECT_EQ(16ULL, kernel_misses(VMLAB_POLICY_MRU, 3, 1, refs, 40, 8));
	EXPECT_EQ(16ULL, sim_misses(SIM_MRU, 3, refs, 40));
}

/*
 * 0 1 2 0 3 0 4 in 3 frames: the hand passes 0 (hit: visited), clearing
 * it, and takes 1; it stays on 2, which goes next although 0 is older: 5
 * misses, where FIFO's 6 evict 0 and bring it back.
 */
TEST_F(policy, sieve_spares_a_visited_page_0120304_in_3_frames_gives_5_misses)
{
	static const uint64_t refs[] = { 0, 1, 2, 0, 3, 0, 4 };

	EXPECT_EQ(5ULL, kernel_misses(VMLAB_POLICY_SIEVE, 3, 1, refs, 7, 8));
	EXPECT_EQ(5ULL, sim_misses(SIM_SIEVE, 3, refs, 7));
	EXPECT_EQ(6ULL, kernel_misses(VMLAB_POLICY_FIFO, 3, 1, refs, 7, 8));
}

/*
 * S3FIFO, 4 frames: the small queue's share is 1, the ghost's 3.
 *   0 1 2 3  fill the small queue S
 *   0        hit: 0's count is 1
 *   4        S's oldest, 0, was hit: to the main queue M; 1 is the victim,
 *            into the ghost
 *   1        2 is the victim (ghost 1 2); 1 was in the ghost: into M
 *   5        3 is the victim (ghost 2 3)
 *   4 5      hits
 *   6        S's 4 and 5 were hit: to M, now 0 1 4 5; S is empty, so
 *            M: 0 loses its hit and goes round, 1 is the victim
 *   2        S's 6 is the victim (ghost 2 3 6); 2 was in the ghost: into M
 *   7        S is empty: M's 4 and 5 lose their hits, 0 is the victim
 * 10 misses in 13 references.
 */
TEST_F(policy, s3fifo_worked_example_in_4_frames_gives_10_misses)
{
	static const uint64_t refs[] = { 0, 1, 2, 3, 0, 4, 1, 5, 4, 5, 6, 2, 7 };

	EXPECT_EQ(10ULL, kernel_misses(VMLAB_POLICY_S3FIFO, 4, 1, refs, 13, 8));
	EXPECT_EQ(10ULL, sim_misses(SIM_S3FIFO, 4, refs, 13));
}

TEST_F(policy, belady_lru_with_a_one_page_tlb_gives_10_and_8_misses)
{
	EXPECT_EQ(10ULL, kernel_misses(VMLAB_POLICY_LRU, 3, 1, belady, 12, 8));
	EXPECT_EQ(8ULL, kernel_misses(VMLAB_POLICY_LRU, 4, 1, belady, 12, 8));
}

TEST_F(policy, belady_sfifo_gives_10_misses_2_reclaims_and_8_misses_4_reclaims)
{
	struct lists_run r = { .policy = VMLAB_POLICY_SFIFO, .frames = 3,
			       .refs = belady, .n = 12, .pages = 8 };
	struct vmlab_stats st;

	ASSERT_EQ(0, lists_kernel(&r, &st));
	EXPECT_EQ(10ULL, st.faults_zero + st.faults_swapin);
	EXPECT_EQ(2ULL, st.reclaims);
	r.frames = 4;
	ASSERT_EQ(0, lists_kernel(&r, &st));
	EXPECT_EQ(8ULL, st.faults_zero + st.faults_swapin);
	EXPECT_EQ(4ULL, st.reclaims);
}

/*
 * 4 frames: the FIFO holds 2.  1 (written) and then 2 leave the FIFO for
 * the dirty and the clean list; 5 takes the frame of 2, the clean page,
 * not of the older 1, which the next reference reclaims: 5 misses.
 */
TEST_F(policy, sfifo_evicts_a_clean_page_before_an_older_dirty_one)
{
	static const uint64_t refs[] = { 1, 2, 3, 4, 5, 1 };
	static const uint8_t writes[] = { 1, 0, 0, 0, 0, 0 };
	struct lists_run r = { .policy = VMLAB_POLICY_SFIFO, .frames = 4,
			       .refs = refs, .writes = writes, .n = 6,
			       .pages = 8 };
	struct vmlab_stats st;

	ASSERT_EQ(0, lists_kernel(&r, &st));
	EXPECT_EQ(5ULL, st.faults_zero + st.faults_swapin);
	EXPECT_EQ(1ULL, st.reclaims);
	EXPECT_EQ(1ULL, st.evictions);
}

TEST_F(policy, sfifo_equals_simulated_sfifo_on_random_reads)
{
	expect_lists_equal_sim(_metadata, VMLAB_POLICY_SFIFO, 0, false, 0);
}

TEST_F(policy, sfifo_equals_simulated_sfifo_on_random_writes)
{
	expect_lists_equal_sim(_metadata, VMLAB_POLICY_SFIFO, 1, false, 0);
}

/*
 * A backing file keeps a page's copy when it is read back in, so a page is
 * clean until written again, as the simulator counts it.
 */
TEST_F(policy, sfifo_with_a_backing_file_equals_simulated_sfifo_on_mixed_references)
{
	expect_lists_equal_sim(_metadata, VMLAB_POLICY_SFIFO, 3, true, 0);
}

TEST_F(policy, belady_2q_gives_10_and_8_misses)
{
	EXPECT_EQ(10ULL, kernel_misses(VMLAB_POLICY_TWOQ, 3, 1, belady, 12, 8));
	EXPECT_EQ(8ULL, kernel_misses(VMLAB_POLICY_TWOQ, 4, 1, belady, 12, 8));
}

/*
 * 4 frames: 1 referenced twice goes active; the scan 3, 4, 5, 6 evicts 2
 * and 3 from the inactive list, and 1 still hits: 6 misses (LRU: 7).
 */
TEST_F(policy, twoq_keeps_a_twice_referenced_page_through_a_scan)
{
	static const uint64_t refs[] = { 1, 2, 1, 3, 4, 5, 6, 1 };

	EXPECT_EQ(6ULL, kernel_misses(VMLAB_POLICY_TWOQ, 4, 1, refs, 8, 8));
	EXPECT_EQ(7ULL, kernel_misses(VMLAB_POLICY_LRU, 4, 1, refs, 8, 8));
}

TEST_F(policy, twoq_with_a_one_page_tlb_equals_simulated_2q)
{
	expect_lists_equal_sim(_metadata, VMLAB_POLICY_TWOQ, 0, false, 0);
}

TEST_F(policy, belady_wsclock_gives_9_and_10_misses)
{
	EXPECT_EQ(9ULL, kernel_misses(VMLAB_POLICY_WSCLOCK, 3, 1, belady, 12, 8));
	EXPECT_EQ(10ULL, kernel_misses(VMLAB_POLICY_WSCLOCK, 4, 1, belady, 12, 8));
}

/*
 * 3 frames, every page referenced since the hand last passed: a full turn
 * finds none old, and the first clean page goes - 2, not the written 1,
 * which then hits: 4 misses.
 */
TEST_F(policy, wsclock_falls_back_to_the_first_clean_page)
{
	static const uint64_t refs[] = { 1, 2, 3, 4, 1 };
	static const uint8_t writes[] = { 1, 0, 0, 0, 0 };
	struct lists_run r = { .policy = VMLAB_POLICY_WSCLOCK, .frames = 3,
			       .refs = refs, .writes = writes, .n = 5,
			       .pages = 8 };
	struct vmlab_stats st;

	ASSERT_EQ(0, lists_kernel(&r, &st));
	EXPECT_EQ(4ULL, st.faults_zero + st.faults_swapin);
}

TEST_F(policy, wsclock_with_a_one_page_tlb_equals_simulated_wsclock)
{
	expect_lists_equal_sim(_metadata, VMLAB_POLICY_WSCLOCK, 0, false, 0);
}

TEST_F(policy, wsclock_with_a_backing_file_and_a_window_of_40_equals_simulated_wsclock)
{
	expect_lists_equal_sim(_metadata, VMLAB_POLICY_WSCLOCK, 3, true, 40);
}

TEST_F(policy, sfifo_and_2q_without_a_software_tlb_are_refused)
{
	int fd = vmlab_open(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, vmlab_set_policy(fd, VMLAB_POLICY_SFIFO, 4, 0, 0));
	EXPECT_EQ(-EINVAL, vmlab_set_policy(fd, VMLAB_POLICY_TWOQ, 4, 0, 0));
	EXPECT_EQ(0, vmlab_set_policy(fd, VMLAB_POLICY_SFIFO, 4, 1, 0));
	EXPECT_EQ(0, vmlab_set_policy(fd, VMLAB_POLICY_TWOQ, 4, 1, 0));
	close(fd);
}

TEST_F(policy, ws_window_above_2_to_the_32_is_refused)
{
	struct vmlab_config cfg;
	int fd = vmlab_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmlab_get_config(fd, &cfg));
	cfg.policy = VMLAB_POLICY_WSCLOCK;
	cfg.ws_window = VMLAB_WS_WINDOW_MAX + 1;
	EXPECT_EQ(-EINVAL, vmlab_ioctl(fd, VMLAB_SET_CONFIG, &cfg));
	cfg.ws_window = ~0ULL;
	EXPECT_EQ(-EINVAL, vmlab_ioctl(fd, VMLAB_SET_CONFIG, &cfg));
	cfg.ws_window = VMLAB_WS_WINDOW_MAX;
	EXPECT_EQ(0, vmlab_ioctl(fd, VMLAB_SET_CONFIG, &cfg));
	ASSERT_EQ(0, vmlab_get_config(fd, &cfg));
	EXPECT_EQ(VMLAB_WS_WINDOW_MAX, cfg.ws_window);
	close(fd);
}

TEST_F(policy, opt_misses_are_never_above_any_policy)
{
	uint64_t refs[2000];
	unsigned int seed;
	__u32 policy;
	__u64 opt;

	for (seed = 1; seed <= vmlab_sweep_seeds(3); seed++) {
		random_refs(refs, ARRAY_SIZE(refs), 48, seed);
		opt = sim_misses(SIM_OPT, 12, refs, ARRAY_SIZE(refs));
		for (policy = 0; policy < ARRAY_SIZE(all_policies); policy++)
			EXPECT_GE(kernel_misses(all_policies[policy].policy, 12,
						all_policies[policy].window, refs,
						ARRAY_SIZE(refs), 48), opt)
				TH_LOG("seed %u, policy %u", seed,
				       all_policies[policy].policy);
	}
}

/* FNV-1a over the victims' page indices, in eviction order. */
static __u64 victims_hash(const struct vmlab_event *ev, size_t n, size_t *count)
{
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	*count = 0;
	for (i = 0; i < n; i++) {
		if (ev[i].type != VMLAB_EV_EVICT)
			continue;
		h = (h ^ ev[i].evict.pgoff) * 0x100000001b3ULL;
		(*count)++;
	}
	return h;
}

TEST_F(policy, random_policy_repeats_its_victims_with_the_same_seed)
{
	static struct vmlab_event ev[4096];
	uint64_t refs[1000];
	struct vmlab_lab lab;
	size_t victims[3];
	__u64 hash[3];
	ssize_t n;
	int run;

	random_refs(refs, ARRAY_SIZE(refs), 64, 7);
	for (run = 0; run < 3; run++) {
		ASSERT_EQ(0, vmlab_lab_open(&lab, 64, VMLAB_EV_BIT(VMLAB_EV_EVICT),
					    0, 4096));
		ASSERT_EQ(0, vmlab_set_policy(lab.fd, VMLAB_POLICY_RANDOM, 16, 0,
					run < 2 ? 1234 : 99));
		lab_reference(&lab, refs, ARRAY_SIZE(refs));
		n = vmlab_read_ready(lab.fd, ev, ARRAY_SIZE(ev));
		ASSERT_LT(0, n);
		hash[run] = victims_hash(ev, n, &victims[run]);
		EXPECT_EQ(victims[run], lab_misses(lab.fd) - 16);
		vmlab_lab_close(&lab);
	}
	EXPECT_EQ(hash[0], hash[1]);
	EXPECT_NE(hash[0], hash[2]);
}

TEST_F(policy, clock_with_flush_gives_a_referenced_page_a_second_chance)
{
	static const uint64_t first[] = { 0, 1, 2, 3, 1, 4 };
	unsigned char vec[5];
	struct vmlab_resident r = {
		.size = sizeof(r), .count = 5, .vec = (uintptr_t)vec,
	};
	struct vmlab_config cfg;
	struct vmlab_info info;
	struct vmlab_lab lab;

	ASSERT_EQ(0, lab_open_policy(&lab, 8, VMLAB_POLICY_CLOCK, 3, 0));
	ASSERT_EQ(0, vmlab_get_info(lab.fd, &info));
	if (!(info.flags & VMLAB_INFO_TLB_FLUSH)) {
		vmlab_lab_close(&lab);
		SKIP(return, "this kernel exports no TLB flush to modules (7.x)");
	}
	ASSERT_EQ(0, vmlab_get_config(lab.fd, &cfg));
	cfg.flags |= VMLAB_CFG_CLOCK_FLUSH;
	ASSERT_EQ(0, vmlab_ioctl(lab.fd, VMLAB_SET_CONFIG, &cfg));
	/*
	 * 0,1,2 fill the frames with A set.  3: the hand clears 0,1,2 and
	 * takes 0.  1 is used again: the flush made the CPU walk its PTE and
	 * set A.  4: the hand passes 1 (clearing it) and takes 2.
	 */
	lab_reference(&lab, first, ARRAY_SIZE(first));
	ASSERT_EQ(0, vmlab_ioctl(lab.fd, VMLAB_RESIDENT, &r));
	EXPECT_EQ(3ULL, r.resident);
	EXPECT_FALSE(!!(vec[0] & VMLAB_PAGE_RESIDENT));
	EXPECT_TRUE(!!(vec[1] & VMLAB_PAGE_RESIDENT));
	EXPECT_FALSE(!!(vec[2] & VMLAB_PAGE_RESIDENT));
	EXPECT_TRUE(!!(vec[3] & VMLAB_PAGE_RESIDENT));
	EXPECT_TRUE(!!(vec[4] & VMLAB_PAGE_RESIDENT));
	vmlab_lab_close(&lab);
}

/*
 * Pages 0..7 resident after @before under FIFO, a switch to @policy and
 * @after, with @frames frames and a one-page software TLB: bit n for page n.
 */
static int resident_after_switch(__u32 policy, __u64 frames,
				 const uint64_t *before, size_t nb,
				 const uint64_t *after, size_t na)
{
	unsigned char vec[8];
	struct vmlab_resident r = {
		.size = sizeof(r), .count = 8, .vec = (uintptr_t)vec,
	};
	struct vmlab_config cfg;
	struct vmlab_lab lab;
	int mask = -1, i;

	if (lab_open_policy(&lab, 8, VMLAB_POLICY_FIFO, frames, 1))
		goto out;
	lab_reference(&lab, before, nb);
	if (vmlab_get_config(lab.fd, &cfg))
		goto out;
	cfg.policy = policy;
	if (vmlab_ioctl(lab.fd, VMLAB_SET_CONFIG, &cfg))
		goto out;
	lab_reference(&lab, after, na);
	if (vmlab_ioctl(lab.fd, VMLAB_RESIDENT, &r))
		goto out;
	mask = 0;
	for (i = 0; i < 8; i++)
		if (vec[i] & VMLAB_PAGE_RESIDENT)
			mask |= 1 << i;
out:
	vmlab_lab_close(&lab);
	return mask;
}

/*
 * 0 1 2 0 under FIFO, then SIEVE and 3: the hit on 0 under FIFO set its
 * visited bit, so SIEVE's hand passes 0 and evicts 1 (FIFO would take 0).
 */
TEST_F(policy, switch_to_sieve_starts_from_load_order_with_the_hits_seen)
{
	static const uint64_t before[] = { 0, 1, 2, 0 }, after[] = { 3 };

	EXPECT_EQ(0x0d, resident_after_switch(VMLAB_POLICY_SIEVE, 3, before, 4,
					      after, 1));
}

/*
 * 0 1 2 3 0 under FIFO, then S3FIFO and 4: every page is in the small
 * queue, 0 with one hit; 0 moves to the main queue, 1 is the victim.
 */
TEST_F(policy, switch_to_s3fifo_starts_from_the_small_queue_with_the_hits_seen)
{
	static const uint64_t before[] = { 0, 1, 2, 3, 0 }, after[] = { 4 };

	EXPECT_EQ(0x1d, resident_after_switch(VMLAB_POLICY_S3FIFO, 4, before, 5,
					      after, 1));
}

/*
 * 0 1 2 0 under FIFO, then MRU and 3: recency is kept only while LRU or
 * MRU is the policy, so MRU starts from load order and evicts 2, the last
 * loaded, not 0, the last used.
 */
TEST_F(policy, switch_to_mru_starts_from_load_order)
{
	static const uint64_t before[] = { 0, 1, 2, 0 }, after[] = { 3 };

	EXPECT_EQ(0x0b, resident_after_switch(VMLAB_POLICY_MRU, 3, before, 4,
					      after, 1));
}

/*
 * A victim kept resident goes back as the least recent page for MRU, or
 * MRU would choose it again at once: with 1 held by a pipe, 2's miss
 * passes over 1 to 0, the next most recent, and stays in its budget.
 */
TEST_F(policy, mru_passes_over_a_page_held_by_a_pipe_to_the_next_most_recent)
{
	static const uint64_t first[] = { 0, 1 }, next[] = { 2 };
	unsigned char vec[3];
	struct vmlab_resident r = {
		.size = sizeof(r), .count = 3, .vec = (uintptr_t)vec,
	};
	struct vmlab_stats st;
	struct vmlab_lab lab;
	struct iovec iov;
	int p[2];

	ASSERT_EQ(0, lab_open_policy(&lab, 8, VMLAB_POLICY_MRU, 2, 1));
	lab_reference(&lab, first, ARRAY_SIZE(first));
	iov = (struct iovec){ .iov_base = vmlab_page(&lab, 1), .iov_len = lab.ps };
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ((ssize_t)lab.ps, vmsplice(p[1], &iov, 1, 0));
	lab_reference(&lab, next, ARRAY_SIZE(next));
	ASSERT_EQ(0, vmlab_get_stats(lab.fd, &st));
	EXPECT_EQ(1ULL, st.evict_pinned);
	EXPECT_EQ(0ULL, st.over_budget);
	EXPECT_EQ(2ULL, st.pages_resident);
	ASSERT_EQ(0, vmlab_ioctl(lab.fd, VMLAB_RESIDENT, &r));
	EXPECT_FALSE(!!(vec[0] & VMLAB_PAGE_RESIDENT));
	EXPECT_TRUE(!!(vec[1] & VMLAB_PAGE_RESIDENT));
	EXPECT_TRUE(!!(vec[2] & VMLAB_PAGE_RESIDENT));
	close(p[0]);
	close(p[1]);
	vmlab_lab_close(&lab);
}

TEST_F(policy, lru_without_a_software_tlb_is_refused)
{
	int fd = vmlab_open(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, vmlab_set_policy(fd, VMLAB_POLICY_LRU, 4, 0, 0));
	EXPECT_EQ(-EINVAL, vmlab_set_policy(fd, VMLAB_POLICY_MAX, 4, 0, 0));
	EXPECT_EQ(0, vmlab_set_policy(fd, VMLAB_POLICY_LRU, 4, 1, 0));
	close(fd);
}

TEST_F(policy, mru_without_a_software_tlb_is_refused)
{
	int fd = vmlab_open(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, vmlab_set_policy(fd, VMLAB_POLICY_MRU, 4, 0, 0));
	EXPECT_EQ(0, vmlab_set_policy(fd, VMLAB_POLICY_MRU, 4, 1, 0));
	close(fd);
}

TEST_F(policy, frame_budget_cannot_change_while_pages_are_resident)
{
	struct vmlab_lab lab;
	struct vmlab_config cfg;

	ASSERT_EQ(0, lab_open_policy(&lab, 8, VMLAB_POLICY_FIFO, 4, 0));
	vmlab_touch_read(lab.map, 2);
	EXPECT_EQ(-EBUSY, vmlab_set_policy(lab.fd, VMLAB_POLICY_FIFO, 5, 0, 1));
	/* the policy itself switches at any time */
	ASSERT_EQ(0, vmlab_get_config(lab.fd, &cfg));
	cfg.policy = VMLAB_POLICY_CLOCK;
	EXPECT_EQ(0, vmlab_ioctl(lab.fd, VMLAB_SET_CONFIG, &cfg));
	vmlab_lab_close(&lab);
}

/* ----------------------------------------------------------- mechanism */

FIXTURE(swap) {
	struct vmlab_lab lab;
	char dir[64];
	int bfd;
};

FIXTURE_SETUP(swap)
{
	VMLAB_REQUIRE_MODULE();
	self->bfd = -1;
	strcpy(self->dir, "/tmp/vmlab-swap.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, REGION_PAGES,
				    VMLAB_EV_BIT(VMLAB_EV_EVICT) |
				    VMLAB_EV_BIT(VMLAB_EV_SWAP), 0, 4096));
}

FIXTURE_TEARDOWN(swap)
{
	char path[96];

	vmlab_lab_close(&self->lab);
	if (self->bfd >= 0)
		close(self->bfd);
	snprintf(path, sizeof(path), "%s/backing", self->dir);
	unlink(path);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

/* A backing file in @dir, handed to the instance; its fd kept in self. */
static int swap_file_in(struct vmlab_lab *lab, const char *dir, int *bfd)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/backing", dir);
	*bfd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (*bfd < 0)
		return -errno;
	return vmlab_set_backing(lab->fd, *bfd);
}

TEST_F(swap, evicted_pages_come_back_from_the_memory_store)
{
	__u64 n;

	vmlab_fill(self->lab.map, 0, 32, 11);
	ASSERT_EQ(0, vmlab_evict_all(self->lab.fd, &n));
	EXPECT_EQ(32ULL, n);
	EXPECT_STATS(self->lab.fd, STAT(pages_resident, 0ULL),
		     STAT(store_pages, 32ULL), STAT(swap_outs, 32ULL));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 32, 11));
	EXPECT_STATS(self->lab.fd, STAT(faults_swapin, 32ULL),
		     STAT(swap_ins, 32ULL),
		     STAT(swap_in_bytes, 32ULL * vmlab_page_size()),
		     STAT(store_pages, 0ULL));
}

TEST_F(swap, clean_pages_with_a_copy_are_not_written_again)
{
	__u64 n;

	ASSERT_EQ(0, swap_file_in(&self->lab, self->dir, &self->bfd));
	vmlab_fill(self->lab.map, 0, 32, 12);
	ASSERT_EQ(0, vmlab_evict_all(self->lab.fd, &n));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 32, 12));
	ASSERT_EQ(0, vmlab_evict_all(self->lab.fd, &n));
	EXPECT_EQ(32ULL, n);
	EXPECT_STATS(self->lab.fd, STAT(swap_outs, 32ULL),
		     STAT(swap_ins, 32ULL), STAT(clean_drops, 32ULL),
		     STAT(store_pages, 32ULL));
	EXPECT_EQ(32 * (off_t)vmlab_page_size(), lseek(self->bfd, 0, SEEK_END));
}

TEST_F(swap, never_written_pages_are_dropped_without_io)
{
	struct vmlab_stats st;
	__u64 n;

	ASSERT_EQ(0, swap_file_in(&self->lab, self->dir, &self->bfd));
	vmlab_touch_read(self->lab.map, 16);
	ASSERT_EQ(0, vmlab_evict_all(self->lab.fd, &n));
	EXPECT_EQ(16ULL, n);
	EXPECT_STATS(self->lab.fd, STAT(swap_outs, 0ULL),
		     STAT(clean_drops, 16ULL), STAT(store_pages, 0ULL));
	EXPECT_TRUE(vmlab_all_zero(self->lab.map, 16 * vmlab_page_size()));
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	EXPECT_EQ(32ULL, st.faults_zero);
	EXPECT_EQ(0ULL, st.faults_swapin);
}

TEST_F(swap, forced_eviction_takes_exactly_the_range)
{
	struct vmlab_evict ev = { .size = sizeof(ev), .start = 4, .count = 8 };
	unsigned char vec[16];
	struct vmlab_resident r = {
		.size = sizeof(r), .count = 16, .vec = (uintptr_t)vec,
	};
	size_t i;

	vmlab_fill(self->lab.map, 0, 16, 13);
	ASSERT_EQ(0, vmlab_ioctl(self->lab.fd, VMLAB_EVICT, &ev));
	EXPECT_EQ(8ULL, ev.evicted);
	ASSERT_EQ(0, vmlab_ioctl(self->lab.fd, VMLAB_RESIDENT, &r));
	EXPECT_EQ(8ULL, r.resident);
	for (i = 0; i < 16; i++) {
		bool in = i >= 4 && i < 12;

		EXPECT_EQ(!in, !!(vec[i] & VMLAB_PAGE_RESIDENT)) TH_LOG("page %zu", i);
		EXPECT_EQ(in, !!(vec[i] & VMLAB_PAGE_STORED)) TH_LOG("page %zu", i);
	}
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 16, 13));
}

TEST_F(swap, eviction_unmaps_the_page_from_every_process)
{
	volatile uint64_t *w = (volatile uint64_t *)self->lab.map;
	struct vmlab_evict ev = { .size = sizeof(ev), .start = 0, .count = 1 };
	int pipefd[2], status;
	char c = 0;
	pid_t pid;

	*w = 1;
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* the child has the page mapped, evicted under it, then reads */
		close(pipefd[1]);	/* a parent that fails must not strand it */
		(void)*w;
		if (read(pipefd[0], &c, 1) != 1)
			_exit(2);
		_exit(*w == 2 ? 0 : 1);
	}
	ASSERT_EQ(0, vmlab_ioctl(self->lab.fd, VMLAB_EVICT, &ev));
	EXPECT_EQ(1ULL, ev.evicted);
	*w = 2;
	ASSERT_EQ(1, write(pipefd[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(pipefd[0]);
	close(pipefd[1]);
}

struct refault {
	struct vmlab_lab *lab;
	int stop;
};

/* Fault page 0 of the lab again and again, its PTE zapped before each */
static void *refault_loop(void *arg)
{
	struct refault *r = arg;
	unsigned int n = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		madvise(r->lab->map, r->lab->ps, MADV_DONTNEED);
		n += *(volatile unsigned char *)r->lab->map;
	}
	return (void *)(uintptr_t)n;
}

/*
 * A fault on a resident page with no budget takes no instance lock, and
 * pins the page for a moment (fault.c's fast path): VMLAB_EVICT of that
 * page, racing such faults, either evicts it or finds it gone, and never
 * reports it pinned.  (A fast path that waited for the page lock while
 * holding its reference made the eviction call the page pinned: EBUSY.)
 */
TEST_F(swap, forced_eviction_racing_lock_free_faults_never_calls_the_page_pinned)
{
	struct vmlab_evict ev = { .size = sizeof(ev), .start = 0, .count = 1 };
	struct refault r = { .lab = &self->lab };
	__u64 evicted = 0;
	pthread_t t;
	int i;

	vmlab_fill(self->lab.map, 0, 1, 3);
	ASSERT_EQ(0, pthread_create(&t, NULL, refault_loop, &r));
	for (i = 0; i < 2000; i++) {
		ev.evicted = 0;
		EXPECT_EQ(0, vmlab_ioctl(self->lab.fd, VMLAB_EVICT, &ev))
			TH_LOG("eviction %d", i);
		evicted += ev.evicted;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_LT(0ULL, evicted);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 1, 3));
	EXPECT_STATS(self->lab.fd, STAT(evict_pinned, 0), STAT(fault_errors, 0));
}

TEST_F(swap, soft_tlb_of_one_page_turns_revisits_into_soft_faults)
{
	static const uint64_t refs[] = { 0, 1, 0, 1, 2, 0 };

	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_FIFO, 8, 1, 0));
	lab_reference(&self->lab, refs, ARRAY_SIZE(refs));
	EXPECT_STATS(self->lab.fd, STAT(faults_zero, 3ULL),
		     STAT(faults_soft, 3ULL), STAT(faults_minor, 0ULL),
		     STAT(pages_mapped, 1ULL), STAT(tlb_module, 5ULL));
}

/*
 * With evict_batch 16, a full budget evicts the next 16 victims at once:
 * FIFO's victims of a sequential pass are consecutive pages, unmapped with
 * one call, so one TLB flush per 16 evictions; the next 15 misses evict
 * nothing.
 */
TEST_F(swap, batched_eviction_flushes_once_per_run_of_victims)
{
	struct vmlab_config cfg;

	ASSERT_EQ(0, swap_file_in(&self->lab, self->dir, &self->bfd));
	ASSERT_EQ(0, vmlab_get_config(self->lab.fd, &cfg));
	cfg.frames = 16;
	cfg.evict_batch = 16;
	ASSERT_EQ(0, vmlab_ioctl(self->lab.fd, VMLAB_SET_CONFIG, &cfg));
	vmlab_fill(self->lab.map, 0, 64, 19);
	EXPECT_STATS(self->lab.fd, STAT(faults_zero, 64ULL),
		     STAT(evictions, 48ULL), STAT(swap_outs, 48ULL),
		     STAT(tlb_module, 3ULL), STAT(pages_resident, 16ULL));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 64, 19));

	cfg.evict_batch = VMLAB_EVICT_BATCH_MAX + 1;
	EXPECT_EQ(-EINVAL, vmlab_ioctl(self->lab.fd, VMLAB_SET_CONFIG, &cfg));
}

/* The backing file's errors, each as documented. */
TEST_F(swap, backing_file_is_validated)
{
	char path[96];
	int fd;

	EXPECT_EQ(-EBADF, vmlab_set_backing(self->lab.fd, 1000));
	EXPECT_EQ(-EBADF, vmlab_set_backing(self->lab.fd, VMLAB_BACKING_MEMORY - 1));
	EXPECT_EQ(-EBADF, vmlab_set_backing(self->lab.fd, 1U << 31));
	fd = open(self->dir, O_RDONLY | O_DIRECTORY);
	EXPECT_EQ(-EINVAL, vmlab_set_backing(self->lab.fd, fd));
	close(fd);
	EXPECT_EQ(-EINVAL, vmlab_set_backing(self->lab.fd, self->lab.fd));
	snprintf(path, sizeof(path), "%s/f", self->dir);
	fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0600);
	EXPECT_EQ(-EINVAL, vmlab_set_backing(self->lab.fd, fd));
	close(fd);
	fd = open(path, O_RDONLY);
	EXPECT_EQ(-EACCES, vmlab_set_backing(self->lab.fd, fd));
	close(fd);
	fd = open(path, O_WRONLY);
	EXPECT_EQ(-EACCES, vmlab_set_backing(self->lab.fd, fd));
	close(fd);
	unlink(path);
	EXPECT_EQ(0, vmlab_set_backing(self->lab.fd, VMLAB_BACKING_MEMORY));
}

TEST_F(swap, backing_cannot_change_while_the_store_holds_pages)
{
	__u64 n;

	vmlab_fill(self->lab.map, 0, 2, 14);
	ASSERT_EQ(0, vmlab_evict_all(self->lab.fd, &n));
	EXPECT_EQ(-EBUSY, swap_file_in(&self->lab, self->dir, &self->bfd));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 2, 14));
	EXPECT_EQ(0, swap_file_in(&self->lab, self->dir, &self->bfd));
}

/* A tmpfs of @pages pages mounted on self->dir. */
static int mount_small_tmpfs(const char *dir, size_t pages)
{
	char opts[64];

	snprintf(opts, sizeof(opts), "size=%zu", pages * vmlab_page_size());
	return mount("tmpfs", dir, "tmpfs", 0, opts) ? -errno : 0;
}

/*
 * A backing file on a 16-page tmpfs, FIFO over 4 frames, pages 0-19 written
 * with @seed: 16 fill the file, 4 are resident and dirty.  Then page 20
 * needs a frame, writing victim 16 fails and the access gets SIGBUS.
 */
static void overflow_small_backing_file(struct __test_metadata *_metadata,
					FIXTURE_DATA(swap) *self, int seed)
{
	struct vmlab_stats st;

	ASSERT_EQ(0, mount_small_tmpfs(self->dir, 16));
	ASSERT_EQ(0, swap_file_in(&self->lab, self->dir, &self->bfd));
	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_FIFO, 4, 0, 0));
	vmlab_fill(self->lab.map, 0, 20, seed);
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	ASSERT_EQ(16ULL, st.swap_outs);
	ASSERT_EQ(0ULL, st.io_errors);
	ASSERT_EQ(SIGBUS, vmlab_access_signal(vmlab_page(&self->lab, 20), false));
}

TEST_F(swap, full_backing_filesystem_gives_sigbus_and_loses_nothing)
{
	char opts[64];

	overflow_small_backing_file(_metadata, self, 15);
	EXPECT_STATS(self->lab.fd, STAT(io_errors, 1ULL),
		     STAT(pages_resident, 4ULL), STAT(fault_errors, 1ULL));

	/* room again: every page reads back as written */
	snprintf(opts, sizeof(opts), "size=%zu", 64 * vmlab_page_size());
	ASSERT_EQ(0, mount("tmpfs", self->dir, "tmpfs", MS_REMOUNT, opts));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 20, 15));
	EXPECT_TRUE(vmlab_all_zero(vmlab_page(&self->lab, 20), vmlab_page_size()));
}

/*
 * The failed write is in the record stream with its errno: 16 evictions,
 * each a swap-out and an evict record, then victim 16's swap-out and
 * eviction, both failed with ENOSPC.
 */
TEST_F(swap, failed_swap_out_is_recorded_with_its_errno)
{
	struct vmlab_event ev[40];
	ssize_t n, i;

	overflow_small_backing_file(_metadata, self, 16);
	n = vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev));
	ASSERT_EQ(34, n);
	for (i = 0; i < 32; i++) {
		EXPECT_EQ((__u32)(i % 2 ? VMLAB_EV_EVICT : VMLAB_EV_SWAP),
			  ev[i].type);
		EXPECT_EQ(0U, i % 2 ? ev[i].evict.error : ev[i].swap.error)
			TH_LOG("record %zd", i);
	}
	EXPECT_EQ((__u32)VMLAB_EV_SWAP, ev[32].type);
	EXPECT_EQ((__u32)VMLAB_SWAP_OUT, ev[32].swap.dir);
	EXPECT_EQ((__u32)VMLAB_STORE_FILE, ev[32].swap.store);
	EXPECT_EQ(16ULL, ev[32].swap.pgoff);
	EXPECT_EQ(0ULL, ev[32].swap.bytes);
	EXPECT_EQ((__u32)ENOSPC, ev[32].swap.error);
	EXPECT_EQ((__u32)VMLAB_EV_EVICT, ev[33].type);
	EXPECT_EQ(16ULL, ev[33].evict.pgoff);
	EXPECT_EQ((__u32)VMLAB_EVICT_REASON_BUDGET, ev[33].evict.reason);
	EXPECT_EQ(0U, ev[33].evict.action);
	EXPECT_EQ((__u32)ENOSPC, ev[33].evict.error);
}

/*
 * write(backing_fd, vmlab_memory, n) faults on vmlab memory while holding
 * the backing inode's lock; evicting a dirty page then must not write the
 * file in that task.  It finishes, and both copies are right.
 */
static void write_from_vmlab_into_backing(struct __test_metadata *_metadata,
					  struct vmlab_lab *lab, int bfd)
{
	size_t ps = vmlab_page_size(), pages = 64;
	off_t at = (off_t)REGION_PAGES * ps;
	char *copy = malloc(pages * ps);
	struct vmlab_stats st;

	ASSERT_NE(NULL, copy);
	ASSERT_EQ(0, vmlab_set_policy(lab->fd, VMLAB_POLICY_FIFO, 8, 0, 0));
	vmlab_fill(lab->map, 0, pages, 16);
	ASSERT_EQ((ssize_t)(pages * ps), pwrite(bfd, lab->map, pages * ps, at));
	ASSERT_EQ((ssize_t)(pages * ps), pread(bfd, copy, pages * ps, at));
	EXPECT_EQ(-1, vmlab_check(copy, 0, pages, 16));
	EXPECT_EQ(-1, vmlab_check(lab->map, 0, pages, 16));
	ASSERT_EQ(0, vmlab_get_stats(lab->fd, &st));
	EXPECT_EQ(0ULL, st.io_errors);
	free(copy);
}

TEST_F(swap, write_from_vmlab_memory_into_the_tmpfs_backing_file_finishes)
{
	ASSERT_EQ(0, swap_file_in(&self->lab, self->dir, &self->bfd));
	write_from_vmlab_into_backing(_metadata, &self->lab, self->bfd);
}

TEST_F(swap, write_from_vmlab_memory_into_the_ext4_backing_file_finishes)
{
	const char *disk = getenv("VMLAB_DISK");

	if (!disk)
		SKIP(return, "no ext4 test disk (scripts/vm --disk)");
	ASSERT_EQ(0, swap_file_in(&self->lab, disk, &self->bfd));
	write_from_vmlab_into_backing(_metadata, &self->lab, self->bfd);
	close(self->bfd);
	self->bfd = -1;
}

TEST_F(swap, processes_sharing_an_instance_under_eviction_see_the_same_data)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_CLOCK, 16, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		vmlab_fill(self->lab.map, 0, 128, 17);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 128, 17));
}

/* Each thread rewrites and rereads its own pages of a shared instance. */
struct integrity_thread {
	struct vmlab_lab *lab;
	size_t first, pages;
	int rounds;
	long bad;		/* out: mismatches */
};

static void *integrity_thread_fn(void *arg)
{
	struct integrity_thread *t = arg;
	int r;

	for (r = 0; r < t->rounds; r++) {
		vmlab_fill(vmlab_page(t->lab, t->first), t->first, t->pages, r + 1);
		if (vmlab_check(vmlab_page(t->lab, t->first), t->first, t->pages,
				r + 1) != -1)
			t->bad++;
	}
	return NULL;
}

/*
 * Four threads under one 16-frame budget with a backing file: each one's
 * faults evict the others' pages, which are then often written out while
 * their owner faults them back (taken back from a busy write).  Under
 * emulation every hand-over of the instance lock between CPUs costs a
 * cross-CPU wakeup (about 2 ms), so the rounds are few.
 */
TEST_F_TIMEOUT(swap, threads_sharing_a_budget_and_a_backing_file_lose_nothing, 150)
{
	struct integrity_thread t[4];
	__u64 t0 = vmlab_now_ns();
	pthread_t tid[4];
	struct vmlab_stats st;
	int i;

	ASSERT_EQ(0, swap_file_in(&self->lab, self->dir, &self->bfd));
	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_FIFO, 16, 0, 0));
	for (i = 0; i < 4; i++) {
		t[i] = (struct integrity_thread){
			.lab = &self->lab, .first = i * 32, .pages = 32,
			.rounds = 20,
		};
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, integrity_thread_fn, &t[i]));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
		EXPECT_EQ(0, t[i].bad) TH_LOG("thread %d", i);
	}
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	TH_LOG("%.1f s: %llu evictions, %llu swap-ins, %llu minor faults",
	       (vmlab_now_ns() - t0) / 1e9, st.evictions, st.swap_ins,
	       st.faults_minor);
	EXPECT_EQ(0ULL, st.io_errors);
	EXPECT_EQ(0ULL, st.fault_errors);
	EXPECT_GE(16ULL, st.pages_resident);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 128, 20));
}

/* ------------------------------------------------------- data integrity */

#define INTEGRITY_FRAMES	64
#define INTEGRITY_PAGES		(4 * INTEGRITY_FRAMES)

/* Every page of @lab holds the tag of its @seed: verifications, or -1. */
static size_t integrity_verify(struct __test_metadata *_metadata,
			       struct vmlab_lab *lab, size_t pages,
			       const unsigned int *seed, int round)
{
	size_t i;

	for (i = 0; i < pages; i++)
		EXPECT_EQ(-1, vmlab_check(vmlab_page(lab, i), i, 1, seed[i]))
			TH_LOG("round %d page %zu", round, i);
	return pages;
}

/*
 * Unique tags on 4x the frame budget, then rounds of random rewrites and
 * full rereads: every page verified each round.  With @to set, the policy
 * switches to *@to after half the rounds, and every page is verified
 * again before the next write.  Returns verifications.
 */
static size_t integrity_rounds(struct __test_metadata *_metadata,
			       struct vmlab_lab *lab, size_t pages, int rounds,
			       const __u32 *to, __u32 window)
{
	unsigned int *seed = calloc(pages, sizeof(*seed));
	size_t verified = 0, i;
	int r;

	ASSERT_NE(NULL, seed);
	srandom(pages);
	for (i = 0; i < pages; i++) {
		seed[i] = 1;
		vmlab_fill(vmlab_page(lab, i), i, 1, seed[i]);
	}
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < pages / 4; i++) {
			size_t p = (size_t)random() % pages;

			seed[p]++;
			vmlab_fill(vmlab_page(lab, p), p, 1, seed[p]);
		}
		for (i = 0; i < pages; i++, verified++)
			ASSERT_EQ(-1, vmlab_check(vmlab_page(lab, i), i, 1, seed[i]))
				TH_LOG("round %d page %zu", r, i);
		if (to && r == rounds / 2) {
			ASSERT_EQ(0, vmlab_set_policy(lab->fd, *to, INTEGRITY_FRAMES,
						      window, 5));
			verified += integrity_verify(_metadata, lab, pages, seed, r);
		}
	}
	free(seed);
	return verified;
}

FIXTURE(integrity) {
	struct vmlab_lab lab;
	int bfd;
};

FIXTURE_VARIANT(integrity) {
	__u32 policy;
	__u32 window;
	bool file;
};

#define INTEGRITY_VARIANT(name, pol, win, f)				\
	FIXTURE_VARIANT_ADD(integrity, name) {				\
		.policy = VMLAB_POLICY_##pol, .window = win, .file = f,	\
	}

INTEGRITY_VARIANT(fifo_memory, FIFO, 0, false);
INTEGRITY_VARIANT(fifo_file, FIFO, 0, true);
INTEGRITY_VARIANT(random_memory, RANDOM, 0, false);
INTEGRITY_VARIANT(random_file, RANDOM, 0, true);
INTEGRITY_VARIANT(clock_memory, CLOCK, 0, false);
INTEGRITY_VARIANT(clock_file, CLOCK, 0, true);
INTEGRITY_VARIANT(lru_approx_memory, LRU_APPROX, 0, false);
INTEGRITY_VARIANT(lru_approx_file, LRU_APPROX, 0, true);
INTEGRITY_VARIANT(lru_memory, LRU, 1, false);
INTEGRITY_VARIANT(lru_file, LRU, 1, true);
INTEGRITY_VARIANT(mru_memory, MRU, 1, false);
INTEGRITY_VARIANT(sieve_file, SIEVE, 1, true);
INTEGRITY_VARIANT(s3fifo_file, S3FIFO, 2, true);
INTEGRITY_VARIANT(sfifo_memory, SFIFO, 1, false);
INTEGRITY_VARIANT(sfifo_file, SFIFO, 1, true);
INTEGRITY_VARIANT(twoq_memory, TWOQ, 1, false);
INTEGRITY_VARIANT(twoq_file, TWOQ, 1, true);
INTEGRITY_VARIANT(wsclock_memory, WSCLOCK, 0, false);
INTEGRITY_VARIANT(wsclock_file, WSCLOCK, 0, true);

#define INTEGRITY_ROUNDS	400	/* x 19 variants x 256 pages: 1,945,600 */

/*
 * VMLAB_INTEGRITY_ROUNDS overrides the rounds: make check-debug runs fewer,
 * where the checkers (KASAN, lockdep, ...) make each fault ~20x slower and
 * catch a fault path's bug in the first rounds as well as in the last.
 */
static int integrity_round_count(void)
{
	const char *s = getenv("VMLAB_INTEGRITY_ROUNDS");
	int n = s ? atoi(s) : 0;

	return n > 0 ? n : INTEGRITY_ROUNDS;
}

FIXTURE_SETUP(integrity)
{
	const char *dir = getenv("VMLAB_DISK") ?: "/tmp";
	char path[96];

	VMLAB_REQUIRE_MODULE();
	self->bfd = -1;
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, INTEGRITY_PAGES, 0, 0, 1024));
	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, variant->policy, INTEGRITY_FRAMES,
				variant->window, 5));
	if (variant->file) {
		snprintf(path, sizeof(path), "%s/vmlab-integrity", dir);
		self->bfd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		ASSERT_LE(0, self->bfd);
		unlink(path);
		ASSERT_EQ(0, vmlab_set_backing(self->lab.fd, self->bfd));
	}
}

FIXTURE_TEARDOWN(integrity)
{
	vmlab_lab_close(&self->lab);
	if (self->bfd >= 0)
		close(self->bfd);
}

TEST_F(integrity, every_page_reads_back_as_last_written)
{
	int rounds = integrity_round_count();
	struct vmlab_stats st;
	size_t verified;

	verified = integrity_rounds(_metadata, &self->lab, INTEGRITY_PAGES,
				    rounds, NULL, 0);
	EXPECT_EQ((size_t)INTEGRITY_PAGES * rounds, verified);
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	EXPECT_EQ((__u64)INTEGRITY_FRAMES, st.pages_resident);
	EXPECT_EQ(0ULL, st.io_errors);
	EXPECT_LT(0ULL, st.swap_ins);
	TH_LOG("%zu pages verified, %llu evictions, %llu swap-ins",
	       verified, st.evictions, st.swap_ins);
}

/*
 * A live switch of policy keeps every page's data: from one policy to the
 * next in the middle of the integrity rounds, under the budget, to and
 * from each of MRU, SIEVE, S3FIFO, SFIFO, TWOQ and WSCLOCK.  A switch to
 * SFIFO or TWOQ rebuilds their lists from load order, mid-run; MRU, SIEVE
 * and S3FIFO start from the state they keep whatever the policy.
 */
FIXTURE(live_switch) {
	struct vmlab_lab lab;
	int bfd;
};

FIXTURE_VARIANT(live_switch) {
	__u32 from, to;
	__u32 window;
	bool file;
};

#define SWITCH_VARIANT(name, a, b, win, f)				\
	FIXTURE_VARIANT_ADD(live_switch, name) {			\
		.from = VMLAB_POLICY_##a, .to = VMLAB_POLICY_##b,	\
		.window = win, .file = f,				\
	}

SWITCH_VARIANT(lru_to_sfifo, LRU, SFIFO, 1, false);
SWITCH_VARIANT(sfifo_to_twoq, SFIFO, TWOQ, 1, true);
SWITCH_VARIANT(twoq_to_wsclock, TWOQ, WSCLOCK, 1, false);
SWITCH_VARIANT(wsclock_to_sfifo, WSCLOCK, SFIFO, 1, true);
SWITCH_VARIANT(clock_to_wsclock, CLOCK, WSCLOCK, 0, true);
SWITCH_VARIANT(twoq_to_fifo, TWOQ, FIFO, 1, false);
SWITCH_VARIANT(twoq_to_mru, TWOQ, MRU, 1, true);
SWITCH_VARIANT(mru_to_sfifo, MRU, SFIFO, 1, false);
SWITCH_VARIANT(wsclock_to_sieve, WSCLOCK, SIEVE, 1, false);
SWITCH_VARIANT(sieve_to_twoq, SIEVE, TWOQ, 1, true);
SWITCH_VARIANT(sfifo_to_s3fifo, SFIFO, S3FIFO, 1, true);
SWITCH_VARIANT(s3fifo_to_wsclock, S3FIFO, WSCLOCK, 1, false);

FIXTURE_SETUP(live_switch)
{
	VMLAB_REQUIRE_MODULE();
	self->bfd = -1;
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, INTEGRITY_PAGES, 0, 0, 1024));
	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, variant->from,
				      INTEGRITY_FRAMES, variant->window, 5));
	if (variant->file) {
		self->bfd = backing_tmpfile();
		ASSERT_LE(0, self->bfd);
		ASSERT_EQ(0, vmlab_set_backing(self->lab.fd, self->bfd));
	}
}

FIXTURE_TEARDOWN(live_switch)
{
	vmlab_lab_close(&self->lab);
	if (self->bfd >= 0)
		close(self->bfd);
}

TEST_F(live_switch, every_page_reads_back_as_last_written_across_the_switch)
{
	int rounds = integrity_round_count() / 4 ?: 1;
	struct vmlab_config cfg;
	size_t verified;

	verified = integrity_rounds(_metadata, &self->lab, INTEGRITY_PAGES,
				    rounds, &variant->to, variant->window);
	EXPECT_EQ((size_t)INTEGRITY_PAGES * (rounds + 1), verified);
	ASSERT_EQ(0, vmlab_get_config(self->lab.fd, &cfg));
	EXPECT_EQ(variant->to, cfg.policy);
}

/*
 * A policy switched while pages are resident starts from the structures
 * every policy keeps (policy.c says what each starts from): FIFO, then the
 * variant's policy, LRU, and the variant's again, each for some rounds of
 * rewrites and rereads, lose no page and keep the budget.
 */
FIXTURE(switch_chain) {
	struct vmlab_lab lab;
};

FIXTURE_VARIANT(switch_chain) {
	__u32 policy;
};

FIXTURE_VARIANT_ADD(switch_chain, mru) {
	.policy = VMLAB_POLICY_MRU,
};

FIXTURE_VARIANT_ADD(switch_chain, sieve) {
	.policy = VMLAB_POLICY_SIEVE,
};

FIXTURE_VARIANT_ADD(switch_chain, s3fifo) {
	.policy = VMLAB_POLICY_S3FIFO,
};

FIXTURE_SETUP(switch_chain)
{
	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, INTEGRITY_PAGES, 0, 0, 1024));
	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_FIFO,
				      INTEGRITY_FRAMES, 1, 5));
}

FIXTURE_TEARDOWN(switch_chain)
{
	vmlab_lab_close(&self->lab);
}

TEST_F(switch_chain, switching_mid_run_loses_no_page_and_keeps_the_budget)
{
	const __u32 order[] = { variant->policy, VMLAB_POLICY_LRU,
				variant->policy };
	struct vmlab_config cfg;
	struct vmlab_stats st;
	size_t i, verified;

	verified = integrity_rounds(_metadata, &self->lab, INTEGRITY_PAGES, 5,
				    NULL, 0);
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		ASSERT_EQ(0, vmlab_get_config(self->lab.fd, &cfg));
		cfg.policy = order[i];
		ASSERT_EQ(0, vmlab_ioctl(self->lab.fd, VMLAB_SET_CONFIG, &cfg));
		verified += integrity_rounds(_metadata, &self->lab,
					     INTEGRITY_PAGES, 5, NULL, 0);
	}
	EXPECT_EQ((size_t)INTEGRITY_PAGES * 5 * 4, verified);
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	EXPECT_EQ((__u64)INTEGRITY_FRAMES, st.pages_resident);
	EXPECT_EQ(0ULL, st.over_budget);
	EXPECT_EQ(0ULL, st.fault_errors);
}

/* ------------------------------------------------------------- leaks */

#define LEAK_CGROUP	"/sys/fs/cgroup/vmlab-leak"

static long cgroup_long(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", LEAK_CGROUP, file);
	return vmlab_read_long(path);
}

static long module_pages(void)
{
	return vmlab_read_long(VMLAB_DEBUGFS "/pages");
}

/* In the cgroup: 256 pages under a 64-frame budget, then wait, close, exit. */
static int leak_child(int go, int done)
{
	struct vmlab_lab lab;
	char c;

	if (vmlab_write_file(LEAK_CGROUP "/cgroup.procs", "0"))
		return 1;
	if (vmlab_lab_open(&lab, 256, 0, 0, 1024) ||
	    vmlab_set_policy(lab.fd, VMLAB_POLICY_FIFO, 64, 0, 0))
		return 2;
	vmlab_fill(lab.map, 0, 256, 18);
	if (write(done, "x", 1) != 1 || read(go, &c, 1) != 1)
		return 3;
	vmlab_lab_close(&lab);
	return 0;
}

/*
 * The pages of an instance, resident and in the memory store, are charged
 * to the memcg of the task that faulted them, and come back to the module
 * and to the memcg when it closes: the module's count exactly, the memcg
 * but for its per-CPU charge stock (up to 64 pages a CPU, so below 128 on
 * the test VM's two CPUs, half of what the instance held).
 */
TEST(closing_an_instance_returns_every_page_to_the_module_and_the_memcg)
{
	long base, during, after, held;
	int go[2], done[2], status;
	size_t ps = vmlab_page_size();
	pid_t pid;
	char c;

	ASSERT_EQ(0, vmlab_ensure_loaded());
	base = module_pages();
	ASSERT_LE(0, base);
	vmlab_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	rmdir(LEAK_CGROUP);
	ASSERT_EQ(0, mkdir(LEAK_CGROUP, 0755));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(leak_child(go[0], done[1]));
	ASSERT_EQ(1, read(done[0], &c, 1));
	held = module_pages() - base;
	during = cgroup_long("memory.current");
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	after = cgroup_long("memory.current");
	TH_LOG("module pages %ld; memcg %ld bytes while held, %ld after",
	       held, during, after);
	EXPECT_EQ(256, held);
	EXPECT_LE(256L * (long)ps, during);
	EXPECT_GT(128L * (long)ps, after);
	EXPECT_EQ(base, module_pages());
	EXPECT_EQ(0, rmdir(LEAK_CGROUP));
}

/* ------------------------------------------------------ the page daemon */

#define D_PAGES		64U
#define D_FRAMES	16U
#define D_LOW		4U
#define D_HIGH		8U

FIXTURE(daemon) {
	struct vmlab_lab lab;
	char dir[64];
	int bfd;
};

FIXTURE_SETUP(daemon)
{
	VMLAB_REQUIRE_MODULE();
	self->bfd = -1;
	strcpy(self->dir, "/tmp/vmlab-daemon.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, REGION_PAGES,
				    VMLAB_EV_BIT(VMLAB_EV_EVICT), 0, 4096));
}

FIXTURE_TEARDOWN(daemon)
{
	char path[96];

	vmlab_lab_close(&self->lab);
	if (self->bfd >= 0)
		close(self->bfd);
	snprintf(path, sizeof(path), "%s/backing", self->dir);
	unlink(path);
	rmdir(self->dir);
}

/* FIFO with @frames frames and the watermarks: 0 or -errno. */
static int daemon_config(int fd, __u64 frames, __u32 low, __u32 high)
{
	struct vmlab_config cfg;
	int ret = vmlab_get_config(fd, &cfg);

	if (ret)
		return ret;
	cfg.policy = VMLAB_POLICY_FIFO;
	cfg.frames = frames;
	cfg.low_watermark = low;
	cfg.high_watermark = high;
	return vmlab_ioctl(fd, VMLAB_SET_CONFIG, &cfg);
}

/* Wait until the daemon completed @runs passes: 0, or -ETIMEDOUT (20 s). */
static int daemon_wait_runs(int fd, __u64 runs)
{
	__u64 deadline = vmlab_now_ns() + 20000000000ULL;
	struct vmlab_stats st;

	do {
		if (vmlab_get_stats(fd, &st))
			return -EIO;
		if (st.daemon_runs >= runs)
			return st.daemon_runs == runs ? 0 : -ERANGE;
		usleep(200);
	} while (vmlab_now_ns() < deadline);
	return -ETIMEDOUT;
}

/*
 * Write pages 0 .. @pages - 1 one at a time, each followed by the daemon's
 * pass if its miss left fewer than D_LOW frames free: the model says when,
 * and that the pass leaves D_HIGH free.  Returns the passes, or -errno.
 */
static long daemon_write_in_step(struct vmlab_lab *lab, size_t pages)
{
	__u64 resident = 0, runs = 0;
	size_t i;
	int ret;

	for (i = 0; i < pages; i++) {
		vmlab_fill(vmlab_page(lab, i), i, 1, 7);
		if (D_FRAMES - ++resident >= D_LOW)
			continue;
		runs++;
		resident = D_FRAMES - D_HIGH;
		ret = daemon_wait_runs(lab->fd, runs);
		if (ret)
			return ret;
	}
	return (long)runs;
}

TEST_F(daemon, watermarks_are_off_by_default_and_accepted_within_the_budget)
{
	struct vmlab_config cfg;

	ASSERT_EQ(0, vmlab_get_config(self->lab.fd, &cfg));
	EXPECT_EQ(0U, cfg.low_watermark);
	EXPECT_EQ(0U, cfg.high_watermark);
	EXPECT_EQ(0, daemon_config(self->lab.fd, D_FRAMES, D_LOW, D_HIGH));
	EXPECT_EQ(0, daemon_config(self->lab.fd, D_FRAMES, 0, D_FRAMES));
	ASSERT_EQ(0, vmlab_get_config(self->lab.fd, &cfg));
	EXPECT_EQ(0U, cfg.low_watermark);
	EXPECT_EQ(D_FRAMES, cfg.high_watermark);
	EXPECT_EQ(0, daemon_config(self->lab.fd, D_FRAMES, 0, 0));
}

TEST_F(daemon, low_watermark_not_below_high_fails_einval)
{
	EXPECT_EQ(-EINVAL, daemon_config(self->lab.fd, D_FRAMES, D_HIGH, D_HIGH));
	EXPECT_EQ(-EINVAL, daemon_config(self->lab.fd, D_FRAMES, D_HIGH + 1, D_HIGH));
	EXPECT_EQ(-EINVAL, daemon_config(self->lab.fd, D_FRAMES, D_LOW, 0));
}

TEST_F(daemon, high_watermark_above_the_frames_fails_einval)
{
	EXPECT_EQ(-EINVAL, daemon_config(self->lab.fd, D_FRAMES, D_LOW, D_FRAMES + 1));
}

TEST_F(daemon, watermarks_without_a_frame_budget_fail_einval)
{
	EXPECT_EQ(-EINVAL, daemon_config(self->lab.fd, 0, D_LOW, D_HIGH));
	EXPECT_EQ(-EINVAL, daemon_config(self->lab.fd, 0, 0, 1));
}

/*
 * Without the daemon, 64 writes through 16 FIFO frames: the first 16
 * misses find a free frame, the other 48 evict, as the textbook counts.
 */
TEST_F(daemon, without_the_daemon_48_of_64_misses_evict_and_16_find_a_free_frame)
{
	ASSERT_EQ(0, daemon_config(self->lab.fd, D_FRAMES, 0, 0));
	vmlab_fill(self->lab.map, 0, D_PAGES, 7);
	EXPECT_STATS(self->lab.fd, STAT(faults_zero, D_PAGES),
		     STAT(faults_free_frame, D_FRAMES),
		     STAT(faults_evicted, D_PAGES - D_FRAMES),
		     STAT(evictions, D_PAGES - D_FRAMES),
		     STAT(daemon_runs, 0), STAT(daemon_evictions, 0));
}

/*
 * FIFO, 16 frames, watermarks 4 and 8, 64 writes, each waiting for the
 * daemon's pass its miss asked for: the 13th miss leaves 3 frames free
 * and the daemon frees 5, and so every 5th miss after it: 11 passes, 55
 * evictions, all the daemon's.  No miss evicts; 7 frames end free, between
 * the watermarks; the 9 newest pages stay.
 */
TEST_F(daemon, fifo_daemon_frees_5_frames_every_5th_miss_and_no_miss_evicts)
{
	__u8 vec[D_PAGES];
	struct vmlab_resident r = {
		.size = sizeof(r), .count = D_PAGES,
		.vec = (__u64)(uintptr_t)vec,
	};
	struct vmlab_stats st;
	size_t i;

	ASSERT_EQ(0, swap_file_in(&self->lab, self->dir, &self->bfd));
	ASSERT_EQ(0, daemon_config(self->lab.fd, D_FRAMES, D_LOW, D_HIGH));
	EXPECT_EQ(11, daemon_write_in_step(&self->lab, D_PAGES));
	EXPECT_STATS(self->lab.fd, STAT(faults_zero, D_PAGES),
		     STAT(faults_free_frame, D_PAGES), STAT(faults_evicted, 0),
		     STAT(daemon_runs, 11), STAT(daemon_evictions, 55),
		     STAT(evictions, 55), STAT(swap_outs, 55),
		     STAT(pages_resident, 9), STAT(over_budget, 0));
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	EXPECT_LE(D_LOW, D_FRAMES - st.pages_resident);
	EXPECT_GE(D_HIGH, D_FRAMES - st.pages_resident);
	ASSERT_EQ(0, vmlab_ioctl(self->lab.fd, VMLAB_RESIDENT, &r));
	for (i = 0; i < D_PAGES; i++)
		EXPECT_EQ(i >= 55, !!(vec[i] & VMLAB_PAGE_RESIDENT))
			TH_LOG("page %zu", i);
}

/*
 * The daemon's evictions are recorded as such, written to the backing file
 * and read back intact, while the daemon keeps up with the swap-ins, and
 * every miss is either one that found a free frame or one that evicted.
 */
TEST_F(daemon, pages_the_daemon_wrote_to_the_backing_file_read_back_intact)
{
	struct vmlab_event ev[256];
	struct vmlab_stats st;
	ssize_t n;

	ASSERT_EQ(0, swap_file_in(&self->lab, self->dir, &self->bfd));
	ASSERT_EQ(0, daemon_config(self->lab.fd, D_FRAMES, D_LOW, D_HIGH));
	ASSERT_EQ(11, daemon_write_in_step(&self->lab, D_PAGES));
	n = vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev));
	ASSERT_EQ(55, n);
	while (n--) {
		EXPECT_EQ((__u32)VMLAB_EV_EVICT, ev[n].type);
		EXPECT_EQ((__u32)VMLAB_EVICT_REASON_DAEMON, ev[n].evict.reason);
		EXPECT_EQ((__u32)VMLAB_EVICT_ACTION_WRITE, ev[n].evict.action);
		EXPECT_EQ(0U, ev[n].evict.error);
	}
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, D_PAGES, 7));
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	/* the 55 the daemon wrote came back, and maybe more it took since */
	EXPECT_LE(D_PAGES + 55, st.faults_zero + st.faults_swapin);
	EXPECT_EQ(st.faults_zero + st.faults_swapin,
		  st.faults_free_frame + st.faults_evicted);
	EXPECT_EQ(0U, st.io_errors);
	EXPECT_EQ(0U, st.fault_errors);
}

/*
 * Write @pages pages, over and over, until the daemon has evicted some
 * (a kworker may take a while to start: the rounds after the first are
 * hits until it has), then once more: their misses wake it again.  0, or
 * -ETIMEDOUT after 20 s.
 */
static int daemon_keep_busy(struct vmlab_lab *lab, size_t pages)
{
	__u64 deadline = vmlab_now_ns() + 20000000000ULL;
	struct vmlab_stats st;
	unsigned int round = 0;

	do {
		vmlab_fill(lab->map, 0, pages, ++round);
		if (vmlab_get_stats(lab->fd, &st))
			return -EIO;
		if (st.daemon_evictions) {
			vmlab_fill(lab->map, 0, pages, ++round);
			return 0;
		}
		usleep(1000);
	} while (vmlab_now_ns() < deadline);
	return -ETIMEDOUT;
}

/*
 * Closing an instance, and unloading the module, while its daemon writes
 * 256 dirty pages (low 255, high 256: it evicts everything a miss left)
 * to the backing file: no page is lost to the module, the daemon is gone
 * with the instance (the debug kernels' KASAN and lockdep watch this).
 */
TEST_F_TIMEOUT(daemon, closing_and_unloading_while_the_daemon_writes_is_clean, 120)
{
	long base;
	int i;

	ASSERT_EQ(0, vmlab_ensure_loaded());
	base = module_pages();
	ASSERT_LE(0, base);
	for (i = 0; i < 8; i++) {
		struct vmlab_lab lab;
		int bfd = -1;

		ASSERT_EQ(0, vmlab_lab_open(&lab, 256, 0, 0, 1024));
		ASSERT_EQ(0, swap_file_in(&lab, self->dir, &bfd));
		ASSERT_EQ(0, daemon_config(lab.fd, 256, 255, 256));
		EXPECT_EQ(0, daemon_keep_busy(&lab, 256));
		vmlab_lab_close(&lab);
		close(bfd);
	}
	EXPECT_EQ(base, module_pages());
	/* the fixture's instance holds the module: close it first */
	vmlab_lab_close(&self->lab);
	EXPECT_EQ(0, vmlab_unload());
	ASSERT_EQ(0, vmlab_load(""));
}

/*
 * SET_CONFIG with the daemon pending or running (256 dirty pages, low 255,
 * high 256) turns it off: once the call returns, no pass runs and no page
 * is evicted, and every page reads back as written.
 */
TEST_F(daemon, turning_the_daemon_off_while_it_is_pending_stops_it_and_loses_nothing)
{
	struct vmlab_stats before, after;

	ASSERT_EQ(0, swap_file_in(&self->lab, self->dir, &self->bfd));
	ASSERT_EQ(0, daemon_config(self->lab.fd, 256, 255, 256));
	ASSERT_EQ(0, daemon_keep_busy(&self->lab, 256));
	/* a miss that leaves 254 frames free wakes it once more */
	vmlab_fill(self->lab.map, 0, 2, 99);
	ASSERT_EQ(0, daemon_config(self->lab.fd, 256, 0, 0));
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &before));
	usleep(200000);
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &after));
	EXPECT_EQ(before.daemon_runs, after.daemon_runs);
	EXPECT_EQ(before.daemon_evictions, after.daemon_evictions);
	EXPECT_EQ(before.evictions, after.evictions);
	EXPECT_EQ(before.pages_resident, after.pages_resident);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 2, 99));
	EXPECT_EQ(0U, after.io_errors);
}

VMLAB_HARNESS_MAIN
