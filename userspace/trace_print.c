// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab trace`'s output: a line or a JSON object per record
 * of the BPF ring buffer, and the counters by kind.
 */
#include <inttypes.h>
#include <string.h>

#include "line.h"
#include "names.h"
#include "pte.h"
#include "events.h"
#include "trace_print.h"
#include "util.h"

void trace_print_header(FILE *f, bool timestamp)
{
	if (timestamp)
		fprintf(f, "%-10s ", "TIME(s)");
	fprintf(f, "%-16s %-7s %-7s %-3s %-5s %s\n", "COMM", "PID", "TID",
		"CPU", "EVENT", "DETAILS");
}

/* The x86 page-fault error code, as the SDM names its bits */
static const char *pf_error_str(uint64_t ec, char *buf, size_t len)
{
	snprintf(buf, len, "%s|%s|%s%s%s",
		 ec & 1 ? "protection" : "not-present",
		 ec & 2 ? "write" : "read",
		 ec & 4 ? "user" : "kernel",
		 ec & 16 ? "|fetch" : "",
		 ec & 32 ? "|pkey" : "");
	return buf;
}

static bool flush_all(uint64_t pages)
{
	return pages == VMLAB_TLB_FLUSH_ALL;
}

static void ln_access(struct line *l, uint32_t acc)
{
	bool first = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(access_bits); i++) {
		if (!(acc & access_bits[i].bit))
			continue;
		if (!first)
			ln_c(l, '|');
		ln_s(l, access_bits[i].name);
		first = false;
	}
}

static void ln_pages(struct line *l, uint64_t pages)
{
	if (flush_all(pages)) {
		ln_s(l, " pages all");
		return;
	}
	ln_s(l, " pages ");
	ln_u(l, pages, 0);
}

void trace_print_event(FILE *f, const struct vmt_event *e, bool timestamp,
		       uint64_t t0)
{
	const struct trace_kind *k = trace_kind_of(e->type);
	struct line l;
	char buf[96], *at;

	ln_init(&l);
	if (timestamp) {
		uint64_t t = e->time_ns >= t0 ? e->time_ns - t0 : 0;
		uint64_t us = t / 1000 % 1000000;

		at = l.p;
		ln_u(&l, t / 1000000000, 0);
		ln_c(&l, '.');
		ln_uf(&l, us, 6, '0');
		ln_pad(&l, at, 10);
	}
	at = l.p;
	ln_sn(&l, e->comm, sizeof(e->comm));
	ln_pad(&l, at, 16);
	ln_col_u(&l, e->tgid, 7);
	ln_col_u(&l, e->pid, 7);
	ln_col_u(&l, e->cpu, 3);
	ln_col_s(&l, k ? k->name : "?", 5);
	switch (e->type) {
	case VMT_FAULT:
		ln_s(&l, "inst ");
		ln_u(&l, e->inst, 0);
		ln_c(&l, ' ');
		ln_col_s(&l, fault_kind_name(e->fault.kind), 7);
		at = l.p;
		ln_access(&l, e->fault.access);
		ln_pad(&l, at, 10);
		ln_x(&l, e->fault.addr, 12);
		ln_s(&l, " pgoff ");
		ln_col_u(&l, e->fault.pgoff, 6);
		ln_u(&l, e->fault.latency_ns, 8);
		ln_s(&l, " ns pfn ");
		ln_x(&l, e->fault.pfn, 0);
		break;
	case VMT_WALK: {
		unsigned int d = e->walk.depth, leaf;

		ln_s(&l, "inst ");
		ln_u(&l, e->inst, 0);
		ln_c(&l, ' ');
		ln_x(&l, e->walk.addr, 12);
		ln_s(&l, " depth ");
		ln_u(&l, d, 0);
		if (!d || d > VMLAB_LEVELS)
			break;
		leaf = d - 1;
		ln_c(&l, ' ');
		ln_s(&l, level_name(leaf));
		ln_s(&l, " [");
		ln_s(&l, pte_flags_str(e->walk.entry[leaf], leaf, buf, sizeof(buf)));
		ln_s(&l, "] frame ");
		ln_x(&l, pte_frame(e->walk.entry[leaf], leaf), 0);
		break;
	}
	case VMT_TLB:
		ln_f(&l, "inst %u %s %s", e->inst, tlb_origin_name(e->tlb.origin),
		     tlb_reason_name(e->tlb.origin, e->tlb.reason));
		if (e->tlb.origin == VMLAB_TLB_ORIGIN_MODULE)
			ln_f(&l, " pgoff %" PRIu64, (uint64_t)e->tlb.start);
		ln_pages(&l, e->tlb.pages);
		break;
	case VMT_PF:
		ln_x(&l, e->pf.addr, 12);
		ln_s(&l, " ip ");
		ln_x(&l, e->pf.ip, 0);
		ln_c(&l, ' ');
		ln_s(&l, pf_error_str(e->pf.error_code, buf, sizeof(buf)));
		break;
	case VMT_KTLB:
		ln_s(&l, tlb_reason_name(VMLAB_TLB_ORIGIN_KERNEL, e->tlb.reason));
		ln_pages(&l, e->tlb.pages);
		break;
	case VMT_EVICT:
		ln_f(&l, "inst %u pgoff %-6" PRIu64 " %s %s %s %8" PRIu64 " ns",
		     e->inst, (uint64_t)e->evict.pgoff,
		     policy_name(e->evict.policy),
		     evict_reason_name(e->evict.reason),
		     evict_action_name(e->evict.action),
		     (uint64_t)e->evict.latency_ns);
		if (e->evict.error)
			ln_f(&l, " error %s", strerror(-e->evict.error));
		break;
	case VMT_SWAP:
		ln_f(&l, "inst %u pgoff %-6" PRIu64 " %-3s %s %8" PRIu64 " ns",
		     e->inst, (uint64_t)e->swap.pgoff,
		     swap_dir_name(e->swap.dir),
		     store_name(e->swap.store), (uint64_t)e->swap.latency_ns);
		if (e->swap.error)
			ln_f(&l, " error %s", strerror(-e->swap.error));
		break;
	}
	ln_write(&l, f);
}

void trace_json_event(FILE *f, const struct vmt_event *e)
{
	const struct trace_kind *k = trace_kind_of(e->type);
	char comm[sizeof(e->comm) + 1];
	unsigned int l;
	struct jw w;

	memcpy(comm, e->comm, sizeof(e->comm));
	comm[sizeof(e->comm)] = '\0';
	jw_init(&w, f);
	jw_obj(&w, NULL);
	jw_str(&w, "type", k ? k->name : "unknown");
	jw_u64(&w, "time_ns", e->time_ns);
	jw_u64(&w, "cpu", e->cpu);
	jw_u64(&w, "pid", e->tgid);
	jw_u64(&w, "tid", e->pid);
	jw_str(&w, "comm", comm);
	switch (e->type) {
	case VMT_FAULT:
		jw_u64(&w, "inst", e->inst);
		jw_str(&w, "kind", fault_kind_name(e->fault.kind));
		access_json(&w, e->fault.access);
		jw_hex(&w, "addr", e->fault.addr);
		jw_u64(&w, "pgoff", e->fault.pgoff);
		jw_u64(&w, "latency_ns", e->fault.latency_ns);
		jw_u64(&w, "pfn", e->fault.pfn);
		break;
	case VMT_WALK:
		jw_u64(&w, "inst", e->inst);
		jw_hex(&w, "addr", e->walk.addr);
		jw_u64(&w, "depth", e->walk.depth);
		jw_arr(&w, "walk");
		for (l = 0; l < e->walk.depth && l < VMLAB_LEVELS; l++) {
			jw_obj(&w, NULL);
			jw_str(&w, "level", level_name(l));
			jw_hex(&w, "entry", e->walk.entry[l]);
			pte_flags_json(&w, "flags", e->walk.entry[l], l);
			jw_end(&w);
		}
		jw_end(&w);
		break;
	case VMT_TLB:
	case VMT_KTLB:
		if (e->type == VMT_TLB) {
			jw_u64(&w, "inst", e->inst);
			jw_str(&w, "origin", tlb_origin_name(e->tlb.origin));
			jw_u64(&w, "start", e->tlb.start);
		}
		jw_str(&w, "reason", tlb_reason_name(e->type == VMT_TLB ?
						     e->tlb.origin : VMLAB_TLB_ORIGIN_KERNEL,
						     e->tlb.reason));
		if (flush_all(e->tlb.pages))
			jw_str(&w, "pages", "all");
		else
			jw_u64(&w, "pages", e->tlb.pages);
		break;
	case VMT_PF:
		jw_hex(&w, "addr", e->pf.addr);
		jw_hex(&w, "ip", e->pf.ip);
		jw_hex(&w, "error_code", e->pf.error_code);
		break;
	case VMT_EVICT:
		jw_u64(&w, "inst", e->inst);
		jw_u64(&w, "pgoff", e->evict.pgoff);
		jw_str(&w, "policy", policy_name(e->evict.policy));
		jw_str(&w, "reason", evict_reason_name(e->evict.reason));
		jw_str(&w, "action", evict_action_name(e->evict.action));
		jw_u64(&w, "latency_ns", e->evict.latency_ns);
		jw_u64(&w, "error", (uint32_t)-e->evict.error);
		break;
	case VMT_SWAP:
		jw_u64(&w, "inst", e->inst);
		jw_u64(&w, "pgoff", e->swap.pgoff);
		jw_str(&w, "dir", swap_dir_name(e->swap.dir));
		jw_str(&w, "store", store_name(e->swap.store));
		jw_u64(&w, "latency_ns", e->swap.latency_ns);
		jw_u64(&w, "error", (uint32_t)-e->swap.error);
		break;
	}
	jw_finish(&w);
}

void trace_print_counts(FILE *f, unsigned int attached, const uint64_t *c)
{
	int k;

	if (attached & VMT_BIT(VMT_FAULT)) {
		fprintf(f, "  %-6s %10" PRIu64 "  ", "fault", c[VMT_FAULTS]);
		for (k = VMT_FAULT_ZERO; k < VMT_FAULT_OTHER; k++)
			fprintf(f, "%s%s %" PRIu64, k > VMT_FAULT_ZERO ? ", " : "",
				fault_kind_name(k - VMT_FAULTS), c[k]);
		if (c[VMT_FAULT_OTHER])
			fprintf(f, ", other %" PRIu64, c[VMT_FAULT_OTHER]);
		fputc('\n', f);
	}
	if (attached & VMT_BIT(VMT_WALK))
		fprintf(f, "  %-6s %10" PRIu64 "\n", "walk", c[VMT_WALKS]);
	if (attached & VMT_BIT(VMT_TLB))
		fprintf(f, "  %-6s %10" PRIu64 "  module %" PRIu64 ", kernel %"
			PRIu64 "\n", "tlb", c[VMT_TLB_MODULE] + c[VMT_TLB_KERNEL],
			c[VMT_TLB_MODULE], c[VMT_TLB_KERNEL]);
	if (attached & VMT_BIT(VMT_EVICT)) {
		fprintf(f, "  %-6s %10" PRIu64 "  ", "evict", c[VMT_EVICTIONS]);
		for (k = VMT_EVICT_WRITE; k <= VMT_EVICT_DEFER; k++)
			fprintf(f, "%s %" PRIu64 ", ",
				evict_action_name(k - VMT_EVICTIONS), c[k]);
		fprintf(f, "errors %" PRIu64 "\n", c[VMT_EVICT_ERRORS]);
	}
	if (attached & VMT_BIT(VMT_SWAP))
		fprintf(f, "  %-6s %10" PRIu64 "  out %" PRIu64 ", in %" PRIu64
			", errors %" PRIu64 "\n", "swap",
			c[VMT_SWAP_OUTS] + c[VMT_SWAP_INS], c[VMT_SWAP_OUTS],
			c[VMT_SWAP_INS], c[VMT_SWAP_ERRORS]);
	if (attached & VMT_BIT(VMT_PF))
		fprintf(f, "  %-6s %10" PRIu64 "  in vmlab VMAs; elsewhere %"
			PRIu64 ", VMA unknown %" PRIu64 "\n", "pf",
			c[VMT_PF_VMLAB], c[VMT_PF_OTHER], c[VMT_PF_UNKNOWN]);
	if (attached & VMT_BIT(VMT_KTLB)) {
		uint64_t sum = 0;

		for (k = VMT_KTLB_REMOTE_SHOOTDOWN; k <= VMT_KTLB_REMOTE_SEND_IPI; k++)
			sum += c[k];
		fprintf(f, "  %-6s %10" PRIu64 "  ", "ktlb", sum);
		for (k = VMT_KTLB_REMOTE_SHOOTDOWN; k <= VMT_KTLB_REMOTE_SEND_IPI; k++)
			fprintf(f, "%s%s %" PRIu64, k > VMT_KTLB_REMOTE_SHOOTDOWN ?
				", " : "",
				tlb_reason_name(VMLAB_TLB_ORIGIN_KERNEL, k -
						VMT_KTLB_REMOTE_SHOOTDOWN +
						VMLAB_TLB_REMOTE_SHOOTDOWN),
				c[k]);
		fputc('\n', f);
	}
}

void trace_json_counts(struct jw *w, unsigned int attached, const uint64_t *c)
{
	const struct trace_kind *k;
	int i, first, last;
	size_t n;

	jw_obj(w, "counts");
	for (n = 0; n < trace_nkinds; n++) {
		k = &trace_kinds[n];
		if (!(attached & VMT_BIT(k->type)))
			continue;
		trace_kind_counters(k->type, &first, &last);
		for (i = first; i <= last; i++)
			jw_u64(w, trace_counter_names[i], c[i]);
	}
	jw_end(w);
}
