/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - a userfaultfd handler thread for one anonymous range.
 */
#ifndef _VMLAB_UFFD_H
#define _VMLAB_UFFD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uffd_handler {
	int uffd;
	int stopfd;
	pthread_t thread;
	bool zeropage;
	size_t psize;
	void *src;		/* a zeroed page: UFFDIO_COPY's source */
	unsigned char *map;
	size_t len;
	uint64_t handled;
	int error;		/* errno of a failure, the range unregistered */
};

/*
 * Register [@map, @map + @len) for MISSING faults and start the handler
 * on @cpu: UFFDIO_ZEROPAGE if @zeropage, else UFFDIO_COPY of a zeroed
 * page.  0, or 1 after saying why on stderr.
 */
int uffd_start(struct uffd_handler *h, unsigned char *map, size_t len,
	       size_t psize, int cpu, bool zeropage);
/* Stop the handler; 0, or 1 if it failed (reported) */
int uffd_stop(struct uffd_handler *h);

#endif /* _VMLAB_UFFD_H */
