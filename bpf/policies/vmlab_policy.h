/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - what a replacement policy written in BPF includes: the ABI
 * (struct vmlab_policy_ops and its context, include/uapi/linux/vmlab.h),
 * libbpf's helpers, and a list of pages kept in an array indexed by page,
 * which the examples here share.  A policy keeps pages below
 * VMLAB_POLICY_PAGES; others it never chooses (FIFO then does).
 */
#ifndef _VMLAB_POLICY_H
#define _VMLAB_POLICY_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/vmlab.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define VMLAB_POLICY_PAGES	65536	/* 256 MiB of 4 KiB pages */
#define NIL			0xffffffffU

/* One page's place in a list: the pages before and after it, or NIL */
struct vp_link {
	__u32 prev, next;
};

/* A list of pages, oldest first */
struct vp_list {
	__u32 first, last;
};

/*
 * The verifier checks every index into an array: VP_IDX() bounds one
 * whatever the compiler does with a test before it (clang may compute an
 * address ahead of the comparison that guards it).
 */
#define VP_IDX(i)		((i) & (VMLAB_POLICY_PAGES - 1))

static __always_inline struct vp_link *vp_at(struct vp_link *links, __u64 i)
{
	if (i >= VMLAB_POLICY_PAGES)
		return NULL;
	return &links[VP_IDX(i)];
}

/* Page @i becomes the newest of @l. */
static __always_inline void vp_append(struct vp_list *l, struct vp_link *links,
				      __u64 i)
{
	struct vp_link *n = vp_at(links, i), *last = vp_at(links, l->last);

	if (!n)
		return;
	n->prev = l->last;
	n->next = NIL;
	if (last)
		last->next = i;
	else
		l->first = i;
	l->last = i;
}

/* Page @i leaves @l. */
static __always_inline void vp_unlink(struct vp_list *l, struct vp_link *links,
				      __u64 i)
{
	struct vp_link *n = vp_at(links, i), *prev, *next;

	if (!n)
		return;
	prev = vp_at(links, n->prev);
	next = vp_at(links, n->next);
	if (prev)
		prev->next = n->next;
	else
		l->first = n->next;
	if (next)
		next->prev = n->prev;
	else
		l->last = n->prev;
}

#endif /* _VMLAB_POLICY_H */
