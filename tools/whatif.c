/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport whatif: the verdict engine run twice over a corpus of modules,
 * once on the kernel's export table and once on an edited copy ("what if
 * this symbol were GPL-only, exported to everyone, in no namespace, gone?"),
 * and the modules whose verdict changes.  The corpus is read once; the second
 * pass judges again only the modules an edit can reach: those importing or
 * exporting an edited symbol, and those importing from a module whose
 * verdict changed (down dependency chains).
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

static const char options[] =
	"      --modules PATH      a module tree or a .ko file (repeatable); required\n"
	"      --gpl-only SYM      SYM becomes EXPORT_SYMBOL_GPL\n"
	"      --export SYM        SYM becomes EXPORT_SYMBOL\n"
	"      --ns SYM=NS         SYM moves to namespace NS (SYM= : to no namespace)\n"
	"      --unexport SYM      SYM is no longer exported\n"
	"      --changes FILE      changes, one \"OP SYM\" a line (OP: gpl-only, export, ns,\n"
	"                          unexport), # comments\n"
	"                          SYM is a name or a glob ('dma_buf_*'); changes apply in\n"
	"                          order to the kernel's exports and the corpus's own\n"
	"      --who-uses SYM      no change: the modules importing SYM (a glob; repeatable,\n"
	"                          more SYMs may follow as arguments), their licences and\n"
	"                          whether they load today\n" CLI_TARGET_HELP
	"Without --kernel, the kernel is the first --modules tree's own (see audit).\n"
	"Exit status: 0 no module newly refused, 1 some module newly refused, 2 bad input.\n";

const struct kexport_cmd kexport_cmd_whatif;

enum {
	OPT_MODULES = 0x300,
	OPT_GPL_ONLY,
	OPT_EXPORT,
	OPT_NS,
	OPT_UNEXPORT,
	OPT_CHANGES,
	OPT_WHO_USES,
};

struct whatif {
	struct kexport_module **mods;
	size_t n;
	struct kexport_ctx *ctx;
	struct kexport_judge *before, *after;
	const char **who;        /* --who-uses patterns */
	size_t n_who;
};

static void json_verdict_side(const struct kexport_verdict *v, bool problems)
{
	char mt[32];
	json_obj_start(cli_json);
	json_kstr(cli_json, "verdict", v->loads ? "loads" : "refused");
	json_kstr(cli_json, "error", v->err ? cli_errno_name(v->err) : NULL);
	json_kstr(cli_json, "module_taint",
	          v->loads ? kexport_taint_letters(v->module_taint, true, mt, sizeof(mt)) : NULL);
	if (problems)
		cli_json_problems(v);
	json_obj_end(cli_json);
}

/* A module object's opening: who it is and its licence. */
static void json_module_start(const struct kexport_module *m)
{
	json_obj_start(cli_json);
	json_kstr(cli_json, "name", m->name);
	json_kstr(cli_json, "path", m->path);
	json_kstr(cli_json, "license", m->license);
	json_kbool(cli_json, "gpl_compatible", m->gpl_compatible);
}

/* "loads, taint P" / "loads, no taint" / "refused (-ENOENT)" */
static const char *side_text(const struct kexport_verdict *v, char *buf, size_t size)
{
	char mt[32];
	if (!v->loads)
		snprintf(buf, size, "refused (%d, %s)", v->err, cli_errno_name(v->err));
	else if (v->module_taint)
		snprintf(buf, size, "loads, taint %s",
		         kexport_taint_letters(v->module_taint, true, mt, sizeof(mt)));
	else
		snprintf(buf, size, "loads, no taint");
	return buf;
}

/* --who-uses: the importers of the patterns, with their licences and today's verdict. */
static void print_who_uses(const struct whatif *w)
{
	size_t users = 0;
	size_t *hits = calloc(w->n_who ? w->n_who : 1, sizeof(*hits));
	if (cli_json) {
		json_key(cli_json, "symbols");
		json_arr_start(cli_json);
		for (size_t k = 0; k < w->n_who; k++)
			json_str(cli_json, w->who[k]);
		json_arr_end(cli_json);
		json_key(cli_json, "modules");
		json_arr_start(cli_json);
	}
	for (size_t i = 0; i < w->n; i++) {
		const struct kexport_module *m = w->mods[i];
		const struct kexport_verdict *v = kexport_judge_verdict(w->before, i);
		bool any = false;
		for (size_t j = 0; j < m->n_imports; j++) {
			const char *s = m->imports[j].name;
			bool hit = false;
			for (size_t k = 0; k < w->n_who; k++)
				if (fnmatch(w->who[k], s, 0) == 0) {
					hits[k]++;
					hit = true;
				}
			if (!hit)
				continue;
			if (!any) {
				any = true;
				users++;
				char buf[64];
				if (cli_json) {
					json_module_start(m);
					json_key(cli_json, "today");
					json_verdict_side(v, false);
					json_key(cli_json, "imports");
					json_arr_start(cli_json);
				} else {
					printf("%s: license %s (%s); today %s\n  imports:", m->path,
					       m->license ? m->license : "(none)",
					       m->gpl_compatible ? "GPL-compatible" : "not GPL-compatible",
					       side_text(v, buf, sizeof(buf)));
				}
			}
			if (cli_json)
				json_str(cli_json, s);
			else
				printf(" %s", s);
		}
		if (any) {
			if (cli_json) {
				json_arr_end(cli_json);
				json_obj_end(cli_json);
			} else {
				printf("\n");
			}
		}
	}
	for (size_t k = 0; k < w->n_who; k++)
		if (hits && !hits[k])
			fprintf(stderr, "kexport: whatif: warning: no module imports '%s'\n", w->who[k]);
	free(hits);
	if (cli_json) {
		json_arr_end(cli_json);
		json_key(cli_json, "summary");
		json_obj_start(cli_json);
		json_kuint(cli_json, "modules", w->n);
		json_kuint(cli_json, "importers", users);
		json_obj_end(cli_json);
	} else {
		printf("%zu of %zu modules import %s%s\n", users, w->n, w->who[0],
		       w->n_who > 1 ? " and the other symbols" : "");
	}
}

enum change_class { SAME, NEWLY_REFUSED, NEWLY_LOADABLE, TAINT, REFUSAL, N_CLASSES };
static const char *const class_names[] = {
	[SAME] = "unchanged", [NEWLY_REFUSED] = "newly_refused", [NEWLY_LOADABLE] = "newly_loadable",
	[TAINT] = "taint", [REFUSAL] = "refusal_error",
};

static enum change_class classify(const struct kexport_verdict *b, const struct kexport_verdict *a)
{
	if (!a || !b || a == b)
		return SAME;
	if (b->loads && !a->loads)
		return NEWLY_REFUSED;
	if (!b->loads && a->loads)
		return NEWLY_LOADABLE;
	if (a->loads)
		return a->module_taint != b->module_taint ? TAINT : SAME;
	return a->err != b->err ? REFUSAL : SAME;
}

static void print_changes(const struct kexport_edits *edits, const size_t *matched,
                          const struct kexport_edit_change *ch, size_t n_ch)
{
	if (cli_json) {
		json_key(cli_json, "changes");
		json_arr_start(cli_json);
		for (size_t k = 0; k < kexport_edits_count(edits); k++) {
			const struct kexport_edit *e = kexport_edits_get(edits, k);
			json_obj_start(cli_json);
			json_kstr(cli_json, "op", kexport_edit_op_name(e->op));
			json_kstr(cli_json, "symbol", e->pattern);
			json_kstr(cli_json, "namespace", e->ns);
			json_kuint(cli_json, "matched", matched[k]);
			json_obj_end(cli_json);
		}
		json_arr_end(cli_json);
		json_key(cli_json, "exports");
		json_arr_start(cli_json);
		for (size_t i = 0; i < n_ch; i++) {
			const struct kexport_export *b = ch[i].before, *a = ch[i].after;
			json_obj_start(cli_json);
			json_kstr(cli_json, "name", b->name);
			json_kstr(cli_json, "owner", b->owner);
			json_key(cli_json, "before");
			json_obj_start(cli_json);
			json_kstr(cli_json, "kind", kexport_kind_short(b->kind));
			json_kstr(cli_json, "namespace", b->ns);
			json_obj_end(cli_json);
			json_key(cli_json, "after");
			if (a) {
				json_obj_start(cli_json);
				json_kstr(cli_json, "kind", kexport_kind_short(a->kind));
				json_kstr(cli_json, "namespace", a->ns);
				json_obj_end(cli_json);
			} else {
				json_null(cli_json);
			}
			json_obj_end(cli_json);
		}
		json_arr_end(cli_json);
		return;
	}
	for (size_t k = 0; k < kexport_edits_count(edits); k++) {
		const struct kexport_edit *e = kexport_edits_get(edits, k);
		printf("# change: %s %s%s%s: %zu export%s\n", kexport_edit_op_name(e->op), e->pattern,
		       e->ns ? "=" : "", e->ns ? e->ns : "", matched[k], matched[k] == 1 ? "" : "s");
	}
	/* a wide glob can change thousands: the first ones, the rest with -v or -j */
	size_t shown = cli_opt.verbose || n_ch <= 20 ? n_ch : 16;
	for (size_t i = 0; i < shown; i++) {
		const struct kexport_export *b = ch[i].before, *a = ch[i].after;
		printf("#   %s (%s): %s%s%s -> ", b->name, b->owner, kexport_kind_name(b->kind),
		       b->ns[0] ? " " : "", b->ns);
		if (a)
			printf("%s%s%s\n", kexport_kind_name(a->kind), a->ns[0] ? " " : "", a->ns);
		else
			printf("not exported\n");
	}
	if (shown < n_ch)
		printf("#   ... and %zu more (-v lists them)\n", n_ch - shown);
}

/* The modules whose verdict changed; returns the number newly refused. */
static size_t print_report(const struct whatif *w)
{
	size_t counts[N_CLASSES] = { 0 };
	if (cli_json) {
		json_key(cli_json, "modules");
		json_arr_start(cli_json);
	}
	for (size_t i = 0; i < w->n; i++) {
		const struct kexport_verdict *b = kexport_judge_verdict(w->before, i),
		                             *a = kexport_judge_verdict(w->after, i);
		enum change_class c = classify(b, a);
		counts[c]++;
		if (c == SAME)
			continue;
		const struct kexport_module *m = w->mods[i];
		if (cli_json) {
			json_module_start(m);
			json_kstr(cli_json, "change", class_names[c]);
			json_key(cli_json, "before");
			json_verdict_side(b, false);
			json_key(cli_json, "after");
			json_verdict_side(a, true);
			json_obj_end(cli_json);
			continue;
		}
		char sb[64], sa[64];
		printf("%s: %s -> %s (license %s)\n", m->path, side_text(b, sb, sizeof(sb)),
		       side_text(a, sa, sizeof(sa)), m->license ? m->license : "(none)");
		for (size_t k = 0; k < a->n_problems; k++) {
			const struct kexport_problem *p = &a->problems[k];
			printf("  %-7s %-17s %s\n", p->fatal ? "ERROR" : "note",
			       kexport_reason_name(p->reason), p->explanation);
			cli_print_fix(a, k);
		}
	}
	size_t again = kexport_judge_checked(w->after);
	if (cli_json) {
		json_arr_end(cli_json);
		json_key(cli_json, "summary");
		json_obj_start(cli_json);
		json_kuint(cli_json, "modules", w->n);
		json_kuint(cli_json, "newly_refused", counts[NEWLY_REFUSED]);
		json_kuint(cli_json, "newly_loadable", counts[NEWLY_LOADABLE]);
		json_kuint(cli_json, "taint_changed", counts[TAINT]);
		json_kuint(cli_json, "refusal_changed", counts[REFUSAL]);
		json_kuint(cli_json, "unchanged", counts[SAME]);
		json_kuint(cli_json, "judged_again", again);
		json_obj_end(cli_json);
	} else {
		printf("%zu modules: %zu newly refused, %zu newly loadable, %zu taint changed, "
		       "%zu refused differently, %zu unchanged (%zu judged again)\n",
		       w->n, counts[NEWLY_REFUSED], counts[NEWLY_LOADABLE], counts[TAINT],
		       counts[REFUSAL], counts[SAME], again);
	}
	return counts[NEWLY_REFUSED];
}

/*
 * Modules an edit reaches directly: importing an edited symbol (also
 * through __versions alone: module_layout), or exporting one (their own
 * exports were edited too).
 */
static unsigned char *touched_modules(const struct whatif *w, const struct kexport_edit_change *ch,
                                      size_t n_ch)
{
	unsigned char *touched = calloc(w->n ? w->n : 1, 1);
	struct kexport_table *edited = NULL;
	if (!touched || kexport_table_new(w->ctx, &edited) < 0) {
		free(touched);
		return NULL;
	}
	for (size_t i = 0; i < n_ch; i++)
		if (kexport_table_add(edited, ch[i].before) < 0)
			goto oom;
	/* the loader decides whether the kernel has modversions from module_layout */
	bool all = kexport_table_find(edited, "module_layout") != NULL;
	for (size_t i = 0; i < w->n && n_ch; i++) {
		const struct kexport_module *m = w->mods[i];
		touched[i] = all;
		for (size_t k = 0; k < m->n_imports && !touched[i]; k++)
			touched[i] = kexport_table_find(edited, m->imports[k].name) != NULL;
		/* __versions entries without a symbol: module_layout (the verdict
		 * model keeps only it) */
		for (size_t k = 0; k < m->n_versions && !touched[i]; k++)
			touched[i] = kexport_table_find(edited, m->versions[k].name) != NULL;
		for (size_t k = 0; k < m->n_exports && !touched[i]; k++)
			touched[i] = kexport_table_find(edited, m->exports[k].name) != NULL;
	}
	kexport_table_free(edited);
	return touched;
oom:
	kexport_table_free(edited);
	free(touched);
	return NULL;
}

/* The edited pass; < 0 on ENOMEM. */
static int second_pass(struct whatif *w, struct cli_target *t, const struct kexport_edits *edits,
                       size_t *newly_refused)
{
	struct kexport_table *edited = NULL;
	struct kexport_edit_change *ch = NULL;
	size_t n_ch = 0;
	size_t n_edits = kexport_edits_count(edits);
	size_t *matched = calloc(n_edits, sizeof(*matched));
	unsigned char *touched = NULL;
	struct kexport_loader *l = NULL;
	int r = -ENOMEM;
	if (!matched || kexport_edits_apply(edits, t->table, &edited, &ch, &n_ch, matched) < 0)
		goto out;
	for (size_t k = 0; k < n_edits; k++)
		if (!matched[k]) {
			const struct kexport_edit *e = kexport_edits_get(edits, k);
			fprintf(stderr, "kexport: whatif: warning: --%s '%s' matches no export\n",
			        kexport_edit_op_name(e->op), e->pattern);
		}
	if (!(touched = touched_modules(w, ch, n_ch)))
		goto out;
	if (kexport_loader_new(w->ctx, &l, t->kernel, edited) < 0)
		goto out;
	kexport_loader_set_taint(l, t->taint);
	if (t->trust_set)
		kexport_loader_set_sig_trust(l, t->trust);
	if (kexport_judge_new(w->ctx, l, w->mods, w->n, t->flags, &w->after) < 0 ||
	    kexport_judge_set_before(w->after, w->before, touched) < 0 ||
	    kexport_judge_run(w->after) < 0)
		goto out;
	print_changes(edits, matched, ch, n_ch);
	*newly_refused = print_report(w);
	r = 0;
out:
	kexport_judge_free(w->after);
	w->after = NULL;
	kexport_loader_free(l);
	free(touched);
	kexport_free(ch);
	kexport_table_free(edited);
	free(matched);
	return r;
}

static int cmd_whatif(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS, CLI_TARGET_LONGOPTS,
		{ "modules", required_argument, NULL, OPT_MODULES },
		{ "gpl-only", required_argument, NULL, OPT_GPL_ONLY },
		{ "export", required_argument, NULL, OPT_EXPORT },
		{ "ns", required_argument, NULL, OPT_NS },
		{ "unexport", required_argument, NULL, OPT_UNEXPORT },
		{ "changes", required_argument, NULL, OPT_CHANGES },
		{ "who-uses", required_argument, NULL, OPT_WHO_USES },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const op_of[] = {
		[OPT_GPL_ONLY - OPT_GPL_ONLY] = "gpl-only", [OPT_EXPORT - OPT_GPL_ONLY] = "export",
		[OPT_NS - OPT_GPL_ONLY] = "ns", [OPT_UNEXPORT - OPT_GPL_ONLY] = "unexport",
	};
	struct cli_target t = { 0 };
	struct whatif w = { 0 };
	struct kexport_edits *edits = NULL;
	const char **paths = NULL;
	size_t n_paths = 0;
	int opt, r, status = CLI_EXIT_OK;
	/* The edits' own context: they are read before the options say more. */
	struct kexport_ctx *edits_ctx = cli_ctx_new();
	if (kexport_edits_new(edits_ctx, &edits) < 0) {
		kexport_ctx_free(edits_ctx);
		return CLI_EXIT_BAD_INPUT;
	}
	while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, longopts, &kexport_cmd_whatif, &t,
	                        &status)) != -1) {
		if (opt == CLI_GETOPT_EXIT)
			goto done;
		switch (opt) {
		case OPT_MODULES:
			cli_push_str(&paths, &n_paths, optarg);
			break;
		case OPT_GPL_ONLY:
		case OPT_EXPORT:
		case OPT_NS:
		case OPT_UNEXPORT:
			/* A bad edit is a usage error: its message goes with the
			 * usage, not to the diagnostic callback. */
			kexport_ctx_set_diag(edits_ctx, NULL, NULL);
			r = kexport_edits_add(edits, op_of[opt - OPT_GPL_ONLY], optarg);
			kexport_ctx_set_diag(edits_ctx, cli_diag_cb, NULL);
			if (r < 0) {
				status = cli_usage_error(&kexport_cmd_whatif, "%s",
				                         kexport_ctx_last_error(edits_ctx));
				goto done;
			}
			break;
		case OPT_CHANGES:
			if (kexport_edits_read(edits, optarg) < 0) { /* reported */
				status = CLI_EXIT_BAD_INPUT;
				goto done;
			}
			break;
		case OPT_WHO_USES:
			cli_push_str(&w.who, &w.n_who, optarg);
			break;
		default:
			status = cli_usage_error(&kexport_cmd_whatif, "unknown option");
			goto done;
		}
	}
	for (; optind < argc; optind++) {
		if (!w.n_who) {
			status = cli_usage_error(&kexport_cmd_whatif, "unexpected argument '%s'", argv[optind]);
			goto done;
		}
		cli_push_str(&w.who, &w.n_who, argv[optind]);
	}
	if (!n_paths) {
		status = cli_usage_error(&kexport_cmd_whatif, "--modules is required");
		goto done;
	}
	if (w.n_who && kexport_edits_count(edits)) {
		status = cli_usage_error(&kexport_cmd_whatif, "--who-uses takes no change");
		goto done;
	}
	if (!w.n_who && !kexport_edits_count(edits)) {
		status = cli_usage_error(&kexport_cmd_whatif, "no change (--gpl-only, --export, --ns, "
		                                             "--unexport, --changes) and no --who-uses");
		goto done;
	}

	cli_output_begin();
	struct kexport_ctx *ctx = cli_ctx_new();
	w.ctx = ctx;
	bool bad = false;
	/* The kernel is read on its own thread while the corpus is read. */
	char *own_kernel = NULL;
	if (t.n_sources == 0 && (own_kernel = kexport_tree_kernel(paths[0])))
		cli_push_str(&t.sources, &t.n_sources, own_kernel);
	t.probe = paths[0];
	/* As audit: a corpus's signatures are not each verified unless asked. */
	if (!t.trust_set) {
		t.trust = KEXPORT_SIG_TRUST_SAME_BUILD;
		t.trust_set = true;
	}
	struct cli_target_reader kernel;
	cli_target_read_start(&kernel, &t);
	/* As audit: only what the checks read.  An edit reaches a module
	 * through its imports, its module_layout entry or its exports, all
	 * kept; the loader looks up no other __versions entry. */
	kexport_ctx_set_model(ctx, KEXPORT_MODEL_VERDICT);
	/* The corpus, read once for both passes. */
	for (size_t p = 0; p < n_paths; p++) {
		struct kexport_module **m = NULL;
		size_t nm = 0;
		if (kexport_read_modules(ctx, paths[p], &m, &nm) < 0 && nm == 0)
			bad = true;
		struct kexport_module **all = nm ? realloc(w.mods, (w.n + nm) * sizeof(*all)) : w.mods;
		if (nm && !all) {
			kexport_module_list_free(m, nm);
			bad = true;
			continue;
		}
		for (size_t i = 0; i < nm; i++)
			all[w.n + i] = m[i];
		w.mods = all;
		w.n += nm;
		free(m);
	}
	int krc = cli_target_read_wait(&kernel);
	const char *fallback = NULL;
	for (size_t i = 0; i < w.n && !fallback; i++)
		fallback = w.mods[i]->vermagic;
	int fin = krc == -ENOMEM ? -ENOMEM : cli_target_finish(&t, fallback);
	if (krc < 0 || fin < 0)
		bad = true;
	if (cli_json)
		json_obj_start(cli_json);
	if (t.loader && w.n) {
		/* The corpus's own exports, as its modules provide them (and editable). */
		int added = kexport_table_add_modules(ctx, t.table, w.mods, w.n);
		bool oom = added < 0 || kexport_judge_new(ctx, t.loader, w.mods, w.n, t.flags, &w.before) < 0;
		if (!oom && !w.n_who)
			kexport_judge_record_owners(w.before);
		oom = oom || kexport_judge_run(w.before) < 0;
		cli_target_report_keys(&t);
		if (!oom) {
			cli_target_describe(&t);
			if (cli_json) {
				json_key(cli_json, "corpus");
				json_arr_start(cli_json);
				for (size_t p = 0; p < n_paths; p++)
					json_str(cli_json, paths[p]);
				json_arr_end(cli_json);
			} else {
				for (size_t p = 0; p < n_paths; p++)
					printf("# modules: %s\n", paths[p]);
			}
		}
		size_t newly_refused = 0;
		if (!oom && w.n_who)
			print_who_uses(&w);
		else if (!oom)
			oom = second_pass(&w, &t, edits, &newly_refused) < 0;
		if (oom) {
			fprintf(stderr, "kexport: out of memory\n");
			bad = true;
		}
		if (newly_refused)
			status = CLI_EXIT_FINDING;
		if (KEXPORT_FREE_AT_EXIT)
			kexport_judge_free(w.before);
	}
	if (cli_json) {
		cli_json_errors();
		json_obj_end(cli_json);
	}
	cli_output_end();
	if (KEXPORT_FREE_AT_EXIT) {
		kexport_module_list_free(w.mods, w.n);
		kexport_ctx_free(ctx);
	}
	kexport_free(own_kernel);
	if (bad || cli_bad_input_count())
		status = CLI_EXIT_BAD_INPUT;
done:
	if (KEXPORT_FREE_AT_EXIT)
		cli_target_close(&t);
	kexport_edits_free(edits);
	kexport_ctx_free(edits_ctx);
	free(paths);
	free(w.who);
	return status;
}

const struct kexport_cmd kexport_cmd_whatif = {
	.name = "whatif",
	.fn = cmd_whatif,
	.summary = "what if exports changed kind or namespace: the modules that would break or load",
	.usage = "kexport whatif [OPTIONS] --modules PATH... {CHANGE... | --who-uses SYM...}",
	.options = options,
};
