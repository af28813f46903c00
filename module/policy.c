// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - replacement policies: which resident page to evict.
 *
 * Every resident page has a frame, kept in all the policies' structures at
 * once so the policy can change at any time:
 *   fifo   list in load order (FIFO; SIEVE's queue, oldest first)
 *   lru    list in order of the last fault on the page (LRU, MRU; kept
 *          while one of them is the policy)
 *   slots  array of frames a clock hand sweeps (CLOCK, LRU_APPROX, RANDOM)
 *   s3     S3FIFO's small or main queue, oldest first
 * and the per-page state of each: the aging counter, SIEVE's visited bit,
 * S3FIFO's hit counter (both kept whatever the policy).
 * A frame that replaces a victim takes the victim's slot, as in a textbook
 * clock.  The array has one slot per frame of the budget; a page admitted
 * past the budget (every other one pinned, see evict.c) waits on the spill
 * list for the next slot to free.  Work per fault is O(1) amortized and
 * independent of region size: a CLOCK hand clears what it passes, so it
 * stops within two sweeps; an aging hand halves what it passes, so within
 * nine; SIEVE's hand clears visited bits, each set by a hit; S3FIFO moves a
 * page from its small queue to its main queue once a residency, and each
 * turn in the main queue takes one of the page's at most three hits.
 *
 * What a switch to a policy starts from: FIFO and SIEVE, load order (SIEVE
 * with the visited bits of the hits since the load or since its hand last
 * passed, and its hand where it last stopped); LRU and MRU, the order of
 * the last faults while one of them was the policy, load order before;
 * S3FIFO, its queues as they are: pages loaded under another policy are
 * in the small queue (or the main one, if the ghost had them), with their
 * hits counted, and only S3FIFO's own victims enter the ghost.
 *
 * A hit is a fault on a resident page (vmlab_policy_touch()): with the
 * software TLB window of one page, every reference but an immediate repeat
 * of the same page.  Without the window a page is seen once a residency.
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
	if (!zalloc_cpumask_var(&inst->flush_cpus, GFP_KERNEL_ACCOUNT))
		return -ENOMEM;
	INIT_LIST_HEAD(&inst->fifo);
	INIT_LIST_HEAD(&inst->lru);
	INIT_LIST_HEAD(&inst->spill);
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
 * the hand; S3FIFO's main queue if the ghost had it, else its small queue.
 */
void vmlab_policy_add(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	struct vmlab_ghost *g;

	lockdep_assert_held(&inst->lock);
	list_add_tail(&f->fifo, &inst->fifo);
	list_add_tail(&f->lru, &inst->lru);
	f->age = 0;
	f->visited = false;
	f->freq = 0;
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
	/* SIEVE's hand moves on to the next newer page, or to the oldest */
	if (inst->sieve_hand == f)
		inst->sieve_hand = list_is_last(&f->fifo, &inst->fifo) ? NULL :
				   list_next_entry(f, fifo);
	list_del(&f->fifo);
	list_del(&f->lru);
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
 * A fault hit @f, resident already: SIEVE's visited bit and S3FIFO's
 * counter (kept whatever the policy: both are O(1)), and the most recently
 * used page now.  Only LRU and MRU read that order, so it is kept while
 * one of them is the policy: a switch to them starts from load order.
 */
void vmlab_policy_touch(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	u32 policy = READ_ONCE(inst->policy);

	lockdep_assert_held(&inst->lock);
	/* a frame whose write is in flight rejoins the policy after it */
	if (vmlab_frame_writing(f))
		return;
	f->visited = true;
	if (f->freq < 3)
		f->freq++;
	if (policy == VMLAB_POLICY_LRU || policy == VMLAB_POLICY_MRU)
		list_move_tail(&f->lru, &inst->lru);
}

/* ------------------------------------------------------- accessed bits */

static void vmlab_flush_local(void *info)
{
	vmlab_flush_tlb_local();
}

/*
 * Test and clear the accessed bit of @f's PTE in every mapping.  x86 sets
 * A in the PTE when the hardware walks it; this clears it as Linux does,
 * without a flush (see vmlab_policy_flush()).
 */
static bool vmlab_frame_young(struct vmlab_instance *inst, struct vmlab_frame *f)
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
		if (f->pgoff >= vma->vm_pgoff &&
		    f->pgoff < vma->vm_pgoff + vma_pages(vma)) {
			addr = vma->vm_start +
			       ((f->pgoff - vma->vm_pgoff) << PAGE_SHIFT);
			/*
			 * Not a VMA munmap() took out of the tree and has not
			 * closed yet: its page tables may be being freed.
			 */
			if (find_vma(mm, addr) == vma &&
			    vmlab_pte_test_and_clear_young(mm, addr)) {
				young = true;
				cpumask_or(inst->flush_cpus, inst->flush_cpus,
					   mm_cpumask(mm));
			}
		}
		mmap_read_unlock(mm);
	}
	spin_unlock(&inst->vma_lock);
	return young;
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
	while (f->visited) {
		f->visited = false;
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
			if (!f->freq) {
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
		if (!f || !f->freq)
			return f;
		f->freq--;
		list_move_tail(&f->s3, &inst->s3_main);
	}
}

/* The policy's victim among the resident pages, or NULL if there is none. */
struct vmlab_frame *vmlab_policy_choose(struct vmlab_instance *inst)
{
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
	}
	return list_first_entry(&inst->fifo, struct vmlab_frame, fifo);
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
