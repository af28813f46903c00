// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - decoding the module's output: event records (fault, TLB,
 * lost, evict, swap), the stats, the policies, and the flags of raw x86-64
 * page-table entries.  Shared
 * by run, walk and the commands that will read the stream live (trace).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

bool level_folded(unsigned int level, unsigned int levels)
{
	return level == VMLAB_P4D && levels < 5;
}

unsigned int level_index(uint64_t addr, unsigned int level, unsigned int levels)
{
	static const unsigned int shift4[VMLAB_LEVELS] = { 39, 39, 30, 21, 12 };
	static const unsigned int shift5[VMLAB_LEVELS] = { 48, 39, 30, 21, 12 };
	const unsigned int *shift = levels >= 5 ? shift5 : shift4;

	if (level >= VMLAB_LEVELS || level_folded(level, levels))
		return 0;
	return (addr >> shift[level]) & 511;
}

/* ------------------------------------------------------ page-table entries */

static const struct {
	const char *name;
	uint64_t bit;
} pte_bits[] = {
	{ "P", VMLAB_PTE_P },
	{ "RW", VMLAB_PTE_RW },
	{ "US", VMLAB_PTE_US },
	{ "A", VMLAB_PTE_A },
	{ "D", VMLAB_PTE_D },
	{ "PS", VMLAB_PTE_PS },
	{ "G", VMLAB_PTE_G },
	{ "NX", VMLAB_PTE_NX },
};

/* Bit 7 is PS only in a PUD or PMD entry (in a PTE it is PAT) */
static bool bit_applies(uint64_t bit, unsigned int level)
{
	return bit != VMLAB_PTE_PS || level == VMLAB_PUD || level == VMLAB_PMD;
}

char *pte_flags_str(uint64_t entry, unsigned int level, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(pte_bits) && off < len; i++) {
		const char *name = pte_bits[i].name;
		bool set = (entry & pte_bits[i].bit) &&
			   bit_applies(pte_bits[i].bit, level);

		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "",
				set ? name : (strlen(name) == 1 ? "-" : "--"));
	}
	return buf;
}

/* Only the flags that are set, "P US A NX": for one-line summaries */
static char *pte_flags_short(uint64_t entry, unsigned int level, char *buf,
			     size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(pte_bits) && off < len; i++) {
		if (!(entry & pte_bits[i].bit) ||
		    !bit_applies(pte_bits[i].bit, level))
			continue;
		off += snprintf(buf + off, len - off, "%s%s", off ? " " : "",
				pte_bits[i].name);
	}
	return buf;
}

void pte_flags_json(struct jw *w, const char *key, uint64_t entry,
		    unsigned int level)
{
	size_t i;

	jw_arr(w, key);
	for (i = 0; i < ARRAY_SIZE(pte_bits); i++)
		if ((entry & pte_bits[i].bit) &&
		    bit_applies(pte_bits[i].bit, level))
			jw_str(w, NULL, pte_bits[i].name);
	jw_end(w);
}

uint64_t pte_frame(uint64_t entry, unsigned int level)
{
	uint64_t mask = VMLAB_PTE_PFN_MASK;

	/* a huge leaf's frame is aligned; its bit 12 is PAT */
	if ((entry & VMLAB_PTE_PS) && level == VMLAB_PMD)
		mask &= ~((1ULL << 21) - 1);
	else if ((entry & VMLAB_PTE_PS) && level == VMLAB_PUD)
		mask &= ~((1ULL << 30) - 1);
	return (entry & mask) >> 12;
}

/* ----------------------------------------------------------------- tally */

void ev_tally_add(struct ev_tally *t, const struct vmlab_event *ev)
{
	t->records++;
	if (ev->type < VMLAB_EV_MAX)
		t->by_type[ev->type]++;
	else
		t->unknown++;
	switch (ev->type) {
	case VMLAB_EV_FAULT:
		if (ev->fault.kind < VMLAB_FAULT_KIND_MAX)
			t->by_kind[ev->fault.kind]++;
		hist_add(&t->latency, ev->fault.latency_ns);
		break;
	case VMLAB_EV_LOST:
		t->lost += ev->lost.count;
		return;		/* its seq is not part of the sequence */
	}
	if (t->have_seq && ev->seq > t->next_seq)
		t->seq_gaps += ev->seq - t->next_seq;
	t->next_seq = ev->seq + 1;
	t->have_seq = true;
}

/* ----------------------------------------------------------------- print */

void ev_print_header(FILE *f)
{
	fprintf(f, "%7s %11s %3s %7s %-5s %s\n", "SEQ", "TIME(us)", "CPU",
		"PID", "EVENT", "DETAILS");
}

/*
 * "read", "write", "exec"; "/k" for an access from kernel mode.  A
 * write-upgrade record never has VMLAB_ACC_USER: ->page_mkwrite is not told
 * where the access came from, so the mode is unknown, not kernel.
 */
static const char *access_str(uint32_t acc, uint32_t kind, char *buf,
			      size_t len)
{
	const char *what = acc & VMLAB_ACC_EXEC ? "exec" :
			   acc & VMLAB_ACC_WRITE ? "write" :
			   acc & VMLAB_ACC_READ ? "read" : "none";
	bool kernel = !(acc & VMLAB_ACC_USER) && kind != VMLAB_FAULT_UPGRADE;

	snprintf(buf, len, "%s%s", what, kernel ? "/k" : "");
	return buf;
}

/* "walk 255/-/488/96/12 P US A NX frame 0x1234" */
static void walk_summary(const struct vmlab_ev_fault *fl,
			 const struct ev_ctx *ctx, FILE *f)
{
	unsigned int l, depth = fl->depth;
	uint64_t leaf;
	char flags[64];

	if (!depth) {
		fputs("walk -", f);
		return;
	}
	if (depth > VMLAB_LEVELS)
		depth = VMLAB_LEVELS;
	fputs("walk ", f);
	for (l = 0; l < VMLAB_LEVELS; l++) {
		if (l)
			fputc('/', f);
		if (level_folded(l, ctx->levels))
			fputc('-', f);
		else if (l < depth)
			fprintf(f, "%u", level_index(fl->addr, l, ctx->levels));
		else
			fputc('.', f);
	}
	leaf = fl->entry[depth - 1];
	fprintf(f, " %s [%s]", level_name(depth - 1),
		pte_flags_short(leaf, depth - 1, flags, sizeof(flags)));
	if (ctx->pfn_visible)
		fprintf(f, " frame 0x%" PRIx64, pte_frame(leaf, depth - 1));
	else
		fputs(" frame hidden", f);
}

void ev_print(const struct vmlab_event *ev, struct ev_ctx *ctx, FILE *f)
{
	char acc[16];

	if (!ctx->t0)
		ctx->t0 = ev->time_ns;
	fprintf(f, "%7llu %11.3f %3u %7u ", ev->seq,
		ev->time_ns >= ctx->t0 ? (ev->time_ns - ctx->t0) / 1e3 : 0.0,
		ev->cpu, ev->pid);
	switch (ev->type) {
	case VMLAB_EV_FAULT: {
		const struct vmlab_ev_fault *fl = &ev->fault;

		fprintf(f, "%-5s %-7s %-7s 0x%012llx pgoff %-6llu %7llu ns  ", "fault", fault_kind_name(fl->kind),
			access_str(fl->access, fl->kind, acc, sizeof(acc)), fl->addr,
			fl->pgoff, fl->latency_ns);
		walk_summary(fl, ctx, f);
		break;
	}
	case VMLAB_EV_TLB:
		fprintf(f, "%-5s %s %s", "tlb", tlb_origin_name(ev->tlb.origin),
			tlb_reason_name(ev->tlb.origin, ev->tlb.reason));
		if (ev->tlb.origin == VMLAB_TLB_MODULE)
			fprintf(f, " pgoff %llu", ev->tlb.start);
		if (ev->tlb.pages == VMLAB_TLB_FLUSH_ALL)
			fputs(" pages all", f);
		else
			fprintf(f, " pages %llu", ev->tlb.pages);
		break;
	case VMLAB_EV_EVICT:
		fprintf(f, "%-5s %-7s %-7s %-14s pgoff %-6llu %7llu ns  policy %s",
			"evict", evict_action_name(ev->evict.action),
			evict_reason_name(ev->evict.reason), "",
			ev->evict.pgoff, ev->evict.latency_ns,
			policy_name(ev->evict.policy));
		if (ev->evict.error)
			fprintf(f, "  error %s (stays resident)",
				strerror(ev->evict.error));
		break;
	case VMLAB_EV_SWAP:
		fprintf(f, "%-5s %-7s %-7s %-14s pgoff %-6llu %7llu ns  %llu bytes",
			"swap", swap_dir_name(ev->swap.dir),
			store_name(ev->swap.store), "", ev->swap.pgoff,
			ev->swap.latency_ns, ev->swap.bytes);
		if (ev->swap.error)
			fprintf(f, "  error %s", strerror(ev->swap.error));
		break;
	case VMLAB_EV_LOST:
		fprintf(f, "%-5s %llu records (seq %llu..%llu) dropped: the ring was full", "lost", ev->lost.count,
			ev->lost.first_seq,
			ev->lost.first_seq + ev->lost.count - !!ev->lost.count);
		break;
	default:
		fprintf(f, "type %u (unknown to this tool)", ev->type);
	}
	fputc('\n', f);
}

void access_json(struct jw *w, uint32_t acc)
{
	size_t i;

	jw_arr(w, "access");
	for (i = 0; i < ARRAY_SIZE(access_bits); i++)
		if (acc & access_bits[i].bit)
			jw_str(w, NULL, access_bits[i].name);
	jw_end(w);
}

void ev_json(struct jw *w, const struct vmlab_event *ev,
	     const struct ev_ctx *ctx)
{
	unsigned int l;

	jw_obj(w, NULL);
	jw_u64(w, "seq", ev->seq);
	jw_u64(w, "time_ns", ev->time_ns);
	jw_u64(w, "cpu", ev->cpu);
	jw_u64(w, "pid", ev->pid);
	jw_u64(w, "tgid", ev->tgid);
	switch (ev->type) {
	case VMLAB_EV_FAULT: {
		const struct vmlab_ev_fault *fl = &ev->fault;

		jw_str(w, "type", "fault");
		jw_str(w, "kind", fault_kind_name(fl->kind));
		access_json(w, fl->access);
		jw_hex(w, "addr", fl->addr);
		jw_u64(w, "pgoff", fl->pgoff);
		jw_u64(w, "latency_ns", fl->latency_ns);
		jw_u64(w, "pfn", fl->pfn);
		jw_u64(w, "depth", fl->depth);
		jw_arr(w, "walk");
		for (l = 0; l < fl->depth && l < VMLAB_LEVELS; l++) {
			jw_obj(w, NULL);
			jw_str(w, "level", level_name(l));
			jw_u64(w, "index", level_index(fl->addr, l, ctx->levels));
			jw_hex(w, "entry", fl->entry[l]);
			pte_flags_json(w, "flags", fl->entry[l], l);
			jw_end(w);
		}
		jw_end(w);
		break;
	}
	case VMLAB_EV_TLB:
		jw_str(w, "type", "tlb");
		jw_str(w, "origin", tlb_origin_name(ev->tlb.origin));
		jw_str(w, "reason", tlb_reason_name(ev->tlb.origin, ev->tlb.reason));
		jw_u64(w, "start", ev->tlb.start);
		if (ev->tlb.pages == VMLAB_TLB_FLUSH_ALL)
			jw_str(w, "pages", "all");
		else
			jw_u64(w, "pages", ev->tlb.pages);
		break;
	case VMLAB_EV_EVICT:
		jw_str(w, "type", "evict");
		jw_u64(w, "pgoff", ev->evict.pgoff);
		jw_u64(w, "latency_ns", ev->evict.latency_ns);
		jw_str(w, "policy", policy_name(ev->evict.policy));
		jw_str(w, "action", evict_action_name(ev->evict.action));
		jw_str(w, "reason", evict_reason_name(ev->evict.reason));
		jw_u64(w, "error", ev->evict.error);
		break;
	case VMLAB_EV_SWAP:
		jw_str(w, "type", "swap");
		jw_str(w, "dir", swap_dir_name(ev->swap.dir));
		jw_str(w, "store", store_name(ev->swap.store));
		jw_u64(w, "pgoff", ev->swap.pgoff);
		jw_u64(w, "latency_ns", ev->swap.latency_ns);
		jw_u64(w, "bytes", ev->swap.bytes);
		jw_u64(w, "error", ev->swap.error);
		break;
	case VMLAB_EV_LOST:
		jw_str(w, "type", "lost");
		jw_u64(w, "count", ev->lost.count);
		jw_u64(w, "first_seq", ev->lost.first_seq);
		break;
	default:
		jw_str(w, "type", "unknown");
		jw_u64(w, "type_id", ev->type);
	}
	jw_end(w);
}

long ev_drain(int fd, ev_fn fn, void *arg)
{
	struct vmlab_event buf[64];
	long total = 0;
	ssize_t n, i;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return total;
			return -1;
		}
		if (n == 0)
			return total;
		if (n % sizeof(buf[0])) {
			errno = EPROTO;	/* read() must return whole records */
			return -1;
		}
		for (i = 0; i < n / (ssize_t)sizeof(buf[0]); i++)
			fn(&buf[i], arg);
		total += n / sizeof(buf[0]);
	}
}

/* ----------------------------------------------------------------- stats */

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
		"store, %llu in the soft TLB\n", st->pages_resident,
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
