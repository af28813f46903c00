/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - the module's event records (struct vmlab_event: fault, TLB,
 * lost, evict, swap): reading them from the device, counting and printing
 * them, as text and JSON.
 */
#ifndef _VMLAB_EVENTS_H
#define _VMLAB_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/vmlab.h>

#include "hist.h"
#include "json.h"

/* What printing a record needs to know about the instance */
struct ev_ctx {
	unsigned int levels;	/* page-table levels: 4 or 5 */
	bool pfn_visible;
	uint64_t t0;		/* time_ns of the first record, 0 = not yet */
};

/* Counts over the records read: the report's "records" line */
struct ev_tally {
	uint64_t records;
	uint64_t by_type[VMLAB_EV_MAX];
	uint64_t by_kind[VMLAB_FAULT_KIND_MAX];
	uint64_t lost;			/* sum of the lost records' counts */
	uint64_t seq_gaps;		/* records missing by seq, unreported */
	uint64_t next_seq;
	bool have_seq;
	uint64_t unknown;		/* records of a type this tool lacks */
	struct log2_hist latency;	/* fault records' latency_ns */
};

/* "access": ["read", "write", "exec", "user"], the VMLAB_ACC_* set */
void access_json(struct jw *w, uint32_t acc);
void ev_tally_add(struct ev_tally *t, const struct vmlab_event *ev);
void ev_print_header(FILE *f);
void ev_print(const struct vmlab_event *ev, struct ev_ctx *ctx, FILE *f);
void ev_json(struct jw *w, const struct vmlab_event *ev,
	     const struct ev_ctx *ctx);

/*
 * Read every record ready on @fd (which must be O_NONBLOCK) and hand each
 * to @fn.  Returns the number of records, or -1 with errno set.
 */
typedef void (*ev_fn)(const struct vmlab_event *ev, void *arg);
long ev_drain(int fd, ev_fn fn, void *arg);

#endif /* _VMLAB_EVENTS_H */
