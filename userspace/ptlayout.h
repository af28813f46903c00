/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - page-table layouts: pages of anonymous memory placed so that
 * they need few or many page tables, and the tables each should need.
 */
#ifndef _VMLAB_PTLAYOUT_H
#define _VMLAB_PTLAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include <linux/vmlab.h>

enum pt_layout {
	PT_DENSE,	/* N pages side by side */
	PT_PMD,		/* one page per PMD span (2 MiB apart) */
	PT_PUD,		/* one page per PUD span (1 GiB apart) */
	PT_SPARSE,	/* N pages at random pages of a PT_SPARSE_SPAN span */
	PT_NR_LAYOUTS,
};

#define PT_PAGE		4096ULL
#define PT_PMD_SPAN	(512 * PT_PAGE)		/* what one PTE table maps */
#define PT_PUD_SPAN	(512 * PT_PMD_SPAN)	/* what one PMD table maps */
#define PT_PGD_SPAN	(512 * PT_PUD_SPAN)	/* what one PUD table maps */
#define PT_SPARSE_SPAN	(64 * PT_PUD_SPAN)
#define PT_MAX_PAGES	4096

struct pt_region {
	enum pt_layout layout;
	size_t pages;
	uint64_t span;		/* bytes from the first page's span to the last's */
	char *base;		/* aligned to the layout's alignment */
	void *map;		/* the whole reservation, for munmap() */
	size_t map_len;
	/* tables a 4-level walk of [base, base + span) reaches, PGD first */
	uint64_t tables[VMLAB_LEVELS];
	/* tables of this level and below are the region's own (new) */
	enum vmlab_level own_from;
};

/* "dense", "pmd", ... -> layout, or -1 */
int pt_layout_parse(const char *name);
const char *pt_layout_name(enum pt_layout l);

/*
 * Map @pages pages in layout @l (@seed places PT_SPARSE's), write each, and
 * fill @r with the tables they need.  The region is aligned so that none of
 * its tables is shared with another mapping; transparent huge pages are off
 * for it.  0 or -errno.
 */
int pt_region_build(struct pt_region *r, enum pt_layout l, size_t pages,
		    unsigned int seed);
void pt_region_free(struct pt_region *r);

/* Bytes a one-level (linear) table of 8-byte entries needs for @span bytes */
static inline uint64_t pt_linear_bytes(uint64_t span)
{
	return (span + PT_PAGE - 1) / PT_PAGE * 8;
}

#endif /* _VMLAB_PTLAYOUT_H */
