/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport report: one self-contained HTML file for a reviewer or a
 * compliance report, with no network, script or font from elsewhere.  The
 * facts come from the dossier of every export (lib/views/dossier.c) and the
 * verdict engine; they are embedded as JSON, and a small hand-written
 * script draws them as SVG charts and tables when the page loads:
 *   - the share of GPL-only exports per kernel, and per subsystem (the
 *     MAINTAINERS section of the exporting file, with --source);
 *   - the kind and namespace changes between consecutive kernels;
 *   - with --modules, the corpus's verdicts and taints against the last
 *     kernel, and each module's surface (imports, GPL-only share);
 *   - the dossier of each SYMBOL given.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

static const char options[] =
	"      --kernel SOURCE     a kernel, oldest first (repeatable); the last one judges\n"
	"                          the corpus; takes check's target options\n"
	"      --source TREE       a kernel source tree: exports by subsystem\n"
	"      --modules PATH      a corpus of modules (repeatable): verdicts, taints, surfaces\n"
	"  -o, --output FILE       the HTML file (also the global --output)\n"
	"SYMBOLs (names or globs) get their dossiers in the report.\n"
	"Exit status: 0, or 2 bad input (the report still has the rest).\n";

const struct kexport_cmd kexport_cmd_report;

enum { OPT_KERNEL = 0x300, OPT_SOURCE, OPT_MODULES };

/* The page around the data: its script draws every chart and table. */
static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<title>kexport report</title>\n<style>\n"
	"body{font-family:sans-serif;margin:2em;max-width:70em;color:#222}\n"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n"
	"table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.2em .5em;"
	"text-align:left}th{background:#f4f4f4}td.n{text-align:right}\n"
	".chart text{font-size:12px}.bar-gpl{fill:#c0392b}.bar-plain{fill:#2e86c1}"
	".bar-ok{fill:#27ae60}.bar-no{fill:#c0392b}.bar-t{fill:#e67e22}\n"
	"</style></head><body>\n<h1>kexport report</h1>\n<p id=\"meta\"></p>\n"
	"<h2>GPL-only exports per kernel</h2><div id=\"kernels\" class=\"chart\"></div>\n"
	"<h2>GPL-only exports per subsystem</h2><div id=\"subsystems\" class=\"chart\"></div>\n"
	"<h2>Changes between kernels</h2><div id=\"changes\"></div>\n"
	"<h2>Verdicts and taints of the modules</h2><div id=\"verdicts\" class=\"chart\"></div>\n"
	"<h2>Module surfaces</h2><div id=\"surfaces\"></div>\n"
	"<h2>Dossiers</h2><div id=\"dossiers\"></div>\n"
	"<noscript>This report draws its charts with the script it carries.</noscript>\n"
	"<script id=\"data\" type=\"application/json\">";

static const char page_tail[] =
	"</script>\n<script>\n"
	"'use strict';\n"
	"const D = JSON.parse(document.getElementById('data').textContent);\n"
	"const NS = 'http://www.w3.org/2000/svg';\n"
	"function el(tag, attrs, text, ns) {\n"
	"  const e = ns ? document.createElementNS(NS, tag) : document.createElement(tag);\n"
	"  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);\n"
	"  if (text !== undefined) e.textContent = text;\n"
	"  return e;\n"
	"}\n"
	"/* Horizontal stacked bars: rows [{label, parts: [[value, class, title]]}]. */\n"
	"function bars(id, rows, unit) {\n"
	"  const box = document.getElementById(id);\n"
	"  if (!rows.length) { box.appendChild(el('p', {}, 'Nothing to show (see the options).')); return; }\n"
	"  const max = Math.max(1, ...rows.map(r => r.parts.reduce((a, p) => a + p[0], 0)));\n"
	"  const W = 900, L = 260, H = 22;\n"
	"  const svg = el('svg', {width: W, height: rows.length * H + 10, 'data-chart': id}, undefined, true);\n"
	"  rows.forEach((r, i) => {\n"
	"    svg.appendChild(el('text', {x: 0, y: i * H + 15}, r.label, true));\n"
	"    let x = L, total = 0;\n"
	"    r.parts.forEach(p => {\n"
	"      const w = (W - L - 120) * p[0] / max;\n"
	"      const b = el('rect', {x: x, y: i * H + 3, width: Math.max(w, 0), height: H - 6, class: p[1]}, undefined, true);\n"
	"      b.appendChild(el('title', {}, p[2] + ': ' + p[0], true));\n"
	"      svg.appendChild(b); x += w; total += p[0];\n"
	"    });\n"
	"    svg.appendChild(el('text', {x: x + 6, y: i * H + 15}, r.note !== undefined ? r.note : total + (unit || ''), true));\n"
	"  });\n"
	"  box.appendChild(svg);\n"
	"}\n"
	"function table(id, head, rows) {\n"
	"  const box = document.getElementById(id);\n"
	"  if (!rows.length) { box.appendChild(el('p', {}, 'Nothing to show (see the options).')); return; }\n"
	"  const t = el('table', {'data-table': id}), tr = el('tr');\n"
	"  head.forEach(h => tr.appendChild(el('th', {}, h)));\n"
	"  t.appendChild(tr);\n"
	"  rows.forEach(r => { const x = el('tr'); r.forEach(c => x.appendChild(el('td', typeof c === 'number' ? {class: 'n'} : {}, String(c)))); t.appendChild(x); });\n"
	"  box.appendChild(t);\n"
	"}\n"
	"const pct = (a, b) => b ? (100 * a / b).toFixed(1) + '%' : '-';\n"
	"document.getElementById('meta').textContent = 'Kernels: ' + D.kernels.map(k => k.label).join(', ') +\n"
	"  (D.source ? '; source: ' + D.source : '') + (D.corpus.length ? '; modules: ' + D.corpus.join(', ') : '') +\n"
	"  '. Made by kexport ' + D.version + '.';\n"
	"bars('kernels', D.kernels.map(k => ({label: k.label, note: pct(k.gpl, k.exports) + ' of ' + k.exports,\n"
	"  parts: [[k.gpl, 'bar-gpl', 'GPL-only'], [k.exports - k.gpl, 'bar-plain', 'other']]})));\n"
	"bars('subsystems', D.subsystems.map(s => ({label: s.name.length > 34 ? s.name.slice(0, 33) + '\u2026' : s.name, note: pct(s.gpl, s.exports) + ' of ' + s.exports,\n"
	"  parts: [[s.gpl, 'bar-gpl', 'GPL-only'], [s.exports - s.gpl, 'bar-plain', 'other']]})));\n"
	"table('changes', ['from', 'to'].concat(D.change_names), D.changes.map(c => [c.from, c.to].concat(D.change_names.map(n => c.counts[n] || 0))));\n"
	"bars('verdicts', D.verdicts.map(v => ({label: v.label, parts: [[v.count, v.cls, v.label]]})), ' modules');\n"
	"table('surfaces', ['module', 'licence', 'verdict', 'imports', 'GPL-only', 'namespaced', 'top subsystems'],\n"
	"  D.surfaces.map(s => [s.name, s.license || '-', s.verdict, s.imports, pct(s.gpl, s.imports), s.namespaced, s.subsystems.join(', ')]));\n"
	"table('dossiers', ['symbol'].concat(D.kernels.map(k => k.label)).concat(['importers (last kernel)', 'exported at']),\n"
	"  D.dossiers.map(d => [d.name].concat(d.kinds).concat([d.importers, d.sites.join(', ')])));\n"
	"document.body.setAttribute('data-rendered', 'yes');\n"
	"</script>\n</body></html>\n";

/* JSON text safe inside <script>: "</" cannot close it. */
static void put_json_safe(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '<' && i + 1 < n && s[i + 1] == '/')
			fputs("<\\", stdout);
		else
			fputc(s[i], stdout);
	}
}

struct count {
	const char *name;
	size_t n, gpl;
};

static int count_add(struct count **v, size_t *n, const char *name, bool gpl)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0) {
			(*v)[i].n++;
			(*v)[i].gpl += gpl;
			return 0;
		}
	struct count *a = realloc(*v, (*n + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	a[*n] = (struct count){ name, 1, gpl };
	*v = a;
	(*n)++;
	return 0;
}

static int cmp_count(const void *a, const void *b)
{
	const struct count *x = a, *y = b;
	return x->n != y->n ? (x->n > y->n ? -1 : 1) : strcmp(x->name, y->name);
}

/* The most specific section of the file exporting e in the source (or NULL). */
static const char *section_of(const struct kexport_dossier *d, const struct kexport_dossier_entry *e)
{
	if (!kexport_dossier_source_count(d))
		return NULL;
	const struct kexport_dossier_sites *s = &e->sources[0];
	for (size_t i = 0; i < s->n_sites; i++)
		if (strncmp(s->sites[i]->file, "arch/", 5) != 0 || i + 1 == s->n_sites)
			return s->sites[i]->n_sections ? s->sites[i]->sections[0]->name : NULL;
	return NULL;
}

static void write_data(struct json *j, const struct kexport_dossier *d, const char *source,
                       const char *const *corpus_paths, size_t n_corpus_paths,
                       struct kexport_module *const *corp, size_t n_corp,
                       const struct kexport_judge *judge, const char *const *syms, size_t n_syms)
{
	size_t nk = kexport_dossier_kernel_count(d), n = kexport_dossier_count(d);
	json_obj_start(j);
	json_kstr(j, "version", KEXPORT_VERSION);
	json_kstr(j, "source", source);
	json_key(j, "corpus");
	json_arr_start(j);
	for (size_t i = 0; i < n_corpus_paths; i++)
		json_str(j, corpus_paths[i]);
	json_arr_end(j);
	/* Per kernel: exports and GPL-only ones. */
	json_key(j, "kernels");
	json_arr_start(j);
	for (size_t k = 0; k < nk; k++) {
		size_t ex = 0, gpl = 0;
		for (size_t i = 0; i < n; i++) {
			const struct kexport_export *x = kexport_dossier_get(d, i)->exports[k];
			if (!x)
				continue;
			ex++;
			gpl += (x->known & KEXPORT_KNOWN_KIND) && kexport_kind_gpl_only(x->kind);
		}
		json_obj_start(j);
		json_kstr(j, "label", kexport_dossier_kernel_label(d, k));
		json_kuint(j, "exports", ex);
		json_kuint(j, "gpl", gpl);
		json_obj_end(j);
	}
	json_arr_end(j);
	/* Per subsystem, in the last kernel: the 20 with most exports. */
	struct count *subs = NULL;
	size_t n_subs = 0;
	for (size_t i = 0; nk && i < n; i++) {
		const struct kexport_dossier_entry *e = kexport_dossier_get(d, i);
		const struct kexport_export *x = e->exports[nk - 1];
		const char *s = x ? section_of(d, e) : NULL;
		if (s && count_add(&subs, &n_subs, s,
		                   (x->known & KEXPORT_KNOWN_KIND) && kexport_kind_gpl_only(x->kind)) < 0)
			break;
	}
	if (n_subs > 1)
		qsort(subs, n_subs, sizeof(*subs), cmp_count);
	json_key(j, "subsystems");
	json_arr_start(j);
	for (size_t i = 0; i < n_subs && i < 20; i++) {
		json_obj_start(j);
		json_kstr(j, "name", subs[i].name);
		json_kuint(j, "exports", subs[i].n);
		json_kuint(j, "gpl", subs[i].gpl);
		json_obj_end(j);
	}
	json_arr_end(j);
	free(subs);
	/* Changes between consecutive kernels, by class. */
	static const unsigned classes[] = { KEXPORT_CHANGE_ADDED, KEXPORT_CHANGE_REMOVED,
	                                    KEXPORT_CHANGE_KIND_TIGHTENED, KEXPORT_CHANGE_KIND_LOOSENED,
	                                    KEXPORT_CHANGE_NS_ADDED, KEXPORT_CHANGE_NS_REMOVED,
	                                    KEXPORT_CHANGE_NS_CHANGED, KEXPORT_CHANGE_OWNER_MOVED };
	json_key(j, "change_names");
	json_arr_start(j);
	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++)
		json_str(j, kexport_change_name(classes[c]));
	json_arr_end(j);
	json_key(j, "changes");
	json_arr_start(j);
	for (size_t k = 1; k < nk; k++) {
		json_obj_start(j);
		json_kstr(j, "from", kexport_dossier_kernel_label(d, k - 1));
		json_kstr(j, "to", kexport_dossier_kernel_label(d, k));
		json_key(j, "counts");
		json_obj_start(j);
		for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
			size_t cnt = 0;
			for (size_t i = 0; i < n; i++)
				cnt += (kexport_dossier_get(d, i)->changes[k] & classes[c]) != 0;
			json_kuint(j, kexport_change_name(classes[c]), cnt);
		}
		json_obj_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	/* The corpus against the last kernel: verdicts, taints, surfaces. */
	size_t loads = 0, refused = 0, tainted = 0;
	for (size_t i = 0; judge && i < n_corp; i++) {
		const struct kexport_verdict *v = kexport_judge_verdict(judge, i);
		loads += v->loads;
		refused += !v->loads;
		tainted += v->loads && v->module_taint;
	}
	json_key(j, "verdicts");
	json_arr_start(j);
	if (judge) {
		const struct { const char *label, *cls; size_t n; } vs[] = {
			{ "loads, no taint", "bar-ok", loads - tainted },
			{ "loads, tainted", "bar-t", tainted },
			{ "refused", "bar-no", refused },
		};
		for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
			json_obj_start(j);
			json_kstr(j, "label", vs[i].label);
			json_kstr(j, "cls", vs[i].cls);
			json_kuint(j, "count", vs[i].n);
			json_obj_end(j);
		}
	}
	json_arr_end(j);
	json_key(j, "surfaces");
	json_arr_start(j);
	for (size_t m = 0; m < n_corp; m++) {
		const struct kexport_module *mod = corp[m];
		size_t gpl = 0, ns = 0;
		struct count *ss = NULL;
		size_t n_ss = 0;
		for (size_t i = 0; i < mod->n_imports; i++) {
			const struct kexport_dossier_entry *e = kexport_dossier_find(d, mod->imports[i].name);
			const struct kexport_export *x = e && nk ? e->exports[nk - 1] : NULL;
			if (!x)
				continue;
			gpl += (x->known & KEXPORT_KNOWN_KIND) && kexport_kind_gpl_only(x->kind);
			ns += x->ns && x->ns[0];
			const char *s = section_of(d, e);
			if (s && count_add(&ss, &n_ss, s, false) < 0)
				break;
		}
		if (n_ss > 1)
			qsort(ss, n_ss, sizeof(*ss), cmp_count);
		char verdict[64] = "-";
		if (judge) {
			const struct kexport_verdict *v = kexport_judge_verdict(judge, m);
			char mt[16];
			kexport_taint_letters(v->module_taint, true, mt, sizeof(mt));
			snprintf(verdict, sizeof(verdict), "%s%s%s", v->loads ? "loads" : "refused",
			         v->loads && mt[0] ? ", taint " : "", v->loads ? mt : "");
		}
		json_obj_start(j);
		json_kstr(j, "name", mod->name ? mod->name : mod->path);
		json_kstr(j, "license", mod->license);
		json_kstr(j, "verdict", verdict);
		json_kuint(j, "imports", mod->n_imports);
		json_kuint(j, "gpl", gpl);
		json_kuint(j, "namespaced", ns);
		json_key(j, "subsystems");
		json_arr_start(j);
		for (size_t i = 0; i < n_ss && i < 3; i++)
			json_str(j, ss[i].name);
		json_arr_end(j);
		json_obj_end(j);
		free(ss);
	}
	json_arr_end(j);
	/* The dossiers asked for. */
	json_key(j, "dossiers");
	json_arr_start(j);
	for (size_t s = 0; s < n_syms; s++) {
		const struct kexport_dossier_entry *e = kexport_dossier_find(d, syms[s]);
		if (!e)
			continue;
		json_obj_start(j);
		json_kstr(j, "name", e->name);
		json_key(j, "kinds");
		json_arr_start(j);
		for (size_t k = 0; k < nk; k++) {
			const struct kexport_export *x = e->exports[k];
			char kind[128];
			if (!x)
				snprintf(kind, sizeof(kind), "not exported");
			else
				snprintf(kind, sizeof(kind), "%s%s%s",
				         (x->known & KEXPORT_KNOWN_KIND) ? kexport_kind_name(x->kind) : "?",
				         x->ns && x->ns[0] ? " " : "", x->ns ? x->ns : "");
			json_str(j, kind);
		}
		json_arr_end(j);
		char users[64] = "-";
		if (nk && kexport_dossier_kernel_modules(d, nk - 1))
			snprintf(users, sizeof(users), "%zu (%zu GPL)", e->users[nk - 1].n_modules,
			         e->users[nk - 1].n_gpl);
		json_kstr(j, "importers", users);
		json_key(j, "sites");
		json_arr_start(j);
		for (size_t k = 0; kexport_dossier_source_count(d) && k < e->sources[0].n_sites; k++) {
			char at[512];
			snprintf(at, sizeof(at), "%s:%u", e->sources[0].sites[k]->file,
			         e->sources[0].sites[k]->line);
			json_str(j, at);
		}
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "modules", required_argument, NULL, OPT_MODULES },
		CLI_TARGET_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char **kpaths = NULL, **cpaths = NULL, *source = NULL;
	size_t n_k = 0, n_c = 0;
	struct cli_target topts = { 0 };
	int opt, st;
	while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, &kexport_cmd_report,
	                        &topts, &st)) != -1) {
		if (opt == CLI_GETOPT_EXIT)
			return st;
		switch (opt) {
		case OPT_KERNEL:
			if (!cli_push_str(&kpaths, &n_k, optarg))
				return CLI_EXIT_BAD_INPUT;
			break;
		case OPT_MODULES:
			if (!cli_push_str(&cpaths, &n_c, optarg))
				return CLI_EXIT_BAD_INPUT;
			break;
		case OPT_SOURCE:
			source = optarg;
			break;
		case 'o':
			if (cli_output_file_open(optarg) < 0)
				return CLI_EXIT_BAD_INPUT;
			break;
		default:
			return cli_usage_error(&kexport_cmd_report, "unknown option");
		}
	}
	if (!n_k) {
		free(cpaths);
		free(topts.configs);
		free(topts.keys);
		return cli_usage_error(&kexport_cmd_report, "no kernel: give --kernel SOURCE, oldest first");
	}
	struct kexport_ctx *ctx = cli_ctx_new();
	bool bad = false;
	struct cli_target *ts = calloc(n_k, sizeof(*ts));
	struct kexport_dossier *d = NULL;
	if (!ts || kexport_dossier_new(ctx, &d) < 0) {
		fprintf(stderr, "kexport: out of memory\n");
		return CLI_EXIT_BAD_INPUT;
	}
	for (size_t k = 0; k < n_k; k++) {
		struct cli_target *t = &ts[k];
		if (k == n_k - 1) { /* the target options are the last kernel's */
			*t = topts;
			t->sources = NULL;
			t->n_sources = 0;
		}
		if (!cli_push_str(&t->sources, &t->n_sources, kpaths[k]))
			return CLI_EXIT_BAD_INPUT;
		if (cli_target_read(t, ctx) < 0) {
			bad = true;
			continue;
		}
		const char *rel = kexport_kernel_release(t->kernel);
		if (kexport_dossier_add_kernel(d, rel ? rel : t->release ? t->release : kpaths[k], t->table,
		                               NULL, 0) < 0)
			return CLI_EXIT_BAD_INPUT;
	}
	struct kexport_module **corp = NULL;
	size_t n_corp = 0;
	for (size_t i = 0; i < n_c; i++)
		if (cli_read_corpus(ctx, cpaths[i], &corp, &n_corp, &bad) < 0) {
			fprintf(stderr, "kexport: out of memory\n");
			return CLI_EXIT_BAD_INPUT;
		}
	if (n_corp && kexport_dossier_add_corpus(d, "modules", (struct kexport_module *const *)corp,
	                                         n_corp) < 0)
		return CLI_EXIT_BAD_INPUT;
	if (source) {
		const char *base = strrchr(source, '/');
		if (!kexport_is_source_tree(source)) {
			cli_bad_input(source, "not a kernel source tree");
			bad = true;
			source = NULL;
		} else if (kexport_dossier_add_source(d, base && base[1] ? base + 1 : source, source) < 0) {
			bad = true;
			source = NULL;
		}
	}
	static const char *const all[] = { "*" };
	if (kexport_dossier_select(d, all, 1) < 0)
		return CLI_EXIT_BAD_INPUT;
	/* The corpus judged against the last kernel. */
	/* (with the corpus's own exports, as audit judges it: zfs needs spl) */
	struct kexport_judge *judge = NULL;
	struct kexport_table *with_corpus = NULL;
	struct kexport_loader *corpus_loader = NULL;
	struct cli_target *last = &ts[n_k - 1];
	if (n_corp && last->table) {
		const char *fallback = NULL;
		for (size_t i = 0; i < n_corp && !fallback; i++)
			fallback = corp[i]->vermagic;
		/* As audit and whatif: a corpus's signatures are not each
		 * verified unless asked (--trust-signatures). */
		if (!last->trust_set) {
			last->trust = KEXPORT_SIG_TRUST_SAME_BUILD;
			last->trust_set = true;
		}
		if (cli_target_finish(last, fallback) == -ENOMEM ||
		    cli_corpus_loader(ctx, last, corp, n_corp, &with_corpus, &corpus_loader) < 0 ||
		    kexport_judge_new(ctx, corpus_loader, corp, n_corp, last->flags, &judge) < 0 ||
		    kexport_judge_run(judge) < 0) {
			fprintf(stderr, "kexport: out of memory\n");
			return CLI_EXIT_BAD_INPUT;
		}
	}
	/* The data, written to memory first: it goes into a <script>. */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct json *j = mem ? json_new(mem, false) : NULL;
	if (!j) {
		fprintf(stderr, "kexport: out of memory\n");
		return CLI_EXIT_BAD_INPUT;
	}
	write_data(j, d, source, cpaths, n_c, corp, n_corp, judge, (const char *const *)argv + optind,
	           (size_t)(argc - optind));
	json_free(j);
	fclose(mem);
	fputs(page_head, stdout);
	put_json_safe(buf, len);
	fputs(page_tail, stdout);
	free(buf);
	kexport_judge_free(judge);
	kexport_loader_free(corpus_loader);
	kexport_table_free(with_corpus);
	kexport_dossier_free(d);
	kexport_module_list_free(corp, n_corp);
	for (size_t k = 0; k < n_k; k++)
		cli_target_close(&ts[k]);
	free(ts);
	free(kpaths);
	free(cpaths);
	kexport_ctx_free(ctx);
	return bad || cli_bad_input_count() ? CLI_EXIT_BAD_INPUT : CLI_EXIT_OK;
}

const struct kexport_cmd kexport_cmd_report = {
	.name = "report",
	.fn = cmd_report,
	.summary = "one self-contained HTML report: GPL-only shares, changes, verdicts, surfaces, dossiers",
	.usage = "kexport report [OPTIONS] --kernel SOURCE... [--source TREE] [--modules PATH]... "
	         "[-o FILE.html] [SYMBOL...]",
	.options = options,
};
