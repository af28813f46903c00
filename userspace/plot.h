/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - plots: the CSV files and gnuplot scripts the commands' --plot
 * PREFIX writes, and running gnuplot on them.
 */
#ifndef _VMLAB_PLOT_H
#define _VMLAB_PLOT_H

#include <stddef.h>
#include <stdio.h>

/*
 * Open PREFIX@suffix ("PREFIX.csv", "PREFIX-budgets.csv", "PREFIX.gp") for
 * writing; its name into @path.  NULL with the error printed.
 */
FILE *plot_open(const char *prefix, const char *suffix, char *path, size_t len);
/* Close @f, written as @path: 0, or -1 with the error printed. */
int plot_close(FILE *f, const char *path);
/*
 * A gnuplot script's start: a comment saying what it draws (@what), CSV
 * with a header line as its data.
 */
void plot_script_begin(FILE *f, const char *path, const char *what);
/*
 * The loop that draws PREFIX.png and PREFIX.svg, @w x @h pixels: the plot
 * commands go between this and plot_outputs_end().
 */
void plot_outputs_begin(FILE *f, const char *prefix, int w, int h);
void plot_outputs_end(FILE *f);

/*
 * Run gnuplot on @gp (a script that writes PREFIX.png and PREFIX.svg for
 * the --plot PREFIX named @prefix).  0, or -1 with the error printed: no
 * gnuplot (make deps installs it), or gnuplot failed.
 */
int plot_run(const char *gp, const char *prefix);

#endif /* _VMLAB_PLOT_H */
