/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - `vmlab trace`'s output: records and counters.
 */
#ifndef _VMLAB_TRACE_PRINT_H
#define _VMLAB_TRACE_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "trace_session.h"

void trace_print_header(FILE *f, bool timestamp);
/* One line; with @timestamp, the seconds since @t0 first */
void trace_print_event(FILE *f, const struct vmt_event *e, bool timestamp,
		       uint64_t t0);
/* One JSON object on a line of its own */
void trace_json_event(FILE *f, const struct vmt_event *e);
/* A line per kind attached: its counters */
void trace_print_counts(FILE *f, unsigned int attached, const uint64_t *c);
/* "counts": { "faults": N, ... } of the kinds attached */
void trace_json_counts(struct jw *w, unsigned int attached, const uint64_t *c);

#endif /* _VMLAB_TRACE_PRINT_H */
