/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - the BPF side of `vmlab trace` and `vmlab bench trace`: a
 * session loads bpf/vmlab.bpf.c (embedded through the skeleton), attaches
 * the programs of the chosen event kinds, and reads the ring buffer, the
 * counters and the histograms.
 *
 *   trace.c        vmlab trace: options, session, output, pinning
 *   bench_trace.c  vmlab bench trace
 */
#ifndef _VMLAB_TOOL_TRACE_H
#define _VMLAB_TOOL_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmlab_trace.h"

struct vmlab;		/* the skeleton */
struct ring_buffer;

/* What a session attaches and how. */
struct trace_opts {
	pid_t pid;		/* only this process; 0: every vmlab user */
	unsigned int events;	/* VMT_BIT()s of the kinds asked for */
	bool events_given;	/* -e: a kind that is unavailable is an error */
	bool stream;		/* send records of those kinds to the ring */
	bool hist;		/* fill the latency histograms */
	unsigned int batch;	/* records that wake the reader; 0: ring / 4 */
	unsigned int ring_mb;	/* ring buffer size, MiB, a power of two */
	bool verbose;		/* libbpf's messages */
};

typedef int (*trace_event_fn)(const struct vmt_event *e, void *arg);

struct trace_session {
	struct vmlab *skel;
	struct ring_buffer *rb;
	int epfd;		/* edge-triggered epoll on the ring */
	unsigned int events;	/* the kinds attached */
	trace_event_fn fn;
	void *arg;
	uint64_t records;	/* records read from the ring */
};

/* Load and attach: 0, or 1 after saying why on stderr. */
int trace_session_open(struct trace_session *s, const struct trace_opts *o,
		       trace_event_fn fn, void *arg);
/* Wait up to @timeout_ms for records and hand each to the callback. */
int trace_session_poll(struct trace_session *s, int timeout_ms);
/* Detach every program (the maps stay readable) and read what is left. */
void trace_session_detach(struct trace_session *s);
void trace_session_close(struct trace_session *s);
/* The counters (enum vmt_counter): 0 or -1 */
int trace_session_counts(struct trace_session *s, uint64_t c[VMT_COUNTERS]);

/* Pin the session's links and maps under @dir (bpffs): 0 or 1 */
int trace_pin(struct trace_session *s, const char *dir);
/* Remove what trace_pin() made under @dir, then @dir: 0 or 1 */
int trace_unpin(const char *dir);

/* Parse a comma-separated -e list into VMT_BIT()s: 0 or -1 (bad name) */
int trace_parse_events(const char *list, unsigned int *mask, const char **bad);
/* "fault,walk,..." of every kind, for help and errors */
const char *trace_event_names(void);

#endif /* _VMLAB_TOOL_TRACE_H */
