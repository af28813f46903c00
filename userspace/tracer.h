/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - `vmlab trace` run as a child process: started and waited
 * for until it traces, then stopped with Ctrl-C, as `vmlab bench trace`
 * and selftests/trace_bpf_test.c run it.  Nothing here prints: errors are
 * -errno, and what the tracer said on stderr is in errbuf.
 */
#ifndef _VMLAB_TRACER_H
#define _VMLAB_TRACER_H

#include <sched.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* What `vmlab trace` says on stderr once its programs are attached */
#define TRACER_READY	"Hit Ctrl-C"

struct tracer {
	pid_t pid;
	int err;		/* its stderr, a pipe */
	char out[256];		/* its stdout, a file */
	char errbuf[4096];	/* what it said on stderr */
	size_t errlen;
};

/*
 * Run @exe as `vmlab trace ARGS...` (@args NULL-terminated, at most 28),
 * its stdout to the file @out (created), on @cpus unless NULL.  With
 * @ready_ms, wait that long for it to be ready: 0, or -errno (-EIO: it did
 * not start, and was killed; errbuf says why).  With 0, wait for it to
 * exit (--pin, --unpin): its status, as tracer_stop()'s.
 */
int tracer_start(struct tracer *t, const char *exe, const char *out,
		 const char *const *args, const cpu_set_t *cpus, int ready_ms);
/*
 * Ctrl-C it (woken first if stopped), reap it and read the rest of its
 * stderr: its exit status, 128 + the signal that killed it, or -errno.
 * @ru (NULL: not wanted) gets the resources it used.
 */
int tracer_stop(struct tracer *t, struct rusage *ru);

#endif /* _VMLAB_TRACER_H */
