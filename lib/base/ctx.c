/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library context: where diagnostics go, and how many threads per-file
 * work may use.  kx_parallel_for() is the whole thread pool: workers take
 * the next index from an atomic counter, so results land in caller-owned
 * slots and the caller keeps output order deterministic.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "libkexport-internal.h"

KX_EXPORT int kexport_ctx_new(struct kexport_ctx **ctx)
{
	struct kexport_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	atomic_init(&c->bad_inputs, 0);
	/* Each thread's copy of its last message, freed when the thread ends. */
	int r = pthread_key_create(&c->last_error, free);
	if (r != 0) {
		free(c);
		return -r;
	}
	*ctx = c;
	return 0;
}

KX_EXPORT void kexport_ctx_free(struct kexport_ctx *ctx)
{
	if (!ctx)
		return;
	/* The calling thread's message.  Workers' went when they ended; a copy
	 * kept by a thread still running is lost with the key. */
	void *last = pthread_getspecific(ctx->last_error);
	pthread_setspecific(ctx->last_error, NULL);
	free(last);
	pthread_key_delete(ctx->last_error);
	free(ctx);
}

KX_EXPORT void kexport_ctx_set_config(struct kexport_ctx *ctx, const struct kexport_kernel *config)
{
	ctx->config = config;
}

KX_EXPORT void kexport_ctx_set_diag(struct kexport_ctx *ctx, kexport_diag_fn fn, void *data)
{
	ctx->diag = fn;
	ctx->diag_data = data;
}

KX_EXPORT void kexport_ctx_set_threads(struct kexport_ctx *ctx, int threads)
{
	ctx->threads = threads < 0 ? 0 : threads;
}

KX_EXPORT void kexport_ctx_keep_signing_keys(struct kexport_ctx *ctx, bool keep)
{
	ctx->keys_wanted = keep;
}

KX_EXPORT void kexport_ctx_set_model(struct kexport_ctx *ctx, enum kexport_model model)
{
	ctx->model = model == KEXPORT_MODEL_VERDICT ? model : KEXPORT_MODEL_FULL;
}

KX_EXPORT unsigned kexport_ctx_bad_inputs(const struct kexport_ctx *ctx)
{
	return atomic_load_explicit(&ctx->bad_inputs, memory_order_relaxed);
}

KX_EXPORT const char *kexport_ctx_last_error(const struct kexport_ctx *ctx)
{
	const char *last = pthread_getspecific(ctx->last_error);
	return last ? last : "";
}

/*
 * Worker threads report too: the count is atomic, the last message is the
 * reporting thread's own (a key of the context, not a _Thread_local, so
 * that libkexport-history's copy of this code keeps it in the same place).
 */
void kx_diag(struct kexport_ctx *ctx, const char *path, int err, const char *msg)
{
	if (!msg)
		msg = "";
	atomic_fetch_add_explicit(&ctx->bad_inputs, 1, memory_order_relaxed);
	char *last = pthread_getspecific(ctx->last_error);
	if (!last && (last = malloc(KEXPORT_ERRMSG_MAX)) &&
	    pthread_setspecific(ctx->last_error, last) != 0) {
		free(last);
		last = NULL;
	}
	if (last)
		snprintf(last, KEXPORT_ERRMSG_MAX, "%s", msg);
	if (ctx->diag)
		ctx->diag(ctx->diag_data, path, err, msg);
}

void kx_warn(struct kexport_ctx *ctx, const char *path, const char *msg)
{
	if (ctx && ctx->diag)
		ctx->diag(ctx->diag_data, path, 0, msg);
}

int kx_report(struct kexport_ctx *ctx, const char *path, int err, const char *msg)
{
	if (err >= 0 || !ctx)
		return err;
	char buf[128];
	if (!msg || !msg[0])
		msg = err == -ENOMEM ? "out of memory" : strerror_r(-err, buf, sizeof(buf));
	kx_diag(ctx, path ? path : KX_MEMORY, err, msg);
	return err;
}

struct pool {
	atomic_size_t next;
	size_t n;
	void (*fn)(size_t, void *);
	void *arg;
};

static void *worker(void *p)
{
	struct pool *pool = p;
	kx_thread_mem_enter();
	for (;;) {
		size_t i = atomic_fetch_add(&pool->next, 1);
		if (i >= pool->n)
			break;
		pool->fn(i, pool->arg);
	}
	kx_thread_mem_leave();
	return NULL;
}

void kx_parallel_for(const struct kexport_ctx *ctx, size_t n, void (*fn)(size_t i, void *arg),
                     void *arg)
{
	long cpus = ctx->threads ? ctx->threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	if (cpus > 64)
		cpus = 64;
	if ((size_t)cpus > n)
		cpus = (long)(n ? n : 1);
	struct pool pool = { .n = n, .fn = fn, .arg = arg };
	atomic_init(&pool.next, 0);
	pthread_t th[64];
	long started = 0;
	for (long i = 1; i < cpus; i++) {
		if (pthread_create(&th[started], NULL, worker, &pool) != 0)
			break; /* fewer threads is fine: this one does the rest */
		started++;
	}
	worker(&pool);
	for (long i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

static void *team_worker(void *p)
{
	struct kx_team *t = p;
	kx_thread_mem_enter();
	t->fn(t->arg);
	kx_thread_mem_leave();
	return NULL;
}

void kx_team_init(struct kx_team *team, void (*fn)(void *arg), void *arg)
{
	team->fn = fn;
	team->arg = arg;
	team->started = 0;
	team->running = false;
}

void kx_team_start(const struct kexport_ctx *ctx, struct kx_team *team)
{
	if (team->running)
		return;
	team->running = true;
	long cpus = ctx->threads ? ctx->threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	if (cpus > 64)
		cpus = 64;
	for (long i = 1; i < cpus; i++) {
		if (pthread_create(&team->th[team->started], NULL, team_worker, team) != 0)
			break; /* fewer threads is fine: the caller joins in */
		team->started++;
	}
}

void kx_team_finish(struct kx_team *team)
{
	team_worker(team);
	for (int i = 0; i < team->started; i++)
		pthread_join(team->th[i], NULL);
}

void kx_stream_init(struct kx_stream *st, const struct kexport_ctx *ctx,
                    void (*work)(void *arg), void *arg)
{
	memset(st, 0, sizeof(*st));
	st->ctx = ctx;
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	kx_team_init(&st->team, work, arg);
}

int kx_stream_push(struct kx_stream *st, void *item)
{
	pthread_mutex_lock(&st->mu);
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 1024;
		void **ni = realloc(st->items, cap * sizeof(*ni));
		if (!ni) {
			pthread_mutex_unlock(&st->mu);
			return -ENOMEM;
		}
		st->items = ni;
		st->cap = cap;
	}
	st->items[st->n++] = item;
	size_t n = st->n;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	if (n == 2) /* helpers start with the second item: one item needs none */
		kx_team_start(st->ctx, &st->team);
	return 0;
}

void *kx_stream_pop(struct kx_stream *st)
{
	pthread_mutex_lock(&st->mu);
	while (st->next >= st->n && !st->done)
		pthread_cond_wait(&st->cv, &st->mu);
	void *it = st->next < st->n ? st->items[st->next++] : NULL;
	pthread_mutex_unlock(&st->mu);
	return it;
}

void kx_stream_finish(struct kx_stream *st, bool stop)
{
	pthread_mutex_lock(&st->mu);
	st->done = true;
	if (stop)
		st->next = st->n; /* nothing more is taken */
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mu);
	kx_team_finish(&st->team);
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->mu);
}
