/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - `vmlab run --steps`: the kernel's view of each reference
 * beside the simulator's.
 */
#ifndef _VMLAB_STEPS_H
#define _VMLAB_STEPS_H

#include "experiment.h"

/*
 * The simulator's twin of a kernel policy (run --compare and --steps), or
 * -1 (lru-approx has none)
 */
int steps_sim_policy(uint32_t policy);
/*
 * Make @e's references one at a time on its instance (set up, events on),
 * then print each with the kernel's outcome and the simulator's.  0, or 1
 * with the reason on stderr.
 */
int run_steps(struct experiment *e);

#endif /* _VMLAB_STEPS_H */
