/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kABI diff: what changed between two export tables, class by class.
 *
 * Each side is looked up in the other through the table's name hash, so the
 * diff is linear in the two tables; only the (usually much shorter) list of
 * differences is sorted.  One entry per differing symbol carries every class
 * it falls in as bits: a symbol that moved from vmlinux to a module usually
 * changes its CRC too, and both are reported.
 */
#include "libkexport-internal.h"

struct kexport_diff {
	struct kexport_ctx *ctx;
	struct kx_vec entries;  /* struct kexport_diff_entry */
	struct kx_vec modules;  /* struct kexport_diff_module */
	struct kx_arena arena;  /* module names */
};

static const char *const change_names[KEXPORT_CHANGE_CLASSES] = {
	"added", "removed", "kind_tightened", "kind_loosened", "kind_changed",
	"ns_added", "ns_removed", "ns_changed", "crc_changed", "owner_moved",
	"module_added", "module_removed", "moved",
};

KX_EXPORT const char *kexport_change_name(unsigned change)
{
	for (unsigned i = 0; i < KEXPORT_CHANGE_CLASSES; i++)
		if (change == 1u << i)
			return change_names[i];
	return NULL;
}

/* The classes of a symbol present on both sides (0: the same export). */
static unsigned compare(const struct kexport_export *a, const struct kexport_export *b)
{
	unsigned c = 0, both = a->known & b->known;
	if ((both & KEXPORT_KNOWN_KIND) && a->kind != b->kind) {
		bool ga = kexport_kind_gpl_only(a->kind), gb = kexport_kind_gpl_only(b->kind);
		c |= ga == gb ? KEXPORT_CHANGE_KIND_CHANGED
		     : gb    ? KEXPORT_CHANGE_KIND_TIGHTENED
		             : KEXPORT_CHANGE_KIND_LOOSENED;
	}
	if ((both & KEXPORT_KNOWN_NS) && strcmp(a->ns, b->ns) != 0)
		c |= !a->ns[0] ? KEXPORT_CHANGE_NS_ADDED
		     : !b->ns[0] ? KEXPORT_CHANGE_NS_REMOVED
		                 : KEXPORT_CHANGE_NS_CHANGED;
	if ((both & KEXPORT_KNOWN_CRC) && a->crc != b->crc)
		c |= KEXPORT_CHANGE_CRC_CHANGED;
	if (!kx_same_owner(a->owner, b->owner))
		c |= KEXPORT_CHANGE_OWNER_MOVED;
	return c;
}

unsigned kx_export_changes(const struct kexport_export *before, const struct kexport_export *after)
{
	if (!before || !after)
		return before ? KEXPORT_CHANGE_REMOVED : after ? KEXPORT_CHANGE_ADDED : 0;
	return compare(before, after);
}

static int push_entry(struct kexport_diff *d, const struct kexport_export *a,
                      const struct kexport_export *b, unsigned changes)
{
	struct kexport_diff_entry *e = kx_vec_push(&d->entries);
	if (!e)
		return -ENOMEM;
	e->name = a ? a->name : b->name;
	e->before = a;
	e->after = b;
	e->changes = changes;
	return 0;
}

static int cmp_entry(const void *x, const void *y)
{
	const struct kexport_diff_entry *a = x, *b = y;
	return strcmp(a->name, b->name);
}

KX_EXPORT int kexport_diff_new(struct kexport_ctx *ctx, const struct kexport_table *before,
                               const struct kexport_table *after, const struct kexport_symlist *only,
                               struct kexport_diff **out)
{
	if (!ctx)
		return -EINVAL;
	struct kexport_diff *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ctx = ctx;
	kx_vec_init(&d->entries, sizeof(struct kexport_diff_entry));
	kx_vec_init(&d->modules, sizeof(struct kexport_diff_module));
	size_t nb = kexport_table_count(before), na = kexport_table_count(after);
	for (size_t i = 0; i < nb; i++) {
		const struct kexport_export *a = kexport_table_get(before, i);
		if (only && !kexport_symlist_has(only, a->name))
			continue;
		const struct kexport_export *b = kexport_table_find(after, a->name);
		unsigned c = b ? compare(a, b) : KEXPORT_CHANGE_REMOVED;
		if (c && push_entry(d, a, b, c) < 0)
			goto oom;
	}
	for (size_t i = 0; i < na; i++) {
		const struct kexport_export *b = kexport_table_get(after, i);
		if (only && !kexport_symlist_has(only, b->name))
			continue;
		if (!kexport_table_find(before, b->name) && push_entry(d, NULL, b, KEXPORT_CHANGE_ADDED) < 0)
			goto oom;
	}
	if (d->entries.n > 1)
		qsort(d->entries.items, d->entries.n, sizeof(struct kexport_diff_entry), cmp_entry);
	*out = d;
	return 0;
oom:
	kexport_diff_free(d);
	return -ENOMEM;
}

KX_EXPORT void kexport_diff_free(struct kexport_diff *d)
{
	if (!d)
		return;
	kx_vec_free(&d->entries);
	kx_vec_free(&d->modules);
	kx_arena_free(&d->arena);
	free(d);
}

KX_EXPORT size_t kexport_diff_count(const struct kexport_diff *d)
{
	return d->entries.n;
}

KX_EXPORT const struct kexport_diff_entry *kexport_diff_get(const struct kexport_diff *d, size_t i)
{
	return i < d->entries.n ? &((const struct kexport_diff_entry *)d->entries.items)[i] : NULL;
}

KX_EXPORT size_t kexport_diff_module_count(const struct kexport_diff *d)
{
	return d->modules.n;
}

KX_EXPORT const struct kexport_diff_module *kexport_diff_module_get(const struct kexport_diff *d,
                                                                   size_t i)
{
	return i < d->modules.n ? &((const struct kexport_diff_module *)d->modules.items)[i] : NULL;
}

KX_EXPORT size_t kexport_diff_class_count(const struct kexport_diff *d, unsigned change)
{
	size_t n = 0;
	const struct kexport_diff_entry *e = d->entries.items;
	for (size_t i = 0; i < d->entries.n; i++)
		n += (e[i].changes & change) != 0;
	const struct kexport_diff_module *m = d->modules.items;
	for (size_t i = 0; i < d->modules.n; i++)
		n += (m[i].changes & change) != 0;
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted copy of a list of names (the pointers only). */
static const char **sorted(const char *const *v, size_t n)
{
	const char **s = malloc((n ? n : 1) * sizeof(*s));
	if (!s)
		return NULL;
	if (n)
		memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_str);
	return s;
}

static int push_module(struct kexport_diff *d, const char *owner, unsigned change)
{
	struct kexport_diff_module *m = kx_vec_push(&d->modules);
	if (!m || !(m->owner = kx_arena_strdup(&d->arena, owner)))
		return -ENOMEM;
	m->changes = change;
	return 0;
}

KX_EXPORT int kexport_diff_set_modules(struct kexport_diff *d, const char *const *before,
                                       size_t n_before, const char *const *after, size_t n_after)
{
	const char **a = sorted(before, n_before), **b = sorted(after, n_after);
	int r = a && b ? 0 : -ENOMEM;
	d->modules.n = 0;
	/* Merge the two sorted lists; duplicates within one list count once. */
	size_t i = 0, j = 0;
	while (r == 0 && (i < n_before || j < n_after)) {
		int c = i == n_before ? 1 : j == n_after ? -1 : strcmp(a[i], b[j]);
		if (c < 0)
			r = push_module(d, a[i], KEXPORT_CHANGE_MODULE_REMOVED);
		else if (c > 0)
			r = push_module(d, b[j], KEXPORT_CHANGE_MODULE_ADDED);
		const char *cur = c <= 0 ? a[i] : b[j];
		if (c <= 0)
			while (i < n_before && strcmp(a[i], cur) == 0)
				i++;
		if (c >= 0)
			while (j < n_after && strcmp(b[j], cur) == 0)
				j++;
	}
	free(a);
	free(b);
	return r;
}

KX_EXPORT size_t kexport_diff_judge(struct kexport_diff *d, const struct kexport_symlist *stable,
                                    const struct kexport_severity *rules)
{
	size_t n_failing = 0;
	struct kexport_diff_entry *e = d->entries.items;
	for (size_t i = 0; i < d->entries.n; i++) {
		e[i].failing = false;
		e[i].judged_by = KEXPORT_JUDGED_NONE;
		e[i].rule = NULL;
		e[i].rule_line = 0;
		if (!(e[i].changes & KEXPORT_CHANGE_BREAKING))
			continue;
		if (stable && kexport_symlist_has(stable, e[i].name)) {
			e[i].failing = true;
			e[i].judged_by = KEXPORT_JUDGED_STABLELIST;
		} else if (rules) {
			/* SUSE's rules look at the old export: its owner and namespace. */
			int v = kexport_severity_match(rules, e[i].before, &e[i].rule, &e[i].rule_line);
			if (v >= 0) {
				e[i].failing = v == 1;
				e[i].judged_by = KEXPORT_JUDGED_RULE;
			} else if (!stable) {
				e[i].failing = true;
				e[i].judged_by = KEXPORT_JUDGED_DEFAULT;
			}
		} else if (!stable) {
			e[i].failing = true;
			e[i].judged_by = KEXPORT_JUDGED_DEFAULT;
		}
		n_failing += e[i].failing;
	}
	return n_failing;
}

KX_EXPORT int kexport_list_modules(struct kexport_ctx *ctx, const char *dir, char ***owners,
                                   size_t *n)
{
	char **paths;
	size_t np;
	*owners = NULL;
	*n = 0;
	int r = kx_walk_modules(ctx, dir, &paths, &np);
	if (r < 0)
		return r;
	char **o = calloc(np ? np : 1, sizeof(*o));
	if (!o) {
		kx_free_paths(paths, np);
		return -ENOMEM;
	}
	for (size_t i = 0; i < np; i++)
		if (!(o[i] = kx_module_owner(paths[i], dir))) {
			kx_free_paths(paths, np);
			kexport_strings_free(o, i);
			return -ENOMEM;
		}
	kx_free_paths(paths, np);
	qsort(o, np, sizeof(*o), cmp_str);
	*owners = o;
	*n = np;
	return 0;
}

KX_EXPORT void kexport_strings_free(char **s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}
