/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - a user-space reference simulator of page replacement, to compare
 * with what the kernel module does on the same reference string.
 */
#ifndef _VMLAB_SIM_H
#define _VMLAB_SIM_H

#include <stddef.h>
#include <stdint.h>

enum sim_policy {
	SIM_FIFO,
	SIM_LRU,
	SIM_OPT,	/* Belady's optimal: evict the page used furthest ahead */
	SIM_CLOCK,	/* textbook: every reference sets the page's bit */
	SIM_RANDOM,
	SIM_NR_POLICIES,
};

struct sim_result {
	uint64_t refs;
	uint64_t misses;	/* references to a page not resident */
	uint64_t evictions;
};

/* "fifo", "lru", "opt", "clock", "random"; NULL if out of range */
const char *sim_policy_name(enum sim_policy p);
/* the policy named @name, or -1 */
int sim_policy_parse(const char *name);

/*
 * Run @refs (page numbers, any 64-bit values: memory goes with the distinct
 * pages, not with their numbers) through @frames frames (frames >= 1) under
 * @p.  Returns 0, or -1 with errno (ENOMEM, EINVAL).
 */
int sim_run(enum sim_policy p, uint64_t frames, const uint64_t *refs, size_t n,
	    uint64_t seed, struct sim_result *out);

#endif /* _VMLAB_SIM_H */
