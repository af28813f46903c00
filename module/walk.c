// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - page-table walks: one address translated level by level.
 *
 * A fault's walk must show the PTE the core installs after ->fault returns,
 * so it is deferred with task_work to the faulting task's return to user
 * space: by then the page is mapped, and the task is still the one that
 * faulted.
 *
 * Walks run with the mmap lock held for reading and inside an RCU read-side
 * section, as pte_offset_map() does (which vmlab cannot call: since 6.5 it
 * calls the unexported __pte_offset_map()).  Upper tables are freed only
 * under the mmap write lock; a PTE table may be freed under the read lock
 * since 6.5 (khugepaged's collapse), but only after a grace period
 * (pte_free_defer()), so the table a PMD value read in the section names
 * stays a page table until the section ends.  Every entry is read once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "trace.h"
#include "vmlab.h"

static void vmlab_walk_set(struct vmlab_walk *w, unsigned int level,
			   unsigned long index, u64 entry, bool pfn_visible)
{
	w->index[level] = index;
	w->entry[level] = pfn_visible ? entry : entry & ~VMLAB_PTE_PFN_MASK;
	w->depth = level + 1;
}

/*
 * A leaf maps @addr.  The core's pte_present() is also true for PROT_NONE
 * entries, which have the hardware's present bit clear and their frame bits
 * inverted: @flags (the entry's) tells them apart.
 */
static void vmlab_walk_leaf(struct vmlab_walk *w, unsigned long pfn,
			    unsigned long addr, bool huge, u64 flags,
			    bool pfn_visible)
{
	w->flags |= huge ? VMLAB_WALK_HUGE : 0;
	if (!(flags & _PAGE_PRESENT)) {
		w->flags |= VMLAB_WALK_PROTNONE;
		return;
	}
	w->flags |= VMLAB_WALK_MAPPED;
	if (!pfn_visible)
		return;
	w->pfn = pfn;
	w->phys = ((u64)pfn << PAGE_SHIFT) | (addr & ~PAGE_MASK);
}

/*
 * Walk @addr in @mm; the caller holds its mmap lock.  Entries are read once
 * each, as the hardware walker would; PFNs only when @pfn_visible.
 */
void vmlab_walk_mm(struct mm_struct *mm, unsigned long addr,
		   struct vmlab_walk *w, bool pfn_visible)
{
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t pte;

	rcu_read_lock();
	pgdp = pgd_offset(mm, addr);
	pgd = READ_ONCE(*pgdp);
	vmlab_walk_set(w, VMLAB_PGD, pgd_index(addr), pgd_val(pgd), pfn_visible);
	if (pgd_none(pgd) || pgd_bad(pgd))
		goto out;

	p4dp = p4d_offset(pgdp, addr);
	p4d = READ_ONCE(*p4dp);
	vmlab_walk_set(w, VMLAB_P4D, p4d_index(addr), p4d_val(p4d), pfn_visible);
	if (p4d_none(p4d) || p4d_bad(p4d))
		goto out;

	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	vmlab_walk_set(w, VMLAB_PUD, pud_index(addr), pud_val(pud), pfn_visible);
	if (pud_none(pud) || !pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		vmlab_walk_leaf(w, pud_pfn(pud) + ((addr & ~PUD_MASK) >> PAGE_SHIFT),
				addr, true, pud_flags(pud), pfn_visible);
		goto out;
	}

	pmdp = pmd_offset(pudp, addr);
	pmd = READ_ONCE(*pmdp);
	vmlab_walk_set(w, VMLAB_PMD, pmd_index(addr), pmd_val(pmd), pfn_visible);
	if (pmd_none(pmd) || !pmd_present(pmd))
		goto out;
	if (pmd_leaf(pmd)) {
		vmlab_walk_leaf(w, pmd_pfn(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT),
				addr, true, pmd_flags(pmd), pfn_visible);
		goto out;
	}

	pte = ptep_get(pte_offset_kernel(&pmd, addr));
	vmlab_walk_set(w, VMLAB_PTE, pte_index(addr), pte_val(pte), pfn_visible);
	if (pte_present(pte))
		vmlab_walk_leaf(w, pte_pfn(pte), addr, false, pte_flags(pte),
				pfn_visible);
out:
	rcu_read_unlock();
}

/*
 * Test and clear the accessed bit of the PTE that maps @addr in @mm, the
 * mmap lock held for reading: what ptep_test_and_clear_young() does on x86,
 * an atomic bit operation, so neither the hardware setting A nor a racing
 * zap needs the PTE lock against it.  False when no PTE maps @addr.
 */
bool vmlab_pte_test_and_clear_young(struct mm_struct *mm, unsigned long addr)
{
	bool young = false;
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *ptep;

	rcu_read_lock();
	pgdp = pgd_offset(mm, addr);
	pgd = READ_ONCE(*pgdp);
	if (pgd_none(pgd) || pgd_bad(pgd))
		goto out;
	p4dp = p4d_offset(pgdp, addr);
	p4d = READ_ONCE(*p4dp);
	if (p4d_none(p4d) || p4d_bad(p4d))
		goto out;
	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud) || !pud_present(pud) || pud_leaf(pud))
		goto out;
	pmdp = pmd_offset(pudp, addr);
	pmd = READ_ONCE(*pmdp);
	if (pmd_none(pmd) || !pmd_present(pmd) || pmd_leaf(pmd))
		goto out;
	ptep = pte_offset_kernel(&pmd, addr);
	if (pte_present(ptep_get(ptep)))
		young = test_and_clear_bit(_PAGE_BIT_ACCESSED,
					   (unsigned long *)&ptep->pte);
out:
	rcu_read_unlock();
	return young;
}

struct vmlab_walk_work {
	struct callback_head cb;
	struct file *file;		/* keeps the instance, and the module */
	struct mm_struct *mm;
	struct vmlab_event ev;
};

static struct kmem_cache *vmlab_walk_cache;

static void vmlab_walk_work_fn(struct callback_head *cb)
{
	struct vmlab_walk_work *work = container_of(cb, struct vmlab_walk_work, cb);
	struct vmlab_instance *inst = work->file->private_data;
	struct vmlab_ev_fault *f = &work->ev.fault;
	struct vmlab_walk w = { };
	int i;

	/* the mm may be gone when the task is exiting */
	if (mmget_not_zero(work->mm)) {
		mmap_read_lock(work->mm);
		vmlab_walk_mm(work->mm, f->addr, &w, true);
		mmap_read_unlock(work->mm);
		mmput(work->mm);
	}
	trace_vmlab_walk(inst->id, f->addr, &w);

	if (!inst->pfn_visible)
		for (i = 0; i < VMLAB_LEVELS; i++)
			w.entry[i] &= ~VMLAB_PTE_PFN_MASK;
	for (i = 0; i < VMLAB_LEVELS; i++)
		f->entry[i] = w.entry[i];
	f->depth = w.depth;
	vmlab_emit_fault(inst, &work->ev);

	mmdrop(work->mm);
	fput(work->file);
	kmem_cache_free(vmlab_walk_cache, work);
}

/*
 * Queue the walk of @ev's address and the emission of @ev for the current
 * task's return to user space.  Fails for kernel threads, which never return
 * there; the caller then emits @ev without a walk.
 */
int vmlab_walk_defer(struct vmlab_instance *inst, struct vm_area_struct *vma,
		     struct vmlab_event *ev)
{
	struct vmlab_walk_work *work;
	int ret;

	if (current->flags & PF_KTHREAD)
		return -EINVAL;
	work = kmem_cache_alloc(vmlab_walk_cache, GFP_KERNEL);
	if (!work)
		return -ENOMEM;
	work->ev = *ev;
	work->file = get_file(vma->vm_file);
	work->mm = vma->vm_mm;
	mmgrab(work->mm);
	init_task_work(&work->cb, vmlab_walk_work_fn);
	ret = task_work_add(current, &work->cb, TWA_RESUME);
	if (ret)
		goto drop_refs;
	return 0;

drop_refs:
	mmdrop(work->mm);
	fput(work->file);
	kmem_cache_free(vmlab_walk_cache, work);
	return ret;
}

int vmlab_walk_init(void)
{
	vmlab_walk_cache = KMEM_CACHE(vmlab_walk_work, 0);
	return vmlab_walk_cache ? 0 : -ENOMEM;
}

void vmlab_walk_exit(void)
{
	kmem_cache_destroy(vmlab_walk_cache);
}
