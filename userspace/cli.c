// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - what the commands' argp parsers share.
 */
#include <errno.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

bool opt_json;

const struct argp_option cli_json_opts[] = {
	CLI_OPT_JSON(0),
	{},
};

void sub_argp_parse(const struct argp *argp, const char *name, int argc,
		    char **argv, void *input)
{
	char prog[64];
	char *saved = argv[0];

	/* usage and errors then read "vmlab walk: ..." */
	snprintf(prog, sizeof(prog), "vmlab %s", name);
	argv[0] = prog;
	if (argp_parse(argp, argc, argv, 0, NULL, input))
		exit(EXIT_FAILURE);
	argv[0] = saved;
}

uint64_t arg_u64(struct argp_state *state, const char *opt, const char *s,
		 uint64_t min, uint64_t max)
{
	uint64_t v;
	int err = parse_u64(s, &v);

	if (err == -ERANGE)
		argp_error(state, "%s '%s': too large", opt, s);
	else if (err)
		argp_error(state, "%s '%s': not a number", opt, s);
	else if (v < min || v > max)
		argp_error(state, "%s %s: must be between %" PRIu64 " and %" PRIu64,
			   opt, s, min, max);
	return v;
}

error_t cli_key(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'j':
		opt_json = true;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

int arg_cpu(struct argp_state *state, const char *arg)
{
	return arg_u64(state, "--cpu", arg, 0, CPU_SETSIZE - 1);
}

error_t bench_key(int key, char *arg, struct argp_state *state, int *cpu,
		  bool *verbose)
{
	switch (key) {
	case 'c':
		*cpu = arg_cpu(state, arg);
		return 0;
	case 'v':
		*verbose = true;
		return 0;
	default:
		return cli_key(key, arg, state);
	}
}

void arg_list(struct argp_state *state, const char *opt, const char *what,
	      const char *known, const char *list,
	      int (*fn)(const char *item, void *arg), void *arg)
{
	char *copy = strdup(list), *tok, *save = NULL;
	bool any = false;

	if (!copy)
		argp_failure(state, 1, ENOMEM, "%s", opt);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (fn(tok, arg))
			argp_error(state, "%s: unknown %s '%s'; %s", opt, what,
				   tok, known);
		any = true;
	}
	free(copy);
	if (!any)
		argp_error(state, "%s '%s': no %s given", opt, list, what);
}

struct choices {
	const char *table;
	size_t stride;
	unsigned int n;
	bool *want;
};

static int want_choice(const char *name, void *arg)
{
	struct choices *c = arg;
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(name, *(const char *const *)(c->table +
							  i * c->stride))) {
			c->want[i] = true;
			return 0;
		}
	return -1;
}

void arg_choices(struct argp_state *state, const char *opt, const char *what,
		 const char *known, const char *list, const void *table,
		 size_t stride, unsigned int n, bool *want)
{
	struct choices c = { table, stride, n, want };

	memset(want, 0, n * sizeof(*want));
	arg_list(state, opt, what, known, list, want_choice, &c);
}
