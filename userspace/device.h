/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - /dev/vmlab and its ioctls.  The ABI is
 * include/uapi/linux/vmlab.h; nothing here redefines it.
 */
#ifndef _VMLAB_DEVICE_H
#define _VMLAB_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/vmlab.h>

#define VMLAB_DEV "/dev/vmlab"

/* The records `run` and `bench` ask for: faults and TLB flushes */
#define EV_FAULT_TLB (VMLAB_EV_BIT(VMLAB_EV_FAULT) | VMLAB_EV_BIT(VMLAB_EV_TLB))

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
int vmlab_evict_pages(int fd, uint64_t start, uint64_t count);
int vmlab_walk(int fd, uint64_t addr, struct vmlab_walk *w);
/* The tables mapping [@start, @end) of @pid (0: the caller; @end 0: all) */
int vmlab_pt(int fd, uint32_t pid, uint64_t start, uint64_t end,
	     struct vmlab_pt *pt);
/* @backing_fd, or -1 for the memory store; @what names it in errors */
int vmlab_set_backing(int fd, int backing_fd, const char *what);
/*
 * VMLAB_POLICY_STATE into *@st with room for @count entries at @e: 0, or
 * -1 with errno (ENOSPC: st->resident says how many are needed), quietly.
 */
int vmlab_policy_state(int fd, struct vmlab_policy_state *st,
		       struct vmlab_policy_entry *e, uint32_t count);
/* The module's version from sysfs into @buf, or -errno */
int vmlab_module_version(char *buf, size_t len);
long long vmlab_debugfs_stat(int fd, const char *key);

#endif /* _VMLAB_DEVICE_H */
