// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - an instance's life: its creation at open() and its end at the
 * last close, and the private pseudo filesystem that gives each instance
 * an inode, so that every mapping of the instance, in every process, shares
 * one address_space (file->f_mapping, set by dev.c) and one i_mmap tree.
 * The anon inode's a_ops has noop_dirty_folio, which the core's
 * fault_dirty_shared_page() needs; the char device's own inode has none.
 *
 * Lock order, outermost first; a lock is taken only with those above it
 * (or none) held:
 *
 *   vmlab_instance.read_lock		read(): serialises readers
 *   vmlab_bpf_lock			the BPF policies registered, and the
 *					instance each serves (bpf_policy.c)
 *   daemon_work, wb_work		a worker's run: cancel_work_sync()
 *					waits for it (below)
 *     mm->mmap_lock, or the faulting VMA's lock (6.4+)
 *					the core's: read around ->fault and
 *					->page_mkwrite; write around ->mmap
 *					and ->open; either around ->close
 *       vmlab_instance.lock		the instance lock
 *         vmlab_instance.vma_lock	the instance's VMAs (policy.c)
 *           another mm's mmap_lock	TRYLOCK ONLY, for accessed bits
 *         folio lock (lock_page)	victims in page order (evict.c); a
 *					faulted page until its PTE is in
 *           mapping->i_mmap_rwsem	unmap_mapping_range() (evict.c)
 *             PTE lock			the zap; ->fault's own install
 *					(6.15+), the core's finish_fault()
 *         backing file's page cache	a swap-in's buffered read (store.c):
 *					its folio locks, invalidate_lock
 *         xa_lock			inside xa_*() on the instance's xarrays
 *         frame_lock			the frame pool (page.c); also taken
 *					with no vmlab lock, by a miss
 *       vmlab_mm_lock			the mms that map an instance (ktlb.c)
 *       vmlab_instance.walks_lock	deferred walks, in fault order (fault.c)
 *       ring.lock			irq-safe, any context (events.c)
 *
 * Nothing is taken under vmlab_mm_lock, walks_lock, frame_lock, ring.lock
 * or xa_lock.  ring.lock
 * is taken from the tlb:tlb_flush probe, in IPI context or under the PTE
 * lock, so always with interrupts off.  In detail:
 *
 * - read_lock is held across copy_to_user(), which may fault on vmlab
 *   memory and so take an mmap lock and the instance lock: it is never
 *   taken under either.
 *
 * - The instance lock guards the config, the pages xarray and every frame,
 *   the policy's lists, slots and hand, the software TLB window, the
 *   store's xarrays and backing file, nr_busy and err_task.  The counters
 *   are per CPU (this_cpu_inc(), summed by a read); the levels
 *   VMLAB_GET_STATS reads (nr_resident, store_pages, nr_window) are
 *   atomics or READ_ONCE(); so are the copies of the config
 *   a fault reads before it takes the lock (nr_pages, frames, flags,
 *   event_mask, policy).  A function that needs the lock held asserts it
 *   with lockdep_assert_held().
 *
 * - Faults with no software TLB, under a policy whose hit is a mark, take
 *   no instance lock (fault.c's fast paths):
 *
 *   A hit (or a write upgrade) finds the frame with an RCU lookup of the
 *   pages xarray (frames are never freed before the instance: page.c),
 *   pins its page and takes the page's lock, and under that lock checks
 *   that the page is still the frame's and resident, and writes the
 *   frame's hit marks (visited, freq) and zero with WRITE_ONCE().  Every
 *   change to a frame's residency (eviction, which clears ->mapping)
 *   happens under the page lock too.
 *
 *   A miss while the budget has a free frame allocates its page and frame
 *   (the pool's frame_lock), locks the page, and under rcu_read_lock()
 *   reads the conditions again, reserves a frame of the budget with a
 *   compare-and-exchange on nr_resident, and under the xarray's lock
 *   stores the frame if the slot is empty and the store has no copy of
 *   the page; then it queues the frame, lock-free, for the policy.  The
 *   frame is ADMITTING until the instance lock's next holder puts it in
 *   the policy: vmlab_lock(), which every holder takes the lock with,
 *   drains the queue first.  A page with contents is always in the xarray
 *   or the store: an eviction puts it in the store before it vacates the
 *   slot, a swap-in takes it out of the store after it occupied the slot,
 *   both under the instance lock.  A miss under the lock inserts only
 *   where the xarray is still empty, and retries if such a miss came
 *   first.  Before SET_CONFIG changes the budget, vmlab_misses_lock()
 *   stops these misses and waits a grace period, under the instance lock:
 *   a budget never counts a miss it did not see.
 *
 * - mmap_lock -> instance lock: a fault holds its mm's mmap lock (or VMA
 *   lock) and takes the instance lock; mmap() holds the mmap lock for
 *   writing and takes it too.  VMLAB_WALK and the deferred walk take an
 *   mmap lock holding no vmlab lock.  No task waits for an mmap lock while
 *   it holds the instance lock.
 *
 *   The one exception is a trylock.  CLOCK and LRU_APPROX read the accessed
 *   bits of every VMA of the instance, under the instance lock and
 *   vma_lock, and need the VMA's mm's mmap lock to read the VMA and walk
 *   its page tables: policy.c takes it with mmap_read_trylock().  A trylock
 *   never waits, so it closes no cycle: a fault that holds that mmap lock
 *   and waits for the instance lock, a munmap() that waits for it for
 *   writing (behind which a waiting reader would queue), ->close holding it
 *   and waiting for vma_lock - each goes on once the policy lets go.  An
 *   mm whose lock is busy counts as a reference (the page gets a second
 *   chance); the hand's sweep is bounded, so that costs accuracy only.  The
 *   VMA a link names is valid while vma_lock is held: ->close unlinks it
 *   before the core frees it, and the VMA keeps its mm.
 *
 * - vma_lock and vmlab_mm_lock guard lists that mmap() changes under the
 *   instance lock and ->open and ->close change without it.
 *
 * - Folio locks: ->fault locks its page under the instance lock and keeps
 *   it locked until the PTE is in: it drops the instance lock and installs
 *   the PTE itself, or returns the page locked for the core to install, as
 *   filemap_fault() does (fault.c says which).  So an eviction (which locks
 *   the victim under the instance lock before unmapping it) cannot take the
 *   page between ->fault and its PTE.  ->page_mkwrite of a fresh page locks
 *   it without the instance lock.  No path takes the instance lock with a
 *   folio lock held, and only an eviction holds more than one (in page
 *   order, under the instance lock, so one task at a time).
 *
 * - Writes to the backing file run with no vmlab lock and no mmap lock
 *   held.  A task in write(backing_fd, vmlab_memory, n) holds the backing
 *   file system's freeze protection (sb_writers) and the inode's i_rwsem,
 *   then faults on vmlab memory, taking an mmap lock and the instance lock
 *   under them.  So a user fault that needs victims written drops the
 *   instance lock and the mmap lock and writes with neither
 *   (VM_FAULT_RETRY, as filemap_fault() drops the mmap lock for I/O;
 *   fault.c), and VMLAB_EVICT writes between its turns of the instance
 *   lock (evict.c).  A fault the kernel takes for the task (copy_*_user()
 *   in write(2), get_user_pages(), /proc/PID/mem) may hold those locks
 *   itself and cannot drop the mmap lock: its victims are parked in memory
 *   and written by a worker (wb_work, on the unbound work queue), which
 *   holds no vmlab lock across the write.  So are a user fault's when anyone holds
 *   the backing inode's lock (store.c).
 *
 * - The page daemon (daemon_work, on the unbound work queue; evict.c) runs
 *   with no lock held and takes the instance lock, as a fault would, to
 *   choose and unmap victims through the eviction a miss uses; it drops the
 *   lock to write them (vmlab_evict_write(), the frame state machine), as
 *   a user fault does, and takes it again.  It holds no mmap lock: the
 *   policy's accessed bits are read with the trylock above.  A fault wakes
 *   it (queue_work(), under the instance lock, which waits for nothing).
 *   Nobody waits for it with a vmlab lock or an mmap lock held: SET_CONFIG
 *   cancels it (cancel_work_sync()) before it takes the instance lock, and
 *   release before it frees the pages and the store (whose own worker it
 *   may have queued, for a victim parked while the backing inode was
 *   locked).  No fault or ioctl can requeue it after release, which holds
 *   the last reference to the file; the module cannot go before its files.
 *
 * - Reads from the backing file (swap-ins) run in the fault, under the
 *   mmap lock and the instance lock: a buffered read takes no freeze
 *   protection, and ext4, tmpfs and btrfs take no inode lock for it (XFS
 *   does: include/uapi/linux/vmlab.h says what that costs).  The backing
 *   file's folio locks and invalidate_lock come under the instance lock; a
 *   write(2) holding a folio lock copies from vmlab memory with page faults
 *   disabled, waiting for no vmlab lock.
 *
 * - Waits with no lock held: a fault that finds every candidate busy drops
 *   its locks before it waits on busy_wait (fault.c); teardown cancels
 *   daemon_work, then wb_work (cancel_work_sync()) and syncs the ring's
 *   irq_work; SET_CONFIG cancels daemon_work; debugfs's
 *   files take the instance lock, and their removal at release waits for
 *   them.  CLOCK_FLUSH's IPIs (on_each_cpu_mask(), waiting) are sent under
 *   the instance lock, after vma_lock is released.
 *
 * - RCU: the tlb:tlb_flush probe finds instances through vmlab_mm_links
 *   under rcu_read_lock(), so a link is freed with kfree_rcu() and an
 *   instance only after a grace period (free_work).
 *
 * - Page-table walks (walk.c) hold rcu_read_lock() and, except a fault's
 *   (below), the mmap lock for reading.  That keeps the tables khugepaged frees under the read
 *   lock (6.5+, pte_free_defer()), but not those munmap() frees after it
 *   downgraded to the read lock (unmap_region(), before ->close): 6.1 on
 *   x86 without a paravirt hypervisor frees them with tlb_remove_page(),
 *   after the TLB flush, not a grace period.  Such tables cover only
 *   addresses that no VMA in the mm's tree maps: the policy skips a VMA
 *   munmap() took out of the tree but has not closed yet (policy.c).
 *   VMLAB_WALK and a fault's walk, which walk any address of the task's
 *   own mm, also keep interrupts off, as GUP-fast does: the TLB flush that
 *   comes before that free is an IPI to every CPU running the mm, this one
 *   included, and it waits for them.  That is all a fault's walk in the
 *   handler needs, after its PTE is in: it may hold the VMA's lock and no
 *   mmap lock.  A walk of another task's mm (a remote access) holds its
 *   mmap lock and goes only where a VMA in the tree covers the address, as
 *   the policy's reads do (walk.c).
 *
 * - A fault's deferred walk (task_work, at the faulting task's return to
 *   user space) holds no vmlab lock, takes the mmap lock for reading, and
 *   pins the instance, and the module, with a reference to the file.
 *   walks_lock, a leaf, guards the queue of deferred walks (fault.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>

#include "vmlab.h"

unsigned int vmlab_max_region_mb = 1024;
module_param_named(max_region_mb, vmlab_max_region_mb, uint, 0644);
MODULE_PARM_DESC(max_region_mb, "Largest region an instance may map, in MiB (default 1024)");

unsigned int vmlab_max_ring_records = 65536;
module_param_named(max_ring_records, vmlab_max_ring_records, uint, 0644);
MODULE_PARM_DESC(max_ring_records, "Largest event ring of an instance, in records (default 65536)");

atomic_long_t vmlab_nr_instances = ATOMIC_LONG_INIT(0);

static atomic_t vmlab_next_id = ATOMIC_INIT(0);
static struct workqueue_struct *vmlab_wq;

u64 vmlab_max_region_size(void)
{
	return (u64)READ_ONCE(vmlab_max_region_mb) << 20;
}

/* ---------------------------------------------------- the pseudo filesystem */

#define VMLAB_FS_MAGIC	0x766d6c62	/* "vmlb" */

static struct vfsmount *vmlab_mnt;

static int vmlab_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, VMLAB_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the kernel-internal mount would pin the module forever.  The
 * mount lives from module init to exit.
 */
static struct file_system_type vmlab_fs_type = {
	.name			= "vmlab",
	.init_fs_context	= vmlab_init_fs_context,
	.kill_sb		= kill_anon_super,
};

/* --------------------------------------------------------- an instance */

/*
 * A new instance for @file, opened by its caller: its own inode, the
 * default config, nothing mapped.
 */
struct vmlab_instance *vmlab_instance_create(struct file *file)
{
	struct vmlab_instance *inst;
	u64 region = vmlab_max_region_size();
	int ret;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst)
		return ERR_PTR(-ENOMEM);
	inst->counters = alloc_percpu_gfp(struct vmlab_counters,
					  GFP_KERNEL_ACCOUNT);
	if (!inst->counters) {
		ret = -ENOMEM;
		goto free_inst;
	}
	ret = vmlab_policy_init(inst);
	if (ret)
		goto free_counters;
	inst->inode = alloc_anon_inode(vmlab_mnt->mnt_sb);
	if (IS_ERR(inst->inode)) {
		ret = PTR_ERR(inst->inode);
		goto free_policy;
	}

	inst->id = atomic_inc_return(&vmlab_next_id);
	inst->pfn_visible = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	mutex_init(&inst->lock);
	mutex_init(&inst->read_lock);
	xa_init_flags(&inst->pages, XA_FLAGS_ACCOUNT);
	vmlab_frames_init(inst);
	INIT_LIST_HEAD(&inst->mms);
	INIT_LIST_HEAD(&inst->window);
	spin_lock_init(&inst->walks_lock);
	spin_lock_init(&inst->note_lock);
	INIT_LIST_HEAD(&inst->walks);
	vmlab_daemon_init(inst);
	vmlab_store_init(inst);
	vmlab_ring_init(&inst->ring);
	inst->cfg.size = sizeof(inst->cfg);
	inst->cfg.region_size = region;
	inst->cfg.ring_records = min_t(u32, VMLAB_DEFAULT_RING,
				       vmlab_max_ring_records);
	inst->nr_pages = region >> PAGE_SHIFT;
	atomic_long_inc(&vmlab_nr_instances);
	return inst;

free_policy:
	vmlab_policy_free(inst);
free_counters:
	free_percpu(inst->counters);
free_inst:
	kfree(inst);
	return ERR_PTR(ret);
}

/*
 * After a grace period, in process context: the TLB flush probe (an RCU
 * reader that may queue the ring's irq_work) is done with the instance,
 * and irq_work_sync() may sleep.
 */
static void vmlab_instance_free_work(struct work_struct *work)
{
	struct vmlab_instance *inst = container_of(to_rcu_work(work),
						   struct vmlab_instance,
						   free_work);

	vmlab_ring_free(&inst->ring);
	free_percpu(inst->counters);
	kfree(inst);
	atomic_long_dec(&vmlab_nr_instances);
}

/*
 * The instance's file is released: nothing maps the instance, no fault or
 * deferred walk can reach it (each holds the file).
 */
void vmlab_instance_destroy(struct vmlab_instance *inst)
{
	/* before the pages and the store: a pass evicts into the store */
	vmlab_daemon_cancel(inst);
	vmlab_mm_untrack_all(inst);
	/* its pages leave a BPF policy's ops before they are freed */
	vmlab_bpf_policy_release(inst);
	vmlab_pages_free(inst);
	vmlab_store_free(inst);
	vmlab_policy_free(inst);
	iput(inst->inode);
	mutex_destroy(&inst->read_lock);
	mutex_destroy(&inst->lock);
	/* the TLB flush probe may still be looking at the instance */
	INIT_RCU_WORK(&inst->free_work, vmlab_instance_free_work);
	queue_rcu_work(vmlab_wq, &inst->free_work);
}

int vmlab_instance_init(void)
{
	int ret;

	if (!is_power_of_2(vmlab_max_ring_records) || !vmlab_max_region_mb) {
		pr_err("max_ring_records must be a power of two, max_region_mb above 0\n");
		return -EINVAL;
	}
	/* unbound: nothing queued here needs a CPU (and 7.x wants it said) */
	vmlab_wq = alloc_workqueue("vmlab", WQ_UNBOUND, 0);
	if (!vmlab_wq)
		return -ENOMEM;
	vmlab_mnt = kern_mount(&vmlab_fs_type);
	if (IS_ERR(vmlab_mnt)) {
		ret = PTR_ERR(vmlab_mnt);
		goto destroy_wq;
	}
	return 0;

destroy_wq:
	destroy_workqueue(vmlab_wq);
	return ret;
}

void vmlab_instance_exit(void)
{
	/* instances are freed by work queued after an RCU grace period */
	rcu_barrier();
	destroy_workqueue(vmlab_wq);
	kern_unmount(vmlab_mnt);
	WARN_ON(atomic_long_read(&vmlab_nr_instances));
}
