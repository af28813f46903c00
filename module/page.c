// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - pages and frames: every page an instance holds is allocated,
 * accounted and released here, and a resident page's frame enters and
 * leaves the instance's xarray here.
 *
 * A page is zeroed and charged to the faulting task's memcg
 * (__GFP_ACCOUNT); all instances together hold at most max_pages.  A
 * resident page carries ->mapping and ->index (its folio's: struct page
 * lost both after 6.1) like a page-cache page, so the core installs it with
 * the file rmap and unmap_mapping_range() finds it; the allocator calls a
 * page with ->mapping set a "Bad page", so it is cleared before the last
 * put_page().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vmlab.h"

unsigned long vmlab_max_pages = 131072;
module_param_named(max_pages, vmlab_max_pages, ulong, 0644);
MODULE_PARM_DESC(max_pages, "Pages all instances together may hold (default 131072, 512 MiB)");

atomic_long_t vmlab_nr_pages = ATOMIC_LONG_INIT(0);

static struct kmem_cache *vmlab_frame_cache;

/* A zeroed page charged to the caller's memcg, within max_pages. */
struct page *vmlab_page_alloc(struct vmlab_instance *inst)
{
	struct page *page;

	if (atomic_long_inc_return(&vmlab_nr_pages) > READ_ONCE(vmlab_max_pages))
		goto undo_count;
	page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
	if (!page)
		goto undo_count;
	vmlab_count(inst, VMLAB_CNT_PAGES_ALLOCATED);
	return page;

undo_count:
	atomic_long_dec(&vmlab_nr_pages);
	return NULL;
}

/* Drop the instance's reference to a page it allocated. */
void vmlab_page_release(struct page *page)
{
	/* a page with ->mapping set is a "Bad page" to the allocator */
	page_folio(page)->mapping = NULL;
	folio_clear_dirty(page_folio(page));
	put_page(page);
	atomic_long_dec(&vmlab_nr_pages);
}

struct vmlab_frame *vmlab_frame_alloc(struct vmlab_instance *inst,
				      struct page *page, pgoff_t pgoff)
{
	struct vmlab_frame *f;

	f = kmem_cache_zalloc(vmlab_frame_cache, GFP_KERNEL_ACCOUNT);
	if (!f)
		return NULL;
	f->page = page;
	f->pgoff = pgoff;
	f->slot = VMLAB_NO_SLOT;
	f->state = VMLAB_FRAME_RESIDENT;
	INIT_LIST_HEAD(&f->window);
	INIT_LIST_HEAD(&f->spill);
	INIT_LIST_HEAD(&f->seg);
	return f;
}

void vmlab_frame_free(struct vmlab_frame *f)
{
	kmem_cache_free(vmlab_frame_cache, f);
}

/* Make @f's page resident: in the xarray, with the instance's mapping. */
int vmlab_frame_insert(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	struct folio *folio = page_folio(f->page);
	int ret;

	lockdep_assert_held(&inst->lock);
	folio->mapping = inst->inode->i_mapping;
	folio->index = f->pgoff;
	ret = xa_err(xa_store(&inst->pages, f->pgoff, f, GFP_KERNEL_ACCOUNT));
	if (ret)
		return ret;
	atomic64_inc(&inst->nr_resident);
	return 0;
}

/* @f's page is resident no more; the caller frees the frame. */
void vmlab_frame_remove(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	lockdep_assert_held(&inst->lock);
	vmlab_xa_vacate(&inst->pages, f->pgoff, f);
	atomic64_dec(&inst->nr_resident);
}

/* Free every resident page; no VMA maps the instance any more. */
void vmlab_pages_free(struct vmlab_instance *inst)
{
	struct vmlab_frame *f;
	unsigned long idx;

	xa_for_each(&inst->pages, idx, f) {
		vmlab_page_release(f->page);
		vmlab_frame_free(f);
		atomic64_dec(&inst->nr_resident);
	}
	xa_destroy(&inst->pages);
}

int vmlab_page_init(void)
{
	vmlab_frame_cache = KMEM_CACHE(vmlab_frame, 0);
	return vmlab_frame_cache ? 0 : -ENOMEM;
}

void vmlab_page_exit(void)
{
	kmem_cache_destroy(vmlab_frame_cache);
	WARN_ON(atomic_long_read(&vmlab_nr_pages));
}
