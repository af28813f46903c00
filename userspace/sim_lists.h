/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - the simulator's list policies (sim_lists.c), called by sim.c
 * with the string's pages renamed to ids 0..npages-1.
 */
#ifndef _VMLAB_SIM_LISTS_H
#define _VMLAB_SIM_LISTS_H

#include "sim.h"

/* Is @p one of SFIFO, TWOQ, WSCLOCK? */
bool sim_lists_policy(enum sim_policy p);

/*
 * Run @ids (page ids below @npages) under @p with @frames frames; @names
 * gives each id's page number for @fn.  0, or -1 with errno.
 */
int sim_lists_run(enum sim_policy p, uint64_t frames, const uint64_t *ids,
		  size_t n, uint64_t npages, const uint64_t *names,
		  const struct sim_opts *opts, struct sim_result *out,
		  sim_step_fn fn, void *arg);

#endif /* _VMLAB_SIM_LISTS_H */
