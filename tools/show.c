/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport show: the module model, everything kexport knows about a .ko.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kexport.h"
#include "target.h"

static const struct {
	unsigned machine;
	const char *name;
} machines[] = {
	{ 3, "i386" },   { 8, "mips" },    { 15, "parisc" }, { 20, "ppc" },     { 21, "ppc64" },
	{ 22, "s390" },  { 40, "arm" },    { 43, "sparc64" }, { 62, "x86_64" }, { 183, "aarch64" },
	{ 243, "riscv" }, { 258, "loongarch" },
};

static const char *machine_name(unsigned m)
{
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (machines[i].machine == m)
			return machines[i].name;
	return "unknown";
}

static void list_plain(const char *label, const char *const *v, size_t n)
{
	printf("%-13s", label);
	if (n == 0)
		printf("-");
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", v[i]);
	printf("\n");
}

static void print_plain(const struct kexport_module *m)
{
	printf("module:      %s\n", m->name);
	printf("path:        %s\n", m->path);
	printf("owner:       %s\n", m->owner);
	printf("file:        ELF%d %s-endian %s, compression %s\n", m->elf_class,
	       m->big_endian ? "big" : "little", machine_name(m->machine),
	       kexport_compression_name(m->compression));
	if (m->license)
		printf("license:     %s (%s)\n", m->license,
		       m->gpl_compatible ? "GPL-compatible" : "not GPL-compatible: taints P, no GPL-only symbols");
	else
		printf("license:     none (the loader reads \"unspecified\": taints P)\n");
	printf("vermagic:    %s\n", m->vermagic ? m->vermagic : "-");
	printf("srcversion:  %s\n", m->srcversion ? m->srcversion : "-");
	list_plain("depends:", m->depends, m->n_depends);
	list_plain("import_ns:", m->import_ns, m->n_import_ns);
	printf("flags:       intree=%s retpoline=%s staging=%s livepatch=%s test=%s\n",
	       m->intree ? "Y" : "N", m->retpoline ? "Y" : "N", m->staging ? "Y" : "N",
	       m->livepatch ? "Y" : "N", m->test ? "Y" : "N");
	if (m->signed_trailer)
		printf("signature:   appended (id_type %u, %u bytes)\n", m->sig_id_type, m->sig_len);
	else
		printf("signature:   none\n");
	printf("versions:    %zu%s%s\n", m->n_versions, m->has_versions ? " __versions" : "",
	       m->has_ext_versions ? " extended" : "");
	printf("imports:     %zu\n", m->n_imports);
	for (size_t i = 0; i < m->n_imports; i++) {
		const struct kexport_import *imp = &m->imports[i];
		char crc[16] = "-";
		if (imp->has_crc)
			snprintf(crc, sizeof(crc), "0x%08x", imp->crc);
		printf("  %-10s %s%s\n", crc, imp->name, imp->weak ? " (weak)" : "");
	}
	printf("exports:     %zu\n", m->n_exports);
	for (size_t i = 0; i < m->n_exports; i++) {
		const struct kexport_export *e = &m->exports[i];
		char crc[16] = "-";
		if (e->known & KEXPORT_KNOWN_CRC)
			snprintf(crc, sizeof(crc), "0x%08x", e->crc);
		printf("  %-10s %-17s %s%s%s\n", crc, kexport_kind_name(e->kind), e->name,
		       *e->ns ? " ns=" : "", e->ns);
	}
	printf("modinfo:     %zu\n", m->n_modinfo);
	for (size_t i = 0; i < m->n_modinfo; i++)
		printf("  %s=%s\n", m->modinfo[i].key, m->modinfo[i].value);
}

static void json_strlist(const char *key, const char *const *v, size_t n)
{
	json_key(cli_json, key);
	json_arr_start(cli_json);
	for (size_t i = 0; i < n; i++)
		json_str(cli_json, v[i]);
	json_arr_end(cli_json);
}

static void print_json(const struct kexport_module *m)
{
	char crc[16];
	json_obj_start(cli_json);
	json_kstr(cli_json, "name", m->name);
	json_kstr(cli_json, "path", m->path);
	json_kstr(cli_json, "owner", m->owner);
	json_kstr(cli_json, "compression", kexport_compression_name(m->compression));
	json_kuint(cli_json, "elf_class", (uint64_t)m->elf_class);
	json_kbool(cli_json, "big_endian", m->big_endian);
	json_kstr(cli_json, "machine", machine_name(m->machine));
	json_kstr(cli_json, "license", m->license);
	json_kbool(cli_json, "gpl_compatible", m->gpl_compatible);
	json_kbool(cli_json, "all_licenses_gpl_compatible", m->all_licenses_gpl);
	json_kstr(cli_json, "vermagic", m->vermagic);
	json_kstr(cli_json, "srcversion", m->srcversion);
	json_kstr(cli_json, "version", m->version);
	json_strlist("depends", m->depends, m->n_depends);
	json_strlist("import_ns", m->import_ns, m->n_import_ns);
	json_kbool(cli_json, "intree", m->intree);
	json_kbool(cli_json, "retpoline", m->retpoline);
	json_kbool(cli_json, "staging", m->staging);
	json_kbool(cli_json, "livepatch", m->livepatch);
	json_kbool(cli_json, "test", m->test);
	json_key(cli_json, "signature");
	if (m->signed_trailer) {
		json_obj_start(cli_json);
		json_kuint(cli_json, "id_type", m->sig_id_type);
		json_kuint(cli_json, "length", m->sig_len);
		json_obj_end(cli_json);
	} else {
		json_null(cli_json);
	}
	json_kbool(cli_json, "has_versions", m->has_versions);
	json_kbool(cli_json, "has_ext_versions", m->has_ext_versions);
	json_key(cli_json, "imports");
	json_arr_start(cli_json);
	for (size_t i = 0; i < m->n_imports; i++) {
		const struct kexport_import *imp = &m->imports[i];
		json_obj_start(cli_json);
		json_kstr(cli_json, "name", imp->name);
		snprintf(crc, sizeof(crc), "0x%08x", imp->crc);
		json_kstr(cli_json, "crc", imp->has_crc ? crc : NULL);
		json_kbool(cli_json, "weak", imp->weak);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
	json_key(cli_json, "versions");
	json_arr_start(cli_json);
	for (size_t i = 0; i < m->n_versions; i++) {
		json_obj_start(cli_json);
		json_kstr(cli_json, "name", m->versions[i].name);
		snprintf(crc, sizeof(crc), "0x%08x", m->versions[i].crc);
		json_kstr(cli_json, "crc", crc);
		json_kbool(cli_json, "extended", m->versions[i].extended);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
	json_key(cli_json, "exports");
	json_arr_start(cli_json);
	for (size_t i = 0; i < m->n_exports; i++) {
		const struct kexport_export *e = &m->exports[i];
		json_obj_start(cli_json);
		json_kstr(cli_json, "name", e->name);
		json_kstr(cli_json, "kind", kexport_kind_name(e->kind));
		json_kstr(cli_json, "namespace", e->ns);
		snprintf(crc, sizeof(crc), "0x%08x", e->crc);
		json_kstr(cli_json, "crc", (e->known & KEXPORT_KNOWN_CRC) ? crc : NULL);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
	json_key(cli_json, "modinfo");
	json_arr_start(cli_json);
	for (size_t i = 0; i < m->n_modinfo; i++) {
		json_obj_start(cli_json);
		json_kstr(cli_json, "key", m->modinfo[i].key);
		json_kstr(cli_json, "value", m->modinfo[i].value);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
	json_obj_end(cli_json);
}

static int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	int c;
	int st;
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts, &kexport_cmd_show, NULL, &st)) != -1) {
		if (c == CLI_GETOPT_EXIT)
			return st;
		return cli_usage_error(&kexport_cmd_show, "bad option");
	}
	if (optind >= argc)
		return cli_usage_error(&kexport_cmd_show, "no MODULE given");
	struct kexport_ctx *ctx = cli_ctx_new();
	cli_output_begin();
	if (cli_json) {
		json_obj_start(cli_json);
		json_key(cli_json, "modules");
		json_arr_start(cli_json);
	}
	bool first = true;
	for (int a = optind; a < argc; a++) {
		struct kexport_module **mods;
		size_t n;
		if (kexport_read_modules(ctx, argv[a], &mods, &n) < 0 && n == 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (cli_json) {
				print_json(mods[i]);
			} else {
				if (!first)
					printf("\n");
				print_plain(mods[i]);
			}
			first = false;
		}
		kexport_module_list_free(mods, n);
	}
	if (cli_json) {
		json_arr_end(cli_json);
		cli_json_errors();
		json_obj_end(cli_json);
	}
	cli_output_end();
	int ret = kexport_ctx_bad_inputs(ctx) ? CLI_EXIT_BAD_INPUT : CLI_EXIT_OK;
	kexport_ctx_free(ctx);
	return ret;
}

const struct kexport_cmd kexport_cmd_show = {
	.name = "show",
	.fn = cmd_show,
	.summary = "print what kexport reads from kernel modules (licence, imports, CRCs, ...)",
	.usage = "kexport show [OPTIONS] MODULE...",
	.options = "  MODULE is a .ko, .ko.xz, .ko.zst or .ko.gz file, or a directory of them.\n",
};
