// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - eviction, and the software TLB window.
 *
 * Evicting a page: lock it (a racing ->page_mkwrite then sees it gone),
 * unmap it from every process with one unmap_mapping_range() on the
 * instance's address_space (the zap moves PTE dirty bits into the page and
 * flushes the TLBs of every CPU running those mms), hand it to the store,
 * and free the frame.  If the store fails, the page stays resident.
 *
 * A page the backing file must get is written with no vmlab lock and no
 * mmap lock held (instance.c's lock order says why), so its frame goes
 * through states of its own (enum vmlab_frame_state), changed here only:
 *
 *   RESIDENT  chosen and unmapped; the store wants a write ->   BUSY
 *   BUSY      stays in the xarray, out of the policy, ->mapping cleared;
 *             a fault on it takes it back rather than wait for a write
 *             that may need a lock the faulting task holds ->   RESCUED
 *   BUSY      written: the copy is in the store, the frame freed
 *   BUSY      failed: resident again, dirty ->                  RESIDENT
 *   RESCUED   the write ended: back in the policy (dirty if it
 *             failed); only now may it be chosen again ->       RESIDENT
 *
 * So a page has one write in flight at the most.  The caller that made
 * frames busy writes them with vmlab_evict_write() after dropping its
 * locks: a user fault (fault.c, which then retries) or VMLAB_EVICT.
 *
 * The page daemon (low_watermark, high_watermark) is a worker that evicts
 * the policy's victims ahead of the misses, through vmlab_evict_to() and
 * vmlab_evict_write() as a miss does, until high_watermark frames are free;
 * a miss that leaves fewer than low_watermark free wakes it.
 *
 * The software TLB window keeps at most tlb_window resident pages mapped;
 * mapping one more unmaps the oldest, which stays resident: touching it
 * again is a soft fault.  With a window of one page the kernel sees every
 * change of page, which is what exact LRU needs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/jhash.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "compat.h"
#include "vmlab.h"

/* The window holds @f no more. */
static void vmlab_window_del(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	if (!list_empty(&f->window)) {
		list_del_init(&f->window);
		inst->nr_window--;
	}
}

/* Unmap @f from every process; a flush is reported if a PTE was present. */
static void vmlab_unmap_frame(struct vmlab_instance *inst, struct vmlab_frame *f,
			      u32 reason)
{
	bool mapped = folio_mapped(page_folio(f->page));

	/* even_cows 0: a private mapping's copies are its own, not @f */
	unmap_mapping_range(inst->inode->i_mapping, (loff_t)f->pgoff << PAGE_SHIFT,
			    PAGE_SIZE, 0);
	vmlab_window_del(inst, f);
	if (mapped)
		vmlab_event_tlb(inst, VMLAB_TLB_ORIGIN_MODULE, reason, f->pgoff, 1);
}

/* @f leaves the instance; its page goes to the store or is freed. */
static void vmlab_evict_finish(struct vmlab_instance *inst, struct vmlab_frame *f,
			       int action, u32 reason)
{
	struct page *page = f->page;

	vmlab_frame_remove(inst, f);
	vmlab_count(inst, VMLAB_CNT_EVICTIONS);
	if (reason == VMLAB_EVICT_REASON_DAEMON)
		vmlab_count(inst, VMLAB_CNT_DAEMON_EVICTIONS);
	page_folio(page)->mapping = NULL;
	folio_clear_dirty(page_folio(page));
	if (action == VMLAB_EVICT_ACTION_WRITE || action == VMLAB_EVICT_ACTION_DROP)
		vmlab_page_release(page);
	vmlab_frame_free(inst, f);
}

static int vmlab_frame_cmp(const void *a, const void *b)
{
	const struct vmlab_frame *fa = *(const struct vmlab_frame **)a;
	const struct vmlab_frame *fb = *(const struct vmlab_frame **)b;

	return fa->pgoff < fb->pgoff ? -1 : fa->pgoff > fb->pgoff;
}

/* Pages @b->f[i..] run on consecutively: the end of the run. */
static unsigned int vmlab_run_end(struct vmlab_batch *b, unsigned int i)
{
	unsigned int j;

	for (j = i + 1; j < b->n; j++)
		if (b->f[j]->pgoff != b->f[i]->pgoff + (j - i))
			break;
	return j;
}

/*
 * Unmap the victims from every process with one call, so one TLB flush,
 * per run of consecutive pages.
 */
static void vmlab_unmap_batch(struct vmlab_instance *inst, struct vmlab_batch *b)
{
	unsigned int i, j, k;
	bool mapped;

	for (i = 0; i < b->n; i = j) {
		j = vmlab_run_end(b, i);
		mapped = false;
		for (k = i; k < j; k++) {
			mapped |= folio_mapped(page_folio(b->f[k]->page));
			vmlab_window_del(inst, b->f[k]);
		}
		unmap_mapping_range(inst->inode->i_mapping,
				    (loff_t)b->f[i]->pgoff << PAGE_SHIFT,
				    (loff_t)(j - i) << PAGE_SHIFT, 0);
		if (mapped)
			vmlab_event_tlb(inst, VMLAB_TLB_ORIGIN_MODULE, VMLAB_TLB_REASON_EVICT,
					b->f[i]->pgoff, j - i);
	}
}

/*
 * Does anyone besides the instance hold the locked, unmapped @page?  A pin
 * or a reference from get_user_pages() - O_DIRECT, process_vm_writev(),
 * vmsplice(), io_uring's fixed buffers - writes into the page after its
 * fault returned, so a page written out and freed now would lose that data
 * (or take it into a page vmlab no longer owns).  Reclaim keeps such pages
 * too: folio_maybe_dma_pinned(), and the reference count frozen in
 * __remove_mapping().  With every PTE gone the instance's own reference is
 * the only one left; a get_user_pages_fast() that raced with the unmap
 * rechecks the PTE and lets go, so at worst it costs the page a turn.
 */
static bool vmlab_page_pinned(struct vmlab_instance *inst, struct page *page)
{
	if (page_count(page) == 1)
		return false;
	/*
	 * A fault's fast path may hold a reference for a moment, inside an
	 * RCU read-side section, while it finds the page lock (ours) taken
	 * (fault.c): a grace period and it is gone.  Only VMLAB_EVICT, with
	 * no budget, waits for one: it answers EBUSY for a pinned page.  A
	 * budget's eviction, which may run at every miss, keeps the page as
	 * the policy keeps a pinned one: it costs the page a turn, as a
	 * racing get_user_pages_fast() does.
	 */
	if (READ_ONCE(inst->frames) || READ_ONCE(inst->tlb_window) ||
	    !vmlab_policy_hit_lockless(inst))
		return true;
	synchronize_rcu();
	return page_count(page) != 1;
}

/* RESIDENT -> BUSY: @f, locked and unmapped, is unlocked for its write. */
static void vmlab_frame_busy(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	/* stays in the xarray: a fault on it takes it back */
	folio_clear_dirty(page_folio(f->page));
	unlock_page(f->page);
	f->state = VMLAB_FRAME_BUSY;
	inst->nr_busy++;
}

/*
 * Evict the frames of @b: the caller took them out of the policy; here they
 * are locked, unmapped together and handed to the store.  Those it takes
 * without I/O are gone on return.  Those the backing file must get (only
 * when @may_write) stay in @b (b->n of them), busy, for the caller to write
 * with vmlab_evict_write() once it dropped its locks.  Returns 0, or the
 * first -errno, whose frame is resident again.
 */
static int vmlab_evict(struct vmlab_instance *inst, struct vmlab_batch *b,
		       u32 reason, bool may_write)
{
	unsigned int i, pending = 0;
	u64 t0 = ktime_get_ns();
	int action, err = 0;

	lockdep_assert_held(&inst->lock);
	sort(b->f, b->n, sizeof(b->f[0]), vmlab_frame_cmp, NULL);
	for (i = 0; i < b->n; i++)
		lock_page(b->f[i]->page);
	vmlab_unmap_batch(inst, b);

	for (i = 0; i < b->n; i++) {
		struct vmlab_frame *f = b->f[i];
		struct page *page = f->page;

		if (vmlab_page_pinned(inst, page)) {
			vmlab_count(inst, VMLAB_CNT_EVICT_PINNED);
			action = -EBUSY;
		} else {
			action = vmlab_store_out(inst, f,
						 folio_test_dirty(page_folio(page)),
						 may_write);
		}
		if (action < 0) {
			/* resident, unmapped: the next touch is a minor fault */
			unlock_page(page);
			vmlab_policy_keep(inst, f);
			vmlab_event_evict(inst, f->pgoff, action, reason, t0);
			/* a store error outranks a pinned page */
			if (!err || err == -EBUSY)
				err = action;
			continue;
		}
		/* under the page lock: ->page_mkwrite checks it there */
		page_folio(page)->mapping = NULL;
		if (action == VMLAB_EVICT_ACTION_WRITE) {
			vmlab_frame_busy(inst, f);
			b->f[pending++] = f;
			continue;
		}
		unlock_page(page);
		vmlab_event_evict(inst, f->pgoff, action, reason, t0);
		vmlab_evict_finish(inst, f, action, reason);
	}
	b->n = pending;
	return pending ? 0 : err;
}

/*
 * The write of @f ended with @ret: BUSY -> written (the frame is freed) or
 * failed (RESIDENT, dirty); RESCUED -> RESIDENT.  Returns 0 when the copy
 * is in the store, else the error that kept @f resident.
 */
static int vmlab_evict_written(struct vmlab_instance *inst,
			       struct vmlab_frame *f, int ret, u32 reason)
{
	lockdep_assert_held(&inst->lock);
	ret = vmlab_store_written(inst, f->pgoff, ret);
	inst->nr_busy--;
	if (f->state == VMLAB_FRAME_RESCUED) {
		/*
		 * Resident again; the copy in the file is good while clean,
		 * and there is none (or an older one) when the write failed.
		 * Only now may the policy choose it: one write at a time.
		 */
		f->state = VMLAB_FRAME_RESIDENT;
		if (ret)
			folio_set_dirty(page_folio(f->page));
		vmlab_policy_add(inst, f);
	} else if (ret) {
		f->state = VMLAB_FRAME_RESIDENT;
		page_folio(f->page)->mapping = inst->inode->i_mapping;
		folio_set_dirty(page_folio(f->page));
		vmlab_policy_add(inst, f);
	} else {
		vmlab_evict_finish(inst, f, VMLAB_EVICT_ACTION_WRITE, reason);
	}
	return ret;
}

/*
 * Write the busy frames vmlab_evict() left in @b to the backing file, one
 * write per run of consecutive pages, with no lock held; then finish their
 * eviction.  A frame a fault took back meanwhile stays resident; one whose
 * write failed stays resident and dirty.  0 or the first -errno.
 */
int vmlab_evict_write(struct vmlab_instance *inst, struct vmlab_batch *b,
		      u32 reason)
{
	pgoff_t pgoff[VMLAB_EVICT_BATCH_MAX];
	int ret[VMLAB_EVICT_BATCH_MAX];
	u64 t0 = ktime_get_ns();
	unsigned int i, j, k;
	struct file *file;
	int err = 0;

	vmlab_lock(inst);
	file = get_file(inst->backing);
	mutex_unlock(&inst->lock);
	for (i = 0; i < b->n; i = j) {
		j = vmlab_run_end(b, i);
		ret[i] = vmlab_store_write(inst, file, &b->f[i], j - i);
		for (k = i; k < j; k++) {
			ret[k] = ret[i];
			pgoff[k] = b->f[k]->pgoff;
		}
	}
	fput(file);

	vmlab_lock(inst);
	for (i = 0; i < b->n; i++)
		ret[i] = vmlab_evict_written(inst, b->f[i], ret[i], reason);
	wake_up_all(&inst->busy_wait);
	mutex_unlock(&inst->lock);
	for (i = 0; i < b->n; i++) {
		vmlab_event_evict(inst, pgoff[i], ret[i] ?: VMLAB_EVICT_ACTION_WRITE,
				  reason, t0);
		err = err ?: ret[i];
	}
	return err;
}

/*
 * BUSY -> RESCUED: a fault found @f being written and takes it back.  Its
 * write finishes on its own and then gives the frame back to the policy
 * (vmlab_evict_written()).
 */
void vmlab_evict_rescue(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	lockdep_assert_held(&inst->lock);
	page_folio(f->page)->mapping = inst->inode->i_mapping;
	f->state = VMLAB_FRAME_RESCUED;
}

/*
 * VMLAB_EVICT: evict the resident pages in [@first, @last] one at a time,
 * as the policy would its victims, each written (with no lock held) before
 * the next.  *@evicted counts them; 0 or the first -errno.
 */
int vmlab_evict_range(struct vmlab_instance *inst, unsigned long first,
		      unsigned long last, u64 *evicted)
{
	struct vmlab_frame *f;
	unsigned long idx;
	int ret = 0;

	vmlab_lock(inst);
	xa_for_each_range(&inst->pages, idx, f, first, last) {
		struct vmlab_batch b = { .n = 1 };

		/* being written out already */
		if (vmlab_frame_writing(f))
			continue;
		b.f[0] = f;
		vmlab_policy_remove(inst, f);
		ret = vmlab_evict(inst, &b, VMLAB_EVICT_REASON_FORCED, true);
		if (b.n) {
			mutex_unlock(&inst->lock);
			ret = vmlab_evict_write(inst, &b, VMLAB_EVICT_REASON_FORCED);
			vmlab_lock(inst);
		}
		if (ret)
			break;
		(*evicted)++;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	mutex_unlock(&inst->lock);
	return ret;
}

/* VMLAB_RESIDENT's VMLAB_PAGE_* flags of page @pgoff. */
u8 vmlab_page_flags(struct vmlab_instance *inst, pgoff_t pgoff)
{
	struct vmlab_frame *f;
	u8 flags;

	lockdep_assert_held(&inst->lock);
	f = xa_load(&inst->pages, pgoff);
	flags = vmlab_store_has(inst, pgoff) ? VMLAB_PAGE_STORED : 0;
	if (!f)
		return flags;
	flags |= VMLAB_PAGE_RESIDENT;
	if (vmlab_frame_dirty(inst, f))
		flags |= VMLAB_PAGE_DIRTY;
	if (!list_empty(&f->window))
		flags |= VMLAB_PAGE_WINDOW;
	return flags;
}

/*
 * The access a fault serves: its task's user registers, which are the same
 * on every fault until the access completes - an instruction retried after
 * its fault (a load that straddles two pages needs both mapped at once), or
 * a system call whose copy faults page after page - and differ once the
 * task has moved on (a loop's next iteration changes a pointer or a count).
 */
u32 vmlab_access_sig(void)
{
	return jhash(task_pt_regs(current), sizeof(struct pt_regs), 0);
}

/*
 * Page @pgoff came in (or was hit) for the access @sig of this task.  A
 * fault without the instance lock notes it too: the note has a lock of
 * its own.
 */
void vmlab_access_note(struct vmlab_instance *inst, pgoff_t pgoff, u32 sig)
{
	spin_lock(&inst->note_lock);
	inst->last_task = current;
	inst->last_pgoff = pgoff;
	inst->last_sig = sig;
	spin_unlock(&inst->note_lock);
}

/*
 * May @f be evicted for access @sig of this task?  Not if the same access
 * faulted it in last: it may need both pages at once, and evicting one for
 * the other would fault forever (an architecture's minimum of frames: one
 * x86 instruction can touch several pages).
 */
static bool vmlab_access_needs(struct vmlab_instance *inst,
			       struct vmlab_frame *f, u32 sig)
{
	bool needs;

	spin_lock(&inst->note_lock);
	needs = f->pgoff == inst->last_pgoff && inst->last_task == current &&
		inst->last_sig == sig;
	spin_unlock(&inst->note_lock);
	return needs;
}

/*
 * Evict the policy's victims until fewer than @goal pages are resident,
 * @batch at a time (0: as many as @goal needs, up to VMLAB_EVICT_BATCH_MAX);
 * a pinned victim stays resident and the next one is tried, each resident
 * page once.  0 when fewer than @goal are resident, or with victims to
 * write (@victims holds them, busy: vmlab_evict_write() once the caller
 * dropped its locks); -ENOENT when no more can be had (every page pinned,
 * needed by access @sig, or busy); else the store's -errno.
 */
static int vmlab_evict_to(struct vmlab_instance *inst, u64 goal, u32 batch,
			  bool may_write, u32 sig, u32 reason,
			  struct vmlab_batch *victims)
{
	u64 resident = atomic64_read(&inst->nr_resident);
	/* a victim kept goes back to the policy: try each page once */
	u64 tries = resident;
	struct vmlab_frame *victim = NULL;
	unsigned int want, i;
	int ret;

	lockdep_assert_held(&inst->lock);
	victims->n = 0;
	if (resident < goal)
		return 0;
	while (tries) {
		resident = atomic64_read(&inst->nr_resident);
		want = batch ?: min_t(u64, resident - goal + 1,
				      VMLAB_EVICT_BATCH_MAX);
		want = min_t(u64, want, tries);
		for (i = 0; i < want && tries; i++) {
			victim = vmlab_policy_choose(inst);
			if (!victim)
				break;
			tries--;
			/* out of the policy now: the next choice is another */
			vmlab_policy_remove(inst, victim);
			if (vmlab_access_needs(inst, victim, sig)) {
				vmlab_policy_keep(inst, victim);
				vmlab_count(inst, VMLAB_CNT_EVICT_PINNED);
				continue;
			}
			victims->f[victims->n++] = victim;
		}
		if (!victims->n) {
			if (victim)
				continue;
			break;
		}

		ret = vmlab_evict(inst, victims, reason, may_write);
		if (victims->n)
			return 0;
		/* some victims may have failed, but room is what counts */
		if (atomic64_read(&inst->nr_resident) < goal)
			return 0;
		if (ret && ret != -EBUSY)
			return ret;
	}
	return -ENOENT;
}

/*
 * Is the frame budget used up: must a miss evict before its page comes in?
 * Exact under the instance lock; without it (fault.c's fast path), a guess
 * that the miss checks again as it reserves its frame (page.c).
 */
bool vmlab_frames_full(struct vmlab_instance *inst)
{
	u64 frames = READ_ONCE(inst->frames);

	return frames && atomic64_read(&inst->nr_resident) >= frames;
}

/*
 * Keep the frame budget before a page comes in: when it is used up, evict
 * the policy's next evict_batch victims (vmlab_evict_to()).  0 when there
 * is room, or when there is none to be had without waiting (every page
 * pinned, or busy being written and the caller may not wait): the page is
 * then admitted past the budget (*@past) and vmlab_stats.over_budget
 * counts it.  0
 * too with victims to write (@victims holds them, busy:
 * vmlab_evict_write() once the caller dropped its locks), -errno from the
 * store, or -EAGAIN when the caller should wait for a busy page and retry.
 */
int vmlab_make_room(struct vmlab_instance *inst, bool may_write, u32 sig,
		    struct vmlab_batch *victims, bool *past)
{
	int ret;

	lockdep_assert_held(&inst->lock);
	victims->n = 0;
	*past = false;
	if (!vmlab_frames_full(inst))
		return 0;
	ret = vmlab_evict_to(inst, inst->frames, inst->evict_batch, may_write,
			     sig, VMLAB_EVICT_REASON_BUDGET, victims);
	if (ret != -ENOENT)
		return ret;
	if (inst->nr_busy && may_write)
		return -EAGAIN;
	/*
	 * Every page the policy holds is pinned or needed by this access, or
	 * being written by a fault that cannot wait: admit this one past the
	 * budget, as reclaim leaves pinned pages where they are, and count it.
	 */
	vmlab_count(inst, VMLAB_CNT_OVER_BUDGET);
	*past = true;
	return 0;
}

/* ------------------------------------------------------ the page daemon */

/* Are fewer than @mark frames free, with the daemon on? */
static bool vmlab_daemon_below(struct vmlab_instance *inst, u32 mark)
{
	u64 resident = atomic64_read(&inst->nr_resident);

	lockdep_assert_held(&inst->lock);
	if (!inst->high_watermark || !inst->frames)
		return false;
	return resident > inst->frames || inst->frames - resident < mark;
}

/*
 * One pass of the page daemon: evict the policy's victims until
 * high_watermark frames are free, through vmlab_evict_to() as a miss does,
 * writing dirty victims with no lock held, as a user fault does.  It stops
 * early when nothing more can be evicted (every page pinned or busy) or a
 * write failed (the page stays resident, dirty); the next miss below
 * low_watermark wakes it again.  It runs in a kworker, which is never the
 * task of the last access, so vmlab_access_needs() spares nothing for it.
 */
static void vmlab_daemon_work(struct work_struct *work)
{
	struct vmlab_instance *inst = container_of(work, struct vmlab_instance,
						   daemon_work);
	struct vmlab_batch victims;
	int ret = 0;

	vmlab_lock(inst);
	while (!ret && vmlab_daemon_below(inst, inst->high_watermark)) {
		/* resident <= frames - high: high frames free */
		ret = vmlab_evict_to(inst, inst->frames - inst->high_watermark + 1,
				     0, true, 0, VMLAB_EVICT_REASON_DAEMON,
				     &victims);
		if (!victims.n)
			continue;
		mutex_unlock(&inst->lock);
		ret = vmlab_evict_write(inst, &victims, VMLAB_EVICT_REASON_DAEMON);
		cond_resched();
		vmlab_lock(inst);
	}
	/* counted once the pass is over: a caller polling it may go on */
	vmlab_count(inst, VMLAB_CNT_DAEMON_RUNS);
	mutex_unlock(&inst->lock);
}

void vmlab_daemon_init(struct vmlab_instance *inst)
{
	INIT_WORK(&inst->daemon_work, vmlab_daemon_work);
}

/* A miss (or a new config) may have left too few frames free: wake it. */
void vmlab_daemon_kick(struct vmlab_instance *inst)
{
	lockdep_assert_held(&inst->lock);
	if (vmlab_daemon_below(inst, inst->low_watermark))
		queue_work(vmlab_unbound_wq, &inst->daemon_work);
}

/*
 * Cancel a pass not started, wait for one running.  No vmlab lock held:
 * the pass takes the instance lock.
 */
void vmlab_daemon_cancel(struct vmlab_instance *inst)
{
	cancel_work_sync(&inst->daemon_work);
}

/*
 * @f is being mapped: it enters the software TLB and, with @trim, the oldest
 * pages leave until the window holds tlb_window.  A fault the kernel takes
 * does not trim: a copy_from_user() or a page-by-page get_user_pages() over
 * two pages would otherwise unmap the first while faulting the second, and
 * retry forever with a window of one.  The next user fault trims.
 */
void vmlab_window_add(struct vmlab_instance *inst, struct vmlab_frame *f,
		      bool trim)
{
	struct vmlab_frame *old;

	lockdep_assert_held(&inst->lock);
	if (!inst->tlb_window || !list_empty(&f->window))
		return;
	list_add_tail(&f->window, &inst->window);
	inst->nr_window++;
	while (trim && inst->nr_window > inst->tlb_window) {
		old = list_first_entry(&inst->window, struct vmlab_frame, window);
		vmlab_unmap_frame(inst, old, VMLAB_TLB_REASON_WINDOW);
		old->window_unmapped = true;
	}
}
