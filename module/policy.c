// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - replacement policies: which resident page to evict.
 *
 * Every resident page has a frame, kept in all the policies' structures at
 * once so the policy can change at any time:
 *   fifo   list in load order (FIFO; SIEVE's queue, oldest first)
 *   lru    list in order of the last fault on the page (LRU, MRU; kept
 *          while one of them is the policy)
 *   slots  array of frames a clock hand sweeps (CLOCK, LRU_APPROX, RANDOM,
 *          WSCLOCK)
 *   segs   SFIFO's FIFO, clean and dirty lists, or TWOQ's inactive and
 *          active lists, oldest first; kept while that policy runs, and
 *          built again from load order when the policy switches to it
 *   s3     S3FIFO's small or main queue, oldest first
 * and the per-page state of each: the aging counter, SIEVE's visited bit,
 * S3FIFO's hit counter (both kept whatever the policy).
 * A frame that replaces a victim takes the victim's slot, as in a textbook
 * clock.  The array has one slot per frame of the budget; a page admitted
 * past the budget (every other one pinned, see evict.c) waits on the spill
 * list for the next slot to free.  Work per fault is O(1) amortized and
 * independent of region size: a CLOCK hand clears what it passes, so it
 * stops within two sweeps; an aging hand halves what it passes, so within
 * nine; WSCLOCK's hand turns once around the ring at the most; SIEVE's
 * hand clears visited bits, each set by a hit; S3FIFO moves a page from
 * its small queue to its main queue once a residency, and each turn in the
 * main queue takes one of the page's at most three hits.  SFIFO and TWOQ
 * move a frame between lists in O(1) on a fault; TWOQ's balancing moves
 * each frame once per promotion.
 *
 * What a switch to a policy starts from (vmlab_policy_switch()): FIFO and
 * SIEVE, load order (SIEVE with the visited bits of the hits since the
 * load or since its hand last passed, and its hand where it last stopped);
 * LRU and MRU, the order of the last faults while one of them was the
 * policy, load order before; S3FIFO, its queues as they are: pages loaded
 * under another policy are in the small queue (or the main one, if the
 * ghost had them), with their hits counted, and only S3FIFO's own victims
 * enter the ghost; SFIFO and TWOQ, load order; WSCLOCK, every page
 * unreferenced and last used at the switch.
 *
 * Every fault and write upgrade is a reference and reaches
 * vmlab_policy_touch(): virtual time (vtime) counts them all, and LRU,
 * SFIFO, TWOQ and WSCLOCK see each.  A hit is a reference to a page that
 * was resident already - not the fault that loads it, nor one that
 * rescues it from its write - and only hits set SIEVE's visited bit and
 * raise S3FIFO's counter.  With a software TLB of one page the references
 * are every one but an immediate repeat of the page just used, which is
 * what makes LRU, MRU, SFIFO, TWOQ and WSCLOCK exact there.  Without the
 * window a page is seen once a residency.
 *
 * Accessed bits are read from every mapping of the page: the instance keeps
 * its VMAs (vmlab_vma_link), and each is read under its mm's mmap lock,
 * taken with a trylock (instance.c's lock order says why); a busy mm counts
 * as a reference (a second chance).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "compat.h"
#include "vmlab.h"

int vmlab_policy_init(struct vmlab_instance *inst)
{
	unsigned int i;

	if (!zalloc_cpumask_var(&inst->flush_cpus, GFP_KERNEL_ACCOUNT))
		return -ENOMEM;
	INIT_LIST_HEAD(&inst->fifo);
	INIT_LIST_HEAD(&inst->lru);
	INIT_LIST_HEAD(&inst->spill);
	for (i = 0; i < VMLAB_NR_SEGS; i++)
		INIT_LIST_HEAD(&inst->segs[i]);
	INIT_LIST_HEAD(&inst->s3_small);
	INIT_LIST_HEAD(&inst->s3_main);
	INIT_LIST_HEAD(&inst->ghost_fifo);
	INIT_LIST_HEAD(&inst->ghost_free);
	inst->s3_small_share = 1;
	INIT_LIST_HEAD(&inst->vmas);
	spin_lock_init(&inst->vma_lock);
	prandom_seed_state(&inst->rnd, 0);
	return 0;
}

/* S3FIFO's small queue: a tenth of the frames, at least one */
static u64 vmlab_s3_share(u64 frames)
{
	return max_t(u64, frames / 10, 1);
}

/*
 * Size the slot array and S3FIFO's ghost (as many ids as its main queue
 * holds frames) for @frames; no page may be resident.
 */
int vmlab_policy_resize(struct vmlab_instance *inst, u64 frames)
{
	u64 share = vmlab_s3_share(frames);
	u64 nr_ghosts = frames > share ? frames - share : 0;
	u32 bits = max_t(u32, order_base_2(nr_ghosts), 1);
	struct vmlab_frame **slots = NULL;
	struct hlist_head *ghost_hash = NULL;
	struct vmlab_ghost *ghosts = NULL;
	u32 *free_slots = NULL;
	u64 i;

	lockdep_assert_held(&inst->lock);
	if (frames) {
		slots = kvcalloc(frames, sizeof(*slots), GFP_KERNEL_ACCOUNT);
		free_slots = kvcalloc(frames, sizeof(*free_slots), GFP_KERNEL_ACCOUNT);
		if (!slots || !free_slots)
			goto nomem;
	}
	if (nr_ghosts) {
		ghosts = kvcalloc(nr_ghosts, sizeof(*ghosts), GFP_KERNEL_ACCOUNT);
		ghost_hash = kvcalloc(1UL << bits, sizeof(*ghost_hash),
				      GFP_KERNEL_ACCOUNT);
		if (!ghosts || !ghost_hash)
			goto nomem;
	}
	kvfree(inst->slots);
	kvfree(inst->free_slots);
	kvfree(inst->ghosts);
	kvfree(inst->ghost_hash);
	INIT_LIST_HEAD(&inst->ghost_fifo);
	INIT_LIST_HEAD(&inst->ghost_free);
	for (i = 0; i < nr_ghosts; i++)
		list_add_tail(&ghosts[i].fifo, &inst->ghost_free);
	inst->ghosts = ghosts;
	inst->ghost_hash = ghost_hash;
	inst->ghost_bits = bits;
	inst->s3_small_share = share;
	inst->sieve_hand = NULL;
	inst->slots = slots;
	inst->free_slots = free_slots;
	inst->nr_slots = frames;
	inst->nr_used_slots = 0;
	inst->nr_free_slots = 0;
	inst->hand = 0;
	return 0;

nomem:
	kvfree(slots);
	kvfree(free_slots);
	kvfree(ghosts);
	kvfree(ghost_hash);
	return -ENOMEM;
}

void vmlab_policy_free(struct vmlab_instance *inst)
{
	kvfree(inst->slots);
	kvfree(inst->free_slots);
	kvfree(inst->ghosts);
	kvfree(inst->ghost_hash);
	inst->slots = NULL;
	inst->free_slots = NULL;
	inst->ghosts = NULL;
	inst->ghost_hash = NULL;
	free_cpumask_var(inst->flush_cpus);
}

/* Is @policy one of enum vmlab_policy? */
bool vmlab_policy_valid(u32 policy)
{
	switch (policy) {
	case VMLAB_POLICY_FIFO:
	case VMLAB_POLICY_RANDOM:
	case VMLAB_POLICY_CLOCK:
	case VMLAB_POLICY_LRU_APPROX:
	case VMLAB_POLICY_LRU:
	case VMLAB_POLICY_MRU:
	case VMLAB_POLICY_SIEVE:
	case VMLAB_POLICY_S3FIFO:
	case VMLAB_POLICY_SFIFO:
	case VMLAB_POLICY_TWOQ:
	case VMLAB_POLICY_WSCLOCK:
	case VMLAB_POLICY_BPF:
		return true;
	}
	return false;
}

/* Does @policy need the software TLB to see the references it counts? */
bool vmlab_policy_needs_window(u32 policy)
{
	return policy == VMLAB_POLICY_LRU || policy == VMLAB_POLICY_MRU ||
	       policy == VMLAB_POLICY_SFIFO || policy == VMLAB_POLICY_TWOQ;
}

/* ------------------------------------------------------- SFIFO and TWOQ */

static void vmlab_seg_add(struct vmlab_instance *inst, struct vmlab_frame *f,
			  u8 seg)
{
	list_add_tail(&f->seg, &inst->segs[seg]);
	f->seg_id = seg;
	inst->nr_seg[seg]++;
}

static void vmlab_seg_del(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	if (f->seg_id == VMLAB_SEG_NONE)
		return;
	list_del_init(&f->seg);
	inst->nr_seg[f->seg_id]--;
	f->seg_id = VMLAB_SEG_NONE;
}

/* @f becomes the newest frame of list @seg. */
static void vmlab_seg_move(struct vmlab_instance *inst, struct vmlab_frame *f,
			   u8 seg)
{
	vmlab_seg_del(inst, f);
	vmlab_seg_add(inst, f, seg);
}

static struct vmlab_frame *vmlab_seg_oldest(struct vmlab_instance *inst, u8 seg)
{
	return list_first_entry_or_null(&inst->segs[seg], struct vmlab_frame, seg);
}

/*
 * SFIFO's FIFO holds ceil(frames / 2) pages, the second-chance lists the
 * rest of the budget: a fixed share, so the lists hold pages whenever the
 * budget has two frames or more.
 */
static u64 vmlab_sfifo_share(struct vmlab_instance *inst)
{
	return inst->frames ? inst->frames - inst->frames / 2 : U64_MAX;
}

/*
 * The FIFO keeps its share: its oldest pages go to the clean or the dirty
 * list.  The software TLB unmaps them (with a window of one page, before
 * the next reference), so touching one faults and reclaims it.
 */
static void vmlab_sfifo_trim(struct vmlab_instance *inst)
{
	struct vmlab_frame *f;

	while (inst->nr_seg[VMLAB_SEG_FIFO] > vmlab_sfifo_share(inst)) {
		f = vmlab_seg_oldest(inst, VMLAB_SEG_FIFO);
		vmlab_seg_move(inst, f, vmlab_frame_dirty(inst, f) ?
			       VMLAB_SEG_DIRTY : VMLAB_SEG_CLEAN);
	}
}

/* The oldest clean page, else the oldest dirty one, else the oldest. */
static struct vmlab_frame *vmlab_choose_sfifo(struct vmlab_instance *inst)
{
	return vmlab_seg_oldest(inst, VMLAB_SEG_CLEAN) ?:
	       vmlab_seg_oldest(inst, VMLAB_SEG_DIRTY) ?:
	       vmlab_seg_oldest(inst, VMLAB_SEG_FIFO);
}

/*
 * mark_page_accessed(): a reference marks the page; one to a marked
 * inactive page moves it to the active list, unmarked.
 */
static void vmlab_twoq_touch(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	if (f->seg_id == VMLAB_SEG_INACTIVE && f->referenced) {
		vmlab_seg_move(inst, f, VMLAB_SEG_ACTIVE);
		f->referenced = false;
	} else {
		f->referenced = true;
	}
}

/*
 * As shrink_active_list() with an inactive ratio of 1 (below 1 GiB): while
 * the active list is the larger, its oldest page goes to the newest end of
 * the inactive list, keeping its mark; the victim is the oldest inactive.
 */
static struct vmlab_frame *vmlab_choose_twoq(struct vmlab_instance *inst)
{
	while (inst->nr_seg[VMLAB_SEG_ACTIVE] > inst->nr_seg[VMLAB_SEG_INACTIVE])
		vmlab_seg_move(inst, vmlab_seg_oldest(inst, VMLAB_SEG_ACTIVE),
			       VMLAB_SEG_INACTIVE);
	return vmlab_seg_oldest(inst, VMLAB_SEG_INACTIVE);
}

/*
 * The policy changes to @policy: SFIFO and TWOQ start from load order
 * (every page in SFIFO's FIFO, the oldest beyond its share moved on to
 * the second-chance lists; every page inactive and unmarked for TWOQ);
 * WSCLOCK from every page unreferenced, last used now.  O(resident pages),
 * once per switch.  FIFO, LRU, MRU, SIEVE and S3FIFO need nothing here:
 * their lists, SIEVE's hand and visited bits, S3FIFO's queues, counters
 * and ghost are kept whatever the policy, and a switch to them starts
 * from those as they are.
 */
void vmlab_policy_switch(struct vmlab_instance *inst, u32 policy)
{
	struct vmlab_frame *f, *tmp;
	unsigned int i;

	lockdep_assert_held(&inst->lock);
	for (i = 0; i < VMLAB_NR_SEGS; i++)
		list_for_each_entry_safe(f, tmp, &inst->segs[i], seg)
			vmlab_seg_del(inst, f);
	list_for_each_entry(f, &inst->fifo, fifo) {
		f->referenced = false;
		f->last_use = atomic64_read(&inst->vtime);
		if (policy == VMLAB_POLICY_SFIFO)
			vmlab_seg_add(inst, f, VMLAB_SEG_FIFO);
		else if (policy == VMLAB_POLICY_TWOQ)
			vmlab_seg_add(inst, f, VMLAB_SEG_INACTIVE);
	}
	if (policy == VMLAB_POLICY_SFIFO)
		vmlab_sfifo_trim(inst);
}

/* ------------------------------------------------------ S3FIFO's ghost */

static struct hlist_head *vmlab_ghost_bucket(struct vmlab_instance *inst,
					     pgoff_t pgoff)
{
	return &inst->ghost_hash[hash_long(pgoff, inst->ghost_bits)];
}

/* Page @pgoff's id in the ghost, or NULL. */
static struct vmlab_ghost *vmlab_ghost_find(struct vmlab_instance *inst,
					    pgoff_t pgoff)
{
	struct vmlab_ghost *g;

	if (!inst->ghosts)
		return NULL;
	hlist_for_each_entry(g, vmlab_ghost_bucket(inst, pgoff), hash)
		if (g->pgoff == pgoff)
			return g;
	return NULL;
}

static void vmlab_ghost_forget(struct vmlab_instance *inst,
			       struct vmlab_ghost *g)
{
	hlist_del(&g->hash);
	list_move(&g->fifo, &inst->ghost_free);
}

/* Page @pgoff leaves S3FIFO's small queue: its id joins the ghost. */
static void vmlab_ghost_add(struct vmlab_instance *inst, pgoff_t pgoff)
{
	struct vmlab_ghost *g;

	if (!inst->ghosts)
		return;
	g = list_first_entry_or_null(&inst->ghost_free, struct vmlab_ghost, fifo);
	if (!g) {
		/* full: the oldest id goes */
		g = list_first_entry(&inst->ghost_fifo, struct vmlab_ghost, fifo);
		hlist_del(&g->hash);
	}
	g->pgoff = pgoff;
	hlist_add_head(&g->hash, vmlab_ghost_bucket(inst, pgoff));
	list_move_tail(&g->fifo, &inst->ghost_fifo);
}

/* --------------------------------------------------------- the structures */

/*
 * @f became resident: the newest page for FIFO, LRU and SIEVE, a slot for
 * the hand; S3FIFO's main queue if the ghost had it, else its small queue;
 * SFIFO's FIFO or TWOQ's inactive list, unmarked, while one of them runs.
 * SIEVE's and S3FIFO's hit marks stay as they are: a frame a miss made
 * resident without the instance lock (page.c) joins the policy when the
 * lock's next holder takes it, and the hits it took before count.
 */
void vmlab_policy_admit(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	struct vmlab_ghost *g;

	lockdep_assert_held(&inst->lock);
	list_add_tail(&f->fifo, &inst->fifo);
	list_add_tail(&f->lru, &inst->lru);
	f->age = 0;
	f->referenced = false;
	f->last_use = atomic64_read(&inst->vtime);
	g = vmlab_ghost_find(inst, f->pgoff);
	if (g)
		vmlab_ghost_forget(inst, g);
	f->s3_main = !!g;
	if (g) {
		list_add_tail(&f->s3, &inst->s3_main);
	} else {
		list_add_tail(&f->s3, &inst->s3_small);
		inst->nr_s3_small++;
	}
	switch (READ_ONCE(inst->policy)) {
	case VMLAB_POLICY_SFIFO:
		vmlab_seg_add(inst, f, VMLAB_SEG_FIFO);
		vmlab_sfifo_trim(inst);
		break;
	case VMLAB_POLICY_TWOQ:
		vmlab_seg_add(inst, f, VMLAB_SEG_INACTIVE);
		break;
	case VMLAB_POLICY_BPF:
		vmlab_bpf_policy_add(inst, f);
		break;
	}
	if (!inst->nr_slots)
		return;
	if (inst->nr_free_slots) {
		f->slot = inst->free_slots[--inst->nr_free_slots];
	} else if (inst->nr_used_slots < inst->nr_slots) {
		f->slot = inst->nr_used_slots++;
	} else {
		/* admitted past the budget: it takes the next slot to free */
		list_add_tail(&f->spill, &inst->spill);
		return;
	}
	inst->slots[f->slot] = f;
}

/* @f became resident, or stays so: in the policy, with no hit marks. */
void vmlab_policy_add(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	f->visited = false;
	f->freq = 0;
	vmlab_policy_admit(inst, f);
}

/*
 * The policy chose @f but it stays resident (pinned, or needed by the
 * access that faults): back in, as the newest page, and for MRU as the
 * least recent one, or MRU would choose it again at once.  S3FIFO's ghost
 * took its id as it was chosen: the page never left, so it goes back to
 * the small queue.
 */
void vmlab_policy_keep(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	struct vmlab_ghost *g = vmlab_ghost_find(inst, f->pgoff);

	if (g)
		vmlab_ghost_forget(inst, g);
	vmlab_policy_add(inst, f);
	if (READ_ONCE(inst->policy) == VMLAB_POLICY_MRU)
		list_move(&f->lru, &inst->lru);
}

void vmlab_policy_remove(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	struct vmlab_frame *waiting;

	lockdep_assert_held(&inst->lock);
	if (READ_ONCE(inst->policy) == VMLAB_POLICY_BPF)
		vmlab_bpf_policy_remove(inst, f);
	/* SIEVE's hand moves on to the next newer page, or to the oldest */
	if (inst->sieve_hand == f)
		inst->sieve_hand = list_is_last(&f->fifo, &inst->fifo) ? NULL :
				   list_next_entry(f, fifo);
	list_del(&f->fifo);
	list_del(&f->lru);
	vmlab_seg_del(inst, f);
	list_del(&f->s3);
	if (!f->s3_main)
		inst->nr_s3_small--;
	if (f->slot == VMLAB_NO_SLOT) {
		list_del_init(&f->spill);
		return;
	}
	waiting = list_first_entry_or_null(&inst->spill, struct vmlab_frame,
					   spill);
	if (waiting) {
		list_del_init(&waiting->spill);
		waiting->slot = f->slot;
		inst->slots[f->slot] = waiting;
	} else {
		inst->slots[f->slot] = NULL;
		inst->free_slots[inst->nr_free_slots++] = f->slot;
	}
	f->slot = VMLAB_NO_SLOT;
}

/*
 * A fault or a write upgrade touched @f: one reference, one tick of virtual
 * time.  LRU and MRU move it to the recent end (that order is kept while
 * one of them is the policy); SFIFO reclaims it from a second-chance list;
 * TWOQ marks or promotes it; WSCLOCK sets its reference bit.  @hit: @f was
 * resident already (not the fault that loads it or rescues it from its
 * write): SIEVE's visited bit and S3FIFO's counter count hits only, kept
 * whatever the policy (both are O(1)).
 */
void vmlab_policy_touch(struct vmlab_instance *inst, struct vmlab_frame *f,
			bool hit)
{
	u32 policy = READ_ONCE(inst->policy);

	lockdep_assert_held(&inst->lock);
	atomic64_inc(&inst->vtime);
	/* a frame whose write is in flight rejoins the policy after it */
	if (vmlab_frame_writing(f))
		return;
	if (hit) {
		f->visited = true;
		if (f->freq < 3)
			f->freq++;
	}
	switch (policy) {
	case VMLAB_POLICY_LRU:
	case VMLAB_POLICY_MRU:
		list_move_tail(&f->lru, &inst->lru);
		break;
	case VMLAB_POLICY_SFIFO:
		if (f->seg_id != VMLAB_SEG_CLEAN && f->seg_id != VMLAB_SEG_DIRTY)
			break;
		vmlab_seg_move(inst, f, VMLAB_SEG_FIFO);
		vmlab_count(inst, VMLAB_CNT_RECLAIMS);
		vmlab_sfifo_trim(inst);
		break;
	case VMLAB_POLICY_TWOQ:
		vmlab_twoq_touch(inst, f);
		break;
	case VMLAB_POLICY_WSCLOCK:
		f->referenced = true;
		break;
	case VMLAB_POLICY_BPF:
		/* the fault that loads a page is its resident() */
		if (hit)
			vmlab_bpf_policy_touch(inst, f, VMLAB_REF_HIT);
		break;
	}
}

/*
 * May a hit be seen without the instance lock (fault.c's fast path)?
 * Under FIFO, RANDOM, CLOCK and LRU_APPROX a hit changes nothing but the
 * marks SIEVE and S3FIFO keep whatever the policy, under SIEVE and S3FIFO
 * only those, and under WSCLOCK those, its reference bit and the virtual
 * time, an atomic.  LRU, MRU, SFIFO and TWOQ move the frame on a list,
 * and run with a software TLB, whose misses unmap a page (a sleeping
 * lock); a BPF policy's callbacks are called one at a time.  The hand
 * that clears the marks turns under the instance lock: a hit that races
 * it lands before or after its pass, and one of a racing hit's and the
 * hand's updates of S3FIFO's counter may be lost.  One task's faults see
 * the textbook's policy exactly.
 */
bool vmlab_policy_hit_lockless(struct vmlab_instance *inst)
{
	switch (READ_ONCE(inst->policy)) {
	case VMLAB_POLICY_FIFO:
	case VMLAB_POLICY_RANDOM:
	case VMLAB_POLICY_CLOCK:
	case VMLAB_POLICY_LRU_APPROX:
	case VMLAB_POLICY_SIEVE:
	case VMLAB_POLICY_S3FIFO:
	case VMLAB_POLICY_WSCLOCK:
		return true;
	default:
		return false;
	}
}

/*
 * A fault without the instance lock, a hit or a zero-fill: under WSCLOCK
 * one tick of virtual time.  Under the others it is not counted: only
 * WSCLOCK reads it, and a switch to it starts every page at the time of
 * the switch.  True under WSCLOCK.
 */
bool vmlab_policy_tick(struct vmlab_instance *inst)
{
	if (READ_ONCE(inst->policy) != VMLAB_POLICY_WSCLOCK)
		return false;
	atomic64_inc(&inst->vtime);
	return true;
}

/*
 * A hit seen without the lock: the marks, each a byte of its own, and
 * WSCLOCK's reference bit; their hands clear them under the lock.
 */
void vmlab_policy_hit(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	u8 freq = READ_ONCE(f->freq);

	WRITE_ONCE(f->visited, true);
	if (freq < 3)
		WRITE_ONCE(f->freq, freq + 1);
	if (vmlab_policy_tick(inst))
		WRITE_ONCE(f->referenced, true);
}

/* ------------------------------------------------------- accessed bits */

static void vmlab_flush_local(void *info)
{
	vmlab_flush_tlb_local();
}

/*
 * Was @f used: the accessed bit of its PTE in any mapping; in a MAP_PRIVATE
 * one, only a PTE that maps @f's page, not a copy of it.  With @clear, test
 * and clear it in every mapping, as Linux does, without a flush (see
 * vmlab_policy_flush()), noting the CPUs to flush; without, read it and stop
 * at the first set.  x86 sets A in the PTE when the hardware walks it.  A
 * mapping whose mm is busy counts as used.
 */
static bool vmlab_frame_used(struct vmlab_instance *inst, struct vmlab_frame *f,
			     bool clear)
{
	struct vmlab_vma_link *link;
	bool young = false;

	spin_lock(&inst->vma_lock);
	list_for_each_entry(link, &inst->vmas, node) {
		struct vm_area_struct *vma = link->vma;
		struct mm_struct *mm = vma->vm_mm;
		unsigned long addr;

		/* under the instance lock: against the lock order */
		if (!mmap_read_trylock(mm)) {
			young = true;
			continue;
		}
		addr = vma->vm_start + ((f->pgoff - vma->vm_pgoff) << PAGE_SHIFT);
		/*
		 * Not a VMA munmap() took out of the tree and has not closed
		 * yet: its page tables may be being freed.
		 */
		if (f->pgoff < vma->vm_pgoff ||
		    f->pgoff >= vma->vm_pgoff + vma_pages(vma) ||
		    find_vma(mm, addr) != vma)
			goto next;
		if (!clear) {
			young |= vmlab_pte_young(mm, addr, f->page);
		} else if (vmlab_pte_test_and_clear_young(mm, addr, f->page)) {
			young = true;
			cpumask_or(inst->flush_cpus, inst->flush_cpus,
				   mm_cpumask(mm));
		}
next:
		mmap_read_unlock(mm);
		if (young && !clear)
			break;
	}
	spin_unlock(&inst->vma_lock);
	return young;
}

/* Test and clear @f's accessed bits: CLOCK's hand, the aging, a sample */
static bool vmlab_frame_young(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	return vmlab_frame_used(inst, f, true);
}

/*
 * VMLAB_CFG_CLOCK_FLUSH: after a sweep cleared accessed bits, flush the TLBs
 * of the CPUs that ran those mms, once for the whole sweep, so the hardware
 * walks the PTEs and sets A again on the next use.  Nothing exported flushes
 * one address of another mm; a full flush on each CPU does it all (compat.h:
 * where even that is not exported, SET_CONFIG refuses the option).
 */
static void vmlab_policy_flush(struct vmlab_instance *inst)
{
	if (!(READ_ONCE(inst->flags) & VMLAB_CFG_CLOCK_FLUSH) ||
	    cpumask_empty(inst->flush_cpus))
		return;
	on_each_cpu_mask(inst->flush_cpus, vmlab_flush_local, NULL, true);
	vmlab_event_tlb(inst, VMLAB_TLB_ORIGIN_MODULE, VMLAB_TLB_REASON_CLOCK, 0,
			VMLAB_TLB_FLUSH_ALL);
	cpumask_clear(inst->flush_cpus);
}

/*
 * VMLAB_RESIDENT_YOUNG: was page @pgoff used since the last sample?  Its
 * accessed bits are tested and cleared as CLOCK's hand does; a page whose
 * write to the store is in flight is mapped nowhere and counts as unused.
 */
bool vmlab_policy_sample(struct vmlab_instance *inst, pgoff_t pgoff)
{
	struct vmlab_frame *f;

	lockdep_assert_held(&inst->lock);
	f = xa_load(&inst->pages, pgoff);
	if (!f || vmlab_frame_writing(f) || !vmlab_frame_young(inst, f))
		return false;
	if (READ_ONCE(inst->policy) == VMLAB_POLICY_BPF)
		vmlab_bpf_policy_touch(inst, f, VMLAB_REF_SAMPLED);
	return true;
}

/* After a sample: the flush CLOCK_FLUSH asks for, once for all its pages */
void vmlab_policy_sampled(struct vmlab_instance *inst)
{
	lockdep_assert_held(&inst->lock);
	vmlab_policy_flush(inst);
}

/* ------------------------------------------------------------ victims */

static struct vmlab_frame *vmlab_next_slot(struct vmlab_instance *inst)
{
	struct vmlab_frame *f;
	u32 n;

	/* the hand passes empty slots (forced evictions leave holes) */
	for (n = 0; n < inst->nr_used_slots; n++) {
		f = inst->slots[inst->hand];
		inst->hand = (inst->hand + 1) % inst->nr_used_slots;
		if (f)
			return f;
	}
	return NULL;
}

static struct vmlab_frame *vmlab_choose_clock(struct vmlab_instance *inst)
{
	struct vmlab_frame *f = NULL;
	u64 n, limit = 2ULL * inst->nr_used_slots + 1;

	for (n = 0; n < limit; n++) {
		f = vmlab_next_slot(inst);
		if (!f || !vmlab_frame_young(inst, f))
			break;
	}
	vmlab_policy_flush(inst);
	return f;
}

static struct vmlab_frame *vmlab_choose_aging(struct vmlab_instance *inst)
{
	struct vmlab_frame *f = NULL;
	u64 n, limit = 9ULL * inst->nr_used_slots + 1;

	for (n = 0; n < limit; n++) {
		f = vmlab_next_slot(inst);
		if (!f)
			break;
		f->age = (f->age >> 1) | (vmlab_frame_young(inst, f) ? 0x80 : 0);
		if (!f->age)
			break;
	}
	vmlab_policy_flush(inst);
	return f;
}

/*
 * WSClock (Carr and Hennessy): the hand clears a reference bit (or an
 * accessed bit) and stamps the page with the current virtual time; the
 * first unreferenced page older than the window is the victim if clean,
 * else its write is scheduled (it stays dirty here: the eviction writes
 * it) and the hand moves on.  After one turn with no victim, the first
 * page whose write was scheduled - the first write to finish - else the
 * first clean page, else the page the hand started at; the hand stops
 * past the victim.
 */
static struct vmlab_frame *vmlab_choose_wsclock(struct vmlab_instance *inst)
{
	struct vmlab_frame *f, *start = NULL, *sched = NULL, *clean = NULL;
	u64 tau = READ_ONCE(inst->ws_window) ?: inst->frames;
	u64 now = atomic64_read(&inst->vtime);
	bool young, dirty;
	u32 n;

	for (n = 0; n < inst->nr_used_slots; n++) {
		f = vmlab_next_slot(inst);
		if (!f)
			break;
		start = start ?: f;
		young = vmlab_frame_young(inst, f);
		/* a hit without the lock may set it meanwhile */
		if (READ_ONCE(f->referenced) || young) {
			WRITE_ONCE(f->referenced, false);
			f->last_use = now;
		}
		dirty = vmlab_frame_dirty(inst, f);
		if (now - f->last_use > tau) {
			if (!dirty)
				goto out;
			sched = sched ?: f;
		} else if (!dirty) {
			clean = clean ?: f;
		}
	}
	f = sched ?: clean ?: start;
	if (f && f->slot != VMLAB_NO_SLOT)
		inst->hand = (f->slot + 1) % inst->nr_used_slots;
out:
	vmlab_policy_flush(inst);
	return f;
}

static struct vmlab_frame *vmlab_choose_random(struct vmlab_instance *inst)
{
	struct vmlab_frame *f;
	u32 tries;

	/* the slots are full whenever the budget is: a hit is the rule */
	for (tries = 0; tries < 64; tries++) {
		f = inst->slots[prandom_u32_state(&inst->rnd) % inst->nr_used_slots];
		if (f)
			return f;
	}
	return list_first_entry_or_null(&inst->fifo, struct vmlab_frame, fifo);
}

/*
 * SIEVE: from the hand (or the oldest page) toward the newest, wrapping,
 * clear the visited bits passed and stop at the first page not visited.
 * The hand stays on it; vmlab_policy_remove() moves it past the victim.
 * It stops within one sweep: it clears what it passes.
 */
static struct vmlab_frame *vmlab_choose_sieve(struct vmlab_instance *inst)
{
	struct vmlab_frame *f = inst->sieve_hand;

	if (!f)
		f = list_first_entry(&inst->fifo, struct vmlab_frame, fifo);
	/* hits without the lock set the bits meanwhile */
	while (READ_ONCE(f->visited)) {
		WRITE_ONCE(f->visited, false);
		if (list_is_last(&f->fifo, &inst->fifo))
			f = list_first_entry(&inst->fifo, struct vmlab_frame, fifo);
		else
			f = list_next_entry(f, fifo);
	}
	inst->sieve_hand = f;
	return f;
}

/*
 * S3FIFO: while the small queue holds its share (or the main one is
 * empty), its oldest page moves to the main queue if it was hit, keeping
 * its count, or is the victim, its id joining the ghost.  Otherwise the
 * main queue's oldest page is the victim if its count is 0, or loses one
 * and goes back to the newest end.  Each page moves to the main queue once
 * a residency and each turn there takes one of its at most three hits.
 */
static struct vmlab_frame *vmlab_choose_s3fifo(struct vmlab_instance *inst)
{
	struct vmlab_frame *f;

	if (inst->nr_s3_small >= inst->s3_small_share ||
	    list_empty(&inst->s3_main)) {
		while ((f = list_first_entry_or_null(&inst->s3_small,
						     struct vmlab_frame, s3))) {
			/* hits without the lock count meanwhile */
			if (!READ_ONCE(f->freq)) {
				vmlab_ghost_add(inst, f->pgoff);
				return f;
			}
			list_move_tail(&f->s3, &inst->s3_main);
			f->s3_main = true;
			inst->nr_s3_small--;
		}
	}
	for (;;) {
		f = list_first_entry_or_null(&inst->s3_main, struct vmlab_frame, s3);
		if (!f || !READ_ONCE(f->freq))
			return f;
		WRITE_ONCE(f->freq, READ_ONCE(f->freq) - 1);
		list_move_tail(&f->s3, &inst->s3_main);
	}
}

/* The policy's victim among the resident pages, or NULL if there is none. */
struct vmlab_frame *vmlab_policy_choose(struct vmlab_instance *inst)
{
	struct vmlab_frame *f;

	lockdep_assert_held(&inst->lock);
	if (list_empty(&inst->fifo))
		return NULL;

	switch (READ_ONCE(inst->policy)) {
	case VMLAB_POLICY_RANDOM:
		if (inst->nr_used_slots)
			return vmlab_choose_random(inst);
		break;
	case VMLAB_POLICY_CLOCK:
		if (inst->nr_used_slots)
			return vmlab_choose_clock(inst);
		break;
	case VMLAB_POLICY_LRU_APPROX:
		if (inst->nr_used_slots)
			return vmlab_choose_aging(inst);
		break;
	case VMLAB_POLICY_LRU:
		return list_first_entry(&inst->lru, struct vmlab_frame, lru);
	case VMLAB_POLICY_MRU:
		return list_last_entry(&inst->lru, struct vmlab_frame, lru);
	case VMLAB_POLICY_SIEVE:
		return vmlab_choose_sieve(inst);
	case VMLAB_POLICY_S3FIFO:
		return vmlab_choose_s3fifo(inst);
	case VMLAB_POLICY_SFIFO:
		f = vmlab_choose_sfifo(inst);
		if (f)
			return f;
		break;
	case VMLAB_POLICY_TWOQ:
		f = vmlab_choose_twoq(inst);
		if (f)
			return f;
		break;
	case VMLAB_POLICY_WSCLOCK:
		if (inst->nr_used_slots)
			return vmlab_choose_wsclock(inst);
		break;
	case VMLAB_POLICY_BPF:
		/* NULL: none, or one refused; FIFO chooses */
		f = vmlab_bpf_policy_choose(inst);
		if (f)
			return f;
		break;
	}
	return list_first_entry(&inst->fifo, struct vmlab_frame, fifo);
}

/* ------------------------------------------------- VMLAB_POLICY_STATE */

/* @f's accessed bit in any mapping, not cleared; a busy mm counts as set. */
static bool vmlab_frame_accessed(struct vmlab_instance *inst,
				 struct vmlab_frame *f)
{
	return vmlab_frame_used(inst, f, false);
}

/* Entry @i of the view if it fits: the page; with @bits, use bit and age */
static void vmlab_state_put(struct vmlab_instance *inst,
			    struct vmlab_policy_entry *e, u32 room, u64 i,
			    struct vmlab_frame *f, bool bits, u32 flags)
{
	if (i >= room)
		return;
	e[i].pgoff = f->pgoff;
	e[i].flags = flags;
	e[i].age = 0;
	if (bits) {
		if (vmlab_frame_accessed(inst, f))
			e[i].flags |= VMLAB_PSTATE_USE;
		if (READ_ONCE(inst->policy) == VMLAB_POLICY_LRU_APPROX)
			e[i].age = f->age;
	}
}

/* WSCLOCK's reference bit, set by a fault since the hand last passed */
static u32 vmlab_state_mark(u32 policy, struct vmlab_frame *f)
{
	return policy == VMLAB_POLICY_WSCLOCK && f->referenced ?
	       VMLAB_PSTATE_MARK : 0;
}

/* SFIFO's or TWOQ's list @seg, each entry with @flags (and TWOQ's mark) */
static u64 vmlab_state_seg(struct vmlab_instance *inst,
			   struct vmlab_policy_entry *e, u32 room, u64 n,
			   u8 seg, u32 flags)
{
	struct vmlab_frame *f;

	list_for_each_entry(f, &inst->segs[seg], seg)
		vmlab_state_put(inst, e, room, n++, f, false, flags |
				(f->referenced && seg >= VMLAB_SEG_INACTIVE ?
				 VMLAB_PSTATE_MARK : 0));
	return n;
}

/* S3FIFO's queue @q, each entry with @flags and the page's hit counter */
static u64 vmlab_state_s3(struct vmlab_instance *inst,
			  struct vmlab_policy_entry *e, u32 room, u64 n,
			  struct list_head *q, u32 flags)
{
	struct vmlab_frame *f;

	list_for_each_entry(f, q, s3) {
		vmlab_state_put(inst, e, room, n, f, false, flags);
		if (n < room)
			e[n].age = f->freq;
		n++;
	}
	return n;
}

/*
 * The resident pages in the policy's order, for VMLAB_POLICY_STATE: up to
 * @room of them in @e, and in @st the policy, how many were written, how
 * many there are and where the hand is.  A policy not listed here is shown
 * in FIFO order.
 */
void vmlab_policy_state(struct vmlab_instance *inst,
			struct vmlab_policy_entry *e, u32 room,
			struct vmlab_policy_state *st)
{
	u32 policy = READ_ONCE(inst->policy);
	u32 i, s, hand = VMLAB_PSTATE_NO_HAND;
	struct vmlab_frame *f, *at;
	u64 n = 0;

	lockdep_assert_held(&inst->lock);
	st->policy = policy;
	st->hand = VMLAB_PSTATE_NO_HAND;
	switch (policy) {
	case VMLAB_POLICY_LRU:
	case VMLAB_POLICY_MRU:
		/* least recent first: MRU's victim is the last */
		list_for_each_entry(f, &inst->lru, lru)
			vmlab_state_put(inst, e, room, n++, f, false, 0);
		break;
	case VMLAB_POLICY_SIEVE:
		/* oldest first; a hand on no page is at the oldest */
		at = inst->sieve_hand ?:
		     list_first_entry_or_null(&inst->fifo, struct vmlab_frame,
					      fifo);
		list_for_each_entry(f, &inst->fifo, fifo) {
			if (f == at && n < room)
				st->hand = n;
			vmlab_state_put(inst, e, room, n++, f, false,
					f->visited ? VMLAB_PSTATE_MARK : 0);
		}
		break;
	case VMLAB_POLICY_S3FIFO:
		n = vmlab_state_s3(inst, e, room, n, &inst->s3_small, 0);
		n = vmlab_state_s3(inst, e, room, n, &inst->s3_main,
				   VMLAB_PSTATE_MAIN);
		break;
	case VMLAB_POLICY_SFIFO:
		n = vmlab_state_seg(inst, e, room, n, VMLAB_SEG_FIFO, 0);
		n = vmlab_state_seg(inst, e, room, n, VMLAB_SEG_CLEAN,
				    VMLAB_PSTATE_CLEAN);
		n = vmlab_state_seg(inst, e, room, n, VMLAB_SEG_DIRTY,
				    VMLAB_PSTATE_DIRTY);
		break;
	case VMLAB_POLICY_TWOQ:
		n = vmlab_state_seg(inst, e, room, n, VMLAB_SEG_INACTIVE, 0);
		n = vmlab_state_seg(inst, e, room, n, VMLAB_SEG_ACTIVE,
				    VMLAB_PSTATE_ACTIVE);
		break;
	case VMLAB_POLICY_CLOCK:
	case VMLAB_POLICY_LRU_APPROX:
	case VMLAB_POLICY_RANDOM:
	case VMLAB_POLICY_WSCLOCK:
		if (!inst->nr_slots)
			goto fifo;
		/* by slot from 0; the hand's slot is the next one it examines */
		for (i = 0; i < inst->nr_used_slots; i++) {
			s = (inst->hand + i) % inst->nr_used_slots;
			if (inst->slots[s] && policy != VMLAB_POLICY_RANDOM) {
				hand = s;
				break;
			}
		}
		for (s = 0; s < inst->nr_used_slots; s++) {
			f = inst->slots[s];
			if (!f)
				continue;
			if (s == hand && n < room)
				st->hand = n;
			vmlab_state_put(inst, e, room, n++, f,
					policy != VMLAB_POLICY_RANDOM,
					vmlab_state_mark(policy, f));
		}
		list_for_each_entry(f, &inst->spill, spill)
			vmlab_state_put(inst, e, room, n++, f,
					policy != VMLAB_POLICY_RANDOM,
					VMLAB_PSTATE_SPILL |
					vmlab_state_mark(policy, f));
		break;
	default:
fifo:
		list_for_each_entry(f, &inst->fifo, fifo)
			vmlab_state_put(inst, e, room, n++, f, false, 0);
		break;
	}
	st->resident = n;
	st->count = min_t(u64, n, room);
}

/* --------------------------------------------------------------- the VMAs */

int vmlab_vma_track(struct vmlab_instance *inst, struct vm_area_struct *vma)
{
	struct vmlab_vma_link *link;

	link = kmalloc(sizeof(*link), GFP_KERNEL_ACCOUNT);
	if (!link)
		return -ENOMEM;
	link->vma = vma;
	spin_lock(&inst->vma_lock);
	list_add(&link->node, &inst->vmas);
	spin_unlock(&inst->vma_lock);
	return 0;
}

void vmlab_vma_untrack(struct vmlab_instance *inst, struct vm_area_struct *vma)
{
	struct vmlab_vma_link *link, *found = NULL;

	spin_lock(&inst->vma_lock);
	list_for_each_entry(link, &inst->vmas, node) {
		if (link->vma == vma) {
			list_del(&link->node);
			found = link;
			break;
		}
	}
	spin_unlock(&inst->vma_lock);
	kfree(found);
}
