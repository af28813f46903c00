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
 * The software TLB keeps at most tlb_window resident pages mapped; mapping
 * one more unmaps the oldest, which stays resident: touching it again is a
 * soft fault.  With a window of one page the kernel sees every change of
 * page, which is what exact LRU needs.
 *
 * The instance lock is held throughout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

/* Evict resident page @f; 0, or -errno with @f still resident. */
int vmlab_evict(struct vmlab_instance *inst, struct vmlab_frame *f, u32 reason)
{
	struct page *page = f->page;
	pgoff_t pgoff = f->pgoff;
	u64 t0 = ktime_get_ns();
	int action;

	lock_page(page);
	vmlab_unmap_frame(inst, f, VMLAB_TLB_EVICT);
	action = vmlab_store_out(inst, f, PageDirty(page));
	if (action < 0) {
		unlock_page(page);
		vmlab_evict_event(inst, pgoff, action, reason, t0);
		return action;
	}

	vmlab_policy_remove(inst, f);
	xa_erase(&inst->pages, pgoff);
	atomic64_dec(&inst->nr_resident);
	atomic64_inc(&inst->stats.evictions);
	page->mapping = NULL;
	ClearPageDirty(page);
	unlock_page(page);
	if (action == VMLAB_EVICT_WRITE || action == VMLAB_EVICT_DROP)
		vmlab_page_release(page);
	vmlab_frame_free(f);
	vmlab_evict_event(inst, pgoff, action, reason, t0);
	return 0;
}

/* Evict the policy's victim if the frame budget is used up. */
int vmlab_make_room(struct vmlab_instance *inst)
{
	struct vmlab_frame *victim;

	if (!inst->frames || atomic64_read(&inst->nr_resident) < inst->frames)
		return 0;
	victim = vmlab_policy_choose(inst);
	if (!victim)
		return -ENOMEM;
	return vmlab_evict(inst, victim, VMLAB_EVICT_BUDGET);
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
