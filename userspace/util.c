// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - errors, number parsing, the device and its ioctls, CPUs, time.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

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

uint64_t arg_u64(struct argp_state *state, const char *opt, const char *s,
		 uint64_t min, uint64_t max)
{
	uint64_t v;
	int err = parse_u64(s, &v);

	if (err == -ERANGE)
		argp_error(state, "%s '%s': too large", opt, s);
	else if (err)
		argp_error(state, "%s '%s': not a number", opt, s);
	else if (v < min || v > max)
		argp_error(state, "%s %s: must be between %" PRIu64 " and %" PRIu64,
			   opt, s, min, max);
	return v;
}

int vmlab_open(int flags)
{
	int fd = open(VMLAB_DEV, flags | O_CLOEXEC);

	if (fd < 0)
		err_errno(VMLAB_DEV);
	return fd;
}

static int vmlab_ioctl(int fd, unsigned long cmd, void *arg, const char *name)
{
	if (ioctl(fd, cmd, arg) == 0)
		return 0;
	err_errno(name);
	return -1;
}

int vmlab_get_info(int fd, struct vmlab_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return vmlab_ioctl(fd, VMLAB_GET_INFO, info, "VMLAB_GET_INFO");
}

int vmlab_info_check(const struct vmlab_info *info)
{
	if (info->abi_version != VMLAB_ABI_VERSION)
		return err_msg("the module speaks ABI version %u, this tool %u",
			       info->abi_version, VMLAB_ABI_VERSION);
	if (info->record_size != sizeof(struct vmlab_event))
		return err_msg("the module's records are %u bytes, this tool's %zu",
			       info->record_size, sizeof(struct vmlab_event));
	if (info->page_size != (uint32_t)sysconf(_SC_PAGESIZE))
		return err_msg("the module's page size is %u, the process's %ld",
			       info->page_size, sysconf(_SC_PAGESIZE));
	return 0;
}

int vmlab_open_info(int flags, struct vmlab_info *info)
{
	int fd = vmlab_open(flags);

	if (fd < 0)
		return -1;
	if (vmlab_get_info(fd, info) || vmlab_info_check(info)) {
		close(fd);
		return -1;
	}
	return fd;
}

int vmlab_get_config(int fd, struct vmlab_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	return vmlab_ioctl(fd, VMLAB_GET_CONFIG, cfg, "VMLAB_GET_CONFIG");
}

int vmlab_set_config(int fd, struct vmlab_config *cfg)
{
	cfg->size = sizeof(*cfg);
	return vmlab_ioctl(fd, VMLAB_SET_CONFIG, cfg, "VMLAB_SET_CONFIG");
}

int vmlab_get_stats(int fd, struct vmlab_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return vmlab_ioctl(fd, VMLAB_GET_STATS, st, "VMLAB_GET_STATS");
}

int vmlab_reset_stats(int fd)
{
	return vmlab_ioctl(fd, VMLAB_RESET_STATS, NULL, "VMLAB_RESET_STATS");
}

int vmlab_walk(int fd, uint64_t addr, struct vmlab_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->addr = addr;
	return vmlab_ioctl(fd, VMLAB_WALK, w, "VMLAB_WALK");
}

int vmlab_set_backing(int fd, int backing_fd, const char *what)
{
	struct vmlab_backing b = {
		.size = sizeof(b),
		.fd = backing_fd < 0 ? VMLAB_BACKING_MEMORY : (__u32)backing_fd,
	};
	const char *why;

	if (ioctl(fd, VMLAB_SET_BACKING, &b) == 0)
		return 0;
	switch (errno) {
	case EINVAL:
		why = "not a regular file, a vmlab fd, or opened O_APPEND";
		break;
	case EACCES:
		why = "not open for both reading and writing";
		break;
	case EBUSY:
		why = "the store already holds pages";
		break;
	default:
		why = strerror(errno);
	}
	return err_msg("VMLAB_SET_BACKING %s: %s", what, why), -1;
}

int vmlab_module_version(char *buf, size_t len)
{
	FILE *f = fopen("/sys/module/vmlab/version", "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
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
