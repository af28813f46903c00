// SPDX-License-Identifier: GPL-2.0
/*
 * timeout_scale.so - stretch the kselftest harness's per-test timeouts on a
 * slow kernel, without touching the tests.
 *
 * kselftest_harness.h (6.1) bounds each test with alarm(t->timeout) in the
 * parent, 30 seconds unless the test says otherwise.  Under the debug
 * kernel (KASAN, lockdep, slub_debug, ... under TCG) the same work takes
 * several times longer.  run_tests.sh preloads this library when
 * VMLAB_TIMEOUT_SCALE is set (check --debug sets it): every alarm(s) then
 * asks for s * VMLAB_TIMEOUT_SCALE seconds.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

unsigned int alarm(unsigned int seconds)
{
	static unsigned int (*real_alarm)(unsigned int);
	static unsigned int scale;
	unsigned int left;

	if (!real_alarm)
		real_alarm = (unsigned int (*)(unsigned int))dlsym(RTLD_NEXT, "alarm");
	if (!scale) {
		const char *s = getenv("VMLAB_TIMEOUT_SCALE");

		scale = s ? (unsigned int)strtoul(s, NULL, 10) : 1;
		if (!scale)
			scale = 1;
	}
	left = real_alarm(seconds * scale);
	return (left + scale - 1) / scale;
}
