/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - miss curves: one reference string over a sweep of frame
 * counts, in the kernel's policies, written as CSV and plotted (gnuplot).
 */
#ifndef _VMLAB_CURVE_H
#define _VMLAB_CURVE_H

#include <stdint.h>

/* The kernel's policies a curve runs (--kernel), with the simulator's peer */
#define CURVE_KERNEL_SERIES 3

struct curve_series {
	const char *name;	/* "fifo", "kernel lru", ... */
	const uint64_t *misses;	/* one per frame count */
};

/* "kernel fifo", "kernel lru" (software TLB of 1: exact), "kernel clock" */
const char *curve_kernel_name(unsigned int k);

/*
 * Make the references @refs (@n of them, pages below @pages) on a vmlab
 * instance with each kernel series' policy and each of the @nframes frame
 * counts: misses into @misses[k * nframes + f].  A progress line on stderr
 * when it is a terminal.  0, or -1 with the error printed.
 */
int curve_kernel(const uint64_t *refs, uint64_t n, uint64_t pages,
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
