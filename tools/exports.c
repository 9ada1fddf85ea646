/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport exports: the merged export table of any number of sources.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kexport.h"
#include "target.h"

enum format { FMT_TABLE, FMT_SYMVERS };

struct filter {
	bool gpl_only, non_gpl;
	const char **ns, **owner, **match;
	size_t n_ns, n_owner, n_match;
};

/* An owner matches by full name, glob, or module name ('-' and '_' alike). */
static bool owner_matches(const char *pat, const char *owner)
{
	if (fnmatch(pat, owner, 0) == 0)
		return true;
	const char *base = strrchr(owner, '/');
	base = base ? base + 1 : owner;
	char a[256], b[256];
	size_t i;
	for (i = 0; pat[i] && i < sizeof(a) - 1; i++)
		a[i] = pat[i] == '-' ? '_' : pat[i];
	a[i] = '\0';
	for (i = 0; base[i] && i < sizeof(b) - 1; i++)
		b[i] = base[i] == '-' ? '_' : base[i];
	b[i] = '\0';
	return fnmatch(a, b, 0) == 0;
}

static bool keep(const struct filter *f, const struct kexport_export *e)
{
	bool gpl = kexport_kind_gpl_only(e->kind);
	/* An export of unknown kind is neither GPL-only nor open to all. */
	if ((f->gpl_only || f->non_gpl) && !(e->known & KEXPORT_KNOWN_KIND))
		return false;
	if (f->gpl_only && !gpl)
		return false;
	if (f->non_gpl && gpl)
		return false;
	if (f->n_ns) {
		bool ok = false;
		for (size_t i = 0; i < f->n_ns && !ok; i++)
			ok = fnmatch(f->ns[i], e->ns, 0) == 0;
		if (!ok)
			return false;
	}
	if (f->n_owner) {
		bool ok = false;
		for (size_t i = 0; i < f->n_owner && !ok; i++)
			ok = owner_matches(f->owner[i], e->owner);
		if (!ok)
			return false;
	}
	if (f->n_match) {
		bool ok = false;
		for (size_t i = 0; i < f->n_match && !ok; i++)
			ok = fnmatch(f->match[i], e->name, 0) == 0;
		if (!ok)
			return false;
	}
	return true;
}

static void crc_text(const struct kexport_export *e, char *buf, size_t n)
{
	if (e->known & KEXPORT_KNOWN_CRC)
		snprintf(buf, n, "0x%08x", e->crc);
	else
		snprintf(buf, n, "-");
}

static const char *kind_text(const struct kexport_export *e)
{
	return (e->known & KEXPORT_KNOWN_KIND) ? kexport_kind_name(e->kind) : "?";
}

static void print_plain(const struct kexport_table *t, const struct filter *f,
                        const struct kexport_source_info *infos, char **sources, size_t n_src)
{
	size_t wn = 4, wk = 4, wns = 9;
	for (size_t i = 0; i < kexport_table_count(t); i++) {
		const struct kexport_export *e = kexport_table_get(t, i);
		if (!keep(f, e))
			continue;
		size_t l = strlen(e->name);
		wn = l > wn ? l : wn;
		l = strlen(kind_text(e));
		wk = l > wk ? l : wk;
		l = strlen(e->ns);
		wns = l > wns ? l : wns;
	}
	for (size_t s = 0; s < n_src; s++)
		if (infos[s].type != KEXPORT_SOURCE_UNKNOWN)
			printf("# %s: %s (%s): %zu exports\n", sources[s],
			       kexport_source_type_name(infos[s].type), infos[s].detail,
			       infos[s].n_exports);
	printf("%-*s  %-*s  %-*s  %-10s  %s\n", (int)wn, "NAME", (int)wk, "KIND", (int)wns,
	       "NAMESPACE", "CRC", "OWNER");
	for (size_t i = 0; i < kexport_table_count(t); i++) {
		const struct kexport_export *e = kexport_table_get(t, i);
		if (!keep(f, e))
			continue;
		char crc[16];
		crc_text(e, crc, sizeof(crc));
		printf("%-*s  %-*s  %-*s  %-10s  %s\n", (int)wn, e->name, (int)wk, kind_text(e),
		       (int)wns, e->ns, crc, e->owner);
	}
	for (size_t i = 0; i < kexport_table_conflict_count(t); i++) {
		const struct kexport_conflict *c = kexport_table_conflict(t, i);
		if (!keep(f, c->kept) && !keep(f, c->other))
			continue;
		printf("# conflict: %s: %s differs: %s (%s) vs %s (%s)\n", c->kept->name, c->what,
		       c->kept->owner, c->kept->source, c->other->owner, c->other->source);
	}
}

static void print_symvers(const struct kexport_table *t, const struct filter *f)
{
	char line[2048];
	for (size_t i = 0; i < kexport_table_count(t); i++) {
		const struct kexport_export *e = kexport_table_get(t, i);
		if (!keep(f, e))
			continue;
		kexport_format_symvers(e, line, sizeof(line));
		puts(line);
	}
	for (size_t i = 0; i < kexport_table_conflict_count(t); i++) {
		const struct kexport_conflict *c = kexport_table_conflict(t, i);
		if (!keep(f, c->kept) && !keep(f, c->other))
			continue;
		fprintf(stderr, "kexport: warning: %s: %s differs between %s and %s\n", c->kept->name,
		        c->what, c->kept->source, c->other->source);
	}
}

static void print_json(const struct kexport_table *t, const struct filter *f,
                       const struct kexport_source_info *infos, char **sources, size_t n_src)
{
	json_obj_start(cli_json);
	json_key(cli_json, "sources");
	json_arr_start(cli_json);
	for (size_t s = 0; s < n_src; s++) {
		json_obj_start(cli_json);
		json_kstr(cli_json, "path", sources[s]);
		json_kstr(cli_json, "type", infos[s].type ? kexport_source_type_name(infos[s].type) : NULL);
		json_kstr(cli_json, "detail", infos[s].detail);
		json_kuint(cli_json, "exports", infos[s].n_exports);
		json_kuint(cli_json, "modules", infos[s].n_modules);
		json_kuint(cli_json, "bad_inputs", infos[s].n_bad);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
	json_key(cli_json, "exports");
	json_arr_start(cli_json);
	for (size_t i = 0; i < kexport_table_count(t); i++) {
		const struct kexport_export *e = kexport_table_get(t, i);
		if (keep(f, e))
			cli_json_export(e);
	}
	json_arr_end(cli_json);
	json_key(cli_json, "conflicts");
	json_arr_start(cli_json);
	for (size_t i = 0; i < kexport_table_conflict_count(t); i++) {
		const struct kexport_conflict *c = kexport_table_conflict(t, i);
		if (!keep(f, c->kept) && !keep(f, c->other))
			continue;
		json_obj_start(cli_json);
		json_kstr(cli_json, "what", c->what);
		json_key(cli_json, "kept");
		cli_json_export(c->kept);
		json_key(cli_json, "other");
		cli_json_export(c->other);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
	cli_json_errors();
	json_obj_end(cli_json);
}

static int cmd_exports(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{ "format", required_argument, NULL, 'f' },
		{ "gpl-only", no_argument, NULL, 'g' },
		{ "non-gpl", no_argument, NULL, 'G' },
		{ "ns", required_argument, NULL, 'n' },
		{ "owner", required_argument, NULL, 'o' },
		{ "match", required_argument, NULL, 'm' },
		{ "unsorted", no_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct filter f = { 0 };
	enum format fmt = FMT_TABLE;
	bool sorted = true;
	const char *config = NULL;
	int c, ret = CLI_EXIT_OK;
	int st;
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS "f:n:o:m:", opts, &kexport_cmd_exports,
	                      NULL, &st)) != -1) {
		switch (c) {
		case CLI_GETOPT_EXIT:
			return st;
		case 'f':
			if (strcmp(optarg, "symvers") == 0)
				fmt = FMT_SYMVERS;
			else if (strcmp(optarg, "table") == 0)
				fmt = FMT_TABLE;
			else if (strcmp(optarg, "json") == 0)
				cli_opt.json = true;
			else
				return cli_usage_error(&kexport_cmd_exports,
				                      "unknown format '%s' (table, symvers, json)", optarg);
			break;
		case 'g': f.gpl_only = true; break;
		case 'G': f.non_gpl = true; break;
		case 'n': if (!cli_push_str(&f.ns, &f.n_ns, optarg)) return CLI_EXIT_BAD_INPUT; break;
		case 'o': if (!cli_push_str(&f.owner, &f.n_owner, optarg)) return CLI_EXIT_BAD_INPUT; break;
		case 'm': if (!cli_push_str(&f.match, &f.n_match, optarg)) return CLI_EXIT_BAD_INPUT; break;
		case 'u': sorted = false; break;
		case 'C': config = optarg; break;
		default:
			return cli_usage_error(&kexport_cmd_exports, "bad option");
		}
	}
	if (optind >= argc)
		return cli_usage_error(&kexport_cmd_exports, "no SOURCE given");
	if (f.gpl_only && f.non_gpl)
		return cli_usage_error(&kexport_cmd_exports, "--gpl-only and --non-gpl exclude each other");

	struct kexport_ctx *ctx = cli_ctx_new();
	struct kexport_kernel *k = NULL;
	if (config) { /* for source trees: which exports this configuration builds */
		if (kexport_kernel_new(ctx, &k) < 0)
			cli_bad_input(config, "out of memory");
		if (!k || kexport_kernel_read_config(k, config) < 0) { /* reported */
			kexport_kernel_free(k);
			kexport_ctx_free(ctx);
			return CLI_EXIT_BAD_INPUT;
		}
		kexport_ctx_set_config(ctx, k);
	}
	struct kexport_table *t;
	if (kexport_table_new(ctx, &t) < 0) {
		fprintf(stderr, "kexport: out of memory\n");
		return CLI_EXIT_BAD_INPUT;
	}
	size_t n_src = (size_t)(argc - optind);
	struct kexport_source_info *infos = calloc(n_src, sizeof(*infos));
	for (size_t i = 0; infos && i < n_src; i++)
		infos[i].sz = sizeof(infos[i]);
	if (!infos) {
		fprintf(stderr, "kexport: out of memory\n");
		return CLI_EXIT_BAD_INPUT;
	}
	for (size_t s = 0; s < n_src; s++) {
		kexport_read_exports(ctx, t, argv[optind + (int)s], &infos[s]);
		if (cli_opt.verbose && infos[s].type)
			fprintf(stderr, "kexport: %s: %s (%s), %zu exports\n", argv[optind + (int)s],
			        kexport_source_type_name(infos[s].type), infos[s].detail,
			        infos[s].n_exports);
	}
	if (sorted)
		kexport_table_sort(t);
	cli_output_begin();
	if (cli_json)
		print_json(t, &f, infos, argv + optind, n_src);
	else if (fmt == FMT_SYMVERS)
		print_symvers(t, &f);
	else
		print_plain(t, &f, infos, argv + optind, n_src);
	cli_output_end();
	if (kexport_ctx_bad_inputs(ctx))
		ret = CLI_EXIT_BAD_INPUT;
	free(infos);
	free(f.ns);
	free(f.owner);
	free(f.match);
	kexport_table_free(t);
	kexport_ctx_free(ctx);
	kexport_kernel_free(k);
	return ret;
}

const struct kexport_cmd kexport_cmd_exports = {
	.name = "exports",
	.fn = cmd_exports,
	.summary = "print the merged export table of kernels, images, maps and modules",
	.usage = "kexport exports [OPTIONS] SOURCE...",
	.options =
	        "  SOURCE is Module.symvers, vmlinux, a bzImage or arm64 Image, System.map,\n"
	        "  /proc/kallsyms, a module (.ko, .ko.xz, .ko.zst, .ko.gz), a kernel build or\n"
	        "  headers directory, /lib/modules/VERSION, any directory of modules, or a\n"
	        "  kernel source tree (its EXPORT_SYMBOL* macros, with file:line).\n"
	        "  -f, --format FMT    table (default), symvers (the kernel's Module.symvers\n"
	        "                      layout), json\n"
	        "      --gpl-only      only EXPORT_SYMBOL_GPL (and UNUSED_GPL) exports\n"
	        "      --non-gpl       only exports open to every module\n"
	        "  -n, --ns GLOB       only exports in a matching namespace ('' = none)\n"
	        "  -o, --owner MOD     only exports of a matching owner (vmlinux, a module\n"
	        "                      name or path, a glob)\n"
	        "  -m, --match GLOB    only symbols whose name matches\n"
	        "      --unsorted      keep the order the sources gave\n"
	        "      --config FILE   for source trees: only the exports this .config builds,\n"
	        "                      owned by vmlinux or their module\n",
};
