// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab info`: the loaded module (version, ABI, page size,
 * limits, paging levels, whether this opener sees PFNs) and the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "json.h"
#include "util.h"

static const char info_doc[] =
"Show the loaded vmlab module: its version and ABI version, the page size,\n"
"the limits set by its parameters, the paging levels of this kernel and\n"
"whether this opener sees page frame numbers (CAP_SYS_ADMIN).\n"
"\n"
"EXAMPLES:\n"
"  vmlab info\n"
"  vmlab info --json\n";

static error_t info_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	default:
		return cli_key(key, arg, state);
	}
	return 0;
}

int cmd_info(int argc, char **argv)
{
	static const struct argp argp = CLI_ARGP(cli_json_opts, info_parse,
						   NULL, info_doc);
	struct vmlab_info info;
	char version[64], b1[32];
	struct stat st;
	bool pfn, la57;
	int fd, err;

	sub_argp_parse(&argp, "info", argc, argv, NULL);

	if (stat(VMLAB_DEV, &st))
		return err_errno(VMLAB_DEV);
	err = vmlab_module_version(version, sizeof(version));
	if (err)
		snprintf(version, sizeof(version), "unknown (%s)", strerror(-err));
	fd = vmlab_open(O_RDONLY);
	if (fd < 0)
		return 1;
	if (vmlab_get_info(fd, &info)) {
		close(fd);
		return 1;
	}
	close(fd);
	pfn = info.flags & VMLAB_INFO_PFN_VISIBLE;
	la57 = info.flags & VMLAB_INFO_LA57;

	if (opt_json) {
		struct jw w;

		jw_init(&w, stdout);
		jw_obj(&w, NULL);
		jw_str(&w, "module_version", version);
		jw_u64(&w, "abi_version", info.abi_version);
		jw_u64(&w, "tool_abi_version", VMLAB_ABI_VERSION);
		jw_str(&w, "device", VMLAB_DEV);
		jw_u64(&w, "major", major(st.st_rdev));
		jw_u64(&w, "minor", minor(st.st_rdev));
		jw_u64(&w, "mode", st.st_mode & 07777);
		jw_u64(&w, "page_size", info.page_size);
		jw_u64(&w, "pgtable_levels", info.pgtable_levels);
		jw_bool(&w, "la57", la57);
		jw_bool(&w, "pfn_visible", pfn);
		jw_bool(&w, "clock_flush", info.flags & VMLAB_INFO_TLB_FLUSH);
		jw_u64(&w, "max_region_size", info.max_region_size);
		jw_u64(&w, "max_pages", info.max_pages);
		jw_u64(&w, "max_ring_records", info.max_ring_records);
		jw_u64(&w, "record_size", info.record_size);
		jw_u64(&w, "instance_id", info.instance_id);
		jw_u64(&w, "flags", info.flags);
		jw_finish(&w);
	} else {
		printf("module version    %s\n", version);
		printf("ABI version       %u%s\n", info.abi_version,
		       info.abi_version == VMLAB_ABI_VERSION ? "" :
		       " (this tool speaks another: expect errors)");
		printf("device            %s (%u:%u, mode %04o)\n", VMLAB_DEV,
		       major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
		printf("page size         %u bytes\n", info.page_size);
		printf("paging levels     %u (%s)\n", info.pgtable_levels,
		       info.pgtable_levels >= 5 ? "PGD P4D PUD PMD PTE: LA57 on" :
		       "PGD PUD PMD PTE: P4D folded into PGD");
		printf("max region size   %s (%llu pages; max_region_mb)\n",
		       fmt_bytes(info.max_region_size, b1, sizeof(b1)),
		       info.page_size ? info.max_region_size / info.page_size : 0);
		printf("max pages         %llu resident, all instances (%s)\n",
		       info.max_pages,
		       fmt_bytes(info.max_pages * info.page_size, b1, sizeof(b1)));
		printf("max ring records  %u\n", info.max_ring_records);
		printf("record size       %u bytes%s\n", info.record_size,
		       info.record_size == sizeof(struct vmlab_event) ? "" :
		       " (this tool expects another size)");
		printf("PFNs visible      %s\n", pfn ? "yes (CAP_SYS_ADMIN)" :
		       "no: frames read as 0 without CAP_SYS_ADMIN");
		printf("clock TLB flush   %s\n", info.flags & VMLAB_INFO_TLB_FLUSH ?
		       "available (--clock-flush)" :
		       "no: this kernel exports no TLB flush to modules");
		printf("instance id       %u (this open(); gone at exit)\n",
		       info.instance_id);
	}
	return vmlab_info_check(&info) ? 1 : 0;
}
