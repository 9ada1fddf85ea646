/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport audit: every module of a tree against its kernel, each with the
 * tree's own modules available as modprobe would load them (dependencies
 * first, their taints carried), then counts by verdict and taint and the
 * problems.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kexport.h"
#include "target.h"

static const char options[] =
	KX_TARGET_HELP
	"      --all               list every module, not only refused and tainted ones\n"
	"Without --kernel, the kernel is the tree's own: /boot/vmlinuz-RELEASE beside a\n"
	"/lib/modules/RELEASE tree, else its build/ directory.\n"
	"Exit status: 0 every module loads, 1 some module is refused, 2 bad input.\n";

const struct kexport_cmd kexport_cmd_audit;

enum { OPT_ALL = 0x300 };

struct audit {
	struct kexport_loader *loader;
	struct kexport_module **mods;
	size_t n;
	const char **owners_sorted; /* owner strings, sorted, with their module index */
	size_t *owner_idx;
	struct kexport_verdict **verdicts;
	unsigned char *state;       /* 0 not yet, 1 in progress, 2 done */
	unsigned flags;
	bool oom;
	bool speculate;             /* first pass: every owner loads, untainted */
};

/* Which module's owners a first-pass check asked about: module -> owner. */
struct edge {
	size_t from, to;
};
struct edges {
	struct edge *items;
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
	e->items[e->n++] = (struct edge){ from, to };
}

static struct audit *cmp_ctx;
static int cmp_owner(const void *a, const void *b)
{
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	return strcmp(cmp_ctx->mods[ia]->owner, cmp_ctx->mods[ib]->owner);
}

static long find_owner(const struct audit *a, const char *owner)
{
	size_t lo = 0, hi = a->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(a->mods[a->owner_idx[mid]]->owner, owner);
		if (c == 0)
			return (long)a->owner_idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void verdict_of(struct audit *a, size_t i);

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The loader asks: would the module owning this export load, and with which taint? */
static int owner_taint(void *data, const char *owner, unsigned long *taint)
{
	struct audit *a = data;
	long i = find_owner(a, owner);
	*taint = 0;
	if (i < 0)
		return 0; /* from the kernel's table only: an in-tree module, untainted */
	if (a->speculate) {
		edge_add(cur_edges, cur_module, (size_t)i);
		return 0;
	}
	if (a->state[i] == 1)
		return 0; /* a dependency cycle: modprobe would fail earlier; do not recurse */
	verdict_of(a, (size_t)i);
	if (!a->verdicts[i])
		return 0;
	*taint = a->verdicts[i]->module_taint;
	return a->verdicts[i]->loads ? 0 : -1;
}

static void verdict_of(struct audit *a, size_t i)
{
	if (a->state[i])
		return;
	a->state[i] = 1;
	if (kexport_loader_check(a->loader, a->mods[i], a->flags, &a->verdicts[i]) < 0)
		a->oom = true;
	a->state[i] = 2;
}

/*
 * Owners' verdicts feed their importers (owner_taint()), which would make
 * the exporting modules a serial chain.  Instead every module is checked
 * at once on every CPU assuming each owner loads untainted, as nearly all
 * do, and the checks say which owners they asked about.  Then the modules
 * that asked about an owner that is refused or tainted, and whoever asked
 * about those, are checked again one at a time, owners first, with the
 * owners' real verdicts.  The loader is not changed by a check.
 */
struct worker {
	struct audit *a;
	size_t *next;
	pthread_mutex_t *lock;
	struct edges edges;
};

static void *verdict_worker(void *arg)
{
	struct worker *w = arg;
	cur_edges = &w->edges;
	for (;;) {
		pthread_mutex_lock(w->lock);
		size_t i = (*w->next)++;
		pthread_mutex_unlock(w->lock);
		if (i >= w->a->n)
			return NULL;
		struct kexport_verdict *v = NULL;
		cur_module = i;
		if (kexport_loader_check(w->a->loader, w->a->mods[i], w->a->flags, &v) < 0)
			w->a->oom = true; /* only ever set to true */
		w->a->verdicts[i] = v;
		w->a->state[i] = 2;
	}
}

static void *verdict_thread(void *arg)
{
	return verdict_worker(arg);
}

static int cmp_edge_to(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;
	return a->to < b->to ? -1 : a->to > b->to ? 1 : a->from < b->from ? -1 : a->from > b->from;
}

/* The second pass: modules whose first-pass assumption may not hold. */
static bool first_pass_wrong(const struct audit *a, size_t i)
{
	return a->verdicts[i] && (!a->verdicts[i]->loads || a->verdicts[i]->module_taint);
}

static void recheck(struct audit *a, struct edge *e, size_t n_edges)
{
	size_t first;
	for (first = 0; first < n_edges && !first_pass_wrong(a, e[first].to); first++)
		;
	if (first == n_edges)
		return; /* nobody asked about an owner that is refused or tainted */
	qsort(e, n_edges, sizeof(*e), cmp_edge_to);
	/* Start from the owners that are refused or tainted; whoever asked
	 * about one is rechecked, and counts as changed itself (transitively). */
	unsigned char *mark = calloc(a->n, 1);
	size_t *queue = malloc(a->n * sizeof(*queue)), head = 0, tail = 0;
	if (!mark || !queue) {
		a->oom = true;
		free(mark);
		free(queue);
		return;
	}
	for (size_t i = 0; i < a->n; i++)
		if (first_pass_wrong(a, i)) {
			mark[i] = 1;
			queue[tail++] = i;
		}
	while (head < tail) {
		size_t owner = queue[head++];
		size_t lo = 0, hi = n_edges;
		while (lo < hi) { /* the first edge to this owner */
			size_t mid = (lo + hi) / 2;
			if (e[mid].to < owner)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k < n_edges && e[k].to == owner; k++)
			if (mark[e[k].from] != 2) {
				if (!mark[e[k].from])
					queue[tail++] = e[k].from;
				mark[e[k].from] = 2;
			}
	}
	for (size_t i = 0; i < a->n; i++)
		if (mark[i] == 2) {
			kexport_verdict_free(a->verdicts[i]);
			a->verdicts[i] = NULL;
			a->state[i] = 0;
		}
	for (size_t i = 0; i < a->n; i++)
		if (mark[i] == 2)
			verdict_of(a, i);
	free(mark);
	free(queue);
}

static void all_verdicts(struct audit *a)
{
	long cpus = kx_opt.threads ? kx_opt.threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	if (cpus > 64)
		cpus = 64;
	pthread_t th[64];
	struct worker w[64];
	size_t next = 0;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	long started = 0;
	a->speculate = true;
	for (long t = 0; t < cpus; t++)
		w[t] = (struct worker){ a, &next, &lock, { NULL, 0, 0, false } };
	for (long t = 1; t < cpus; t++, started++)
		if (pthread_create(&th[started], NULL, verdict_thread, &w[t]) != 0)
			break;
	verdict_worker(&w[0]);
	for (long t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	a->speculate = false;
	/* One list of every worker's edges. */
	size_t n_edges = 0;
	for (long t = 0; t < cpus; t++) {
		n_edges += w[t].edges.n;
		if (w[t].edges.oom)
			a->oom = true;
	}
	struct edge *all = malloc((n_edges ? n_edges : 1) * sizeof(*all));
	if (!all)
		a->oom = true;
	for (long t = 0, at = 0; t < cpus; t++) {
		if (all && w[t].edges.n)
			memcpy(all + at, w[t].edges.items, w[t].edges.n * sizeof(*all));
		at += (long)w[t].edges.n;
		free(w[t].edges.items);
	}
	if (all && !a->oom)
		recheck(a, all, n_edges);
	free(all);
}

/* Progress on a terminal, when the run takes more than a second. */
static volatile const char *progress_phase;
static volatile int progress_done;
static void *progress_thread(void *arg)
{
	(void)arg;
	struct timespec ts = { 1, 0 };
	nanosleep(&ts, NULL);
	while (!progress_done) {
		fprintf(stderr, "\rkexport: audit: %s...   ", progress_phase);
		ts = (struct timespec){ 0, 250 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* The kernel's sources, read on a thread of their own while the modules are read. */
struct kernel_job {
	struct kx_target *t;
	struct kexport_ctx *ctx;
	int rc;
};

static void *read_kernel(void *arg)
{
	struct kernel_job *j = arg;
	j->rc = kx_target_read(j->t, j->ctx);
	return NULL;
}

/* The kernel of a /lib/modules/RELEASE tree: its image, else build/Module.symvers. */
static char *tree_kernel(const char *dir)
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

static void print_summary(const struct audit *a, bool all)
{
	size_t loads = 0, refused = 0;
	/* taint strings and their counts */
	char keys[64][32];
	size_t counts[64], nk = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct kexport_verdict *v = a->verdicts[i];
		if (!v)
			continue;
		if (!v->loads) {
			refused++;
			continue;
		}
		loads++;
		char t[32];
		kexport_taint_letters(v->module_taint, true, t, sizeof(t));
		size_t k;
		for (k = 0; k < nk && strcmp(keys[k], t) != 0; k++)
			;
		if (k == nk && nk < 64) {
			snprintf(keys[nk], sizeof(keys[nk]), "%s", t);
			counts[nk++] = 0;
		}
		if (k < nk)
			counts[k]++;
	}
	if (kx_json) {
		json_key(kx_json, "summary");
		json_obj_start(kx_json);
		json_kuint(kx_json, "modules", a->n);
		json_kuint(kx_json, "loads", loads);
		json_kuint(kx_json, "refused", refused);
		json_key(kx_json, "taints");
		json_obj_start(kx_json);
		for (size_t k = 0; k < nk; k++)
			json_kuint(kx_json, keys[k][0] ? keys[k] : "none", counts[k]);
		json_obj_end(kx_json);
		json_obj_end(kx_json);
		json_key(kx_json, "modules");
		json_arr_start(kx_json);
		for (size_t i = 0; i < a->n; i++)
			if (a->verdicts[i] && (all || !a->verdicts[i]->loads || a->verdicts[i]->module_taint))
				kx_print_verdict(a->mods[i], a->verdicts[i], KX_VERDICT_HUMAN);
		json_arr_end(kx_json);
		return;
	}
	printf("%zu modules: %zu load, %zu refused\n", a->n, loads, refused);
	for (size_t k = 0; k < nk; k++)
		printf("  taint %-6s %zu\n", keys[k][0] ? keys[k] : "none", counts[k]);
	for (size_t i = 0; i < a->n; i++) {
		const struct kexport_verdict *v = a->verdicts[i];
		if (v && (all || !v->loads || v->module_taint))
			kx_print_verdict(a->mods[i], v, KX_VERDICT_HUMAN);
	}
}

static int cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		KX_COMMON_LONGOPTS, KX_TARGET_LONGOPTS,
		{ "all", no_argument, NULL, OPT_ALL },
		{ NULL, 0, NULL, 0 },
	};
	struct kx_target t = { 0 };
	bool all = false;
	int opt, st;
	while ((opt = kx_getopt(argc, argv, KX_COMMON_SHORTOPTS, longopts, &kexport_cmd_audit, &t,
	                        &st)) != -1) {
		if (opt == KX_GETOPT_EXIT)
			return st;
		if (opt == OPT_ALL)
			all = true;
		else
			return kx_usage_error(&kexport_cmd_audit, "unknown option");
	}
	if (argc - optind > 1)
		return kx_usage_error(&kexport_cmd_audit, "one tree at a time");
	char *dflt = NULL;
	const char *dir = optind < argc ? argv[optind] : NULL;
	if (!dir) {
		struct utsname u;
		if (uname(&u) < 0 || asprintf(&dflt, "/lib/modules/%s", u.release) < 0)
			return KX_EXIT_BAD_INPUT;
		dir = dflt;
	}
	char *own_kernel = NULL;
	if (t.n_sources == 0) {
		own_kernel = tree_kernel(dir);
		kx_push_str(&t.sources, &t.n_sources, own_kernel ? own_kernel : dir);
	}

	pthread_t progress;
	bool progress_on = isatty(2) && !kx_opt.json;
	progress_phase = "reading modules";
	if (progress_on && pthread_create(&progress, NULL, progress_thread, NULL) != 0)
		progress_on = false;

	kx_output_begin();
	struct kexport_ctx *ctx = kx_ctx_new(), *kctx = kx_ctx_new();
	struct audit a = { .flags = t.flags };
	double t0 = now(), t_read, t_kernel, t_verdicts;
	t.probe = dir;
	/* A distribution tree is signed module by module: verifying every
	 * signature hashes the whole tree (390 MB for Debian 6.1, ~1.5 s CPU
	 * with the image's decompression) where the rest of the audit reads
	 * 0.1 s worth.  The tree's own modules carry the build's vermagic, so
	 * the same-build policy is the default here; check verifies. */
	bool sig_verified = t.trust_set && t.trust == KEXPORT_SIG_TRUST_VERIFY;
	if (!t.trust_set) {
		t.trust = KEXPORT_SIG_TRUST_SAME_BUILD;
		t.trust_set = true;
	}
	struct kernel_job job = { &t, kctx, 0 };
	pthread_t kernel_thread;
	bool kernel_threaded = pthread_create(&kernel_thread, NULL, read_kernel, &job) == 0;
	int rr = kexport_read_modules(ctx, dir, &a.mods, &a.n);
	bool bad = rr < 0 && a.n == 0;
	t_read = now();
	progress_phase = "reading the kernel";
	if (kernel_threaded)
		pthread_join(kernel_thread, NULL);
	else
		read_kernel(&job);
	const char *fallback = NULL;
	for (size_t i = 0; i < a.n && !fallback; i++)
		fallback = a.mods[i]->vermagic;
	int fin = job.rc == -ENOMEM ? -ENOMEM : kx_target_finish(&t, fallback);
	if (fin == -ENOMEM) {
		fprintf(stderr, "kexport: out of memory\n");
		return KX_EXIT_BAD_INPUT;
	}
	if (job.rc < 0 || fin < 0)
		bad = true;
	if (kx_json)
		json_obj_start(kx_json);
	int status = KX_EXIT_OK;
	if (t.loader && a.n) {
		/* The tree's own exports, as its modules provide them. */
		for (size_t i = 0; i < a.n; i++)
			for (size_t j = 0; j < a.mods[i]->n_exports; j++)
				kexport_table_add(t.table, &a.mods[i]->exports[j]);
		t_kernel = now();
		progress_phase = "checking modules";
		a.loader = t.loader;
		a.owner_idx = malloc(a.n * sizeof(*a.owner_idx));
		a.verdicts = calloc(a.n, sizeof(*a.verdicts));
		a.state = calloc(a.n, 1);
		if (!a.owner_idx || !a.verdicts || !a.state) {
			fprintf(stderr, "kexport: out of memory\n");
			return KX_EXIT_BAD_INPUT;
		}
		for (size_t i = 0; i < a.n; i++)
			a.owner_idx[i] = i;
		cmp_ctx = &a;
		qsort(a.owner_idx, a.n, sizeof(*a.owner_idx), cmp_owner);
		kexport_loader_set_owner_fn(t.loader, owner_taint, &a);
		all_verdicts(&a);
		kx_target_report_keys(&t);
		t_verdicts = now();
		if (kx_opt.verbose)
			fprintf(stderr, "kexport: audit: modules read in %.3f s, then the kernel in %.3f s "
			                "(read beside the modules), verdicts in %.3f s\n", t_read - t0,
			        t_kernel - t_read, t_verdicts - t_kernel);
		if (a.oom) {
			fprintf(stderr, "kexport: out of memory\n");
			return KX_EXIT_BAD_INPUT;
		}
		progress_done = 1;
		if (progress_on) {
			pthread_join(progress, NULL);
			progress_on = false;
			fprintf(stderr, "\r%40s\r", "");
		}
		kx_target_describe(&t);
		if (kx_json) {
			json_kstr(kx_json, "tree", dir);
			json_kstr(kx_json, "signatures", sig_verified ? "verified" : "policy");
		} else {
			printf("# tree: %s\n", dir);
			if (!sig_verified)
				printf("# signatures: not verified (--trust-signatures %s); "
				       "--trust-signatures verify checks each against the kernel's keys\n",
				       t.trust == KEXPORT_SIG_TRUST_ALL    ? "all"
				       : t.trust == KEXPORT_SIG_TRUST_NONE ? "none"
				                                           : "same-build");
		}
		print_summary(&a, all);
		for (size_t i = 0; i < a.n; i++)
			if (a.verdicts[i] && !a.verdicts[i]->loads)
				status = KX_EXIT_FINDING;
	}
	progress_done = 1;
	if (progress_on)
		pthread_join(progress, NULL);
	if (kx_json) {
		kx_json_errors();
		json_obj_end(kx_json);
	}
	kx_output_end();
	for (size_t i = 0; a.verdicts && i < a.n; i++)
		kexport_verdict_free(a.verdicts[i]);
	free(a.verdicts);
	free(a.state);
	free(a.owner_idx);
	kx_target_close(&t);
	kexport_module_list_free(a.mods, a.n);
	kexport_ctx_free(ctx);
	kexport_ctx_free(kctx);
	free(own_kernel);
	free(dflt);
	return bad || kx_bad_input_count() ? KX_EXIT_BAD_INPUT : status;
}

const struct kexport_cmd kexport_cmd_audit = {
	.name = "audit",
	.fn = cmd_audit,
	.summary = "every module of a tree against its kernel: counts by verdict and taint, problems",
	.usage = "kexport audit [OPTIONS] [DIR] [--kernel SOURCE]",
	.options = options,
};
