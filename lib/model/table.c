/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The export table: every reader adds to one, every command reads one.
 * An open-addressing hash on the name finds entries; conflicts between
 * sources are kept, not dropped, so commands can show them.
 */
#include "libkexport-internal.h"

/* The name index (base/index.h): a slot's value is the export, its item the
 * export's index + 1.  The export is reached straight from the slot, and
 * copy_export() puts its name right after it, so a hit costs the slot's
 * cache line and the export's, not the item array's and the name's too (a
 * verdict run looks up 200,000 names). */
static const char *export_key(const void *e)
{
	return ((const struct kexport_export *)e)->name;
}

struct kexport_table {
	struct kexport_ctx *ctx;       /* its readers report through it */
	struct kx_arena arena;
	struct kexport_export **items; /* stable pointers, insertion or name order */
	size_t n, cap;
	struct kx_index index;         /* names to exports */
	struct kexport_conflict *conflicts;
	size_t n_conflicts, cap_conflicts;
	/* The last source, owner and namespace copied: readers add thousands
	 * of exports from one file, module by module, and runs of equal strings
	 * share one copy. */
	const char *last_source, *last_owner, *last_ns;
};

static const char *const kind_names[KEXPORT_KIND_COUNT] = {
	[KEXPORT_KIND_PLAIN] = "EXPORT_SYMBOL",
	[KEXPORT_KIND_GPL] = "EXPORT_SYMBOL_GPL",
	[KEXPORT_KIND_GPL_FUTURE] = "EXPORT_SYMBOL_GPL_FUTURE",
	[KEXPORT_KIND_UNUSED] = "EXPORT_UNUSED_SYMBOL",
	[KEXPORT_KIND_UNUSED_GPL] = "EXPORT_UNUSED_SYMBOL_GPL",
};

static const char *const kind_short[KEXPORT_KIND_COUNT] = {
	[KEXPORT_KIND_PLAIN] = "plain",   [KEXPORT_KIND_GPL] = "gpl",
	[KEXPORT_KIND_GPL_FUTURE] = "gpl_future", [KEXPORT_KIND_UNUSED] = "unused",
	[KEXPORT_KIND_UNUSED_GPL] = "unused_gpl",
};

KX_EXPORT const char *kexport_kind_name(enum kexport_kind kind)
{
	return (unsigned)kind < KEXPORT_KIND_COUNT ? kind_names[kind] : "(unknown)";
}

KX_EXPORT const char *kexport_kind_short(enum kexport_kind kind)
{
	return (unsigned)kind < KEXPORT_KIND_COUNT ? kind_short[kind] : "unknown";
}

KX_EXPORT int kexport_kind_parse(const char *s, size_t len, enum kexport_kind *kind)
{
	for (unsigned k = 0; k < KEXPORT_KIND_COUNT; k++)
		if (strlen(kind_names[k]) == len && memcmp(kind_names[k], s, len) == 0) {
			*kind = (enum kexport_kind)k;
			return 0;
		}
	return -EINVAL;
}

KX_EXPORT bool kexport_kind_gpl_only(enum kexport_kind kind)
{
	return kind == KEXPORT_KIND_GPL || kind == KEXPORT_KIND_UNUSED_GPL;
}

KX_EXPORT int kexport_table_new(struct kexport_ctx *ctx, struct kexport_table **table)
{
	if (!ctx)
		return -EINVAL;
	struct kexport_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ctx = ctx;
	*table = t;
	return 0;
}

struct kexport_ctx *kx_table_ctx(const struct kexport_table *t)
{
	return t->ctx;
}

KX_EXPORT void kexport_table_free(struct kexport_table *t)
{
	if (!t)
		return;
	kx_arena_free(&t->arena);
	free(t->items);
	kx_index_free(&t->index);
	free(t->conflicts);
	free(t);
}

/* Room for n exports without growing the hash (readers that know their line count). */
int kx_table_reserve(struct kexport_table *t, size_t n)
{
	if (kx_index_reserve(&t->index, n > 768 ? n : 768) < 0)
		return -ENOMEM;
	if (n > t->cap) {
		void *p = realloc(t->items, n * sizeof(*t->items));
		if (!p)
			return -ENOMEM;
		kx_prefault(p, n * sizeof(*t->items));
		t->items = p;
		t->cap = n;
	}
	return 0;
}

static const char *intern(struct kexport_table *t, const char **last, const char *s)
{
	if (!s || !s[0])
		return "";
	if (*last && (*last == s || strcmp(*last, s) == 0))
		return *last;
	const char *c = kx_arena_strdup(&t->arena, s);
	if (c)
		*last = c;
	return c;
}

/* A copy of e whose strings live in the table's arena; NULL on ENOMEM. */
static struct kexport_export *copy_export(struct kexport_table *t, const struct kexport_export *e)
{
	struct kexport_export *c = kx_arena_alloc(&t->arena, sizeof(*c));
	if (!c)
		return NULL;
	*c = *e;
	c->name = kx_arena_strdup(&t->arena, e->name);
	c->ns = intern(t, &t->last_ns, e->ns);
	c->owner = intern(t, &t->last_owner, e->owner);
	c->source = intern(t, &t->last_source, e->source);
	return c->name && c->ns && c->owner && c->source ? c : NULL;
}

static int add_conflict(struct kexport_table *t, const struct kexport_export *kept,
                        const struct kexport_export *e, const char *what)
{
	if (t->n_conflicts == t->cap_conflicts) {
		size_t cap = t->cap_conflicts ? t->cap_conflicts * 2 : 16;
		void *p = realloc(t->conflicts, cap * sizeof(*t->conflicts));
		if (!p)
			return -ENOMEM;
		t->conflicts = p;
		t->cap_conflicts = cap;
	}
	struct kexport_export *copy = copy_export(t, e);
	if (!copy)
		return -ENOMEM;
	t->conflicts[t->n_conflicts++] = (struct kexport_conflict){ kept, copy, what };
	return 2;
}

/*
 * Two owner names mean the same module when one is a path and the other its
 * base name (kallsyms knows "usb_storage", Module.symvers
 * "drivers/usb/storage/usb-storage"): compare base names with '-' as '_'.
 */
bool kx_same_owner(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return true;
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	if (sa && sb)
		return false; /* two full paths that differ */
	a = sa ? sa + 1 : a;
	b = sb ? sb + 1 : b;
	for (; *a && *b; a++, b++) {
		char ca = *a == '-' ? '_' : *a, cb = *b == '-' ? '_' : *b;
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

KX_EXPORT int kexport_table_add(struct kexport_table *t, const struct kexport_export *e)
{
	if ((t->index.n + 1) * 4 > t->index.n_slots * 3 &&
	    kx_index_reserve(&t->index, t->index.n_slots ? t->index.n + 1 : 768) < 0)
		return -ENOMEM;
	uint32_t hash = kx_hash(e->name);
	struct kx_index_slot *slot = kx_index_slot(&t->index, e->name, hash, export_key);
	if (slot->item) {
		struct kexport_export *old = t->items[slot->item - 1];
		const char *owner = e->owner ? e->owner : "";
		if (!kx_same_owner(old->owner, owner))
			return add_conflict(t, old, e, "owner");
		if ((e->known & old->known & KEXPORT_KNOWN_KIND) && e->kind != old->kind)
			return add_conflict(t, old, e, "kind");
		if ((e->known & old->known & KEXPORT_KNOWN_NS) && strcmp(e->ns ? e->ns : "", old->ns))
			return add_conflict(t, old, e, "namespace");
		if ((e->known & old->known & KEXPORT_KNOWN_CRC) && e->crc != old->crc)
			return add_conflict(t, old, e, "crc");
		/* Same export: fill in what the new source knows and the old did not. */
		if ((e->known & KEXPORT_KNOWN_KIND) && !(old->known & KEXPORT_KNOWN_KIND))
			old->kind = e->kind;
		if ((e->known & KEXPORT_KNOWN_NS) && !(old->known & KEXPORT_KNOWN_NS) &&
		    !(old->ns = kx_arena_strdup(&t->arena, e->ns ? e->ns : "")))
			return -ENOMEM;
		if ((e->known & KEXPORT_KNOWN_CRC) && !(old->known & KEXPORT_KNOWN_CRC))
			old->crc = e->crc;
		/* Prefer the full path as owner name. */
		if (strchr(owner, '/') && !strchr(old->owner, '/') &&
		    !(old->owner = kx_arena_strdup(&t->arena, owner)))
			return -ENOMEM;
		old->known |= e->known;
		return 1;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		void *p = realloc(t->items, cap * sizeof(*t->items));
		if (!p)
			return -ENOMEM;
		t->items = p;
		t->cap = cap;
	}
	struct kexport_export *c = copy_export(t, e);
	if (!c)
		return -ENOMEM;
	t->items[t->n++] = c;
	*slot = (struct kx_index_slot){ c, hash, (uint32_t)t->n };
	t->index.n++;
	return 0;
}

/*
 * kexport_table_add_modules(): adding an export the table has already from
 * the same owner, knowing nothing the table does not, changes nothing, and
 * that is every export of a tree checked against its own Module.symvers.
 * So the exports are looked up first, module by module on every CPU, and
 * only the others are added, one by one in order.  Those lookups are
 * exact: an earlier add can only fill in fields of an entry or give it its
 * owner's full path, and an export equal to the entry before stays equal
 * (or same-owner) after.
 */
struct add_modules {
	const struct kexport_table *t;
	struct kexport_module *const *mods;
	const size_t *first;   /* first[i]: index of mods[i]'s first export in `add` */
	unsigned char *add;    /* per export: 1 when kexport_table_add() must see it */
};

static bool adds_nothing(const struct kexport_export *old, const struct kexport_export *e)
{
	if (!old || (e->known & ~old->known) || strcmp(old->owner, e->owner ? e->owner : "") != 0)
		return false;
	return (!(e->known & KEXPORT_KNOWN_KIND) || e->kind == old->kind) &&
	       (!(e->known & KEXPORT_KNOWN_NS) || strcmp(e->ns ? e->ns : "", old->ns) == 0) &&
	       (!(e->known & KEXPORT_KNOWN_CRC) || e->crc == old->crc);
}

static void find_module_exports(size_t i, void *arg)
{
	struct add_modules *am = arg;
	const struct kexport_module *m = am->mods[i];
	enum { BATCH = 64 };
	uint32_t hashes[BATCH];
	const struct kexport_export *found[BATCH];
	for (size_t at = 0; at < m->n_exports; at += BATCH) {
		size_t n = m->n_exports - at < BATCH ? m->n_exports - at : BATCH;
		const struct kexport_export *e = m->exports + at;
		for (size_t k = 0; k < n; k++)
			hashes[k] = kx_hash(e[k].name);
		kx_table_find_many(am->t, &e->name, sizeof(*e), hashes, n, found);
		for (size_t k = 0; k < n; k++)
			am->add[am->first[i] + at + k] = !adds_nothing(found[k], &e[k]);
	}
}

KX_EXPORT int kexport_table_add_modules(const struct kexport_ctx *ctx, struct kexport_table *t,
                                        struct kexport_module *const *mods, size_t n)
{
	size_t *first = malloc((n + 1) * sizeof(*first));
	if (!first)
		return -ENOMEM;
	first[0] = 0;
	for (size_t i = 0; i < n; i++)
		first[i + 1] = first[i] + mods[i]->n_exports;
	struct add_modules am = { t, mods, first, malloc(first[n] ? first[n] : 1) };
	int r = 0;
	if (!am.add) {
		free(first);
		return -ENOMEM;
	}
	kx_parallel_for(ctx, n, find_module_exports, &am);
	for (size_t i = 0; i < n && r == 0; i++)
		for (size_t k = 0; k < mods[i]->n_exports; k++)
			if (am.add[first[i] + k] && kexport_table_add(t, &mods[i]->exports[k]) < 0) {
				r = -ENOMEM;
				break;
			}
	free(am.add);
	free(first);
	return r;
}

KX_EXPORT size_t kexport_table_count(const struct kexport_table *t)
{
	return t->n;
}

KX_EXPORT const struct kexport_export *kexport_table_get(const struct kexport_table *t, size_t i)
{
	return i < t->n ? t->items[i] : NULL;
}

KX_EXPORT const struct kexport_export *kexport_table_find(const struct kexport_table *t,
                                                          const char *name)
{
	const struct kx_index_slot *s = kx_index_find(&t->index, name, kx_hash(name), export_key);
	return s ? s->val : NULL;
}

/*
 * n lookups at once: the name at base + i * stride (the name member of an
 * array of structs), hashed hashes[i].  A lookup is two
 * cache misses (the slot, then the export and its name) and one after the
 * other they are most of a verdict run's time.  So the slot of a name is
 * fetched AHEAD lookups early, its export AHEAD / 2 early, and the compare
 * finds both in cache.
 */
#define FIND_AHEAD 8

void kx_table_find_many(const struct kexport_table *t, const void *base, size_t stride,
                        const uint32_t *hashes, size_t n, const struct kexport_export **out)
{
	const struct kx_index *x = &t->index;
	if (!x->n_slots) {
		for (size_t i = 0; i < n; i++)
			out[i] = NULL;
		return;
	}
	size_t mask = x->n_slots - 1;
	for (size_t i = 0; i < n + FIND_AHEAD; i++) {
		if (i < n)
			__builtin_prefetch(&x->slots[hashes[i] & mask]);
		if (i >= FIND_AHEAD / 2 && i - FIND_AHEAD / 2 < n) {
			const struct kx_index_slot *s = &x->slots[hashes[i - FIND_AHEAD / 2] & mask];
			if (s->item) {
				__builtin_prefetch(s->val);
				__builtin_prefetch((const char *)s->val + 64);
			}
		}
		if (i >= FIND_AHEAD) {
			size_t k = i - FIND_AHEAD;
			const char *name = *(const char *const *)((const char *)base + k * stride);
			const struct kx_index_slot *s = kx_index_slot(x, name, hashes[k], export_key);
			out[k] = s->item ? s->val : NULL;
		}
	}
}

static int cmp_export_name(const void *a, const void *b)
{
	const struct kexport_export *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

KX_EXPORT void kexport_table_sort(struct kexport_table *t)
{
	if (t->n > 1)
		qsort(t->items, t->n, sizeof(*t->items), cmp_export_name);
	/* The slots hold indexes: give each its export's new one. */
	for (size_t i = 0; i < t->n; i++) {
		const char *name = t->items[i]->name;
		struct kx_index_slot *s = kx_index_slot(&t->index, name, kx_hash(name), export_key);
		s->item = (uint32_t)(i + 1);
	}
}

KX_EXPORT size_t kexport_table_conflict_count(const struct kexport_table *t)
{
	return t->n_conflicts;
}

KX_EXPORT const struct kexport_conflict *kexport_table_conflict(const struct kexport_table *t,
                                                                size_t i)
{
	return i < t->n_conflicts ? &t->conflicts[i] : NULL;
}
