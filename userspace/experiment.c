// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - one experiment: the pattern's reference string, an instance
 * opened and configured (frame budget, policy, software TLB, backing
 * file) and mapped, the references made, the stats read.
 *
 * The steps are exp_prepare(), exp_setup(), exp_touch(), exp_collect() and
 * exp_teardown() on a struct experiment, so later commands extend the
 * struct and the steps, not the flow.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "device.h"
#include "experiment.h"
#include "pattern.h"
#include "util.h"

const char *access_name(enum access_mode a)
{
	switch (a) {
	case ACCESS_READ:
		return "read";
	case ACCESS_WRITE:
		return "write";
	case ACCESS_READ_WRITE:
		return "read-then-write";
	}
	return "?";
}

void exp_defaults(struct experiment *e)
{
	memset(e, 0, sizeof(*e));
	e->pages = 16;
	e->pattern = "seq";
	e->seed = 1;
	e->access = ACCESS_READ;
	e->fd = -1;
	e->map = MAP_FAILED;
}

uint64_t exp_touches(const struct experiment *e)
{
	if (e->refs)
		return e->nrefs;
	return e->touches ? e->touches : e->pages;
}

/* Ring capacity for the run: room for every record, within the limit */
static uint32_t auto_ring(const struct experiment *e)
{
	uint64_t want = exp_touches(e) * (e->access == ACCESS_READ_WRITE ? 2 : 1);
	uint64_t max = e->info.max_ring_records, r;

	/* a miss under a budget: fault, unmap flush, evict, swap out, swap in */
	if (e->frames || e->tlb_window)
		want *= 5;
	want += 64;	/* TLB records and slack */
	r = round_up_pow2(want);
	while (r > max && r > 1)
		r >>= 1;
	return (uint32_t)r;
}

int exp_prepare(struct experiment *e)
{
	const struct pattern_ops *ops;
	uint64_t pages = e->pages, length = e->touches;
	const char *arg;

	ops = pattern_lookup(e->pattern, &arg);
	if (ops && ops->sizes_itself && !e->pages_given)
		pages = 0;
	free(e->refs);
	free(e->writes);
	e->refs = pattern_refs_rw(e->pattern, &pages, &length, e->seed,
				  &e->writes);
	if (!e->refs)
		return -1;
	e->pages = pages;
	e->nrefs = length;
	return 0;
}

static int exp_backing(struct experiment *e)
{
	int bfd, ret;

	bfd = open(e->backing, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (bfd < 0)
		return err_errno(e->backing), -1;
	ret = vmlab_set_backing(e->fd, bfd, e->backing);
	close(bfd);	/* the module holds its own reference */
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Map the trace's pages onto 0..distinct-1 in their order, so sparse block
 * numbers fit a region of as many pages as the trace touches.  Renaming
 * pages in order changes no policy's choices.
 */
static int exp_renumber(struct experiment *e)
{
	uint64_t *names = malloc((e->nrefs ? e->nrefs : 1) * sizeof(*names));
	uint64_t i, n = 0, lo, hi, mid;

	if (!names)
		return err_msg("out of memory renumbering the trace"), -1;
	memcpy(names, e->refs, e->nrefs * sizeof(*names));
	qsort(names, e->nrefs, sizeof(*names), cmp_u64);
	for (i = 0; i < e->nrefs; i++)
		if (!n || names[n - 1] != names[i])
			names[n++] = names[i];
	for (i = 0; i < e->nrefs; i++) {
		lo = 0;
		hi = n;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (names[mid] <= e->refs[i])
				lo = mid;
			else
				hi = mid;
		}
		e->refs[i] = lo;
	}
	e->names = names;
	e->distinct = n;
	e->pages = n;
	return 0;
}

uint64_t exp_page_name(const struct experiment *e, uint64_t pgoff)
{
	return e->names && pgoff < e->distinct ? e->names[pgoff] : pgoff;
}

/* --policy bpf:FILE loads and registers it; bpf:NAME was registered */
static int exp_bpf_policy(struct experiment *e)
{
	const char *name = e->bpf_policy;

	if (!(e->info.flags & VMLAB_INFO_BPF_POLICY))
		return bpf_policy_select(e->fd, &e->info, name);
	if (bpf_policy_is_file(name)) {
		if (bpf_policy_load(name, &e->bpf))
			return -1;
		name = e->bpf.name;
	}
	if (bpf_policy_select(e->fd, &e->info, name))
		return -1;
	return vmlab_get_config(e->fd, &e->cfg);
}

int exp_setup(struct experiment *e)
{
	const struct pattern_ops *ops;
	uint64_t max_pages;
	const char *arg;

	e->fd = vmlab_open_info(O_RDWR | O_NONBLOCK, &e->info);
	if (e->fd < 0)
		return -1;
	max_pages = e->info.max_region_size / e->info.page_size;
	ops = pattern_lookup(e->pattern, &arg);
	if (e->pages > max_pages && ops && ops->sizes_itself &&
	    !e->pages_given && e->refs) {
		if (exp_renumber(e))
			return -1;
		if (e->pages > max_pages) {
			err_msg("%s: %" PRIu64 " distinct pages; the module "
				"allows at most %" PRIu64 " pages an instance "
				"(its max_region_mb parameter)", e->pattern,
				e->pages, max_pages);
			return -1;
		}
	}
	if (e->pages > max_pages) {
		err_msg("--pages %" PRIu64 ": the module allows at most %" PRIu64
			" pages an instance (its max_region_mb parameter)",
			e->pages, max_pages);
		return -1;
	}
	if (e->ring_records > e->info.max_ring_records) {
		err_msg("--ring %u: the module allows at most %u records",
			e->ring_records, e->info.max_ring_records);
		return -1;
	}
	if (e->clock_flush && !(e->info.flags & VMLAB_INFO_TLB_FLUSH)) {
		err_msg("--clock-flush: this kernel exports no TLB flush a module "
			"may call (see vmlab info)");
		return -1;
	}
	if (e->frames > e->info.max_pages) {
		err_msg("--frames %" PRIu64 ": the module allows at most %llu "
			"resident pages (its max_pages parameter)", e->frames,
			e->info.max_pages);
		return -1;
	}
	if (vmlab_get_config(e->fd, &e->cfg))
		return -1;
	e->len = e->pages * e->info.page_size;
	e->cfg.region_size = e->len;
	e->cfg.event_mask = e->events ? VMLAB_EV_ALL : 0;
	e->cfg.flags = e->events && e->walk ? VMLAB_CFG_WALK : 0;
	if (e->clock_flush)
		e->cfg.flags |= VMLAB_CFG_CLOCK_FLUSH;
	e->cfg.frames = e->frames;
	/* a BPF policy is selected once the instance is configured */
	e->cfg.policy = e->policy == VMLAB_POLICY_BPF ? VMLAB_POLICY_FIFO :
			e->policy;
	e->cfg.tlb_window = e->tlb_window;
	e->cfg.evict_batch = e->evict_batch;
	e->cfg.ws_window = e->ws_window;
	e->cfg.low_watermark = e->low_watermark;
	e->cfg.high_watermark = e->high_watermark;
	e->cfg.seed = e->seed;
	if (e->ring_records)
		e->cfg.ring_records = e->ring_records;
	else if (e->events)
		e->cfg.ring_records = auto_ring(e);
	if (vmlab_set_config(e->fd, &e->cfg))
		return -1;
	if (e->policy == VMLAB_POLICY_BPF && exp_bpf_policy(e))
		return -1;
	if (e->backing && exp_backing(e))
		return -1;
	e->map = mmap(NULL, e->len, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd, 0);
	if (e->map == MAP_FAILED) {
		err_errno("mmap " VMLAB_DEV);
		return -1;
	}
	return 0;
}

static sigjmp_buf touch_jmp;
static volatile sig_atomic_t touch_sig;

static void touch_sigbus(int sig)
{
	touch_sig = sig;
	siglongjmp(touch_jmp, 1);
}

int exp_touch(struct experiment *e)
{
	struct sigaction sa = { .sa_handler = touch_sigbus }, old;
	volatile uint64_t page = 0;
	uint64_t i, t0;

	if (!e->refs && exp_prepare(e))
		return -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	e->references = 0;
	t0 = now_ns();
	if (sigsetjmp(touch_jmp, 1)) {
		e->elapsed_ns = now_ns() - t0;
		sigaction(SIGBUS, &old, NULL);
		err_msg("SIGBUS touching page %" PRIu64 " (the module refused the "
			"fault: see fault_errors and io_errors)",
			exp_page_name(e, page));
		return -1;
	}
	for (i = 0; i < e->nrefs; i++) {
		page = e->refs[i];
		touch_page(e->map + e->refs[i] * e->info.page_size,
			   exp_access(e, i));
		e->references++;
	}
	e->elapsed_ns = now_ns() - t0;
	sigaction(SIGBUS, &old, NULL);
	return 0;
}

enum access_mode exp_access(const struct experiment *e, uint64_t i)
{
	if (!e->writes)
		return e->access;
	return e->writes[i] ? ACCESS_WRITE : ACCESS_READ;
}

int exp_collect(struct experiment *e)
{
	return vmlab_get_stats(e->fd, &e->stats);
}

void exp_teardown(struct experiment *e)
{
	if (e->map != MAP_FAILED)
		munmap(e->map, e->len);
	e->map = MAP_FAILED;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	bpf_policy_close(&e->bpf);
	free(e->refs);
	free(e->writes);
	free(e->names);
	e->refs = NULL;
	e->writes = NULL;
	e->names = NULL;
	e->nrefs = 0;
}
