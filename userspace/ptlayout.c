// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - page-table layouts (ptlayout.h).
 *
 * Each layout reserves whole spans of the table one level up from its widest
 * (1 GiB, a PMD table's, for the dense and PMD layouts; 512 GiB, a PUD
 * table's, for the PUD and sparse ones), so no other mapping shares its
 * tables below that level: they are allocated for it, and VmPTE grows by
 * exactly them (ptlayout.h says which).  The reservation is MAP_NORESERVE:
 * only the written pages cost memory, however wide the span.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ptlayout.h"

static const char *const pt_names[PT_NR_LAYOUTS] = {
	[PT_DENSE] = "dense",
	[PT_PMD] = "pmd",
	[PT_PUD] = "pud",
	[PT_SPARSE] = "sparse",
};

int pt_layout_parse(const char *name)
{
	int l;

	for (l = 0; l < PT_NR_LAYOUTS; l++)
		if (!strcmp(name, pt_names[l]))
			return l;
	return -1;
}

const char *pt_layout_name(enum pt_layout l)
{
	return l < PT_NR_LAYOUTS ? pt_names[l] : "?";
}

/* Page @i's offset from the base, for layout @l */
static uint64_t pt_offset(const struct pt_region *r, size_t i,
			  const uint64_t *sparse)
{
	switch (r->layout) {
	case PT_DENSE:
		return i * PT_PAGE;
	case PT_PMD:
		return i * PT_PMD_SPAN;
	case PT_PUD:
		return i * PT_PUD_SPAN;
	default:
		return sparse[i] * PT_PAGE;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* @n distinct random page numbers below @span / 4 KiB, sorted */
static void pt_sparse_pages(uint64_t *out, size_t n, uint64_t span,
			    unsigned int seed)
{
	uint64_t pages = span / PT_PAGE;
	size_t i, j;

	srandom(seed);
	for (i = 0; i < n; i++) {
again:
		out[i] = (((uint64_t)random() << 31) | (uint64_t)random()) % pages;
		for (j = 0; j < i; j++)
			if (out[j] == out[i])
				goto again;
	}
	qsort(out, n, sizeof(*out), cmp_u64);
}

/* Distinct values of offset >> @shift over the sorted offsets @off */
static uint64_t pt_distinct(const uint64_t *off, size_t n, unsigned int shift)
{
	uint64_t count = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (!i || off[i] >> shift != off[i - 1] >> shift)
			count++;
	return count;
}

int pt_region_build(struct pt_region *r, enum pt_layout l, size_t pages,
		    unsigned int seed)
{
	uint64_t align, *off;
	uintptr_t base;
	size_t i;
	int err = 0;

	memset(r, 0, sizeof(*r));
	if (l >= PT_NR_LAYOUTS || !pages || pages > PT_MAX_PAGES)
		return -EINVAL;
	r->layout = l;
	r->pages = pages;
	off = calloc(pages, sizeof(*off));
	if (!off)
		return -ENOMEM;
	if (l == PT_SPARSE)
		pt_sparse_pages(off, pages, PT_SPARSE_SPAN, seed);
	for (i = 0; i < pages; i++)
		off[i] = pt_offset(r, i, off);
	r->span = off[pages - 1] + PT_PAGE;
	align = l == PT_DENSE || l == PT_PMD ? PT_PUD_SPAN : PT_PGD_SPAN;

	r->map_len = (r->span + align - 1) / align * align + align;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->map == MAP_FAILED) {
		err = -errno;
		r->map = NULL;
		goto out_free;
	}
	base = ((uintptr_t)r->map + align - 1) & ~(uintptr_t)(align - 1);
	r->base = (char *)base;
	/* huge pages would map 2 MiB without a PTE table */
	if (madvise(r->map, r->map_len, MADV_NOHUGEPAGE) && errno != EINVAL) {
		err = -errno;
		goto out_unmap;
	}
	for (i = 0; i < pages; i++)
		r->base[off[i]] = (char)(i + 1);

	r->tables[VMLAB_PGD] = 1;
	r->tables[VMLAB_PUD] = pt_distinct(off, pages, 39);
	r->tables[VMLAB_PMD] = pt_distinct(off, pages, 30);
	r->tables[VMLAB_PTE] = pt_distinct(off, pages, 21);
	r->own_from = align == PT_PUD_SPAN ? VMLAB_PMD : VMLAB_PUD;
	free(off);
	return 0;

out_unmap:
	munmap(r->map, r->map_len);
	r->map = NULL;
out_free:
	free(off);
	return err;
}

void pt_region_free(struct pt_region *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
}
