/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - the BPF side of `vmlab trace` and `vmlab bench trace`: the
 * event kinds, and a session that loads bpf/vmlab.bpf.c (embedded through
 * the skeleton), attaches the programs of the chosen kinds, and reads the
 * ring buffer, the counters and the histograms.
 */
#ifndef _VMLAB_TRACE_SESSION_H
#define _VMLAB_TRACE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hist.h"
#include "vmlab_trace.h"

/* The reader drains the ring at least this often */
#define TRACE_POLL_MS		100
#define TRACE_DEFAULT_RING_MB	4

struct vmlab;		/* the skeleton */
struct ring_buffer;

/* An event kind: what -e names, its tracepoints and programs */
struct trace_kind {
	const char *name;		/* -e NAME */
	unsigned int type;		/* enum vmt_type */
	const char *tp[2];		/* its tracepoints, "system/event" */
	const char *prog[2];		/* its programs in vmlab.bpf.c */
	bool def;			/* traced without -e */
	const char *help;
};

extern const struct trace_kind trace_kinds[];
extern const size_t trace_nkinds;
/* The counters' names, as bpftool prints them: "faults", "fault_zero", ... */
extern const char *const trace_counter_names[VMT_COUNTERS];

const struct trace_kind *trace_kind_of(unsigned int type);
/* The counters kind @type owns: [*first, *last] */
void trace_kind_counters(unsigned int type, int *first, int *last);
/* The kinds traced without -e */
unsigned int trace_default_events(void);
/* "fault, tlb, evict": the kinds of @mask */
const char *trace_kind_list(unsigned int mask, char *buf, size_t len);

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

/* Sum the per-CPU histograms of @key (enum vmt_hist_key); reset them if
 * @reset: 0 or -1 */
int trace_session_hist(struct trace_session *s, uint32_t key,
		       struct log2_hist *h, bool reset);

/* Parse a comma-separated -e list into VMT_BIT()s: 0 or -1 (bad name) */
int trace_parse_events(const char *list, unsigned int *mask, const char **bad);
/* "fault,walk,..." of every kind, for help and errors */
const char *trace_event_names(void);

#endif /* _VMLAB_TRACE_SESSION_H */
