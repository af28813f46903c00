/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - what the commands' argp parsers share, and the commands.
 */
#ifndef _VMLAB_CLI_H
#define _VMLAB_CLI_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

/* -j/--json, before the command or after it */
extern bool opt_json;

/* Parse a subcommand's arguments: argv[0] is the command's name. */
void sub_argp_parse(const struct argp *argp, const char *name, int argc,
		    char **argv, void *input);
/* Like parse_u64, within [min, max]; argp_error() with @opt's name if not. */
uint64_t arg_u64(struct argp_state *state, const char *opt, const char *s,
		 uint64_t min, uint64_t max);

/* The commands: argc/argv start at the command's name. */
int cmd_info(int argc, char **argv);		/* info.c */
int cmd_walk(int argc, char **argv);		/* walk.c */
int cmd_run(int argc, char **argv);		/* run.c */
int cmd_simulate(int argc, char **argv);	/* simulate.c */
int cmd_bench(int argc, char **argv);		/* bench.c: the dispatcher */
int cmd_bench_fault(int argc, char **argv);	/* bench_fault.c */
int cmd_bench_trace(int argc, char **argv);	/* bench_trace.c */
int cmd_bench_evict(int argc, char **argv);	/* bench_evict.c */
int cmd_trace(int argc, char **argv);		/* trace.c */

#endif /* _VMLAB_CLI_H */
