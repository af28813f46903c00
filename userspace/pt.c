// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab pt`: what a multi-level page table costs.
 *
 * The same number of pages, placed side by side, one per PMD span, one per
 * PUD span or at random, need very different numbers of page-table pages:
 * VMLAB_PT counts them level by level.  A one-level (linear) table for the
 * same span would need 8 bytes per 4 KiB page of it, used or not.  The last
 * row counts the whole process and sets it beside the kernel's own
 * accounting, VmPTE in /proc/PID/status.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "json.h"
#include "plot.h"
#include "ptlayout.h"
#include "util.h"

static const char pt_doc[] =
"Count the page tables that map some pages, level by level (PGD, P4D, PUD,\n"
"PMD, PTE), with VMLAB_PT: the table pages, the bytes they take, the bytes\n"
"a one-level (linear) table of the same span would take, and the entries in\n"
"use per PTE table.  Each layout maps --pages pages of anonymous memory in\n"
"this process:\n"
"  dense   side by side\n"
"  pmd     one per PMD span (2 MiB apart): a PTE table each\n"
"  pud     one per PUD span (1 GiB apart): a PMD and a PTE table each\n"
"  sparse  at random pages of a 64 GiB span (--seed)\n"
"The last row is the whole process, beside the kernel's own count (VmPTE in\n"
"/proc/PID/status, which leaves out the PGD and any P4D).  With -p PID, that\n"
"process instead (CAP_SYS_ADMIN).  With 4-level paging the P4D is folded\n"
"into the PGD and shows '-'.\n"
"\n"
"EXAMPLES:\n"
"  vmlab pt\n"
"  vmlab pt --layout pud --pages 64\n"
"  vmlab pt --plot build/pt       # build/pt.csv, .gp, .png, .svg\n"
"  vmlab pt -p 1\n"
"  vmlab -j pt\n";

enum { OPT_SEED = 0x100, OPT_PLOT };

static const struct argp_option pt_opts[] = {
	{ "layout", 'l', "LAYOUT", 0,
	  "dense, pmd, pud or sparse; repeat or comma-separate (default: all)", 0 },
	{ "pages", 'n', "N", 0, "Pages each layout maps (default 512, at most 4096)", 0 },
	{ "seed", OPT_SEED, "S", 0, "Where the sparse layout's pages go (default 1)", 0 },
	{ "pid", 'p', "PID", 0, "Count that process's address space instead", 0 },
	{ "plot", OPT_PLOT, "PREFIX", 0,
	  "Write PREFIX.csv and .gp, and through gnuplot .png and .svg", 0 },
	CLI_OPT_JSON(0),
	{},
};

struct pt_args {
	bool layout[PT_NR_LAYOUTS];
	bool any_layout;
	size_t pages;
	unsigned int seed;
	uint32_t pid;
	const char *plot;
};

static error_t pt_parse(int key, char *arg, struct argp_state *state)
{
	struct pt_args *a = state->input;
	char *tok, *save = NULL;
	int l;

	switch (key) {
	case 'l':
		for (tok = strtok_r(arg, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			l = pt_layout_parse(tok);
			if (l < 0)
				argp_error(state, "--layout '%s': use dense, pmd, "
					   "pud or sparse", tok);
			a->layout[l] = true;
			a->any_layout = true;
		}
		break;
	case 'n':
		a->pages = arg_u64(state, "--pages", arg, 1, PT_MAX_PAGES);
		break;
	case OPT_SEED:
		a->seed = arg_u64(state, "--seed", arg, 0, UINT32_MAX);
		break;
	case 'p':
		a->pid = arg_u64(state, "--pid", arg, 1, INT32_MAX);
		break;
	case OPT_PLOT:
		a->plot = arg;
		break;
	default:
		return cli_key(key, arg, state);
	}
	return 0;
}

/* VmPTE of @pid (0: this process) in bytes, or -1 */
static int64_t vmpte_bytes(uint32_t pid)
{
	char path[64], line[256];
	int64_t kb = -1;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%u/status", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %" SCNd64 " kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

struct pt_row {
	const char *name;
	uint64_t pages;		/* pages mapped: PTE leaves */
	uint64_t span;		/* bytes the tables cover */
	struct vmlab_pt pt;
	int64_t vmpte;		/* VmPTE: its growth for a layout; all of it */
};

static uint64_t pt_row_bytes(const struct pt_row *r)
{
	uint64_t n = 0;
	int l;

	for (l = 0; l < VMLAB_LEVELS; l++)
		n += r->pt.tables[l];
	return n * PT_PAGE;
}

static const char *const level_names[VMLAB_LEVELS] = {
	"pgd", "p4d", "pud", "pmd", "pte",
};

static void print_header(void)
{
	printf("%-10s %6s %10s  %4s %4s %4s %4s %5s %10s %10s %9s %9s\n",
	       "layout", "pages", "span", "PGD", "P4D", "PUD", "PMD", "PTE",
	       "tables", "linear", "PTEs/tbl", "VmPTE");
}

static void print_row(const struct pt_row *r)
{
	char span[32], bytes[32], linear[32], vmpte[32], p4d[16];
	const struct vmlab_pt *pt = &r->pt;

	if (pt->levels >= 5)
		snprintf(p4d, sizeof(p4d), "%" PRIu64, (uint64_t)pt->tables[VMLAB_P4D]);
	else
		snprintf(p4d, sizeof(p4d), "-");
	if (r->vmpte >= 0)
		fmt_bytes(r->vmpte, vmpte, sizeof(vmpte));
	else
		snprintf(vmpte, sizeof(vmpte), "?");
	printf("%-10s %6" PRIu64 " %10s  %4" PRIu64 " %4s %4" PRIu64 " %4" PRIu64
	       " %5" PRIu64 " %10s %10s %9.1f %9s\n",
	       r->name, r->pages, fmt_bytes(r->span, span, sizeof(span)),
	       (uint64_t)pt->tables[VMLAB_PGD], p4d,
	       (uint64_t)pt->tables[VMLAB_PUD], (uint64_t)pt->tables[VMLAB_PMD],
	       (uint64_t)pt->tables[VMLAB_PTE],
	       fmt_bytes(pt_row_bytes(r), bytes, sizeof(bytes)),
	       fmt_bytes(pt_linear_bytes(r->span), linear, sizeof(linear)),
	       pt->tables[VMLAB_PTE] ?
	       (double)pt->entries[VMLAB_PTE] / pt->tables[VMLAB_PTE] : 0.0,
	       vmpte);
}

static void json_row(struct jw *w, const struct pt_row *r)
{
	int l;

	jw_obj(w, NULL);
	jw_str(w, "layout", r->name);
	jw_u64(w, "pages", r->pages);
	jw_u64(w, "span", r->span);
	jw_u64(w, "levels", r->pt.levels);
	for (l = 0; l < VMLAB_LEVELS; l++) {
		jw_obj(w, level_names[l]);
		jw_u64(w, "tables", r->pt.tables[l]);
		jw_u64(w, "entries", r->pt.entries[l]);
		jw_u64(w, "leaves", r->pt.leaves[l]);
		jw_end(w);
	}
	jw_u64(w, "table_bytes", pt_row_bytes(r));
	jw_u64(w, "linear_bytes", pt_linear_bytes(r->span));
	if (r->vmpte >= 0)
		jw_i64(w, "vmpte_bytes", r->vmpte);
	else
		jw_null(w, "vmpte_bytes");
	jw_end(w);
}

/* PREFIX.csv, PREFIX.gp and the plot: table bytes against linear bytes */
static int pt_plot(const char *prefix, const struct pt_row *rows, int n)
{
	char path[4096];
	FILE *f;
	int i;

	f = plot_open(prefix, ".csv", path, sizeof(path));
	if (!f)
		return -1;
	fprintf(f, "layout,pages,span,pgd,p4d,pud,pmd,pte,table_bytes,linear_bytes\n");
	for (i = 0; i < n; i++)
		fprintf(f, "%s,%" PRIu64 ",%" PRIu64 ",%llu,%llu,%llu,%llu,%llu,%"
			PRIu64 ",%" PRIu64 "\n", rows[i].name, rows[i].pages,
			rows[i].span, rows[i].pt.tables[VMLAB_PGD],
			rows[i].pt.tables[VMLAB_P4D], rows[i].pt.tables[VMLAB_PUD],
			rows[i].pt.tables[VMLAB_PMD], rows[i].pt.tables[VMLAB_PTE],
			pt_row_bytes(&rows[i]), pt_linear_bytes(rows[i].span));
	if (plot_close(f, path))
		return -1;

	f = plot_open(prefix, ".gp", path, sizeof(path));
	if (!f)
		return -1;
	plot_script_begin(f, path, "pt: page-table bytes against a linear table");
	fprintf(f,
		"set title \"page-table memory for %" PRIu64 " pages, by layout\" noenhanced\n"
		"set ylabel 'bytes (log scale)'\n"
		"set logscale y 2\n"
		"set yrange [1024:*]\n"
		"set ytics 32\n"
		"set format y '%%.0b %%BB'\n"
		"set style data histograms\n"
		"set style histogram clustered gap 1\n"
		"set style fill solid 0.8 border -1\n"
		"set key top left noenhanced\n"
		"set grid ytics\n", n ? rows[0].pages : 0);
	plot_outputs_begin(f, prefix, 900, 540);
	fprintf(f, "    plot '%s.csv' using 9:xtic(1) title 'multi-level tables', "
		"'' using 10 title 'linear table for the span'\n", prefix);
	plot_outputs_end(f);
	if (plot_close(f, path))
		return -1;
	return plot_run(path, prefix);
}

static int pt_layout_row(int fd, enum pt_layout l, const struct pt_args *a,
			 struct pt_region *region, struct pt_row *row)
{
	int64_t before = vmpte_bytes(0), after;
	int err;

	err = pt_region_build(region, l, a->pages, a->seed);
	if (err) {
		errno = -err;
		return err_errno(pt_layout_name(l));
	}
	after = vmpte_bytes(0);
	row->name = pt_layout_name(l);
	row->pages = a->pages;
	row->span = region->span;
	row->vmpte = before >= 0 && after >= 0 ? after - before : -1;
	return vmlab_pt(fd, 0, (uintptr_t)region->base,
			(uintptr_t)region->base + region->span, &row->pt);
}

int cmd_pt(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(pt_opts, pt_parse, NULL, pt_doc);
	struct pt_args a = { .pages = 512, .seed = 1 };
	struct pt_region regions[PT_NR_LAYOUTS] = {};
	struct pt_row rows[PT_NR_LAYOUTS + 1] = {};
	char self[32];
	int fd, l, n = 0, ret = 1;
	struct jw w;

	sub_argp_parse(&argp, "pt", argc, argv, &a);
	if (a.pid && a.any_layout)
		return err_msg("vmlab pt: --layout maps pages in this process; "
			       "not with --pid");
	fd = vmlab_open(O_RDONLY);
	if (fd < 0)
		return 1;

	for (l = 0; !a.pid && l < PT_NR_LAYOUTS; l++) {
		if (a.any_layout && !a.layout[l])
			continue;
		if (pt_layout_row(fd, l, &a, &regions[l], &rows[n]))
			goto out;
		n++;
	}
	if (a.pid)
		snprintf(self, sizeof(self), "pid %u", a.pid);
	else
		snprintf(self, sizeof(self), "process");
	rows[n].name = self;
	if (vmlab_pt(fd, a.pid, 0, 0, &rows[n].pt))
		goto out;
	rows[n].vmpte = vmpte_bytes(a.pid);
	rows[n].pages = rows[n].pt.leaves[VMLAB_PTE];
	rows[n].span = rows[n].pt.end - rows[n].pt.start;
	n++;

	if (opt_json) {
		jw_init(&w, stdout);
		jw_obj(&w, NULL);
		jw_arr(&w, "rows");
		for (l = 0; l < n; l++)
			json_row(&w, &rows[l]);
		jw_end(&w);
		jw_finish(&w);
	} else {
		print_header();
		for (l = 0; l < n; l++)
			print_row(&rows[l]);
		printf("%d-level paging%s; 'tables' counts every level, VmPTE "
		       "the kernel's count (PUD, PMD, PTE; a layout: its growth)\n",
		       rows[0].pt.levels,
		       rows[0].pt.levels >= 5 ? " (LA57)" : ", P4D folded");
	}
	ret = a.plot && pt_plot(a.plot, rows, n) ? 1 : 0;
out:
	for (l = 0; l < PT_NR_LAYOUTS; l++)
		pt_region_free(&regions[l]);
	close(fd);
	return ret;
}
