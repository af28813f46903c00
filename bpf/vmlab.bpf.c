// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - BPF programs on vmlab's tracepoints and the kernel's page-fault
 * and TLB-flush tracepoints, for `vmlab trace` and for any loader (bpftool
 * prog loadall ... autoattach): every program attaches by its SEC name.
 *
 *   vmlab:vmlab_fault          tracepoint (classic: the module has no BTF)
 *   vmlab:vmlab_walk           tracepoint
 *   vmlab:vmlab_tlb_flush      tracepoint
 *   vmlab:vmlab_evict          tracepoint
 *   vmlab:vmlab_swap_out, _in  tracepoint
 *   exceptions:page_fault_user tp_btf, counted when the VMA is vmlab's
 *   tlb:tlb_flush              tp_btf, counted in traced processes
 *   sched:sched_process_exit   tp_btf, forgets a traced process
 *
 * Each program counts into "counts" (enum vmt_counter), optionally fills
 * the latency histograms "hists" and sends a struct vmt_event to the ring
 * buffer "events" for the types cfg.stream selects.  The ring is read in
 * batches: a record wakes the reader only once cfg.wakeup_bytes are
 * queued; the reader also polls on a timer.
 *
 * Which processes: with cfg.tgid, that one; otherwise every process whose
 * fault the module reports (it joins "procs" at its first vmlab fault and
 * leaves it when it exits).  The kernel's tracepoints look only at those.
 */
#include "vmlinux.h"
#include "vmlab_trace.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define ENOENT 2

char LICENSE[] SEC("license") = "GPL";

const volatile struct vmt_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* one element: the counters, by name for bpftool */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vmt_counts);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VMT_HISTS);
	__type(key, __u32);
	__type(value, struct vmt_hist);
} hists SEC(".maps");

/* tgid -> 1: the processes traced when cfg.tgid is 0 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} procs SEC(".maps");

/* Two counters, one map lookup: the fault path's usual case */
static __always_inline void count2(__u32 a, __u32 b)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&counts, &zero);

	barrier_var(a);
	barrier_var(b);
	if (!c || a >= VMT_COUNTERS || b >= VMT_COUNTERS)
		return;
	__sync_fetch_and_add(&c[a], 1);
	__sync_fetch_and_add(&c[b], 1);
}

static __always_inline void count(__u32 counter)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&counts, &zero);

	/* bound the register that indexes, not a copy of it */
	barrier_var(counter);
	if (c && counter < VMT_COUNTERS)
		__sync_fetch_and_add(&c[counter], 1);
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0;

	/* the slot of v: 0 for 0, else the number of bits (1 -> 1, 2..3 -> 2) */
	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1) {
		v >>= 1;
		r += 1;
	}
	return r + (__u32)v;
}

static __always_inline void hist_add(__u32 key, __u64 v)
{
	struct vmt_hist *h;
	__u32 s;

	if (!cfg.hist)
		return;
	h = bpf_map_lookup_elem(&hists, &key);
	if (!h)
		return;
	s = log2_slot(v);
	if (s >= VMT_HIST_SLOTS)
		s = VMT_HIST_SLOTS - 1;
	/* the verifier must see the bound on the register used as the index */
	barrier_var(s);
	/* per CPU, and programs of these types do not nest on a CPU */
	h->slot[s & (VMT_HIST_SLOTS - 1)]++;
	h->count++;
	h->sum += v;
	if (h->count == 1 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

static __always_inline bool streamed(__u32 type)
{
	return cfg.stream & VMT_BIT(type);
}

static __always_inline struct vmt_event *ev_reserve(__u32 type, __u64 id)
{
	struct vmt_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(VMT_LOST);
		return NULL;
	}
	e->type = type;
	e->size = sizeof(*e);
	e->cpu = bpf_get_smp_processor_id();
	e->time_ns = bpf_ktime_get_ns();
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->inst = 0;
	e->pad0 = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/*
 * Batched wakeups: the record that brings the queue to cfg.wakeup_bytes
 * wakes the reader; no other does.  A reader that is behind was woken
 * already and drains everything when it runs; one that is idle polls on a
 * timer, so a short batch waits at most that long.  (A wakeup is an
 * irq_work, a self-IPI: waking on every record of a backlog would cost
 * the fault path more than the record.)
 */
static __always_inline void ev_submit(struct vmt_event *e)
{
	/* queued counts this record, reserved, and its 8-byte header */
	__u64 queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 want = cfg.wakeup_bytes, len = sizeof(*e) + 8;

	bpf_ringbuf_submit(e, queued >= want && queued < want + len ?
			   BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/* Is this process traced?  (vmlab's own events decide with track().) */
static __always_inline bool traced(__u32 tgid)
{
	if (cfg.tgid)
		return tgid == cfg.tgid;
	return !!bpf_map_lookup_elem(&procs, &tgid);
}

/*
 * A vmlab event of process @tgid: is it traced?  Without cfg.tgid every
 * process is, and joins "procs" so that the kernel's tracepoints see it
 * too.  A process's first user-mode vmlab fault passed page_fault_user
 * before the process joined: count it now.
 */
static __always_inline bool track(__u32 tgid, __u32 access)
{
	__u32 one = 1;

	if (cfg.tgid)
		return tgid == cfg.tgid;
	/* only the kernel's tracepoints need to know (default: not attached) */
	if ((cfg.off & (VMT_BIT(VMT_PF) | VMT_BIT(VMT_KTLB))) ==
	    (VMT_BIT(VMT_PF) | VMT_BIT(VMT_KTLB)))
		return true;
	if (bpf_map_lookup_elem(&procs, &tgid))
		return true;
	if (bpf_map_update_elem(&procs, &tgid, &one, BPF_NOEXIST))
		return true;	/* full, or another thread was first */
	if ((access & VMLAB_ACC_USER) && !(cfg.off & VMT_BIT(VMT_PF)))
		count(VMT_PF_VMLAB);
	return true;
}

/* ------------------------------------------------------ vmlab's own */

SEC("tracepoint/vmlab/vmlab_fault")
int vmlab_fault(struct vmlab_tp_fault *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 kind = ctx->kind;
	struct vmt_event *e;

	if (!track(id >> 32, ctx->access))
		return 0;
	count2(VMT_FAULTS, kind && kind < VMLAB_FAULT_KIND_MAX ?
	       VMT_FAULTS + kind : VMT_FAULT_OTHER);
	if (kind < VMT_HIST_FAULT_MAX)
		hist_add(kind, ctx->latency_ns);
	if (!streamed(VMT_FAULT))
		return 0;
	e = ev_reserve(VMT_FAULT, id);
	if (!e)
		return 0;
	e->inst = ctx->inst;
	e->fault.addr = ctx->addr;
	e->fault.pgoff = ctx->pgoff;
	e->fault.latency_ns = ctx->latency_ns;
	e->fault.pfn = ctx->pfn;
	e->fault.access = ctx->access;
	e->fault.kind = kind;
	ev_submit(e);
	return 0;
}

SEC("tracepoint/vmlab/vmlab_walk")
int vmlab_walk(struct vmlab_tp_walk *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vmt_event *e;
	int i;

	if (!track(id >> 32, 0))
		return 0;
	count(VMT_WALKS);
	if (!streamed(VMT_WALK))
		return 0;
	e = ev_reserve(VMT_WALK, id);
	if (!e)
		return 0;
	e->inst = ctx->inst;
	e->walk.addr = ctx->addr;
	e->walk.depth = ctx->depth;
	e->walk.pad0 = 0;
	for (i = 0; i < VMLAB_LEVELS; i++)
		e->walk.entry[i] = ctx->entry[i];
	ev_submit(e);
	return 0;
}

/*
 * The module reports a kernel flush in the context of the flushing CPU,
 * which may run another process (a remote shootdown): the instance decides,
 * not the current process, so only cfg.tgid filters here.
 */
SEC("tracepoint/vmlab/vmlab_tlb_flush")
int vmlab_tlb_flush(struct vmlab_tp_tlb_flush *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vmt_event *e;

	if (cfg.tgid && (__u32)(id >> 32) != cfg.tgid)
		return 0;
	count(ctx->origin == VMLAB_TLB_ORIGIN_MODULE ? VMT_TLB_MODULE : VMT_TLB_KERNEL);
	if (!streamed(VMT_TLB))
		return 0;
	e = ev_reserve(VMT_TLB, id);
	if (!e)
		return 0;
	e->inst = ctx->inst;
	e->tlb.start = ctx->start;
	e->tlb.pages = ctx->pages;
	e->tlb.origin = ctx->origin;
	e->tlb.reason = ctx->reason;
	ev_submit(e);
	return 0;
}

/*
 * Evictions and swaps: in the faulting task (a frame budget), the caller
 * of VMLAB_EVICT, or a worker writing back deferred pages; like TLB
 * flushes they belong to the instance, and only cfg.tgid filters.
 */
SEC("tracepoint/vmlab/vmlab_evict")
int vmlab_evict(struct vmlab_tp_evict *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 action = ctx->action;
	struct vmt_event *e;

	if (cfg.tgid && (__u32)(id >> 32) != cfg.tgid)
		return 0;
	if (ctx->error) {
		count(VMT_EVICT_ERRORS);
	} else {
		count(VMT_EVICTIONS);
		if (action && action <= VMLAB_EVICT_ACTION_DEFER)
			count(VMT_EVICTIONS + action);
	}
	hist_add(VMT_HIST_EVICT, ctx->latency_ns);
	if (!streamed(VMT_EVICT))
		return 0;
	e = ev_reserve(VMT_EVICT, id);
	if (!e)
		return 0;
	e->inst = ctx->inst;
	e->evict.pgoff = ctx->pgoff;
	e->evict.latency_ns = ctx->latency_ns;
	e->evict.policy = ctx->policy;
	e->evict.action = action;
	e->evict.reason = ctx->reason;
	e->evict.error = ctx->error;
	ev_submit(e);
	return 0;
}

static __always_inline int swap_event(struct vmlab_tp_swap *ctx, __u32 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vmt_event *e;

	if (cfg.tgid && (__u32)(id >> 32) != cfg.tgid)
		return 0;
	if (ctx->error)
		count(VMT_SWAP_ERRORS);
	else
		count(dir == VMLAB_SWAP_OUT ? VMT_SWAP_OUTS : VMT_SWAP_INS);
	hist_add(dir == VMLAB_SWAP_OUT ? VMT_HIST_SWAP_OUT : VMT_HIST_SWAP_IN,
		 ctx->latency_ns);
	if (!streamed(VMT_SWAP))
		return 0;
	e = ev_reserve(VMT_SWAP, id);
	if (!e)
		return 0;
	e->inst = ctx->inst;
	e->swap.pgoff = ctx->pgoff;
	e->swap.latency_ns = ctx->latency_ns;
	e->swap.dir = dir;
	e->swap.store = ctx->store;
	e->swap.error = ctx->error;
	e->swap.pad0 = 0;
	ev_submit(e);
	return 0;
}

SEC("tracepoint/vmlab/vmlab_swap_out")
int vmlab_swap_out(struct vmlab_tp_swap *ctx)
{
	return swap_event(ctx, VMLAB_SWAP_OUT);
}

SEC("tracepoint/vmlab/vmlab_swap_in")
int vmlab_swap_in(struct vmlab_tp_swap *ctx)
{
	return swap_event(ctx, VMLAB_SWAP_IN);
}

/* ------------------------------------------------------- the kernel's */

struct vma_check {
	bool vmlab;
};

/* bpf_find_vma() callback: is @vma a mapping of a vmlab device? */
static long vma_is_vmlab(struct task_struct *task, struct vm_area_struct *vma,
			 struct vma_check *c)
{
	static const char want[] = VMT_MODULE_NAME;
	struct module *owner;
	char name[sizeof(want)];
	int i;

	owner = BPF_CORE_READ(vma, vm_file, f_op, owner);
	if (!owner)
		return 0;
	if (bpf_probe_read_kernel_str(name, sizeof(name), owner->name) !=
	    sizeof(want))
		return 0;
	for (i = 0; i < (int)sizeof(want); i++)
		if (name[i] != want[i])
			return 0;
	c->vmlab = true;
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(vmlab_pf_user, unsigned long address,
	     struct pt_regs *regs, unsigned long error_code)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vma_check c = {};
	struct vmt_event *e;
	long ret;

	if (!traced(id >> 32))
		return 0;
	ret = bpf_find_vma(bpf_get_current_task_btf(), address, vma_is_vmlab,
			   &c, 0);
	if (ret == -ENOENT || (!ret && !c.vmlab)) {
		count(VMT_PF_OTHER);
		return 0;
	}
	if (ret) {
		count(VMT_PF_UNKNOWN);
		return 0;
	}
	count(VMT_PF_VMLAB);
	if (!streamed(VMT_PF))
		return 0;
	e = ev_reserve(VMT_PF, id);
	if (!e)
		return 0;
	e->pf.addr = address;
	e->pf.ip = BPF_CORE_READ(regs, ip);
	e->pf.error_code = error_code;
	ev_submit(e);
	return 0;
}

SEC("tp_btf/tlb_flush")
int BPF_PROG(vmlab_kern_tlb, int reason, unsigned long pages)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vmt_event *e;

	/* before a task switch, current is the task leaving: not attributable */
	if (reason < VMLAB_TLB_REMOTE_SHOOTDOWN ||
	    reason > VMLAB_TLB_REMOTE_SEND_IPI || !traced(id >> 32))
		return 0;
	count(VMT_KTLB_REMOTE_SHOOTDOWN + reason - VMLAB_TLB_REMOTE_SHOOTDOWN);
	if (!streamed(VMT_KTLB))
		return 0;
	e = ev_reserve(VMT_KTLB, id);
	if (!e)
		return 0;
	e->tlb.start = 0;
	e->tlb.pages = pages;
	e->tlb.origin = 0;
	e->tlb.reason = reason;
	ev_submit(e);
	return 0;
}

/* A traced process is gone: forget it, its tgid may be reused. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(vmlab_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;

	if (cfg.tgid || task->signal->live.counter)
		return 0;
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}
