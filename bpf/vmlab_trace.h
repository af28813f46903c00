/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - what bpf/vmlab.bpf.c and the vmlab tool share: the contexts of
 * the vmlab:* tracepoints, the records of the BPF ring buffer, the counter
 * and histogram maps' keys and values, and the load-time configuration.
 *
 * Include it after vmlinux.h in a BPF program, or after <linux/types.h> in
 * user space.  Every layout here is fixed-width and padded by hand, so both
 * sides agree without BTF.
 *
 * Adding a vmlab tracepoint: its context struct and its fields in
 * VMT_TP_FIELDS below, a record type and union member, its counters and
 * histogram keys, a program in vmlab.bpf.c and a line in
 * userspace/trace_session.c's table of event kinds.
 */
#ifndef _VMLAB_TRACE_H
#define _VMLAB_TRACE_H

#ifdef __VMLINUX_H__
/*
 * BPF side: vmlinux.h has the kernel's types; keep the uapi header's
 * includes (linux/types.h, linux/ioctl.h) out, they would redefine them.
 */
#define _LINUX_TYPES_H
#define _LINUX_IOCTL_H
#define VMT_OFFSETOF(t, f) __builtin_offsetof(t, f)
#else
#include <stddef.h>
#define VMT_OFFSETOF(t, f) offsetof(t, f)
#endif
#include <linux/vmlab.h>

/* ----------------------------------------------- tracepoint contexts */

/*
 * The module is built out of tree without BTF, so programs on its
 * tracepoints are classic tracepoint programs: their context is the record
 * /sys/kernel/tracing/events/vmlab/<event>/format describes, after the
 * 8-byte common header.  VMT_TP_FIELDS below lists the offsets of the
 * format files of module/trace.h.
 */
struct vmlab_tp_common {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
};

/* vmlab:vmlab_fault */
struct vmlab_tp_fault {
	struct vmlab_tp_common common;
	__u32 inst;		/* instance id, as vmlab_info.instance_id */
	__u32 access;		/* VMLAB_ACC_* */
	__u32 kind;		/* enum vmlab_fault_kind */
	__u32 pad0;
	__u64 addr;		/* page-aligned faulting address */
	__u64 pgoff;		/* page index in the instance */
	__u64 latency_ns;	/* time in the module's handler */
	__u64 pfn;		/* frame (tracepoints are root-only) */
};

/* vmlab:vmlab_walk */
struct vmlab_tp_walk {
	struct vmlab_tp_common common;
	__u32 inst;
	__u32 depth;		/* levels walked */
	__u64 addr;
	__u64 entry[VMLAB_LEVELS];	/* pgd, p4d, pud, pmd, pte */
};

/* vmlab:vmlab_tlb_flush */
struct vmlab_tp_tlb_flush {
	struct vmlab_tp_common common;
	__u32 inst;
	__u32 origin;		/* VMLAB_TLB_ORIGIN_MODULE or VMLAB_TLB_ORIGIN_KERNEL */
	__u32 reason;
	__u32 pad0;
	__u64 start;		/* first page index (module) or 0 */
	__u64 pages;		/* or VMLAB_TLB_FLUSH_ALL */
};

/* vmlab:vmlab_evict */
struct vmlab_tp_evict {
	struct vmlab_tp_common common;
	__u32 inst;
	__u32 policy;		/* enum vmlab_policy */
	__u32 action;		/* VMLAB_EVICT_ACTION_WRITE.. or 0 on error */
	__u32 reason;		/* VMLAB_EVICT_REASON_* */
	__s32 error;		/* 0 or -errno: the page stayed resident */
	__u32 pad0;
	__u64 pgoff;
	__u64 latency_ns;	/* unmap, I/O and free */
};

/* vmlab:vmlab_swap_out and vmlab:vmlab_swap_in (one event class) */
struct vmlab_tp_swap {
	struct vmlab_tp_common common;
	__u32 inst;
	__u32 store;		/* VMLAB_STORE_MEM or _FILE */
	__s32 error;		/* 0 or -errno */
	__u32 pad0;
	__u64 pgoff;
	__u64 latency_ns;	/* the I/O (or move) alone */
};

/*
 * Every field of the contexts above, once: X(struct, field, event, its
 * name in the event's format file, offset).  The offsets are asserted here
 * at build time; selftests/trace_bpf_test.c checks each against the
 * running module's format files.
 */
#define VMT_TP_FIELDS(X)						\
	X(vmlab_tp_fault, inst, "vmlab/vmlab_fault", "inst", 8)		\
	X(vmlab_tp_fault, access, "vmlab/vmlab_fault", "access", 12)	\
	X(vmlab_tp_fault, kind, "vmlab/vmlab_fault", "kind", 16)		\
	X(vmlab_tp_fault, addr, "vmlab/vmlab_fault", "addr", 24)		\
	X(vmlab_tp_fault, pgoff, "vmlab/vmlab_fault", "pgoff", 32)	\
	X(vmlab_tp_fault, latency_ns, "vmlab/vmlab_fault", "latency_ns", 40) \
	X(vmlab_tp_fault, pfn, "vmlab/vmlab_fault", "pfn", 48)		\
	X(vmlab_tp_walk, inst, "vmlab/vmlab_walk", "inst", 8)		\
	X(vmlab_tp_walk, depth, "vmlab/vmlab_walk", "depth", 12)		\
	X(vmlab_tp_walk, addr, "vmlab/vmlab_walk", "addr", 16)		\
	X(vmlab_tp_walk, entry[0], "vmlab/vmlab_walk", "pgd", 24)	\
	X(vmlab_tp_walk, entry[1], "vmlab/vmlab_walk", "p4d", 32)	\
	X(vmlab_tp_walk, entry[2], "vmlab/vmlab_walk", "pud", 40)	\
	X(vmlab_tp_walk, entry[3], "vmlab/vmlab_walk", "pmd", 48)	\
	X(vmlab_tp_walk, entry[4], "vmlab/vmlab_walk", "pte", 56)	\
	X(vmlab_tp_tlb_flush, inst, "vmlab/vmlab_tlb_flush", "inst", 8)	\
	X(vmlab_tp_tlb_flush, origin, "vmlab/vmlab_tlb_flush", "origin", 12) \
	X(vmlab_tp_tlb_flush, reason, "vmlab/vmlab_tlb_flush", "reason", 16) \
	X(vmlab_tp_tlb_flush, start, "vmlab/vmlab_tlb_flush", "start", 24) \
	X(vmlab_tp_tlb_flush, pages, "vmlab/vmlab_tlb_flush", "pages", 32) \
	X(vmlab_tp_evict, inst, "vmlab/vmlab_evict", "inst", 8)		\
	X(vmlab_tp_evict, policy, "vmlab/vmlab_evict", "policy", 12)	\
	X(vmlab_tp_evict, action, "vmlab/vmlab_evict", "action", 16)	\
	X(vmlab_tp_evict, reason, "vmlab/vmlab_evict", "reason", 20)	\
	X(vmlab_tp_evict, error, "vmlab/vmlab_evict", "error", 24)	\
	X(vmlab_tp_evict, pgoff, "vmlab/vmlab_evict", "pgoff", 32)	\
	X(vmlab_tp_evict, latency_ns, "vmlab/vmlab_evict", "latency_ns", 40) \
	X(vmlab_tp_swap, inst, "vmlab/vmlab_swap_out", "inst", 8)	\
	X(vmlab_tp_swap, store, "vmlab/vmlab_swap_out", "store", 12)	\
	X(vmlab_tp_swap, error, "vmlab/vmlab_swap_out", "error", 16)	\
	X(vmlab_tp_swap, pgoff, "vmlab/vmlab_swap_out", "pgoff", 24)	\
	X(vmlab_tp_swap, latency_ns, "vmlab/vmlab_swap_out", "latency_ns", 32) \
	X(vmlab_tp_swap, inst, "vmlab/vmlab_swap_in", "inst", 8)		\
	X(vmlab_tp_swap, store, "vmlab/vmlab_swap_in", "store", 12)	\
	X(vmlab_tp_swap, error, "vmlab/vmlab_swap_in", "error", 16)	\
	X(vmlab_tp_swap, pgoff, "vmlab/vmlab_swap_in", "pgoff", 24)	\
	X(vmlab_tp_swap, latency_ns, "vmlab/vmlab_swap_in", "latency_ns", 32)

#define VMT_X_ASSERT(t, f, event, name, off)				\
	_Static_assert(VMT_OFFSETOF(struct t, f) == (off),		\
		       #t "." #f " is at " #off);
VMT_TP_FIELDS(VMT_X_ASSERT)
#undef VMT_X_ASSERT

/* ------------------------------------------------------------ events */

/*
 * The event kinds: a record type of the ring buffer and a bit of the
 * configuration masks each.  VMT_PF and VMT_KTLB are the kernel's own
 * tracepoints, seen only in the processes being traced.
 */
enum vmt_type {
	VMT_FAULT = 1,		/* vmlab:vmlab_fault */
	VMT_WALK = 2,		/* vmlab:vmlab_walk */
	VMT_TLB = 3,		/* vmlab:vmlab_tlb_flush */
	VMT_PF = 4,		/* exceptions:page_fault_user in a vmlab VMA */
	VMT_KTLB = 5,		/* tlb:tlb_flush in a traced process */
	VMT_EVICT = 6,		/* vmlab:vmlab_evict */
	VMT_SWAP = 7,		/* vmlab:vmlab_swap_out and vmlab_swap_in */
	VMT_TYPE_MAX,
};

#define VMT_BIT(type)	(1U << (type))

/* The name of the module whose VMAs VMT_PF counts: its file_operations.owner */
#define VMT_MODULE_NAME	"vmlab"

struct vmt_fault {
	__u64 addr;
	__u64 pgoff;
	__u64 latency_ns;
	__u64 pfn;
	__u32 access;		/* VMLAB_ACC_* */
	__u32 kind;		/* enum vmlab_fault_kind */
};

struct vmt_walk {
	__u64 addr;
	__u64 entry[VMLAB_LEVELS];
	__u32 depth;
	__u32 pad0;
};

struct vmt_tlb {
	__u64 start;
	__u64 pages;
	__u32 origin;		/* VMT_TLB: VMLAB_TLB_*; VMT_KTLB: 0 */
	__u32 reason;		/* as tlb:tlb_flush's, or the module's */
};

struct vmt_evict {
	__u64 pgoff;
	__u64 latency_ns;
	__u32 policy;
	__u32 action;
	__u32 reason;
	__s32 error;
};

struct vmt_swap {
	__u64 pgoff;
	__u64 latency_ns;
	__u32 dir;		/* VMLAB_SWAP_OUT or VMLAB_SWAP_IN */
	__u32 store;
	__s32 error;
	__u32 pad0;
};

struct vmt_pf {
	__u64 addr;		/* the faulting address, not page-aligned */
	__u64 ip;
	__u64 error_code;	/* x86 page-fault error code */
};

/* One record of the ring buffer, 104 bytes. */
struct vmt_event {
	__u16 type;		/* enum vmt_type */
	__u16 size;		/* sizeof(struct vmt_event) */
	__u32 cpu;
	__u64 time_ns;		/* CLOCK_MONOTONIC, as vmlab_event.time_ns */
	__u32 pid;
	__u32 tgid;
	__u32 inst;		/* instance id; 0 for VMT_PF and VMT_KTLB */
	__u32 pad0;
	char comm[16];
	union {
		struct vmt_fault fault;
		struct vmt_walk walk;
		struct vmt_tlb tlb;
		struct vmt_pf pf;
		struct vmt_evict evict;
		struct vmt_swap swap;
		__u64 raw[7];
	};
};

_Static_assert(sizeof(struct vmt_event) == 104, "vmt_event is 104 bytes");

/* ---------------------------------------------------------- counters */

/*
 * The counters, one __u64 each in the one element of the "counts" array
 * map, whose value is struct vmt_counts: bpftool prints them by name
 * (`bpftool map dump pinned DIR/counts`).  X(ENUM, field): the programs
 * index them by enum vmt_counter.
 */
#define VMT_COUNTER_LIST(X)						\
	X(FAULTS, faults)		/* vmlab:vmlab_fault, every kind */ \
	X(FAULT_ZERO, fault_zero)	/* ... by kind: VMT_FAULTS + kind */ \
	X(FAULT_MINOR, fault_minor)					\
	X(FAULT_UPGRADE, fault_upgrade)					\
	X(FAULT_SWAPIN, fault_swapin)					\
	X(FAULT_SOFT, fault_soft)					\
	X(FAULT_COW, fault_cow)						\
	X(FAULT_OTHER, fault_other)	/* a kind newer than this header */ \
	X(WALKS, walks)			/* vmlab:vmlab_walk */		\
	X(TLB_MODULE, tlb_module)	/* vmlab:vmlab_tlb_flush: unmaps */ \
	X(TLB_KERNEL, tlb_kernel)	/* ... the kernel's, of vmlab mms */ \
	X(PF_VMLAB, pf_vmlab)		/* page_fault_user in vmlab VMAs */ \
	X(PF_OTHER, pf_other)		/* ... elsewhere, traced processes */ \
	X(PF_UNKNOWN, pf_unknown)	/* ... VMA not looked up (busy) */ \
	X(KTLB_REMOTE_SHOOTDOWN, ktlb_remote_shootdown)	/* tlb:tlb_flush */ \
	X(KTLB_LOCAL_SHOOTDOWN, ktlb_local_shootdown)	/* by reason, in */ \
	X(KTLB_LOCAL_MM_SHOOTDOWN, ktlb_local_mm_shootdown) /* traced */ \
	X(KTLB_REMOTE_SEND_IPI, ktlb_remote_send_ipi)	/* processes */	\
	X(EVICTIONS, evictions)		/* vmlab:vmlab_evict, done */	\
	X(EVICT_WRITE, evict_write)	/* ... by action: VMLAB_EVICT_* */ \
	X(EVICT_MOVE, evict_move)					\
	X(EVICT_DROP, evict_drop)					\
	X(EVICT_DEFER, evict_defer)					\
	X(EVICT_ERRORS, evict_errors)	/* ... failed: the page stayed */ \
	X(SWAP_OUTS, swap_outs)		/* vmlab:vmlab_swap_out, done */ \
	X(SWAP_INS, swap_ins)		/* vmlab:vmlab_swap_in, done */	\
	X(SWAP_ERRORS, swap_errors)	/* ... either, failed */	\
	X(LOST, lost)			/* records the ring had no room for */

enum vmt_counter {
#define VMT_X_ENUM(e, f) VMT_##e,
	VMT_COUNTER_LIST(VMT_X_ENUM)
#undef VMT_X_ENUM
	VMT_COUNTERS,
};

struct vmt_counts {
#define VMT_X_FIELD(e, f) __u64 f;
	VMT_COUNTER_LIST(VMT_X_FIELD)
#undef VMT_X_FIELD
};

_Static_assert(sizeof(struct vmt_counts) == VMT_COUNTERS * sizeof(__u64),
	       "struct vmt_counts is an array of counters");
_Static_assert((int)VMT_FAULT_OTHER - VMT_FAULTS == (int)VMLAB_FAULT_KIND_MAX,
	       "one counter per fault kind: add the new kind to VMT_COUNTER_LIST");
_Static_assert((int)VMT_EVICT_DEFER - VMT_EVICTIONS == VMLAB_EVICT_ACTION_DEFER,
	       "one counter per eviction action");
_Static_assert((int)VMT_KTLB_REMOTE_SEND_IPI - VMT_KTLB_REMOTE_SHOOTDOWN ==
	       VMLAB_TLB_REMOTE_SEND_IPI - VMLAB_TLB_REMOTE_SHOOTDOWN,
	       "one counter per tlb:tlb_flush reason");

/* ------------------------------------------------------- histograms */

#define VMT_HIST_SLOTS	64

/*
 * Keys of the "hists" per-CPU array: latency by kind.  Fault kinds are
 * their VMLAB_FAULT_* value; evictions and swaps follow.
 */
enum vmt_hist_key {
	VMT_HIST_FAULT_MAX = 16,	/* VMLAB_FAULT_* < 16 */
	VMT_HIST_EVICT = 16,
	VMT_HIST_SWAP_OUT = 17,
	VMT_HIST_SWAP_IN = 18,
	VMT_HISTS = 24,
};

_Static_assert((int)VMLAB_FAULT_KIND_MAX <= (int)VMT_HIST_FAULT_MAX, "hist keys");

/*
 * A log2 histogram, as the tool's struct log2_hist: slot i holds values in
 * [2^(i-1), 2^i), slot 0 the zeros.
 */
struct vmt_hist {
	__u64 slot[VMT_HIST_SLOTS];
	__u64 count;
	__u64 sum;
	__u64 min;
	__u64 max;
};

/* ---------------------------------------------------- configuration */

/*
 * Set in .rodata before loading.  All zero (as `bpftool prog loadall`
 * loads the object) means: trace every process that faults on vmlab
 * memory, count every event, stream nothing, no histograms.
 */
struct vmt_config {
	__u32 tgid;		/* only this process; 0: every vmlab user */
	__u32 stream;		/* VMT_BIT()s of the types sent to the ring */
	__u32 hist;		/* 1: fill the latency histograms */
	__u32 wakeup_bytes;	/* wake the reader once this much is queued */
	__u32 off;		/* VMT_BIT()s of the types not attached */
	__u32 pad0;
};

#endif /* _VMLAB_TRACE_H */
