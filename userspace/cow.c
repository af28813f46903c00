// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab cow`: copy-on-write of an instance's pages.
 *
 * One instance mapped twice in this process: MAP_SHARED, through which it
 * is written, and MAP_PRIVATE, whose reads map the very same pages.  Then
 * fork(): the child writes --writes pages of its private mapping and the
 * parent does too.  Each gets copies the other does not see, and the
 * instance keeps its data.  The module logs a COW fault only for a write
 * with no page mapped (the kernel's do_cow_fault() asks it for the page);
 * the copy of a page a read mapped is made by the kernel's write-protect
 * fault alone, which tells no module: the copies are counted from the page
 * tables instead, a private page whose PFN is not the instance page's.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "json.h"
#include "util.h"

#define COW_MAX_PAGES	4096

static const char cow_doc[] =
"Copy-on-write of vmlab pages.  Map one instance of --pages pages MAP_SHARED\n"
"and MAP_PRIVATE, write known data through the shared mapping and read it\n"
"through the private one: its pages are the instance's own (same PFN).  Then\n"
"fork(); the child writes the first --writes pages of its private mapping,\n"
"and after it the parent writes them in its own.  For each, the COW faults\n"
"the module logged, the copies its page tables hold (a private page whose\n"
"PFN is not the instance page's), whether it sees its own writes, and that\n"
"the instance's data is unchanged.\n"
"\n"
"The child's private mapping starts empty (fork() does not copy the page\n"
"tables of a private file mapping with no copies yet): its writes fault in\n"
"the kernel's do_cow_fault(), which asks the module for the page, so each is\n"
"a COW fault.  The parent's pages are mapped by its reads: its writes are\n"
"copied by the kernel's write-protect fault, which calls no module, so it\n"
"logs none.  Counting copies needs PFNs (CAP_SYS_ADMIN).\n"
"\n"
"EXAMPLES:\n"
"  vmlab cow\n"
"  vmlab cow --pages 64 --writes 16\n"
"  vmlab -j cow\n";

static const struct argp_option cow_opts[] = {
	{ "pages", 'n', "N", 0, "Pages of the instance (default 16, at most 4096)", 0 },
	{ "writes", 'k', "K", 0,
	  "Pages the child, then the parent, write (default half of N)", 0 },
	CLI_OPT_JSON(0),
	{},
};

struct cow_args {
	uint64_t pages;
	uint64_t writes;
	bool writes_set;
};

static error_t cow_parse(int key, char *arg, struct argp_state *state)
{
	struct cow_args *a = state->input;

	switch (key) {
	case 'n':
		a->pages = arg_u64(state, "--pages", arg, 1, COW_MAX_PAGES);
		break;
	case 'k':
		a->writes = arg_u64(state, "--writes", arg, 0, COW_MAX_PAGES);
		a->writes_set = true;
		break;
	case ARGP_KEY_END:
		if (!a->writes_set)
			a->writes = a->pages / 2;
		if (a->writes > a->pages)
			argp_error(state, "--writes %" PRIu64 ": more than the %"
				   PRIu64 " pages", a->writes, a->pages);
		break;
	default:
		return cli_key(key, arg, state);
	}
	return 0;
}

/* What one process found after its writes */
struct cow_side {
	uint64_t cow_faults;	/* the module's faults_cow over the writes */
	uint64_t copies;	/* private pages that are not the instance's */
	uint64_t shared;	/* private pages mapping the instance's page */
	bool sees_own;		/* its private mapping shows what it wrote */
	bool instance_ok;	/* the shared mapping shows the instance's data */
	int err;		/* 0, or the errno that stopped it */
};

struct cow_run {
	int fd;
	size_t ps;
	size_t pages;
	size_t writes;
	char *shared;
	char *priv;
	uint64_t *pfn;		/* the instance's page of each pgoff */
};

/* Seeds of the data: the instance's, the child's and the parent's */
enum { SEED_INSTANCE = 1, SEED_CHILD = 2, SEED_PARENT = 3 };

static uint64_t cow_tag(unsigned int seed, size_t i)
{
	return (uint64_t)seed << 32 | (uint32_t)i;
}

static void cow_fill(char *p, size_t ps, size_t from, size_t to,
		     unsigned int seed)
{
	size_t i;

	for (i = from; i < to; i++) {
		volatile uint64_t *w = (uint64_t *)(p + i * ps);

		w[0] = cow_tag(seed, i);
		w[ps / 8 - 1] = ~cow_tag(seed, i);
	}
}

static bool cow_check(const char *p, size_t ps, size_t from, size_t to,
		      unsigned int seed)
{
	size_t i;

	for (i = from; i < to; i++) {
		const volatile uint64_t *w = (const uint64_t *)(p + i * ps);

		if (w[0] != cow_tag(seed, i) || w[ps / 8 - 1] != ~cow_tag(seed, i))
			return false;
	}
	return true;
}

/* Count the private pages that are copies, and those that are the instance's. */
static int cow_count(const struct cow_run *r, struct cow_side *s)
{
	struct vmlab_walk w;
	size_t i;

	s->copies = 0;
	s->shared = 0;
	for (i = 0; i < r->pages; i++) {
		if (vmlab_walk(r->fd, (uintptr_t)(r->priv + i * r->ps), &w))
			return -1;
		if (!(w.flags & VMLAB_WALK_MAPPED))
			continue;
		if (w.pfn == r->pfn[i])
			s->shared++;
		else
			s->copies++;
	}
	return 0;
}

static int cow_faults(int fd, uint64_t *n)
{
	struct vmlab_stats st;

	if (vmlab_get_stats(fd, &st))
		return -1;
	*n = st.faults_cow;
	return 0;
}

/* One side's writes and what it finds after them; @seed, its data */
static int cow_side_run(const struct cow_run *r, unsigned int seed,
			struct cow_side *s)
{
	uint64_t before, after;

	if (cow_faults(r->fd, &before))
		return -1;
	cow_fill(r->priv, r->ps, 0, r->writes, seed);
	if (cow_faults(r->fd, &after))
		return -1;
	s->cow_faults = after - before;
	s->sees_own = cow_check(r->priv, r->ps, 0, r->writes, seed) &&
		      cow_check(r->priv, r->ps, r->writes, r->pages, SEED_INSTANCE);
	s->instance_ok = cow_check(r->shared, r->ps, 0, r->pages, SEED_INSTANCE);
	return cow_count(r, s);
}

/* The child: write, look, report through @wfd, exit. */
static void cow_child(const struct cow_run *r, int wfd)
{
	struct cow_side s = {};

	if (cow_side_run(r, SEED_CHILD, &s))
		s.err = errno ? errno : EIO;
	if (write(wfd, &s, sizeof(s)) != sizeof(s))
		_exit(1);
	_exit(0);
}

static int cow_fork(const struct cow_run *r, struct cow_side *child)
{
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return err_errno("pipe");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_errno("fork");
	}
	if (pid == 0) {
		close(p[0]);
		cow_child(r, p[1]);
	}
	close(p[1]);
	n = read(p[0], child, sizeof(*child));
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		return err_errno("waitpid");
	if (n != sizeof(*child) || !WIFEXITED(status) || WEXITSTATUS(status))
		return err_msg("vmlab cow: the child failed");
	if (child->err) {
		errno = child->err;
		return err_errno("vmlab cow: the child");
	}
	return 0;
}

static void cow_json_side(struct jw *w, const char *key, const struct cow_side *s)
{
	jw_obj(w, key);
	jw_u64(w, "cow_faults", s->cow_faults);
	jw_u64(w, "copies", s->copies);
	jw_u64(w, "instance_pages", s->shared);
	jw_bool(w, "sees_own_writes", s->sees_own);
	jw_end(w);
}

static const char *yes(bool b)
{
	return b ? "yes" : "NO";
}

static void cow_print_side(const char *who, size_t writes,
			   const struct cow_side *s)
{
	printf("%-6s writes %zu: %" PRIu64 " COW faults logged, %" PRIu64
	       " copies and %" PRIu64 " instance pages in its page tables; "
	       "sees its writes: %s\n", who, writes, s->cow_faults, s->copies,
	       s->shared, yes(s->sees_own));
}

static int cow_report(const struct cow_run *r, const struct cow_side *before,
		      bool reads_ok, const struct cow_side *child,
		      const struct cow_side *parent_after_child,
		      bool parent_unchanged, const struct cow_side *parent)
{
	bool unchanged = cow_check(r->shared, r->ps, 0, r->pages, SEED_INSTANCE) &&
			 child->instance_ok && parent->instance_ok;
	bool ok = reads_ok && before->shared == r->pages && !before->copies &&
		  child->sees_own && child->copies == r->writes &&
		  parent_unchanged && !parent_after_child->copies &&
		  parent->sees_own && parent->copies == r->writes && unchanged;
	struct jw w;

	if (opt_json) {
		jw_init(&w, stdout);
		jw_obj(&w, NULL);
		jw_u64(&w, "pages", r->pages);
		jw_u64(&w, "writes", r->writes);
		jw_obj(&w, "private_reads");
		jw_bool(&w, "data_ok", reads_ok);
		jw_u64(&w, "instance_pages", before->shared);
		jw_u64(&w, "copies", before->copies);
		jw_end(&w);
		cow_json_side(&w, "child", child);
		jw_obj(&w, "parent_after_child");
		jw_u64(&w, "copies", parent_after_child->copies);
		jw_bool(&w, "sees_instance_data", parent_unchanged);
		jw_end(&w);
		cow_json_side(&w, "parent", parent);
		jw_bool(&w, "instance_unchanged", unchanged);
		jw_bool(&w, "ok", ok);
		jw_end(&w);
		jw_finish(&w);
		return ok ? 0 : 1;
	}
	printf("one instance of %zu pages, mapped MAP_SHARED and MAP_PRIVATE\n",
	       r->pages);
	printf("private reads:  %" PRIu64 " of %zu pages map the instance's own "
	       "page (same PFN), %" PRIu64 " copies; data as written: %s\n",
	       before->shared, r->pages, before->copies, yes(reads_ok));
	cow_print_side("child", r->writes, child);
	printf("parent after the child: %" PRIu64 " copies; sees the instance's "
	       "data, not the child's: %s\n", parent_after_child->copies,
	       yes(parent_unchanged));
	cow_print_side("parent", r->writes, parent);
	printf("instance data unchanged: %s\n", yes(unchanged));
	printf("The child's private mapping was empty after fork(): each write "
	       "was a COW\nfault the module served.  The parent's reads had "
	       "mapped its pages: the kernel\ncopied them on write without "
	       "asking the module, which logged nothing.\n");
	return ok ? 0 : 1;
}

int cmd_cow(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(cow_opts, cow_parse, NULL, cow_doc);
	struct cow_side before = {}, child = {}, after_child = {}, parent = {};
	struct cow_args a = { .pages = 16 };
	struct cow_run r = { .fd = -1 };
	struct vmlab_config cfg;
	struct vmlab_info info;
	bool reads_ok, unchanged;
	struct vmlab_walk w;
	int ret = 1;
	size_t i;

	sub_argp_parse(&argp, "cow", argc, argv, &a);
	r.pages = a.pages;
	r.writes = a.writes;
	r.ps = sysconf(_SC_PAGESIZE);
	r.shared = MAP_FAILED;
	r.priv = MAP_FAILED;
	r.fd = vmlab_open_info(O_RDWR, &info);
	if (r.fd < 0)
		return 1;
	if (!(info.flags & VMLAB_INFO_PFN_VISIBLE)) {
		err_msg("vmlab cow: counting copies needs PFNs (CAP_SYS_ADMIN)");
		goto out;
	}
	r.pfn = calloc(r.pages, sizeof(*r.pfn));
	if (!r.pfn) {
		err_errno("calloc");
		goto out;
	}
	if (vmlab_get_config(r.fd, &cfg))
		goto out;
	cfg.region_size = r.pages * r.ps;
	if (vmlab_set_config(r.fd, &cfg))
		goto out;
	r.shared = mmap(NULL, r.pages * r.ps, PROT_READ | PROT_WRITE, MAP_SHARED,
			r.fd, 0);
	if (r.shared == MAP_FAILED) {
		err_errno("mmap MAP_SHARED");
		goto out;
	}
	r.priv = mmap(NULL, r.pages * r.ps, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		      r.fd, 0);
	if (r.priv == MAP_FAILED) {
		err_errno("mmap MAP_PRIVATE");
		goto out;
	}

	/* the instance's data, and where its pages are */
	cow_fill(r.shared, r.ps, 0, r.pages, SEED_INSTANCE);
	for (i = 0; i < r.pages; i++) {
		if (vmlab_walk(r.fd, (uintptr_t)(r.shared + i * r.ps), &w))
			goto out;
		r.pfn[i] = w.pfn;
	}
	/* private reads map those same pages */
	reads_ok = cow_check(r.priv, r.ps, 0, r.pages, SEED_INSTANCE);
	if (cow_count(&r, &before))
		goto out;

	if (cow_fork(&r, &child))
		goto out;
	if (cow_count(&r, &after_child))
		goto out;
	unchanged = cow_check(r.priv, r.ps, 0, r.pages, SEED_INSTANCE);
	if (cow_side_run(&r, SEED_PARENT, &parent))
		goto out;
	ret = cow_report(&r, &before, reads_ok, &child, &after_child, unchanged,
			 &parent);
out:
	if (r.priv != MAP_FAILED)
		munmap(r.priv, r.pages * r.ps);
	if (r.shared != MAP_FAILED)
		munmap(r.shared, r.pages * r.ps);
	free(r.pfn);
	close(r.fd);
	return ret;
}
