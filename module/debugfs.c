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

void vmlab_stats_fill(struct vmlab_instance *inst, struct vmlab_stats *st)
{
	struct vmlab_counters *c = &inst->stats;
	unsigned int kind;

	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	for (kind = VMLAB_FAULT_ZERO; kind < VMLAB_FAULT_KIND_MAX; kind++)
		st->faults += atomic64_read(&c->faults[kind]);
	st->faults_zero = atomic64_read(&c->faults[VMLAB_FAULT_ZERO]);
	st->faults_minor = atomic64_read(&c->faults[VMLAB_FAULT_MINOR]);
	st->faults_upgrade = atomic64_read(&c->faults[VMLAB_FAULT_UPGRADE]);
	st->fault_errors = atomic64_read(&c->fault_errors);
	st->pages_resident = atomic64_read(&inst->nr_resident);
	st->pages_allocated = atomic64_read(&c->pages_allocated);
	st->tlb_module = atomic64_read(&c->tlb_module);
	st->tlb_kernel = atomic64_read(&c->tlb_kernel);
	st->events = atomic64_read(&c->events);
	st->events_dropped = atomic64_read(&c->events_dropped);
	st->faults_swapin = atomic64_read(&c->faults[VMLAB_FAULT_SWAPIN]);
	st->faults_soft = atomic64_read(&c->faults[VMLAB_FAULT_SOFT]);
	st->evictions = atomic64_read(&c->evictions);
	st->swap_outs = atomic64_read(&c->swap_outs);
	st->swap_out_bytes = st->swap_outs * PAGE_SIZE;
	st->swap_ins = atomic64_read(&c->swap_ins);
	st->swap_in_bytes = st->swap_ins * PAGE_SIZE;
	st->clean_drops = atomic64_read(&c->clean_drops);
	st->io_errors = atomic64_read(&c->io_errors);
	st->evict_pinned = atomic64_read(&c->evict_pinned);
	st->over_budget = atomic64_read(&c->over_budget);
	st->store_pages = atomic64_read(&inst->store_pages);
	st->pages_mapped = READ_ONCE(inst->nr_win);
}

static int vmlab_config_show(struct seq_file *m, void *v)
{
	struct vmlab_instance *inst = m->private;

	mutex_lock(&inst->lock);
	seq_printf(m, "region_size %llu\n", inst->cfg.region_size);
	seq_printf(m, "event_mask 0x%llx\n", inst->cfg.event_mask);
	seq_printf(m, "flags 0x%x\n", inst->cfg.flags);
	seq_printf(m, "ring_records %u\n", inst->cfg.ring_records);
	seq_printf(m, "policy %u\n", inst->cfg.policy);
	seq_printf(m, "frames %llu\n", inst->cfg.frames);
	seq_printf(m, "tlb_window %u\n", inst->cfg.tlb_window);
	seq_printf(m, "backing %s\n", inst->backing ? "file" : "memory");
	seq_printf(m, "mapped %d\n", inst->mapped);
	mutex_unlock(&inst->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmlab_config);

static int vmlab_stats_show(struct seq_file *m, void *v)
{
	struct vmlab_stats st;

	vmlab_stats_fill(m->private, &st);
	seq_printf(m, "faults %llu\n", st.faults);
	seq_printf(m, "faults_zero %llu\n", st.faults_zero);
	seq_printf(m, "faults_minor %llu\n", st.faults_minor);
	seq_printf(m, "faults_upgrade %llu\n", st.faults_upgrade);
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
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmlab_stats);

/* One line per resident page: its page offset. */
static int vmlab_resident_show(struct seq_file *m, void *v)
{
	struct vmlab_instance *inst = m->private;
	struct vmlab_frame *f;
	unsigned long idx;

	mutex_lock(&inst->lock);
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
