// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - a virtual-memory laboratory on real page tables.
 *
 * Module entry points and limits.  Each open() of /dev/vmlab is one lab
 * instance; see dev.c for the character device, fault.c for the fault path
 * and include/uapi/linux/vmlab.h for the ABI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "vmlab.h"

unsigned int vmlab_max_region_mb = 1024;
module_param_named(max_region_mb, vmlab_max_region_mb, uint, 0644);
MODULE_PARM_DESC(max_region_mb, "Largest region an instance may map, in MiB (default 1024)");

unsigned long vmlab_max_pages = 131072;
module_param_named(max_pages, vmlab_max_pages, ulong, 0644);
MODULE_PARM_DESC(max_pages, "Pages all instances together may hold (default 131072, 512 MiB)");

unsigned int vmlab_max_ring_records = 65536;
module_param_named(max_ring_records, vmlab_max_ring_records, uint, 0644);
MODULE_PARM_DESC(max_ring_records, "Largest event ring of an instance, in records (default 65536)");

struct workqueue_struct *vmlab_wq;
atomic_long_t vmlab_nr_instances = ATOMIC_LONG_INIT(0);
atomic_long_t vmlab_nr_pages = ATOMIC_LONG_INIT(0);

static int __init vmlab_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct vmlab_event) != 128);
	BUILD_BUG_ON(sizeof(struct vmlab_info) != 80);
	BUILD_BUG_ON(sizeof(struct vmlab_config) != 80);
	BUILD_BUG_ON(sizeof(struct vmlab_stats) != 224);
	BUILD_BUG_ON(sizeof(struct vmlab_walk) != 136);

	if (!is_power_of_2(vmlab_max_ring_records) || !vmlab_max_region_mb) {
		pr_err("max_ring_records must be a power of two, max_region_mb above 0\n");
		return -EINVAL;
	}

	/* unbound: nothing queued here needs a CPU (and 7.x wants it said) */
	vmlab_wq = alloc_workqueue("vmlab", WQ_UNBOUND, 0);
	if (!vmlab_wq)
		return -ENOMEM;
	ret = vmlab_fs_init();
	if (ret)
		goto destroy_wq;
	ret = vmlab_walk_init();
	if (ret)
		goto unmount_fs;
	ret = vmlab_policy_init();
	if (ret)
		goto destroy_walk_cache;
	ret = vmlab_events_init();
	if (ret)
		goto destroy_frame_cache;
	vmlab_debugfs_init();
	ret = vmlab_dev_init();
	if (ret)
		goto remove_debugfs;
	pr_info("version %s loaded\n", VMLAB_VERSION);
	return 0;

remove_debugfs:
	vmlab_debugfs_exit();
	vmlab_events_exit();
destroy_frame_cache:
	vmlab_policy_exit();
destroy_walk_cache:
	vmlab_walk_exit();
unmount_fs:
	vmlab_fs_exit();
destroy_wq:
	destroy_workqueue(vmlab_wq);
	return ret;
}

static void __exit vmlab_exit(void)
{
	vmlab_dev_exit();
	vmlab_debugfs_exit();
	vmlab_events_exit();
	/* instances are freed by work queued after an RCU grace period */
	rcu_barrier();
	destroy_workqueue(vmlab_wq);
	vmlab_policy_exit();
	vmlab_walk_exit();
	vmlab_fs_exit();
	WARN_ON(atomic_long_read(&vmlab_nr_instances));
	WARN_ON(atomic_long_read(&vmlab_nr_pages));
	pr_info("unloaded\n");
}

module_init(vmlab_init);
module_exit(vmlab_exit);

MODULE_DESCRIPTION("vmlab: a virtual-memory laboratory on real page tables");
MODULE_AUTHOR("The vmlab developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VMLAB_VERSION);
