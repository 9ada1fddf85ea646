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
