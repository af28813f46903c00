// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - the fault path: mmap(), demand faults and write upgrades, and the
 * page-table walk each fault record carries.
 *
 * Every mapping of an instance, in every process, shares the instance's
 * address_space (instance.c), whose pages live in an xarray indexed by page
 * offset (page.c): rmap and unmap_mapping_range() reach all of them.
 *
 * A read fault maps the page read-only (the VMA wants write notification
 * because it has ->page_mkwrite); the first write arrives in ->page_mkwrite,
 * the dirty bit a swap-out needs.  A write to a missing page goes through
 * ->fault and ->page_mkwrite in one fault: one zero-fill event.
 *
 * A MAP_PRIVATE mapping is copy-on-write, as a private file mapping is: a
 * read maps the instance's page read-only; a write with no PTE is the
 * core's do_cow_fault(), which gets the page from ->fault, copies it into
 * an anonymous page of the process and maps the copy (a COW fault: the
 * instance page is not dirtied, nor entered in the software TLB, as it is
 * not mapped); a write to the read-only instance page a read mapped is
 * copied by do_wp_page() -> wp_page_copy(), which calls no vm_operations and
 * fires no tracepoint: the module never learns of that copy.  The copies
 * are the process's anonymous memory: eviction leaves them (evict.c) and
 * the accessed bits the policies read are the instance page's only
 * (policy.c).
 *
 * Who installs the PTE.  From 6.15 ->fault maps the page itself and returns
 * VM_FAULT_NOPAGE, as drivers that insert pages do (compat.h,
 * vmlab_insert_page()): a read read-only, so the first write is still an
 * upgrade; a write writable, young and dirty at once, with no
 * ->page_mkwrite round trip and no finish_fault().  The fault's walk then
 * runs in the handler, after the PTE is in.  A COW fault maps the
 * process's copy, which the core makes.  A write upgrade goes through
 * ->page_mkwrite and the core's finish_mkwrite_fault(), which makes the
 * PTE writable and dirty: vmf_insert_page_mkwrite() on a present PTE
 * would make it writable but leave it clean until the write retires, and
 * the upgrade's record would show another PTE than on older kernels.
 * Before 6.15 nothing exported maps a normal page from a fault handler
 * without VM_MIXEDMAP, which changes what fork() does (compat.h): ->fault
 * returns its page locked, as filemap_fault() does, the core installs the
 * PTE after we return (after ->page_mkwrite for a write), and the walk is
 * deferred with task_work to the faulting task's return to user space: by
 * then the page is mapped, and the task is still the one that faulted.
 * task_work runs the newest first; the deferred walks keep their faults'
 * order through a per-instance queue.  So is an upgrade's walk, on every
 * kernel.
 *
 * Either way the page is locked from the moment the fault chose it until
 * its PTE is in: an eviction, which locks the page too, cannot take it in
 * between.  Which locks a fault runs under, and in what order it takes the
 * rest: the block at the top of instance.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "compat.h"
#include "vmlab.h"

static struct kmem_cache *vmlab_walk_cache;

static struct vmlab_instance *vmlab_vma_instance(struct vm_area_struct *vma)
{
	return vma->vm_file->private_data;
}

/* The instance lock, taken by a fault: counted for the benchmark. */
static void vmlab_fault_lock(struct vmlab_instance *inst)
{
	this_cpu_inc(inst->counters->fault_locks);
	vmlab_lock(inst);
}

static u32 vmlab_fault_access(unsigned int flags)
{
	u32 access = flags & FAULT_FLAG_WRITE ? VMLAB_ACC_WRITE : VMLAB_ACC_READ;

	if (flags & FAULT_FLAG_INSTRUCTION)
		access |= VMLAB_ACC_EXEC;
	if (flags & FAULT_FLAG_USER)
		access |= VMLAB_ACC_USER;
	return access;
}

/*
 * A write fault on a private mapping: the core copies the page ->fault
 * returns (do_cow_fault()) and maps the copy, never the page itself.
 * VM_SHARED, not VM_MAYSHARE: a read-only shared mapping never writes.
 */
static bool vmlab_fault_is_cow(struct vm_fault *vmf)
{
	return (vmf->flags & FAULT_FLAG_WRITE) &&
	       !(vmf->vma->vm_flags & VM_SHARED);
}

/*
 * A fault's record waiting for its task's return to user space.  task_work
 * runs a task's works newest first, so a work does not walk its own fault
 * alone: the first of a task's works to run walks and emits every fault of
 * the task queued on the instance, oldest first, and the others find theirs
 * done.  Each work frees itself, as its callback_head is the task's until
 * its callback runs.
 */
struct vmlab_walk_work {
	struct callback_head cb;
	struct list_head node;		/* on vmlab_instance.walks until walked */
	struct task_struct *task;	/* the task that faulted */
	struct file *file;		/* keeps the instance, and the module */
	struct mm_struct *mm;
	struct vmlab_event ev;
};

static void vmlab_walk_one(struct vmlab_instance *inst,
			   struct vmlab_walk_work *work)
{
	struct vmlab_walk w = { };

	/* the mm may be gone when the task is exiting */
	if (mmget_not_zero(work->mm)) {
		mmap_read_lock(work->mm);
		vmlab_walk_mm(work->mm, work->ev.fault.addr, &w, true);
		mmap_read_unlock(work->mm);
		mmput(work->mm);
	}
	vmlab_event_fault_walked(inst, &work->ev, &w);
}

static void vmlab_walk_work_free(struct vmlab_walk_work *work)
{
	mmdrop(work->mm);
	fput(work->file);
	kmem_cache_free(vmlab_walk_cache, work);
}

static void vmlab_walk_work_fn(struct callback_head *cb)
{
	struct vmlab_walk_work *work = container_of(cb, struct vmlab_walk_work, cb);
	struct vmlab_instance *inst = work->file->private_data;
	struct vmlab_walk_work *w, *next;
	LIST_HEAD(mine);

	/* walked already, by the callback of a later fault of this task */
	if (list_empty(&work->node))
		goto free_work;
	spin_lock(&inst->walks_lock);
	list_for_each_entry_safe(w, next, &inst->walks, node)
		if (w->task == current)
			list_move_tail(&w->node, &mine);
	spin_unlock(&inst->walks_lock);
	list_for_each_entry_safe(w, next, &mine, node) {
		list_del_init(&w->node);
		vmlab_walk_one(inst, w);
	}
free_work:
	vmlab_walk_work_free(work);
}

/*
 * Queue the walk of @ev's address and the emission of @ev for the current
 * task's return to user space.  Fails for kernel threads, which never return
 * there; the caller then emits @ev without a walk.
 */
static int vmlab_walk_defer(struct vmlab_instance *inst,
			    struct vm_area_struct *vma, struct vmlab_event *ev)
{
	struct vmlab_walk_work *work;
	int ret;

	if (current->flags & PF_KTHREAD)
		return -EINVAL;
	work = kmem_cache_alloc(vmlab_walk_cache, GFP_KERNEL);
	if (!work)
		return -ENOMEM;
	work->ev = *ev;
	work->task = current;
	work->file = get_file(vma->vm_file);
	work->mm = vma->vm_mm;
	mmgrab(work->mm);
	init_task_work(&work->cb, vmlab_walk_work_fn);
	spin_lock(&inst->walks_lock);
	list_add_tail(&work->node, &inst->walks);
	spin_unlock(&inst->walks_lock);
	ret = task_work_add(current, &work->cb, TWA_RESUME);
	if (ret)
		goto unqueue;
	return 0;

unqueue:
	spin_lock(&inst->walks_lock);
	list_del(&work->node);
	spin_unlock(&inst->walks_lock);
	vmlab_walk_work_free(work);
	return ret;
}

/*
 * Count a handled fault and report it: the tracepoint now, the record after
 * the walk, which runs now if @mapped (the handler installed the PTE), else
 * on the way out, once the core has.
 */
static void vmlab_fault_done(struct vmlab_instance *inst, struct vm_fault *vmf,
			     unsigned int kind, u32 access, u64 t0,
			     struct page *page, bool mapped)
{
	struct vmlab_walk w = { };
	struct vmlab_event ev;

	if (!vmlab_event_fault(inst, &ev, vmf->address & PAGE_MASK, vmf->pgoff,
			       access, kind, t0, page))
		return;
	if (vmlab_event_fault_walks(inst)) {
		if (mapped) {
			vmlab_walk_mm(vmf->vma->vm_mm, vmf->address, &w, true);
			vmlab_event_fault_walked(inst, &ev, &w);
			return;
		}
		if (!vmlab_walk_defer(inst, vmf->vma, &ev)) {
			this_cpu_inc(inst->counters->walks_deferred);
			return;
		}
	}
	vmlab_event_fault_emit(inst, &ev);
}

/*
 * Does ->fault install this fault's PTE itself (the top of this file)?  A
 * COW fault maps the process's copy: the core makes it.
 */
static bool vmlab_fault_maps(bool cow)
{
	return VMLAB_CAN_INSERT_PAGE && !cow;
}

/*
 * Map the locked @page at the fault's address and let go of it.  A write
 * maps it dirty: the folio is marked dirty too, as the core's
 * fault_dirty_shared_page() would, for the policies that read it before
 * an unmap moves the PTE's dirty bit to the folio.
 */
static vm_fault_t vmlab_fault_map(struct vm_fault *vmf, struct page *page)
{
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	vm_fault_t ret;

	ret = vmlab_insert_page(vmf, page, write);
	if (write && !(ret & VM_FAULT_ERROR))
		folio_mark_dirty(page_folio(page));
	unlock_page(page);
	put_page(page);
	return ret;
}

static vm_fault_t vmlab_fault_error(struct vmlab_instance *inst)
{
	vmlab_count(inst, VMLAB_CNT_FAULT_ERRORS);
	return VM_FAULT_SIGBUS;
}

/*
 * Make page @pgoff resident: from the store (a swap-in), or zero-filled,
 * in a free frame of the budget, or past it if @past (vmlab_make_room()).
 * A miss without the lock may have come between: ERR_PTR(-EEXIST) if it
 * made the page resident, ERR_PTR(-EAGAIN) if it took the last free frame.
 * A swap-in can lose only the frame: such a miss leaves alone a page the
 * store holds, and the page leaves the store only once it is resident.
 */
static struct vmlab_frame *vmlab_frame_new(struct vmlab_instance *inst,
					   pgoff_t pgoff, bool past,
					   unsigned int *kind)
{
	struct vmlab_frame *f;
	struct page *page;
	int err;

	lockdep_assert_held(&inst->lock);
	/* an empty store has nothing to swap in: skip the lookups */
	err = 0;
	page = NULL;
	if (atomic64_read(&inst->store_pages))
		page = vmlab_store_read(inst, pgoff, &err);
	if (err)
		return ERR_PTR(err);
	*kind = page ? VMLAB_FAULT_SWAPIN : VMLAB_FAULT_ZERO;
	if (!page)
		page = vmlab_page_alloc(inst);
	if (!page)
		return ERR_PTR(-ENOMEM);

	err = -ENOMEM;
	f = vmlab_frame_alloc(inst, page, pgoff, VMLAB_FRAME_RESIDENT);
	if (!f)
		goto release_page;
	f->zero = *kind == VMLAB_FAULT_ZERO;
	err = vmlab_frame_insert(inst, f, past);
	if (err)
		goto free_frame;
	if (*kind == VMLAB_FAULT_SWAPIN)
		vmlab_store_taken(inst, page, pgoff);
	vmlab_policy_add(inst, f);
	return f;

free_frame:
	vmlab_frame_free(inst, f);
release_page:
	if (*kind == VMLAB_FAULT_SWAPIN) {
		WARN_ON_ONCE(err == -EEXIST);
		vmlab_store_unread(inst, page, pgoff);
	} else {
		vmlab_page_release(page);
	}
	return ERR_PTR(err);
}

/*
 * The budget needs pages written to the backing file first (@victims), or
 * every candidate is being written (no victims): drop the instance and
 * mmap locks, write them or wait for one, and have the core retry the fault.
 * A failed write fails the retry of this fault with SIGBUS.
 */
static vm_fault_t vmlab_fault_retry(struct vmlab_instance *inst,
				    struct vm_fault *vmf,
				    struct vmlab_batch *victims)
{
	struct file *fpin = get_file(vmf->vma->vm_file);
	pgoff_t pgoff = vmf->pgoff;
	u32 busy = inst->nr_busy;

	mutex_unlock(&inst->lock);
	/* from here on, the VMA may be gone: fpin keeps the instance */
	vmlab_fault_unlock(vmf);
	if (victims->n) {
		if (vmlab_evict_write(inst, victims, VMLAB_EVICT_REASON_BUDGET)) {
			vmlab_fault_lock(inst);
			inst->err_task = current;
			inst->err_pgoff = pgoff;
			mutex_unlock(&inst->lock);
		}
	} else {
		wait_event_killable(inst->busy_wait, READ_ONCE(inst->nr_busy) < busy);
	}
	fput(fpin);
	/*
	 * Major: it did I/O or waited for it.  That also makes the retry of a
	 * fault that ran under the VMA lock FAULT_FLAG_TRIED, as the mmap
	 * lock's retry always is: the retry of a failed write then gets its
	 * SIGBUS instead of writing again.
	 */
	return VM_FAULT_RETRY | VM_FAULT_MAJOR;
}

/* A failed write on this fault's first try: its retry gets SIGBUS. */
static bool vmlab_fault_failed(struct vmlab_instance *inst, struct vm_fault *vmf)
{
	lockdep_assert_held(&inst->lock);
	if (inst->err_task != current || inst->err_pgoff != vmf->pgoff)
		return false;
	inst->err_task = NULL;
	return vmf->flags & FAULT_FLAG_TRIED;
}

/*
 * Did this fault find the budget used up on an earlier try, evict (or wait
 * for a page being written) and retry?  Then its miss counts as evicted,
 * although the frame it freed is free now.  Clears the mark.
 */
static bool vmlab_fault_evicted(struct vmlab_instance *inst,
				struct vm_fault *vmf)
{
	lockdep_assert_held(&inst->lock);
	if (inst->evict_task != current || inst->evict_pgoff != vmf->pgoff)
		return false;
	inst->evict_task = NULL;
	return true;
}

/*
 * May this fault write a victim to the backing file itself?  Only a fault
 * from user mode that may drop the mmap lock and retry: such a task holds no
 * other lock.  A fault the kernel takes on the task's behalf - copy_*_user()
 * inside write(2) or splice, get_user_pages() for O_DIRECT, pins,
 * /proc/PID/mem, populate - may hold a file system's freeze protection
 * (sb_writers), an inode lock, even the backing file's own, which the write
 * would take again: its victims are parked for the worker instead.
 */
static bool vmlab_fault_may_write(unsigned int flags)
{
	unsigned int need = FAULT_FLAG_USER | FAULT_FLAG_ALLOW_RETRY;

	return (flags & (need | FAULT_FLAG_RETRY_NOWAIT)) == need;
}

/*
 * May this fault take no instance lock?  Not when it needs what the lock
 * guards: a software TLB window, a COW fault, a policy whose hit moves a
 * frame on a list (vmlab_policy_hit_lockless()), or a retry after an
 * eviction or a failed write, which the lock's holder accounts.  A frame
 * budget is no reason: a hit changes nothing an eviction reads but the
 * hit marks and the access note (which has its own lock), and a miss
 * takes a free frame with an atomic reservation (page.c).  Read again
 * under the page lock or RCU by the paths that act on it.
 */
static bool vmlab_fault_lockless(struct vmlab_instance *inst, bool cow)
{
	return !cow && !READ_ONCE(inst->tlb_window) &&
	       READ_ONCE(inst->evict_task) != current &&
	       READ_ONCE(inst->err_task) != current &&
	       vmlab_policy_hit_lockless(inst);
}

/*
 * May a fault that holds @f's page lock hit it without the instance lock?
 * If it is resident and not being evicted: in the policy, or waiting for
 * it (page.c), whose hit marks the policy keeps.
 */
static bool vmlab_frame_lockless(struct vmlab_frame *f)
{
	u8 state = READ_ONCE(f->state);

	return state == VMLAB_FRAME_RESIDENT || state == VMLAB_FRAME_ADMITTING;
}

/*
 * The fast path for a hit: a fault on a page resident already, when
 * vmlab_fault_lockless().  The frame is found under RCU (frames are the
 * instance's until it ends: page.c), its page pinned, checked to be still
 * the frame's, and locked if the lock is free; with the page lock held and
 * ->mapping still the instance's, the page is resident and no eviction can
 * take it before its PTE is in (an eviction clears ->mapping under the
 * page lock).  Anything else, or a race lost, and the slow path runs.
 * Returns the page pinned and locked, or NULL, and *@missing if the
 * xarray had no frame for it.
 */
static struct page *vmlab_fault_fast(struct vmlab_instance *inst,
				     struct vm_fault *vmf, bool *missing)
{
	struct vmlab_frame *f;
	struct page *page;

	/*
	 * The reference is taken and, unless the page lock comes with it at
	 * once, dropped inside one RCU read-side section: an eviction that
	 * holds the page lock and finds the page held waits a grace period
	 * for such a reference to go before it calls the page pinned
	 * (evict.c).  A fault never waits for the page lock holding one.
	 */
	rcu_read_lock();
	f = xa_load(&inst->pages, vmf->pgoff);
	*missing = !f;
	page = f ? READ_ONCE(f->page) : NULL;
	/* locked: an eviction may hold it; don't take a reference to wait */
	if (!page || folio_test_locked(page_folio(page)) ||
	    !get_page_unless_zero(page)) {
		rcu_read_unlock();
		return NULL;
	}
	/* still the frame's page (ours, and held now), and not busy */
	if (xa_load(&inst->pages, vmf->pgoff) != f ||
	    READ_ONCE(f->page) != page || !trylock_page(page)) {
		put_page(page);
		rcu_read_unlock();
		return NULL;
	}
	rcu_read_unlock();
	if (page_folio(page)->mapping != inst->inode->i_mapping ||
	    xa_load(&inst->pages, vmf->pgoff) != f ||
	    READ_ONCE(f->page) != page ||
	    !vmlab_frame_lockless(f) ||
	    READ_ONCE(f->window_unmapped) || !vmlab_fault_lockless(inst, false))
		goto unlock_page;
	vmlab_policy_hit(inst, f);
	if (vmf->flags & FAULT_FLAG_WRITE)
		WRITE_ONCE(f->zero, false);
	return page;

unlock_page:
	unlock_page(page);
	put_page(page);
	return NULL;
}

/*
 * The fast path for a miss: zero-fill a page never made resident, or
 * dropped with no copy kept, when vmlab_fault_lockless() and the budget
 * has a free frame.  The page and its frame are allocated first, the page
 * locked; then, under RCU, with the conditions read again, the frame is
 * published in the xarray if the page is still missing and the store has
 * no copy of it, and queued for the policy (page.c).  A change of the
 * budget first stops these misses and waits a grace period
 * (vmlab_misses_lock()).  A fault that loses the race to another one, or
 * finds the page in the store, gives its page back and takes the slow
 * path, which finds the winner's or swaps the page in.  Returns the page
 * pinned and locked, or NULL.
 */
static struct page *vmlab_fault_fast_miss(struct vmlab_instance *inst,
					  struct vm_fault *vmf)
{
	struct vmlab_frame *f;
	struct page *page;
	int ret = -EAGAIN;

	/* a miss that wakes the page daemon takes the lock */
	if (!READ_ONCE(inst->misses_unlocked) || READ_ONCE(inst->low_watermark))
		return NULL;
	/*
	 * Nor does one that must evict or swap in: seen here, before a page
	 * is allocated and cleared for nothing, and again (the answer) as
	 * the frame is published.
	 */
	if (vmlab_frames_full(inst) ||
	    (atomic64_read(&inst->store_pages) &&
	     vmlab_store_has(inst, vmf->pgoff)))
		return NULL;
	page = vmlab_page_alloc(inst);
	if (!page)
		return NULL;
	f = vmlab_frame_alloc(inst, page, vmf->pgoff, VMLAB_FRAME_ADMITTING);
	if (!f)
		goto release_page;
	f->zero = !(vmf->flags & FAULT_FLAG_WRITE);
	/* nobody else has it yet */
	if (WARN_ON_ONCE(!trylock_page(page)))
		goto free_frame;
	get_page(page);
	rcu_read_lock();
	if (READ_ONCE(inst->misses_unlocked) && vmlab_fault_lockless(inst, false) &&
	    !READ_ONCE(inst->low_watermark))
		ret = vmlab_frame_publish(inst, f);
	rcu_read_unlock();
	if (ret)
		goto unlock_page;
	vmlab_count(inst, VMLAB_CNT_FAULTS_FREE_FRAME);
	vmlab_policy_tick(inst);
	return page;

unlock_page:
	put_page(page);
	unlock_page(page);
free_frame:
	vmlab_frame_free(inst, f);
release_page:
	/* allocated for nothing: the count is of the pages faults kept */
	this_cpu_dec(inst->counters->c[VMLAB_CNT_PAGES_ALLOCATED]);
	this_cpu_inc(inst->counters->misses_undone);
	vmlab_page_release(page);
	return NULL;
}

/*
 * @page, pinned and locked, is the page of this fault: map it, or hand it
 * to the core to map, and report the fault.
 */
static vm_fault_t vmlab_fault_finish(struct vmlab_instance *inst,
				     struct vm_fault *vmf, struct page *page,
				     unsigned int kind, u64 t0, bool cow)
{
	u32 access = vmlab_fault_access(vmf->flags);
	vm_fault_t ret;

	if (vmlab_fault_maps(cow)) {
		ret = vmlab_fault_map(vmf, page);
		if (ret & VM_FAULT_ERROR) {
			vmlab_count(inst, VMLAB_CNT_FAULT_ERRORS);
			return ret;
		}
		vmlab_fault_done(inst, vmf, kind, access, t0, page, true);
		return VM_FAULT_NOPAGE;
	}
	vmf->page = page;
	vmlab_fault_done(inst, vmf, kind, access, t0, page, false);
	return VM_FAULT_LOCKED;
}

static vm_fault_t vmlab_fault(struct vm_fault *vmf)
{
	struct vmlab_instance *inst = vmlab_vma_instance(vmf->vma);
	bool may_write = vmlab_fault_may_write(vmf->flags);
	struct vmlab_batch victims = { .n = 0 };
	/* only a frame budget evicts, and needs to know the access */
	bool budget = READ_ONCE(inst->frames);
	u32 sig = budget ? vmlab_access_sig() : 0;
	struct vmlab_frame *f;
	bool cow = vmlab_fault_is_cow(vmf);
	u64 t0 = vmlab_fault_clock(inst);
	struct page *page;
	unsigned int kind;
	bool evicted, past;
	bool hit = false;
	int ret;

	vmlab_fault_assert_locked(vmf);
	/* mmap() checked the range; the region cannot change once mapped */
	if (vmf->pgoff >= READ_ONCE(inst->nr_pages))
		return vmlab_fault_error(inst);

again:
	if (vmlab_fault_lockless(inst, cow)) {
		bool missing;

		kind = VMLAB_FAULT_MINOR;
		page = vmlab_fault_fast(inst, vmf, &missing);
		if (!page && missing) {
			kind = VMLAB_FAULT_ZERO;
			page = vmlab_fault_fast_miss(inst, vmf);
		}
		if (page) {
			this_cpu_inc(inst->counters->faults_unlocked);
			if (budget)
				vmlab_access_note(inst, vmf->pgoff, sig);
			return vmlab_fault_finish(inst, vmf, page, kind, t0,
						  false);
		}
	}

	vmlab_fault_lock(inst);
	evicted = vmlab_fault_evicted(inst, vmf);
	f = xa_load(&inst->pages, vmf->pgoff);
	if (f && f->state == VMLAB_FRAME_BUSY) {
		vmlab_evict_rescue(inst, f);
		kind = VMLAB_FAULT_MINOR;
	} else if (f) {
		kind = f->window_unmapped ? VMLAB_FAULT_SOFT : VMLAB_FAULT_MINOR;
		/* a COW fault maps the copy: the page stays out of the window */
		if (!cow)
			f->window_unmapped = false;
		hit = true;
	} else {
		if (vmlab_fault_failed(inst, vmf))
			goto fail;
		evicted |= vmlab_frames_full(inst);
		ret = vmlab_make_room(inst, may_write, sig, &victims, &past);
		if (victims.n || ret == -EAGAIN) {
			inst->evict_task = current;
			inst->evict_pgoff = vmf->pgoff;
			return vmlab_fault_retry(inst, vmf, &victims);
		}
		if (ret)
			goto fail;
		f = vmlab_frame_new(inst, vmf->pgoff, past, &kind);
		if (f == ERR_PTR(-EEXIST) || f == ERR_PTR(-EAGAIN)) {
			mutex_unlock(&inst->lock);
			goto again;
		}
		if (IS_ERR(f))
			goto fail;
		vmlab_count(inst, evicted ? VMLAB_CNT_FAULTS_EVICTED :
					    VMLAB_CNT_FAULTS_FREE_FRAME);
		vmlab_daemon_kick(inst);
	}
	if (cow) {
		/* read to be copied: a use, but not a write, nor a mapping */
		kind = VMLAB_FAULT_COW;
	} else if (vmf->flags & FAULT_FLAG_WRITE) {
		f->zero = false;
	}
	vmlab_access_note(inst, vmf->pgoff, sig);
	/* every fault is a reference; a hit only if it found the page resident */
	vmlab_policy_touch(inst, f, hit);
	/* the kernel's copies may need two pages mapped at once */
	if (!cow)
		vmlab_window_add(inst, f, vmf->flags & FAULT_FLAG_USER);
	page = f->page;
	get_page(page);
	/* locked until the PTE is in: an eviction waits for it */
	lock_page(page);
	mutex_unlock(&inst->lock);

	return vmlab_fault_finish(inst, vmf, page, kind, t0, cow);

fail:
	mutex_unlock(&inst->lock);
	return vmlab_fault_error(inst);
}

/*
 * A write upgrade with no instance lock, when vmlab_fault_lockless(): the
 * core holds a reference to @page; under its lock, with ->mapping still
 * the instance's, it is the resident page of its frame, which no eviction
 * can take.  A hit, as the slow path counts it.  Returns with @page locked,
 * or false.
 */
static bool vmlab_upgrade_fast(struct vmlab_instance *inst,
			       struct vm_fault *vmf, struct page *page)
{
	struct vmlab_frame *f;
	bool ok;

	if (!vmlab_fault_lockless(inst, false))
		return false;
	lock_page(page);
	rcu_read_lock();
	f = xa_load(&inst->pages, vmf->pgoff);
	ok = f && READ_ONCE(f->page) == page && vmlab_frame_lockless(f) &&
	     page_folio(page)->mapping == inst->inode->i_mapping &&
	     vmlab_fault_lockless(inst, false);
	if (ok) {
		vmlab_policy_hit(inst, f);
		WRITE_ONCE(f->zero, false);
	}
	rcu_read_unlock();
	if (!ok)
		unlock_page(page);
	return ok;
}

static vm_fault_t vmlab_page_mkwrite(struct vm_fault *vmf)
{
	struct vmlab_instance *inst = vmlab_vma_instance(vmf->vma);
	/*
	 * A present read-only PTE is a write upgrade; an empty one is the
	 * write half of a fault ->fault already reported.  The core passes
	 * FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE only, so the user bit of the
	 * access is not known here.
	 */
	bool upgrade = pte_present(vmf->orig_pte);
	struct page *page = vmf->page;
	u64 t0 = vmlab_fault_clock(inst);
	struct vmlab_frame *f;

	vmlab_fault_assert_locked(vmf);
	if (!upgrade) {
		/*
		 * The write half of the fault ->fault just handled, which
		 * counted it.  An eviction clears ->mapping under the page
		 * lock before it lets go of the page.
		 */
		lock_page(page);
		if (page_folio(page)->mapping != inst->inode->i_mapping) {
			unlock_page(page);
			return VM_FAULT_NOPAGE;
		}
		return VM_FAULT_LOCKED;
	}

	if (vmlab_upgrade_fast(inst, vmf, page)) {
		this_cpu_inc(inst->counters->faults_unlocked);
		goto done;
	}
	vmlab_fault_lock(inst);
	f = xa_load(&inst->pages, vmf->pgoff);
	if (!f || f->page != page || f->state == VMLAB_FRAME_BUSY) {
		/* evicted meanwhile: the fault retries and swaps it in */
		mutex_unlock(&inst->lock);
		return VM_FAULT_NOPAGE;
	}
	f->zero = false;
	/* a write upgrade: a hit on a page mapped read-only */
	vmlab_policy_touch(inst, f, true);
	lock_page(page);
	mutex_unlock(&inst->lock);
done:
	vmlab_fault_done(inst, vmf, VMLAB_FAULT_UPGRADE, VMLAB_ACC_WRITE, t0,
			 page, false);
	return VM_FAULT_LOCKED;
}

/* A VMA was copied (fork) or split: track it and its mm too. */
static void vmlab_vm_open(struct vm_area_struct *vma)
{
	struct vmlab_instance *inst = vmlab_vma_instance(vma);

	/*
	 * ->open cannot fail.  Without the mm, its TLB flushes go unreported;
	 * without the VMA, its accessed bits go unread.
	 */
	vmlab_mm_track(inst, vma->vm_mm);
	vmlab_vma_track(inst, vma);
}

static void vmlab_vm_close(struct vm_area_struct *vma)
{
	struct vmlab_instance *inst = vmlab_vma_instance(vma);

	vmlab_vma_untrack(inst, vma);
	vmlab_mm_untrack(inst, vma->vm_mm);
}

/*
 * Fault-around maps nothing: every page's first touch is a fault of its
 * own, which is what the lab counts.  The hook is there for what its
 * presence means to the core: from 6.7, a fault on a VMA whose vm_ops
 * have ->map_pages runs under the per-VMA lock; without it the core drops
 * that lock and retries every fault under the mmap lock
 * (vmf_can_call_fault()).  vmlab's fault path needs no mmap lock: it
 * takes its own locks, drops whichever lock it holds to retry
 * (compat.h), and walks the current task's tables locklessly (walk.c).
 * Called under rcu_read_lock(): it must not sleep.
 */
static vm_fault_t vmlab_map_pages(struct vm_fault *vmf, pgoff_t start,
				  pgoff_t end)
{
	return 0;
}

static const struct vm_operations_struct vmlab_vm_ops = {
	.open		= vmlab_vm_open,
	.close		= vmlab_vm_close,
	.fault		= vmlab_fault,
	.map_pages	= vmlab_map_pages,
	.page_mkwrite	= vmlab_page_mkwrite,
};

int vmlab_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vmlab_instance *inst = file->private_data;
	unsigned long pages = vma_pages(vma);
	int ret;

	/*
	 * MAP_PRIVATE is copy-on-write (the top of this file): its reads
	 * share the instance's pages, its writes copy them.
	 */
	vmlab_lock(inst);
	if (pages > inst->nr_pages) {
		ret = -EFBIG;
		goto unlock;
	}
	if (vma->vm_pgoff > inst->nr_pages - pages) {
		ret = -ENXIO;
		goto unlock;
	}
	ret = vmlab_ring_alloc(inst);
	if (ret)
		goto unlock;
	ret = vmlab_mm_track(inst, vma->vm_mm);
	if (ret)
		goto unlock;
	ret = vmlab_vma_track(inst, vma);
	if (ret) {
		vmlab_mm_untrack(inst, vma->vm_mm);
		goto unlock;
	}
	inst->mapped = true;
unlock:
	mutex_unlock(&inst->lock);
	if (ret)
		return ret;

	vmlab_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &vmlab_vm_ops;
	return 0;
}

int vmlab_fault_init(void)
{
	vmlab_walk_cache = KMEM_CACHE(vmlab_walk_work, 0);
	return vmlab_walk_cache ? 0 : -ENOMEM;
}

void vmlab_fault_exit(void)
{
	kmem_cache_destroy(vmlab_walk_cache);
}
