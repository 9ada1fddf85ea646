/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context's conventions: constructors need one, a failure is reported
 * once (to the callback, and as the thread's last error), the library's own
 * probing reports nothing, and reports from many threads are all counted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libkexport.h"
#include "test-ctx.h"

static void test_constructors_need_ctx(void **state)
{
	(void)state;
	struct kexport_table *t = NULL;
	struct kexport_edits *e = NULL;
	struct kexport_kernel *k = NULL;
	struct kexport_symlist *l = NULL;
	struct kexport_severity *s = NULL;
	struct kexport_module *m = NULL;
	assert_int_equal(kexport_table_new(NULL, &t), -EINVAL);
	assert_int_equal(kexport_edits_new(NULL, &e), -EINVAL);
	assert_int_equal(kexport_kernel_new(NULL, &k), -EINVAL);
	assert_int_equal(kexport_symlist_new(NULL, &l), -EINVAL);
	assert_int_equal(kexport_severity_parse(NULL, "x PASS\n", 7, &s), -EINVAL);
	assert_int_equal(kexport_module_read(NULL, "/nonexistent.ko", NULL, &m), -EINVAL);
	assert_null(t);
	assert_null(e);
	assert_null(k);
	assert_null(l);
	assert_null(s);
	assert_null(m);
}

static void test_last_error(void **state)
{
	(void)state;
	struct kexport_ctx *ctx;
	assert_int_equal(kexport_ctx_new(&ctx), 0);
	assert_string_equal(kexport_ctx_last_error(ctx), "");
	assert_int_equal(kexport_ctx_bad_inputs(ctx), 0);
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(ctx, &t), 0);
	/* no callback: the message is kept all the same */
	assert_int_equal(kexport_parse_symvers(t, "", 0, "empty.symvers"), -EINVAL);
	assert_string_equal(kexport_ctx_last_error(ctx), "empty file");
	assert_int_equal(kexport_ctx_bad_inputs(ctx), 1);
	/* a success does not clear it */
	static const char ok[] = "0x00000001\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n";
	assert_int_equal(kexport_parse_symvers(t, ok, sizeof(ok) - 1, "ok.symvers"), 0);
	assert_string_equal(kexport_ctx_last_error(ctx), "empty file");
	assert_int_equal(kexport_ctx_bad_inputs(ctx), 1);
	/* another context has its own */
	assert_string_equal(kexport_ctx_last_error(test_ctx()), "");
	kexport_table_free(t);
	kexport_ctx_free(ctx);
}

struct worker {
	struct kexport_ctx *ctx;
	int n;
	char last[KEXPORT_ERRMSG_MAX];
};

static void *report_many(void *arg)
{
	struct worker *w = arg;
	struct kexport_table *t;
	if (kexport_table_new(w->ctx, &t) < 0)
		return NULL;
	for (int i = 0; i < w->n; i++)
		kexport_parse_symvers(t, "hello world\n", 12, "worker");
	snprintf(w->last, sizeof(w->last), "%s", kexport_ctx_last_error(w->ctx));
	kexport_table_free(t);
	return NULL;
}

static void count_cb(void *data, const char *path, int err, const char *msg)
{
	(void)path, (void)err, (void)msg;
	__atomic_fetch_add((unsigned *)data, 1, __ATOMIC_RELAXED);
}

/* Reports from many threads at once: each counted, each thread's last
 * error its own. */
static void test_threads(void **state)
{
	(void)state;
	struct kexport_ctx *ctx;
	unsigned calls = 0;
	assert_int_equal(kexport_ctx_new(&ctx), 0);
	kexport_ctx_set_diag(ctx, count_cb, &calls);
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(ctx, &t), 0);
	assert_int_equal(kexport_parse_symvers(t, "", 0, "main"), -EINVAL);
	enum { THREADS = 8, EACH = 500 };
	struct worker w[THREADS];
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .ctx = ctx, .n = EACH };
		assert_int_equal(pthread_create(&th[i], NULL, report_many, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_non_null(strstr(w[i].last, "line 1"));
	}
	assert_int_equal(kexport_ctx_bad_inputs(ctx), 1 + THREADS * EACH);
	assert_int_equal(calls, 1 + THREADS * EACH);
	assert_string_equal(kexport_ctx_last_error(ctx), "empty file");
	kexport_table_free(t);
	kexport_ctx_free(ctx);
}

/* The library's own readers probe formats and read modules on worker
 * threads with the kx_ functions: one report for a bad input, none for a
 * good one, every bad module counted. */
static void test_reading_reports_once(void **state)
{
	(void)state;
	char dir[] = "/tmp/kexport-test-context-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[sizeof(dir) + 32];
	snprintf(path, sizeof(path), "%s/System.map", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("ffffffff82461280 R __start___ksymtab\n"
	      "ffffffff82461280 r __ksymtab_foo\n"
	      "ffffffff8246128c R __stop___ksymtab\n", f);
	fclose(f);
	struct kexport_ctx *ctx = test_ctx();
	kexport_ctx_set_threads(ctx, 4);
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(ctx, &t), 0);
	KEXPORT_SIZED(kexport_source_info, info);
	test_diag_reset();
	assert_int_equal(kexport_read_exports(ctx, t, path, &info), 0);
	assert_int_equal(info.type, KEXPORT_SOURCE_SYSTEM_MAP);
	assert_int_equal(info.sz, sizeof(info));
	assert_non_null(kexport_table_find(t, "foo"));
	test_no_report();
	/* A sized struct without its size is refused, and said once. */
	struct kexport_table *t2;
	assert_int_equal(kexport_table_new(ctx, &t2), 0);
	struct kexport_source_info unsized;
	memset(&unsized, 0, sizeof(unsized));
	assert_int_equal(kexport_read_exports(ctx, t2, path, &unsized), -EINVAL);
	assert_int_equal(test_diag.n, 1);
	assert_non_null(strstr(kexport_ctx_last_error(ctx), "KEXPORT_SIZED"));
	test_diag_reset();
	/* A caller built with an older, smaller struct gets what it has, and
	 * nothing is written past it. */
	struct kexport_source_info old;
	memset(&old, 0xab, sizeof(old));
	old.sz = offsetof(struct kexport_source_info, detail);
	assert_int_equal(kexport_read_exports(ctx, t2, path, &old), 0);
	assert_int_equal(old.type, KEXPORT_SOURCE_SYSTEM_MAP);
	assert_int_equal((unsigned char)old.detail[0], 0xab);
	assert_int_equal(old.n_exports, (size_t)0xababababababababull);
	assert_int_equal(old.sz, offsetof(struct kexport_source_info, detail));
	test_no_report();
	kexport_table_free(t2);
	unlink(path);
	/* modules that are not ELF: one report each, from whichever thread */
	enum { BAD = 24 };
	for (int i = 0; i < BAD; i++) {
		snprintf(path, sizeof(path), "%s/bad%02d.ko", dir, i);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs("not a module\n", f);
		fclose(f);
	}
	unsigned before = kexport_ctx_bad_inputs(ctx);
	struct kexport_module **mods;
	size_t n;
	kexport_read_modules(ctx, dir, &mods, &n);
	assert_int_equal(n, 0);
	assert_null(mods); /* as the header says, when nothing was read */
	assert_int_equal(test_diag.n, BAD);
	assert_int_equal(kexport_ctx_bad_inputs(ctx) - before, BAD);
	test_diag_reset();
	for (int i = 0; i < BAD; i++) {
		snprintf(path, sizeof(path), "%s/bad%02d.ko", dir, i);
		unlink(path);
	}
	rmdir(dir);
	kexport_table_free(t);
	kexport_ctx_set_threads(ctx, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructors_need_ctx),
		cmocka_unit_test(test_last_error),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_reading_reports_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
