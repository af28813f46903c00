// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - the names of the ABI's enums, one table each.
 */
#include <string.h>

#include <linux/vmlab.h>

#include "names.h"
#include "util.h"

#define NAME_TABLE(var, unk, ...)					\
	static const char *const var##_v[] = { __VA_ARGS__ };		\
	const struct name_table var = { var##_v, ARRAY_SIZE(var##_v), unk }

const char *name_of(const struct name_table *t, uint32_t v)
{
	return v < t->n && t->names[v] ? t->names[v] : t->unknown;
}

int name_parse(const struct name_table *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->names[i] && !strcmp(name, t->names[i]))
			return i;
	return -1;
}

NAME_TABLE(level_names, "?",
	   [VMLAB_PGD] = "PGD",
	   [VMLAB_P4D] = "P4D",
	   [VMLAB_PUD] = "PUD",
	   [VMLAB_PMD] = "PMD",
	   [VMLAB_PTE] = "PTE");

NAME_TABLE(fault_kind_names, "unknown",
	   [VMLAB_FAULT_ZERO] = "zero",
	   [VMLAB_FAULT_MINOR] = "minor",
	   [VMLAB_FAULT_UPGRADE] = "upgrade",
	   [VMLAB_FAULT_SWAPIN] = "swapin",
	   [VMLAB_FAULT_SOFT] = "soft",
	   [VMLAB_FAULT_COW] = "cow");

NAME_TABLE(policy_names, "unknown",
	   [VMLAB_POLICY_FIFO] = "fifo",
	   [VMLAB_POLICY_RANDOM] = "random",
	   [VMLAB_POLICY_CLOCK] = "clock",
	   [VMLAB_POLICY_LRU_APPROX] = "lru-approx",
	   [VMLAB_POLICY_LRU] = "lru",
	   [VMLAB_POLICY_MRU] = "mru",
	   [VMLAB_POLICY_SIEVE] = "sieve",
	   [VMLAB_POLICY_S3FIFO] = "s3fifo",
	   [VMLAB_POLICY_SFIFO] = "sfifo",
	   [VMLAB_POLICY_TWOQ] = "2q",
	   [VMLAB_POLICY_WSCLOCK] = "wsclock",
	   [VMLAB_POLICY_BPF] = "bpf");

NAME_TABLE(tlb_origin_names, "unknown",
	   [VMLAB_TLB_ORIGIN_MODULE] = "module",
	   [VMLAB_TLB_ORIGIN_KERNEL] = "kernel");

/* the module's unmaps: any other reason is a plain unmap */
NAME_TABLE(tlb_module_reason_names, "unmap",
	   [VMLAB_TLB_REASON_EVICT] = "evict",
	   [VMLAB_TLB_REASON_WINDOW] = "window",
	   [VMLAB_TLB_REASON_CLOCK] = "clock");

/* the kernel's, as tlb:tlb_flush names them */
NAME_TABLE(tlb_kernel_reason_names, "unknown",
	   [VMLAB_TLB_ON_TASK_SWITCH] = "task-switch",
	   [VMLAB_TLB_REMOTE_SHOOTDOWN] = "remote-shootdown",
	   [VMLAB_TLB_LOCAL_SHOOTDOWN] = "local-shootdown",
	   [VMLAB_TLB_LOCAL_MM_SHOOTDOWN] = "local-mm-shootdown",
	   [VMLAB_TLB_REMOTE_SEND_IPI] = "remote-send-ipi");

NAME_TABLE(evict_action_names, "unknown",
	   [0] = "none",
	   [VMLAB_EVICT_ACTION_WRITE] = "write",
	   [VMLAB_EVICT_ACTION_MOVE] = "move",
	   [VMLAB_EVICT_ACTION_DROP] = "drop",
	   [VMLAB_EVICT_ACTION_DEFER] = "defer");

NAME_TABLE(evict_reason_names, "unknown",
	   [VMLAB_EVICT_REASON_BUDGET] = "budget",
	   [VMLAB_EVICT_REASON_FORCED] = "forced",
	   [VMLAB_EVICT_REASON_DAEMON] = "daemon");

NAME_TABLE(swap_dir_names, "unknown",
	   [VMLAB_SWAP_OUT] = "out",
	   [VMLAB_SWAP_IN] = "in");

NAME_TABLE(store_names, "unknown",
	   [VMLAB_STORE_MEM] = "memory",
	   [VMLAB_STORE_FILE] = "file");

const struct bit_name access_bits[4] = {
	{ VMLAB_ACC_READ, "read" },
	{ VMLAB_ACC_WRITE, "write" },
	{ VMLAB_ACC_EXEC, "exec" },
	{ VMLAB_ACC_USER, "user" },
};

const char *level_name(unsigned int level)
{
	return name_of(&level_names, level);
}

const char *fault_kind_name(uint32_t kind)
{
	return name_of(&fault_kind_names, kind);
}

const char *policy_name(uint32_t policy)
{
	return name_of(&policy_names, policy);
}

int policy_parse(const char *name)
{
	return name_parse(&policy_names, name);
}

bool policy_needs_window(uint32_t policy)
{
	return policy == VMLAB_POLICY_LRU || policy == VMLAB_POLICY_MRU ||
	       policy == VMLAB_POLICY_SFIFO || policy == VMLAB_POLICY_TWOQ;
}

const char *tlb_origin_name(uint32_t origin)
{
	return name_of(&tlb_origin_names, origin);
}

const char *tlb_reason_name(uint32_t origin, uint32_t reason)
{
	return name_of(origin == VMLAB_TLB_ORIGIN_MODULE ? &tlb_module_reason_names :
		       &tlb_kernel_reason_names, reason);
}

const char *evict_action_name(uint32_t action)
{
	return name_of(&evict_action_names, action);
}

const char *evict_reason_name(uint32_t reason)
{
	return name_of(&evict_reason_names, reason);
}

const char *swap_dir_name(uint32_t dir)
{
	return name_of(&swap_dir_names, dir);
}

const char *store_name(uint32_t store)
{
	return name_of(&store_names, store);
}
