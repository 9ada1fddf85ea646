/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The loader's symbol steps: every import resolved as resolve_symbol()
 * does (GPL-only, namespaces, CRCs, the owner's own verdict), and the
 * exports checked for duplicates.
 */
#include "loader.h"

/* --- 4. symbols (simplify_symbols, resolve_symbol) --------------------- */

struct found {
	const struct kexport_export *e;
	const char *owner;         /* module name; NULL for vmlinux */
	unsigned long owner_taint;
	bool implicit;             /* an owner from the table, loaded by modprobe first */
	bool owner_refused;
};

/* The module name in the table's owner column: "drivers/usb/storage/usb-storage" -> usb_storage. */
static const char *owner_module_name(struct run *r, const char *owner)
{
	const char *b = strrchr(owner, '/');
	b = b ? b + 1 : owner;
	char *s = (char *)kx_arena_strdup(&r->arena, b);
	if (!s) {
		r->oom = true;
		return owner;
	}
	for (char *p = s; *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

/* find_symbol(): vmlinux first, then the loaded modules; then what modprobe
 * would load.  e: the name's entry in the kernel's table, looked up already. */
static bool find_symbol(struct run *r, const char *name, const struct kexport_export *e,
                        struct found *f)
{
	memset(f, 0, sizeof(*f));
	if (e && owned_by_vmlinux(r, e->owner)) {
		f->e = e;
		return true;
	}
	const struct kx_index_slot *s = slots_find(r->l, name);
	if (s) {
		const struct loaded *ld = (const struct loaded *)r->l->loaded.items + (s->item - 1);
		f->e = s->val;
		f->owner = ld->m->name;
		f->owner_taint = ld->taint;
		return true;
	}
	if (e) {
		f->e = e;
		f->implicit = true;
		for (size_t i = 0; i < r->n_owners; i++)
			if (r->owners[i].owner == e->owner) {
				f->owner = r->owners[i].name;
				f->owner_taint = r->owners[i].taint;
				f->owner_refused = r->owners[i].refused;
				return true;
			}
		f->owner = owner_module_name(r, e->owner);
		if (r->l->owner_fn && r->l->owner_fn(r->l->owner_data, e->owner, &f->owner_taint) < 0)
			f->owner_refused = true;
		if (r->n_owners < KX_ARRAY_SIZE(r->owners))
			r->owners[r->n_owners++] = (struct owner_memo){ e->owner, f->owner, f->owner_taint,
			                                                f->owner_refused };
		return true;
	}
	return false;
}

static void note_need(struct run *r, const char *owner)
{
	const char **n = r->needs.items;
	/* An owner's imports all carry its memo's string: pointers first. */
	for (size_t i = 0; i < r->needs.n; i++)
		if (n[i] == owner)
			return;
	for (size_t i = 0; i < r->needs.n; i++)
		if (strcmp(n[i], owner) == 0)
			return;
	const char **slot = kx_vec_push(&r->needs);
	if (!slot)
		r->oom = true;
	else
		*slot = owner;
}

static const char *ns_suffix(struct run *r, const struct kexport_export *e)
{
	if (!e->ns || !e->ns[0])
		return "";
	char *s = NULL;
	if (asprintf(&s, " in namespace %s", e->ns) < 0) {
		r->oom = true;
		return "";
	}
	const char *a = kx_arena_strdup(&r->arena, s);
	free(s);
	return a ? a : "";
}

static const char *owner_text(const struct found *f)
{
	return f->owner ? f->owner : "vmlinux";
}

/* Why this module has P now, for the GPL_ONLY explanation. */
static const char *why_proprietary(struct run *r)
{
	char *s = NULL;
	if (r->taint_from && strcmp(r->taint_from, "owner") == 0)
		asprintf(&s, "this module inherited the proprietary taint from module %s", r->taint_owner);
	else if (r->taint_from && strcmp(r->taint_from, "name") == 0)
		asprintf(&s, "the kernel treats a module named %s as proprietary", r->name);
	else if (r->m->license)
		asprintf(&s, "license '%s' is not GPL-compatible", r->m->license);
	else
		asprintf(&s, "the module has no license ('unspecified' is not GPL-compatible)");
	if (!s) {
		r->oom = true;
		return "";
	}
	const char *a = kx_arena_strdup(&r->arena, s);
	free(s);
	return a ? a : "";
}

static bool ns_imported(const struct kexport_module *m, const char *ns)
{
	for (size_t i = 0; i < m->n_import_ns; i++)
		if (strcmp(m->import_ns[i], ns) == 0)
			return true;
	return false;
}

/* mod_strncmp(): '-' and '_' are the same character in module names. */
static bool modname_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ca = a[i] == '-' ? '_' : a[i], cb = b[i] == '-' ? '_' : b[i];
		if (ca != cb)
			return false;
		if (!ca)
			return true;
	}
	return true;
}

/* verify_module_namespace() (6.16+): "module:a,b*" lists names and prefixes. */
static bool module_ns_matches(const char *ns, const char *name)
{
	const char *p = ns + 7;
	size_t nl = strlen(name);
	while (*p) {
		size_t len = strcspn(p, ",");
		if (len && p[len - 1] == '*') {
			if (len - 1 <= nl && modname_eq(p, name, len - 1))
				return true;
		} else if (len == nl && modname_eq(p, name, len))
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* resolve_symbol(): 0 resolved, -E_NOENT "NULL" (not found), else an error pointer. */
static int resolve_symbol(struct run *r, const struct kexport_import *imp,
                          const struct kexport_export *in_table, bool *not_found)
{
	*not_found = false;
	bool gplok = !(r->mtaint & BIT(KEXPORT_TAINT_PROPRIETARY));
	struct found f;
	const char *name = imp->name;
	if (!find_symbol(r, name, in_table, &f)) {
		*not_found = true;
		problem(r, KEXPORT_REASON_MISSING, !imp->weak, name,
		        "%s is not exported by this kernel%s%s", name,
		        r->l->loaded.n ? " or by the modules loaded before" : "",
		        imp->weak ? " (a weak reference: left at 0)" : "");
		return -E_NOENT;
	}
	const struct kexport_export *e = f.e;
	if (f.owner_refused) {
		*not_found = true;
		problem(r, KEXPORT_REASON_DEPENDENCY, !imp->weak, name,
		        "%s is exported by module %s, which this kernel would refuse to load", name,
		        f.owner);
		return -E_NOENT;
	}
	bool gpl_only = kexport_kind_gpl_only(e->kind);
	if (gpl_only && !gplok) {
		*not_found = true;
		problem(r, KEXPORT_REASON_GPL_ONLY, !imp->weak, name,
		        "%s is %s%s (%s); %s, so the kernel hides it from this module", name,
		        kexport_kind_name(e->kind), ns_suffix(r, e), owner_text(&f), why_proprietary(r));
		return -E_NOENT;
	}
	if (feature(r->l, KEXPORT_FEATURE_OLD_EXPORT_KINDS)) {
		if (e->kind == KEXPORT_KIND_GPL_FUTURE && !gplok) {
			klog(r, "Symbol %s is being used by a non-GPL module, which will not be allowed in "
			        "the future", name);
			problem(r, KEXPORT_REASON_OLD_KIND, false, name,
			        "%s is EXPORT_SYMBOL_GPL_FUTURE: allowed for now, with a warning", name);
		}
		if (e->kind == KEXPORT_KIND_UNUSED || e->kind == KEXPORT_KIND_UNUSED_GPL) {
			klog(r, "Symbol %s is marked as UNUSED, however this module is using it.", name);
			klog(r, "This symbol will go away in the future.");
			klog(r, "Please evaluate if this is the right api to use and if it really is, submit "
			        "a report to the linux kernel mailing list together with submitting your "
			        "code for inclusion.");
			problem(r, KEXPORT_REASON_OLD_KIND, false, name,
			        "%s is EXPORT_UNUSED_SYMBOL: allowed, with warnings", name);
		}
	}
	if (f.implicit)
		note_need(r, f.owner);
	if (feature(r->l, KEXPORT_FEATURE_OWNER_TAINT)) {
		if (gpl_only && !r->using_gplonly) {
			r->using_gplonly = true;
			r->first_gplonly = name;
		}
		/* inherit_taint() */
		if (f.owner && (f.owner_taint & BIT(KEXPORT_TAINT_PROPRIETARY))) {
			bool sym = feature(r->l, KEXPORT_FEATURE_OWNER_MSG_SYMBOL);
			if (r->using_gplonly) {
				if (sym)
					klog(r, "%s: module using GPL-only symbols uses symbols %s from "
					        "proprietary module %s.", r->name, name, f.owner);
				else
					klog(r, "%s: module using GPL-only symbols uses symbols from proprietary "
					        "module %s.", r->name, f.owner);
				*not_found = true;
				problem(r, KEXPORT_REASON_PROPRIETARY_OWNER, !imp->weak, name,
				        "%s is exported by proprietary module %s; this module already uses "
				        "GPL-only symbols (first: %s), so the kernel refuses it", name, f.owner,
				        r->first_gplonly);
				return -E_NOENT;
			}
			if (!(r->mtaint & BIT(KEXPORT_TAINT_PROPRIETARY))) {
				if (sym)
					klog(r, "%s: module uses symbols %s from proprietary module %s, inheriting "
					        "taint.", r->name, name, f.owner);
				else
					klog(r, "%s: module uses symbols from proprietary module %s, inheriting "
					        "taint.", r->name, f.owner);
				r->mtaint |= BIT(KEXPORT_TAINT_PROPRIETARY);
				r->taint_from = "owner";
				r->taint_owner = f.owner;
				problem(r, KEXPORT_REASON_INHERITED_TAINT, false, name,
				        "%s is exported by proprietary module %s: this module is tainted P "
				        "too, and GPL-only exports are hidden from it from here on", name,
				        f.owner);
			}
		}
	}
	/* check_version() */
	uint32_t crc = e->crc;
	bool has_crc = r->l->modversions && (e->known & KEXPORT_KNOWN_CRC);
	enum kexport_reason why = KEXPORT_REASON_CRC_MISMATCH;
	if (!check_version(r, name, has_crc ? &crc : NULL, imp->has_crc, imp->crc, &why)) {
		if (why == KEXPORT_REASON_CRC_MISMATCH)
			problem(r, why, true, name,
			        "%s: the module was built against CRC 0x%08x, the kernel exports 0x%08x "
			        "(%s): its prototype or a type it uses changed", name, imp->crc, e->crc,
			        owner_text(&f));
		else if (why == KEXPORT_REASON_CRC_MISSING)
			problem(r, why, true, name,
			        "%s has no entry in the module's __versions, and this kernel (%s) refuses "
			        "unversioned imports", name, kexport_kernel_distro(r->l->kernel));
		else
			problem(r, why, true, name,
			        "the module has no __versions and this kernel cannot force a load");
		return -E_INVAL;
	}
	if (has_crc && !r->has_versions)
		problem(r, KEXPORT_REASON_NO_VERSIONS, false, name,
		        "the module has no __versions table: %s is resolved as a forced load, taint F",
		        name);
	else if (has_crc && !imp->has_crc)
		problem(r, KEXPORT_REASON_CRC_MISSING, false, name,
		        "%s has no entry in the module's __versions: accepted with a warning", name);
	/* verify_namespace_is_imported() */
	if (feature(r->l, KEXPORT_FEATURE_NAMESPACES) && (e->known & KEXPORT_KNOWN_NS) && e->ns &&
	    e->ns[0]) {
		bool module_ns = feature(r->l, KEXPORT_FEATURE_MODULE_NAMESPACES) &&
		                 strncmp(e->ns, "module:", 7) == 0;
		if (module_ns && module_ns_matches(e->ns, r->name)) {
			/* accepted: the export names this module */
		} else if (!ns_imported(r->m, e->ns)) {
			klog(r, "%s: module uses symbol (%s) from namespace %s, but does not import it.",
			     r->name, name, e->ns);
			bool fatal = !r->l->allow_missing_ns;
			if (module_ns)
				problem(r, KEXPORT_REASON_NS_MODULE_SCOPE, fatal, name,
				        "%s is exported only for modules %s; %s is not one of them", name,
				        e->ns + 7, r->name);
			else
				problem(r, KEXPORT_REASON_NS_NOT_IMPORTED, fatal, name,
				        "%s is exported in namespace %s and the module lacks "
				        "MODULE_IMPORT_NS(%s)%s", name, e->ns, e->ns,
				        fatal ? "" : " (allowed: CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS)");
			if (fatal)
				return -E_INVAL;
		}
	}
	return 0;
}

int simplify_symbols(struct run *r)
{
	int ret = 0;
	bool got = r->l->x86 || r->m->machine == 3 /* EM_386 */ || r->m->machine == 62 /* EM_X86_64 */;
	/* The table is looked up a batch of imports at a time (kx_table_find_many()
	 * overlaps the lookups' cache misses); the loader's order is kept. */
	enum { BATCH = 64 };
	uint32_t hashes[BATCH];
	const struct kexport_export *in_table[BATCH];
	const uint32_t *known = kx_module_import_hashes(r->m); /* the reader's, if it made m */
	for (size_t i = 0; i < r->m->n_imports; i++) {
		const struct kexport_import *imp = &r->m->imports[i];
		if (i % BATCH == 0) {
			size_t n = r->m->n_imports - i < BATCH ? r->m->n_imports - i : BATCH;
			for (size_t k = 0; k < n; k++)
				hashes[k] = known ? known[i + k] : kx_hash(imp[k].name);
			kx_table_find_many(r->l->exports, &imp->name, sizeof(*imp), hashes, n, in_table);
		}
		bool not_found;
		int err = resolve_symbol(r, imp, in_table[i % BATCH], &not_found);
		if (!err)
			continue;
		if (not_found && (imp->weak || (got && feature(r->l, KEXPORT_FEATURE_IGNORE_GOT) &&
		                                strcmp(imp->name, "_GLOBAL_OFFSET_TABLE_") == 0)))
			continue;
		ret = err;
		klog(r, "%s: Unknown symbol %s (err %d)", r->name, imp->name,
		     !not_found || feature(r->l, KEXPORT_FEATURE_UNKNOWN_ERR_RET) ? err : 0);
	}
	return ret;
}

/* The need (module name) an owner from the table's owner column is, or NULL:
 * owner_module_name() without the copy. */
static const char *needed_owner(const struct run *r, const char *owner)
{
	const char *b = strrchr(owner, '/');
	b = b ? b + 1 : owner;
	size_t len = strlen(b) + 1; /* with the NUL: the whole name */
	const char *const *n = r->needs.items;
	for (size_t j = 0; j < r->needs.n; j++)
		if (modname_eq(b, n[j], len))
			return n[j];
	return NULL;
}

/* verify_exported_symbols(): an export the kernel or a loaded module has already. */
int check_duplicates(struct run *r)
{
	size_t n = r->m->n_exports;
	if (!n)
		return 0;
	/* Every export's entry in the table, looked up at once (as for imports). */
	enum { ON_STACK = 64 };
	uint32_t hashes_stack[ON_STACK];
	const struct kexport_export *in_table_stack[ON_STACK];
	uint32_t *hashes = n <= ON_STACK ? hashes_stack : malloc(n * sizeof(*hashes));
	const struct kexport_export **in_table =
		n <= ON_STACK ? in_table_stack : malloc(n * sizeof(*in_table));
	int ret = 0;
	if (!hashes || !in_table) {
		r->oom = true;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		hashes[i] = kx_hash(r->m->exports[i].name);
	kx_table_find_many(r->l->exports, &r->m->exports->name, sizeof(*r->m->exports), hashes, n,
	                   in_table);
	for (int pass = 0; pass < 2 && !ret; pass++)
		for (size_t i = 0; i < n; i++) {
			const struct kexport_export *e = &r->m->exports[i];
			if (kexport_kind_gpl_only(e->kind) != (pass == 1))
				continue;
			const char *owner = NULL;
			const struct kexport_export *k = in_table[i];
			const struct kx_index_slot *s;
			if (k && owned_by_vmlinux(r, k->owner))
				owner = "kernel";
			else if ((s = slots_find(r->l, e->name)))
				owner = ((const struct loaded *)r->l->loaded.items)[s->item - 1].m->name;
			else if (k)
				owner = needed_owner(r, k->owner); /* loaded only if this module needs it */
			if (!owner)
				continue;
			klog(r, "%s: exports duplicate symbol %s (owned by %s)", r->name, e->name, owner);
			problem(r, KEXPORT_REASON_DUPLICATE_EXPORT, true, e->name,
			        "%s is already exported by %s; the kernel refuses a second exporter",
			        e->name, owner);
			ret = -E_NOEXEC;
			break;
		}
out:
	if (hashes != hashes_stack)
		free(hashes);
	if (in_table != in_table_stack)
		free(in_table);
	return ret;
}

bool already_loaded(const struct run *r)
{
	const struct loaded *ld = r->l->loaded.items;
	for (size_t i = 0; i < r->l->loaded.n; i++)
		if (strcmp(ld[i].m->name, r->name) == 0)
			return true;
	return false;
}

/*
 * The loader's ELF validation (elf_validity_check() or, from 6.12,
 * elf_validity_cache_copy(), then setup_load_info()): elfcheck.c replayed
 * each generation's order when the module was read; this takes the order
 * of the kernel judged and makes the two checks that need that kernel, its
 * machine and (6.12+) the size of its struct module.
 */
int check_elf(struct run *r)
{
	enum kx_elf_order order = feature(r->l, KEXPORT_FEATURE_UNIQUE_SECTIONS) ? KX_ELF_ORDER_612
	                          : feature(r->l, KEXPORT_FEATURE_ELF_CHECK_MESSAGES) ? KX_ELF_ORDER_61
	                                                                               : KX_ELF_ORDER_510;
	const struct kx_elf_check *c = kx_module_elf_check(r->m);
	struct kx_elf_fault f = { 0 };
	if (c)
		f = c->fault[order];
	else if (r->m->n_modinfo_sections > 1 && order == KX_ELF_ORDER_612) /* made by hand */
		f.code = KX_ELF_FAULT_MODINFO_TWICE;
	else if (!r->m->has_this_module || (order == KX_ELF_ORDER_612 && r->m->n_this_module_sections > 1))
		f.code = order == KX_ELF_ORDER_612 ? KX_ELF_FAULT_THIS_MODULE_COUNT
		                                   : KX_ELF_FAULT_NO_THIS_MODULE;
	/* the kernel's sizeof(struct module), read once (kernel.c caches it) */
	uint64_t kernel_size = c && c->this_module_checked && order == KX_ELF_ORDER_612
	                               ? kexport_kernel_struct_module_size(r->l->kernel) : 0;
	if (!kx_elf_fault_before_arch(&f) && r->l->machine && r->m->machine != r->l->machine)
		f = (struct kx_elf_fault){ .code = KX_ELF_FAULT_ARCH, .a = r->m->machine };
	else if (kernel_size && c->this_module_size != kernel_size)
		f = (struct kx_elf_fault){ .code = KX_ELF_FAULT_THIS_MODULE_SIZE };
	if (f.code == KX_ELF_FAULT_NONE && c && order == KX_ELF_ORDER_612 &&
	    feature(r->l, KEXPORT_FEATURE_ELF_STRTAB_CHECKS))
		f = c->strtab;
	if (f.code == KX_ELF_FAULT_NONE)
		return 0;
	if (f.code == KX_ELF_FAULT_NOMEM) {
		r->oom = true;
		return -E_NOMEM;
	}
	char line[256];
	if (kx_elf_fault_message(&f, order, kexport_module_modinfo(r->m, "name"), line, sizeof(line)))
		klog(r, "%s", line);
	const char *second;
	if (kx_elf_fault_second_line(&f, order, &second))
		klog(r, "%s", second);
	bool not_module = f.code == KX_ELF_FAULT_NO_THIS_MODULE || f.code == KX_ELF_FAULT_NO_SYMBOLS ||
	                  (f.code >= KX_ELF_FAULT_MODINFO_TWICE && f.code <= KX_ELF_FAULT_THIS_MODULE_NOALLOC);
	if (f.code == KX_ELF_FAULT_THIS_MODULE_SIZE)
		problem(r, KEXPORT_REASON_BAD_ELF, true, NULL,
		        ".gnu.linkonce.this_module is %llu bytes, this kernel's struct module %llu: "
		        "built for another kernel",
		        (unsigned long long)c->this_module_size, (unsigned long long)kernel_size);
	else if (f.code == KX_ELF_FAULT_ARCH)
		problem(r, KEXPORT_REASON_BAD_ELF, true, NULL,
		        "built for ELF machine %u; this kernel loads machine %u", r->m->machine,
		        r->l->machine);
	else
		problem(r, not_module ? KEXPORT_REASON_NOT_A_MODULE : KEXPORT_REASON_BAD_ELF, true, NULL,
		        "%s", kx_elf_fault_why(&f));
	return -E_NOEXEC;
}
