/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fix of each problem, in the module maintainer's terms: what to change
 * so that the problem goes away, or why nothing the module's author can
 * change removes it.  One row per reason (a test checks that every reason
 * has one); the text may name:
 *   {sym}        the import the problem is about
 *   {ns}         its export's namespace ({module_ns}: the modules a
 *                "module:" namespace names)
 *   {import_ns}  the line to add: MODULE_IMPORT_NS("NS") from 6.13, the
 *                bare MODULE_IMPORT_NS(NS) before (rules.c)
 *   {headers}    what to rebuild against: Debian's linux-headers-RELEASE
 *                package, or the kernel's build tree
 *   {built_for}  the release the module's vermagic names
 *   {owner}      the proprietary module a taint P comes from
 *   {licenses}   the licence strings the loader takes as GPL-compatible
 *   {module}     the module's name
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

static const struct {
	enum kexport_reason reason;
	const char *text;
} fixes[] = {
	{ KEXPORT_REASON_MISSING,
	  "{sym} is not exported by this kernel (or not with this configuration): rebuild against "
	  "{headers} to see it at build time (modpost: \"undefined!\"), or stop using it" },
	{ KEXPORT_REASON_GPL_ONLY,
	  "{sym} is GPL-only: only a module whose MODULE_LICENSE() is one of {licenses} may use "
	  "it (if its code is licensed so); otherwise stop using {sym}" },
	{ KEXPORT_REASON_PROPRIETARY_OWNER,
	  "{sym} comes from proprietary module {owner}: a module that uses GPL-only exports "
	  "cannot also import from it; only {owner}'s licence, or not using {sym}, changes that" },
	{ KEXPORT_REASON_INHERITED_TAINT,
	  "{sym} comes from proprietary module {owner}: the taint P is inherited whatever this "
	  "module's own licence; no licence change here removes it, only {owner}'s or not "
	  "importing from it" },
	{ KEXPORT_REASON_CRC_MISMATCH,
	  "{sym} changed since the module was built (for {built_for}): rebuild it against "
	  "{headers}" },
	{ KEXPORT_REASON_CRC_MISSING,
	  "the module has no CRC for {sym}: rebuild it against {headers} with the kernel's "
	  "Kbuild (modpost writes __versions)" },
	{ KEXPORT_REASON_NO_VERSIONS,
	  "the module has no __versions: rebuild it against {headers} with the kernel's Kbuild "
	  "(CONFIG_MODVERSIONS)" },
	{ KEXPORT_REASON_NS_NOT_IMPORTED,
	  "add {import_ns} to the module's source (or run `make nsdeps` in the kernel tree)" },
	{ KEXPORT_REASON_NS_MODULE_SCOPE,
	  "{sym} is exported only to modules {module_ns}: no change to {module} can import it; "
	  "only the exporter's EXPORT_SYMBOL_FOR_MODULES() list decides" },
	{ KEXPORT_REASON_NS_MODULE_IMPORT,
	  "remove MODULE_IMPORT_NS() of a \"module:\" namespace: those cannot be imported" },
	{ KEXPORT_REASON_VERMAGIC,
	  "the module was built for {built_for}: rebuild it against {headers}" },
	{ KEXPORT_REASON_NO_VERMAGIC,
	  "the module has no vermagic: rebuild it against {headers} with the kernel's Kbuild" },
	{ KEXPORT_REASON_LAYOUT,
	  "struct module differs from the one the module was built with (for {built_for}): "
	  "rebuild it against {headers}" },
	{ KEXPORT_REASON_SIGNATURE_POLICY,
	  "sign the module with a key this kernel trusts (scripts/sign-file; under Secure Boot a "
	  "key enrolled with mokutil, as DKMS does with /var/lib/dkms/mok.pub)" },
	{ KEXPORT_REASON_SIGNATURE_INVALID,
	  "the signature is malformed: sign the module again (scripts/sign-file), after any strip" },
	{ KEXPORT_REASON_UNSIGNED,
	  "sign the module with a key this kernel trusts (scripts/sign-file; DKMS signs with its "
	  "MOK key) to avoid the taint E" },
	{ KEXPORT_REASON_LICENSE,
	  "the taint P comes from MODULE_LICENSE(): only one of {licenses} avoids it (if the "
	  "code is licensed so)" },
	{ KEXPORT_REASON_LICENSE_NAME,
	  "the kernel taints a module of this name P whatever its licence: nothing in {module} "
	  "can change it" },
	{ KEXPORT_REASON_OUT_OF_TREE,
	  "every module built outside the kernel tree taints O: expected, only an in-tree build "
	  "avoids it" },
	{ KEXPORT_REASON_STAGING,
	  "a staging driver taints C by design: only leaving staging removes it" },
	{ KEXPORT_REASON_LIVEPATCH,
	  "a livepatch module taints K by design, and needs a kernel with CONFIG_LIVEPATCH" },
	{ KEXPORT_REASON_TEST,
	  "a test module (MODULE_INFO(test, \"Y\")) taints N by design" },
	{ KEXPORT_REASON_RETPOLINE,
	  "rebuild with the kernel's own compiler and flags (CONFIG_MITIGATION_RETPOLINE), against "
	  "{headers}" },
	{ KEXPORT_REASON_EXPORTS_NO_CRC,
	  "the module's exports have no CRCs: rebuild it against {headers} with the kernel's "
	  "Kbuild (CONFIG_MODVERSIONS)" },
	{ KEXPORT_REASON_OLD_KIND,
	  "{sym} is an EXPORT_UNUSED_SYMBOL or EXPORT_SYMBOL_GPL_FUTURE export, removed in 5.12: "
	  "stop using it" },
	{ KEXPORT_REASON_DUPLICATE_EXPORT,
	  "{sym} is exported already: rename the module's own {sym}, or do not export it" },
	{ KEXPORT_REASON_ALREADY_LOADED,
	  "a module named {module} is loaded already: unload it first (modprobe -r {module})" },
	{ KEXPORT_REASON_NOT_A_MODULE,
	  "not a kernel module: build it with the kernel's Kbuild (obj-m) against {headers}" },
	{ KEXPORT_REASON_DEPENDENCY,
	  "the module that exports {sym} is refused: fix that one first (its own problems say how)" },
	{ KEXPORT_REASON_NO_KFLAGSTAB,
	  "the module's exports have no __kflagstab (7.x): rebuild it against {headers}" },
	{ KEXPORT_REASON_BAD_ELF,
	  "the file is damaged or was not linked by Kbuild: rebuild it against {headers}" },
};

/* The loader's GPL-compatible licence strings (license_is_gpl_compatible()). */
static const char licenses[] =
	"\"GPL\", \"GPL v2\", \"GPL and additional rights\", \"Dual BSD/GPL\", \"Dual MIT/GPL\", "
	"\"Dual MPL/GPL\"";

bool kx_fix_known(enum kexport_reason reason)
{
	for (size_t i = 0; i < KX_ARRAY_SIZE(fixes); i++)
		if (fixes[i].reason == reason)
			return true;
	return false;
}

/* The namespace of the export `sym` resolves to (the kernel's or a loaded
 * module's), or NULL. */
static const char *ns_of(const struct run *r, const char *sym)
{
	if (!sym)
		return NULL;
	const struct kx_index_slot *s = slots_find(r->l, sym);
	const struct kexport_export *e = s ? s->val : kexport_table_find(r->l->exports, sym);
	return e && e->ns && e->ns[0] ? e->ns : NULL;
}

struct buf {
	char *s;
	size_t n, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t c = (b->n + n + 1) * 2;
		char *p = realloc(b->s, c);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = c;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* The value of {key} for problem p. */
static void value(struct run *r, const struct kexport_problem *p, const char *key, size_t len,
                  struct buf *b)
{
#define IS(k) (len == sizeof(k) - 1 && memcmp(key, k, len) == 0)
	const char *rel = kexport_kernel_release(r->l->kernel);
	if (IS("sym")) {
		puts_(b, p->symbol ? p->symbol : "the symbol");
	} else if (IS("ns") || IS("module_ns")) {
		const char *ns = ns_of(r, p->symbol);
		if (ns && IS("module_ns") && strncmp(ns, "module:", 7) == 0)
			ns += 7;
		puts_(b, ns ? ns : "its namespace");
	} else if (IS("import_ns")) {
		const char *ns = ns_of(r, p->symbol);
		bool str = feature(r->l, KEXPORT_FEATURE_NS_STRING_LITERAL);
		puts_(b, "MODULE_IMPORT_NS(");
		puts_(b, str ? "\"" : "");
		puts_(b, ns ? ns : "NS");
		puts_(b, str ? "\")" : ")");
	} else if (IS("headers")) {
		const char *distro = kexport_kernel_distro(r->l->kernel);
		if (rel && distro && strcmp(distro, "debian") == 0) {
			puts_(b, "linux-headers-");
			puts_(b, rel);
		} else if (rel) {
			puts_(b, "the kernel's build tree (/lib/modules/");
			puts_(b, rel);
			puts_(b, "/build)");
		} else {
			puts_(b, "this kernel's headers");
		}
	} else if (IS("built_for")) {
		const char *vm = r->m->vermagic;
		if (vm && *vm)
			put(b, vm, strcspn(vm, " "));
		else
			puts_(b, "another kernel");
	} else if (IS("owner")) {
		puts_(b, r->taint_owner ? r->taint_owner : "its owner");
	} else if (IS("licenses")) {
		puts_(b, licenses);
	} else if (IS("module")) {
		puts_(b, r->name ? r->name : "the module");
	} else {
		put(b, key - 1, len + 2); /* not ours: as written */
	}
#undef IS
}

/* The fix of p, allocated in the run's arena; NULL when out of memory. */
const char *kx_fix_text(struct run *r, const struct kexport_problem *p)
{
	const char *t = NULL;
	for (size_t i = 0; i < KX_ARRAY_SIZE(fixes) && !t; i++)
		if (fixes[i].reason == p->reason)
			t = fixes[i].text;
	if (!t)
		return NULL;
	struct buf b = { 0 };
	for (const char *c = t; *c;) {
		const char *open = strchr(c, '{'), *close = open ? strchr(open, '}') : NULL;
		if (!close) {
			puts_(&b, c);
			break;
		}
		put(&b, c, (size_t)(open - c));
		value(r, p, open + 1, (size_t)(close - open - 1), &b);
		c = close + 1;
	}
	const char *s = b.oom || !b.s ? NULL : kx_arena_strdup(&r->arena, b.s);
	free(b.s);
	return s;
}
