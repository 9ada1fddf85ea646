/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport symbol: the dossier of an export request.  For each symbol (a name
 * or a glob), across the kernels given oldest first: its kind, namespace,
 * CRC and owner in each, what changed from one to the next, and who imports
 * it (the kernel's own modules, when a kernel is a modules tree, and the
 * corpora of --modules), by licence.  The model is lib/views/dossier.c.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "target.h"
#ifdef KEXPORT_HISTORY_HELPER
#include "kexport-history.h"
#endif

static const char options[] =
	"      --kernel SOURCE     a kernel, oldest first (repeatable): any source `kexport\n"
	"                          exports` reads; a /lib/modules/VERSION tree also gives\n"
	"                          its own modules, the in-tree importers\n"
	"      --modules PATH      a corpus of other modules, a tree or a .ko (repeatable):\n"
	"                          their importers, by licence\n"
	"      --source TREE       a kernel source tree (repeatable): where each symbol is\n"
	"                          exported (FILE:LINE), the other exports of that file and\n"
	"                          the MAINTAINERS sections covering it\n"
	"      --names N           importers' names shown per kernel (default 8; 0: all)\n"
	"      --history REPO      a kernel git repository: each change of each symbol across\n"
	"                          its v* tags, with the commit that made it (kexport history's\n"
	"                          index, in the cache)\n"
	"With --modules, the what-if against the last kernel: the corpus modules that would\n"
	"load or be refused if each symbol (at most 16 with importers) were opened to all,\n"
	"made GPL-only, or lost its namespace (the engine of `kexport whatif`).  These\n"
	"options describe that kernel, as for `kexport check`:\n"
	"      --kernel-version R, --config KEY=VALUE|FILE, --distro NAME, --vermagic STRING,\n"
	"      --kernel-taint N, --signing-keys FILE, --trust-signatures POLICY,\n"
	"      --force-vermagic, --force-modversion\n"
	"Without --kernel: the pinned generations (tests/kernels.conf) in the test-data cache\n"
	"($KEXPORT_CACHE, else ~/.cache/kexport-testdata), with their linux-source trees.\n"
	"Exit status: 0 every symbol found in some kernel or corpus, 1 one was not, 2 bad input.\n";

const struct kexport_cmd kexport_cmd_symbol;

enum { OPT_KERNEL = 0x300, OPT_MODULES, OPT_NAMES, OPT_SOURCE, OPT_HISTORY };

/* One --kernel: its exports, its own modules when it is a tree, its label. */
struct kernel_in {
	const char *path;
	struct cli_target t;
	struct kexport_module **mods;
	size_t n_mods;
	char *image; /* a tree's kernel, to kexport_free() */
};

struct corpus_in {
	const char *path;
	struct kexport_module **mods;
	size_t n_mods;
};

#ifndef KEXPORT_PINNED
#error "KEXPORT_PINNED comes from meson.build (tests/kernels.conf)"
#endif

/* The test-data cache, as scripts/fetch-kernels.sh places it. */
static char *cache_dir(void)
{
	char *p = NULL;
	const char *c = getenv("KEXPORT_CACHE"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	if (c && *c)
		p = strdup(c);
	else if (x && *x && asprintf(&p, "%s/kexport-testdata", x) < 0)
		p = NULL;
	else if (!(x && *x) && h && asprintf(&p, "%s/.cache/kexport-testdata", h) < 0)
		p = NULL;
	return p;
}

/* This machine's Debian architecture, as the cache names it. */
static const char *debian_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#else
	return NULL;
#endif
}

static bool is_dir(const char *p);

/*
 * No --kernel: the pinned generations (KEXPORT_PINNED, from
 * tests/kernels.conf) that are in the test-data cache, oldest first, each a
 * modules tree; and, when no --source was given, their linux-source trees.
 * The paths go to *kp and *sp (to free); false when none is there.
 */
static bool pinned_defaults(const char ***kp, size_t *n_k, const char ***sp, size_t *n_s,
                            char ***owned, size_t *n_owned)
{
	char *cache = cache_dir();
	const char *arch = debian_arch();
	char *gens = strdup(KEXPORT_PINNED);
	bool want_src = *n_s == 0;
	if (!cache || !arch || !gens) {
		free(cache);
		free(gens);
		return false;
	}
	char *save = NULL;
	for (char *g = strtok_r(gens, ";", &save); g; g = strtok_r(NULL, ";", &save)) {
		char abi[128], spec[256];
		if (sscanf(g, "%127s %255s", abi, spec) != 2)
			continue;
		char *tree = NULL, *src = NULL;
		if (asprintf(&tree, "%s/%s/%s/lib/modules/%s-%s", cache, arch, abi, abi, arch) >= 0 &&
		    !is_dir(tree)) {
			free(tree);
			if (asprintf(&tree, "%s/%s/%s/usr/lib/modules/%s-%s", cache, arch, abi, abi, arch) < 0)
				tree = NULL;
		}
		if (tree && is_dir(tree) && cli_push_str((const char ***)owned, n_owned, tree) &&
		    cli_push_str(kp, n_k, tree))
			tree = NULL; /* kept */
		free(tree);
		char *eq = strchr(spec, '=');
		if (want_src && eq) {
			*eq = '\0';
			if (asprintf(&src, "%s/source/%s/%s", cache, eq + 1, spec) >= 0 &&
			    kexport_is_source_tree(src) && cli_push_str((const char ***)owned, n_owned, src) &&
			    cli_push_str(sp, n_s, src))
				src = NULL;
			free(src);
		}
	}
	free(cache);
	free(gens);
	return *n_k > 0;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A kernel: its exports as `kexport exports` reads them (for a modules tree
 * that is its image and its modules, with the CRCs 7.x keeps only in the
 * modules' __versions; without an image, build/Module.symvers); a tree's
 * modules are also kept, for the importers.  (The tree is walked twice;
 * reading it once is owed.) */
static int read_kernel(struct kexport_ctx *ctx, struct kernel_in *k)
{
	struct cli_target *t = &k->t;
	bool tree = is_dir(k->path) && !kexport_is_source_tree(k->path);
	const char *source = k->path;
	if (tree) {
		/* A tree without its image (headers installed, image not):
		 * its build/Module.symvers is the kernel. */
		char *image = kexport_kernel_image(k->path);
		if (!image && (k->image = kexport_tree_kernel(k->path))) {
			source = k->image;
			t->probe = k->path;
		}
		kexport_free(image);
	}
	if (!cli_push_str(&t->sources, &t->n_sources, source))
		return -ENOMEM;
	if (cli_target_read(t, ctx) < 0)
		return -EINVAL;
	if (tree) {
		int r = kexport_read_modules(ctx, k->path, &k->mods, &k->n_mods);
		if (r < 0 && k->n_mods == 0)
			return r; /* reported */
	}
	return 0;
}

static const char *label_of(struct kernel_in *k)
{
	const char *r = kexport_kernel_release(k->t.kernel);
	return r ? r : k->t.release ? k->t.release : k->path;
}

/* --- Each symbol's changes in a git repository (--history) --------------- */

struct hist_ev {
	char *symbol, *tag, *commit, *summary;
	unsigned changes;
};

struct hist {
	const char *repo;
	struct hist_ev *v;
	size_t n;
	bool oom;
};

static void hist_free(struct hist *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].symbol);
		free(h->v[i].tag);
		free(h->v[i].commit);
		free(h->v[i].summary);
	}
	free(h->v);
}

#ifdef KEXPORT_HISTORY_HELPER
static int keep_event(const struct kexport_history_event *ev, void *arg)
{
	struct hist *h = arg;
	struct hist_ev *v = realloc(h->v, (h->n + 1) * sizeof(*v));
	if (!v) {
		h->oom = true;
		return 1;
	}
	h->v = v;
	struct hist_ev *e = &h->v[h->n++];
	memset(e, 0, sizeof(*e));
	e->changes = ev->changes;
	e->symbol = strdup(ev->name);
	e->tag = strdup(ev->tag);
	e->commit = ev->commit ? strdup(ev->commit) : NULL;
	e->summary = ev->commit_summary ? strdup(ev->commit_summary) : NULL;
	if (!e->symbol || !e->tag || (ev->commit && !e->commit) ||
	    (ev->commit_summary && !e->summary)) {
		h->oom = true;
		return 1;
	}
	return 0;
}
#endif

/* The timeline of every selected symbol in repo, bisected to commits. */
static int run_history(struct kexport_ctx *ctx, const char *repo, const struct kexport_dossier *d,
                       struct hist *out)
{
	out->repo = repo;
#ifdef KEXPORT_HISTORY_HELPER
	struct kexport_history *h = NULL;
	int r = kexport_history_open(ctx, repo, NULL, &h);
	if (r == 0)
		r = kexport_history_index(h, NULL, NULL, NULL, NULL);
	for (size_t i = 0; r == 0 && i < kexport_dossier_count(d); i++) {
		r = kexport_history_timeline(h, kexport_dossier_get(d, i)->name, true, keep_event, out);
		if (r == -ENOENT)
			r = 0; /* never exported there */
		if (r > 0 || out->oom)
			r = -ENOMEM;
	}
	kexport_history_free(h);
	return r;
#else
	(void)ctx;
	(void)d;
	return -ENOTSUP;
#endif
}

static void print_history_plain(const struct hist *h, const char *symbol)
{
	bool first = true;
	for (size_t i = 0; h && i < h->n; i++) {
		const struct hist_ev *e = &h->v[i];
		if (strcmp(e->symbol, symbol) != 0)
			continue;
		if (first)
			printf("  in %s:\n", h->repo);
		first = false;
		printf("    %-14s", e->tag);
		for (unsigned bit = 1, n = 0; bit; bit <<= 1)
			if ((e->changes & bit) && kexport_change_name(bit))
				printf("%s%s", n++ ? "," : " ", kexport_change_name(bit));
		if (e->commit)
			printf("  commit %.12s%s%s%s", e->commit, e->summary ? " (\"" : "",
			       e->summary ? e->summary : "", e->summary ? "\")" : "");
		printf("\n");
	}
}

static void json_history(const struct hist *h, const char *symbol)
{
	if (!h || !h->repo)
		return;
	json_key(cli_json, "history");
	json_arr_start(cli_json);
	for (size_t i = 0; i < h->n; i++) {
		const struct hist_ev *e = &h->v[i];
		if (strcmp(e->symbol, symbol) != 0)
			continue;
		json_obj_start(cli_json);
		json_kstr(cli_json, "tag", e->tag);
		json_key(cli_json, "changes");
		json_arr_start(cli_json);
		for (unsigned bit = 1; bit; bit <<= 1)
			if ((e->changes & bit) && kexport_change_name(bit))
				json_str(cli_json, kexport_change_name(bit));
		json_arr_end(cli_json);
		json_kstr(cli_json, "commit", e->commit);
		json_kstr(cli_json, "summary", e->summary);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
}

/* --- The what-if of each symbol, for the corpora -------------------------- */

/* One change of one symbol and the corpus modules whose verdict it turns. */
struct wi {
	const char *symbol;
	const char *op;          /* kexport_edits_add()'s: "export", "gpl-only", "ns" */
	const char *what;        /* in words: "EXPORT_SYMBOL (open to every module)" */
	const struct kexport_module **refused, **loadable;
	size_t n_refused, n_loadable;
};

struct wis {
	struct wi *v;
	size_t n;
	size_t skipped;          /* symbols with importers past the limit */
	const char *kernel;      /* the label of the kernel judged against */
};

#define WHATIF_MAX_SYMBOLS 16

struct wi_op {
	const char *op, *what;
};

static int push_mod(const struct kexport_module ***v, size_t *n, const struct kexport_module *m)
{
	const struct kexport_module **a = realloc(*v, (*n + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	a[(*n)++] = m;
	*v = a;
	return 0;
}

/* The corpus judged against `table` edited by one change. */
static int judge_change(struct kexport_ctx *ctx, struct cli_target *t,
                        const struct kexport_table *base, struct kexport_module *const *corp,
                        size_t n, const struct kexport_judge *before, struct wi *w)
{
	struct kexport_edits *ed = NULL;
	struct kexport_table *edited = NULL;
	struct kexport_edit_change *ch = NULL;
	struct kexport_loader *l = NULL;
	struct kexport_judge *j = NULL;
	size_t n_ch = 0, matched = 0;
	char arg[512];
	snprintf(arg, sizeof(arg), "%s%s", w->symbol, strcmp(w->op, "ns") == 0 ? "=" : "");
	int r = kexport_edits_new(ctx, &ed);
	if (r == 0)
		r = kexport_edits_add(ed, w->op, arg);
	if (r == 0)
		r = kexport_edits_apply(ed, base, &edited, &ch, &n_ch, &matched);
	if (r == 0)
		r = kexport_loader_new(ctx, &l, t->kernel, edited);
	if (r == 0) {
		kexport_loader_set_taint(l, t->taint);
		if (t->trust_set)
			kexport_loader_set_sig_trust(l, t->trust);
		r = kexport_judge_new(ctx, l, corp, n, t->flags, &j);
	}
	if (r == 0)
		r = kexport_judge_run(j);
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool a = kexport_judge_verdict(before, i)->loads, b = kexport_judge_verdict(j, i)->loads;
		if (a && !b)
			r = push_mod(&w->refused, &w->n_refused, corp[i]);
		else if (!a && b)
			r = push_mod(&w->loadable, &w->n_loadable, corp[i]);
	}
	kexport_judge_free(j);
	kexport_loader_free(l);
	kexport_free(ch);
	kexport_table_free(edited);
	kexport_edits_free(ed);
	return r;
}

/*
 * For each selected symbol the corpora import (at most WHATIF_MAX_SYMBOLS),
 * against the last kernel: what if it were opened to every module (a
 * GPL-only one), made GPL-only (a plain one), or lost its namespace.  The
 * corpora's own exports count, as modprobe would load them.
 */
static int run_whatif(struct kexport_ctx *ctx, const struct kexport_dossier *d,
                      struct cli_target *t, const char *label, struct kexport_module *const *corp,
                      size_t n, struct wis *out)
{
	size_t nk = kexport_dossier_kernel_count(d), nc = kexport_dossier_corpus_count(d);
	out->kernel = label;
	const char *fallback = NULL;
	for (size_t i = 0; i < n && !fallback; i++)
		fallback = corp[i]->vermagic;
	/* As audit and whatif: a corpus's signatures are not each verified
	 * unless asked (--trust-signatures). */
	if (!t->trust_set) {
		t->trust = KEXPORT_SIG_TRUST_SAME_BUILD;
		t->trust_set = true;
	}
	int r = cli_target_finish(t, fallback);
	if (r == -ENOMEM)
		return r;
	/* A copy of the kernel's table with the corpora's exports: the
	 * dossier keeps pointers into the kernel's own. */
	struct kexport_table *base = NULL;
	struct kexport_loader *l = NULL;
	struct kexport_judge *before = NULL;
	r = cli_corpus_loader(ctx, t, corp, n, &base, &l);
	if (r == 0)
		r = kexport_judge_new(ctx, l, corp, n, t->flags, &before);
	if (r == 0)
		r = kexport_judge_run(before);
	size_t done = 0;
	for (size_t i = 0; r == 0 && i < kexport_dossier_count(d); i++) {
		const struct kexport_dossier_entry *e = kexport_dossier_get(d, i);
		const struct kexport_export *x = e->exports[nk - 1];
		size_t users = 0;
		for (size_t c = 0; c < nc; c++)
			users += e->corpus_users[c].n_modules;
		if (!x || !users || !(x->known & KEXPORT_KNOWN_KIND))
			continue;
		if (done == WHATIF_MAX_SYMBOLS) {
			out->skipped++;
			continue;
		}
		done++;
		static const struct wi_op plain = { "gpl-only", "EXPORT_SYMBOL_GPL (GPL-only)" },
		                          open = { "export", "EXPORT_SYMBOL (open to every module)" },
		                          nons = { "ns", "in no namespace" };
		const struct wi_op *ops[2] = { kexport_kind_gpl_only(x->kind) ? &open : &plain,
		                               x->ns[0] ? &nons : NULL };
		for (size_t k = 0; r == 0 && k < 2 && ops[k]; k++) {
			struct wi *v = realloc(out->v, (out->n + 1) * sizeof(*v));
			if (!v) {
				r = -ENOMEM;
				break;
			}
			out->v = v;
			struct wi *w = &out->v[out->n++];
			*w = (struct wi){ e->name, ops[k]->op, ops[k]->what, NULL, NULL, 0, 0 };
			r = judge_change(ctx, t, base, corp, n, before, w);
		}
	}
	kexport_judge_free(before);
	kexport_loader_free(l);
	kexport_table_free(base);
	return r;
}

static void wis_free(struct wis *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free((void *)w->v[i].refused);
		free((void *)w->v[i].loadable);
	}
	free(w->v);
}

static void print_mods_plain(const struct kexport_module **m, size_t n)
{
	if (!n)
		printf(" none");
	for (size_t i = 0; i < n; i++)
		printf("%s %s (%s)", i ? "," : "", m[i]->name ? m[i]->name : m[i]->path,
		       m[i]->license ? m[i]->license : "no licence");
}

static void print_whatif_plain(const struct wis *w, const char *symbol)
{
	for (size_t i = 0; w && i < w->n; i++) {
		if (strcmp(w->v[i].symbol, symbol) != 0)
			continue;
		printf("  what if %s in %s: newly refused:", w->v[i].what, w->kernel);
		print_mods_plain(w->v[i].refused, w->v[i].n_refused);
		printf("; newly loadable:");
		print_mods_plain(w->v[i].loadable, w->v[i].n_loadable);
		printf("\n");
	}
}

static void json_mods(const char *key, const struct kexport_module **m, size_t n)
{
	json_key(cli_json, key);
	json_arr_start(cli_json);
	for (size_t i = 0; i < n; i++) {
		json_obj_start(cli_json);
		json_kstr(cli_json, "name", m[i]->name);
		json_kstr(cli_json, "path", m[i]->path);
		json_kstr(cli_json, "license", m[i]->license);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
}

static void json_whatif(const struct wis *w, const char *symbol)
{
	json_key(cli_json, "whatif");
	json_arr_start(cli_json);
	for (size_t i = 0; w && i < w->n; i++) {
		if (strcmp(w->v[i].symbol, symbol) != 0)
			continue;
		json_obj_start(cli_json);
		json_kstr(cli_json, "kernel", w->kernel);
		json_kstr(cli_json, "change", w->v[i].op);
		json_kstr(cli_json, "what", w->v[i].what);
		json_mods("newly_refused", w->v[i].refused, w->v[i].n_refused);
		json_mods("newly_loadable", w->v[i].loadable, w->v[i].n_loadable);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
}

static void crc_text(const struct kexport_export *e, char *buf, size_t n)
{
	if (e->known & KEXPORT_KNOWN_CRC)
		snprintf(buf, n, "0x%08x", e->crc);
	else
		snprintf(buf, n, "-");
}

/* "first seen", "kind tightened, crc changed", ... */
static void changes_text(unsigned c, bool first_seen, char *buf, size_t n)
{
	buf[0] = '\0';
	if (first_seen && (c & KEXPORT_CHANGE_ADDED))
		c &= ~KEXPORT_CHANGE_ADDED;
	size_t len = 0;
	if (first_seen)
		len += (size_t)snprintf(buf, n, "first seen");
	for (unsigned bit = 1; bit && len < n; bit <<= 1) {
		if (!(c & bit) || !kexport_change_name(bit))
			continue;
		char name[32];
		snprintf(name, sizeof(name), "%s", kexport_change_name(bit));
		for (char *p = name; *p; p++)
			if (*p == '_')
				*p = ' ';
		len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", name);
	}
}

static void print_users_plain(const char *where, const struct kexport_dossier_users *u,
                              size_t show)
{
	if (!u->n_modules) {
		printf("  imported by %s: no module\n", where);
		return;
	}
	printf("  imported by %s: %zu module%s, %zu GPL-compatible", where, u->n_modules,
	       u->n_modules == 1 ? "" : "s", u->n_gpl);
	size_t n = show && show < u->n_modules ? show : u->n_modules;
	for (size_t i = 0; i < n; i++) {
		const struct kexport_module *m = u->modules[i];
		printf("%s%s", i ? ", " : ": ", m->name ? m->name : m->path);
		if (!m->gpl_compatible)
			printf(" (%s)", m->license ? m->license : "no licence");
	}
	if (n < u->n_modules)
		printf(", ... %zu more", u->n_modules - n);
	printf("\n");
}

static const char *site_ns(const struct kexport_dossier_site *t)
{
	return t->ns[0] ? t->ns : NULL;
}

static void print_sites_plain(const char *label, const struct kexport_dossier_sites *ss, size_t show)
{
	if (!ss->n_sites) {
		printf("  in %s: no export macro\n", label);
		return;
	}
	for (size_t i = 0; i < ss->n_sites; i++) {
		const struct kexport_dossier_site *t = ss->sites[i];
		printf("  in %s: %s:%u  %s%s%s%s", label, t->file, t->line, t->macro,
		       site_ns(t) ? " (" : "", site_ns(t) ? t->ns : "", site_ns(t) ? ")" : "");
		if (t->cond)
			printf("  #if %s", t->cond);
		printf("\n");
		for (size_t k = 0; k < t->n_sections; k++) {
			const struct kexport_maintainers_section *m = t->sections[k];
			printf("    maintained by %s%s%s%s", m->name, m->status ? " (" : "",
			       m->status ? m->status : "", m->status ? ")" : "");
			for (size_t j = 0; j < m->n_maintainers; j++)
				printf("%s%s", j ? ", " : ": ", m->maintainers[j]);
			for (size_t j = 0; j < m->n_lists; j++)
				printf("%s%s", j ? ", " : "; lists: ", m->lists[j]);
			printf("\n");
		}
		/* Its siblings: how many of each GPL-ness, and the odd ones out. */
		size_t gpl = 0, other = 0;
		bool me_gpl = kexport_kind_gpl_only(t->kind);
		for (size_t k = 0; k < t->n_file_exports; k++) {
			const struct kexport_dossier_site *o = &t->file_exports[k];
			if (o == t)
				continue;
			if (kexport_kind_gpl_only(o->kind))
				gpl++;
			else
				other++;
		}
		printf("    other exports of %s: %zu, %zu GPL-only", t->file, gpl + other, gpl);
		size_t odd = me_gpl ? other : gpl, shown = 0;
		if (odd)
			printf("; %s:", me_gpl ? "not GPL-only" : "GPL-only");
		for (size_t k = 0; k < t->n_file_exports && odd; k++) {
			const struct kexport_dossier_site *o = &t->file_exports[k];
			if (o == t || kexport_kind_gpl_only(o->kind) == me_gpl)
				continue;
			if (show && shown == show) {
				printf(" ... %zu more", odd - shown);
				break;
			}
			printf(" %s", o->name);
			shown++;
		}
		printf("\n");
	}
}

static void print_plain(const struct kexport_dossier *d, size_t show, const struct wis *wis,
                        const struct hist *hist)
{
	size_t nk = kexport_dossier_kernel_count(d), nc = kexport_dossier_corpus_count(d);
	size_t w = 6;
	for (size_t k = 0; k < nk; k++) {
		size_t l = strlen(kexport_dossier_kernel_label(d, k));
		if (l > w)
			w = l;
	}
	for (size_t i = 0; i < kexport_dossier_count(d); i++) {
		const struct kexport_dossier_entry *e = kexport_dossier_get(d, i);
		printf("%s%s\n", i ? "\n" : "", e->name);
		bool seen = false;
		for (size_t k = 0; k < nk; k++) {
			const struct kexport_export *x = e->exports[k];
			char ch[160], crc[16];
			changes_text(e->changes[k], x && !seen, ch, sizeof(ch));
			if (x)
				seen = true;
			if (!x) {
				printf("  %-*s  not exported%s%s\n", (int)w, kexport_dossier_kernel_label(d, k),
				       ch[0] ? "  " : "", ch);
				continue;
			}
			crc_text(x, crc, sizeof(crc));
			printf("  %-*s  %-20s  %-12s  %-10s  %s%s%s\n", (int)w,
			       kexport_dossier_kernel_label(d, k),
			       (x->known & KEXPORT_KNOWN_KIND) ? kexport_kind_name(x->kind) : "-",
			       !(x->known & KEXPORT_KNOWN_NS) ? "?" : x->ns[0] ? x->ns : "-", crc,
			       x->owner ? x->owner : "-", ch[0] ? "  " : "", ch);
		}
		for (size_t k = 0; k < nk; k++)
			if (kexport_dossier_kernel_modules(d, k)) {
				char where[256];
				snprintf(where, sizeof(where), "%s's modules", kexport_dossier_kernel_label(d, k));
				print_users_plain(where, &e->users[k], show);
			}
		for (size_t c = 0; c < nc; c++) {
			char where[4200];
			snprintf(where, sizeof(where), "%s", kexport_dossier_corpus_label(d, c));
			print_users_plain(where, &e->corpus_users[c], show);
		}
		print_whatif_plain(wis, e->name);
		print_history_plain(hist, e->name);
		for (size_t s = 0; s < kexport_dossier_source_count(d); s++)
			print_sites_plain(kexport_dossier_source_label(d, s), &e->sources[s], show);
	}
}

static void json_users(const struct kexport_dossier_users *u)
{
	json_obj_start(cli_json);
	json_kuint(cli_json, "modules", u->n_modules);
	json_kuint(cli_json, "gpl_compatible", u->n_gpl);
	json_key(cli_json, "names");
	json_arr_start(cli_json);
	for (size_t i = 0; i < u->n_modules; i++) {
		const struct kexport_module *m = u->modules[i];
		json_obj_start(cli_json);
		json_kstr(cli_json, "name", m->name);
		json_kstr(cli_json, "path", m->path);
		json_kstr(cli_json, "license", m->license);
		json_kbool(cli_json, "gpl_compatible", m->gpl_compatible);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
	json_obj_end(cli_json);
}

static void json_changes(unsigned c)
{
	json_arr_start(cli_json);
	for (unsigned bit = 1; bit; bit <<= 1)
		if ((c & bit) && kexport_change_name(bit))
			json_str(cli_json, kexport_change_name(bit));
	json_arr_end(cli_json);
}

static void json_site_fields(const struct kexport_dossier_site *t)
{
	json_kstr(cli_json, "name", t->name);
	json_kuint(cli_json, "line", t->line);
	json_kstr(cli_json, "macro", t->macro);
	json_kstr(cli_json, "kind", kexport_kind_name(t->kind));
	json_kbool(cli_json, "gpl_only", kexport_kind_gpl_only(t->kind));
	json_kstr(cli_json, "namespace", t->ns);
	json_kstr(cli_json, "cond", t->cond);
}

static void json_site(const struct kexport_dossier_site *t)
{
	json_obj_start(cli_json);
	json_kstr(cli_json, "file", t->file);
	json_site_fields(t);
	json_key(cli_json, "maintainers");
	json_arr_start(cli_json);
	for (size_t k = 0; k < t->n_sections; k++) {
		const struct kexport_maintainers_section *m = t->sections[k];
		json_obj_start(cli_json);
		json_kstr(cli_json, "section", m->name);
		json_kstr(cli_json, "status", m->status);
		json_key(cli_json, "maintainers");
		json_arr_start(cli_json);
		for (size_t j = 0; j < m->n_maintainers; j++)
			json_str(cli_json, m->maintainers[j]);
		json_arr_end(cli_json);
		json_key(cli_json, "lists");
		json_arr_start(cli_json);
		for (size_t j = 0; j < m->n_lists; j++)
			json_str(cli_json, m->lists[j]);
		json_arr_end(cli_json);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
	json_key(cli_json, "siblings"); /* the file's other exports */
	json_arr_start(cli_json);
	for (size_t k = 0; k < t->n_file_exports; k++) {
		if (&t->file_exports[k] == t)
			continue;
		json_obj_start(cli_json);
		json_site_fields(&t->file_exports[k]);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
	json_obj_end(cli_json);
}

static void print_json(const struct kexport_dossier *d, const char *const *missing, size_t n_missing,
                       const struct wis *w, const struct hist *hist)
{
	size_t nk = kexport_dossier_kernel_count(d), nc = kexport_dossier_corpus_count(d);
	json_key(cli_json, "kernels");
	json_arr_start(cli_json);
	for (size_t k = 0; k < nk; k++)
		json_str(cli_json, kexport_dossier_kernel_label(d, k));
	json_arr_end(cli_json);
	json_key(cli_json, "corpora");
	json_arr_start(cli_json);
	for (size_t c = 0; c < nc; c++)
		json_str(cli_json, kexport_dossier_corpus_label(d, c));
	json_arr_end(cli_json);
	json_key(cli_json, "sources");
	json_arr_start(cli_json);
	for (size_t s = 0; s < kexport_dossier_source_count(d); s++)
		json_str(cli_json, kexport_dossier_source_label(d, s));
	json_arr_end(cli_json);
	json_key(cli_json, "not_found"); /* patterns that matched no symbol */
	json_arr_start(cli_json);
	for (size_t i = 0; i < n_missing; i++)
		json_str(cli_json, missing[i]);
	json_arr_end(cli_json);
	json_key(cli_json, "symbols");
	json_arr_start(cli_json);
	for (size_t i = 0; i < kexport_dossier_count(d); i++) {
		const struct kexport_dossier_entry *e = kexport_dossier_get(d, i);
		json_obj_start(cli_json);
		json_kstr(cli_json, "name", e->name);
		json_key(cli_json, "kernels");
		json_arr_start(cli_json);
		for (size_t k = 0; k < nk; k++) {
			json_obj_start(cli_json);
			json_kstr(cli_json, "kernel", kexport_dossier_kernel_label(d, k));
			json_key(cli_json, "export");
			cli_json_export(e->exports[k]);
			json_key(cli_json, "changes");
			json_changes(e->changes[k]);
			json_key(cli_json, "importers"); /* null: the kernel's modules were not read */
			if (kexport_dossier_kernel_modules(d, k))
				json_users(&e->users[k]);
			else
				json_null(cli_json);
			json_obj_end(cli_json);
		}
		json_arr_end(cli_json);
		json_key(cli_json, "corpora");
		json_arr_start(cli_json);
		for (size_t c = 0; c < nc; c++) {
			json_obj_start(cli_json);
			json_kstr(cli_json, "corpus", kexport_dossier_corpus_label(d, c));
			json_key(cli_json, "importers");
			json_users(&e->corpus_users[c]);
			json_obj_end(cli_json);
		}
		json_arr_end(cli_json);
		json_whatif(w, e->name);
		json_history(hist, e->name);
		json_key(cli_json, "sources");
		json_arr_start(cli_json);
		for (size_t s = 0; s < kexport_dossier_source_count(d); s++) {
			json_obj_start(cli_json);
			json_kstr(cli_json, "source", kexport_dossier_source_label(d, s));
			json_key(cli_json, "sites");
			json_arr_start(cli_json);
			for (size_t t = 0; t < e->sources[s].n_sites; t++)
				json_site(e->sources[s].sites[t]);
			json_arr_end(cli_json);
			json_obj_end(cli_json);
		}
		json_arr_end(cli_json);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
}

static int cmd_symbol(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "modules", required_argument, NULL, OPT_MODULES },
		{ "names", required_argument, NULL, OPT_NAMES },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "history", required_argument, NULL, OPT_HISTORY },
		/* the target options but --kernel, which is ours (first match wins) */
		CLI_TARGET_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char **kpaths = NULL, **cpaths = NULL, **spaths = NULL;
	size_t n_k = 0, n_c = 0, n_s = 0, show = 8;
	int opt, st;
	struct cli_target topts = { 0 }; /* the last kernel's, for the what-if */
	const char *history_repo = NULL;
	while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, longopts, &kexport_cmd_symbol, &topts,
	                        &st)) != -1) {
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
			if (!cli_push_str(&spaths, &n_s, optarg))
				return CLI_EXIT_BAD_INPUT;
			break;
		case OPT_HISTORY:
			history_repo = optarg;
			break;
		case OPT_NAMES: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0)
				return cli_usage_error(&kexport_cmd_symbol, "--names takes a number");
			show = (size_t)v;
			break;
		}
		default:
			return cli_usage_error(&kexport_cmd_symbol, "unknown option");
		}
	}
#ifndef KEXPORT_HISTORY_HELPER
	/* libgit2 and SQLite live in the helper (as for kexport history). */
	if (history_repo) {
		free(kpaths);
		free(cpaths);
		free(spaths);
		free(topts.configs);
		free(topts.keys);
		return cli_exec_helper("kexport-history", argc, argv);
	}
#endif
	char **owned = NULL;
	size_t n_owned = 0;
	if (optind < argc && n_k == 0 && !pinned_defaults(&kpaths, &n_k, &spaths, &n_s, &owned, &n_owned)) {
		free(kpaths);
		free(cpaths);
		free(spaths);
		return cli_usage_error(&kexport_cmd_symbol,
		                       "no --kernel, and none of the pinned generations is in the test-data "
		                       "cache (scripts/fetch-kernels.sh all): give --kernel SOURCE, oldest first");
	}
	if (optind >= argc) {
		free(kpaths);
		free(cpaths);
		free(spaths);
		return cli_usage_error(&kexport_cmd_symbol, "which symbols? (a name or a glob)");
	}

	struct kexport_ctx *ctx = cli_ctx_new();
	bool bad = false;
	struct kernel_in *ks = calloc(n_k ? n_k : 1, sizeof(*ks));
	struct corpus_in *cs = calloc(n_c ? n_c : 1, sizeof(*cs));
	struct kexport_dossier *d = NULL;
	if (!ks || !cs || kexport_dossier_new(ctx, &d) < 0) {
		fprintf(stderr, "kexport: out of memory\n");
		return CLI_EXIT_BAD_INPUT;
	}
	cli_output_begin();
	for (size_t i = 0; i < n_k; i++) {
		ks[i].path = kpaths[i];
		if (i == n_k - 1) { /* the target options are the last kernel's */
			struct cli_target *t = &ks[i].t;
			t->release = topts.release;
			t->distro = topts.distro;
			t->vermagic = topts.vermagic;
			t->taint = topts.taint;
			t->trust = topts.trust;
			t->trust_set = topts.trust_set;
			t->flags = topts.flags;
			t->configs = topts.configs;
			t->n_configs = topts.n_configs;
			t->keys = topts.keys;
			t->n_keys = topts.n_keys;
			topts.configs = topts.keys = NULL; /* the target frees them */
		}
		int r = read_kernel(ctx, &ks[i]);
		if (r == -ENOMEM) {
			fprintf(stderr, "kexport: out of memory\n");
			return CLI_EXIT_BAD_INPUT;
		}
		if (r < 0 || cli_bad_input_count()) {
			bad = true;
			if (r < 0)
				continue; /* the others still count */
		}
		if (kexport_dossier_add_kernel(d, label_of(&ks[i]), ks[i].t.table,
		                               (struct kexport_module *const *)ks[i].mods, ks[i].n_mods) < 0)
			return CLI_EXIT_BAD_INPUT;
	}
	for (size_t i = 0; i < n_c; i++) {
		cs[i].path = cpaths[i];
		if (kexport_read_modules(ctx, cs[i].path, &cs[i].mods, &cs[i].n_mods) < 0)
			bad = true;
		if (cs[i].n_mods && kexport_dossier_add_corpus(d, cs[i].path,
		                                               (struct kexport_module *const *)cs[i].mods,
		                                               cs[i].n_mods) < 0)
			return CLI_EXIT_BAD_INPUT;
	}
	for (size_t i = 0; i < n_s; i++) {
		const char *base = strrchr(spaths[i], '/');
		base = base && base[1] ? base + 1 : spaths[i];
		if (!kexport_is_source_tree(spaths[i])) {
			cli_bad_input(spaths[i], "not a kernel source tree (no Kbuild, Makefile and include/linux/export.h)");
			bad = true;
			continue;
		}
		if (kexport_dossier_add_source(d, base, spaths[i]) < 0)
			bad = true;
	}
	if (kexport_dossier_select(d, (const char *const *)argv + optind, (size_t)(argc - optind)) < 0)
		return CLI_EXIT_BAD_INPUT;
	/* A pattern that matched nothing is said, and is a finding. */
	const char **missing = NULL;
	size_t n_missing = 0;
	for (int i = optind; i < argc; i++) {
		bool hit = false;
		for (size_t k = 0; !hit && k < kexport_dossier_count(d); k++) {
			const char *name = kexport_dossier_get(d, k)->name;
			hit = strpbrk(argv[i], "*?[") ? fnmatch(argv[i], name, 0) == 0
			                              : strcmp(name, argv[i]) == 0;
		}
		if (!hit) {
			if (!cli_push_str(&missing, &n_missing, argv[i]))
				return CLI_EXIT_BAD_INPUT;
			if (!cli_json)
				fprintf(stderr, "kexport: %s: not exported or imported by any kernel or corpus given\n",
				        argv[i]);
		}
	}
	/* The symbols' changes in a git repository, with their commits. */
	struct hist hist = { 0 };
	if (history_repo) {
		int r = run_history(ctx, history_repo, d, &hist);
		if (r == -ENOMEM) {
			fprintf(stderr, "kexport: out of memory\n");
			return CLI_EXIT_BAD_INPUT;
		}
		if (r < 0) /* reported */
			bad = true;
	}
	/* The what-if, against the last kernel, when there are corpora. */
	struct wis wi = { 0 };
	size_t n_corp = 0;
	for (size_t i = 0; i < n_c; i++)
		n_corp += cs[i].n_mods;
	if (n_corp && n_k && ks[n_k - 1].t.table) {
		struct kexport_module **corp = calloc(n_corp, sizeof(*corp));
		size_t k = 0;
		for (size_t i = 0; corp && i < n_c; i++)
			for (size_t m = 0; m < cs[i].n_mods; m++)
				corp[k++] = cs[i].mods[m];
		int r = corp ? run_whatif(ctx, d, &ks[n_k - 1].t, label_of(&ks[n_k - 1]), corp, n_corp, &wi)
		             : -ENOMEM;
		free(corp);
		if (r == -ENOMEM) {
			fprintf(stderr, "kexport: out of memory\n");
			return CLI_EXIT_BAD_INPUT;
		}
		if (r < 0)
			bad = true;
		if (wi.skipped && !cli_json)
			fprintf(stderr, "kexport: warning: the what-if covers the first %d symbols the corpora "
			        "import; %zu more were not judged\n", WHATIF_MAX_SYMBOLS, wi.skipped);
	}
	if (cli_json) {
		json_obj_start(cli_json);
		print_json(d, missing, n_missing, &wi, &hist);
		cli_json_errors();
		json_obj_end(cli_json);
		cli_output_end();
	} else {
		print_plain(d, show, &wi, &hist);
	}
	wis_free(&wi);
	hist_free(&hist);
	kexport_dossier_free(d);
	for (size_t i = 0; i < n_k; i++) {
		kexport_module_list_free(ks[i].mods, ks[i].n_mods);
		kexport_free(ks[i].image);
		cli_target_close(&ks[i].t);
	}
	for (size_t i = 0; i < n_c; i++)
		kexport_module_list_free(cs[i].mods, cs[i].n_mods);
	free(ks);
	free(cs);
	free(kpaths);
	free(cpaths);
	free(spaths);
	free(missing);
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	free(owned);
	kexport_ctx_free(ctx);
	return bad ? CLI_EXIT_BAD_INPUT : n_missing ? CLI_EXIT_FINDING : CLI_EXIT_OK;
}

const struct kexport_cmd kexport_cmd_symbol = {
	.name = "symbol",
	.fn = cmd_symbol,
	.summary = "a symbol across kernels: kind, namespace, CRC, owner, changes and importers",
	.usage = "kexport symbol [OPTIONS] --kernel SOURCE... [--modules PATH]... [--source TREE]... SYMBOL|GLOB...",
	.options = options,
};
