/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - what a replacement policy written in BPF includes: the ABI
 * (struct vmlab_policy_ops and its context, include/uapi/linux/vmlab.h),
 * libbpf's helpers, and what the examples here share: a list of pages kept
 * in an array indexed by page, and, for a policy that defines VP_FRAMES
 * before it includes this, a table of that many frames.  A policy keeps
 * pages below VMLAB_POLICY_PAGES; others it never chooses (FIFO then does).
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

#ifdef VP_FRAMES
/*
 * Frames (VP_FRAMES, a power of two) and the pages in them, for a policy
 * that keeps state per frame (CLOCK's ring, LFU's counts).  A page comes
 * in to the frame the last page to leave left, as a victim's frame goes to
 * the page that replaces it in the textbook, else to the next frame never
 * used; with every frame taken it gets none, and the policy leaves it to
 * FIFO.  Frame indexes are masked where they index: the verifier checks
 * every one.
 */
struct vp_frames {
	__u32 page_of[VP_FRAMES];		/* the page in each frame, or NIL */
	__u32 frame_of[VMLAB_POLICY_PAGES];	/* the frame of each page, + 1 */
	__u32 free[VP_FRAMES];			/* frames left by pages gone */
	__u32 nr_free, nr_used;
};

#define VP_FRAME(f)		((f) & (VP_FRAMES - 1))

/* A frame for page @pgoff, coming in: its index, or NIL if none is free. */
static __always_inline __u32 vp_frame_take(struct vp_frames *fr, __u64 pgoff)
{
	__u32 f;

	if (pgoff >= VMLAB_POLICY_PAGES)
		return NIL;
	if (fr->nr_free && fr->nr_free <= VP_FRAMES)
		f = VP_FRAME(fr->free[VP_FRAME(--fr->nr_free)]);
	else if (fr->nr_used < VP_FRAMES)
		f = VP_FRAME(fr->nr_used++);
	else
		return NIL;
	fr->page_of[f] = pgoff;
	fr->frame_of[VP_IDX(pgoff)] = f + 1;
	return f;
}

/* The frame page @pgoff is in, or NIL. */
static __always_inline __u32 vp_frame_of(struct vp_frames *fr, __u64 pgoff)
{
	if (pgoff >= VMLAB_POLICY_PAGES || !fr->frame_of[VP_IDX(pgoff)])
		return NIL;
	return VP_FRAME(fr->frame_of[VP_IDX(pgoff)] - 1);
}

/* Page @pgoff leaves its frame, for the next page to come in. */
static __always_inline void vp_frame_give(struct vp_frames *fr, __u64 pgoff)
{
	__u32 f = vp_frame_of(fr, pgoff);

	if (f == NIL || fr->nr_free >= VP_FRAMES)
		return;
	fr->frame_of[VP_IDX(pgoff)] = 0;
	fr->page_of[VP_FRAME(f)] = NIL;
	fr->free[VP_FRAME(fr->nr_free++)] = f;
}
#endif /* VP_FRAMES */

#endif /* _VMLAB_POLICY_H */
