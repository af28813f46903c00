// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - run virtual-memory experiments on /dev/vmlab and report them.
 */
#include <argp.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/vmlab.h>

#define VMLAB_DEV "/dev/vmlab"

const char *argp_program_version = "vmlab 0.1.0";
const char *argp_program_bug_address = "<vmlab developers>";

static bool json;

static const char doc[] =
"vmlab -- run virtual-memory experiments on /dev/vmlab and report them.\n"
"\n"
"Commands:\n"
"  info      the module's version and the device\n"
"\n"
"EXAMPLES:\n"
"  vmlab info          # is the module loaded, which version\n"
"  vmlab -j info       # the same as JSON\n";

static const struct argp_option opts[] = {
	{ "json", 'j', NULL, 0, "Print JSON instead of text", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'j':
		json = true;
		break;
	case ARGP_KEY_ARG:
		/* the command and its arguments are handled by the caller */
		return ARGP_ERR_UNKNOWN;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int cmd_info(void)
{
	char version[64];
	struct stat st;
	int err;

	err = read_line("/sys/module/vmlab/version", version, sizeof(version));
	if (err) {
		fprintf(stderr, "vmlab: module not loaded (/sys/module/vmlab: %s)\n",
			strerror(-err));
		return 1;
	}
	if (stat(VMLAB_DEV, &st)) {
		fprintf(stderr, "vmlab: %s: %s\n", VMLAB_DEV, strerror(errno));
		return 1;
	}
	if (json) {
		printf("{\"module_version\":\"%s\",\"abi_version\":%d,"
		       "\"device\":\"%s\",\"major\":%u,\"minor\":%u,\"mode\":\"%04o\"}\n",
		       version, VMLAB_ABI_VERSION, VMLAB_DEV, major(st.st_rdev),
		       minor(st.st_rdev), st.st_mode & 07777);
		return 0;
	}
	printf("module version  %s\n", version);
	printf("ABI version     %d\n", VMLAB_ABI_VERSION);
	printf("device          %s (%u:%u, mode %04o)\n", VMLAB_DEV,
	       major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.args_doc = "COMMAND [ARGS...]",
		.doc = doc,
	};
	int idx;

	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, &idx, NULL))
		return 1;
	if (idx >= argc) {
		fprintf(stderr, "vmlab: no command given; try 'vmlab --help'\n");
		return 1;
	}
	if (!strcmp(argv[idx], "info"))
		return cmd_info();
	fprintf(stderr, "vmlab: unknown command '%s'; try 'vmlab --help'\n", argv[idx]);
	return 1;
}
