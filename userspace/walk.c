// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab walk`: the multi-level page table made visible.
 *
 * VMLAB_WALK translates an address of the calling process, so this command
 * walks its own addresses: a stack variable, a heap block, its code, its
 * data, the vDSO and pages of a small vmlab instance it maps and touches
 * first (written, read only, untouched).  For each level it prints the
 * index, the raw entry, the decoded flags and the frame the entry points to.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "experiment.h"
#include "json.h"
#include "names.h"
#include "pte.h"
#include "util.h"

#define WALK_MAX 64
#define WALK_MAP_PAGES 4

static const char walk_doc[] =
"Translate addresses of this process level by level with VMLAB_WALK: for\n"
"PGD, P4D, PUD, PMD and PTE the index, the raw entry, its flags (P present,\n"
"RW writable, US user, A accessed, D dirty, PS huge page, G global, NX\n"
"no-execute) and the frame it points to: the next table's, or the page's at\n"
"the leaf.  Frames are shown only with CAP_SYS_ADMIN ('hidden' otherwise).\n"
"\n"
"ADDR is a name or a number (0x... or decimal) of an address in this\n"
"process (the ioctl walks its caller).  Names:\n"
"  stack       a local variable\n"
"  heap        a malloc()ed block, written\n"
"  code        this command's code\n"
"  data        a written global variable\n"
"  vdso        the vDSO\n"
"  vmlab       a page of a vmlab instance mapped here, written\n"
"  vmlab-ro    a page of it only read: mapped read-only until written\n"
"  vmlab-none  a page of it never touched: not present\n"
"Default: stack heap code vmlab.\n"
"\n"
"EXAMPLES:\n"
"  vmlab walk\n"
"  vmlab walk --all\n"
"  vmlab walk vmlab vmlab-ro vmlab-none\n"
"  vmlab -j walk stack\n";

static const struct argp_option walk_opts[] = {
	{ "all", 'a', NULL, 0, "Walk every named address", 0 },
	CLI_OPT_JSON(0),
	{},
};

static const char *const walk_names[] = {
	"stack", "heap", "code", "data", "vdso", "vmlab", "vmlab-ro",
	"vmlab-none",
};

struct walk_args {
	const char *addr[WALK_MAX];
	int n;
};

static bool known_name(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(walk_names); i++)
		if (!strcmp(s, walk_names[i]))
			return true;
	return false;
}

static error_t walk_parse(int key, char *arg, struct argp_state *state)
{
	struct walk_args *a = state->input;
	uint64_t v;
	size_t i;

	switch (key) {
	case 'a':
		for (i = 0; i < ARRAY_SIZE(walk_names) && a->n < WALK_MAX; i++)
			a->addr[a->n++] = walk_names[i];
		break;
	case ARGP_KEY_ARG:
		if (!known_name(arg) && parse_u64(arg, &v))
			argp_error(state, "'%s': not an address nor one of stack, heap, "
				   "code, data, vdso, vmlab, vmlab-ro, vmlab-none", arg);
		if (a->n >= WALK_MAX)
			argp_error(state, "at most %d addresses", WALK_MAX);
		a->addr[a->n++] = arg;
		break;
	case ARGP_KEY_END:
		if (!a->n) {
			a->addr[a->n++] = "stack";
			a->addr[a->n++] = "heap";
			a->addr[a->n++] = "code";
			a->addr[a->n++] = "vmlab";
		}
		break;
	default:
		return cli_key(key, arg, state);
	}
	return 0;
}

static int walk_data_var = 1;	/* in .data, written below */

/* The /proc/self/maps line holding @addr: its path or [name], or "" */
static void region_of(uint64_t addr, char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	snprintf(buf, len, "unmapped");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int off = 0;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms,
			   &off) < 3)
			continue;
		if (addr < lo || addr >= hi)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, len, "%s %s", perms, off ? line + off : "");
		/* an anonymous region has no name: say so */
		if (buf[strlen(buf) - 1] == ' ')
			snprintf(buf, len, "%s anonymous", perms);
		break;
	}
	fclose(f);
}

/* The index an address has at @level, computed from its bits */
static const char *leaf_size(unsigned int leaf)
{
	return leaf == VMLAB_PUD ? "1 GiB" : leaf == VMLAB_PMD ? "2 MiB" : "4 KiB";
}

static void print_walk(const char *name, const struct vmlab_walk *w,
		       const struct vmlab_info *info)
{
	unsigned int l, levels = info->pgtable_levels, depth = w->depth;
	bool pfn = info->flags & VMLAB_INFO_PFN_VISIBLE;
	char region[256], flags[64];

	if (depth > VMLAB_LEVELS)
		depth = VMLAB_LEVELS;
	region_of(w->addr, region, sizeof(region));
	printf("%s 0x%016llx  (%s)\n", name, w->addr, region);
	printf("  address bits ");
	for (l = 0; l < VMLAB_LEVELS; l++) {
		if (level_folded(l, levels))
			continue;
		printf("%s %u | ", level_name(l), level_index(w->addr, l, levels));
	}
	printf("offset 0x%03llx\n", w->addr & (info->page_size - 1));
	printf("  %-5s %5s  %-18s  %-19s  %s\n", "level", "index", "entry",
	       "flags", "frame");
	for (l = 0; l < depth; l++) {
		uint64_t e = w->entry[l];
		bool leaf = l == depth - 1 && (w->flags & VMLAB_WALK_MAPPED);

		if (level_folded(l, levels)) {
			printf("  %-5s %5s  (folded into the PGD: %u-level paging)\n",
			       level_name(l), "-", levels);
			continue;
		}
		printf("  %-5s %5u  0x%016" PRIx64 "  %-19s  ", level_name(l),
		       w->index[l], e, pte_flags_str(e, l, flags, sizeof(flags)));
		if (!(e & VMLAB_PTE_P))
			printf("(not present)");
		else if (pfn)
			printf("0x%" PRIx64 " %s", pte_frame(e, l),
			       leaf ? "(page)" : "(table)");
		else
			printf("hidden");
		if (w->index[l] != level_index(w->addr, l, levels))
			printf("  [index != %u from the address bits]",
			       level_index(w->addr, l, levels));
		printf("\n");
	}
	if (w->flags & VMLAB_WALK_MAPPED) {
		printf("  -> mapped by the %s entry, a %s page", level_name(depth - 1),
		       leaf_size(depth - 1));
		if (pfn)
			printf(": frame 0x%llx, physical address 0x%llx\n",
			       w->pfn, w->phys);
		else
			printf(": frame hidden (needs CAP_SYS_ADMIN)\n");
	} else if (depth) {
		printf("  -> not mapped: the %s entry is not present\n",
		       level_name(depth - 1));
	} else {
		printf("  -> not mapped: no page table reached\n");
	}
}

static void json_walk(struct jw *jw, const char *name, const struct vmlab_walk *w,
		      const struct vmlab_info *info)
{
	unsigned int l, levels = info->pgtable_levels, depth = w->depth;
	bool pfn = info->flags & VMLAB_INFO_PFN_VISIBLE;
	char region[256];

	if (depth > VMLAB_LEVELS)
		depth = VMLAB_LEVELS;
	region_of(w->addr, region, sizeof(region));
	jw_obj(jw, NULL);
	jw_str(jw, "name", name);
	jw_hex(jw, "addr", w->addr);
	jw_str(jw, "region", region);
	jw_bool(jw, "mapped", w->flags & VMLAB_WALK_MAPPED);
	jw_bool(jw, "huge", w->flags & VMLAB_WALK_HUGE);
	jw_u64(jw, "depth", w->depth);
	if (pfn && (w->flags & VMLAB_WALK_MAPPED)) {
		jw_u64(jw, "pfn", w->pfn);
		jw_hex(jw, "phys", w->phys);
	} else {
		jw_null(jw, "pfn");
		jw_null(jw, "phys");
	}
	jw_arr(jw, "levels");
	for (l = 0; l < depth; l++) {
		uint64_t e = w->entry[l];

		jw_obj(jw, NULL);
		jw_str(jw, "level", level_name(l));
		jw_bool(jw, "folded", level_folded(l, levels));
		jw_u64(jw, "index", w->index[l]);
		jw_u64(jw, "address_index", level_index(w->addr, l, levels));
		jw_hex(jw, "entry", e);
		jw_bool(jw, "present", e & VMLAB_PTE_P);
		pte_flags_json(jw, "flags", e, l);
		if (pfn && (e & VMLAB_PTE_P))
			jw_u64(jw, "frame", pte_frame(e, l));
		else
			jw_null(jw, "frame");
		jw_end(jw);
	}
	jw_end(jw);
	jw_end(jw);
}

int cmd_walk(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(walk_opts, walk_parse,
						   "[ADDR...]", walk_doc);
	struct walk_args args = { .n = 0 };
	volatile unsigned char stack_var = 1;
	struct vmlab_info info;
	struct vmlab_walk w;
	unsigned char *heap, *map;
	size_t maplen;
	struct jw jw;
	int fd, i, ret = 0;

	sub_argp_parse(&argp, "walk", argc, argv, &args);

	fd = vmlab_open_info(O_RDWR, &info);
	if (fd < 0)
		return 1;
	maplen = (size_t)WALK_MAP_PAGES * info.page_size;
	map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err_errno("mmap " VMLAB_DEV);
		close(fd);
		return 1;
	}
	heap = malloc(info.page_size);
	if (!heap) {
		err_errno("malloc");
		ret = 1;
		goto out;
	}
	memset(heap, 1, info.page_size);
	walk_data_var++;
	touch_page(map, ACCESS_WRITE);
	touch_page(map + info.page_size, ACCESS_READ);

	if (opt_json) {
		jw_init(&jw, stdout);
		jw_obj(&jw, NULL);
		jw_u64(&jw, "pid", getpid());
		jw_u64(&jw, "pgtable_levels", info.pgtable_levels);
		jw_u64(&jw, "page_size", info.page_size);
		jw_bool(&jw, "pfn_visible", info.flags & VMLAB_INFO_PFN_VISIBLE);
		jw_arr(&jw, "walks");
	} else {
		printf("Page-table walk of pid %d: %u-level paging, %u-byte pages, "
		       "frames %s\n", getpid(), info.pgtable_levels, info.page_size,
		       info.flags & VMLAB_INFO_PFN_VISIBLE ? "visible" :
		       "hidden (no CAP_SYS_ADMIN)");
		printf("frame: of the next table, or of the page at the leaf\n");
	}
	for (i = 0; i < args.n; i++) {
		const char *name = args.addr[i];
		uint64_t addr = 0;

		if (!strcmp(name, "stack"))
			addr = (uintptr_t)&stack_var;
		else if (!strcmp(name, "heap"))
			addr = (uintptr_t)heap;
		else if (!strcmp(name, "code"))
			addr = (uintptr_t)&cmd_walk;
		else if (!strcmp(name, "data"))
			addr = (uintptr_t)&walk_data_var;
		else if (!strcmp(name, "vdso"))
			addr = getauxval(AT_SYSINFO_EHDR);
		else if (!strcmp(name, "vmlab"))
			addr = (uintptr_t)map;
		else if (!strcmp(name, "vmlab-ro"))
			addr = (uintptr_t)map + info.page_size;
		else if (!strcmp(name, "vmlab-none"))
			addr = (uintptr_t)map + 2 * info.page_size;
		else
			parse_u64(name, &addr);	/* checked by walk_parse */

		if (vmlab_walk(fd, addr, &w)) {
			ret = 1;
			break;
		}
		if (opt_json) {
			json_walk(&jw, name, &w, &info);
		} else {
			printf("\n");
			print_walk(name, &w, &info);
		}
	}
	if (opt_json)
		jw_finish(&jw);
	free(heap);
out:
	munmap(map, maplen);
	close(fd);
	return ret;
}
