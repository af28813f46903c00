// SPDX-License-Identifier: GPL-2.0
/*
 * fault_workload - drive vmlab's allocation paths and classify every error,
 * for selftests/fault_inject.sh (which runs it under failslab and
 * fail_page_alloc aimed at the module).
 *
 *   fault_workload [-n ITERATIONS] [-p PAGES]
 *
 * Iteration i opens /dev/vmlab and configures it (events on, a small ring,
 * page-table walks) as the i-th of these setups:
 *
 *   plain      no frame budget
 *   memory     FIFO, a budget of a quarter of the pages, the memory store
 *   file       CLOCK, the same budget, a backing file, 4 victims at a time
 *   lru        LRU with a 2-page software TLB, half the pages, a backing file
 *
 * then maps PAGES pages MAP_SHARED, writes a pattern to every page, reads
 * every page back, evicts them all with VMLAB_EVICT, reads them back again,
 * reads the event stream without blocking, unmaps and closes.
 *
 * An allocation failure may surface as ENOMEM (or, from VMLAB_EVICT, the
 * backing file's write error ENOSPC/EIO) from a system call, or SIGBUS on a
 * page access: each is counted.  A page whose write went through must read
 * back its pattern, or raise SIGBUS; a page whose write raised SIGBUS must
 * read back zero or raise SIGBUS.  Any other error and any wrong byte are
 * unexpected.  The last line is
 *
 *   fault_workload: iterations=N ok=N enomem=N sigbus=N unexpected=N
 *
 * and the exit status is 1 when anything was unexpected, else 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vmlab.h>

enum setup { PLAIN, MEMORY, FILESTORE, LRU, NR_SETUPS };

static const char * const setup_name[NR_SETUPS] = {
	"plain", "memory", "file", "lru",
};

static sigjmp_buf touch_env;
static volatile sig_atomic_t in_touch;

static unsigned long ok, enomem, sigbus, unexpected;

static void on_sigbus(int sig)
{
	if (!in_touch) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	siglongjmp(touch_env, 1);
}

/* Count a failed call: 0 when @err is one of the clean errors of @what. */
static int failed(const char *what, int err, int io)
{
	if (err == ENOMEM || (io && (err == ENOSPC || err == EIO))) {
		enomem++;
		return 0;
	}
	unexpected++;
	fprintf(stderr, "fault_workload: %s: unexpected %s\n", what, strerror(err));
	return -1;
}

static unsigned char pattern(unsigned long iter, size_t page, size_t off)
{
	return (unsigned char)(iter * 131 + page * 7 + off + 1);
}

/*
 * Access every page: write its pattern at both ends when @write, then check
 * both ends against what @written says it holds.  A SIGBUS counts once per
 * page.  1 when some access raised SIGBUS, -1 on a wrong byte, else 0.
 */
static int touch(volatile unsigned char *p, size_t pages, size_t psz,
		 unsigned long iter, unsigned char *written, int write)
{
	volatile int bad = 0;
	volatile size_t i;

	for (i = 0; i < pages; i++) {
		volatile unsigned char *b = p + i * psz;
		unsigned char head, tail;

		in_touch = 1;
		if (sigsetjmp(touch_env, 1)) {
			in_touch = 0;
			sigbus++;
			bad = 1;
			continue;
		}
		if (write) {
			b[0] = pattern(iter, i, 0);
			b[psz - 1] = pattern(iter, i, psz - 1);
			written[i] = 1;
		}
		head = b[0];
		tail = b[psz - 1];
		in_touch = 0;
		if (written[i] ? head != pattern(iter, i, 0) ||
				 tail != pattern(iter, i, psz - 1) :
				 head || tail) {
			unexpected++;
			fprintf(stderr, "fault_workload: %s page %zu reads %#x..%#x\n",
				written[i] ? "written" : "unwritten", (size_t)i,
				head, tail);
			return -1;
		}
	}
	return bad;
}

/* Configure @fd as @setup; 0, 1 after a clean error, -1 after another. */
static int configure(int fd, enum setup setup, size_t pages, size_t len)
{
	struct vmlab_backing bk;
	struct vmlab_config cfg;
	int bfd, ret = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.size = sizeof(cfg);
	cfg.flags = VMLAB_CFG_WALK;
	cfg.region_size = len;
	cfg.event_mask = VMLAB_EV_ALL;
	cfg.ring_records = 64;
	switch (setup) {
	case MEMORY:
		cfg.policy = VMLAB_POLICY_FIFO;
		cfg.frames = pages / 4 ? pages / 4 : 1;
		break;
	case FILESTORE:
		cfg.policy = VMLAB_POLICY_CLOCK;
		cfg.frames = pages / 4 ? pages / 4 : 1;
		cfg.evict_batch = 4;
		break;
	case LRU:
		cfg.policy = VMLAB_POLICY_LRU;
		cfg.frames = pages / 2 ? pages / 2 : 1;
		cfg.tlb_window = 2;
		break;
	default:
		break;
	}
	if (ioctl(fd, VMLAB_SET_CONFIG, &cfg))
		return failed("VMLAB_SET_CONFIG", errno, 0) ? -1 : 1;
	if (setup != FILESTORE && setup != LRU)
		return 0;

	bfd = open(getenv("TMPDIR") ?: "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (bfd < 0) {
		unexpected++;
		perror("fault_workload: O_TMPFILE");
		return -1;
	}
	memset(&bk, 0, sizeof(bk));
	bk.size = sizeof(bk);
	bk.fd = bfd;
	if (ioctl(fd, VMLAB_SET_BACKING, &bk))
		ret = failed("VMLAB_SET_BACKING", errno, 0) ? -1 : 1;
	close(bfd);
	return ret;
}

/* Evict every resident page; 0, 1 after a clean error, -1 after another. */
static int evict_all(int fd)
{
	struct vmlab_evict ev;

	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.flags = VMLAB_EVICT_ALL;
	if (!ioctl(fd, VMLAB_EVICT, &ev))
		return 0;
	return failed("VMLAB_EVICT", errno, 1) ? -1 : 1;
}

static int iteration(unsigned long iter, size_t pages, size_t psz)
{
	enum setup setup = iter % NR_SETUPS;
	struct vmlab_event ev[16];
	size_t len = pages * psz;
	unsigned char *written;
	int fd, r, bad = 0;
	ssize_t n;
	void *p;

	written = calloc(pages, 1);
	if (!written) {
		perror("fault_workload: calloc");
		exit(1);
	}
	fd = open("/dev/vmlab", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		bad = failed("open", errno, 0) ? -1 : 1;
		goto out_free;
	}

	r = configure(fd, setup, pages, len);
	if (r < 0)
		goto out;
	bad |= r;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		if (failed("mmap", errno, 0))
			goto out;
		bad = 1;
	} else {
		r = touch(p, pages, psz, iter, written, 1);
		if (r >= 0) {
			bad |= r;
			r = touch(p, pages, psz, iter, written, 0);
		}
		if (r >= 0) {
			bad |= r;
			r = evict_all(fd);
		}
		if (r >= 0) {
			bad |= r;
			r = touch(p, pages, psz, iter, written, 0);
		}
		munmap(p, len);
		if (r < 0)
			goto out;
		bad |= r;
	}

	do {
		n = read(fd, ev, sizeof(ev));
	} while (n > 0);
	if (n < 0 && errno != EAGAIN && failed("read", errno, 0))
		goto out;
out:
	if (close(fd))
		failed("close", errno, 0);
out_free:
	free(written);
	if (unexpected)
		fprintf(stderr, "fault_workload: iteration %lu (%s) went wrong\n",
			iter, setup_name[setup]);
	return unexpected ? -1 : bad;
}

int main(int argc, char **argv)
{
	unsigned long iterations = 20, pages = 16, i;
	size_t psz = sysconf(_SC_PAGESIZE);
	struct sigaction sa;
	int c;

	while ((c = getopt(argc, argv, "n:p:")) != -1) {
		switch (c) {
		case 'n':
			iterations = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			pages = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n ITERATIONS] [-p PAGES]\n", argv[0]);
			return 2;
		}
	}
	if (pages < 4) {
		fprintf(stderr, "fault_workload: -p must be at least 4\n");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);

	for (i = 0; i < iterations; i++) {
		int r = iteration(i, pages, psz);

		if (r < 0)
			break;
		if (r == 0)
			ok++;
	}

	printf("fault_workload: iterations=%lu ok=%lu enomem=%lu sigbus=%lu unexpected=%lu\n",
	       i, ok, enomem, sigbus, unexpected);
	return unexpected ? 1 : 0;
}
