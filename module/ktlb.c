// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - the kernel's TLB flushes on the mms that map an instance.
 *
 * The kernel's TLB flushes are seen through its tlb:tlb_flush tracepoint,
 * found with for_each_kernel_tracepoint(): it has no exported symbol.  A
 * flush is attributed to every instance mapped by current->active_mm, the
 * mm the flushing CPU has loaded: each mm that maps an instance is on a
 * global list, kept by the fault path's mmap(), ->open and ->close and read
 * under RCU by the probe.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/tlbflush.h>
#include <linux/mm_types.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>

#include "vmlab.h"

static DEFINE_SPINLOCK(vmlab_mm_lock);
static LIST_HEAD(vmlab_mm_links);
static atomic_t vmlab_nr_links = ATOMIC_INIT(0);

static struct vmlab_mm_link *vmlab_mm_find(struct vmlab_instance *inst,
					   struct mm_struct *mm)
{
	struct vmlab_mm_link *link;

	lockdep_assert_held(&vmlab_mm_lock);
	list_for_each_entry(link, &inst->mms, inst_node)
		if (link->mm == mm)
			return link;
	return NULL;
}

/* One more VMA of @inst in @mm. */
int vmlab_mm_track(struct vmlab_instance *inst, struct mm_struct *mm)
{
	struct vmlab_mm_link *link, *new;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	spin_lock(&vmlab_mm_lock);
	link = vmlab_mm_find(inst, mm);
	if (!link && new) {
		link = new;
		new = NULL;
		link->mm = mm;
		link->inst = inst;
		list_add(&link->inst_node, &inst->mms);
		list_add_rcu(&link->node, &vmlab_mm_links);
		atomic_inc(&vmlab_nr_links);
	}
	if (link)
		link->vmas++;
	spin_unlock(&vmlab_mm_lock);
	kfree(new);
	return link ? 0 : -ENOMEM;
}

static void vmlab_mm_unlink(struct vmlab_mm_link *link)
{
	list_del_rcu(&link->node);
	list_del(&link->inst_node);
	atomic_dec(&vmlab_nr_links);
	kfree_rcu(link, rcu);
}

/* One VMA of @inst in @mm less. */
void vmlab_mm_untrack(struct vmlab_instance *inst, struct mm_struct *mm)
{
	struct vmlab_mm_link *link;

	spin_lock(&vmlab_mm_lock);
	link = vmlab_mm_find(inst, mm);
	if (link && !--link->vmas)
		vmlab_mm_unlink(link);
	spin_unlock(&vmlab_mm_lock);
}

/* Forget every mm of @inst (links a failed mmap() never closed). */
void vmlab_mm_untrack_all(struct vmlab_instance *inst)
{
	struct vmlab_mm_link *link, *tmp;

	spin_lock(&vmlab_mm_lock);
	list_for_each_entry_safe(link, tmp, &inst->mms, inst_node)
		vmlab_mm_unlink(link);
	spin_unlock(&vmlab_mm_lock);
}

static void vmlab_tlb_probe(void *data, int reason, unsigned long pages)
{
	struct mm_struct *mm = current->active_mm;
	struct vmlab_mm_link *link;

	/*
	 * Flushes of this CPU's mm: remote and local shootdowns and the IPIs
	 * sent for them.  Not TLB_FLUSH_ON_TASK_SWITCH, emitted before the
	 * switch (current->active_mm is the old mm), nor 7.x's
	 * TLB_REMOTE_WRONG_CPU, an IPI that found the CPU already running
	 * another mm.  bpf/vmlab.bpf.c counts the same reasons.
	 */
	if (reason < TLB_REMOTE_SHOOTDOWN || reason > TLB_REMOTE_SEND_IPI ||
	    !atomic_read(&vmlab_nr_links))
		return;

	rcu_read_lock();
	list_for_each_entry_rcu(link, &vmlab_mm_links, node) {
		if (link->mm != mm)
			continue;
		vmlab_event_tlb(link->inst, VMLAB_TLB_ORIGIN_KERNEL, reason, 0,
				pages == TLB_FLUSH_ALL ? VMLAB_TLB_FLUSH_ALL : pages);
	}
	rcu_read_unlock();
}

static struct tracepoint *vmlab_tp_tlb_flush;

static void vmlab_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "tlb_flush"))
		*(struct tracepoint **)priv = tp;
}

int vmlab_ktlb_init(void)
{
	int ret;

	for_each_kernel_tracepoint(vmlab_find_tracepoint, &vmlab_tp_tlb_flush);
	if (!vmlab_tp_tlb_flush) {
		pr_warn("no tlb_flush tracepoint: the kernel's TLB flushes go unreported\n");
		return 0;
	}
	ret = tracepoint_probe_register(vmlab_tp_tlb_flush, vmlab_tlb_probe, NULL);
	if (ret)
		vmlab_tp_tlb_flush = NULL;
	return ret;
}

void vmlab_ktlb_exit(void)
{
	if (vmlab_tp_tlb_flush)
		tracepoint_probe_unregister(vmlab_tp_tlb_flush, vmlab_tlb_probe, NULL);
	tracepoint_synchronize_unregister();
}
