// SPDX-License-Identifier: GPL-2.0
/*
 * The reference simulator (userspace/sim.c) on its own, no module: page
 * numbers are names, not sizes - a string's memory goes with its distinct
 * pages, and renaming its pages (keeping their order) changes no count;
 * the step-by-step view gives, for each reference, hit or miss, the victim
 * and memory in the policy's order, the textbook's worked examples exactly.
 */
#include <stdint.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"
#include "../userspace/sim.h"
#include "../userspace/tracefile.h"

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

/* What sim_run_steps() reported, one reference a row. */
#define MAX_STEPS	16
#define MAX_MEM		4

struct steps {
	size_t n;
	bool hit[MAX_STEPS];
	int64_t victim[MAX_STEPS];		/* -1: none */
	size_t nmem[MAX_STEPS];
	uint64_t mem[MAX_STEPS][MAX_MEM];
	uint8_t use[MAX_STEPS][MAX_MEM];
	size_t hand[MAX_STEPS];
};

static void record(const struct sim_step *st, void *arg)
{
	struct steps *s = arg;
	size_t i = s->n++, k;

	if (i >= MAX_STEPS || st->nresident > MAX_MEM || st->index != i)
		return;
	s->hit[i] = st->hit;
	s->victim[i] = st->evicted ? (int64_t)st->victim : -1;
	s->nmem[i] = st->nresident;
	for (k = 0; k < st->nresident; k++) {
		s->mem[i][k] = st->resident[k];
		s->use[i][k] = st->use ? st->use[k] : 0;
	}
	s->hand[i] = st->hand;
}

static void run_steps(struct __test_metadata *_metadata, enum sim_policy p,
		      uint64_t frames, const uint64_t *refs, size_t n,
		      struct steps *s)
{
	struct sim_result r;

	memset(s, 0, sizeof(*s));
	ASSERT_EQ(0, sim_run_steps(p, frames, refs, n, 1, &r, record, s));
	ASSERT_EQ(n, s->n);
}

/* memory after step @i, as a list */
#define EXPECT_MEM(s, i, ...) do {					\
	const uint64_t __want[] = { __VA_ARGS__ };			\
	size_t __k;							\
	ASSERT_EQ(ARRAY_SIZE(__want), (s)->nmem[i]);			\
	for (__k = 0; __k < ARRAY_SIZE(__want); __k++)			\
		EXPECT_EQ(__want[__k], (s)->mem[i][__k]);		\
} while (0)

/*
 * OSTEP's OPT example (0 1 2 0 1 3 0 3 1 2 1, 3 frames): 3 evicts 2, used
 * furthest ahead; then 2 evicts 3, not 0: both are never used again, and
 * the one that arrived last goes, as paging-policy.py decides.
 */
TEST(opt_evicts_the_last_arrival_of_pages_never_used_again)
{
	const uint64_t refs[] = { 0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1 };
	const bool hit[] = { 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1 };
	struct steps s;
	size_t i;

	run_steps(_metadata, SIM_OPT, 3, refs, ARRAY_SIZE(refs), &s);
	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		EXPECT_EQ(hit[i], s.hit[i]);
		EXPECT_EQ(i == 5 ? 2 : i == 9 ? 3 : -1, s.victim[i]);
	}
	EXPECT_MEM(&s, 5, 0, 1, 3);
	EXPECT_MEM(&s, 9, 0, 1, 2);
}

/*
 * UNOPT, OSTEP's pessimal policy, on Belady's string with 3 frames: it
 * evicts the page used soonest, so every reference misses (OPT: 7).
 */
TEST(unopt_evicts_the_page_used_soonest_and_misses_every_reference)
{
	const uint64_t refs[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
	const int64_t victim[] = { -1, -1, -1, 1, 2, 1, 2, 3, 4, 5, 1, 2 };
	struct steps s;
	size_t i;

	run_steps(_metadata, SIM_UNOPT, 3, refs, ARRAY_SIZE(refs), &s);
	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		EXPECT_FALSE(s.hit[i]) TH_LOG("reference %zu", i);
		EXPECT_EQ(victim[i], s.victim[i]) TH_LOG("reference %zu", i);
	}
	EXPECT_EQ(12U, misses(_metadata, SIM_UNOPT, 3, refs, ARRAY_SIZE(refs)));
	EXPECT_EQ(10U, misses(_metadata, SIM_UNOPT, 4, refs, ARRAY_SIZE(refs)));
}

/*
 * LFU with aging, 1 1 1 2 3 4 5 6 in 3 frames: 4 evicts 2, not 1 (used
 * three times; LRU would evict it), the first loaded of the pages used
 * once; the counts halve (1's to 1, 3's to 0), so 5 evicts 3; they halve
 * again, 1's to 0, and 6 evicts 1, the first loaded of those at 0: its
 * old popularity has faded.
 */
TEST(lfu_evicts_the_least_used_page_and_ages_the_counts)
{
	const uint64_t refs[] = { 1, 1, 1, 2, 3, 4, 5, 6 };
	const int64_t victim[] = { -1, -1, -1, -1, -1, 2, 3, 1 };
	struct steps s;
	size_t i;

	run_steps(_metadata, SIM_LFU, 3, refs, ARRAY_SIZE(refs), &s);
	for (i = 0; i < ARRAY_SIZE(refs); i++)
		EXPECT_EQ(victim[i], s.victim[i]) TH_LOG("reference %zu", i);
	EXPECT_EQ(6U, misses(_metadata, SIM_LFU, 3, refs, ARRAY_SIZE(refs)));
	EXPECT_EQ(SIM_LFU, sim_policy_parse("lfu"));
}

/*
 * When no resident page is used again, UNOPT evicts the first to arrive,
 * as OSTEP's simulator does (OPT the last).
 */
TEST(unopt_evicts_the_first_arrival_of_pages_never_used_again)
{
	const uint64_t refs[] = { 1, 2, 3, 4 };
	struct steps s;

	run_steps(_metadata, SIM_UNOPT, 3, refs, ARRAY_SIZE(refs), &s);
	EXPECT_EQ(1, s.victim[3]);
	EXPECT_MEM(&s, 3, 2, 3, 4);
	run_steps(_metadata, SIM_OPT, 3, refs, ARRAY_SIZE(refs), &s);
	EXPECT_EQ(3, s.victim[3]);
}

/* Belady's string under FIFO, 3 frames: the queue, first out first. */
TEST(fifo_steps_show_the_queue_first_out_first)
{
	const uint64_t refs[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
	const int64_t victim[] = { -1, -1, -1, 1, 2, 3, 4, -1, -1, 1, 2, -1 };
	struct steps s;
	size_t i;

	run_steps(_metadata, SIM_FIFO, 3, refs, ARRAY_SIZE(refs), &s);
	for (i = 0; i < ARRAY_SIZE(refs); i++)
		EXPECT_EQ(victim[i], s.victim[i]);
	EXPECT_MEM(&s, 1, 1, 2);
	EXPECT_MEM(&s, 6, 1, 2, 5);
	EXPECT_MEM(&s, 8, 1, 2, 5);
	EXPECT_MEM(&s, 11, 5, 3, 4);
}

/* LRU lists memory least recent first: a hit moves the page last. */
TEST(lru_steps_list_memory_least_recent_first)
{
	const uint64_t refs[] = { 0, 1, 2, 0, 3 };
	struct steps s;

	run_steps(_metadata, SIM_LRU, 3, refs, ARRAY_SIZE(refs), &s);
	EXPECT_MEM(&s, 2, 0, 1, 2);
	EXPECT_MEM(&s, 3, 1, 2, 0);
	EXPECT_EQ(1, s.victim[4]);
	EXPECT_MEM(&s, 4, 2, 0, 3);
}

/*
 * CLOCK, 3 frames, 0 1 2 3: the hand clears every use bit once round,
 * takes frame 0, and stops past it; the new page's bit is set.
 */
TEST(clock_steps_show_the_ring_its_hand_and_use_bits)
{
	const uint64_t refs[] = { 0, 1, 2, 3 };
	struct steps s;

	run_steps(_metadata, SIM_CLOCK, 3, refs, ARRAY_SIZE(refs), &s);
	EXPECT_MEM(&s, 2, 0, 1, 2);
	EXPECT_EQ(0U, s.hand[2]);
	EXPECT_EQ(0, s.victim[3]);
	EXPECT_MEM(&s, 3, 3, 1, 2);
	EXPECT_EQ(1U, s.hand[3]);
	EXPECT_EQ(1, s.use[3][0]);
	EXPECT_EQ(0, s.use[3][1]);
	EXPECT_EQ(0, s.use[3][2]);
}

/*
 * SIEVE, 3 frames, 0 1 2 0 3 0 4: the hand starts at the oldest, keeps 0
 * (visited, its bit cleared) and takes 1, then stays where it stopped,
 * takes 2 next; memory stays in arrival order, nothing moves on a hit.
 */
TEST(sieve_keeps_what_its_hand_passes_and_evicts_in_place)
{
	const uint64_t refs[] = { 0, 1, 2, 0, 3, 0, 4 };
	struct steps s;

	run_steps(_metadata, SIM_SIEVE, 3, refs, ARRAY_SIZE(refs), &s);
	EXPECT_MEM(&s, 3, 0, 1, 2);
	EXPECT_EQ(1, s.use[3][0]);
	EXPECT_EQ(1, s.victim[4]);
	EXPECT_MEM(&s, 4, 0, 2, 3);
	EXPECT_EQ(0, s.use[4][0]);
	EXPECT_EQ(1U, s.hand[4]);
	EXPECT_TRUE(s.hit[5]);
	EXPECT_EQ(2, s.victim[6]);
	EXPECT_MEM(&s, 6, 0, 3, 4);
	EXPECT_EQ(1U, s.hand[6]);
}

/*
 * S3FIFO, 4 frames (small queue S: 1, ghost: 3), memory listed S then the
 * main queue M, each oldest first:
 *   0 1 2 3 0  S 0 1 2 3, 0 hit
 *   4   0 (hit) to M; 1 evicted to the ghost        S 2 3 4    M 0
 *   1   2 evicted (ghost 1 2); 1 from the ghost to M S 3 4      M 0 1
 *   5   3 evicted (ghost 2 3)                       S 4 5      M 0 1
 *   4 5 hits
 *   6   4, 5 (hit) to M; S empty: 0 loses its hit and goes round, 1
 *       evicted                                     S 6        M 4 5 0
 *   2   6 evicted (ghost 2 3 6); 2 from the ghost   S -        M 4 5 0 2
 *   7   S empty: 4, 5 lose their hits, 0 evicted    S 7        M 2 4 5
 */
TEST(s3fifo_promotes_hit_and_ghost_pages_and_gives_main_pages_a_turn)
{
	const uint64_t refs[] = { 0, 1, 2, 3, 0, 4, 1, 5, 4, 5, 6, 2, 7 };
	struct steps s;

	run_steps(_metadata, SIM_S3FIFO, 4, refs, ARRAY_SIZE(refs), &s);
	EXPECT_TRUE(s.hit[4]);
	EXPECT_EQ(1, s.victim[5]);
	EXPECT_MEM(&s, 5, 2, 3, 4, 0);
	EXPECT_EQ(2, s.victim[6]);
	EXPECT_MEM(&s, 6, 3, 4, 0, 1);
	EXPECT_EQ(3, s.victim[7]);
	EXPECT_MEM(&s, 7, 4, 5, 0, 1);
	EXPECT_TRUE(s.hit[8]);
	EXPECT_TRUE(s.hit[9]);
	EXPECT_EQ(1, s.victim[10]);
	EXPECT_MEM(&s, 10, 6, 4, 5, 0);
	EXPECT_EQ(6, s.victim[11]);
	EXPECT_MEM(&s, 11, 4, 5, 0, 2);
	EXPECT_EQ(0, s.victim[12]);
	EXPECT_MEM(&s, 12, 7, 2, 4, 5);
	EXPECT_EQ(10U, misses(_metadata, SIM_S3FIFO, 4, refs, ARRAY_SIZE(refs)));
}

/*
 * One frame: the small queue's share is the whole memory and the ghost
 * holds none, so every page comes into S and a page hit there goes to M
 * only to be evicted from it: every change of page misses.
 */
TEST(s3fifo_with_one_frame_misses_every_change_of_page)
{
	const uint64_t refs[] = { 0, 0, 1, 1, 0, 2, 2, 2, 0 };

	EXPECT_EQ(5U, misses(_metadata, SIM_S3FIFO, 1, refs, ARRAY_SIZE(refs)));
}

/*
 * A loop over 4 pages with 3 frames: LRU (and FIFO) miss every time, MRU
 * once every three references after the first pass - as often as OPT,
 * which on a loop evicts what MRU does: the textbook's case for MRU.
 */
TEST(mru_beats_lru_on_a_loop_larger_than_memory)
{
	uint64_t refs[40];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refs); i++)
		refs[i] = i % 4;
	EXPECT_EQ(40U, misses(_metadata, SIM_LRU, 3, refs, 40));
	EXPECT_EQ(40U, misses(_metadata, SIM_FIFO, 3, refs, 40));
	/* 4 to fill, then one a pass of 3 references (the page just evicted
	 * comes round again after the other two): 4 + 36 / 3 */
	EXPECT_EQ(16U, misses(_metadata, SIM_MRU, 3, refs, 40));
	EXPECT_EQ(16U, misses(_metadata, SIM_OPT, 3, refs, 40));
}

/* ------------------------------------------------------ trace files */

#define PAGES_4G	(1ULL << 32)

/* Parse @text as the trace "t.txt": trace_parse()'s return, *@t, @err */
static int parse(const char *text, uint64_t limit, uint64_t max_refs,
		 uint64_t region, struct trace_refs *t, char *err, size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		return -2;
	err[0] = '\0';
	ret = trace_parse(f, "t.txt", limit, max_refs, region, t, err, len);
	fclose(f);
	return ret;
}

TEST(trace_comments_and_blank_lines_are_skipped)
{
	struct trace_refs t;
	char err[256];

	ASSERT_EQ(0, parse("# a trace\n\n1\n  2  # the second\n\t\n3\r\n",
			   PAGES_4G, 100, 0, &t, err, sizeof(err)));
	ASSERT_EQ(3ULL, t.n);
	EXPECT_EQ(1ULL, t.refs[0]);
	EXPECT_EQ(2ULL, t.refs[1]);
	EXPECT_EQ(3ULL, t.refs[2]);
	EXPECT_EQ(3ULL, t.max);
	EXPECT_EQ(NULL, t.writes);
	trace_refs_free(&t);
}

TEST(trace_sparse_page_numbers_are_kept_as_written)
{
	struct trace_refs t;
	char err[256];

	ASSERT_EQ(0, parse("4294967295\n0x10000000\n7\n", PAGES_4G, 100, 0,
			   &t, err, sizeof(err)));
	ASSERT_EQ(3ULL, t.n);
	EXPECT_EQ(4294967295ULL, t.refs[0]);
	EXPECT_EQ(0x10000000ULL, t.refs[1]);
	EXPECT_EQ(7ULL, t.refs[2]);
	EXPECT_EQ(4294967295ULL, t.max);
	trace_refs_free(&t);
}

TEST(trace_r_and_w_give_write_flags_and_plain_lines_read)
{
	struct trace_refs t;
	char err[256];

	ASSERT_EQ(0, parse("5\n6,w\n7, r\n8 ,w # dirty\n9\n", PAGES_4G, 100, 0,
			   &t, err, sizeof(err)));
	ASSERT_EQ(5ULL, t.n);
	ASSERT_NE(NULL, t.writes);
	EXPECT_EQ(0, t.writes[0]);
	EXPECT_EQ(1, t.writes[1]);
	EXPECT_EQ(0, t.writes[2]);
	EXPECT_EQ(1, t.writes[3]);
	EXPECT_EQ(0, t.writes[4]);
	EXPECT_EQ(8ULL, t.refs[3]);
	trace_refs_free(&t);
}

TEST(trace_bad_number_is_refused_with_file_and_line)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, parse("1\n# x\n12a\n", PAGES_4G, 100, 0, &t, err,
			    sizeof(err)));
	EXPECT_STREQ("t.txt:3: '12a' is not a page number (a line is PAGE, "
		     "PAGE,r or PAGE,w; PAGE decimal or 0x-hex)", err);
	EXPECT_EQ(NULL, t.refs);
}

TEST(trace_negative_number_is_refused_with_file_and_line)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, parse("-1\n", PAGES_4G, 100, 0, &t, err, sizeof(err)));
	EXPECT_STREQ("t.txt:1: '-1' is not a page number (a line is PAGE, "
		     "PAGE,r or PAGE,w; PAGE decimal or 0x-hex)", err);
}

TEST(trace_bad_access_is_refused_with_file_and_line)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, parse("1,r\n2,x\n", PAGES_4G, 100, 0, &t, err,
			    sizeof(err)));
	EXPECT_STREQ("t.txt:2: 'x' is not r or w (a line is PAGE, PAGE,r or "
		     "PAGE,w; PAGE decimal or 0x-hex)", err);
}

TEST(trace_access_with_trailing_text_is_refused)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, parse("1,rw\n", PAGES_4G, 100, 0, &t, err, sizeof(err)));
	EXPECT_STREQ("t.txt:1: 'rw' is not r or w (a line is PAGE, PAGE,r or "
		     "PAGE,w; PAGE decimal or 0x-hex)", err);
}

TEST(trace_empty_file_is_refused)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, parse("", PAGES_4G, 100, 0, &t, err, sizeof(err)));
	EXPECT_STREQ("t.txt: no references (the file is empty, or only blank "
		     "and '#' lines)", err);
}

TEST(trace_of_only_comments_is_refused_as_empty)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, parse("# nothing\n\n  # more\n", PAGES_4G, 100, 0, &t,
			    err, sizeof(err)));
	EXPECT_STREQ("t.txt: no references (the file is empty, or only blank "
		     "and '#' lines)", err);
}

TEST(trace_page_of_2_to_the_32_is_refused_as_too_large)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, parse("1\n4294967296\n", PAGES_4G, 100, 0, &t, err,
			    sizeof(err)));
	EXPECT_STREQ("t.txt:2: page 4294967296 is too large (at most "
		     "4294967295)", err);
}

TEST(trace_number_past_64_bits_is_refused_as_too_large)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, parse("18446744073709551616\n", PAGES_4G, 100, 0, &t,
			    err, sizeof(err)));
	EXPECT_STREQ("t.txt:1: page 18446744073709551616 is too large (at "
		     "most 4294967295)", err);
}

TEST(trace_page_outside_a_given_region_is_refused)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, parse("3\n16\n", 16, 100, 16, &t, err, sizeof(err)));
	EXPECT_STREQ("t.txt:2: page 16 is outside the region of 16 pages", err);
}

TEST(trace_longer_than_the_reference_limit_is_refused)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, parse("1\n2\n\n3\n", PAGES_4G, 2, 0, &t, err,
			    sizeof(err)));
	EXPECT_STREQ("t.txt:4: more than 2 references", err);
}

TEST(trace_missing_file_is_refused_with_its_name)
{
	struct trace_refs t;
	char err[256];

	EXPECT_EQ(-1, trace_load("/nonexistent/t.txt", PAGES_4G, 100, 0, &t,
				 err, sizeof(err)));
	EXPECT_STREQ("/nonexistent/t.txt: No such file or directory", err);
}

/*
 * 1w 2 3w 1 4 1 in 2 FIFO frames: 3 evicts a dirty 1, 1 a clean 2, 4 a
 * dirty 3; with every reference a write, all three victims are dirty.
 */
TEST(dirty_victims_are_counted_as_writebacks)
{
	static const uint64_t refs[] = { 1, 2, 3, 1, 4, 1 };
	static const uint8_t writes[] = { 1, 0, 1, 0, 0, 0 };
	struct sim_opts o = { .writes = writes };
	struct sim_result r;

	ASSERT_EQ(0, sim_run_opts(SIM_FIFO, 2, refs, 6, 1, &o, &r, NULL, NULL));
	EXPECT_EQ(5ULL, r.misses);
	EXPECT_EQ(3ULL, r.evictions);
	EXPECT_EQ(2ULL, r.writebacks);
	ASSERT_EQ(0, sim_run_opts(SIM_FIFO, 2, refs, 6, 1, NULL, &r, NULL, NULL));
	EXPECT_EQ(0ULL, r.writebacks);
	o = (struct sim_opts){ .all_writes = true };
	ASSERT_EQ(0, sim_run_opts(SIM_FIFO, 2, refs, 6, 1, &o, &r, NULL, NULL));
	EXPECT_EQ(3ULL, r.writebacks);
}

/* sim_run_opts() with write flags (or NULL) and a window */
static struct sim_result run_opts(struct __test_metadata *_metadata,
				  enum sim_policy p, uint64_t frames,
				  const uint64_t *refs, size_t n,
				  const uint8_t *writes, uint64_t ws_window)
{
	struct sim_opts o = { .writes = writes, .ws_window = ws_window };
	struct sim_result r;

	EXPECT_EQ(0, sim_run_opts(p, frames, refs, n, 1, &o, &r, NULL, NULL));
	return r;
}

static const uint64_t belady[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };

/*
 * 3 frames: a FIFO of 2, a second-chance list of 1.  1 and 2 come back
 * from it (7 and 8) without I/O: 10 misses and 2 reclaims.  4 frames: 1
 * and 2 come back twice each (4, 5, 7, 8): 8 misses and 4 reclaims.
 */
TEST(sfifo_belady_gives_10_misses_2_reclaims_and_8_misses_4_reclaims)
{
	struct sim_result r;

	r = run_opts(_metadata, SIM_SFIFO, 3, belady, 12, NULL, 0);
	EXPECT_EQ(10U, r.misses);
	EXPECT_EQ(2U, r.reclaims);
	r = run_opts(_metadata, SIM_SFIFO, 4, belady, 12, NULL, 0);
	EXPECT_EQ(8U, r.misses);
	EXPECT_EQ(4U, r.reclaims);
}

/*
 * 4 frames, the FIFO holds 2: 1 (written) goes to the dirty list, 2 to the
 * clean one; 5 takes 2's frame, and 1 is reclaimed.  Memory: the FIFO,
 * then the clean list, then the dirty list.
 */
TEST(sfifo_takes_a_clean_page_before_an_older_dirty_one)
{
	const uint64_t refs[] = { 1, 2, 3, 4, 5, 1 };
	const uint8_t writes[] = { 1, 0, 0, 0, 0, 0 };
	struct sim_opts o = { .writes = writes };
	struct sim_result r;
	struct steps s;

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sim_run_opts(SIM_SFIFO, 4, refs, 6, 1, &o, &r, record, &s));
	EXPECT_MEM(&s, 3, 3, 4, 2, 1);
	EXPECT_EQ(2, s.victim[4]);
	EXPECT_MEM(&s, 4, 4, 5, 3, 1);
	EXPECT_TRUE(s.hit[5]);
	EXPECT_EQ(5U, r.misses);
	EXPECT_EQ(1U, r.reclaims);
	/* all reads: the oldest, 1, goes, and misses again */
	r = run_opts(_metadata, SIM_SFIFO, 4, refs, 6, NULL, 0);
	EXPECT_EQ(6U, r.misses);
	EXPECT_EQ(0U, r.reclaims);
}

/*
 * A trace's PAGE,w lines reach SFIFO: 4 frames, the FIFO holds 2.  1 and 2
 * are written, and leave the FIFO for the dirty list; 5 finds no clean
 * page and takes the oldest dirty one, 1 (a write-back); 3 leaves clean,
 * and 6 takes it.  Read from a plain trace, 5 and 6 take 1 and 2, clean.
 */
TEST(trace_writes_drive_sfifo_dirty_list)
{
	struct sim_opts o = { 0 };
	struct trace_refs t;
	struct sim_result r;
	struct steps s;
	char err[256];

	ASSERT_EQ(0, parse("1,w\n2,w\n3,r\n4\n5\n6\n", PAGES_4G, 100, 0, &t,
			   err, sizeof(err)));
	ASSERT_EQ(6ULL, t.n);
	ASSERT_NE(NULL, t.writes);
	o.writes = t.writes;
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sim_run_opts(SIM_SFIFO, 4, t.refs, t.n, 1, &o, &r, record,
				  &s));
	EXPECT_MEM(&s, 3, 3, 4, 1, 2);
	EXPECT_EQ(1, s.victim[4]);
	EXPECT_EQ(3, s.victim[5]);
	EXPECT_MEM(&s, 5, 5, 6, 4, 2);
	EXPECT_EQ(6ULL, r.misses);
	EXPECT_EQ(2ULL, r.evictions);
	EXPECT_EQ(1ULL, r.writebacks);
	EXPECT_EQ(0ULL, r.reclaims);
	trace_refs_free(&t);

	ASSERT_EQ(0, parse("1\n2\n3\n4\n5\n6\n", PAGES_4G, 100, 0, &t, err,
			   sizeof(err)));
	EXPECT_EQ(NULL, t.writes);
	o.writes = t.writes;
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sim_run_opts(SIM_SFIFO, 4, t.refs, t.n, 1, &o, &r, record,
				  &s));
	EXPECT_EQ(1, s.victim[4]);
	EXPECT_EQ(2, s.victim[5]);
	EXPECT_EQ(0ULL, r.writebacks);
	trace_refs_free(&t);
}

/*
 * No write flags means every reference reads; all_writes, that every one
 * writes: each the same as a flag per reference, for every policy.
 */
TEST(missing_write_flags_mean_all_reads_or_all_writes)
{
	static uint8_t none[REFS], all[REFS];
	struct sim_opts o_reads = { 0 }, o_writes = { .all_writes = true };
	struct sim_opts o_none = { .writes = none }, o_all = { .writes = all };
	uint64_t refs[REFS], seed = 9;
	struct sim_result a, b;
	size_t i;
	int p;

	for (i = 0; i < REFS; i++) {
		refs[i] = xorshift(&seed) % 64;
		all[i] = 1;
	}
	for (p = 0; p < SIM_NR_POLICIES; p++) {
		ASSERT_EQ(0, sim_run_opts(p, 16, refs, REFS, 1, NULL, &a, NULL, NULL));
		ASSERT_EQ(0, sim_run_opts(p, 16, refs, REFS, 1, &o_reads, &b, NULL, NULL));
		EXPECT_EQ(a.misses, b.misses);
		ASSERT_EQ(0, sim_run_opts(p, 16, refs, REFS, 1, &o_none, &b, NULL, NULL));
		EXPECT_EQ(a.misses, b.misses);
		EXPECT_EQ(a.reclaims, b.reclaims);
		ASSERT_EQ(0, sim_run_opts(p, 16, refs, REFS, 1, &o_writes, &a, NULL, NULL));
		ASSERT_EQ(0, sim_run_opts(p, 16, refs, REFS, 1, &o_all, &b, NULL, NULL));
		EXPECT_EQ(a.misses, b.misses);
		EXPECT_EQ(a.reclaims, b.reclaims);
	}
}

TEST(twoq_belady_gives_10_and_8_misses)
{
	EXPECT_EQ(10U, misses(_metadata, SIM_TWOQ, 3, belady, 12));
	EXPECT_EQ(8U, misses(_metadata, SIM_TWOQ, 4, belady, 12));
}

/*
 * 4 frames, 1 2 1 3 4 5 6 1: the second reference to 1 moves it to the
 * active list (memory: inactive, then active); the scan evicts 2 and 3
 * from the inactive list and 1 hits: 6 misses, where LRU has 7.
 */
TEST(twoq_keeps_a_twice_referenced_page_through_a_scan)
{
	const uint64_t refs[] = { 1, 2, 1, 3, 4, 5, 6, 1 };
	struct steps s;

	run_steps(_metadata, SIM_TWOQ, 4, refs, ARRAY_SIZE(refs), &s);
	EXPECT_MEM(&s, 2, 2, 1);
	EXPECT_EQ(2, s.victim[5]);
	EXPECT_EQ(3, s.victim[6]);
	EXPECT_MEM(&s, 6, 4, 5, 6, 1);
	EXPECT_TRUE(s.hit[7]);
	EXPECT_EQ(6U, misses(_metadata, SIM_TWOQ, 4, refs, 8));
	EXPECT_EQ(7U, misses(_metadata, SIM_LRU, 4, refs, 8));
}

/*
 * 3 frames, Belady's string: WSClock with the default window (3
 * references) misses 9 times, and 10 with 4 frames - the anomaly.
 */
TEST(wsclock_belady_gives_9_and_10_misses)
{
	EXPECT_EQ(9U, misses(_metadata, SIM_WSCLOCK, 3, belady, 12));
	EXPECT_EQ(10U, misses(_metadata, SIM_WSCLOCK, 4, belady, 12));
}

/*
 * 3 frames, 0 1 2 3 then hits on 1 and 3, then 4 at time 8: the hand
 * clears 1's bit, and finds 2 unreferenced since time 3.  Window 2: 2 is
 * older, and goes.  Window 10: none is older; the first clean page the
 * hand passed, 1, goes.
 */
TEST(wsclock_evicts_an_unreferenced_page_older_than_the_window)
{
	const uint64_t refs[] = { 0, 1, 2, 3, 1, 3, 1, 3, 4, 2 };
	struct sim_opts o = { .ws_window = 2 };
	struct sim_result r;
	struct steps s;

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sim_run_opts(SIM_WSCLOCK, 3, refs, 10, 1, &o, &r, record, &s));
	EXPECT_EQ(0, s.victim[3]);
	EXPECT_EQ(2, s.victim[8]);
	EXPECT_EQ(6U, r.misses);
	o.ws_window = 10;
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sim_run_opts(SIM_WSCLOCK, 3, refs, 10, 1, &o, &r, record, &s));
	EXPECT_EQ(1, s.victim[8]);
	EXPECT_EQ(5U, r.misses);
}

/*
 * 3 frames, 1 (written) 2 3 4: every page referenced, none old after the
 * hand's turn; the first clean page, 2, goes rather than 1, which hits.
 */
TEST(wsclock_falls_back_to_the_first_clean_page)
{
	const uint64_t refs[] = { 1, 2, 3, 4, 1 };
	const uint8_t writes[] = { 1, 0, 0, 0, 0 };

	EXPECT_EQ(4U, run_opts(_metadata, SIM_WSCLOCK, 3, refs, 5, writes, 0).misses);
	EXPECT_EQ(5U, run_opts(_metadata, SIM_WSCLOCK, 3, refs, 5, NULL, 0).misses);
}

TEST_HARNESS_MAIN
