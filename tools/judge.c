/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Judging a corpus: see judge.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "judge.h"

/*
 * The owner index: module indexes by owner name, open addressing in a
 * power-of-two table at most half full (slots hold index + 1).  It was a
 * sorted array searched with strcmp(): sorting 4,000 paths cost audit 1 ms
 * on one CPU, between the reading and the verdicts.
 */
static size_t owner_slots(size_t n)
{
	size_t s = 16;
	while (s < 2 * n)
		s *= 2;
	return s;
}

static size_t owner_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (size_t)(h ^ h >> 29);
}

size_t *cli_owner_index(struct kexport_module **mods, size_t n)
{
	size_t n_slots = owner_slots(n), mask = n_slots - 1;
	size_t *slots = calloc(n_slots, sizeof(*slots));
	if (!slots)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t h = owner_hash(mods[i]->owner) & mask;
		while (slots[h] && strcmp(mods[slots[h] - 1]->owner, mods[i]->owner) != 0)
			h = (h + 1) & mask;
		if (!slots[h]) /* the first of two modules with one owner name wins */
			slots[h] = i + 1;
	}
	return slots;
}

long cli_find_owner(struct kexport_module *const *mods, const size_t *idx, size_t n,
                   const char *owner)
{
	size_t mask = owner_slots(n) - 1;
	for (size_t h = owner_hash(owner) & mask; idx[h]; h = (h + 1) & mask)
		if (strcmp(mods[idx[h] - 1]->owner, owner) == 0)
			return (long)(idx[h] - 1);
	return -1;
}

static void verdict_of(struct cli_judge *j, size_t i);

static long owner_of(const struct cli_judge *j, const char *owner)
{
	return cli_find_owner(j->mods, j->owner_idx, j->n, owner);
}

/*
 * Which owners a first-pass check asked about: module -> owner.  Each
 * worker keeps its own list; the check being run is the thread's.
 */
struct edges {
	struct cli_edge *items;
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
	e->items[e->n++] = (struct cli_edge){ from, to };
}

/* The loader asks: would the module owning this export load, and with which taint? */
static int owner_taint(void *data, const char *owner, unsigned long *taint)
{
	struct cli_judge *j = data;
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
static bool owners_changed(struct cli_judge *j, size_t i)
{
	const struct cli_judge *b = j->before;
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

static void verdict_of(struct cli_judge *j, size_t i)
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
struct worker {
	struct cli_judge *j;
	size_t *next;
	pthread_mutex_t *lock;
	struct edges edges;
};

static void *verdict_worker(void *arg)
{
	struct worker *w = arg;
	cur_edges = &w->edges;
	kexport_thread_begin(); /* verdicts carved from this thread's slab */
	for (;;) {
		pthread_mutex_lock(w->lock);
		size_t i = (*w->next)++;
		pthread_mutex_unlock(w->lock);
		if (i >= w->j->n)
			break;
		if (w->j->before) {
			verdict_of(w->j, i);
			continue;
		}
		struct kexport_verdict *v = NULL;
		cur_module = i;
		if (kexport_loader_check(w->j->loader, w->j->mods[i], w->j->flags, &v) < 0)
			w->j->oom = true; /* only ever set to true */
		w->j->verdicts[i] = v;
		w->j->state[i] = 2;
	}
	kexport_thread_end();
	return NULL;
}

static int cmp_edge_from(const void *x, const void *y)
{
	const struct cli_edge *a = x, *b = y;
	return a->from < b->from ? -1 : a->from > b->from ? 1 : a->to < b->to ? -1 : a->to > b->to;
}

/* The first pass's recheck: modules whose assumption may not hold. */
static bool first_pass_wrong(const struct cli_judge *j, size_t i)
{
	return j->verdicts[i] && (!j->verdicts[i]->loads || j->verdicts[i]->module_taint);
}

static void recheck(struct cli_judge *j, struct cli_edge *e, size_t n_edges)
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

static long cpu_count(void)
{
	long cpus = cli_opt.threads ? cli_opt.threads : sysconf(_SC_NPROCESSORS_ONLN);
	return cpus < 1 ? 1 : cpus > 64 ? 64 : cpus;
}

/* Every module not judged yet, on every CPU; the workers' edges into one list. */
static struct cli_edge *run_workers(struct cli_judge *j, size_t *n_edges)
{
	long cpus = cpu_count();
	pthread_t th[64];
	struct worker w[64];
	size_t next = 0;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	long started = 0;
	for (long t = 0; t < cpus; t++)
		w[t] = (struct worker){ j, &next, &lock, { NULL, 0, 0, false } };
	for (long t = 1; t < cpus; t++, started++)
		if (pthread_create(&th[started], NULL, verdict_worker, &w[t]) != 0)
			break;
	verdict_worker(&w[0]);
	for (long t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	size_t n = 0;
	for (long t = 0; t < cpus; t++) {
		n += w[t].edges.n;
		if (w[t].edges.oom)
			j->oom = true;
	}
	struct cli_edge *all = malloc((n ? n : 1) * sizeof(*all));
	if (!all)
		j->oom = true;
	for (long t = 0, at = 0; t < cpus; t++) {
		if (all && w[t].edges.n)
			memcpy(all + at, w[t].edges.items, w[t].edges.n * sizeof(*all));
		at += (long)w[t].edges.n;
		free(w[t].edges.items);
	}
	*n_edges = n;
	return all;
}

int cli_judge_run(struct cli_judge *j)
{
	j->verdicts = calloc(j->n ? j->n : 1, sizeof(*j->verdicts));
	j->state = calloc(j->n ? j->n : 1, 1);
	if (!j->verdicts || !j->state)
		return -ENOMEM;
	kexport_loader_set_owner_fn(j->loader, owner_taint, j);
	size_t n_edges = 0;
	if (j->before) {
		/* the serial verdicts too from this thread's slab, as the workers' */
		kexport_thread_begin();
		for (size_t i = 0; i < j->n; i++)
			if (j->mods[i]->n_exports)
				verdict_of(j, i);
		kexport_thread_end();
		free(run_workers(j, &n_edges));
		return j->oom ? -ENOMEM : 0;
	}
	j->speculate = true;
	struct cli_edge *all = run_workers(j, &n_edges);
	j->speculate = false;
	if (all && !j->oom && j->record_owners) {
		/* kept for a second pass, which looks them up by module */
		j->edges = malloc((n_edges ? n_edges : 1) * sizeof(*all));
		if (!j->edges)
			j->oom = true;
		else
			memcpy(j->edges, all, n_edges * sizeof(*all));
		j->n_edges = n_edges;
	}
	if (all && !j->oom) {
		kexport_thread_begin();
		recheck(j, all, n_edges);
		kexport_thread_end();
	}
	if (j->edges)
		qsort(j->edges, j->n_edges, sizeof(*j->edges), cmp_edge_from);
	free(all);
	return j->oom ? -ENOMEM : 0;
}

size_t cli_judge_checked(const struct cli_judge *j)
{
	size_t n = 0;
	for (size_t i = 0; i < j->n; i++)
		n += j->state[i] == 2;
	return n;
}

void cli_judge_free(struct cli_judge *j)
{
	for (size_t i = 0; j->verdicts && i < j->n; i++)
		if (j->state[i] != 3)
			kexport_verdict_free(j->verdicts[i]);
	free(j->edges);
	free(j->verdicts);
	free(j->state);
	j->edges = NULL;
	j->verdicts = NULL;
	j->state = NULL;
}

char *cli_tree_kernel(const char *dir)
{
	char *p = kexport_kernel_image(dir);
	if (p)
		return p;
	struct stat st;
	if (asprintf(&p, "%s/build/Module.symvers", dir) < 0)
		return NULL;
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
		return p;
	free(p);
	return NULL;
}
