// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - the /dev/vmlab misc device: one lab instance per open()
 * (instance.c), its ioctls, read() and poll().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "vmlab.h"

static ushort vmlab_dev_mode = 0600;
module_param_named(dev_mode, vmlab_dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permission bits of /dev/vmlab (default 0600)");

static int vmlab_open(struct inode *inode, struct file *file)
{
	struct vmlab_instance *inst;

	inst = vmlab_instance_create(file);
	if (IS_ERR(inst))
		return PTR_ERR(inst);
	file->private_data = inst;
	/* every mapping of the instance shares one address_space */
	file->f_mapping = inst->inode->i_mapping;
	vmlab_debugfs_add(inst);
	return 0;
}

static int vmlab_release(struct inode *inode, struct file *file)
{
	struct vmlab_instance *inst = file->private_data;

	vmlab_debugfs_remove(inst);
	vmlab_instance_destroy(inst);
	return 0;
}

/*
 * Copy in a size-versioned structure: its first __u32 is its size.  Smaller
 * than the first version is EINVAL; larger than the kernel's is accepted when
 * the extra bytes are zero (E2BIG otherwise).  Returns the user's size.
 */
static int vmlab_copy_in(void *dst, size_t ksize, const void __user *uarg)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(dst, ksize, uarg, usize);
	return ret ? ret : usize;
}

/* Copy out @ksize bytes of @src, its size field set to what was copied. */
static int vmlab_copy_out(void __user *uarg, void *src, size_t ksize)
{
	*(u32 *)src = ksize;
	return copy_to_user(uarg, src, ksize) ? -EFAULT : 0;
}

static bool vmlab_zeroed(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static long vmlab_ioc_info(struct vmlab_instance *inst, void __user *uarg)
{
	struct vmlab_info info;
	int ret;

	ret = vmlab_copy_in(&info, sizeof(info), uarg);
	if (ret < 0)
		return ret;
	if (!vmlab_zeroed(info.reserved, sizeof(info.reserved)))
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.abi_version = VMLAB_ABI_VERSION;
	info.page_size = PAGE_SIZE;
	if (inst->pfn_visible)
		info.flags |= VMLAB_INFO_PFN_VISIBLE;
	info.pgtable_levels = pgtable_l5_enabled() ? 5 : 4;
	if (info.pgtable_levels == 5)
		info.flags |= VMLAB_INFO_LA57;
	if (VMLAB_CAN_FLUSH_TLB)
		info.flags |= VMLAB_INFO_TLB_FLUSH;
	info.max_region_size = vmlab_max_region_size();
	info.max_pages = READ_ONCE(vmlab_max_pages);
	info.max_ring_records = READ_ONCE(vmlab_max_ring_records);
	info.record_size = sizeof(struct vmlab_event);
	info.instance_id = inst->id;
	return vmlab_copy_out(uarg, &info, sizeof(info));
}

static long vmlab_ioc_get_config(struct vmlab_instance *inst, void __user *uarg)
{
	struct vmlab_config cfg;
	int ret;

	ret = vmlab_copy_in(&cfg, sizeof(cfg), uarg);
	if (ret < 0)
		return ret;
	if (!vmlab_zeroed(cfg.reserved, sizeof(cfg.reserved)))
		return -EINVAL;
	mutex_lock(&inst->lock);
	cfg = inst->cfg;
	mutex_unlock(&inst->lock);
	return vmlab_copy_out(uarg, &cfg, sizeof(cfg));
}

static int vmlab_config_check(const struct vmlab_config *cfg)
{
	if (!vmlab_zeroed(cfg->reserved, sizeof(cfg->reserved)))
		return -EINVAL;
	if (cfg->evict_batch > VMLAB_EVICT_BATCH_MAX)
		return -EINVAL;
	if (cfg->flags & ~VMLAB_CFG_FLAGS)
		return -EINVAL;
	if ((cfg->flags & VMLAB_CFG_CLOCK_FLUSH) && !VMLAB_CAN_FLUSH_TLB)
		return -EOPNOTSUPP;
	if (cfg->event_mask & ~VMLAB_EV_ALL)
		return -EINVAL;
	if (!cfg->region_size || !PAGE_ALIGNED(cfg->region_size))
		return -EINVAL;
	if (!is_power_of_2(cfg->ring_records))
		return -EINVAL;
	if (cfg->policy >= VMLAB_POLICY_MAX)
		return -EINVAL;
	if ((cfg->policy == VMLAB_POLICY_LRU || cfg->policy == VMLAB_POLICY_MRU) &&
	    !cfg->tlb_window)
		return -EINVAL;
	if (cfg->region_size > vmlab_max_region_size())
		return -EFBIG;
	if (cfg->ring_records > READ_ONCE(vmlab_max_ring_records))
		return -EFBIG;
	if (cfg->frames > READ_ONCE(vmlab_max_pages))
		return -EFBIG;
	return 0;
}

static long vmlab_ioc_set_config(struct vmlab_instance *inst, void __user *uarg)
{
	struct vmlab_config cfg;
	int ret;

	ret = vmlab_copy_in(&cfg, sizeof(cfg), uarg);
	if (ret < 0)
		return ret;
	ret = vmlab_config_check(&cfg);
	if (ret)
		return ret;

	mutex_lock(&inst->lock);
	if (inst->mapped && (cfg.region_size != inst->cfg.region_size ||
			     cfg.ring_records != inst->cfg.ring_records)) {
		ret = -EBUSY;
		goto unlock;
	}
	if (cfg.frames != inst->cfg.frames || cfg.tlb_window != inst->cfg.tlb_window ||
	    cfg.seed != inst->cfg.seed) {
		ret = -EBUSY;
		if (atomic64_read(&inst->nr_resident))
			goto unlock;
		ret = vmlab_policy_resize(inst, cfg.frames);
		if (ret)
			goto unlock;
		prandom_seed_state(&inst->rnd, cfg.seed);
	}
	cfg.size = sizeof(cfg);
	inst->cfg = cfg;
	inst->frames = cfg.frames;
	inst->tlb_window = cfg.tlb_window;
	inst->evict_batch = clamp_t(u32, cfg.evict_batch, 1, VMLAB_EVICT_BATCH_MAX);
	WRITE_ONCE(inst->policy, cfg.policy);
	WRITE_ONCE(inst->nr_pages, cfg.region_size >> PAGE_SHIFT);
	WRITE_ONCE(inst->event_mask, cfg.event_mask);
	WRITE_ONCE(inst->flags, cfg.flags);
unlock:
	mutex_unlock(&inst->lock);
	return ret;
}

static long vmlab_ioc_get_stats(struct vmlab_instance *inst, void __user *uarg)
{
	struct vmlab_stats st;
	int ret;

	ret = vmlab_copy_in(&st, sizeof(st), uarg);
	if (ret < 0)
		return ret;
	if (st.reserved0 || !vmlab_zeroed(st.reserved, sizeof(st.reserved)))
		return -EINVAL;
	vmlab_stats_fill(inst, &st);
	return vmlab_copy_out(uarg, &st, sizeof(st));
}

static long vmlab_ioc_reset_stats(struct vmlab_instance *inst)
{
	vmlab_stats_reset(inst);
	return 0;
}

static long vmlab_ioc_set_backing(struct vmlab_instance *inst, void __user *uarg)
{
	struct vmlab_backing b;
	int ret;

	ret = vmlab_copy_in(&b, sizeof(b), uarg);
	if (ret < 0)
		return ret;
	if (!vmlab_zeroed(b.reserved, sizeof(b.reserved)))
		return -EINVAL;
	if (b.fd == VMLAB_BACKING_MEMORY)
		return vmlab_store_set(inst, -1);
	if (b.fd > INT_MAX)
		return -EBADF;
	return vmlab_store_set(inst, b.fd);
}

static long vmlab_ioc_evict(struct vmlab_instance *inst, void __user *uarg)
{
	struct vmlab_evict ev;
	unsigned long first, last;
	int ret;

	ret = vmlab_copy_in(&ev, sizeof(ev), uarg);
	if (ret < 0)
		return ret;
	if ((ev.flags & ~VMLAB_EVICT_FLAG_ALL) ||
	    !vmlab_zeroed(ev.reserved, sizeof(ev.reserved)))
		return -EINVAL;

	first = ev.flags & VMLAB_EVICT_FLAG_ALL ? 0 : ev.start;
	last = ULONG_MAX;
	if (!(ev.flags & VMLAB_EVICT_FLAG_ALL)) {
		if (!ev.count)
			return -EINVAL;
		if (ev.start + ev.count - 1 < ev.start)
			return -EINVAL;
		last = ev.start + ev.count - 1;
	}
	ev.evicted = 0;
	ret = vmlab_evict_range(inst, first, last, &ev.evicted);
	if (put_user(ev.evicted, &((struct vmlab_evict __user *)uarg)->evicted))
		return -EFAULT;
	return ret;
}

static long vmlab_ioc_resident(struct vmlab_instance *inst, void __user *uarg)
{
	struct vmlab_resident r;
	u8 __user *vec;
	u8 buf[256];
	u64 i, n, end;
	int ret;

	ret = vmlab_copy_in(&r, sizeof(r), uarg);
	if (ret < 0)
		return ret;
	if (r.reserved0 || !vmlab_zeroed(r.reserved, sizeof(r.reserved)))
		return -EINVAL;
	vec = u64_to_user_ptr(r.vec);
	end = min(r.start + r.count, READ_ONCE(inst->nr_pages));
	if (r.start + r.count < r.start)
		return -EINVAL;
	r.resident = 0;
	for (i = r.start; i < end; i += n) {
		u64 j;

		n = min_t(u64, end - i, sizeof(buf));
		mutex_lock(&inst->lock);
		for (j = 0; j < n; j++) {
			buf[j] = vmlab_page_flags(inst, i + j);
			if (buf[j] & VMLAB_PAGE_RESIDENT)
				r.resident++;
		}
		mutex_unlock(&inst->lock);
		if (copy_to_user(vec + (i - r.start), buf, n))
			return -EFAULT;
		cond_resched();
	}
	return vmlab_copy_out(uarg, &r, sizeof(r));
}

static long vmlab_ioc_walk(struct vmlab_instance *inst, void __user *uarg)
{
	struct mm_struct *mm = current->mm;
	struct vmlab_walk w;
	u64 addr;
	int ret;

	ret = vmlab_copy_in(&w, sizeof(w), uarg);
	if (ret < 0)
		return ret;
	if (w.reserved0 || w.reserved1 ||
	    !vmlab_zeroed(w.reserved, sizeof(w.reserved)))
		return -EINVAL;
	if (!mm)
		return -EFAULT;

	addr = w.addr;
	memset(&w, 0, sizeof(w));
	w.addr = addr;
	if (addr < TASK_SIZE) {
		mmap_read_lock(mm);
		vmlab_walk_mm(mm, addr, &w, inst->pfn_visible);
		mmap_read_unlock(mm);
	}
	return vmlab_copy_out(uarg, &w, sizeof(w));
}

static long vmlab_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vmlab_instance *inst = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VMLAB_GET_INFO:
		return vmlab_ioc_info(inst, uarg);
	case VMLAB_SET_CONFIG:
		return vmlab_ioc_set_config(inst, uarg);
	case VMLAB_GET_CONFIG:
		return vmlab_ioc_get_config(inst, uarg);
	case VMLAB_GET_STATS:
		return vmlab_ioc_get_stats(inst, uarg);
	case VMLAB_RESET_STATS:
		return vmlab_ioc_reset_stats(inst);
	case VMLAB_WALK:
		return vmlab_ioc_walk(inst, uarg);
	case VMLAB_SET_BACKING:
		return vmlab_ioc_set_backing(inst, uarg);
	case VMLAB_EVICT:
		return vmlab_ioc_evict(inst, uarg);
	case VMLAB_RESIDENT:
		return vmlab_ioc_resident(inst, uarg);
	default:
		return -ENOTTY;
	}
}

static ssize_t vmlab_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	return vmlab_ring_read(file->private_data, buf, count,
			       file->f_flags & O_NONBLOCK);
}

static __poll_t vmlab_poll(struct file *file, struct poll_table_struct *wait)
{
	return vmlab_ring_poll(file->private_data, file, wait);
}

static const struct file_operations vmlab_fops = {
	.owner		= THIS_MODULE,
	.open		= vmlab_open,
	.release	= vmlab_release,
	.read		= vmlab_read,
	.poll		= vmlab_poll,
	.mmap		= vmlab_mmap,
	.unlocked_ioctl	= vmlab_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
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
