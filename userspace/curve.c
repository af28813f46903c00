// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - miss curves (curve.h): the kernel's side of a sweep, run as
 * `vmlab run` runs one experiment, and the CSV and gnuplot output.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "curve.h"
#include "experiment.h"
#include "names.h"
#include "plot.h"
#include "stats.h"
#include "steps.h"
#include "util.h"

int curve_kernel_twin(int sim, struct curve_kernel *k)
{
	uint32_t p;

	for (p = 0; p < VMLAB_POLICY_MAX; p++) {
		if (steps_sim_policy(p) != sim)
			continue;
		k->policy = p;
		k->window = p == VMLAB_POLICY_FIFO || p == VMLAB_POLICY_CLOCK ||
			    p == VMLAB_POLICY_RANDOM ? 0 : 1;
		snprintf(k->name, sizeof(k->name), "kernel %s", policy_name(p));
		return 0;
	}
	return -1;
}

/* One kernel run: the misses of @refs under @k's policy and @frames. */
static int kernel_run(const struct curve_kernel *k, const uint64_t *refs,
		      uint64_t n, uint64_t pages, uint64_t seed,
		      uint64_t frames, uint64_t *misses)
{
	struct experiment e;
	int ret = -1;

	exp_defaults(&e);
	e.pages = pages;
	e.pages_given = true;
	e.seed = seed;
	e.access = ACCESS_WRITE;
	e.frames = frames;
	e.policy = k->policy;
	e.tlb_window = k->window;
	e.refs = malloc(n * sizeof(*refs));
	if (!e.refs)
		return err_msg("out of memory");
	memcpy(e.refs, refs, n * sizeof(*refs));
	e.nrefs = n;
	if (!exp_setup(&e) && !exp_touch(&e) && !exp_collect(&e)) {
		*misses = stats_misses(&e.stats);
		ret = 0;
	}
	exp_teardown(&e);
	return ret;
}

int curve_kernel(const struct curve_kernel *ks, unsigned int nk,
		 const uint64_t *refs, uint64_t n, uint64_t pages,
		 uint64_t seed, const uint64_t *frames, unsigned int nframes,
		 uint64_t *misses)
{
	bool tty = isatty(STDERR_FILENO);
	unsigned int k, f, done = 0;

	for (k = 0; k < nk; k++) {
		for (f = 0; f < nframes; f++) {
			if (tty)
				fprintf(stderr, "\rvmlab: kernel runs %u/%u (%s, %" PRIu64
					" frames)   ", ++done, nk * nframes,
					ks[k].name, frames[f]);
			if (kernel_run(&ks[k], refs, n, pages, seed, frames[f],
				       &misses[k * nframes + f]))
				return -1;
		}
	}
	if (tty)
		fprintf(stderr, "\r%60s\r", "");
	return 0;
}

/* One row per frame count: the frames, then each series' misses */
static int write_csv(const char *path, const uint64_t *frames,
		     unsigned int nframes, const struct curve_series *series,
		     unsigned int nseries)
{
	FILE *f = fopen(path, "w");
	unsigned int i, s;

	if (!f)
		return err_errno(path);
	fprintf(f, "frames");
	for (s = 0; s < nseries; s++)
		fprintf(f, ",%s", series[s].name);
	fprintf(f, "\n");
	for (i = 0; i < nframes; i++) {
		fprintf(f, "%" PRIu64, frames[i]);
		for (s = 0; s < nseries; s++)
			fprintf(f, ",%" PRIu64, series[s].misses[i]);
		fprintf(f, "\n");
	}
	if (fclose(f))
		return err_errno(path);
	return 0;
}

/* The gnuplot script: one terminal at a time, both images from one run */
static int write_gp(const char *path, const char *prefix, const char *title,
		    uint64_t refs, unsigned int nseries)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return err_errno(path);
	plot_script_begin(f, path, "curve: miss ratio over frame counts");
	fprintf(f,
		"set title \"%s\" noenhanced\n"
		"set xlabel 'frames'\n"
		"set ylabel 'miss ratio'\n"
		"set yrange [0:1.05]\n"
		"set key outside right noenhanced\n"
		"set grid\n"
		"refs = %" PRIu64 ".0\n"
		"series = %u\n", title, refs, nseries);
	plot_outputs_begin(f, prefix, 1000, 600);
	fprintf(f, "    plot for [i=2:series+1] '%s.csv' using 1:(column(i)/refs) "
		"with linespoints title columnheader(i)\n", prefix);
	plot_outputs_end(f);
	return plot_close(f, path);
}

int curve_write(const char *prefix, const char *title, uint64_t refs,
		const uint64_t *frames, unsigned int nframes,
		const struct curve_series *series, unsigned int nseries)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s.csv", prefix) >= (int)sizeof(path))
		return err_msg("--plot %s: name too long", prefix);
	if (write_csv(path, frames, nframes, series, nseries))
		return -1;
	snprintf(path, sizeof(path), "%s.gp", prefix);
	if (write_gp(path, prefix, title, refs, nseries))
		return -1;
	return plot_run(path, prefix);
}
