// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - what the commands' argp parsers share.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "util.h"

bool opt_json;

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
