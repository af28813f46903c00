/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab - the instance's counters, one list: VMLAB_COUNTER(ID, field) is
 * counter VMLAB_CNT_ID, copied to vmlab_stats.field by VMLAB_GET_STATS and
 * zeroed by VMLAB_RESET_STATS.  Included with VMLAB_COUNTER defined, once
 * for enum vmlab_counter (vmlab.h) and once for the table of vmlab_stats
 * fields (events.c); no include guard.  Adding a counter: a field in
 * struct vmlab_stats (include/uapi/linux/vmlab.h) and a line here.
 *
 * The fault kinds come first, in the order of enum vmlab_fault_kind
 * (vmlab_count_fault() indexes them by kind).
 */
VMLAB_COUNTER(FAULTS_ZERO, faults_zero)
VMLAB_COUNTER(FAULTS_MINOR, faults_minor)
VMLAB_COUNTER(FAULTS_UPGRADE, faults_upgrade)
VMLAB_COUNTER(FAULTS_SWAPIN, faults_swapin)
VMLAB_COUNTER(FAULTS_SOFT, faults_soft)
VMLAB_COUNTER(FAULTS_COW, faults_cow)
VMLAB_COUNTER(FAULT_ERRORS, fault_errors)
VMLAB_COUNTER(PAGES_ALLOCATED, pages_allocated)
VMLAB_COUNTER(TLB_MODULE, tlb_module)
VMLAB_COUNTER(TLB_KERNEL, tlb_kernel)
VMLAB_COUNTER(EVENTS, events)
VMLAB_COUNTER(EVENTS_DROPPED, events_dropped)
VMLAB_COUNTER(EVICTIONS, evictions)
VMLAB_COUNTER(SWAP_OUTS, swap_outs)
VMLAB_COUNTER(SWAP_INS, swap_ins)
VMLAB_COUNTER(CLEAN_DROPS, clean_drops)
VMLAB_COUNTER(IO_ERRORS, io_errors)
VMLAB_COUNTER(EVICT_PINNED, evict_pinned)
VMLAB_COUNTER(OVER_BUDGET, over_budget)
VMLAB_COUNTER(RECLAIMS, reclaims)
VMLAB_COUNTER(FAULTS_FREE_FRAME, faults_free_frame)
VMLAB_COUNTER(FAULTS_EVICTED, faults_evicted)
VMLAB_COUNTER(DAEMON_RUNS, daemon_runs)
VMLAB_COUNTER(DAEMON_EVICTIONS, daemon_evictions)
VMLAB_COUNTER(BPF_REFUSED, bpf_refused)
VMLAB_COUNTER(BPF_NO_VICTIM, bpf_no_victim)
VMLAB_COUNTER(BPF_UNREGISTERED, bpf_unregistered)
