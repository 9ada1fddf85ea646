/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dossier of symbols across kernels (`kexport symbol`): what a reviewer
 * of an export request asks, from the model every reader fills.  For each
 * symbol a pattern selects: per kernel, its export (kind, namespace, CRC,
 * owner) and what changed since the kernel before; per kernel, the kernel's
 * own modules that import it, and per corpus (out-of-tree modules) the same,
 * with how many of them are GPL-compatible.
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

/* An entry with its arrays, one allocation each. */
struct entry {
	struct kexport_dossier_entry pub;
	const struct kexport_export **exports;
	unsigned *changes;
	struct kexport_dossier_users *users; /* kernels, then corpora */
};

struct kexport_dossier {
	struct kexport_ctx *ctx;
	struct kx_vec kernels, corpora; /* struct group */
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

KX_EXPORT void kexport_dossier_free(struct kexport_dossier *d)
{
	if (!d)
		return;
	entries_free(d);
	groups_free(&d->kernels);
	groups_free(&d->corpora);
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

static bool is_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

static bool matches(const char *name, const char *const *patterns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_glob(patterns[i]) ? fnmatch(patterns[i], name, 0) == 0
		                         : strcmp(patterns[i], name) == 0)
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

static int select_run(struct kexport_dossier *d, const char *const *patterns, size_t n)
{
	const struct group *ks = d->kernels.items, *cs = d->corpora.items;
	size_t nk = d->kernels.n, nc = d->corpora.n, cap = 0;
	/* Every name a kernel exports, or a kernel's module or a corpus
	 * imports, that a pattern selects. */
	for (size_t k = 0; k < nk; k++)
		for (size_t i = 0, nt = kexport_table_count(ks[k].exports); i < nt; i++) {
			const char *name = kexport_table_get(ks[k].exports, i)->name;
			if (matches(name, patterns, n) && collect(d, name, &cap) < 0)
				return -ENOMEM;
		}
	for (size_t g = 0; g < nk + nc; g++) {
		const struct group *gr = g < nk ? &ks[g] : &cs[g - nk];
		for (size_t m = 0; m < gr->n_mods; m++)
			for (size_t i = 0; i < gr->mods[m]->n_imports; i++) {
				const char *name = gr->mods[m]->imports[i].name;
				if (matches(name, patterns, n) && collect(d, name, &cap) < 0)
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
		if (!e->exports || !e->changes || !e->users)
			return -ENOMEM;
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
	int r = select_run(d, patterns, n);
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

KX_EXPORT size_t kexport_dossier_count(const struct kexport_dossier *d)
{
	return d->n_entries;
}

KX_EXPORT const struct kexport_dossier_entry *kexport_dossier_get(const struct kexport_dossier *d,
                                                                   size_t i)
{
	return i < d->n_entries ? &d->entries[i].pub : NULL;
}
