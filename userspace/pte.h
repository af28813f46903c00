/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - raw x86-64 page-table entries and levels, as VMLAB_WALK and
 * the fault records' walks give them.
 */
#ifndef _VMLAB_PTE_H
#define _VMLAB_PTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* "P RW US A D -- - NX": fixed columns; PS only at PUD/PMD */
char *pte_flags_str(uint64_t entry, unsigned int level, char *buf, size_t len);
/* Only the flags that are set, "P US A NX": for one-line summaries */
char *pte_flags_short(uint64_t entry, unsigned int level, char *buf,
		      size_t len);
void pte_flags_json(struct jw *w, const char *key, uint64_t entry,
		    unsigned int level);
/* The frame an entry points to (the next table, or the page at a leaf) */
uint64_t pte_frame(uint64_t entry, unsigned int level);
/* Does this level exist with @levels levels of paging? */
bool level_folded(unsigned int level, unsigned int levels);
/* The index of @addr's entry in the table at @level (0 where folded) */
unsigned int level_index(uint64_t addr, unsigned int level, unsigned int levels);

#endif /* _VMLAB_PTE_H */
