// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - the BPF side of `vmlab trace` and `vmlab bench trace`: the
 * event kinds, and a session that loads bpf/vmlab.bpf.c (embedded through
 * the skeleton), attaches the programs of the chosen kinds and reads the
 * ring buffer, the counters and the histograms.
 *
 * The programs sit on the vmlab:* tracepoints and on the kernel's
 * exceptions:page_fault_user and tlb:tlb_flush.  They count every event
 * into an array map, and, when events are streamed, send one record each to
 * a BPF ring buffer which the reader drains in batches: on a timeout, and
 * when the programs wake it (edge-triggered) at --batch records, a quarter
 * of the ring by default.  With hist set the programs fill log2 latency
 * histograms.
 *
 * Adding an event kind: a program in vmlab.bpf.c, its record and counters
 * in vmlab_trace.h, one line in trace_kinds[] below and in
 * trace_kind_counters(), and its details in trace_print.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trace_session.h"
#include "util.h"
#include "vmlab.skel.h"

/* ------------------------------------------------------------- trace_kinds */

const struct trace_kind trace_kinds[] = {
	{ "fault", VMT_FAULT, { "vmlab/vmlab_fault" }, { "vmlab_fault" }, true,
	  "faults the module handled, with kind and latency (vmlab:vmlab_fault)" },
	{ "walk", VMT_WALK, { "vmlab/vmlab_walk" }, { "vmlab_walk" }, false,
	  "the page-table walk after each fault (vmlab:vmlab_walk); the "
	  "module walks only while this is traced" },
	{ "tlb", VMT_TLB, { "vmlab/vmlab_tlb_flush" }, { "vmlab_tlb_flush" }, true,
	  "TLB flushes of vmlab memory, the module's and the kernel's "
	  "(vmlab:vmlab_tlb_flush)" },
	{ "evict", VMT_EVICT, { "vmlab/vmlab_evict" }, { "vmlab_evict" }, true,
	  "pages the policy (or VMLAB_EVICT) evicted, with latency "
	  "(vmlab:vmlab_evict)" },
	{ "swap", VMT_SWAP, { "vmlab/vmlab_swap_out", "vmlab/vmlab_swap_in" },
	  { "vmlab_swap_out", "vmlab_swap_in" }, true,
	  "pages written to and read back from the store, with latency "
	  "(vmlab:vmlab_swap_out, vmlab:vmlab_swap_in)" },
	{ "pf", VMT_PF, { "exceptions/page_fault_user" }, { "vmlab_pf_user" }, false,
	  "the kernel's user page faults in vmlab VMAs of traced processes "
	  "(exceptions:page_fault_user)" },
	{ "ktlb", VMT_KTLB, { "tlb/tlb_flush" }, { "vmlab_kern_tlb" }, false,
	  "the kernel's TLB flushes in traced processes (tlb:tlb_flush)" },
};

const size_t trace_nkinds = ARRAY_SIZE(trace_kinds);

const struct trace_kind *trace_kind_of(unsigned int type)
{
	size_t i;

	for (i = 0; i < trace_nkinds; i++)
		if (trace_kinds[i].type == type)
			return &trace_kinds[i];
	return NULL;
}

const char *trace_event_names(void)
{
	static char buf[128];
	size_t i, off = 0;

	if (buf[0])
		return buf;
	for (i = 0; i < trace_nkinds; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? "," : "",
				trace_kinds[i].name);
	return buf;
}

int trace_parse_events(const char *list, unsigned int *mask, const char **bad)
{
	static char badbuf[64];
	char *copy = strdup(list), *tok, *save = NULL;
	size_t i;

	if (!copy)
		return -1;
	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			for (i = 0; i < trace_nkinds; i++)
				*mask |= VMT_BIT(trace_kinds[i].type);
			continue;
		}
		for (i = 0; i < trace_nkinds; i++)
			if (!strcmp(tok, trace_kinds[i].name))
				break;
		if (i == trace_nkinds) {
			snprintf(badbuf, sizeof(badbuf), "%s", tok);
			*bad = badbuf;
			free(copy);
			return -1;
		}
		*mask |= VMT_BIT(trace_kinds[i].type);
	}
	free(copy);
	if (!*mask) {
		*bad = list;
		return -1;
	}
	return 0;
}

static const char *tracefs_root(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK))
		return "/sys/kernel/tracing";
	return "/sys/kernel/debug/tracing";
}

static bool tracepoint_exists(const char *tp)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/events/%s", tracefs_root(), tp);
	return access(path, F_OK) == 0;
}

/* ------------------------------------------------------------ counters */

const char *const trace_counter_names[VMT_COUNTERS] = {
#define X(e, f) [VMT_##e] = #f,
	VMT_COUNTER_LIST(X)
#undef X
};

void trace_kind_counters(unsigned int type, int *first, int *last)
{
	switch (type) {
	case VMT_FAULT:
		*first = VMT_FAULTS, *last = VMT_FAULT_OTHER;
		break;
	case VMT_WALK:
		*first = *last = VMT_WALKS;
		break;
	case VMT_TLB:
		*first = VMT_TLB_MODULE, *last = VMT_TLB_KERNEL;
		break;
	case VMT_PF:
		*first = VMT_PF_VMLAB, *last = VMT_PF_UNKNOWN;
		break;
	case VMT_KTLB:
		*first = VMT_KTLB_REMOTE_SHOOTDOWN, *last = VMT_KTLB_REMOTE_SEND_IPI;
		break;
	case VMT_EVICT:
		*first = VMT_EVICTIONS, *last = VMT_EVICT_ERRORS;
		break;
	case VMT_SWAP:
		*first = VMT_SWAP_OUTS, *last = VMT_SWAP_ERRORS;
		break;
	default:
		*first = 0, *last = -1;
	}
}

/* ------------------------------------------------------------- session */

static bool libbpf_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !libbpf_verbose)
		return 0;
	if (level == LIBBPF_INFO && !libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int ring_cb(void *ctx, void *data, size_t size)
{
	struct trace_session *s = ctx;
	const struct vmt_event *e = data;

	if (size < sizeof(*e) || e->size != sizeof(*e))
		return 0;
	s->records++;
	return s->fn ? s->fn(e, s->arg) : 0;
}

static void set_autoload(struct vmlab *skel, const char *prog, bool on)
{
	struct bpf_program *p = bpf_object__find_program_by_name(skel->obj, prog);

	if (p)
		bpf_program__set_autoload(p, on);
}

int trace_session_open(struct trace_session *s, const struct trace_opts *o,
		       trace_event_fn fn, void *arg)
{
	unsigned int want = o->events, attach = 0;
	struct vmlab__rodata *ro;
	unsigned int ring;
	bool track;
	size_t i, j;
	int err;

	memset(s, 0, sizeof(*s));
	s->epfd = -1;
	s->fn = fn;
	s->arg = arg;
	libbpf_verbose = o->verbose;
	libbpf_set_print(libbpf_print);

	/* the trace_kinds whose tracepoints exist */
	for (i = 0; i < trace_nkinds; i++) {
		const struct trace_kind *k = &trace_kinds[i];
		bool ok = true;

		if (!(want & VMT_BIT(k->type)))
			continue;
		for (j = 0; j < ARRAY_SIZE(k->tp) && k->tp[j]; j++)
			ok = ok && tracepoint_exists(k->tp[j]);
		if (ok) {
			attach |= VMT_BIT(k->type);
			continue;
		}
		if (!strncmp(k->tp[0], "vmlab/", 6) &&
		    access("/sys/module/vmlab", F_OK))
			return err_msg("no vmlab tracepoints: is the module loaded?");
		if (o->events_given)
			return err_msg("-e %s: %s/events/%s: no such tracepoint in "
				       "this kernel or module", k->name,
				       tracefs_root(), k->tp[0]);
	}
	if (!attach)
		return err_msg("nothing to trace");

	s->skel = vmlab__open();
	if (!s->skel)
		return err_errno("loading the BPF object: vmlab__open");
	ro = s->skel->rodata;
	ro->cfg.tgid = o->pid;
	ro->cfg.stream = o->stream ? attach : 0;
	ro->cfg.hist = o->hist;
	/*
	 * The reader polls every TRACE_POLL_MS anyway; a wakeup is for a
	 * ring that might fill before that: by default at a quarter of it
	 * (10082 records of 4 MiB, 100 ms of 100k faults/s).
	 */
	ring = (o->ring_mb ? o->ring_mb : TRACE_DEFAULT_RING_MB) << 20;
	ro->cfg.wakeup_bytes = o->batch ? o->batch * (sizeof(struct vmt_event) + 8) :
			       ring / 4;
	ro->cfg.off = ~attach;

	/*
	 * Without -p a process is traced once the module reports its first
	 * fault: the fault program tracks processes for pf and ktlb, and the
	 * exit program forgets them.
	 */
	track = !o->pid && (attach & (VMT_BIT(VMT_PF) | VMT_BIT(VMT_KTLB)));
	for (i = 0; i < trace_nkinds; i++)
		for (j = 0; j < ARRAY_SIZE(trace_kinds[i].prog) && trace_kinds[i].prog[j]; j++)
			set_autoload(s->skel, trace_kinds[i].prog[j],
				     attach & VMT_BIT(trace_kinds[i].type));
	if (track) {
		if (!tracepoint_exists(trace_kinds[0].tp[0])) {
			err_msg("-e pf,ktlb without -p need vmlab:vmlab_fault");
			goto fail;
		}
		set_autoload(s->skel, "vmlab_fault", true);
	}
	set_autoload(s->skel, "vmlab_exit", track);
	/* a ring nobody reads need not be large */
	bpf_map__set_max_entries(s->skel->maps.events, o->stream ? ring :
				 (unsigned int)getpagesize());

	err = vmlab__load(s->skel);
	if (err) {
		errno = -err;
		err_errno("loading the BPF programs (as root? -v shows the "
			  "verifier's log)");
		goto fail;
	}
	err = vmlab__attach(s->skel);
	if (err) {
		errno = -err;
		err_errno("attaching the BPF programs");
		goto fail;
	}
	if (o->stream) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
		int fd = bpf_map__fd(s->skel->maps.events);

		s->rb = ring_buffer__new(fd, ring_cb, s, NULL);
		if (!s->rb) {
			err_errno("ring_buffer__new");
			goto fail;
		}
		/*
		 * Our own edge-triggered epoll: libbpf's is level-triggered,
		 * ready whenever one record is queued, so a reader that keeps
		 * up would run once per record; edge-triggered, it runs when
		 * the programs wake it, once per batch.
		 */
		s->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (s->epfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			err_errno("epoll");
			goto fail;
		}
	}
	s->events = attach;
	return 0;
fail:
	trace_session_close(s);
	return 1;
}

int trace_session_poll(struct trace_session *s, int timeout_ms)
{
	int n;

	struct epoll_event ev;

	if (!s->rb)
		return timeout_ms > 0 ? usleep(timeout_ms * 1000), 0 : 0;
	/* woken once a batch is queued, or not: drain on the timeout too */
	if (epoll_wait(s->epfd, &ev, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	n = ring_buffer__consume(s->rb);
	return n < 0 && n != -EINTR ? n : 0;
}

void trace_session_detach(struct trace_session *s)
{
	if (!s->skel)
		return;
	vmlab__detach(s->skel);
	if (s->rb)
		ring_buffer__consume(s->rb);
}

void trace_session_close(struct trace_session *s)
{
	if (s->epfd >= 0)
		close(s->epfd);
	s->epfd = -1;
	ring_buffer__free(s->rb);
	s->rb = NULL;
	vmlab__destroy(s->skel);
	s->skel = NULL;
}

int trace_session_counts(struct trace_session *s, uint64_t c[VMT_COUNTERS])
{
	__u64 v[VMT_COUNTERS];
	__u32 zero = 0;
	int k;

	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.counts), &zero, v))
		return -1;
	for (k = 0; k < VMT_COUNTERS; k++)
		c[k] = v[k];
	return 0;
}

int trace_session_hist(struct trace_session *s, uint32_t key,
		       struct log2_hist *h, bool reset)
{
	int ncpu = libbpf_num_possible_cpus(), fd, i, k;
	struct vmt_hist *v;

	memset(h, 0, sizeof(*h));
	if (ncpu <= 0)
		return -1;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -1;
	fd = bpf_map__fd(s->skel->maps.hists);
	if (bpf_map_lookup_elem(fd, &key, v)) {
		free(v);
		return -1;
	}
	for (i = 0; i < ncpu; i++) {
		if (!v[i].count)
			continue;
		for (k = 0; k < VMT_HIST_SLOTS && k < HIST_SLOTS; k++)
			h->slot[k] += v[i].slot[k];
		if (!h->count || v[i].min < h->min)
			h->min = v[i].min;
		if (v[i].max > h->max)
			h->max = v[i].max;
		h->count += v[i].count;
		h->sum += v[i].sum;
	}
	if (reset) {
		memset(v, 0, ncpu * sizeof(*v));
		bpf_map_update_elem(fd, &key, v, BPF_ANY);
	}
	free(v);
	return 0;
}

unsigned int trace_default_events(void)
{
	unsigned int m = 0;
	size_t i;

	for (i = 0; i < trace_nkinds; i++)
		if (trace_kinds[i].def)
			m |= VMT_BIT(trace_kinds[i].type);
	return m;
}

const char *trace_kind_list(unsigned int mask, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < trace_nkinds && off < len; i++)
		if (mask & VMT_BIT(trace_kinds[i].type))
			off += snprintf(buf + off, len - off, "%s%s",
					off ? ", " : "", trace_kinds[i].name);
	return buf;
}
