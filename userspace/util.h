/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - errors, numbers, time, CPUs.
 */
#ifndef _VMLAB_UTIL_H
#define _VMLAB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* "vmlab: <message>" on stderr; returns 1, the exit status of a failure */
int err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "vmlab: <what>: <strerror(errno)><hint>" with a hint for common errnos */
int err_errno(const char *what);

/* Strict unsigned parse: decimal or 0x-hex, no sign, no trailing junk. */
int parse_u64(const char *s, uint64_t *out);

uint64_t now_ns(void);			/* CLOCK_MONOTONIC */
int pin_self(int cpu);			/* sched_setaffinity of the caller */
int cpus_allowed(int *cpus, int max);	/* the allowed CPUs, in order */
/*
 * A benchmark's CPUs: *cpu (--cpu, or the first allowed one when negative)
 * must be allowed; *other becomes another allowed one, or -1.  Pins the
 * caller to *cpu.  0, or 1 after saying why on stderr.
 */
int bench_pin(int *cpu, int *other);
/* With @verbose, "vmlab: WHAT round R/ROUNDS done, S s" (since @t0) */
void bench_progress(bool verbose, const char *what, unsigned int r,
		    unsigned int rounds, uint64_t t0);
uint64_t round_up_pow2(uint64_t v);
/* "4 KiB", "256 MiB": @v bytes in the largest exact binary unit */
const char *fmt_bytes(uint64_t v, char *buf, size_t len);

#endif /* _VMLAB_UTIL_H */
