/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - reference traces: one reference a line, "PAGE" or
 * "PAGE,r" / "PAGE,w" (a read or a write), '#' to the end of a line a
 * comment, blank lines skipped.  Page numbers are decimal or 0x-hex, any
 * up to the limit given: they are names (block numbers of a real trace),
 * and may be sparse.  No dependency but libc, so host tests link it.
 */
#ifndef _VMLAB_TRACEFILE_H
#define _VMLAB_TRACEFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct trace_refs {
	uint64_t *refs;		/* the page of each reference */
	/*
	 * 1 for a reference written ("PAGE,w"), 0 for one read ("PAGE,r"
	 * or "PAGE"); NULL when no line says r or w: the caller's access.
	 */
	uint8_t *writes;
	uint64_t n;		/* references */
	uint64_t max;		/* the highest page */
};

/*
 * Read the trace in @f, named @name in messages.  Pages must be below
 * @limit, references at most @max_refs; @region, when not 0, is a region
 * the caller set (its size is @limit then, and the message says so).
 * Returns 0, or -1 with the reason in @err, as "NAME:LINE: what is wrong"
 * (or "NAME: ..." for the whole file).
 */
int trace_parse(FILE *f, const char *name, uint64_t limit, uint64_t max_refs,
		uint64_t region, struct trace_refs *t, char *err, size_t errlen);
/* trace_parse() of the file at @path */
int trace_load(const char *path, uint64_t limit, uint64_t max_refs,
	       uint64_t region, struct trace_refs *t, char *err, size_t errlen);
void trace_refs_free(struct trace_refs *t);

#endif /* _VMLAB_TRACEFILE_H */
