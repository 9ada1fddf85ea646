/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared helpers of the libFuzzer targets: contract checks on error messages
 * and a walk over a filled export table that touches every string, so that
 * ASan sees any pointer the readers left dangling or unterminated.
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkexport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                    \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, \
			        #cond);                                          \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			abort();                                                 \
		}                                                                \
	} while (0)

/* A volatile sink, so the compiler keeps every read the targets make. */
static volatile size_t fuzz_sink;

static inline size_t fuzz_str(const char *s)
{
	FUZZ_CHECK(s != NULL, "NULL string handed out by the library");
	return strlen(s);
}

/*
 * Our contract for a failed call: a negative errno from the documented set
 * and one non-empty line, NUL-terminated inside the KEXPORT_ERRMSG_MAX buffer.
 */
static inline void fuzz_check_error(int r, const char *errmsg, const char *what)
{
	FUZZ_CHECK(memchr(errmsg, '\0', KEXPORT_ERRMSG_MAX) != NULL,
	           "%s: error message not NUL-terminated", what);
	FUZZ_CHECK(errmsg[0] != '\0', "%s: returned %d with an empty error message", what, r);
	FUZZ_CHECK(strchr(errmsg, '\n') == NULL, "%s: error message has a newline: \"%s\"",
	           what, errmsg);
	FUZZ_CHECK(r == -ENOEXEC || r == -EINVAL || r == -ENOENT || r == -ENOTSUP || r == -ENOMEM,
	           "%s: returned %d (%s), not a documented errno; message \"%s\"", what, r,
	           strerror(-r), errmsg);
}

/* Check a return value: 0 or an error that honours the contract above. */
static inline void fuzz_check_result(int r, const char *errmsg, const char *what)
{
	FUZZ_CHECK(r <= 0, "%s: returned %d, want 0 or a negative errno", what, r);
	if (r < 0)
		fuzz_check_error(r, errmsg, what);
}

/*
 * The fuzzer's one library context, made on first use, one thread: what
 * the public functions report through it is recorded here.
 */
static struct {
	unsigned n;
	int err;
	char path[256];
	char msg[KEXPORT_ERRMSG_MAX];
} fuzz_diag;

static inline void fuzz_diag_cb(void *data, const char *path, int err, const char *msg)
{
	(void)data;
	FUZZ_CHECK(path != NULL && msg != NULL, "report without a path or a message");
	FUZZ_CHECK(strlen(msg) < KEXPORT_ERRMSG_MAX, "a message of %zu bytes", strlen(msg));
	if (err == 0)
		return; /* a warning: the call goes on, and may succeed */
	fuzz_diag.n++;
	fuzz_diag.err = err;
	snprintf(fuzz_diag.path, sizeof(fuzz_diag.path), "%s", path);
	memcpy(fuzz_diag.msg, msg, strlen(msg) + 1);
}

static inline struct kexport_ctx *fuzz_ctx(void)
{
	static struct kexport_ctx *ctx;
	if (!ctx) {
		FUZZ_CHECK(kexport_ctx_new(&ctx) == 0, "kexport_ctx_new failed");
		kexport_ctx_set_diag(ctx, fuzz_diag_cb, NULL);
		kexport_ctx_set_threads(ctx, 1);
	}
	return ctx;
}

/* Forget what was reported: before a call whose reports are checked. */
static inline void fuzz_diag_reset(void)
{
	fuzz_diag.n = 0;
	fuzz_diag.err = 0;
	fuzz_diag.path[0] = fuzz_diag.msg[0] = '\0';
}

/*
 * A public call's result against the contract: when it failed (r < 0),
 * exactly one report through the context, naming `path`, with r and a
 * message as fuzz_check_error() wants it, also the thread's last error;
 * nothing reported when it succeeded.  Then the record is reset.
 */
static inline void fuzz_check_reported(int r, const char *path, const char *what)
{
	if (r < 0) {
		FUZZ_CHECK(fuzz_diag.n == 1, "%s: returned %d with %u reports", what, r, fuzz_diag.n);
		FUZZ_CHECK(fuzz_diag.err == r, "%s: returned %d, reported %d", what, r, fuzz_diag.err);
		FUZZ_CHECK(strcmp(fuzz_diag.path, path) == 0, "%s: reported for \"%s\", not \"%s\"",
		           what, fuzz_diag.path, path);
		fuzz_check_error(r, fuzz_diag.msg, what);
		FUZZ_CHECK(strcmp(kexport_ctx_last_error(fuzz_ctx()), fuzz_diag.msg) == 0,
		           "%s: last error \"%s\", reported \"%s\"", what,
		           kexport_ctx_last_error(fuzz_ctx()), fuzz_diag.msg);
	} else {
		FUZZ_CHECK(fuzz_diag.n == 0, "%s: returned %d but reported \"%s\"", what, r,
		           fuzz_diag.msg);
	}
	fuzz_diag_reset();
}

static inline void fuzz_touch_export(const struct kexport_export *e)
{
	size_t n = fuzz_str(e->name) + fuzz_str(e->ns) + fuzz_str(e->owner) + fuzz_str(e->source);
	FUZZ_CHECK((unsigned)e->kind < KEXPORT_KIND_COUNT, "export kind %d out of range",
	           (int)e->kind);
	n += fuzz_str(kexport_kind_name(e->kind)) + fuzz_str(kexport_kind_short(e->kind));
	n += e->crc + e->known;
	char line[4096];
	int r = kexport_format_symvers(e, line, sizeof(line));
	if (r >= 0)
		n += strnlen(line, sizeof(line));
	fuzz_sink += n;
}

/* Touch every entry and conflict, then sort and look every name up again. */
static inline void fuzz_walk_table(struct kexport_table *t)
{
	size_t n = kexport_table_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct kexport_export *e = kexport_table_get(t, i);
		FUZZ_CHECK(e != NULL, "kexport_table_get(%zu) of %zu is NULL", i, n);
		fuzz_touch_export(e);
		FUZZ_CHECK(kexport_table_find(t, e->name) == e, "entry %zu not found by name", i);
	}
	FUZZ_CHECK(kexport_table_get(t, n) == NULL, "kexport_table_get past the end");
	size_t nc = kexport_table_conflict_count(t);
	for (size_t i = 0; i < nc; i++) {
		const struct kexport_conflict *c = kexport_table_conflict(t, i);
		FUZZ_CHECK(c && c->kept && c->other && c->what, "conflict %zu incomplete", i);
		fuzz_touch_export(c->kept);
		fuzz_touch_export(c->other);
		fuzz_sink += fuzz_str(c->what);
	}
	kexport_table_sort(t);
	for (size_t i = 0; i < n; i++) {
		const struct kexport_export *e = kexport_table_get(t, i);
		FUZZ_CHECK(e && kexport_table_find(t, e->name) == e, "entry %zu lost by sorting", i);
		if (i)
			FUZZ_CHECK(strcmp(kexport_table_get(t, i - 1)->name, e->name) < 0,
			           "table not sorted (or duplicate names) at %zu", i);
	}
}

/* A copy of exactly `size` bytes (at least one allocation), for text readers. */
static inline char *fuzz_dup(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);
	FUZZ_CHECK(p != NULL, "out of memory");
	if (size)
		memcpy(p, data, size);
	return p;
}
