// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - the module's counters (VMLAB_GET_STATS) as text and JSON.
 */
#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "util.h"

uint64_t stats_misses(const struct vmlab_stats *st)
{
	return st->faults_zero + st->faults_swapin;
}

void stats_print(const struct vmlab_stats *st, FILE *f)
{
	char in[32], out[32];

	fprintf(f, "faults       %llu (zero-fill %llu, minor %llu, "
		"write-upgrade %llu, swap-in %llu, soft %llu), errors %llu\n",
		st->faults, st->faults_zero, st->faults_minor,
		st->faults_upgrade, st->faults_swapin, st->faults_soft,
		st->fault_errors);
	if (st->faults_cow)
		fprintf(f, "copy-on-write %llu faults of private mappings\n",
			st->faults_cow);
	fprintf(f, "evictions    %llu: swap-outs %llu (%s), clean drops %llu; "
		"swap-ins %llu (%s)\n", st->evictions, st->swap_outs,
		fmt_bytes(st->swap_out_bytes, out, sizeof(out)), st->clean_drops,
		st->swap_ins, fmt_bytes(st->swap_in_bytes, in, sizeof(in)));
	fprintf(f, "pages        %llu resident, %llu allocated, %llu in the "
		"store, %llu in the software TLB\n", st->pages_resident,
		st->pages_allocated, st->store_pages, st->pages_mapped);
	fprintf(f, "TLB flushes  %llu by the module, %llu by the kernel\n", st->tlb_module, st->tlb_kernel);
	fprintf(f, "I/O errors   %llu\n", st->io_errors);
	if (st->reclaims)
		fprintf(f, "reclaims     %llu from the second-chance lists, no I/O\n",
			st->reclaims);
	fprintf(f, "miss frames  %llu free, %llu evicted\n",
		st->faults_free_frame, st->faults_evicted);
	if (st->daemon_runs)
		fprintf(f, "page daemon  %llu passes, %llu evictions\n",
			st->daemon_runs, st->daemon_evictions);
	if (st->evict_pinned || st->over_budget)
		fprintf(f, "pinned       %llu victims kept, %llu pages over budget\n",
			st->evict_pinned, st->over_budget);
	if (st->bpf_refused || st->bpf_no_victim || st->bpf_unregistered)
		fprintf(f, "bpf policy   %llu victims refused, %llu choices of none "
			"(FIFO chose), %llu unregistered\n", st->bpf_refused,
			st->bpf_no_victim, st->bpf_unregistered);
	fprintf(f, "records      %llu produced, %llu dropped\n",
		st->events, st->events_dropped);
}

/* The JSON keys, in order: the fields of struct vmlab_stats, and misses */
#define MISSES SIZE_MAX
#define F(field) { #field, offsetof(struct vmlab_stats, field) }
static const struct {
	const char *key;
	size_t off;
} stats_keys[] = {
	F(faults), F(faults_zero), F(faults_minor), F(faults_upgrade),
	F(faults_swapin), F(faults_soft), F(faults_cow), F(fault_errors), { "misses", MISSES },
	F(pages_resident), F(pages_allocated), F(pages_mapped), F(evictions),
	F(swap_outs), F(swap_out_bytes), F(swap_ins), F(swap_in_bytes),
	F(clean_drops), F(store_pages), F(io_errors), F(evict_pinned),
	F(over_budget), F(faults_free_frame), F(faults_evicted),
	F(daemon_runs), F(daemon_evictions), F(tlb_module), F(tlb_kernel),
	F(events), F(events_dropped), F(reclaims), F(bpf_refused),
	F(bpf_no_victim), F(bpf_unregistered),
};
#undef F

void stats_json(struct jw *w, const char *key, const struct vmlab_stats *st)
{
	size_t i;

	jw_obj(w, key);
	for (i = 0; i < ARRAY_SIZE(stats_keys); i++)
		jw_u64(w, stats_keys[i].key, stats_keys[i].off == MISSES ?
		       stats_misses(st) :
		       *(const __u64 *)((const char *)st + stats_keys[i].off));
	jw_end(w);
}
