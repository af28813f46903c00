// SPDX-License-Identifier: GPL-2.0
/*
 * CLOCK (second chance) as a vmlab BPF policy: the resident pages sit in a
 * ring of frames, each with a reference bit, set when the page comes in
 * and by every hit the module reports; a hand sweeps the ring,
 * clearing set bits, and evicts the first page whose bit is clear.  A new
 * page takes the frame its victim left, as in the textbook (and the
 * simulator's CLOCK).  With a software TLB of one page the module reports
 * every reference but an immediate repeat; without one, only faults, and
 * the accessed bits VMLAB_RESIDENT_YOUNG samples.
 */
#define VP_FRAMES	4096		/* the ring: pages beyond it are FIFO's */
#include "vmlab_policy.h"

struct vp_frames fr;
__u8 ref[VP_FRAMES];
__u32 hand;

SEC("struct_ops/clock_resident")
void BPF_PROG(clock_resident, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	__u32 f = vp_frame_take(&fr, pgoff);

	if (f != NIL)
		ref[VP_FRAME(f)] = 1;	/* coming in is its first reference */
}

SEC("struct_ops/clock_reference")
void BPF_PROG(clock_reference, struct vmlab_policy_ctx *lab, __u64 pgoff,
	      __u32 flags)
{
	__u32 f = vp_frame_of(&fr, pgoff);

	if (f != NIL)
		ref[VP_FRAME(f)] = 1;
}

SEC("struct_ops/clock_leaving")
void BPF_PROG(clock_leaving, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	vp_frame_give(&fr, pgoff);
	if (fr.nr_free == fr.nr_used) {	/* all gone: the ring starts again */
		fr.nr_free = 0;
		fr.nr_used = 0;
		hand = 0;
	}
}

/* One step of the hand: the frame it passes; stop (1) at a clear bit */
static long clock_step(__u32 i, void *data)
{
	__u32 f = VP_FRAME(hand);
	__u64 *victim = data;

	if (!fr.nr_used)
		return 1;
	hand = (hand + 1) % fr.nr_used;
	if (fr.page_of[f] == NIL)
		return 0;		/* a frame left empty */
	if (!ref[f]) {
		*victim = fr.page_of[f];
		return 1;
	}
	ref[f] = 0;
	return 0;
}

SEC("struct_ops/clock_choose")
__u64 BPF_PROG(clock_choose, struct vmlab_policy_ctx *lab)
{
	__u64 victim = VMLAB_BPF_NO_VICTIM;

	/* it clears what it passes: two turns at the most */
	bpf_loop(2 * VP_FRAMES + 1, clock_step, &victim, 0);
	return victim;
}

SEC(".struct_ops.link")
struct vmlab_policy_ops clock_ops = {
	.resident	= (void *)clock_resident,
	.reference	= (void *)clock_reference,
	.leaving	= (void *)clock_leaving,
	.choose		= (void *)clock_choose,
	.name		= "clock",
};

char LICENSE[] SEC("license") = "GPL";
