// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - errors, number parsing, CPUs, time.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "util.h"

int err_msg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vmlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static const char *errno_hint(const char *what, int e)
{
	bool dev = strstr(what, VMLAB_DEV) != NULL;
	bool ioc = !strncmp(what, "VMLAB_", 6);

	switch (e) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		return dev ? " (is the module loaded?)" : "";
	case EACCES:
	case EPERM:
		return dev ? " (run as root, or load vmlab with dev_mode=0666)" : "";
	case ENOTTY:
		return ioc ? " (does the loaded module implement this ABI, version "
			     "1?)" : "";
	default:
		return "";
	}
}

int err_errno(const char *what)
{
	int e = errno;

	return err_msg("%s: %s%s", what, strerror(e), errno_hint(what, e));
}

int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int cpus_allowed(int *cpus, int max)
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (i = 0; i < CPU_SETSIZE && n < max; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	return n;
}

int bench_pin(int *cpu, int *other)
{
	int cpus[CPU_SETSIZE], n, i;
	bool ok = false;

	n = cpus_allowed(cpus, CPU_SETSIZE);
	if (n <= 0)
		return err_errno("sched_getaffinity");
	if (*cpu < 0)
		*cpu = cpus[0];
	*other = -1;
	for (i = 0; i < n; i++) {
		if (cpus[i] == *cpu)
			ok = true;
		else if (*other < 0)
			*other = cpus[i];
	}
	if (!ok)
		return err_msg("--cpu %d: not a CPU this process may run on", *cpu);
	if (pin_self(*cpu))
		return err_errno("sched_setaffinity");
	return 0;
}

void bench_progress(bool verbose, const char *what, unsigned int r,
		    unsigned int rounds, uint64_t t0)
{
	if (verbose)
		fprintf(stderr, "vmlab: %s round %u/%u done, %.1f s\n", what,
			r + 1, rounds, (now_ns() - t0) / 1e9);
}

uint64_t round_up_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p < (1ULL << 63))
		p <<= 1;
	return p;
}

const char *fmt_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	double d = v;

	while (u + 1 < ARRAY_SIZE(unit) && v && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	if (v < 10240 || u + 1 == ARRAY_SIZE(unit)) {
		snprintf(buf, len, "%" PRIu64 " %s", v, unit[u]);
		return buf;
	}
	/* not a round number: one decimal in the largest unit */
	for (u = 0; u + 1 < ARRAY_SIZE(unit) && d >= 1024; u++)
		d /= 1024;
	snprintf(buf, len, "%.1f %s", d, unit[u]);
	return buf;
}
