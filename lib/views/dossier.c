/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dossier of symbols across kernels (`kexport symbol`): what a reviewer
 * of an export request asks, from the model every reader fills.  For each
 * symbol a pattern selects: per kernel, its export (kind, namespace, CRC,
 * owner) and what changed since the kernel before; per kernel, the kernel's
 * own modules that import it, and per corpus (out-of-tree modules) the same,
 * with how many of them are GPL-compatible.
 *
 * For each source tree (kexport_src_tree_scan()), the export macros of the
 * symbol with FILE:LINE, every other export of the same files (siblings)
 * and the MAINTAINERS sections covering those files.
 *
 * Kernels are given oldest first; a change is always against the kernel
 * given before (diff.c's classes: added, removed, kind tightened or
 * loosened, namespace added/removed/changed, CRC changed, owner moved).
 * The tables and modules belong to the caller and must outlive the dossier.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "libkexport-internal.h"
#include "base/index.h"

struct group {
	char *label;
	const struct kexport_table *exports; /* NULL for a corpus */
	struct kexport_module *const *mods;
	size_t n_mods;
};

/* A source tree: every export macro, in path then line order, so that a
 * file's exports are next to each other. */
struct source {
	char *label;
	struct kx_arena strs;
	struct kexport_dossier_site *sites;
	size_t n_sites, cap;
	size_t *next;                     /* the next site of the same name, or SIZE_MAX */
	struct kx_index by_name;          /* name -> its first site */
	struct kexport_maintainers *maint; /* NULL: none */
	bool *sections_owned;             /* sites[i].sections to kexport_free() */
};

/* An entry with its arrays, one allocation each. */
struct entry {
	struct kexport_dossier_entry pub;
	const struct kexport_export **exports;
	unsigned *changes;
	struct kexport_dossier_users *users; /* kernels, then corpora */
	struct kexport_dossier_sites *sources;
};

struct kexport_dossier {
	struct kexport_ctx *ctx;
	struct kx_vec kernels, corpora; /* struct group */
	struct kx_vec sources;          /* struct source */
	struct entry *entries;
	size_t n_entries;
	struct kx_index by_name;        /* name -> entry */
};

KX_EXPORT int kexport_dossier_new(struct kexport_ctx *ctx, struct kexport_dossier **out)
{
	*out = NULL;
	if (!ctx)
		return -EINVAL;
	struct kexport_dossier *d = calloc(1, sizeof(*d));
	if (!d)
		return kx_report(ctx, NULL, -ENOMEM, "out of memory");
	d->ctx = ctx;
	kx_vec_init(&d->kernels, sizeof(struct group));
	kx_vec_init(&d->corpora, sizeof(struct group));
	kx_vec_init(&d->sources, sizeof(struct source));
	*out = d;
	return 0;
}

static void entries_free(struct kexport_dossier *d)
{
	size_t n_groups = d->kernels.n + d->corpora.n;
	for (size_t i = 0; i < d->n_entries; i++) {
		struct entry *e = &d->entries[i];
		for (size_t g = 0; e->users && g < n_groups; g++)
			free((void *)e->users[g].modules);
		free(e->users);
		free(e->exports);
		free(e->changes);
		for (size_t s = 0; e->sources && s < d->sources.n; s++)
			free((void *)e->sources[s].sites);
		free(e->sources);
	}
	free(d->entries);
	d->entries = NULL;
	d->n_entries = 0;
	kx_index_free(&d->by_name);
}

static void groups_free(struct kx_vec *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(((struct group *)v->items)[i].label);
	kx_vec_free(v);
}

static void source_free(struct source *s)
{
	for (size_t k = 0; s->sections_owned && k < s->n_sites; k++)
		if (s->sections_owned[k])
			kexport_free((void *)s->sites[k].sections);
	free(s->sections_owned);
	free(s->label);
	kx_arena_free(&s->strs);
	free(s->sites);
	free(s->next);
	kx_index_free(&s->by_name);
	kexport_maintainers_free(s->maint);
	memset(s, 0, sizeof(*s));
}

static void sources_free(struct kx_vec *v)
{
	struct source *s = v->items;
	for (size_t i = 0; i < v->n; i++)
		source_free(&s[i]);
	kx_vec_free(v);
}

KX_EXPORT void kexport_dossier_free(struct kexport_dossier *d)
{
	if (!d)
		return;
	entries_free(d);
	groups_free(&d->kernels);
	groups_free(&d->corpora);
	sources_free(&d->sources);
	free(d);
}

static int add_group(struct kexport_dossier *d, struct kx_vec *v, const char *label,
                     const struct kexport_table *exports, struct kexport_module *const *mods,
                     size_t n_mods)
{
	char *l = strdup(label ? label : "");
	struct group *g = l ? kx_vec_push(v) : NULL;
	if (!g) {
		free(l);
		return kx_report(d->ctx, NULL, -ENOMEM, "out of memory");
	}
	*g = (struct group){ l, exports, mods, n_mods };
	return 0;
}

KX_EXPORT int kexport_dossier_add_kernel(struct kexport_dossier *d, const char *label,
                                         const struct kexport_table *exports,
                                         struct kexport_module *const *mods, size_t n_mods)
{
	if (!exports)
		return -EINVAL;
	return add_group(d, &d->kernels, label, exports, mods, n_mods);
}

KX_EXPORT int kexport_dossier_add_corpus(struct kexport_dossier *d, const char *label,
                                         struct kexport_module *const *mods, size_t n_mods)
{
	return add_group(d, &d->corpora, label, NULL, mods, n_mods);
}

/* One export of a source tree's scan, kept. */
static int keep_site(const struct kexport_src_tree_export *x, void *arg)
{
	struct source *s = arg;
	if (s->n_sites == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 1024;
		struct kexport_dossier_site *v = realloc(s->sites, c * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->sites = v;
		s->cap = c;
	}
	const struct kexport_src_export *e = x->e;
	struct kexport_dossier_site *t = &s->sites[s->n_sites];
	memset(t, 0, sizeof(*t));
	/* a file's name is kept once: its exports are consecutive */
	const char *prev = s->n_sites ? s->sites[s->n_sites - 1].file : NULL;
	t->file = prev && strcmp(prev, x->file) == 0 ? prev : kx_arena_strdup(&s->strs, x->file);
	t->line = e->line;
	t->macro = kx_arena_strdup(&s->strs, e->macro);
	t->name = kx_arena_strdup(&s->strs, e->name);
	t->kind = e->kind;
	t->ns = kx_arena_strdup(&s->strs, e->ns ? e->ns : "");
	t->cond = e->cond ? kx_arena_strdup(&s->strs, e->cond) : NULL;
	if (!t->file || !t->macro || !t->name || !t->ns || (e->cond && !t->cond))
		return -ENOMEM;
	s->n_sites++;
	return 0;
}

static const char *site_name_key(const void *v)
{
	return ((const struct kexport_dossier_site *)v)->name;
}

/* After the scan: each site's file range, and the index by name (first
 * site of each name, the others chained in path order). */
static int index_sites(struct source *s)
{
	for (size_t i = 0, start = 0; i < s->n_sites; i++) {
		if (i + 1 == s->n_sites || s->sites[i + 1].file != s->sites[i].file) {
			for (size_t k = start; k <= i; k++) {
				s->sites[k].file_exports = &s->sites[start];
				s->sites[k].n_file_exports = i + 1 - start;
			}
			start = i + 1;
		}
	}
	s->next = malloc((s->n_sites ? s->n_sites : 1) * sizeof(*s->next));
	s->sections_owned = calloc(s->n_sites ? s->n_sites : 1, sizeof(*s->sections_owned));
	if (!s->next || !s->sections_owned || kx_index_reserve(&s->by_name, s->n_sites) < 0)
		return -ENOMEM;
	for (size_t i = s->n_sites; i-- > 0;) {
		const char *name = s->sites[i].name;
		uint32_t h = kx_hash(name);
		const struct kx_index_slot *old = kx_index_find(&s->by_name, name, h, site_name_key);
		s->next[i] = old ? old->item - 1 : SIZE_MAX;
		if (kx_index_put(&s->by_name, name, h, &s->sites[i], (uint32_t)i + 1, site_name_key,
		                 NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

KX_EXPORT int kexport_dossier_add_source(struct kexport_dossier *d, const char *label,
                                         const char *tree)
{
	struct source *s = kx_vec_push(&d->sources);
	if (!s)
		return kx_report(d->ctx, tree, -ENOMEM, "out of memory");
	if (!(s->label = strdup(label ? label : tree))) {
		d->sources.n--;
		return kx_report(d->ctx, tree, -ENOMEM, "out of memory");
	}
	int r = kexport_src_tree_scan(d->ctx, tree, NULL, keep_site, s);
	if (r == 0 && (r = index_sites(s)) < 0)
		kx_report(d->ctx, tree, r, "out of memory");
	if (r < 0) { /* the scan reported its own failure */
		source_free(s);
		d->sources.n--;
		return r;
	}
	/* Without MAINTAINERS (a partial tree) the sites have no sections. */
	char *m;
	if (asprintf(&m, "%s/MAINTAINERS", tree) < 0)
		m = NULL;
	if (m && kx_is_file(m))
		kexport_maintainers_read(d->ctx, tree, &s->maint); /* a failure is reported */
	else
		kx_warn(d->ctx, tree, "no MAINTAINERS: the exports' sections are not known");
	free(m);
	return 0;
}

static bool is_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

/* The patterns: names in a hash set (surface asks for a module's thousand
 * imports), globs in a list. */
struct patterns {
	struct kx_index names;
	const char **globs;
	size_t n_globs;
};

static const char *str_key(const void *v)
{
	return v;
}

static int patterns_init(struct patterns *p, const char *const *pats, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->globs = calloc(n ? n : 1, sizeof(*p->globs));
	if (!p->globs || kx_index_reserve(&p->names, n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (is_glob(pats[i]))
			p->globs[p->n_globs++] = pats[i];
		else if (kx_index_put(&p->names, pats[i], kx_hash(pats[i]), pats[i], (uint32_t)i + 1,
		                      str_key, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void patterns_free(struct patterns *p)
{
	kx_index_free(&p->names);
	free(p->globs);
}

static bool matches(const char *name, const struct patterns *p)
{
	if (kx_index_find(&p->names, name, kx_hash(name), str_key))
		return true;
	for (size_t i = 0; i < p->n_globs; i++)
		if (fnmatch(p->globs[i], name, 0) == 0)
			return true;
	return false;
}

static const char *entry_key(const void *v)
{
	return ((const struct entry *)v)->pub.name;
}

/* The names selected, with no repeats, in d->entries (names only). */
static int collect(struct kexport_dossier *d, const char *name, size_t *cap)
{
	uint32_t h = kx_hash(name);
	if (kx_index_find(&d->by_name, name, h, entry_key))
		return 0;
	if (d->n_entries == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct entry *v = realloc(d->entries, c * sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->entries = v;
		*cap = c;
		/* the index points into the array: place them all again */
		kx_index_free(&d->by_name);
		if (kx_index_reserve(&d->by_name, c) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < d->n_entries; i++)
			if (kx_index_put(&d->by_name, d->entries[i].pub.name,
			                 kx_hash(d->entries[i].pub.name), &d->entries[i],
			                 (uint32_t)i + 1, entry_key, NULL) < 0)
				return -ENOMEM;
	}
	struct entry *e = &d->entries[d->n_entries];
	memset(e, 0, sizeof(*e));
	e->pub.name = name;
	if (kx_index_put(&d->by_name, name, h, e, (uint32_t)d->n_entries + 1, entry_key, NULL) < 0)
		return -ENOMEM;
	d->n_entries++;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->pub.name, ((const struct entry *)b)->pub.name);
}

static int push_user(struct kexport_dossier_users *u, const struct kexport_module *m, size_t *cap)
{
	if (u->n_modules == *cap) {
		size_t c = *cap ? *cap * 2 : 4;
		const struct kexport_module **v = realloc((void *)u->modules, c * sizeof(*v));
		if (!v)
			return -ENOMEM;
		u->modules = v;
		*cap = c;
	}
	((const struct kexport_module **)u->modules)[u->n_modules++] = m;
	if (m->gpl_compatible)
		u->n_gpl++;
	return 0;
}

static int cmp_module(const void *a, const void *b)
{
	const struct kexport_module *x = *(const struct kexport_module *const *)a;
	const struct kexport_module *y = *(const struct kexport_module *const *)b;
	int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
	return c ? c : strcmp(x->path, y->path);
}

/* The sections of the file of site i (computed once per file). */
static int file_sections(struct source *s, size_t i)
{
	struct kexport_dossier_site *t = &s->sites[i];
	size_t start = (size_t)(t->file_exports - s->sites);
	if (!s->maint || s->sections_owned[start])
		return 0;
	const struct kexport_maintainers_section **v;
	size_t n;
	int r = kexport_maintainers_match(s->maint, t->file, &v, &n);
	if (r < 0)
		return r;
	s->sections_owned[start] = true;
	for (size_t k = start; k < start + t->n_file_exports; k++) {
		s->sites[k].sections = v;
		s->sites[k].n_sections = n;
	}
	return 0;
}

/* Where source s exports `name`. */
static int find_sites(struct source *s, const char *name, struct kexport_dossier_sites *out)
{
	const struct kx_index_slot *slot = kx_index_find(&s->by_name, name, kx_hash(name),
	                                                 site_name_key);
	size_t n = 0;
	for (size_t i = slot ? slot->item - 1 : SIZE_MAX; i != SIZE_MAX; i = s->next[i])
		n++;
	if (!n)
		return 0;
	const struct kexport_dossier_site **v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (size_t i = slot->item - 1; i != SIZE_MAX; i = s->next[i]) {
		int r = file_sections(s, i);
		if (r < 0) {
			free(v);
			return r;
		}
		v[n++] = &s->sites[i];
	}
	out->sites = v;
	out->n_sites = n;
	return 0;
}

/* Who imports each selected symbol in group g (users index gi). */
static int find_users(struct kexport_dossier *d, const struct group *g, size_t gi)
{
	size_t *caps = calloc(d->n_entries ? d->n_entries : 1, sizeof(*caps));
	if (!caps)
		return -ENOMEM;
	int r = 0;
	for (size_t m = 0; r == 0 && m < g->n_mods; m++) {
		const struct kexport_module *mod = g->mods[m];
		for (size_t i = 0; r == 0 && i < mod->n_imports; i++) {
			const char *name = mod->imports[i].name;
			const struct kx_index_slot *s = kx_index_find(&d->by_name, name, kx_hash(name),
			                                              entry_key);
			if (!s)
				continue;
			size_t k = s->item - 1;
			struct kexport_dossier_users *u = &d->entries[k].users[gi];
			/* a module imports a name once, but a bad one may list it twice */
			if (u->n_modules && u->modules[u->n_modules - 1] == mod)
				continue;
			r = push_user(u, mod, &caps[k]);
		}
	}
	free(caps);
	for (size_t k = 0; r == 0 && k < d->n_entries; k++) {
		struct kexport_dossier_users *u = &d->entries[k].users[gi];
		if (u->n_modules > 1)
			qsort((void *)u->modules, u->n_modules, sizeof(*u->modules), cmp_module);
	}
	return r;
}

static int select_run(struct kexport_dossier *d, const struct patterns *patterns)
{
	const struct group *ks = d->kernels.items, *cs = d->corpora.items;
	size_t nk = d->kernels.n, nc = d->corpora.n, cap = 0;
	/* Every name a kernel exports, or a kernel's module or a corpus
	 * imports, that a pattern selects. */
	for (size_t k = 0; k < nk; k++)
		for (size_t i = 0, nt = kexport_table_count(ks[k].exports); i < nt; i++) {
			const char *name = kexport_table_get(ks[k].exports, i)->name;
			if (matches(name, patterns) && collect(d, name, &cap) < 0)
				return -ENOMEM;
		}
	struct source *ss = d->sources.items;
	size_t ns = d->sources.n;
	for (size_t s = 0; s < ns; s++)
		for (size_t i = 0; i < ss[s].n_sites; i++)
			if (matches(ss[s].sites[i].name, patterns) &&
			    collect(d, ss[s].sites[i].name, &cap) < 0)
				return -ENOMEM;
	for (size_t g = 0; g < nk + nc; g++) {
		const struct group *gr = g < nk ? &ks[g] : &cs[g - nk];
		for (size_t m = 0; m < gr->n_mods; m++)
			for (size_t i = 0; i < gr->mods[m]->n_imports; i++) {
				const char *name = gr->mods[m]->imports[i].name;
				if (matches(name, patterns) && collect(d, name, &cap) < 0)
					return -ENOMEM;
			}
	}
	if (d->n_entries > 1) {
		qsort(d->entries, d->n_entries, sizeof(*d->entries), cmp_entry);
		kx_index_free(&d->by_name);
		if (kx_index_reserve(&d->by_name, d->n_entries) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < d->n_entries; i++)
			if (kx_index_put(&d->by_name, d->entries[i].pub.name,
			                 kx_hash(d->entries[i].pub.name), &d->entries[i], (uint32_t)i + 1,
			                 entry_key, NULL) < 0)
				return -ENOMEM;
	}
	/* Per kernel: the export and the change since the kernel before. */
	for (size_t i = 0; i < d->n_entries; i++) {
		struct entry *e = &d->entries[i];
		e->exports = calloc(nk ? nk : 1, sizeof(*e->exports));
		e->changes = calloc(nk ? nk : 1, sizeof(*e->changes));
		e->users = calloc(nk + nc ? nk + nc : 1, sizeof(*e->users));
		e->sources = calloc(ns ? ns : 1, sizeof(*e->sources));
		if (!e->exports || !e->changes || !e->users || !e->sources)
			return -ENOMEM;
		e->pub.sources = e->sources;
		for (size_t s = 0; s < ns; s++) {
			int r = find_sites(&ss[s], e->pub.name, &e->sources[s]);
			if (r < 0)
				return r;
		}
		for (size_t k = 0; k < nk; k++) {
			e->exports[k] = kexport_table_find(ks[k].exports, e->pub.name);
			e->changes[k] = k ? kx_export_changes(e->exports[k - 1], e->exports[k]) : 0;
		}
		e->pub.exports = e->exports;
		e->pub.changes = e->changes;
		e->pub.users = e->users;
		e->pub.corpus_users = e->users + nk;
	}
	for (size_t g = 0; g < nk + nc; g++) {
		int r = find_users(d, g < nk ? &ks[g] : &cs[g - nk], g);
		if (r < 0)
			return r;
	}
	return 0;
}

KX_EXPORT int kexport_dossier_select(struct kexport_dossier *d, const char *const *patterns,
                                     size_t n)
{
	entries_free(d);
	struct patterns p;
	int r = patterns_init(&p, patterns, n);
	if (r == 0)
		r = select_run(d, &p);
	patterns_free(&p);
	if (r < 0) {
		entries_free(d);
		return kx_report(d->ctx, NULL, r, "out of memory");
	}
	return 0;
}

KX_EXPORT size_t kexport_dossier_kernel_count(const struct kexport_dossier *d)
{
	return d->kernels.n;
}

KX_EXPORT const char *kexport_dossier_kernel_label(const struct kexport_dossier *d, size_t k)
{
	return k < d->kernels.n ? ((const struct group *)d->kernels.items)[k].label : NULL;
}

KX_EXPORT size_t kexport_dossier_kernel_modules(const struct kexport_dossier *d, size_t k)
{
	return k < d->kernels.n ? ((const struct group *)d->kernels.items)[k].n_mods : 0;
}

KX_EXPORT size_t kexport_dossier_corpus_count(const struct kexport_dossier *d)
{
	return d->corpora.n;
}

KX_EXPORT const char *kexport_dossier_corpus_label(const struct kexport_dossier *d, size_t c)
{
	return c < d->corpora.n ? ((const struct group *)d->corpora.items)[c].label : NULL;
}

KX_EXPORT const struct kexport_dossier_entry *kexport_dossier_find(const struct kexport_dossier *d,
                                                                    const char *name)
{
	const struct kx_index_slot *s = kx_index_find(&d->by_name, name, kx_hash(name), entry_key);
	return s ? &d->entries[s->item - 1].pub : NULL;
}

KX_EXPORT size_t kexport_dossier_source_count(const struct kexport_dossier *d)
{
	return d->sources.n;
}

KX_EXPORT const char *kexport_dossier_source_label(const struct kexport_dossier *d, size_t s)
{
	return s < d->sources.n ? ((const struct source *)d->sources.items)[s].label : NULL;
}

KX_EXPORT size_t kexport_dossier_count(const struct kexport_dossier *d)
{
	return d->n_entries;
}

KX_EXPORT const struct kexport_dossier_entry *kexport_dossier_get(const struct kexport_dossier *d,
                                                                   size_t i)
{
	return i < d->n_entries ? &d->entries[i].pub : NULL;
}
