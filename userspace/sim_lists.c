// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - the simulator's list policies, as the module runs them
 * (module/policy.c, include/uapi/linux/vmlab.h says what each does):
 *
 * SFIFO    VAX/VMS segmented FIFO: a FIFO of ceil(frames / 2) pages; its
 *          oldest page goes to the clean or the dirty second-chance list,
 *          resident still; a reference to a page there takes it back to
 *          the FIFO with no I/O (a reclaim: counted in reclaims, not in
 *          misses); a miss takes the frame of the oldest clean page, else
 *          of the oldest dirty one, else of the oldest in the FIFO.
 * TWOQ     inactive and active lists with mark_page_accessed()'s marks.
 * WSCLOCK  a ring, reference bits, last-use virtual times, a window tau.
 *
 * Dirty means written since the page came in: a write reference makes it
 * so, and only an eviction (a write-out) ends it.  Virtual time is the
 * count of references before the current one.  Each is O(1) per reference
 * but WSCLOCK, whose hand turns at most once around the ring per miss.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_lists.h"

#define NONE UINT64_MAX

enum { SEG_NONE, SEG_FIFO, SEG_CLEAN, SEG_DIRTY, SEG_INACTIVE, SEG_ACTIVE,
       NR_SEGS };

struct lpage {
	uint64_t prev, next;	/* on its list, oldest to newest */
	uint64_t slot;		/* WSCLOCK's frame; NONE if not resident */
	uint64_t last_use;	/* WSCLOCK */
	uint8_t seg;		/* SFIFO, TWOQ: the list it is on */
	uint8_t dirty;		/* written since it came in */
	uint8_t ref;		/* TWOQ's mark, WSCLOCK's reference bit */
};

struct lsim {
	struct lpage *pg;
	uint64_t head[NR_SEGS], tail[NR_SEGS], count[NR_SEGS];
	uint64_t *ring;		/* WSCLOCK: frame -> page */
	uint64_t used, hand;	/* WSCLOCK: frames in use, the hand */
	uint64_t frames, resident, tau;
};

bool sim_lists_policy(enum sim_policy p)
{
	return p == SIM_SFIFO || p == SIM_TWOQ || p == SIM_WSCLOCK;
}

static void seg_add(struct lsim *s, uint64_t p, uint8_t seg)
{
	struct lpage *g = &s->pg[p];

	g->seg = seg;
	g->prev = s->tail[seg];
	g->next = NONE;
	if (s->tail[seg] != NONE)
		s->pg[s->tail[seg]].next = p;
	else
		s->head[seg] = p;
	s->tail[seg] = p;
	s->count[seg]++;
}

static void seg_del(struct lsim *s, uint64_t p)
{
	struct lpage *g = &s->pg[p];

	if (g->seg == SEG_NONE)
		return;
	if (g->prev != NONE)
		s->pg[g->prev].next = g->next;
	else
		s->head[g->seg] = g->next;
	if (g->next != NONE)
		s->pg[g->next].prev = g->prev;
	else
		s->tail[g->seg] = g->prev;
	s->count[g->seg]--;
	g->seg = SEG_NONE;
}

static void seg_move(struct lsim *s, uint64_t p, uint8_t seg)
{
	seg_del(s, p);
	seg_add(s, p, seg);
}

/* SFIFO: the FIFO keeps ceil(frames / 2); the rest get a second chance */
static void sfifo_trim(struct lsim *s)
{
	uint64_t p;

	while (s->count[SEG_FIFO] > s->frames - s->frames / 2) {
		p = s->head[SEG_FIFO];
		seg_move(s, p, s->pg[p].dirty ? SEG_DIRTY : SEG_CLEAN);
	}
}

/* A page that is not resident (SFIFO, TWOQ) needs a frame: the victim. */
static uint64_t list_victim(struct lsim *s, enum sim_policy p)
{
	if (p == SIM_TWOQ) {
		while (s->count[SEG_ACTIVE] > s->count[SEG_INACTIVE])
			seg_move(s, s->head[SEG_ACTIVE], SEG_INACTIVE);
		return s->head[SEG_INACTIVE];
	}
	if (s->head[SEG_CLEAN] != NONE)
		return s->head[SEG_CLEAN];
	if (s->head[SEG_DIRTY] != NONE)
		return s->head[SEG_DIRTY];
	return s->head[SEG_FIFO];
}

/* WSCLOCK's victim at virtual time @now: its frame. */
static uint64_t wsclock_victim(struct lsim *s, uint64_t now)
{
	uint64_t n, f, start = NONE, sched = NONE, clean = NONE;
	struct lpage *g;

	for (n = 0; n < s->used; n++) {
		f = s->hand;
		s->hand = (s->hand + 1) % s->used;
		g = &s->pg[s->ring[f]];
		if (start == NONE)
			start = f;
		if (g->ref) {
			g->ref = 0;
			g->last_use = now;
		}
		if (now - g->last_use > s->tau) {
			if (!g->dirty)
				return f;
			if (sched == NONE)
				sched = f;	/* its write is scheduled */
		} else if (!g->dirty && clean == NONE) {
			clean = f;
		}
	}
	f = sched != NONE ? sched : clean != NONE ? clean : start;
	s->hand = (f + 1) % s->used;
	return f;
}

/* Memory in the policy's order, as page numbers, for a step's report. */
static void list_report(struct lsim *s, enum sim_policy p,
			struct sim_step *st, const uint64_t *names,
			uint64_t *mem, uint8_t *use)
{
	static const uint8_t sfifo[] = { SEG_FIFO, SEG_CLEAN, SEG_DIRTY };
	static const uint8_t twoq[] = { SEG_INACTIVE, SEG_ACTIVE };
	const uint8_t *segs = p == SIM_SFIFO ? sfifo : twoq;
	size_t nsegs = p == SIM_SFIFO ? 3 : 2, i, k = 0;
	uint64_t id;

	/* TWOQ's marks have no hand to show them with */
	st->use = NULL;
	st->hand = 0;
	if (p == SIM_WSCLOCK) {
		for (k = 0; k < s->used; k++) {
			mem[k] = names[s->ring[k]];
			use[k] = s->pg[s->ring[k]].ref;
		}
		st->use = use;
		st->hand = s->hand;
	} else {
		for (i = 0; i < nsegs; i++)
			for (id = s->head[segs[i]]; id != NONE; id = s->pg[id].next) {
				use[k] = s->pg[id].ref;
				mem[k++] = names[id];
			}
	}
	st->nresident = k;
	st->resident = mem;
}

int sim_lists_run(enum sim_policy p, uint64_t frames, const uint64_t *ids,
		  size_t n, uint64_t npages, const uint64_t *names,
		  const struct sim_opts *opts, struct sim_result *out,
		  sim_step_fn fn, void *arg)
{
	uint64_t nring = frames < npages ? frames : (npages ? npages : 1);
	struct lsim s = { .frames = frames };
	uint64_t *mem = NULL, i, v, f = 0;
	uint8_t *use = NULL;
	int ret = -1;

	for (i = 0; i < NR_SEGS; i++)
		s.head[i] = s.tail[i] = NONE;
	s.tau = opts && opts->ws_window ? opts->ws_window : frames;
	s.pg = calloc(npages ? npages : 1, sizeof(*s.pg));
	s.ring = calloc(nring, sizeof(*s.ring));
	if (fn) {
		mem = calloc(npages ? npages : 1, sizeof(*mem));
		use = calloc(npages ? npages : 1, 1);
	}
	if (!s.pg || !s.ring || (fn && (!mem || !use))) {
		errno = ENOMEM;
		goto out;
	}
	for (i = 0; i < npages; i++)
		s.pg[i].slot = NONE;

	for (i = 0; i < n; i++) {
		uint64_t pg = ids[i];
		struct lpage *g = &s.pg[pg];
		struct sim_step st = { .index = i, .page = names[pg], .hit = true,
				       .write = sim_opts_write(opts, i) };
		bool resident = p == SIM_WSCLOCK ? g->slot != NONE : g->seg != SEG_NONE;

		out->refs++;
		if (resident) {
			if (p == SIM_WSCLOCK) {
				g->ref = 1;
			} else if (p == SIM_TWOQ) {
				if (g->seg == SEG_INACTIVE && g->ref) {
					seg_move(&s, pg, SEG_ACTIVE);
					g->ref = 0;
				} else {
					g->ref = 1;
				}
			} else if (g->seg == SEG_CLEAN || g->seg == SEG_DIRTY) {
				seg_move(&s, pg, SEG_FIFO);
				sfifo_trim(&s);
				out->reclaims++;
				st.reclaim = true;
			}
		} else {
			out->misses++;
			st.hit = false;
			if (s.resident == frames) {
				if (p == SIM_WSCLOCK) {
					f = wsclock_victim(&s, i);
					v = s.ring[f];
					s.pg[v].slot = NONE;
				} else {
					v = list_victim(&s, p);
					seg_del(&s, v);
				}
				s.resident--;
				out->evictions++;
				st.evicted = true;
				st.victim = names[v];
				st.victim_dirty = s.pg[v].dirty;
				out->writebacks += st.victim_dirty;
			} else {
				f = s.used++;
			}
			s.resident++;
			g->dirty = 0;
			g->ref = 1;	/* loading it is its first reference */
			if (p == SIM_WSCLOCK) {
				s.ring[f] = pg;
				g->slot = f;
				g->last_use = i;
			} else {
				seg_add(&s, pg, p == SIM_SFIFO ? SEG_FIFO : SEG_INACTIVE);
				if (p == SIM_SFIFO)
					sfifo_trim(&s);
			}
		}
		if (st.write)
			g->dirty = 1;
		if (fn) {
			list_report(&s, p, &st, names, mem, use);
			fn(&st, arg);
		}
	}
	ret = 0;
out:
	free(mem);
	free(use);
	free(s.pg);
	free(s.ring);
	return ret;
}
