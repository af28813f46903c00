// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab page-table walks: VMLAB_WALK of stack, heap, code and vmlab
 * addresses, level by level; frames against /proc/self/pagemap; PFNs hidden
 * from an opener without CAP_SYS_ADMIN; the walk in fault records.
 */
#include <pthread.h>
#include <sys/prctl.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define PAGES		8U
#define KPF_THP		22	/* /proc/kpageflags: transparent huge page */

FIXTURE(walk) {
	struct vmlab_lab lab;
	struct vmlab_info info;
	size_t levels;
};

FIXTURE_SETUP(walk)
{
	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, PAGES,
				    VMLAB_EV_BIT(VMLAB_EV_FAULT),
				    VMLAB_CFG_WALK, 1024));
	/* one page table for all pages: untouched neighbours have a PTE slot */
	munmap(self->lab.map, PAGES * self->lab.ps);
	self->lab.map = vmlab_mmap_pmd_aligned(self->lab.fd, PAGES, 0);
	ASSERT_NE(MAP_FAILED, self->lab.map);
	ASSERT_EQ(0, vmlab_get_info(self->lab.fd, &self->info));
	self->levels = self->info.pgtable_levels;
	ASSERT_TRUE(self->levels == 4 || self->levels == 5);
}

FIXTURE_TEARDOWN(walk)
{
	vmlab_lab_close(&self->lab);
}

/* A function to take the address of; called first, so its page is mapped. */
static __attribute__((noinline)) int code_marker(int x)
{
	return x * 3 + 1;
}

static volatile char heap_sink;

/* The four kinds of address the ABI names, each present and touched. */
struct addrs {
	const void *p[4];
	const char *name[4];
};

static void addrs_init(struct addrs *a, char *stack, char *heap,
		       struct vmlab_lab *lab)
{
	stack[0] = 1;
	heap[0] = 1;
	heap_sink = (char)code_marker(heap[0]);
	vmlab_touch_write(lab->map, 1, 1);
	*a = (struct addrs){
		{ stack, heap, (const void *)code_marker, lab->map },
		{ "stack", "heap", "code", "vmlab" },
	};
}

/* The table index of @addr at @level with @levels-level paging. */
static __u32 level_index(__u64 addr, unsigned int level, size_t levels)
{
	static const unsigned int shift[VMLAB_LEVELS] = { 39, 39, 30, 21, 12 };

	if (level == VMLAB_PGD)
		return (addr >> (levels == 5 ? 48 : 39)) & 511;
	if (level == VMLAB_P4D && levels == 4)
		return 0;
	return (addr >> shift[level]) & 511;
}

/* Expect a walk that reached a present 4 KiB PTE for @w->addr. */
#define EXPECT_PTE_WALK(w, levels) do {					\
		unsigned int __l;					\
									\
		EXPECT_EQ(5U, (w).depth);				\
		EXPECT_EQ(VMLAB_WALK_MAPPED, (w).flags);		\
		for (__l = 0; __l < VMLAB_LEVELS; __l++) {		\
			EXPECT_EQ(level_index((w).addr, __l, levels),	\
				  (w).index[__l]) TH_LOG("level %u", __l); \
			EXPECT_EQ(VMLAB_PTE_P, (w).entry[__l] & VMLAB_PTE_P) \
				TH_LOG("level %u", __l);		\
			EXPECT_EQ(VMLAB_PTE_US, (w).entry[__l] & VMLAB_PTE_US) \
				TH_LOG("level %u", __l);		\
		}							\
	} while (0)

#define PTE(w)	((w).entry[VMLAB_PTE])

TEST_F(walk, walk_of_a_stack_address_reaches_a_writable_dirty_nx_pte)
{
	volatile char stack[64];
	struct vmlab_walk w;

	stack[0] = 1;
	ASSERT_EQ(0, vmlab_walk(self->lab.fd, (const void *)stack, &w));
	EXPECT_PTE_WALK(w, self->levels);
	EXPECT_EQ(VMLAB_PTE_RW, PTE(w) & VMLAB_PTE_RW);
	EXPECT_EQ(VMLAB_PTE_A | VMLAB_PTE_D,
		  PTE(w) & (VMLAB_PTE_A | VMLAB_PTE_D));
	if (vmlab_cpu_has("nx"))
		EXPECT_EQ(VMLAB_PTE_NX, PTE(w) & VMLAB_PTE_NX);
}

TEST_F(walk, walk_of_a_heap_address_reaches_a_writable_dirty_pte)
{
	volatile char *heap = malloc(64);
	struct vmlab_walk w;

	ASSERT_NE(NULL, heap);
	heap[0] = 1;
	ASSERT_EQ(0, vmlab_walk(self->lab.fd, (const void *)heap, &w));
	EXPECT_PTE_WALK(w, self->levels);
	EXPECT_EQ(VMLAB_PTE_RW, PTE(w) & VMLAB_PTE_RW);
	EXPECT_EQ(VMLAB_PTE_D, PTE(w) & VMLAB_PTE_D);
	if (vmlab_cpu_has("nx"))
		EXPECT_EQ(VMLAB_PTE_NX, PTE(w) & VMLAB_PTE_NX);
	free((void *)heap);
}

TEST_F(walk, walk_of_a_code_address_reaches_a_read_only_executable_pte)
{
	struct vmlab_walk w;

	ASSERT_EQ(4, code_marker(1));
	ASSERT_EQ(0, vmlab_walk(self->lab.fd, (const void *)code_marker, &w));
	EXPECT_PTE_WALK(w, self->levels);
	EXPECT_EQ(0ULL, PTE(w) & VMLAB_PTE_RW);
	EXPECT_EQ(0ULL, PTE(w) & VMLAB_PTE_NX);
}

TEST_F(walk, walk_of_a_vmlab_page_after_a_read_is_read_only_and_clean)
{
	struct vmlab_walk w;

	vmlab_touch_read(self->lab.map, 1);
	ASSERT_EQ(0, vmlab_walk(self->lab.fd, self->lab.map, &w));
	EXPECT_PTE_WALK(w, self->levels);
	EXPECT_EQ(0ULL, PTE(w) & (VMLAB_PTE_RW | VMLAB_PTE_D));
	EXPECT_EQ(VMLAB_PTE_A, PTE(w) & VMLAB_PTE_A);
	if (vmlab_cpu_has("nx"))
		EXPECT_EQ(VMLAB_PTE_NX, PTE(w) & VMLAB_PTE_NX);
}

TEST_F(walk, walk_of_a_vmlab_page_after_a_write_is_writable_and_dirty)
{
	struct vmlab_walk w;

	vmlab_touch_read(self->lab.map, 1);
	vmlab_touch_write(self->lab.map, 1, 1);
	ASSERT_EQ(0, vmlab_walk(self->lab.fd, self->lab.map, &w));
	EXPECT_PTE_WALK(w, self->levels);
	EXPECT_EQ(VMLAB_PTE_RW | VMLAB_PTE_D,
		  PTE(w) & (VMLAB_PTE_RW | VMLAB_PTE_D));
}

TEST_F(walk, walk_of_an_untouched_vmlab_page_reaches_an_empty_pte)
{
	struct vmlab_walk w;

	vmlab_touch_write(self->lab.map, 1, 1);
	ASSERT_EQ(0, vmlab_walk(self->lab.fd, vmlab_page(&self->lab, 1), &w));
	EXPECT_EQ(5U, w.depth);
	EXPECT_EQ(0U, w.flags);
	EXPECT_EQ(0ULL, PTE(w));
	EXPECT_EQ(level_index(w.addr, VMLAB_PTE, self->levels),
		  w.index[VMLAB_PTE]);
	EXPECT_EQ(0ULL, w.pfn);
	EXPECT_EQ(0ULL, w.phys);
}

/*
 * A PROT_NONE page keeps its leaf with the present bit clear (and, on x86,
 * its frame bits inverted): the walk says so and shows no frame.
 */
TEST_F(walk, walk_of_a_prot_none_page_finds_a_leaf_the_cpu_cannot_use)
{
	struct vmlab_walk w;

	vmlab_touch_write(self->lab.map, 1, 1);
	ASSERT_EQ(0, mprotect(self->lab.map, self->lab.ps, PROT_NONE));
	ASSERT_EQ(0, vmlab_walk(self->lab.fd, self->lab.map, &w));
	EXPECT_EQ(5U, w.depth);
	EXPECT_EQ(VMLAB_WALK_PROTNONE, w.flags);
	EXPECT_NE(0ULL, PTE(w));
	EXPECT_EQ(0ULL, PTE(w) & VMLAB_PTE_P);
	EXPECT_EQ(0ULL, w.pfn);
	EXPECT_EQ(0ULL, w.phys);

	ASSERT_EQ(0, mprotect(self->lab.map, self->lab.ps, PROT_READ));
	ASSERT_EQ(0, vmlab_walk(self->lab.fd, self->lab.map, &w));
	EXPECT_EQ(VMLAB_WALK_MAPPED, w.flags);
	EXPECT_EQ(VMLAB_PTE_P, PTE(w) & VMLAB_PTE_P);
}

TEST_F(walk, walk_of_an_unmapped_address_finds_no_frame)
{
	char *p = mmap(NULL, self->lab.ps, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vmlab_walk w;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p, self->lab.ps));
	ASSERT_EQ(0, vmlab_walk(self->lab.fd, p, &w));
	EXPECT_EQ(0U, w.flags & VMLAB_WALK_MAPPED);
	EXPECT_EQ(0ULL, w.pfn);
	EXPECT_EQ(0ULL, w.phys);
	EXPECT_GE(5U, w.depth);
}

TEST_F(walk, walk_of_a_kernel_address_reveals_nothing)
{
	struct vmlab_walk w;
	unsigned int l;

	ASSERT_EQ(0, vmlab_walk(self->lab.fd, (void *)0xffffffff81000000UL,
				&w));
	EXPECT_EQ(0U, w.depth);
	EXPECT_EQ(0U, w.flags);
	for (l = 0; l < VMLAB_LEVELS; l++)
		EXPECT_EQ(0ULL, w.entry[l]);
	EXPECT_EQ(0ULL, w.pfn);
}

TEST_F(walk, walk_indices_are_the_address_bits_of_each_level)
{
	char stack[64], *heap = malloc(64);
	struct vmlab_walk w;
	struct addrs a;
	unsigned int i, l;

	ASSERT_NE(NULL, heap);
	addrs_init(&a, stack, heap, &self->lab);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, vmlab_walk(self->lab.fd, a.p[i], &w));
		EXPECT_EQ((__u64)(uintptr_t)a.p[i], w.addr);
		for (l = 0; l < VMLAB_LEVELS; l++)
			EXPECT_EQ(level_index(w.addr, l, self->levels),
				  w.index[l])
				TH_LOG("%s level %u", a.name[i], l);
	}
	free(heap);
}

TEST_F(walk, p4d_is_folded_into_the_pgd_with_4_level_paging)
{
	struct vmlab_walk w;

	if (self->levels != 4)
		SKIP(return, "5-level paging: the P4D is a table of its own");
	vmlab_touch_write(self->lab.map, 1, 1);
	ASSERT_EQ(0, vmlab_walk(self->lab.fd, self->lab.map, &w));
	EXPECT_EQ(w.entry[VMLAB_PGD], w.entry[VMLAB_P4D]);
	EXPECT_EQ(0U, w.index[VMLAB_P4D]);
}

TEST_F(walk, walk_frame_equals_pagemap_pfn_as_root)
{
	char stack[64], *heap = malloc(64);
	struct vmlab_walk w;
	struct addrs a;
	unsigned int i;
	long long pfn;

	ASSERT_NE(NULL, heap);
	ASSERT_TRUE(vmlab_has_cap(CAP_SYS_ADMIN));
	EXPECT_EQ(VMLAB_INFO_PFN_VISIBLE,
		  self->info.flags & VMLAB_INFO_PFN_VISIBLE);
	addrs_init(&a, stack, heap, &self->lab);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, vmlab_walk(self->lab.fd, a.p[i], &w));
		pfn = vmlab_pagemap_pfn(a.p[i]);
		EXPECT_LT(0, pfn) TH_LOG("%s", a.name[i]);
		EXPECT_EQ((__u64)pfn, w.pfn) TH_LOG("%s", a.name[i]);
		EXPECT_EQ(pfn * self->lab.ps + (w.addr & (self->lab.ps - 1)),
			  w.phys) TH_LOG("%s", a.name[i]);
		if (!(w.flags & VMLAB_WALK_HUGE))
			EXPECT_EQ(pfn * self->lab.ps,
				  PTE(w) & VMLAB_PTE_PFN_MASK)
				TH_LOG("%s", a.name[i]);
	}
	free(heap);
}

/* The /proc/kpageflags word of frame @pfn, or 0. */
static __u64 kpageflags(__u64 pfn)
{
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	__u64 flags = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &flags, sizeof(flags), (off_t)(pfn * 8)) != 8)
		flags = 0;
	close(fd);
	return flags;
}

TEST_F(walk, walk_of_a_transparent_huge_page_stops_at_its_pmd)
{
	char *res, *huge, *addr;
	struct vmlab_walk w;
	long long pfn;

	res = mmap(NULL, 2 * VMLAB_PMD_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	huge = (char *)(((uintptr_t)res + VMLAB_PMD_SIZE - 1) &
			~(VMLAB_PMD_SIZE - 1));
	madvise(huge, VMLAB_PMD_SIZE, MADV_HUGEPAGE);
	memset(huge, 1, VMLAB_PMD_SIZE);
	addr = huge + 5 * self->lab.ps + 17;
	pfn = vmlab_pagemap_pfn(addr);
	ASSERT_LT(0, pfn);
	if (!(kpageflags(pfn) >> KPF_THP & 1))
		SKIP(goto out, "the kernel gave no transparent huge page");

	ASSERT_EQ(0, vmlab_walk(self->lab.fd, addr, &w));
	EXPECT_EQ(4U, w.depth);
	EXPECT_EQ(VMLAB_WALK_MAPPED | VMLAB_WALK_HUGE, w.flags);
	EXPECT_EQ(VMLAB_PTE_PS, w.entry[VMLAB_PMD] & VMLAB_PTE_PS);
	EXPECT_EQ(0ULL, PTE(w));
	/* the frame of the 4 KiB page holding addr, as pagemap says */
	EXPECT_EQ((__u64)pfn, w.pfn);
	EXPECT_EQ(pfn * self->lab.ps + 17, w.phys);
out:
	munmap(res, 2 * VMLAB_PMD_SIZE);
}

/* ---------------------------------------------- without CAP_SYS_ADMIN */

/* Expect a walk of a mapped 4 KiB page with every PFN hidden. */
static int check_hidden_walk(int fd, const void *addr)
{
	struct vmlab_walk w;
	unsigned int l;

	CHILD_CHECK(vmlab_walk(fd, addr, &w) == 0);
	CHILD_CHECK(w.depth == 5);
	CHILD_CHECK(w.flags == VMLAB_WALK_MAPPED);
	CHILD_CHECK(w.pfn == 0);
	CHILD_CHECK(w.phys == 0);
	for (l = 0; l < VMLAB_LEVELS; l++) {
		CHILD_CHECK((w.entry[l] & VMLAB_PTE_PFN_MASK) == 0);
		CHILD_CHECK(w.entry[l] & VMLAB_PTE_P);
	}
	return 0;
}

static int walk_without_cap_sys_admin(void *arg)
{
	struct vmlab_lab *lab = arg;
	char stack[64], *heap = malloc(64);
	struct vmlab_info info;
	struct addrs a;
	int fd, i;

	CHILD_CHECK(heap != NULL);
	CHILD_CHECK(vmlab_drop_cap(CAP_SYS_ADMIN) == 0);
	CHILD_CHECK(!vmlab_has_cap(CAP_SYS_ADMIN));
	fd = vmlab_open(0);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(vmlab_get_info(fd, &info) == 0);
	CHILD_CHECK(!(info.flags & VMLAB_INFO_PFN_VISIBLE));
	/* the child has no PTEs of the inherited vmlab mapping until it touches */
	addrs_init(&a, stack, heap, lab);
	for (i = 0; i < 4; i++)
		if (check_hidden_walk(fd, a.p[i]))
			return 1;
	close(fd);
	return 0;
}

TEST_F(walk, walk_hides_pfns_from_an_opener_without_cap_sys_admin)
{
	EXPECT_EQ(0, vmlab_in_child(walk_without_cap_sys_admin, &self->lab));
}

static int walk_with_fd_opened_as_root(void *arg)
{
	struct vmlab_lab *lab = arg;
	struct vmlab_info info;
	struct vmlab_walk w;

	CHILD_CHECK(vmlab_drop_cap(CAP_SYS_ADMIN) == 0);
	vmlab_touch_write(lab->map, 1, 1);
	CHILD_CHECK(vmlab_get_info(lab->fd, &info) == 0);
	CHILD_CHECK(info.flags & VMLAB_INFO_PFN_VISIBLE);
	CHILD_CHECK(vmlab_walk(lab->fd, lab->map, &w) == 0);
	CHILD_CHECK(w.pfn != 0);
	CHILD_CHECK((w.entry[VMLAB_PTE] & VMLAB_PTE_PFN_MASK) ==
		    w.pfn * vmlab_page_size());
	return 0;
}

TEST_F(walk, pfn_visibility_is_decided_at_open)
{
	EXPECT_EQ(0, vmlab_in_child(walk_with_fd_opened_as_root, &self->lab));
}

/* ------------------------------------------------------ fault records */

/* Expect fault record @e's walk to equal VMLAB_WALK of its address now. */
#define EXPECT_RECORD_MATCHES_WALK(fd, e) do {				\
		struct vmlab_walk __w;					\
		unsigned int __l;					\
									\
		ASSERT_EQ(0, vmlab_walk(fd, (void *)(uintptr_t)(e).fault.addr, \
					&__w));				\
		EXPECT_EQ(__w.depth, (e).fault.depth);			\
		EXPECT_EQ(__w.pfn, (e).fault.pfn);			\
		for (__l = 0; __l < VMLAB_LEVELS; __l++) {		\
			EXPECT_EQ(__w.entry[__l], (e).fault.entry[__l])	\
				TH_LOG("level %u", __l);		\
		}							\
	} while (0)

TEST_F(walk, fault_record_walk_equals_vmlab_walk_after_the_fault)
{
	struct vmlab_event ev[4];

	vmlab_touch_read(vmlab_page(&self->lab, 0), 1);
	vmlab_touch_write(vmlab_page(&self->lab, 1), 1, 1);
	ASSERT_EQ(2, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_EQ(5U, ev[0].fault.depth);
	EXPECT_RECORD_MATCHES_WALK(self->lab.fd, ev[0]);
	EXPECT_RECORD_MATCHES_WALK(self->lab.fd, ev[1]);
}

/*
 * Where a fault's walk runs: in the handler once ->fault mapped the page
 * itself (6.15+: the module inserts the PTE), else deferred to the return
 * to user space, after the core mapped it.  Four read faults and four
 * write faults on missing pages.
 */
TEST_F(walk, zero_fills_walk_in_the_handler_where_the_module_maps_the_page)
{
	long long deferred = vmlab_kernel_at_least(6, 15) ? 0 : 8;
	struct vmlab_event ev[8];
	int i;

	vmlab_touch_read(self->lab.map, 4);
	vmlab_touch_write(vmlab_page(&self->lab, 4), 4, 1);
	EXPECT_EQ(deferred, vmlab_debugfs_stat(self->lab.fd, "walks_deferred"));
	ASSERT_EQ(8, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	for (i = 0; i < 8; i++) {
		EXPECT_EQ((__u64)i, ev[i].fault.pgoff);
		EXPECT_EQ((__u32)VMLAB_FAULT_ZERO, ev[i].fault.kind);
	}
}

/*
 * A write upgrade's PTE is made writable and dirty by the core after
 * ->page_mkwrite returns, on every kernel: its walk waits for the return
 * to user space.
 */
TEST_F(walk, write_upgrades_walk_at_the_return_to_user_space)
{
	struct vmlab_event ev[8];
	int i;

	vmlab_touch_read(self->lab.map, 4);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	vmlab_touch_write(self->lab.map, 4, 1);
	EXPECT_EQ(4, vmlab_debugfs_stat(self->lab.fd, "walks_deferred"));
	ASSERT_EQ(8, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	for (i = 4; i < 8; i++)
		EXPECT_EQ((__u32)VMLAB_FAULT_UPGRADE, ev[i].fault.kind);
}

TEST_F(walk, fault_record_walk_shows_the_pte_its_access_installed)
{
	struct vmlab_event ev[4];

	vmlab_touch_read(self->lab.map, 1);
	vmlab_touch_write(self->lab.map, 1, 1);
	vmlab_touch_write(vmlab_page(&self->lab, 1), 1, 1);
	ASSERT_EQ(3, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	/* read fault: present, read-only */
	EXPECT_EQ((__u32)VMLAB_FAULT_ZERO, ev[0].fault.kind);
	EXPECT_EQ(VMLAB_PTE_P, ev[0].fault.entry[VMLAB_PTE] &
			       (VMLAB_PTE_P | VMLAB_PTE_RW | VMLAB_PTE_D));
	/* its upgrade: writable and dirty */
	EXPECT_EQ((__u32)VMLAB_FAULT_UPGRADE, ev[1].fault.kind);
	EXPECT_EQ(VMLAB_PTE_P | VMLAB_PTE_RW | VMLAB_PTE_D,
		  ev[1].fault.entry[VMLAB_PTE] &
		  (VMLAB_PTE_P | VMLAB_PTE_RW | VMLAB_PTE_D));
	/* write fault on a missing page: writable and dirty at once */
	EXPECT_EQ((__u32)VMLAB_FAULT_ZERO, ev[2].fault.kind);
	EXPECT_EQ(VMLAB_PTE_P | VMLAB_PTE_RW | VMLAB_PTE_D,
		  ev[2].fault.entry[VMLAB_PTE] &
		  (VMLAB_PTE_P | VMLAB_PTE_RW | VMLAB_PTE_D));
}

/*
 * The four faults one pread() or pwrite() of /proc/self/mem takes on vmlab
 * memory, @write or not: records in the order the faults were taken, each
 * with the PTE it installed.  The walk runs in the handler where it maps
 * the page (6.15+), else at the return to user space, where task_work runs
 * the newest first: the records came out in reverse order.
 */
static void expect_one_call_in_order(struct __test_metadata *_metadata,
				     struct vmlab_lab *lab, bool write)
{
	__u64 want = VMLAB_PTE_P | (write ? VMLAB_PTE_RW | VMLAB_PTE_D : 0);
	size_t ps = lab->ps, i;
	struct vmlab_event ev[8];
	char *buf = calloc(4, ps);
	ssize_t n;
	int fd;

	ASSERT_NE(NULL, buf);
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	if (write)
		n = pwrite(fd, buf, 4 * ps, (off_t)(uintptr_t)lab->map);
	else
		n = pread(fd, buf, 4 * ps, (off_t)(uintptr_t)lab->map);
	EXPECT_EQ((ssize_t)(4 * ps), n);
	close(fd);
	EXPECT_TRUE(vmlab_all_zero(buf, 4 * ps));
	free(buf);

	ASSERT_EQ(4, vmlab_read_ready(lab->fd, ev, ARRAY_SIZE(ev)));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ((__u64)i, ev[i].fault.pgoff);
		EXPECT_EQ((__u32)VMLAB_FAULT_ZERO, ev[i].fault.kind);
		EXPECT_EQ(write ? (__u32)VMLAB_ACC_WRITE : (__u32)VMLAB_ACC_READ,
			  ev[i].fault.access);
		EXPECT_EQ(5U, ev[i].fault.depth);
		EXPECT_EQ(want, ev[i].fault.entry[VMLAB_PTE] &
				(VMLAB_PTE_P | VMLAB_PTE_RW | VMLAB_PTE_D));
		EXPECT_RECORD_MATCHES_WALK(lab->fd, ev[i]);
	}
}

TEST_F(walk, read_faults_of_one_system_call_are_recorded_in_order_with_their_walks)
{
	expect_one_call_in_order(_metadata, &self->lab, false);
}

TEST_F(walk, write_faults_of_one_system_call_are_recorded_in_order_with_their_walks)
{
	expect_one_call_in_order(_metadata, &self->lab, true);
}

/* Read one byte of the parent's memory at @arg through /proc/PID/mem. */
static int read_parent_mem(void *arg)
{
	char path[64], c;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", getppid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(pread(fd, &c, 1, (off_t)(uintptr_t)arg) == 1);
	close(fd);
	return 0;
}

TEST_F(walk, remote_access_is_logged_for_the_accessing_task_with_the_targets_walk)
{
	struct vmlab_event ev[4];
	char *page = vmlab_page(&self->lab, 2);
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(read_parent_mem(page));
	ASSERT_EQ(0, vmlab_wait(pid));

	ASSERT_EQ(1, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_EQ((__u32)pid, ev[0].pid);
	EXPECT_EQ((__u64)(uintptr_t)page, ev[0].fault.addr);
	EXPECT_EQ(2ULL, ev[0].fault.pgoff);
	EXPECT_EQ((__u32)VMLAB_FAULT_ZERO, ev[0].fault.kind);
	EXPECT_EQ((__u32)VMLAB_ACC_READ, ev[0].fault.access);
	/* the walk is of this process's page tables, where the page went */
	EXPECT_EQ(5U, ev[0].fault.depth);
	EXPECT_RECORD_MATCHES_WALK(self->lab.fd, ev[0]);
}

TEST_F(walk, fault_record_pfn_equals_pagemap_pfn_as_root)
{
	struct vmlab_event ev[2];
	long long pfn;

	vmlab_touch_write(self->lab.map, 1, 1);
	ASSERT_EQ(1, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	pfn = vmlab_pagemap_pfn(self->lab.map);
	ASSERT_LT(0, pfn);
	EXPECT_EQ((__u64)pfn, ev[0].fault.pfn);
	EXPECT_EQ(pfn * self->lab.ps,
		  ev[0].fault.entry[VMLAB_PTE] & VMLAB_PTE_PFN_MASK);
}

static int fault_records_without_cap_sys_admin(void *arg)
{
	struct vmlab_event ev[4];
	struct vmlab_lab lab;
	unsigned int l;
	ssize_t n, i;

	(void)arg;
	CHILD_CHECK(vmlab_drop_cap(CAP_SYS_ADMIN) == 0);
	CHILD_CHECK(vmlab_lab_open(&lab, PAGES, VMLAB_EV_BIT(VMLAB_EV_FAULT),
				   VMLAB_CFG_WALK, 1024) == 0);
	vmlab_touch_read(lab.map, 1);
	vmlab_touch_write(lab.map, 2, 1);
	n = vmlab_read_ready(lab.fd, ev, ARRAY_SIZE(ev));
	CHILD_CHECK(n == 3);
	for (i = 0; i < n; i++) {
		CHILD_CHECK(ev[i].fault.pfn == 0);
		CHILD_CHECK(ev[i].fault.depth == 5);
		CHILD_CHECK(ev[i].fault.entry[VMLAB_PTE] & VMLAB_PTE_P);
		for (l = 0; l < VMLAB_LEVELS; l++)
			CHILD_CHECK((ev[i].fault.entry[l] &
				     VMLAB_PTE_PFN_MASK) == 0);
	}
	vmlab_lab_close(&lab);
	return 0;
}

TEST_F(walk, fault_records_hide_pfns_from_an_opener_without_cap_sys_admin)
{
	EXPECT_EQ(0, vmlab_in_child(fault_records_without_cap_sys_admin, NULL));
}

TEST_F(walk, fault_records_without_the_walk_flag_carry_no_walk)
{
	struct vmlab_event ev[2];
	unsigned int l;

	ASSERT_EQ(0, vmlab_set_config(self->lab.fd, PAGES * self->lab.ps,
				      VMLAB_EV_BIT(VMLAB_EV_FAULT), 0, 1024));
	vmlab_touch_write(self->lab.map, 1, 1);
	ASSERT_EQ(1, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_EQ(0U, ev[0].fault.depth);
	for (l = 0; l < VMLAB_LEVELS; l++)
		EXPECT_EQ(0ULL, ev[0].fault.entry[l]);
}

/*
 * munmap() frees the page tables of what it unmapped after downgrading the
 * mmap lock to read, which is all VMLAB_WALK holds: a walk of the address
 * must never read a table being freed.  One thread maps, touches and
 * unmaps the middle 2 MiB of a PROT_NONE reservation over and over (its
 * PTE table is freed each time: the neighbours share none of it); this one
 * walks an address in it meanwhile.  Every walk must be whole - mapped at
 * the PTE level, or stopped where an entry was not present - and the
 * debug kernels' KASAN and page-table check watch the reads.
 */
#define RACE_SPAN	(2UL << 20)

struct unmap_racer {
	char *chunk;
	volatile bool stop;
	unsigned long rounds;
};

static void *unmap_racer_fn(void *arg)
{
	struct unmap_racer *r = arg;

	while (!r->stop) {
		if (mmap(r->chunk, RACE_SPAN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != r->chunk)
			return NULL;
		/* a PTE table, not a huge page: the table is what munmap() frees */
		if (madvise(r->chunk, RACE_SPAN, MADV_NOHUGEPAGE))
			return NULL;
		r->chunk[0] = 1;
		if (munmap(r->chunk, RACE_SPAN))
			return NULL;
		r->rounds++;
	}
	return NULL;
}

TEST_F(walk, walk_racing_munmap_reads_no_freed_page_table)
{
	char *res = mmap(NULL, 4 * RACE_SPAN, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct unmap_racer r = { };
	unsigned long walks = 0, mapped = 0;
	struct vmlab_walk w;
	pthread_t t;
	__u64 end;

	ASSERT_NE(MAP_FAILED, res);
	/* the middle of three whole 2 MiB spans: a PTE table of its own */
	r.chunk = (char *)(((uintptr_t)res + RACE_SPAN - 1) & ~(RACE_SPAN - 1)) +
		  RACE_SPAN;
	ASSERT_EQ(0, pthread_create(&t, NULL, unmap_racer_fn, &r));
	end = vmlab_now_ns() + 2000000000ULL;
	while (vmlab_now_ns() < end) {
		ASSERT_EQ(0, vmlab_walk(self->lab.fd, r.chunk, &w));
		if (w.flags & VMLAB_WALK_MAPPED) {
			ASSERT_EQ(5U, w.depth);
			ASSERT_NE(0ULL, w.entry[VMLAB_PTE] & VMLAB_PTE_P);
			mapped++;
		} else {
			ASSERT_GE(5U, w.depth);
			if (w.depth == 5)
				ASSERT_EQ(0ULL, w.entry[VMLAB_PTE] & VMLAB_PTE_P);
		}
		walks++;
	}
	r.stop = true;
	ASSERT_EQ(0, pthread_join(t, NULL));
	TH_LOG("%lu walks, %lu of them mapped; %lu map/unmap rounds",
	       walks, mapped, r.rounds);
	EXPECT_LT(0UL, r.rounds);
	EXPECT_LT(0UL, walks);
	munmap(res, 4 * RACE_SPAN);
}

VMLAB_HARNESS_MAIN
