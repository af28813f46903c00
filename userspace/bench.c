// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab bench`: the benchmarks, each a command of its own:
 * bench fault (bench_fault.c), bench trace (bench_trace.c), bench evict
 * (bench_evict.c) and bench policy (bench_policy.c).  'bench fault' also answers 'vmlab bench' alone and
 * 'vmlab bench --help': its parser takes the benchmark's name as an
 * argument and knows the others' names.
 */
#include <string.h>

#include "cli.h"
#include "util.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} benches[] = {
	{ "trace", cmd_bench_trace },
	{ "evict", cmd_bench_evict },
	{ "policy", cmd_bench_policy },
};

int cmd_bench(int argc, char **argv)
{
	size_t i;

	/* 'bench trace' and 'bench evict' have options of their own */
	for (i = 0; argc > 1 && i < ARRAY_SIZE(benches); i++)
		if (!strcmp(argv[1], benches[i].name))
			return benches[i].fn(argc - 1, argv + 1);
	return cmd_bench_fault(argc, argv);
}
