/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The loader's steps before symbols, in load_module()'s order: the
 * signature, module_layout and vermagic, and the taints modinfo brings
 * (licence, out-of-tree, staging, livepatch, test, unsigned, the module
 * names the kernel treats as proprietary).
 */
#include "loader.h"

/* --- 1. the signature (kernel/module/signing.c, module_signature.c) ---- */

KX_PRINTF(2, 3) void sig_note(struct run *r, const char *fmt, ...)
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
	KEXPORT_SIZED(kexport_sig_result, res);
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

int check_signature(struct run *r)
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
int check_version(struct run *r, const char *sym, const uint32_t *crc, bool has_crc,
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

int check_layout(struct run *r)
{
	if (!r->l->modversions)
		return 0;
	const struct kexport_export *e = kexport_table_find(r->l->exports, "module_layout");
	if (!e || !(e->known & KEXPORT_KNOWN_CRC))
		return 0;
	const struct kexport_version *v = r->has_versions ? module_version_entry(r->m, "module_layout") : NULL;
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

int check_vermagic(struct run *r)
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

void taint_out_of_tree(struct run *r)
{
	if (r->m->intree)
		return;
	if (!test_taint(r, KEXPORT_TAINT_OOT) && feature(r->l, KEXPORT_FEATURE_OOT_MESSAGE))
		klog(r, "%s: loading out-of-tree module taints kernel.", r->name);
	add_taint_module(r, KEXPORT_TAINT_OOT, false);
	problem(r, KEXPORT_REASON_OUT_OF_TREE, false, NULL,
	        "no intree=Y in .modinfo (built outside the kernel tree): taint O");
}

void warn_retpoline(struct run *r)
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

void taint_staging(struct run *r)
{
	if (!r->m->staging)
		return;
	add_taint_module(r, KEXPORT_TAINT_CRAP, false);
	klog(r, "%s: module is from the staging directory, the quality is unknown, you have been "
	        "warned.", r->name);
	problem(r, KEXPORT_REASON_STAGING, false, NULL, "staging=Y: taint C");
}

int check_livepatch(struct run *r, bool taint)
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

void taint_license(struct run *r)
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

void taint_test(struct run *r)
{
	if (!r->m->test || !feature(r->l, KEXPORT_FEATURE_TAINT_TEST))
		return;
	if (!test_taint(r, KEXPORT_TAINT_TEST))
		klog(r, "%s: loading test module taints kernel.", r->name);
	add_taint_module(r, KEXPORT_TAINT_TEST, false);
	problem(r, KEXPORT_REASON_TEST, false, NULL, "test=Y: taint N");
}

void taint_unsigned(struct run *r)
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
int taint_by_name(struct run *r, bool prev)
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
