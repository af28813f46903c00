// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - `vmlab bench policy`: what a replacement policy written in
 * BPF costs a fault, against the same policy built into the module, paired
 * in one boot.  Each round runs the same reference string (random, no page
 * twice in a row, so both policies see the same references) once under
 * each, in alternating order, on a fresh instance with the same budget and
 * software TLB; the per-fault time is the touching loop's time over its
 * faults.  The report gives each round's and the median ratio, and both
 * runs' misses, which must agree for the ratio to compare like with like.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpf_policy.h"
#include "cli.h"
#include "device.h"
#include "json.h"
#include "names.h"
#include "util.h"

struct pbench {
	const char *object;	/* the BPF policy's object */
	uint32_t policy;	/* its built-in twin */
	uint64_t pages, frames, refs;
	uint32_t window, rounds;
	uint64_t seed;
	uint64_t *ref;
	struct bpf_policy bpf;
	double *ns[2];		/* per fault, by round: built in, BPF */
	uint64_t misses[2];
};

enum {
	OPT_BPF = 0x100,
	OPT_POLICY,
	OPT_PAGES,
	OPT_FRAMES,
	OPT_REFS,
	OPT_WINDOW,
	OPT_ROUNDS,
};

static const struct argp_option policy_opts[] = {
	{ "bpf", OPT_BPF, "FILE", 0, "The BPF policy's object (required)", 0 },
	{ "policy", OPT_POLICY, "POLICY", 0,
	  "Its built-in twin (default sieve)", 0 },
	{ "pages", OPT_PAGES, "N", 0, "Pages of the region (default 256)", 0 },
	{ "frames", OPT_FRAMES, "F", 0, "Frame budget (default 64)", 0 },
	{ "refs", OPT_REFS, "R", 0, "References a run (default 4000)", 0 },
	{ "software-tlb", OPT_WINDOW, "W", 0,
	  "Software TLB in pages (default 1: every reference is seen)", 0 },
	{ "rounds", OPT_ROUNDS, "K", 0, "Pairs of runs (default 5)", 0 },
	CLI_OPT_JSON(0),
	{ 0 }
};

static error_t policy_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct pbench *b = state->input;
	int p;

	switch (key) {
	case OPT_BPF:
		b->object = arg;
		break;
	case OPT_POLICY:
		p = policy_parse(arg);
		if (p < 0 || p == VMLAB_POLICY_BPF)
			argp_error(state, "--policy '%s': not a built-in policy", arg);
		b->policy = p;
		break;
	case OPT_PAGES:
		b->pages = arg_u64(state, "--pages", arg, 2, 1 << 20);
		break;
	case OPT_FRAMES:
		b->frames = arg_u64(state, "--frames", arg, 1, 1 << 20);
		break;
	case OPT_REFS:
		b->refs = arg_u64(state, "--refs", arg, 1, 1 << 26);
		break;
	case OPT_WINDOW:
		b->window = arg_u64(state, "--software-tlb", arg, 0, 1 << 20);
		break;
	case OPT_ROUNDS:
		b->rounds = arg_u64(state, "--rounds", arg, 1, 1000);
		break;
	case ARGP_KEY_END:
		if (!b->object)
			argp_error(state, "--bpf FILE.bpf.o is required");
		if (b->frames >= b->pages)
			argp_error(state, "--frames must be less than --pages");
		if (policy_needs_window(b->policy) && !b->window)
			argp_error(state, "--policy %s needs --software-tlb W",
				   policy_name(b->policy));
		break;
	default:
		return cli_key(key, arg, state);
	}
	return 0;
}

/* One run: @bpf or the built-in policy; its ns per fault and misses */
static int one_run(struct pbench *b, const struct vmlab_info *info, bool bpf,
		   double *ns, uint64_t *misses)
{
	size_t len = b->pages * info->page_size;
	struct vmlab_config cfg;
	struct vmlab_stats st;
	unsigned char *map;
	uint64_t i, t0, t;
	int fd, ret = -1;

	fd = vmlab_open(O_RDWR);
	if (fd < 0)
		return -1;
	if (vmlab_get_config(fd, &cfg))
		goto out;
	cfg.region_size = len;
	cfg.frames = b->frames;
	cfg.tlb_window = b->window;
	cfg.policy = bpf ? VMLAB_POLICY_FIFO : b->policy;
	if (vmlab_set_config(fd, &cfg))
		goto out;
	if (bpf && bpf_policy_select(fd, info, b->bpf.name))
		goto out;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err_errno("mmap " VMLAB_DEV);
		goto out;
	}
	t0 = now_ns();
	for (i = 0; i < b->refs; i++)
		(void)*(volatile unsigned char *)(map + b->ref[i] * info->page_size);
	t = now_ns() - t0;
	munmap(map, len);
	if (vmlab_get_stats(fd, &st))
		goto out;
	*ns = st.faults ? (double)t / st.faults : 0;
	*misses = st.faults_zero + st.faults_swapin;
	ret = 0;
out:
	close(fd);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void report(struct pbench *b)
{
	double *ratio = calloc(b->rounds, sizeof(*ratio)), nb, nk, r;
	unsigned int i;

	if (!ratio)
		return;
	for (i = 0; i < b->rounds; i++)
		ratio[i] = b->ns[0][i] ? b->ns[1][i] / b->ns[0][i] : 0;
	r = median(ratio, b->rounds);
	nk = median(b->ns[0], b->rounds);
	nb = median(b->ns[1], b->rounds);
	if (opt_json) {
		struct jw w;

		jw_init(&w, stdout);
		jw_obj(&w, NULL);
		jw_str(&w, "policy", policy_name(b->policy));
		jw_str(&w, "bpf", b->bpf.name);
		jw_u64(&w, "pages", b->pages);
		jw_u64(&w, "frames", b->frames);
		jw_u64(&w, "refs", b->refs);
		jw_u64(&w, "rounds", b->rounds);
		jw_u64(&w, "misses_builtin", b->misses[0]);
		jw_u64(&w, "misses_bpf", b->misses[1]);
		jw_dbl(&w, "ns_per_fault_builtin", nk);
		jw_dbl(&w, "ns_per_fault_bpf", nb);
		jw_dbl(&w, "ratio", r);
		jw_end(&w);
		jw_finish(&w);
	} else {
		printf("bench policy: %s built in vs BPF '%s', %" PRIu64 " pages, "
		       "%" PRIu64 " frames, %" PRIu64 " references, %u rounds\n",
		       policy_name(b->policy), b->bpf.name, b->pages, b->frames,
		       b->refs, b->rounds);
		printf("misses      built in %" PRIu64 ", BPF %" PRIu64 "%s\n",
		       b->misses[0], b->misses[1],
		       b->misses[0] == b->misses[1] ? "" : " (they differ: not the same policy)");
		printf("per fault   built in %.0f ns, BPF %.0f ns (medians)\n", nk, nb);
		printf("ratio       BPF / built in %.3f (median of the rounds')\n", r);
	}
	free(ratio);
}

int cmd_bench_policy(int argc, char **argv)
{
	static const char doc[] =
		"The per-fault cost of a replacement policy written in BPF against "
		"its built-in twin, paired in one boot (needs Linux 6.9+).";
	static const struct argp argp = CLI_ARGP(policy_opts, policy_parse_opt,
						   NULL, doc);
	struct pbench b = {
		.policy = VMLAB_POLICY_SIEVE, .pages = 256, .frames = 64,
		.refs = 4000, .window = 1, .rounds = 5, .seed = 1,
	};
	struct vmlab_info info;
	unsigned int r;
	uint64_t i;
	int fd, ret = 1;

	sub_argp_parse(&argp, "bench policy", argc, argv, &b);
	fd = vmlab_open_info(O_RDWR, &info);
	if (fd < 0)
		return 1;
	close(fd);
	if (!(info.flags & VMLAB_INFO_BPF_POLICY)) {
		err_msg("bench policy: this kernel cannot run BPF policies: they "
			"need " BPF_POLICY_KERNELS);
		return 1;
	}
	b.ref = calloc(b.refs, sizeof(*b.ref));
	b.ns[0] = calloc(b.rounds, sizeof(double));
	b.ns[1] = calloc(b.rounds, sizeof(double));
	if (!b.ref || !b.ns[0] || !b.ns[1]) {
		err_msg("out of memory");
		goto out;
	}
	srandom(b.seed);
	for (i = 0; i < b.refs; i++) {
		b.ref[i] = (uint64_t)random() % b.pages;
		if (i && b.ref[i] == b.ref[i - 1])
			b.ref[i] = (b.ref[i] + 1) % b.pages;
	}
	if (bpf_policy_load(b.object, &b.bpf))
		goto out;
	for (r = 0; r < b.rounds; r++) {
		/* alternate which goes first: neither always runs warm */
		bool first = r % 2;

		if (one_run(&b, &info, first, &b.ns[first][r], &b.misses[first]) ||
		    one_run(&b, &info, !first, &b.ns[!first][r], &b.misses[!first]))
			goto out;
	}
	report(&b);
	ret = 0;
out:
	bpf_policy_close(&b.bpf);
	free(b.ref);
	free(b.ns[0]);
	free(b.ns[1]);
	return ret;
}
