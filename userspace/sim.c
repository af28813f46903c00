// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - the reference simulator: textbook FIFO, LRU, OPT, CLOCK, RANDOM,
 * MRU, SIEVE and S3FIFO over a reference string, each O(1) or O(log
 * frames) per reference (SIEVE's hand and S3FIFO's queues amortized).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_lists.h"

#define NONE UINT64_MAX

static const char *const sim_names[SIM_NR_POLICIES] = {
	[SIM_FIFO] = "fifo",
	[SIM_LRU] = "lru",
	[SIM_OPT] = "opt",
	[SIM_CLOCK] = "clock",
	[SIM_RANDOM] = "random",
	[SIM_MRU] = "mru",
	[SIM_SIEVE] = "sieve",
	[SIM_S3FIFO] = "s3fifo",
	[SIM_SFIFO] = "sfifo",
	[SIM_TWOQ] = "2q",
	[SIM_WSCLOCK] = "wsclock",
	[SIM_UNOPT] = "unopt",
	[SIM_LFU] = "lfu",
};

const char *sim_policy_name(enum sim_policy p)
{
	return (unsigned int)p < SIM_NR_POLICIES ? sim_names[p] : NULL;
}

int sim_policy_parse(const char *name)
{
	int p;

	for (p = 0; p < SIM_NR_POLICIES; p++)
		if (!strcmp(name, sim_names[p]))
			return p;
	return -1;
}

/*
 * Per-page state, indexed by a page's id: its rank among the distinct page
 * numbers of the string, so memory goes with the pages a string touches,
 * not with how large their numbers are (block numbers of a real trace).
 */
struct sim_page {
	uint64_t slot;		/* frame index, NONE if not resident */
	uint64_t prev, next;	/* LRU list, or S3FIFO's queue (page ids) */
	uint64_t next_use;	/* OPT: index of this page's next reference */
	uint64_t loaded;	/* when it arrived: the count of loads before */
	uint8_t visited;	/* SIEVE: referenced since the hand passed */
	uint8_t dirty;		/* written since it was loaded */
	uint8_t freq;		/* S3FIFO: hits since loaded, at most 3 */
	uint8_t queue;		/* S3FIFO: enum s3_queue */
	uint8_t uses;		/* LFU: 1 at the load, one more a hit, aged */
};

/* S3FIFO's queues; a page is in one at most */
enum s3_queue { S3_NONE, S3_SMALL, S3_MAIN, S3_GHOST, S3_NR };

struct sim_queue {
	uint64_t head, tail, len;	/* oldest, newest */
};

/* OPT's key of a page never used again: above every reference index */
#define NEVER (1ULL << 63)

struct sim {
	uint64_t loads;		/* pages loaded so far */
	struct sim_page *pg;
	uint64_t *frame;	/* frame -> page */
	uint8_t *ref;		/* CLOCK reference bits, per frame */
	uint64_t nframes, used, hand;
	uint64_t lru_head, lru_tail;	/* least and most recent; SIEVE:
					 * oldest and newest */
	uint64_t sieve_hand;		/* SIEVE's hand: a page, or NONE */
	struct sim_queue q[S3_NR];	/* S3FIFO's, by enum s3_queue */
	uint64_t s3_share, ghost_cap;	/* S3FIFO: S's share, the ghost's */
	/* OPT: max-heap of (next_use, page); stale entries are skipped */
	uint64_t (*heap)[2];
	size_t heap_len;
	uint64_t rnd;
};

static void lru_unlink(struct sim *s, uint64_t p)
{
	struct sim_page *g = &s->pg[p];

	if (g->prev != NONE)
		s->pg[g->prev].next = g->next;
	else
		s->lru_head = g->next;
	if (g->next != NONE)
		s->pg[g->next].prev = g->prev;
	else
		s->lru_tail = g->prev;
}

static void lru_push(struct sim *s, uint64_t p)
{
	s->pg[p].prev = s->lru_tail;
	s->pg[p].next = NONE;
	if (s->lru_tail != NONE)
		s->pg[s->lru_tail].next = p;
	else
		s->lru_head = p;
	s->lru_tail = p;
}

static void q_unlink(struct sim *s, uint64_t p)
{
	struct sim_queue *q = &s->q[s->pg[p].queue];
	struct sim_page *g = &s->pg[p];

	if (g->prev != NONE)
		s->pg[g->prev].next = g->next;
	else
		q->head = g->next;
	if (g->next != NONE)
		s->pg[g->next].prev = g->prev;
	else
		q->tail = g->prev;
	q->len--;
	g->queue = S3_NONE;
}

static void q_push(struct sim *s, enum s3_queue which, uint64_t p)
{
	struct sim_queue *q = &s->q[which];

	s->pg[p].prev = q->tail;
	s->pg[p].next = NONE;
	s->pg[p].queue = which;
	if (q->tail != NONE)
		s->pg[q->tail].next = p;
	else
		q->head = p;
	q->tail = p;
	q->len++;
}

/* S3FIFO: the page evicted from S, out of both queues */
static uint64_t s3_victim(struct sim *s)
{
	uint64_t page;

	if (s->q[S3_SMALL].len >= s->s3_share || !s->q[S3_MAIN].len) {
		while (s->q[S3_SMALL].len) {
			page = s->q[S3_SMALL].head;
			q_unlink(s, page);
			if (!s->pg[page].freq) {
				if (s->ghost_cap) {
					if (s->q[S3_GHOST].len == s->ghost_cap)
						q_unlink(s, s->q[S3_GHOST].head);
					q_push(s, S3_GHOST, page);
				}
				return page;
			}
			q_push(s, S3_MAIN, page);
		}
	}
	for (;;) {
		page = s->q[S3_MAIN].head;
		q_unlink(s, page);
		if (!s->pg[page].freq)
			return page;
		s->pg[page].freq--;
		q_push(s, S3_MAIN, page);
	}
}

/*
 * The heap's key of a page used next at @next_use: OPT's max-heap puts the
 * page used furthest ahead on top; UNOPT's inverts the key, so the page
 * used soonest is (and of those never used again, the first to arrive, as
 * OSTEP's simulator picks).  Its own inverse.
 */
static uint64_t opt_key(enum sim_policy p, uint64_t next_use)
{
	return p == SIM_UNOPT ? ~next_use : next_use;
}

static void heap_push(struct sim *s, uint64_t key, uint64_t page)
{
	size_t i = s->heap_len++;

	while (i && s->heap[(i - 1) / 2][0] < key) {
		memcpy(s->heap[i], s->heap[(i - 1) / 2], sizeof(s->heap[0]));
		i = (i - 1) / 2;
	}
	s->heap[i][0] = key;
	s->heap[i][1] = page;
}

static void heap_pop(struct sim *s)
{
	uint64_t last[2];
	size_t i = 0, c;

	memcpy(last, s->heap[--s->heap_len], sizeof(last));
	for (;;) {
		c = 2 * i + 1;
		if (c >= s->heap_len)
			break;
		if (c + 1 < s->heap_len && s->heap[c + 1][0] > s->heap[c][0])
			c++;
		if (s->heap[c][0] <= last[0])
			break;
		memcpy(s->heap[i], s->heap[c], sizeof(last));
		i = c;
	}
	if (s->heap_len)
		memcpy(s->heap[i], last, sizeof(last));
}

/* xorshift64*: a reproducible stream from the seed */
static uint64_t sim_random(struct sim *s)
{
	s->rnd ^= s->rnd >> 12;
	s->rnd ^= s->rnd << 25;
	s->rnd ^= s->rnd >> 27;
	return s->rnd * 0x2545f4914f6cdd1dULL;
}

/* LFU: the lowest count, the first loaded among equals; then all halve */
static uint64_t lfu_victim(struct sim *s)
{
	uint64_t f, best = 0;
	struct sim_page *g, *b = &s->pg[s->frame[0]];

	for (f = 1; f < s->nframes; f++) {
		g = &s->pg[s->frame[f]];
		if (g->uses < b->uses ||
		    (g->uses == b->uses && g->loaded < b->loaded)) {
			best = f;
			b = g;
		}
	}
	for (f = 0; f < s->nframes; f++)
		s->pg[s->frame[f]].uses >>= 1;
	return best;
}

/* The frame to reuse when all are full. */
static uint64_t sim_victim(struct sim *s, enum sim_policy p)
{
	uint64_t f, page;

	switch (p) {
	case SIM_FIFO:
		/* frames fill in order and each victim's frame is refilled */
		f = s->hand;
		s->hand = (s->hand + 1) % s->nframes;
		return f;
	case SIM_LRU:
		return s->pg[s->lru_head].slot;
	case SIM_MRU:
		return s->pg[s->lru_tail].slot;
	case SIM_SIEVE:
		/* from the hand (or the oldest) toward the newest, wrapping */
		page = s->sieve_hand != NONE ? s->sieve_hand : s->lru_head;
		while (s->pg[page].visited) {
			s->pg[page].visited = 0;
			page = s->pg[page].next;
			if (page == NONE)
				page = s->lru_head;
		}
		s->sieve_hand = s->pg[page].next;
		return s->pg[page].slot;
	case SIM_S3FIFO:
		return s->pg[s3_victim(s)].slot;
	case SIM_OPT:
	case SIM_UNOPT:
		/* the top of the heap, once its stale entries are gone */
		for (;;) {
			page = s->heap[0][1];
			if (s->pg[page].slot != NONE &&
			    s->pg[page].next_use == opt_key(p, s->heap[0][0]))
				return s->pg[page].slot;
			heap_pop(s);
		}
	case SIM_LFU:
		return lfu_victim(s);
	case SIM_CLOCK:
		for (;;) {
			f = s->hand;
			s->hand = (s->hand + 1) % s->nframes;
			if (!s->ref[f])
				return f;
			s->ref[f] = 0;
		}
	default:
		return sim_random(s) % s->nframes;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The distinct values of @refs, sorted, in *@out: how many, or -1. */
static int64_t sim_sorted(const uint64_t *refs, size_t n, uint64_t **out)
{
	uint64_t *sorted = malloc((n ? n : 1) * sizeof(*sorted));
	size_t i, distinct = 0;

	if (!sorted)
		return -1;
	memcpy(sorted, refs, n * sizeof(*refs));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	for (i = 0; i < n; i++)
		if (!distinct || sorted[distinct - 1] != sorted[i])
			sorted[distinct++] = sorted[i];
	*out = sorted;
	return (int64_t)distinct;
}

int64_t sim_distinct(const uint64_t *refs, size_t n)
{
	uint64_t *sorted;
	int64_t distinct = sim_sorted(refs, n, &sorted);

	if (distinct >= 0)
		free(sorted);
	return distinct;
}

/*
 * The id of each reference's page: @ids[i] is the rank of @refs[i] among
 * the distinct values of @refs, which *@names lists by id.  Returns how
 * many there are, or -1 (ENOMEM).
 */
static int64_t sim_ids(const uint64_t *refs, size_t n, uint64_t *ids,
		       uint64_t **names)
{
	int64_t distinct = sim_sorted(refs, n, names);
	uint64_t *sorted = *names;
	size_t i, lo, hi, mid;

	if (distinct < 0)
		return -1;
	for (i = 0; i < n; i++) {
		lo = 0;
		hi = distinct;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (sorted[mid] <= refs[i])
				lo = mid;
			else
				hi = mid;
		}
		ids[i] = lo;
	}
	return distinct;
}

/* Arrival order, for OPT's view (qsort_r: @s is the simulation) */
static int cmp_arrival(const void *a, const void *b, void *s)
{
	const struct sim_page *pg = ((const struct sim *)s)->pg;
	uint64_t x = pg[*(const uint64_t *)a].loaded;
	uint64_t y = pg[*(const uint64_t *)b].loaded;

	return x < y ? -1 : x > y;
}

/* Report reference @i to @fn: memory in @p's order, as page numbers. */
static void sim_report(struct sim *s, enum sim_policy p, struct sim_step *st,
		       const uint64_t *names, uint64_t *mem, uint8_t *use,
		       sim_step_fn fn, void *arg)
{
	uint64_t k, id;

	st->nresident = s->used;
	st->use = NULL;
	st->hand = 0;
	switch (p) {
	case SIM_FIFO:
		for (k = 0; k < s->used; k++)
			mem[k] = s->frame[(s->hand + k) % s->nframes];
		break;
	case SIM_LRU:
	case SIM_MRU:
	case SIM_SIEVE:
		for (k = 0, id = s->lru_head; id != NONE; id = s->pg[id].next) {
			if (p == SIM_SIEVE) {
				use[k] = s->pg[id].visited;
				if (id == s->sieve_hand)
					st->hand = k;
			}
			mem[k++] = id;
		}
		if (p == SIM_SIEVE)
			st->use = use;
		break;
	case SIM_S3FIFO:
		k = 0;
		for (id = s->q[S3_SMALL].head; id != NONE; id = s->pg[id].next)
			mem[k++] = id;
		for (id = s->q[S3_MAIN].head; id != NONE; id = s->pg[id].next)
			mem[k++] = id;
		break;
	case SIM_OPT:
	case SIM_UNOPT:
		memcpy(mem, s->frame, s->used * sizeof(*mem));
		qsort_r(mem, s->used, sizeof(*mem), cmp_arrival, s);
		break;
	default:
		memcpy(mem, s->frame, s->used * sizeof(*mem));
		if (p == SIM_CLOCK) {
			memcpy(use, s->ref, s->used);
			st->use = use;
			st->hand = s->hand;
		}
		break;
	}
	for (k = 0; k < s->used; k++)
		mem[k] = names[mem[k]];
	st->resident = mem;
	st->page = names[st->page];
	if (st->evicted)
		st->victim = names[st->victim];
	fn(st, arg);
}

int sim_run(enum sim_policy p, uint64_t frames, const uint64_t *refs, size_t n,
	    uint64_t seed, struct sim_result *out)
{
	return sim_run_steps(p, frames, refs, n, seed, out, NULL, NULL);
}

int sim_run_steps(enum sim_policy p, uint64_t frames, const uint64_t *refs,
		  size_t n, uint64_t seed, struct sim_result *out,
		  sim_step_fn fn, void *arg)
{
	return sim_run_opts(p, frames, refs, n, seed, NULL, out, fn, arg);
}

int sim_run_opts(enum sim_policy p, uint64_t frames, const uint64_t *page_refs,
		 size_t n, uint64_t seed, const struct sim_opts *opts,
		 struct sim_result *out, sim_step_fn fn, void *arg)
{
	struct sim s = { .nframes = frames, .lru_head = NONE, .lru_tail = NONE,
			 .sieve_hand = NONE };
	bool s3 = p == SIM_S3FIFO;
	bool listed = p == SIM_LRU || p == SIM_MRU || p == SIM_SIEVE;
	bool future = p == SIM_OPT || p == SIM_UNOPT;
	bool recency = p == SIM_LRU || p == SIM_MRU;
	uint64_t npages, *last = NULL, *next_use = NULL, *refs, *names = NULL;
	uint64_t *mem = NULL;
	uint8_t *use = NULL;
	int64_t distinct;
	size_t i;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!frames || (unsigned int)p >= SIM_NR_POLICIES) {
		errno = EINVAL;
		return -1;
	}
	refs = malloc((n ? n : 1) * sizeof(*refs));
	if (!refs) {
		errno = ENOMEM;
		return -1;
	}
	distinct = sim_ids(page_refs, n, refs, &names);
	if (distinct < 0) {
		free(refs);
		errno = ENOMEM;
		return -1;
	}
	npages = (uint64_t)distinct;
	if (sim_lists_policy(p)) {
		/* the budget itself: SFIFO's share is half of it */
		ret = sim_lists_run(p, frames, refs, n, npages, names, opts,
				    out, fn, arg);
		free(names);
		free(refs);
		return ret;
	}
	/* no more frames than pages: the rest would stay empty */
	if (frames > npages)
		s.nframes = frames = npages ? npages : 1;
	s.rnd = seed ? seed : 0x9e3779b97f4a7c15ULL;
	s.pg = calloc(npages ? npages : 1, sizeof(*s.pg));
	s.frame = calloc(frames, sizeof(*s.frame));
	s.ref = calloc(frames, 1);
	if (future) {
		s.heap = calloc(n + 1, sizeof(*s.heap));
		last = malloc((npages ? npages : 1) * sizeof(*last));
	}
	if (fn) {
		mem = calloc(frames, sizeof(*mem));
		use = calloc(frames, 1);
	}
	if (!s.pg || !s.frame || !s.ref || (future && (!s.heap || !last)) ||
	    (fn && (!mem || !use))) {
		errno = ENOMEM;
		goto out;
	}
	for (i = 0; i < npages; i++)
		s.pg[i].slot = NONE;
	for (i = 0; i < S3_NR; i++)
		s.q[i].head = s.q[i].tail = NONE;
	s.s3_share = frames / 10 ? frames / 10 : 1;
	s.ghost_cap = frames - s.s3_share;

	/* OPT needs, at each reference, when that page comes next */
	if (future) {
		next_use = malloc((n ? n : 1) * sizeof(*next_use));
		if (!next_use) {
			errno = ENOMEM;
			goto out;
		}
		for (i = 0; i < npages; i++)
			last[i] = NONE;
		for (i = n; i-- > 0;) {
			next_use[i] = last[refs[i]];
			last[refs[i]] = i;
		}
	}

	for (i = 0; i < n; i++) {
		uint64_t pg = refs[i], f;
		struct sim_page *g = &s.pg[pg];
		struct sim_step st = { .index = i, .page = pg, .hit = true,
				       .write = sim_opts_write(opts, i) };

		out->refs++;
		if (g->slot == NONE) {
			out->misses++;
			st.hit = false;
			if (s.used < frames) {
				f = s.used++;
			} else {
				f = sim_victim(&s, p);
				st.evicted = true;
				st.victim = s.frame[f];
				st.victim_dirty = s.pg[s.frame[f]].dirty;
				out->writebacks += st.victim_dirty;
				s.pg[s.frame[f]].slot = NONE;
				if (listed)
					lru_unlink(&s, s.frame[f]);
				out->evictions++;
			}
			s.frame[f] = pg;
			g->slot = f;
			g->loaded = s.loads++;
			g->visited = 0;
			g->dirty = 0;
			g->freq = 0;
			g->uses = 1;
			if (listed)
				lru_push(&s, pg);
			if (s3 && g->queue == S3_GHOST) {
				q_unlink(&s, pg);
				q_push(&s, S3_MAIN, pg);
			} else if (s3) {
				q_push(&s, S3_SMALL, pg);
			}
			/* loading it is its first reference */
			s.ref[f] = 1;
		} else {
			if (recency) {
				lru_unlink(&s, pg);
				lru_push(&s, pg);
			}
			s.ref[g->slot] = 1;
			g->visited = 1;
			if (g->freq < 3)
				g->freq++;
			if (g->uses < 255)
				g->uses++;
		}
		if (st.write)
			g->dirty = 1;
		if (future) {
			/*
			 * never used again sorts after every use, by arrival:
			 * OPT evicts the last to arrive of those first, UNOPT
			 * every page with a use before any of them
			 */
			g->next_use = next_use[i] == NONE ? NEVER | g->loaded : next_use[i];
			heap_push(&s, opt_key(p, g->next_use), pg);
		}
		if (fn)
			sim_report(&s, p, &st, names, mem, use, fn, arg);
	}
	ret = 0;
out:
	free(mem);
	free(use);
	free(names);
	free(refs);
	free(next_use);
	free(s.pg);
	free(s.frame);
	free(s.ref);
	free(s.heap);
	free(last);
	return ret;
}
