/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport diff: what changed in the exported interface between two kernels
 * (lib/views/diff.c), which of those changes fail a kABI policy (a stablelist,
 * SUSE-style severity rules, or by default every breaking change), and with
 * --modules, what that does to given modules: the verdict engine run against
 * the old kernel and against the new one.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kexport.h"
#include "target.h"

enum { OPT_MODULES = 0x300, OPT_STABLELIST, OPT_RULES, OPT_FORMAT };

static const char options[] =
	"  OLD and NEW are any source `kexport exports` reads: Module.symvers, a kernel\n"
	"  image, a headers or build directory, /lib/modules/VERSION, a module tree.\n"
	"      --modules PATH...   only the symbols these modules (files or directories)\n"
	"                          import, and each module's verdict against OLD and NEW\n"
	"      --stablelist FILE   symbols that must not break (Red Hat kabi_stablelist_ARCH\n"
	"                          or one name per line)\n"
	"      --rules FILE        SUSE kabi/severities rules: PATTERN PASS|FAIL\n"
	"      --format FMT        human (default) or symvers (the changed symbols as\n"
	"                          Module.symvers lines: NEW's, or OLD's when removed)\n"
	"Failing: a breaking change (removed, kind tightened, namespace added or changed,\n"
	"CRC changed) of a stablelisted symbol, or one a rule marks FAIL, or with neither\n"
	"list nor rules any breaking change; with --modules, a module that stops loading.\n"
	"Exit status: 0 nothing fails, 1 failing changes, 2 bad input.\n";

const struct kexport_cmd kexport_cmd_diff;

/* The symbol classes in report order, then the module classes. */
static const unsigned classes[] = {
	KEXPORT_CHANGE_ADDED,         KEXPORT_CHANGE_REMOVED,       KEXPORT_CHANGE_KIND_TIGHTENED,
	KEXPORT_CHANGE_KIND_LOOSENED, KEXPORT_CHANGE_KIND_CHANGED,  KEXPORT_CHANGE_NS_ADDED,
	KEXPORT_CHANGE_NS_REMOVED,    KEXPORT_CHANGE_NS_CHANGED,    KEXPORT_CHANGE_CRC_CHANGED,
	KEXPORT_CHANGE_OWNER_MOVED,   KEXPORT_CHANGE_MODULE_ADDED,  KEXPORT_CHANGE_MODULE_REMOVED,
};

static const char *const judged_names[] = {
	[KEXPORT_JUDGED_NONE] = NULL,
	[KEXPORT_JUDGED_DEFAULT] = "default",
	[KEXPORT_JUDGED_STABLELIST] = "stablelist",
	[KEXPORT_JUDGED_RULE] = "rule",
};

/* One module's verdicts against the old and the new kernel. */
struct impact {
	struct kexport_module *m;
	struct kexport_verdict *before, *after;
};

static const char *impact_change(const struct impact *im)
{
	const struct kexport_verdict *a = im->before, *b = im->after;
	if (a->loads && !b->loads)
		return "stops_loading";
	if (!a->loads && b->loads)
		return "starts_loading";
	if (!a->loads)
		return "still_refused";
	if (a->module_taint != b->module_taint || a->kernel_taint_after != b->kernel_taint_after)
		return "taint_changed";
	return "unchanged";
}

/* "0x%08x" or "-"; by hand: tens of thousands of CRC lines are printed. */
static void crc_text(const struct kexport_export *e, char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (n < 11 || !(e->known & KEXPORT_KNOWN_CRC)) {
		snprintf(buf, n, "-");
		return;
	}
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 0; i < 8; i++)
		buf[2 + i] = hex[(e->crc >> (28 - 4 * i)) & 0xf];
	buf[10] = '\0';
}

static void print_judgement(const struct kexport_diff_entry *e)
{
	if (e->failing && e->judged_by == KEXPORT_JUDGED_RULE)
		printf("  FAIL (rule line %zu: %s)", e->rule_line, e->rule);
	else if (e->failing)
		printf("  FAIL (%s)", judged_names[e->judged_by]);
	else if (e->judged_by == KEXPORT_JUDGED_RULE)
		printf("  pass (rule line %zu: %s)", e->rule_line, e->rule);
}

/* One line of a class's list: the name and what changed in that class. */
static void print_entry_plain(const struct kexport_diff_entry *e, unsigned cls)
{
	const struct kexport_export *a = e->before, *b = e->after;
	char c1[16], c2[16];
	fputs("  ", stdout);
	fputs(e->name, stdout);
	switch (cls) {
	case KEXPORT_CHANGE_ADDED:
	case KEXPORT_CHANGE_REMOVED: {
		const struct kexport_export *x = a ? a : b;
		crc_text(x, c1, sizeof(c1));
		printf("  %s%s%s  %s  %s", kexport_kind_name(x->kind), x->ns[0] ? "  ns " : "", x->ns, c1,
		       x->owner);
		break;
	}
	case KEXPORT_CHANGE_KIND_TIGHTENED:
	case KEXPORT_CHANGE_KIND_LOOSENED:
	case KEXPORT_CHANGE_KIND_CHANGED:
		printf("  %s -> %s", kexport_kind_name(a->kind), kexport_kind_name(b->kind));
		break;
	case KEXPORT_CHANGE_NS_ADDED:
	case KEXPORT_CHANGE_NS_REMOVED:
	case KEXPORT_CHANGE_NS_CHANGED:
		printf("  '%s' -> '%s'", a->ns, b->ns);
		break;
	case KEXPORT_CHANGE_CRC_CHANGED:
		crc_text(a, c1, sizeof(c1));
		crc_text(b, c2, sizeof(c2));
		fputs("  ", stdout);
		fputs(c1, stdout);
		fputs(" -> ", stdout);
		fputs(c2, stdout);
		break;
	case KEXPORT_CHANGE_OWNER_MOVED:
		printf("  %s -> %s", a->owner, b->owner);
		break;
	}
	print_judgement(e);
	putchar('\n');
}

static void describe_source(const char *label, const struct cli_target *t)
{
	const struct kexport_source_info *in = &t->infos[0];
	const char *rel = t->kernel ? kexport_kernel_release(t->kernel) : NULL;
	if (cli_json) {
		json_key(cli_json, label);
		json_obj_start(cli_json);
		json_kstr(cli_json, "path", t->sources[0]);
		json_kstr(cli_json, "type", in->type ? kexport_source_type_name(in->type) : NULL);
		json_kstr(cli_json, "detail", in->detail);
		json_kuint(cli_json, "exports", kexport_table_count(t->table));
		json_kstr(cli_json, "release", rel);
		json_obj_end(cli_json);
		return;
	}
	printf("# %s: %s: %s%s%s%s: %zu exports%s%s\n", label, t->sources[0],
	       kexport_source_type_name(in->type), in->detail[0] ? " (" : "", in->detail,
	       in->detail[0] ? ")" : "", kexport_table_count(t->table), rel ? ", release " : "",
	       rel ? rel : "");
}

static void print_counts(const struct kexport_diff *d, size_t failing, size_t stops,
                         bool with_modules)
{
	if (cli_json) {
		json_key(cli_json, "counts");
		json_obj_start(cli_json);
	}
	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
		size_t n = kexport_diff_class_count(d, classes[c]);
		if (cli_json)
			json_kuint(cli_json, kexport_change_name(classes[c]), n);
		else
			printf("%-16s %zu\n", kexport_change_name(classes[c]), n);
	}
	if (cli_json) {
		json_kuint(cli_json, "symbols", kexport_diff_count(d));
		json_kuint(cli_json, "failing", failing);
		json_kuint(cli_json, "modules_stop_loading", stops);
		json_obj_end(cli_json);
	} else {
		printf("%-16s %zu\n", "failing", failing);
		if (with_modules)
			printf("%-16s %zu\n", "stop_loading", stops);
	}
}

static void print_symbols_json(const struct kexport_diff *d)
{
	json_key(cli_json, "symbols");
	json_arr_start(cli_json);
	for (size_t i = 0; i < kexport_diff_count(d); i++) {
		const struct kexport_diff_entry *e = kexport_diff_get(d, i);
		json_obj_start(cli_json);
		json_kstr(cli_json, "name", e->name);
		json_key(cli_json, "changes");
		json_arr_start(cli_json);
		for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++)
			if (e->changes & classes[c])
				json_str(cli_json, kexport_change_name(classes[c]));
		json_arr_end(cli_json);
		json_kbool(cli_json, "failing", e->failing);
		json_kstr(cli_json, "judged_by", judged_names[e->judged_by]);
		json_kstr(cli_json, "rule", e->rule);
		if (e->rule)
			json_kuint(cli_json, "rule_line", e->rule_line);
		json_key(cli_json, "old");
		cli_json_export(e->before);
		json_key(cli_json, "new");
		cli_json_export(e->after);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
	json_key(cli_json, "modules");
	json_obj_start(cli_json);
	for (unsigned k = 0; k < 2; k++) {
		unsigned cls = k ? KEXPORT_CHANGE_MODULE_REMOVED : KEXPORT_CHANGE_MODULE_ADDED;
		json_key(cli_json, k ? "removed" : "added");
		json_arr_start(cli_json);
		for (size_t i = 0; i < kexport_diff_module_count(d); i++) {
			const struct kexport_diff_module *m = kexport_diff_module_get(d, i);
			if (m->changes & cls)
				json_str(cli_json, m->owner);
		}
		json_arr_end(cli_json);
	}
	json_obj_end(cli_json);
}

static void print_symbols_plain(const struct kexport_diff *d)
{
	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
		size_t n = kexport_diff_class_count(d, classes[c]);
		if (!n)
			continue;
		printf("\n%s (%zu):\n", kexport_change_name(classes[c]), n);
		if (classes[c] & (KEXPORT_CHANGE_MODULE_ADDED | KEXPORT_CHANGE_MODULE_REMOVED)) {
			for (size_t i = 0; i < kexport_diff_module_count(d); i++) {
				const struct kexport_diff_module *m = kexport_diff_module_get(d, i);
				if (m->changes & classes[c])
					printf("  %s\n", m->owner);
			}
			continue;
		}
		for (size_t i = 0; i < kexport_diff_count(d); i++) {
			const struct kexport_diff_entry *e = kexport_diff_get(d, i);
			if (e->changes & classes[c])
				print_entry_plain(e, classes[c]);
		}
	}
}

static void print_symvers(const struct kexport_diff *d)
{
	char line[2048];
	for (size_t i = 0; i < kexport_diff_count(d); i++) {
		const struct kexport_diff_entry *e = kexport_diff_get(d, i);
		kexport_format_symvers(e->after ? e->after : e->before, line, sizeof(line));
		puts(line);
	}
}

static void print_impact(const struct impact *im, size_t n)
{
	if (cli_json) {
		json_key(cli_json, "impact");
		json_arr_start(cli_json);
		for (size_t i = 0; i < n; i++) {
			json_obj_start(cli_json);
			json_kstr(cli_json, "path", im[i].m->path);
			json_kstr(cli_json, "name", im[i].before->module);
			json_kstr(cli_json, "change", impact_change(&im[i]));
			json_key(cli_json, "old");
			cli_print_verdict(im[i].m, im[i].before, CLI_VERDICT_HUMAN);
			json_key(cli_json, "new");
			cli_print_verdict(im[i].m, im[i].after, CLI_VERDICT_HUMAN);
			json_obj_end(cli_json);
		}
		json_arr_end(cli_json);
		return;
	}
	printf("\nimpact on %zu modules (verdict against OLD -> against NEW):\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct kexport_verdict *a = im[i].before, *b = im[i].after;
		char ta[32], tb[32];
		kexport_taint_letters(a->module_taint, true, ta, sizeof(ta));
		kexport_taint_letters(b->module_taint, true, tb, sizeof(tb));
		printf("  %s: %s", im[i].m->path, impact_change(&im[i]));
		printf(" (%s%s%s -> ", a->loads ? "loads" : "refused", a->loads && ta[0] ? ", taint " : "",
		       a->loads ? ta : "");
		if (b->loads)
			printf("loads%s%s)\n", tb[0] ? ", taint " : "", tb);
		else
			printf("refused, %d %s)\n", b->err, cli_errno_name(b->err));
		if (strcmp(impact_change(&im[i]), "unchanged") == 0)
			continue;
		for (size_t p = 0; p < b->n_problems; p++)
			if (b->problems[p].fatal)
				printf("    ERROR %-17s %s\n", kexport_reason_name(b->problems[p].reason),
				       b->problems[p].explanation);
	}
}

/* A stablelist or rules file; false (reported through ctx) when it cannot be read. */
static bool read_policy(struct kexport_ctx *ctx, const char *stable_path, const char *rules_path,
                        struct kexport_symlist **stable, struct kexport_severity **rules)
{
	bool ok = true;
	if (stable_path) {
		if (kexport_symlist_new(ctx, stable) < 0) {
			fprintf(stderr, "kexport: out of memory\n");
			exit(CLI_EXIT_BAD_INPUT);
		}
		if (kexport_symlist_read(*stable, stable_path) < 0) /* reported */
			ok = false;
	}
	if (rules_path && kexport_severity_read(ctx, rules_path, rules) < 0) {
		*rules = NULL;
		ok = false;
	}
	return ok;
}

/* The modules the user named, and the names they import. */
static bool read_modules(struct kexport_ctx *ctx, const char **paths, size_t n_paths,
                         struct kexport_module ***mods, size_t *n_mods,
                         struct kexport_symlist **imports)
{
	bool ok = true;
	if (kexport_symlist_new(ctx, imports) < 0)
		return false;
	for (size_t p = 0; p < n_paths; p++) {
		struct kexport_module **m;
		size_t n;
		if (kexport_read_modules(ctx, paths[p], &m, &n) < 0)
			ok = false;
		struct kexport_module **all = realloc(*mods, (*n_mods + n + 1) * sizeof(*all));
		if (!all) {
			kexport_module_list_free(m, n);
			return false;
		}
		*mods = all;
		for (size_t i = 0; i < n; i++) {
			all[(*n_mods)++] = m[i];
			for (size_t j = 0; j < m[i]->n_imports; j++)
				if (kexport_symlist_add(*imports, m[i]->imports[j].name) < 0)
					return false;
			/* __versions also names module_layout, which is no import but
			 * is checked first: its CRC change refuses every module. */
			for (size_t j = 0; j < m[i]->n_versions; j++)
				if (kexport_symlist_add(*imports, m[i]->versions[j].name) < 0)
					return false;
		}
		free(m);
	}
	return ok;
}

/* Module lists, when both sides are module trees. */
static int compare_module_lists(struct kexport_ctx *ctx, struct cli_target *old_t,
                                struct cli_target *new_t, struct kexport_diff *d)
{
	struct cli_target *t[2] = { old_t, new_t };
	char **names[2] = { NULL, NULL };
	size_t n[2] = { 0, 0 };
	for (int k = 0; k < 2; k++) {
		enum kexport_source_type ty = t[k]->infos[0].type;
		if (ty != KEXPORT_SOURCE_MODULES_DIR && ty != KEXPORT_SOURCE_MODULE_TREE)
			return 0;
	}
	int r = 0;
	for (int k = 0; k < 2 && r == 0; k++)
		r = kexport_list_modules(ctx, t[k]->sources[0], &names[k], &n[k]);
	if (r == 0)
		r = kexport_diff_set_modules(d, (const char *const *)names[0], n[0],
		                             (const char *const *)names[1], n[1]);
	for (int k = 0; k < 2; k++)
		kexport_strings_free(names[k], n[k]);
	return r;
}

/*
 * Read one side.  The verdict engine needs the whole target kernel (release,
 * configuration, loader); a plain diff only the export table.
 */
static int open_side(struct cli_target *t, struct kexport_ctx *ctx, bool verdicts,
                     const char *fallback)
{
	if (verdicts)
		return cli_target_open(t, ctx, fallback);
	t->infos = calloc(1, sizeof(*t->infos));
	if (t->infos)
		t->infos[0].sz = sizeof(t->infos[0]);
	if (!t->infos || kexport_table_new(ctx, &t->table) < 0)
		return -1;
	int r = kexport_read_exports(ctx, t->table, t->sources[0], &t->infos[0]);
	if (r == 0 && cli_opt.verbose)
		fprintf(stderr, "kexport: %s: %s (%s): %zu exports\n", t->sources[0],
		        kexport_source_type_name(t->infos[0].type), t->infos[0].detail,
		        t->infos[0].n_exports);
	return r;
}

static int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "modules", required_argument, NULL, OPT_MODULES },
		{ "stablelist", required_argument, NULL, OPT_STABLELIST },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ NULL, 0, NULL, 0 },
	};
	const char **mod_paths = NULL;
	size_t n_mod_paths = 0;
	const char *stable_path = NULL, *rules_path = NULL;
	bool symvers = false, with_modules = false;
	int opt, st;
	while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, longopts, &kexport_cmd_diff, NULL,
	                        &st)) != -1) {
		if (opt == CLI_GETOPT_EXIT)
			return st;
		switch (opt) {
		case OPT_MODULES:
			with_modules = true;
			if (!cli_push_str(&mod_paths, &n_mod_paths, optarg))
				return CLI_EXIT_BAD_INPUT;
			break;
		case OPT_STABLELIST:
			stable_path = optarg;
			break;
		case OPT_RULES:
			rules_path = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "symvers") == 0)
				symvers = true;
			else if (strcmp(optarg, "human") == 0)
				symvers = false;
			else
				return cli_usage_error(&kexport_cmd_diff, "--format takes human or symvers");
			break;
		default:
			return cli_usage_error(&kexport_cmd_diff, "unknown option");
		}
	}
	if (argc - optind < 2)
		return cli_usage_error(&kexport_cmd_diff, "OLD and NEW are needed");
	/* `--modules a.ko b.ko`: getopt leaves b.ko among the operands. */
	if (argc - optind > 2 && !with_modules)
		return cli_usage_error(&kexport_cmd_diff, "only OLD and NEW (modules go after --modules)");
	for (int i = optind + 2; i < argc; i++)
		if (!cli_push_str(&mod_paths, &n_mod_paths, argv[i]))
			return CLI_EXIT_BAD_INPUT;

	/* Tens of thousands of lines for a kernel update: write them in big blocks. */
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	bool bad = false;
	struct kexport_symlist *stable = NULL, *imports = NULL;
	struct kexport_severity *rules = NULL;
	struct kexport_ctx *ctx = cli_ctx_new();
	if (!read_policy(ctx, stable_path, rules_path, &stable, &rules))
		bad = true;
	cli_output_begin();
	struct kexport_module **mods = NULL;
	size_t n_mods = 0;
	if (with_modules && !read_modules(ctx, mod_paths, n_mod_paths, &mods, &n_mods, &imports))
		bad = true;
	const char *fallback = n_mods ? mods[0]->vermagic : NULL;
	struct cli_target old_t = { 0 }, new_t = { 0 };
	cli_push_str(&old_t.sources, &old_t.n_sources, argv[optind]);
	cli_push_str(&new_t.sources, &new_t.n_sources, argv[optind + 1]);
	/* A module given with --modules is built for OLD: its vermagic names OLD's
	 * release when OLD itself does not tell. */
	if (open_side(&old_t, ctx, with_modules, fallback) < 0)
		bad = true;
	if (open_side(&new_t, ctx, with_modules, NULL) < 0)
		bad = true;

	int status = CLI_EXIT_OK;
	struct kexport_diff *d = NULL;
	struct impact *im = NULL;
	size_t stops = 0;
	if (old_t.table && new_t.table && kexport_table_count(old_t.table) &&
	    kexport_table_count(new_t.table) && (!with_modules || (old_t.loader && new_t.loader))) {
		/* Module lists only for a whole diff: --modules asks about its modules. */
		if (kexport_diff_new(ctx, old_t.table, new_t.table, with_modules ? imports : NULL, &d) < 0 ||
		    (!with_modules && compare_module_lists(ctx, &old_t, &new_t, d) < 0)) {
			fprintf(stderr, "kexport: out of memory\n");
			return CLI_EXIT_BAD_INPUT;
		}
		/* With --modules alone the verdicts decide; lists and rules still apply. */
		size_t failing = 0;
		if (!with_modules || stable || rules)
			failing = kexport_diff_judge(d, stable, rules);
		im = calloc(n_mods ? n_mods : 1, sizeof(*im));
		if (!im) {
			fprintf(stderr, "kexport: out of memory\n");
			return CLI_EXIT_BAD_INPUT;
		}
		for (size_t i = 0; i < n_mods; i++) {
			im[i].m = mods[i];
			if (kexport_loader_check(old_t.loader, mods[i], 0, &im[i].before) < 0 ||
			    kexport_loader_check(new_t.loader, mods[i], 0, &im[i].after) < 0) {
				fprintf(stderr, "kexport: out of memory\n");
				return CLI_EXIT_BAD_INPUT;
			}
			stops += im[i].before->loads && !im[i].after->loads;
		}
		if (failing || stops)
			status = CLI_EXIT_FINDING;
		if (cli_json) {
			json_obj_start(cli_json);
			describe_source("old", &old_t);
			describe_source("new", &new_t);
			print_counts(d, failing, stops, with_modules);
			print_symbols_json(d);
			if (with_modules)
				print_impact(im, n_mods);
		} else if (symvers) {
			print_symvers(d);
		} else {
			describe_source("old", &old_t);
			describe_source("new", &new_t);
			print_counts(d, failing, stops, with_modules);
			print_symbols_plain(d);
			if (with_modules)
				print_impact(im, n_mods);
		}
	} else {
		bad = true;
		if (cli_json)
			json_obj_start(cli_json);
	}
	if (cli_json) {
		cli_json_errors();
		json_obj_end(cli_json);
	}
	cli_output_end();
	for (size_t i = 0; im && i < n_mods; i++) {
		kexport_verdict_free(im[i].before);
		kexport_verdict_free(im[i].after);
	}
	free(im);
	kexport_diff_free(d);
	kexport_module_list_free(mods, n_mods);
	cli_target_close(&old_t);
	cli_target_close(&new_t);
	kexport_symlist_free(stable);
	kexport_symlist_free(imports);
	kexport_severity_free(rules);
	kexport_ctx_free(ctx);
	free(mod_paths);
	return bad || cli_bad_input_count() ? CLI_EXIT_BAD_INPUT : status;
}

const struct kexport_cmd kexport_cmd_diff = {
	.name = "diff",
	.fn = cmd_diff,
	.summary = "what changed in the exported interface between two kernels, and what breaks",
	.usage = "kexport diff [OPTIONS] OLD NEW [--modules PATH...] [--stablelist FILE] [--rules FILE]",
	.options = options,
};
