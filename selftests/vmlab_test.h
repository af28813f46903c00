/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by vmlab's selftests: loading and unloading the module, and
 * reading the kernel's memory counters for leak checks.
 *
 * The module comes from $VMLAB_KO (a path to vmlab.ko, set by run_tests.sh
 * for the build tree) or, when that is unset, from modprobe (DKMS install).
 */
#ifndef _VMLAB_TEST_H
#define _VMLAB_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vmlab.h>

#define VMLAB_DEV "/dev/vmlab"

/* Load vmlab with @params ("" for none): 0 or -errno. */
static inline int vmlab_load(const char *params)
{
	const char *ko = getenv("VMLAB_KO");
	char cmd[512];
	int fd, ret;

	if (ko && *ko) {
		fd = open(ko, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ret = syscall(SYS_finit_module, fd, params, 0);
		ret = ret ? -errno : 0;
		close(fd);
		return ret;
	}
	snprintf(cmd, sizeof(cmd), "modprobe -q vmlab %s 2>/dev/null", params);
	ret = system(cmd);
	if (ret == -1)
		return -errno;
	/* modprobe does not say why; the module refuses bad input with EINVAL */
	return WIFEXITED(ret) && WEXITSTATUS(ret) == 0 ? 0 : -EINVAL;
}

/* Unload vmlab without waiting: 0 or -errno (EAGAIN while in use). */
static inline int vmlab_unload(void)
{
	return syscall(SYS_delete_module, "vmlab", O_NONBLOCK) ? -errno : 0;
}

static inline int vmlab_loaded(void)
{
	return access("/sys/module/vmlab", F_OK) == 0;
}

/* Make sure vmlab is loaded with default parameters. */
static inline int vmlab_ensure_loaded(void)
{
	int ret;

	if (vmlab_loaded())
		return 0;
	ret = vmlab_load("");
	return ret == -EEXIST ? 0 : ret;
}

/* Read one integer from a sysfs-like file; -1 on error. */
static inline long vmlab_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static inline long vmlab_refcnt(void)
{
	return vmlab_read_long("/sys/module/vmlab/refcnt");
}

static inline void vmlab_drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			perror("drop_caches");
		close(fd);
	}
}

/*
 * Free pages including those parked on the per-CPU lists, which
 * nr_free_pages leaves out: that sum stays within a few pages across module
 * loads, where MemFree moves by thousands.
 */
static inline long vmlab_free_pages(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	long total = 0, v;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " pages free %ld", &v) == 1 ||
		    sscanf(line, " count: %ld", &v) == 1)
			total += v;
	}
	fclose(f);
	return total;
}

/* A counter from /proc/vmstat, or -1. */
static inline long vmlab_vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[64];
	long v;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2) {
		if (!strcmp(key, name)) {
			fclose(f);
			return v;
		}
	}
	fclose(f);
	return -1;
}

static inline long vmlab_slab_pages(void)
{
	return vmlab_vmstat("nr_slab_reclaimable") +
	       vmlab_vmstat("nr_slab_unreclaimable");
}

#endif /* _VMLAB_TEST_H */
