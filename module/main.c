// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - a virtual-memory laboratory on real page tables.
 *
 * Module entry points.  Each open() of /dev/vmlab is one lab instance; see
 * dev.c for the character device and include/uapi/linux/vmlab.h for the ABI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "vmlab.h"

atomic_long_t vmlab_nr_instances = ATOMIC_LONG_INIT(0);

static int __init vmlab_init(void)
{
	int ret;

	ret = vmlab_dev_init();
	if (ret)
		return ret;
	pr_info("version %s loaded\n", VMLAB_VERSION);
	return 0;
}

static void __exit vmlab_exit(void)
{
	vmlab_dev_exit();
	WARN_ON(atomic_long_read(&vmlab_nr_instances));
	pr_info("unloaded\n");
}

module_init(vmlab_init);
module_exit(vmlab_exit);

MODULE_DESCRIPTION("vmlab: a virtual-memory laboratory on real page tables");
MODULE_AUTHOR("The vmlab developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VMLAB_VERSION);
