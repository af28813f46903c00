// SPDX-License-Identifier: GPL-2.0
/*
 * cow_test - MAP_PRIVATE mappings of an instance: copy-on-write.
 *
 * A private read maps the instance's own page; a write copies it into an
 * anonymous page of the process and leaves the instance's page as it was.
 * A write with no PTE is a COW fault the module serves; a write to a page a
 * read mapped is copied by the kernel alone, so the tests count copies from
 * the page tables: a private page whose PFN is not the instance page's.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define COW_PAGES	8

FIXTURE(cow) {
	struct vmlab_lab lab;	/* the instance, mapped shared */
	char *priv;		/* ... and private */
	size_t ps;
};

FIXTURE_SETUP(cow)
{
	struct vmlab_info info;

	VMLAB_REQUIRE_MODULE();
	self->priv = MAP_FAILED;
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, COW_PAGES, 0, 0, 1024));
	self->ps = self->lab.ps;
	ASSERT_EQ(0, vmlab_get_info(self->lab.fd, &info));
	if (!(info.flags & VMLAB_INFO_PFN_VISIBLE))
		VMLAB_SETUP_SKIP("counting copies needs PFNs (CAP_SYS_ADMIN)");
	self->priv = mmap(NULL, COW_PAGES * self->ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE, self->lab.fd, 0);
	ASSERT_NE(MAP_FAILED, self->priv);
}

FIXTURE_TEARDOWN(cow)
{
	if (self->priv != MAP_FAILED)
		munmap(self->priv, COW_PAGES * self->ps);
	vmlab_lab_close(&self->lab);
}

/* The PFN that maps @addr in this process, 0 if none does. */
static __u64 cow_pfn(int fd, const void *addr)
{
	struct vmlab_walk w;

	if (vmlab_walk(fd, addr, &w) || !(w.flags & VMLAB_WALK_MAPPED))
		return 0;
	return w.pfn;
}

/* The raw PTE that maps @addr in this process. */
static __u64 cow_pte(int fd, const void *addr)
{
	struct vmlab_walk w;

	if (vmlab_walk(fd, addr, &w) || w.depth != VMLAB_LEVELS)
		return 0;
	return w.entry[VMLAB_PTE];
}

/* Private pages of [0, @pages) that map a page other than the shared one */
static unsigned int cow_copies(int fd, const char *priv, const char *shared,
			       size_t pages)
{
	size_t ps = vmlab_page_size(), i;
	unsigned int n = 0;

	for (i = 0; i < pages; i++) {
		__u64 p = cow_pfn(fd, priv + i * ps);

		/* touch the shared page, so that it is mapped to compare */
		(void)*(const volatile char *)(shared + i * ps);
		if (p && p != cow_pfn(fd, shared + i * ps))
			n++;
	}
	return n;
}

static int cow_resident(int fd, size_t pgoff, unsigned char *vec, __u32 flags)
{
	struct vmlab_resident r = {
		.size = sizeof(r), .flags = flags, .start = pgoff, .count = 1,
		.vec = (uintptr_t)vec,
	};

	return vmlab_ioctl(fd, VMLAB_RESIDENT, &r);
}

TEST_F(cow, a_private_read_maps_the_instance_page)
{
	vmlab_fill(self->lab.map, 0, 1, 1);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	EXPECT_EQ(-1, vmlab_check(self->priv, 0, 1, 1));
	EXPECT_NE(0ULL, cow_pfn(self->lab.fd, self->priv));
	EXPECT_EQ(cow_pfn(self->lab.fd, self->lab.map),
		  cow_pfn(self->lab.fd, self->priv));
	/* mapped read-only: a write must copy */
	EXPECT_EQ(0ULL, cow_pte(self->lab.fd, self->priv) & VMLAB_PTE_RW);
	EXPECT_STATS(self->lab.fd, STAT(faults, 1), STAT(faults_minor, 1),
		     STAT(faults_cow, 0), STAT(pages_resident, 1));
}

TEST_F(cow, a_private_write_without_a_read_is_one_cow_fault)
{
	volatile uint64_t *w = (uint64_t *)self->priv;
	char path[] = "/tmp/vmlab-cow-XXXXXX";
	unsigned char vec = 0;
	__u64 evicted;
	int bfd;

	/* a backing file keeps its copy: a page read back from it is clean */
	bfd = mkstemp(path);
	ASSERT_LE(0, bfd);
	unlink(path);
	ASSERT_EQ(0, vmlab_set_backing(self->lab.fd, bfd));
	close(bfd);
	vmlab_fill(self->lab.map, 0, 1, 1);
	ASSERT_EQ(0, vmlab_evict_all(self->lab.fd, &evicted));
	ASSERT_EQ(1ULL, evicted);
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));

	*w = 42;
	EXPECT_STATS(self->lab.fd, STAT(faults, 1), STAT(faults_cow, 1),
		     STAT(faults_swapin, 0), STAT(faults_zero, 0),
		     STAT(faults_upgrade, 0), STAT(fault_errors, 0),
		     STAT(swap_ins, 1), STAT(pages_resident, 1));
	/* the instance page came in to be copied, and stays clean */
	ASSERT_EQ(0, cow_resident(self->lab.fd, 0, &vec, 0));
	EXPECT_EQ(VMLAB_PAGE_RESIDENT | VMLAB_PAGE_STORED, vec);
	EXPECT_EQ(42ULL, *w);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 1, 1));
	EXPECT_EQ(1U, cow_copies(self->lab.fd, self->priv, self->lab.map, 1));
}

TEST_F(cow, a_private_write_to_a_new_page_leaves_it_zero)
{
	__u64 evicted;

	self->priv[0] = 1;
	EXPECT_STATS(self->lab.fd, STAT(faults, 1), STAT(faults_cow, 1),
		     STAT(faults_zero, 0), STAT(pages_allocated, 1));
	EXPECT_TRUE(vmlab_all_zero(self->lab.map, self->ps));
	EXPECT_EQ(1, self->priv[0]);
	/* never written: evicted with no I/O */
	ASSERT_EQ(0, vmlab_evict_all(self->lab.fd, &evicted));
	EXPECT_EQ(1ULL, evicted);
	EXPECT_STATS(self->lab.fd, STAT(clean_drops, 1), STAT(swap_outs, 0));
	EXPECT_EQ(1, self->priv[0]);
}

TEST_F(cow, read_then_write_copies_and_leaves_the_instance_page)
{
	volatile uint64_t *w = (uint64_t *)self->priv;
	__u64 instance;

	vmlab_fill(self->lab.map, 0, 1, 1);
	EXPECT_EQ(-1, vmlab_check(self->priv, 0, 1, 1));
	instance = cow_pfn(self->lab.fd, self->lab.map);
	ASSERT_EQ(instance, cow_pfn(self->lab.fd, self->priv));
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));

	*w = 42;
	/* the kernel copied it in do_wp_page(), without the module */
	EXPECT_STATS(self->lab.fd, STAT(faults, 0), STAT(faults_cow, 0));
	EXPECT_NE(0ULL, cow_pfn(self->lab.fd, self->priv));
	EXPECT_NE(instance, cow_pfn(self->lab.fd, self->priv));
	EXPECT_EQ(instance, cow_pfn(self->lab.fd, self->lab.map));
	EXPECT_EQ(42ULL, *w);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 1, 1));
}

#define COW_CHILD_WRITES	3

static int cow_child_writes(void *arg)
{
	struct _test_data_cow *self = arg;
	size_t ps = self->ps, i;

	for (i = 0; i < COW_CHILD_WRITES; i++)
		*(volatile uint64_t *)(self->priv + i * ps) = 100 + i;
	CHILD_CHECK(cow_copies(self->lab.fd, self->priv, self->lab.map,
			       COW_PAGES) == COW_CHILD_WRITES);
	for (i = 0; i < COW_CHILD_WRITES; i++)
		CHILD_CHECK(*(volatile uint64_t *)(self->priv + i * ps) == 100 + i);
	CHILD_CHECK(vmlab_check(self->priv + COW_CHILD_WRITES * ps,
				COW_CHILD_WRITES, COW_PAGES - COW_CHILD_WRITES,
				1) == -1);
	CHILD_CHECK(vmlab_check(self->lab.map, 0, COW_PAGES, 1) == -1);
	return 0;
}

TEST_F(cow, after_fork_the_child_copies_what_it_writes_and_the_parent_nothing)
{
	vmlab_fill(self->lab.map, 0, COW_PAGES, 1);
	EXPECT_EQ(-1, vmlab_check(self->priv, 0, COW_PAGES, 1));
	ASSERT_EQ(0U, cow_copies(self->lab.fd, self->priv, self->lab.map,
				 COW_PAGES));
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));

	EXPECT_EQ(0, vmlab_in_child(cow_child_writes, self));
	/* fork() copied no PTE of the private mapping: each write faulted */
	EXPECT_STATS(self->lab.fd, STAT(faults_cow, COW_CHILD_WRITES),
		     STAT(fault_errors, 0));
	EXPECT_EQ(0U, cow_copies(self->lab.fd, self->priv, self->lab.map,
				 COW_PAGES));
	EXPECT_EQ(-1, vmlab_check(self->priv, 0, COW_PAGES, 1));
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, COW_PAGES, 1));
}

static int cow_child_writes_copies(void *arg)
{
	struct _test_data_cow *self = arg;

	/* the parent's copy, shared with the child until this write */
	CHILD_CHECK(*(volatile uint64_t *)self->priv == 7);
	*(volatile uint64_t *)self->priv = 8;
	CHILD_CHECK(*(volatile uint64_t *)self->priv == 8);
	CHILD_CHECK(cow_copies(self->lab.fd, self->priv, self->lab.map, 1) == 1);
	return 0;
}

TEST_F(cow, a_copy_forked_is_copied_again_by_the_writer)
{
	vmlab_fill(self->lab.map, 0, 1, 1);
	*(volatile uint64_t *)self->priv = 7;
	ASSERT_EQ(1U, cow_copies(self->lab.fd, self->priv, self->lab.map, 1));
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));

	EXPECT_EQ(0, vmlab_in_child(cow_child_writes_copies, self));
	EXPECT_EQ(7ULL, *(volatile uint64_t *)self->priv);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, 1, 1));
	/*
	 * The kernel's own COW between the processes: no vmlab fault but the
	 * child's read of the shared page, whose PTE fork() did not copy.
	 */
	EXPECT_STATS(self->lab.fd, STAT(faults_cow, 0), STAT(faults_minor, 1),
		     STAT(faults, 1));
}

TEST_F(cow, eviction_under_a_budget_keeps_the_copies_and_the_instance_data)
{
	size_t i, half = COW_PAGES / 2;
	__u64 evicted;

	ASSERT_EQ(0, vmlab_set_policy(self->lab.fd, VMLAB_POLICY_FIFO, 2, 0, 0));
	vmlab_fill(self->lab.map, 0, COW_PAGES, 1);
	/* copies of the first half: read, then written */
	for (i = 0; i < half; i++) {
		volatile uint64_t *w = (uint64_t *)(self->priv + i * self->ps);

		EXPECT_EQ(vmlab_tag(1, i), *w);
		*w = 500 + i;
	}
	/* every instance page leaves, and comes back through the shared map */
	ASSERT_EQ(0, vmlab_evict_all(self->lab.fd, &evicted));
	EXPECT_EQ(2ULL, evicted);
	EXPECT_EQ(-1, vmlab_check(self->lab.map, 0, COW_PAGES, 1));
	EXPECT_STATS(self->lab.fd, STAT(fault_errors, 0), STAT(over_budget, 0));
	for (i = 0; i < half; i++)
		EXPECT_EQ(500 + i, *(volatile uint64_t *)(self->priv + i * self->ps))
			TH_LOG("copy of page %zu", i);
	EXPECT_EQ(-1, vmlab_check(self->priv + half * self->ps, half,
				  COW_PAGES - half, 1));
	EXPECT_EQ(half, cow_copies(self->lab.fd, self->priv, self->lab.map,
				   COW_PAGES));
	EXPECT_STATS(self->lab.fd, STAT(pages_resident, 2));
}

TEST_F(cow, the_accessed_bit_of_a_copy_is_not_the_instance_pages)
{
	unsigned char vec[2];
	struct vmlab_resident r = {
		.size = sizeof(r), .flags = VMLAB_RESIDENT_YOUNG, .start = 0,
		.count = 2, .vec = (uintptr_t)vec,
	};

	vmlab_fill(self->lab.map, 0, 2, 1);
	/* a sample clears every accessed bit of both pages */
	ASSERT_EQ(0, vmlab_ioctl(self->lab.fd, VMLAB_RESIDENT, &r));
	/* page 0: a copy, fresh and young; page 1: the instance's, read */
	*(volatile uint64_t *)self->priv = 9;
	EXPECT_EQ(vmlab_tag(1, 1), *(volatile uint64_t *)(self->priv + self->ps));
	ASSERT_NE(0ULL, cow_pte(self->lab.fd, self->priv) & VMLAB_PTE_A);

	ASSERT_EQ(0, vmlab_ioctl(self->lab.fd, VMLAB_RESIDENT, &r));
	EXPECT_EQ(0U, vec[0] & VMLAB_PAGE_YOUNG);
	EXPECT_EQ(VMLAB_PAGE_YOUNG, vec[1] & VMLAB_PAGE_YOUNG);
	/* nor is the copy's bit the module's to clear */
	EXPECT_NE(0ULL, cow_pte(self->lab.fd, self->priv) & VMLAB_PTE_A);
}

TEST_F(cow, the_tool_reports_cow_faults_and_copies)
{
	static char out[16384];
	char tool[4096];

	ASSERT_EQ(0, vmlab_tool_path(tool, sizeof(tool)));
	ASSERT_EQ(0, vmlab_tool_run(tool, "-j cow --pages 8 --writes 3", out,
				    sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"pages\":8,\"writes\":3,"));
	EXPECT_NE(NULL, strstr(out, "\"private_reads\":{\"data_ok\":true,"
			       "\"instance_pages\":8,\"copies\":0}"));
	EXPECT_NE(NULL, strstr(out, "\"child\":{\"cow_faults\":3,\"copies\":3,"
			       "\"instance_pages\":5,\"sees_own_writes\":true}"));
	EXPECT_NE(NULL, strstr(out, "\"parent_after_child\":{\"copies\":0,"
			       "\"sees_instance_data\":true}"));
	EXPECT_NE(NULL, strstr(out, "\"parent\":{\"cow_faults\":0,\"copies\":3,"
			       "\"instance_pages\":5,\"sees_own_writes\":true}"));
	EXPECT_NE(NULL, strstr(out, "\"instance_unchanged\":true,\"ok\":true"));
	EXPECT_EQ(64, vmlab_tool_run(tool, "cow --pages 4 --writes 5", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(tool, "cow --pages 0", NULL, 0));
}

VMLAB_HARNESS_MAIN
