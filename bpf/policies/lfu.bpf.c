// SPDX-License-Identifier: GPL-2.0
/*
 * LFU with aging as a vmlab BPF policy (the module has no LFU built in):
 * each resident page counts its uses, 1 when it comes in and one more for
 * each hit, up to 255.  The victim is the page with the lowest count, the
 * one loaded first among equals; then every count is halved, so old
 * popularity fades and a page hot long ago can go.  O(frames) a victim;
 * the same as the simulator's LFU.
 */
#include "vmlab_policy.h"

#define FRAMES	1024			/* frames it keeps: beyond, FIFO's */

__u32 page_of[FRAMES];			/* the page in each frame, or NIL */
__u8 count[FRAMES];
__u64 loaded[FRAMES];			/* when it came in */
__u32 frame_of[VMLAB_POLICY_PAGES];	/* the frame of each page, + 1 */
__u32 free_frames[FRAMES];		/* frames left by pages gone */
__u32 nr_free, nr_used;
__u64 loads;

SEC("struct_ops/lfu_resident")
void BPF_PROG(lfu_resident, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	__u32 f;

	if (pgoff >= VMLAB_POLICY_PAGES)
		return;
	if (nr_free && nr_free <= FRAMES)
		f = free_frames[--nr_free & (FRAMES - 1)];
	else if (nr_used < FRAMES)
		f = nr_used++;
	else
		return;
	f &= FRAMES - 1;
	page_of[f] = pgoff;
	count[f] = 1;
	loaded[f] = ++loads;
	frame_of[VP_IDX(pgoff)] = f + 1;
}

SEC("struct_ops/lfu_reference")
void BPF_PROG(lfu_reference, struct vmlab_policy_ctx *lab, __u64 pgoff,
	      __u32 flags)
{
	__u32 f;

	if (pgoff >= VMLAB_POLICY_PAGES || !frame_of[VP_IDX(pgoff)] ||
	    !(flags & (VMLAB_REF_HIT | VMLAB_REF_SAMPLED)))
		return;
	f = (frame_of[VP_IDX(pgoff)] - 1) & (FRAMES - 1);
	if (count[f] < 255)
		count[f]++;
}

SEC("struct_ops/lfu_leaving")
void BPF_PROG(lfu_leaving, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	__u32 f;

	if (pgoff >= VMLAB_POLICY_PAGES || !frame_of[VP_IDX(pgoff)] || nr_free >= FRAMES)
		return;
	f = (frame_of[VP_IDX(pgoff)] - 1) & (FRAMES - 1);
	frame_of[VP_IDX(pgoff)] = 0;
	page_of[f] = NIL;
	free_frames[nr_free++ & (FRAMES - 1)] = f;
}

struct lfu_best {
	__u32 frame, count;
	__u64 loaded;
};

/* Frame @i: the best victim so far?  Its count halves after the look. */
static long lfu_look(__u32 i, void *data)
{
	struct lfu_best *b = data;
	__u32 f = i & (FRAMES - 1);

	if (i >= nr_used)
		return 1;
	if (page_of[f] == NIL)
		return 0;
	if (count[f] < b->count || (count[f] == b->count && loaded[f] < b->loaded)) {
		b->frame = f;
		b->count = count[f];
		b->loaded = loaded[f];
	}
	count[f] >>= 1;
	return 0;
}

SEC("struct_ops/lfu_choose")
__u64 BPF_PROG(lfu_choose, struct vmlab_policy_ctx *lab)
{
	struct lfu_best b = { .frame = NIL, .count = 256 };

	bpf_loop(FRAMES, lfu_look, &b, 0);
	return b.frame < FRAMES ? page_of[b.frame] : VMLAB_BPF_NO_VICTIM;
}

SEC(".struct_ops.link")
struct vmlab_policy_ops lfu_ops = {
	.resident	= (void *)lfu_resident,
	.reference	= (void *)lfu_reference,
	.leaving	= (void *)lfu_leaving,
	.choose		= (void *)lfu_choose,
	.name		= "lfu",
};

char LICENSE[] SEC("license") = "GPL";
