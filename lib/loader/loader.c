/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated kernel (struct kexport_loader): what the real one holds
 * between two init_module() calls, and the names of taints and reasons.
 */
#include "loader.h"

/* ------------------------------------------------------------------------ */
/* Taint letters (kernel/panic.c taint_flags[])                             */

static const struct {
	char letter;
	bool module; /* shown in /sys/module/NAME/taint */
} taint_flags[] = {
	{ 'P', true },  { 'F', true },  { 'S', false }, { 'R', false }, { 'M', false },
	{ 'B', false }, { 'U', false }, { 'D', false }, { 'A', false }, { 'W', false },
	{ 'C', true },  { 'I', false }, { 'O', true },  { 'E', true },  { 'L', false },
	{ 'K', true },  { 'X', true },  { 'T', true },  { 'N', true },  { 'J', true },
};

KX_EXPORT const char *kexport_taint_letters(unsigned long mask, bool module_only, char *buf,
                                            size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < KX_ARRAY_SIZE(taint_flags) && n + 1 < size; i++)
		if ((mask & BIT(i)) && (!module_only || taint_flags[i].module))
			buf[n++] = taint_flags[i].letter;
	if (size)
		buf[n] = '\0';
	return buf;
}

static const char *const reason_names[KEXPORT_REASON_COUNT] = {
	[KEXPORT_REASON_MISSING] = "MISSING",
	[KEXPORT_REASON_GPL_ONLY] = "GPL_ONLY",
	[KEXPORT_REASON_PROPRIETARY_OWNER] = "PROPRIETARY_OWNER",
	[KEXPORT_REASON_INHERITED_TAINT] = "INHERITED_TAINT",
	[KEXPORT_REASON_CRC_MISMATCH] = "CRC_MISMATCH",
	[KEXPORT_REASON_CRC_MISSING] = "CRC_MISSING",
	[KEXPORT_REASON_NO_VERSIONS] = "NO_VERSIONS",
	[KEXPORT_REASON_NS_NOT_IMPORTED] = "NS_NOT_IMPORTED",
	[KEXPORT_REASON_NS_MODULE_SCOPE] = "NS_MODULE_SCOPE",
	[KEXPORT_REASON_NS_MODULE_IMPORT] = "NS_MODULE_IMPORT",
	[KEXPORT_REASON_VERMAGIC] = "VERMAGIC",
	[KEXPORT_REASON_NO_VERMAGIC] = "NO_VERMAGIC",
	[KEXPORT_REASON_LAYOUT] = "LAYOUT",
	[KEXPORT_REASON_SIGNATURE_POLICY] = "SIGNATURE_POLICY",
	[KEXPORT_REASON_SIGNATURE_INVALID] = "SIGNATURE_INVALID",
	[KEXPORT_REASON_UNSIGNED] = "UNSIGNED",
	[KEXPORT_REASON_LICENSE] = "LICENSE",
	[KEXPORT_REASON_LICENSE_NAME] = "LICENSE_NAME",
	[KEXPORT_REASON_OUT_OF_TREE] = "OUT_OF_TREE",
	[KEXPORT_REASON_STAGING] = "STAGING",
	[KEXPORT_REASON_LIVEPATCH] = "LIVEPATCH",
	[KEXPORT_REASON_TEST] = "TEST",
	[KEXPORT_REASON_RETPOLINE] = "RETPOLINE",
	[KEXPORT_REASON_EXPORTS_NO_CRC] = "EXPORTS_NO_CRC",
	[KEXPORT_REASON_OLD_KIND] = "OLD_KIND",
	[KEXPORT_REASON_DUPLICATE_EXPORT] = "DUPLICATE_EXPORT",
	[KEXPORT_REASON_ALREADY_LOADED] = "ALREADY_LOADED",
	[KEXPORT_REASON_NOT_A_MODULE] = "NOT_A_MODULE",
	[KEXPORT_REASON_DEPENDENCY] = "DEPENDENCY",
	[KEXPORT_REASON_NO_KFLAGSTAB] = "NO_KFLAGSTAB",
	[KEXPORT_REASON_BAD_ELF] = "BAD_ELF",
};

KX_EXPORT const char *kexport_reason_name(enum kexport_reason r)
{
	return (unsigned)r < KEXPORT_REASON_COUNT ? reason_names[r] : "?";
}

/* A configuration value; without a .config and without an override, dflt. */
static bool config_bool(const struct kexport_kernel *k, const char *key, bool dflt)
{
	if (!kexport_kernel_config_has(k, key) && !kexport_kernel_config_known(k))
		return dflt;
	const char *v = kexport_kernel_config(k, key);
	return v && (strcmp(v, "y") == 0 || strcmp(v, "m") == 0);
}

KX_EXPORT int kexport_loader_new(struct kexport_ctx *ctx, struct kexport_loader **lp,
                                 const struct kexport_kernel *k, const struct kexport_table *exports)
{
	if (!ctx)
		return -EINVAL;
	struct kexport_loader *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->ctx = ctx;
	l->kernel = k;
	l->exports = exports;
	/* An unknown version is taken as the newest the rules know. */
	unsigned v = kexport_kernel_version(k);
	kx_features(v ? v : KEXPORT_KVER(255, 255, 255), kexport_kernel_distro(k), &l->features);
	/* Without a configuration: CRCs are checked when the exports have them;
	 * the rest is what distribution kernels ship. */
	bool have_crcs = false;
	const struct kexport_export *ml = kexport_table_find(exports, "module_layout");
	if (ml)
		have_crcs = (ml->known & KEXPORT_KNOWN_CRC) != 0;
	else
		for (size_t i = 0; i < kexport_table_count(exports) && i < 64 && !have_crcs; i++)
			have_crcs = (kexport_table_get(exports, i)->known & KEXPORT_KNOWN_CRC) &&
			            kexport_table_get(exports, i)->crc != 0;
	l->modversions = config_bool(k, "MODVERSIONS", have_crcs);
	l->sig = config_bool(k, "MODULE_SIG", true);
	l->sig_force = config_bool(k, "MODULE_SIG_FORCE", false);
	l->allow_missing_ns = config_bool(k, "MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS", false);
	l->force_load = config_bool(k, "MODULE_FORCE_LOAD", true);
	l->livepatch = config_bool(k, "LIVEPATCH", true);
	l->x86 = config_bool(k, "X86", false);
	l->machine = config_bool(k, "X86_64", false) ? 62 /* EM_X86_64 */
	             : config_bool(k, "ARM64", false) ? 183 /* EM_AARCH64 */ : 0;
	l->retpoline = config_bool(k, "RETPOLINE", false) || config_bool(k, "MITIGATION_RETPOLINE", false);
	l->vermagic = kexport_kernel_vermagic(k);
	l->trust = KEXPORT_SIG_TRUST_VERIFY;
	l->st.locks_debugged = true;
	kx_vec_init(&l->loaded, sizeof(struct loaded));
	*lp = l;
	return 0;
}

KX_EXPORT void kexport_loader_free(struct kexport_loader *l)
{
	if (!l)
		return;
	kx_vec_free(&l->loaded);
	kx_index_free(&l->loaded_exports);
	free(l);
}

KX_EXPORT void kexport_loader_set_taint(struct kexport_loader *l, unsigned long mask)
{
	l->st.taint = mask;
	/* A kernel tainted unreliably before has lock debugging off already. */
	if (mask & (BIT(KEXPORT_TAINT_PROPRIETARY) | BIT(KEXPORT_TAINT_FORCED)))
		l->st.locks_debugged = false;
	/* Taint E comes only from an unverified module, whose load printed the
	 * once-a-boot "module verification failed" (seen under qemu: a refused
	 * unsigned module leaves E and the notice behind). */
	if (mask & BIT(KEXPORT_TAINT_UNSIGNED))
		l->st.once_unsigned = true;
	/* Likewise K and its once-a-boot notice. */
	if (mask & BIT(KEXPORT_TAINT_LIVEPATCH))
		l->st.once_livepatch = true;
}

KX_EXPORT unsigned long kexport_loader_taint(const struct kexport_loader *l)
{
	return l->st.taint;
}

KX_EXPORT void kexport_loader_set_sig_trust(struct kexport_loader *l, enum kexport_sig_trust t)
{
	l->trust = t;
}

KX_EXPORT void kexport_loader_set_owner_fn(struct kexport_loader *l, kexport_owner_fn fn,
                                           void *data)
{
	l->owner_fn = fn;
	l->owner_data = data;
}

static const char *export_key(const void *e)
{
	return ((const struct kexport_export *)e)->name;
}

int slots_put(struct kexport_loader *l, uint32_t loaded, const struct kexport_export *e)
{
	if ((l->loaded_exports.n + 1) * 4 > l->loaded_exports.n_slots * 3 &&
	    kx_index_reserve(&l->loaded_exports, l->loaded_exports.n + 1) < 0)
		return -ENOMEM;
	uint32_t h = kx_hash(e->name);
	struct kx_index_slot *s = kx_index_slot(&l->loaded_exports, e->name, h, export_key);
	if (s->item)
		return 0; /* the loader refuses duplicates before this */
	*s = (struct kx_index_slot){ e, h, loaded + 1 };
	l->loaded_exports.n++;
	return 0;
}

const struct kx_index_slot *slots_find(const struct kexport_loader *l, const char *name)
{
	return kx_index_find(&l->loaded_exports, name, kx_hash(name), export_key);
}
