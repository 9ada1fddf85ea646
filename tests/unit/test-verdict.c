/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verdict engine on modules built in memory: one test per row of the
 * rules table (lib/loader/rules.c), each showing the behaviour on both sides of
 * the version where it changed, plus the 6.1 paths the oracle cannot reach.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "libkexport.h"
#include "test-ctx.h"

#define BIT(n) (1ul << (n))

/* A kernel: vmlinux exports plus modules' exports, and a configuration. */
struct fixture {
	struct kexport_table *t;
	struct kexport_kernel *k;
	struct kexport_loader *l;
};

static void add(struct kexport_table *t, const char *name, enum kexport_kind kind,
                const char *ns, uint32_t crc, const char *owner)
{
	struct kexport_export e = { .name = name, .ns = ns, .owner = owner, .source = "test",
	                            .crc = crc, .kind = kind,
	                            .known = KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS | KEXPORT_KNOWN_CRC };
	assert_true(kexport_table_add(t, &e) >= 0);
}

static void kernel(struct fixture *f, const char *release)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(kexport_table_new(test_ctx(), &f->t), 0);
	assert_int_equal(kexport_kernel_new(test_ctx(), &f->k), 0);
	assert_int_equal(kexport_kernel_set_release(f->k, release), 0);
	static const char *const on[] = { "MODVERSIONS", "MODULE_SIG", "MODULE_FORCE_LOAD",
		                          "LIVEPATCH", "SMP", "MODULE_UNLOAD", "X86_64", "X86" };
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		kexport_kernel_set_config(f->k, on[i], "y");
	add(f->t, "module_layout", KEXPORT_KIND_PLAIN, "", 0xbce1a965, "vmlinux");
	add(f->t, "printk", KEXPORT_KIND_PLAIN, "", 0x11111111, "vmlinux");
	add(f->t, "gpl_sym", KEXPORT_KIND_GPL, "", 0x22222222, "vmlinux");
	add(f->t, "ns_sym", KEXPORT_KIND_GPL, "DMA_BUF", 0x33333333, "vmlinux");
	add(f->t, "future_sym", KEXPORT_KIND_GPL_FUTURE, "", 0x44444444, "vmlinux");
	add(f->t, "unused_sym", KEXPORT_KIND_UNUSED, "", 0x55555555, "vmlinux");
	add(f->t, "kvm_only", KEXPORT_KIND_GPL, "module:kvm,kvm_*", 0x66666666, "vmlinux");
}

static void loader(struct fixture *f)
{
	assert_int_equal(kexport_loader_new(test_ctx(), &f->l, f->k, f->t), 0);
}

static void done(struct fixture *f)
{
	kexport_loader_free(f->l);
	kexport_kernel_free(f->k);
	kexport_table_free(f->t);
}

/* A module: name, licence, imports "name" or "name=crc" or "name:weak". */
struct mod {
	struct kexport_module m;
	struct kexport_import imp[16];
	struct kexport_version ver[16];
	struct kexport_export exp[4];
	const char *ns[4];
};

static void module(struct mod *x, const char *name, const char *license, const char *vermagic)
{
	memset(x, 0, sizeof(*x));
	x->m.path = name;
	x->m.name = name;
	x->m.owner = name;
	x->m.license = license;
	x->m.gpl_compatible = license && kexport_license_gpl_compatible(license);
	x->m.vermagic = vermagic;
	x->m.intree = true;
	x->m.retpoline = true;
	x->m.has_this_module = true;
	x->m.has_versions = true;
	x->m.machine = 62;
	x->m.imports = x->imp;
	x->m.versions = x->ver;
	x->m.exports = x->exp;
	x->m.import_ns = x->ns;
	x->ver[x->m.n_versions++] = (struct kexport_version){ "module_layout", 0xbce1a965, false };
}

/* An import with the kernel's CRC, unless crc says otherwise (0: none in __versions). */
static void import(struct mod *x, const char *name, uint32_t crc, bool weak)
{
	struct kexport_import *i = &x->imp[x->m.n_imports++];
	i->name = name;
	i->weak = weak;
	if (crc) {
		i->has_crc = true;
		i->crc = crc;
		x->ver[x->m.n_versions++] = (struct kexport_version){ name, crc, false };
	}
}

static void export(struct mod *x, const char *name, enum kexport_kind kind)
{
	x->exp[x->m.n_exports++] = (struct kexport_export){
		.name = name, .ns = "", .owner = x->m.owner, .source = "test", .crc = 0x77777777,
		.kind = kind, .known = KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS | KEXPORT_KNOWN_CRC };
}

static struct kexport_verdict *check(struct fixture *f, struct mod *x)
{
	struct kexport_verdict *v;
	assert_int_equal(kexport_loader_check(f->l, &x->m, 0, &v), 0);
	return v;
}

static bool has_line(const struct kexport_verdict *v, const char *line)
{
	for (size_t i = 0; i < v->n_log; i++)
		if (strcmp(v->log[i], line) == 0)
			return true;
	return false;
}

static bool has_problem(const struct kexport_verdict *v, enum kexport_reason r, bool fatal)
{
	for (size_t i = 0; i < v->n_problems; i++)
		if (v->problems[i].reason == r && v->problems[i].fatal == fatal)
			return true;
	return false;
}

/* The fix of the first problem of reason r, or NULL. */
static const char *fix_of(const struct kexport_verdict *v, enum kexport_reason r)
{
	for (size_t i = 0; i < v->n_problems; i++)
		if (v->problems[i].reason == r)
			return kexport_verdict_fix(v, i);
	return NULL;
}

#define VM61 "6.1.0-54-amd64 SMP mod_unload modversions "

/* --- the rules table itself ----------------------------------------------- */

/* Every reason the verdict engine can give has its fix (loader/fix.c): a
 * new reason cannot land without one. */
bool kx_fix_known(enum kexport_reason reason);
static void test_fix_every_reason(void **state)
{
	(void)state;
	for (int r = 0; r < KEXPORT_REASON_COUNT; r++) {
		if (!kx_fix_known((enum kexport_reason)r))
			fail_msg("reason %s has no fix in lib/loader/fix.c",
			         kexport_reason_name((enum kexport_reason)r));
	}
}

static void test_rules_table(void **state)
{
	(void)state;
	assert_true(kexport_rule_count() >= KEXPORT_FEATURE_COUNT);
	bool seen[KEXPORT_FEATURE_COUNT] = { 0 };
	for (size_t i = 0; i < kexport_rule_count(); i++) {
		const struct kexport_rule *r = kexport_rule_get(i);
		assert_true((unsigned)r->feature < KEXPORT_FEATURE_COUNT);
		assert_true(r->what && strlen(r->what) > 20);
		assert_true(!r->until || r->until > r->since);
		seen[r->feature] = true;
		/* Every row takes effect at its boundary. */
		if (r->since > KEXPORT_KVER(0, 0, 1) && !r->distro)
			assert_false(kexport_feature_on(r->feature, r->since - 1, NULL));
		assert_int_equal(kexport_feature_on(r->feature, r->since, r->distro), r->on);
		if (r->until)
			assert_false(kexport_feature_on(r->feature, r->until, r->distro));
	}
	for (int i = 0; i < KEXPORT_FEATURE_COUNT; i++)
		assert_true(seen[i]);
	assert_null(kexport_rule_get(kexport_rule_count()));
}

/* --- 6.1 (Debian) paths --------------------------------------------------- */

static void test_clean_gpl(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.1.0-54-amd64");
	kexport_kernel_set_vermagic(f.k, VM61);
	loader(&f);
	module(&x, "clean", "GPL", VM61);
	x.m.signed_trailer = x.m.sig_len_ok = x.m.sig_params_zero = x.m.sig_der = true;
	x.m.sig_id_type = 2;
	import(&x, "printk", 0x11111111, false);
	import(&x, "gpl_sym", 0x22222222, false);
	struct kexport_verdict *v = check(&f, &x);
	assert_true(v->loads);
	assert_int_equal(v->err, 0);
	assert_int_equal(v->module_taint, 0);
	assert_int_equal(v->n_log, 0);
	kexport_verdict_free(v);
	done(&f);
}

static void test_proprietary_gpl_only(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.1.0-54-amd64");
	kexport_kernel_set_vermagic(f.k, VM61);
	loader(&f);
	module(&x, "nv", "NVIDIA", VM61);
	x.m.intree = false;
	import(&x, "printk", 0x11111111, false);
	import(&x, "ns_sym", 0x33333333, false);
	x.ns[x.m.n_import_ns++] = "DMA_BUF";
	struct kexport_verdict *v = check(&f, &x);
	assert_false(v->loads);
	assert_int_equal(v->err, -2);
	assert_true(has_problem(v, KEXPORT_REASON_GPL_ONLY, true));
	/* Every problem has its fix; this one names the import and the licences. */
	for (size_t i = 0; i < v->n_problems; i++)
		assert_non_null(kexport_verdict_fix(v, i));
	assert_null(kexport_verdict_fix(v, v->n_problems));
	assert_non_null(strstr(fix_of(v, KEXPORT_REASON_GPL_ONLY), "ns_sym is GPL-only"));
	assert_non_null(strstr(fix_of(v, KEXPORT_REASON_GPL_ONLY), "\"Dual MIT/GPL\""));
	/* O, P and E: in this order, lock debugging off with the first P. */
	assert_int_equal(v->kernel_taint_after,
	                 BIT(KEXPORT_TAINT_OOT) | BIT(KEXPORT_TAINT_PROPRIETARY) | BIT(KEXPORT_TAINT_UNSIGNED));
	assert_int_equal(v->n_log, 5);
	assert_string_equal(v->log[0], "nv: loading out-of-tree module taints kernel.");
	assert_string_equal(v->log[1], "nv: module license 'NVIDIA' taints kernel.");
	assert_string_equal(v->log[2], "Disabling lock debugging due to kernel taint");
	assert_string_equal(v->log[3], "nv: module verification failed: signature and/or required key "
	                               "missing - tainting kernel");
	assert_string_equal(v->log[4], "nv: Unknown symbol ns_sym (err -2)");
	kexport_verdict_free(v);
	done(&f);
}

static void test_weak_missing_and_got(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.1.0-54-amd64");
	loader(&f);
	module(&x, "w", "GPL", NULL);
	x.m.vermagic = VM61;
	import(&x, "no_such_symbol", 0, true);
	import(&x, "_GLOBAL_OFFSET_TABLE_", 0, false);
	struct kexport_verdict *v = check(&f, &x);
	assert_true(v->loads);
	kexport_verdict_free(v);
	done(&f);
	/* Before 5.12 the GOT symbol is an unknown symbol. */
	kernel(&f, "5.10.0-30-amd64");
	loader(&f);
	v = check(&f, &x);
	assert_false(v->loads);
	assert_true(has_line(v, "w: Unknown symbol _GLOBAL_OFFSET_TABLE_ (err -2)"));
	kexport_verdict_free(v);
	done(&f);
}

static void test_owner_order(void **state)
{
	(void)state;
	struct fixture f;
	struct mod prop, a, b;
	kernel(&f, "6.1.0-54-amd64");
	loader(&f);
	module(&prop, "propmod", "Proprietary", VM61);
	export(&prop, "prop_fn", KEXPORT_KIND_PLAIN);
	struct kexport_verdict *v;
	assert_int_equal(kexport_loader_load(f.l, &prop.m, 0, &v), 0);
	assert_true(v->loads);
	assert_true(v->module_taint & BIT(KEXPORT_TAINT_PROPRIETARY));
	kexport_verdict_free(v);
	/* GPL-only first: the proprietary export is refused. */
	module(&a, "gplfirst", "GPL", VM61);
	import(&a, "gpl_sym", 0x22222222, false);
	import(&a, "prop_fn", 0x77777777, false);
	v = check(&f, &a);
	assert_false(v->loads);
	assert_true(has_problem(v, KEXPORT_REASON_PROPRIETARY_OWNER, true));
	assert_true(has_line(v, "gplfirst: module using GPL-only symbols uses symbols prop_fn from "
	                        "proprietary module propmod."));
	kexport_verdict_free(v);
	/* Proprietary export first: P inherited, then the GPL-only symbol is hidden. */
	module(&b, "propfirst", "GPL", VM61);
	import(&b, "prop_fn", 0x77777777, false);
	import(&b, "gpl_sym", 0x22222222, false);
	v = check(&f, &b);
	assert_false(v->loads);
	assert_true(has_problem(v, KEXPORT_REASON_INHERITED_TAINT, false));
	assert_true(has_problem(v, KEXPORT_REASON_GPL_ONLY, true));
	assert_true(has_line(v, "propfirst: module uses symbols prop_fn from proprietary module "
	                        "propmod, inheriting taint."));
	kexport_verdict_free(v);
	done(&f);
	/* 5.19 named the symbol; 5.9 did not; 5.8 had no owner rule at all. */
	kernel(&f, "5.10.0-1-amd64");
	loader(&f);
	assert_int_equal(kexport_loader_load(f.l, &prop.m, 0, &v), 0);
	kexport_verdict_free(v);
	v = check(&f, &a);
	assert_true(has_line(v, "gplfirst: module using GPL-only symbols uses symbols from "
	                        "proprietary module propmod."));
	kexport_verdict_free(v);
	done(&f);
	kernel(&f, "5.8.0");
	loader(&f);
	assert_int_equal(kexport_loader_load(f.l, &prop.m, 0, &v), 0);
	kexport_verdict_free(v);
	v = check(&f, &a);
	assert_true(v->loads);
	kexport_verdict_free(v);
	done(&f);
}

static void test_crc(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.1.0-54-amd64");
	loader(&f);
	module(&x, "crc", "GPL", VM61);
	import(&x, "printk", 0xdeadbeef, false);
	struct kexport_verdict *v = check(&f, &x);
	assert_false(v->loads);
	assert_int_equal(v->err, -22);
	assert_true(has_line(v, "crc: disagrees about version of symbol printk"));
	assert_true(has_line(v, "crc: Unknown symbol printk (err -22)"));
	assert_true(has_problem(v, KEXPORT_REASON_CRC_MISMATCH, true));
	kexport_verdict_free(v);
	/* module_layout mismatch: -ENOEXEC before anything else. */
	module(&x, "layout", "GPL", VM61);
	x.ver[0].crc = 1;
	v = check(&f, &x);
	assert_int_equal(v->err, -8);
	assert_true(has_problem(v, KEXPORT_REASON_LAYOUT, true));
	assert_int_equal(v->n_log, 1);
	assert_string_equal(v->log[0], "layout: disagrees about version of symbol module_layout");
	kexport_verdict_free(v);
	/* No __versions at all: a forced load. */
	module(&x, "nover", "GPL", VM61);
	x.m.has_versions = false;
	x.m.n_versions = 0;
	import(&x, "printk", 0, false);
	v = check(&f, &x);
	assert_true(v->loads);
	assert_true(v->module_taint & BIT(KEXPORT_TAINT_FORCED));
	assert_true(has_line(v, "nover: module_layout: kernel tainted."));
	kexport_verdict_free(v);
	done(&f);
}

static void test_missing_crc_debian_vs_mainline(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.1.0-54-amd64"); /* a Debian-shaped release name ... */
	/* ... is no evidence of who built it: only a banner or --distro is. */
	assert_string_equal(kexport_kernel_distro(f.k), "mainline");
	assert_int_equal(kexport_kernel_set_distro(f.k, "debian"), 0);
	loader(&f);
	assert_string_equal(kexport_kernel_distro(f.k), "debian");
	module(&x, "miss", "GPL", VM61);
	import(&x, "printk", 0, false);
	struct kexport_verdict *v = check(&f, &x);
	assert_false(v->loads);
	assert_true(has_line(v, "miss: no symbol version for printk"));
	assert_true(has_problem(v, KEXPORT_REASON_CRC_MISSING, true));
	kexport_verdict_free(v);
	done(&f);
	kernel(&f, "6.1.55");
	loader(&f);
	assert_string_equal(kexport_kernel_distro(f.k), "mainline");
	v = check(&f, &x);
	assert_true(v->loads);
	assert_true(has_line(v, "miss: no symbol version for printk"));
	kexport_verdict_free(v);
	done(&f);
	kernel(&f, "4.9.0");
	loader(&f);
	v = check(&f, &x);
	assert_false(v->loads);
	kexport_verdict_free(v);
	done(&f);
}

static void test_namespaces(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.1.0-54-amd64");
	loader(&f);
	module(&x, "nsuser", "GPL", VM61);
	import(&x, "ns_sym", 0x33333333, false);
	struct kexport_verdict *v = check(&f, &x);
	assert_false(v->loads);
	assert_int_equal(v->err, -22);
	assert_true(has_line(v, "nsuser: module uses symbol (ns_sym) from namespace DMA_BUF, but does "
	                        "not import it."));
	assert_true(has_problem(v, KEXPORT_REASON_NS_NOT_IMPORTED, true));
	/* The fix in this kernel's syntax: the bare form up to 6.12 ... */
	assert_non_null(strstr(fix_of(v, KEXPORT_REASON_NS_NOT_IMPORTED), "MODULE_IMPORT_NS(DMA_BUF)"));
	kexport_verdict_free(v);
	done(&f);
	/* ... the string literal from 6.13. */
	kernel(&f, "6.13.0");
	loader(&f);
	v = check(&f, &x);
	assert_non_null(strstr(fix_of(v, KEXPORT_REASON_NS_NOT_IMPORTED),
	                       "MODULE_IMPORT_NS(\"DMA_BUF\")"));
	kexport_verdict_free(v);
	done(&f);
	/* Allowed by configuration: a warning and it loads. */
	kernel(&f, "6.1.0-54-amd64");
	kexport_kernel_set_config(f.k, "MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS", "y");
	loader(&f);
	v = check(&f, &x);
	assert_true(v->loads);
	assert_true(has_problem(v, KEXPORT_REASON_NS_NOT_IMPORTED, false));
	kexport_verdict_free(v);
	done(&f);
	/* Before 5.4 there are no namespaces to check. */
	kernel(&f, "5.3.0");
	loader(&f);
	v = check(&f, &x);
	assert_true(v->loads);
	kexport_verdict_free(v);
	done(&f);
}

static void test_module_namespaces(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.16.0");
	loader(&f);
	module(&x, "kvm_intel", "GPL", "6.16.0 SMP mod_unload modversions ");
	import(&x, "kvm_only", 0x66666666, false);
	struct kexport_verdict *v = check(&f, &x);
	assert_true(v->loads); /* "kvm_*" names it */
	kexport_verdict_free(v);
	module(&x, "other", "GPL", "6.16.0 SMP mod_unload modversions ");
	import(&x, "kvm_only", 0x66666666, false);
	v = check(&f, &x);
	assert_false(v->loads);
	assert_true(has_problem(v, KEXPORT_REASON_NS_MODULE_SCOPE, true));
	kexport_verdict_free(v);
	x.ns[x.m.n_import_ns++] = "module:kvm,kvm_*";
	v = check(&f, &x);
	assert_int_equal(v->err, -1);
	assert_true(has_problem(v, KEXPORT_REASON_NS_MODULE_IMPORT, true));
	kexport_verdict_free(v);
	done(&f);
	/* 6.15: "module:..." is an ordinary namespace that can be imported. */
	kernel(&f, "6.15.0");
	loader(&f);
	v = check(&f, &x);
	assert_true(v->loads);
	kexport_verdict_free(v);
	done(&f);
}

static void test_old_kinds(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "4.19.0");
	loader(&f);
	module(&x, "old", "Proprietary", "4.19.0 SMP mod_unload modversions ");
	import(&x, "future_sym", 0x44444444, false);
	import(&x, "unused_sym", 0x55555555, false);
	struct kexport_verdict *v = check(&f, &x);
	assert_true(v->loads);
	assert_true(has_line(v, "Symbol future_sym is being used by a non-GPL module, which will not "
	                        "be allowed in the future"));
	assert_true(has_line(v, "This symbol will go away in the future."));
	assert_true(has_problem(v, KEXPORT_REASON_OLD_KIND, false));
	kexport_verdict_free(v);
	done(&f);
	kernel(&f, "5.12.0");
	loader(&f);
	v = check(&f, &x);
	assert_false(has_problem(v, KEXPORT_REASON_OLD_KIND, false));
	kexport_verdict_free(v);
	done(&f);
}

static void test_unknown_err_format(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "4.0.0");
	loader(&f);
	module(&x, "gone", "GPL", "4.0.0 SMP mod_unload modversions ");
	import(&x, "no_such", 0, false);
	struct kexport_verdict *v = check(&f, &x);
	assert_true(has_line(v, "gone: Unknown symbol no_such (err 0)"));
	/* ~4.0 also set O silently. */
	kexport_verdict_free(v);
	x.m.intree = false;
	v = check(&f, &x);
	assert_false(has_line(v, "gone: loading out-of-tree module taints kernel."));
	assert_true(v->kernel_taint_after & BIT(KEXPORT_TAINT_OOT));
	kexport_verdict_free(v);
	done(&f);
}

static void test_name_rules(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.1.0-54-amd64");
	loader(&f);
	module(&x, "driverloader", "GPL", VM61);
	import(&x, "gpl_sym", 0x22222222, false);
	struct kexport_verdict *v = check(&f, &x);
	assert_false(v->loads);
	assert_true(has_line(v, "driverloader: module license taints kernel."));
	assert_true(has_problem(v, KEXPORT_REASON_GPL_ONLY, true));
	kexport_verdict_free(v);
	module(&x, "ndiswrapper", "GPL", VM61);
	import(&x, "gpl_sym", 0x22222222, false);
	v = check(&f, &x);
	assert_true(v->loads);
	assert_false(v->module_taint & BIT(KEXPORT_TAINT_PROPRIETARY));
	assert_true(v->kernel_taint_after & BIT(KEXPORT_TAINT_PROPRIETARY));
	kexport_verdict_free(v);
	done(&f);
	kernel(&f, "4.0.0");
	loader(&f);
	module(&x, "lve", "GPL", "4.0.0 SMP mod_unload modversions ");
	v = check(&f, &x);
	assert_false(has_line(v, "lve: module license taints kernel."));
	assert_true(v->module_taint & BIT(KEXPORT_TAINT_PROPRIETARY));
	kexport_verdict_free(v);
	done(&f);
}

static void test_taint_test_flag(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.1.0-54-amd64");
	loader(&f);
	module(&x, "t", "GPL", VM61);
	x.m.test = true;
	struct kexport_verdict *v = check(&f, &x);
	assert_true(v->module_taint & BIT(KEXPORT_TAINT_TEST));
	assert_true(has_line(v, "t: loading test module taints kernel."));
	kexport_verdict_free(v);
	done(&f);
	kernel(&f, "5.19.0");
	loader(&f);
	v = check(&f, &x);
	assert_false(v->module_taint & BIT(KEXPORT_TAINT_TEST));
	kexport_verdict_free(v);
	done(&f);
}

static void test_signature_policy(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.1.0-54-amd64");
	kexport_kernel_set_config(f.k, "MODULE_SIG_FORCE", "y");
	loader(&f);
	module(&x, "unsigned", "GPL", VM61);
	struct kexport_verdict *v = check(&f, &x);
	assert_int_equal(v->err, -129);
	assert_true(has_line(v, "Loading of unsigned module is rejected"));
	assert_true(has_problem(v, KEXPORT_REASON_SIGNATURE_POLICY, true));
	kexport_verdict_free(v);
	done(&f);
	kernel(&f, "4.0.0");
	kexport_kernel_set_config(f.k, "MODULE_SIG_FORCE", "y");
	loader(&f);
	v = check(&f, &x);
	assert_int_equal(v->err, -126);
	assert_int_equal(v->n_log, 0);
	kexport_verdict_free(v);
	done(&f);
	/* A malformed signature is fatal even when nothing is enforced. */
	kernel(&f, "6.1.0-54-amd64");
	loader(&f);
	x.m.signed_trailer = true;
	x.m.sig_len_ok = true;
	x.m.sig_params_zero = true;
	x.m.sig_id_type = 2;
	x.m.sig_der = false;
	v = check(&f, &x);
	assert_int_equal(v->err, -74);
	assert_true(has_problem(v, KEXPORT_REASON_SIGNATURE_INVALID, true));
	kexport_verdict_free(v);
	done(&f);
}

static void test_late_taints(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x, y;
	/* 6.1: a duplicate name is found after O and P were applied. */
	kernel(&f, "6.1.0-54-amd64");
	loader(&f);
	module(&x, "dup", "GPL", VM61);
	struct kexport_verdict *v;
	assert_int_equal(kexport_loader_load(f.l, &x.m, 0, &v), 0);
	kexport_verdict_free(v);
	module(&y, "dup", "Proprietary", VM61);
	y.m.intree = false;
	v = check(&f, &y);
	assert_int_equal(v->err, -17);
	assert_true(v->kernel_taint_after & BIT(KEXPORT_TAINT_PROPRIETARY));
	kexport_verdict_free(v);
	done(&f);
	/* 6.12: the taints come after add_unformed_module(): none. */
	kernel(&f, "6.12.0");
	loader(&f);
	assert_int_equal(kexport_loader_load(f.l, &x.m, 0, &v), 0);
	kexport_verdict_free(v);
	v = check(&f, &y);
	assert_int_equal(v->err, -17);
	assert_false(v->kernel_taint_after & BIT(KEXPORT_TAINT_PROPRIETARY));
	kexport_verdict_free(v);
	done(&f);
}

static void test_vermagic(void **state)
{
	(void)state;
	struct fixture f;
	struct mod x;
	kernel(&f, "6.1.0-54-amd64");
	loader(&f);
	/* Built from release and configuration: no preempt here. */
	assert_string_equal(kexport_kernel_vermagic(f.k), VM61);
	module(&x, "vm", "GPL", "6.1.0-54-amd64 SMP preempt mod_unload modversions ");
	struct kexport_verdict *v = check(&f, &x);
	assert_int_equal(v->err, -8);
	assert_true(has_problem(v, KEXPORT_REASON_VERMAGIC, true));
	kexport_verdict_free(v);
	/* With __versions the release part is not compared. */
	module(&x, "rel", "GPL", "6.1.0-47-amd64 SMP mod_unload modversions ");
	v = check(&f, &x);
	assert_true(v->loads);
	kexport_verdict_free(v);
	x.m.has_versions = false;
	v = check(&f, &x);
	assert_int_equal(v->err, -8);
	kexport_verdict_free(v);
	done(&f);
}

/*
 * verify_exported_symbols(): an export the kernel already has, or one a
 * module modprobe loads first (a need: its name from the table's owner
 * path, '-' read as '_') already has, refuses the module; one owned by a
 * module it does not need does not.
 */
static void test_duplicate_exports(void **state)
{
	(void)state;
	struct fixture f;
	kernel(&f, "6.1.0-54-amd64");
	kexport_kernel_set_vermagic(f.k, VM61);
	add(f.t, "dep_fn", KEXPORT_KIND_PLAIN, "", 0x88888888, "drivers/x/dep-mod");
	add(f.t, "dep_other", KEXPORT_KIND_PLAIN, "", 0x99999999, "drivers/x/dep-mod");
	add(f.t, "other_fn", KEXPORT_KIND_PLAIN, "", 0xaaaaaaaa, "drivers/y/other");
	loader(&f);

	struct mod x;
	module(&x, "needs_dep", "GPL", VM61);
	import(&x, "other_fn", 0xaaaaaaaa, false); /* a need that does not own the duplicate */
	import(&x, "dep_fn", 0x88888888, false);
	export(&x, "dep_other", KEXPORT_KIND_PLAIN);
	struct kexport_verdict *v = check(&f, &x);
	assert_false(v->loads);
	assert_int_equal(v->n_needs, 2);
	assert_string_equal(v->needs[0], "other");
	assert_string_equal(v->needs[1], "dep_mod");
	assert_true(has_line(v, "needs_dep: exports duplicate symbol dep_other (owned by dep_mod)"));
	assert_true(has_problem(v, KEXPORT_REASON_DUPLICATE_EXPORT, true));
	kexport_verdict_free(v);

	module(&x, "no_dep", "GPL", VM61);
	import(&x, "printk", 0x11111111, false);
	export(&x, "dep_other", KEXPORT_KIND_PLAIN);
	v = check(&f, &x);
	assert_true(v->loads);
	assert_int_equal(v->n_needs, 0);
	kexport_verdict_free(v);

	module(&x, "kernel_dup", "GPL", VM61);
	import(&x, "printk", 0x11111111, false);
	export(&x, "printk", KEXPORT_KIND_PLAIN);
	v = check(&f, &x);
	assert_false(v->loads);
	assert_true(has_line(v, "kernel_dup: exports duplicate symbol printk (owned by kernel)"));
	kexport_verdict_free(v);
	done(&f);
}

static void test_taint_letters(void **state)
{
	(void)state;
	char buf[32];
	assert_string_equal(kexport_taint_letters(BIT(0) | BIT(12) | BIT(13), true, buf, sizeof(buf)),
	                    "POE");
	assert_string_equal(kexport_taint_letters(BIT(9) | BIT(12), true, buf, sizeof(buf)), "O");
	assert_string_equal(kexport_taint_letters(BIT(9) | BIT(12), false, buf, sizeof(buf)), "WO");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_table),
		cmocka_unit_test(test_fix_every_reason),
		cmocka_unit_test(test_clean_gpl),
		cmocka_unit_test(test_proprietary_gpl_only),
		cmocka_unit_test(test_weak_missing_and_got),
		cmocka_unit_test(test_owner_order),
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_missing_crc_debian_vs_mainline),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_module_namespaces),
		cmocka_unit_test(test_old_kinds),
		cmocka_unit_test(test_unknown_err_format),
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_taint_test_flag),
		cmocka_unit_test(test_signature_policy),
		cmocka_unit_test(test_late_taints),
		cmocka_unit_test(test_vermagic),
		cmocka_unit_test(test_taint_letters),
		cmocka_unit_test(test_duplicate_exports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
