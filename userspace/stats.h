/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - the module's counters (VMLAB_GET_STATS) as text and JSON.
 */
#ifndef _VMLAB_STATS_H
#define _VMLAB_STATS_H

#include <stdint.h>
#include <stdio.h>

#include <linux/vmlab.h>

#include "json.h"

/* vmlab_stats.faults_zero + faults_swapin: references that missed */
uint64_t stats_misses(const struct vmlab_stats *st);
void stats_print(const struct vmlab_stats *st, FILE *f);
void stats_json(struct jw *w, const char *key, const struct vmlab_stats *st);

#endif /* _VMLAB_STATS_H */
