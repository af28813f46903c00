// SPDX-License-Identifier: GPL-2.0
/*
 * LFU with aging as a vmlab BPF policy (the module has no LFU built in):
 * each resident page counts its uses, 1 when it comes in and one more for
 * each hit, up to 255.  The victim is the page with the lowest count, the
 * one loaded first among equals; then every count is halved, so old
 * popularity fades and a page hot long ago can go.  O(frames) a victim;
 * the same as the simulator's LFU.
 */
#define VP_FRAMES	1024		/* frames it keeps: beyond, FIFO's */
#include "vmlab_policy.h"

struct vp_frames fr;
__u8 count[VP_FRAMES];
__u64 loaded[VP_FRAMES];		/* when it came in */
__u64 loads;

SEC("struct_ops/lfu_resident")
void BPF_PROG(lfu_resident, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	__u32 f = vp_frame_take(&fr, pgoff);

	if (f == NIL)
		return;
	count[VP_FRAME(f)] = 1;
	loaded[VP_FRAME(f)] = ++loads;
}

SEC("struct_ops/lfu_reference")
void BPF_PROG(lfu_reference, struct vmlab_policy_ctx *lab, __u64 pgoff,
	      __u32 flags)
{
	__u32 f = vp_frame_of(&fr, pgoff);

	if (f == NIL || !(flags & (VMLAB_REF_HIT | VMLAB_REF_SAMPLED)))
		return;
	if (count[VP_FRAME(f)] < 255)
		count[VP_FRAME(f)]++;
}

SEC("struct_ops/lfu_leaving")
void BPF_PROG(lfu_leaving, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	vp_frame_give(&fr, pgoff);
}

struct lfu_best {
	__u32 frame, count;
	__u64 loaded;
};

/* Frame @i: the best victim so far?  Its count halves after the look. */
static long lfu_look(__u32 i, void *data)
{
	struct lfu_best *b = data;
	__u32 f = VP_FRAME(i);

	if (i >= fr.nr_used)
		return 1;
	if (fr.page_of[f] == NIL)
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

	bpf_loop(VP_FRAMES, lfu_look, &b, 0);
	return b.frame < VP_FRAMES ? fr.page_of[VP_FRAME(b.frame)] :
				     VMLAB_BPF_NO_VICTIM;
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
