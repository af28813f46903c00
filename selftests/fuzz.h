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

/* A list of errnos, 0-terminated. */
struct fuzz_errnos {
	const char *call;
	int err[16];
};

/*
 * Per command: the "Errors common to every ioctl" (ENOTTY, EFAULT, EINVAL,
 * E2BIG) and the ones its comment documents.
 */
static const struct fuzz_errnos fuzz_ioctl_errnos[] = {
	{ "VMLAB_GET_INFO",	{ ENOTTY, EFAULT, EINVAL, E2BIG, 0 } },
	/*
	 * "VMLAB_SET_CONFIG errors: EINVAL ... EOPNOTSUPP ... EPROTONOSUPPORT
	 * ... EFBIG ... EBUSY"
	 */
	{ "VMLAB_SET_CONFIG",	{ ENOTTY, EFAULT, EINVAL, E2BIG, EOPNOTSUPP,
				  EPROTONOSUPPORT, EFBIG, EBUSY, 0 } },
	{ "VMLAB_GET_CONFIG",	{ ENOTTY, EFAULT, EINVAL, E2BIG, 0 } },
	{ "VMLAB_GET_STATS",	{ ENOTTY, EFAULT, EINVAL, E2BIG, 0 } },
	{ "VMLAB_RESET_STATS",	{ ENOTTY, EFAULT, EINVAL, E2BIG, 0 } },
	/* "Errors: EFAULT when the process has no mm" */
	{ "VMLAB_WALK",		{ ENOTTY, EFAULT, EINVAL, E2BIG, 0 } },
	/* "Errors: EBADF ... EINVAL ... EACCES ... EBUSY" */
	{ "VMLAB_SET_BACKING",	{ ENOTTY, EFAULT, EINVAL, E2BIG, EBADF, EACCES, EBUSY, 0 } },
	/* "the store's error - ENOMEM, ENOSPC, EIO ... - or EBUSY (pinned)" */
	{ "VMLAB_EVICT",	{ ENOTTY, EFAULT, EINVAL, E2BIG, ENOMEM, ENOSPC, EIO,
				  EBUSY, 0 } },
	{ "VMLAB_RESIDENT",	{ ENOTTY, EFAULT, EINVAL, E2BIG, 0 } },
	/* "EINVAL ... ENOSPC ... EFAULT ... ENOMEM" */
	{ "VMLAB_POLICY_STATE",	{ ENOTTY, EFAULT, EINVAL, E2BIG, ENOSPC, ENOMEM, 0 } },
	/* "EINVAL ... ESRCH ... EPERM ... EFAULT" */
	{ "VMLAB_PT",		{ ENOTTY, EFAULT, EINVAL, E2BIG, ESRCH, EPERM, 0 } },
	/* "EPROTONOSUPPORT ... EFAULT ... EINVAL ... ENOENT ... EBUSY" */
	{ "VMLAB_SET_BPF_POLICY", { ENOTTY, EFAULT, EINVAL, E2BIG, EPROTONOSUPPORT,
				    ENOENT, EBUSY, 0 } },
};

/* "read() returns whole struct vmlab_event records": its errors */
static const struct fuzz_errnos fuzz_read_errnos = {
	"read", { EINVAL, EAGAIN, EINTR, 0 }
};

/* "mmap() errors" */
static const struct fuzz_errnos fuzz_mmap_errnos = {
	"mmap", { EINVAL, EACCES, EFBIG, ENXIO, 0 }
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
