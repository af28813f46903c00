// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - the backing store: where evicted pages go and come back from.
 *
 * The memory store (no backing file) keeps an evicted page itself, unmapped,
 * in an xarray: nothing is copied and nothing can be lost.  The file store
 * writes page n at byte n * PAGE_SIZE of the backing file with
 * kernel_write() and reads it back with kernel_read().  A clean page whose
 * copy is in the file, or a page never written since it was zeroed, is
 * dropped with no I/O.
 *
 * Writes run with no vmlab lock and no mmap lock held (instance.c's lock
 * order says why): the faulting task writes its victims itself after
 * dropping both (evict.c, fault.c).  When it cannot drop the mmap lock, or
 * the backing inode's lock is taken by anyone (maybe by itself), the victim
 * is parked in the memory store, marked VMLAB_XA_UNWRITTEN, and a worker
 * writes it.  A worker's write that fails leaves the page parked: counted,
 * never lost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/bvec.h>
#include <linux/highmem.h>
#include <linux/uio.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include "compat.h"
#include "vmlab.h"

/* The memory store marks parked pages the worker must still write. */
#define VMLAB_XA_UNWRITTEN	XA_MARK_1

static void vmlab_store_worker(struct work_struct *work);

void vmlab_store_init(struct vmlab_instance *inst)
{
	xa_init_flags(&inst->store_mem, XA_FLAGS_ACCOUNT);
	xa_init_flags(&inst->store_file, XA_FLAGS_ACCOUNT);
	INIT_WORK(&inst->wb_work, vmlab_store_worker);
	init_waitqueue_head(&inst->busy_wait);
}

/* Free the store; no fault or worker can reach it any more. */
void vmlab_store_free(struct vmlab_instance *inst)
{
	struct page *page;
	unsigned long idx;

	cancel_work_sync(&inst->wb_work);
	xa_for_each(&inst->store_mem, idx, page)
		vmlab_page_release(page);
	xa_destroy(&inst->store_mem);
	xa_destroy(&inst->store_file);
	if (inst->backing)
		fput(inst->backing);
	inst->backing = NULL;
}

static bool vmlab_file_rw(struct file *file)
{
	return (file->f_mode & (FMODE_READ | FMODE_WRITE)) ==
	       (FMODE_READ | FMODE_WRITE) &&
	       (file->f_mode & FMODE_CAN_READ) && (file->f_mode & FMODE_CAN_WRITE);
}

/*
 * The backing file behind @fd, opened again for vmlab alone: buffered I/O
 * whatever the fd's own flags are, now or after an fcntl().  An O_DIRECT fd
 * is welcome, but O_DIRECT I/O from a kernel buffer fails (EFAULT on a kvec)
 * and a direct read takes the inode lock that the fd's owner holds in its
 * own direct write(backing_fd, vmlab_memory, n) while that faults.
 */
static struct file *vmlab_store_open(int fd)
{
	struct file *user, *file;
	struct inode *inode;

	user = fget(fd);
	if (!user)
		return ERR_PTR(-EBADF);
	inode = file_inode(user);
	/* a vmlab fd is a character device: refused here too */
	file = ERR_PTR(-EINVAL);
	if (!S_ISREG(inode->i_mode) || (user->f_flags & O_APPEND) ||
	    IS_APPEND(inode))
		goto put_user;
	file = ERR_PTR(-EACCES);
	if (!vmlab_file_rw(user))
		goto put_user;
	/* O_SYNC and O_DSYNC stay: they are what the file's user asked of it */
	file = dentry_open(&user->f_path,
			   O_RDWR | O_LARGEFILE | (user->f_flags & O_SYNC),
			   user->f_cred);
	if (!IS_ERR(file) && !vmlab_file_rw(file)) {
		fput(file);
		file = ERR_PTR(-EACCES);
	}
put_user:
	fput(user);
	return file;
}

/*
 * Choose the store: a file by @fd, or the memory store for -1.  Not while
 * the store holds a page or a write to the old file is in flight: its
 * copy would be indexed as in the new one.
 */
int vmlab_store_set(struct vmlab_instance *inst, int fd)
{
	struct file *file = NULL;
	int ret = 0;

	if (fd != -1) {
		file = vmlab_store_open(fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}

	vmlab_lock(inst);
	if (atomic64_read(&inst->store_pages) || inst->nr_busy)
		ret = -EBUSY;
	else
		swap(inst->backing, file);
	mutex_unlock(&inst->lock);
	if (file)
		fput(file);
	return ret;
}

/*
 * Does the store hold page @pgoff's contents?  Under the instance lock, or
 * under RCU by a miss without it (page.c).  A page leaves the memory store
 * for the file only after the file's index has it (the worker), and the
 * xarray stores entries with release semantics: a reader that finds it
 * gone from memory then finds it in the file.
 */
bool vmlab_store_has(struct vmlab_instance *inst, pgoff_t pgoff)
{
	if (xa_load(&inst->store_mem, pgoff))
		return true;
	smp_rmb();	/* the file's index after the memory store's */
	return xa_load(&inst->store_file, pgoff);
}

static int vmlab_store_park(struct vmlab_instance *inst, struct page *page,
			    pgoff_t pgoff, bool pending)
{
	int ret;

	ret = xa_err(xa_store(&inst->store_mem, pgoff, page, GFP_KERNEL_ACCOUNT));
	if (ret)
		return ret;
	if (pending)
		xa_set_mark(&inst->store_mem, pgoff, VMLAB_XA_UNWRITTEN);
	atomic64_inc(&inst->store_pages);
	return 0;
}

static ssize_t vmlab_store_io(struct file *file, struct page *page,
			      pgoff_t pgoff, bool write)
{
	loff_t pos = (loff_t)pgoff << PAGE_SHIFT;
	unsigned int nofs = memalloc_nofs_save();
	void *kaddr = kmap_local_page(page);
	ssize_t ret;

	if (write)
		ret = kernel_write(file, kaddr, PAGE_SIZE, &pos);
	else
		ret = kernel_read(file, kaddr, PAGE_SIZE, &pos);
	kunmap_local(kaddr);
	memalloc_nofs_restore(nofs);
	if (ret == PAGE_SIZE)
		return 0;
	/* a short write is a full disk; a short read, a hole past EOF */
	if (ret >= 0)
		return write ? -ENOSPC : -EIO;
	return ret;
}

/* Index page @pgoff as written to the file; 0 or -ENOMEM. */
static int vmlab_store_file_add(struct vmlab_instance *inst, pgoff_t pgoff)
{
	int ret;

	if (xa_load(&inst->store_file, pgoff))
		return 0;
	ret = xa_err(xa_store(&inst->store_file, pgoff, xa_mk_value(1),
			      GFP_KERNEL_ACCOUNT));
	if (!ret)
		atomic64_inc(&inst->store_pages);
	return ret;
}

/*
 * Would evicting the resident @f need a write (VMLAB_PAGE_DIRTY)?  Written
 * since its copy was made, or it has none.  The core marks the folio dirty
 * on the write fault or write upgrade that makes its PTE writable.
 */
bool vmlab_frame_dirty(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	return folio_test_dirty(page_folio(f->page)) ||
	       (!f->zero && !vmlab_store_has(inst, f->pgoff));
}

/*
 * Put the evicted, unmapped and locked page of @f in the store.  Returns
 * the VMLAB_EVICT_* action, or -errno with the page untouched.  After MOVE
 * and DEFER the store owns the page; after DROP the caller frees it; WRITE
 * means the caller must write it with vmlab_store_write() once it dropped
 * its locks (only when @may_write).
 */
int vmlab_store_out(struct vmlab_instance *inst, struct vmlab_frame *f,
		    bool dirty, bool may_write)
{
	struct file *file = inst->backing;
	u64 t0 = ktime_get_ns();
	int ret;

	lockdep_assert_held(&inst->lock);
	if (f->zero && !dirty) {
		vmlab_count(inst, VMLAB_CNT_CLEAN_DROPS);
		return VMLAB_EVICT_ACTION_DROP;
	}
	if (!file) {
		ret = vmlab_store_park(inst, f->page, f->pgoff, false);
		if (ret)
			return ret;
		vmlab_count(inst, VMLAB_CNT_SWAP_OUTS);
		vmlab_event_swap(inst, VMLAB_SWAP_OUT, f->pgoff, VMLAB_STORE_MEM, 0, t0);
		return VMLAB_EVICT_ACTION_MOVE;
	}
	if (!dirty && xa_load(&inst->store_file, f->pgoff)) {
		vmlab_count(inst, VMLAB_CNT_CLEAN_DROPS);
		return VMLAB_EVICT_ACTION_DROP;
	}
	if (may_write && !rwsem_is_locked(&file_inode(file)->i_rwsem))
		return VMLAB_EVICT_ACTION_WRITE;

	ret = vmlab_store_park(inst, f->page, f->pgoff, true);
	if (ret)
		return ret;
	queue_work(vmlab_unbound_wq, &inst->wb_work);
	return VMLAB_EVICT_ACTION_DEFER;
}

/*
 * Write the pages of @n frames with consecutive page offsets to the backing
 * file, with one write; no vmlab lock is held.  The caller completes each,
 * under the instance lock, with vmlab_store_written().
 */
int vmlab_store_write(struct vmlab_instance *inst, struct file *file,
		      struct vmlab_frame **f, unsigned int n)
{
	struct bio_vec bv[VMLAB_EVICT_BATCH_MAX];
	loff_t pos = (loff_t)f[0]->pgoff << PAGE_SHIFT;
	size_t len = (size_t)n << PAGE_SHIFT;
	u64 t0 = ktime_get_ns();
	struct iov_iter iter;
	unsigned int nofs, i;
	ssize_t ret;

	for (i = 0; i < n; i++) {
		bv[i].bv_page = f[i]->page;
		bv[i].bv_len = PAGE_SIZE;
		bv[i].bv_offset = 0;
	}
	iov_iter_bvec(&iter, WRITE, bv, n, len);
	nofs = memalloc_nofs_save();
	ret = vmlab_iter_write(file, &iter, &pos);
	memalloc_nofs_restore(nofs);
	/* a short write is a full disk */
	ret = ret == len ? 0 : ret < 0 ? ret : -ENOSPC;
	for (i = 0; i < n; i++)
		vmlab_event_swap(inst, VMLAB_SWAP_OUT, f[i]->pgoff,
				 VMLAB_STORE_FILE, ret, t0);
	if (ret)
		pr_warn_ratelimited("instance %u: writing pages %lu-%lu: %zd\n",
				    inst->id, f[0]->pgoff, f[n - 1]->pgoff, ret);
	return ret;
}

/*
 * Account a write's result @ret.  The copy counts only once it is indexed:
 * 0, or @ret or the index's -ENOMEM, when the page must stay in memory.
 */
int vmlab_store_written(struct vmlab_instance *inst, pgoff_t pgoff, int ret)
{
	lockdep_assert_held(&inst->lock);
	if (!ret)
		ret = vmlab_store_file_add(inst, pgoff);
	if (ret) {
		vmlab_count(inst, VMLAB_CNT_IO_ERRORS);
		return ret;
	}
	vmlab_count(inst, VMLAB_CNT_SWAP_OUTS);
	return 0;
}

/*
 * Page @pgoff's contents from the store, for a swap-in: the memory store's
 * own page, which stays there for now, or a new page read from the file.
 * NULL with *@err = 0 when the store has no copy (the page was zero), or
 * with *@err < 0 when reading failed.  The page leaves the store only once
 * it is resident (vmlab_store_taken()), or stays if it cannot be made so
 * (vmlab_store_unread()): a miss without the instance lock that finds the
 * page missing from the xarray finds it in the store (page.c).
 */
struct page *vmlab_store_read(struct vmlab_instance *inst, pgoff_t pgoff,
			      int *err)
{
	struct page *page;
	u64 t0;

	lockdep_assert_held(&inst->lock);
	*err = 0;
	page = xa_load(&inst->store_mem, pgoff);
	if (page)
		return page;
	if (!inst->backing || !xa_load(&inst->store_file, pgoff))
		return NULL;

	t0 = ktime_get_ns();
	page = vmlab_page_alloc(inst);
	if (!page) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = vmlab_store_io(inst->backing, page, pgoff, false);
	vmlab_event_swap(inst, VMLAB_SWAP_IN, pgoff, VMLAB_STORE_FILE, *err, t0);
	if (*err) {
		vmlab_count(inst, VMLAB_CNT_IO_ERRORS);
		vmlab_page_release(page);
		return NULL;
	}
	return page;
}

/*
 * @page, which vmlab_store_read() gave for @pgoff, is resident now.  One
 * from the memory store leaves it, with the store's reference, dirty if a
 * file may have no copy of it (never written, or being written); the
 * file keeps its copy of one read from it.
 */
void vmlab_store_taken(struct vmlab_instance *inst, struct page *page,
		       pgoff_t pgoff)
{
	u64 t0 = ktime_get_ns();
	bool pending;

	lockdep_assert_held(&inst->lock);
	vmlab_count(inst, VMLAB_CNT_SWAP_INS);
	if (xa_load(&inst->store_mem, pgoff) != page)
		return;
	pending = xa_get_mark(&inst->store_mem, pgoff, VMLAB_XA_UNWRITTEN);
	xa_clear_mark(&inst->store_mem, pgoff, VMLAB_XA_UNWRITTEN);
	vmlab_xa_vacate(&inst->store_mem, pgoff, page);
	atomic64_dec(&inst->store_pages);
	if (pending || inst->backing)
		folio_set_dirty(page_folio(page));
	vmlab_event_swap(inst, VMLAB_SWAP_IN, pgoff, VMLAB_STORE_MEM, 0, t0);
}

/*
 * @page, which vmlab_store_read() gave for @pgoff, could not be made
 * resident: one from the memory store stays there as it was; one read from
 * the file is freed (the file keeps its copy).
 */
void vmlab_store_unread(struct vmlab_instance *inst, struct page *page,
			pgoff_t pgoff)
{
	lockdep_assert_held(&inst->lock);
	if (xa_load(&inst->store_mem, pgoff) != page)
		vmlab_page_release(page);
}

/* Write the pages parked while their faulting task held the file's lock. */
static void vmlab_store_worker(struct work_struct *work)
{
	struct vmlab_instance *inst = container_of(work, struct vmlab_instance,
						   wb_work);
	struct page *page;
	struct file *file;
	unsigned long idx;
	u64 t0;
	int ret;

	for (;;) {
		vmlab_lock(inst);
		idx = 0;
		page = xa_find(&inst->store_mem, &idx, ULONG_MAX, VMLAB_XA_UNWRITTEN);
		if (!page || !inst->backing) {
			mutex_unlock(&inst->lock);
			return;
		}
		xa_clear_mark(&inst->store_mem, idx, VMLAB_XA_UNWRITTEN);
		get_page(page);
		file = get_file(inst->backing);
		mutex_unlock(&inst->lock);

		/* no instance lock here: the file's lock holder may fault */
		t0 = ktime_get_ns();
		ret = vmlab_store_io(file, page, idx, true);
		vmlab_event_swap(inst, VMLAB_SWAP_OUT, idx, VMLAB_STORE_FILE, ret, t0);

		vmlab_lock(inst);
		ret = vmlab_store_written(inst, idx, ret);
		/*
		 * A failed page stays parked in memory: nothing is lost.  A
		 * written one leaves memory if it is still parked as it was:
		 * not faulted back in meanwhile, nor faulted in, written to
		 * and parked again (the same page, marked pending again,
		 * whose new contents this write may not have seen).
		 */
		if (!ret) {
			if (xa_load(&inst->store_mem, idx) == page &&
			    !xa_get_mark(&inst->store_mem, idx,
					 VMLAB_XA_UNWRITTEN)) {
				vmlab_xa_vacate(&inst->store_mem, idx, page);
				atomic64_dec(&inst->store_pages);
				vmlab_page_release(page);
			}
		}
		mutex_unlock(&inst->lock);
		put_page(page);
		fput(file);
	}
}
