// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test - a short, fixed-seed pass of vmlab's fuzzer (selftests/fuzz.c)
 * as part of the suite: the program next to this one, run with a seed and
 * bounded by an operation count and a time, must exit 0.  Its report (the
 * seed, the failing operation and the ones before it, or a stuck task's
 * kernel stack) is in the output.
 *
 * The first instance it opens has one or two frames and a backing file, and
 * the pass includes multi-page get_user_pages() writes (process_vm_writev,
 * /proc/self/mem, O_DIRECT) into pages that are not resident.
 *
 * VMLAB_FUZZ_SEED, VMLAB_FUZZ_OPS and VMLAB_FUZZ_SECONDS override the pass.
 */
#include <libgen.h>
#include <limits.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define FUZZ_SEED	"1"
#define FUZZ_OPS	"50000"
#define FUZZ_SECONDS	"40"
/* the harness's own limit, scaled with it on the debug kernel */
#define FUZZ_TIMEOUT	180

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

FIXTURE(fuzz) {
	char prog[PATH_MAX];
};

FIXTURE_SETUP(fuzz)
{
	char exe[PATH_MAX];
	ssize_t n;

	VMLAB_REQUIRE_MODULE();
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	exe[n] = '\0';
	snprintf(self->prog, sizeof(self->prog), "%s/fuzz", dirname(exe));
	if (access(self->prog, X_OK))
		VMLAB_SETUP_SKIP("no fuzz program next to this one");
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, fixed_seed_pass, FUZZ_TIMEOUT)
{
	long scale = strtol(env_or("VMLAB_TIMEOUT_SCALE", "1"), NULL, 10);
	char watchdog[16];
	pid_t pid;

	/* a stuck task is reported well before the harness's timeout */
	snprintf(watchdog, sizeof(watchdog), "%ld",
		 30 * (scale > 1 ? (scale < 4 ? scale : 4) : 1));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		execl(self->prog, self->prog,
		      "--seed", env_or("VMLAB_FUZZ_SEED", FUZZ_SEED),
		      "--ops", env_or("VMLAB_FUZZ_OPS", FUZZ_OPS),
		      "--seconds", env_or("VMLAB_FUZZ_SECONDS", FUZZ_SECONDS),
		      "--watchdog", watchdog, (char *)NULL);
		fprintf(stderr, "# exec %s: %s\n", self->prog, strerror(errno));
		_exit(127);
	}
	EXPECT_EQ(0, vmlab_wait(pid));
}

VMLAB_HARNESS_MAIN
