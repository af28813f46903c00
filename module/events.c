// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - events: the per-instance read() ring and the kernel's TLB flushes.
 *
 * The ring is bounded and never blocks a producer: a record that does not
 * fit is counted as dropped, and the reader is told how many with one
 * VMLAB_EV_LOST record, placed where the gap is.  Producers run in any
 * context (the TLB flush probe runs in IPI context, with interrupts off), so
 * the ring lock is a leaf taken with interrupts disabled and readers are
 * woken through irq_work.
 *
 * The kernel's TLB flushes are seen through its tlb:tlb_flush tracepoint,
 * found with for_each_kernel_tracepoint(): it has no exported symbol.  A
 * flush is attributed to every instance mapped by current->active_mm, the
 * mm the flushing CPU has loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/tlbflush.h>
#include <linux/mm_types.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>

#include "trace.h"
#include "vmlab.h"

static void vmlab_ring_wake(struct irq_work *work)
{
	struct vmlab_ring *ring = container_of(work, struct vmlab_ring, wake);

	wake_up_interruptible(&ring->wait);
}

void vmlab_ring_init(struct vmlab_ring *ring)
{
	spin_lock_init(&ring->lock);
	init_waitqueue_head(&ring->wait);
	init_irq_work(&ring->wake, vmlab_ring_wake);
}

/* Allocate the ring once, at the first mmap(); the instance lock is held. */
int vmlab_ring_alloc(struct vmlab_ring *ring, u32 records)
{
	struct vmlab_event *buf;

	if (ring->buf)
		return 0;
	buf = kvcalloc(records, sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	spin_lock_irq(&ring->lock);
	ring->mask = records - 1;
	ring->buf = buf;
	spin_unlock_irq(&ring->lock);
	return 0;
}

/* Free the ring; no producer or reader can reach it any more. */
void vmlab_ring_free(struct vmlab_ring *ring)
{
	irq_work_sync(&ring->wake);
	kvfree(ring->buf);
	ring->buf = NULL;
}

void vmlab_event_init(struct vmlab_event *ev, unsigned int type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->size = sizeof(*ev);
	ev->cpu = raw_smp_processor_id();
	ev->time_ns = ktime_get_ns();
	ev->pid = task_pid_nr(current);
	ev->tgid = task_tgid_nr(current);
}

static bool vmlab_ring_full(struct vmlab_ring *ring, u64 need)
{
	return ring->head - ring->tail + need > (u64)ring->mask + 1;
}

static void vmlab_ring_put(struct vmlab_ring *ring, const struct vmlab_event *ev)
{
	ring->buf[ring->head & ring->mask] = *ev;
	ring->head++;
}

/* Put the LOST record for the gap; the ring lock is held. */
static void vmlab_ring_put_lost(struct vmlab_ring *ring)
{
	struct vmlab_event lost;

	vmlab_event_init(&lost, VMLAB_EV_LOST);
	lost.seq = ring->lost_seq;
	lost.lost.count = ring->lost;
	lost.lost.first_seq = ring->lost_seq;
	vmlab_ring_put(ring, &lost);
	ring->lost = 0;
}

/* Append @ev to the ring, or count it as dropped. */
void vmlab_emit(struct vmlab_instance *inst, struct vmlab_event *ev)
{
	struct vmlab_ring *ring = &inst->ring;
	unsigned long flags;

	spin_lock_irqsave(&ring->lock, flags);
	if (!ring->buf) {
		spin_unlock_irqrestore(&ring->lock, flags);
		return;
	}
	atomic64_inc(&inst->stats.events);
	ev->seq = ring->seq++;
	/* after a gap, the LOST record and the new one must both fit */
	if (ring->lost && !vmlab_ring_full(ring, 2))
		vmlab_ring_put_lost(ring);
	if (!ring->lost && !vmlab_ring_full(ring, 1)) {
		vmlab_ring_put(ring, ev);
	} else {
		if (!ring->lost)
			ring->lost_seq = ev->seq;
		ring->lost++;
		atomic64_inc(&inst->stats.events_dropped);
	}
	spin_unlock_irqrestore(&ring->lock, flags);

	if (wq_has_sleeper(&ring->wait))
		irq_work_queue(&ring->wake);
}

/* A completed fault record: to the ring if the instance wants it. */
void vmlab_emit_fault(struct vmlab_instance *inst, struct vmlab_event *ev)
{
	if (vmlab_wants(inst, VMLAB_EV_FAULT))
		vmlab_emit(inst, ev);
}

static bool vmlab_ring_ready(struct vmlab_ring *ring)
{
	unsigned long flags;
	bool ready;

	spin_lock_irqsave(&ring->lock, flags);
	ready = ring->head != ring->tail || ring->lost;
	spin_unlock_irqrestore(&ring->lock, flags);
	return ready;
}

/*
 * Take the oldest record without consuming it: the reader copies it out
 * first and consumes it only then, so a fault in copy_to_user() loses
 * nothing.  When the ring is empty but records were dropped, the LOST
 * record is made up here (*@made_up).  Readers are serialised by the caller.
 */
static bool vmlab_ring_peek(struct vmlab_ring *ring, struct vmlab_event *ev,
			    bool *made_up)
{
	bool found = true;

	*made_up = false;
	spin_lock_irq(&ring->lock);
	if (ring->head != ring->tail) {
		*ev = ring->buf[ring->tail & ring->mask];
	} else if (ring->lost) {
		vmlab_event_init(ev, VMLAB_EV_LOST);
		ev->seq = ring->lost_seq;
		ev->lost.count = ring->lost;
		ev->lost.first_seq = ring->lost_seq;
		*made_up = true;
	} else {
		found = false;
	}
	spin_unlock_irq(&ring->lock);
	return found;
}

/*
 * Consume what vmlab_ring_peek() returned.  A made-up LOST record may since
 * have grown, or have been put in the ring by a producer with more records
 * counted in it: take away only what the reader was told.
 */
static void vmlab_ring_consume(struct vmlab_ring *ring,
			       const struct vmlab_event *ev, bool made_up)
{
	struct vmlab_event *first;
	u64 n = ev->lost.count;

	spin_lock_irq(&ring->lock);
	if (!made_up) {
		ring->tail++;
	} else if (ring->lost && ring->lost_seq == ev->lost.first_seq) {
		ring->lost -= n;
		ring->lost_seq += n;
	} else if (ring->head != ring->tail) {
		first = &ring->buf[ring->tail & ring->mask];
		/* a producer moved the gap into the ring as its first record */
		first->lost.count -= n;
		first->lost.first_seq += n;
		first->seq = first->lost.first_seq;
		if (!first->lost.count)
			ring->tail++;
	}
	spin_unlock_irq(&ring->lock);
}

ssize_t vmlab_ring_read(struct vmlab_instance *inst, char __user *buf,
			size_t count, bool nonblock)
{
	struct vmlab_ring *ring = &inst->ring;
	struct vmlab_event ev;
	size_t done = 0;
	bool made_up;
	int ret;

	if (count < sizeof(ev))
		return -EINVAL;

	while (!vmlab_ring_ready(ring)) {
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(ring->wait, vmlab_ring_ready(ring));
		if (ret)
			return ret;
	}

	mutex_lock(&inst->read_lock);
	while (done + sizeof(ev) <= count && vmlab_ring_peek(ring, &ev, &made_up)) {
		if (copy_to_user(buf + done, &ev, sizeof(ev))) {
			ret = done ? 0 : -EFAULT;
			goto unlock;
		}
		vmlab_ring_consume(ring, &ev, made_up);
		done += sizeof(ev);
	}
	ret = 0;
unlock:
	mutex_unlock(&inst->read_lock);
	return ret ? ret : done;
}

__poll_t vmlab_ring_poll(struct vmlab_instance *inst, struct file *file,
			 struct poll_table_struct *wait)
{
	poll_wait(file, &inst->ring.wait, wait);
	return vmlab_ring_ready(&inst->ring) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* ------------------------------------------------------ the kernel's mms */

static DEFINE_SPINLOCK(vmlab_mm_lock);
static LIST_HEAD(vmlab_mm_links);
static atomic_t vmlab_nr_links = ATOMIC_INIT(0);

static struct vmlab_mm_link *vmlab_mm_find(struct vmlab_instance *inst,
					   struct mm_struct *mm)
{
	struct vmlab_mm_link *link;

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
	struct vmlab_event ev;

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
		struct vmlab_instance *inst = link->inst;

		if (link->mm != mm)
			continue;
		atomic64_inc(&inst->stats.tlb_kernel);
		trace_vmlab_tlb_flush(inst->id, VMLAB_TLB_KERNEL, reason, 0, pages);
		if (!vmlab_wants(inst, VMLAB_EV_TLB))
			continue;
		vmlab_event_init(&ev, VMLAB_EV_TLB);
		ev.tlb.origin = VMLAB_TLB_KERNEL;
		ev.tlb.reason = reason;
		ev.tlb.pages = pages == TLB_FLUSH_ALL ? VMLAB_TLB_FLUSH_ALL : pages;
		vmlab_emit(inst, &ev);
	}
	rcu_read_unlock();
}

static struct tracepoint *vmlab_tp_tlb_flush;

static void vmlab_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "tlb_flush"))
		*(struct tracepoint **)priv = tp;
}

int vmlab_events_init(void)
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

void vmlab_events_exit(void)
{
	if (vmlab_tp_tlb_flush)
		tracepoint_probe_unregister(vmlab_tp_tlb_flush, vmlab_tlb_probe, NULL);
	tracepoint_synchronize_unregister();
}
