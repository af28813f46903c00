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

/* A benchmark's --cpu and --verbose, with their help */
#define CLI_OPT_CPU(doc, group) { "cpu", 'c', "CPU", 0, doc, group }
#define CLI_OPT_VERBOSE(doc, group) { "verbose", 'v', NULL, 0, doc, group }

/* The options of a command that has no other than -j */
extern const struct argp_option cli_json_opts[];

/* A command's parser: its options, parser, operands (or NULL) and doc */
#define CLI_ARGP(opts, parse, args, text)				\
	{ .options = (opts), .parser = (parse), .args_doc = (args), .doc = (text) }

/* -j/--json in a command's options */
#define CLI_OPT_JSON(group) { "json", 'j', NULL, 0, "Print JSON instead of text", group }

/*
 * What a command's parser does with the keys it leaves to its default:
 * -j, and an operand, which most commands take none of.
 */
error_t cli_key(int key, char *arg, struct argp_state *state);
/* --cpu CPU: a CPU number */
int arg_cpu(struct argp_state *state, const char *arg);
/* A benchmark's parser's default: -c CPU into *@cpu, -v, then cli_key() */
error_t bench_key(int key, char *arg, struct argp_state *state, int *cpu,
		  bool *verbose);
/*
 * Each comma-separated item of @list to @fn, which returns 0, or -1 for a
 * name it does not know: then argp_error() "OPT: unknown WHAT 'ITEM';
 * KNOWN".  A list of no item: "OPT 'LIST': no WHAT given".
 */
void arg_list(struct argp_state *state, const char *opt, const char *what,
	      const char *known, const char *list,
	      int (*fn)(const char *item, void *arg), void *arg);

/*
 * arg_list() of names from a table: @n entries @stride bytes apart, each
 * starting with its name (const char *), at @table.  Sets want[i] for
 * each entry named, after clearing them all.
 */
void arg_choices(struct argp_state *state, const char *opt, const char *what,
		 const char *known, const char *list, const void *table,
		 size_t stride, unsigned int n, bool *want);

/* The commands: argc/argv start at the command's name. */
int cmd_info(int argc, char **argv);		/* info.c */
int cmd_walk(int argc, char **argv);		/* walk.c */
int cmd_pt(int argc, char **argv);		/* pt.c */
int cmd_tlb(int argc, char **argv);		/* tlb.c */
int cmd_ws(int argc, char **argv);		/* ws.c */
int cmd_cow(int argc, char **argv);		/* cow.c */
int cmd_run(int argc, char **argv);		/* run.c */
int cmd_simulate(int argc, char **argv);	/* simulate.c */
int cmd_bench(int argc, char **argv);		/* bench.c: the dispatcher */
int cmd_bench_fault(int argc, char **argv);	/* bench_fault.c */
int cmd_bench_trace(int argc, char **argv);	/* bench_trace.c */
int cmd_bench_evict(int argc, char **argv);	/* bench_evict.c */
int cmd_bench_policy(int argc, char **argv);	/* bench_policy.c */
int cmd_trace(int argc, char **argv);		/* trace.c */

#endif /* _VMLAB_CLI_H */
