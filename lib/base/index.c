/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hash index's growing and deleting (the lookups are inline in
 * index.h).
 */
#include "libkexport-internal.h"

int kx_index_reserve(struct kx_index *x, size_t n)
{
	size_t want = x->n_slots ? x->n_slots : 16;
	while (n * 4 > want * 3)
		want *= 2;
	if (want == x->n_slots)
		return 0;
	struct kx_index_slot *slots = calloc(want, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	if (want >= 4096)
		kx_prefault(slots, want * sizeof(*slots)); /* every page is touched: fault them at once */
	size_t mask = want - 1;
	for (size_t i = 0; i < x->n_slots; i++) {
		if (!x->slots[i].item)
			continue;
		size_t j = x->slots[i].hash & mask;
		while (slots[j].item)
			j = (j + 1) & mask;
		slots[j] = x->slots[i];
	}
	free(x->slots);
	x->slots = slots;
	x->n_slots = want;
	return 0;
}

const void *kx_index_del(struct kx_index *x, const char *name, uint32_t hash, kx_index_key_fn key)
{
	if (!x->n_slots)
		return NULL;
	struct kx_index_slot *s = kx_index_slot(x, name, hash, key);
	if (!s->item)
		return NULL;
	const void *val = s->val;
	size_t mask = x->n_slots - 1;
	size_t hole = (size_t)(s - x->slots);
	/* Close up: a later slot of the run moves into the hole unless its home
	 * lies cyclically in (hole, j]. */
	for (size_t j = (hole + 1) & mask; x->slots[j].item; j = (j + 1) & mask) {
		size_t home = x->slots[j].hash & mask;
		bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
		if (stays)
			continue;
		x->slots[hole] = x->slots[j];
		hole = j;
	}
	x->slots[hole] = (struct kx_index_slot){ NULL, 0, 0 };
	x->n--;
	return val;
}

void kx_index_clear(struct kx_index *x)
{
	if (x->n_slots)
		memset(x->slots, 0, x->n_slots * sizeof(*x->slots));
	x->n = 0;
}

void kx_index_free(struct kx_index *x)
{
	free(x->slots);
	memset(x, 0, sizeof(*x));
}
