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
#include "vmlab_policy.h"

#define FRAMES	4096			/* the ring: frames beyond it are FIFO's */

__u32 page_of[FRAMES];			/* the page in each frame, or NIL */
__u8 ref[FRAMES];
__u32 frame_of[VMLAB_POLICY_PAGES];	/* the frame of each page, + 1 */
__u32 free_frames[FRAMES];		/* frames left by pages gone */
__u32 nr_free, nr_used, hand;

SEC("struct_ops/clock_resident")
void BPF_PROG(clock_resident, struct vmlab_policy_ctx *lab, __u64 pgoff)
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
	ref[f] = 1;			/* coming in is its first reference */
	frame_of[VP_IDX(pgoff)] = f + 1;
}

SEC("struct_ops/clock_reference")
void BPF_PROG(clock_reference, struct vmlab_policy_ctx *lab, __u64 pgoff,
	      __u32 flags)
{
	if (pgoff < VMLAB_POLICY_PAGES && frame_of[VP_IDX(pgoff)])
		ref[(frame_of[VP_IDX(pgoff)] - 1) & (FRAMES - 1)] = 1;
}

SEC("struct_ops/clock_leaving")
void BPF_PROG(clock_leaving, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	__u32 f;

	if (pgoff >= VMLAB_POLICY_PAGES || !frame_of[VP_IDX(pgoff)] || nr_free >= FRAMES)
		return;
	f = (frame_of[VP_IDX(pgoff)] - 1) & (FRAMES - 1);
	frame_of[VP_IDX(pgoff)] = 0;
	page_of[f] = NIL;
	free_frames[nr_free++ & (FRAMES - 1)] = f;
	if (nr_free == nr_used) {	/* all gone: the ring starts again */
		nr_free = 0;
		nr_used = 0;
		hand = 0;
	}
}

/* One step of the hand: the frame it passes; stop (1) at a clear bit */
static long clock_step(__u32 i, void *data)
{
	__u32 f = hand & (FRAMES - 1);
	__u64 *victim = data;

	if (!nr_used)
		return 1;
	hand = (hand + 1) % nr_used;
	if (page_of[f] == NIL)
		return 0;		/* a frame left empty */
	if (!ref[f]) {
		*victim = page_of[f];
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
	bpf_loop(2 * FRAMES + 1, clock_step, &victim, 0);
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
