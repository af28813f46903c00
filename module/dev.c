// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - the /dev/vmlab misc device: one lab instance per open().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "vmlab.h"

static ushort vmlab_dev_mode = 0600;
module_param_named(dev_mode, vmlab_dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permission bits of /dev/vmlab (default 0600)");

static int vmlab_open(struct inode *inode, struct file *file)
{
	struct vmlab_instance *inst;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst)
		return -ENOMEM;
	mutex_init(&inst->lock);
	inst->owner_tgid = task_tgid_nr(current);
	file->private_data = inst;
	atomic_long_inc(&vmlab_nr_instances);
	return 0;
}

static int vmlab_release(struct inode *inode, struct file *file)
{
	struct vmlab_instance *inst = file->private_data;

	mutex_destroy(&inst->lock);
	kfree(inst);
	atomic_long_dec(&vmlab_nr_instances);
	return 0;
}

static const struct file_operations vmlab_fops = {
	.owner		= THIS_MODULE,
	.open		= vmlab_open,
	.release	= vmlab_release,
	.llseek		= noop_llseek,
};

static struct miscdevice vmlab_miscdev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "vmlab",
	.fops		= &vmlab_fops,
};

int vmlab_dev_init(void)
{
	if (vmlab_dev_mode & ~0777) {
		pr_err("dev_mode %#o has bits outside 0777\n", vmlab_dev_mode);
		return -EINVAL;
	}
	vmlab_miscdev.mode = vmlab_dev_mode;
	return misc_register(&vmlab_miscdev);
}

void vmlab_dev_exit(void)
{
	misc_deregister(&vmlab_miscdev);
}
