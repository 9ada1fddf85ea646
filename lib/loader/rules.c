/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module loader's behaviour changes, as data.
 *
 * Each row says: feature F holds from kernel version SINCE until (not
 * including) UNTIL, for every kernel or for one distribution.  Distribution
 * rows come after the mainline rows of the same feature and override them.
 * The verdict engine (verdict.c) asks kexport_feature_on() and never looks
 * at a version number itself, so supporting another kernel means adding a
 * row here, with its source.  The section numbers (§) are those of
 * docs/kernel-rules.md, which names the kernel trees they were read from.
 */
#include "libkexport-internal.h"

#define V KEXPORT_KVER

static const struct kexport_rule rules[] = {
	{ KEXPORT_FEATURE_OLD_EXPORT_KINDS, V(2, 6, 17), V(5, 12, 0), NULL, true, false,
	  "EXPORT_SYMBOL_GPL_FUTURE and EXPORT_UNUSED_SYMBOL[_GPL] resolve with warnings; removed by "
	  "f1c3d73e973c and 367948220fce for 5.12 (§2.6)" },
	{ KEXPORT_FEATURE_MISSING_CRC_ACCEPTED, V(4, 10, 0), 0, NULL, true, false,
	  "an import missing from __versions is accepted after a one-time warning "
	  "(\"Broken toolchain. Warn once, then let it go.\", 4.10 cycle) (§4.3)" },
	{ KEXPORT_FEATURE_MISSING_CRC_ACCEPTED, V(4, 10, 0), 0, "debian", false, true,
	  "Debian's \"module: Disable matching missing version CRC\" (2016) rejects an import "
	  "missing from __versions (§4.3)" },
	{ KEXPORT_FEATURE_NAMESPACES, V(5, 4, 0), 0, NULL, true, true,
	  "symbol namespaces: an export's namespace must be in the module's import_ns "
	  "(Matthias Maennich's series, 5.4) (§3.1, §3.3)" },
	{ KEXPORT_FEATURE_OWNER_TAINT, V(5, 9, 0), 0, NULL, true, true,
	  "262e6ae7081d \"modules: inherit TAINT_PROPRIETARY_MODULE\": importing from a "
	  "proprietary module taints P, or is refused after a GPL-only import (§2.5)" },
	{ KEXPORT_FEATURE_OWNER_MSG_SYMBOL, V(5, 19, 0), 0, NULL, true, false,
	  "the proprietary-owner messages name the symbol (Lecopzer Chen, April 2022; "
	  "present in 6.1) (§2.5)" },
	{ KEXPORT_FEATURE_UNKNOWN_ERR_RET, V(5, 9, 0), 0, NULL, true, false,
	  "\"Unknown symbol %s (err %d)\" prints the computed error; ~4.0 printed "
	  "PTR_ERR(NULL), i.e. (err 0), for a symbol not found (§2.4; bound, not pinned)" },
	{ KEXPORT_FEATURE_IGNORE_GOT, V(5, 12, 0), 0, NULL, true, true,
	  "x86 ignores an undefined _GLOBAL_OFFSET_TABLE_ (Fangrui Song, modules pull for 5.12) (§2.4)" },
	{ KEXPORT_FEATURE_OOT_MESSAGE, V(4, 1, 0), 0, NULL, true, false,
	  "\"loading out-of-tree module taints kernel.\" is printed; ~4.0 set O silently (§5.2)" },
	{ KEXPORT_FEATURE_NAME_TAINT_MESSAGE, V(4, 1, 0), 0, NULL, true, false,
	  "\"module license taints kernel.\" after the ndiswrapper/driverloader/lve name rules; "
	  "absent in ~4.0 (§1.3)" },
	{ KEXPORT_FEATURE_TAINT_TEST, V(6, 0, 0), 0, NULL, true, false,
	  "TAINT_TEST: test=Y taints N (6.0) (§5.2)" },
	{ KEXPORT_FEATURE_SIG_REJECTED_MESSAGE, V(4, 1, 0), 0, NULL, true, false,
	  "enforced signatures: \"Loading of %s is rejected\" and -EKEYREJECTED; ~4.0 returned "
	  "-ENOKEY silently (§5.3)" },
	{ KEXPORT_FEATURE_LATE_LICENSE_TAINT, V(6, 4, 0), 0, NULL, true, false,
	  "O, C, K, P and N are applied in module_augment_kernel_taints() after "
	  "add_unformed_module(), with the name rules; in 6.1 inside check_modinfo() (§2.1; "
	  "moved between 6.2 and 6.12)" },
	{ KEXPORT_FEATURE_EXTENDED_MODVERSIONS, V(6, 14, 0), 0, NULL, true, true,
	  "__version_ext_crcs/__version_ext_names take precedence over __versions; a name "
	  "missing there is accepted (Matthew Maurer, kbuild for 6.14) (§4.7)" },
	{ KEXPORT_FEATURE_MODULE_NAMESPACES, V(6, 16, 0), 0, NULL, true, true,
	  "\"module:\" namespaces (EXPORT_SYMBOL_GPL_FOR_MODULES): matched against the importer's "
	  "name; an explicit import_ns=module:... is refused with -EPERM (§3.5)" },
	{ KEXPORT_FEATURE_KFLAGSTAB, V(7, 0, 0), 0, NULL, true, true,
	  "one __ksymtab with a flag byte an export in __kflagstab (KSYM_FLAG_GPL_ONLY): a module "
	  "with exports and no __kflagstab is refused, \"no flags for exported symbols\" "
	  "(-ENOEXEC); __ksymtab_gpl and __kcrctab_gpl are ignored with a warning "
	  "(kernel/module/main.c of linux-source-7.2: find_module_sections(), "
	  "check_export_symbol_sections(); absent in 6.12, first release bounded, not pinned)" },
	{ KEXPORT_FEATURE_UNIQUE_SECTIONS, V(6, 12, 0), 0, NULL, true, true,
	  "ELF validation counts sections by name whatever their flags: two .modinfo sections "
	  "refuse the module (\"Only one .modinfo section must exist.\"), and a missing or "
	  "second .gnu.linkonce.this_module says \"module %s: Exactly one "
	  ".gnu.linkonce.this_module section must exist.\" instead of \"No module found in "
	  "object\" (kernel/module/main.c of linux-source-6.12: elf_validity_cache_index_info(), "
	  "_mod(); absent in 6.1, first release bounded, not pinned).  The same restructuring "
	  "(elf_validity_cache_copy()) reorders the whole ELF validation: section bounds before "
	  "the name table, every section's name checked, this_module's type, flags and size, and "
	  "the symbol string table (lib/read/elfcheck.c, KX_ELF_ORDER_612)" },
	{ KEXPORT_FEATURE_ELF_CHECK_MESSAGES, V(6, 1, 0), 0, NULL, true, false,
	  "each failed check of elf_validity_check() prints its reason (\"Invalid ELF header "
	  "magic: != \\177ELF\", ...); 5.10's returns -ENOEXEC silently but for a section past the "
	  "end or a bad section name (kernel/module.c of linux-source-5.10 against "
	  "kernel/module/main.c of linux-source-6.1; first release bounded, not pinned)" },
	{ KEXPORT_FEATURE_ELF_STRTAB_CHECKS, V(7, 0, 0), 0, NULL, true, true,
	  "elf_validity_cache_strtab(): an empty symbol string table, one without a leading or "
	  "trailing NUL, or a symbol name past it refuse the module (\"symbol string table "
	  "missing leading NUL\", ...) (kernel/module/main.c of linux-source-7.2; absent in "
	  "6.12, whose loader went on to resolve symbols under qemu; first release bounded, not "
	  "pinned)" },
	{ KEXPORT_FEATURE_NS_STRING_LITERAL, V(6, 13, 0), 0, NULL, true, true,
	  "MODULE_IMPORT_NS() and EXPORT_SYMBOL_NS*() take the namespace as a string literal "
	  "(cdd30ebb1b9f \"module: Convert symbol namespace to string literal\", 6.13): "
	  "MODULE_IMPORT_NS(\"DMA_BUF\"), where 6.12 wrote MODULE_IMPORT_NS(DMA_BUF) "
	  "(include/linux/module.h of linux-source-6.12 and -7.2); a source-level rule, for the "
	  "fixes kexport proposes" },
};

static const char *const feature_names[KEXPORT_FEATURE_COUNT] = {
	[KEXPORT_FEATURE_OLD_EXPORT_KINDS] = "old_export_kinds",
	[KEXPORT_FEATURE_MISSING_CRC_ACCEPTED] = "missing_crc_accepted",
	[KEXPORT_FEATURE_NAMESPACES] = "namespaces",
	[KEXPORT_FEATURE_OWNER_TAINT] = "owner_taint",
	[KEXPORT_FEATURE_OWNER_MSG_SYMBOL] = "owner_msg_symbol",
	[KEXPORT_FEATURE_UNKNOWN_ERR_RET] = "unknown_err_ret",
	[KEXPORT_FEATURE_IGNORE_GOT] = "ignore_got",
	[KEXPORT_FEATURE_OOT_MESSAGE] = "oot_message",
	[KEXPORT_FEATURE_NAME_TAINT_MESSAGE] = "name_taint_message",
	[KEXPORT_FEATURE_TAINT_TEST] = "taint_test",
	[KEXPORT_FEATURE_SIG_REJECTED_MESSAGE] = "sig_rejected_message",
	[KEXPORT_FEATURE_LATE_LICENSE_TAINT] = "late_license_taint",
	[KEXPORT_FEATURE_EXTENDED_MODVERSIONS] = "extended_modversions",
	[KEXPORT_FEATURE_MODULE_NAMESPACES] = "module_namespaces",
	[KEXPORT_FEATURE_KFLAGSTAB] = "kflagstab",
	[KEXPORT_FEATURE_UNIQUE_SECTIONS] = "unique_sections",
	[KEXPORT_FEATURE_ELF_CHECK_MESSAGES] = "elf_check_messages",
	[KEXPORT_FEATURE_ELF_STRTAB_CHECKS] = "elf_strtab_checks",
	[KEXPORT_FEATURE_NS_STRING_LITERAL] = "ns_string_literal",
};

KX_EXPORT const char *kexport_feature_name(enum kexport_feature f)
{
	return (unsigned)f < KEXPORT_FEATURE_COUNT ? feature_names[f] : "?";
}

KX_EXPORT size_t kexport_rule_count(void)
{
	return KX_ARRAY_SIZE(rules);
}

KX_EXPORT const struct kexport_rule *kexport_rule_get(size_t i)
{
	return i < KX_ARRAY_SIZE(rules) ? &rules[i] : NULL;
}

KX_EXPORT bool kexport_feature_on(enum kexport_feature f, unsigned version, const char *distro)
{
	bool on = false;
	for (size_t i = 0; i < KX_ARRAY_SIZE(rules); i++) {
		const struct kexport_rule *r = &rules[i];
		if (r->feature != f || version < r->since || (r->until && version >= r->until))
			continue;
		if (r->distro && (!distro || strcmp(r->distro, distro) != 0))
			continue;
		on = r->on; /* later rows (distributions) override earlier ones */
	}
	return on;
}

/* Every feature of a kernel at once, a bit each (no limit on their number). */
void kx_features(unsigned version, const char *distro, struct kx_feature_set *set)
{
	memset(set, 0, sizeof(*set));
	for (int f = 0; f < KEXPORT_FEATURE_COUNT; f++)
		if (kexport_feature_on((enum kexport_feature)f, version, distro))
			set->on[f / 64] |= (uint64_t)1 << (f % 64);
}
