// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - eviction and the software TLB.
 *
 * Evicting a page: lock it (a racing ->page_mkwrite then sees it gone),
 * unmap it from every process with one unmap_mapping_range() on the
 * instance's address_space (the zap moves PTE dirty bits into the page and
 * flushes the TLBs of every CPU running those mms), hand it to the store,
 * and free the frame.  If the store fails, the page stays resident.
 *
 * A page the backing file must get is written with no vmlab lock and no
 * mmap lock held (store.c says why): it is marked busy, stays in the
 * instance's xarray, and a fault on it meanwhile takes it back (a rescue)
 * rather than wait for a write that may need a lock the faulting task holds.
 *
 * The software TLB keeps at most tlb_window resident pages mapped; mapping
 * one more unmaps the oldest, which stays resident: touching it again is a
 * soft fault.  With a window of one page the kernel sees every change of
 * page, which is what exact LRU needs.
 *
 * The instance lock is held throughout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "trace.h"
#include "vmlab.h"

void vmlab_tlb_module(struct vmlab_instance *inst, u32 reason, u64 start,
		      u64 pages)
{
	struct vmlab_event ev;

	atomic64_inc(&inst->stats.tlb_module);
	trace_vmlab_tlb_flush(inst->id, VMLAB_TLB_MODULE, reason, start, pages);
	if (!vmlab_wants(inst, VMLAB_EV_TLB))
		return;
	vmlab_event_init(&ev, VMLAB_EV_TLB);
	ev.tlb.origin = VMLAB_TLB_MODULE;
	ev.tlb.reason = reason;
	ev.tlb.start = start;
	ev.tlb.pages = pages;
	vmlab_emit(inst, &ev);
}

/* Unmap @f from every process; a flush is reported if a PTE was present. */
static void vmlab_unmap_frame(struct vmlab_instance *inst, struct vmlab_frame *f,
			      u32 reason)
{
	bool mapped = page_mapped(f->page);

	unmap_mapping_range(inst->inode->i_mapping, (loff_t)f->pgoff << PAGE_SHIFT,
			    PAGE_SIZE, 1);
	if (!list_empty(&f->win)) {
		list_del_init(&f->win);
		inst->nr_win--;
	}
	if (mapped)
		vmlab_tlb_module(inst, reason, f->pgoff, 1);
}

static void vmlab_evict_event(struct vmlab_instance *inst, pgoff_t pgoff,
			      int action, u32 reason, u64 t0)
{
	u64 latency = ktime_get_ns() - t0;
	u32 policy = READ_ONCE(inst->policy);
	int error = action < 0 ? action : 0;
	struct vmlab_event ev;

	trace_vmlab_evict(inst->id, pgoff, policy, action < 0 ? 0 : action,
			  reason, error, latency);
	if (!vmlab_wants(inst, VMLAB_EV_EVICT))
		return;
	vmlab_event_init(&ev, VMLAB_EV_EVICT);
	ev.evict.pgoff = pgoff;
	ev.evict.latency_ns = latency;
	ev.evict.policy = policy;
	ev.evict.action = action < 0 ? 0 : action;
	ev.evict.reason = reason;
	ev.evict.error = error;
	vmlab_emit(inst, &ev);
}

/* @f leaves the instance; its page goes to the store or is freed. */
static void vmlab_evict_finish(struct vmlab_instance *inst, struct vmlab_frame *f,
			       int action)
{
	struct page *page = f->page;

	vmlab_xa_vacate(&inst->pages, f->pgoff, f);
	atomic64_dec(&inst->nr_resident);
	atomic64_inc(&inst->stats.evictions);
	page->mapping = NULL;
	ClearPageDirty(page);
	if (action == VMLAB_EVICT_WRITE || action == VMLAB_EVICT_DROP)
		vmlab_page_release(page);
	vmlab_frame_free(f);
}

/*
 * Evict resident page @f, the instance lock held: 0, or -errno with @f
 * still resident.  A dirty page the backing file must get is, when
 * @may_write, only unmapped and marked busy: VMLAB_EVICT_PENDING tells the
 * caller to drop its locks and call vmlab_evict_write().
 */
int vmlab_evict(struct vmlab_instance *inst, struct vmlab_frame *f, u32 reason,
		bool may_write)
{
	struct page *page = f->page;
	u64 t0 = ktime_get_ns();
	int action;

	lock_page(page);
	vmlab_unmap_frame(inst, f, VMLAB_TLB_EVICT);
	action = vmlab_store_out(inst, f, PageDirty(page), may_write);
	if (action < 0) {
		unlock_page(page);
		vmlab_evict_event(inst, f->pgoff, action, reason, t0);
		return action;
	}
	vmlab_policy_remove(inst, f);
	/* under the page lock: ->page_mkwrite checks it there */
	page->mapping = NULL;
	if (action == VMLAB_EVICT_WRITE) {
		/* stays in the xarray: a fault on it takes it back */
		ClearPageDirty(page);
		unlock_page(page);
		f->busy = true;
		f->rescued = false;
		inst->nr_busy++;
		return VMLAB_EVICT_PENDING;
	}
	unlock_page(page);
	vmlab_evict_event(inst, f->pgoff, action, reason, t0);
	vmlab_evict_finish(inst, f, action);
	return 0;
}

/*
 * Write busy @f to the backing file with no lock held, then finish its
 * eviction.  If a fault took it back meanwhile it stays resident; if the
 * write failed it stays resident and dirty.  0 or -errno.
 */
int vmlab_evict_write(struct vmlab_instance *inst, struct vmlab_frame *f,
		      u32 reason)
{
	struct page *page = f->page;
	pgoff_t pgoff = f->pgoff;
	u64 t0 = ktime_get_ns();
	struct file *file;
	int ret;

	mutex_lock(&inst->lock);
	file = get_file(inst->backing);
	mutex_unlock(&inst->lock);
	ret = vmlab_store_write(inst, file, page, pgoff);
	fput(file);

	mutex_lock(&inst->lock);
	vmlab_store_written(inst, pgoff, ret);
	inst->nr_busy--;
	wake_up_all(&inst->busy_wait);
	if (f->rescued) {
		/*
		 * Resident again; the copy in the file is good while clean.
		 * Only now may the policy choose it: one write at a time.
		 */
		f->rescued = false;
		vmlab_policy_add(inst, f);
	} else if (ret) {
		f->busy = false;
		page->mapping = inst->inode->i_mapping;
		SetPageDirty(page);
		vmlab_policy_add(inst, f);
	} else {
		vmlab_evict_finish(inst, f, VMLAB_EVICT_WRITE);
	}
	mutex_unlock(&inst->lock);
	vmlab_evict_event(inst, pgoff, ret ? ret : VMLAB_EVICT_WRITE, reason, t0);
	return ret;
}

/*
 * A fault found @f busy: take it back.  Its write finishes on its own and
 * then gives the frame back to the policy (vmlab_evict_write()).
 */
void vmlab_evict_rescue(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	f->page->mapping = inst->inode->i_mapping;
	f->busy = false;
	f->rescued = true;
}

/*
 * Keep the frame budget before a page comes in: evict the policy's victim
 * when the budget is used up.  0 when there is room (or, with every
 * resident page busy being written, when the caller may not wait: the
 * budget is then exceeded by those pages until they are written), -errno,
 * VMLAB_EVICT_PENDING with *@pending to write, or -EAGAIN when the caller
 * should wait for a busy page and retry.
 */
int vmlab_make_room(struct vmlab_instance *inst, bool may_write,
		    struct vmlab_frame **pending)
{
	struct vmlab_frame *victim;
	int ret;

	if (!inst->frames || atomic64_read(&inst->nr_resident) < inst->frames)
		return 0;
	victim = vmlab_policy_choose(inst);
	if (!victim)
		return inst->nr_busy && may_write ? -EAGAIN : 0;
	ret = vmlab_evict(inst, victim, VMLAB_EVICT_BUDGET, may_write);
	if (ret == VMLAB_EVICT_PENDING)
		*pending = victim;
	return ret;
}

/* @f is being mapped: it enters the software TLB, the oldest page leaves. */
void vmlab_window_add(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	struct vmlab_frame *old;

	if (!inst->tlb_window || !list_empty(&f->win))
		return;
	list_add_tail(&f->win, &inst->win);
	inst->nr_win++;
	while (inst->nr_win > inst->tlb_window) {
		old = list_first_entry(&inst->win, struct vmlab_frame, win);
		vmlab_unmap_frame(inst, old, VMLAB_TLB_WINDOW);
		old->window_unmapped = true;
	}
}

/* ------------------------------------------------------------- the VMAs */

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
