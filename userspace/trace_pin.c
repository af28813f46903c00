// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab trace --pin DIR`: a session's links and maps pinned
 * in a BPF filesystem, so the counting programs stay attached after the
 * command exits (bpftool reads them); --unpin removes them.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "trace_pin.h"
#include "util.h"
#include "vmlab.skel.h"

#define BPF_FS_MAGIC		0xcafe4a11

static const char *const pinned_maps[] = { "counts", "hists", "procs" };

static int on_bpffs(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == BPF_FS_MAGIC;
}

static int parent_on_bpffs(const char *dir)
{
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	while ((slash = strrchr(parent, '/')) && slash[1] == '\0' && slash != parent)
		*slash = '\0';
	slash = strrchr(parent, '/');
	if (!slash)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	return on_bpffs(parent);
}

int trace_pin(struct trace_session *s, const char *dir)
{
	struct bpf_object_skeleton *sk = s->skel->skeleton;
	char path[PATH_MAX];
	size_t i;
	int n;

	if (!parent_on_bpffs(dir))
		return err_msg("--pin %s: not in a BPF filesystem (mount -t bpf "
			       "bpf /sys/fs/bpf)", dir);
	if (mkdir(dir, 0700))
		return err_errno(dir);
	for (i = 0; i < ARRAY_SIZE(pinned_maps); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(s->skel->obj,
								 pinned_maps[i]);

		snprintf(path, sizeof(path), "%s/%s", dir, pinned_maps[i]);
		if (!m || bpf_map__pin(m, path))
			goto fail;
	}
	for (n = 0; n < sk->prog_cnt; n++) {
		struct bpf_link *l = *sk->progs[n].link;

		if (!l)
			continue;
		snprintf(path, sizeof(path), "%s/link_%s", dir, sk->progs[n].name);
		if (bpf_link__pin(l, path))
			goto fail;
	}
	return 0;
fail:
	err_errno(path);
	trace_unpin(dir);
	return 1;
}

int trace_unpin(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *d;
	int ret = 0;
	size_t i;
	DIR *dp;

	if (!on_bpffs(dir))
		return access(dir, F_OK) ? err_errno(dir) :
		       err_msg("--unpin %s: not in a BPF filesystem", dir);
	dp = opendir(dir);
	if (!dp)
		return err_errno(dir);
	/* only what trace_pin() makes: DIR may not be ours alone */
	while ((d = readdir(dp))) {
		bool ours = !strncmp(d->d_name, "link_", 5);

		for (i = 0; i < ARRAY_SIZE(pinned_maps); i++)
			ours = ours || !strcmp(d->d_name, pinned_maps[i]);
		if (!ours)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (unlink(path))
			ret = err_errno(path);
	}
	closedir(dp);
	if (rmdir(dir))
		ret = err_errno(dir);
	return ret;
}
