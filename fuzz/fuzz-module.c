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

/*
 * The verdict engine on the module: against a 6.1 Debian kernel and a 6.16
 * mainline one (different rules), checked and then loaded twice (the second
 * load must find it already loaded).
 */
static void judge(const struct kexport_module *m, const char *release)
{
	struct kexport_table *t;
	struct kexport_kernel *k;
	struct kexport_loader *l;
	FUZZ_CHECK(kexport_table_new(&t) == 0 && kexport_kernel_new(&k) == 0, "new failed");
	static const char *const syms[] = { "module_layout", "printk", "dma_buf_get", "__fentry__" };
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		struct kexport_export e = { .name = syms[i], .ns = i == 2 ? "DMA_BUF" : "",
		                            .owner = i == 3 ? "drivers/x/y-z" : "vmlinux",
		                            .source = "fuzz", .crc = 0x1000u + (uint32_t)i,
		                            .kind = i == 2 ? KEXPORT_KIND_GPL : KEXPORT_KIND_PLAIN,
		                            .known = KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS | KEXPORT_KNOWN_CRC };
		FUZZ_CHECK(kexport_table_add(t, &e) >= 0, "table add");
	}
	FUZZ_CHECK(kexport_kernel_set_release(k, release) == 0, "release");
	kexport_kernel_set_config(k, "X86", "y");
	FUZZ_CHECK(kexport_loader_new(&l, k, t) == 0, "loader");
	struct kexport_verdict *v;
	bool loaded = false;
	for (int pass = 0; pass < 3; pass++) {
		int r = pass ? kexport_loader_load(l, m, 0, &v) : kexport_loader_check(l, m, 0, &v);
		FUZZ_CHECK(r == 0, "verdict failed: %d", r);
		FUZZ_CHECK(v->loads == (v->err == 0) && v->err <= 0, "loads %d err %d", v->loads, v->err);
		size_t n = fuzz_str(v->module);
		for (size_t i = 0; i < v->n_log; i++)
			n += fuzz_str(v->log[i]);
		for (size_t i = 0; i < v->n_problems; i++) {
			n += fuzz_str(v->problems[i].explanation);
			n += fuzz_str(kexport_reason_name(v->problems[i].reason));
			if (v->problems[i].symbol)
				n += fuzz_str(v->problems[i].symbol);
		}
		for (size_t i = 0; i < v->n_needs; i++)
			n += fuzz_str(v->needs[i]);
		FUZZ_CHECK(v->loads || v->n_problems > 0, "refused (%d) without a reason", v->err);
		/* Loaded once, the same name cannot load again. */
		FUZZ_CHECK(pass < 2 || !v->loads || !loaded, "loaded twice");
		loaded = loaded || (pass == 1 && v->loads);
		(void)n;
		kexport_verdict_free(v);
	}
	kexport_loader_free(l);
	kexport_kernel_free(k);
	kexport_table_free(t);
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
		judge(m, "6.1.0-54-amd64");
		judge(m, "6.16.0");
		for (size_t i = 0; i < m->n_exports; i++)
			FUZZ_CHECK(kexport_table_add(t, &m->exports[i]) >= 0, "kexport_table_add failed");
		fuzz_walk_table(t);
		kexport_module_free(m);
	}
	kexport_table_free(t);
	return 0;
}
