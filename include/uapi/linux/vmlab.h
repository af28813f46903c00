/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmlab - a virtual-memory laboratory on real page tables.
 *
 * This header is the one definition of vmlab's ABI: the ioctls of
 * /dev/vmlab, their structures and the event records read() returns.  It is
 * shared by the kernel module, the vmlab tool, the BPF programs and the
 * selftests, and includes nothing a BPF program cannot.
 *
 * Each open() of /dev/vmlab is one lab instance: a region of up to
 * region_size bytes that mmap(MAP_SHARED) maps and the module pages in on
 * demand.  Every process that maps the same instance (after fork(), or with
 * the fd passed over a unix socket) shares its pages.
 *
 * mmap(MAP_PRIVATE) maps the same pages copy-on-write, as a private mapping
 * of a file does: a read maps the instance's own page read-only, shared with
 * every other mapping; a write copies it into an anonymous page of the
 * process, and the instance's page stays as it was (not dirtied, its data
 * unchanged).  A write with no page mapped reaches the module as a
 * VMLAB_FAULT_COW fault (vmlab_stats.faults_cow).  A write to a page a read
 * mapped first is copied by the kernel's write-protect fault, which calls
 * no vm_operations and no tracepoint: the module cannot see that copy, nor
 * any use of a copy (its accessed bit is not the instance page's, and
 * eviction leaves copies in place).  VMLAB_WALK shows them: a private page
 * whose pfn is not the instance page's is a copy.
 *
 * Structures: every ioctl structure starts with its size in bytes (set it to
 * sizeof(struct ...)), has only __u32 and __u64 fields, no implicit padding,
 * and carries reserved fields that must be zero.  A structure larger than the
 * kernel knows (up to one page) is accepted when the extra bytes are zero,
 * so the ABI can grow.  A structure that grew is accepted at the size of
 * each earlier version (VMLAB_*_SIZE_VER0): the fields it lacks read as
 * zero, and only that many bytes are copied out.
 *
 * Names: each family of constants has a prefix of its own, named for the
 * field it goes in (VMLAB_EVICT_ACTION_* for vmlab_ev_evict.action,
 * VMLAB_TLB_ORIGIN_* for vmlab_ev_tlb.origin, ...).  vmlab 0.5.0 renamed the
 * event constants that shared VMLAB_EVICT_ and VMLAB_TLB_ alone; their
 * values, and so the ABI, did not change.
 *
 * Errors common to every ioctl:
 *   ENOTTY  unknown command
 *   EFAULT  the argument pointer is not readable/writable
 *   EINVAL  size smaller than the first version of the structure, a
 *           reserved field or unknown flag bit is not zero
 *   E2BIG   size larger than the kernel knows and the extra bytes not zero,
 *           or larger than a page
 *
 * mmap() errors:
 *   EINVAL  length 0
 *   EACCES  PROT_WRITE on an fd not open for writing (the kernel's check; a
 *           read-only shared mapping of such an fd works)
 *   EFBIG   length larger than the instance's region_size
 *   ENXIO   offset + length past the end of the region
 * A fault that cannot get memory (module page limit or allocation failure)
 * gets SIGBUS, counted in vmlab_stats.fault_errors.
 *
 * read() returns whole struct vmlab_event records, oldest first:
 *   EINVAL  the buffer is smaller than one record
 *   EAGAIN  no record and O_NONBLOCK
 *   EINTR   a signal arrived while waiting
 * poll() reports EPOLLIN | EPOLLRDNORM while a record is ready.
 */
#ifndef _UAPI_LINUX_VMLAB_H
#define _UAPI_LINUX_VMLAB_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any incompatible change. */
#define VMLAB_ABI_VERSION	2

/* The ioctl type of every vmlab command. */
#define VMLAB_IOC_MAGIC		0xB7

/* ------------------------------------------------------------------ info */

/* vmlab_info.flags */
#define VMLAB_INFO_PFN_VISIBLE	(1U << 0)	/* this opener sees PFNs (CAP_SYS_ADMIN) */
#define VMLAB_INFO_LA57		(1U << 1)	/* 5-level paging is enabled */
#define VMLAB_INFO_TLB_FLUSH	(1U << 2)	/* VMLAB_CFG_CLOCK_FLUSH is available */
#define VMLAB_INFO_BPF_POLICY	(1U << 3)	/* VMLAB_POLICY_BPF is available */

struct vmlab_info {
	__u32 size;		/* in: sizeof(struct vmlab_info) */
	__u32 abi_version;	/* VMLAB_ABI_VERSION */
	__u32 page_size;	/* bytes */
	__u32 flags;		/* VMLAB_INFO_* */
	__u64 max_region_size;	/* bytes, module parameter max_region_mb */
	__u64 max_pages;	/* resident pages of all instances, module parameter */
	__u32 max_ring_records;	/* module parameter */
	__u32 record_size;	/* sizeof(struct vmlab_event) */
	__u32 pgtable_levels;	/* 4 or 5 */
	__u32 instance_id;	/* this instance, as in debugfs and tracepoints */
	__u64 reserved[4];	/* zero */
};

/* ---------------------------------------------------------------- config */

/* Event types, and their bits in vmlab_config.event_mask */
enum vmlab_event_type {
	VMLAB_EV_FAULT = 1,	/* a fault the module handled, with its walk */
	VMLAB_EV_TLB = 2,	/* a TLB flush: the module's unmap, or the kernel's */
	VMLAB_EV_LOST = 3,	/* records dropped because the ring was full */
	VMLAB_EV_EVICT = 4,	/* a resident page chosen and evicted */
	VMLAB_EV_SWAP = 5,	/* a page written to or read from the store */
	VMLAB_EV_MAX,
};

#define VMLAB_EV_BIT(type)	(1ULL << (type))
#define VMLAB_EV_ALL		(VMLAB_EV_BIT(VMLAB_EV_FAULT) | VMLAB_EV_BIT(VMLAB_EV_TLB) | \
				 VMLAB_EV_BIT(VMLAB_EV_EVICT) | VMLAB_EV_BIT(VMLAB_EV_SWAP))

/*
 * Replacement policies (vmlab_config.policy), switchable at any time.  The
 * policy runs when a fault needs a frame and frames pages are resident.
 *
 * FIFO        evicts the page resident longest.
 * RANDOM      evicts a uniformly random resident page; the sequence is
 *             reproducible from vmlab_config.seed.
 * CLOCK       second chance: a hand sweeps the frames; a page whose PTE
 *             accessed bit is set in any mapping has it cleared and is
 *             passed over.  Linux clears accessed bits without a TLB flush
 *             on x86 (a stale TLB entry only delays the next A bit, and a
 *             flush costs an IPI per CPU); VMLAB_CFG_CLOCK_FLUSH flushes
 *             after each sweep so the hardware sets A again on next use.
 * LRU_APPROX  aging: each frame has an 8-bit counter; the hand shifts it
 *             right and ORs in the accessed bit at the top, and evicts the
 *             first page whose counter reaches zero.
 * LRU         exact least-recently-used.  Needs the software-TLB mode
 *             (tlb_window >= 1): the kernel sees every reference that
 *             leaves the window, and with tlb_window = 1 every change of
 *             page, so LRU is exact there.
 * MRU         evicts the most recently used page (the right victim for a
 *             loop larger than memory).  Needs tlb_window as LRU does, and
 *             is exact with tlb_window = 1.
 * SIEVE       (NSDI'24) a FIFO queue in load order and a visited bit per
 *             page, set by a hit; a hand moves from the oldest page toward
 *             the newest, clearing visited bits, evicts the first page not
 *             visited and stays where it stopped; new pages join at the
 *             newest end.
 * S3FIFO      (SOSP'23) a small FIFO S (a tenth of frames, at least one),
 *             a main FIFO M and a ghost FIFO of the ids S evicted (as many
 *             as M holds).  A page comes into M if the ghost has it, else
 *             into S.  A hit raises the page's counter, up to 3.  While S
 *             holds its share, S's oldest page moves to M if it was hit
 *             (counter >= 1), else it is the victim and its id enters the
 *             ghost; otherwise M's oldest page is the victim if its
 *             counter is 0, else its counter drops by one and it goes back
 *             to M's newest end.
 * SFIFO       VAX/VMS segmented FIFO.  The budget is split in two fixed
 *             shares: a FIFO of ceil(frames / 2) pages, whose oldest page
 *             leaves it for a second-chance list - the clean list if
 *             evicting it needs no write, else the dirty list - where it
 *             stays resident but unmapped.  A fault on a page in either
 *             list reclaims it to the FIFO without I/O (counted in
 *             vmlab_stats.reclaims, not a miss).  The victim is the oldest
 *             page of the clean list, else of the dirty list (written out
 *             then), else of the FIFO.  Needs tlb_window; exact with 1.
 * TWOQ        two lists, as Linux's reclaim before MGLRU: a page comes in
 *             on the inactive list, referenced once; a reference to an
 *             inactive page that has been referenced moves it to the
 *             active list, else marks it referenced (mark_page_accessed());
 *             a reference to an active page marks it.  When a victim is
 *             needed, the oldest active pages move to the newest end of
 *             the inactive list while active holds more pages than
 *             inactive, and the victim is the oldest inactive page.  Needs
 *             tlb_window; exact with 1.
 * WSCLOCK     Carr and Hennessy's WSClock: the frames form a ring with a
 *             hand; each page has a reference bit and a last-use virtual
 *             time.  The hand clears a set bit and stamps the page with
 *             the current time; an unreferenced page older than ws_window
 *             is evicted if clean, else its write is scheduled and the
 *             hand moves on.  After a full turn with no victim: the first
 *             page whose write was scheduled, else the first clean page,
 *             else the page the hand started at.  Virtual time is the
 *             count of references the instance saw: faults of every kind
 *             and write upgrades.  The reference bit is set by each of
 *             them, and by the PTE accessed bit; exact with tlb_window 1.
 * A reference the kernel does not see - one repeated while its page is
 * still mapped - is not counted by MRU, SIEVE, S3FIFO, SFIFO, TWOQ or
 * WSCLOCK: with tlb_window = 1 that is only an immediate repeat of the
 * same page.  A hit, for SIEVE and S3FIFO, is a fault or a write upgrade
 * on a page resident already, not the fault that loads it: a page used
 * again while still mapped counts once.
 * A switch to SFIFO or TWOQ starts from load order: every resident page in
 * the FIFO (the oldest beyond its share move on to the second-chance
 * lists), or on the inactive list unreferenced; a switch to WSCLOCK starts
 * with every page unreferenced and last used at the switch.  MRU, SIEVE
 * and S3FIFO keep their state whatever the policy and start from it: the
 * order of the last faults under LRU or MRU, SIEVE's visited bits and
 * hand, S3FIFO's queues and counters.
 * All keep their work per fault O(1) amortized, independent of region
 * size; WSCLOCK's hand turns at most once around the ring per fault.
 * BPF         a policy written in BPF, a struct vmlab_policy_ops the
 *             module's struct_ops type, selected with VMLAB_SET_BPF_POLICY
 *             (see "BPF policies" below); SET_CONFIG keeps it when it is the
 *             instance's policy already, and a switch to another policy
 *             lets it go.
 */
enum vmlab_policy {
	VMLAB_POLICY_FIFO = 0,
	VMLAB_POLICY_RANDOM = 1,
	VMLAB_POLICY_CLOCK = 2,
	VMLAB_POLICY_LRU_APPROX = 3,
	VMLAB_POLICY_LRU = 4,
	VMLAB_POLICY_MRU = 5,
	VMLAB_POLICY_SIEVE = 6,
	VMLAB_POLICY_S3FIFO = 7,
	VMLAB_POLICY_SFIFO = 8,
	VMLAB_POLICY_TWOQ = 9,
	VMLAB_POLICY_WSCLOCK = 10,
	VMLAB_POLICY_BPF = 11,
	VMLAB_POLICY_MAX,
};

/* vmlab_config.flags */
#define VMLAB_CFG_WALK		(1U << 0)	/* walk the page tables after each fault */
#define VMLAB_CFG_CLOCK_FLUSH	(1U << 1)	/* CLOCK/LRU_APPROX/WSCLOCK: flush TLBs
						 * after clearing A; only where
						 * VMLAB_INFO_TLB_FLUSH
						 */
#define VMLAB_CFG_FLAGS		(VMLAB_CFG_WALK | VMLAB_CFG_CLOCK_FLUSH)

/*
 * VMLAB_SET_CONFIG errors:
 *   EINVAL  region_size 0 or not a multiple of the page size; ring_records
 *           not a power of two; an unknown event_mask or flags bit; policy
 *           unknown, or BPF while the instance has no BPF policy (select
 *           one with VMLAB_SET_BPF_POLICY); LRU, MRU, SFIFO or TWOQ without tlb_window; evict_batch
 *           above VMLAB_EVICT_BATCH_MAX; ws_window above
 *           VMLAB_WS_WINDOW_MAX; watermarks set (either not 0) without
 *           low_watermark < high_watermark <= frames, or with no frames
 *   EOPNOTSUPP  VMLAB_CFG_CLOCK_FLUSH on a kernel that exports no TLB flush
 *           a module may call (VMLAB_INFO_TLB_FLUSH clear: 7.x)
 *   EPROTONOSUPPORT  policy BPF on a kernel without module struct_ops
 *           (VMLAB_INFO_BPF_POLICY clear: before 6.9, or no module BTF)
 *   EFBIG   region_size above max_region_size, ring_records above
 *           max_ring_records, or frames above max_pages
 *   EBUSY   region_size or ring_records changed after the first mmap(), or
 *           frames, tlb_window or seed changed while pages are resident
 * A new instance has region_size = max_region_size, no events, 1024
 * records, no frame budget (frames = 0), FIFO, no software TLB, no page
 * daemon.  SET_CONFIG cancels a daemon pass not yet started and waits for
 * one running: the next pass sees the new configuration.
 *
 * ws_window is WSCLOCK's window tau, in references (virtual time, see
 * enum vmlab_policy): a page not referenced for more than ws_window
 * references is out of the working set.  0 means frames references.  It
 * may change at any time; other policies ignore it.
 */
struct vmlab_config {
	__u32 size;		/* in: sizeof(struct vmlab_config) */
	__u32 flags;		/* VMLAB_CFG_* */
	__u64 region_size;	/* bytes mmap() may map, from offset 0 */
	__u64 event_mask;	/* VMLAB_EV_BIT() of the events to record */
	__u32 ring_records;	/* capacity of the read() ring, a power of two */
	__u32 policy;		/* enum vmlab_policy */
	__u64 frames;		/* most resident pages; 0 = unlimited */
	__u64 seed;		/* RANDOM's seed */
	__u32 tlb_window;	/* software TLB: most mapped pages; 0 = off */
	__u32 evict_batch;	/* victims evicted together; 0, 1: one */
	__u64 ws_window;	/* WSCLOCK's tau in references; 0 = frames */
	__u64 reserved[2];	/* zero */
	/* version 1: the page daemon, see below; both 0 = off */
	__u32 low_watermark;	/* free frames below which it is woken */
	__u32 high_watermark;	/* free frames it evicts up to */
};

#define VMLAB_CONFIG_SIZE_VER0	80	/* up to reserved[] */
#define VMLAB_CONFIG_SIZE_VER1	88	/* the watermarks */

/* The longest ws_window: 2^32 references */
#define VMLAB_WS_WINDOW_MAX	(1ULL << 32)

/*
 * The page daemon (vmlab_config.low_watermark, high_watermark): the
 * textbook's swap daemon.  Free frames are frames - pages_resident.  When
 * a miss leaves fewer than low_watermark free, a worker evicts the
 * policy's victims until high_watermark are free, in the background, the
 * way a miss evicts them (pinned pages are kept, dirty pages are written
 * to the store with no lock held, the same events and tracepoints, with
 * VMLAB_EVICT_REASON_DAEMON), up to VMLAB_EVICT_BATCH_MAX at a time, one
 * write per run of consecutive pages.  A miss that finds no free frame
 * (the daemon is behind) still evicts itself.  vmlab_stats counts misses
 * that found a free frame (faults_free_frame) and those that did not
 * (faults_evicted), the daemon's passes and its evictions.
 */

/*
 * vmlab_config.evict_batch: when the budget is used up, evict this many of
 * the policy's victims at once, as the kernel's reclaim does: they are
 * unmapped with one call, so one TLB flush, per run of consecutive pages,
 * and written with one write per run.  The next batch - 1 misses then need
 * no eviction.  0 or 1 evicts one page a miss, which is what textbooks (and
 * the simulator) count.
 */
#define VMLAB_EVICT_BATCH_MAX	32

/*
 * Pinned pages.  A page someone besides the instance holds - pinned or
 * referenced through get_user_pages() by O_DIRECT, process_vm_writev(),
 * vmsplice(), io_uring's fixed buffers - is never evicted: data written
 * into it after its fault would be lost.  The policy's victim is unmapped
 * (the next touch is a minor fault), stays resident, is counted in
 * vmlab_stats.evict_pinned and rotates back into the policy as the newest
 * page; the next victim is tried, each resident page once.  When every
 * one is pinned - or, for a fault that may not wait (the kernel's own), being
 * written - the page comes in past the budget, counted in over_budget, as
 * the kernel's reclaim leaves pinned pages where they are; later misses
 * evict the instance back under its budget.
 */

/* ----------------------------------------------------------------- stats */

/*
 * VMLAB_GET_STATS copies the counters out; VMLAB_RESET_STATS zeroes them,
 * except pages_resident, which is a level, not a count.
 */
struct vmlab_stats {
	__u32 size;		/* in: sizeof(struct vmlab_stats) */
	__u32 reserved0;	/* zero */
	__u64 faults;		/* faults handled (sum of the kinds below) */
	__u64 faults_zero;	/* first touch: a zeroed page allocated */
	__u64 faults_minor;	/* page resident, PTE missing: mapped again */
	__u64 faults_upgrade;	/* first write to a read-only mapped page */
	__u64 fault_errors;	/* faults answered with SIGBUS */
	__u64 pages_resident;	/* pages the instance holds now */
	__u64 pages_allocated;	/* pages allocated over the instance's life */
	__u64 tlb_module;	/* TLB flushes of the module's own unmaps */
	__u64 tlb_kernel;	/* kernel TLB flushes on this instance's mms */
	__u64 events;		/* records produced, including dropped ones */
	__u64 events_dropped;	/* records lost to a full ring */
	__u64 faults_swapin;	/* page read back from the store (major) */
	__u64 faults_soft;	/* resident page outside the software TLB */
	__u64 evictions;	/* pages evicted by the policy or VMLAB_EVICT */
	__u64 swap_outs;	/* pages written (or moved) to the store */
	__u64 swap_out_bytes;
	__u64 swap_ins;		/* pages read (or moved) back from the store */
	__u64 swap_in_bytes;
	__u64 clean_drops;	/* evicted with no I/O: clean with a copy, or zero */
	__u64 io_errors;	/* store reads/writes that failed */
	__u64 store_pages;	/* pages the store holds now */
	__u64 pages_mapped;	/* pages in the software TLB window now */
	__u64 evict_pinned;	/* victims kept: pinned or referenced by the kernel */
	__u64 over_budget;	/* pages admitted past the frame budget */
	__u64 reclaims;		/* SFIFO: faults that took a page back from a
				 * second-chance list, with no I/O (soft misses)
				 */
	__u64 reserved[2];	/* zero */
	/*
	 * version 1: misses by how they got their frame, the page daemon,
	 * copy-on-write
	 */
	__u64 faults_free_frame;	/* misses that found a free frame */
	/*
	 * misses that found none: they evicted (or waited for a page being
	 * written, or came in past the budget); with faults_free_frame,
	 * faults_zero + faults_swapin
	 */
	__u64 faults_evicted;
	__u64 daemon_runs;	/* passes of the page daemon completed */
	__u64 daemon_evictions;	/* pages the page daemon evicted */
	__u64 faults_cow;	/* write faults of MAP_PRIVATE mappings: copied */
	/* version 2: BPF policies (VMLAB_POLICY_BPF) */
	__u64 bpf_refused;	/* victims refused: not resident, being
				 * written, or chosen already; FIFO chose
				 */
	__u64 bpf_no_victim;	/* choices that named no page
				 * (VMLAB_BPF_NO_VICTIM); FIFO chose
				 */
	__u64 bpf_unregistered;	/* the instance's ops went away while it
				 * ran: it went on under FIFO
				 */
};

/*
 * The sizes of struct vmlab_stats and vmlab_config the ioctls accept: a
 * program built with an earlier header gets the fields it knows (the
 * kernel reads those it lacks as zero, and copies out only what it asked
 * for); a size below version 0's is EINVAL.
 */
#define VMLAB_STATS_SIZE_VER0	224	/* up to reserved[] */
#define VMLAB_STATS_SIZE_VER1	264	/* the miss split, the daemon, COW */
#define VMLAB_STATS_SIZE_VER2	288	/* BPF policies */

/* ------------------------------------------------------------------ walk */

/* Page-table levels, the index into the walk arrays */
enum vmlab_level {
	VMLAB_PGD = 0,
	VMLAB_P4D = 1,	/* folded into the PGD with 4-level paging */
	VMLAB_PUD = 2,
	VMLAB_PMD = 3,
	VMLAB_PTE = 4,
	VMLAB_LEVELS = 5,
};

/* Bits of a raw x86-64 page-table entry, for decoding */
#define VMLAB_PTE_P		(1ULL << 0)	/* present */
#define VMLAB_PTE_RW		(1ULL << 1)	/* writable */
#define VMLAB_PTE_US		(1ULL << 2)	/* user-accessible */
#define VMLAB_PTE_PWT		(1ULL << 3)
#define VMLAB_PTE_PCD		(1ULL << 4)
#define VMLAB_PTE_A		(1ULL << 5)	/* accessed */
#define VMLAB_PTE_D		(1ULL << 6)	/* dirty */
#define VMLAB_PTE_PS		(1ULL << 7)	/* huge page (PUD, PMD) */
#define VMLAB_PTE_G		(1ULL << 8)	/* global */
#define VMLAB_PTE_NX		(1ULL << 63)	/* no execute */
#define VMLAB_PTE_PFN_MASK	0x000ffffffffff000ULL

/*
 * VMLAB_WALK translates one virtual address of the calling process, level by
 * level.  depth is the number of levels walked from the PGD: 5 when a PTE was
 * reached, less where an entry was not present or was a huge-page leaf.
 * Without CAP_SYS_ADMIN (checked at open(), as /proc/PID/pagemap does) the
 * PFN bits of every entry, pfn and phys are zero.  A kernel address walks
 * nothing: depth 0.
 * Errors: EFAULT when the process has no mm; otherwise the common ones.
 */
#define VMLAB_WALK_MAPPED	(1U << 0)	/* out: a present leaf maps addr */
#define VMLAB_WALK_HUGE		(1U << 1)	/* out: the leaf is a PMD or PUD */
/*
 * out: a leaf for addr whose present bit is clear: PROT_NONE (or a NUMA
 * hinting entry).  Not MAPPED, no pfn or phys: the CPU cannot use it, and
 * x86 stores such an entry's frame bits inverted (L1TF), so entry[] shows
 * them as they are in memory.
 */
#define VMLAB_WALK_PROTNONE	(1U << 2)

struct vmlab_walk {
	__u32 size;		/* in: sizeof(struct vmlab_walk) */
	__u32 flags;		/* out: VMLAB_WALK_* */
	__u64 addr;		/* in: virtual address */
	__u32 depth;		/* out: levels walked, 0..5 */
	__u32 reserved0;	/* zero */
	__u64 pfn;		/* out: frame of addr, if mapped and visible */
	__u64 phys;		/* out: physical address of addr, likewise */
	__u64 entry[VMLAB_LEVELS];	/* out: raw entry per level */
	__u32 index[VMLAB_LEVELS];	/* out: index into the table per level */
	__u32 reserved1;	/* zero */
	__u64 reserved[4];	/* zero */
};

/*
 * VMLAB_PT counts the page tables that map [start, end) of a process: at
 * each level, the table pages a walk of the range reaches, the entries in
 * use (not none) in those tables within the range, and the entries that map
 * memory (a present PTE, or a huge-page PMD or PUD).  Only addresses a VMA
 * covers are walked, so a table counts when it maps part of a VMA in the
 * range; the root (PGD) counts once when any does.  With 4-level paging the
 * P4D level is folded into the PGD: its counts are zero and levels is 4.
 * Over the whole address space, tables[PUD] + tables[PMD] + tables[PTE]
 * pages are what /proc/PID/status calls VmPTE (the kernel accounts neither
 * the PGD nor a P4D).
 *
 * start is rounded down and end up to a page; end 0 means the top of user
 * space.  pid 0 is the caller; another process needs CAP_SYS_ADMIN.
 * Errors: EINVAL for start >= end, an address above user space or nonzero
 * reserved fields; ESRCH for no such pid; EPERM for another process without
 * CAP_SYS_ADMIN; EFAULT when the process has no mm (a kernel thread).
 */
struct vmlab_pt {
	__u32 size;		/* in: sizeof(struct vmlab_pt) */
	__u32 pid;		/* in: the process; 0 = the caller */
	__u64 start;		/* in: first address */
	__u64 end;		/* in: end, exclusive; 0 = top of user space */
	__u32 levels;		/* out: paging levels, 4 or 5 */
	__u32 reserved0;	/* zero */
	__u64 tables[VMLAB_LEVELS];	/* out: table pages per level */
	__u64 entries[VMLAB_LEVELS];	/* out: entries in use, in the range */
	__u64 leaves[VMLAB_LEVELS];	/* out: entries that map memory */
	__u64 reserved[4];	/* zero */
};

/* ---------------------------------------------------------------- events */

/* vmlab_ev_fault.access */
#define VMLAB_ACC_READ		(1U << 0)
#define VMLAB_ACC_WRITE		(1U << 1)
#define VMLAB_ACC_EXEC		(1U << 2)
#define VMLAB_ACC_USER		(1U << 3)	/* the access came from user mode */

/* vmlab_ev_fault.kind */
enum vmlab_fault_kind {
	VMLAB_FAULT_ZERO = 1,		/* first touch: zero-filled page */
	VMLAB_FAULT_MINOR = 2,		/* page resident, mapping restored */
	VMLAB_FAULT_UPGRADE = 3,	/* write to a read-only mapped page */
	VMLAB_FAULT_SWAPIN = 4,		/* major: page read back from the store */
	VMLAB_FAULT_SOFT = 5,		/* resident, unmapped by the software TLB */
	VMLAB_FAULT_COW = 6,		/* write to a MAP_PRIVATE mapping: copied */
	VMLAB_FAULT_KIND_MAX,
};

/*
 * A fault.  With VMLAB_CFG_WALK, entry[] holds the raw entries of a walk of
 * the faulting mm at addr, from the PGD down depth levels, as VMLAB_WALK
 * gives them; the index into each level's table is a function of addr (the
 * one VMLAB_WALK's index[] reports), so the record does not carry it.
 */
struct vmlab_ev_fault {
	__u64 addr;		/* faulting virtual address (page aligned) */
	__u64 pgoff;		/* page index in the instance */
	/* VMLAB_ACC_*; never USER for an UPGRADE (->page_mkwrite is not told) */
	__u32 access;
	__u32 kind;		/* enum vmlab_fault_kind */
	__u64 latency_ns;	/* time in the module's fault handler */
	__u64 pfn;		/* frame, 0 without CAP_SYS_ADMIN */
	__u64 entry[VMLAB_LEVELS];	/* walk after the page was installed */
	__u32 depth;		/* levels walked, 0 if no walk (VMLAB_CFG_WALK) */
	__u32 reserved;
};

/* vmlab_ev_tlb.origin */
#define VMLAB_TLB_ORIGIN_MODULE	1	/* an unmap the module performed */
#define VMLAB_TLB_ORIGIN_KERNEL	2	/* tlb:tlb_flush on an mm mapping the instance */

/*
 * vmlab_ev_tlb.reason for VMLAB_TLB_ORIGIN_KERNEL: as the kernel's tlb:tlb_flush.
 * Context-switch flushes (reason 0) are not reported: the kernel emits them
 * before the switch, when nothing exported tells which mm is being loaded.
 */
#define VMLAB_TLB_ON_TASK_SWITCH	0
#define VMLAB_TLB_REMOTE_SHOOTDOWN	1
#define VMLAB_TLB_LOCAL_SHOOTDOWN	2
#define VMLAB_TLB_LOCAL_MM_SHOOTDOWN	3
#define VMLAB_TLB_REMOTE_SEND_IPI	4

#define VMLAB_TLB_FLUSH_ALL	(~0ULL)	/* pages: the whole address space */

struct vmlab_ev_tlb {
	__u64 start;		/* first page index (module) or 0 */
	__u64 pages;		/* pages flushed, or VMLAB_TLB_FLUSH_ALL */
	__u32 origin;		/* VMLAB_TLB_ORIGIN_MODULE or VMLAB_TLB_ORIGIN_KERNEL */
	__u32 reason;		/* see above */
};

/* vmlab_ev_tlb.reason for VMLAB_TLB_ORIGIN_MODULE */
#define VMLAB_TLB_REASON_EVICT	1	/* unmapped to evict the page */
#define VMLAB_TLB_REASON_WINDOW	2	/* unmapped by the software TLB */
#define VMLAB_TLB_REASON_CLOCK	3	/* VMLAB_CFG_CLOCK_FLUSH after a sweep */

/* vmlab_ev_evict.action */
#define VMLAB_EVICT_ACTION_WRITE	1	/* written to the backing file */
#define VMLAB_EVICT_ACTION_MOVE		2	/* moved to the memory store */
#define VMLAB_EVICT_ACTION_DROP		3	/* dropped: clean with a copy, or zero */
#define VMLAB_EVICT_ACTION_DEFER	4	/* parked in memory, written by a worker */

/* vmlab_ev_evict.reason */
#define VMLAB_EVICT_REASON_BUDGET	1	/* a fault needed a frame */
#define VMLAB_EVICT_REASON_FORCED	2	/* VMLAB_EVICT */
#define VMLAB_EVICT_REASON_DAEMON	3	/* the page daemon (low_watermark) */

struct vmlab_ev_evict {
	__u64 pgoff;		/* the victim */
	__u64 latency_ns;	/* unmap, I/O and free */
	__u32 policy;		/* enum vmlab_policy that chose it */
	__u32 action;		/* VMLAB_EVICT_ACTION_* */
	__u32 reason;		/* VMLAB_EVICT_REASON_* */
	__u32 error;		/* 0, or an errno: the page stayed resident */
};

/* vmlab_ev_swap.dir */
#define VMLAB_SWAP_OUT		1
#define VMLAB_SWAP_IN		2

/* vmlab_ev_swap.store */
#define VMLAB_STORE_MEM		1
#define VMLAB_STORE_FILE	2

struct vmlab_ev_swap {
	__u64 pgoff;
	__u64 latency_ns;	/* the I/O (or move) alone */
	__u64 bytes;
	__u32 dir;		/* VMLAB_SWAP_OUT or VMLAB_SWAP_IN */
	__u32 store;		/* VMLAB_STORE_* */
	__u32 error;		/* 0, or an errno */
	__u32 reserved;
};

struct vmlab_ev_lost {
	__u64 count;		/* records dropped since the last one read */
	__u64 first_seq;	/* sequence number of the first dropped record */
};

/*
 * One record of the read() stream, 128 bytes.  seq counts, from 0, every
 * record the instance produced (vmlab_stats.events), so a gap in it is the
 * records a VMLAB_EV_LOST reports; a LOST record takes no seq of its own:
 * its seq is its first_seq.  The vmlab:* tracepoints fire whatever the
 * event_mask.
 */
struct vmlab_event {
	__u32 type;		/* enum vmlab_event_type */
	__u32 size;		/* sizeof(struct vmlab_event) */
	__u64 seq;
	__u64 time_ns;		/* CLOCK_MONOTONIC */
	__u32 cpu;
	__u32 pid;
	__u32 tgid;
	__u32 reserved;		/* zero */
	union {
		struct vmlab_ev_fault fault;
		struct vmlab_ev_tlb tlb;
		struct vmlab_ev_lost lost;
		struct vmlab_ev_evict evict;
		struct vmlab_ev_swap swap;
		__u64 raw[11];
	};
};

/* --------------------------------------------------------- backing store */

/*
 * VMLAB_SET_BACKING chooses where evicted pages go: fd = VMLAB_BACKING_MEMORY
 * for the in-kernel memory store (the default: nothing is ever lost), or a regular
 * file opened for reading and writing, not O_APPEND, on any filesystem.
 * Page n lives at byte n * page_size of the file.  The module opens the
 * file again for itself (the caller may close fd): its I/O is buffered
 * whatever fd's flags are, so an O_DIRECT fd, or one made O_DIRECT later
 * with fcntl(), works as any other.
 *
 * Where the writes run: with no vmlab lock and no mmap lock held, after the
 * victim is unmapped from every process.  A fault from user mode writes its
 * victims itself: it drops the mmap lock, writes and retries, as the
 * kernel's own file faults read.  A fault the kernel takes for the task -
 * a copy inside write(2) or splice, get_user_pages() for O_DIRECT, pins,
 * process_vm_writev(), /proc/PID/mem, mlock, MAP_POPULATE, MADV_POPULATE_*
 * - may hold a file system's freeze protection or an inode lock (the backing
 * file's own, in write(backing_fd, vmlab_memory, n)) that the write would
 * take again: its victims are parked in memory and a worker writes them
 * (VMLAB_EVICT_ACTION_DEFER).  So are a user fault's when another task holds the
 * backing file's inode lock.  A failed write (ENOSPC, EIO) gives SIGBUS to
 * the faulting access only and the victim stays resident; a failed write
 * of the worker leaves the page parked in memory; io_errors counts both.
 *
 * Reads (swap-ins) run in the faulting task, buffered, and take no file
 * system's freeze protection; ext4, tmpfs and btrfs take no inode lock for
 * them either, so a task in its own direct write(backing_fd, vmlab_memory,
 * n) swaps its source pages in.  (A file system whose buffered reads take
 * the inode lock, as XFS's do, would make that task wait for itself: use
 * another file, or the memory store.)  A failed
 * read gives SIGBUS and leaves the copy in the store.
 *
 * Errors: EBADF fd is not open; EINVAL not a regular file, a vmlab fd, or
 * O_APPEND; EACCES not open for both reading and writing; EBUSY the store
 * holds pages, or a write to the current backing file is in flight.
 */
#define VMLAB_BACKING_MEMORY	0xffffffffU	/* vmlab_backing.fd: no file */

struct vmlab_backing {
	__u32 size;		/* in: sizeof(struct vmlab_backing) */
	__u32 fd;		/* backing file, or VMLAB_BACKING_MEMORY */
	__u64 reserved[2];	/* zero */
};

/*
 * VMLAB_EVICT evicts the resident pages in [start, start + count) (all of
 * them with VMLAB_EVICT_FLAG_ALL), as the policy would evict a victim.
 * evicted returns how many.  When a page cannot go to the store, the call
 * fails with the store's error - ENOMEM (no memory for the store's index),
 * ENOSPC (the backing file system is full), EIO or another error of the
 * backing file's write - or EBUSY (the page is pinned, see below) - and
 * the pages before it are evicted, that one and those after it stay
 * resident.
 */
#define VMLAB_EVICT_FLAG_ALL		(1U << 0)

struct vmlab_evict {
	__u32 size;		/* in: sizeof(struct vmlab_evict) */
	__u32 flags;		/* VMLAB_EVICT_FLAG_ALL */
	__u64 start;		/* first page index */
	__u64 count;		/* pages */
	__u64 evicted;		/* out */
	__u64 reserved[2];	/* zero */
};

/*
 * VMLAB_RESIDENT fills vec, like mincore(), with one byte per page of
 * [start, start + count): VMLAB_PAGE_* bits.  count is capped at the region.
 *
 * With VMLAB_RESIDENT_YOUNG in flags it also samples the accessed bits, as
 * a working-set estimator does: a resident page used since the last sample
 * (its PTE's accessed bit set in any mapping) gets VMLAB_PAGE_YOUNG, and
 * the bits are cleared.  They are CLOCK's reference bits too: sampling
 * takes them from the policy.  x86 clears them without a TLB flush, so a
 * page used through a TLB entry cached before the sample does not set the
 * bit again; with VMLAB_CFG_CLOCK_FLUSH set the sample flushes the TLBs once
 * after clearing (a VMLAB_TLB_REASON_CLOCK record) and every use counts.  A
 * mapping whose mm is busy (its mmap lock held for writing) counts as used.
 */
#define VMLAB_PAGE_RESIDENT	(1U << 0)	/* holds a frame */
#define VMLAB_PAGE_DIRTY	(1U << 1)	/* differs from its store copy */
#define VMLAB_PAGE_STORED	(1U << 2)	/* the store holds a copy */
#define VMLAB_PAGE_WINDOW	(1U << 3)	/* in the software TLB window */
#define VMLAB_PAGE_YOUNG	(1U << 4)	/* used since the last sample */

/* vmlab_resident.flags */
#define VMLAB_RESIDENT_YOUNG	(1U << 0)	/* sample and clear accessed bits */

struct vmlab_resident {
	__u32 size;		/* in: sizeof(struct vmlab_resident) */
	__u32 flags;		/* in: VMLAB_RESIDENT_* */
	__u64 start;		/* first page index */
	__u64 count;		/* pages; vec holds count bytes */
	__u64 vec;		/* user pointer to the bytes */
	__u64 resident;		/* out: resident pages in the range */
	__u64 reserved[2];	/* zero */
};

/*
 * VMLAB_POLICY_STATE copies out the resident pages in the order the policy
 * keeps them, the view a textbook draws: FIFO first out first; LRU and MRU
 * least recently used first (MRU's victim is the last); SIEVE oldest
 * first, with its hand and its visited bits (VMLAB_PSTATE_MARK); S3FIFO
 * its small queue, then its main queue (VMLAB_PSTATE_MAIN), each oldest
 * first, with each page's hit counter (0 to 3) in age; CLOCK, LRU_APPROX
 * and RANDOM by slot, the frames
 * the hand sweeps, then the pages admitted past the budget (on no slot,
 * VMLAB_PSTATE_SPILL); SFIFO its FIFO first out first, then the clean
 * list (VMLAB_PSTATE_CLEAN) and the dirty list (VMLAB_PSTATE_DIRTY),
 * each oldest first; TWOQ the inactive list, then the active list
 * (VMLAB_PSTATE_ACTIVE), each oldest first, with its marks
 * (VMLAB_PSTATE_MARK); WSCLOCK by slot as CLOCK, with the hand, the use
 * bits and the reference bits (VMLAB_PSTATE_MARK); a policy this header
 * does not list, as FIFO.
 *
 * entries points to count struct vmlab_policy_entry.  count 0 (entries
 * then ignored) only asks how many pages are resident.  Out: policy, the
 * order's; count, the entries written; resident, the pages resident (the
 * count a caller needs); hand, the index in entries of the page CLOCK's,
 * LRU_APPROX's, SIEVE's or WSCLOCK's hand examines next (SIEVE's, when it
 * is on no page, the oldest), VMLAB_PSTATE_NO_HAND for the other policies,
 * when no page is on a slot and when the page is past count.
 *
 * A page's use bit is its PTE accessed bit in any mapping, read and not
 * cleared (so reading changes nothing), set also when an mm's lock is
 * busy, as the hand counts it.  x86 clears A without a TLB flush, so
 * after a sweep a page used again through a stale TLB entry shows no use
 * bit until VMLAB_CFG_CLOCK_FLUSH makes the hardware set it again.
 *
 * Errors: EINVAL count above VMLAB_PSTATE_MAX, or entries 0 with count not
 * 0; ENOSPC more pages resident than count (the structure is still
 * copied out, resident saying how many); EFAULT entries not writable;
 * ENOMEM no memory for the copy.
 */
#define VMLAB_PSTATE_MAX	(1U << 24)	/* most entries one call takes */
#define VMLAB_PSTATE_NO_HAND	0xffffffffU	/* vmlab_policy_state.hand */

/* vmlab_policy_entry.flags */
#define VMLAB_PSTATE_USE	(1U << 0)	/* accessed bit set in a mapping */
#define VMLAB_PSTATE_SPILL	(1U << 1)	/* past the budget: on no slot */
#define VMLAB_PSTATE_CLEAN	(1U << 2)	/* SFIFO: on the clean list */
#define VMLAB_PSTATE_DIRTY	(1U << 3)	/* SFIFO: on the dirty list */
#define VMLAB_PSTATE_ACTIVE	(1U << 4)	/* TWOQ: on the active list */
#define VMLAB_PSTATE_MARK	(1U << 5)	/* TWOQ's mark, WSCLOCK's ref bit,
						 * SIEVE's visited bit
						 */
#define VMLAB_PSTATE_MAIN	(1U << 6)	/* S3FIFO: in the main queue */

struct vmlab_policy_entry {
	__u64 pgoff;		/* the page */
	__u32 flags;		/* VMLAB_PSTATE_* */
	__u32 age;		/* LRU_APPROX's 8-bit counter, S3FIFO's hit
				 * counter, else 0
				 */
};

struct vmlab_policy_state {
	__u32 size;		/* in: sizeof(struct vmlab_policy_state) */
	__u32 policy;		/* out: enum vmlab_policy */
	__u64 entries;		/* in: user pointer to the entries */
	__u32 count;		/* in: room in entries; out: entries written */
	__u32 hand;		/* out: an index in entries, or VMLAB_PSTATE_NO_HAND */
	__u64 resident;		/* out: pages resident */
	__u64 reserved[2];	/* zero */
};

/* ---------------------------------------------------------- BPF policies */

/*
 * A replacement policy written in BPF: a struct_ops map of type struct
 * vmlab_policy_ops, which the module registers with the kernel where it
 * can (Linux 6.9 and later, with module BTF: Debian's 6.12 and newer;
 * VMLAB_INFO_BPF_POLICY says so).  Load and register it with libbpf
 * (bpf_map__attach_struct_ops(), as 'vmlab run --policy bpf:FILE.bpf.o'
 * does) or with 'bpftool struct_ops register FILE.bpf.o'; each registered
 * ops is known by its name, unique among those registered (EEXIST
 * otherwise).  VMLAB_SET_BPF_POLICY then makes the ops of that name an
 * instance's policy (VMLAB_POLICY_BPF).
 *
 * The callbacks, each called with the instance lock held (never in
 * parallel for one instance), in a fault or an ioctl; none may sleep:
 *
 *   resident(ctx, pgoff)        page pgoff became resident, or was chosen
 *                               and kept (pinned, or needed by the access
 *                               that faults): the newest page
 *   reference(ctx, pgoff, flags)  a reference the module saw to a page
 *                               resident already (a hit): a fault of any
 *                               kind, a write upgrade, a soft fault
 *                               (VMLAB_REF_HIT), or an accessed bit
 *                               VMLAB_RESIDENT_YOUNG found set
 *                               (VMLAB_REF_SAMPLED); the fault that loads
 *                               a page is its resident() alone
 *   leaving(ctx, pgoff)         page pgoff leaves the policy: chosen as a
 *                               victim, evicted by VMLAB_EVICT, or being
 *                               written out (it comes back with resident)
 *   choose(ctx)                 the victim: a page index, or
 *                               VMLAB_BPF_NO_VICTIM
 *
 * A callback the ops leaves NULL is not called (choose NULL: FIFO
 * chooses).  ctx describes the instance; it is valid during the call only.
 * When the ops becomes an instance's policy, resident() is called for each
 * resident page in load order; when the instance lets it go (another
 * policy, another ops, or the instance closed), leaving() for each; an ops
 * serves one instance at a time (EBUSY), its maps being its state.
 *
 * Nothing the program returns is trusted.  A victim that is not resident,
 * is being written out, was chosen already and not given back with
 * resident(), or is held by someone besides its mappings (pinned, see
 * "Pinned pages", or being faulted in) is refused (vmlab_stats.bpf_refused),
 * and so is VMLAB_BPF_NO_VICTIM (bpf_no_victim): FIFO chooses instead, the
 * resident page loaded first, pinned or not (a pinned page FIFO chooses is
 * kept as for every policy, and choose() is called again).  The verifier
 * bounds every program, and choose() is called once per victim, so a
 * program cannot stall a fault.  When the ops is unregistered (its link or
 * map closed, 'bpftool struct_ops unregister') while an instance runs it,
 * the instance goes on under FIFO (vmlab_stats.bpf_unregistered; GET_CONFIG
 * then says FIFO).  The module stays loaded while any ops of its type is.
 *
 * VMLAB_POLICY_STATE shows a BPF policy's pages in FIFO order.
 */
#define VMLAB_BPF_NAME_LEN	16	/* vmlab_policy_ops.name, with its NUL */
#define VMLAB_BPF_NO_VICTIM	(~0ULL)	/* choose(): no page */

/* reference()'s flags */
#define VMLAB_REF_HIT		(1U << 0)	/* a fault on the page, resident */
#define VMLAB_REF_SAMPLED	(1U << 1)	/* VMLAB_RESIDENT_YOUNG found its
						 * accessed bit set
						 */

/* What a callback knows of its instance; read-only. */
struct vmlab_policy_ctx {
	__u32 id;		/* the instance's id (vmlab_info.instance_id) */
	__u32 reserved;
	__u64 frames;		/* the frame budget, 0 = unlimited */
	__u64 nr_pages;		/* pages of the region */
	__u64 resident;		/* pages resident now */
	__u64 vtime;		/* references seen: faults, upgrades */
};

/*
 * The struct_ops type.  A BPF object declares a variable of this type in
 * section ".struct_ops.link" (or ".struct_ops") with its programs
 * (SEC("struct_ops/...")) and a name.
 */
struct vmlab_policy_ops {
	void (*resident)(struct vmlab_policy_ctx *ctx, __u64 pgoff);
	void (*reference)(struct vmlab_policy_ctx *ctx, __u64 pgoff,
			  __u32 flags);
	void (*leaving)(struct vmlab_policy_ctx *ctx, __u64 pgoff);
	__u64 (*choose)(struct vmlab_policy_ctx *ctx);
	char name[VMLAB_BPF_NAME_LEN];	/* letters, digits, '_'; not empty */
};

/*
 * VMLAB_SET_BPF_POLICY makes the registered ops named by the string at
 * user pointer name (NUL-terminated) the instance's policy; VMLAB_POLICY_BPF
 * in vmlab_config.policy from then on.  The switch starts from load order
 * (resident() for each page, oldest first); a BPF policy the instance had
 * is let go first.
 *
 * Errors: EPROTONOSUPPORT this kernel cannot run BPF policies (before 6.9,
 * or no module BTF: VMLAB_INFO_BPF_POLICY clear); EFAULT name not
 * readable; EINVAL name empty or longer than VMLAB_BPF_NAME_LEN - 1; ENOENT
 * no ops of that name is registered; EBUSY the ops serves another
 * instance.
 */
struct vmlab_bpf_policy {
	__u32 size;		/* in: sizeof(struct vmlab_bpf_policy) */
	__u32 flags;		/* zero */
	__u64 name;		/* in: user pointer to the ops' name */
	__u64 reserved[2];	/* zero */
};

/* -------------------------------------------------------------- commands */

#define VMLAB_GET_INFO		_IOWR(VMLAB_IOC_MAGIC, 0x00, struct vmlab_info)
#define VMLAB_SET_CONFIG	_IOW(VMLAB_IOC_MAGIC, 0x01, struct vmlab_config)
#define VMLAB_GET_CONFIG	_IOWR(VMLAB_IOC_MAGIC, 0x02, struct vmlab_config)
#define VMLAB_GET_STATS		_IOWR(VMLAB_IOC_MAGIC, 0x03, struct vmlab_stats)
#define VMLAB_RESET_STATS	_IO(VMLAB_IOC_MAGIC, 0x04)
#define VMLAB_WALK		_IOWR(VMLAB_IOC_MAGIC, 0x05, struct vmlab_walk)
#define VMLAB_SET_BACKING	_IOW(VMLAB_IOC_MAGIC, 0x06, struct vmlab_backing)
#define VMLAB_EVICT		_IOWR(VMLAB_IOC_MAGIC, 0x07, struct vmlab_evict)
#define VMLAB_RESIDENT		_IOWR(VMLAB_IOC_MAGIC, 0x08, struct vmlab_resident)
#define VMLAB_POLICY_STATE	_IOWR(VMLAB_IOC_MAGIC, 0x09, struct vmlab_policy_state)
#define VMLAB_PT		_IOWR(VMLAB_IOC_MAGIC, 0x0a, struct vmlab_pt)
#define VMLAB_SET_BPF_POLICY	_IOW(VMLAB_IOC_MAGIC, 0x0b, struct vmlab_bpf_policy)

#endif /* _UAPI_LINUX_VMLAB_H */
