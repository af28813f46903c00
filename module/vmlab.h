/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - a virtual-memory laboratory: definitions shared by the module's
 * files.  The ABI lives in include/uapi/linux/vmlab.h and nowhere else.
 */
#ifndef _VMLAB_H
#define _VMLAB_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <uapi/linux/vmlab.h>

#define VMLAB_VERSION "0.1.0"

/* One open() of /dev/vmlab: an independent experiment. */
struct vmlab_instance {
	struct mutex lock;	/* serialises configuration */
	pid_t owner_tgid;	/* the process that opened it */
};

/* Module-wide accounting, read by the leak checks. */
extern atomic_long_t vmlab_nr_instances;

int vmlab_dev_init(void);
void vmlab_dev_exit(void);

#endif /* _VMLAB_H */
