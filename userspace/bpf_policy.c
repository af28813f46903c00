// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - replacement policies written in BPF.  The object's
 * struct_ops map (of type struct vmlab_policy_ops, in ".struct_ops.link")
 * is loaded and attached with libbpf 1.4 or later, which finds the type in
 * the module's BTF (Debian 12's libbpf 1.1 looks in vmlinux's only); the
 * link registers the ops, and closing it - or the tool's exit - takes it
 * away again.  VMLAB_SET_BPF_POLICY then selects it by its name.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include <bpf/libbpf.h>

#include "bpf_policy.h"
#include "util.h"

bool bpf_policy_is_file(const char *arg)
{
	size_t n = strlen(arg);

	return strchr(arg, '/') || (n > 2 && !strcmp(arg + n - 2, ".o"));
}

/* The object's one struct_ops map, or NULL */
static struct bpf_map *bpf_policy_map(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			return map;
	return NULL;
}

int bpf_policy_load(const char *path, struct bpf_policy *p)
{
	const struct vmlab_policy_ops *ops;
	struct bpf_map *map;
	size_t size;
	int err;

	memset(p, 0, sizeof(*p));
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj) {
		err_msg("--policy bpf:%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	map = bpf_policy_map(p->obj);
	ops = map ? bpf_map__initial_value(map, &size) : NULL;
	if (!ops || size < sizeof(*ops)) {
		err_msg("--policy bpf:%s: no struct vmlab_policy_ops in it", path);
		goto close;
	}
	memcpy(p->name, ops->name, sizeof(p->name));
	p->name[sizeof(p->name) - 1] = '\0';
	err = bpf_object__load(p->obj);
	if (err) {
		err_msg("--policy bpf:%s: cannot load: %s%s", path, strerror(-err),
			err == -ENOTSUP || err == -EOPNOTSUPP ?
			" (no vmlab_policy_ops in this kernel: is vmlab loaded, "
			"with BTF?)" : " (the verifier's log is above)");
		goto close;
	}
	p->link = bpf_map__attach_struct_ops(map);
	if (!p->link) {
		err = errno;
		err_msg("--policy bpf:%s: cannot register '%s': %s%s", path,
			p->name, strerror(err), err == EEXIST ?
			" (an ops of that name is registered already)" : "");
		goto close;
	}
	return 0;

close:
	bpf_object__close(p->obj);
	p->obj = NULL;
	return -1;
}

void bpf_policy_close(struct bpf_policy *p)
{
	bpf_link__destroy(p->link);
	bpf_object__close(p->obj);
	p->link = NULL;
	p->obj = NULL;
}

int bpf_policy_select(int fd, const struct vmlab_info *info, const char *name)
{
	struct vmlab_bpf_policy bp = {
		.size = sizeof(bp),
		.name = (uintptr_t)name,
	};

	if (!(info->flags & VMLAB_INFO_BPF_POLICY)) {
		err_msg("--policy bpf: this kernel cannot run BPF policies: they "
			"need " BPF_POLICY_KERNELS);
		return -1;
	}
	if (!ioctl(fd, VMLAB_SET_BPF_POLICY, &bp))
		return 0;
	switch (errno) {
	case EPROTONOSUPPORT:
		err_msg("--policy bpf: this kernel cannot run BPF policies: they "
			"need " BPF_POLICY_KERNELS);
		break;
	case ENOENT:
		err_msg("--policy bpf:%s: no BPF policy of that name is "
			"registered (bpftool struct_ops register FILE.bpf.o, or "
			"--policy bpf:FILE.bpf.o)", name);
		break;
	case EBUSY:
		err_msg("--policy bpf:%s: that policy runs another instance; "
			"register another copy", name);
		break;
	default:
		err_msg("--policy bpf:%s: VMLAB_SET_BPF_POLICY: %s", name,
			strerror(errno));
		break;
	}
	return -1;
}
