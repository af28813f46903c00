// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab's tracepoints: vmlab:vmlab_fault, vmlab:vmlab_walk and
 * vmlab:vmlab_tlb_flush exist in tracefs, and give exactly one line per
 * event of the instance.  Each test traces into a tracefs instance of its
 * own, so nothing else writes to its buffer.
 */
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define TRACEFS		"/sys/kernel/tracing"
#define PAGES		32U

FIXTURE(trace) {
	char dir[128];		/* our tracefs instance */
	struct vmlab_lab lab;
	__u32 id;		/* the lab's instance id */
	char *buf;		/* the last trace read */
};

FIXTURE_SETUP(trace)
{
	struct vmlab_info info;

	VMLAB_REQUIRE_MODULE();
	if (access(TRACEFS "/instances", F_OK))
		VMLAB_SETUP_SKIP("no tracefs at " TRACEFS);
	snprintf(self->dir, sizeof(self->dir),
		 TRACEFS "/instances/vmlab_test.%d", getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, PAGES, VMLAB_EV_ALL,
				    VMLAB_CFG_WALK, 1024));
	ASSERT_EQ(0, vmlab_get_info(self->lab.fd, &info));
	self->id = info.instance_id;
}

FIXTURE_TEARDOWN(trace)
{
	char path[192];

	vmlab_lab_close(&self->lab);
	snprintf(path, sizeof(path), "%s/events/enable", self->dir);
	vmlab_write_file(path, "0");
	rmdir(self->dir);
	free(self->buf);
}

/* Write @val to @file of our tracefs instance: 0 or -errno. */
static int tr_write(const char *dir, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return vmlab_write_file(path, val);
}

/* Enable vmlab:@event in our tracefs instance, and clear its buffer. */
#define ENABLE(event) do {						\
		ASSERT_EQ(0, tr_write(self->dir,			\
				      "events/vmlab/" event "/enable", "1")); \
		ASSERT_EQ(0, tr_write(self->dir, "trace", ""));		\
	} while (0)

/* Read our instance's trace buffer into self->buf. */
#define READ_TRACE() do {						\
		char __path[192];					\
		ssize_t __n;						\
									\
		free(self->buf);					\
		self->buf = malloc(1 << 22);				\
		ASSERT_NE(NULL, self->buf);				\
		snprintf(__path, sizeof(__path), "%s/trace", self->dir); \
		__n = vmlab_read_file(__path, self->buf, 1 << 22);	\
		ASSERT_LE(0, __n);					\
		ASSERT_GT(1 << 22, __n);				\
	} while (0)

/*
 * Lines of @buf from tracepoint vmlab_@event for instance @id that contain
 * every one of @needles (NULL-terminated), in the order they came.
 */
static size_t trace_lines(const char *buf, const char *event, __u32 id,
			  const char **needles, const char **nth, size_t n)
{
	char tp[64], inst[32];
	const char *line, *end, **nd;
	size_t count = 0;

	snprintf(tp, sizeof(tp), " %s: ", event);
	snprintf(inst, sizeof(inst), "inst=%u ", id);
	for (line = buf; *line; line = *end ? end + 1 : end) {
		char copy[1024];
		size_t len;

		end = strchrnul(line, '\n');
		len = (size_t)(end - line) < sizeof(copy) - 1 ?
		      (size_t)(end - line) : sizeof(copy) - 1;
		memcpy(copy, line, len);
		copy[len] = '\0';
		if (copy[0] == '#' || !strstr(copy, tp) || !strstr(copy, inst))
			continue;
		for (nd = needles; nd && *nd; nd++)
			if (!strstr(copy, *nd))
				break;
		if (nd && *nd)
			continue;
		if (nth && count < n)
			nth[count] = line;
		count++;
	}
	return count;
}

#define LINES(event, ...)						\
	trace_lines(self->buf, event, self->id,				\
		    (const char *[]){ __VA_ARGS__, NULL }, NULL, 0)

TEST_F(trace, vmlab_tracepoints_exist_in_tracefs)
{
	static const char * const events[] = {
		"vmlab_fault", "vmlab_walk", "vmlab_tlb_flush",
	};
	static const char * const files[] = { "enable", "format", "id", "filter" };
	char path[256];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(events); i++)
		for (j = 0; j < ARRAY_SIZE(files); j++) {
			snprintf(path, sizeof(path),
				 TRACEFS "/events/vmlab/%s/%s", events[i],
				 files[j]);
			EXPECT_EQ(0, access(path, F_OK)) TH_LOG("%s", path);
		}
}

TEST_F(trace, vmlab_fault_gives_one_line_per_touched_page)
{
	const char *nth[PAGES];
	char addr[32];
	size_t i;

	ENABLE("vmlab_fault");
	vmlab_touch_read(self->lab.map, PAGES);
	READ_TRACE();
	ASSERT_EQ(PAGES, trace_lines(self->buf, "vmlab_fault", self->id,
				     NULL, nth, PAGES));
	/* in the order of the touches, one per page */
	for (i = 0; i < PAGES; i++) {
		snprintf(addr, sizeof(addr), "addr=0x%lx ",
			 (unsigned long)vmlab_page(&self->lab, i));
		EXPECT_EQ(0, strncmp(strstr(nth[i], "addr="), addr,
				     strlen(addr))) TH_LOG("page %zu", i);
	}
	EXPECT_EQ(PAGES, LINES("vmlab_fault", "kind=zero"));
}

TEST_F(trace, vmlab_fault_lines_give_the_kind_of_each_fault)
{
	ENABLE("vmlab_fault");
	vmlab_touch_read(self->lab.map, PAGES);
	vmlab_touch_write(self->lab.map, PAGES, 1);
	ASSERT_EQ(0, madvise(self->lab.map, PAGES / 2 * self->lab.ps,
			     MADV_DONTNEED));
	vmlab_touch_read(self->lab.map, PAGES / 2);
	READ_TRACE();
	EXPECT_EQ(PAGES, LINES("vmlab_fault", "kind=zero"));
	EXPECT_EQ(PAGES, LINES("vmlab_fault", "kind=upgrade"));
	EXPECT_EQ(PAGES / 2, LINES("vmlab_fault", "kind=minor"));
}

TEST_F(trace, vmlab_fault_is_traced_for_every_fault_even_when_the_ring_is_full)
{
	int fd;
	char *map;
	__u32 id = self->id;
	struct vmlab_info info;

	/* a one-record ring: the stream drops, the trace does not */
	fd = vmlab_open_config(PAGES, VMLAB_EV_ALL, 0, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmlab_get_info(fd, &info));
	map = vmlab_mmap(fd, PAGES, 0);
	ASSERT_NE(MAP_FAILED, map);
	ENABLE("vmlab_fault");
	vmlab_touch_read(map, PAGES);
	READ_TRACE();
	self->id = info.instance_id;
	EXPECT_EQ(PAGES, LINES("vmlab_fault", "kind=zero"));
	self->id = id;
	munmap(map, PAGES * self->lab.ps);
	close(fd);
}

TEST_F(trace, vmlab_walk_gives_one_line_per_walked_fault)
{
	ENABLE("vmlab_walk");
	vmlab_touch_write(self->lab.map, PAGES, 1);
	READ_TRACE();
	EXPECT_EQ(PAGES, LINES("vmlab_walk", "depth=5 "));
}

TEST_F(trace, each_trace_line_names_its_instance)
{
	struct vmlab_lab other;
	struct vmlab_info info;
	__u32 id = self->id;

	ASSERT_EQ(0, vmlab_lab_open(&other, PAGES, 0, 0, 1024));
	ASSERT_EQ(0, vmlab_get_info(other.fd, &info));
	ENABLE("vmlab_fault");
	vmlab_touch_read(self->lab.map, 8);
	vmlab_touch_read(other.map, 16);
	READ_TRACE();
	EXPECT_EQ(8U, LINES("vmlab_fault", "kind=zero"));
	self->id = info.instance_id;
	EXPECT_EQ(16U, LINES("vmlab_fault", "kind=zero"));
	self->id = id;
	vmlab_lab_close(&other);
}

TEST_F(trace, vmlab_tlb_flush_gives_one_local_line_for_a_madvise)
{
	munmap(self->lab.map, PAGES * self->lab.ps);
	self->lab.map = vmlab_mmap_pmd_aligned(self->lab.fd, PAGES, 0);
	ASSERT_NE(MAP_FAILED, self->lab.map);
	ASSERT_EQ(0, vmlab_pin_cpu(0));
	vmlab_touch_write(self->lab.map, 4, 1);
	ENABLE("vmlab_tlb_flush");
	ASSERT_EQ(0, madvise(self->lab.map, 4 * self->lab.ps, MADV_DONTNEED));
	READ_TRACE();
	/* reason 3: TLB_LOCAL_MM_SHOOTDOWN, as tlb:tlb_flush says */
	EXPECT_EQ(1U, LINES("vmlab_tlb_flush", "origin=kernel reason=3 ",
			    "pages=4"));
}

TEST_F(trace, disabled_tracepoints_write_nothing)
{
	ASSERT_EQ(0, tr_write(self->dir, "trace", ""));
	vmlab_touch_write(self->lab.map, PAGES, 1);
	READ_TRACE();
	EXPECT_EQ(0U, LINES("vmlab_fault", "inst="));
	EXPECT_EQ(0U, LINES("vmlab_walk", "inst="));
}

VMLAB_HARNESS_MAIN
