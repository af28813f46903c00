/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by vmlab's selftests: loading and unloading the module,
 * reading the kernel's memory counters for leak checks, and driving a lab
 * instance: open and configure it, map and touch its pages, read and count
 * its event records, compare with /proc/self/pagemap, drop capabilities.
 *
 * Helpers return 0 or -errno and never assert: the tests assert, so a
 * failure is reported at the line of the test that expected otherwise.
 *
 * The module comes from $VMLAB_KO (a path to vmlab.ko, set by run_tests.sh
 * for the build tree) or, when that is unset, from modprobe (DKMS install).
 */
#ifndef _VMLAB_TEST_H
#define _VMLAB_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/fs.h>

#include <linux/vmlab.h>

#define VMLAB_DEV "/dev/vmlab"

/* Load vmlab with @params ("" for none): 0 or -errno. */
static inline int vmlab_load(const char *params)
{
	const char *ko = getenv("VMLAB_KO");
	char cmd[512];
	int fd, ret;

	if (ko && *ko) {
		fd = open(ko, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ret = syscall(SYS_finit_module, fd, params, 0);
		ret = ret ? -errno : 0;
		close(fd);
		return ret;
	}
	/* modprobe's complaint, if any, goes to the log as a TAP comment */
	snprintf(cmd, sizeof(cmd),
		 "out=$(modprobe vmlab %s 2>&1); rc=$?; "
		 "[ -z \"$out\" ] || echo \"# $out\" >&2; exit $rc", params);
	ret = system(cmd);
	if (ret == -1)
		return -errno;
	/* modprobe's status does not say why; the module refuses bad input with EINVAL */
	return WIFEXITED(ret) && WEXITSTATUS(ret) == 0 ? 0 : -EINVAL;
}

/* Unload vmlab without waiting: 0 or -errno (EAGAIN while in use). */
static inline int vmlab_unload(void)
{
	return syscall(SYS_delete_module, "vmlab", O_NONBLOCK) ? -errno : 0;
}

static inline int vmlab_loaded(void)
{
	return access("/sys/module/vmlab", F_OK) == 0;
}

/* Make sure vmlab is loaded with default parameters. */
static inline int vmlab_ensure_loaded(void)
{
	int ret;

	if (vmlab_loaded())
		return 0;
	ret = vmlab_load("");
	return ret == -EEXIST ? 0 : ret;
}

/* Read one integer from a sysfs-like file; -1 on error. */
static inline long vmlab_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static inline long vmlab_refcnt(void)
{
	return vmlab_read_long("/sys/module/vmlab/refcnt");
}

static inline void vmlab_drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			perror("drop_caches");
		close(fd);
	}
}

/*
 * Free pages including those parked on the per-CPU lists, which
 * nr_free_pages leaves out: that sum stays within a few pages across module
 * loads, where MemFree moves by thousands.
 */
static inline long vmlab_free_pages(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	long total = 0, v;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " pages free %ld", &v) == 1 ||
		    sscanf(line, " count: %ld", &v) == 1)
			total += v;
	}
	fclose(f);
	return total;
}

/* A counter from /proc/vmstat, or -1. */
static inline long vmlab_vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[64];
	long v;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2) {
		if (!strcmp(key, name)) {
			fclose(f);
			return v;
		}
	}
	fclose(f);
	return -1;
}

static inline long vmlab_slab_pages(void)
{
	return vmlab_vmstat("nr_slab_reclaimable") +
	       vmlab_vmstat("nr_slab_unreclaimable");
}

/* ------------------------------------------------------------ instances */

#define VMLAB_MODULE_PARAM(name) "/sys/module/vmlab/parameters/" name
#define VMLAB_DEBUGFS "/sys/kernel/debug/vmlab"

static inline size_t vmlab_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Open a new instance (@flags: extra open flags): an fd or -errno. */
static inline int vmlab_open(int flags)
{
	int fd = open(VMLAB_DEV, O_RDWR | O_CLOEXEC | flags);

	return fd < 0 ? -errno : fd;
}

static inline int vmlab_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline int vmlab_get_info(int fd, struct vmlab_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return vmlab_ioctl(fd, VMLAB_GET_INFO, info);
}

static inline int vmlab_get_config(int fd, struct vmlab_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	return vmlab_ioctl(fd, VMLAB_GET_CONFIG, cfg);
}

static inline void vmlab_config_init(struct vmlab_config *cfg,
				     __u64 region_size, __u64 event_mask,
				     __u32 flags, __u32 ring_records)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	cfg->region_size = region_size;
	cfg->event_mask = event_mask;
	cfg->flags = flags;
	cfg->ring_records = ring_records;
}

static inline int vmlab_set_config(int fd, __u64 region_size, __u64 event_mask,
				   __u32 flags, __u32 ring_records)
{
	struct vmlab_config cfg;

	vmlab_config_init(&cfg, region_size, event_mask, flags, ring_records);
	return vmlab_ioctl(fd, VMLAB_SET_CONFIG, &cfg);
}

static inline int vmlab_get_stats(int fd, struct vmlab_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return vmlab_ioctl(fd, VMLAB_GET_STATS, st);
}

static inline int vmlab_reset_stats(int fd)
{
	return ioctl(fd, VMLAB_RESET_STATS) ? -errno : 0;
}

static inline int vmlab_walk(int fd, const void *addr, struct vmlab_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->addr = (__u64)(uintptr_t)addr;
	return vmlab_ioctl(fd, VMLAB_WALK, w);
}

/* Set the replacement policy, frame budget, software TLB and seed. */
static inline int vmlab_set_policy(int fd, __u32 policy, __u64 frames,
				   __u32 window, __u64 seed)
{
	struct vmlab_config cfg;
	int ret = vmlab_get_config(fd, &cfg);

	if (ret)
		return ret;
	cfg.policy = policy;
	cfg.frames = frames;
	cfg.tlb_window = window;
	cfg.seed = seed;
	return vmlab_ioctl(fd, VMLAB_SET_CONFIG, &cfg);
}

/* VMLAB_EVICT every resident page of @fd; *@evicted says how many went. */
static inline int vmlab_evict_all(int fd, __u64 *evicted)
{
	struct vmlab_evict ev = { .size = sizeof(ev), .flags = VMLAB_EVICT_FLAG_ALL };
	int ret = vmlab_ioctl(fd, VMLAB_EVICT, &ev);

	*evicted = ev.evicted;
	return ret;
}

/* Back instance @fd with the file open on @backing_fd (or the memory store). */
static inline int vmlab_set_backing(int fd, __u32 backing_fd)
{
	struct vmlab_backing b = { .size = sizeof(b), .fd = backing_fd };

	return vmlab_ioctl(fd, VMLAB_SET_BACKING, &b);
}

/* Open an instance and configure it: an fd or -errno. */
static inline int vmlab_open_config(size_t region_pages, __u64 event_mask,
				    __u32 flags, __u32 ring_records)
{
	int fd = vmlab_open(0), ret;

	if (fd < 0)
		return fd;
	ret = vmlab_set_config(fd, region_pages * vmlab_page_size(),
			       event_mask, flags, ring_records);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* Map @pages of instance @fd from page @pgoff, shared and read-write. */
static inline void *vmlab_mmap(int fd, size_t pages, size_t pgoff)
{
	size_t ps = vmlab_page_size();

	return mmap(NULL, pages * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)(pgoff * ps));
}

#define VMLAB_PMD_SIZE	(2UL << 20)

/*
 * Map @pages (at most 512) of instance @fd from page @pgoff at a 2 MiB
 * aligned address, so one page table maps them all: the kernel then flushes
 * their TLB entries in one go.  The mapping or MAP_FAILED.
 */
static inline void *vmlab_mmap_pmd_aligned(int fd, size_t pages, size_t pgoff)
{
	size_t len = pages * vmlab_page_size();
	char *res, *at;

	res = mmap(NULL, 2 * VMLAB_PMD_SIZE, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return MAP_FAILED;
	at = (char *)(((uintptr_t)res + VMLAB_PMD_SIZE - 1) &
		      ~(VMLAB_PMD_SIZE - 1));
	if (at > res)
		munmap(res, at - res);
	munmap(at + len, res + 2 * VMLAB_PMD_SIZE - (at + len));
	return mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		    (off_t)(pgoff * vmlab_page_size()));
}

/* An instance mapped whole: what most fixtures start from. */
struct vmlab_lab {
	int fd;
	char *map;		/* the region, mapped from offset 0 */
	size_t pages;
	size_t ps;
};

static inline int vmlab_lab_open(struct vmlab_lab *lab, size_t pages,
				 __u64 event_mask, __u32 flags,
				 __u32 ring_records)
{
	lab->ps = vmlab_page_size();
	lab->pages = pages;
	lab->map = MAP_FAILED;
	lab->fd = vmlab_open_config(pages, event_mask, flags, ring_records);
	if (lab->fd < 0)
		return lab->fd;
	lab->map = vmlab_mmap(lab->fd, pages, 0);
	return lab->map == MAP_FAILED ? -errno : 0;
}

static inline void vmlab_lab_close(struct vmlab_lab *lab)
{
	if (lab->map && lab->map != MAP_FAILED)
		munmap(lab->map, lab->pages * lab->ps);
	if (lab->fd > 0)
		close(lab->fd);
	lab->map = MAP_FAILED;
	lab->fd = -1;
}

static inline char *vmlab_page(const struct vmlab_lab *lab, size_t i)
{
	return lab->map + i * lab->ps;
}

/* ------------------------------------------------------------- touching */

/* Read the first byte of each of @pages pages from @p: one read access each. */
static inline unsigned int vmlab_touch_read(const void *p, size_t pages)
{
	const volatile unsigned char *c = p;
	size_t ps = vmlab_page_size(), i;
	unsigned int sum = 0;

	for (i = 0; i < pages; i++)
		sum += c[i * ps];
	return sum;
}

/* Write @val to the first byte of each of @pages pages from @p. */
static inline void vmlab_touch_write(void *p, size_t pages, unsigned char val)
{
	volatile unsigned char *c = p;
	size_t ps = vmlab_page_size(), i;

	for (i = 0; i < pages; i++)
		c[i * ps] = val;
}

/* The tag vmlab_fill() writes to page @pgoff: a seed and the page index. */
static inline uint64_t vmlab_tag(unsigned int seed, size_t pgoff)
{
	return (uint64_t)seed << 32 | (uint32_t)pgoff;
}

/*
 * Write a tag at the start and the end of each of @pages pages at @p, which
 * map instance pages @pgoff on: one write fault per page.
 */
static inline void vmlab_fill(void *p, size_t pgoff, size_t pages,
			      unsigned int seed)
{
	size_t ps = vmlab_page_size(), i;

	for (i = 0; i < pages; i++) {
		volatile uint64_t *w = (uint64_t *)((char *)p + i * ps);

		w[0] = vmlab_tag(seed, pgoff + i);
		w[ps / 8 - 1] = ~vmlab_tag(seed, pgoff + i);
	}
}

/* Check what vmlab_fill() wrote: the first wrong page's index, or -1. */
static inline long vmlab_check(const void *p, size_t pgoff, size_t pages,
			       unsigned int seed)
{
	size_t ps = vmlab_page_size(), i;

	for (i = 0; i < pages; i++) {
		const volatile uint64_t *w =
			(const uint64_t *)((const char *)p + i * ps);

		if (w[0] != vmlab_tag(seed, pgoff + i) ||
		    w[ps / 8 - 1] != ~vmlab_tag(seed, pgoff + i))
			return (long)i;
	}
	return -1;
}

/* Whether @len bytes at @p are all zero. */
static inline bool vmlab_all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return false;
	return true;
}

/* --------------------------------------------------------------- events */

/*
 * Read every record ready on @fd, without blocking, into @ev (at most @max):
 * the number read, or -errno.  A read() that returns part of a record is
 * -EPROTO: the ABI promises whole records.
 */
static inline ssize_t vmlab_read_ready(int fd, struct vmlab_event *ev,
				       size_t max)
{
	int fl = fcntl(fd, F_GETFL);
	ssize_t n, ret = 0;
	size_t got = 0;

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	while (got < max) {
		n = read(fd, ev + got, (max - got) * sizeof(*ev));
		if (n < 0) {
			if (errno != EAGAIN)
				ret = -errno;
			break;
		}
		if (n == 0 || n % sizeof(*ev)) {
			ret = -EPROTO;
			break;
		}
		got += n / sizeof(*ev);
	}
	if (fcntl(fd, F_SETFL, fl) && !ret)
		ret = -errno;
	return ret ? ret : (ssize_t)got;
}

/* Throw away every record ready on @fd: the number, or -errno. */
static inline ssize_t vmlab_discard(int fd)
{
	struct vmlab_event ev[64];
	ssize_t n, total = 0;

	do {
		n = vmlab_read_ready(fd, ev, 64);
		if (n < 0)
			return n;
		total += n;
	} while (n == 64);
	return total;
}

/* What a run of records holds, counted by type, kind and origin. */
struct vmlab_tally {
	size_t records;
	size_t faults;				/* VMLAB_EV_FAULT */
	size_t kind[VMLAB_FAULT_KIND_MAX];	/* ... by kind */
	size_t tlb;				/* VMLAB_EV_TLB */
	size_t tlb_origin[VMLAB_TLB_ORIGIN_KERNEL + 1];	/* ... by origin */
	size_t lost_records;			/* VMLAB_EV_LOST */
	__u64 lost;				/* ... sum of their counts */
	size_t evict;				/* VMLAB_EV_EVICT */
	size_t swap;				/* VMLAB_EV_SWAP */
	size_t malformed;	/* wrong size, unknown type, kind or origin */
};

static inline void vmlab_tally(const struct vmlab_event *ev, size_t n,
			       struct vmlab_tally *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++, ev++) {
		t->records++;
		if (ev->size != sizeof(*ev)) {
			t->malformed++;
			continue;
		}
		switch (ev->type) {
		case VMLAB_EV_FAULT:
			t->faults++;
			if (ev->fault.kind >= VMLAB_FAULT_ZERO &&
			    ev->fault.kind < VMLAB_FAULT_KIND_MAX)
				t->kind[ev->fault.kind]++;
			else
				t->malformed++;
			break;
		case VMLAB_EV_TLB:
			t->tlb++;
			if (ev->tlb.origin == VMLAB_TLB_ORIGIN_MODULE ||
			    ev->tlb.origin == VMLAB_TLB_ORIGIN_KERNEL)
				t->tlb_origin[ev->tlb.origin]++;
			else
				t->malformed++;
			break;
		case VMLAB_EV_LOST:
			t->lost_records++;
			t->lost += ev->lost.count;
			break;
		case VMLAB_EV_EVICT:
			t->evict++;
			break;
		case VMLAB_EV_SWAP:
			t->swap++;
			break;
		default:
			t->malformed++;
		}
	}
}

/* Records of @type (and, for faults, @kind unless 0) among @n at @ev. */
static inline size_t vmlab_count(const struct vmlab_event *ev, size_t n,
				 unsigned int type, unsigned int kind)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (ev[i].type == type &&
		    (!kind || type != VMLAB_EV_FAULT || ev[i].fault.kind == kind))
			c++;
	return c;
}

/*
 * Drain @fd into @ev (at most @max records, *@n of them) and take its stats
 * once nothing more arrives, so the two describe the same records: 0 or
 * -errno (-EAGAIN if events kept coming, -ENOSPC if @max was too small).
 */
static inline int vmlab_drain_settled(int fd, struct vmlab_event *ev,
				      size_t max, size_t *n,
				      struct vmlab_stats *st)
{
	struct vmlab_stats before;
	ssize_t got;
	int tries, ret;

	*n = 0;
	for (tries = 0; tries < 100; tries++) {
		ret = vmlab_get_stats(fd, &before);
		if (ret)
			return ret;
		got = vmlab_read_ready(fd, ev + *n, max - *n);
		if (got < 0)
			return (int)got;
		*n += got;
		if (*n == max)
			return -ENOSPC;
		ret = vmlab_get_stats(fd, st);
		if (ret)
			return ret;
		if (st->events == before.events)
			return 0;
	}
	return -EAGAIN;
}

/* ------------------------------------------------------ pagemap and caps */

/* The frame /proc/self/pagemap shows for @addr: 0 if none, or -errno. */
static inline long long vmlab_pagemap_pfn(const void *addr)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t e;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, &e, sizeof(e),
		  (off_t)((uintptr_t)addr / vmlab_page_size() * sizeof(e)));
	close(fd);
	if (n != sizeof(e))
		return n < 0 ? -errno : -EIO;
	return e >> 63 ? (long long)(e & ((1ULL << 55) - 1)) : 0;
}

static inline int vmlab_capget(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	return syscall(SYS_capget, &hdr, data) ? -errno : 0;
}

static inline bool vmlab_has_cap(int cap)
{
	struct __user_cap_data_struct data[2];

	return !vmlab_capget(data) &&
	       (data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap));
}

/* Drop @cap from this process's effective, permitted and inheritable sets. */
static inline int vmlab_drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int ret = vmlab_capget(data);

	if (ret)
		return ret;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].inheritable &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* ------------------------------------------------------------ processes */

/*
 * In a child process (of vmlab_in_child), check @cond; on failure say where
 * and return 1, which the child exits with.
 */
#define CHILD_CHECK(cond) do {						\
		if (!(cond)) {						\
			fprintf(stderr, "# child %d: %s:%d: %s\n",	\
				getpid(), __FILE__, __LINE__, #cond);	\
			return 1;					\
		}							\
	} while (0)

/*
 * Wait for child @pid: its exit status, 128 + the signal that killed it, or
 * -errno.
 */
static inline int vmlab_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Run @fn(@arg) in a child process: see vmlab_wait() for the result. */
static inline int vmlab_in_child(int (*fn)(void *arg), void *arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(fn(arg));
	return vmlab_wait(pid);
}

struct vmlab_access {
	volatile char *addr;
	bool write;
};

static inline int vmlab_access_fn(void *arg)
{
	struct vmlab_access *a = arg;

	if (a->write)
		*a->addr = 1;
	else
		(void)*a->addr;
	return 0;
}

/*
 * The signal one access to @addr raises, found in a child so the test
 * survives it: 0 for none, else the signal number.
 */
static inline int vmlab_access_signal(volatile char *addr, bool write)
{
	struct vmlab_access a = { .addr = addr, .write = write };
	int ret = vmlab_in_child(vmlab_access_fn, &a);

	return ret > 128 ? ret - 128 : ret ? -1 : 0;
}

/*
 * Freeze the file system of directory @dir (FIFREEZE): every write to it
 * waits for the thaw.  An fd for vmlab_fs_thaw(), or -errno.
 */
static inline int vmlab_fs_freeze(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, FIFREEZE, 0)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* Thaw what vmlab_fs_freeze() froze and close @fd: 0 or -errno. */
static inline int vmlab_fs_thaw(int fd)
{
	int ret = ioctl(fd, FITHAW, 0) ? -errno : 0;

	close(fd);
	return ret;
}

/* Run on @cpu only: 0 or -errno. */
static inline int vmlab_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* Does /proc/cpuinfo list @flag ("nx", "la57") for the CPU? */
static inline bool vmlab_cpu_has(const char *flag)
{
	char line[4096], *p;
	size_t n = strlen(flag);
	bool has = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			for (p = line; (p = strstr(p, flag)); p += n)
				if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n'))
					has = true;
			break;
		}
	fclose(f);
	return has;
}

static inline __u64 vmlab_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ------------------------------------------------------------ files */

/* Write @val to the file at @path: 0 or -errno. */
static inline int vmlab_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(val))
		ret = -EIO;
	close(fd);
	return ret;
}

/* Read the file at @path into @buf (NUL-terminated): its length or -errno. */
static inline ssize_t vmlab_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return (ssize_t)len;
}

/* @rel from the test programs' directory (build/selftests/) */
static inline int vmlab_build_path(char *buf, size_t size, const char *rel)
{
	char exe[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	if ((size_t)snprintf(buf, size, "%s/%s", exe, rel) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* The tool beside the test programs: build/selftests/X -> build/vmlab */
static inline int vmlab_tool_path(char *buf, size_t size)
{
	int ret = vmlab_build_path(buf, size, "../vmlab");

	if (ret)
		return ret;
	return access(buf, X_OK) ? -errno : 0;
}

/*
 * Run the tool at @tool with @args (a shell word list): its exit status, or
 * -1.  Its stdout goes into @out (NUL-terminated) when @out is given, and is
 * thrown away otherwise; stderr always is.
 */
static inline int vmlab_tool_run(const char *tool, const char *args,
				 char *out, size_t size)
{
	char cmd[8192];
	size_t len = 0;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' %s 2>/dev/null%s", tool, args,
		 out ? "" : " >/dev/null");
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (out && len + 1 < size) {
		size_t n = fread(out + len, 1, size - 1 - len, f);

		if (!n)
			break;
		len += n;
	}
	if (out)
		out[len] = '\0';
	st = pclose(f);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Module parameter @name: its value, or -1. */
static inline long vmlab_param(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), VMLAB_MODULE_PARAM("%s"), name);
	return vmlab_read_long(path);
}

/*
 * Set module parameter @name to @value: at run time when it is writable,
 * else by reloading vmlab (then no instance may be open).  0 or -errno.
 */
static inline int vmlab_set_param(const char *name, long value)
{
	char path[128], val[32], params[96];
	int ret;

	snprintf(path, sizeof(path), VMLAB_MODULE_PARAM("%s"), name);
	snprintf(val, sizeof(val), "%ld", value);
	if (!vmlab_write_file(path, val))
		return 0;
	snprintf(params, sizeof(params), "%s=%ld", name, value);
	ret = vmlab_unload();
	return ret ? ret : vmlab_load(params);
}

/* ------------------------------------------------------------- harness */

#ifdef __KSELFTEST_HARNESS_H
/*
 * The 6.1 harness runs every test and ignores its arguments.  This main()
 * keeps only the tests named on the command line:
 *   -r FIXTURE.TEST   run that test (repeatable)
 *   -f FIXTURE        run that fixture's tests (repeatable)
 *   -l                list the tests and exit
 * Include kselftest_harness.h before vmlab_test.h and end with
 * VMLAB_HARNESS_MAIN instead of TEST_HARNESS_MAIN.
 */
static inline bool vmlab_test_selected(int argc, char **argv,
				       const char *fixture, const char *test)
{
	size_t flen = strlen(fixture);
	bool any = false;
	int i;

	for (i = 1; i + 1 < argc; i++) {
		const char *a = argv[i + 1];

		if (!strcmp(argv[i], "-r")) {
			any = true;
			if (!strncmp(a, fixture, flen) && a[flen] == '.' &&
			    !strcmp(a + flen + 1, test))
				return true;
		} else if (!strcmp(argv[i], "-f")) {
			any = true;
			if (!strcmp(a, fixture))
				return true;
		}
	}
	return !any;
}

static inline int vmlab_harness_main(int argc, char **argv)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t, *next, *kept, *last;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-l"))
			continue;
		for (f = __fixture_list; f; f = f->next)
			for (t = f->tests; t; t = t->next)
				printf("%s.%s\n", f->name, t->name);
		return 0;
	}
	for (f = __fixture_list; f; f = f->next) {
		kept = last = NULL;
		for (t = f->tests; t; t = next) {
			next = t->next;
			if (!vmlab_test_selected(argc, argv, f->name, t->name))
				continue;
			t->next = NULL;
			t->prev = last;
			if (last)
				last->next = t;
			else
				kept = t;
			last = t;
		}
		/* the harness's lists: only the head's prev is circular */
		if (kept)
			kept->prev = last;
		f->tests = kept;
	}
	return test_harness_run(argc, argv);
}

/* Expect @fd's fault counters to be exactly these, and no fault errors. */
#define EXPECT_FAULTS(fd, zero, minor, upgrade)				\
	EXPECT_STATS(fd, STAT(faults_zero, zero), STAT(faults_minor, minor),	\
		     STAT(faults_upgrade, upgrade),				\
		     STAT(faults, (__u64)(zero) + (minor) + (upgrade)),	\
		     STAT(fault_errors, 0))

/* A field of struct vmlab_stats and the value a test expects of it */
struct vmlab_stat_want {
	const char *name;
	size_t off;
	__u64 value;
};

static inline __u64 vmlab_stat(const struct vmlab_stats *st, size_t off)
{
	return *(const __u64 *)((const char *)st + off);
}

#define STAT(field, v)							\
	{ #field, offsetof(struct vmlab_stats, field), (__u64)(v) }

/* Read @fd's stats: each STAT(field, value) given must hold */
#define EXPECT_STATS(fd, ...) do {					\
		const struct vmlab_stat_want __want[] = { __VA_ARGS__ }; \
		struct vmlab_stats __st;				\
		size_t __i;						\
									\
		ASSERT_EQ(0, vmlab_get_stats(fd, &__st));		\
		for (__i = 0; __i < ARRAY_SIZE(__want); __i++) {	\
			const struct vmlab_stat_want *__w = &__want[__i]; \
									\
			EXPECT_EQ(__w->value, vmlab_stat(&__st, __w->off)) \
				TH_LOG("stats.%s", __w->name);		\
		}							\
	} while (0)

/* The value of the line "@key <value>" in @text, or -1. */
static inline long long vmlab_key_value(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *line;

	for (line = text; line && *line; line = strchr(line, '\n'),
	     line = line ? line + 1 : NULL)
		if (!strncmp(line, key, len) && line[len] == ' ')
			return strtoll(line + len + 1, NULL, 0);
	return -1;
}

/* @key of the instance @fd's debugfs stats file, or -1. */
static inline long long vmlab_debugfs_stat(int fd, const char *key)
{
	struct vmlab_info info;
	char path[96], buf[4096];

	if (vmlab_get_info(fd, &info))
		return -1;
	snprintf(path, sizeof(path), VMLAB_DEBUGFS "/%u/stats",
		 info.instance_id);
	if (vmlab_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return vmlab_key_value(buf, key);
}

/* Is the running kernel @major.@minor or newer? */
static inline bool vmlab_kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/*
 * How many seeds a sweep of random strings runs: @n, or 1 with
 * VMLAB_SWEEP_SEEDS=1 (make check-debug).  The debug kernels' checkers make
 * each fault ~20x slower and report a bug on a path the first time the
 * path runs; the exact counts are the stock kernels' to check over every
 * seed.
 */
static inline unsigned int vmlab_sweep_seeds(unsigned int n)
{
	const char *s = getenv("VMLAB_SWEEP_SEEDS");
	int v = s ? atoi(s) : 0;

	return v > 0 && (unsigned int)v < n ? (unsigned int)v : n;
}

/*
 * SKIP from a FIXTURE_SETUP: 6.1's harness runs the test after a setup that
 * skipped with "return", so end the test's process as the harness's skip.
 */
#define VMLAB_SETUP_SKIP(fmt, ...) SKIP(_exit(255), fmt, ##__VA_ARGS__)

/* Load vmlab if needed, or SKIP(@statement, ...) */
#define VMLAB_NEED_MODULE(statement) do {				\
		int __ret = vmlab_ensure_loaded();			\
									\
		if (__ret)						\
			SKIP(statement, "cannot load vmlab: %s",	\
			     strerror(-__ret));				\
	} while (0)

/* ... in a FIXTURE_SETUP (see VMLAB_SETUP_SKIP) */
#define VMLAB_REQUIRE_MODULE() VMLAB_NEED_MODULE(_exit(255))
/* ... in a TEST */
#define VMLAB_TEST_REQUIRE_MODULE() VMLAB_NEED_MODULE(return)

#define VMLAB_HARNESS_MAIN						\
	static void __attribute__((constructor))			\
	__constructor_order_last(void)					\
	{								\
		if (!__constructor_order)				\
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	}								\
	int main(int argc, char **argv)					\
	{								\
		return vmlab_harness_main(argc, argv);			\
	}
#endif /* __KSELFTEST_HARNESS_H */

#endif /* _VMLAB_TEST_H */
