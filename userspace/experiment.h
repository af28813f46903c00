/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - one experiment on one instance, the steps of `vmlab run`:
 * the reference string, the instance set up, the touches, the stats.
 */
#ifndef _VMLAB_EXPERIMENT_H
#define _VMLAB_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vmlab.h>

#include "bpf_policy.h"

enum access_mode {
	ACCESS_READ,		/* load one byte of each page */
	ACCESS_WRITE,		/* store one byte */
	ACCESS_READ_WRITE,	/* load, then store: zero-fill + write-upgrade */
};

const char *access_name(enum access_mode a);

/*
 * One experiment on one instance: the parameters `vmlab run` takes, the
 * instance it sets up, and what came out.  Later commands (frames, policy,
 * backing file, simulate) add parameters here and steps to exp_*().
 */
struct experiment {
	/* parameters */
	uint64_t pages;		/* region, in pages */
	uint64_t touches;	/* references; 0 = one per page */
	const char *pattern;	/* pattern spec */
	uint64_t seed;
	enum access_mode access;
	bool events;		/* record faults and TLB flushes */
	bool walk;		/* ... with the page-table walk */
	uint32_t ring_records;	/* 0 = large enough for the run, if allowed */
	bool pages_given;	/* --pages: else trace:FILE sizes the region */
	uint64_t frames;	/* frame budget; 0 = none */
	uint32_t policy;	/* enum vmlab_policy */
	/* VMLAB_POLICY_BPF: an object file to load, or a registered name */
	const char *bpf_policy;
	bool clock_flush;	/* VMLAB_CFG_CLOCK_FLUSH */
	uint32_t tlb_window;	/* software TLB, pages; 0 = off */
	uint32_t evict_batch;	/* victims evicted together; 0 = one */
	uint64_t ws_window;	/* WSCLOCK's window, references; 0 = frames */
	uint32_t low_watermark;	/* page daemon: woken below it, free frames */
	uint32_t high_watermark; /* ... frees up to it; both 0 = off */
	const char *backing;	/* backing file; NULL = the memory store */

	/* the reference string, made by exp_prepare() */
	uint64_t *refs;
	uint64_t nrefs;
	uint8_t *writes;	/* trace:FILE's r|w per reference, or NULL */
	/*
	 * A trace whose highest page does not fit the module's region is
	 * renumbered densely by exp_setup(): refs[] are then the ranks of
	 * its pages, names[rank] the page the trace wrote; else NULL.
	 */
	uint64_t *names;
	uint64_t distinct;	/* with names: how many pages */

	/* the instance */
	struct bpf_policy bpf;	/* the BPF policy the run registered */
	int fd;
	struct vmlab_info info;
	struct vmlab_config cfg;
	unsigned char *map;
	size_t len;

	/* results */
	uint64_t references;
	uint64_t elapsed_ns;
	struct vmlab_stats stats;
};

void exp_defaults(struct experiment *e);
/* The references the experiment makes: the string's, or --touches' */
uint64_t exp_touches(const struct experiment *e);
int exp_prepare(struct experiment *e);	/* the pattern's reference string */
int exp_setup(struct experiment *e);	/* open, check, configure, mmap */
int exp_touch(struct experiment *e);	/* make the references */
/* The access of reference @i: the trace's r|w, or the run's mode */
enum access_mode exp_access(const struct experiment *e, uint64_t i);
/* The trace's name of instance page @pgoff */
uint64_t exp_page_name(const struct experiment *e, uint64_t pgoff);
int exp_collect(struct experiment *e);	/* stats */
void exp_teardown(struct experiment *e);

/* Touch one byte of @p; volatile so the compiler keeps every access */
static inline void touch_page(unsigned char *p, enum access_mode a)
{
	volatile unsigned char *v = p;

	switch (a) {
	case ACCESS_READ:
		(void)*v;
		break;
	case ACCESS_WRITE:
		*v = 1;
		break;
	case ACCESS_READ_WRITE:
		(void)*v;
		*v = 1;
		break;
	}
}

#endif /* _VMLAB_EXPERIMENT_H */
