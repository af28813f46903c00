// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab simulate --plot, no module: the miss curves of a reference string
 * as CSV (checked byte for byte on Belady's string), and gnuplot's PNG and
 * SVG made from it; bad combinations refused as usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

FIXTURE(plot) {
	char dir[64];
	char tool[4096];
};

FIXTURE_SETUP(plot)
{
	ASSERT_EQ(0, vmlab_tool_path(self->tool, sizeof(self->tool)));
	strcpy(self->dir, "/tmp/vmlab-plot.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

FIXTURE_TEARDOWN(plot)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
}

/* Run the tool with @args, its output thrown away: its exit status. */
static int tool(const char *path, const char *args)
{
	return vmlab_tool_run(path, args, NULL, 0);
}

static size_t slurp(const char *path, char *buf, size_t size)
{
	ssize_t n = vmlab_read_file(path, buf, size);

	return n < 0 ? 0 : (size_t)n;
}

TEST_F(plot, curves_are_written_as_csv_png_and_svg)
{
	const char *want = "frames,fifo,lru,opt\n"
			   "1,12,12,12\n2,12,12,9\n3,9,10,7\n"
			   "4,10,8,6\n5,5,5,5\n6,5,5,5\n";
	char args[512], path[128], buf[65536];
	size_t n;

	snprintf(args, sizeof(args), "simulate --refs 1,2,3,4,1,2,5,1,2,3,4,5 "
		 "--frames 1-6 --policy fifo,lru,opt --plot %s/belady", self->dir);
	ASSERT_EQ(0, tool(self->tool, args));
	snprintf(path, sizeof(path), "%s/belady.csv", self->dir);
	n = slurp(path, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	/* FIFO's anomaly: 9 misses with 3 frames, 10 with 4 */
	EXPECT_STREQ(want, buf);
	snprintf(path, sizeof(path), "%s/belady.png", self->dir);
	ASSERT_LT(8U, slurp(path, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "\x89PNG\r\n\x1a\n", 8));
	snprintf(path, sizeof(path), "%s/belady.svg", self->dir);
	n = slurp(path, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	EXPECT_NE(NULL, strstr(buf, "<svg"));
	EXPECT_NE(NULL, strstr(buf, "fifo"));
}

TEST_F(plot, steps_and_plot_together_are_a_usage_error)
{
	char args[256];

	snprintf(args, sizeof(args), "simulate --refs 1,2 --frames 1 --steps "
		 "--plot %s/x", self->dir);
	EXPECT_EQ(64, tool(self->tool, args));
	EXPECT_EQ(64, tool(self->tool, "simulate --refs 1,2 --frames 1 --plot ''"));
}

/*
 * --kernel: the same references on vmlab at each frame count, with the
 * module's twin of each policy simulated; the kernel's FIFO and LRU
 * (one-page software TLB) miss exactly as the simulator's, OPT has none.
 */
TEST_F(plot, kernel_curves_equal_the_simulators_for_fifo_and_lru)
{
	char args[512], path[128], buf[65536], *line, *save = NULL;
	unsigned long frames, fifo, lru, opt, kfifo, klru, rows = 0;

	if (access("/dev/vmlab", R_OK | W_OK))
		SKIP(return, "no /dev/vmlab here (the suite's VM run has it)");
	snprintf(args, sizeof(args), "simulate --pattern hotcold --pages 24 "
		 "--touches 400 --seed 3 --frames 2-20 --policy fifo,lru,opt "
		 "--kernel --plot %s/hotcold", self->dir);
	ASSERT_EQ(0, tool(self->tool, args));
	snprintf(path, sizeof(path), "%s/hotcold.csv", self->dir);
	buf[slurp(path, buf, sizeof(buf) - 1)] = '\0';
	line = strtok_r(buf, "\n", &save);
	ASSERT_NE(NULL, line);
	EXPECT_STREQ("frames,fifo,lru,opt,kernel fifo,kernel lru", line);
	while ((line = strtok_r(NULL, "\n", &save))) {
		ASSERT_EQ(6, sscanf(line, "%lu,%lu,%lu,%lu,%lu,%lu", &frames,
				    &fifo, &lru, &opt, &kfifo, &klru));
		EXPECT_EQ(fifo, kfifo);
		EXPECT_EQ(lru, klru);
		/* no policy misses less than OPT */
		EXPECT_LE(opt, kfifo);
		rows++;
	}
	EXPECT_EQ(19UL, rows);
}

/*
 * MRU, SFIFO and 2Q in the kernel miss as the simulator's over a sweep of
 * frame counts, on a loop (no immediate repeats) written at every
 * reference: the curves of the newer policies are exact too.
 */
TEST_F(plot, kernel_curves_equal_the_simulators_for_mru_sfifo_and_2q)
{
	char args[512], path[128], buf[65536], *line, *save = NULL;
	unsigned long frames, mru, sfifo, twoq, kmru, ksfifo, ktwoq, rows = 0;

	if (access("/dev/vmlab", R_OK | W_OK))
		SKIP(return, "no /dev/vmlab here (the suite's VM run has it)");
	snprintf(args, sizeof(args), "simulate --pattern phases:0-11x120,4-19x160 "
		 "--write --frames 2-16 --policy mru,sfifo,2q --kernel --plot "
		 "%s/loop", self->dir);
	ASSERT_EQ(0, tool(self->tool, args));
	snprintf(path, sizeof(path), "%s/loop.csv", self->dir);
	buf[slurp(path, buf, sizeof(buf) - 1)] = '\0';
	line = strtok_r(buf, "\n", &save);
	ASSERT_NE(NULL, line);
	EXPECT_STREQ("frames,mru,sfifo,2q,kernel mru,kernel sfifo,kernel 2q", line);
	while ((line = strtok_r(NULL, "\n", &save))) {
		ASSERT_EQ(7, sscanf(line, "%lu,%lu,%lu,%lu,%lu,%lu,%lu", &frames,
				    &mru, &sfifo, &twoq, &kmru, &ksfifo, &ktwoq));
		EXPECT_EQ(mru, kmru) TH_LOG("%lu frames", frames);
		EXPECT_EQ(sfifo, ksfifo) TH_LOG("%lu frames", frames);
		EXPECT_EQ(twoq, ktwoq) TH_LOG("%lu frames", frames);
		rows++;
	}
	EXPECT_EQ(15UL, rows);
}

TEST_HARNESS_MAIN
