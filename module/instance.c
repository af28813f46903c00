// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - an instance's life: its creation at open() and its end at the
 * last close, and the private pseudo filesystem that gives each instance
 * an inode, so that every mapping of the instance, in every process, shares
 * one address_space (file->f_mapping, set by dev.c) and one i_mmap tree.
 * The anon inode's a_ops has noop_dirty_folio, which the core's
 * fault_dirty_shared_page() needs; the char device's own inode has none.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>

#include "vmlab.h"

unsigned int vmlab_max_region_mb = 1024;
module_param_named(max_region_mb, vmlab_max_region_mb, uint, 0644);
MODULE_PARM_DESC(max_region_mb, "Largest region an instance may map, in MiB (default 1024)");

unsigned int vmlab_max_ring_records = 65536;
module_param_named(max_ring_records, vmlab_max_ring_records, uint, 0644);
MODULE_PARM_DESC(max_ring_records, "Largest event ring of an instance, in records (default 65536)");

atomic_long_t vmlab_nr_instances = ATOMIC_LONG_INIT(0);

static atomic_t vmlab_next_id = ATOMIC_INIT(0);
static struct workqueue_struct *vmlab_wq;

u64 vmlab_max_region_size(void)
{
	return (u64)READ_ONCE(vmlab_max_region_mb) << 20;
}

/* ---------------------------------------------------- the pseudo filesystem */

#define VMLAB_FS_MAGIC	0x766d6c62	/* "vmlb" */

static struct vfsmount *vmlab_mnt;

static int vmlab_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, VMLAB_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the kernel-internal mount would pin the module forever.  The
 * mount lives from module init to exit.
 */
static struct file_system_type vmlab_fs_type = {
	.name			= "vmlab",
	.init_fs_context	= vmlab_init_fs_context,
	.kill_sb		= kill_anon_super,
};

/* --------------------------------------------------------- an instance */

/*
 * A new instance for @file, opened by its caller: its own inode, the
 * default config, nothing mapped.
 */
struct vmlab_instance *vmlab_instance_create(struct file *file)
{
	struct vmlab_instance *inst;
	u64 region = vmlab_max_region_size();
	int ret;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst)
		return ERR_PTR(-ENOMEM);
	ret = vmlab_policy_init(inst);
	if (ret)
		goto free_inst;
	inst->inode = alloc_anon_inode(vmlab_mnt->mnt_sb);
	if (IS_ERR(inst->inode)) {
		ret = PTR_ERR(inst->inode);
		goto free_policy;
	}

	inst->id = atomic_inc_return(&vmlab_next_id);
	inst->pfn_visible = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	mutex_init(&inst->lock);
	mutex_init(&inst->read_lock);
	xa_init_flags(&inst->pages, XA_FLAGS_ACCOUNT);
	INIT_LIST_HEAD(&inst->mms);
	INIT_LIST_HEAD(&inst->window);
	vmlab_store_init(inst);
	vmlab_ring_init(&inst->ring);
	inst->cfg.size = sizeof(inst->cfg);
	inst->cfg.region_size = region;
	inst->cfg.ring_records = min_t(u32, VMLAB_DEFAULT_RING,
				       vmlab_max_ring_records);
	inst->nr_pages = region >> PAGE_SHIFT;
	atomic_long_inc(&vmlab_nr_instances);
	return inst;

free_policy:
	vmlab_policy_free(inst);
free_inst:
	kfree(inst);
	return ERR_PTR(ret);
}

/*
 * After a grace period, in process context: the TLB flush probe (an RCU
 * reader that may queue the ring's irq_work) is done with the instance,
 * and irq_work_sync() may sleep.
 */
static void vmlab_instance_free_work(struct work_struct *work)
{
	struct vmlab_instance *inst = container_of(to_rcu_work(work),
						   struct vmlab_instance,
						   free_work);

	vmlab_ring_free(&inst->ring);
	kfree(inst);
	atomic_long_dec(&vmlab_nr_instances);
}

/*
 * The instance's file is released: nothing maps the instance, no fault or
 * deferred walk can reach it (each holds the file).
 */
void vmlab_instance_destroy(struct vmlab_instance *inst)
{
	vmlab_mm_untrack_all(inst);
	vmlab_pages_free(inst);
	vmlab_store_free(inst);
	vmlab_policy_free(inst);
	iput(inst->inode);
	mutex_destroy(&inst->read_lock);
	mutex_destroy(&inst->lock);
	/* the TLB flush probe may still be looking at the instance */
	INIT_RCU_WORK(&inst->free_work, vmlab_instance_free_work);
	queue_rcu_work(vmlab_wq, &inst->free_work);
}

int vmlab_instance_init(void)
{
	int ret;

	if (!is_power_of_2(vmlab_max_ring_records) || !vmlab_max_region_mb) {
		pr_err("max_ring_records must be a power of two, max_region_mb above 0\n");
		return -EINVAL;
	}
	/* unbound: nothing queued here needs a CPU (and 7.x wants it said) */
	vmlab_wq = alloc_workqueue("vmlab", WQ_UNBOUND, 0);
	if (!vmlab_wq)
		return -ENOMEM;
	vmlab_mnt = kern_mount(&vmlab_fs_type);
	if (IS_ERR(vmlab_mnt)) {
		ret = PTR_ERR(vmlab_mnt);
		goto destroy_wq;
	}
	return 0;

destroy_wq:
	destroy_workqueue(vmlab_wq);
	return ret;
}

void vmlab_instance_exit(void)
{
	/* instances are freed by work queued after an RCU grace period */
	rcu_barrier();
	destroy_workqueue(vmlab_wq);
	kern_unmount(vmlab_mnt);
	WARN_ON(atomic_long_read(&vmlab_nr_instances));
}
