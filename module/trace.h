/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - tracepoints: vmlab:vmlab_fault, vmlab_walk, vmlab_tlb_flush,
 * vmlab_evict, vmlab_swap_out and vmlab_swap_in, for ftrace, perf, bpftrace
 * and BPF programs.
 * Tracepoints are root-only, so they carry PFNs unmasked.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vmlab

#if !defined(_VMLAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VMLAB_TRACE_H

#include <linux/tracepoint.h>
#include <uapi/linux/vmlab.h>

/* enums, unlike #defines, must be exported for the format files to decode */
TRACE_DEFINE_ENUM(VMLAB_FAULT_ZERO);
TRACE_DEFINE_ENUM(VMLAB_FAULT_MINOR);
TRACE_DEFINE_ENUM(VMLAB_FAULT_UPGRADE);
TRACE_DEFINE_ENUM(VMLAB_FAULT_SWAPIN);
TRACE_DEFINE_ENUM(VMLAB_FAULT_SOFT);
TRACE_DEFINE_ENUM(VMLAB_FAULT_COW);
TRACE_DEFINE_ENUM(VMLAB_POLICY_FIFO);
TRACE_DEFINE_ENUM(VMLAB_POLICY_RANDOM);
TRACE_DEFINE_ENUM(VMLAB_POLICY_CLOCK);
TRACE_DEFINE_ENUM(VMLAB_POLICY_LRU_APPROX);
TRACE_DEFINE_ENUM(VMLAB_POLICY_LRU);
TRACE_DEFINE_ENUM(VMLAB_POLICY_MRU);
TRACE_DEFINE_ENUM(VMLAB_POLICY_SIEVE);
TRACE_DEFINE_ENUM(VMLAB_POLICY_S3FIFO);
TRACE_DEFINE_ENUM(VMLAB_POLICY_SFIFO);
TRACE_DEFINE_ENUM(VMLAB_POLICY_TWOQ);
TRACE_DEFINE_ENUM(VMLAB_POLICY_WSCLOCK);

#define vmlab_show_kind(kind)					\
	__print_symbolic(kind,					\
			 { VMLAB_FAULT_ZERO, "zero" },		\
			 { VMLAB_FAULT_MINOR, "minor" },	\
			 { VMLAB_FAULT_UPGRADE, "upgrade" },	\
			 { VMLAB_FAULT_SWAPIN, "swapin" },	\
			 { VMLAB_FAULT_SOFT, "soft" },		\
			 { VMLAB_FAULT_COW, "cow" })

#define vmlab_show_access(access)				\
	__print_flags(access, "|",				\
		      { VMLAB_ACC_READ, "read" },		\
		      { VMLAB_ACC_WRITE, "write" },		\
		      { VMLAB_ACC_EXEC, "exec" },		\
		      { VMLAB_ACC_USER, "user" })

TRACE_EVENT(vmlab_fault,
	    TP_PROTO(u32 inst, unsigned long addr, u64 pgoff, u32 access,
		     u32 kind, u64 latency_ns, unsigned long pfn),
	    TP_ARGS(inst, addr, pgoff, access, kind, latency_ns, pfn),
	    TP_STRUCT__entry(__field(u32, inst)
			     __field(u32, access)
			     __field(u32, kind)
			     __field(unsigned long, addr)
			     __field(u64, pgoff)
			     __field(u64, latency_ns)
			     __field(unsigned long, pfn)),
	    TP_fast_assign(__entry->inst = inst;
			   __entry->access = access;
			   __entry->kind = kind;
			   __entry->addr = addr;
			   __entry->pgoff = pgoff;
			   __entry->latency_ns = latency_ns;
			   __entry->pfn = pfn;),
	    TP_printk("inst=%u addr=0x%lx pgoff=%llu kind=%s access=%s latency_ns=%llu pfn=0x%lx",
		      __entry->inst, __entry->addr, __entry->pgoff,
		      vmlab_show_kind(__entry->kind),
		      vmlab_show_access(__entry->access),
		      __entry->latency_ns, __entry->pfn)
);

TRACE_EVENT(vmlab_walk,
	    TP_PROTO(u32 inst, unsigned long addr, const struct vmlab_walk *w),
	    TP_ARGS(inst, addr, w),
	    TP_STRUCT__entry(__field(u32, inst)
			     __field(u32, depth)
			     __field(unsigned long, addr)
			     __field(u64, pgd)
			     __field(u64, p4d)
			     __field(u64, pud)
			     __field(u64, pmd)
			     __field(u64, pte)),
	    TP_fast_assign(__entry->inst = inst;
			   __entry->depth = w->depth;
			   __entry->addr = addr;
			   __entry->pgd = w->entry[VMLAB_PGD];
			   __entry->p4d = w->entry[VMLAB_P4D];
			   __entry->pud = w->entry[VMLAB_PUD];
			   __entry->pmd = w->entry[VMLAB_PMD];
			   __entry->pte = w->entry[VMLAB_PTE];),
	    TP_printk("inst=%u addr=0x%lx depth=%u pgd=0x%llx p4d=0x%llx pud=0x%llx pmd=0x%llx pte=0x%llx",
		      __entry->inst, __entry->addr, __entry->depth,
		      __entry->pgd, __entry->p4d, __entry->pud, __entry->pmd,
		      __entry->pte)
);

TRACE_EVENT(vmlab_tlb_flush,
	    TP_PROTO(u32 inst, u32 origin, u32 reason, u64 start, u64 pages),
	    TP_ARGS(inst, origin, reason, start, pages),
	    TP_STRUCT__entry(__field(u32, inst)
			     __field(u32, origin)
			     __field(u32, reason)
			     __field(u64, start)
			     __field(u64, pages)),
	    TP_fast_assign(__entry->inst = inst;
			   __entry->origin = origin;
			   __entry->reason = reason;
			   __entry->start = start;
			   __entry->pages = pages;),
	    TP_printk("inst=%u origin=%s reason=%u start=%llu pages=%lld",
		      __entry->inst,
		      __print_symbolic(__entry->origin,
				       { VMLAB_TLB_ORIGIN_MODULE, "module" },
				       { VMLAB_TLB_ORIGIN_KERNEL, "kernel" }),
		      __entry->reason, __entry->start, (s64)__entry->pages)
);

TRACE_EVENT(vmlab_evict,
	    TP_PROTO(u32 inst, u64 pgoff, u32 policy, u32 action, u32 reason,
		     int error, u64 latency_ns),
	    TP_ARGS(inst, pgoff, policy, action, reason, error, latency_ns),
	    TP_STRUCT__entry(__field(u32, inst)
			     __field(u32, policy)
			     __field(u32, action)
			     __field(u32, reason)
			     __field(int, error)
			     __field(u64, pgoff)
			     __field(u64, latency_ns)),
	    TP_fast_assign(__entry->inst = inst;
			   __entry->policy = policy;
			   __entry->action = action;
			   __entry->reason = reason;
			   __entry->error = error;
			   __entry->pgoff = pgoff;
			   __entry->latency_ns = latency_ns;),
	    TP_printk("inst=%u pgoff=%llu policy=%s action=%s reason=%s error=%d latency_ns=%llu",
		      __entry->inst, __entry->pgoff,
		      __print_symbolic(__entry->policy,
				       { VMLAB_POLICY_FIFO, "fifo" },
				       { VMLAB_POLICY_RANDOM, "random" },
				       { VMLAB_POLICY_CLOCK, "clock" },
				       { VMLAB_POLICY_LRU_APPROX, "lru-approx" },
				       { VMLAB_POLICY_LRU, "lru" },
				       { VMLAB_POLICY_MRU, "mru" },
				       { VMLAB_POLICY_SIEVE, "sieve" },
				       { VMLAB_POLICY_S3FIFO, "s3fifo" },
				       { VMLAB_POLICY_SFIFO, "sfifo" },
				       { VMLAB_POLICY_TWOQ, "2q" },
				       { VMLAB_POLICY_WSCLOCK, "wsclock" }),
		      __print_symbolic(__entry->action,
				       { 0, "none" },
				       { VMLAB_EVICT_ACTION_WRITE, "write" },
				       { VMLAB_EVICT_ACTION_MOVE, "move" },
				       { VMLAB_EVICT_ACTION_DROP, "drop" },
				       { VMLAB_EVICT_ACTION_DEFER, "defer" }),
		      __print_symbolic(__entry->reason,
				       { VMLAB_EVICT_REASON_BUDGET, "budget" },
				       { VMLAB_EVICT_REASON_FORCED, "forced" },
				       { VMLAB_EVICT_REASON_DAEMON, "daemon" }),
		      __entry->error, __entry->latency_ns)
);

DECLARE_EVENT_CLASS(vmlab_swap,
		    TP_PROTO(u32 inst, u64 pgoff, u32 store, int error,
			     u64 latency_ns),
		    TP_ARGS(inst, pgoff, store, error, latency_ns),
		    TP_STRUCT__entry(__field(u32, inst)
				     __field(u32, store)
				     __field(int, error)
				     __field(u64, pgoff)
				     __field(u64, latency_ns)),
		    TP_fast_assign(__entry->inst = inst;
				   __entry->store = store;
				   __entry->error = error;
				   __entry->pgoff = pgoff;
				   __entry->latency_ns = latency_ns;),
		    TP_printk("inst=%u pgoff=%llu store=%s error=%d latency_ns=%llu",
			      __entry->inst, __entry->pgoff,
			      __print_symbolic(__entry->store,
					       { VMLAB_STORE_MEM, "memory" },
					       { VMLAB_STORE_FILE, "file" }),
			      __entry->error, __entry->latency_ns)
);

DEFINE_EVENT(vmlab_swap, vmlab_swap_out,
	     TP_PROTO(u32 inst, u64 pgoff, u32 store, int error, u64 latency_ns),
	     TP_ARGS(inst, pgoff, store, error, latency_ns)
);

DEFINE_EVENT(vmlab_swap, vmlab_swap_in,
	     TP_PROTO(u32 inst, u64 pgoff, u32 store, int error, u64 latency_ns),
	     TP_ARGS(inst, pgoff, store, error, latency_ns)
);

#endif /* _VMLAB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
