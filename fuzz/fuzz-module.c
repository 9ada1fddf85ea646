/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: kernel modules (kexport_module_read_mem, plain or
 * compressed); every field of the model is read, and the module's exports
 * go through a table.  The same bytes are then read as a one-module tree
 * with KEXPORT_MODEL_VERDICT, which must agree with the memory read.
 */
#include <fcntl.h>
#include <unistd.h>

#include "fuzz-common.h"

static void touch_module(const struct kexport_module *m, const char *path)
{
	size_t n = fuzz_str(m->path) + fuzz_str(m->name) + fuzz_str(m->owner);
	FUZZ_CHECK(strcmp(m->path, path) == 0, "path \"%s\"", m->path);
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
 * load must find it already loaded).  Returns the first check's outcome.
 */
struct outcome {
	bool loads;
	int err;
	unsigned long taint;
	size_t n_problems, n_log;
};

static struct outcome judge(const struct kexport_module *m, const char *release,
                            bool same_build)
{
	struct outcome o = { 0 };
	struct kexport_table *t;
	struct kexport_kernel *k;
	struct kexport_loader *l;
	FUZZ_CHECK(kexport_table_new(fuzz_ctx(), &t) == 0 && kexport_kernel_new(fuzz_ctx(), &k) == 0,
	           "new failed");
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
	FUZZ_CHECK(kexport_loader_new(fuzz_ctx(), &l, k, t) == 0, "loader");
	if (same_build) /* no signature read back from the module's file */
		kexport_loader_set_sig_trust(l, KEXPORT_SIG_TRUST_SAME_BUILD);
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
		if (pass == 0)
			o = (struct outcome){ v->loads, v->err, v->module_taint, v->n_problems,
				              v->n_log };
		/* Loaded once, the same name cannot load again. */
		FUZZ_CHECK(pass < 2 || !v->loads || !loaded, "loaded twice");
		loaded = loaded || (pass == 1 && v->loads);
		(void)n;
		kexport_verdict_free(v);
	}
	kexport_loader_free(l);
	kexport_kernel_free(k);
	kexport_table_free(t);
	return o;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/*
 * The bytes as DIR/fuzz.ko, read as a tree: the size from a short read,
 * the file opened from its directory, and only what a verdict reads kept.
 * When that read and the memory read both succeed, the verdict model is
 * the full one less modinfo keys and versions, and judged alike.
 */
static char dir[] = "/tmp/kexport-fuzz-XXXXXX";
static char file[sizeof(dir) + 16];

static void remove_dir(void)
{
	unlink(file);
	rmdir(dir);
}

static void read_as_tree(const uint8_t *data, size_t size, const struct kexport_module *full)
{
	struct kexport_ctx *ctx = fuzz_ctx();
	if (!file[0]) {
		FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
		snprintf(file, sizeof(file), "%s/fuzz.ko", dir);
		atexit(remove_dir);
		/* the fuzzer's one context: its module reads keep what a verdict reads */
		kexport_ctx_set_model(ctx, KEXPORT_MODEL_VERDICT);
	}
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0, "cannot write %s", file);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "short write");
	close(fd);
	struct kexport_module **mods;
	size_t n;
	int r = kexport_read_modules(ctx, dir, &mods, &n);
	/* A module that cannot be read is reported to the diagnostic callback. */
	FUZZ_CHECK(r <= 0 && (r < 0 || n <= 1), "tree read: %d, %zu modules", r, n);
	if (r < 0 || n == 0 || !full) {
		if (r == 0)
			kexport_module_list_free(mods, n);
		return;
	}
	const struct kexport_module *v = mods[0];
	touch_module(v, file);
	FUZZ_CHECK(same_str(full->name, v->name) && same_str(full->license, v->license) &&
	                   same_str(full->vermagic, v->vermagic) &&
	                   full->all_licenses_gpl == v->all_licenses_gpl &&
	                   full->intree == v->intree && full->staging == v->staging &&
	                   full->n_depends == v->n_depends && full->n_import_ns == v->n_import_ns &&
	                   full->signed_trailer == v->signed_trailer && full->sig_len == v->sig_len,
	           "the verdict model's modinfo fields differ from the memory read's");
	FUZZ_CHECK(v->n_modinfo <= full->n_modinfo && v->n_versions <= 1 &&
	                   v->n_versions <= full->n_versions,
	           "the verdict model keeps %zu modinfo entries of %zu, %zu versions of %zu",
	           v->n_modinfo, full->n_modinfo, v->n_versions, full->n_versions);
	FUZZ_CHECK(v->n_imports == full->n_imports && v->n_exports == full->n_exports,
	           "imports %zu/%zu, exports %zu/%zu", v->n_imports, full->n_imports,
	           v->n_exports, full->n_exports);
	for (size_t i = 0; i < v->n_imports; i++)
		FUZZ_CHECK(strcmp(v->imports[i].name, full->imports[i].name) == 0 &&
		                   v->imports[i].crc == full->imports[i].crc &&
		                   v->imports[i].has_crc == full->imports[i].has_crc &&
		                   v->imports[i].weak == full->imports[i].weak,
		           "import %zu differs", i);
	static const char *const releases[] = { "6.1.0-54-amd64", "6.16.0" };
	for (size_t i = 0; i < 2; i++) {
		/* a model read from a file has its signature verified from the
		 * file, one read from memory (named "fuzz.ko") cannot */
		struct outcome a = judge(full, releases[i], true), b = judge(v, releases[i], true);
		FUZZ_CHECK(a.loads == b.loads && a.err == b.err && a.taint == b.taint &&
		                   a.n_problems == b.n_problems && a.n_log == b.n_log,
		           "%s: the verdict model is judged otherwise (%d/%d)", releases[i], a.err,
		           b.err);
	}
	kexport_module_list_free(mods, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kexport_table *t;
	FUZZ_CHECK(kexport_table_new(fuzz_ctx(), &t) == 0, "kexport_table_new failed");
	struct kexport_module *m = NULL;
	fuzz_diag_reset();
	int r = kexport_module_read_mem(fuzz_ctx(), data, size, "fuzz.ko", NULL, &m);
	FUZZ_CHECK(r <= 0, "kexport_module_read_mem returned %d", r);
	fuzz_check_reported(r, "fuzz.ko", "kexport_module_read_mem");
	if (r == 0) {
		FUZZ_CHECK(m != NULL, "success without a module");
		touch_module(m, "fuzz.ko");
		judge(m, "6.1.0-54-amd64", false);
		judge(m, "6.16.0", false);
		for (size_t i = 0; i < m->n_exports; i++)
			FUZZ_CHECK(kexport_table_add(t, &m->exports[i]) >= 0, "kexport_table_add failed");
		fuzz_walk_table(t);
	}
	read_as_tree(data, size, m);
	kexport_module_free(m);
	kexport_table_free(t);
	return 0;
}
