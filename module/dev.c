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
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
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
 * than the first version (@first bytes) is EINVAL; an earlier version than
 * the kernel's reads the fields it lacks as zero; larger than the kernel's
 * is accepted when the extra bytes are zero (E2BIG otherwise).  Returns the
 * user's size.
 */
static int vmlab_copy_in_ver(void *dst, size_t ksize, size_t first,
			     const void __user *uarg)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < first)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(dst, ksize, uarg, usize);
	return ret ? ret : usize;
}

/* A structure that never grew: its one version is the kernel's. */
static int vmlab_copy_in(void *dst, size_t ksize, const void __user *uarg)
{
	return vmlab_copy_in_ver(dst, ksize, ksize, uarg);
}

/*
 * Copy out @ksize bytes of @src, or the @usize of an earlier version, its
 * size field set to what was copied.
 */
static int vmlab_copy_out_ver(void __user *uarg, void *src, size_t ksize,
			      size_t usize)
{
	size_t n = min(ksize, usize);

	*(u32 *)src = n;
	return copy_to_user(uarg, src, n) ? -EFAULT : 0;
}

static int vmlab_copy_out(void __user *uarg, void *src, size_t ksize)
{
	return vmlab_copy_out_ver(uarg, src, ksize, ksize);
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
	if (vmlab_bpf_policy_available())
		info.flags |= VMLAB_INFO_BPF_POLICY;
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
	int usize;

	usize = vmlab_copy_in_ver(&cfg, sizeof(cfg), VMLAB_CONFIG_SIZE_VER0, uarg);
	if (usize < 0)
		return usize;
	if (!vmlab_zeroed(cfg.reserved, sizeof(cfg.reserved)))
		return -EINVAL;
	vmlab_lock(inst);
	cfg = inst->cfg;
	mutex_unlock(&inst->lock);
	return vmlab_copy_out_ver(uarg, &cfg, sizeof(cfg), usize);
}

/* The page daemon's watermarks: both 0, or low < high <= frames. */
static int vmlab_config_check_daemon(const struct vmlab_config *cfg)
{
	if (!cfg->low_watermark && !cfg->high_watermark)
		return 0;
	if (!cfg->frames || cfg->low_watermark >= cfg->high_watermark ||
	    cfg->high_watermark > cfg->frames)
		return -EINVAL;
	return 0;
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
	if (cfg->policy == VMLAB_POLICY_BPF && !vmlab_bpf_policy_available())
		return -EPROTONOSUPPORT;
	if (!cfg->region_size || !PAGE_ALIGNED(cfg->region_size))
		return -EINVAL;
	if (!is_power_of_2(cfg->ring_records))
		return -EINVAL;
	if (!vmlab_policy_valid(cfg->policy))
		return -EINVAL;
	if (vmlab_policy_needs_window(cfg->policy) && !cfg->tlb_window)
		return -EINVAL;
	if (cfg->ws_window > VMLAB_WS_WINDOW_MAX)
		return -EINVAL;
	if (vmlab_config_check_daemon(cfg))
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

	ret = vmlab_copy_in_ver(&cfg, sizeof(cfg), VMLAB_CONFIG_SIZE_VER0, uarg);
	if (ret < 0)
		return ret;
	ret = vmlab_config_check(&cfg);
	if (ret)
		return ret;

	/* no daemon pass spans a change of config: the next sees the new one */
	vmlab_daemon_cancel(inst);
	/* another policy lets a BPF one go (before the instance lock) */
	if (cfg.policy != VMLAB_POLICY_BPF)
		vmlab_bpf_policy_release(inst);
	vmlab_lock(inst);
	/* BPF stays BPF; it is chosen with VMLAB_SET_BPF_POLICY */
	if (cfg.policy == VMLAB_POLICY_BPF && !inst->bpf) {
		ret = -EINVAL;
		goto unlock;
	}
	if (inst->mapped && (cfg.region_size != inst->cfg.region_size ||
			     cfg.ring_records != inst->cfg.ring_records)) {
		ret = -EBUSY;
		goto unlock;
	}
	if (cfg.frames != inst->cfg.frames || cfg.tlb_window != inst->cfg.tlb_window ||
	    cfg.seed != inst->cfg.seed) {
		/* no miss in flight counts against a budget it did not see */
		vmlab_misses_lock(inst);
		ret = -EBUSY;
		if (!atomic64_read(&inst->nr_resident))
			ret = vmlab_policy_resize(inst, cfg.frames);
		if (!ret)
			prandom_seed_state(&inst->rnd, cfg.seed);
		vmlab_misses_unlock(inst);
		if (ret)
			goto unlock;
	}
	cfg.size = sizeof(cfg);
	inst->cfg = cfg;
	inst->frames = cfg.frames;
	inst->tlb_window = cfg.tlb_window;
	inst->evict_batch = clamp_t(u32, cfg.evict_batch, 1, VMLAB_EVICT_BATCH_MAX);
	WRITE_ONCE(inst->ws_window, cfg.ws_window);
	if (cfg.policy != inst->policy)
		vmlab_policy_switch(inst, cfg.policy);
	WRITE_ONCE(inst->policy, cfg.policy);
	WRITE_ONCE(inst->nr_pages, cfg.region_size >> PAGE_SHIFT);
	WRITE_ONCE(inst->event_mask, cfg.event_mask);
	WRITE_ONCE(inst->flags, cfg.flags);
	inst->low_watermark = cfg.low_watermark;
	inst->high_watermark = cfg.high_watermark;
unlock:
	/* the new watermarks may want frames freed now; or the old, on error */
	vmlab_daemon_kick(inst);
	mutex_unlock(&inst->lock);
	return ret;
}

static long vmlab_ioc_get_stats(struct vmlab_instance *inst, void __user *uarg)
{
	struct vmlab_stats st;
	int usize;

	usize = vmlab_copy_in_ver(&st, sizeof(st), VMLAB_STATS_SIZE_VER0, uarg);
	if (usize < 0)
		return usize;
	if (st.reserved0 || !vmlab_zeroed(st.reserved, sizeof(st.reserved)))
		return -EINVAL;
	vmlab_stats_fill(inst, &st);
	return vmlab_copy_out_ver(uarg, &st, sizeof(st), usize);
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
	if ((r.flags & ~VMLAB_RESIDENT_YOUNG) ||
	    !vmlab_zeroed(r.reserved, sizeof(r.reserved)))
		return -EINVAL;
	vec = u64_to_user_ptr(r.vec);
	end = min(r.start + r.count, READ_ONCE(inst->nr_pages));
	if (r.start + r.count < r.start)
		return -EINVAL;
	r.resident = 0;
	for (i = r.start; i < end; i += n) {
		u64 j;

		n = min_t(u64, end - i, sizeof(buf));
		vmlab_lock(inst);
		for (j = 0; j < n; j++) {
			buf[j] = vmlab_page_flags(inst, i + j);
			if (!(buf[j] & VMLAB_PAGE_RESIDENT))
				continue;
			r.resident++;
			if ((r.flags & VMLAB_RESIDENT_YOUNG) &&
			    vmlab_policy_sample(inst, i + j))
				buf[j] |= VMLAB_PAGE_YOUNG;
		}
		if (r.flags & VMLAB_RESIDENT_YOUNG)
			vmlab_policy_sampled(inst);
		mutex_unlock(&inst->lock);
		if (copy_to_user(vec + (i - r.start), buf, n))
			return -EFAULT;
		cond_resched();
	}
	return vmlab_copy_out(uarg, &r, sizeof(r));
}

static long vmlab_ioc_policy_state(struct vmlab_instance *inst,
				   void __user *uarg)
{
	struct vmlab_policy_entry *e = NULL;
	struct vmlab_policy_state st;
	u32 room;
	int ret;

	ret = vmlab_copy_in(&st, sizeof(st), uarg);
	if (ret < 0)
		return ret;
	if (!vmlab_zeroed(st.reserved, sizeof(st.reserved)))
		return -EINVAL;
	if (st.count > VMLAB_PSTATE_MAX || (st.count && !st.entries))
		return -EINVAL;
	/* no page is resident past max_pages: no need for more room */
	room = min_t(u64, st.count, READ_ONCE(vmlab_max_pages));
	if (room) {
		e = kvcalloc(room, sizeof(*e), GFP_KERNEL_ACCOUNT);
		if (!e)
			return -ENOMEM;
	}
	/* filled under the lock, copied after: the entries may be vmlab pages */
	vmlab_lock(inst);
	vmlab_policy_state(inst, e, room, &st);
	mutex_unlock(&inst->lock);
	ret = 0;
	if (st.count && copy_to_user(u64_to_user_ptr(st.entries), e,
				     st.count * sizeof(*e)))
		ret = -EFAULT;
	kvfree(e);
	if (ret)
		return ret;
	ret = vmlab_copy_out(uarg, &st, sizeof(st));
	if (!ret && room && st.resident > room)
		ret = -ENOSPC;	/* room < count only when resident <= room */
	return ret;
}

static long vmlab_ioc_set_bpf_policy(struct vmlab_instance *inst,
				     void __user *uarg)
{
	struct vmlab_bpf_policy bp;
	char name[VMLAB_BPF_NAME_LEN];
	long len;
	int ret;

	ret = vmlab_copy_in(&bp, sizeof(bp), uarg);
	if (ret < 0)
		return ret;
	if (bp.flags || !vmlab_zeroed(bp.reserved, sizeof(bp.reserved)))
		return -EINVAL;
	if (!vmlab_bpf_policy_available())
		return -EPROTONOSUPPORT;
	len = strncpy_from_user(name, u64_to_user_ptr(bp.name), sizeof(name));
	if (len < 0)
		return len;
	if (!len || len == sizeof(name))
		return -EINVAL;
	return vmlab_bpf_policy_set(inst, name);
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

/* The mm of process @pid (0: the caller), referenced; an ERR_PTR if none. */
static struct mm_struct *vmlab_pid_mm(u32 pid)
{
	struct task_struct *task;
	struct mm_struct *mm;

	if (!pid || pid == task_tgid_vnr(current)) {
		task = current;
		get_task_struct(task);
	} else {
		if (!capable(CAP_SYS_ADMIN))
			return ERR_PTR(-EPERM);
		rcu_read_lock();
		task = pid_task(find_vpid(pid), PIDTYPE_PID);
		if (task)
			get_task_struct(task);
		rcu_read_unlock();
		if (!task)
			return ERR_PTR(-ESRCH);
	}
	mm = get_task_mm(task);
	put_task_struct(task);
	return mm ?: ERR_PTR(-EFAULT);
}

static long vmlab_ioc_pt(void __user *uarg)
{
	struct mm_struct *mm;
	struct vmlab_pt pt;
	u64 start, end;
	u32 pid;
	int ret;

	ret = vmlab_copy_in(&pt, sizeof(pt), uarg);
	if (ret < 0)
		return ret;
	if (pt.reserved0 || !vmlab_zeroed(pt.reserved, sizeof(pt.reserved)))
		return -EINVAL;
	pid = pt.pid;
	start = round_down(pt.start, PAGE_SIZE);
	end = pt.end ? round_up(pt.end, PAGE_SIZE) : 0;
	if (pt.end && (!end || start >= end))
		return -EINVAL;

	mm = vmlab_pid_mm(pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (!end)
		end = mm->task_size;
	if (start >= end || end > mm->task_size) {
		mmput(mm);
		return -EINVAL;
	}
	memset(&pt, 0, sizeof(pt));
	pt.pid = pid;
	pt.start = start;
	pt.end = end;
	pt.levels = pgtable_l5_enabled() ? 5 : 4;
	mmap_read_lock(mm);
	vmlab_pt_count(mm, start, end, &pt);
	mmap_read_unlock(mm);
	mmput(mm);
	return vmlab_copy_out(uarg, &pt, sizeof(pt));
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
	case VMLAB_POLICY_STATE:
		return vmlab_ioc_policy_state(inst, uarg);
	case VMLAB_PT:
		return vmlab_ioc_pt(uarg);
	case VMLAB_SET_BPF_POLICY:
		return vmlab_ioc_set_bpf_policy(inst, uarg);
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
