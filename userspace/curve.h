/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - miss curves: one reference string over a sweep of frame
 * counts, in the kernel's policies, written as CSV and plotted (gnuplot).
 */
#ifndef _VMLAB_CURVE_H
#define _VMLAB_CURVE_H

#include <stdint.h>

struct curve_series {
	const char *name;	/* "fifo", "kernel lru", ... */
	const uint64_t *misses;	/* one per frame count */
};

/* A kernel series: a policy of the module, as a curve runs it */
struct curve_kernel {
	char name[32];		/* "kernel fifo" */
	uint32_t policy;	/* enum vmlab_policy */
	uint32_t window;	/* its software TLB */
};

/*
 * The kernel twin of simulator policy @sim into @k: 0, or -1 when the
 * module has none (OPT).  A policy that needs every reference to be exact
 * (LRU, MRU, SIEVE, S3FIFO, SFIFO, 2Q, WSCLOCK) gets a one-page software
 * TLB; FIFO, CLOCK and RANDOM none.
 */
int curve_kernel_twin(int sim, struct curve_kernel *k);

/*
 * Make the references @refs (@n of them, pages below @pages) on a vmlab
 * instance with each of the @nk kernel series @ks and each of the @nframes
 * frame counts, every reference a write: misses into
 * @misses[k * nframes + f].  A progress line on stderr when it is a
 * terminal.  0, or -1 with the error printed.
 */
int curve_kernel(const struct curve_kernel *ks, unsigned int nk,
		 const uint64_t *refs, uint64_t n, uint64_t pages,
		 uint64_t seed, const uint64_t *frames, unsigned int nframes,
		 uint64_t *misses);

/*
 * Write PREFIX.csv (frames, then each series' misses), PREFIX.gp (the
 * gnuplot script) and, through gnuplot, PREFIX.png and PREFIX.svg: the miss
 * ratio of each series over the frame counts.  0, or -1 with the error
 * printed.
 */
int curve_write(const char *prefix, const char *title, uint64_t refs,
		const uint64_t *frames, unsigned int nframes,
		const struct curve_series *series, unsigned int nseries);

#endif /* _VMLAB_CURVE_H */
