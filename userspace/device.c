// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - /dev/vmlab and its ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device.h"
#include "util.h"

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

int vmlab_policy_state(int fd, struct vmlab_policy_state *st,
		       struct vmlab_policy_entry *e, uint32_t count)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->count = count;
	st->entries = (uint64_t)(uintptr_t)e;
	return ioctl(fd, VMLAB_POLICY_STATE, st) ? -1 : 0;
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

/* VMLAB_EVICT: evict the resident pages in [@start, @start + @count). */
int vmlab_evict_pages(int fd, uint64_t start, uint64_t count)
{
	struct vmlab_evict ev = {
		.size = sizeof(ev), .start = start, .count = count,
	};

	return vmlab_ioctl(fd, VMLAB_EVICT, &ev, "VMLAB_EVICT");
}

int vmlab_walk(int fd, uint64_t addr, struct vmlab_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->addr = addr;
	return vmlab_ioctl(fd, VMLAB_WALK, w, "VMLAB_WALK");
}

int vmlab_pt(int fd, uint32_t pid, uint64_t start, uint64_t end,
	     struct vmlab_pt *pt)
{
	memset(pt, 0, sizeof(*pt));
	pt->size = sizeof(*pt);
	pt->pid = pid;
	pt->start = start;
	pt->end = end;
	return vmlab_ioctl(fd, VMLAB_PT, pt, "VMLAB_PT");
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

/*
 * @key's value in instance @fd's debugfs stats (how the module took its
 * faults: faults_unlocked, fault_locks), or -1 without debugfs (not root,
 * not mounted).  Silent: callers report what is missing.
 */
long long vmlab_debugfs_stat(int fd, const char *key)
{
	struct vmlab_info info = { .size = sizeof(info) };
	size_t klen = strlen(key);
	char path[96], line[128];
	long long v = -1;
	FILE *f;

	if (ioctl(fd, VMLAB_GET_INFO, &info) < 0)
		return -1;
	snprintf(path, sizeof(path), "/sys/kernel/debug/vmlab/%u/stats",
		 info.instance_id);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
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
