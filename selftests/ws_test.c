// SPDX-License-Identifier: GPL-2.0
/*
 * Working sets: VMLAB_RESIDENT_YOUNG samples exactly the pages used since
 * the last sample (with the TLB flush) and clears their bits; `vmlab ws`
 * estimates W(t, D) equal to the reference string's at every sample of a
 * phased pattern, and its thrashing runs miss exactly as FIFO must.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define PAGES 8

FIXTURE(sample) {
	struct vmlab_lab lab;
	unsigned char vec[PAGES];
	bool flush;		/* the kernel lets the module flush TLBs */
};

/* Does this kernel let the module flush TLBs (VMLAB_CFG_CLOCK_FLUSH)? */
static bool can_flush(void)
{
	struct vmlab_info info;
	int fd = vmlab_open(O_RDONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = !vmlab_get_info(fd, &info) && (info.flags & VMLAB_INFO_TLB_FLUSH);
	close(fd);
	return ok;
}

FIXTURE_SETUP(sample)
{
	VMLAB_REQUIRE_MODULE();
	self->flush = can_flush();
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, PAGES, 0,
				    self->flush ? VMLAB_CFG_CLOCK_FLUSH : 0, 1024));
}

FIXTURE_TEARDOWN(sample)
{
	vmlab_lab_close(&self->lab);
}

/*
 * A use after a sample is seen only with the flush after clearing: without
 * it the page is used through the TLB entry cached before the sample and
 * sets no bit.  A first touch always walks the table.
 */
#define NEED_FLUSH()							\
	do {								\
		if (!self->flush)					\
			SKIP(return, "this kernel exports no TLB flush a " \
			     "module may call: samples are not exact");	\
	} while (0)

/* VMLAB_RESIDENT with @flags over the instance: the resident count, or -errno */
static long sample(int fd, __u32 flags, unsigned char *vec)
{
	struct vmlab_resident r = {
		.size = sizeof(r),
		.flags = flags,
		.count = PAGES,
		.vec = (uintptr_t)vec,
	};
	int ret = vmlab_ioctl(fd, VMLAB_RESIDENT, &r);

	return ret ? ret : (long)r.resident;
}

/* The pages @vec marks young, as a bit mask */
static unsigned int young_mask(const unsigned char *vec)
{
	unsigned int i, mask = 0;

	for (i = 0; i < PAGES; i++)
		if (vec[i] & VMLAB_PAGE_YOUNG)
			mask |= 1U << i;
	return mask;
}

TEST_F(sample, a_sample_finds_exactly_the_pages_used_since_the_last)
{
	NEED_FLUSH();
	vmlab_touch_write(self->lab.map, PAGES, 1);
	ASSERT_EQ(PAGES, sample(self->lab.fd, VMLAB_RESIDENT_YOUNG, self->vec));
	EXPECT_EQ(0xffU, young_mask(self->vec));
	vmlab_touch_read(vmlab_page(&self->lab, 1), 1);
	vmlab_touch_read(vmlab_page(&self->lab, 4), 1);
	vmlab_touch_read(vmlab_page(&self->lab, 6), 1);
	ASSERT_EQ(PAGES, sample(self->lab.fd, VMLAB_RESIDENT_YOUNG, self->vec));
	EXPECT_EQ(0x52U, young_mask(self->vec));
}

TEST_F(sample, a_sample_clears_the_bits_it_reports)
{
	vmlab_touch_write(self->lab.map, PAGES, 1);
	ASSERT_EQ(PAGES, sample(self->lab.fd, VMLAB_RESIDENT_YOUNG, self->vec));
	ASSERT_EQ(PAGES, sample(self->lab.fd, VMLAB_RESIDENT_YOUNG, self->vec));
	EXPECT_EQ(0U, young_mask(self->vec));
}

TEST_F(sample, without_the_flag_nothing_is_sampled_or_cleared)
{
	vmlab_touch_write(self->lab.map, PAGES, 1);
	ASSERT_EQ(PAGES, sample(self->lab.fd, 0, self->vec));
	EXPECT_EQ(0U, young_mask(self->vec));
	ASSERT_EQ(PAGES, sample(self->lab.fd, VMLAB_RESIDENT_YOUNG, self->vec));
	EXPECT_EQ(0xffU, young_mask(self->vec));
}

TEST_F(sample, pages_not_resident_are_never_young)
{
	vmlab_touch_read(vmlab_page(&self->lab, 2), 1);
	ASSERT_EQ(1, sample(self->lab.fd, VMLAB_RESIDENT_YOUNG, self->vec));
	EXPECT_EQ(0x4U, young_mask(self->vec));
}

TEST_F(sample, unknown_flags_are_einval)
{
	EXPECT_EQ(-EINVAL, sample(self->lab.fd, 2, self->vec));
	EXPECT_EQ(-EINVAL, sample(self->lab.fd, 1U << 31, self->vec));
}

/* ------------------------------------------------------------ vmlab ws */

FIXTURE(ws) {
	char tool[4096];
	char out[1 << 16];
};

FIXTURE_SETUP(ws)
{
	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, vmlab_tool_path(self->tool, sizeof(self->tool)));
}

FIXTURE_TEARDOWN(ws)
{
}

/* "W(t)" of sample @t in the tool's JSON: "t":T,"used":U,"w":W,"w_exact":X */
static bool has_sample(const char *json, unsigned int t, unsigned int used,
		       unsigned int w, unsigned int exact)
{
	char pat[128];

	snprintf(pat, sizeof(pat), "{\"t\":%u,\"used\":%u,\"w\":%u,\"w_exact\":%u}",
		 t, used, w, exact);
	return strstr(json, pat);
}

TEST_F(ws, the_estimate_is_the_exact_working_set_at_every_sample)
{
	if (!can_flush())
		SKIP(return, "this kernel exports no TLB flush a module may call");
	/* 16 pages for 1600 references, 32 (8..39) for 3200, then 8 */
	ASSERT_EQ(0, vmlab_tool_run(self->tool, "-j ws --budgets none",
				    self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "\"flush\":true"));
	EXPECT_TRUE(has_sample(self->out, 100, 16, 16, 16));
	EXPECT_TRUE(has_sample(self->out, 1600, 16, 16, 16));
	/* the window still holds phase 1's pages 0..7: 40 */
	EXPECT_TRUE(has_sample(self->out, 1700, 32, 40, 40));
	EXPECT_TRUE(has_sample(self->out, 1900, 32, 40, 40));
	EXPECT_TRUE(has_sample(self->out, 2000, 32, 32, 32));
	EXPECT_TRUE(has_sample(self->out, 4900, 8, 40, 40));
	EXPECT_TRUE(has_sample(self->out, 5200, 8, 8, 8));
	EXPECT_TRUE(has_sample(self->out, 6400, 8, 8, 8));
	EXPECT_EQ(NULL, strstr(self->out, "{\"t\":6500,"));
}

TEST_F(ws, fifo_thrashes_once_the_budget_is_below_the_working_set)
{
	ASSERT_EQ(0, vmlab_tool_run(self->tool, "-j ws --policy fifo --budgets "
				    "48,32,31,13", self->out, sizeof(self->out)));
	/* 48 cold misses while 32 frames hold phase 2's 32 pages */
	EXPECT_NE(NULL, strstr(self->out, "{\"frames\":48,\"misses\":48,"));
	EXPECT_NE(NULL, strstr(self->out, "{\"frames\":32,\"misses\":48,"));
	/* one frame short: every reference of phase 2 but its first 8 */
	EXPECT_NE(NULL, strstr(self->out, "{\"frames\":31,\"misses\":3216,"));
	/* phase 1 (16 pages) thrashes too: 1600 + 3192 + 8 */
	EXPECT_NE(NULL, strstr(self->out, "{\"frames\":13,\"misses\":4800,"));
}

TEST_F(ws, plot_writes_both_csvs_png_and_svg)
{
	char dir[] = "/tmp/vmlab-ws.XXXXXX", args[256], path[160], buf[8192];
	static const char *const files[] = {
		"w.csv", "w-budgets.csv", "w.gp", "w.png", "w.svg",
	};
	size_t i;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(args, sizeof(args), "ws --pattern phases:0-3x40 --interval 10 "
		 "--budgets 4,2 --policy fifo --plot %s/w", dir);
	ASSERT_EQ(0, vmlab_tool_run(self->tool, args, NULL, 0));
	snprintf(path, sizeof(path), "%s/w-budgets.csv", dir);
	ASSERT_LT(0, vmlab_read_file(path, buf, sizeof(buf)));
	/* 4 frames: the 4 cold misses; 2: every one of the 40 */
	EXPECT_STREQ("frames,misses,fault_rate\n4,4,0.1000\n2,40,1.0000\n", buf);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		EXPECT_EQ(0, access(path, R_OK)) TH_LOG("%s", path);
		unlink(path);
	}
	rmdir(dir);
}

TEST_F(ws, bad_options_are_refused)
{
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "ws --interval 0", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "ws --window 0", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "ws --budgets 0", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "ws --budgets 8,x", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "ws --policy nru", NULL, 0));
	EXPECT_EQ(64, vmlab_tool_run(self->tool, "ws --pattern phases", NULL, 0));
	EXPECT_EQ(1, vmlab_tool_run(self->tool, "ws --pattern phases:3-1x5", NULL, 0));
}

VMLAB_HARNESS_MAIN
