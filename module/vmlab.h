/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - a virtual-memory laboratory: definitions shared by the module's
 * files.  The ABI lives in include/uapi/linux/vmlab.h and nowhere else.
 *
 * The files, each calling only files listed before it:
 *
 *   trace.c     tracepoints (trace.h)
 *   events.c    counters, one helper per event kind, the read() ring
 *   ktlb.c      the kernel's TLB flushes on the mms that map an instance
 *   walk.c      page-table walks and accessed bits
 *   page.c      pages and frames: allocation, accounting, residency
 *   store.c     the backing store: where evicted pages go
 *   bpf_policy.c  replacement policies written in BPF: the struct_ops
 *               type, the registered ops, the calls into them
 *   policy.c    replacement policies: which page to evict
 *   evict.c     eviction: the frame state machine, the page daemon, the
 *               software TLB window
 *   fault.c     the fault path: mmap(), faults, the deferred walk
 *   instance.c  an instance's life, its pseudo inode; the lock order
 *   debugfs.c   /sys/kernel/debug/vmlab
 *   dev.c       /dev/vmlab: open(), ioctls, read(), poll()
 *   main.c      module init and exit
 *
 * Data flows one way: config (dev.c) -> instance; fault (fault.c) ->
 * evict -> policy, store -> events -> ring -> read(), and tracepoints.
 * Locking: the block at the top of instance.c.
 */
#ifndef _VMLAB_H
#define _VMLAB_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/prandom.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/vmlab.h>

struct dentry;
struct vmlab_bpf_ops;
struct file;
struct mm_struct;
struct page;
struct vm_area_struct;

/* The instance's counters (counters.h) */
enum vmlab_counter {
#define VMLAB_COUNTER(id, field)	VMLAB_CNT_##id,
#include "counters.h"
#undef VMLAB_COUNTER
	VMLAB_NR_COUNTERS
};

/* The read() ring: bounded, never blocks a producer (events.c). */
struct vmlab_ring {
	spinlock_t lock;		/* irq-safe leaf */
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

#define VMLAB_NO_SLOT	U32_MAX

/*
 * Where a frame is in its eviction (evict.c, which alone changes it):
 *
 *   ADMITTING --the instance lock's next holder--> RESIDENT (page.c)
 *   RESIDENT --evict, dirty--> BUSY --written--> (frame freed)
 *                               |  \--failed--> RESIDENT, dirty
 *                               \--fault--> RESCUED --write ends--> RESIDENT
 */
enum vmlab_frame_state {
	VMLAB_FRAME_RESIDENT,		/* in the policy (unless a victim) */
	VMLAB_FRAME_BUSY,		/* unmapped, its write in flight */
	VMLAB_FRAME_RESCUED,		/* faulted back in while busy; out of
					 * the policy until the write ends
					 */
	VMLAB_FRAME_ADMITTING,		/* zero-filled without the instance
					 * lock; joins the policy when the
					 * lock's next holder drains the
					 * admission queue (page.c)
					 */
};

/*
 * The lists of SFIFO and TWOQ (policy.c): a frame is on one of them, or on
 * none while another policy runs.
 */
enum vmlab_seg {
	VMLAB_SEG_NONE,
	VMLAB_SEG_FIFO,			/* SFIFO: the resident FIFO */
	VMLAB_SEG_CLEAN,		/* SFIFO: second chance, no write needed */
	VMLAB_SEG_DIRTY,		/* SFIFO: second chance, to be written */
	VMLAB_SEG_INACTIVE,		/* TWOQ */
	VMLAB_SEG_ACTIVE,		/* TWOQ */
	VMLAB_NR_SEGS,
};

/* A resident page and its place in every policy's order. */
struct vmlab_frame {
	struct page *page;
	pgoff_t pgoff;
	struct list_head fifo;		/* load order */
	struct list_head lru;		/* order of the last fault */
	struct list_head s3;		/* S3FIFO: in its small or main queue */
	struct list_head window;	/* software TLB window, if in it */
	struct list_head spill;		/* waiting for a slot, if on it */
	struct list_head seg;		/* on vmlab_instance.segs[seg_id] */
	struct llist_node admit;	/* on vmlab_instance.admitting */
	u64 last_use;			/* WSCLOCK: virtual time of last use */
	u32 slot;			/* in vmlab_instance.slots */
	u8 age;				/* LRU_APPROX counter */
	u8 seg_id;			/* enum vmlab_seg */
	bool referenced;		/* TWOQ, WSCLOCK: seen since cleared */
	u8 freq;			/* S3FIFO: hits, at most 3 */
	bool s3_main;			/* S3FIFO: in the main queue, not small */
	bool visited;			/* SIEVE: hit since the hand passed */
	u8 state;			/* enum vmlab_frame_state */
	bool window_unmapped;		/* the window unmapped it: next is soft */
	bool zero;			/* never written since it was zeroed */
	bool bpf_listed;		/* BPF: given to the ops (resident())
					 * and not taken back (leaving())
					 */
};

/* Is @f's write to the backing file in flight (out of the policy)? */
static inline bool vmlab_frame_writing(const struct vmlab_frame *f)
{
	return f->state != VMLAB_FRAME_RESIDENT;
}

/* S3FIFO's ghost: the id of a page its small queue evicted (policy.c). */
struct vmlab_ghost {
	struct list_head fifo;		/* ghost queue, or the free nodes */
	struct hlist_node hash;		/* in the hash, if in the queue */
	pgoff_t pgoff;
};

/* A VMA of the instance, for reading accessed bits (policy.c). */
struct vmlab_vma_link {
	struct list_head node;
	struct vm_area_struct *vma;
};

/*
 * The instance's counters, one copy per CPU: a fault writes its own CPU's,
 * with no atomic operation; a read sums them (events.c).
 */
struct vmlab_counters {
	u64 c[VMLAB_NR_COUNTERS];
	u64 faults_unlocked;	/* debugfs only: faults with no instance lock */
	u64 fault_locks;	/* debugfs only: instance locks faults took */
	u64 walks_deferred;	/* debugfs only: walks run at the return to
				 * user space, not in the handler
				 */
	u64 misses_undone;	/* debugfs only: pages a miss without the
				 * lock allocated and gave back
				 */
};

/* vmlab_counter_sum()'s offset of a struct vmlab_counters field */
#define VMLAB_PCPU_OFF(field)	offsetof(struct vmlab_counters, field)

/*
 * One open() of /dev/vmlab: an independent experiment.  Which lock guards
 * what: the block at the top of instance.c.
 */
struct vmlab_instance {
	u32 id;
	bool pfn_visible;		/* opener had CAP_SYS_ADMIN */
	struct inode *inode;		/* own address_space for all mappings */

	struct mutex lock;		/* the instance lock */
	struct vmlab_config cfg;	/* hot copies below */
	u64 nr_pages;			/* region_size >> PAGE_SHIFT */
	u64 event_mask;
	u32 flags;
	bool mapped;			/* mmap() happened: region and ring fixed */

	/* page.c */
	struct xarray pages;		/* pgoff -> struct vmlab_frame * */
	atomic64_t nr_resident;
	struct list_head frame_chunks;	/* the frames' memory */
	struct list_head frame_free;	/* frames freed, by ->fifo */
	u32 frame_fresh;		/* frames of the newest chunk never
					 * taken: its last frame_fresh
					 */
	spinlock_t frame_lock;		/* guards the four above */
	struct llist_head admitting;	/* frames zero-filled without the
					 * instance lock, for the policy
					 */
	bool misses_unlocked;		/* may a miss take no instance lock?
					 * (fault.c; RCU-synchronised)
					 */

	/* policy.c */
	u32 policy;
	u64 frames;			/* budget, 0 = unlimited */
	u32 evict_batch;		/* victims a full budget evicts, >= 1 */
	struct list_head fifo;
	struct list_head lru;
	struct vmlab_frame **slots;
	u32 *free_slots;
	u32 nr_slots, nr_used_slots, nr_free_slots, hand;
	struct list_head spill;		/* frames past the budget, no slot */
	struct list_head segs[VMLAB_NR_SEGS];	/* SFIFO, TWOQ */
	u64 nr_seg[VMLAB_NR_SEGS];
	atomic64_t vtime;		/* references seen: faults, upgrades */
	u64 ws_window;			/* WSCLOCK's tau, 0 = frames */
	struct vmlab_frame *sieve_hand;	/* SIEVE: where the hand is, NULL:
					 * at the oldest page
					 */
	struct list_head s3_small;	/* S3FIFO: small queue, oldest first */
	struct list_head s3_main;	/* S3FIFO: main queue, oldest first */
	u64 nr_s3_small;		/* pages in s3_small */
	u64 s3_small_share;		/* frames / 10, at least 1 */
	struct vmlab_ghost *ghosts;	/* frames - s3_small_share nodes */
	struct hlist_head *ghost_hash;	/* 1 << ghost_bits buckets */
	struct list_head ghost_fifo;	/* ids S evicted, oldest first */
	struct list_head ghost_free;	/* nodes not in ghost_fifo */
	u32 ghost_bits;
	struct rnd_state rnd;
	cpumask_var_t flush_cpus;	/* CLOCK_FLUSH: CPUs to flush */
	/* bpf_policy.c: the ops VMLAB_POLICY_BPF runs, or NULL */
	struct vmlab_bpf_ops *bpf;
	struct vmlab_policy_ctx bpf_ctx;	/* what its callbacks see */
	spinlock_t vma_lock;		/* guards vmas */
	struct list_head vmas;		/* vmlab_vma_link */

	/* evict.c: the software TLB window, oldest first */
	u32 tlb_window;			/* its size, 0 = off */
	struct list_head window;
	u32 nr_window;

	/* evict.c: the last page faulted in, and by which access */
	spinlock_t note_lock;		/* guards the three below */
	struct task_struct *last_task;
	pgoff_t last_pgoff;
	u32 last_sig;

	/* evict.c: the page daemon; watermarks in free frames, 0 = off */
	u32 low_watermark;		/* a miss below it wakes the daemon */
	u32 high_watermark;		/* the daemon frees frames up to it */
	struct work_struct daemon_work;	/* on the unbound work queue */

	/* fault.c: a miss that evicted, retried: counted as evicted */
	struct task_struct *evict_task;
	pgoff_t evict_pgoff;
	/* fault.c: faults the fast path took, without the instance lock */
	/* fault.c: deferred walks, in the order of their faults */
	spinlock_t walks_lock;
	struct list_head walks;

	/* store.c */
	struct file *backing;		/* NULL: memory store */
	struct xarray store_mem;	/* pgoff -> struct page * held in memory */
	struct xarray store_file;	/* pgoff -> value: the file has a copy */
	atomic64_t store_pages;
	struct work_struct wb_work;	/* writes VMLAB_EVICT_ACTION_DEFER pages */
	u32 nr_busy;			/* frames being written out */
	wait_queue_head_t busy_wait;	/* woken when one is done */
	struct task_struct *err_task;	/* a write failed for its fault: */
	pgoff_t err_pgoff;		/* SIGBUS when it retries this page */

	/* events.c */
	struct vmlab_ring ring;
	struct mutex read_lock;		/* serialises read() */
	struct vmlab_counters __percpu *counters;

	struct list_head mms;		/* vmlab_mm_link (ktlb.c) */
	struct dentry *debugfs;
	struct rcu_work free_work;	/* frees it after a grace period */
};

/* ------------------------------------------------------------- events.c */

static inline void vmlab_count(struct vmlab_instance *inst,
			       enum vmlab_counter c)
{
	this_cpu_inc(inst->counters->c[c]);
}

static inline void vmlab_count_fault(struct vmlab_instance *inst,
				     unsigned int kind)
{
	vmlab_count(inst, VMLAB_CNT_FAULTS_ZERO + kind - VMLAB_FAULT_ZERO);
}

void vmlab_ring_init(struct vmlab_ring *ring);
int vmlab_ring_alloc(struct vmlab_instance *inst);
void vmlab_ring_free(struct vmlab_ring *ring);
ssize_t vmlab_ring_read(struct vmlab_instance *inst, char __user *buf,
			size_t count, bool nonblock);
__poll_t vmlab_ring_poll(struct vmlab_instance *inst, struct file *file,
			 struct poll_table_struct *wait);
u64 vmlab_fault_clock(struct vmlab_instance *inst);
bool vmlab_event_fault(struct vmlab_instance *inst, struct vmlab_event *ev,
		       unsigned long addr, pgoff_t pgoff, u32 access,
		       unsigned int kind, u64 t0, struct page *page);
bool vmlab_event_fault_walks(struct vmlab_instance *inst);
void vmlab_event_fault_walked(struct vmlab_instance *inst,
			      struct vmlab_event *ev,
			      const struct vmlab_walk *w);
void vmlab_event_fault_emit(struct vmlab_instance *inst,
			    struct vmlab_event *ev);
void vmlab_event_tlb(struct vmlab_instance *inst, u32 origin, u32 reason,
		     u64 start, u64 pages);
void vmlab_event_evict(struct vmlab_instance *inst, pgoff_t pgoff,
		       int action, u32 reason, u64 t0);
void vmlab_event_swap(struct vmlab_instance *inst, u32 dir, pgoff_t pgoff,
		      u32 store, int error, u64 t0);
u64 vmlab_counter_sum(struct vmlab_instance *inst, size_t off);
void vmlab_stats_fill(struct vmlab_instance *inst, struct vmlab_stats *st);
void vmlab_stats_reset(struct vmlab_instance *inst);

/* --------------------------------------------------------------- ktlb.c */

/* Every mm that maps an instance, for attributing the kernel's flushes. */
struct vmlab_mm_link {
	struct list_head node;		/* global list, RCU */
	struct list_head inst_node;	/* instance's list */
	struct mm_struct *mm;
	struct vmlab_instance *inst;
	unsigned long vmas;		/* VMAs of inst in mm */
	struct rcu_head rcu;
};

int vmlab_mm_track(struct vmlab_instance *inst, struct mm_struct *mm);
void vmlab_mm_untrack(struct vmlab_instance *inst, struct mm_struct *mm);
void vmlab_mm_untrack_all(struct vmlab_instance *inst);
int vmlab_ktlb_init(void);
void vmlab_ktlb_exit(void);

/* --------------------------------------------------------------- walk.c */

void vmlab_walk_mm(struct mm_struct *mm, unsigned long addr,
		   struct vmlab_walk *w, bool pfn_visible);
void vmlab_pt_count(struct mm_struct *mm, unsigned long start,
		    unsigned long end, struct vmlab_pt *pt);
bool vmlab_pte_test_and_clear_young(struct mm_struct *mm, unsigned long addr,
				    struct page *page);
bool vmlab_pte_young(struct mm_struct *mm, unsigned long addr,
		     struct page *page);

/* --------------------------------------------------------------- page.c */

extern unsigned long vmlab_max_pages;
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

/* Frames the pool allocates at a time: two pages' worth (page.c) */
#define VMLAB_FRAME_CHUNK						\
	((2 * PAGE_SIZE - sizeof(struct list_head)) / sizeof(struct vmlab_frame))

struct page *vmlab_page_alloc(struct vmlab_instance *inst);
void vmlab_page_release(struct page *page);
void vmlab_frames_init(struct vmlab_instance *inst);
struct vmlab_frame *vmlab_frame_alloc(struct vmlab_instance *inst,
				      struct page *page, pgoff_t pgoff,
				      enum vmlab_frame_state state);
void vmlab_frame_free(struct vmlab_instance *inst, struct vmlab_frame *f);
int vmlab_frame_insert(struct vmlab_instance *inst, struct vmlab_frame *f,
		       bool past);
int vmlab_frame_publish(struct vmlab_instance *inst, struct vmlab_frame *f);
void vmlab_lock(struct vmlab_instance *inst);
void vmlab_misses_lock(struct vmlab_instance *inst);
void vmlab_misses_unlock(struct vmlab_instance *inst);
void vmlab_frame_remove(struct vmlab_instance *inst, struct vmlab_frame *f);
void vmlab_pages_free(struct vmlab_instance *inst);
void vmlab_page_exit(void);

/* -------------------------------------------------------------- store.c */

void vmlab_store_init(struct vmlab_instance *inst);
void vmlab_store_free(struct vmlab_instance *inst);
int vmlab_store_set(struct vmlab_instance *inst, int fd);
bool vmlab_store_has(struct vmlab_instance *inst, pgoff_t pgoff);
int vmlab_store_out(struct vmlab_instance *inst, struct vmlab_frame *f,
		    bool dirty, bool may_write);
int vmlab_store_write(struct vmlab_instance *inst, struct file *file,
		      struct vmlab_frame **f, unsigned int n);
int vmlab_store_written(struct vmlab_instance *inst, pgoff_t pgoff, int ret);
struct page *vmlab_store_read(struct vmlab_instance *inst, pgoff_t pgoff,
			      int *err);
void vmlab_store_taken(struct vmlab_instance *inst, struct page *page,
		       pgoff_t pgoff);
void vmlab_store_unread(struct vmlab_instance *inst, struct page *page,
			pgoff_t pgoff);

bool vmlab_frame_dirty(struct vmlab_instance *inst, struct vmlab_frame *f);

/* --------------------------------------------------------- bpf_policy.c */

bool vmlab_bpf_policy_available(void);
void vmlab_bpf_policy_add(struct vmlab_instance *inst, struct vmlab_frame *f);
void vmlab_bpf_policy_remove(struct vmlab_instance *inst, struct vmlab_frame *f);
void vmlab_bpf_policy_touch(struct vmlab_instance *inst, struct vmlab_frame *f,
			    u32 flags);
struct vmlab_frame *vmlab_bpf_policy_choose(struct vmlab_instance *inst);
int vmlab_bpf_policy_set(struct vmlab_instance *inst, const char *name);
void vmlab_bpf_policy_release(struct vmlab_instance *inst);
void vmlab_bpf_policy_init(void);

/* ------------------------------------------------------------- policy.c */

int vmlab_policy_init(struct vmlab_instance *inst);
int vmlab_policy_resize(struct vmlab_instance *inst, u64 frames);
void vmlab_policy_free(struct vmlab_instance *inst);
void vmlab_policy_add(struct vmlab_instance *inst, struct vmlab_frame *f);
void vmlab_policy_admit(struct vmlab_instance *inst, struct vmlab_frame *f);
void vmlab_policy_keep(struct vmlab_instance *inst, struct vmlab_frame *f);
void vmlab_policy_remove(struct vmlab_instance *inst, struct vmlab_frame *f);
void vmlab_policy_touch(struct vmlab_instance *inst, struct vmlab_frame *f,
			bool hit);
bool vmlab_policy_hit_lockless(struct vmlab_instance *inst);
bool vmlab_policy_tick(struct vmlab_instance *inst);
void vmlab_policy_hit(struct vmlab_instance *inst, struct vmlab_frame *f);
bool vmlab_policy_sample(struct vmlab_instance *inst, pgoff_t pgoff);
void vmlab_policy_sampled(struct vmlab_instance *inst);
void vmlab_policy_switch(struct vmlab_instance *inst, u32 policy);
bool vmlab_policy_valid(u32 policy);
bool vmlab_policy_needs_window(u32 policy);
struct vmlab_frame *vmlab_policy_choose(struct vmlab_instance *inst);
void vmlab_policy_state(struct vmlab_instance *inst,
			struct vmlab_policy_entry *e, u32 room,
			struct vmlab_policy_state *st);
int vmlab_vma_track(struct vmlab_instance *inst, struct vm_area_struct *vma);
void vmlab_vma_untrack(struct vmlab_instance *inst, struct vm_area_struct *vma);

/* -------------------------------------------------------------- evict.c */

/* Victims evicted together, in page order once unmapped */
struct vmlab_batch {
	struct vmlab_frame *f[VMLAB_EVICT_BATCH_MAX];
	unsigned int n;
};

bool vmlab_frames_full(struct vmlab_instance *inst);
int vmlab_make_room(struct vmlab_instance *inst, bool may_write, u32 sig,
		    struct vmlab_batch *victims, bool *past);
void vmlab_daemon_init(struct vmlab_instance *inst);
void vmlab_daemon_kick(struct vmlab_instance *inst);
void vmlab_daemon_cancel(struct vmlab_instance *inst);
int vmlab_evict_write(struct vmlab_instance *inst, struct vmlab_batch *b,
		      u32 reason);
void vmlab_evict_rescue(struct vmlab_instance *inst, struct vmlab_frame *f);
int vmlab_evict_range(struct vmlab_instance *inst, unsigned long first,
		      unsigned long last, u64 *evicted);
u8 vmlab_page_flags(struct vmlab_instance *inst, pgoff_t pgoff);
u32 vmlab_access_sig(void);
void vmlab_access_note(struct vmlab_instance *inst, pgoff_t pgoff, u32 sig);
void vmlab_window_add(struct vmlab_instance *inst, struct vmlab_frame *f,
		      bool trim);

/* -------------------------------------------------------------- fault.c */

int vmlab_mmap(struct file *file, struct vm_area_struct *vma);
int vmlab_fault_init(void);
void vmlab_fault_exit(void);

/* ----------------------------------------------------------- instance.c */

extern unsigned int vmlab_max_region_mb;
extern unsigned int vmlab_max_ring_records;
extern atomic_long_t vmlab_nr_instances;

#define VMLAB_DEFAULT_RING	1024

u64 vmlab_max_region_size(void);
struct vmlab_instance *vmlab_instance_create(struct file *file);
void vmlab_instance_destroy(struct vmlab_instance *inst);
int vmlab_instance_init(void);
void vmlab_instance_exit(void);

/* ------------------------------------------------------------ debugfs.c */

void vmlab_debugfs_init(void);
void vmlab_debugfs_exit(void);
void vmlab_debugfs_add(struct vmlab_instance *inst);
void vmlab_debugfs_remove(struct vmlab_instance *inst);

/* ---------------------------------------------------------------- dev.c */

int vmlab_dev_init(void);
void vmlab_dev_exit(void);

#endif /* _VMLAB_H */
