// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab trace`: vmlab's events live, through BPF.
 *
 * The programs (bpf/vmlab.bpf.c, embedded through the skeleton) sit on the
 * vmlab:* tracepoints and on the kernel's exceptions:page_fault_user and
 * tlb:tlb_flush.  They count every event into an array map, and, when
 * events are printed, send one record each to a BPF ring buffer which this
 * command reads in batches: every 100 ms, and when --batch records (a
 * quarter of the ring by default) are queued, the one record that reaches
 * that wakes it (it waits edge-triggered).  --hist has the programs
 * fill log2 latency histograms instead; an interval prints the counts (and
 * histograms) every so often; --pin leaves counting programs attached after
 * exit, for bpftool.
 *
 * Adding an event kind: a program in vmlab.bpf.c, its record and counters
 * in vmlab_trace.h, one line in kinds[] below, and its details in
 * print_event()/json_event()/print_counts().
 */
#include <errno.h>
#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "events.h"
#include "hist.h"
#include "json.h"
#include "names.h"
#include "pte.h"
#include "trace.h"
#include "util.h"
#include "vmlab.skel.h"

#define BPF_FS_MAGIC		0xcafe4a11
#define POLL_MS			100
#define DEFAULT_RING_MB		4
#define MAX_RING_MB		1024

/* ------------------------------------------------------------- kinds */

struct trace_kind {
	const char *name;		/* -e NAME */
	unsigned int type;		/* enum vmt_type */
	const char *tp[2];		/* its tracepoints, "system/event" */
	const char *prog[2];		/* its programs in vmlab.bpf.c */
	bool def;			/* traced without -e */
	const char *help;
};

static const struct trace_kind kinds[] = {
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

static const struct trace_kind *kind_of(unsigned int type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].type == type)
			return &kinds[i];
	return NULL;
}

const char *trace_event_names(void)
{
	static char buf[128];
	size_t i, off = 0;

	if (buf[0])
		return buf;
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? "," : "",
				kinds[i].name);
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
			for (i = 0; i < ARRAY_SIZE(kinds); i++)
				*mask |= VMT_BIT(kinds[i].type);
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(kinds); i++)
			if (!strcmp(tok, kinds[i].name))
				break;
		if (i == ARRAY_SIZE(kinds)) {
			snprintf(badbuf, sizeof(badbuf), "%s", tok);
			*bad = badbuf;
			free(copy);
			return -1;
		}
		*mask |= VMT_BIT(kinds[i].type);
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

static const char *const counter_names[VMT_COUNTERS] = {
#define X(e, f) [VMT_##e] = #f,
	VMT_COUNTER_LIST(X)
#undef X
};

/* The counters each kind owns: [first, last] */
static void kind_counters(unsigned int type, int *first, int *last)
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

	/* the kinds whose tracepoints exist */
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		const struct trace_kind *k = &kinds[i];
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
	 * The reader polls every POLL_MS anyway; a wakeup is for a ring that
	 * might fill before that: by default at a quarter of it (10082
	 * records of 4 MiB, 100 ms of 100k faults/s).
	 */
	ring = (o->ring_mb ? o->ring_mb : DEFAULT_RING_MB) << 20;
	ro->cfg.wakeup_bytes = o->batch ? o->batch * (sizeof(struct vmt_event) + 8) :
			       ring / 4;
	ro->cfg.off = ~attach;

	/*
	 * Without -p a process is traced once the module reports its first
	 * fault: the fault program tracks processes for pf and ktlb, and the
	 * exit program forgets them.
	 */
	track = !o->pid && (attach & (VMT_BIT(VMT_PF) | VMT_BIT(VMT_KTLB)));
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		for (j = 0; j < ARRAY_SIZE(kinds[i].prog) && kinds[i].prog[j]; j++)
			set_autoload(s->skel, kinds[i].prog[j],
				     attach & VMT_BIT(kinds[i].type));
	if (track) {
		if (!tracepoint_exists(kinds[0].tp[0])) {
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

/* Sum the per-CPU histograms of @key; reset them if @reset. */
static int session_hist(struct trace_session *s, __u32 key,
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

/* --------------------------------------------------------------- pins */

static const char *const pinned_maps[] = { "counts", "hists", "procs" };

static int on_bpffs(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == BPF_FS_MAGIC;
}

static int parent_on_bpffs(const char *dir)
{
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	while ((slash = strrchr(parent, '/')) && slash[1] == '\0' && slash != parent)
		*slash = '\0';
	slash = strrchr(parent, '/');
	if (!slash)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	return on_bpffs(parent);
}

int trace_pin(struct trace_session *s, const char *dir)
{
	struct bpf_object_skeleton *sk = s->skel->skeleton;
	char path[PATH_MAX];
	size_t i;
	int n;

	if (!parent_on_bpffs(dir))
		return err_msg("--pin %s: not in a BPF filesystem (mount -t bpf "
			       "bpf /sys/fs/bpf)", dir);
	if (mkdir(dir, 0700))
		return err_errno(dir);
	for (i = 0; i < ARRAY_SIZE(pinned_maps); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(s->skel->obj,
								 pinned_maps[i]);

		snprintf(path, sizeof(path), "%s/%s", dir, pinned_maps[i]);
		if (!m || bpf_map__pin(m, path))
			goto fail;
	}
	for (n = 0; n < sk->prog_cnt; n++) {
		struct bpf_link *l = *sk->progs[n].link;

		if (!l)
			continue;
		snprintf(path, sizeof(path), "%s/link_%s", dir, sk->progs[n].name);
		if (bpf_link__pin(l, path))
			goto fail;
	}
	return 0;
fail:
	err_errno(path);
	trace_unpin(dir);
	return 1;
}

int trace_unpin(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *d;
	int ret = 0;
	size_t i;
	DIR *dp;

	if (!on_bpffs(dir))
		return access(dir, F_OK) ? err_errno(dir) :
		       err_msg("--unpin %s: not in a BPF filesystem", dir);
	dp = opendir(dir);
	if (!dp)
		return err_errno(dir);
	/* only what trace_pin() makes: DIR may not be ours alone */
	while ((d = readdir(dp))) {
		bool ours = !strncmp(d->d_name, "link_", 5);

		for (i = 0; i < ARRAY_SIZE(pinned_maps); i++)
			ours = ours || !strcmp(d->d_name, pinned_maps[i]);
		if (!ours)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (unlink(path))
			ret = err_errno(path);
	}
	closedir(dp);
	if (rmdir(dir))
		ret = err_errno(dir);
	return ret;
}

/* ------------------------------------------------------------- output */

struct trace_args {
	struct trace_opts o;
	bool timestamp;		/* -T */
	bool hist;		/* --hist */
	const char *pin, *unpin;
	uint64_t interval;	/* seconds, 0: none */
	uint64_t count;		/* intervals, 0: until Ctrl-C */
	int nargs;
};

struct trace_run {
	struct trace_args *a;
	struct trace_session s;
	uint64_t t0;		/* CLOCK_MONOTONIC at attach */
	uint64_t prev[VMT_COUNTERS];	/* at the last interval */
	uint64_t lost_reported;
	bool header;
	FILE *out;
};

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

static void print_header(struct trace_run *r)
{
	if (r->a->timestamp)
		fprintf(r->out, "%-10s ", "TIME(s)");
	fprintf(r->out, "%-16s %-7s %-7s %-3s %-5s %s\n", "COMM", "PID", "TID",
		"CPU", "EVENT", "DETAILS");
}

/*
 * A line built by hand and written with one fwrite: printf costs about a
 * microsecond a record, twenty under TCG, and the reader must keep up
 * with the fault path.
 */
struct line {
	char *p, *end;
	char buf[384];
};

static void ln_init(struct line *l)
{
	l->p = l->buf;
	l->end = l->buf + sizeof(l->buf) - 1;
}

static void ln_c(struct line *l, char c)
{
	if (l->p < l->end)
		*l->p++ = c;
}

static void ln_s(struct line *l, const char *s)
{
	while (*s && l->p < l->end)
		*l->p++ = *s++;
}

/* at most @n characters of @s (not NUL-terminated within @n, like comm) */
static void ln_sn(struct line *l, const char *s, size_t n)
{
	while (n-- && *s && l->p < l->end)
		*l->p++ = *s++;
}

/* spaces up to column @width of the field that started at @from, then one */
static void ln_pad(struct line *l, const char *from, int width)
{
	while (l->p < from + width && l->p < l->end)
		*l->p++ = ' ';
	ln_c(l, ' ');
}

static int ln_digits(uint64_t v, char *t)
{
	int n = 0;

	do
		t[n++] = (char)('0' + v % 10);
	while (v /= 10);
	return n;
}

/* @v in decimal, right-aligned in @width */
static void ln_u(struct line *l, uint64_t v, int width)
{
	char t[20];
	int n = ln_digits(v, t);

	while (width-- > n)
		ln_c(l, ' ');
	while (n)
		ln_c(l, t[--n]);
}

/* @v in decimal, zero-padded to @width */
static void ln_u0(struct line *l, uint64_t v, int width)
{
	char t[20];
	int n = ln_digits(v, t);

	while (width-- > n)
		ln_c(l, '0');
	while (n)
		ln_c(l, t[--n]);
}

/* "0x" and @v in hex, at least @digits digits */
static void ln_x(struct line *l, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char t[16];
	int n = 0;

	do {
		t[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	ln_s(l, "0x");
	while (digits-- > n)
		ln_c(l, '0');
	while (n)
		ln_c(l, t[--n]);
}

/* printf for the rare records */
static void ln_f(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ln_f(struct line *l, const char *fmt, ...)
{
	size_t room = l->end - l->p;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->p, room + 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->p += (size_t)n < room ? (size_t)n : room;
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

static void print_event(struct trace_run *r, const struct vmt_event *e)
{
	const struct trace_kind *k = kind_of(e->type);
	struct line l;
	char buf[96], *at;

	ln_init(&l);
	if (r->a->timestamp) {
		uint64_t t = e->time_ns >= r->t0 ? e->time_ns - r->t0 : 0;
		uint64_t us = t / 1000 % 1000000;

		at = l.p;
		ln_u(&l, t / 1000000000, 0);
		ln_c(&l, '.');
		ln_u0(&l, us, 6);
		ln_pad(&l, at, 10);
	}
	at = l.p;
	ln_sn(&l, e->comm, sizeof(e->comm));
	ln_pad(&l, at, 16);
	at = l.p;
	ln_u(&l, e->tgid, 0);
	ln_pad(&l, at, 7);
	at = l.p;
	ln_u(&l, e->pid, 0);
	ln_pad(&l, at, 7);
	at = l.p;
	ln_u(&l, e->cpu, 0);
	ln_pad(&l, at, 3);
	at = l.p;
	ln_s(&l, k ? k->name : "?");
	ln_pad(&l, at, 5);
	switch (e->type) {
	case VMT_FAULT:
		ln_s(&l, "inst ");
		ln_u(&l, e->inst, 0);
		ln_c(&l, ' ');
		at = l.p;
		ln_s(&l, fault_kind_name(e->fault.kind));
		ln_pad(&l, at, 7);
		at = l.p;
		ln_access(&l, e->fault.access);
		ln_pad(&l, at, 10);
		ln_x(&l, e->fault.addr, 12);
		ln_s(&l, " pgoff ");
		at = l.p;
		ln_u(&l, e->fault.pgoff, 0);
		ln_pad(&l, at, 6);
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
		if (e->tlb.origin == VMLAB_TLB_MODULE)
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
		ln_s(&l, tlb_reason_name(VMLAB_TLB_KERNEL, e->tlb.reason));
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
	ln_c(&l, '\n');
	fwrite_unlocked(l.buf, 1, l.p - l.buf, r->out);
}

static void json_event(struct trace_run *r, const struct vmt_event *e)
{
	const struct trace_kind *k = kind_of(e->type);
	char comm[sizeof(e->comm) + 1];
	unsigned int l;
	struct jw w;

	memcpy(comm, e->comm, sizeof(e->comm));
	comm[sizeof(e->comm)] = '\0';
	jw_init(&w, r->out);
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
						     e->tlb.origin : VMLAB_TLB_KERNEL,
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

static int on_event(const struct vmt_event *e, void *arg)
{
	struct trace_run *r = arg;

	if (opt_json) {
		json_event(r, e);
		return 0;
	}
	if (!r->header) {
		print_header(r);
		r->header = true;
	}
	print_event(r, e);
	return 0;
}

static void print_counts(struct trace_run *r, const uint64_t *c)
{
	unsigned int attached = r->s.events;
	FILE *f = r->out;
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
				tlb_reason_name(VMLAB_TLB_KERNEL, k -
						VMT_KTLB_REMOTE_SHOOTDOWN +
						VMLAB_TLB_REMOTE_SHOOTDOWN),
				c[k]);
		fputc('\n', f);
	}
}

static void json_counts(struct jw *w, struct trace_run *r, const uint64_t *c)
{
	const struct trace_kind *k;
	int i, first, last;
	size_t n;

	jw_obj(w, "counts");
	for (n = 0; n < ARRAY_SIZE(kinds); n++) {
		k = &kinds[n];
		if (!(r->s.events & VMT_BIT(k->type)))
			continue;
		kind_counters(k->type, &first, &last);
		for (i = first; i <= last; i++)
			jw_u64(w, counter_names[i], c[i]);
	}
	jw_end(w);
}

static const char *clock_str(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	strftime(buf, len, "%H:%M:%S", localtime_r(&t, &tm));
	return buf;
}

/* The histograms: key, the kind whose programs fill it, its name */
static const struct {
	__u32 key;
	unsigned int type;
	const char *name;
} hist_keys[] = {
	{ VMLAB_FAULT_ZERO, VMT_FAULT, "fault_zero" },
	{ VMLAB_FAULT_MINOR, VMT_FAULT, "fault_minor" },
	{ VMLAB_FAULT_UPGRADE, VMT_FAULT, "fault_upgrade" },
	{ VMLAB_FAULT_SWAPIN, VMT_FAULT, "fault_swapin" },
	{ VMLAB_FAULT_SOFT, VMT_FAULT, "fault_soft" },
	{ VMT_HIST_EVICT, VMT_EVICT, "evict" },
	{ VMT_HIST_SWAP_OUT, VMT_SWAP, "swap_out" },
	{ VMT_HIST_SWAP_IN, VMT_SWAP, "swap_in" },
};

static void print_hists(struct trace_run *r, struct jw *w, bool reset)
{
	struct log2_hist h;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hist_keys); i++) {
		if (!(r->s.events & VMT_BIT(hist_keys[i].type)) ||
		    session_hist(&r->s, hist_keys[i].key, &h, reset) || !h.count)
			continue;
		if (w) {
			jw_obj(w, NULL);
			jw_str(w, "kind", hist_keys[i].name);
			hist_json(w, "latency_ns", &h);
			jw_end(w);
			continue;
		}
		fprintf(r->out, "\nlatency, kind = %s\n", hist_keys[i].name);
		hist_print(&h, "nsecs", r->out);
	}
}

/* An interval's or the final report: counts since @base, histograms */
static void report(struct trace_run *r, const uint64_t *now, const uint64_t *base,
		   bool final, uint64_t interval_no)
{
	uint64_t d[VMT_COUNTERS];
	char clk[16];
	struct jw w;
	int i;

	for (i = 0; i < VMT_COUNTERS; i++)
		d[i] = now[i] - base[i];
	if (opt_json) {
		jw_init(&w, r->out);
		jw_obj(&w, NULL);
		jw_str(&w, "type", final ? "summary" : "interval");
		if (!final)
			jw_u64(&w, "interval", interval_no);
		if (r->a->timestamp)
			jw_str(&w, "time", clock_str(clk, sizeof(clk)));
		jw_dbl(&w, "elapsed_s", (now_ns() - r->t0) / 1e9);
		jw_u64(&w, "records", r->s.records);
		jw_u64(&w, "lost", d[VMT_LOST]);
		json_counts(&w, r, d);
		if (r->a->hist && !(final && r->a->interval)) {
			jw_arr(&w, "hists");
			print_hists(r, &w, !final);
			jw_end(&w);
		}
		jw_finish(&w);
		return;
	}
	if (r->a->hist && !(final && r->a->interval))
		print_hists(r, NULL, !final);
	if (r->a->timestamp || final)
		fprintf(r->out, "\n%s%s%s\n", r->a->timestamp ?
			clock_str(clk, sizeof(clk)) : "",
			r->a->timestamp && final ? " " : "",
			final ? "Total:" : "");
	else if (r->a->hist || interval_no > 1)
		fputc('\n', r->out);
	print_counts(r, d);
	if (final && r->s.rb)
		fprintf(r->out, "  records %" PRIu64 " printed, %" PRIu64 " lost\n",
			r->s.records, d[VMT_LOST]);
	fflush(r->out);
}

/* ------------------------------------------------------------ command */

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = 1;
}

static const char trace_doc[] =
"Trace vmlab's events live with BPF: faults the module handles, page-table\n"
"walks, TLB flushes, evictions and swaps, and the kernel's own page faults\n"
"and TLB flushes in the processes that use vmlab.  Prints one line per\n"
"event until Ctrl-C, then the counts; with an interval, the counts every\n"
"INTERVAL seconds (COUNT times); with --hist, log2 histograms of fault,\n"
"eviction and swap latency by kind.\n"
"Lost events (the ring buffer full) are counted and reported on stderr.\n"
"\n"
"EVENTS (-e, default fault,tlb,evict,swap):\n"
"  fault   faults the module handled, by kind (vmlab:vmlab_fault)\n"
"  walk    the page-table walk after each fault (vmlab:vmlab_walk); the\n"
"          module walks only while this is traced\n"
"  tlb     TLB flushes of vmlab memory: the module's unmaps and the\n"
"          kernel's flushes of its mms (vmlab:vmlab_tlb_flush)\n"
"  evict   pages evicted, by policy and action (vmlab:vmlab_evict)\n"
"  swap    pages written to and read back from the store\n"
"          (vmlab:vmlab_swap_out, vmlab:vmlab_swap_in)\n"
"  pf      the kernel's user page faults, in vmlab VMAs or elsewhere, of\n"
"          traced processes (exceptions:page_fault_user)\n"
"  ktlb    the kernel's TLB flushes in traced processes (tlb:tlb_flush)\n"
"  all     every one of these\n"
"Kinds the loaded module lacks are left out of the default set.\n"
"Without -p, a process is traced (pf, ktlb) from its first fault on vmlab\n"
"memory; -p PID also drops flushes, evictions and swaps done by other\n"
"tasks (a remote shootdown, the writeback worker).\n"
"\v"
"EXAMPLES:\n"
"  vmlab trace                  # faults, flushes, evictions until Ctrl-C\n"
"  vmlab trace -T -p 181        # only PID 181, with timestamps\n"
"  vmlab trace -e fault,walk    # faults with their page-table walks\n"
"  vmlab trace -j > trace.json  # JSON lines, then a summary line\n"
"  vmlab trace 1 10             # counts every second, 10 times\n"
"  vmlab trace --hist           # latency histograms by kind\n"
"  vmlab trace --hist 5         # ... every 5 seconds\n"
"  vmlab trace -e all 1         # the kernel's view beside the module's\n"
"  vmlab trace --pin /sys/fs/bpf/vmlab -e all   # count in the background:\n"
"  bpftool map dump pinned /sys/fs/bpf/vmlab/counts\n"
"  vmlab trace --unpin /sys/fs/bpf/vmlab        # ... and stop\n";

enum {
	OPT_HIST = 0x100,
	OPT_PIN,
	OPT_UNPIN,
	OPT_BATCH,
	OPT_RING,
};

static const struct argp_option trace_opts[] = {
	{ "pid", 'p', "PID", 0, "Trace this process only", 0 },
	{ "events", 'e', "LIST", 0,
	  "Event kinds, comma-separated (default fault,tlb,evict,swap)", 0 },
	{ "timestamp", 'T', NULL, 0, "Print a timestamp on each event and report", 0 },
	{ "json", 'j', NULL, 0, "Print JSON lines instead of text", 0 },
	{ "hist", OPT_HIST, NULL, 0,
	  "Print log2 histograms of latency by kind, not events", 0 },
	{ "pin", OPT_PIN, "DIR", 0,
	  "Attach counting programs, pin them and their maps under DIR "
	  "(bpffs) and exit, leaving them running", 0 },
	{ "unpin", OPT_UNPIN, "DIR", 0,
	  "Detach what --pin DIR left running and remove DIR", 0 },
	{ "batch", OPT_BATCH, "N", 0,
	  "Wake the reader once N records are queued (default: a quarter of "
	  "the ring); it also reads every 100 ms", 0 },
	{ "ring-mb", OPT_RING, "MB", 0,
	  "Ring buffer size in MiB, a power of two (default 4)", 0 },
	{ "verbose", 'v', NULL, 0, "Print libbpf's messages", 0 },
	{},
};

static error_t trace_parse(int key, char *arg, struct argp_state *state)
{
	struct trace_args *a = state->input;
	const char *bad;

	switch (key) {
	case 'p':
		a->o.pid = arg_u64(state, "--pid", arg, 1, INT32_MAX);
		break;
	case 'e':
		if (trace_parse_events(arg, &a->o.events, &bad))
			argp_error(state, "-e: unknown event kind '%s'; kinds: %s,all",
				   bad, trace_event_names());
		a->o.events_given = true;
		break;
	case 'T':
		a->timestamp = true;
		break;
	case 'j':
		opt_json = true;
		break;
	case OPT_HIST:
		a->hist = true;
		break;
	case OPT_PIN:
		a->pin = arg;
		break;
	case OPT_UNPIN:
		a->unpin = arg;
		break;
	case OPT_BATCH:
		a->o.batch = arg_u64(state, "--batch", arg, 1, 1 << 20);
		break;
	case OPT_RING:
		a->o.ring_mb = arg_u64(state, "--ring-mb", arg, 1, MAX_RING_MB);
		if (a->o.ring_mb & (a->o.ring_mb - 1))
			argp_error(state, "--ring-mb %s: not a power of two", arg);
		break;
	case 'v':
		a->o.verbose = true;
		break;
	case ARGP_KEY_ARG:
		if (a->nargs == 0)
			a->interval = arg_u64(state, "interval", arg, 1, 86400);
		else if (a->nargs == 1)
			a->count = arg_u64(state, "count", arg, 1, UINT32_MAX);
		else
			argp_error(state, "too many arguments");
		a->nargs++;
		break;
	case ARGP_KEY_END:
		if (a->pin && a->unpin)
			argp_error(state, "--pin and --unpin together");
		if ((a->pin || a->unpin) && a->nargs)
			argp_error(state, "--pin and --unpin take no interval");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static unsigned int default_events(void)
{
	unsigned int m = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].def)
			m |= VMT_BIT(kinds[i].type);
	return m;
}

static const char *kind_list(unsigned int mask, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(kinds) && off < len; i++)
		if (mask & VMT_BIT(kinds[i].type))
			off += snprintf(buf + off, len - off, "%s%s",
					off ? ", " : "", kinds[i].name);
	return buf;
}

static void say_pinned(struct trace_run *r, const char *dir)
{
	struct bpf_object_skeleton *sk = r->s.skel->skeleton;
	int n;

	if (opt_json) {
		struct jw w;

		jw_init(&w, stdout);
		jw_obj(&w, NULL);
		jw_str(&w, "pinned", dir);
		jw_arr(&w, "links");
		for (n = 0; n < sk->prog_cnt; n++)
			if (*sk->progs[n].link)
				jw_str(&w, NULL, sk->progs[n].name);
		jw_end(&w);
		jw_finish(&w);
		return;
	}
	printf("Pinned under %s, attached and counting:\n", dir);
	for (n = 0; n < sk->prog_cnt; n++)
		if (*sk->progs[n].link)
			printf("  %s/link_%s\n", dir, sk->progs[n].name);
	printf("  %s/counts   (bpftool map dump pinned %s/counts)\n", dir, dir);
	printf("  %s/hists\n  %s/procs\n", dir, dir);
	printf("Stop with: vmlab trace --unpin %s\n", dir);
}

static void check_lost(struct trace_run *r, const uint64_t *c)
{
	if (c[VMT_LOST] <= r->lost_reported)
		return;
	fflush(r->out);
	fprintf(stderr, "vmlab trace: %" PRIu64 " events lost: the ring buffer "
		"was full (try --ring-mb, fewer -e kinds, or an interval)\n",
		c[VMT_LOST] - r->lost_reported);
	r->lost_reported = c[VMT_LOST];
}

int cmd_trace(int argc, char **argv)
{
	static const struct argp argp = {
		.options = trace_opts,
		.parser = trace_parse,
		.args_doc = "[INTERVAL [COUNT]]",
		.doc = trace_doc,
	};
	struct trace_args a = { .o.ring_mb = DEFAULT_RING_MB };
	static struct trace_run r;
	uint64_t c[VMT_COUNTERS], next = 0, n = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	char names[128];
	int ret = 0, err;

	sub_argp_parse(&argp, "trace", argc, argv, &a);
	if (a.unpin)
		return trace_unpin(a.unpin);
	if (!a.o.events)
		a.o.events = default_events();
	if (a.o.pid && kill(a.o.pid, 0) && errno == ESRCH)
		return err_msg("-p %d: no such process", a.o.pid);
	a.o.hist = a.hist;
	a.o.stream = !a.pin && !a.hist && !a.interval;

	r.a = &a;
	r.out = stdout;
	if (trace_session_open(&r.s, &a.o, on_event, &r))
		return 1;
	r.t0 = now_ns();

	if (a.pin) {
		ret = trace_pin(&r.s, a.pin);
		if (!ret)
			say_pinned(&r, a.pin);
		trace_session_close(&r.s);
		return ret;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "Tracing vmlab events (%s)%s... Hit Ctrl-C to end.\n",
		kind_list(r.s.events, names, sizeof(names)),
		a.pin ? "" : a.hist ? ", latency histograms" :
		a.interval ? ", counts every interval" : "");
	memset(r.prev, 0, sizeof(r.prev));
	if (a.interval)
		next = r.t0 + a.interval * 1000000000ULL;
	while (!exiting) {
		int timeout = POLL_MS;

		if (a.interval) {
			uint64_t t = now_ns();

			if (t >= next) {
				timeout = 0;
			} else if ((next - t) / 1000000 < POLL_MS) {
				timeout = (next - t) / 1000000 + 1;
			}
		}
		err = trace_session_poll(&r.s, timeout);
		if (err) {
			errno = -err;
			ret = err_errno("reading the ring buffer");
			break;
		}
		fflush(r.out);
		if (trace_session_counts(&r.s, c)) {
			ret = err_errno("reading the counters");
			break;
		}
		check_lost(&r, c);
		if (a.interval && now_ns() >= next) {
			report(&r, c, r.prev, false, ++n);
			memcpy(r.prev, c, sizeof(c));
			next += a.interval * 1000000000ULL;
			if (a.count && n >= a.count)
				break;
		}
	}

	/* detach first: the counts and the records then describe the same events */
	trace_session_detach(&r.s);
	if (trace_session_counts(&r.s, c)) {
		ret = err_errno("reading the counters");
	} else {
		static const uint64_t zero[VMT_COUNTERS];

		check_lost(&r, c);
		report(&r, c, zero, true, n);
	}
	trace_session_close(&r.s);
	return ret;
}
