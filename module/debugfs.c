// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - debugfs: /sys/kernel/debug/vmlab/<instance>/{config,stats,resident},
 * root only, for looking at a running experiment from outside, and
 * /sys/kernel/debug/vmlab/{instances,pages}: what all instances hold, for
 * leak checks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "vmlab.h"

static struct dentry *vmlab_debugfs_root;

static int vmlab_config_show(struct seq_file *m, void *v)
{
	struct vmlab_instance *inst = m->private;

	vmlab_lock(inst);
	seq_printf(m, "region_size %llu\n", inst->cfg.region_size);
	seq_printf(m, "event_mask 0x%llx\n", inst->cfg.event_mask);
	seq_printf(m, "flags 0x%x\n", inst->cfg.flags);
	seq_printf(m, "ring_records %u\n", inst->cfg.ring_records);
	seq_printf(m, "policy %u\n", inst->cfg.policy);
	seq_printf(m, "frames %llu\n", inst->cfg.frames);
	seq_printf(m, "tlb_window %u\n", inst->cfg.tlb_window);
	seq_printf(m, "ws_window %llu\n", inst->cfg.ws_window);
	seq_printf(m, "low_watermark %u\n", inst->cfg.low_watermark);
	seq_printf(m, "high_watermark %u\n", inst->cfg.high_watermark);
	seq_printf(m, "backing %s\n", inst->backing ? "file" : "memory");
	seq_printf(m, "mapped %d\n", inst->mapped);
	mutex_unlock(&inst->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmlab_config);

static int vmlab_stats_show(struct seq_file *m, void *v)
{
	struct vmlab_instance *inst = m->private;
	struct vmlab_stats st;

	vmlab_stats_fill(inst, &st);
	seq_printf(m, "faults %llu\n", st.faults);
	seq_printf(m, "faults_zero %llu\n", st.faults_zero);
	seq_printf(m, "faults_minor %llu\n", st.faults_minor);
	seq_printf(m, "faults_upgrade %llu\n", st.faults_upgrade);
	seq_printf(m, "faults_cow %llu\n", st.faults_cow);
	seq_printf(m, "fault_errors %llu\n", st.fault_errors);
	seq_printf(m, "pages_resident %llu\n", st.pages_resident);
	seq_printf(m, "pages_allocated %llu\n", st.pages_allocated);
	seq_printf(m, "tlb_module %llu\n", st.tlb_module);
	seq_printf(m, "tlb_kernel %llu\n", st.tlb_kernel);
	seq_printf(m, "events %llu\n", st.events);
	seq_printf(m, "events_dropped %llu\n", st.events_dropped);
	seq_printf(m, "faults_swapin %llu\n", st.faults_swapin);
	seq_printf(m, "faults_soft %llu\n", st.faults_soft);
	seq_printf(m, "evictions %llu\n", st.evictions);
	seq_printf(m, "swap_outs %llu\n", st.swap_outs);
	seq_printf(m, "swap_ins %llu\n", st.swap_ins);
	seq_printf(m, "clean_drops %llu\n", st.clean_drops);
	seq_printf(m, "io_errors %llu\n", st.io_errors);
	seq_printf(m, "evict_pinned %llu\n", st.evict_pinned);
	seq_printf(m, "over_budget %llu\n", st.over_budget);
	seq_printf(m, "store_pages %llu\n", st.store_pages);
	seq_printf(m, "faults_free_frame %llu\n", st.faults_free_frame);
	seq_printf(m, "faults_evicted %llu\n", st.faults_evicted);
	seq_printf(m, "daemon_runs %llu\n", st.daemon_runs);
	seq_printf(m, "daemon_evictions %llu\n", st.daemon_evictions);
	/* not in vmlab_stats: how the module took them, not what they were */
	seq_printf(m, "faults_unlocked %llu\n",
		   vmlab_counter_sum(inst, VMLAB_PCPU_OFF(faults_unlocked)));
	seq_printf(m, "fault_locks %llu\n",
		   vmlab_counter_sum(inst, VMLAB_PCPU_OFF(fault_locks)));
	seq_printf(m, "walks_deferred %llu\n",
		   vmlab_counter_sum(inst, VMLAB_PCPU_OFF(walks_deferred)));
	seq_printf(m, "misses_undone %llu\n",
		   vmlab_counter_sum(inst, VMLAB_PCPU_OFF(misses_undone)));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmlab_stats);

/* One line per resident page: its page offset. */
static int vmlab_resident_show(struct seq_file *m, void *v)
{
	struct vmlab_instance *inst = m->private;
	struct vmlab_frame *f;
	unsigned long idx;

	vmlab_lock(inst);
	xa_for_each(&inst->pages, idx, f)
		seq_printf(m, "%lu\n", idx);
	mutex_unlock(&inst->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmlab_resident);

void vmlab_debugfs_add(struct vmlab_instance *inst)
{
	char name[16];

	if (IS_ERR_OR_NULL(vmlab_debugfs_root))
		return;
	snprintf(name, sizeof(name), "%u", inst->id);
	inst->debugfs = debugfs_create_dir(name, vmlab_debugfs_root);
	debugfs_create_file("config", 0400, inst->debugfs, inst, &vmlab_config_fops);
	debugfs_create_file("stats", 0400, inst->debugfs, inst, &vmlab_stats_fops);
	debugfs_create_file("resident", 0400, inst->debugfs, inst, &vmlab_resident_fops);
}

void vmlab_debugfs_remove(struct vmlab_instance *inst)
{
	debugfs_remove(inst->debugfs);
	inst->debugfs = NULL;
}

static int vmlab_counter_get(void *data, u64 *val)
{
	*val = atomic_long_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vmlab_counter_fops, vmlab_counter_get, NULL, "%llu\n");

void vmlab_debugfs_init(void)
{
	vmlab_debugfs_root = debugfs_create_dir("vmlab", NULL);
	debugfs_create_file_unsafe("instances", 0400, vmlab_debugfs_root,
				   &vmlab_nr_instances, &vmlab_counter_fops);
	debugfs_create_file_unsafe("pages", 0400, vmlab_debugfs_root,
				   &vmlab_nr_pages, &vmlab_counter_fops);
}

void vmlab_debugfs_exit(void)
{
	debugfs_remove(vmlab_debugfs_root);
}
