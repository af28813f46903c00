/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - what the files of `vmlab bench evict` share: the command
 * and vmlab's samples (bench_evict.c), the kernel-swap harness (kswap.c)
 * and the report (bench_evict_report.c).
 */
#ifndef _VMLAB_BENCH_EVICT_H
#define _VMLAB_BENCH_EVICT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vmlab.h>

#define CGROUP_ROOT	"/sys/fs/cgroup"
#define CGROUP_NAME	"vmlab-bench"
#define CGROUP_DIR	CGROUP_ROOT "/" CGROUP_NAME
#define STORE_NAME	"vmlab-bench.store"
#define SWAP_NAME	"vmlab-bench.swap"
#define EXT4_MAGIC	0xEF53
#define TMPFS_MAGIC	0x01021994

/* the goals docs/performance.md measures against */
#define GOAL_ROUND_TRIP	1.0		/* vmlab-file throughput / kernel's */
#define GOAL_IPI	(1.0 / 16)	/* IPIs per evicted page */
#define GOAL_REGION	1.1		/* 1 GiB per-fault cost / 1 MiB's */

enum { V_FILE, V_MEM, V_KERNEL, NVAR };

extern const char *const var_name[NVAR];

enum { P_WRITE, P_READ, NPASS };

/*
 * The region measurement: vmlab in 1 MiB, in 1 GiB with the pages spread,
 * and packed; anonymous memory's fault and zap of the same pages, packed
 * and spread, as the baseline of what the layout alone costs.
 */
enum { R_SMALL, R_SPREAD, R_PACKED, R_ANON_SMALL, R_ANON_SPREAD, NREGION };

extern const char *const region_name[NREGION];

/*
 * Region samples a round: short and many, so that a burst of load on the
 * machine spoils few of them; the median and the min are reported
 */
#define REGION_REPS 8

extern const char *const pass_name[NPASS];

/* One pass of one sample */
struct pass {
	double ns;		/* the pass, fsync included */
	double sync_ns;		/* vmlab-file's write pass: the fsync */
	double p50_ns, p99_ns, max_ns;	/* one touch */
	uint64_t out, in;	/* pages written to / read from the store */
	uint64_t evicted;	/* pages evicted (kernel: pgsteal) */
	uint64_t tlb_module;	/* vmlab: the module's TLB flushes */
	uint64_t ipis;		/* CAL interrupts, all CPUs */
	uint64_t shootdowns;	/* TLB interrupts, all CPUs */
};

/* The counters read around a pass */
struct counters {
	uint64_t ipis, shootdowns;
	uint64_t pswpout, pswpin;	/* /proc/vmstat */
	uint64_t pgsteal;		/* the cgroup's memory.stat */
	struct vmlab_stats st;
};

struct ebench {
	/* parameters */
	uint64_t pages, frames;
	unsigned int rounds;
	const char *dir;
	uint32_t policy;
	uint32_t evict_batch;	/* --evict-batch: victims evicted together */
	bool want[NVAR];
	bool region;		/* the 1 GiB vs 1 MiB measurement */
	uint32_t region_policy;
	uint64_t region_pages, region_frames;
	unsigned int region_passes;
	bool shootdown;		/* with a sibling thread on another CPU */
	uint64_t sd_pages, sd_frames;
	int cpu, other_cpu;
	bool verbose;

	/* the machine */
	size_t psize;
	struct vmlab_info info;
	char fstype[32];
	char store_path[4096], swap_path[4096];
	int store_fd;
	bool swap_on, cgroup_made;
	uint64_t region_large;	/* bytes: 1 GiB or the module's limit */
	char zswap[16];

	/* results */
	struct pass (*res)[NVAR][NPASS];	/* [round] */
	double (*region_ns)[NREGION][REGION_REPS];	/* [round] */
	struct pass (*sd)[2][NPASS];		/* [round][vmlab-mem, kernel] */
	uint32_t *lat;		/* one touch's ns, shared with the child */
	size_t lat_len;
};

/* For the signal handler: what to undo */

/* bench_evict.c: passes */

/*
 * Touch one byte of each page in order, timing every touch (the time from
 * one touch's end to the next's: the loop is in it, alike for all).
 * Returns the number of pages whose byte was wrong on a read pass.
 */
uint64_t pass_touch(unsigned char *map, uint64_t pages, size_t psize,
		    bool write, uint32_t *lat, double *total);
/* p50, p99, max of the touches of the pass just made (sorts @lat) */
void pass_latency(uint32_t *lat, uint64_t n, struct pass *p);

/* A sibling thread spinning on another CPU: the mm is live there */
struct spinner {
	pthread_t thread;
	int cpu;
	atomic_int stop;
	atomic_int running;
};

int spinner_start(struct spinner *s, int cpu);
void spinner_stop(struct spinner *s);

/* kswap.c: the kernel variant and the counters */

/* What a signal handler undoes */
extern struct ebench *evict_cleanup_b;

/* The counters around a pass; @vfd: a vmlab instance's, or -1 (kernel) */
int counters_read(const struct ebench *b, int vfd, struct counters *c);
void counters_delta(const struct counters *a, const struct counters *z,
		    bool vmlab, struct pass *p);
/*
 * One kernel sample: a child in the cgroup touches @pages pages (write
 * pass, then read pass if @both); @spin_cpu >= 0 adds a sibling thread.
 */
int kernel_sample(struct ebench *b, uint64_t pages, bool both, int spin_cpu,
		  struct pass *out);
/* The kernel's sample of the shootdown measurement */
int kernel_shootdown(struct ebench *b, struct pass *out);
/* The swapfile's size in pages */
uint64_t swap_pages(const struct ebench *b);
/* Check the module's limits and --dir; make the cgroup, swapfile, store */
int evict_setup(struct ebench *b);
/* Undo evict_setup(); kill a kernel child left running */
void evict_cleanup(struct ebench *b);
void evict_on_signal(int sig);

/* bench_evict_report.c */
void evict_print_text(const struct ebench *b);
void evict_print_json(const struct ebench *b);

#endif /* _VMLAB_BENCH_EVICT_H */
