// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab replacement policies written in BPF (VMLAB_POLICY_BPF): the
 * examples of bpf/policies against the simulator, programs that name bad
 * victims, an ops that goes away mid-run, both ways of loading one (the
 * tool, bpftool), and where the kernel cannot run them (6.1), the refusal.
 *
 * The ops are loaded and registered with libbpf 1.4 here, as the tool does.
 * Each serves one instance at a time; an instance that closes gives its
 * pages back (leaving()), so one ops serves the runs of a test in turn.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"
#include "../userspace/sim.h"

#define PAGES	32
#define NREFS	600

/* ------------------------------------------------------------- helpers */

/* A readable file beside the test programs: build/selftests/ + @rel */
static int build_path(char *buf, size_t size, const char *rel)
{
	int ret = vmlab_build_path(buf, size, rel);

	if (ret)
		return ret;
	return access(buf, R_OK) ? -errno : 0;
}

/* An ops loaded and registered from an object: its map @map */
struct ops {
	struct bpf_object *obj;
	struct bpf_link *link;
};

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* Load @rel (from build/selftests/) and register its map @map: 0 or -1 */
static int ops_load(struct ops *o, const char *rel, const char *map)
{
	char path[4096];
	struct bpf_map *m;

	memset(o, 0, sizeof(*o));
	libbpf_set_print(quiet_libbpf);
	if (build_path(path, sizeof(path), rel))
		return -1;
	o->obj = bpf_object__open_file(path, NULL);
	if (!o->obj)
		return -1;
	/* only @map: the others stay unloaded (autocreate off) */
	bpf_object__for_each_map(m, o->obj)
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS &&
		    strcmp(bpf_map__name(m), map))
			bpf_map__set_autocreate(m, false);
	m = bpf_object__find_map_by_name(o->obj, map);
	if (!m || bpf_object__load(o->obj))
		return -1;
	o->link = bpf_map__attach_struct_ops(m);
	return o->link ? 0 : -1;
}

static void ops_close(struct ops *o)
{
	bpf_link__destroy(o->link);
	bpf_object__close(o->obj);
	o->link = NULL;
	o->obj = NULL;
}

static int select_ops(int fd, const char *name)
{
	struct vmlab_bpf_policy bp = {
		.size = sizeof(bp),
		.name = (uintptr_t)name,
	};

	return vmlab_ioctl(fd, VMLAB_SET_BPF_POLICY, &bp);
}

/* Can this kernel run BPF policies (VMLAB_INFO_BPF_POLICY)? */
static bool bpf_policies_here(void)
{
	struct vmlab_info info;
	int fd = vmlab_open(0);
	bool ok;

	if (fd < 0)
		return false;
	ok = !vmlab_get_info(fd, &info) && (info.flags & VMLAB_INFO_BPF_POLICY);
	close(fd);
	return ok;
}

static const char *kernel_release(void)
{
	static struct utsname u;

	return uname(&u) ? "?" : u.release;
}

/* In a test body: skip, with the reason, where the kernel cannot */
#define REQUIRE_BPF_POLICIES() do {					\
		VMLAB_TEST_REQUIRE_MODULE();				\
		if (!bpf_policies_here())				\
			SKIP(return, "BPF policies need Linux 6.9+ with " \
			     "module BTF; this is %s", kernel_release()); \
	} while (0)

/* A mapped instance of @pages pages, @frames frames, the ops @name */
static int lab_open_ops(struct vmlab_lab *lab, size_t pages, __u64 frames,
			__u32 window, const char *name)
{
	int ret = vmlab_lab_open(lab, pages, 0, 0, 1024);

	if (!ret)
		ret = vmlab_set_policy(lab->fd, VMLAB_POLICY_FIFO, frames, window, 1);
	return ret ? ret : select_ops(lab->fd, name);
}

static void lab_read(struct vmlab_lab *lab, const uint64_t *refs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)*(volatile char *)vmlab_page(lab, refs[i]);
}

/* The misses of @refs under the ops @name: ~0 on error */
static __u64 ops_misses(const char *name, __u64 frames, __u32 window,
			const uint64_t *refs, size_t n)
{
	struct vmlab_stats st;
	struct vmlab_lab lab;
	__u64 misses = ~0ULL;

	if (!lab_open_ops(&lab, PAGES, frames, window, name)) {
		lab_read(&lab, refs, n);
		if (!vmlab_get_stats(lab.fd, &st) && !st.bpf_refused &&
		    !st.bpf_no_victim)
			misses = st.faults_zero + st.faults_swapin;
	}
	vmlab_lab_close(&lab);
	return misses;
}

/*
 * A random string over PAGES pages; with @no_repeat no page twice in a
 * row: with a software TLB of one page the module reports every reference
 * but such a repeat, which the simulator would count.
 */
static void random_refs(uint64_t *refs, size_t n, unsigned int seed,
			bool no_repeat)
{
	size_t i;

	srandom(seed);
	for (i = 0; i < n; i++) {
		refs[i] = (uint64_t)random() % PAGES;
		if (no_repeat && i && refs[i] == refs[i - 1])
			refs[i] = (refs[i] + 1) % PAGES;
	}
}

/*
 * The example @rel's misses equal the simulator's @sim on random strings,
 * for budgets from one frame to most of the pages.
 */
static void expect_ops_equal_sim(struct __test_metadata *_metadata,
				 const char *rel, const char *map,
				 const char *name, enum sim_policy sim,
				 __u32 window)
{
	static const __u64 frames[] = { 1, 3, 8, 20 };
	uint64_t refs[NREFS];
	struct sim_result r;
	unsigned int seed;
	struct ops o;
	size_t i;

	ASSERT_EQ(0, ops_load(&o, rel, map));
	for (seed = 1; seed <= 2; seed++) {
		random_refs(refs, NREFS, seed, window == 1);
		for (i = 0; i < ARRAY_SIZE(frames); i++) {
			ASSERT_EQ(0, sim_run(sim, frames[i], refs, NREFS, 1, &r));
			EXPECT_EQ(r.misses, ops_misses(name, frames[i], window,
						       refs, NREFS))
				TH_LOG("seed %u, %llu frames", seed, frames[i]);
		}
	}
	ops_close(&o);
}

/* bpf_unregistered reaches @want within a few seconds (a link's release
 * may be deferred to a work queue) */
static __u64 wait_unregistered(int fd, __u64 want)
{
	struct vmlab_stats st = { 0 };
	int i;

	for (i = 0; i < 500; i++) {
		if (vmlab_get_stats(fd, &st))
			return ~0ULL;
		if (st.bpf_unregistered >= want)
			break;
		usleep(10000);
	}
	return st.bpf_unregistered;
}

FIXTURE(bpf) {
};

FIXTURE_SETUP(bpf)
{
}

FIXTURE_TEARDOWN(bpf)
{
}

/* ---------------------------------------------- the examples, exactly */

TEST_F(bpf, fifo_example_misses_equal_simulated_fifo)
{
	REQUIRE_BPF_POLICIES();
	expect_ops_equal_sim(_metadata, "../bpf/policies/fifo.bpf.o", "fifo_ops",
			     "fifo", SIM_FIFO, 0);
}

TEST_F(bpf, clock_example_with_a_one_page_tlb_equals_simulated_clock)
{
	REQUIRE_BPF_POLICIES();
	expect_ops_equal_sim(_metadata, "../bpf/policies/clock.bpf.o",
			     "clock_ops", "clock", SIM_CLOCK, 1);
}

TEST_F(bpf, sieve_example_with_a_one_page_tlb_equals_simulated_sieve)
{
	REQUIRE_BPF_POLICIES();
	expect_ops_equal_sim(_metadata, "../bpf/policies/sieve.bpf.o",
			     "sieve_ops", "sieve", SIM_SIEVE, 1);
}

TEST_F(bpf, lfu_example_with_a_one_page_tlb_equals_simulated_lfu)
{
	REQUIRE_BPF_POLICIES();
	expect_ops_equal_sim(_metadata, "../bpf/policies/lfu.bpf.o", "lfu_ops",
			     "lfu", SIM_LFU, 1);
}

/* ------------------------------------------------------ bad victims */

/*
 * A victim never resident (the region's last page, never touched) is
 * refused each time and FIFO chooses: 10 pages read in 3 frames, 7
 * evictions, 7 refusals; every page written before reads back.
 */
TEST_F(bpf, a_victim_not_resident_is_refused_and_fifo_evicts_losing_nothing)
{
	struct vmlab_stats st;
	struct vmlab_lab lab;
	struct ops o;

	REQUIRE_BPF_POLICIES();
	ASSERT_EQ(0, ops_load(&o, "bad_policies.bpf.o", "gone_ops"));
	ASSERT_EQ(0, lab_open_ops(&lab, 16, 3, 0, "test_gone"));
	vmlab_fill(lab.map, 0, 10, 1);
	ASSERT_EQ(0, vmlab_get_stats(lab.fd, &st));
	EXPECT_EQ(10ULL, st.faults_zero);
	EXPECT_EQ(7ULL, st.evictions);
	EXPECT_EQ(7ULL, st.bpf_refused);
	EXPECT_EQ(-1, vmlab_check(lab.map, 0, 10, 1));
	vmlab_lab_close(&lab);
	ops_close(&o);
}

/*
 * A program that never names a victim cannot stall a fault: FIFO chooses
 * each time, one call a victim; the misses are FIFO's (Belady's string in
 * 3 frames: 9), and the data is intact.
 */
TEST_F(bpf, a_program_that_never_names_a_victim_gets_fifo_once_a_victim)
{
	static const uint64_t belady[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
	struct vmlab_stats st;
	struct vmlab_lab lab;
	struct ops o;

	REQUIRE_BPF_POLICIES();
	ASSERT_EQ(0, ops_load(&o, "bad_policies.bpf.o", "none_ops"));
	ASSERT_EQ(0, lab_open_ops(&lab, 8, 3, 0, "test_none"));
	lab_read(&lab, belady, ARRAY_SIZE(belady));
	ASSERT_EQ(0, vmlab_get_stats(lab.fd, &st));
	EXPECT_EQ(9ULL, st.faults_zero + st.faults_swapin);
	EXPECT_EQ(6ULL, st.evictions);
	EXPECT_EQ(6ULL, st.bpf_no_victim);
	EXPECT_EQ(0ULL, st.bpf_refused);
	vmlab_lab_close(&lab);
	ops_close(&o);
}

/*
 * A victim chosen already: with victims evicted two at a time, a program
 * that names page 0 twice gets it once; the second is refused and FIFO
 * chooses.  8 pages read in 4 frames: 4 evict 0 and 1; 6 evicts 2 and 3,
 * both of FIFO's (0 is gone): 3 refusals, 4 evictions.
 */
TEST_F(bpf, a_victim_chosen_already_in_the_batch_is_refused)
{
	struct vmlab_config cfg;
	struct vmlab_stats st;
	struct vmlab_lab lab;
	struct ops o;

	REQUIRE_BPF_POLICIES();
	ASSERT_EQ(0, ops_load(&o, "bad_policies.bpf.o", "zero_ops"));
	ASSERT_EQ(0, lab_open_ops(&lab, 8, 4, 0, "test_zero"));
	ASSERT_EQ(0, vmlab_get_config(lab.fd, &cfg));
	EXPECT_EQ((__u32)VMLAB_POLICY_BPF, cfg.policy);
	cfg.evict_batch = 2;
	ASSERT_EQ(0, vmlab_ioctl(lab.fd, VMLAB_SET_CONFIG, &cfg));
	vmlab_fill(lab.map, 0, 8, 2);
	ASSERT_EQ(0, vmlab_get_stats(lab.fd, &st));
	EXPECT_EQ(8ULL, st.faults_zero);
	EXPECT_EQ(4ULL, st.evictions);
	EXPECT_EQ(3ULL, st.bpf_refused);
	EXPECT_EQ(-1, vmlab_check(lab.map, 0, 8, 2));
	vmlab_lab_close(&lab);
	ops_close(&o);
}

/*
 * A pinned victim (page 0, held by a pipe) is refused every time; FIFO
 * chooses, and when FIFO's oldest is page 0 the eviction keeps it as for
 * any policy.  Pages 1-9 read after it in 3 frames: 7 evictions; page 0
 * is FIFO's oldest for pages 3, 5, 7 and 9 (4 kept), so 11 refusals; page
 * 0 stays resident with its data.
 */
TEST_F(bpf, a_pinned_victim_is_refused_and_its_data_stays)
{
	struct vmlab_stats st;
	struct vmlab_lab lab;
	struct iovec iov;
	struct ops o;
	size_t i;
	int p[2];

	REQUIRE_BPF_POLICIES();
	ASSERT_EQ(0, ops_load(&o, "bad_policies.bpf.o", "zero_ops"));
	ASSERT_EQ(0, lab_open_ops(&lab, 16, 3, 0, "test_zero"));
	vmlab_fill(lab.map, 0, 1, 3);
	iov = (struct iovec){ .iov_base = vmlab_page(&lab, 0), .iov_len = lab.ps };
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ((ssize_t)lab.ps, vmsplice(p[1], &iov, 1, 0));
	for (i = 1; i < 10; i++)
		(void)*(volatile char *)vmlab_page(&lab, i);
	ASSERT_EQ(0, vmlab_get_stats(lab.fd, &st));
	EXPECT_EQ(10ULL, st.faults_zero);
	EXPECT_EQ(7ULL, st.evictions);
	EXPECT_EQ(4ULL, st.evict_pinned);
	EXPECT_EQ(11ULL, st.bpf_refused);
	EXPECT_EQ(0ULL, st.over_budget);
	EXPECT_EQ(-1, vmlab_check(lab.map, 0, 1, 3));
	close(p[0]);
	close(p[1]);
	vmlab_lab_close(&lab);
	ops_close(&o);
}

/* ----------------------------------------------------- life and death */

/*
 * The ops goes away mid-run: the instance goes on under FIFO (GET_CONFIG
 * says so, bpf_unregistered counts it), loses no page, and evicts by FIFO
 * from then on: 8 pages written in 4 frames, the ops closed, 8 more pages,
 * then all 16 read back.
 */
TEST_F(bpf, unregistering_the_ops_mid_run_falls_back_to_fifo_losing_nothing)
{
	struct vmlab_config cfg;
	struct vmlab_stats st;
	struct vmlab_lab lab;
	struct ops o;

	REQUIRE_BPF_POLICIES();
	ASSERT_EQ(0, ops_load(&o, "../bpf/policies/sieve.bpf.o", "sieve_ops"));
	ASSERT_EQ(0, lab_open_ops(&lab, 16, 4, 0, "sieve"));
	vmlab_fill(lab.map, 0, 8, 4);
	ops_close(&o);
	EXPECT_EQ(1ULL, wait_unregistered(lab.fd, 1));
	ASSERT_EQ(0, vmlab_get_config(lab.fd, &cfg));
	EXPECT_EQ((__u32)VMLAB_POLICY_FIFO, cfg.policy);
	vmlab_fill(vmlab_page(&lab, 8), 8, 8, 4);
	EXPECT_EQ(-1, vmlab_check(lab.map, 0, 16, 4));
	ASSERT_EQ(0, vmlab_get_stats(lab.fd, &st));
	EXPECT_EQ(16ULL, st.faults_zero);
	EXPECT_EQ(16ULL, st.faults_swapin);
	EXPECT_EQ(0ULL, st.bpf_refused);
	vmlab_lab_close(&lab);
}

/*
 * A registered ops holds the module (its map references it), so vmlab
 * cannot be unloaded before the ops is gone: the module's reference count
 * is one higher while it is registered, and back after.
 */
TEST_F(bpf, a_registered_ops_holds_the_module_until_it_is_gone)
{
	long before, during, after = -1;
	struct ops o;
	int i;

	REQUIRE_BPF_POLICIES();
	before = vmlab_refcnt();
	ASSERT_EQ(0, ops_load(&o, "../bpf/policies/fifo.bpf.o", "fifo_ops"));
	during = vmlab_refcnt();
	ops_close(&o);
	for (i = 0; i < 500 && after != before; i++) {
		usleep(10000);
		after = vmlab_refcnt();
	}
	EXPECT_LT(before, during);
	EXPECT_EQ(before, after);
}

/* One instance at a time; a second selection elsewhere is EBUSY. */
TEST_F(bpf, an_ops_serves_one_instance_at_a_time)
{
	struct vmlab_lab a, b;
	struct ops o;

	REQUIRE_BPF_POLICIES();
	ASSERT_EQ(0, ops_load(&o, "../bpf/policies/fifo.bpf.o", "fifo_ops"));
	ASSERT_EQ(0, lab_open_ops(&a, 8, 2, 0, "fifo"));
	EXPECT_EQ(-EBUSY, lab_open_ops(&b, 8, 2, 0, "fifo"));
	vmlab_lab_close(&b);
	vmlab_lab_close(&a);
	ASSERT_EQ(0, lab_open_ops(&b, 8, 2, 0, "fifo"));
	vmlab_lab_close(&b);
	ops_close(&o);
}

/* ------------------------------------------------------------ the ABI */

TEST_F(bpf, selecting_an_ops_needs_a_registered_name)
{
	char long_name[VMLAB_BPF_NAME_LEN + 1];
	int fd;

	REQUIRE_BPF_POLICIES();
	fd = vmlab_open(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOENT, select_ops(fd, "no_such_ops"));
	EXPECT_EQ(-EINVAL, select_ops(fd, ""));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	EXPECT_EQ(-EINVAL, select_ops(fd, long_name));
	/* BPF comes with an ops; SET_CONFIG does not choose one */
	EXPECT_EQ(-EINVAL, vmlab_set_policy(fd, VMLAB_POLICY_BPF, 4, 0, 1));
	close(fd);
}

/* 6.1 (no module struct_ops): refused with a distinct errno, said in info */
TEST_F(bpf, kernels_without_module_struct_ops_refuse_with_eprotonosupport)
{
	struct vmlab_bpf_policy bp = { .size = sizeof(bp), .name = (uintptr_t)"fifo" };
	int fd;

	VMLAB_TEST_REQUIRE_MODULE();
	if (bpf_policies_here())
		SKIP(return, "this kernel (%s) runs BPF policies", kernel_release());
	fd = vmlab_open(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPROTONOSUPPORT, vmlab_ioctl(fd, VMLAB_SET_BPF_POLICY, &bp));
	EXPECT_EQ(-EPROTONOSUPPORT, vmlab_set_policy(fd, VMLAB_POLICY_BPF, 4, 0, 1));
	close(fd);
}

/* ------------------------------------------------------ the two ways */

/* The misses a run of the tool printed as JSON, or ~0 */
static __u64 json_misses(const char *out)
{
	const char *z = strstr(out, "\"faults_zero\":");
	const char *s = strstr(out, "\"faults_swapin\":");

	if (!z || !s)
		return ~0ULL;
	return strtoull(z + 14, NULL, 10) + strtoull(s + 16, NULL, 10);
}

/* A trace file of @refs in /tmp: its path */
static const char *write_trace(const uint64_t *refs, size_t n)
{
	static const char path[] = "/tmp/vmlab-bpf-trace";
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		return NULL;
	for (i = 0; i < n; i++)
		fprintf(f, "%llu\n", (unsigned long long)refs[i]);
	return fclose(f) ? NULL : path;
}

/*
 * vmlab run --policy bpf:sieve.bpf.o loads, registers and selects it: its
 * misses are the simulator's SIEVE on the same string.
 */
TEST_F(bpf, vmlab_run_with_a_bpf_object_misses_as_simulated_sieve)
{
	char tool[2048], obj[2048], args[4096], out[65536];
	uint64_t refs[200];
	struct sim_result r;
	const char *trace;

	REQUIRE_BPF_POLICIES();
	ASSERT_EQ(0, vmlab_tool_path(tool, sizeof(tool)));
	ASSERT_EQ(0, build_path(obj, sizeof(obj), "../bpf/policies/sieve.bpf.o"));
	random_refs(refs, ARRAY_SIZE(refs), 7, true);
	trace = write_trace(refs, ARRAY_SIZE(refs));
	ASSERT_NE(NULL, trace);
	snprintf(args, sizeof(args), "run -j --pages %d --frames 6 --software-tlb 1 "
		 "--policy bpf:%s --pattern trace:%s", PAGES, obj, trace);
	ASSERT_EQ(0, vmlab_tool_run(tool, args, out, sizeof(out)));
	ASSERT_EQ(0, sim_run(SIM_SIEVE, 6, refs, ARRAY_SIZE(refs), 1, &r));
	EXPECT_EQ(r.misses, json_misses(out));
	unlink(trace);
}

/* Where the kernel cannot, the tool says which kernels can, and fails. */
TEST_F(bpf, vmlab_run_with_a_bpf_policy_names_the_kernels_that_can)
{
	char tool[2048], obj[2048], cmd[8192], out[4096] = "";
	size_t len;
	FILE *f;

	VMLAB_TEST_REQUIRE_MODULE();
	if (bpf_policies_here())
		SKIP(return, "this kernel (%s) runs BPF policies", kernel_release());
	ASSERT_EQ(0, vmlab_tool_path(tool, sizeof(tool)));
	ASSERT_EQ(0, build_path(obj, sizeof(obj), "../bpf/policies/fifo.bpf.o"));
	snprintf(cmd, sizeof(cmd), "'%s' run --frames 4 --policy bpf:%s 2>&1",
		 tool, obj);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	len = fread(out, 1, sizeof(out) - 1, f);
	out[len] = '\0';
	EXPECT_NE(0, pclose(f));
	EXPECT_NE(NULL, strstr(out, "Linux 6.9 or later")) TH_LOG("%s", out);
}

/*
 * bpftool struct_ops register pins the ops' link; vmlab selects it by
 * name, and removing the pin unregisters it.  bpftool 7.5 then crashes
 * printing what it registered (it looks for the type in vmlinux's BTF, not
 * vmlab's): its status says nothing, the pin does.
 */
TEST_F(bpf, bpftool_registers_an_ops_that_an_instance_selects_by_name)
{
	static const char dir[] = "/sys/fs/bpf/vmlab_test";
	char bpftool[4096], obj[4096], cmd[12288], pin[128];
	static const uint64_t belady[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
	struct vmlab_stats st;
	struct vmlab_lab lab;
	struct stat sb;

	REQUIRE_BPF_POLICIES();
	ASSERT_EQ(0, build_path(bpftool, sizeof(bpftool), "../bpftool"));
	ASSERT_EQ(0, build_path(obj, sizeof(obj), "../bpf/policies/fifo.bpf.o"));
	if (stat("/sys/fs/bpf", &sb) || sb.st_dev == 0 ||
	    system("grep -q ' /sys/fs/bpf bpf ' /proc/mounts"))
		ASSERT_EQ(0, mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL));
	mkdir(dir, 0700);
	snprintf(cmd, sizeof(cmd), "'%s' struct_ops register '%s' %s "
		 ">/dev/null 2>&1", bpftool, obj, dir);
	snprintf(pin, sizeof(pin), "%s/fifo_ops", dir);
	ASSERT_NE(-1, system(cmd));
	ASSERT_EQ(0, stat(pin, &sb));
	ASSERT_EQ(0, lab_open_ops(&lab, 8, 3, 0, "fifo"));
	lab_read(&lab, belady, ARRAY_SIZE(belady));
	ASSERT_EQ(0, vmlab_get_stats(lab.fd, &st));
	EXPECT_EQ(9ULL, st.faults_zero + st.faults_swapin);
	EXPECT_EQ(0ULL, st.bpf_refused + st.bpf_no_victim);
	EXPECT_EQ(0, unlink(pin));
	EXPECT_EQ(1ULL, wait_unregistered(lab.fd, 1));
	vmlab_lab_close(&lab);
	rmdir(dir);
}

VMLAB_HARNESS_MAIN
