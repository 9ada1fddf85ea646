/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fault-injection driver, as SQLite's tests fail the Nth allocation:
 * one entry point of the library (linked with its fault-injection copy,
 * -DKEXPORT_FAULT_INJECTION) is run once without faults, for its answer
 * and its number of allocations (or I/O calls); then again with the Nth
 * failing, for N = 1, 2, ... until a run completes without reaching N.
 *
 *   fault-driver alloc|io ENTRY ARGS...
 *
 * Every run must end in one of:
 *  - the same answer as the run without faults (the library recovered:
 *    EINTR and short reads must always end here);
 *  - the entry point's error, the injected errno (-ENOMEM for allocations);
 *  - success with a different answer only when the context was told why,
 *    with the injected errno (a tree's module that could not be read).
 * Anything else (another error, a message blaming the input, a different
 * answer said nowhere) fails, as do a crash, a sanitizer report and (under
 * LeakSanitizer, checked after every run) a leak.  An entry that writes a
 * file (history's index) is run once more after each faulted run, without
 * faults and on what the faulted run left: it must give the uninjected
 * answer (nothing corrupted, as SQLite checks its database after each
 * fault).  Prints the number of injection points covered.
 *
 * Entries: symvers FILE, module FILE, tree DIR, check SYMVERS MODULE,
 * audit SYMVERS DIR, diff SYMVERS_A SYMVERS_B, whatif SYMVERS, image FILE,
 * history REPO DB, dossier SYMVERS_A SYMVERS_B DIR, maintainers TREE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kexport-history.h"
#include "libkexport-internal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WITH_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WITH_LSAN 1
#endif
#ifdef WITH_LSAN
int __lsan_do_recoverable_leak_check(void);
#endif

/* The answer of one run, as text. */
static char *ans;
static size_t ans_len, ans_cap;
static bool ans_oom;

KX_PRINTF(1, 2) static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[1024];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1;
	if (ans_len + len + 1 > ans_cap) {
		size_t cap = (ans_len + len + 1) * 2;
		char *p = (realloc)(ans, cap); /* the driver's own: never injected */
		if (!p) {
			ans_oom = true;
			return;
		}
		ans = p;
		ans_cap = cap;
	}
	memcpy(ans + ans_len, tmp, len);
	ans_len += len;
	ans[ans_len] = '\0';
}

/* What the context was told during a run. */
static unsigned n_reports, n_reports_other;
static int first_other_err;
static char first_other_msg[KEXPORT_ERRMSG_MAX];
static int want_err; /* the injected errno, negative */

static void diag(void *data, const char *path, int err, const char *msg)
{
	(void)data;
	(void)path;
	if (err == 0)
		return; /* a warning */
	n_reports++;
	if (err != want_err && !n_reports_other++) {
		first_other_err = err;
		snprintf(first_other_msg, sizeof(first_other_msg), "%s: %s", path, msg);
	}
}

static char **args;

static void say_table(const struct kexport_table *t)
{
	size_t n = kexport_table_count(t);
	say("%zu exports\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct kexport_export *e = kexport_table_get(t, i);
		say("%s %s %08x %s %s\n", e->name, kexport_kind_name(e->kind), (unsigned)e->crc,
		    e->ns ? e->ns : "", e->owner ? e->owner : "");
	}
}

static void say_verdict(const struct kexport_verdict *v)
{
	say("%s loads=%d err=%d taint=%lx\n", v->module, v->loads, v->err, v->module_taint);
	for (size_t i = 0; i < v->n_log; i++)
		say("  log %s\n", v->log[i]);
	for (size_t i = 0; i < v->n_problems; i++)
		say("  problem %s %s\n", kexport_reason_name(v->problems[i].reason),
		    v->problems[i].symbol ? v->problems[i].symbol : "");
}

static int read_text(const char *path, char **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*data = (malloc)((size_t)n + 1);
	size_t got = *data ? fread(*data, 1, (size_t)n, f) : 0;
	fclose(f);
	if (!*data || got != (size_t)n)
		return -EIO;
	(*data)[n] = '\0';
	*size = (size_t)n;
	return 0;
}

static char *symvers_text, *symvers_b_text;
static size_t symvers_size, symvers_b_size;

static int table_of(struct kexport_ctx *ctx, const char *data, size_t size, const char *name,
                    struct kexport_table **t)
{
	*t = NULL;
	int r = kexport_table_new(ctx, t);
	if (r < 0)
		return r;
	r = kexport_parse_symvers(*t, data, size, name);
	if (r < 0) {
		kexport_table_free(*t);
		*t = NULL;
	}
	return r;
}

/* The kernel and loader of a Module.symvers (its release from a module). */
static int loader_of(struct kexport_ctx *ctx, struct kexport_table *t, const char *release,
                     struct kexport_kernel **k, struct kexport_loader **l)
{
	*k = NULL;
	*l = NULL;
	int r = kexport_kernel_new(ctx, k);
	if (r == 0 && release)
		r = kexport_kernel_set_release(*k, release);
	if (r == 0)
		r = kexport_loader_new(ctx, l, *k, t);
	return r;
}

/* One run of an entry: 0 and its answer said, or a negative errno. */
typedef int (*entry_fn)(struct kexport_ctx *ctx);

static int e_symvers(struct kexport_ctx *ctx)
{
	struct kexport_table *t = NULL;
	int r = table_of(ctx, symvers_text, symvers_size, args[0], &t);
	if (r == 0)
		say_table(t);
	kexport_table_free(t);
	return r;
}

static int e_module(struct kexport_ctx *ctx)
{
	struct kexport_module *m = NULL;
	int r = kexport_module_read(ctx, args[0], NULL, &m);
	if (r < 0)
		return r;
	say("%s %s %s %zu imports %zu exports\n", m->name, m->license ? m->license : "",
	    m->vermagic ? m->vermagic : "", m->n_imports, m->n_exports);
	for (size_t i = 0; i < m->n_imports; i++)
		say("  import %s\n", m->imports[i].name);
	kexport_module_free(m);
	return 0;
}

static int e_tree(struct kexport_ctx *ctx)
{
	struct kexport_module **mods = NULL;
	size_t n = 0;
	int r = kexport_read_modules(ctx, args[0], &mods, &n);
	for (size_t i = 0; i < n; i++)
		say("%s %s %zu\n", mods[i]->name, mods[i]->owner, mods[i]->n_imports);
	kexport_module_list_free(mods, n);
	return r;
}

static int e_check(struct kexport_ctx *ctx)
{
	struct kexport_table *t = NULL;
	struct kexport_module *m = NULL;
	struct kexport_kernel *k = NULL;
	struct kexport_loader *l = NULL;
	struct kexport_verdict *v = NULL;
	int r = table_of(ctx, symvers_text, symvers_size, args[0], &t);
	if (r == 0)
		r = kexport_module_read(ctx, args[1], NULL, &m);
	if (r == 0)
		r = loader_of(ctx, t, NULL, &k, &l);
	if (r == 0)
		r = kexport_loader_check(l, m, 0, &v);
	if (r == 0)
		say_verdict(v);
	kexport_verdict_free(v);
	kexport_loader_free(l);
	kexport_kernel_free(k);
	kexport_module_free(m);
	kexport_table_free(t);
	return r;
}

static int e_audit(struct kexport_ctx *ctx)
{
	struct kexport_table *t = NULL;
	struct kexport_module **mods = NULL;
	size_t n = 0;
	struct kexport_kernel *k = NULL;
	struct kexport_loader *l = NULL;
	struct kexport_judge *j = NULL;
	int r = table_of(ctx, symvers_text, symvers_size, args[0], &t);
	if (r == 0)
		r = kexport_read_modules(ctx, args[1], &mods, &n);
	if (r == 0)
		r = kexport_table_add_modules(ctx, t, mods, n);
	if (r == 0)
		r = loader_of(ctx, t, NULL, &k, &l);
	if (r == 0)
		r = kexport_judge_new(ctx, l, mods, n, 0, &j);
	if (r == 0)
		r = kexport_judge_run(j);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct kexport_verdict *v = kexport_judge_verdict(j, i);
		if (v)
			say_verdict(v);
		else
			r = -ENOMEM; /* a verdict not made */
	}
	kexport_judge_free(j);
	kexport_loader_free(l);
	kexport_kernel_free(k);
	kexport_module_list_free(mods, n);
	kexport_table_free(t);
	return r;
}

static int e_diff(struct kexport_ctx *ctx)
{
	struct kexport_table *a = NULL, *b = NULL;
	struct kexport_diff *d = NULL;
	int r = table_of(ctx, symvers_text, symvers_size, args[0], &a);
	if (r == 0)
		r = table_of(ctx, symvers_b_text, symvers_b_size, args[1], &b);
	if (r == 0)
		r = kexport_diff_new(ctx, a, b, NULL, &d);
	if (r == 0) {
		size_t n = kexport_diff_count(d);
		say("%zu changes\n", n);
		for (size_t i = 0; i < n; i++) {
			const struct kexport_diff_entry *e = kexport_diff_get(d, i);
			say("%s %x\n", e->name, e->changes);
		}
	}
	kexport_diff_free(d);
	kexport_table_free(b);
	kexport_table_free(a);
	return r;
}

/* The dossier of a few symbols over two kernels and a tree's modules. */
static int e_dossier(struct kexport_ctx *ctx)
{
	static const char *const pats[] = { "fuse_*", "usb_stor_probe1", "dma_buf_get", "nosuch" };
	struct kexport_table *a = NULL, *b = NULL;
	struct kexport_module **mods = NULL;
	size_t n = 0;
	struct kexport_dossier *d = NULL;
	int r = table_of(ctx, symvers_text, symvers_size, args[0], &a);
	if (r == 0)
		r = table_of(ctx, symvers_b_text, symvers_b_size, args[1], &b);
	if (r == 0)
		r = kexport_read_modules(ctx, args[2], &mods, &n);
	if (r == 0)
		r = kexport_dossier_new(ctx, &d);
	if (r == 0)
		r = kexport_dossier_add_kernel(d, "old", a, NULL, 0);
	if (r == 0)
		r = kexport_dossier_add_kernel(d, "new", b, (struct kexport_module *const *)mods, n);
	if (r == 0)
		r = kexport_dossier_add_corpus(d, "corpus", (struct kexport_module *const *)mods, n);
	if (r == 0)
		r = kexport_dossier_select(d, pats, 4);
	for (size_t i = 0; r == 0 && i < kexport_dossier_count(d); i++) {
		const struct kexport_dossier_entry *e = kexport_dossier_get(d, i);
		say("%s %x %x %zu %zu\n", e->name, e->changes[0], e->changes[1],
		    e->users[1].n_modules, e->corpus_users[0].n_gpl);
	}
	kexport_dossier_free(d);
	kexport_module_list_free(mods, n);
	kexport_table_free(b);
	kexport_table_free(a);
	return r;
}

/* A tree's MAINTAINERS, and the sections of a few files. */
static int e_maintainers(struct kexport_ctx *ctx)
{
	static const char *const files[] = { "drivers/dma-buf/dma-buf.c", "mm/memory.c",
	                                     "arch/x86/kernel/fpu/core.c", "drivers/usb/storage/usb.c",
	                                     "sound/soc/codecs/da7219.c" };
	struct kexport_maintainers *m = NULL;
	int r = kexport_maintainers_read(ctx, args[0], &m);
	for (size_t i = 0; r == 0 && i < sizeof(files) / sizeof(files[0]); i++) {
		const struct kexport_maintainers_section **s;
		size_t n;
		r = kexport_maintainers_match(m, files[i], &s, &n);
		for (size_t k = 0; r == 0 && k < n; k++)
			say("%s: %s\n", files[i], s[k]->name);
		if (r == 0)
			kexport_free(s);
	}
	kexport_maintainers_free(m);
	return r;
}

static int e_whatif(struct kexport_ctx *ctx)
{
	static const char edits_text[] = "gpl-only usb_*\nexport dma_buf_*\nunexport fuse_*\n";
	struct kexport_table *t = NULL, *out = NULL;
	struct kexport_edits *ed = NULL;
	struct kexport_edit_change *ch = NULL;
	size_t n_ch = 0;
	int r = table_of(ctx, symvers_text, symvers_size, args[0], &t);
	if (r == 0)
		r = kexport_edits_new(ctx, &ed);
	if (r == 0)
		r = kexport_edits_parse(ed, edits_text, sizeof(edits_text) - 1);
	if (r == 0)
		r = kexport_edits_apply(ed, t, &out, &ch, &n_ch, NULL);
	if (r == 0)
		say("%zu changes, %zu exports after\n", n_ch, kexport_table_count(out));
	kexport_free(ch);
	kexport_table_free(out);
	kexport_edits_free(ed);
	kexport_table_free(t);
	return r;
}

static int e_image(struct kexport_ctx *ctx)
{
	struct kexport_table *t = NULL;
	int r = kexport_table_new(ctx, &t);
	if (r < 0)
		return r;
	KEXPORT_SIZED(kexport_source_info, info);
	r = kexport_read_exports(ctx, t, args[0], &info);
	if (r == 0) {
		say("%s %zu\n", kexport_source_type_name(info.type), info.n_exports);
		say_table(t);
	}
	kexport_table_free(t);
	return r;
}

static int history_event(const struct kexport_history_event *ev, void *arg)
{
	(void)arg;
	say("%s %s %x %zu\n", ev->name, ev->tag, ev->changes, ev->n_sites);
	return 0;
}

/* Set for the run after a faulted one: it reads what that run left. */
static bool keep_files;

static int e_history(struct kexport_ctx *ctx)
{
	struct kexport_history *h = NULL;
	if (!keep_files) {
		/* a new index each run: every allocation of indexing counts */
		unlink(args[1]);
		char p[4096];
		snprintf(p, sizeof(p), "%s-wal", args[1]);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", args[1]);
		unlink(p);
	}
	int r = kexport_history_open(ctx, args[0], args[1], &h);
	if (r == 0)
		r = kexport_history_index(h, NULL, NULL, NULL, NULL);
	if (r == 0)
		r = kexport_history_timeline(h, "*", false, history_event, NULL);
	kexport_history_free(h);
	return r;
}

static const struct {
	const char *name;
	int n_args;
	entry_fn fn;
	bool symvers, symvers_b;
	bool writes; /* leaves a file the next run reads */
} entries[] = {
	{ "symvers", 1, e_symvers, true, false },
	{ "module", 1, e_module, false, false },
	{ "tree", 1, e_tree, false, false },
	{ "check", 2, e_check, true, false },
	{ "audit", 2, e_audit, true, false },
	{ "diff", 2, e_diff, true, true },
	{ "whatif", 1, e_whatif, true, false },
	{ "image", 1, e_image, false, false },
	{ "history", 2, e_history, false, false, true },
	{ "dossier", 3, e_dossier, true, true, false },
	{ "maintainers", 1, e_maintainers, false, false, false },
};

/* A new context for one run, and the record of the last one forgotten. */
static struct kexport_ctx *fresh_run(void)
{
	struct kexport_ctx *ctx;
	if (kexport_ctx_new(&ctx) < 0)
		return NULL;
	kexport_ctx_set_diag(ctx, diag, NULL);
	kexport_ctx_set_threads(ctx, 1);
	ans_len = 0;
	if (ans)
		ans[0] = '\0';
	n_reports = n_reports_other = 0;
	first_other_msg[0] = '\0';
	return ctx;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fault-driver alloc|io ENTRY ARGS...\n");
		return 2;
	}
	bool io = strcmp(argv[1], "io") == 0;
	size_t e;
	for (e = 0; e < KX_ARRAY_SIZE(entries) && strcmp(entries[e].name, argv[2]) != 0; e++)
		;
	if (e == KX_ARRAY_SIZE(entries) || argc - 3 != entries[e].n_args) {
		fprintf(stderr, "fault-driver: unknown entry or wrong arguments: %s\n", argv[2]);
		return 2;
	}
	args = argv + 3;
	if (entries[e].symvers && read_text(args[0], &symvers_text, &symvers_size) < 0) {
		fprintf(stderr, "fault-driver: %s: cannot read\n", args[0]);
		return 2;
	}
	if (entries[e].symvers_b && read_text(args[1], &symvers_b_text, &symvers_b_size) < 0) {
		fprintf(stderr, "fault-driver: %s: cannot read\n", args[1]);
		return 2;
	}
	entry_fn fn = entries[e].fn;
	enum kx_fault_kind kind = io ? KX_FAULT_IO : KX_FAULT_ALLOC;
	/* The errnos: for allocations ENOMEM; for I/O a failure, an
	 * interruption and a short read, each through every call. */
	static const int io_errs[] = { EIO, EINTR, KX_FAULT_SHORT, EMFILE, ENOSPC };
	static const int alloc_errs[] = { ENOMEM };
	const int *errs = io ? io_errs : alloc_errs;
	size_t n_errs = io ? KX_ARRAY_SIZE(io_errs) : 1;

	/* The run without faults: the answer every other run is held to. */
	struct kexport_ctx *ctx;
	if (kexport_ctx_new(&ctx) < 0)
		return 2;
	kexport_ctx_set_diag(ctx, diag, NULL);
	kexport_ctx_set_threads(ctx, 1);
	want_err = 0;
	n_reports = n_reports_other = 0;
	kx_fault_set(kind, 0, 0, false);
	int r0 = fn(ctx);
	unsigned long calls = kx_fault_calls(kind);
	kexport_ctx_free(ctx);
	if (r0 < 0 || n_reports) {
		fprintf(stderr, "FAIL: %s without faults: %d, %u reports (%s)\n", argv[2], r0, n_reports,
		        first_other_msg);
		return 1;
	}
	char *expected = (strdup)(ans ? ans : "");
	unsigned long points = 0, failed = 0, recovered = 0, reported = 0;
	for (size_t k = 0; k < n_errs; k++) {
		int err = errs[k];
		bool must_recover = err == EINTR || err == KX_FAULT_SHORT;
		/* FAULT_DRIVER_FROM=N starts at N (to look at one failure). */
		const char *from = getenv("FAULT_DRIVER_FROM");
		for (unsigned long n = from ? strtoul(from, NULL, 10) : 1;; n++) {
			if (!(ctx = fresh_run()))
				return 2;
			want_err = err == KX_FAULT_SHORT ? -EIO : -err;
			kx_fault_set(kind, (long)n, err, false);
			int r = fn(ctx);
			unsigned long fired = kx_fault_fired(kind);
			kx_fault_set(kind, 0, 0, false);
			kexport_ctx_free(ctx);
#ifdef WITH_LSAN
			if (__lsan_do_recoverable_leak_check()) {
				(free)(expected);
				fprintf(stderr, "FAIL: %s %s: a leak when call %lu failed with %d\n", argv[2],
				        argv[1], n, err);
				return 1;
			}
#endif
			if (!fired)
				break; /* fewer calls than n: every point was covered */
			points++;
			bool same = r == 0 && strcmp(ans ? ans : "", expected) == 0;
			const char *what = NULL;
			if (same && !n_reports)
				recovered++;
			else if (must_recover)
				what = "an interrupted or short call was not retried";
			else if (n_reports_other)
				what = "the context was told another error";
			else if (r < 0 && r != want_err)
				what = "the call failed with another errno";
			else if (r < 0)
				failed++;
			else if (n_reports)
				reported++;
			else
				what = "a different answer, said nowhere";
			if (what && getenv("FAULT_DRIVER_SHOW"))
				fprintf(stderr, "--- expected\n%s--- got\n%s---\n", expected, ans ? ans : "");
			if (what) {
				(free)(expected);
				fprintf(stderr, "FAIL: %s %s: call %lu failing with %s: %s (returned %d%s%s)\n",
				        argv[2], argv[1], n, err == KX_FAULT_SHORT ? "a short read" : strerror(err),
				        what, r, first_other_msg[0] ? "; told: " : "", first_other_msg);
				return 1;
			}
			if (entries[e].writes) {
				if (!(ctx = fresh_run()))
					return 2;
				keep_files = true;
				r = fn(ctx);
				keep_files = false;
				kexport_ctx_free(ctx);
				if (r != 0 || n_reports || strcmp(ans ? ans : "", expected) != 0) {
					(free)(expected);
					fprintf(stderr, "FAIL: %s %s: after call %lu failed with %s, the next "
					        "run on what it left returned %d with %u reports (%s)\n",
					        argv[2], argv[1], n, err == KX_FAULT_SHORT ? "a short read"
					        : strerror(err), r, n_reports, first_other_msg);
					return 1;
				}
			}
		}
	}
	printf("%s %s: %lu calls, %lu injection points: %lu failed with the injected errno, "
	       "%lu said it and went on, %lu recovered\n", argv[2], io ? "I/O" : "allocation", calls,
	       points, failed, reported, recovered);
	(free)(expected);
	(free)(ans);
	(free)(symvers_text);
	(free)(symvers_b_text);
	return 0;
}
