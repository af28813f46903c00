/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - a user-space reference simulator of page replacement, to compare
 * with what the kernel module does on the same reference string.
 */
#ifndef _VMLAB_SIM_H
#define _VMLAB_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_policy {
	SIM_FIFO,
	SIM_LRU,
	SIM_OPT,	/* Belady's optimal: evict the page used furthest ahead */
	SIM_CLOCK,	/* textbook: every reference sets the page's bit */
	SIM_RANDOM,
	SIM_MRU,	/* most recently used: the right victim for loops */
	SIM_SIEVE,	/* SIEVE (NSDI'24): FIFO, a visited bit, a hand that
			 * moves old to new and keeps what it passes */
	SIM_S3FIFO,	/* S3-FIFO (SOSP'23): small, main and ghost FIFOs */
	SIM_SFIFO,	/* VAX/VMS segmented FIFO, clean and dirty
			 * second-chance lists (sim_lists.c) */
	SIM_TWOQ,	/* Linux's active and inactive lists */
	SIM_WSCLOCK,	/* Carr and Hennessy's WSClock, window tau */
	SIM_UNOPT,	/* OSTEP's pessimal: evict the page used soonest */
	SIM_LFU,	/* least frequently used, counts halved at each
			 * eviction (aging) */
	SIM_NR_POLICIES,
};

struct sim_result {
	uint64_t refs;
	uint64_t misses;	/* references to a page not resident */
	uint64_t evictions;
	uint64_t writebacks;	/* evictions of a dirty page (struct sim_opts
				 * says which references write) */
	uint64_t reclaims;	/* SFIFO: references that took a page back from
				 * a second-chance list, with no I/O (soft
				 * misses, not counted in misses) */
};

/*
 * What a reference string may say besides its pages.  Which references
 * write (SFIFO's clean and dirty lists and WSCLOCK's scheduled writes
 * need it to choose; every policy counts the dirty pages it evicts as
 * write-backs): @writes, one flag per reference (nonzero: a write), or
 * without it every reference a write if @all_writes is set, else every one
 * a read.  A string with no write information is therefore all reads, and
 * NULL options mean the same.  A page written since it was loaded is dirty
 * until it is evicted.
 */
struct sim_opts {
	const uint8_t *writes;	/* per reference, or NULL */
	bool all_writes;	/* without @writes: all writes, not reads */
	uint64_t ws_window;	/* WSCLOCK's tau in references; 0 = frames */
};

/* Does reference @i write, as @opts (or NULL) says? */
static inline bool sim_opts_write(const struct sim_opts *opts, size_t i)
{
	if (!opts)
		return false;
	return opts->writes ? opts->writes[i] != 0 : opts->all_writes;
}

/* "fifo", "lru", "opt", "clock", "random", "mru", "sieve", "s3fifo", "sfifo",
 * "2q", "wsclock", "unopt", "lfu"; NULL if out of range */
const char *sim_policy_name(enum sim_policy p);
/* the policy named @name, or -1 */
int sim_policy_parse(const char *name);

/*
 * Run @refs (page numbers, any 64-bit values: memory goes with the distinct
 * pages, not with their numbers) through @frames frames (frames >= 1) under
 * @p.  Returns 0, or -1 with errno (ENOMEM, EINVAL).
 *
 * OPT evicts the resident page used furthest ahead; among pages never used
 * again, the one that arrived last, as OSTEP's paging-policy.py does, so a
 * step-by-step view diffs cleanly against it.
 *
 * SIEVE: pages in load order, a visited bit set by a hit; the hand starts
 * where it stopped (the oldest page at first), moves toward the newest,
 * wrapping, clears visited bits and evicts the first page not visited; it
 * then points at the page after the victim.
 *
 * S3FIFO: a small queue S of a tenth of the frames (at least one), a main
 * queue M, and a ghost queue of the pages S evicted, as many as M's share
 * (frames - S's).  A miss loads the page into M if the ghost has it (which
 * forgets it), else into S, with a count of 0; a hit raises the count, up
 * to 3.  With the frames full: while S holds at least its share (or M is
 * empty), S's oldest page moves to M's newest end, keeping its count, if
 * it was hit (count >= 1: one hit in S promotes; the paper's pseudocode
 * asks for two, count > 1), else it is the victim and joins the ghost,
 * whose oldest page goes when it is full; when S has no victim, M's
 * oldest page is the victim if its count is 0, else the count drops by
 * one and the page goes back to M's newest end.
 *
 * LFU (with aging): a page's count is 1 when it is loaded and one more for
 * each hit, up to 255; the victim is the page with the lowest count, the
 * one loaded first among equals, and every resident page's count is then
 * halved (rounded down).  O(frames) an eviction.
 */
int sim_run(enum sim_policy p, uint64_t frames, const uint64_t *refs, size_t n,
	    uint64_t seed, struct sim_result *out);

/* One reference, as sim_run_steps() reports it, after it is handled. */
struct sim_step {
	uint64_t index;		/* its position in the string, from 0 */
	uint64_t page;
	bool hit;
	bool evicted;
	uint64_t victim;	/* the page evicted, when @evicted */
	bool write;		/* the reference wrote (struct sim_opts) */
	bool victim_dirty;	/* the victim was written since it came in */
	/*
	 * Memory in the policy's order: FIFO first out first, LRU and MRU
	 * least recent first, OPT by arrival, CLOCK and RANDOM by frame (the
	 * ring), SIEVE oldest first, S3FIFO the small queue then the main one
	 * (each oldest first), SFIFO the FIFO then the clean and the dirty
	 * lists, TWOQ inactive then active (each oldest first), WSCLOCK by
	 * frame; CLOCK's use bits, SIEVE's visited bits and WSCLOCK's
	 * reference bits, and the index the hand points at (CLOCK, SIEVE,
	 * WSCLOCK).
	 */
	size_t nresident;
	const uint64_t *resident;
	const uint8_t *use;	/* CLOCK, SIEVE, WSCLOCK, else NULL */
	size_t hand;		/* CLOCK, SIEVE and WSCLOCK */
	bool reclaim;		/* SFIFO: taken back from a second-chance list */
};

typedef void (*sim_step_fn)(const struct sim_step *step, void *arg);

/* sim_run(), calling @fn after each reference. */
int sim_run_steps(enum sim_policy p, uint64_t frames, const uint64_t *refs,
		  size_t n, uint64_t seed, struct sim_result *out,
		  sim_step_fn fn, void *arg);

/*
 * sim_run_steps() with @opts (NULL: all reads, WSCLOCK's default tau): the
 * one entry point that takes write flags and the window.
 */
int sim_run_opts(enum sim_policy p, uint64_t frames, const uint64_t *refs,
		 size_t n, uint64_t seed, const struct sim_opts *opts,
		 struct sim_result *out, sim_step_fn fn, void *arg);

/* How many distinct pages @refs holds, or -1 (ENOMEM). */
int64_t sim_distinct(const uint64_t *refs, size_t n);

#endif /* _VMLAB_SIM_H */
