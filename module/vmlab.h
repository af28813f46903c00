/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - a virtual-memory laboratory: definitions shared by the module's
 * files.  The ABI lives in include/uapi/linux/vmlab.h and nowhere else.
 *
 * Data flows one way: config (dev.c) -> instance; fault (fault.c) -> walk
 * (walk.c) -> event (events.c) -> ring -> read(), and tracepoints (trace.h).
 */
#ifndef _VMLAB_H
#define _VMLAB_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/prandom.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/vmlab.h>

#define VMLAB_VERSION "0.4.0"

struct dentry;
struct mm_struct;
struct vm_area_struct;

/* Module parameters (main.c) */
extern unsigned int vmlab_max_region_mb;
extern unsigned long vmlab_max_pages;
extern unsigned int vmlab_max_ring_records;

#define VMLAB_DEFAULT_RING	1024

/* The read() ring: bounded, never blocks a producer. */
struct vmlab_ring {
	spinlock_t lock;		/* leaf lock; taken in any context */
	struct vmlab_event *buf;	/* ring_records entries */
	u32 mask;			/* ring_records - 1 */
	u64 head;			/* next record to write */
	u64 tail;			/* next record to read */
	u64 seq;			/* sequence number of the next record */
	u64 lost;			/* dropped since the last LOST record */
	u64 lost_seq;			/* seq of the first of those */
	wait_queue_head_t wait;
	struct irq_work wake;		/* wakes readers from any context */
};

struct vmlab_counters {
	atomic64_t faults[VMLAB_FAULT_KIND_MAX];
	atomic64_t fault_errors;
	atomic64_t pages_allocated;
	atomic64_t tlb_module;
	atomic64_t tlb_kernel;
	atomic64_t events;
	atomic64_t events_dropped;
	atomic64_t evictions;
	atomic64_t swap_outs;
	atomic64_t swap_ins;
	atomic64_t clean_drops;
	atomic64_t io_errors;
	atomic64_t evict_pinned;
	atomic64_t over_budget;
};

#define VMLAB_NO_SLOT	U32_MAX

/* A resident page and its place in every policy's order (policy.c). */
struct vmlab_frame {
	struct page *page;
	pgoff_t pgoff;
	struct list_head fifo;		/* load order */
	struct list_head lru;		/* order of the last fault */
	struct list_head win;		/* software TLB window, if in it */
	struct list_head spill;		/* waiting for a slot, if on it */
	u32 slot;			/* in vmlab_instance.slots */
	u8 age;				/* LRU_APPROX counter */
	bool window_unmapped;		/* the window unmapped it: next is soft */
	bool zero;			/* never written since it was zeroed */
	bool busy;			/* being written out, unlocked */
	bool rescued;			/* faulted back in while busy; out of
					 * the policy until the write ends
					 */
};

/* A VMA of the instance, for reading accessed bits (policy.c). */
struct vmlab_vma_link {
	struct list_head node;
	struct vm_area_struct *vma;
};

/* One open() of /dev/vmlab: an independent experiment. */
struct vmlab_instance {
	u32 id;
	bool pfn_visible;		/* opener had CAP_SYS_ADMIN */
	struct inode *inode;		/* own address_space for all mappings */

	struct mutex lock;		/* config changes and page allocation */
	struct vmlab_config cfg;	/* under lock; hot copies below */
	u64 nr_pages;			/* region_size >> PAGE_SHIFT */
	u64 event_mask;
	u32 flags;
	bool mapped;			/* mmap() happened: region and ring fixed */

	struct xarray pages;		/* pgoff -> struct vmlab_frame * */
	atomic64_t nr_resident;

	/* policy state, under lock */
	u32 policy;
	u64 frames;			/* budget, 0 = unlimited */
	u32 tlb_window;			/* software TLB, 0 = off */
	u32 evict_batch;		/* victims a full budget evicts, >= 1 */
	struct list_head fifo;
	struct list_head lru;
	struct vmlab_frame **slots;
	u32 *free_slots;
	u32 nr_slots, nr_used_slots, nr_free_slots, hand;
	struct list_head spill;		/* frames past the budget, no slot */
	struct rnd_state rnd;
	cpumask_var_t flush_cpus;	/* CLOCK_FLUSH: CPUs to flush */
	struct list_head win;		/* software TLB window, oldest first */
	u32 nr_win;

	/* VMAs, for accessed bits */
	spinlock_t vma_lock;
	struct list_head vmas;

	/* the store, under lock */
	struct file *backing;		/* NULL: memory store */
	struct xarray store_mem;	/* pgoff -> struct page * held in memory */
	struct xarray store_file;	/* pgoff -> value: the file has a copy */
	atomic64_t store_pages;
	struct work_struct wb_work;	/* writes VMLAB_EVICT_DEFER pages */
	u32 nr_busy;			/* frames being written out */
	wait_queue_head_t busy_wait;	/* woken when one is done */
	struct task_struct *err_task;	/* a write failed for its fault: */
	pgoff_t err_pgoff;		/* SIGBUS when it retries this page */

	/* the last page faulted in, and by which access (evict.c), under lock */
	struct task_struct *last_task;
	pgoff_t last_pgoff;
	u32 last_sig;

	struct vmlab_ring ring;
	struct mutex read_lock;		/* serialises read() */
	struct vmlab_counters stats;

	struct list_head mms;		/* vmlab_mm_link, under vmlab_mm_lock */
	struct dentry *debugfs;
	struct rcu_work free_work;	/* frees it after a grace period */
};

/* Every mm that maps an instance, for attributing the kernel's flushes. */
struct vmlab_mm_link {
	struct list_head node;		/* global list, RCU */
	struct list_head inst_node;	/* instance's list */
	struct mm_struct *mm;
	struct vmlab_instance *inst;
	unsigned long vmas;		/* VMAs of inst in mm */
	struct rcu_head rcu;
};

/* main.c */
extern struct workqueue_struct *vmlab_wq;
extern atomic_long_t vmlab_nr_instances;
extern atomic_long_t vmlab_nr_pages;

/*
 * Take @index out of @xa but keep its slot, as a reserved (zero) entry that
 * loads and iterates as empty: a page that leaves and comes back, as
 * evicted pages do, then costs no xarray node freed and allocated again.
 * That keeps a fault's cost the same in a sparse 1 GiB region as in a
 * dense 1 MiB one.  The nodes go with the instance.
 */
static inline void vmlab_xa_vacate(struct xarray *xa, unsigned long index,
				   void *entry)
{
	xa_cmpxchg(xa, index, entry, XA_ZERO_ENTRY, GFP_NOWAIT);
}

/* The memory store marks parked pages the worker must still write. */
#define VMLAB_STORE_PENDING	XA_MARK_1

/* dev.c */
int vmlab_dev_init(void);
void vmlab_dev_exit(void);

static inline bool vmlab_wants(struct vmlab_instance *inst, unsigned int type)
{
	return READ_ONCE(inst->event_mask) & VMLAB_EV_BIT(type);
}

/* fault.c */
extern const struct vm_operations_struct vmlab_vm_ops;
int vmlab_mmap(struct file *file, struct vm_area_struct *vma);
void vmlab_pages_free(struct vmlab_instance *inst);
struct page *vmlab_page_alloc(struct vmlab_instance *inst);
int vmlab_fs_init(void);
void vmlab_fs_exit(void);
struct inode *vmlab_inode_alloc(void);

/* policy.c */
int vmlab_policy_init(void);
void vmlab_policy_exit(void);
int vmlab_policy_resize(struct vmlab_instance *inst, u64 frames);
void vmlab_policy_free(struct vmlab_instance *inst);
struct vmlab_frame *vmlab_frame_alloc(struct vmlab_instance *inst,
				      struct page *page, pgoff_t pgoff);
void vmlab_frame_free(struct vmlab_frame *f);
void vmlab_policy_add(struct vmlab_instance *inst, struct vmlab_frame *f);
void vmlab_policy_remove(struct vmlab_instance *inst, struct vmlab_frame *f);
void vmlab_policy_touch(struct vmlab_instance *inst, struct vmlab_frame *f);
struct vmlab_frame *vmlab_policy_choose(struct vmlab_instance *inst);

/* evict.c */
#define VMLAB_EVICT_PENDING	1	/* write with vmlab_evict_write() */

/* Victims evicted together, in page order once unmapped */
struct vmlab_batch {
	struct vmlab_frame *f[VMLAB_EVICT_BATCH_MAX];
	unsigned int n;
};

int vmlab_evict(struct vmlab_instance *inst, struct vmlab_batch *b, u32 reason,
		bool may_write);
int vmlab_evict_write(struct vmlab_instance *inst, struct vmlab_batch *b,
		      u32 reason);
void vmlab_evict_rescue(struct vmlab_instance *inst, struct vmlab_frame *f);
int vmlab_make_room(struct vmlab_instance *inst, bool may_write, u32 sig,
		    struct vmlab_batch *pending);
u32 vmlab_access_sig(void);
void vmlab_access_note(struct vmlab_instance *inst, pgoff_t pgoff, u32 sig);
void vmlab_window_add(struct vmlab_instance *inst, struct vmlab_frame *f,
		      bool trim);
void vmlab_tlb_module(struct vmlab_instance *inst, u32 reason, u64 start,
		      u64 pages);
int vmlab_vma_track(struct vmlab_instance *inst, struct vm_area_struct *vma);
void vmlab_vma_untrack(struct vmlab_instance *inst, struct vm_area_struct *vma);

/* store.c */
int vmlab_store_set(struct vmlab_instance *inst, int fd);
void vmlab_store_init(struct vmlab_instance *inst);
void vmlab_store_free(struct vmlab_instance *inst);
int vmlab_store_out(struct vmlab_instance *inst, struct vmlab_frame *f,
		    bool dirty, bool may_write);
int vmlab_store_write(struct vmlab_instance *inst, struct file *file,
		      struct vmlab_frame **f, unsigned int n);
int vmlab_store_written(struct vmlab_instance *inst, pgoff_t pgoff, int ret);
struct page *vmlab_store_in(struct vmlab_instance *inst, pgoff_t pgoff,
			    int *err);
bool vmlab_store_has(struct vmlab_instance *inst, pgoff_t pgoff);
void vmlab_page_release(struct page *page);

/* walk.c */
void vmlab_walk_mm(struct mm_struct *mm, unsigned long addr,
		   struct vmlab_walk *w, bool pfn_visible);
bool vmlab_pte_test_and_clear_young(struct mm_struct *mm, unsigned long addr);
int vmlab_walk_defer(struct vmlab_instance *inst, struct vm_area_struct *vma,
		     struct vmlab_event *ev);
int vmlab_walk_init(void);
void vmlab_walk_exit(void);

/* events.c */
int vmlab_ring_alloc(struct vmlab_ring *ring, u32 records);
void vmlab_ring_free(struct vmlab_ring *ring);
void vmlab_ring_init(struct vmlab_ring *ring);
void vmlab_event_init(struct vmlab_event *ev, unsigned int type);
void vmlab_emit(struct vmlab_instance *inst, struct vmlab_event *ev);
void vmlab_emit_fault(struct vmlab_instance *inst, struct vmlab_event *ev);
ssize_t vmlab_ring_read(struct vmlab_instance *inst, char __user *buf,
			size_t count, bool nonblock);
__poll_t vmlab_ring_poll(struct vmlab_instance *inst, struct file *file,
			 struct poll_table_struct *wait);
int vmlab_mm_track(struct vmlab_instance *inst, struct mm_struct *mm);
void vmlab_mm_untrack(struct vmlab_instance *inst, struct mm_struct *mm);
void vmlab_mm_untrack_all(struct vmlab_instance *inst);
int vmlab_events_init(void);
void vmlab_events_exit(void);

/* debugfs.c */
void vmlab_debugfs_init(void);
void vmlab_debugfs_exit(void);
void vmlab_debugfs_add(struct vmlab_instance *inst);
void vmlab_debugfs_remove(struct vmlab_instance *inst);
void vmlab_stats_fill(struct vmlab_instance *inst, struct vmlab_stats *st);

#endif /* _VMLAB_H */
