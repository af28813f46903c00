// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - page-table walks: one address translated level by level, as the
 * hardware walker would, and the accessed bit of a PTE tested and cleared.
 *
 * The caller holds the mm's mmap lock for reading; the walk runs inside an
 * RCU read-side section, for the page tables' lifetime (instance.c's lock
 * order says why both).  munmap() frees page tables under the read lock,
 * after downgrading it, and on x86 without a paravirt hypervisor frees them
 * after a TLB-flush IPI to every CPU that runs the mm, not after a grace
 * period.  So a walk of the caller's own mm keeps interrupts off as well, as
 * the kernel's lockless walkers of the current mm do (gup_fast,
 * perf_get_page_size()): the IPI reaches this CPU too and waits for it.  A
 * walk of another mm (a fault another task took in it) goes only where a
 * VMA still in the mm's tree covers the address: munmap() took its VMAs
 * out of the tree before it downgraded, and frees no table a remaining VMA
 * needs.  vmlab cannot call pte_offset_map(): since 6.5 it calls the
 * unexported __pte_offset_map().  Every entry is read once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pgtable.h>

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
 * Walk @addr in @mm.  Entries are read once each, as the hardware walker
 * would; PFNs only when @pfn_visible.  Another task's mm is walked only
 * where a VMA covers @addr (see above), under its mmap lock, which the
 * caller holds.  The current task's own tables are walked as GUP-fast walks
 * them, with interrupts off: a table freed meanwhile is freed after an RCU
 * grace period or a TLB-flush IPI, neither of which can end before we turn
 * interrupts back on.  A fault handler walks so under the per-VMA lock.
 */
void vmlab_walk_mm(struct mm_struct *mm, unsigned long addr,
		   struct vmlab_walk *w, bool pfn_visible)
{
	struct vm_area_struct *vma;
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	unsigned long flags;
	pte_t pte;

	if (mm != current->mm) {
		lockdep_assert_held(&mm->mmap_lock);
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr)
			return;
	}
	rcu_read_lock();
	local_irq_save(flags);
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
	local_irq_restore(flags);
	rcu_read_unlock();
}

/*
 * The PTE that maps @addr in @mm, or NULL, the mmap lock held for reading
 * and the RCU read lock held (page tables are freed after a grace period).
 */
static pte_t *vmlab_pte_lookup(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *ptep;

	lockdep_assert_held(&mm->mmap_lock);
	pgdp = pgd_offset(mm, addr);
	pgd = READ_ONCE(*pgdp);
	if (pgd_none(pgd) || pgd_bad(pgd))
		return NULL;
	p4dp = p4d_offset(pgdp, addr);
	p4d = READ_ONCE(*p4dp);
	if (p4d_none(p4d) || p4d_bad(p4d))
		return NULL;
	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud) || !pud_present(pud) || pud_leaf(pud))
		return NULL;
	pmdp = pmd_offset(pudp, addr);
	pmd = READ_ONCE(*pmdp);
	if (pmd_none(pmd) || !pmd_present(pmd) || pmd_leaf(pmd))
		return NULL;
	ptep = pte_offset_kernel(&pmd, addr);
	return pte_present(ptep_get(ptep)) ? ptep : NULL;
}

/*
 * Test and clear the accessed bit of the PTE that maps @page at @addr in
 * @mm, the mmap lock held for reading: what ptep_test_and_clear_young()
 * does on x86, an atomic operation, so neither the hardware setting A nor a
 * racing zap needs the PTE lock against it.  False when no PTE maps @page
 * there: in a MAP_PRIVATE mapping the PTE may map the process's copy of it
 * (wp_page_copy() replaces it under the PTE lock we do not take), whose
 * accessed bit is not @page's to read nor ours to clear; the exchange
 * clears A only in the entry whose pfn was checked.
 */
bool vmlab_pte_test_and_clear_young(struct mm_struct *mm, unsigned long addr,
				    struct page *page)
{
	bool young = false;
	pte_t *ptep, old;

	rcu_read_lock();
	ptep = vmlab_pte_lookup(mm, addr);
	if (!ptep)
		goto unlock;
	old = ptep_get(ptep);
	do {
		if (!pte_present(old) || pte_pfn(old) != page_to_pfn(page) ||
		    !pte_young(old))
			goto unlock;
	} while (!try_cmpxchg(&ptep->pte, &old.pte, pte_mkold(old).pte));
	young = true;
unlock:
	rcu_read_unlock();
	return young;
}

/* The accessed bit of the PTE that maps @page at @addr in @mm, left as it is. */
bool vmlab_pte_young(struct mm_struct *mm, unsigned long addr,
		     struct page *page)
{
	bool young = false;
	pte_t *ptep, pte;

	rcu_read_lock();
	ptep = vmlab_pte_lookup(mm, addr);
	if (ptep) {
		pte = ptep_get(ptep);
		young = pte_present(pte) && pte_young(pte) &&
			pte_pfn(pte) == page_to_pfn(page);
	}
	rcu_read_unlock();
	return young;
}

/* ---------------------------------------------------- counting the tables */

/*
 * A count of the tables under a range, VMA by VMA in address order: a table
 * or an entry two VMAs share is met again at once, so remembering the last
 * one counted at each level counts each exactly once.
 */
struct vmlab_pt_walk {
	struct vmlab_pt *pt;
	const void *table[VMLAB_LEVELS];
	const void *entry[VMLAB_LEVELS];
};

static void vmlab_pt_table(struct vmlab_pt_walk *pw, unsigned int level,
			   const void *table)
{
	if (pw->table[level] == table)
		return;
	pw->table[level] = table;
	pw->pt->tables[level]++;
}

/* Count @entryp, not none, of @level; true when it is new. */
static bool vmlab_pt_entry(struct vmlab_pt_walk *pw, unsigned int level,
			   const void *entryp)
{
	if (pw->entry[level] == entryp)
		return false;
	pw->entry[level] = entryp;
	pw->pt->entries[level]++;
	return true;
}

static void vmlab_pt_ptes(struct vmlab_pt_walk *pw, pmd_t *pmd,
			  unsigned long addr, unsigned long end)
{
	pte_t *ptep = pte_offset_kernel(pmd, addr);

	vmlab_pt_table(pw, VMLAB_PTE, ptep - pte_index(addr));
	for (; addr < end; addr += PAGE_SIZE, ptep++) {
		pte_t pte = ptep_get(ptep);

		if (pte_none(pte))
			continue;
		vmlab_pt_entry(pw, VMLAB_PTE, ptep);
		if (pte_present(pte))
			pw->pt->leaves[VMLAB_PTE]++;
	}
}

static void vmlab_pt_pmds(struct vmlab_pt_walk *pw, pud_t *pudp,
			  unsigned long addr, unsigned long end)
{
	pmd_t *pmdp = pmd_offset(pudp, addr);
	unsigned long next;

	vmlab_pt_table(pw, VMLAB_PMD, pmdp - pmd_index(addr));
	for (; addr < end; addr = next, pmdp++) {
		pmd_t pmd = READ_ONCE(*pmdp);

		next = pmd_addr_end(addr, end);
		if (pmd_none(pmd))
			continue;
		if (!vmlab_pt_entry(pw, VMLAB_PMD, pmdp) && pmd_leaf(pmd))
			continue;
		if (pmd_leaf(pmd) || !pmd_present(pmd)) {
			if (pmd_present(pmd))
				pw->pt->leaves[VMLAB_PMD]++;
			continue;
		}
		vmlab_pt_ptes(pw, &pmd, addr, next);
	}
}

static void vmlab_pt_puds(struct vmlab_pt_walk *pw, p4d_t *p4dp,
			  unsigned long addr, unsigned long end)
{
	pud_t *pudp = pud_offset(p4dp, addr);
	unsigned long next;

	vmlab_pt_table(pw, VMLAB_PUD, pudp - pud_index(addr));
	for (; addr < end; addr = next, pudp++) {
		pud_t pud = READ_ONCE(*pudp);

		next = pud_addr_end(addr, end);
		if (pud_none(pud))
			continue;
		if (!vmlab_pt_entry(pw, VMLAB_PUD, pudp) && pud_leaf(pud))
			continue;
		if (pud_leaf(pud) || !pud_present(pud)) {
			if (pud_present(pud))
				pw->pt->leaves[VMLAB_PUD]++;
			continue;
		}
		vmlab_pt_pmds(pw, &pud, addr, next);
	}
}

static void vmlab_pt_p4ds(struct vmlab_pt_walk *pw, pgd_t *pgdp,
			  unsigned long addr, unsigned long end)
{
	p4d_t *p4dp = p4d_offset(pgdp, addr);
	unsigned long next;

	if (pgtable_l5_enabled())
		vmlab_pt_table(pw, VMLAB_P4D, p4dp - p4d_index(addr));
	for (; addr < end; addr = next, p4dp++) {
		p4d_t p4d = READ_ONCE(*p4dp);

		next = p4d_addr_end(addr, end);
		if (p4d_none(p4d) || p4d_bad(p4d))
			continue;
		if (pgtable_l5_enabled())
			vmlab_pt_entry(pw, VMLAB_P4D, p4dp);
		vmlab_pt_puds(pw, &p4d, addr, next);
	}
}

static void vmlab_pt_range(struct vmlab_pt_walk *pw, struct mm_struct *mm,
			   unsigned long addr, unsigned long end)
{
	pgd_t *pgdp = pgd_offset(mm, addr);
	unsigned long next;

	vmlab_pt_table(pw, VMLAB_PGD, mm->pgd);
	for (; addr < end; addr = next, pgdp++) {
		pgd_t pgd = READ_ONCE(*pgdp);

		next = pgd_addr_end(addr, end);
		if (pgd_none(pgd) || pgd_bad(pgd))
			continue;
		vmlab_pt_entry(pw, VMLAB_PGD, pgdp);
		vmlab_pt_p4ds(pw, &pgd, addr, next);
	}
}

/*
 * Count the tables that map the VMAs of @mm within [@start, @end) into @pt
 * (see struct vmlab_pt); the caller holds the mmap lock for reading.  Only
 * addresses a VMA in the tree covers are walked, where munmap() frees no
 * table (see the top of this file); RCU keeps a PTE table a collapse or
 * MADV_DONTNEED frees lockless until the walk of its VMA is done.
 */
void vmlab_pt_count(struct mm_struct *mm, unsigned long start,
		    unsigned long end, struct vmlab_pt *pt)
{
	VMA_ITERATOR(vmi, mm, start);
	struct vmlab_pt_walk pw = { .pt = pt };
	struct vm_area_struct *vma;

	lockdep_assert_held(&mm->mmap_lock);
	for_each_vma_range(vmi, vma, end) {
		rcu_read_lock();
		vmlab_pt_range(&pw, mm, max(start, vma->vm_start),
			       min(end, vma->vm_end));
		rcu_read_unlock();
		cond_resched();
	}
}
