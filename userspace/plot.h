/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - running gnuplot on a script the commands write.
 */
#ifndef _VMLAB_PLOT_H
#define _VMLAB_PLOT_H

/*
 * Run gnuplot on @gp (a script that writes PREFIX.png and PREFIX.svg for
 * the --plot PREFIX named @prefix).  0, or -1 with the error printed: no
 * gnuplot (make deps installs it), or gnuplot failed.
 */
int plot_run(const char *gp, const char *prefix);

#endif /* _VMLAB_PLOT_H */
