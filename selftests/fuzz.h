/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - what the fuzzer knows of vmlab's ABI, read off the text of
 * include/uapi/linux/vmlab.h: the errno each call may return.  When the
 * header documents a new errno, add it here (and nowhere else).
 */
#ifndef _VMLAB_FUZZ_H
#define _VMLAB_FUZZ_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <linux/vmlab.h>

/* "Errors common to every ioctl" */
#define FUZZ_ERR_COMMON		ENOTTY, EFAULT, EINVAL, E2BIG

/* A list of errnos, 0-terminated. */
struct fuzz_errnos {
	const char *call;
	int err[16];
};

/* Per command: the common errors and the ones its comment documents. */
static const struct fuzz_errnos fuzz_ioctl_errnos[] = {
	{ "VMLAB_GET_INFO",	{ FUZZ_ERR_COMMON, 0 } },
	/* "VMLAB_SET_CONFIG errors: EINVAL ... EFBIG ... EBUSY" */
	{ "VMLAB_SET_CONFIG",	{ FUZZ_ERR_COMMON, EFBIG, EBUSY, 0 } },
	{ "VMLAB_GET_CONFIG",	{ FUZZ_ERR_COMMON, 0 } },
	{ "VMLAB_GET_STATS",	{ FUZZ_ERR_COMMON, 0 } },
	{ "VMLAB_RESET_STATS",	{ FUZZ_ERR_COMMON, 0 } },
	/* "Errors: EFAULT when the process has no mm" */
	{ "VMLAB_WALK",		{ FUZZ_ERR_COMMON, 0 } },
	/* "Errors: EBADF ... EINVAL ... EACCES ... EBUSY" */
	{ "VMLAB_SET_BACKING",	{ FUZZ_ERR_COMMON, EBADF, EACCES, EBUSY, 0 } },
	/* "the call fails with the store's error - ENOMEM, ENOSPC, EIO" */
	{ "VMLAB_EVICT",	{ FUZZ_ERR_COMMON, ENOMEM, ENOSPC, EIO, 0 } },
	{ "VMLAB_RESIDENT",	{ FUZZ_ERR_COMMON, 0 } },
};

/* "read() returns whole struct vmlab_event records": its errors */
static const struct fuzz_errnos fuzz_read_errnos = {
	"read", { EINVAL, EAGAIN, EINTR, 0 }
};

/* "mmap() errors" */
static const struct fuzz_errnos fuzz_mmap_errnos = {
	"mmap", { EINVAL, EFBIG, ENXIO, 0 }
};

static inline bool fuzz_errno_ok(const struct fuzz_errnos *e, int err)
{
	const int *p;

	for (p = e->err; *p; p++)
		if (*p == err)
			return true;
	return false;
}

#endif /* _VMLAB_FUZZ_H */
