// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - pages and frames: every page an instance holds is allocated,
 * accounted and released here, and a resident page's frame enters and
 * leaves the instance's xarray here.
 *
 * A page is zeroed and charged to the faulting task's memcg
 * (__GFP_ACCOUNT); all instances together hold at most max_pages.  A
 * resident page carries ->mapping and ->index (its folio's: struct page
 * lost both after 6.1) like a page-cache page, so the core installs it with
 * the file rmap and unmap_mapping_range() finds it; the allocator calls a
 * page with ->mapping set a "Bad page", so it is cleared before the last
 * put_page().
 *
 * Frames come from the instance's own pool, not a slab cache: a free list
 * of the frames given back, else the next frame never taken of the newest
 * chunk of VMLAB_FRAME_CHUNK frames; chunks stay with the instance until
 * it ends.  A miss then allocates nothing but its page once
 * the instance has held that many pages at once (a frame budget bounds
 * them), and one chunk every VMLAB_FRAME_CHUNK new frames before.  The
 * pool has a spinlock of its own, as a miss without the instance lock
 * takes frames too.
 *
 * Such a miss (fault.c) publishes its frame in the xarray where the slot
 * is empty and the store has no copy of the page, and queues it, lock-free,
 * for the policy: the instance lock's next holder puts it there
 * (vmlab_lock()).  Changes of config stop these misses first
 * (vmlab_misses_lock()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vmlab.h"

unsigned long vmlab_max_pages = 131072;
module_param_named(max_pages, vmlab_max_pages, ulong, 0644);
MODULE_PARM_DESC(max_pages, "Pages all instances together may hold (default 131072, 512 MiB)");

atomic_long_t vmlab_nr_pages = ATOMIC_LONG_INIT(0);

/* Frames allocated together, freed when the instance ends */
struct vmlab_frame_chunk {
	struct list_head node;		/* on vmlab_instance.frame_chunks */
	struct vmlab_frame f[VMLAB_FRAME_CHUNK];
};

/* A zeroed page charged to the caller's memcg, within max_pages. */
struct page *vmlab_page_alloc(struct vmlab_instance *inst)
{
	struct page *page;

	if (atomic_long_inc_return(&vmlab_nr_pages) > READ_ONCE(vmlab_max_pages))
		goto undo_count;
	page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
	if (!page)
		goto undo_count;
	vmlab_count(inst, VMLAB_CNT_PAGES_ALLOCATED);
	return page;

undo_count:
	atomic_long_dec(&vmlab_nr_pages);
	return NULL;
}

/* Drop the instance's reference to a page it allocated. */
void vmlab_page_release(struct page *page)
{
	/* a page with ->mapping set is a "Bad page" to the allocator */
	page_folio(page)->mapping = NULL;
	folio_clear_dirty(page_folio(page));
	put_page(page);
	atomic_long_dec(&vmlab_nr_pages);
}

void vmlab_frames_init(struct vmlab_instance *inst)
{
	INIT_LIST_HEAD(&inst->frame_chunks);
	INIT_LIST_HEAD(&inst->frame_free);
	spin_lock_init(&inst->frame_lock);
	init_llist_head(&inst->admitting);
	inst->misses_unlocked = true;
}

/* Another chunk of frames, charged to the caller's memcg */
static int vmlab_frames_grow(struct vmlab_instance *inst)
{
	struct vmlab_frame_chunk *c;

	c = kvmalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	spin_lock(&inst->frame_lock);
	/* a racing grow's frames never taken are lost to the pool: rare */
	list_add(&c->node, &inst->frame_chunks);
	inst->frame_fresh = VMLAB_FRAME_CHUNK;
	spin_unlock(&inst->frame_lock);
	return 0;
}

/* A frame from the pool, or NULL if it needs another chunk */
static struct vmlab_frame *vmlab_frame_take(struct vmlab_instance *inst)
{
	struct vmlab_frame_chunk *c;
	struct vmlab_frame *f;

	lockdep_assert_held(&inst->frame_lock);
	f = list_first_entry_or_null(&inst->frame_free, struct vmlab_frame, fifo);
	if (f) {
		list_del(&f->fifo);
		return f;
	}
	if (!inst->frame_fresh)
		return NULL;
	c = list_first_entry(&inst->frame_chunks, struct vmlab_frame_chunk, node);
	return &c->f[VMLAB_FRAME_CHUNK - inst->frame_fresh--];
}

/*
 * A free frame for @page at @pgoff, resident (or @state) but in no
 * structure yet.  With or without the instance lock: the pool has its own.
 */
struct vmlab_frame *vmlab_frame_alloc(struct vmlab_instance *inst,
				      struct page *page, pgoff_t pgoff,
				      enum vmlab_frame_state state)
{
	struct vmlab_frame *f;

	spin_lock(&inst->frame_lock);
	f = vmlab_frame_take(inst);
	while (!f) {
		spin_unlock(&inst->frame_lock);
		if (vmlab_frames_grow(inst))
			return NULL;
		spin_lock(&inst->frame_lock);
		f = vmlab_frame_take(inst);
	}
	spin_unlock(&inst->frame_lock);
	memset(f, 0, sizeof(*f));
	f->page = page;
	f->pgoff = pgoff;
	f->slot = VMLAB_NO_SLOT;
	f->state = state;
	INIT_LIST_HEAD(&f->window);
	INIT_LIST_HEAD(&f->spill);
	INIT_LIST_HEAD(&f->seg);
	return f;
}

/* Back to the pool, the first to be taken again: its cache lines are warm. */
void vmlab_frame_free(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	spin_lock(&inst->frame_lock);
	list_add(&f->fifo, &inst->frame_free);
	spin_unlock(&inst->frame_lock);
}

/* @f's page takes the instance's mapping and @f's index. */
static void vmlab_frame_own(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	struct folio *folio = page_folio(f->page);

	folio->mapping = inst->inode->i_mapping;
	folio->index = f->pgoff;
}

/*
 * A frame of the budget for a page about to be resident: nr_resident goes
 * up unless it reached the budget.  Without a budget, always.  Misses with
 * and without the instance lock reserve so, so that between them they
 * never pass the budget unless vmlab_make_room() said they may.
 */
static bool vmlab_frames_reserve(struct vmlab_instance *inst)
{
	u64 frames = READ_ONCE(inst->frames);
	s64 resident = atomic64_read(&inst->nr_resident);

	do {
		if (frames && resident >= frames)
			return false;
	} while (!atomic64_try_cmpxchg(&inst->nr_resident, &resident,
				       resident + 1));
	return true;
}

/*
 * Store @f in the xarray if its slot is empty (a vacated slot counts as
 * empty: xa_cmpxchg() and xa_insert() would not store over it) and, for a
 * zero-fill without the instance lock (@fresh), if the store has no copy
 * of the page either.  Both are read under the xarray's lock: an eviction
 * puts its page in the store before it vacates the slot under that lock,
 * and a swap-in occupies the slot before it takes the page out of the
 * store (store.c), so a page with contents is always in one of the two.
 * 0, -EEXIST, or -ENOMEM.
 */
static int vmlab_frame_occupy(struct vmlab_instance *inst,
			      struct vmlab_frame *f, bool fresh, gfp_t gfp)
{
	XA_STATE(xas, &inst->pages, f->pgoff);
	void *curr;

	do {
		xas_lock(&xas);
		curr = xas_load(&xas);
		if ((curr && !xa_is_zero(curr)) ||
		    (fresh && atomic64_read(&inst->store_pages) &&
		     vmlab_store_has(inst, f->pgoff))) {
			xas_unlock(&xas);
			return -EEXIST;
		}
		xas_store(&xas, f);
		xas_unlock(&xas);
	} while (xas_nomem(&xas, gfp));
	return xas_error(&xas);
}

/*
 * Make @f's page resident: in a frame of the budget (or past it if @past),
 * in the xarray, with the instance's mapping.  Misses with and without the
 * instance lock (@fresh: a zero-fill without it) place their frames so.
 * -EAGAIN: the budget has no free frame (a miss without the lock took the
 * last); -EEXIST: another fault made the page resident first, or (@fresh)
 * the store has its contents; -ENOMEM.
 */
static int vmlab_frame_place(struct vmlab_instance *inst,
			     struct vmlab_frame *f, bool past, bool fresh)
{
	int ret;

	if (past)
		atomic64_inc(&inst->nr_resident);
	else if (!vmlab_frames_reserve(inst))
		return -EAGAIN;
	vmlab_frame_own(inst, f);
	ret = vmlab_frame_occupy(inst, f, fresh, fresh ?
				 GFP_NOWAIT | __GFP_ACCOUNT : GFP_KERNEL_ACCOUNT);
	if (ret) {
		page_folio(f->page)->mapping = NULL;
		atomic64_dec(&inst->nr_resident);
	}
	return ret;
}

/* A miss under the instance lock: vmlab_frame_place(). */
int vmlab_frame_insert(struct vmlab_instance *inst, struct vmlab_frame *f,
		       bool past)
{
	lockdep_assert_held(&inst->lock);
	return vmlab_frame_place(inst, f, past, false);
}

/*
 * A zero-fill without the instance lock (fault.c): make the ADMITTING
 * frame @f, whose new page the caller holds locked, resident if the page
 * is missing and the store has no copy of it, and queue it for the policy.
 * Under rcu_read_lock(), which vmlab_misses_lock() waits for: no
 * allocation that sleeps.  0 or vmlab_frame_place()'s -errno.
 */
int vmlab_frame_publish(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	int ret;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "publish outside RCU");
	ret = vmlab_frame_place(inst, f, false, true);
	if (!ret)
		llist_add(&f->admit, &inst->admitting);
	return ret;
}

/*
 * The frames misses made resident without the instance lock join the
 * policy, in the order their faults queued them.  Every holder of the
 * instance lock drains the queue as it takes the lock (vmlab_lock()), so
 * under the lock every resident frame is in the policy, but for one a
 * fault published and has not yet queued.
 */
static void vmlab_admit_drain(struct vmlab_instance *inst)
{
	struct llist_node *queued;
	struct vmlab_frame *f, *next;

	lockdep_assert_held(&inst->lock);
	if (llist_empty(&inst->admitting))
		return;
	queued = llist_reverse_order(llist_del_all(&inst->admitting));
	llist_for_each_entry_safe(f, next, queued, admit) {
		vmlab_policy_admit(inst, f);
		/* the fault that loaded it is a reference to WSCLOCK */
		if (READ_ONCE(inst->policy) == VMLAB_POLICY_WSCLOCK)
			f->referenced = true;
		WRITE_ONCE(f->state, VMLAB_FRAME_RESIDENT);
	}
}

/* Take the instance lock; every resident page is then in the policy. */
void vmlab_lock(struct vmlab_instance *inst)
{
	mutex_lock(&inst->lock);
	vmlab_admit_drain(inst);
}

/*
 * No misses without the instance lock while a change of config is made:
 * a miss that saw them allowed has published its frame, or failed to, once
 * a grace period has passed, and the drain puts it in the policy.  So no
 * miss in flight takes a frame of a budget it did not see.
 * vmlab_misses_unlock() allows them again.
 */
void vmlab_misses_lock(struct vmlab_instance *inst)
{
	lockdep_assert_held(&inst->lock);
	if (!inst->misses_unlocked)
		return;
	WRITE_ONCE(inst->misses_unlocked, false);
	if (!inst->mapped)
		return;
	synchronize_rcu();
	vmlab_admit_drain(inst);
}

void vmlab_misses_unlock(struct vmlab_instance *inst)
{
	lockdep_assert_held(&inst->lock);
	WRITE_ONCE(inst->misses_unlocked, true);
}

/*
 * @f's page is resident no more; the caller frees the frame.  If it has
 * contents, the store holds them already (vmlab_frame_occupy()).
 */
void vmlab_frame_remove(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	lockdep_assert_held(&inst->lock);
	vmlab_xa_vacate(&inst->pages, f->pgoff, f);
	atomic64_dec(&inst->nr_resident);
}

/* Free every resident page and every frame; no VMA maps the instance. */
void vmlab_pages_free(struct vmlab_instance *inst)
{
	struct vmlab_frame_chunk *c, *next;
	struct vmlab_frame *f;
	unsigned long idx;

	xa_for_each(&inst->pages, idx, f) {
		vmlab_page_release(f->page);
		atomic64_dec(&inst->nr_resident);
	}
	xa_destroy(&inst->pages);
	list_for_each_entry_safe(c, next, &inst->frame_chunks, node)
		kvfree(c);
	INIT_LIST_HEAD(&inst->frame_chunks);
	INIT_LIST_HEAD(&inst->frame_free);
	inst->frame_fresh = 0;
}

void vmlab_page_exit(void)
{
	WARN_ON(atomic_long_read(&vmlab_nr_pages));
}
