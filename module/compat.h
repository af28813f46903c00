/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - every kernel-version shim in one place.  vmlab targets 6.1 and
 * builds on later kernels through these.
 */
#ifndef _VMLAB_COMPAT_H
#define _VMLAB_COMPAT_H

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

#endif /* _VMLAB_COMPAT_H */
