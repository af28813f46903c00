// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tlb: the TLB-reach experiment's counts (one fault a page, each
 * logged with its walk; no TLB flush while the loops ran; the huge pages it
 * asked for), its sweep and its output files; bad options refused.
 */
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

FIXTURE(tlb) {
	char tool[4096];
	char out[65536];
};

FIXTURE_SETUP(tlb)
{
	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, vmlab_tool_path(self->tool, sizeof(self->tool)));
}

FIXTURE_TEARDOWN(tlb)
{
}

/* The unsigned number after "@key": in the tool's JSON @json, or ~0 */
static unsigned long long json_u64(const char *json, const char *key)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : ~0ULL;
}

TEST_F(tlb, every_page_faults_once_with_its_walk_and_no_flush_is_timed)
{
	ASSERT_EQ(0, vmlab_tool_run(self->tool, "-j tlb --max-pages 64 --accesses 4096",
				    self->out, sizeof(self->out)));
	EXPECT_EQ(64ULL, json_u64(self->out, "vmlab_faults"));
	/* one record a fault, the walk in it; nothing else happened */
	EXPECT_EQ(64ULL, json_u64(self->out, "vmlab_events"));
	EXPECT_EQ(0ULL, json_u64(self->out, "vmlab_tlb_flushes_timed"));
}

TEST_F(tlb, the_sweep_doubles_from_one_page_to_the_maximum)
{
	ASSERT_EQ(0, vmlab_tool_run(self->tool, "-j tlb --max-pages 64 --accesses 4096",
				    self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "\"pages\":[1,2,4,8,16,32,64]"));
	EXPECT_EQ(1ULL, json_u64(self->out, "huge_needed"));
}

TEST_F(tlb, the_huge_page_series_runs_on_huge_pages)
{
	unsigned long long backed;

	ASSERT_EQ(0, vmlab_tool_run(self->tool, "-j tlb --max-pages 2048 --accesses 4096",
				    self->out, sizeof(self->out)));
	EXPECT_EQ(4ULL, json_u64(self->out, "huge_needed"));
	backed = json_u64(self->out, "huge_backed");
	if (backed == 0)
		SKIP(return, "no transparent huge page could be had (THP 'never')");
	EXPECT_EQ(4ULL, backed);
}

TEST_F(tlb, it_says_which_tlb_it_measured)
{
	ASSERT_EQ(0, vmlab_tool_run(self->tool, "-j tlb --max-pages 4 --accesses 64",
				    self->out, sizeof(self->out)));
	EXPECT_TRUE(strstr(self->out, "\"tlb\":\"emulated: QEMU") ||
		    strstr(self->out, "\"tlb\":\"hardware: the CPU"));
}

TEST_F(tlb, plot_writes_csv_png_and_svg)
{
	char dir[] = "/tmp/vmlab-tlb.XXXXXX", args[256], path[128], buf[4096];
	const char *head = "pages,4k-vmlab,4k-anon,2m-thp\n1,";
	static const char *const ext[] = { "csv", "gp", "png", "svg" };
	struct stat st;
	size_t i;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(args, sizeof(args), "tlb --max-pages 8 --accesses 256 --plot %s/t",
		 dir);
	ASSERT_EQ(0, vmlab_tool_run(self->tool, args, NULL, 0));
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	ASSERT_LT(0, vmlab_read_file(path, buf, sizeof(buf)));
	/* a header and one row a point: 1, 2, 4, 8 pages */
	EXPECT_EQ(0, strncmp(buf, head, strlen(head)));
	EXPECT_NE(NULL, strstr(buf, "\n8,"));
	EXPECT_EQ(NULL, strstr(buf, "\n16,"));
	for (i = 0; i < ARRAY_SIZE(ext); i++) {
		snprintf(path, sizeof(path), "%s/t.%s", dir, ext[i]);
		EXPECT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_LT(0, st.st_size) TH_LOG("%s", path);
		unlink(path);
	}
	rmdir(dir);
}

TEST_F(tlb, bad_options_are_usage_errors)
{
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "tlb --max-pages 3", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "tlb --max-pages 0", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "tlb --accesses x", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "tlb --cpu 100000", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "tlb extra", NULL, 0));
}

VMLAB_HARNESS_MAIN
