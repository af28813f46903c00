// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - run virtual-memory experiments on /dev/vmlab and report them.
 *
 * main(): the global options and the command dispatch.  Each command has its
 * own argp parser in its own file.
 */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

const char *argp_program_version = "vmlab " VMLAB_VERSION;
const char *argp_program_bug_address = "<vmlab developers>";

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "info", cmd_info },
	{ "walk", cmd_walk },
	{ "pt", cmd_pt },
	{ "tlb", cmd_tlb },
	{ "ws", cmd_ws },
	{ "cow", cmd_cow },
	{ "run", cmd_run },
	{ "simulate", cmd_simulate },
	{ "bench", cmd_bench },
	{ "trace", cmd_trace },
};

static const char doc[] =
"vmlab -- run virtual-memory experiments on /dev/vmlab and report them.\n"
"\n"
"Commands:\n"
"  info      the module: ABI version, page size, limits, paging levels\n"
"  walk      translate a stack, heap, code and vmlab address level by level\n"
"  pt        count the page tables that map dense and sparse layouts\n"
"  tlb       TLB reach: time per access over pages touched, 4 KiB and 2 MiB\n"
"  ws        working sets from accessed bits over time, and thrashing\n"
"  cow       copy-on-write: MAP_PRIVATE, fork, who copies which page\n"
"  run       map an instance, touch its pages, print events and a summary;\n"
"            with --frames and --policy, evict and swap; --compare with\n"
"            the simulator\n"
"  simulate  FIFO, LRU, OPT, UNOPT, CLOCK, RANDOM, MRU, SIEVE, S3FIFO,\n"
"            SFIFO, 2Q, WSCLOCK on a reference string, step by step if\n"
"            asked, as miss curves with --plot; no module\n"
"  bench     'bench fault': fault throughput against anonymous memory,\n"
"            memfd and userfaultfd; 'bench trace': the cost of tracing;\n"
"            'bench evict': swapping against the kernel's own swap\n"
"  trace     faults, TLB flushes, evictions and swaps live, through BPF\n"
"\n"
"'vmlab COMMAND --help' describes each command.\n"
"\n"
"EXAMPLES:\n"
"  vmlab info                            # which module, which limits\n"
"  vmlab walk                            # the page tables made visible\n"
"  vmlab pt                              # what multi-level tables cost\n"
"  vmlab run --pages 64 --pattern rand --events\n"
"  vmlab run --pages 64 --frames 16 --policy clock --pattern loop --compare\n"
"  vmlab simulate --refs 1,2,3,4,1,2,5,1,2,3,4,5 --frames 3,4 --policy fifo\n"
"  vmlab -j bench fault --rounds 9       # the benchmark, as JSON\n"
"  vmlab trace --hist                    # fault latency by kind, Ctrl-C\n";

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	int *cmd = state->input;

	switch (key) {
	case 'j':
		opt_json = true;
		break;
	case ARGP_KEY_ARG:
		/* the command: stop here, its parser takes the rest */
		*cmd = state->next - 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (*cmd < 0)
			argp_error(state, "no command given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(cli_json_opts, parse_arg,
						   "COMMAND [OPTIONS...]", doc);
	int cmd = -1;
	size_t i;

	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &cmd))
		return EXIT_FAILURE;
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[cmd], commands[i].name))
			return commands[i].fn(argc - cmd, argv + cmd);
	fprintf(stderr, "vmlab: unknown command '%s'; try 'vmlab --help'\n",
		argv[cmd]);
	return EXIT_FAILURE;
}
