// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab page-table counts: VMLAB_PT on layouts whose tables are known
 * exactly (dense, one page per PMD span, one per PUD span, random sparse),
 * against the kernel's own accounting (VmPTE), in another process, with
 * 5-level paging, and every error it returns.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"
#include "../userspace/ptlayout.h"

#define LAYOUT_PAGES	64ULL

FIXTURE(pt) {
	int fd;
	struct pt_region region;
};

FIXTURE_SETUP(pt)
{
	VMLAB_REQUIRE_MODULE();
	self->fd = vmlab_open(O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(pt)
{
	pt_region_free(&self->region);
	close(self->fd);
}

static int pt_count(int fd, __u32 pid, __u64 start, __u64 end,
		    struct vmlab_pt *pt)
{
	memset(pt, 0, sizeof(*pt));
	pt->size = sizeof(*pt);
	pt->pid = pid;
	pt->start = start;
	pt->end = end;
	return vmlab_ioctl(fd, VMLAB_PT, pt);
}

/* VmPTE of this process, in bytes */
static long vmpte(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* The paging levels the CPU gives the kernel: 5 with LA57 */
static unsigned int cpu_levels(void)
{
	char line[4096];
	unsigned int levels = 4;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			if (strstr(line, " la57"))
				levels = 5;
			break;
		}
	fclose(f);
	return levels;
}

/*
 * Build @layout in @self->region and check that VMLAB_PT over it counts the
 * tables the layout needs, one entry per page at the PTE level, and that
 * VmPTE grew by exactly the tables that are the region's own.
 */
static void expect_layout_tables(struct __test_metadata *_metadata,
				 struct pt_region *r, int fd,
				 enum pt_layout layout, const __u64 *want)
{
	struct vmlab_pt pt;
	long before, after;
	__u64 own = 0;
	int l;

	/*
	 * pt_region_build() callocs its offsets: grow the heap for them
	 * first, or a heap top that crosses into a new 2 MiB span (where
	 * ASLR put it) adds a PTE table that is not the layout's.
	 */
	free(calloc(LAYOUT_PAGES, sizeof(uint64_t)));
	before = vmpte();
	ASSERT_EQ(0, pt_region_build(r, layout, LAYOUT_PAGES, 1));
	after = vmpte();
	ASSERT_EQ(0, pt_count(fd, 0, (uintptr_t)r->base,
			      (uintptr_t)r->base + r->span, &pt));
	for (l = 0; l < VMLAB_LEVELS; l++) {
		__u64 expect = l == VMLAB_P4D ? pt.levels == 5 : want[l];

		EXPECT_EQ(expect, pt.tables[l]) TH_LOG("level %d", l);
		if (l != VMLAB_P4D)
			EXPECT_EQ(r->tables[l], want[l]) TH_LOG("level %d", l);
		if (l >= (int)r->own_from)
			own += want[l];
	}
	EXPECT_EQ(LAYOUT_PAGES, pt.entries[VMLAB_PTE]);
	EXPECT_EQ(LAYOUT_PAGES, pt.leaves[VMLAB_PTE]);
	EXPECT_EQ(0ULL, pt.leaves[VMLAB_PMD]);
	EXPECT_EQ(0ULL, pt.leaves[VMLAB_PUD]);
	EXPECT_EQ((long)own * 4096, after - before);
}

TEST_F(pt, dense_pages_need_one_table_at_each_level)
{
	static const __u64 want[VMLAB_LEVELS] = { 1, 0, 1, 1, 1 };

	expect_layout_tables(_metadata, &self->region, self->fd, PT_DENSE, want);
}

TEST_F(pt, one_page_per_pmd_span_needs_a_pte_table_each)
{
	static const __u64 want[VMLAB_LEVELS] = { 1, 0, 1, 1, LAYOUT_PAGES };

	expect_layout_tables(_metadata, &self->region, self->fd, PT_PMD, want);
}

TEST_F(pt, one_page_per_pud_span_needs_a_pmd_and_pte_table_each)
{
	static const __u64 want[VMLAB_LEVELS] = {
		1, 0, 1, LAYOUT_PAGES, LAYOUT_PAGES
	};

	expect_layout_tables(_metadata, &self->region, self->fd, PT_PUD, want);
}

TEST_F(pt, sparse_pages_need_a_table_per_distinct_span)
{
	struct pt_region probe;
	__u64 want[VMLAB_LEVELS];

	/* where seed 1 puts them: the layout's own arithmetic, checked above */
	ASSERT_EQ(0, pt_region_build(&probe, PT_SPARSE, LAYOUT_PAGES, 1));
	memcpy(want, probe.tables, sizeof(want));
	pt_region_free(&probe);
	/* 64 pages at random in 64 GiB: nearly one PTE table each */
	EXPECT_LE(60ULL, want[VMLAB_PTE]);
	expect_layout_tables(_metadata, &self->region, self->fd, PT_SPARSE, want);
}

TEST_F(pt, whole_process_count_equals_vmpte)
{
	struct vmlab_pt pt;
	long before, after;

	ASSERT_EQ(0, pt_region_build(&self->region, PT_PMD, LAYOUT_PAGES, 1));
	before = vmpte();
	ASSERT_EQ(0, pt_count(self->fd, 0, 0, 0, &pt));
	after = vmpte();
	ASSERT_EQ(before, after);
	/* the kernel accounts PUD, PMD and PTE tables: not the PGD or a P4D */
	EXPECT_EQ(before, (long)(pt.tables[VMLAB_PUD] + pt.tables[VMLAB_PMD] +
				 pt.tables[VMLAB_PTE]) * 4096);
	EXPECT_EQ(1ULL, pt.tables[VMLAB_PGD]);
	EXPECT_EQ(0ULL, pt.start);
	EXPECT_LT(0ULL, pt.end);
}

TEST_F(pt, a_range_without_mappings_counts_nothing)
{
	struct vmlab_pt pt;
	char *hole;
	int l;

	hole = mmap(NULL, 1UL << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole, 1UL << 30));
	ASSERT_EQ(0, pt_count(self->fd, 0, (uintptr_t)hole,
			      (uintptr_t)hole + (1UL << 30), &pt));
	for (l = 0; l < VMLAB_LEVELS; l++) {
		EXPECT_EQ(0ULL, pt.tables[l]);
		EXPECT_EQ(0ULL, pt.entries[l]);
	}
}

TEST_F(pt, huge_pages_are_pmd_leaves_without_a_pte_table)
{
	struct vmlab_pt pt;
	char *map, *huge;

	map = mmap(NULL, 4UL << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	huge = (char *)(((uintptr_t)map + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	if (madvise(huge, 2UL << 20, MADV_HUGEPAGE)) {
		munmap(map, 4UL << 20);
		SKIP(return, "transparent huge pages are not built in");
	}
	memset(huge, 1, 2UL << 20);
	ASSERT_EQ(0, pt_count(self->fd, 0, (uintptr_t)huge,
			      (uintptr_t)huge + (2UL << 20), &pt));
	munmap(map, 4UL << 20);
	if (!pt.leaves[VMLAB_PMD])
		SKIP(return, "no huge page was free to map (THP 'never'?)");
	EXPECT_EQ(1ULL, pt.leaves[VMLAB_PMD]);
	EXPECT_EQ(1ULL, pt.entries[VMLAB_PMD]);
	EXPECT_EQ(0ULL, pt.tables[VMLAB_PTE]);
	EXPECT_EQ(0ULL, pt.entries[VMLAB_PTE]);
}

static int pt_child_layout(void *arg)
{
	int *pipes = arg;
	struct pt_region r;
	char c = 0;

	CHILD_CHECK(pt_region_build(&r, PT_PUD, LAYOUT_PAGES / 4, 1) == 0);
	CHILD_CHECK(write(pipes[1], &r.base, sizeof(r.base)) == sizeof(r.base));
	/* wait for the parent to count, then go */
	CHILD_CHECK(read(pipes[2], &c, 1) == 1);
	pt_region_free(&r);
	return 0;
}

TEST_F(pt, another_process_is_counted_by_pid)
{
	int to_parent[2], to_child[2], pipes[3];
	struct vmlab_pt pt;
	char *base;
	pid_t pid;

	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	pipes[1] = to_parent[1];
	pipes[2] = to_child[0];
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(pt_child_layout(pipes));
	ASSERT_EQ((ssize_t)sizeof(base), read(to_parent[0], &base, sizeof(base)));
	EXPECT_EQ(0, pt_count(self->fd, pid, (uintptr_t)base,
			      (uintptr_t)base + (LAYOUT_PAGES / 4) * (1UL << 30),
			      &pt));
	EXPECT_EQ(LAYOUT_PAGES / 4, pt.tables[VMLAB_PMD]);
	EXPECT_EQ(LAYOUT_PAGES / 4, pt.tables[VMLAB_PTE]);
	EXPECT_EQ(LAYOUT_PAGES / 4, pt.leaves[VMLAB_PTE]);
	EXPECT_EQ((__u32)pid, pt.pid);
	ASSERT_EQ(1, write(to_child[1], "", 1));
	EXPECT_EQ(0, vmlab_wait(pid));
	close(to_parent[0]);
	close(to_parent[1]);
	close(to_child[0]);
	close(to_child[1]);
}

static int pt_without_cap_sys_admin(void *arg)
{
	struct vmlab_pt pt;
	int fd = *(int *)arg;

	CHILD_CHECK(vmlab_drop_cap(CAP_SYS_ADMIN) == 0);
	CHILD_CHECK(pt_count(fd, 1, 0, 0, &pt) == -EPERM);
	/* its own address space needs no privilege */
	CHILD_CHECK(pt_count(fd, 0, 0, 0, &pt) == 0);
	CHILD_CHECK(pt_count(fd, getpid(), 0, 0, &pt) == 0);
	return 0;
}

TEST_F(pt, another_process_needs_cap_sys_admin)
{
	EXPECT_EQ(0, vmlab_in_child(pt_without_cap_sys_admin, &self->fd));
}

TEST_F(pt, no_such_pid_is_esrch)
{
	struct vmlab_pt pt;

	/* above pid_max's largest value */
	EXPECT_EQ(-ESRCH, pt_count(self->fd, 0x7fffffff, 0, 0, &pt));
}

TEST_F(pt, a_kernel_thread_has_no_mm_and_is_efault)
{
	struct vmlab_pt pt;

	/* pid 2 is kthreadd */
	EXPECT_EQ(-EFAULT, pt_count(self->fd, 2, 0, 0, &pt));
}

TEST_F(pt, bad_ranges_and_reserved_fields_are_einval)
{
	struct vmlab_pt pt;

	EXPECT_EQ(-EINVAL, pt_count(self->fd, 0, 8192, 4096, &pt));
	EXPECT_EQ(-EINVAL, pt_count(self->fd, 0, 4096, 4096, &pt));
	/* above user space */
	EXPECT_EQ(-EINVAL, pt_count(self->fd, 0, 0, 1ULL << 62, &pt));
	EXPECT_EQ(-EINVAL, pt_count(self->fd, 0, 1ULL << 62, 0, &pt));
	/* end rounds up past the top of the address space */
	EXPECT_EQ(-EINVAL, pt_count(self->fd, 0, 0, ~0ULL, &pt));

	memset(&pt, 0, sizeof(pt));
	pt.size = sizeof(pt);
	pt.reserved0 = 1;
	EXPECT_EQ(-EINVAL, vmlab_ioctl(self->fd, VMLAB_PT, &pt));
	memset(&pt, 0, sizeof(pt));
	pt.size = sizeof(pt);
	pt.reserved[3] = 1;
	EXPECT_EQ(-EINVAL, vmlab_ioctl(self->fd, VMLAB_PT, &pt));
	memset(&pt, 0, sizeof(pt));
	pt.size = sizeof(pt) - 8;
	EXPECT_EQ(-EINVAL, vmlab_ioctl(self->fd, VMLAB_PT, &pt));
}

TEST_F(pt, unaligned_ranges_round_out_to_pages)
{
	struct vmlab_pt pt;

	ASSERT_EQ(0, pt_region_build(&self->region, PT_DENSE, 2, 1));
	ASSERT_EQ(0, pt_count(self->fd, 0, (uintptr_t)self->region.base + 100,
			      (uintptr_t)self->region.base + 4097, &pt));
	EXPECT_EQ((uintptr_t)self->region.base, pt.start);
	EXPECT_EQ((uintptr_t)self->region.base + 8192, pt.end);
	EXPECT_EQ(2ULL, pt.leaves[VMLAB_PTE]);
}

TEST_F(pt, levels_are_five_exactly_when_the_cpu_has_la57)
{
	struct vmlab_pt pt;
	unsigned int levels = cpu_levels();

	ASSERT_NE(0U, levels);
	ASSERT_EQ(0, pt_count(self->fd, 0, 0, 0, &pt));
	EXPECT_EQ(levels, pt.levels);
	if (levels == 4) {
		EXPECT_EQ(0ULL, pt.tables[VMLAB_P4D]);
		EXPECT_EQ(0ULL, pt.entries[VMLAB_P4D]);
	}
}

TEST_F(pt, five_level_paging_has_a_real_p4d_table)
{
	struct vmlab_pt pt;

	if (cpu_levels() != 5)
		SKIP(return, "4-level paging: the CPU has no LA57 (scripts/vm --la57 gives it)");
	ASSERT_EQ(0, pt_region_build(&self->region, PT_PUD, 4, 1));
	ASSERT_EQ(0, pt_count(self->fd, 0, (uintptr_t)self->region.base,
			      (uintptr_t)self->region.base + self->region.span,
			      &pt));
	EXPECT_EQ(5U, pt.levels);
	EXPECT_EQ(1ULL, pt.tables[VMLAB_P4D]);
	EXPECT_EQ(1ULL, pt.entries[VMLAB_P4D]);
	EXPECT_EQ(1ULL, pt.tables[VMLAB_PUD]);
	EXPECT_EQ(4ULL, pt.tables[VMLAB_PMD]);
}

/* ------------------------------------------------------------ vmlab pt */

TEST_F(pt, the_tool_reports_the_tables_of_its_layout)
{
	static char out[65536];
	char tool[4096];

	ASSERT_EQ(0, vmlab_tool_path(tool, sizeof(tool)));
	ASSERT_EQ(0, vmlab_tool_run(tool, "-j pt --layout pud --pages 16", out,
				    sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"layout\":\"pud\",\"pages\":16,"));
	EXPECT_NE(NULL, strstr(out, "\"pmd\":{\"tables\":16,\"entries\":16,"
			       "\"leaves\":0},\"pte\":{\"tables\":16,"
			       "\"entries\":16,\"leaves\":16}"));
	/* PUD, PMD and PTE tables, all the layout's own */
	EXPECT_NE(NULL, strstr(out, "\"vmpte_bytes\":135168}"));
	EXPECT_NE(NULL, strstr(out, "\"layout\":\"process\""));
}

TEST_F(pt, the_tool_refuses_bad_options)
{
	char tool[4096];

	ASSERT_EQ(0, vmlab_tool_path(tool, sizeof(tool)));
	EXPECT_EQ(64, vmlab_tool_run(tool, "pt --layout flat", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(tool, "pt --pages 0", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(tool, "pt --pages 4097", NULL, 0));
	EXPECT_EQ(1, vmlab_tool_run(tool, "pt --layout dense -p 1", NULL, 0));
	EXPECT_EQ(1, vmlab_tool_run(tool, "pt -p 2147483647", NULL, 0));
}

VMLAB_HARNESS_MAIN
