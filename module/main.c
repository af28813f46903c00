// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - a virtual-memory laboratory on real page tables.
 *
 * Module entry points.  Each open() of /dev/vmlab is one lab instance; see
 * vmlab.h for the files, dev.c for the character device, fault.c for the
 * fault path and include/uapi/linux/vmlab.h for the ABI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "vmlab.h"

static int __init vmlab_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct vmlab_event) != 128);
	BUILD_BUG_ON(sizeof(struct vmlab_info) != 80);
	BUILD_BUG_ON(offsetofend(struct vmlab_config, reserved) !=
		     VMLAB_CONFIG_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct vmlab_config) != VMLAB_CONFIG_SIZE_VER1);
	BUILD_BUG_ON(offsetofend(struct vmlab_stats, reserved) !=
		     VMLAB_STATS_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct vmlab_stats, faults_cow) !=
		     VMLAB_STATS_SIZE_VER1);
	BUILD_BUG_ON(sizeof(struct vmlab_stats) != VMLAB_STATS_SIZE_VER2);
	BUILD_BUG_ON(sizeof(struct vmlab_walk) != 136);

	ret = vmlab_instance_init();
	if (ret)
		return ret;
	ret = vmlab_fault_init();
	if (ret)
		goto exit_instances;
	ret = vmlab_ktlb_init();
	if (ret)
		goto destroy_walk_cache;
	vmlab_debugfs_init();
	vmlab_bpf_policy_init();
	ret = vmlab_dev_init();
	if (ret)
		goto remove_debugfs;
	pr_info("version %s loaded\n", VMLAB_VERSION);
	return 0;

remove_debugfs:
	vmlab_debugfs_exit();
	vmlab_ktlb_exit();
destroy_walk_cache:
	vmlab_fault_exit();
exit_instances:
	vmlab_instance_exit();
	return ret;
}

static void __exit vmlab_exit(void)
{
	vmlab_dev_exit();
	vmlab_debugfs_exit();
	vmlab_ktlb_exit();
	vmlab_instance_exit();
	vmlab_page_exit();
	vmlab_fault_exit();
	pr_info("unloaded\n");
}

module_init(vmlab_init);
module_exit(vmlab_exit);

MODULE_DESCRIPTION("vmlab: a virtual-memory laboratory on real page tables");
MODULE_AUTHOR("The vmlab developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VMLAB_VERSION);
