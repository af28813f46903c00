// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - events: the instance's counters, one helper per event kind, and
 * the per-instance read() ring.
 *
 * Every event is counted, fired as a vmlab:* tracepoint and, if the
 * instance's event_mask asks for it, recorded in the ring; the helpers here
 * are the only place a record is built or a tracepoint fired.
 *
 * The ring is bounded and never blocks a producer: a record that does not
 * fit is counted as dropped, and the reader is told how many with one
 * VMLAB_EV_LOST record, placed where the gap is.  Producers run in any
 * context (the kernel's TLB flushes are reported from IPI context, with
 * interrupts off), so readers are woken through irq_work.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "trace.h"
#include "vmlab.h"

/* --------------------------------------------------------------- counters */

/* The vmlab_stats field of each counter */
static const size_t vmlab_counter_field[VMLAB_NR_COUNTERS] = {
#define VMLAB_COUNTER(id, field)	offsetof(struct vmlab_stats, field),
#include "counters.h"
#undef VMLAB_COUNTER
};

/* The sum over every CPU of the counter at offset @off */
u64 vmlab_counter_sum(struct vmlab_instance *inst, size_t off)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*(u64 *)((char *)per_cpu_ptr(inst->counters, cpu) +
					  off));
	return sum;
}

static u64 vmlab_counter(struct vmlab_instance *inst, unsigned int c)
{
	return vmlab_counter_sum(inst, VMLAB_PCPU_OFF(c[c]));
}

void vmlab_stats_fill(struct vmlab_instance *inst, struct vmlab_stats *st)
{
	unsigned int i;
	u64 *field;

	BUILD_BUG_ON(VMLAB_CNT_FAULTS_COW - VMLAB_CNT_FAULTS_ZERO !=
		     VMLAB_FAULT_COW - VMLAB_FAULT_ZERO);
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	for (i = 0; i < VMLAB_NR_COUNTERS; i++) {
		field = (u64 *)((char *)st + vmlab_counter_field[i]);
		*field = vmlab_counter(inst, i);
	}
	for (i = VMLAB_CNT_FAULTS_ZERO; i <= VMLAB_CNT_FAULTS_COW; i++)
		st->faults += vmlab_counter(inst, i);
	st->swap_out_bytes = st->swap_outs * PAGE_SIZE;
	st->swap_in_bytes = st->swap_ins * PAGE_SIZE;
	st->pages_resident = atomic64_read(&inst->nr_resident);
	st->store_pages = atomic64_read(&inst->store_pages);
	st->pages_mapped = READ_ONCE(inst->nr_window);
}

/* Not atomic against faults counting meanwhile, on other CPUs */
void vmlab_stats_reset(struct vmlab_instance *inst)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(inst->counters, cpu), 0,
		       sizeof(struct vmlab_counters));
}

/* ------------------------------------------------------------------ ring */

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

/* Allocate the ring once, at the first mmap(). */
int vmlab_ring_alloc(struct vmlab_instance *inst)
{
	struct vmlab_ring *ring = &inst->ring;
	u32 records = inst->cfg.ring_records;
	struct vmlab_event *buf;

	lockdep_assert_held(&inst->lock);
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

static void vmlab_event_init(struct vmlab_event *ev, unsigned int type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->size = sizeof(*ev);
	ev->cpu = raw_smp_processor_id();
	ev->time_ns = ktime_get_ns();
	ev->pid = task_pid_nr(current);
	ev->tgid = task_tgid_nr(current);
}

/* The LOST record for the ring's gap; the ring lock is held. */
static void vmlab_event_lost(struct vmlab_event *ev,
			     const struct vmlab_ring *ring)
{
	lockdep_assert_held(&ring->lock);
	vmlab_event_init(ev, VMLAB_EV_LOST);
	ev->seq = ring->lost_seq;
	ev->lost.count = ring->lost;
	ev->lost.first_seq = ring->lost_seq;
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

	vmlab_event_lost(&lost, ring);
	vmlab_ring_put(ring, &lost);
	ring->lost = 0;
}

/* Append @ev to the ring, or count it as dropped. */
static void vmlab_emit(struct vmlab_instance *inst, struct vmlab_event *ev)
{
	struct vmlab_ring *ring = &inst->ring;
	unsigned long flags;

	spin_lock_irqsave(&ring->lock, flags);
	if (!ring->buf) {
		spin_unlock_irqrestore(&ring->lock, flags);
		return;
	}
	vmlab_count(inst, VMLAB_CNT_EVENTS);
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
		vmlab_count(inst, VMLAB_CNT_EVENTS_DROPPED);
	}
	spin_unlock_irqrestore(&ring->lock, flags);

	if (wq_has_sleeper(&ring->wait))
		irq_work_queue(&ring->wake);
}

static bool vmlab_wants(struct vmlab_instance *inst, unsigned int type)
{
	return READ_ONCE(inst->event_mask) & VMLAB_EV_BIT(type);
}

/* ---------------------------------------------------------- event kinds */

/* Start a record of @type in @ev, if the instance wants one. */
static bool vmlab_record(struct vmlab_instance *inst, struct vmlab_event *ev,
			 unsigned int type)
{
	if (!vmlab_wants(inst, type))
		return false;
	vmlab_event_init(ev, type);
	return true;
}

/*
 * The start of a fault, for its latency: 0 when nothing would show it (no
 * fault records, vmlab_fault and vmlab_walk off), which spares a fault the
 * two clock reads.  A tracepoint turned on during the fault sees 0.
 */
u64 vmlab_fault_clock(struct vmlab_instance *inst)
{
	if (vmlab_wants(inst, VMLAB_EV_FAULT) || trace_vmlab_fault_enabled() ||
	    trace_vmlab_walk_enabled())
		return ktime_get_ns();
	return 0;
}

/*
 * A fault was handled: count it and fire vmlab_fault.  True when its record
 * is wanted, by the ring or by the vmlab_walk tracepoint: @ev is filled, and
 * the caller completes it, after walking the page tables if
 * vmlab_event_fault_walks(), with vmlab_event_fault_walked(), or else with
 * vmlab_event_fault_emit().
 */
bool vmlab_event_fault(struct vmlab_instance *inst, struct vmlab_event *ev,
		       unsigned long addr, pgoff_t pgoff, u32 access,
		       unsigned int kind, u64 t0, struct page *page)
{
	u64 latency = t0 ? ktime_get_ns() - t0 : 0;

	vmlab_count_fault(inst, kind);
	trace_vmlab_fault(inst->id, addr, pgoff, access, kind, latency,
			  page_to_pfn(page));
	if (!vmlab_wants(inst, VMLAB_EV_FAULT) && !trace_vmlab_walk_enabled())
		return false;

	vmlab_event_init(ev, VMLAB_EV_FAULT);
	ev->fault.addr = addr;
	ev->fault.pgoff = pgoff;
	ev->fault.access = access;
	ev->fault.kind = kind;
	ev->fault.latency_ns = latency;
	ev->fault.pfn = inst->pfn_visible ? page_to_pfn(page) : 0;
	return true;
}

/* Does a fault's record want the page-table walk? */
bool vmlab_event_fault_walks(struct vmlab_instance *inst)
{
	return (READ_ONCE(inst->flags) & VMLAB_CFG_WALK) ||
	       trace_vmlab_walk_enabled();
}

/* A fault record is complete: to the ring if the instance wants it. */
void vmlab_event_fault_emit(struct vmlab_instance *inst, struct vmlab_event *ev)
{
	if (vmlab_wants(inst, VMLAB_EV_FAULT))
		vmlab_emit(inst, ev);
}

/*
 * The page tables of fault record @ev were walked, PFNs and all: fire
 * vmlab_walk (tracepoints are root-only), then complete the record, with
 * PFNs only when the opener may see them.
 */
void vmlab_event_fault_walked(struct vmlab_instance *inst,
			      struct vmlab_event *ev,
			      const struct vmlab_walk *w)
{
	struct vmlab_ev_fault *f = &ev->fault;
	int i;

	trace_vmlab_walk(inst->id, f->addr, w);
	for (i = 0; i < VMLAB_LEVELS; i++) {
		f->entry[i] = w->entry[i];
		if (!inst->pfn_visible)
			f->entry[i] &= ~VMLAB_PTE_PFN_MASK;
	}
	f->depth = w->depth;
	vmlab_event_fault_emit(inst, ev);
}

/* A TLB flush, the module's (@origin VMLAB_TLB_ORIGIN_MODULE) or the kernel's. */
void vmlab_event_tlb(struct vmlab_instance *inst, u32 origin, u32 reason,
		     u64 start, u64 pages)
{
	struct vmlab_event ev;

	vmlab_count(inst, origin == VMLAB_TLB_ORIGIN_MODULE ? VMLAB_CNT_TLB_MODULE :
						       VMLAB_CNT_TLB_KERNEL);
	trace_vmlab_tlb_flush(inst->id, origin, reason, start, pages);
	if (!vmlab_record(inst, &ev, VMLAB_EV_TLB))
		return;
	ev.tlb.origin = origin;
	ev.tlb.reason = reason;
	ev.tlb.start = start;
	ev.tlb.pages = pages;
	vmlab_emit(inst, &ev);
}

/*
 * Page @pgoff was evicted (@action VMLAB_EVICT_*), or kept by the error
 * @action < 0.  The counters are the eviction's to keep.
 */
void vmlab_event_evict(struct vmlab_instance *inst, pgoff_t pgoff,
		       int action, u32 reason, u64 t0)
{
	u64 latency = ktime_get_ns() - t0;
	u32 policy = READ_ONCE(inst->policy);
	int error = action < 0 ? action : 0;
	struct vmlab_event ev;

	trace_vmlab_evict(inst->id, pgoff, policy, action < 0 ? 0 : action,
			  reason, error, latency);
	if (!vmlab_record(inst, &ev, VMLAB_EV_EVICT))
		return;
	ev.evict.pgoff = pgoff;
	ev.evict.latency_ns = latency;
	ev.evict.policy = policy;
	ev.evict.action = action < 0 ? 0 : action;
	ev.evict.reason = reason;
	ev.evict.error = -error;
	vmlab_emit(inst, &ev);
}

/*
 * Page @pgoff went to the store or came back (@dir), or failed to with
 * @error.  The counters are the store's to keep.
 */
void vmlab_event_swap(struct vmlab_instance *inst, u32 dir, pgoff_t pgoff,
		      u32 store, int error, u64 t0)
{
	u64 latency = ktime_get_ns() - t0;
	struct vmlab_event ev;

	if (dir == VMLAB_SWAP_OUT)
		trace_vmlab_swap_out(inst->id, pgoff, store, error, latency);
	else
		trace_vmlab_swap_in(inst->id, pgoff, store, error, latency);
	if (!vmlab_record(inst, &ev, VMLAB_EV_SWAP))
		return;
	ev.swap.pgoff = pgoff;
	ev.swap.latency_ns = latency;
	ev.swap.bytes = error ? 0 : PAGE_SIZE;
	ev.swap.dir = dir;
	ev.swap.store = store;
	ev.swap.error = -error;
	vmlab_emit(inst, &ev);
}

/* ---------------------------------------------------------------- reader */

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
		vmlab_event_lost(ev, ring);
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
