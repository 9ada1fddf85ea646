/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Judging a corpus: see judge.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "judge.h"

static struct kexport_module **sort_mods;
static int cmp_owner(const void *a, const void *b)
{
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	return strcmp(sort_mods[ia]->owner, sort_mods[ib]->owner);
}

size_t *kx_owner_index(struct kexport_module **mods, size_t n)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_mods = mods;
	qsort(idx, n, sizeof(*idx), cmp_owner);
	return idx;
}

long kx_find_owner(struct kexport_module *const *mods, const size_t *idx, size_t n,
                   const char *owner)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(mods[idx[mid]]->owner, owner);
		if (c == 0)
			return (long)idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void verdict_of(struct kx_judge *j, size_t i);

static long owner_of(const struct kx_judge *j, const char *owner)
{
	return kx_find_owner(j->mods, j->owner_idx, j->n, owner);
}

/* The module this thread is judging, for recording the owners it asks about. */
static _Thread_local long judging = -1;

static void record_owner(struct kx_judge *j, size_t owner)
{
	size_t i = (size_t)judging, n = j->n_owners[i];
	for (size_t k = 0; k < n; k++)
		if (j->owners[i][k] == owner)
			return;
	size_t *p = realloc(j->owners[i], (n + 1) * sizeof(*p));
	if (!p) {
		j->oom = true;
		return;
	}
	p[n] = owner;
	j->owners[i] = p;
	j->n_owners[i] = n + 1;
}

/* The loader asks: would the module owning this export load, and with which taint? */
static int owner_taint(void *data, const char *owner, unsigned long *taint)
{
	struct kx_judge *j = data;
	long i = owner_of(j, owner);
	*taint = 0;
	if (i < 0)
		return 0; /* from the kernel's table only: an in-tree module, untainted */
	if (j->owners && judging >= 0)
		record_owner(j, (size_t)i);
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
 * Second pass: did a module the first pass's verdict of i asked about (the
 * owners of its imports, as far as the loader got) change what the loader
 * learns from it: whether it loads, its taint?  Those owners are judged
 * first, so a change runs down dependency chains of any length.  If none
 * did, and no import of i was edited, the loader sees the same facts and
 * gives the same verdict.
 */
static bool owners_changed(struct kx_judge *j, size_t i)
{
	const struct kx_judge *b = j->before;
	for (size_t k = 0; k < b->n_owners[i]; k++) {
		size_t o = b->owners[i][k];
		if (o == i || j->state[o] == 1)
			continue;
		verdict_of(j, o);
		if (!same_outcome(j->verdicts[o], b->verdicts[o]))
			return true;
	}
	return false;
}

static void verdict_of(struct kx_judge *j, size_t i)
{
	if (j->state[i])
		return;
	j->state[i] = 1;
	if (j->before && !j->touched[i] && !owners_changed(j, i)) {
		j->verdicts[i] = j->before->verdicts[i];
		j->state[i] = 3;
		return;
	}
	long outer = judging;
	judging = (long)i;
	if (kexport_loader_check(j->loader, j->mods[i], j->flags, &j->verdicts[i]) < 0)
		j->oom = true; /* only ever set to true */
	judging = outer;
	j->state[i] = 2;
}

/*
 * Exporting modules first, one at a time (their verdicts feed their
 * importers through owner_taint(), recursively); then the rest, which only
 * read those, on every CPU.  The loader is not changed by a check.
 */
struct worker {
	struct kx_judge *j;
	size_t next;
	pthread_mutex_t lock;
};

static void *verdict_worker(void *arg)
{
	struct worker *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		size_t i = w->next++;
		pthread_mutex_unlock(&w->lock);
		if (i >= w->j->n)
			return NULL;
		verdict_of(w->j, i);
	}
}

int kx_judge_run(struct kx_judge *j)
{
	j->verdicts = calloc(j->n ? j->n : 1, sizeof(*j->verdicts));
	j->state = calloc(j->n ? j->n : 1, 1);
	if (!j->verdicts || !j->state)
		return -ENOMEM;
	if (j->record_owners) {
		j->owners = calloc(j->n ? j->n : 1, sizeof(*j->owners));
		j->n_owners = calloc(j->n ? j->n : 1, sizeof(*j->n_owners));
		if (!j->owners || !j->n_owners)
			return -ENOMEM;
	}
	kexport_loader_set_owner_fn(j->loader, owner_taint, j);
	for (size_t i = 0; i < j->n; i++)
		if (j->mods[i]->n_exports)
			verdict_of(j, i);
	long cpus = kx_opt.threads ? kx_opt.threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	if (cpus > 64)
		cpus = 64;
	pthread_t th[64];
	struct worker w = { .j = j, .lock = PTHREAD_MUTEX_INITIALIZER };
	long started = 0;
	for (long t = 1; t < cpus; t++, started++)
		if (pthread_create(&th[started], NULL, verdict_worker, &w) != 0)
			break;
	verdict_worker(&w);
	for (long t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	return j->oom ? -ENOMEM : 0;
}

size_t kx_judge_checked(const struct kx_judge *j)
{
	size_t n = 0;
	for (size_t i = 0; i < j->n; i++)
		n += j->state[i] == 2;
	return n;
}

void kx_judge_free(struct kx_judge *j)
{
	for (size_t i = 0; j->verdicts && i < j->n; i++)
		if (j->state[i] != 3)
			kexport_verdict_free(j->verdicts[i]);
	for (size_t i = 0; j->owners && i < j->n; i++)
		free(j->owners[i]);
	free(j->owners);
	free(j->n_owners);
	free(j->verdicts);
	free(j->state);
	j->owners = NULL;
	j->n_owners = NULL;
	j->verdicts = NULL;
	j->state = NULL;
}

char *kx_tree_kernel(const char *dir)
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
