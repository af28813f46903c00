/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmlab - a virtual-memory laboratory on real page tables.
 *
 * This header is the one definition of vmlab's ABI: the ioctls of
 * /dev/vmlab, their structures and the event records read() returns.  It is
 * shared by the kernel module, the vmlab tool, the BPF programs and the
 * selftests, and includes nothing a BPF program cannot.
 */
#ifndef _UAPI_LINUX_VMLAB_H
#define _UAPI_LINUX_VMLAB_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any incompatible change. */
#define VMLAB_ABI_VERSION	1

/* The ioctl type of every vmlab command. */
#define VMLAB_IOC_MAGIC		0xB7

#endif /* _UAPI_LINUX_VMLAB_H */
