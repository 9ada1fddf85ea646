/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bench helper: read every module below a directory fully, as
 * `kexport audit` does (kexport_read_modules(): modinfo, imports,
 * __versions, exports, signature), free them, and print the module count.
 *
 *   read-all [-t THREADS] [-d] DIR
 *
 * -d dumps every field of every module (to compare two builds).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "libkexport.h"

static void dump(const struct kexport_module *m)
{
	printf("M %s name=%s owner=%s comp=%d class=%d be=%d mach=%u\n", m->path, m->name, m->owner,
	       (int)m->compression, m->elf_class, m->big_endian, m->machine);
	for (size_t i = 0; i < m->n_modinfo; i++)
		printf(" mi %s=%s\n", m->modinfo[i].key, m->modinfo[i].value);
	printf(" lic=%s gpl=%d all=%d vermagic=%s src=%s ver=%s\n", m->license ? m->license : "(null)",
	       m->gpl_compatible, m->all_licenses_gpl, m->vermagic ? m->vermagic : "(null)",
	       m->srcversion ? m->srcversion : "(null)", m->version ? m->version : "(null)");
	for (size_t i = 0; i < m->n_depends; i++)
		printf(" dep %s\n", m->depends[i]);
	for (size_t i = 0; i < m->n_import_ns; i++)
		printf(" ns %s\n", m->import_ns[i]);
	printf(" flags %d%d%d%d%d sig=%d/%u/%u vers=%d/%d this=%d\n", m->intree, m->retpoline,
	       m->staging, m->livepatch, m->test, m->signed_trailer, m->sig_len, m->sig_id_type,
	       m->has_versions, m->has_ext_versions, m->has_this_module);
	for (size_t i = 0; i < m->n_imports; i++)
		printf(" imp %s %d %08x %d\n", m->imports[i].name, m->imports[i].has_crc,
		       m->imports[i].crc, m->imports[i].weak);
	for (size_t i = 0; i < m->n_versions; i++)
		printf(" ver %s %08x %d\n", m->versions[i].name, m->versions[i].crc,
		       m->versions[i].extended);
	for (size_t i = 0; i < m->n_exports; i++) {
		const struct kexport_export *e = &m->exports[i];
		printf(" exp %s ns=%s %s %s %08x %d %u\n", e->name, e->ns, e->owner, e->source, e->crc,
		       (int)e->kind, e->known);
	}
}

static void diag(void *data, const char *path, int err, const char *msg)
{
	(void)data;
	(void)err;
	fprintf(stderr, "read-all: %s: %s\n", path, msg);
}

int main(int argc, char **argv)
{
	int threads = 0, opt;
	bool dumping = false;
	while ((opt = getopt(argc, argv, "t:d")) != -1) {
		if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 'd')
			dumping = true;
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: read-all [-t THREADS] [-d] DIR\n");
		return 2;
	}
	struct kexport_ctx *ctx;
	if (kexport_ctx_new(&ctx) < 0)
		return 2;
	kexport_ctx_set_diag(ctx, diag, NULL);
	kexport_ctx_set_threads(ctx, threads);
	struct kexport_module **mods;
	size_t n;
	int r = kexport_read_modules(ctx, argv[optind], &mods, &n);
	size_t imports = 0, versions = 0, exports = 0, modinfo = 0;
	for (size_t i = 0; i < n; i++) {
		imports += mods[i]->n_imports;
		versions += mods[i]->n_versions;
		exports += mods[i]->n_exports;
		modinfo += mods[i]->n_modinfo;
		if (dumping)
			dump(mods[i]);
	}
	printf("%zu modules, %zu modinfo, %zu imports, %zu versions, %zu exports\n", n, modinfo,
	       imports, versions, exports);
	kexport_module_list_free(mods, n);
	unsigned bad = kexport_ctx_bad_inputs(ctx);
	kexport_ctx_free(ctx);
	return r < 0 || bad ? 1 : 0;
}
