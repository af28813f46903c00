// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - running gnuplot (plot.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "util.h"

int plot_run(const char *gp, const char *prefix)
{
	char cmd[4200];
	int ret;

	if (system("command -v gnuplot >/dev/null 2>&1"))
		return err_msg("gnuplot not found: 'make deps' installs gnuplot-nox "
			       "(%s.csv and %s.gp are written)", prefix, prefix);
	if (strchr(gp, '\''))
		return err_msg("--plot %s: a name with a quote", prefix);
	if (snprintf(cmd, sizeof(cmd), "gnuplot '%s'", gp) >= (int)sizeof(cmd))
		return err_msg("--plot %s: name too long", prefix);
	ret = system(cmd);
	if (ret)
		return err_msg("gnuplot %s failed (status %d)", gp, ret);
	return 0;
}
