// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - a userfaultfd handler thread: the MISSING faults of one
 * anonymous range resolved with UFFDIO_COPY (a zeroed page) or
 * UFFDIO_ZEROPAGE, for `vmlab bench fault` to compare vmlab with.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uffd.h"
#include "util.h"

static int uffd_open(void)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	/*
	 * With vm.unprivileged_userfaultfd = 0 and no CAP_SYS_PTRACE, only
	 * user-mode faults may be handled: all this benchmark needs.
	 */
	if (fd < 0 && errno == EPERM)
		fd = syscall(SYS_userfaultfd,
			     O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	return fd;
}

static void uffd_fail(struct uffd_handler *h, int err)
{
	struct uffdio_range r = { (uintptr_t)h->map, h->len };

	/* wake the faulting thread: unregistered, its fault completes normally */
	h->error = err;
	ioctl(h->uffd, UFFDIO_UNREGISTER, &r);
}

static void *uffd_thread(void *arg)
{
	struct uffd_handler *h = arg;
	struct pollfd pfd[2] = {
		{ .fd = h->uffd, .events = POLLIN },
		{ .fd = h->stopfd, .events = POLLIN },
	};
	struct uffd_msg msg;
	uint64_t addr;
	ssize_t n;
	int ret;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			uffd_fail(h, errno);
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		n = read(h->uffd, &msg, sizeof(msg));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			uffd_fail(h, errno);
			break;
		}
		if (n != sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		addr = msg.arg.pagefault.address & ~(uint64_t)(h->psize - 1);
		if (h->zeropage) {
			struct uffdio_zeropage z = {
				.range = { .start = addr, .len = h->psize },
			};

			ret = ioctl(h->uffd, UFFDIO_ZEROPAGE, &z);
		} else {
			struct uffdio_copy c = {
				.dst = addr,
				.src = (uintptr_t)h->src,
				.len = h->psize,
			};

			ret = ioctl(h->uffd, UFFDIO_COPY, &c);
		}
		if (ret && errno != EEXIST) {
			uffd_fail(h, errno);
			break;
		}
		h->handled++;
	}
	return NULL;
}

int uffd_start(struct uffd_handler *h, unsigned char *map, size_t len,
		      size_t psize, int cpu, bool zeropage)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)map, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	uint64_t need = zeropage ? 1ULL << _UFFDIO_ZEROPAGE : 1ULL << _UFFDIO_COPY;
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	memset(h, 0, sizeof(*h));
	h->stopfd = -1;
	h->map = map;
	h->len = len;
	h->psize = psize;
	h->zeropage = zeropage;
	h->uffd = uffd_open();
	if (h->uffd < 0)
		return err_errno("userfaultfd");
	if (ioctl(h->uffd, UFFDIO_API, &api))
		goto fail_errno_api;
	if (ioctl(h->uffd, UFFDIO_REGISTER, &reg))
		goto fail_errno_reg;
	if ((reg.ioctls & need) != need) {
		err_msg("userfaultfd: UFFDIO_%s not supported on this range",
			zeropage ? "ZEROPAGE" : "COPY");
		goto fail;
	}
	h->src = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (h->src == MAP_FAILED) {
		h->src = NULL;
		err_errno("mmap");
		goto fail;
	}
	h->stopfd = eventfd(0, EFD_CLOEXEC);
	if (h->stopfd < 0) {
		err_errno("eventfd");
		goto fail;
	}
	pthread_attr_init(&attr);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	err = pthread_create(&h->thread, &attr, uffd_thread, h);
	pthread_attr_destroy(&attr);
	if (err) {
		errno = err;
		err_errno("pthread_create");
		goto fail;
	}
	return 0;

fail_errno_api:
	err_errno("UFFDIO_API");
	goto fail;
fail_errno_reg:
	err_errno("UFFDIO_REGISTER");
fail:
	if (h->stopfd >= 0)
		close(h->stopfd);
	if (h->src)
		munmap(h->src, psize);
	close(h->uffd);
	return 1;
}

int uffd_stop(struct uffd_handler *h)
{
	uint64_t one = 1;

	if (write(h->stopfd, &one, sizeof(one)) != sizeof(one))
		err_errno("eventfd write");
	pthread_join(h->thread, NULL);
	close(h->stopfd);
	close(h->uffd);
	munmap(h->src, h->psize);
	if (h->error) {
		errno = h->error;
		return err_errno("userfaultfd handler");
	}
	return 0;
}
