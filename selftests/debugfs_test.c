// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab's debugfs: /sys/kernel/debug/vmlab/<instance_id>/ with config,
 * stats and resident, root only, there while the instance's fd is open.
 */
#include "kselftest_harness.h"
#include "vmlab_test.h"

#define PAGES	16U

FIXTURE(debugfs) {
	struct vmlab_lab lab;
	char dir[128];
	char buf[4096];
};

FIXTURE_SETUP(debugfs)
{
	struct vmlab_info info;

	VMLAB_REQUIRE_MODULE();
	if (access("/sys/kernel/debug/vmlab", F_OK) &&
	    access("/sys/kernel/debug/tracing", F_OK))
		VMLAB_SETUP_SKIP("debugfs is not mounted");
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, PAGES,
				    VMLAB_EV_BIT(VMLAB_EV_FAULT),
				    VMLAB_CFG_WALK, 256));
	ASSERT_EQ(0, vmlab_get_info(self->lab.fd, &info));
	snprintf(self->dir, sizeof(self->dir), VMLAB_DEBUGFS "/%u",
		 info.instance_id);
}

FIXTURE_TEARDOWN(debugfs)
{
	vmlab_lab_close(&self->lab);
}

/* Read @file of the instance's directory into self->buf. */
#define READ(file) do {							\
		char __p[192];						\
									\
		snprintf(__p, sizeof(__p), "%s/%s", self->dir, file);	\
		ASSERT_LE(0, vmlab_read_file(__p, self->buf,		\
					     sizeof(self->buf)));	\
	} while (0)

TEST_F(debugfs, instance_directory_holds_config_stats_and_resident)
{
	static const char * const files[] = { "config", "stats", "resident" };
	char path[192];
	struct stat st;
	size_t i;

	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", self->dir, files[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_TRUE(S_ISREG(st.st_mode));
		/* root only */
		EXPECT_EQ(0U, st.st_uid);
		EXPECT_EQ(0U, st.st_mode & 077) TH_LOG("%s", path);
	}
}

TEST_F(debugfs, instance_directory_goes_away_with_the_last_fd)
{
	ASSERT_EQ(0, access(self->dir, F_OK));
	vmlab_lab_close(&self->lab);
	EXPECT_EQ(-1, access(self->dir, F_OK));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(debugfs, stats_file_equals_vmlab_get_stats)
{
	struct vmlab_stats st;

	vmlab_touch_read(self->lab.map, PAGES);
	vmlab_touch_write(self->lab.map, PAGES / 2, 1);
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	READ("stats");
	EXPECT_EQ((long long)st.faults, vmlab_key_value(self->buf, "faults"));
	EXPECT_EQ((long long)st.faults_zero,
		  vmlab_key_value(self->buf, "faults_zero"));
	EXPECT_EQ((long long)st.faults_minor,
		  vmlab_key_value(self->buf, "faults_minor"));
	EXPECT_EQ((long long)st.faults_upgrade,
		  vmlab_key_value(self->buf, "faults_upgrade"));
	EXPECT_EQ((long long)st.fault_errors,
		  vmlab_key_value(self->buf, "fault_errors"));
	EXPECT_EQ((long long)st.pages_resident,
		  vmlab_key_value(self->buf, "pages_resident"));
	EXPECT_EQ((long long)st.pages_allocated,
		  vmlab_key_value(self->buf, "pages_allocated"));
	EXPECT_EQ((long long)st.events, vmlab_key_value(self->buf, "events"));
	EXPECT_EQ((long long)st.events_dropped,
		  vmlab_key_value(self->buf, "events_dropped"));
	EXPECT_EQ((long long)(PAGES + PAGES / 2),
		  vmlab_key_value(self->buf, "faults"));
}

TEST_F(debugfs, config_file_shows_the_config)
{
	READ("config");
	EXPECT_EQ((long long)(PAGES * self->lab.ps),
		  vmlab_key_value(self->buf, "region_size"));
	EXPECT_EQ((long long)VMLAB_EV_BIT(VMLAB_EV_FAULT),
		  vmlab_key_value(self->buf, "event_mask"));
	EXPECT_EQ((long long)VMLAB_CFG_WALK, vmlab_key_value(self->buf, "flags"));
	EXPECT_EQ(256LL, vmlab_key_value(self->buf, "ring_records"));
}

TEST_F(debugfs, resident_file_lists_exactly_the_touched_pages)
{
	READ("resident");
	EXPECT_STREQ("", self->buf);
	vmlab_touch_write(vmlab_page(&self->lab, 9), 1, 1);
	vmlab_touch_read(vmlab_page(&self->lab, 3), 1);
	vmlab_touch_read(vmlab_page(&self->lab, 5), 1);
	READ("resident");
	EXPECT_STREQ("3\n5\n9\n", self->buf);
}

TEST_F(debugfs, file_opened_before_the_instance_closed_reads_eio_after)
{
	char path[192];
	int fd;

	snprintf(path, sizeof(path), "%s/stats", self->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	vmlab_lab_close(&self->lab);
	EXPECT_EQ(-1, read(fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(EIO, errno);
	close(fd);
}

static int open_as_nobody(void *arg)
{
	const char *path = arg;

	CHILD_CHECK(setgid(65534) == 0);
	CHILD_CHECK(setuid(65534) == 0);
	CHILD_CHECK(open(path, O_RDONLY) == -1);
	CHILD_CHECK(errno == EACCES);
	return 0;
}

TEST_F(debugfs, files_are_unreadable_to_other_users)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/stats", self->dir);
	EXPECT_EQ(0, vmlab_in_child(open_as_nobody, path));
}

VMLAB_HARNESS_MAIN
