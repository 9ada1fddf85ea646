/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: kernel modules (kexport_module_read_mem, plain or
 * compressed); every field of the model is read, and the module's exports
 * go through a table.
 */
#include "fuzz-common.h"

static void touch_module(const struct kexport_module *m)
{
	size_t n = fuzz_str(m->path) + fuzz_str(m->name) + fuzz_str(m->owner);
	FUZZ_CHECK(strcmp(m->path, "fuzz.ko") == 0, "path \"%s\"", m->path);
	FUZZ_CHECK((unsigned)m->compression < KEXPORT_COMP_COUNT, "compression %d",
	           (int)m->compression);
	n += fuzz_str(kexport_compression_name(m->compression));
	FUZZ_CHECK(m->elf_class == 32 || m->elf_class == 64, "elf_class %d", m->elf_class);
	n += m->big_endian + m->machine;

	FUZZ_CHECK(m->n_modinfo == 0 || m->modinfo, "modinfo NULL with %zu entries", m->n_modinfo);
	for (size_t i = 0; i < m->n_modinfo; i++) {
		n += fuzz_str(m->modinfo[i].key) + fuzz_str(m->modinfo[i].value);
		FUZZ_CHECK(kexport_module_modinfo(m, m->modinfo[i].key) != NULL,
		           "modinfo key %zu not found", i);
	}
	if (m->license)
		n += fuzz_str(m->license);
	FUZZ_CHECK(m->gpl_compatible == kexport_license_gpl_compatible(m->license),
	           "gpl_compatible disagrees with the first licence");
	FUZZ_CHECK(!m->gpl_compatible || m->all_licenses_gpl || m->license,
	           "gpl_compatible without a licence");
	if (m->vermagic)
		n += fuzz_str(m->vermagic);
	if (m->srcversion)
		n += fuzz_str(m->srcversion);
	if (m->version)
		n += fuzz_str(m->version);
	FUZZ_CHECK(m->n_depends == 0 || m->depends, "depends NULL with %zu", m->n_depends);
	for (size_t i = 0; i < m->n_depends; i++) {
		FUZZ_CHECK(fuzz_str(m->depends[i]) > 0, "empty depends entry %zu", i);
		FUZZ_CHECK(strchr(m->depends[i], ',') == NULL, "unsplit depends entry %zu", i);
	}
	FUZZ_CHECK(m->n_import_ns == 0 || m->import_ns, "import_ns NULL with %zu",
	           m->n_import_ns);
	for (size_t i = 0; i < m->n_import_ns; i++)
		n += fuzz_str(m->import_ns[i]);
	n += m->intree + m->retpoline + m->staging + m->livepatch + m->test;
	n += m->signed_trailer + m->sig_len + m->sig_id_type;

	FUZZ_CHECK(m->n_imports == 0 || m->imports, "imports NULL with %zu", m->n_imports);
	for (size_t i = 0; i < m->n_imports; i++) {
		const struct kexport_import *im = &m->imports[i];
		FUZZ_CHECK(fuzz_str(im->name) > 0, "import %zu has an empty name", i);
		n += im->crc + im->has_crc + im->weak;
	}
	FUZZ_CHECK(m->n_versions == 0 || m->versions, "versions NULL with %zu", m->n_versions);
	for (size_t i = 0; i < m->n_versions; i++) {
		const struct kexport_version *v = &m->versions[i];
		n += fuzz_str(v->name) + v->crc + v->extended;
		FUZZ_CHECK(!v->extended || m->has_ext_versions, "extended version %zu without tables",
		           i);
		FUZZ_CHECK(v->extended || m->has_versions, "version %zu without __versions", i);
	}
	n += m->has_versions + m->has_ext_versions + m->has_this_module;
	FUZZ_CHECK(m->n_exports == 0 || m->exports, "exports NULL with %zu", m->n_exports);
	for (size_t i = 0; i < m->n_exports; i++) {
		fuzz_touch_export(&m->exports[i]);
		FUZZ_CHECK(fuzz_str(m->exports[i].name) > 0, "export %zu has an empty name", i);
	}
	fuzz_sink += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kexport_table *t;
	FUZZ_CHECK(kexport_table_new(&t) == 0, "kexport_table_new failed");
	char errmsg[KEXPORT_ERRMSG_MAX];
	errmsg[0] = '\0';
	struct kexport_module *m = NULL;
	int r = kexport_module_read_mem(data, size, "fuzz.ko", NULL, &m, errmsg);
	fuzz_check_result(r, errmsg, "kexport_module_read_mem");
	if (r == 0) {
		FUZZ_CHECK(m != NULL, "success without a module");
		touch_module(m);
		for (size_t i = 0; i < m->n_exports; i++)
			FUZZ_CHECK(kexport_table_add(t, &m->exports[i]) >= 0, "kexport_table_add failed");
		fuzz_walk_table(t);
		kexport_module_free(m);
	}
	kexport_table_free(t);
	return 0;
}
