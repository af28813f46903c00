// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab run --steps in the VM: the kernel's view of every reference of
 * Belady's string (1,2,3,4,1,2,5,1,2,3,4,5) beside the simulator's, line
 * by line - FIFO with 3 and 4 frames, LRU with a one-page software TLB,
 * CLOCK with a TLB flush after each sweep (its use bits are the hardware's
 * accessed bits, exact only then), SFIFO (its reclaims soft on both
 * sides), 2Q, WSClock, MRU, SIEVE (its hand and visited bits) and S3FIFO
 * with a one-page software TLB - and the JSON lines' fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

FIXTURE(steps) {
	char tool[4096];
	char trace[64];
	char out[16384];
};

FIXTURE_SETUP(steps)
{
	static const char belady[] = "# Belady's string\n1\n2\n3\n4\n1\n2\n"
				     "5\n1\n2\n3\n4\n5\n";
	FILE *f;
	int fd;

	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, vmlab_tool_path(self->tool, sizeof(self->tool)));
	strcpy(self->trace, "/tmp/vmlab-belady.XXXXXX");
	fd = mkstemp(self->trace);
	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	ASSERT_NE(NULL, f);
	fputs(belady, f);
	ASSERT_EQ(0, fclose(f));
}

FIXTURE_TEARDOWN(steps)
{
	unlink(self->trace);
}

/* Run the tool with @args on the trace: its exit status, stdout in @out */
static int run(FIXTURE_DATA(steps) *self, const char *args)
{
	return vmlab_tool_run(self->tool, args, self->out, sizeof(self->out));
}

static void args_for(FIXTURE_DATA(steps) *self, char *buf, size_t size,
		     const char *opts)
{
	snprintf(buf, size, "%s --pattern trace:%s --steps", opts, self->trace);
}

TEST_F(steps, fifo_3_frames_on_beladys_string_steps_as_the_simulator)
{
	const char *want =
		"vmlab run --steps: fifo, 3 frames, 12 references (memory first out first)\n"
		"                   kernel                    simulator\n"
		"   ref       page           victim  memory            victim  memory\n"
		"     0          1  miss          -  [1]      miss          -  [1]\n"
		"     1          2  miss          -  [1 2]    miss          -  [1 2]\n"
		"     2          3  miss          -  [1 2 3]  miss          -  [1 2 3]\n"
		"     3          4  miss          1  [2 3 4]  miss          1  [2 3 4]\n"
		"     4          1  miss          2  [3 4 1]  miss          2  [3 4 1]\n"
		"     5          2  miss          3  [4 1 2]  miss          3  [4 1 2]\n"
		"     6          5  miss          4  [1 2 5]  miss          4  [1 2 5]\n"
		"     7          1  hit           -  [1 2 5]  hit           -  [1 2 5]\n"
		"     8          2  hit           -  [1 2 5]  hit           -  [1 2 5]\n"
		"     9          3  miss          1  [2 5 3]  miss          1  [2 5 3]\n"
		"    10          4  miss          2  [5 3 4]  miss          2  [5 3 4]\n"
		"    11          5  hit           -  [5 3 4]  hit           -  [5 3 4]\n"
		"kernel and simulator agree on all 12 references\n";
	char args[512];

	args_for(self, args, sizeof(args), "run --frames 3 --policy fifo");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

TEST_F(steps, fifo_4_frames_on_beladys_string_steps_as_the_simulator)
{
	const char *want =
		"vmlab run --steps: fifo, 4 frames, 12 references (memory first out first)\n"
		"                   kernel                      simulator\n"
		"   ref       page           victim  memory              victim  memory\n"
		"     0          1  miss          -  [1]        miss          -  [1]\n"
		"     1          2  miss          -  [1 2]      miss          -  [1 2]\n"
		"     2          3  miss          -  [1 2 3]    miss          -  [1 2 3]\n"
		"     3          4  miss          -  [1 2 3 4]  miss          -  [1 2 3 4]\n"
		"     4          1  hit           -  [1 2 3 4]  hit           -  [1 2 3 4]\n"
		"     5          2  hit           -  [1 2 3 4]  hit           -  [1 2 3 4]\n"
		"     6          5  miss          1  [2 3 4 5]  miss          1  [2 3 4 5]\n"
		"     7          1  miss          2  [3 4 5 1]  miss          2  [3 4 5 1]\n"
		"     8          2  miss          3  [4 5 1 2]  miss          3  [4 5 1 2]\n"
		"     9          3  miss          4  [5 1 2 3]  miss          4  [5 1 2 3]\n"
		"    10          4  miss          5  [1 2 3 4]  miss          5  [1 2 3 4]\n"
		"    11          5  miss          1  [2 3 4 5]  miss          1  [2 3 4 5]\n"
		"kernel and simulator agree on all 12 references\n";
	char args[512];

	args_for(self, args, sizeof(args), "run --frames 4 --policy fifo");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

TEST_F(steps, lru_with_a_one_page_tlb_steps_as_the_simulator)
{
	const char *want =
		"vmlab run --steps: lru, 3 frames, 12 references (memory least recent first), software TLB\n"
		"                   kernel                    simulator\n"
		"   ref       page           victim  memory            victim  memory\n"
		"     0          1  miss          -  [1]      miss          -  [1]\n"
		"     1          2  miss          -  [1 2]    miss          -  [1 2]\n"
		"     2          3  miss          -  [1 2 3]  miss          -  [1 2 3]\n"
		"     3          4  miss          1  [2 3 4]  miss          1  [2 3 4]\n"
		"     4          1  miss          2  [3 4 1]  miss          2  [3 4 1]\n"
		"     5          2  miss          3  [4 1 2]  miss          3  [4 1 2]\n"
		"     6          5  miss          4  [1 2 5]  miss          4  [1 2 5]\n"
		"     7          1  hit           -  [2 5 1]  hit           -  [2 5 1]\n"
		"     8          2  hit           -  [5 1 2]  hit           -  [5 1 2]\n"
		"     9          3  miss          5  [1 2 3]  miss          5  [1 2 3]\n"
		"    10          4  miss          1  [2 3 4]  miss          1  [2 3 4]\n"
		"    11          5  miss          2  [3 4 5]  miss          2  [3 4 5]\n"
		"kernel and simulator agree on all 12 references\n";
	char args[512];

	args_for(self, args, sizeof(args),
		 "run --frames 3 --policy lru --software-tlb 1");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

TEST_F(steps, clock_with_a_tlb_flush_steps_as_the_simulator)
{
	const char *want =
		"vmlab run --steps: clock, 3 frames, 12 references (memory by frame; > hand, * use bit), TLB flush after clearing accessed bits\n"
		"                   kernel                        simulator\n"
		"   ref       page           victim  memory                victim  memory\n"
		"     0          1  miss          -  [>1*]        miss          -  [>1*]\n"
		"     1          2  miss          -  [>1* 2*]     miss          -  [>1* 2*]\n"
		"     2          3  miss          -  [>1* 2* 3*]  miss          -  [>1* 2* 3*]\n"
		"     3          4  miss          1  [4* >2 3]    miss          1  [4* >2 3]\n"
		"     4          1  miss          2  [4* 1* >3]   miss          2  [4* 1* >3]\n"
		"     5          2  miss          3  [>4* 1* 2*]  miss          3  [>4* 1* 2*]\n"
		"     6          5  miss          4  [5* >1 2]    miss          4  [5* >1 2]\n"
		"     7          1  hit           -  [5* >1* 2]   hit           -  [5* >1* 2]\n"
		"     8          2  hit           -  [5* >1* 2*]  hit           -  [5* >1* 2*]\n"
		"     9          3  miss          1  [5 3* >2]    miss          1  [5 3* >2]\n"
		"    10          4  miss          2  [>5 3* 4*]   miss          2  [>5 3* 4*]\n"
		"    11          5  hit           -  [>5* 3* 4*]  hit           -  [>5* 3* 4*]\n"
		"kernel and simulator agree on all 12 references\n";
	char args[512];

	struct vmlab_info info;
	int fd = vmlab_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmlab_get_info(fd, &info));
	close(fd);
	if (!(info.flags & VMLAB_INFO_TLB_FLUSH))
		SKIP(return, "this kernel exports no TLB flush to modules");

	args_for(self, args, sizeof(args),
		 "run --frames 3 --policy clock --clock-flush");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

/* -j: one JSON object a reference, the kernel's and the simulator's */
TEST_F(steps, json_lines_give_both_views_of_each_reference)
{
	const char *line3 =
		"{\"policy\":\"fifo\",\"frames\":3,\"index\":3,\"page\":4"
		",\"kernel\":{\"hit\":false,\"victim\":1,\"memory\":[2,3,4]}"
		",\"simulator\":{\"hit\":false,\"victim\":1,\"memory\":[2,3,4]}"
		",\"same\":true,\"first_divergence\":false}";
	const char *line7 =
		"{\"policy\":\"fifo\",\"frames\":3,\"index\":7,\"page\":1"
		",\"kernel\":{\"hit\":true,\"victim\":null,\"memory\":[1,2,5]}"
		",\"simulator\":{\"hit\":true,\"victim\":null,\"memory\":[1,2,5]}"
		",\"same\":true,\"first_divergence\":false}";
	char args[512], *l, *save = NULL;
	int n = 0;

	args_for(self, args, sizeof(args), "-j run --frames 3 --policy fifo");
	ASSERT_EQ(0, run(self, args));
	for (l = strtok_r(self->out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save), n++) {
		if (n == 3)
			EXPECT_STREQ(line3, l);
		if (n == 7)
			EXPECT_STREQ(line7, l);
	}
	EXPECT_EQ(12, n);
}

/* Every victim the kernel logged is on the line of the miss that needed it */
TEST_F(steps, each_victim_is_on_its_missing_references_line)
{
	char args[512], *l, *save = NULL;
	int victims = 0;

	args_for(self, args, sizeof(args), "-j run --frames 3 --policy fifo");
	ASSERT_EQ(0, run(self, args));
	for (l = strtok_r(self->out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "\"kernel\":{\"hit\":true,")) {
			EXPECT_NE(NULL, strstr(l, "\"kernel\":{\"hit\":true,"
					       "\"victim\":null"));
		} else if (!strstr(l, "\"kernel\":{\"hit\":false,"
				   "\"victim\":null")) {
			victims++;
		}
	}
	/* 9 misses, the first 3 into free frames */
	EXPECT_EQ(6, victims);
}

TEST_F(steps, sfifo_with_a_one_page_tlb_steps_as_the_simulator_with_reclaims)
{
	const char *want =
		"vmlab run --steps: sfifo, 3 frames, 12 references (memory FIFO, clean list, dirty list, each oldest first), software TLB\n"
		"                   kernel                    simulator\n"
		"   ref       page           victim  memory            victim  memory\n"
		"     0          1  miss          -  [1]      miss          -  [1]\n"
		"     1          2  miss          -  [1 2]    miss          -  [1 2]\n"
		"     2          3  miss          -  [2 3 1]  miss          -  [2 3 1]\n"
		"     3          4  miss          1  [3 4 2]  miss          1  [3 4 2]\n"
		"     4          1  miss          2  [4 1 3]  miss          2  [4 1 3]\n"
		"     5          2  miss          3  [1 2 4]  miss          3  [1 2 4]\n"
		"     6          5  miss          4  [2 5 1]  miss          4  [2 5 1]\n"
		"     7          1  soft          -  [5 1 2]  soft          -  [5 1 2]\n"
		"     8          2  soft          -  [1 2 5]  soft          -  [1 2 5]\n"
		"     9          3  miss          5  [2 3 1]  miss          5  [2 3 1]\n"
		"    10          4  miss          1  [3 4 2]  miss          1  [3 4 2]\n"
		"    11          5  miss          2  [4 5 3]  miss          2  [4 5 3]\n"
		"kernel and simulator agree on all 12 references\n";
	char args[512];

	args_for(self, args, sizeof(args),
		 "run --frames 3 --policy sfifo --software-tlb 1");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

TEST_F(steps, twoq_with_a_one_page_tlb_steps_as_the_simulator)
{
	const char *want =
		"vmlab run --steps: 2q, 3 frames, 12 references (memory inactive, then active, each oldest first), software TLB\n"
		"                   kernel                    simulator\n"
		"   ref       page           victim  memory            victim  memory\n"
		"     0          1  miss          -  [1]      miss          -  [1]\n"
		"     1          2  miss          -  [1 2]    miss          -  [1 2]\n"
		"     2          3  miss          -  [1 2 3]  miss          -  [1 2 3]\n"
		"     3          4  miss          1  [2 3 4]  miss          1  [2 3 4]\n"
		"     4          1  miss          2  [3 4 1]  miss          2  [3 4 1]\n"
		"     5          2  miss          3  [4 1 2]  miss          3  [4 1 2]\n"
		"     6          5  miss          4  [1 2 5]  miss          4  [1 2 5]\n"
		"     7          1  hit           -  [2 5 1]  hit           -  [2 5 1]\n"
		"     8          2  hit           -  [5 1 2]  hit           -  [5 1 2]\n"
		"     9          3  miss          5  [1 3 2]  miss          5  [1 3 2]\n"
		"    10          4  miss          1  [3 4 2]  miss          1  [3 4 2]\n"
		"    11          5  miss          3  [4 5 2]  miss          3  [4 5 2]\n"
		"kernel and simulator agree on all 12 references\n";
	char args[512];

	args_for(self, args, sizeof(args),
		 "run --frames 3 --policy 2q --software-tlb 1");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

TEST_F(steps, wsclock_with_a_one_page_tlb_steps_as_the_simulator)
{
	const char *want =
		"vmlab run --steps: wsclock, 3 frames, 12 references (memory by frame; > hand, * reference bit), software TLB\n"
		"                   kernel                        simulator\n"
		"   ref       page           victim  memory                victim  memory\n"
		"     0          1  miss          -  [>1*]        miss          -  [>1*]\n"
		"     1          2  miss          -  [>1* 2*]     miss          -  [>1* 2*]\n"
		"     2          3  miss          -  [>1* 2* 3*]  miss          -  [>1* 2* 3*]\n"
		"     3          4  miss          1  [4* >2 3]    miss          1  [4* >2 3]\n"
		"     4          1  miss          2  [4 1* >3]    miss          2  [4 1* >3]\n"
		"     5          2  miss          3  [>4 1 2*]    miss          3  [>4 1 2*]\n"
		"     6          5  miss          4  [5* >1 2]    miss          4  [5* >1 2]\n"
		"     7          1  hit           -  [5* >1* 2]   hit           -  [5* >1* 2]\n"
		"     8          2  hit           -  [5* >1* 2*]  hit           -  [5* >1* 2*]\n"
		"     9          3  miss          1  [5 3* >2]    miss          1  [5 3* >2]\n"
		"    10          4  miss          2  [>5 3 4*]    miss          2  [>5 3 4*]\n"
		"    11          5  hit           -  [>5* 3 4*]   hit           -  [>5* 3 4*]\n"
		"kernel and simulator agree on all 12 references\n";
	char args[512];

	args_for(self, args, sizeof(args),
		 "run --frames 3 --policy wsclock --software-tlb 1");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

/* MRU: the victim is the page used last before the miss */
TEST_F(steps, mru_with_a_one_page_tlb_steps_as_the_simulator)
{
	const char *want =
		"vmlab run --steps: mru, 3 frames, 12 references (memory least recent first), software TLB\n"
		"                   kernel                    simulator\n"
		"   ref       page           victim  memory            victim  memory\n"
		"     0          1  miss          -  [1]      miss          -  [1]\n"
		"     1          2  miss          -  [1 2]    miss          -  [1 2]\n"
		"     2          3  miss          -  [1 2 3]  miss          -  [1 2 3]\n"
		"     3          4  miss          3  [1 2 4]  miss          3  [1 2 4]\n"
		"     4          1  hit           -  [2 4 1]  hit           -  [2 4 1]\n"
		"     5          2  hit           -  [4 1 2]  hit           -  [4 1 2]\n"
		"     6          5  miss          2  [4 1 5]  miss          2  [4 1 5]\n"
		"     7          1  hit           -  [4 5 1]  hit           -  [4 5 1]\n"
		"     8          2  miss          1  [4 5 2]  miss          1  [4 5 2]\n"
		"     9          3  miss          2  [4 5 3]  miss          2  [4 5 3]\n"
		"    10          4  hit           -  [5 3 4]  hit           -  [5 3 4]\n"
		"    11          5  hit           -  [3 4 5]  hit           -  [3 4 5]\n"
		"kernel and simulator agree on all 12 references\n";
	char args[512];

	args_for(self, args, sizeof(args),
		 "run --frames 3 --policy mru --software-tlb 1");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

/*
 * SIEVE: the hand and the visited bits on both sides; at 3 the hand clears
 * 1 and 2 and takes 5, then stands at the oldest page again
 */
TEST_F(steps, sieve_with_a_one_page_tlb_steps_as_the_simulator_with_its_hand)
{
	const char *want =
		"vmlab run --steps: sieve, 3 frames, 12 references (memory oldest first; > hand, * visited), software TLB\n"
		"                   kernel                       simulator\n"
		"   ref       page           victim  memory               victim  memory\n"
		"     0          1  miss          -  [>1]        miss          -  [>1]\n"
		"     1          2  miss          -  [>1 2]      miss          -  [>1 2]\n"
		"     2          3  miss          -  [>1 2 3]    miss          -  [>1 2 3]\n"
		"     3          4  miss          1  [>2 3 4]    miss          1  [>2 3 4]\n"
		"     4          1  miss          2  [>3 4 1]    miss          2  [>3 4 1]\n"
		"     5          2  miss          3  [>4 1 2]    miss          3  [>4 1 2]\n"
		"     6          5  miss          4  [>1 2 5]    miss          4  [>1 2 5]\n"
		"     7          1  hit           -  [>1* 2 5]   hit           -  [>1* 2 5]\n"
		"     8          2  hit           -  [>1* 2* 5]  hit           -  [>1* 2* 5]\n"
		"     9          3  miss          5  [>1 2 3]    miss          5  [>1 2 3]\n"
		"    10          4  miss          1  [>2 3 4]    miss          1  [>2 3 4]\n"
		"    11          5  miss          2  [>3 4 5]    miss          2  [>3 4 5]\n"
		"kernel and simulator agree on all 12 references\n";
	char args[512];

	args_for(self, args, sizeof(args),
		 "run --frames 3 --policy sieve --software-tlb 1");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

/*
 * SIEVE's hand stops mid-queue, on a string of its own: at 4 it clears
 * 1's visited bit and takes 2, and from then on it stays past 1, which
 * keeps its next visit while the hand takes 3, 4 and 2
 */
TEST_F(steps, sieve_hand_stopping_mid_queue_steps_as_the_simulator)
{
	const char *want =
		"vmlab run --steps: sieve, 3 frames, 9 references (memory oldest first; > hand, * visited), software TLB\n"
		"                   kernel                      simulator\n"
		"   ref       page           victim  memory              victim  memory\n"
		"     0          1  miss          -  [>1]       miss          -  [>1]\n"
		"     1          2  miss          -  [>1 2]     miss          -  [>1 2]\n"
		"     2          3  miss          -  [>1 2 3]   miss          -  [>1 2 3]\n"
		"     3          1  hit           -  [>1* 2 3]  hit           -  [>1* 2 3]\n"
		"     4          4  miss          2  [1 >3 4]   miss          2  [1 >3 4]\n"
		"     5          2  miss          3  [1 >4 2]   miss          3  [1 >4 2]\n"
		"     6          5  miss          4  [1 >2 5]   miss          4  [1 >2 5]\n"
		"     7          1  hit           -  [1* >2 5]  hit           -  [1* >2 5]\n"
		"     8          3  miss          2  [1* >5 3]  miss          2  [1* >5 3]\n"
		"kernel and simulator agree on all 9 references\n";
	char args[512];
	FILE *f = fopen(self->trace, "w");

	ASSERT_NE(NULL, f);
	fputs("1\n2\n3\n1\n4\n2\n5\n1\n3\n", f);
	ASSERT_EQ(0, fclose(f));
	args_for(self, args, sizeof(args),
		 "run --frames 3 --policy sieve --software-tlb 1");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

/*
 * S3FIFO with a small queue of one frame: 1 and 2 come back from the
 * ghost into the main queue, where their hits keep them
 */
TEST_F(steps, s3fifo_with_a_one_page_tlb_steps_as_the_simulator)
{
	const char *want =
		"vmlab run --steps: s3fifo, 3 frames, 12 references (memory small queue then main queue, oldest first), software TLB\n"
		"                   kernel                    simulator\n"
		"   ref       page           victim  memory            victim  memory\n"
		"     0          1  miss          -  [1]      miss          -  [1]\n"
		"     1          2  miss          -  [1 2]    miss          -  [1 2]\n"
		"     2          3  miss          -  [1 2 3]  miss          -  [1 2 3]\n"
		"     3          4  miss          1  [2 3 4]  miss          1  [2 3 4]\n"
		"     4          1  miss          2  [3 4 1]  miss          2  [3 4 1]\n"
		"     5          2  miss          3  [4 1 2]  miss          3  [4 1 2]\n"
		"     6          5  miss          4  [5 1 2]  miss          4  [5 1 2]\n"
		"     7          1  hit           -  [5 1 2]  hit           -  [5 1 2]\n"
		"     8          2  hit           -  [5 1 2]  hit           -  [5 1 2]\n"
		"     9          3  miss          5  [3 1 2]  miss          5  [3 1 2]\n"
		"    10          4  miss          3  [4 1 2]  miss          3  [4 1 2]\n"
		"    11          5  miss          4  [5 1 2]  miss          4  [5 1 2]\n"
		"kernel and simulator agree on all 12 references\n";
	char args[512];

	args_for(self, args, sizeof(args),
		 "run --frames 3 --policy s3fifo --software-tlb 1");
	ASSERT_EQ(0, run(self, args));
	EXPECT_STREQ(want, self->out);
}

/* without the software TLB the kernel's virtual time counts only faults */
TEST_F(steps, wsclock_without_a_software_tlb_is_refused)
{
	char args[512];

	args_for(self, args, sizeof(args), "run --frames 3 --policy wsclock");
	EXPECT_EQ(64, run(self, args));
}


TEST_F(steps, lru_approx_is_refused_as_having_no_twin)
{
	char args[512];

	args_for(self, args, sizeof(args), "run --frames 3 --policy lru-approx");
	EXPECT_EQ(64, run(self, args));
}

TEST_HARNESS_MAIN
