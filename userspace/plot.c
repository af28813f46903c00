// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - plot files and gnuplot (plot.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "util.h"

FILE *plot_open(const char *prefix, const char *suffix, char *path, size_t len)
{
	FILE *f;

	if ((size_t)snprintf(path, len, "%s%s", prefix, suffix) >= len) {
		err_msg("--plot %s: name too long", prefix);
		return NULL;
	}
	f = fopen(path, "w");
	if (!f)
		err_errno(path);
	return f;
}

int plot_close(FILE *f, const char *path)
{
	return fclose(f) ? err_errno(path) : 0;
}

void plot_script_begin(FILE *f, const char *path, const char *what)
{
	fprintf(f, "# vmlab %s (gnuplot %s)\n"
		"set datafile separator ','\n"
		"set datafile columnheaders\n", what, path);
}

void plot_outputs_begin(FILE *f, const char *prefix, int w, int h)
{
	fprintf(f, "do for [t in 'png svg'] {\n"
		"    if (t eq 'png') { set terminal png size %d,%d } "
		"else { set terminal svg size %d,%d }\n"
		"    set output '%s.'.t\n", w, h, w, h, prefix);
}

void plot_outputs_end(FILE *f)
{
	fprintf(f, "}\n");
}

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
