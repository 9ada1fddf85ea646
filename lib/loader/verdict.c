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
#include <limits.h>
#include <stdarg.h>

#include "libkexport-internal.h"

#define BIT(n) (1ul << (n))

/* What init_module returns, as the kernel spells them (asm-generic/errno). */
enum {
	E_PERM = 1, E_NOENT = 2, E_NOEXEC = 8, E_NOMEM = 12, E_EXIST = 17, E_INVAL = 22,
	E_NODATA = 61, E_BADMSG = 74, E_NOPKG = 65, E_NOKEY = 126, E_KEYREJECTED = 129,
};

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

/* ------------------------------------------------------------------------ */
/* The simulated kernel                                                     */

/* What changes from one init_module() call to the next. */
struct kstate {
	unsigned long taint;
	bool locks_debugged;   /* debug_locks: cleared by the first unreliable taint */
	bool once_unsigned;    /* pr_notice_once: module verification failed */
	bool once_livepatch;   /* pr_notice_once: tainting kernel with TAINT_LIVEPATCH */
	bool once_no_version;  /* pr_warn_once: no symbol version (mainline) */
};

struct loaded {
	const struct kexport_module *m;
	unsigned long taint;
};

/* Exports of loaded modules: name -> (module, export), open addressing. */
struct slot {
	const char *name;
	uint32_t loaded;
	const struct kexport_export *e;
};

struct kexport_loader {
	const struct kexport_kernel *kernel;
	const struct kexport_table *exports;
	struct kx_feature_set features;
	/* The configuration as the loader uses it (kernel.c, or assumed). */
	bool modversions, sig, sig_force, allow_missing_ns, force_load, livepatch, retpoline, x86;
	uint16_t machine;    /* elf_check_arch()'s e_machine; 0 when the configuration is unknown */
	const char *vermagic;
	enum kexport_sig_trust trust;
	kexport_owner_fn owner_fn;
	void *owner_data;
	struct kstate st;
	struct kx_vec loaded; /* struct loaded, in load order */
	struct slot *slots;
	size_t n_slots, cap_slots;
};

static bool feature(const struct kexport_loader *l, enum kexport_feature f)
{
	return kx_feature_set_has(&l->features, f);
}

/* A configuration value; without a .config and without an override, dflt. */
static bool config_bool(const struct kexport_kernel *k, const char *key, bool dflt)
{
	if (!kexport_kernel_config_has(k, key) && !kexport_kernel_config_known(k))
		return dflt;
	const char *v = kexport_kernel_config(k, key);
	return v && (strcmp(v, "y") == 0 || strcmp(v, "m") == 0);
}


KX_EXPORT int kexport_loader_new(struct kexport_loader **lp, const struct kexport_kernel *k,
                                 const struct kexport_table *exports)
{
	struct kexport_loader *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
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
	free(l->slots);
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

static int slots_put(struct kexport_loader *l, const char *name, uint32_t idx,
                     const struct kexport_export *e);

static int slots_grow(struct kexport_loader *l)
{
	size_t cap = l->cap_slots ? l->cap_slots * 2 : 256;
	struct slot *old = l->slots;
	size_t old_cap = l->cap_slots;
	l->slots = calloc(cap, sizeof(*l->slots));
	if (!l->slots) {
		l->slots = old;
		return -ENOMEM;
	}
	l->cap_slots = cap;
	l->n_slots = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].name)
			slots_put(l, old[i].name, old[i].loaded, old[i].e);
	free(old);
	return 0;
}

static int slots_put(struct kexport_loader *l, const char *name, uint32_t idx,
                     const struct kexport_export *e)
{
	if ((l->n_slots + 1) * 2 > l->cap_slots && slots_grow(l) < 0)
		return -ENOMEM;
	size_t mask = l->cap_slots - 1;
	for (size_t i = kx_hash(name) & mask;; i = (i + 1) & mask) {
		if (!l->slots[i].name) {
			l->slots[i] = (struct slot){ name, idx, e };
			l->n_slots++;
			return 0;
		}
		if (strcmp(l->slots[i].name, name) == 0)
			return 0; /* the loader refuses duplicates before this */
	}
}

static const struct slot *slots_find(const struct kexport_loader *l, const char *name)
{
	if (!l->cap_slots)
		return NULL;
	size_t mask = l->cap_slots - 1;
	for (size_t i = kx_hash(name) & mask; l->slots[i].name; i = (i + 1) & mask)
		if (strcmp(l->slots[i].name, name) == 0)
			return &l->slots[i];
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* One load attempt                                                         */

struct run {
	struct kexport_loader *l;
	struct kstate st;
	const struct kexport_module *m;
	const char *name;
	unsigned flags;
	unsigned long mtaint;
	bool using_gplonly;
	const char *first_gplonly;     /* for explanations */
	const char *taint_from;        /* why the module has P: "license", "name", "owner" */
	const char *taint_owner;       /* the proprietary owner it inherited P from */
	bool has_versions;             /* info->index.vers != 0 */
	bool sig_ok;
	const char *sig_note;          /* how the signature was judged (verdict->signature) */
	struct kx_vec log;             /* char * */
	struct kx_vec problems;        /* struct kexport_problem */
	struct kx_vec needs;           /* const char * (arena) */
	struct kx_arena arena;
	bool oom;
	/* The owners this module imports from, looked up once each. */
	struct owner_memo {
		const char *owner;   /* the table's string */
		const char *name;
		unsigned long taint;
		bool refused;
	} owners[16];
	size_t n_owners;
	const char *vmlinux;           /* the table's "vmlinux" string last seen */
};

/* Owned by the kernel itself?  The table shares one owner string among a
 * run of exports, so after the first this is a pointer comparison. */
static bool owned_by_vmlinux(struct run *r, const char *owner)
{
	if (owner == r->vmlinux)
		return true;
	if (owner[0] != 'v' || strcmp(owner, "vmlinux") != 0)
		return false;
	r->vmlinux = owner;
	return true;
}

__attribute__((format(printf, 2, 0)))
static char *run_vfmt(struct run *r, const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0) {
		r->oom = true;
		return NULL;
	}
	const char *a = kx_arena_strdup(&r->arena, s);
	free(s);
	if (!a)
		r->oom = true;
	return (char *)a;
}

/* A line the kernel prints (the format's trailing newline dropped). */
KX_PRINTF(2, 3) static void klog(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = run_vfmt(r, fmt, ap);
	va_end(ap);
	if (!s)
		return;
	size_t n = strlen(s);
	if (n && s[n - 1] == '\n')
		s[n - 1] = '\0';
	const char **slot = kx_vec_push(&r->log);
	if (!slot)
		r->oom = true;
	else
		*slot = s;
}

KX_PRINTF(5, 6)
static void problem(struct run *r, enum kexport_reason reason, bool fatal, const char *sym,
                    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = run_vfmt(r, fmt, ap);
	va_end(ap);
	struct kexport_problem *p = kx_vec_push(&r->problems);
	if (!p || !s) {
		r->oom = true;
		return;
	}
	p->reason = reason;
	p->fatal = fatal;
	p->symbol = sym ? kx_arena_strdup(&r->arena, sym) : NULL;
	p->explanation = s;
}

static bool test_taint(const struct run *r, int bit)
{
	return r->st.taint & BIT(bit);
}

/* add_taint(): the first unreliable taint turns lock debugging off, loudly. */
static void add_taint(struct run *r, int bit, bool lockdep_unreliable)
{
	if (lockdep_unreliable && r->st.locks_debugged) {
		r->st.locks_debugged = false;
		klog(r, "Disabling lock debugging due to kernel taint");
	}
	r->st.taint |= BIT(bit);
}

static void add_taint_module(struct run *r, int bit, bool lockdep_unreliable)
{
	add_taint(r, bit, lockdep_unreliable);
	r->mtaint |= BIT(bit);
}

/* try_to_force_load(): 0, or -ENOEXEC without CONFIG_MODULE_FORCE_LOAD. */
static int force_load(struct run *r, const char *reason)
{
	if (!r->l->force_load)
		return -E_NOEXEC;
	if (!test_taint(r, KEXPORT_TAINT_FORCED))
		klog(r, "%s: %s: kernel tainted.", r->name, reason);
	add_taint_module(r, KEXPORT_TAINT_FORCED, true);
	return 0;
}

/* Only ever asked for module_layout: a KEXPORT_MODEL_VERDICT module keeps
 * no other entry (module.c), so a check that wants another must keep it there. */
static const struct kexport_version *find_version(const struct kexport_module *m,
                                                  const char *name)
{
	for (size_t i = 0; i < m->n_versions; i++)
		if (!m->versions[i].extended && strcmp(m->versions[i].name, name) == 0)
			return &m->versions[i];
	return NULL;
}

/* --- 1. the signature (kernel/module/signing.c, module_signature.c) ---- */

KX_PRINTF(2, 3) static void sig_note(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	r->sig_note = run_vfmt(r, fmt, ap);
	va_end(ap);
}

#define SIG_WHY_POLICY "--trust-signatures given"

/* A policy instead of cryptography: no trusted certificates are known. */
static bool sig_trusted(struct run *r, const char *why)
{
	switch (r->l->trust) {
	case KEXPORT_SIG_TRUST_ALL:
		sig_note(r, "assumed valid (--trust-signatures all)");
		return true;
	case KEXPORT_SIG_TRUST_NONE:
		sig_note(r, "its key assumed unavailable (--trust-signatures none)");
		return false;
	case KEXPORT_SIG_TRUST_SAME_BUILD:
	case KEXPORT_SIG_TRUST_VERIFY:
		break;
	}
	/* Keys are per build: a module signed when the kernel was built names
	 * the kernel's release in its vermagic. */
	const char *rel = kexport_kernel_release(r->l->kernel);
	const char *vm = r->m->vermagic;
	size_t n = rel ? strlen(rel) : 0;
	bool same = rel && vm && strncmp(vm, rel, n) == 0 && (vm[n] == ' ' || vm[n] == '\0');
	/* The policy's own notes are constants: a tree audit makes one per module. */
	static const char *const by_policy[2] = {
		"not verified (" SIG_WHY_POLICY "): its key assumed unavailable because vermagic "
		"names another build",
		"not verified (" SIG_WHY_POLICY "): assumed valid because vermagic names the same build",
	};
	if (strcmp(why, SIG_WHY_POLICY) == 0)
		r->sig_note = by_policy[same];
	else
		sig_note(r, "not verified (%s): %s", why,
		         same ? "assumed valid because vermagic names the same build"
		              : "its key assumed unavailable because vermagic names another build");
	return same;
}

/*
 * verify_pkcs7_signature() against the kernel's trusted certificates: 0,
 * -E_NOKEY, -E_NOPKG, -E_KEYREJECTED or -E_BADMSG; 1 when there are none to
 * check against (then the trust policy decides).
 */
static int verify_signature(struct run *r)
{
	const struct kexport_kernel *k = r->l->kernel;
	if (r->l->trust != KEXPORT_SIG_TRUST_VERIFY)
		return sig_trusted(r, SIG_WHY_POLICY) ? 0 : -E_NOKEY;
	uint8_t *d;
	size_t n;
	char err[KEXPORT_ERRMSG_MAX];
	if (kx_read_plain(r->m->path, &d, &n, err) < 0)
		return sig_trusted(r, err) ? 0 : -E_NOKEY;
	/* Only now, with a signature to check, is the kernel image read for its
	 * keys.  Without any, the message is still checked (the kernel refuses
	 * some before it looks for a key); then the policy decides. */
	struct kexport_sig_result res;
	int v = kexport_kernel_verify_module(k, d, n, &res);
	free(d);
	if (v == -ENOKEY && !kexport_kernel_signing_key_count(k)) {
		const char *o = kexport_kernel_origin(k, "signing-keys");
		if (!o || !o[0])
			o = "no kernel image or --signing-keys: no trusted certificates";
		return sig_trusted(r, o) ? 0 : -E_NOKEY;
	}
	if (res.kernel_msg[0])
		klog(r, "%s", res.kernel_msg);
	sig_note(r, "%s", res.detail);
	switch (v) {
	case 0:
		return 0;
	case -ENOKEY:
		return -E_NOKEY;
	case -ENOPKG:
		return -E_NOPKG;
	case -EBADMSG:
	case -ENODATA:
		problem(r, KEXPORT_REASON_SIGNATURE_INVALID, true, NULL,
		        "the appended signature cannot be parsed (%s); the kernel refuses such a "
		        "module even when signatures are not required", res.detail);
		return -E_BADMSG;
	case -ENOMEM:
		r->oom = true;
		return -E_NOMEM;
	default:
		if (res.kernel_msg[0]) /* a message-level refusal, before any key */
			problem(r, KEXPORT_REASON_SIGNATURE_INVALID, true, NULL,
			        "%s; the kernel refuses such a signature even when signatures are not "
			        "required", res.detail);
		else
			problem(r, KEXPORT_REASON_SIGNATURE_INVALID, true, NULL,
			        "%s: the module was changed after it was signed, or signed with another "
			        "key of the same name; the kernel refuses a signature that fails to "
			        "verify even when signatures are not required", res.detail);
		return -E_KEYREJECTED;
	}
}

static int check_signature(struct run *r)
{
	const struct kexport_module *m = r->m;
	int err = -E_NODATA;
	bool mangled = r->flags & (KEXPORT_LOAD_IGNORE_MODVERSIONS | KEXPORT_LOAD_IGNORE_VERMAGIC);
	if (mangled && m->signed_trailer)
		sig_note(r, "not checked: a forced load is treated as unsigned");
	if (!mangled && m->signed_trailer) {
		if (!m->sig_len_ok)
			err = -E_BADMSG;
		else if (m->sig_id_type != 2 /* PKEY_ID_PKCS7 */) {
			klog(r, "module: not signed with expected PKCS#7 message");
			err = -E_NOPKG;
		} else if (!m->sig_params_zero) {
			klog(r, "module: PKCS#7 signature info has unexpected non-zero params");
			err = -E_BADMSG;
		} else if (!m->sig_der)
			err = -E_BADMSG;
		else if ((err = verify_signature(r)) == 0) {
			r->sig_ok = true;
			return 0;
		} else if (err == -E_KEYREJECTED || err == -E_NOMEM ||
		           (err == -E_BADMSG && r->problems.n))
			return err; /* fatal, explained */
	}
	const char *reason;
	switch (-err) {
	case E_NODATA:
		reason = "unsigned module";
		break;
	case E_NOPKG:
		reason = "module with unsupported crypto";
		break;
	case E_NOKEY:
		reason = "module with unavailable key";
		break;
	default:
		problem(r, KEXPORT_REASON_SIGNATURE_INVALID, true, NULL,
		        "the appended signature cannot be parsed (%s); the kernel refuses such a "
		        "module even when signatures are not required",
		        !m->sig_len_ok      ? "its length does not fit the file"
		        : !m->sig_params_zero ? "non-zero fields in struct module_signature"
		                            : "not a PKCS#7 message");
		return err;
	}
	if (r->l->sig_force) {
		if (feature(r->l, KEXPORT_FEATURE_SIG_REJECTED_MESSAGE)) {
			klog(r, "Loading of %s is rejected", reason);
			err = -E_KEYREJECTED;
		} else
			err = -E_NOKEY;
		problem(r, KEXPORT_REASON_SIGNATURE_POLICY, true, NULL,
		        "%s: this kernel enforces module signatures (CONFIG_MODULE_SIG_FORCE)", reason);
		return err;
	}
	return 0;
}

/* --- 2. module_layout, vermagic (version.c, check_modinfo) -------------- */

/*
 * check_version(): 1 accepted, 0 refused.  `crc` NULL: the exporter has no
 * CRC (or the kernel no MODVERSIONS) and anything goes.
 */
static int check_version(struct run *r, const char *sym, const uint32_t *crc, bool has_crc,
                         uint32_t mcrc, enum kexport_reason *why)
{
	if (!crc)
		return 1;
	if (!r->has_versions) {
		*why = KEXPORT_REASON_NO_VERSIONS;
		return force_load(r, sym) == 0;
	}
	if (has_crc) {
		if (mcrc == *crc)
			return 1;
		klog(r, "%s: disagrees about version of symbol %s", r->name, sym);
		*why = KEXPORT_REASON_CRC_MISMATCH;
		return 0;
	}
	*why = KEXPORT_REASON_CRC_MISSING;
	if (feature(r->l, KEXPORT_FEATURE_MISSING_CRC_ACCEPTED)) {
		if (!r->st.once_no_version) {
			r->st.once_no_version = true;
			klog(r, "%s: no symbol version for %s", r->name, sym);
		}
		return 1;
	}
	klog(r, "%s: no symbol version for %s", r->name, sym);
	return 0;
}

static int check_layout(struct run *r)
{
	if (!r->l->modversions)
		return 0;
	const struct kexport_export *e = kexport_table_find(r->l->exports, "module_layout");
	if (!e || !(e->known & KEXPORT_KNOWN_CRC))
		return 0;
	const struct kexport_version *v = r->has_versions ? find_version(r->m, "module_layout") : NULL;
	enum kexport_reason why = KEXPORT_REASON_LAYOUT;
	if (check_version(r, "module_layout", &e->crc, v != NULL, v ? v->crc : 0, &why))
		return 0;
	if (why == KEXPORT_REASON_NO_VERSIONS)
		problem(r, why, true, NULL,
		        "the module has no __versions table and this kernel cannot force a load "
		        "(no CONFIG_MODULE_FORCE_LOAD)");
	else if (v)
		problem(r, KEXPORT_REASON_LAYOUT, true, "module_layout",
		        "module_layout is 0x%08x in the module but 0x%08x in the kernel: struct module "
		        "and the loader's structures differ; rebuild against this kernel's headers",
		        v->crc, e->crc);
	else
		problem(r, KEXPORT_REASON_LAYOUT, true, "module_layout",
		        "the module's __versions has no module_layout entry, which this kernel requires");
	return -E_NOEXEC;
}

/* The first word that differs between two vermagic strings, for the explanation. */
static void vermagic_diff(const char *a, const char *b, char *out, size_t size)
{
	snprintf(out, size, "release");
	const char *pa = a + strcspn(a, " "), *pb = b + strcspn(b, " ");
	if (strcmp(pa, pb) == 0)
		return;
	while (*pa == ' ')
		pa++;
	while (*pb == ' ')
		pb++;
	while (*pa && *pb) {
		size_t la = strcspn(pa, " "), lb = strcspn(pb, " ");
		if (la != lb || memcmp(pa, pb, la) != 0) {
			snprintf(out, size, "'%.*s' vs '%.*s'", (int)la, pa, (int)lb, pb);
			return;
		}
		pa += la;
		pb += lb;
		while (*pa == ' ')
			pa++;
		while (*pb == ' ')
			pb++;
	}
	snprintf(out, size, "'%s' vs '%s'", *pa ? pa : "(end)", *pb ? pb : "(end)");
}

static int check_vermagic(struct run *r)
{
	const char *modmagic = (r->flags & KEXPORT_LOAD_IGNORE_VERMAGIC) ? NULL : r->m->vermagic;
	if (!modmagic) {
		int err = force_load(r, "bad vermagic");
		problem(r, KEXPORT_REASON_NO_VERMAGIC, err != 0, NULL,
		        err ? "the module has no vermagic and this kernel cannot force a load"
		            : "the module has no vermagic: a forced load, taint F");
		return err;
	}
	const char *kmagic = r->l->vermagic;
	if (!kmagic)
		return 0; /* unknown kernel vermagic: nothing to compare */
	const char *a = modmagic, *b = kmagic;
	if (r->has_versions) {
		/* same_magic(): with CRCs the release is not compared. */
		a += strcspn(a, " ");
		b += strcspn(b, " ");
	}
	if (strcmp(a, b) == 0)
		return 0;
	klog(r, "%s: version magic '%s' should be '%s'", r->name, modmagic, kmagic);
	char d[160];
	vermagic_diff(modmagic, kmagic, d, sizeof(d));
	problem(r, KEXPORT_REASON_VERMAGIC, true, NULL,
	        "vermagic differs from the kernel's (%s): built for another kernel configuration", d);
	return -E_NOEXEC;
}

/* --- 3. taints from modinfo (check_modinfo / module_augment_kernel_taints) */

static void taint_out_of_tree(struct run *r)
{
	if (r->m->intree)
		return;
	if (!test_taint(r, KEXPORT_TAINT_OOT) && feature(r->l, KEXPORT_FEATURE_OOT_MESSAGE))
		klog(r, "%s: loading out-of-tree module taints kernel.", r->name);
	add_taint_module(r, KEXPORT_TAINT_OOT, false);
	problem(r, KEXPORT_REASON_OUT_OF_TREE, false, NULL,
	        "no intree=Y in .modinfo (built outside the kernel tree): taint O");
}

static void warn_retpoline(struct run *r)
{
	if (!r->l->x86 || !r->l->retpoline || r->m->retpoline)
		return;
	/* retpoline_module_ok(): only when the machine runs the retpoline
	 * mitigation, which kexport assumes (real hardware, not "mitigations=off"). */
	klog(r, "Spectre V2 : System may be vulnerable to spectre v2");
	klog(r, "%s: loading module not compiled with retpoline compiler.", r->name);
	problem(r, KEXPORT_REASON_RETPOLINE, false, NULL,
	        "built without retpolines on a kernel that uses them: a warning, no taint");
}

static void taint_staging(struct run *r)
{
	if (!r->m->staging)
		return;
	add_taint_module(r, KEXPORT_TAINT_CRAP, false);
	klog(r, "%s: module is from the staging directory, the quality is unknown, you have been "
	        "warned.", r->name);
	problem(r, KEXPORT_REASON_STAGING, false, NULL, "staging=Y: taint C");
}

static int check_livepatch(struct run *r, bool taint)
{
	if (!r->m->livepatch)
		return 0;
	if (!r->l->livepatch) {
		klog(r, "%s: module is marked as livepatch module, but livepatch support is disabled",
		     r->name);
		problem(r, KEXPORT_REASON_LIVEPATCH, true, NULL,
		        "livepatch=Y but the kernel has no CONFIG_LIVEPATCH");
		return -E_NOEXEC;
	}
	if (taint) {
		add_taint_module(r, KEXPORT_TAINT_LIVEPATCH, false);
		if (!r->st.once_livepatch) {
			r->st.once_livepatch = true;
			klog(r, "%s: tainting kernel with TAINT_LIVEPATCH", r->name);
		}
		problem(r, KEXPORT_REASON_LIVEPATCH, false, NULL, "livepatch=Y: taint K");
	}
	return 0;
}

static void taint_license(struct run *r)
{
	const char *lic = r->m->license ? r->m->license : "unspecified";
	if (kexport_license_gpl_compatible(lic))
		return;
	if (!test_taint(r, KEXPORT_TAINT_PROPRIETARY))
		klog(r, "%s: module license '%s' taints kernel.", r->name, lic);
	add_taint_module(r, KEXPORT_TAINT_PROPRIETARY, true);
	r->taint_from = "license";
	if (r->m->license)
		problem(r, KEXPORT_REASON_LICENSE, false, NULL,
		        "license '%s' is not one of the six GPL-compatible strings: taint P, and "
		        "GPL-only exports are hidden from this module", lic);
	else
		problem(r, KEXPORT_REASON_LICENSE, false, NULL,
		        "no MODULE_LICENSE: the kernel reads 'unspecified', which is not "
		        "GPL-compatible: taint P, and GPL-only exports are hidden from this module");
}

static void taint_test(struct run *r)
{
	if (!r->m->test || !feature(r->l, KEXPORT_FEATURE_TAINT_TEST))
		return;
	if (!test_taint(r, KEXPORT_TAINT_TEST))
		klog(r, "%s: loading test module taints kernel.", r->name);
	add_taint_module(r, KEXPORT_TAINT_TEST, false);
	problem(r, KEXPORT_REASON_TEST, false, NULL, "test=Y: taint N");
}

static void taint_unsigned(struct run *r)
{
	if (!r->l->sig || r->sig_ok)
		return;
	if (!r->st.once_unsigned) {
		r->st.once_unsigned = true;
		klog(r, "%s: module verification failed: signature and/or required key missing - "
		        "tainting kernel", r->name);
	}
	add_taint_module(r, KEXPORT_TAINT_UNSIGNED, false);
	if (r->m->signed_trailer && r->sig_note)
		problem(r, KEXPORT_REASON_UNSIGNED, false, NULL,
		        "signed, but the kernel cannot use the signature (%s); it does not enforce "
		        "signatures: taint E", r->sig_note);
	else
		problem(r, KEXPORT_REASON_UNSIGNED, false, NULL,
		        r->m->signed_trailer ? "signed, but not with a key this kernel trusts: taint E"
		                             : "not signed; the kernel checks signatures but does not "
		                               "enforce them: taint E");
}

/*
 * The modules known by name: check_module_license_and_versions() up to 6.3,
 * the end of module_augment_kernel_taints() after.  PREV is whether the
 * kernel was tainted P before: taken at the start of that function, so from
 * 6.4 on a licence taint of this module also prints "module license taints
 * kernel." (seen on 6.12 and 7.2 under qemu: tests/oracle/generation.py).
 */
static int taint_by_name(struct run *r, bool prev)
{
	if (strcmp(r->name, "ndiswrapper") == 0) {
		add_taint(r, KEXPORT_TAINT_PROPRIETARY, true);
		problem(r, KEXPORT_REASON_LICENSE_NAME, false, NULL,
		        "the kernel taints P for any module named ndiswrapper (it loads Windows "
		        "drivers), but leaves the module itself untainted so it keeps GPL-only exports");
	}
	if (strcmp(r->name, "driverloader") == 0 || strcmp(r->name, "lve") == 0) {
		add_taint_module(r, KEXPORT_TAINT_PROPRIETARY, true);
		if (!r->taint_from)
			r->taint_from = "name";
		problem(r, KEXPORT_REASON_LICENSE_NAME, false, NULL,
		        "the kernel treats any module named %s as proprietary whatever its license: "
		        "taint P, and GPL-only exports are hidden from it", r->name);
	}
	if (!prev && test_taint(r, KEXPORT_TAINT_PROPRIETARY) &&
	    feature(r->l, KEXPORT_FEATURE_NAME_TAINT_MESSAGE))
		klog(r, "%s: module license taints kernel.", r->name);

	/* 7.x: find_module_sections(), then check_export_symbol_sections(). */
	if (feature(r->l, KEXPORT_FEATURE_KFLAGSTAB)) {
		if (r->m->has_ksymtab_gpl)
			klog(r, "%s: ignoring obsolete section __ksymtab_gpl", r->name);
		if (r->m->has_kcrctab_gpl)
			klog(r, "%s: ignoring obsolete section __kcrctab_gpl", r->name);
		if (r->m->has_ksymtab && !r->m->has_kflagstab) {
			klog(r, "%s: no flags for exported symbols", r->name);
			problem(r, KEXPORT_REASON_NO_KFLAGSTAB, true, NULL,
			        "the module exports symbols but has no __kflagstab: built for a "
			        "kernel before 7.0, where GPL-only exports had their own table");
			return -E_NOEXEC;
		}
	}

	if (r->l->modversions) {
		bool plain_nocrc = false, gpl_nocrc = false;
		for (size_t i = 0; i < r->m->n_exports; i++) {
			const struct kexport_export *e = &r->m->exports[i];
			if (e->known & KEXPORT_KNOWN_CRC)
				continue;
			if (kexport_kind_gpl_only(e->kind))
				gpl_nocrc = true;
			else
				plain_nocrc = true;
		}
		if (plain_nocrc || gpl_nocrc) {
			int err = force_load(r, "no versions for exported symbols");
			problem(r, KEXPORT_REASON_EXPORTS_NO_CRC, err != 0, NULL,
			        "the module exports symbols without CRCs (__kcrctab) on a MODVERSIONS "
			        "kernel: %s", err ? "refused" : "a forced load, taint F");
			return err;
		}
	}
	return 0;
}

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
	const struct slot *s = slots_find(r->l, name);
	if (s) {
		const struct loaded *ld = (const struct loaded *)r->l->loaded.items + s->loaded;
		f->e = s->e;
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

static int simplify_symbols(struct run *r)
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
static int check_duplicates(struct run *r)
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
			const struct slot *s;
			if (k && owned_by_vmlinux(r, k->owner))
				owner = "kernel";
			else if ((s = slots_find(r->l, e->name)))
				owner = ((const struct loaded *)r->l->loaded.items)[s->loaded].m->name;
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

static bool already_loaded(const struct run *r)
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
static int check_elf(struct run *r)
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
	/* the box lives in the arena it holds, as a module does */
	kx_arena_move(&box->arena, &r->arena);
	kx_arena_seal(&box->arena);
	*vp = v;
	return 0;
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
		if (slots_put(l, m->exports[i].name, (uint32_t)(l->loaded.n - 1), &m->exports[i]) < 0)
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
