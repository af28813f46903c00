// SPDX-License-Identifier: GPL-2.0
/*
 * FIFO as a vmlab BPF policy: the page resident longest goes.  The
 * smallest policy there is: a list in load order.
 *
 *   vmlab run --policy bpf:build/bpf/policies/fifo.bpf.o --frames 4 ...
 */
#include "vmlab_policy.h"

struct vp_link links[VMLAB_POLICY_PAGES];
struct vp_list fifo = { NIL, NIL };

SEC("struct_ops/fifo_resident")
void BPF_PROG(fifo_resident, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	vp_append(&fifo, links, pgoff);
}

SEC("struct_ops/fifo_leaving")
void BPF_PROG(fifo_leaving, struct vmlab_policy_ctx *lab, __u64 pgoff)
{
	vp_unlink(&fifo, links, pgoff);
}

SEC("struct_ops/fifo_choose")
__u64 BPF_PROG(fifo_choose, struct vmlab_policy_ctx *lab)
{
	return fifo.first == NIL ? VMLAB_BPF_NO_VICTIM : fifo.first;
}

SEC(".struct_ops.link")
struct vmlab_policy_ops fifo_ops = {
	.resident	= (void *)fifo_resident,
	.leaving	= (void *)fifo_leaving,
	.choose		= (void *)fifo_choose,
	.name		= "fifo",
};

char LICENSE[] SEC("license") = "GPL";
