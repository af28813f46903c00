// SPDX-License-Identifier: GPL-2.0
/*
 * SIEVE (Zhang et al., NSDI'24) as a vmlab BPF policy: pages in load
 * order, a visited bit set by a hit, and a hand that moves from the oldest
 * page toward the newest, wrapping, clears the visited bits it passes and
 * evicts the first page not visited.  The hand stays where it stopped;
 * when its page leaves it moves to the next newer one (or to the oldest).
 * The same as the module's SIEVE and the simulator's.
 */
#include "vmlab_policy.h"

struct vp_link links[VMLAB_POLICY_PAGES];
__u8 visited[VMLAB_POLICY_PAGES];
struct vp_list queue = { NIL, NIL };
__u32 hand = NIL;		/* NIL: at the oldest page */

SEC("struct_ops/sieve_resident")
void BPF_PROG(sieve_resident, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	if (pgoff < VMLAB_POLICY_PAGES)
		visited[VP_IDX(pgoff)] = 0;
	vp_append(&queue, links, pgoff);
}

SEC("struct_ops/sieve_reference")
void BPF_PROG(sieve_reference, struct vmlab_policy_ctx *lab, __u64 pgoff,
	      __u32 flags)
{
	if (pgoff < VMLAB_POLICY_PAGES && (flags & (VMLAB_REF_HIT | VMLAB_REF_SAMPLED)))
		visited[VP_IDX(pgoff)] = 1;
}

SEC("struct_ops/sieve_leaving")
void BPF_PROG(sieve_leaving, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	struct vp_link *n = vp_at(links, pgoff);

	if (n && hand == pgoff)
		hand = n->next;
	vp_unlink(&queue, links, pgoff);
}

/* One step of the hand: stop (1) at a page not visited */
static long sieve_step(__u64 i, void *data)
{
	struct vp_link *n;
	__u32 p = hand;

	if (p >= VMLAB_POLICY_PAGES)
		p = queue.first;
	if (p >= VMLAB_POLICY_PAGES)
		return 1;
	hand = p;
	if (!visited[VP_IDX(p)])
		return 1;
	visited[VP_IDX(p)] = 0;
	n = &links[VP_IDX(p)];
	hand = n->next;
	return 0;
}

SEC("struct_ops/sieve_choose")
__u64 BPF_PROG(sieve_choose, struct vmlab_policy_ctx *lab)
{
	/* it clears what it passes: one turn and a step at the most */
	bpf_loop(VMLAB_POLICY_PAGES + 1, sieve_step, NULL, 0);
	if (hand >= VMLAB_POLICY_PAGES)
		hand = queue.first;
	return hand < VMLAB_POLICY_PAGES ? hand : VMLAB_BPF_NO_VICTIM;
}

SEC(".struct_ops.link")
struct vmlab_policy_ops sieve_ops = {
	.resident	= (void *)sieve_resident,
	.reference	= (void *)sieve_reference,
	.leaving	= (void *)sieve_leaving,
	.choose		= (void *)sieve_choose,
	.name		= "sieve",
};

char LICENSE[] SEC("license") = "GPL";
