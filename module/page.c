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
 *
 * Frames come from the instance's own pool, not a slab cache: a free list
 * refilled VMLAB_FRAME_CHUNK frames at a time, whose chunks stay with the
 * instance until it ends.  A miss then allocates nothing but its page once
 * the instance has held that many pages at once (a frame budget bounds
 * them), and one chunk every VMLAB_FRAME_CHUNK new frames before.
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

/* Frames allocated together, freed when the instance ends */
struct vmlab_frame_chunk {
	struct list_head node;		/* on vmlab_instance.frame_chunks */
	struct vmlab_frame f[VMLAB_FRAME_CHUNK];
};

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

void vmlab_frames_init(struct vmlab_instance *inst)
{
	INIT_LIST_HEAD(&inst->frame_chunks);
	INIT_LIST_HEAD(&inst->frame_free);
}

/* Another chunk of free frames, charged to the caller's memcg */
static int vmlab_frames_grow(struct vmlab_instance *inst)
{
	struct vmlab_frame_chunk *c;
	unsigned int i;

	c = kvmalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	list_add(&c->node, &inst->frame_chunks);
	for (i = 0; i < VMLAB_FRAME_CHUNK; i++)
		list_add_tail(&c->f[i].fifo, &inst->frame_free);
	return 0;
}

struct vmlab_frame *vmlab_frame_alloc(struct vmlab_instance *inst,
				      struct page *page, pgoff_t pgoff)
{
	struct vmlab_frame *f;

	lockdep_assert_held(&inst->lock);
	if (list_empty(&inst->frame_free) && vmlab_frames_grow(inst))
		return NULL;
	f = list_first_entry(&inst->frame_free, struct vmlab_frame, fifo);
	list_del(&f->fifo);
	memset(f, 0, sizeof(*f));
	f->page = page;
	f->pgoff = pgoff;
	f->slot = VMLAB_NO_SLOT;
	f->state = VMLAB_FRAME_RESIDENT;
	INIT_LIST_HEAD(&f->window);
	INIT_LIST_HEAD(&f->spill);
	INIT_LIST_HEAD(&f->seg);
	return f;
}

/* Back to the pool, the first to be taken again: its cache lines are warm. */
void vmlab_frame_free(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	lockdep_assert_held(&inst->lock);
	list_add(&f->fifo, &inst->frame_free);
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

/* Free every resident page and every frame; no VMA maps the instance. */
void vmlab_pages_free(struct vmlab_instance *inst)
{
	struct vmlab_frame_chunk *c, *next;
	struct vmlab_frame *f;
	unsigned long idx;

	xa_for_each(&inst->pages, idx, f) {
		vmlab_page_release(f->page);
		atomic64_dec(&inst->nr_resident);
	}
	xa_destroy(&inst->pages);
	list_for_each_entry_safe(c, next, &inst->frame_chunks, node)
		kvfree(c);
	INIT_LIST_HEAD(&inst->frame_chunks);
	INIT_LIST_HEAD(&inst->frame_free);
}

void vmlab_page_exit(void)
{
	WARN_ON(atomic_long_read(&vmlab_nr_pages));
}
