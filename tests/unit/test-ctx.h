/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The unit tests' library context: made once, with a diagnostic callback
 * that records what the library reported, so that a test asserts on the
 * message of a failed call (and on there being exactly one).  Include after
 * <cmocka.h>.
 */
#pragma once

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "libkexport.h"

/* The reports since the last test_diag_reset(): how many, and the last one. */
static struct {
	unsigned n;
	int err;
	char path[512];
	char msg[KEXPORT_ERRMSG_MAX];
} test_diag __attribute__((unused));

static inline void test_diag_cb(void *data, const char *path, int err, const char *msg)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* worker threads report too */
	(void)data;
	pthread_mutex_lock(&lock);
	test_diag.n++;
	test_diag.err = err;
	snprintf(test_diag.path, sizeof(test_diag.path), "%s", path);
	snprintf(test_diag.msg, sizeof(test_diag.msg), "%s", msg);
	pthread_mutex_unlock(&lock);
}

static inline void test_diag_reset(void)
{
	memset(&test_diag, 0, sizeof(test_diag));
}

static inline struct kexport_ctx *test_ctx(void)
{
	static struct kexport_ctx *ctx;
	if (!ctx) {
		assert_int_equal(kexport_ctx_new(&ctx), 0);
		kexport_ctx_set_diag(ctx, test_diag_cb, NULL);
	}
	return ctx;
}

/*
 * Exactly one report since the last reset, as the contract wants a failed
 * call's: err, naming `path`, a non-empty one-line message (equal to `msg`
 * unless NULL), also kept as the thread's last error.  Then reset.
 */
static inline void test_reported(int err, const char *path, const char *msg)
{
	if (test_diag.n != 1)
		fail_msg("%u reports, want one (last: \"%s: %s\")", test_diag.n, test_diag.path,
		         test_diag.msg);
	assert_int_equal(test_diag.err, err);
	assert_string_equal(test_diag.path, path);
	assert_true(test_diag.msg[0] != '\0');
	assert_null(strchr(test_diag.msg, '\n'));
	if (msg)
		assert_string_equal(test_diag.msg, msg);
	assert_string_equal(kexport_ctx_last_error(test_ctx()), test_diag.msg);
	test_diag_reset();
}

/* Nothing reported since the last reset: successful calls are silent. */
static inline void test_no_report(void)
{
	if (test_diag.n != 0)
		fail_msg("%u reports, the last \"%s: %s\"", test_diag.n, test_diag.path, test_diag.msg);
}
