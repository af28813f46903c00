/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - replacement policies written in BPF (VMLAB_POLICY_BPF):
 * load and register a struct vmlab_policy_ops from an object file, and
 * select a registered one by name for an instance.
 */
#ifndef _VMLAB_BPF_POLICY_H
#define _VMLAB_BPF_POLICY_H

#include <stdbool.h>

#include <linux/vmlab.h>

struct bpf_object;
struct bpf_link;

/* An ops this tool registered; it goes when the tool closes it (or exits). */
struct bpf_policy {
	struct bpf_object *obj;
	struct bpf_link *link;
	char name[VMLAB_BPF_NAME_LEN];	/* the ops' name */
};

/* The kernels that run BPF policies, for messages */
#define BPF_POLICY_KERNELS \
	"Linux 6.9 or later with BTF for modules (Debian's 6.12 and newer)"

/*
 * --policy bpf:ARG names an object file to load (it ends in .o or holds a
 * '/'), else the name of an ops registered already (bpftool struct_ops
 * register).
 */
bool bpf_policy_is_file(const char *arg);
/* Load @path's struct_ops and register it: 0, or -1 with a message. */
int bpf_policy_load(const char *path, struct bpf_policy *p);
void bpf_policy_close(struct bpf_policy *p);
/*
 * Make the registered ops @name instance @fd's policy (@info: the
 * instance's, to say why a kernel cannot): 0, or -1 with a message.
 */
int bpf_policy_select(int fd, const struct vmlab_info *info, const char *name);

#endif /* _VMLAB_BPF_POLICY_H */
