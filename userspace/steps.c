// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab run --steps`: one line per reference, the kernel's
 * outcome beside the simulator's, as OSTEP's paging-policy.py -c draws it:
 * hit or miss, the victim, memory in the policy's order (FIFO first out
 * first, LRU and MRU least recent first, CLOCK by frame with its hand and
 * use bits, SIEVE oldest first with its hand and visited bits, S3FIFO its
 * small queue then its main queue, SFIFO its FIFO then its clean and dirty
 * lists, 2Q inactive then active, WSCLOCK by frame with its hand and
 * reference bits), the first
 * line where the two differ marked.  An SFIFO reclaim (a hit on a page of
 * a second-chance list) shows as soft on both sides.
 *
 * Attribution: the tool makes the references one at a time and, after
 * each, drains the event stream and reads VMLAB_POLICY_STATE.  Every
 * record read then belongs to that reference, in whatever order the module
 * logged them (an eviction is logged before the fault that needed it), so
 * no record has to carry a reference tag and the ABI stays as it is.
 * With the page daemon on, its evictions, made in the background, are
 * marked on the line whose records they came with.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "device.h"
#include "events.h"
#include "json.h"
#include "names.h"
#include "sim.h"
#include "steps.h"
#include "util.h"

int steps_sim_policy(uint32_t policy)
{
	switch (policy) {
	case VMLAB_POLICY_FIFO:
		return SIM_FIFO;
	case VMLAB_POLICY_LRU:
		return SIM_LRU;
	case VMLAB_POLICY_CLOCK:
		return SIM_CLOCK;
	case VMLAB_POLICY_RANDOM:
		return SIM_RANDOM;
	case VMLAB_POLICY_MRU:
		return SIM_MRU;
	case VMLAB_POLICY_SIEVE:
		return SIM_SIEVE;
	case VMLAB_POLICY_S3FIFO:
		return SIM_S3FIFO;
	case VMLAB_POLICY_SFIFO:
		return SIM_SFIFO;
	case VMLAB_POLICY_TWOQ:
		return SIM_TWOQ;
	case VMLAB_POLICY_WSCLOCK:
		return SIM_WSCLOCK;
	default:
		return -1;
	}
}

/* What the kernel did on one reference */
struct kstep {
	bool hit;
	bool reclaim;		/* SFIFO: the page was on a second-chance list */
	uint32_t victims;	/* budget evictions while it was made */
	uint32_t daemon;	/* the page daemon's, in the background */
	uint64_t victim;	/* the first, a page index */
	uint64_t off, n;	/* its memory: entries [off, off + n) */
	uint32_t hand;		/* an index in them, or VMLAB_PSTATE_NO_HAND */
};

struct steps {
	struct experiment *e;
	enum sim_policy sp;
	bool ring;		/* CLOCK, SIEVE, WSCLOCK: show the hand and the
				 * use, visited or reference bits */
	bool daemon;		/* the page daemon is on: mark its evictions */
	uint64_t daemon_evictions;	/* all of them */
	struct kstep *k;
	struct vmlab_policy_entry *mem;	/* every step's, end to end */
	uint64_t nmem, capmem;
	uint64_t lost;		/* records the ring dropped */
	int kwidth;		/* the kernel's memory column */
	/* while printing */
	uint64_t differ, first;
	bool diverged;
	char *kbuf, *sbuf;
	size_t bufsize;
};

static void collect(const struct vmlab_event *ev, void *arg)
{
	struct kstep *k = arg;

	switch (ev->type) {
	case VMLAB_EV_FAULT:
		if (ev->fault.kind == VMLAB_FAULT_ZERO ||
		    ev->fault.kind == VMLAB_FAULT_SWAPIN)
			k->hit = false;
		break;
	case VMLAB_EV_EVICT:
		if (ev->evict.reason == VMLAB_EVICT_REASON_DAEMON)
			k->daemon++;
		if (ev->evict.reason != VMLAB_EVICT_REASON_BUDGET)
			break;
		if (!k->victims++)
			k->victim = ev->evict.pgoff;
		break;
	case VMLAB_EV_LOST:
		k->victims = UINT32_MAX;	/* unknown: reported below */
		break;
	}
}

/* Is @pgoff on SFIFO's clean or dirty list in the view of step @k? */
static bool on_second_chance(const struct steps *st, const struct kstep *k,
			     uint64_t pgoff)
{
	uint64_t j;

	for (j = 0; j < k->n; j++) {
		const struct vmlab_policy_entry *m = &st->mem[k->off + j];

		if (m->pgoff == pgoff)
			return m->flags & (VMLAB_PSTATE_CLEAN | VMLAB_PSTATE_DIRTY);
	}
	return false;
}

/* The policy's view after one reference, appended to st->mem */
static int read_state(struct steps *st, struct kstep *k)
{
	struct vmlab_policy_state ps;
	uint64_t room = st->e->frames + 16;

	for (;;) {
		if (st->nmem + room > st->capmem) {
			uint64_t cap = 2 * (st->nmem + room);
			void *m = realloc(st->mem, cap * sizeof(*st->mem));

			if (!m)
				return err_msg("out of memory"), -1;
			st->mem = m;
			st->capmem = cap;
		}
		if (!vmlab_policy_state(st->e->fd, &ps, st->mem + st->nmem,
					(uint32_t)room))
			break;
		if (errno != ENOSPC)
			return err_errno("VMLAB_POLICY_STATE"), -1;
		room = ps.resident + 16;
	}
	k->off = st->nmem;
	k->n = ps.count;
	k->hand = ps.hand;
	st->nmem += ps.count;
	return 0;
}

/* "[>3* 1 2]": memory as the simulator prints it */
static void fmt_mem(char *buf, size_t size, size_t n, const uint64_t *pages,
		    const uint8_t *use, size_t hand, bool has_hand)
{
	size_t k, off = 0;

	off += snprintf(buf + off, size - off, "[");
	for (k = 0; k < n && off < size; k++)
		off += snprintf(buf + off, size - off, "%s%s%" PRIu64 "%s",
				k ? " " : "", has_hand && k == hand ? ">" : "",
				pages[k], use && use[k] ? "*" : "");
	if (off < size)
		snprintf(buf + off, size - off, "]");
}

/* The kernel's memory of step @k, as trace page numbers, and its bits */
static void kernel_mem(const struct steps *st, const struct kstep *k,
		       uint64_t *pages, uint8_t *use)
{
	uint64_t j;

	for (j = 0; j < k->n; j++) {
		const struct vmlab_policy_entry *m = &st->mem[k->off + j];

		pages[j] = exp_page_name(st->e, m->pgoff);
		/* WSCLOCK's hand counts either bit; SIEVE's visited bit */
		use[j] = !!(m->flags & (VMLAB_PSTATE_USE | VMLAB_PSTATE_MARK));
	}
}

/* The simulator's line and the kernel's, printed for reference s->index */
static void print_step(const struct sim_step *s, void *arg)
{
	struct steps *st = arg;
	const struct kstep *k = &st->k[s->index];
	uint64_t *kp = malloc((k->n + 1) * sizeof(*kp));
	uint8_t *ku = malloc(k->n + 1);
	bool khand = st->ring && k->hand != VMLAB_PSTATE_NO_HAND;
	uint64_t kvictim = exp_page_name(st->e, k->victim), j;
	bool same;

	if (!kp || !ku) {
		free(kp);
		free(ku);
		return;
	}
	kernel_mem(st, k, kp, ku);
	same = k->hit == s->hit && k->reclaim == s->reclaim &&
	       (k->victims == 0) == !s->evicted &&
	       (!s->evicted || (k->victims == 1 && kvictim == s->victim)) &&
	       k->n == s->nresident;
	for (j = 0; same && j < k->n; j++)
		same = kp[j] == s->resident[j] &&
		       (!st->ring || ku[j] == s->use[j]);
	if (same && st->ring)
		same = khand && k->hand == s->hand;
	if (!same && !st->differ++)
		st->first = s->index;

	if (opt_json) {
		struct jw w;

		jw_init(&w, stdout);
		jw_obj(&w, NULL);
		jw_str(&w, "policy", sim_policy_name(st->sp));
		jw_u64(&w, "frames", st->e->frames);
		jw_u64(&w, "index", s->index);
		jw_u64(&w, "page", s->page);
		if (st->e->writes)
			jw_bool(&w, "write", s->write);
		jw_obj(&w, "kernel");
		jw_bool(&w, "hit", k->hit);
		if (st->sp == SIM_SFIFO)
			jw_bool(&w, "reclaim", k->reclaim);
		if (k->victims == 1)
			jw_u64(&w, "victim", kvictim);
		else
			jw_null(&w, "victim");
		if (k->victims > 1)
			jw_u64(&w, "victims", k->victims);
		if (st->daemon)
			jw_u64(&w, "daemon_evictions", k->daemon);
		jw_arr(&w, "memory");
		for (j = 0; j < k->n; j++)
			jw_u64(&w, NULL, kp[j]);
		jw_end(&w);
		if (st->ring) {
			jw_arr(&w, "use");
			for (j = 0; j < k->n; j++)
				jw_u64(&w, NULL, ku[j]);
			jw_end(&w);
			if (khand)
				jw_u64(&w, "hand", k->hand);
			else
				jw_null(&w, "hand");
		}
		jw_end(&w);
		jw_obj(&w, "simulator");
		jw_bool(&w, "hit", s->hit);
		if (st->sp == SIM_SFIFO)
			jw_bool(&w, "reclaim", s->reclaim);
		if (s->evicted)
			jw_u64(&w, "victim", s->victim);
		else
			jw_null(&w, "victim");
		jw_arr(&w, "memory");
		for (j = 0; j < s->nresident; j++)
			jw_u64(&w, NULL, s->resident[j]);
		jw_end(&w);
		if (st->ring) {
			jw_arr(&w, "use");
			for (j = 0; j < s->nresident; j++)
				jw_u64(&w, NULL, s->use[j]);
			jw_end(&w);
			jw_u64(&w, "hand", s->hand);
		}
		jw_end(&w);
		jw_bool(&w, "same", same);
		jw_bool(&w, "first_divergence", !same && st->differ == 1);
		jw_finish(&w);
		goto out;
	}

	fmt_mem(st->kbuf, st->bufsize, k->n, kp, st->ring ? ku : NULL,
		k->hand, khand);
	fmt_mem(st->sbuf, st->bufsize, s->nresident, s->resident, s->use,
		s->hand, st->ring);
	printf("%6" PRIu64 " %10" PRIu64 "%s  %-4s ", s->index, s->page,
	       !st->e->writes ? "" : s->write ? "w" : "r",
	       k->reclaim ? "soft" : k->hit ? "hit" : "miss");
	if (k->victims == 1)
		printf("%10" PRIu64, kvictim);
	else if (k->victims)
		printf("%10s", "several");
	else
		printf("%10s", "-");
	printf("  %-*s  %-4s ", st->kwidth, st->kbuf,
	       s->reclaim ? "soft" : s->hit ? "hit" : "miss");
	if (s->evicted)
		printf("%10" PRIu64, s->victim);
	else
		printf("%10s", "-");
	printf("  %s%s", st->sbuf, same ? "" : st->differ == 1 ?
	       "  <- first divergence" : "  differs");
	if (k->daemon)
		printf("  (daemon evicted %u)", k->daemon);
	printf("\n");
out:
	free(kp);
	free(ku);
}

/* The widest kernel memory column, for alignment */
static int kernel_width(struct steps *st)
{
	uint64_t *kp = malloc((st->e->frames + 1) * sizeof(*kp)), i;
	uint8_t *ku = malloc(st->e->frames + 1);
	int w = (int)strlen("memory");
	size_t len;

	if (!kp || !ku) {
		free(kp);
		free(ku);
		return w;
	}
	for (i = 0; i < st->e->nrefs; i++) {
		const struct kstep *k = &st->k[i];

		if (k->n > st->e->frames)
			continue;	/* past the budget: not aligned */
		kernel_mem(st, k, kp, ku);
		fmt_mem(st->kbuf, st->bufsize, k->n, kp, st->ring ? ku : NULL,
			k->hand, st->ring && k->hand != VMLAB_PSTATE_NO_HAND);
		len = strlen(st->kbuf);
		if ((int)len > w)
			w = (int)len;
	}
	free(kp);
	free(ku);
	return w;
}

static const char *order_of(enum sim_policy p)
{
	switch (p) {
	case SIM_FIFO:
		return "first out first";
	case SIM_LRU:
	case SIM_MRU:
		return "least recent first";
	case SIM_CLOCK:
		return "by frame; > hand, * use bit";
	case SIM_SIEVE:
		return "oldest first; > hand, * visited";
	case SIM_S3FIFO:
		return "small queue then main queue, oldest first";
	case SIM_SFIFO:
		return "FIFO, clean list, dirty list, each oldest first";
	case SIM_TWOQ:
		return "inactive, then active, each oldest first";
	case SIM_WSCLOCK:
		return "by frame; > hand, * reference bit";
	default:
		return "by frame";
	}
}

int run_steps(struct experiment *e)
{
	struct steps st = {
		.e = e, .sp = steps_sim_policy(e->policy),
		.daemon = e->low_watermark || e->high_watermark,
	};
	/* the references the kernel saw: the trace's r|w, or the run's */
	struct sim_opts o = { .writes = e->writes,
			      .all_writes = e->access != ACCESS_READ,
			      .ws_window = e->ws_window };
	uint64_t *refs = e->refs, i;
	struct sim_result r;
	int ret = 1;

	st.ring = st.sp == SIM_CLOCK || st.sp == SIM_SIEVE ||
		  st.sp == SIM_WSCLOCK;
	st.k = calloc(e->nrefs ? e->nrefs : 1, sizeof(*st.k));
	st.bufsize = 24 * (e->frames + 16) + 16;
	st.kbuf = malloc(st.bufsize);
	st.sbuf = malloc(st.bufsize);
	if (!st.k || !st.kbuf || !st.sbuf) {
		err_msg("out of memory for %" PRIu64 " steps", e->nrefs);
		goto out;
	}
	/* records from before the first reference belong to none */
	if (ev_drain(e->fd, collect, &(struct kstep){ 0 }) < 0) {
		err_errno("read " VMLAB_DEV);
		goto out;
	}
	for (i = 0; i < e->nrefs; i++) {
		struct kstep *k = &st.k[i];

		k->hit = true;
		touch_page(e->map + e->refs[i] * e->info.page_size,
			   exp_access(e, i));
		if (ev_drain(e->fd, collect, k) < 0) {
			err_errno("read " VMLAB_DEV);
			goto out;
		}
		if (k->victims == UINT32_MAX)
			st.lost++;
		if (read_state(&st, k))
			goto out;
		/* a reclaim took the page from a list back to the FIFO */
		if (i && k->hit && st.sp == SIM_SFIFO)
			k->reclaim = on_second_chance(&st, &st.k[i - 1],
						      e->refs[i]) &&
				     !on_second_chance(&st, k, e->refs[i]);
	}
	e->references = e->nrefs;
	if (st.lost)
		err_msg("warning: the ring dropped records at %" PRIu64
			" references: their victims are unknown", st.lost);
	if (!opt_json) {
		st.kwidth = kernel_width(&st);
		printf("vmlab run --steps: %s, %" PRIu64 " frames, %" PRIu64
		       " references (memory %s)%s%s\n", policy_name(e->policy),
		       e->frames, e->nrefs, order_of(st.sp),
		       e->clock_flush ? ", TLB flush after clearing accessed bits" : "",
		       e->tlb_window ? ", software TLB" : "");
		printf("%6s %10s%s  %-*s  %s\n", "", "", e->writes ? " " : "",
		       4 + 1 + 10 + 2 + st.kwidth, "kernel", "simulator");
		printf("%6s %10s%s  %-4s %10s  %-*s  %-4s %10s  %s\n", "ref",
		       "page", e->writes ? " " : "", "", "victim", st.kwidth,
		       "memory", "", "victim", "memory");
	}
	/* the simulator sees the trace's own page numbers */
	if (e->names) {
		refs = malloc((e->nrefs ? e->nrefs : 1) * sizeof(*refs));
		if (!refs) {
			err_msg("out of memory");
			goto out;
		}
		for (i = 0; i < e->nrefs; i++)
			refs[i] = exp_page_name(e, e->refs[i]);
	}
	if (sim_run_opts(st.sp, e->frames, refs, e->nrefs, e->seed, &o, &r,
			 print_step, &st)) {
		err_errno("simulate");
		goto out;
	}
	if (!opt_json) {
		if (!st.differ)
			printf("kernel and simulator agree on all %" PRIu64
			       " references\n", e->nrefs);
		else
			printf("first divergence at reference %" PRIu64 "; %"
			       PRIu64 " of %" PRIu64 " references differ\n",
			       st.first, st.differ, e->nrefs);
		for (i = 0; st.daemon && i < e->nrefs; i++)
			st.daemon_evictions += st.k[i].daemon;
		if (st.daemon)
			printf("the page daemon evicted %" PRIu64 " pages in the "
			       "background (marked on the line whose records "
			       "they came with); the simulator has no daemon\n",
			       st.daemon_evictions);
	}
	ret = 0;
out:
	if (refs != e->refs)
		free(refs);
	free(st.k);
	free(st.mem);
	free(st.kbuf);
	free(st.sbuf);
	return ret;
}
