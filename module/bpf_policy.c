// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab - replacement policies written in BPF: the struct_ops type
 * vmlab_policy_ops (include/uapi/linux/vmlab.h), which the module registers
 * with the kernel where the kernel lets a module register one (6.9+, with
 * module BTF; compat.h), the ops registered under it, and the calls
 * policy.c makes into the ops an instance runs (VMLAB_POLICY_BPF).
 *
 * Locks: vmlab_bpf_lock guards the registry and which instance each ops
 * serves; it is taken before an instance lock, never under one (instance.c's
 * lock order).  An instance's ops (inst->bpf) changes with both held, so
 * either one keeps it.  The callbacks run under the instance lock, from a
 * fault, the page daemon or an ioctl.  unreg() takes vmlab_bpf_lock and the
 * lock of the instance the ops serves, and lets the instance go on under
 * FIFO: once it returns the module calls the ops no more, and the kernel
 * frees its programs after that.  Each ops map holds a reference on the
 * module (the kernel takes it for a struct_ops type of a module's BTF), so
 * the module cannot go while an ops can be called.
 *
 * Nothing a program returns is trusted: the victim must be a resident page
 * in the policy (vmlab_frame.bpf_listed: given to the ops with resident()
 * and not taken back with leaving()), not one being written out; else FIFO
 * chooses.  Programs may not sleep (check_member()): one that could fault
 * on vmlab memory would wait for the instance lock it runs under.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "vmlab.h"

#ifdef VMLAB_HAVE_BPF_POLICY
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>

/* An ops registered under vmlab_policy_ops. */
struct vmlab_bpf_ops {
	struct list_head node;		/* on vmlab_bpf_registry */
	struct vmlab_policy_ops *ops;	/* the kernel's copy (kdata) */
	struct vmlab_instance *inst;	/* the instance it serves, or NULL */
};

static DEFINE_MUTEX(vmlab_bpf_lock);
static LIST_HEAD(vmlab_bpf_registry);
static bool vmlab_bpf_ready;		/* the type is registered */

bool vmlab_bpf_policy_available(void)
{
	return READ_ONCE(vmlab_bpf_ready);
}

/* A name is 1 to VMLAB_BPF_NAME_LEN - 1 letters, digits or '_'. */
static bool vmlab_bpf_name_valid(const char *name)
{
	size_t i, len = strnlen(name, VMLAB_BPF_NAME_LEN);

	if (!len || len == VMLAB_BPF_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && name[i] != '_')
			return false;
	return true;
}

static struct vmlab_bpf_ops *vmlab_bpf_find(const char *name)
{
	struct vmlab_bpf_ops *b;

	lockdep_assert_held(&vmlab_bpf_lock);
	list_for_each_entry(b, &vmlab_bpf_registry, node)
		if (!strcmp(b->ops->name, name))
			return b;
	return NULL;
}

/* What the callbacks see of @inst, brought up to date for a call */
static struct vmlab_policy_ctx *vmlab_bpf_ctx(struct vmlab_instance *inst)
{
	struct vmlab_policy_ctx *ctx = &inst->bpf_ctx;

	ctx->id = inst->id;
	ctx->frames = inst->frames;
	ctx->nr_pages = READ_ONCE(inst->nr_pages);
	ctx->resident = atomic64_read(&inst->nr_resident);
	ctx->vtime = atomic64_read(&inst->vtime);
	return ctx;
}

/* ---------------------------------------------- the calls policy.c makes */

/* @f became resident (or was kept): the ops' newest page. */
void vmlab_bpf_policy_add(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	struct vmlab_bpf_ops *b = inst->bpf;

	lockdep_assert_held(&inst->lock);
	if (!b || f->bpf_listed)
		return;
	f->bpf_listed = true;
	if (b->ops->resident)
		b->ops->resident(vmlab_bpf_ctx(inst), f->pgoff);
}

/* @f leaves the policy: a victim, forced out, or being written. */
void vmlab_bpf_policy_remove(struct vmlab_instance *inst, struct vmlab_frame *f)
{
	struct vmlab_bpf_ops *b = inst->bpf;

	lockdep_assert_held(&inst->lock);
	if (!b || !f->bpf_listed)
		return;
	f->bpf_listed = false;
	if (b->ops->leaving)
		b->ops->leaving(vmlab_bpf_ctx(inst), f->pgoff);
}

/* A reference to @f: a fault, an upgrade, or a sampled accessed bit. */
void vmlab_bpf_policy_touch(struct vmlab_instance *inst, struct vmlab_frame *f,
			    u32 flags)
{
	struct vmlab_bpf_ops *b = inst->bpf;

	lockdep_assert_held(&inst->lock);
	if (b && f->bpf_listed && b->ops->reference)
		b->ops->reference(vmlab_bpf_ctx(inst), f->pgoff, flags);
}

/*
 * Does anyone besides the instance and the page's mappings hold @f's page:
 * a pin, a reference from get_user_pages() (evict.c's vmlab_page_pinned()
 * tells for sure once the page is unmapped), or a fault between the
 * instance lock and its PTE?  Such a victim would be kept.
 */
static bool vmlab_bpf_held(struct vmlab_frame *f)
{
	struct folio *folio = page_folio(f->page);

	return folio_maybe_dma_pinned(folio) ||
	       folio_ref_count(folio) > 1 + folio_mapcount(folio);
}

/*
 * The ops' victim, if it is one: resident, in the policy, not being
 * written, not held.  NULL (counted) when it named none or one it may not have:
 * policy.c's FIFO chooses then.  One call per victim: a program that never
 * names one costs one call.
 */
struct vmlab_frame *vmlab_bpf_policy_choose(struct vmlab_instance *inst)
{
	struct vmlab_bpf_ops *b = inst->bpf;
	struct vmlab_frame *f = NULL;
	u64 pgoff;

	lockdep_assert_held(&inst->lock);
	if (!b || !b->ops->choose)
		return NULL;
	pgoff = b->ops->choose(vmlab_bpf_ctx(inst));
	if (pgoff == VMLAB_BPF_NO_VICTIM) {
		vmlab_count(inst, VMLAB_CNT_BPF_NO_VICTIM);
		return NULL;
	}
	if (pgoff < READ_ONCE(inst->nr_pages))
		f = xa_load(&inst->pages, pgoff);
	if (!f || !f->bpf_listed || vmlab_frame_writing(f) || vmlab_bpf_held(f)) {
		vmlab_count(inst, VMLAB_CNT_BPF_REFUSED);
		return NULL;
	}
	return f;
}

/* --------------------------------------------- which instance runs which */

/*
 * @inst lets its ops go, under both locks: with @tell, each page in the
 * policy leaves the ops first, so the ops can serve another instance from
 * a clean state.  The instance goes on under FIFO.
 */
static void vmlab_bpf_unbind(struct vmlab_instance *inst, bool tell)
{
	struct vmlab_bpf_ops *b = inst->bpf;
	struct vmlab_frame *f;

	lockdep_assert_held(&vmlab_bpf_lock);
	lockdep_assert_held(&inst->lock);
	list_for_each_entry(f, &inst->fifo, fifo) {
		if (tell && f->bpf_listed && b->ops->leaving)
			b->ops->leaving(vmlab_bpf_ctx(inst), f->pgoff);
		f->bpf_listed = false;
	}
	b->inst = NULL;
	WRITE_ONCE(inst->bpf, NULL);
	/* FIFO needs nothing rebuilt: load order is always kept */
	WRITE_ONCE(inst->policy, VMLAB_POLICY_FIFO);
	inst->cfg.policy = VMLAB_POLICY_FIFO;
}

/*
 * VMLAB_SET_BPF_POLICY: the ops named @name becomes @inst's policy, and
 * every resident page, oldest first, its resident pages.
 */
int vmlab_bpf_policy_set(struct vmlab_instance *inst, const char *name)
{
	struct vmlab_bpf_ops *b;
	struct vmlab_frame *f;
	int ret = 0;

	if (!vmlab_bpf_policy_available())
		return -EPROTONOSUPPORT;
	if (!vmlab_bpf_name_valid(name))
		return -EINVAL;
	mutex_lock(&vmlab_bpf_lock);
	b = vmlab_bpf_find(name);
	if (!b) {
		ret = -ENOENT;
		goto unlock_registry;
	}
	if (b->inst) {
		ret = b->inst == inst ? 0 : -EBUSY;
		goto unlock_registry;
	}
	vmlab_lock(inst);
	if (inst->bpf)
		vmlab_bpf_unbind(inst, true);
	b->inst = inst;
	WRITE_ONCE(inst->bpf, b);
	WRITE_ONCE(inst->policy, VMLAB_POLICY_BPF);
	inst->cfg.policy = VMLAB_POLICY_BPF;
	list_for_each_entry(f, &inst->fifo, fifo)
		vmlab_bpf_policy_add(inst, f);
	mutex_unlock(&inst->lock);
unlock_registry:
	mutex_unlock(&vmlab_bpf_lock);
	return ret;
}

/*
 * @inst lets its ops go, if it has one: a switch to another policy, or the
 * instance's end.  Holds no instance lock (vmlab_bpf_lock comes first).
 */
void vmlab_bpf_policy_release(struct vmlab_instance *inst)
{
	if (!READ_ONCE(inst->bpf))
		return;
	mutex_lock(&vmlab_bpf_lock);
	vmlab_lock(inst);
	if (inst->bpf)
		vmlab_bpf_unbind(inst, true);
	mutex_unlock(&inst->lock);
	mutex_unlock(&vmlab_bpf_lock);
}

/* ------------------------------------------------------ the struct_ops */

static int vmlab_bpf_reg(void *kdata, struct bpf_link *link)
{
	struct vmlab_policy_ops *ops = kdata;
	struct vmlab_bpf_ops *b;
	int ret = 0;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->ops = ops;
	mutex_lock(&vmlab_bpf_lock);
	if (vmlab_bpf_find(ops->name)) {
		ret = -EEXIST;
		kfree(b);
	} else {
		list_add_tail(&b->node, &vmlab_bpf_registry);
	}
	mutex_unlock(&vmlab_bpf_lock);
	return ret;
}

/*
 * The ops goes away: the instance it serves goes on under FIFO, without
 * telling the ops (it is going).  After this the module never calls it.
 */
static void vmlab_bpf_unreg(void *kdata, struct bpf_link *link)
{
	struct vmlab_bpf_ops *b, *found = NULL;
	struct vmlab_instance *inst;

	mutex_lock(&vmlab_bpf_lock);
	list_for_each_entry(b, &vmlab_bpf_registry, node) {
		if (b->ops == kdata) {
			found = b;
			break;
		}
	}
	if (found) {
		list_del(&found->node);
		inst = found->inst;
		if (inst) {
			vmlab_lock(inst);
			vmlab_bpf_unbind(inst, false);
			vmlab_count(inst, VMLAB_CNT_BPF_UNREGISTERED);
			mutex_unlock(&inst->lock);
		}
	}
	mutex_unlock(&vmlab_bpf_lock);
	kfree(found);
}

static int vmlab_bpf_init(struct btf *btf)
{
	return 0;
}

/* The one data member, the name, is checked and copied here. */
static int vmlab_bpf_init_member(const struct btf_type *t,
				 const struct btf_member *member,
				 void *kdata, const void *udata)
{
	const struct vmlab_policy_ops *uops = udata;
	struct vmlab_policy_ops *ops = kdata;

	if (__btf_member_bit_offset(t, member) / 8 !=
	    offsetof(struct vmlab_policy_ops, name))
		return 0;
	if (!vmlab_bpf_name_valid(uops->name))
		return -EINVAL;
	strscpy(ops->name, uops->name, sizeof(ops->name));
	return 1;
}

/* No sleepable program: it runs under the instance lock. */
static int vmlab_bpf_check_member(const struct btf_type *t,
				  const struct btf_member *member,
				  const struct bpf_prog *prog)
{
	return prog->sleepable ? -EINVAL : 0;
}

static const struct bpf_func_proto *
vmlab_bpf_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
}

/* The arguments, read-only: no btf_struct_access, so no write */
static bool vmlab_bpf_is_valid_access(int off, int size,
				      enum bpf_access_type type,
				      const struct bpf_prog *prog,
				      struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

static const struct bpf_verifier_ops vmlab_bpf_verifier_ops = {
	.get_func_proto		= vmlab_bpf_func_proto,
	.is_valid_access	= vmlab_bpf_is_valid_access,
};

/* The kernel's CFI stubs: one per callback, never called. */
static void vmlab_bpf_stub_resident(struct vmlab_policy_ctx *ctx, u64 pgoff)
{
}

static void vmlab_bpf_stub_reference(struct vmlab_policy_ctx *ctx, u64 pgoff,
				     u32 flags)
{
}

static void vmlab_bpf_stub_leaving(struct vmlab_policy_ctx *ctx, u64 pgoff)
{
}

static u64 vmlab_bpf_stub_choose(struct vmlab_policy_ctx *ctx)
{
	return VMLAB_BPF_NO_VICTIM;
}

static struct vmlab_policy_ops vmlab_bpf_stubs = {
	.resident	= vmlab_bpf_stub_resident,
	.reference	= vmlab_bpf_stub_reference,
	.leaving	= vmlab_bpf_stub_leaving,
	.choose		= vmlab_bpf_stub_choose,
};

/* Not const: the kernel fills in func_models when it registers it. */
static struct bpf_struct_ops vmlab_bpf_struct_ops = {
	.verifier_ops	= &vmlab_bpf_verifier_ops,
	.init		= vmlab_bpf_init,
	.check_member	= vmlab_bpf_check_member,
	.init_member	= vmlab_bpf_init_member,
	.reg		= vmlab_bpf_reg,
	.unreg		= vmlab_bpf_unreg,
	.cfi_stubs	= &vmlab_bpf_stubs,
	.owner		= THIS_MODULE,
	.name		= "vmlab_policy_ops",
};

/*
 * Register the type.  A kernel that has the call but no BTF for the module
 * refuses it: the module runs on without BPF policies.
 */
void vmlab_bpf_policy_init(void)
{
	int ret = register_bpf_struct_ops(&vmlab_bpf_struct_ops,
					  vmlab_policy_ops);

	if (ret) {
		pr_info("no BPF policies: struct_ops type not registered (%d)\n",
			ret);
		return;
	}
	WRITE_ONCE(vmlab_bpf_ready, true);
}

#else /* !VMLAB_HAVE_BPF_POLICY */

bool vmlab_bpf_policy_available(void)
{
	return false;
}

void vmlab_bpf_policy_add(struct vmlab_instance *inst, struct vmlab_frame *f)
{
}

void vmlab_bpf_policy_remove(struct vmlab_instance *inst, struct vmlab_frame *f)
{
}

void vmlab_bpf_policy_touch(struct vmlab_instance *inst, struct vmlab_frame *f,
			    u32 flags)
{
}

struct vmlab_frame *vmlab_bpf_policy_choose(struct vmlab_instance *inst)
{
	return NULL;
}

int vmlab_bpf_policy_set(struct vmlab_instance *inst, const char *name)
{
	return -EPROTONOSUPPORT;
}

void vmlab_bpf_policy_release(struct vmlab_instance *inst)
{
}

void vmlab_bpf_policy_init(void)
{
}

#endif /* VMLAB_HAVE_BPF_POLICY */
