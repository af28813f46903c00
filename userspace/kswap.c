// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - the kernel-swap harness of `vmlab bench evict`: the
 * counters read around a pass (IPIs from /proc/interrupts, pswpout and
 * pswpin, the cgroup's pgsteal), the memory cgroup and the swapfile the
 * kernel variant swaps to, the child that touches its pages, the backing
 * file vmlab-file swaps to, and their undoing (also on a signal).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_evict.h"
#include "device.h"
#include "util.h"

/* For the signal handler: what to undo */
struct ebench *evict_cleanup_b;
static volatile pid_t cleanup_child;

/* ------------------------------------------------------------ counters */

/* Sum the per-CPU numbers of one /proc/interrupts line ("TLB:", "CAL:") */
static uint64_t irq_line_sum(const char *line)
{
	uint64_t sum = 0;
	const char *p = strchr(line, ':') + 1;
	char *end;

	for (;;) {
		unsigned long long v;

		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			break;
		v = strtoull(p, &end, 10);
		if (*end != ' ' && *end != '\n' && *end)
			break;
		sum += v;
		p = end;
	}
	return sum;
}

static int read_ipis(uint64_t *ipis, uint64_t *shootdowns)
{
	static char buf[1 << 16];
	char *line, *save = NULL;
	ssize_t n, len = 0;
	int fd = open("/proc/interrupts", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_errno("/proc/interrupts"), -1;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	*ipis = *shootdowns = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ')
			line++;
		if (!strncmp(line, "CAL:", 4))
			*ipis += irq_line_sum(line);
		else if (!strncmp(line, "TLB:", 4))
			*shootdowns += irq_line_sum(line);
	}
	return 0;
}

/* "name value" lines: /proc/vmstat, memory.stat */
static int read_keyed(const char *path, const char *key, uint64_t *v)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "re");

	*v = 0;
	if (!f)
		return err_errno(path), -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			*v = strtoull(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return 0;
}

int counters_read(const struct ebench *b, int vfd, struct counters *c)
{
	memset(c, 0, sizeof(*c));
	if (read_ipis(&c->ipis, &c->shootdowns))
		return -1;
	if (vfd >= 0)
		return vmlab_get_stats(vfd, &c->st);
	if (read_keyed("/proc/vmstat", "pswpout", &c->pswpout) ||
	    read_keyed("/proc/vmstat", "pswpin", &c->pswpin) ||
	    read_keyed(CGROUP_DIR "/memory.stat", "pgsteal", &c->pgsteal))
		return -1;
	return 0;
}

void counters_delta(const struct counters *a, const struct counters *z,
			   bool vmlab, struct pass *p)
{
	p->ipis = z->ipis - a->ipis;
	p->shootdowns = z->shootdowns - a->shootdowns;
	if (vmlab) {
		p->out = z->st.swap_outs - a->st.swap_outs;
		p->in = z->st.swap_ins - a->st.swap_ins;
		p->evicted = z->st.evictions - a->st.evictions;
		p->tlb_module = z->st.tlb_module - a->st.tlb_module;
	} else {
		p->out = z->pswpout - a->pswpout;
		p->in = z->pswpin - a->pswpin;
		p->evicted = z->pgsteal - a->pgsteal;
	}
}

/* -------------------------------------------------------------- kernel */

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* The child's side of a kernel sample; the parent reads counters between */
static void kernel_child(struct ebench *b, uint64_t pages, bool both,
			 int spin_cpu, int to_parent, int from_parent,
			 double *ns)
{
	size_t len = pages * b->psize;
	struct spinner sp;
	unsigned char *map;
	char c = 'r';
	uint64_t bad;

	if (write_file(CGROUP_DIR "/cgroup.procs", "0"))
		_exit(10);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		_exit(11);
	if (madvise(map, len, MADV_NOHUGEPAGE))
		_exit(12);
	if (spin_cpu >= 0 && spinner_start(&sp, spin_cpu))
		_exit(13);
	/* ready; each pass starts on the parent's word */
	if (write(to_parent, &c, 1) != 1 || read(from_parent, &c, 1) != 1)
		_exit(14);
	pass_touch(map, pages, b->psize, true, b->lat, &ns[P_WRITE]);
	c = 'w';
	if (write(to_parent, &c, 1) != 1)
		_exit(14);
	if (both) {
		if (read(from_parent, &c, 1) != 1)
			_exit(14);
		bad = pass_touch(map, pages, b->psize, false, b->lat + pages,
				 &ns[P_READ]);
		if (bad)
			_exit(15);
		c = 'd';
		if (write(to_parent, &c, 1) != 1)
			_exit(14);
	}
	if (spin_cpu >= 0)
		spinner_stop(&sp);
	_exit(0);
}

static const char *child_failure(int code)
{
	switch (code) {
	case 10:
		return "could not join " CGROUP_DIR;
	case 11:
		return "mmap failed";
	case 12:
		return "madvise(MADV_NOHUGEPAGE) failed";
	case 13:
		return "could not start the sibling thread";
	case 15:
		return "pages read back wrong";
	default:
		return "lost the parent";
	}
}

/*
 * One kernel sample: a child in the cgroup touches @pages pages (write
 * pass, then read pass if @both); @spin_cpu >= 0 adds a sibling thread.
 * The touch latencies come back in b->lat (shared), the times in @ns.
 */
int kernel_sample(struct ebench *b, uint64_t pages, bool both,
			 int spin_cpu, struct pass *out)
{
	int up[2], down[2], status, ret = -1;
	struct counters c0, c1, c2;
	double *ns = (double *)(b->lat + 2 * b->lat_len);
	pid_t pid;
	char c;

	if (pipe2(up, O_CLOEXEC))
		return err_errno("pipe"), -1;
	if (pipe2(down, O_CLOEXEC)) {
		close(up[0]);
		close(up[1]);
		return err_errno("pipe"), -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err_errno("fork");
		goto out;
	}
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		kernel_child(b, pages, both, spin_cpu, up[1], down[0], ns);
	}
	cleanup_child = pid;
	close(up[1]);
	close(down[0]);
	up[1] = down[0] = -1;
	c = 'g';
	if (read(up[0], &c, 1) != 1 || counters_read(b, -1, &c0) ||
	    write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1 ||
	    counters_read(b, -1, &c1))
		goto reap;
	counters_delta(&c0, &c1, false, &out[P_WRITE]);
	if (both) {
		if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1 ||
		    counters_read(b, -1, &c2))
			goto reap;
		counters_delta(&c1, &c2, false, &out[P_READ]);
	}
	ret = 0;
reap:
	close(down[1]);
	down[1] = -1;
	if (waitpid(pid, &status, 0) < 0) {
		err_errno("waitpid");
		ret = -1;
	} else if (WIFSIGNALED(status)) {
		uint64_t ooms = 0;

		read_keyed(CGROUP_DIR "/memory.events", "oom_kill", &ooms);
		err_msg("kernel: the child died of signal %d%s", WTERMSIG(status),
			ooms ? " (the memory cgroup's OOM killer: memory.max "
			"too small for the process, or swap full)" : "");
		ret = -1;
	} else if (WEXITSTATUS(status)) {
		err_msg("kernel: the child failed: %s",
			child_failure(WEXITSTATUS(status)));
		ret = -1;
	}
	cleanup_child = 0;
	if (ret)
		goto out;
	out[P_WRITE].ns = ns[P_WRITE];
	pass_latency(b->lat, pages, &out[P_WRITE]);
	if (both) {
		out[P_READ].ns = ns[P_READ];
		pass_latency(b->lat + pages, pages, &out[P_READ]);
	}
out:
	close(up[0]);
	if (up[1] >= 0)
		close(up[1]);
	if (down[0] >= 0)
		close(down[0]);
	if (down[1] >= 0)
		close(down[1]);
	return ret;
}

/* --------------------------------------------------------- setup, undo */

static int run_quiet(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int status, err;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		errno = err;
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	errno = 0;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

void evict_cleanup(struct ebench *b)
{
	if (cleanup_child > 0) {
		kill(cleanup_child, SIGKILL);
		waitpid(cleanup_child, NULL, 0);
		cleanup_child = 0;
	}
	if (b->swap_on && swapoff(b->swap_path))
		err_errno("swapoff");
	b->swap_on = false;
	if (b->swap_path[0])
		unlink(b->swap_path);
	if (b->store_fd >= 0)
		close(b->store_fd);
	b->store_fd = -1;
	if (b->store_path[0])
		unlink(b->store_path);
	if (b->cgroup_made && rmdir(CGROUP_DIR))
		err_errno("rmdir " CGROUP_DIR);
	b->cgroup_made = false;
}

void evict_on_signal(int sig)
{
	if (evict_cleanup_b)
		evict_cleanup(evict_cleanup_b);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const char *fs_name(long type)
{
	switch (type) {
	case EXT4_MAGIC:
		return "ext4";
	case TMPFS_MAGIC:
		return "tmpfs";
	case 0x9123683E:
		return "btrfs";
	case 0x58465342:
		return "xfs";
	case 0x01021997:
		return "9p";
	case 0x794c7630:
		return "overlayfs";
	default:
		return "other";
	}
}

/* Write zeros over @pages pages of @fd: every block allocated */
static int fill_zero(int fd, uint64_t pages, size_t psize, const char *what)
{
	static char zero[1 << 16];
	uint64_t left = pages * psize;
	ssize_t n;

	while (left) {
		n = write(fd, zero, left < sizeof(zero) ? left : sizeof(zero));
		if (n <= 0)
			return err_errno(what), -1;
		left -= n;
	}
	if (fsync(fd))
		return err_errno(what), -1;
	return 0;
}

static int setup_store(struct ebench *b)
{
	snprintf(b->store_path, sizeof(b->store_path), "%s/" STORE_NAME, b->dir);
	b->store_fd = open(b->store_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			   0600);
	if (b->store_fd < 0) {
		b->store_path[0] = '\0';
		return err_errno(b->dir), -1;
	}
	/* the blocks exist before the first sample, as the swapfile's do */
	return fill_zero(b->store_fd, b->pages, b->psize, b->store_path);
}

uint64_t swap_pages(const struct ebench *b)
{
	return 2 * b->pages + b->pages / 4 + 256;
}

static int setup_swap(struct ebench *b)
{
	/* over twice the pages: swapped-in pages keep their slots */
	uint64_t pages = swap_pages(b);
	char *argv[] = { "mkswap", b->swap_path, NULL };
	char line[256];
	FILE *f;
	int fd;

	f = fopen("/proc/swaps", "re");
	if (f) {
		int n = 0;

		while (fgets(line, sizeof(line), f))
			n++;
		fclose(f);
		if (n > 1)
			fprintf(stderr, "vmlab: note: other swap areas are active "
				"(/proc/swaps); the kernel variant's swapfile gets "
				"the highest priority\n");
	}
	snprintf(b->swap_path, sizeof(b->swap_path), "%s/" SWAP_NAME, b->dir);
	fd = open(b->swap_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		b->swap_path[0] = '\0';
		return err_errno(b->dir), -1;
	}
	if (fill_zero(fd, pages, b->psize, b->swap_path)) {
		close(fd);
		return -1;
	}
	close(fd);
	if (run_quiet(argv))
		return err_msg("mkswap %s failed%s%s", b->swap_path,
			       errno ? ": " : "", errno ? strerror(errno) : ""), -1;
	if (swapon(b->swap_path, SWAP_FLAG_PREFER |
		   (32767 << SWAP_FLAG_PRIO_SHIFT)))
		return err_msg("swapon %s: %s (the filesystem of --dir must hold "
			       "a swapfile: ext4, e.g. scripts/vm --disk 1G)",
			       b->swap_path, strerror(errno)), -1;
	b->swap_on = true;
	return 0;
}

static int setup_cgroup(struct ebench *b)
{
	char buf[64];
	struct stat st;

	if (stat(CGROUP_ROOT "/cgroup.controllers", &st))
		return err_msg("%s: no cgroup2 hierarchy (the kernel variant "
			       "needs one)", CGROUP_ROOT), -1;
	if (write_file(CGROUP_ROOT "/cgroup.subtree_control", "+memory"))
		return err_msg("%s: cannot enable the memory controller: %s",
			       CGROUP_ROOT, strerror(errno)), -1;
	if (mkdir(CGROUP_DIR, 0755) && errno != EEXIST)
		return err_errno("mkdir " CGROUP_DIR), -1;
	b->cgroup_made = true;
	snprintf(buf, sizeof(buf), "%" PRIu64, b->frames * b->psize);
	if (write_file(CGROUP_DIR "/memory.max", buf))
		return err_errno(CGROUP_DIR "/memory.max"), -1;
	write_file(CGROUP_DIR "/memory.swap.max", "max");
	return 0;
}

static void read_zswap(struct ebench *b)
{
	int fd = open("/sys/module/zswap/parameters/enabled", O_RDONLY);
	ssize_t n;

	strcpy(b->zswap, "absent");
	if (fd < 0)
		return;
	n = read(fd, b->zswap, sizeof(b->zswap) - 1);
	close(fd);
	b->zswap[n > 0 ? n : 0] = '\0';
	b->zswap[strcspn(b->zswap, "\n")] = '\0';
}

int evict_setup(struct ebench *b)
{
	struct statfs sfs;
	uint64_t need;
	int fd;

	fd = vmlab_open_info(O_RDWR, &b->info);
	if (fd < 0)
		return -1;
	close(fd);
	if (b->pages * b->psize > b->info.max_region_size)
		return err_msg("--pages %" PRIu64 ": more than an instance may map "
			       "(max_region_mb)", b->pages), -1;
	if (b->frames > b->info.max_pages)
		return err_msg("--frames %" PRIu64 ": more than the module's "
			       "max_pages", b->frames), -1;
	b->region_large = 1ULL << 30;
	if (b->region_large > b->info.max_region_size)
		b->region_large = b->info.max_region_size;
	if (b->region && b->region_large < 2 * (1ULL << 20))
		return err_msg("the module's max_region_mb is too small for the "
			       "region measurement (--no-region)"), -1;

	if (statfs(b->dir, &sfs))
		return err_errno(b->dir), -1;
	snprintf(b->fstype, sizeof(b->fstype), "%s", fs_name(sfs.f_type));
	need = (b->want[V_FILE] ? b->pages : 0) +
	       (b->want[V_KERNEL] ? swap_pages(b) : 0);
	if ((uint64_t)sfs.f_bavail * sfs.f_bsize < need * b->psize)
		return err_msg("%s: %" PRIu64 " MiB free, %" PRIu64 " MiB needed",
			       b->dir, (uint64_t)sfs.f_bavail * sfs.f_bsize >> 20,
			       need * b->psize >> 20), -1;
	if (b->want[V_KERNEL]) {
		if (geteuid())
			return err_msg("the kernel variant needs root (swapon, "
				       "cgroups); --variants vmlab-file,vmlab-mem "
				       "runs without it"), -1;
		read_zswap(b);
		if (setup_cgroup(b) || setup_swap(b))
			return -1;
	}
	if (b->want[V_FILE] && setup_store(b))
		return -1;
	return 0;
}

int kernel_shootdown(struct ebench *b, struct pass *out)
{
	char buf[64];
	int ret;

	snprintf(buf, sizeof(buf), "%" PRIu64, b->sd_frames * b->psize);
	if (write_file(CGROUP_DIR "/memory.max", buf))
		return err_errno(CGROUP_DIR "/memory.max"), -1;
	ret = kernel_sample(b, b->sd_pages, true, b->other_cpu, out);
	snprintf(buf, sizeof(buf), "%" PRIu64, b->frames * b->psize);
	if (write_file(CGROUP_DIR "/memory.max", buf))
		return err_errno(CGROUP_DIR "/memory.max"), -1;
	return ret;
}

