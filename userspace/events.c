// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - the module's event records (fault, TLB, lost, evict, swap):
 * read from the device, counted, printed as text and JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "names.h"
#include "pte.h"
#include "util.h"

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
		if (ev->tlb.origin == VMLAB_TLB_ORIGIN_MODULE)
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

/* What every record has: its sequence number, time, CPU and task */
static void head_json(struct jw *w, const struct vmlab_event *ev)
{
	jw_u64(w, "seq", ev->seq);
	jw_u64(w, "time_ns", ev->time_ns);
	jw_u64(w, "cpu", ev->cpu);
	jw_u64(w, "pid", ev->pid);
	jw_u64(w, "tgid", ev->tgid);
}

/* The page an eviction or a swap was of, and how long it took */
static void page_json(struct jw *w, uint64_t pgoff, uint64_t latency_ns)
{
	jw_u64(w, "pgoff", pgoff);
	jw_u64(w, "latency_ns", latency_ns);
}

void ev_json(struct jw *w, const struct vmlab_event *ev,
	     const struct ev_ctx *ctx)
{
	unsigned int l;

	jw_obj(w, NULL);
	head_json(w, ev);
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
		page_json(w, ev->evict.pgoff, ev->evict.latency_ns);
		jw_str(w, "policy", policy_name(ev->evict.policy));
		jw_str(w, "action", evict_action_name(ev->evict.action));
		jw_str(w, "reason", evict_reason_name(ev->evict.reason));
		jw_u64(w, "error", ev->evict.error);
		break;
	case VMLAB_EV_SWAP:
		jw_str(w, "type", "swap");
		jw_str(w, "dir", swap_dir_name(ev->swap.dir));
		jw_str(w, "store", store_name(ev->swap.store));
		page_json(w, ev->swap.pgoff, ev->swap.latency_ns);
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
