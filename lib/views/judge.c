/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Judging a corpus: every module against one loader, as modprobe would
 * load them (an owner's refusal or taint carried to its importers), on the
 * context's threads.  Used by audit, and twice by whatif: the second pass
 * reuses the first pass's verdicts of the modules an edit cannot have
 * changed.
 */
#include <stdatomic.h>

#include "libkexport-internal.h"

/* A first-pass check of module `from` asked about owner `to`. */
struct judge_edge {
	size_t from, to;
};

struct kexport_judge {
	struct kexport_ctx *ctx;
	struct kexport_loader *loader;
	struct kexport_module *const *mods;
	size_t n;
	struct kx_index owners;         /* owner_index() of mods */
	unsigned flags;
	/*
	 * A second pass: `before` is the first pass (run with record_owners),
	 * `touched[i]` set for the modules importing or exporting an edited
	 * symbol.  Any other module is judged again only when a module owning
	 * one of its imports changed verdict (loads, or taint); otherwise it
	 * keeps the first pass's verdict.
	 */
	const struct kexport_judge *before;
	const unsigned char *touched;
	/* record which owners each module's verdict asked about (what a second
	 * pass needs) */
	bool record_owners;
	/* results */
	struct kexport_verdict **verdicts;
	unsigned char *state;           /* 0 not yet, 1 in progress, 2 judged, 3 reused */
	struct judge_edge *edges;       /* with record_owners: sorted by from */
	size_t n_edges;
	bool speculate;                 /* first pass, first round: every owner loads */
	bool ran;
	atomic_bool oom;
	/* the workers: the next module, and their edges gathered */
	atomic_size_t next;
	pthread_mutex_t lock;
	struct judge_edge *all;
	size_t n_all, cap_all;
};

/* The owner index (base/index.h): a module by its owner name; the first of
 * two modules with one owner name wins.  It was a sorted array searched
 * with strcmp(): sorting 4,000 paths cost audit 1 ms on one CPU, between
 * the reading and the verdicts. */
static const char *module_owner(const void *m)
{
	return ((const struct kexport_module *)m)->owner;
}

static int owner_index(struct kx_index *x, struct kexport_module *const *mods, size_t n)
{
	if (kx_index_reserve(x, n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t h = kx_hash(mods[i]->owner);
		struct kx_index_slot *s = kx_index_slot(x, mods[i]->owner, h, module_owner);
		if (!s->item) {
			*s = (struct kx_index_slot){ mods[i], h, (uint32_t)(i + 1) };
			x->n++;
		}
	}
	return 0;
}

static void verdict_of(struct kexport_judge *j, size_t i);

static long owner_of(const struct kexport_judge *j, const char *owner)
{
	const struct kx_index_slot *s = kx_index_find(&j->owners, owner, kx_hash(owner), module_owner);
	return s ? (long)s->item - 1 : -1;
}

/*
 * Which owners a first-pass check asked about: module -> owner.  Each
 * worker keeps its own list; the check being run is the thread's.
 */
struct edges {
	struct judge_edge *items;
	size_t n, cap;
	bool oom;
};
static _Thread_local size_t cur_module;
static _Thread_local struct edges *cur_edges;

static void edge_add(struct edges *e, size_t from, size_t to)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 256;
		void *p = realloc(e->items, cap * sizeof(*e->items));
		if (!p) {
			e->oom = true;
			return;
		}
		e->items = p;
		e->cap = cap;
	}
	e->items[e->n++] = (struct judge_edge){ from, to };
}

/* The loader asks: would the module owning this export load, and with which taint? */
static int owner_taint(void *data, const char *owner, unsigned long *taint)
{
	struct kexport_judge *j = data;
	long i = owner_of(j, owner);
	*taint = 0;
	if (i < 0)
		return 0; /* from the kernel's table only: an in-tree module, untainted */
	if (j->speculate) {
		edge_add(cur_edges, cur_module, (size_t)i);
		return 0;
	}
	if (j->state[i] == 1)
		return 0; /* a dependency cycle: modprobe would fail earlier; do not recurse */
	verdict_of(j, (size_t)i);
	if (!j->verdicts[i])
		return 0;
	*taint = j->verdicts[i]->module_taint;
	return j->verdicts[i]->loads ? 0 : -1;
}

static bool same_outcome(const struct kexport_verdict *a, const struct kexport_verdict *b)
{
	if (!a || !b)
		return a == b;
	return a->loads == b->loads && a->module_taint == b->module_taint;
}

/*
 * Second pass: did a module the first pass's check of i asked about (the
 * owners of its imports, as far as the loader got, assuming each loads)
 * change what the loader learns from it: whether it loads, its taint?
 * Those owners are judged first, so a change runs down dependency chains of
 * any length.  If none did, and no import of i was edited, the loader sees
 * the same facts and gives the same verdict.
 */
static bool owners_changed(struct kexport_judge *j, size_t i)
{
	const struct kexport_judge *b = j->before;
	size_t lo = 0, hi = b->n_edges;
	while (lo < hi) { /* the first edge from i (edges sorted by from) */
		size_t mid = (lo + hi) / 2;
		if (b->edges[mid].from < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < b->n_edges && b->edges[k].from == i; k++) {
		size_t o = b->edges[k].to;
		if (o == i || j->state[o] == 1)
			continue;
		verdict_of(j, o);
		if (!same_outcome(j->verdicts[o], b->verdicts[o]))
			return true;
	}
	return false;
}

static void verdict_of(struct kexport_judge *j, size_t i)
{
	if (j->state[i])
		return;
	j->state[i] = 1;
	if (j->before && !j->touched[i] && !owners_changed(j, i)) {
		j->verdicts[i] = j->before->verdicts[i];
		j->state[i] = 3;
		return;
	}
	if (kexport_loader_check(j->loader, j->mods[i], j->flags, &j->verdicts[i]) < 0)
		j->oom = true; /* only ever set to true */
	j->state[i] = 2;
}

/*
 * First pass.  Owners' verdicts feed their importers (owner_taint()), which
 * would make the exporting modules a serial chain.  Instead every module is
 * checked at once on every CPU assuming each owner loads untainted, as
 * nearly all do, and the checks say which owners they asked about.  Then
 * the modules that asked about an owner that is refused or tainted, and
 * whoever asked about those, are checked again one at a time, owners first,
 * with the owners' real verdicts.  The loader is not changed by a check.
 *
 * Second pass (before set): the exporting modules first, one at a time
 * (their verdicts feed their importers, recursively); then the rest, which
 * only read those, on every CPU.  Most keep the first pass's verdict.
 */
/* One worker's loop; the workers' edges are gathered into j->all when each ends. */
static void verdict_worker(void *arg)
{
	struct kexport_judge *j = arg;
	struct edges mine = { NULL, 0, 0, false };
	cur_edges = &mine;
	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);
		if (i >= j->n)
			break;
		if (j->before) {
			verdict_of(j, i);
			continue;
		}
		struct kexport_verdict *v = NULL;
		cur_module = i;
		if (kexport_loader_check(j->loader, j->mods[i], j->flags, &v) < 0)
			j->oom = true; /* only ever set to true */
		j->verdicts[i] = v;
		j->state[i] = 2;
	}
	cur_edges = NULL;
	pthread_mutex_lock(&j->lock);
	if (mine.oom)
		j->oom = true;
	if (mine.n) {
		if (j->n_all + mine.n > j->cap_all) {
			size_t cap = (j->n_all + mine.n) * 2;
			struct judge_edge *p = realloc(j->all, cap * sizeof(*p));
			if (p) {
				j->all = p;
				j->cap_all = cap;
			}
		}
		if (j->n_all + mine.n <= j->cap_all) {
			memcpy(j->all + j->n_all, mine.items, mine.n * sizeof(*mine.items));
			j->n_all += mine.n;
		} else {
			j->oom = true;
		}
	}
	pthread_mutex_unlock(&j->lock);
	free(mine.items);
}

static int cmp_edge_from(const void *x, const void *y)
{
	const struct judge_edge *a = x, *b = y;
	return a->from < b->from ? -1 : a->from > b->from ? 1 : a->to < b->to ? -1 : a->to > b->to;
}

/* The first pass's recheck: modules whose assumption may not hold. */
static bool first_pass_wrong(const struct kexport_judge *j, size_t i)
{
	return j->verdicts[i] && (!j->verdicts[i]->loads || j->verdicts[i]->module_taint);
}

static void recheck(struct kexport_judge *j, struct judge_edge *e, size_t n_edges)
{
	size_t first;
	for (first = 0; first < n_edges && !first_pass_wrong(j, e[first].to); first++)
		;
	if (first == n_edges)
		return; /* nobody asked about an owner that is refused or tainted */
	/* Who asked about each owner: the edges grouped by owner, counted
	 * into place (askers[start[o]..start[o + 1]) asked about o). */
	unsigned char *mark = calloc(j->n, 1);
	size_t *queue = malloc(j->n * sizeof(*queue)), head = 0, tail = 0;
	size_t *start = calloc(j->n + 1, sizeof(*start));
	size_t *askers = malloc((n_edges ? n_edges : 1) * sizeof(*askers));
	if (!mark || !queue || !start || !askers) {
		j->oom = true;
		free(mark);
		free(queue);
		free(start);
		free(askers);
		return;
	}
	for (size_t k = 0; k < n_edges; k++)
		start[e[k].to + 1]++;
	for (size_t i = 0; i < j->n; i++)
		start[i + 1] += start[i];
	for (size_t k = 0; k < n_edges; k++) /* start[o] runs to start[o + 1] as o's fill */
		askers[start[e[k].to]++] = e[k].from;
	for (size_t i = j->n; i > 0; i--) /* and back */
		start[i] = start[i - 1];
	start[0] = 0;
	/* Start from the owners that are refused or tainted; whoever asked
	 * about one is rechecked, and counts as changed itself (transitively). */
	for (size_t i = 0; i < j->n; i++)
		if (first_pass_wrong(j, i)) {
			mark[i] = 1;
			queue[tail++] = i;
		}
	while (head < tail) {
		size_t owner = queue[head++];
		for (size_t k = start[owner]; k < start[owner + 1]; k++)
			if (mark[askers[k]] != 2) {
				if (!mark[askers[k]])
					queue[tail++] = askers[k];
				mark[askers[k]] = 2;
			}
	}
	free(start);
	free(askers);
	for (size_t i = 0; i < j->n; i++)
		if (mark[i] == 2) {
			kexport_verdict_free(j->verdicts[i]);
			j->verdicts[i] = NULL;
			j->state[i] = 0;
		}
	for (size_t i = 0; i < j->n; i++)
		if (mark[i] == 2)
			verdict_of(j, i);
	free(mark);
	free(queue);
}

/* Every module not judged yet, on the context's threads; their edges in j->all. */
static void run_workers(struct kexport_judge *j)
{
	atomic_store(&j->next, 0);
	j->n_all = 0;
	struct kx_team team;
	kx_team_init(&team, verdict_worker, j);
	kx_team_start(j->ctx, &team);
	kx_team_finish(&team);
}

KX_EXPORT int kexport_judge_run(struct kexport_judge *j)
{
	if (j->ran)
		return -EINVAL;
	j->ran = true;
	kexport_loader_set_owner_fn(j->loader, owner_taint, j);
	if (j->before) {
		/* the serial verdicts too from this thread's slab, as the workers' */
		kexport_thread_begin();
		for (size_t i = 0; i < j->n; i++)
			if (j->mods[i]->n_exports)
				verdict_of(j, i);
		kexport_thread_end();
		run_workers(j);
		return j->oom ? -ENOMEM : 0;
	}
	j->speculate = true;
	run_workers(j);
	j->speculate = false;
	struct judge_edge *all = j->all;
	size_t n_edges = j->n_all;
	j->all = NULL;
	j->n_all = j->cap_all = 0;
	if (!j->oom && j->record_owners) {
		/* kept for a second pass, which looks them up by module */
		j->edges = malloc((n_edges ? n_edges : 1) * sizeof(*all));
		if (!j->edges)
			j->oom = true;
		else
			memcpy(j->edges, all, n_edges * sizeof(*all));
		j->n_edges = n_edges;
	}
	if (!j->oom) {
		kexport_thread_begin();
		recheck(j, all, n_edges);
		kexport_thread_end();
	}
	if (j->edges)
		qsort(j->edges, j->n_edges, sizeof(*j->edges), cmp_edge_from);
	free(all);
	return j->oom ? -ENOMEM : 0;
}

KX_EXPORT size_t kexport_judge_checked(const struct kexport_judge *j)
{
	size_t n = 0;
	for (size_t i = 0; i < j->n; i++)
		n += j->state[i] == 2;
	return n;
}

KX_EXPORT int kexport_judge_new(struct kexport_ctx *ctx, struct kexport_loader *loader,
                                struct kexport_module *const *mods, size_t n, unsigned flags,
                                struct kexport_judge **out)
{
	*out = NULL;
	struct kexport_judge *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->ctx = ctx;
	j->loader = loader;
	j->mods = mods;
	j->n = n;
	j->flags = flags;
	atomic_init(&j->oom, false);
	atomic_init(&j->next, 0);
	pthread_mutex_init(&j->lock, NULL);
	j->verdicts = calloc(n ? n : 1, sizeof(*j->verdicts));
	j->state = calloc(n ? n : 1, 1);
	if (owner_index(&j->owners, mods, n) < 0 || !j->verdicts || !j->state) {
		kexport_judge_free(j);
		return -ENOMEM;
	}
	*out = j;
	return 0;
}

KX_EXPORT void kexport_judge_record_owners(struct kexport_judge *j)
{
	j->record_owners = true;
}

KX_EXPORT int kexport_judge_set_before(struct kexport_judge *j, const struct kexport_judge *before,
                                       const unsigned char *touched)
{
	if (!before || !touched || before->n != j->n || before->mods != j->mods ||
	    !before->record_owners || !before->ran || j->ran)
		return -EINVAL;
	j->before = before;
	j->touched = touched;
	return 0;
}

KX_EXPORT const struct kexport_verdict *kexport_judge_verdict(const struct kexport_judge *j,
                                                              size_t i)
{
	return i < j->n ? j->verdicts[i] : NULL;
}

KX_EXPORT void kexport_judge_free(struct kexport_judge *j)
{
	if (!j)
		return;
	for (size_t i = 0; j->verdicts && j->state && i < j->n; i++)
		if (j->state[i] != 3)
			kexport_verdict_free(j->verdicts[i]);
	free(j->edges);
	free(j->all);
	free(j->verdicts);
	free(j->state);
	kx_index_free(&j->owners);
	pthread_mutex_destroy(&j->lock);
	free(j);
}
