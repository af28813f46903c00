/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - every kernel-version shim in one place.  vmlab targets 6.1 and
 * builds on later kernels through these.
 */
#ifndef _VMLAB_COMPAT_H
#define _VMLAB_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>

/*
 * Features are probed in Kbuild against the kernel's headers, not guessed
 * from version numbers (distributions backport).
 */

/* 6.3 made vm_flags read-only and added vm_flags_set() */
#ifdef VMLAB_HAVE_VM_FLAGS_SET
static inline void vmlab_vm_flags_set(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}
#else
static inline void vmlab_vm_flags_set(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * The lock a fault handler runs under.  6.1 runs ->fault and ->page_mkwrite
 * under the mmap lock (read); from 6.4 a fault may run under the per-VMA
 * lock instead (FAULT_FLAG_VMA_LOCK), which from 6.7 vmlab's do, because
 * its vm_ops have ->map_pages (fault.c).  A handler that returns
 * VM_FAULT_RETRY after dropping the lock drops whichever it holds.
 */
#ifdef VMLAB_HAVE_RELEASE_FAULT_LOCK
static inline void vmlab_fault_unlock(struct vm_fault *vmf)
{
	release_fault_lock(vmf);
}

/*
 * ->page_mkwrite is passed FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE alone
 * (do_page_mkwrite()), which does not say which lock the fault holds: it
 * may be the VMA's.
 */
static inline bool vmlab_fault_vma_locked(struct vm_fault *vmf)
{
	return vmf->flags & (FAULT_FLAG_VMA_LOCK | FAULT_FLAG_MKWRITE);
}
#else
static inline void vmlab_fault_unlock(struct vm_fault *vmf)
{
	mmap_read_unlock(vmf->vma->vm_mm);
}

static inline bool vmlab_fault_vma_locked(struct vm_fault *vmf)
{
	return false;
}
#endif

/*
 * ->fault maps its page itself (fault.c) where the kernel exports a way to
 * map a normal, refcounted page from a fault handler with the protection
 * the fault needs: 6.15's vmf_insert_page_mkwrite(), read-only for a read
 * (the VMA's vm_page_prot, under write notification), writable, young and
 * dirty for a write.  Before it, vm_insert_page() maps with vm_page_prot
 * alone and, outside ->mmap, only in a VM_MIXEDMAP VMA, which would make
 * fork() copy a shared mapping's PTEs instead of letting the child fault
 * them in as minor faults: there the core installs the PTE.
 */
#ifdef VMLAB_HAVE_VMF_INSERT_PAGE_MKWRITE
#define VMLAB_CAN_INSERT_PAGE	true

static inline vm_fault_t vmlab_insert_page(struct vm_fault *vmf,
					   struct page *page, bool write)
{
	return vmf_insert_page_mkwrite(vmf, page, write);
}
#else
#define VMLAB_CAN_INSERT_PAGE	false

static inline vm_fault_t vmlab_insert_page(struct vm_fault *vmf,
					   struct page *page, bool write)
{
	return VM_FAULT_SIGBUS;
}
#endif

/*
 * Not mmap_assert_locked() or assert_fault_locked(): with CONFIG_DEBUG_VM
 * they call dump_mm() and dump_vma(), which are not exported.  The VMA
 * lock's layout changes from version to version; only the mmap lock is
 * checked.
 */
static inline void vmlab_fault_assert_locked(struct vm_fault *vmf)
{
	struct mm_struct *mm = vmf->vma->vm_mm;

	if (vmlab_fault_vma_locked(vmf))
		return;
	lockdep_assert_held(&mm->mmap_lock);
	WARN_ON_ONCE(!rwsem_is_locked(&mm->mmap_lock));
}

/*
 * A full TLB flush of this CPU, for VMLAB_CFG_CLOCK_FLUSH.  __flush_tlb_all()
 * is exported (GPL) through 6.x; later kernels export it to KVM alone, in a
 * symbol namespace, and nothing else exported flushes the entries of another
 * mm: there the option is refused (EOPNOTSUPP, VMLAB_INFO_TLB_FLUSH clear).
 */
#ifdef VMLAB_HAVE_FLUSH_TLB_ALL
#include <asm/tlbflush.h>

#define VMLAB_CAN_FLUSH_TLB	true

static inline void vmlab_flush_tlb_local(void)
{
	__flush_tlb_all();
}
#else
#define VMLAB_CAN_FLUSH_TLB	false

static inline void vmlab_flush_tlb_local(void)
{
}
#endif

/*
 * The system's unbound work queue, for the write-back worker and the page
 * daemon.  6.17 renamed it system_dfl_wq (backported to 6.12.y), and 7.x
 * warns once when work is queued on the old name.
 */
#ifdef VMLAB_HAVE_SYSTEM_DFL_WQ
#define vmlab_unbound_wq	system_dfl_wq
#else
#define vmlab_unbound_wq	system_unbound_wq
#endif

/*
 * A write of an iov_iter to the backing file, inside the file system's
 * freeze protection (sb_writers), as a write(2) is.  6.8 moved
 * file_start_write() into vfs_iter_write() ("fs: move file_start_write()
 * into vfs_iter_write()"); before, its callers took it.  Taking it around
 * the new vfs_iter_write() takes the read side of sb_writers twice, which a
 * freeze waiting in between turns into a deadlock (lockdep: "possible
 * recursive locking").  file_write_not_started() came with that change.
 */
static inline ssize_t vmlab_iter_write(struct file *file, struct iov_iter *iter,
				       loff_t *pos)
{
#ifdef VMLAB_HAVE_ITER_WRITE_FREEZE
	return vfs_iter_write(file, iter, pos, 0);
#else
	ssize_t ret;

	file_start_write(file);
	ret = vfs_iter_write(file, iter, pos, 0);
	file_end_write(file);
	return ret;
#endif
}

/*
 * BPF replacement policies (bpf_policy.c): a struct_ops type a module
 * registers, register_bpf_struct_ops(), came with 6.9; it needs the BPF
 * JIT and syscall (without them the call is a stub that registers
 * nothing).  The kernel refuses it at run time when the module has no BTF.
 */
#if defined(VMLAB_HAVE_REGISTER_STRUCT_OPS) && defined(CONFIG_BPF_JIT) && \
	defined(CONFIG_BPF_SYSCALL)
#define VMLAB_HAVE_BPF_POLICY
#endif

#endif /* _VMLAB_COMPAT_H */
