/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verdict engine: what the kernel's module loader does with one module,
 * replayed step by step in the loader's own order (kernel/module/main.c,
 * load_module()), with the kernel's wording for every line it prints.
 *
 * The simulated kernel (struct kexport_loader) holds what the real one
 * holds between two init_module() calls: its taint mask, the printed-once
 * flags, whether lock debugging is still on, and the loaded modules.  A
 * check runs on a copy of that state; a load keeps it.
 *
 * What changed between versions is asked of rules.c (kexport_feature_on),
 * what the kernel was built with of kernel.c; this file has no version
 * numbers.
 */
#include "loader.h"

/* load_module(), in its order. */
static int simulate(struct run *r)
{
	int err;
	bool late = feature(r->l, KEXPORT_FEATURE_LATE_LICENSE_TAINT);
	if ((err = check_signature(r)) < 0)
		return err;
	if ((err = check_elf(r)) < 0)
		return err;
	if (feature(r->l, KEXPORT_FEATURE_MODULE_NAMESPACES))
		for (size_t i = 0; i < r->m->n_import_ns; i++)
			if (strncmp(r->m->import_ns[i], "module:", 7) == 0) {
				klog(r, "%s: module tries to import module namespace: %s", r->name,
				     r->m->import_ns[i]);
				problem(r, KEXPORT_REASON_NS_MODULE_IMPORT, true, NULL,
				        "import_ns=%s: module namespaces cannot be imported, only granted by "
				        "the exporter", r->m->import_ns[i]);
				return -E_PERM;
			}
	if ((err = check_layout(r)) < 0)
		return err;
	/* check_modinfo() */
	if ((err = check_vermagic(r)) < 0)
		return err;
	if (!late) {
		taint_out_of_tree(r);
		warn_retpoline(r);
		taint_staging(r);
		if ((err = check_livepatch(r, true)) < 0)
			return err;
		taint_license(r);
		taint_test(r);
	} else if ((err = check_livepatch(r, false)) < 0)
		return err;
	/* add_unformed_module() */
	if (already_loaded(r)) {
		problem(r, KEXPORT_REASON_ALREADY_LOADED, true, NULL,
		        "a module named %s is already loaded", r->name);
		return -E_EXIST;
	}
	/* P as the name rules' function finds it on entry: before this load's
	 * licence taint from 6.4, after it (check_modinfo() came first) before. */
	bool prev_p = test_taint(r, KEXPORT_TAINT_PROPRIETARY);
	if (late) {
		/* module_augment_kernel_taints() */
		taint_out_of_tree(r);
		warn_retpoline(r);
		taint_staging(r);
		check_livepatch(r, true);
		taint_license(r);
		taint_test(r);
		taint_unsigned(r);
	} else
		taint_unsigned(r);
	if ((err = taint_by_name(r, prev_p)) < 0)
		return err;
	if ((err = simplify_symbols(r)) < 0)
		return err;
	if ((err = check_duplicates(r)) < 0)
		return err;
	return 0;
}

/* A verdict and the arena it lives in (its strings and arrays too), freed together. */
struct verdict_box {
	struct kexport_verdict v;
	struct kx_arena arena;
	const char **fixes;      /* one per problem (fix.c) */
};

/* A vector's items, copied to the arena (the vector is freed by the caller). */
static void *arena_copy(struct run *r, const struct kx_vec *vec)
{
	if (!vec->n)
		return NULL;
	void *p = kx_arena_alloc(&r->arena, vec->n * vec->item_size);
	if (!p)
		r->oom = true;
	else
		memcpy(p, vec->items, vec->n * vec->item_size);
	return p;
}

static int finish(struct run *r, int err, struct kexport_verdict **vp)
{
	struct verdict_box *box = kx_arena_alloc(&r->arena, sizeof(*box));
	if (!box)
		r->oom = true;
	const char **log = arena_copy(r, &r->log);
	struct kexport_problem *problems = arena_copy(r, &r->problems);
	const char **needs = arena_copy(r, &r->needs);
	const char **fixes = r->problems.n ? kx_arena_alloc(&r->arena, r->problems.n * sizeof(*fixes))
	                                   : NULL;
	if (r->problems.n && !fixes)
		r->oom = true;
	for (size_t i = 0; !r->oom && i < r->problems.n; i++)
		if (!(fixes[i] = kx_fix_text(r, &problems[i])))
			r->oom = true;
	if (r->oom)
		return -ENOMEM;
	memset(box, 0, sizeof(*box));
	struct kexport_verdict *v = &box->v;
	v->module = r->name;
	v->loads = err == 0;
	v->err = err;
	v->module_taint = r->mtaint;
	v->kernel_taint_before = r->l->st.taint;
	v->kernel_taint_after = r->st.taint;
	v->log = log;
	v->n_log = r->log.n;
	v->problems = problems;
	v->n_problems = r->problems.n;
	v->needs = needs;
	v->n_needs = r->needs.n;
	v->signature = r->sig_note;
	box->fixes = fixes;
	/* the box lives in the arena it holds, as a module does */
	kx_arena_move(&box->arena, &r->arena);
	kx_arena_seal(&box->arena);
	*vp = v;
	return 0;
}

KX_EXPORT const char *kexport_verdict_fix(const struct kexport_verdict *v, size_t i)
{
	const struct verdict_box *box = (const struct verdict_box *)v;
	return v && i < v->n_problems && box->fixes ? box->fixes[i] : NULL;
}

KX_EXPORT void kexport_verdict_free(struct kexport_verdict *v)
{
	if (!v)
		return;
	struct verdict_box *box = (struct verdict_box *)v;
	struct kx_arena a;
	kx_arena_move(&a, &box->arena);
	kx_arena_free(&a);
}

static int run_module(struct kexport_loader *l, const struct kexport_module *m, unsigned flags,
                      bool keep, struct kexport_verdict **vp)
{
	/* The run's arena becomes the verdict's: from the thread's slab inside
	 * kexport_thread_begin()/_end(). */
	struct run r = { .l = l, .st = l->st, .m = m, .flags = flags, .arena = { .slab = true } };
	kx_vec_init(&r.log, sizeof(char *));
	kx_vec_init(&r.problems, sizeof(struct kexport_problem));
	kx_vec_init(&r.needs, sizeof(char *));
	r.name = m->name;
	r.has_versions = m->has_versions && !(flags & KEXPORT_LOAD_IGNORE_MODVERSIONS);
	int err = simulate(&r);
	unsigned long mtaint = r.mtaint;
	struct kstate st = r.st;
	int fr = finish(&r, err, vp);
	kx_vec_free(&r.log);
	kx_vec_free(&r.problems);
	kx_vec_free(&r.needs);
	if (fr < 0) {
		kx_arena_free(&r.arena);
		return fr;
	}
	if (!keep)
		return 0;
	/* A refused module still leaves its taints on the kernel. */
	l->st = st;
	if (err)
		return 0;
	struct loaded *ld = kx_vec_push(&l->loaded);
	if (!ld)
		return -ENOMEM;
	ld->m = m;
	ld->taint = mtaint;
	for (size_t i = 0; i < m->n_exports; i++)
		if (slots_put(l, (uint32_t)(l->loaded.n - 1), &m->exports[i]) < 0)
			return -ENOMEM;
	return 0;
}

KX_EXPORT int kexport_loader_check(struct kexport_loader *l, const struct kexport_module *m,
                                   unsigned flags, struct kexport_verdict **v)
{
	return run_module(l, m, flags, false, v);
}

KX_EXPORT int kexport_loader_load(struct kexport_loader *l, const struct kexport_module *m,
                                  unsigned flags, struct kexport_verdict **v)
{
	return run_module(l, m, flags, true, v);
}
