/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - the names of the ABI's enums (include/uapi/linux/vmlab.h):
 * one table per enum, which every printer (the records of `vmlab run`,
 * `vmlab trace`, the benchmarks) and the tests that read their output use.
 */
#ifndef _VMLAB_NAMES_H
#define _VMLAB_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* A name for each value of an enum; a value out of range or without one
 * reads as @unknown. */
struct name_table {
	const char *const *names;
	unsigned int n;
	const char *unknown;
};

const char *name_of(const struct name_table *t, uint32_t v);
/* The value named @name, or -1 */
int name_parse(const struct name_table *t, const char *name);

extern const struct name_table level_names;	   /* VMLAB_PGD..VMLAB_PTE */
extern const struct name_table fault_kind_names;   /* VMLAB_FAULT_* */
extern const struct name_table policy_names;	   /* enum vmlab_policy */
extern const struct name_table tlb_origin_names;   /* VMLAB_TLB_ORIGIN_MODULE, _KERNEL */
extern const struct name_table tlb_module_reason_names; /* VMLAB_TLB_REASON_EVICT.. */
extern const struct name_table tlb_kernel_reason_names; /* as tlb:tlb_flush */
extern const struct name_table evict_action_names; /* VMLAB_EVICT_ACTION_WRITE.. */
extern const struct name_table evict_reason_names; /* VMLAB_EVICT_REASON_BUDGET.. */
extern const struct name_table swap_dir_names;	   /* VMLAB_SWAP_* */
extern const struct name_table store_names;	   /* VMLAB_STORE_* */

/* A flag of a bit mask and its name */
struct bit_name {
	uint64_t bit;
	const char *name;
};

/* VMLAB_ACC_*: read, write, exec, user */
extern const struct bit_name access_bits[4];

/* "PGD", ..., "PTE"; "?" if unknown */
const char *level_name(unsigned int level);
/* "zero", "minor", "upgrade", "swapin", "soft", "cow" */
const char *fault_kind_name(uint32_t kind);
/* "fifo", "random", "clock", "lru-approx", "lru", "sfifo", "2q", "wsclock" */
const char *policy_name(uint32_t policy);
/* enum vmlab_policy of @name, or -1 */
int policy_parse(const char *name);
/* Does @policy need the software TLB (tlb_window) to see its references? */
bool policy_needs_window(uint32_t policy);
/* "module" or "kernel" */
const char *tlb_origin_name(uint32_t origin);
/* The module's reasons (evict, window, clock) or the kernel's (as tlb:tlb_flush) */
const char *tlb_reason_name(uint32_t origin, uint32_t reason);
/* "none", "write", "move", "drop", "defer" */
const char *evict_action_name(uint32_t action);
/* "budget", "forced", "daemon" */
const char *evict_reason_name(uint32_t reason);
/* "out", "in" */
const char *swap_dir_name(uint32_t dir);
/* "memory", "file" */
const char *store_name(uint32_t store);

#endif /* _VMLAB_NAMES_H */
