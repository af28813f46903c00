// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab's BPF programs (bpf/vmlab.bpf.c) and `vmlab trace`: a workload of
 * known shape, in a child process, is traced by `vmlab trace -j` and by
 * the counters `vmlab trace --pin` leaves behind (read with bpftool), and
 * both must equal the module's VMLAB_GET_STATS exactly: faults by kind,
 * evictions, swaps, TLB flushes; the kernel's page_fault_user count in the
 * vmlab range equals the module's fault count; nothing is lost.  vmlab
 * cannot be unloaded while a program sits on one of its tracepoints, and
 * can once it is detached.  The tracepoint records' layout in
 * bpf/vmlab_trace.h matches the module's format files.
 *
 * The workload runs in a child pinned to one CPU, so every kernel TLB
 * flush of its mm is local and seen in its own context; the tracer is
 * stopped before the child exits, so its exit (no vmlab mapping left) adds
 * nothing.
 */
#include <poll.h>
#include <signal.h>
#include <sys/statfs.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"
#include "../bpf/vmlab_trace.h"
#include "../userspace/names.h"
#include "../userspace/tracer.h"

#define TRACEFS		"/sys/kernel/tracing"
#define BPFFS		"/sys/fs/bpf"
#define BPF_FS_MAGIC	0xcafe4a11
#define PAGES		64U
#define FRAMES		16U
#define READY_MS	120000	/* loading BPF under TCG on a busy host */
#define OUT_MAX		(8 << 20)

/* ------------------------------------------------------------ paths */

/* build/ of this test binary (build/selftests/trace_bpf_test) */
static const char *build_dir(void)
{
	static char dir[200];
	char *slash;
	ssize_t n;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0)
		return "build";
	dir[n] = '\0';
	for (int i = 0; i < 2 && (slash = strrchr(dir, '/')); i++)
		*slash = '\0';
	return dir;
}

static const char *tool_path(void)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/vmlab", build_dir());
	return path;
}

static const char *object_path(void)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/bpf/vmlab.bpf.o", build_dir());
	return path;
}

/* bpftool 7.5 (autoattach), fetched by make into the build directory */
static const char *bpftool_path(void)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/bpftool", build_dir());
	return path;
}

/* ------------------------------------------------------- the workload */

struct work_result {
	struct vmlab_stats st;
	__u32 inst;
	int err;		/* 0, or the line that failed */
};

struct work {
	pid_t pid;
	int go, done;		/* our ends of the pipes */
	struct work_result *res;	/* shared with the child */
};

#define WORK_CHECK(cond) do {						\
		if (!(cond)) {						\
			r->err = __LINE__;				\
			return;						\
		}							\
	} while (0)

/*
 * Faults of every kind but soft, evictions of clean and dirty pages,
 * swap-outs and swap-ins to the memory store, the module's TLB flushes
 * (evictions) and the kernel's (munmap).  FIFO, FRAMES of PAGES resident.
 */
static void work_run(struct work_result *r)
{
	size_t ps = vmlab_page_size(), i;
	struct vmlab_config cfg;
	struct vmlab_info info;
	volatile char *map;
	int fd;

	fd = vmlab_open_config(PAGES, 0, 0, 1024);
	WORK_CHECK(fd >= 0);
	WORK_CHECK(!vmlab_get_config(fd, &cfg));
	cfg.policy = VMLAB_POLICY_FIFO;
	cfg.frames = FRAMES;
	WORK_CHECK(!vmlab_ioctl(fd, VMLAB_SET_CONFIG, &cfg));
	WORK_CHECK(!vmlab_get_info(fd, &info));
	r->inst = info.instance_id;
	map = vmlab_mmap(fd, PAGES, 0);
	WORK_CHECK(map != MAP_FAILED);
	/* read each page: zero-fill; the evicted ones, never written, dropped */
	for (i = 0; i < PAGES; i++)
		WORK_CHECK(map[i * ps] == 0);
	/* read, then write: zero-fill or minor, upgrade; dirty evictions */
	for (i = 0; i < PAGES; i++) {
		(void)map[i * ps];
		map[i * ps] = (char)i;
	}
	/* map again and read backwards: minor faults, then swap-ins */
	WORK_CHECK(!munmap((void *)map, PAGES * ps));
	map = vmlab_mmap(fd, PAGES, 0);
	WORK_CHECK(map != MAP_FAILED);
	for (i = PAGES; i-- > 0;)
		WORK_CHECK(map[i * ps] == (char)i);
	WORK_CHECK(!munmap((void *)map, PAGES * ps));
	WORK_CHECK(!vmlab_get_stats(fd, &r->st));
	close(fd);
}

/* Fork the workload; it waits for work_go(). */
static int work_start(struct work *w, int cpu)
{
	int go[2], done[2];
	char c;

	w->res = mmap(NULL, sizeof(*w->res), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w->res == MAP_FAILED)
		return -errno;
	memset(w->res, 0, sizeof(*w->res));
	if (pipe2(go, O_CLOEXEC) || pipe2(done, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0)
		return -errno;
	if (w->pid == 0) {
		close(go[1]);
		close(done[0]);
		if (vmlab_pin_cpu(cpu))
			w->res->err = -1;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		if (!w->res->err)
			work_run(w->res);
		if (write(done[1], "d", 1) != 1)
			_exit(1);
		/* exit only when told: after the tracer stopped */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	w->go = go[1];
	w->done = done[0];
	return 0;
}

/* Let the workload run and wait for it to finish its work (not exit). */
static int work_go(struct work *w)
{
	struct pollfd p = { .fd = w->done, .events = POLLIN };
	char c;

	if (write(w->go, "g", 1) != 1)
		return -errno;
	if (poll(&p, 1, 120000) != 1)
		return -ETIMEDOUT;
	return read(w->done, &c, 1) == 1 ? 0 : -EIO;
}

/* Let it exit and reap it. */
static int work_end(struct work *w)
{
	int ret;

	if (write(w->go, "x", 1) != 1)
		kill(w->pid, SIGKILL);
	close(w->go);
	close(w->done);
	ret = vmlab_wait(w->pid);
	munmap(w->res, sizeof(*w->res));
	return ret;
}

/* ------------------------------------------------------------ the tool */

/* Start `vmlab trace ARGS...` and wait until it is attached: 0 or -errno */
static int trace_start(struct tracer *t, const char *const *args)
{
	char out[64];
	int ret;

	snprintf(out, sizeof(out), "/tmp/vmlab-trace.%d.out", getpid());
	ret = tracer_start(t, tool_path(), out, args, NULL, READY_MS);
	if (ret == -EIO)
		fprintf(stderr, "# vmlab trace did not start: %s\n", t->errbuf);
	return ret;
}

static char *slurp(const char *path)
{
	char *buf = malloc(OUT_MAX);

	if (buf && vmlab_read_file(path, buf, OUT_MAX) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Run @cmd with the shell; its stdout in @out: the exit status or -1 */
static int run(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0;
	int st;

	if (!f)
		return -1;
	while (out && n + 1 < len && fgets(out + n, len - n, f))
		n += strlen(out + n);
	if (out)
		out[n] = '\0';
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---------------------------------------------------------------- JSON */

/* The value of "key": in @s, unquoted, into @val: true if found */
static bool jget(const char *s, const char *key, char *val, size_t len)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(s, pat);
	if (!p)
		return false;
	p += strlen(pat);
	if (*p == '"') {
		for (p++; *p && *p != '"' && n + 1 < len; p++)
			val[n++] = *p;
	} else {
		for (; *p && !strchr(",}]\n", *p) && n + 1 < len; p++)
			val[n++] = *p;
	}
	val[n] = '\0';
	return true;
}

static __u64 jget_u64(const char *s, const char *key)
{
	char v[32];

	return jget(s, key, v, sizeof(v)) ? strtoull(v, NULL, 0) : ~0ULL;
}

/* Is "key" of @s the string @want? */
static bool jis(const char *s, const char *key, const char *want)
{
	char v[32];

	return jget(s, key, v, sizeof(v)) && !strcmp(v, want);
}

/* What the event lines of a `vmlab trace -j` run hold */
struct tally {
	size_t lines;
	size_t fault[VMLAB_FAULT_KIND_MAX];	/* by kind, of the instance */
	size_t faults;
	size_t tlb_module, tlb_kernel;
	size_t evict, evict_drop, swap_out, swap_in;
	size_t pf;				/* of the workload's pid */
	size_t other;				/* another instance or pid */
	char *summary;				/* the summary line */
};

static void tally(char *buf, __u32 inst, pid_t pid, struct tally *t)
{
	char type[16], val[32], *line, *save = NULL;
	int k;

	memset(t, 0, sizeof(*t));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		t->lines++;
		if (!jget(line, "type", type, sizeof(type)))
			continue;
		if (!strcmp(type, "summary")) {
			t->summary = line;
			continue;
		}
		if (!strcmp(type, "pf") || !strcmp(type, "ktlb")) {
			if (jget_u64(line, "pid") != (__u64)pid)
				t->other++;
			else if (!strcmp(type, "pf"))
				t->pf++;
			continue;
		}
		if (jget_u64(line, "inst") != inst) {
			t->other++;
			continue;
		}
		if (!strcmp(type, "fault")) {
			t->faults++;
			jget(line, "kind", val, sizeof(val));
			k = name_parse(&fault_kind_names, val);
			if (k > 0)
				t->fault[k]++;
		} else if (!strcmp(type, "tlb")) {
			if (jis(line, "origin", "module"))
				t->tlb_module++;
			else
				t->tlb_kernel++;
		} else if (!strcmp(type, "evict")) {
			t->evict++;
			t->evict_drop += jis(line, "action", "drop");
		} else if (!strcmp(type, "swap")) {
			if (jis(line, "dir", "out"))
				t->swap_out++;
			else
				t->swap_in++;
		}
	}
}

/* The counters that equal one of the stats each */
static const struct {
	const char *counter;
	size_t stat;
} counter_stats[] = {
#define C(counter, field) { counter, offsetof(struct vmlab_stats, field) }
	C("faults", faults), C("fault_zero", faults_zero),
	C("fault_minor", faults_minor), C("fault_upgrade", faults_upgrade),
	C("fault_swapin", faults_swapin), C("fault_soft", faults_soft),
	C("fault_cow", faults_cow),
	C("tlb_module", tlb_module), C("tlb_kernel", tlb_kernel),
	C("evictions", evictions), C("evict_drop", clean_drops),
	C("swap_outs", swap_outs), C("swap_ins", swap_ins),
	C("swap_errors", io_errors),
	/* the kernel's view: every module fault was a user fault */
	C("pf_vmlab", faults),
#undef C
};

/* The counters (a summary line, or bpftool's dump) equal the stats */
#define EXPECT_COUNTERS(s, st) do {					\
		size_t __i;						\
									\
		for (__i = 0; __i < ARRAY_SIZE(counter_stats); __i++) {	\
			const char *__c = counter_stats[__i].counter;	\
									\
			EXPECT_EQ(vmlab_stat(&(st), counter_stats[__i].stat), \
				  jget_u64(s, __c)) TH_LOG("%s", __c);	\
		}							\
		EXPECT_EQ(0ULL, jget_u64(s, "fault_other"));		\
		EXPECT_EQ(0ULL, jget_u64(s, "pf_unknown"));		\
		EXPECT_EQ((st).tlb_kernel,				\
			  jget_u64(s, "ktlb_remote_shootdown") +	\
			  jget_u64(s, "ktlb_local_shootdown") +		\
			  jget_u64(s, "ktlb_local_mm_shootdown") +	\
			  jget_u64(s, "ktlb_remote_send_ipi"));		\
		EXPECT_EQ(0ULL, jget_u64(s, "lost"));			\
	} while (0)

/* The workload did something of everything the tests compare */
#define EXPECT_WORKLOAD(st) do {					\
		EXPECT_LT(0ULL, (st).faults_zero);			\
		EXPECT_LT(0ULL, (st).faults_minor);			\
		EXPECT_LT(0ULL, (st).faults_upgrade);			\
		EXPECT_LT(0ULL, (st).faults_swapin);			\
		EXPECT_LT(0ULL, (st).evictions);			\
		EXPECT_LT(0ULL, (st).clean_drops);			\
		EXPECT_LT(0ULL, (st).swap_outs);			\
		EXPECT_LT(0ULL, (st).swap_ins);				\
		EXPECT_LT(0ULL, (st).tlb_module);			\
		EXPECT_LT(0ULL, (st).tlb_kernel);			\
		EXPECT_EQ(0ULL, (st).fault_errors);			\
	} while (0)

/* ------------------------------------------------------------ formats */

/* The offset of @field in tracefs's format of @event, or -1 */
static long format_offset(const char *event, const char *field)
{
	char path[256], buf[8192], pat[80];
	const char *p;

	snprintf(path, sizeof(path), TRACEFS "/events/%s/format", event);
	if (vmlab_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(pat, sizeof(pat), " %s;\toffset:", field);
	p = strstr(buf, pat);
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* Every field of the contexts in vmlab_trace.h, with its offset there */
static const struct {
	const char *event, *name;
	long off;
} tp_fields[] = {
#define X(t, f, event, name, off) { event, name, (long)offsetof(struct t, f) },
	VMT_TP_FIELDS(X)
#undef X
};

TEST(tracepoint_formats_match_the_bpf_contexts)
{
	size_t i;

	VMLAB_TEST_REQUIRE_MODULE();
	if (access(TRACEFS "/events/vmlab", F_OK))
		SKIP(return, "no " TRACEFS "/events/vmlab");
	for (i = 0; i < ARRAY_SIZE(tp_fields); i++) {
		long off = format_offset(tp_fields[i].event, tp_fields[i].name);

		if (off != tp_fields[i].off)
			TH_LOG("%s: %s at %ld, vmlab_trace.h says %ld",
			       tp_fields[i].event, tp_fields[i].name, off,
			       tp_fields[i].off);
		EXPECT_EQ(tp_fields[i].off, off);
	}
}

/* ------------------------------------------------------------ fixture */

FIXTURE(bpf) {
	char dir[64];		/* a bpffs directory for pins */
	char *out;		/* the last output read */
};

FIXTURE_SETUP(bpf)
{
	struct statfs sf;

	VMLAB_REQUIRE_MODULE();
	if (geteuid())
		VMLAB_SETUP_SKIP("BPF needs root");
	if (access(tool_path(), X_OK))
		VMLAB_SETUP_SKIP("no %s: build it with make", tool_path());
	if (statfs(BPFFS, &sf) || sf.f_type != BPF_FS_MAGIC)
		VMLAB_SETUP_SKIP("no bpffs at " BPFFS);
	snprintf(self->dir, sizeof(self->dir), BPFFS "/vmlab-test-%d", getpid());
	self->out = NULL;
}

FIXTURE_TEARDOWN(bpf)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (!access(self->dir, F_OK) && run(cmd, NULL, 0))
		TH_LOG("could not remove %s", self->dir);
	free(self->out);
	vmlab_ensure_loaded();
}

/* Workload @w on CPU 0 while `vmlab trace ARGS...` runs as @t: @out, its
 * result */
#define TRACED_WORKLOAD(args, t, w, out) do {				\
		ASSERT_EQ(0, work_start(w, 0));				\
		ASSERT_EQ(0, trace_start(t, args));			\
		ASSERT_EQ(0, work_go(w));				\
		EXPECT_EQ(0, tracer_stop(t, NULL));			\
		*(out) = *(w)->res;					\
		ASSERT_EQ(0, work_end(w));				\
		ASSERT_EQ(0, (out)->err)				\
			TH_LOG("the workload failed at line %d", (out)->err); \
	} while (0)

/* `vmlab trace -j -e all` while the workload runs: equal to the stats */
TEST_F(bpf, stream_equals_module_stats)
{
	static const char *const args[] = { "-j", "-e", "all", NULL };
	struct work_result res;
	struct tracer t;
	struct work w;
	struct tally tl;

	TRACED_WORKLOAD(args, &t, &w, &res);
	EXPECT_WORKLOAD(res.st);
	EXPECT_EQ(NULL, strstr(t.errbuf, "lost")) TH_LOG("%s", t.errbuf);

	self->out = slurp(t.out);
	unlink(t.out);
	ASSERT_NE(NULL, self->out);
	tally(self->out, res.inst, w.pid, &tl);
	ASSERT_NE(NULL, tl.summary) TH_LOG("no summary line");
	EXPECT_COUNTERS(tl.summary, res.st);
	/* and one record per event: nothing dropped, nothing else */
	EXPECT_EQ(0U, tl.other);
	EXPECT_EQ(res.st.faults, tl.faults);
	EXPECT_EQ(res.st.faults_zero, tl.fault[VMLAB_FAULT_ZERO]);
	EXPECT_EQ(res.st.faults_minor, tl.fault[VMLAB_FAULT_MINOR]);
	EXPECT_EQ(res.st.faults_upgrade, tl.fault[VMLAB_FAULT_UPGRADE]);
	EXPECT_EQ(res.st.faults_swapin, tl.fault[VMLAB_FAULT_SWAPIN]);
	EXPECT_EQ(res.st.tlb_module, tl.tlb_module);
	EXPECT_EQ(res.st.tlb_kernel, tl.tlb_kernel);
	EXPECT_EQ(res.st.evictions, tl.evict);
	EXPECT_EQ(res.st.clean_drops, tl.evict_drop);
	EXPECT_EQ(res.st.swap_outs, tl.swap_out);
	EXPECT_EQ(res.st.swap_ins, tl.swap_in);
	/*
	 * A process's first fault passed page_fault_user before vmlab's
	 * tracepoint made it traced: it is counted, but has no record.
	 */
	EXPECT_EQ(res.st.faults - 1, tl.pf);
	EXPECT_EQ(tl.lines - 1, jget_u64(tl.summary, "records"));
}

/*
 * Dump the counters pinned in @mapdir with @bpftool while workload @w still
 * lives (its exit flushes its TLB too), end it, and check every counter
 * against its stats.  @out holds OUT_MAX bytes.
 */
static void expect_dumped_counters(struct __test_metadata *_metadata,
				   const char *bpftool, const char *mapdir,
				   struct work *w, char *out)
{
	struct work_result res;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s map dump -j pinned %s/counts", bpftool,
		 mapdir);
	ASSERT_EQ(0, run(cmd, out, OUT_MAX)) TH_LOG("%s", out);
	res = *w->res;
	ASSERT_EQ(0, work_end(w));
	ASSERT_EQ(0, res.err) TH_LOG("the workload failed at line %d", res.err);
	EXPECT_WORKLOAD(res.st);
	/* the formatted dump: by name, from the map's BTF */
	ASSERT_NE(NULL, strstr(out, "\"formatted\"")) TH_LOG("%s", out);
	EXPECT_COUNTERS(strstr(out, "\"formatted\""), res.st);
}

/*
 * How many vmlab programs bpftool still lists, waiting (5 s at most) for
 * none: since 6.12 a released bpf_link is freed from a work queue, so the
 * last program may outlive its detach for a moment.
 */
static int vmlab_progs_left_settled(void)
{
	char out[64];
	int left = -1, i;

	for (i = 0; i < 50; i++) {
		run("bpftool prog show | grep -c 'name vmlab_'", out, sizeof(out));
		left = atoi(out);
		if (!left)
			break;
		usleep(100000);
	}
	return left;
}

/* `vmlab trace --pin`, read with bpftool: equal to the stats */
TEST_F(bpf, pinned_counters_equal_module_stats)
{
	char cmd[512], *out;
	struct work w;

	out = self->out = malloc(OUT_MAX);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, work_start(&w, 0));
	snprintf(cmd, sizeof(cmd), "%s trace --pin %s -e all", tool_path(),
		 self->dir);
	ASSERT_EQ(0, run(cmd, out, OUT_MAX)) TH_LOG("%s", out);
	ASSERT_EQ(0, work_go(&w));

	snprintf(cmd, sizeof(cmd), "bpftool link show; bpftool prog show");
	ASSERT_EQ(0, run(cmd, out, OUT_MAX));
	EXPECT_NE(NULL, strstr(out, "name vmlab_fault"));
	EXPECT_NE(NULL, strstr(out, "name vmlab_pf_user"));
	expect_dumped_counters(_metadata, "bpftool", self->dir, &w, out);

	snprintf(cmd, sizeof(cmd), "%s trace --unpin %s", tool_path(), self->dir);
	EXPECT_EQ(0, run(cmd, NULL, 0));
	EXPECT_NE(0, access(self->dir, F_OK));
	EXPECT_EQ(0, vmlab_progs_left_settled());
}

/* -p: only that process's faults, page faults and records */
TEST_F(bpf, pid_filter_keeps_one_process)
{
	char args_pid[16];
	const char *args[] = { "-j", "-e", "fault,pf", "-p", args_pid, NULL };
	struct work_result ra, rb;
	struct work a, b;
	struct tracer t;
	struct tally tl;

	ASSERT_EQ(0, work_start(&a, 0));
	ASSERT_EQ(0, work_start(&b, 0));
	snprintf(args_pid, sizeof(args_pid), "%d", a.pid);
	ASSERT_EQ(0, trace_start(&t, args));
	ASSERT_EQ(0, work_go(&a));
	ASSERT_EQ(0, work_go(&b));
	EXPECT_EQ(0, tracer_stop(&t, NULL));
	ra = *a.res;
	rb = *b.res;
	ASSERT_EQ(0, work_end(&a));
	ASSERT_EQ(0, work_end(&b));
	ASSERT_EQ(0, ra.err);
	ASSERT_EQ(0, rb.err);
	EXPECT_LT(0ULL, rb.st.faults);

	self->out = slurp(t.out);
	unlink(t.out);
	ASSERT_NE(NULL, self->out);
	tally(self->out, ra.inst, a.pid, &tl);
	ASSERT_NE(NULL, tl.summary);
	EXPECT_EQ(0U, tl.other);
	EXPECT_EQ(ra.st.faults, tl.faults);
	EXPECT_EQ(ra.st.faults, tl.pf);
	EXPECT_EQ(ra.st.faults, jget_u64(tl.summary, "faults"));
	EXPECT_EQ(ra.st.faults, jget_u64(tl.summary, "pf_vmlab"));
	EXPECT_EQ(0ULL, jget_u64(tl.summary, "lost"));
}

/* --hist: one sample per fault, eviction and swap, by kind */
TEST_F(bpf, histograms_count_every_event)
{
	static const char *const args[] = { "-j", "--hist", NULL };
	struct work_result res;
	struct tracer t;
	struct work w;
	const char *h;

	TRACED_WORKLOAD(args, &t, &w, &res);

	self->out = slurp(t.out);
	unlink(t.out);
	ASSERT_NE(NULL, self->out);
#define HIST_COUNT(kind)						\
	((h = strstr(self->out, "\"kind\":\"" kind "\",\"latency_ns\":")) ? \
	 jget_u64(h, "count") : 0ULL)
	EXPECT_EQ(res.st.faults_zero, HIST_COUNT("fault_zero"));
	EXPECT_EQ(res.st.faults_minor, HIST_COUNT("fault_minor"));
	EXPECT_EQ(res.st.faults_upgrade, HIST_COUNT("fault_upgrade"));
	EXPECT_EQ(res.st.faults_swapin, HIST_COUNT("fault_swapin"));
	EXPECT_EQ(res.st.evictions, HIST_COUNT("evict"));
	EXPECT_EQ(res.st.swap_outs, HIST_COUNT("swap_out"));
	EXPECT_EQ(res.st.swap_ins, HIST_COUNT("swap_in"));
#undef HIST_COUNT
}

/* Unload vmlab, retrying while a reference goes away: 0 or -errno */
static int unload_settled(void)
{
	int ret = -EAGAIN, i;

	for (i = 0; i < 50 && ret; i++) {
		ret = vmlab_unload();
		if (ret)
			usleep(100000);
	}
	return ret;
}

/*
 * A program on a vmlab tracepoint holds a reference to the module (the
 * perf event does): rmmod fails cleanly until it is detached, whether the
 * programs belong to a running `vmlab trace` or are pinned.
 */
TEST_F(bpf, rmmod_fails_while_attached_and_works_after)
{
	static const char *const args[] = { "-e", "fault", NULL };
	struct tracer t;
	char cmd[512];
	int ret;

	ASSERT_EQ(0, trace_start(&t, args));
	/* delete_module(): the reference is not released, -EWOULDBLOCK */
	ret = vmlab_unload();
	EXPECT_EQ(-EAGAIN, ret) TH_LOG("rmmod: %s", strerror(-ret));
	EXPECT_TRUE(vmlab_loaded());
	EXPECT_EQ(0, tracer_stop(&t, NULL));
	unlink(t.out);
	EXPECT_EQ(0, unload_settled());
	ASSERT_EQ(0, vmlab_ensure_loaded());

	snprintf(cmd, sizeof(cmd), "%s trace --pin %s -e fault,tlb", tool_path(),
		 self->dir);
	ASSERT_EQ(0, run(cmd, NULL, 0));
	ret = vmlab_unload();
	EXPECT_EQ(-EAGAIN, ret) TH_LOG("rmmod: %s", strerror(-ret));
	EXPECT_TRUE(vmlab_loaded());
	/* removing the directory detaches them too */
	snprintf(cmd, sizeof(cmd), "rm -r %s", self->dir);
	ASSERT_EQ(0, run(cmd, NULL, 0));
	EXPECT_EQ(0, unload_settled());
	ASSERT_EQ(0, vmlab_ensure_loaded());
}

/*
 * With module BTF (/sys/kernel/btf/vmlab) bpftrace attaches to vmlab's own
 * functions - kfunc, bpftrace 0.17's name for fentry: ->fault runs once for
 * every fault but a write upgrade (->page_mkwrite), over random reads then
 * writes that fault, upgrade, evict and swap in.
 */
TEST_F(bpf, bpftrace_kfunc_on_vmlab_fault_counts_every_fault)
{
	char cmd[512], *out, *stats, *at;
	__u64 faults;

	if (access("/sys/kernel/btf/vmlab", R_OK))
		SKIP(return, "vmlab has no BTF: built against headers without vmlinux");
	out = self->out = malloc(OUT_MAX);
	ASSERT_NE(NULL, out);
	snprintf(cmd, sizeof(cmd),
		 "bpftrace -e 'kfunc:vmlab:vmlab_fault { @faults = count(); }' "
		 "-c '%s run -j --pages 64 --frames 16 --pattern rand "
		 "--touches 256 --read-then-write' 2>&1", tool_path());
	ASSERT_EQ(0, run(cmd, out, OUT_MAX)) TH_LOG("%s", out);
	stats = strstr(out, "\"stats\":");
	ASSERT_NE(NULL, stats) TH_LOG("%s", out);
	faults = jget_u64(stats, "faults");
	EXPECT_LT(0ULL, jget_u64(stats, "faults_upgrade"));
	EXPECT_LT(0ULL, jget_u64(stats, "faults_swapin"));
	at = strstr(out, "@faults: ");
	ASSERT_NE(NULL, at) TH_LOG("%s", out);
	EXPECT_EQ(faults - jget_u64(stats, "faults_upgrade"),
		  strtoull(at + strlen("@faults: "), NULL, 10));
}

/*
 * bpftool alone is the whole story: `prog loadall ... autoattach` (bpftool
 * 7.5) loads and attaches every program of the object with its defaults
 * (every process), and `map dump` of its counters equals the module's
 * stats exactly.  Removing the pins detaches them.
 */
TEST_F(bpf, bpftool_autoattach_counters_equal_module_stats)
{
	char cmd[2048], maps[300], *out;
	struct work w;

	if (access(bpftool_path(), X_OK))
		SKIP(return, "no %s: make fetches it (scripts/kernels --bpftool)",
		     bpftool_path());
	out = self->out = malloc(OUT_MAX);
	ASSERT_NE(NULL, out);
	snprintf(maps, sizeof(maps), "%s/maps", self->dir);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s && %s prog loadall %s %s pinmaps %s autoattach 2>&1",
		 maps, bpftool_path(), object_path(), self->dir, maps);
	ASSERT_EQ(0, run(cmd, out, OUT_MAX)) TH_LOG("%s", out);
	ASSERT_EQ(0, work_start(&w, 0));
	ASSERT_EQ(0, work_go(&w));
	expect_dumped_counters(_metadata, bpftool_path(), maps, &w, out);

	snprintf(cmd, sizeof(cmd), "rm -r %s", self->dir);
	EXPECT_EQ(0, run(cmd, NULL, 0));
	EXPECT_EQ(0, vmlab_progs_left_settled());
}

/* The object loads with bpftool's own loader, its defaults in .rodata */
TEST_F(bpf, bpftool_loads_the_object)
{
	char cmd[512], out[4096];

	if (access(object_path(), R_OK))
		SKIP(return, "no %s", object_path());
	snprintf(cmd, sizeof(cmd), "bpftool prog loadall %s %s 2>&1", object_path(),
		 self->dir);
	ASSERT_EQ(0, run(cmd, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "ls %s", self->dir);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "vmlab_fault"));
	EXPECT_NE(NULL, strstr(out, "vmlab_evict"));
	EXPECT_NE(NULL, strstr(out, "vmlab_pf_user"));
	snprintf(cmd, sizeof(cmd), "rm -r %s", self->dir);
	EXPECT_EQ(0, run(cmd, NULL, 0));
}

VMLAB_HARNESS_MAIN
