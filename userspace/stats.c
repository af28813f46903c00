// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - the module's counters (VMLAB_GET_STATS) as text and JSON.
 */
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
	fprintf(f, "evictions    %llu: swap-outs %llu (%s), clean drops %llu; "
		"swap-ins %llu (%s)\n", st->evictions, st->swap_outs,
		fmt_bytes(st->swap_out_bytes, out, sizeof(out)), st->clean_drops,
		st->swap_ins, fmt_bytes(st->swap_in_bytes, in, sizeof(in)));
	fprintf(f, "pages        %llu resident, %llu allocated, %llu in the "
		"store, %llu in the software TLB\n", st->pages_resident,
		st->pages_allocated, st->store_pages, st->pages_mapped);
	fprintf(f, "TLB flushes  %llu by the module, %llu by the kernel\n", st->tlb_module, st->tlb_kernel);
	fprintf(f, "I/O errors   %llu\n", st->io_errors);
	if (st->evict_pinned || st->over_budget)
		fprintf(f, "pinned       %llu victims kept, %llu pages over budget\n",
			st->evict_pinned, st->over_budget);
	fprintf(f, "records      %llu produced, %llu dropped\n",
		st->events, st->events_dropped);
}

void stats_json(struct jw *w, const char *key, const struct vmlab_stats *st)
{
	jw_obj(w, key);
	jw_u64(w, "faults", st->faults);
	jw_u64(w, "faults_zero", st->faults_zero);
	jw_u64(w, "faults_minor", st->faults_minor);
	jw_u64(w, "faults_upgrade", st->faults_upgrade);
	jw_u64(w, "faults_swapin", st->faults_swapin);
	jw_u64(w, "faults_soft", st->faults_soft);
	jw_u64(w, "fault_errors", st->fault_errors);
	jw_u64(w, "misses", stats_misses(st));
	jw_u64(w, "pages_resident", st->pages_resident);
	jw_u64(w, "pages_allocated", st->pages_allocated);
	jw_u64(w, "pages_mapped", st->pages_mapped);
	jw_u64(w, "evictions", st->evictions);
	jw_u64(w, "swap_outs", st->swap_outs);
	jw_u64(w, "swap_out_bytes", st->swap_out_bytes);
	jw_u64(w, "swap_ins", st->swap_ins);
	jw_u64(w, "swap_in_bytes", st->swap_in_bytes);
	jw_u64(w, "clean_drops", st->clean_drops);
	jw_u64(w, "store_pages", st->store_pages);
	jw_u64(w, "io_errors", st->io_errors);
	jw_u64(w, "evict_pinned", st->evict_pinned);
	jw_u64(w, "over_budget", st->over_budget);
	jw_u64(w, "tlb_module", st->tlb_module);
	jw_u64(w, "tlb_kernel", st->tlb_kernel);
	jw_u64(w, "events", st->events);
	jw_u64(w, "events_dropped", st->events_dropped);
	jw_end(w);
}
