// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab trace` run as a child process.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tracer.h"

/* Append what it says on stderr to errbuf: until @timeout_ms passes
 * without a word, EOF, or (@ready) it is ready */
static void read_err(struct tracer *t, int timeout_ms, int ready)
{
	struct pollfd p = { .fd = t->err, .events = POLLIN };
	ssize_t n;

	while (t->errlen + 1 < sizeof(t->errbuf) && poll(&p, 1, timeout_ms) == 1) {
		n = read(t->err, t->errbuf + t->errlen,
			 sizeof(t->errbuf) - 1 - t->errlen);
		if (n <= 0)
			break;
		t->errlen += n;
		t->errbuf[t->errlen] = '\0';
		if (ready && strstr(t->errbuf, TRACER_READY))
			break;
	}
}

static int status_of(int st)
{
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

int tracer_start(struct tracer *t, const char *exe, const char *out,
		 const char *const *args, const cpu_set_t *cpus, int ready_ms)
{
	const char *argv[32] = { "vmlab", "trace" };
	int errp[2], fd, i, st;

	memset(t, 0, sizeof(*t));
	t->err = -1;
	for (i = 0; args[i] && i < 28; i++)
		argv[i + 2] = args[i];
	snprintf(t->out, sizeof(t->out), "%s", out);
	fd = open(t->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC)) {
		close(fd);
		return -errno;
	}
	fflush(NULL);
	t->pid = fork();
	if (t->pid < 0) {
		close(fd);
		close(errp[0]);
		close(errp[1]);
		return -errno;
	}
	if (t->pid == 0) {
		if (cpus)
			sched_setaffinity(0, sizeof(*cpus), cpus);
		dup2(fd, 1);
		dup2(errp[1], 2);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(fd);
	close(errp[1]);
	t->err = errp[0];
	if (!ready_ms) {
		read_err(t, -1, 0);
		close(t->err);
		if (waitpid(t->pid, &st, 0) != t->pid)
			return -errno;
		return status_of(st);
	}
	read_err(t, ready_ms, 1);
	if (strstr(t->errbuf, TRACER_READY))
		return 0;
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	close(t->err);
	return -EIO;
}

int tracer_stop(struct tracer *t, struct rusage *ru)
{
	struct rusage r;
	int st, ret;

	kill(t->pid, SIGCONT);
	kill(t->pid, SIGINT);
	read_err(t, 0, 0);
	/* poll(0) may find nothing yet: read to EOF after the exit */
	ret = wait4(t->pid, &st, 0, ru ? ru : &r) == t->pid ? status_of(st) :
	      -errno;
	read_err(t, 1, 0);
	close(t->err);
	return ret;
}
