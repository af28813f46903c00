// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - BPF policies that name bad victims, for bpf_policy_test: each
 * map is one ops, registered by itself.
 *
 *   gone   a page never resident: the region's last (the test never
 *          touches it)
 *   none   no page at all (VMLAB_BPF_NO_VICTIM)
 *   zero   page 0, always: resident or not, chosen already or not, pinned
 *          or not
 */
#include "vmlab_policy.h"

SEC("struct_ops/gone_choose")
__u64 BPF_PROG(gone_choose, struct vmlab_policy_ctx *lab)
{
	return lab->nr_pages - 1;
}

SEC("struct_ops/none_choose")
__u64 BPF_PROG(none_choose, struct vmlab_policy_ctx *lab)
{
	return VMLAB_BPF_NO_VICTIM;
}

SEC("struct_ops/zero_choose")
__u64 BPF_PROG(zero_choose, struct vmlab_policy_ctx *lab)
{
	return 0;
}

SEC(".struct_ops.link")
struct vmlab_policy_ops gone_ops = {
	.choose	= (void *)gone_choose,
	.name	= "test_gone",
};

SEC(".struct_ops.link")
struct vmlab_policy_ops none_ops = {
	.choose	= (void *)none_choose,
	.name	= "test_none",
};

SEC(".struct_ops.link")
struct vmlab_policy_ops zero_ops = {
	.choose	= (void *)zero_choose,
	.name	= "test_zero",
};

char LICENSE[] SEC("license") = "GPL";
