// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab module lifecycle: the device node, open/close, parameters and
 * load/unload without leaks.
 */
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define MISC_MAJOR 10U

FIXTURE(module) {
};

FIXTURE_SETUP(module)
{
	VMLAB_REQUIRE_MODULE();
}

FIXTURE_TEARDOWN(module)
{
	/* leave vmlab loaded with default parameters for the next test */
	if (!vmlab_loaded())
		vmlab_load("");
}

/* Reload the module with @params; fails the test on error. */
#define RELOAD(params) do {						\
		ASSERT_EQ(0, vmlab_unload());				\
		ASSERT_EQ(0, vmlab_load(params));			\
	} while (0)

TEST_F(module, device_is_misc_char_node_with_mode_0600)
{
	struct stat st;

	RELOAD("");
	ASSERT_EQ(0, stat(VMLAB_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(MISC_MAJOR, major(st.st_rdev));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
}

TEST_F(module, dev_mode_parameter_sets_node_mode)
{
	struct stat st;

	RELOAD("dev_mode=0666");
	ASSERT_EQ(0, stat(VMLAB_DEV, &st));
	EXPECT_EQ(0666U, st.st_mode & 07777);
	EXPECT_EQ(0666, vmlab_read_long("/sys/module/vmlab/parameters/dev_mode"));
	RELOAD("dev_mode=0640");
	ASSERT_EQ(0, stat(VMLAB_DEV, &st));
	EXPECT_EQ(0640U, st.st_mode & 07777);
}

TEST_F(module, dev_mode_outside_0777_is_refused)
{
	ASSERT_EQ(0, vmlab_unload());
	EXPECT_EQ(-EINVAL, vmlab_load("dev_mode=01777"));
	EXPECT_FALSE(vmlab_loaded());
	EXPECT_EQ(-1, access(VMLAB_DEV, F_OK));
}

TEST_F(module, each_open_pins_the_module_until_close)
{
	long base = vmlab_refcnt();
	int fd[4], i;

	ASSERT_LE(0, base);
	for (i = 0; i < 4; i++) {
		fd[i] = open(VMLAB_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd[i]);
		EXPECT_EQ(base + i + 1, vmlab_refcnt());
	}
	EXPECT_EQ(-EAGAIN, vmlab_unload());
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, close(fd[i]));
	EXPECT_EQ(base, vmlab_refcnt());
}

TEST_F(module, unload_succeeds_after_last_close)
{
	int fd = open(VMLAB_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EAGAIN, vmlab_unload());
	EXPECT_TRUE(vmlab_loaded());
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(0, vmlab_unload());
	EXPECT_FALSE(vmlab_loaded());
}

/* the module, the tool and these tests are built from the one VERSION file */
TEST_F(module, version_is_the_tree_version)
{
	char buf[64] = "";
	FILE *f = fopen("/sys/module/vmlab/version", "r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	EXPECT_STREQ(VMLAB_VERSION, buf);
}

/*
 * 100 load/unload cycles (after 10 to warm the caches) leave free pages
 * (counting the per-CPU lists) and slab pages where they were: measured
 * drift is a few pages per 50 cycles, so the bounds catch a leak of one
 * page, or of 1.3 KiB of slab, per cycle.
 */
#define CYCLES		100
#define MAX_PAGE_DRIFT	64
#define MAX_SLAB_DRIFT	32

/*
 * Under DKMS each cycle is a system("modprobe ...") and a rmmod: a shell
 * and modprobe reading modules.dep, 110 times.  Under emulation on a busy
 * machine that took more than the harness's default 30 seconds.
 */
/* @n load, open, close and unload cycles; the slab and free pages after */
static int load_cycles(int n, long *free_pages, long *slab_pages)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = vmlab_load("");
		if (ret)
			return ret;
		if (close(open(VMLAB_DEV, O_RDWR)))
			return -errno;
		ret = vmlab_unload();
		if (ret)
			return ret;
	}
	vmlab_drop_caches();
	*free_pages = vmlab_free_pages();
	*slab_pages = vmlab_slab_pages();
	return 0;
}

/*
 * A leak grows with every cycle; the kernel's own noise does not (per-CPU
 * slab caches refilled, objects freed after a grace period, 7.x's slab
 * sheaves): a round whose drift passes the bound is measured once more,
 * and the leak must show in both.
 */
TEST_F_TIMEOUT(module, load_unload_100_cycles_leak_nothing, 180)
{
	long free0, slab0, free1, slab1, free2, slab2;

	ASSERT_EQ(0, vmlab_unload());
	ASSERT_EQ(0, load_cycles(10, &free0, &slab0));
	ASSERT_EQ(0, load_cycles(CYCLES, &free1, &slab1));
	TH_LOG("free pages %ld -> %ld, slab pages %ld -> %ld",
	       free0, free1, slab0, slab1);
	if (free0 - free1 > MAX_PAGE_DRIFT || slab1 - slab0 > MAX_SLAB_DRIFT) {
		ASSERT_EQ(0, load_cycles(CYCLES, &free2, &slab2));
		TH_LOG("again: free pages %ld -> %ld, slab pages %ld -> %ld",
		       free1, free2, slab1, slab2);
		EXPECT_FALSE(free0 - free1 > MAX_PAGE_DRIFT &&
			     free1 - free2 > MAX_PAGE_DRIFT);
		EXPECT_FALSE(slab1 - slab0 > MAX_SLAB_DRIFT &&
			     slab2 - slab1 > MAX_SLAB_DRIFT);
	}
}

TEST_HARNESS_MAIN
