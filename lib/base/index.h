/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's one hash index: names to values, open addressing with
 * linear probing on kx_hash(), at most three quarters full.
 *
 * A slot holds the value (a pointer the user owns, e.g. an export), the
 * name's hash (probes past other names compare 32 bits, not strings) and
 * an item number the user gives (e.g. an index into its own array, + 1; 0
 * marks an empty slot).  The name is not stored: each user says where a
 * value's name is (`key`), and as the functions are inline that costs no
 * call.  So a slot is 16 bytes and a hit touches the slot and the value,
 * whose name the users keep beside it (the export table's lookups are most
 * of a verdict run).
 *
 * Users: the export table (model/table.c), the loader's loaded exports
 * (loader/loader.c), a kernel's configuration (read/kernel.c), the owner
 * index of a judged corpus (views/judge.c) and the history's string maps
 * (history/store.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct kx_index_slot {
	const void *val;
	uint32_t hash;
	uint32_t item; /* the user's number, + 1; 0: empty */
};

struct kx_index {
	struct kx_index_slot *slots;
	size_t n_slots; /* a power of two, or 0 */
	size_t n;       /* slots in use */
};

/* Where a value's name is. */
typedef const char *(*kx_index_key_fn)(const void *val);

uint32_t kx_hash(const char *s);

/* The slot holding `name`, or the empty one where it would go.  The index
 * must have slots (kx_index_reserve()). */
static inline struct kx_index_slot *kx_index_slot(const struct kx_index *x, const char *name,
                                                  uint32_t hash, kx_index_key_fn key)
{
	size_t mask = x->n_slots - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct kx_index_slot *s = &x->slots[i];
		if (s->item == 0 || (s->hash == hash && strcmp(key(s->val), name) == 0))
			return s;
	}
}

/* The slot of `name`, or NULL. */
static inline const struct kx_index_slot *kx_index_find(const struct kx_index *x, const char *name,
                                                        uint32_t hash, kx_index_key_fn key)
{
	if (!x->n_slots)
		return NULL;
	const struct kx_index_slot *s = kx_index_slot(x, name, hash, key);
	return s->item ? s : NULL;
}

/* Room for `n` names without passing three quarters full: 0, or -ENOMEM
 * (the index unchanged).  Slots are placed again by their stored hashes. */
int kx_index_reserve(struct kx_index *x, size_t n);

/*
 * Put `val` (its name `name`, hashed `hash`) with the user's number `item`
 * (>= 1): a new slot, or the slot of the same name, replaced.  *old (may be
 * NULL) is the value replaced, or NULL.  0, or -ENOMEM.
 */
static inline int kx_index_put(struct kx_index *x, const char *name, uint32_t hash,
                               const void *val, uint32_t item, kx_index_key_fn key,
                               const void **old)
{
	if (old)
		*old = NULL;
	if ((x->n + 1) * 4 > x->n_slots * 3 && kx_index_reserve(x, x->n + 1) < 0)
		return -12; /* ENOMEM, without errno.h in every user */
	struct kx_index_slot *s = kx_index_slot(x, name, hash, key);
	if (s->item) {
		if (old)
			*old = s->val;
	} else {
		x->n++;
	}
	*s = (struct kx_index_slot){ val, hash, item };
	return 0;
}

/* Take `name` out (its slot emptied, the probe run closed up behind it, as
 * Knuth's algorithm R does); its value, or NULL when it was not there. */
const void *kx_index_del(struct kx_index *x, const char *name, uint32_t hash,
                         kx_index_key_fn key);

/* Every slot empty, the slots kept. */
void kx_index_clear(struct kx_index *x);
void kx_index_free(struct kx_index *x);
