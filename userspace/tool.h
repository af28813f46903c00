/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - definitions shared by the command's files.
 *
 *   vmlab.c    main: global options, command dispatch
 *   util.c     errors, number parsing, the device and its ioctls, CPUs, time
 *   json.c     a small streaming JSON writer
 *   hist.c     log2 histograms
 *   events.c   decoding and printing of event records, stats, PTE flags
 *   pattern.c  access-pattern generators (seq, rand, ...)
 *   info.c     vmlab info
 *   walk.c     vmlab walk
 *   run.c      vmlab run: the experiment (and --compare, with sim.c)
 *   simulate.c vmlab simulate: the reference simulator (sim.c) on a string
 *   bench.c    vmlab bench fault
 *   bench_evict.c  vmlab bench evict: swapping against the kernel's swap
 *
 * The ABI is include/uapi/linux/vmlab.h; nothing here redefines it.
 */
#ifndef _VMLAB_TOOL_H
#define _VMLAB_TOOL_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/vmlab.h>

#include "names.h"

#define VMLAB_DEV "/dev/vmlab"

/* The records `run` and `bench` ask for: faults and TLB flushes */
#define EV_FAULT_TLB (VMLAB_EV_BIT(VMLAB_EV_FAULT) | VMLAB_EV_BIT(VMLAB_EV_TLB))

/* ------------------------------------------------------------- globals */

/* -j/--json, before the command or after it */
extern bool opt_json;

/* Parse a subcommand's arguments: argv[0] is the command's name. */
void sub_argp_parse(const struct argp *argp, const char *name, int argc,
		    char **argv, void *input);

/* The commands: argc/argv start at the command's name. */
int cmd_info(int argc, char **argv);
int cmd_walk(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_trace(int argc, char **argv);	/* trace.c */
int cmd_bench_trace(int argc, char **argv);	/* bench_trace.c */
int cmd_bench_evict(int argc, char **argv);	/* bench_evict.c */
int cmd_simulate(int argc, char **argv);	/* simulate.c */

/* ---------------------------------------------------------------- util */

/* "vmlab: <message>" on stderr; returns 1, the exit status of a failure */
int err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "vmlab: <what>: <strerror(errno)><hint>" with a hint for common errnos */
int err_errno(const char *what);

/* Strict unsigned parse: decimal or 0x-hex, no sign, no trailing junk. */
int parse_u64(const char *s, uint64_t *out);
/* Like parse_u64, within [min, max]; argp_error() with @opt's name if not. */
uint64_t arg_u64(struct argp_state *state, const char *opt, const char *s,
		 uint64_t min, uint64_t max);

/* Open /dev/vmlab; prints why on failure and returns -1. */
int vmlab_open(int flags);
/* The ioctls; each sets ->size itself and prints why on failure (-1). */
int vmlab_get_info(int fd, struct vmlab_info *info);
/* Does the module speak our ABI (version, record size, page size)? 0 or 1 */
int vmlab_info_check(const struct vmlab_info *info);
/* vmlab_open() + vmlab_get_info() + vmlab_info_check(): fd or -1 */
int vmlab_open_info(int flags, struct vmlab_info *info);
int vmlab_get_config(int fd, struct vmlab_config *cfg);
int vmlab_set_config(int fd, struct vmlab_config *cfg);
int vmlab_get_stats(int fd, struct vmlab_stats *st);
int vmlab_reset_stats(int fd);
int vmlab_walk(int fd, uint64_t addr, struct vmlab_walk *w);
/* @backing_fd, or -1 for the memory store; @what names it in errors */
int vmlab_set_backing(int fd, int backing_fd, const char *what);
/* The module's version from sysfs into @buf, or -errno */
int vmlab_module_version(char *buf, size_t len);

uint64_t now_ns(void);			/* CLOCK_MONOTONIC */
int pin_self(int cpu);			/* sched_setaffinity of the caller */
int cpus_allowed(int *cpus, int max);	/* the allowed CPUs, in order */
/*
 * A benchmark's CPUs: *cpu (--cpu, or the first allowed one when negative)
 * must be allowed; *other becomes another allowed one, or -1.  Pins the
 * caller to *cpu.  0, or 1 after saying why on stderr.
 */
int bench_pin(int *cpu, int *other);
uint64_t round_up_pow2(uint64_t v);
/* "4 KiB", "256 MiB": @v bytes in the largest exact binary unit */
const char *fmt_bytes(uint64_t v, char *buf, size_t len);

/* ---------------------------------------------------------------- json */

#define JW_MAX_DEPTH 16

/*
 * A streaming JSON writer: values are written as they come, commas and
 * nesting are tracked.  @key is used inside objects and ignored in arrays
 * and at the top level.
 */
struct jw {
	FILE *f;
	int depth;
	bool comma[JW_MAX_DEPTH];
	char close[JW_MAX_DEPTH];
};

void jw_init(struct jw *w, FILE *f);
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
void jw_end(struct jw *w);
/* close everything still open, end the line and flush */
void jw_finish(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *s);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
void jw_dbl(struct jw *w, const char *key, double v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
/* a 64-bit value as a "0x..." string: addresses and raw entries */
void jw_hex(struct jw *w, const char *key, uint64_t v);

/* ---------------------------------------------------------------- hist */

#define HIST_SLOTS 64

struct log2_hist {
	uint64_t slot[HIST_SLOTS];	/* slot i: values in [2^(i-1), 2^i) */
	uint64_t count, sum, min, max;
};

void hist_add(struct log2_hist *h, uint64_t v);
/* bcc-style "unit : count distribution" table */
void hist_print(const struct log2_hist *h, const char *unit, FILE *f);
void hist_json(struct jw *w, const char *key, const struct log2_hist *h);

/* -------------------------------------------------------------- events */

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

/* vmlab_stats.faults_zero + faults_swapin: references that missed */
uint64_t stats_misses(const struct vmlab_stats *st);
/* "P RW US A D -- - NX": fixed columns; PS only at PUD/PMD */
char *pte_flags_str(uint64_t entry, unsigned int level, char *buf, size_t len);
void pte_flags_json(struct jw *w, const char *key, uint64_t entry,
		    unsigned int level);
/* The frame an entry points to (the next table, or the page at a leaf) */
uint64_t pte_frame(uint64_t entry, unsigned int level);
/* Does this level exist with @levels levels of paging? */
bool level_folded(unsigned int level, unsigned int levels);
/* The index of @addr's entry in the table at @level (0 where folded) */
unsigned int level_index(uint64_t addr, unsigned int level, unsigned int levels);

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

void stats_print(const struct vmlab_stats *st, FILE *f);
void stats_json(struct jw *w, const char *key, const struct vmlab_stats *st);

/* ------------------------------------------------------------- pattern */

/*
 * An access pattern: a generator of page indices in [0, pages).  Patterns
 * are named by a spec "NAME[:FILE]" (trace:FILE takes one); add one by
 * adding an entry to the table in pattern.c.
 */
struct pattern;

/* The largest region and reference string a pattern makes */
#define PATTERN_MAX_PAGES (1ULL << 32)
#define PATTERN_MAX_REFS (1ULL << 28)

struct pattern_ops {
	const char *name;
	const char *help;
	bool takes_arg;
	bool sizes_itself;	/* pages 0: the pattern knows the region */
	unsigned int passes;	/* default length: passes x pages (0: 1) */
	int (*init)(struct pattern *p, const char *arg);
	bool (*next)(struct pattern *p, uint64_t *page);
	void (*fini)(struct pattern *p);
};

struct pattern {
	const struct pattern_ops *ops;
	uint64_t pages;		/* the region, in pages */
	uint64_t length;	/* references to generate */
	uint64_t done;		/* references generated */
	uint64_t rng;		/* PRNG state, from the seed */
	uint64_t *perm;		/* a permutation of the pages, if needed */
	void *priv;		/* a pattern's own state */
};

/* Find a pattern by spec; NULL if unknown.  *@arg gets the ARG part. */
const struct pattern_ops *pattern_lookup(const char *spec, const char **arg);
/* argp_error() unless @spec names a pattern, with its argument if any */
void arg_pattern(struct argp_state *state, const char *spec);
/* "seq, rand, ..., trace:FILE" for help and error messages */
const char *pattern_names(void);
/*
 * @pages 0: the pattern sizes the region itself (trace), or fails;
 * @length 0: the pattern's default.  Prints why on failure: 0 or -1.
 */
int pattern_init(struct pattern *p, const char *spec, uint64_t pages,
		 uint64_t length, uint64_t seed);
bool pattern_next(struct pattern *p, uint64_t *page);
void pattern_fini(struct pattern *p);
/*
 * The whole reference string of a pattern, malloc()ed; *@pages and
 * *@length as pattern_init() takes them, and updated.  NULL (and why on
 * stderr) on failure.
 */
uint64_t *pattern_refs(const char *spec, uint64_t *pages, uint64_t *length,
		       uint64_t seed);
uint64_t rng_next(uint64_t *state);

/* ---------------------------------------------------------- experiment */

enum access_mode {
	ACCESS_READ,		/* load one byte of each page */
	ACCESS_WRITE,		/* store one byte */
	ACCESS_READ_WRITE,	/* load, then store: zero-fill + write-upgrade */
};

const char *access_name(enum access_mode a);

/*
 * One experiment on one instance: the parameters `vmlab run` takes, the
 * instance it sets up, and what came out.  Later commands (frames, policy,
 * backing file, simulate) add parameters here and steps to exp_*().
 */
struct experiment {
	/* parameters */
	uint64_t pages;		/* region, in pages */
	uint64_t touches;	/* references; 0 = one per page */
	const char *pattern;	/* pattern spec */
	uint64_t seed;
	enum access_mode access;
	bool events;		/* record faults and TLB flushes */
	bool walk;		/* ... with the page-table walk */
	uint32_t ring_records;	/* 0 = large enough for the run, if allowed */
	bool pages_given;	/* --pages: else trace:FILE sizes the region */
	uint64_t frames;	/* frame budget; 0 = none */
	uint32_t policy;	/* enum vmlab_policy */
	bool clock_flush;	/* VMLAB_CFG_CLOCK_FLUSH */
	uint32_t tlb_window;	/* software TLB, pages; 0 = off */
	uint32_t evict_batch;	/* victims evicted together; 0 = one */
	const char *backing;	/* backing file; NULL = the memory store */

	/* the reference string, made by exp_prepare() */
	uint64_t *refs;
	uint64_t nrefs;

	/* the instance */
	int fd;
	struct vmlab_info info;
	struct vmlab_config cfg;
	unsigned char *map;
	size_t len;

	/* results */
	uint64_t references;
	uint64_t elapsed_ns;
	struct vmlab_stats stats;
};

void exp_defaults(struct experiment *e);
int exp_prepare(struct experiment *e);	/* the pattern's reference string */
int exp_setup(struct experiment *e);	/* open, check, configure, mmap */
int exp_touch(struct experiment *e);	/* make the references */
int exp_collect(struct experiment *e);	/* stats */
void exp_teardown(struct experiment *e);

/* Touch one byte of @p; volatile so the compiler keeps every access */
static inline void touch_page(unsigned char *p, enum access_mode a)
{
	volatile unsigned char *v = p;

	switch (a) {
	case ACCESS_READ:
		(void)*v;
		break;
	case ACCESS_WRITE:
		*v = 1;
		break;
	case ACCESS_READ_WRITE:
		(void)*v;
		*v = 1;
		break;
	}
}

#endif /* _VMLAB_TOOL_H */
