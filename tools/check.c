/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport check: would the kernel load this module?  The loader's verdict,
 * taints and log lines, replayed by the verdict engine (lib/loader/verdict.c).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kexport.h"
#include "target.h"

#define CLI_EXIT_TAINTS 3

enum { OPT_LOADED = 0x300, OPT_FORMAT, OPT_FAIL_ON };

static const char options[] =
	CLI_TARGET_HELP
	"      --loaded MOD.ko     a module loaded before (repeatable, or comma-separated);\n"
	"                          loaded in modprobe's dependency order, taints carried\n"
	"      --format FMT        human (default) or depmod (its \"needs unknown symbol\" and\n"
	"                          \"disagrees about version\" lines)\n"
	"      --fail-on WHAT      refused: exit 1 only when refused (taint is 0);\n"
	"                          taint: exit 1 also when it loads but taints\n"
	"Exit status: 0 loads and adds no taint, 3 loads but taints, 1 refused, 2 bad input.\n";

const struct kexport_cmd kexport_cmd_check;

/* Does module a use an export of module b? */
static bool uses(const struct kexport_module *a, const struct kexport_module *b)
{
	for (size_t i = 0; i < a->n_imports; i++)
		for (size_t j = 0; j < b->n_exports; j++)
			if (strcmp(a->imports[i].name, b->exports[j].name) == 0)
				return true;
	return false;
}

/* modprobe's order: a module after the modules whose exports it uses;
 * otherwise as given.  Cycles keep the given order. */
static void dependency_order(struct kexport_module **m, size_t n)
{
	for (size_t done = 0; done < n;) {
		size_t pick = done;
		for (size_t i = done; i < n; i++) {
			bool ready = true;
			for (size_t j = done; j < n && ready; j++)
				if (j != i && uses(m[i], m[j]))
					ready = false;
			if (ready) {
				pick = i;
				break;
			}
		}
		struct kexport_module *t = m[pick];
		memmove(&m[done + 1], &m[done], (pick - done) * sizeof(*m));
		m[done++] = t;
	}
}

/* A module; < 0 when it cannot be read (reported through ctx). */
static int read_module(struct kexport_ctx *ctx, const char *path, struct kexport_module **m)
{
	return kexport_module_read(ctx, path, NULL, m) < 0 ? -1 : 0;
}

static int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS, CLI_TARGET_LONGOPTS,
		{ "loaded", required_argument, NULL, OPT_LOADED },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_target t = { 0 };
	const char **loaded_paths = NULL;
	size_t n_loaded_paths = 0;
	enum cli_verdict_format fmt = CLI_VERDICT_HUMAN;
	const char *fail_on = NULL;
	int opt, st;
	while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, longopts, &kexport_cmd_check, &t,
	                        &st)) != -1) {
		if (opt == CLI_GETOPT_EXIT)
			return st;
		switch (opt) {
		case OPT_LOADED: {
			char *s = optarg, *tok;
			while ((tok = strsep(&s, ",")))
				if (*tok)
					cli_push_str(&loaded_paths, &n_loaded_paths, tok);
			break;
		}
		case OPT_FORMAT:
			if (strcmp(optarg, "human") == 0)
				fmt = CLI_VERDICT_HUMAN;
			else if (strcmp(optarg, "depmod") == 0)
				fmt = CLI_VERDICT_DEPMOD;
			else
				return cli_usage_error(&kexport_cmd_check, "--format takes human or depmod");
			break;
		case OPT_FAIL_ON:
			if (strcmp(optarg, "refused") != 0 && strcmp(optarg, "taint") != 0)
				return cli_usage_error(&kexport_cmd_check, "--fail-on takes refused or taint");
			fail_on = optarg;
			break;
		default:
			return cli_usage_error(&kexport_cmd_check, "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error(&kexport_cmd_check, "no module given");

	size_t n_mods = (size_t)(argc - optind);
	struct kexport_module **mods = calloc(n_mods, sizeof(*mods));
	struct kexport_module **loaded = calloc(n_loaded_paths ? n_loaded_paths : 1, sizeof(*loaded));
	if (!mods || !loaded) {
		fprintf(stderr, "kexport: out of memory\n");
		return CLI_EXIT_BAD_INPUT;
	}
	struct kexport_ctx *ctx = cli_ctx_new();
	bool bad = false;
	for (size_t i = 0; i < n_mods; i++)
		if (read_module(ctx, argv[optind + (int)i], &mods[i]) < 0)
			bad = true;
	size_t n_loaded = 0;
	for (size_t i = 0; i < n_loaded_paths; i++)
		if (read_module(ctx, loaded_paths[i], &loaded[n_loaded]) == 0)
			n_loaded++;
		else
			bad = true;
	const char *fallback = NULL;
	for (size_t i = 0; i < n_mods && !fallback; i++)
		if (mods[i])
			fallback = mods[i]->vermagic;

	/* What the modules need from the kernel, and what they export (a
	 * duplicate is refused): with kmod's indexes only that is read. */
	bool need_ok = true;
	for (size_t pass = 0; pass < 2 && need_ok; pass++)
		for (size_t i = 0; i < (pass ? n_loaded : n_mods) && need_ok; i++) {
			const struct kexport_module *m = pass ? loaded[i] : mods[i];
			for (size_t j = 0; m && j < m->n_imports && need_ok; j++)
				need_ok = cli_push_str(&t.needed, &t.n_needed, m->imports[j].name);
			for (size_t j = 0; m && j < m->n_exports && need_ok; j++)
				need_ok = cli_push_str(&t.needed, &t.n_needed, m->exports[j].name);
		}
	if (!need_ok) { /* out of memory: read everything */
		free(t.needed);
		t.needed = NULL;
		t.n_needed = 0;
	}

	for (size_t i = 0; i < n_mods; i++)
		t.signed_modules |= mods[i] && mods[i]->signed_trailer;
	for (size_t i = 0; i < n_loaded; i++)
		t.signed_modules |= loaded[i]->signed_trailer;
	cli_output_begin();
	if (cli_target_open(&t, ctx, fallback) < 0)
		bad = true;
	if (cli_json)
		json_obj_start(cli_json);
	int status = CLI_EXIT_OK;
	if (t.loader) {
		cli_target_describe(&t);
		dependency_order(loaded, n_loaded);
		if (cli_json) {
			json_key(cli_json, "loaded");
			json_arr_start(cli_json);
		}
		for (size_t i = 0; i < n_loaded; i++) {
			struct kexport_verdict *v;
			if (kexport_loader_load(t.loader, loaded[i], t.flags, &v) < 0) {
				fprintf(stderr, "kexport: out of memory\n");
				return CLI_EXIT_BAD_INPUT;
			}
			if (cli_json)
				cli_print_verdict(loaded[i], v, fmt);
			else if (fmt == CLI_VERDICT_HUMAN)
				printf("# loaded first: %s: %s\n", loaded[i]->path,
				       v->loads ? "loads" : "refused (its exports are not available)");
			kexport_verdict_free(v);
		}
		if (cli_json) {
			json_arr_end(cli_json);
			json_key(cli_json, "modules");
			json_arr_start(cli_json);
		}
		for (size_t i = 0; i < n_mods; i++) {
			if (!mods[i])
				continue;
			struct kexport_verdict *v;
			if (kexport_loader_check(t.loader, mods[i], t.flags, &v) < 0) {
				fprintf(stderr, "kexport: out of memory\n");
				return CLI_EXIT_BAD_INPUT;
			}
			cli_print_verdict(mods[i], v, fmt);
			int s = !v->loads ? CLI_EXIT_FINDING
			        : cli_verdict_taints(v)
			                ? (fail_on && strcmp(fail_on, "taint") == 0   ? CLI_EXIT_FINDING
			                   : fail_on && strcmp(fail_on, "refused") == 0 ? CLI_EXIT_OK
			                                                                : CLI_EXIT_TAINTS)
			                : CLI_EXIT_OK;
			/* The worst verdict decides: refused, then taints, then clean. */
			if (s == CLI_EXIT_FINDING || (s == CLI_EXIT_TAINTS && status == CLI_EXIT_OK))
				status = s;
			kexport_verdict_free(v);
		}
		if (cli_json)
			json_arr_end(cli_json);
		cli_target_report_keys(&t);
	}
	if (cli_json) {
		cli_json_errors();
		json_obj_end(cli_json);
	}
	cli_output_end();
	for (size_t i = 0; i < n_mods; i++)
		kexport_module_free(mods[i]);
	for (size_t i = 0; i < n_loaded; i++)
		kexport_module_free(loaded[i]);
	free(mods);
	free(loaded);
	free(loaded_paths);
	cli_target_close(&t);
	kexport_ctx_free(ctx);
	return bad || cli_bad_input_count() ? CLI_EXIT_BAD_INPUT : status;
}

const struct kexport_cmd kexport_cmd_check = {
	.name = "check",
	.fn = cmd_check,
	.summary = "would the kernel load a module: verdict, errno, taints, log lines, why",
	.usage = "kexport check [OPTIONS] MODULE... [--kernel SOURCE] [--loaded MOD...]",
	.options = options,
};
