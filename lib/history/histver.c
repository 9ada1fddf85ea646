/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The two small parsers of `kexport history` that read text the user (or a
 * repository's tag list) supplies: the tag-version order and the "A..B"
 * range syntax.  They are kept apart from history.c so the fuzzers can call
 * them without a repository.
 *
 * Version order: tags sort by their numbers, not their spelling, so v6.10
 * comes after v6.9 and v2.6.39 before v3.0; "-rcN" sorts before the release
 * it leads to (v6.1-rc8 < v6.1).  Names without a version (no digit after
 * an optional "v") sort after every version, by name.  Ties are broken by
 * the plain string, so the order is total and sorting is stable across runs.
 */
#include <ctype.h>

#include "kexport-history.h"
#include "libkexport-internal.h"

#define VER_PARTS 8

struct ver {
	bool ok;                 /* the name starts like a version */
	unsigned n;              /* components read */
	uint32_t part[VER_PARTS];
	int rc;                  /* -1: no -rc suffix; else its number */
	const char *rest;        /* any other suffix ("" when none) */
};

/* Decimal with saturation: a tag like v99999999999 must not overflow. */
static const char *read_num(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	while (isdigit((unsigned char)*s)) {
		if (v < UINT32_MAX)
			v = v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	*out = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return s;
}

static void ver_parse(const char *s, struct ver *v)
{
	memset(v, 0, sizeof(*v));
	v->rc = -1;
	v->rest = "";
	if (*s == 'v' || *s == 'V')
		s++;
	if (!isdigit((unsigned char)*s))
		return;
	v->ok = true;
	for (;;) {
		uint32_t x;
		s = read_num(s, &x);
		if (v->n < VER_PARTS)
			v->part[v->n++] = x;
		if (s[0] == '.' && isdigit((unsigned char)s[1]))
			s++;
		else
			break;
	}
	if (strncmp(s, "-rc", 3) == 0 && isdigit((unsigned char)s[3])) {
		uint32_t rc;
		s = read_num(s + 3, &rc);
		v->rc = rc > INT32_MAX ? INT32_MAX : (int)rc;
	}
	v->rest = s;
}

KX_EXPORT int kexport_tag_version_cmp(const char *a, const char *b)
{
	struct ver va, vb;
	ver_parse(a, &va);
	ver_parse(b, &vb);
	if (va.ok != vb.ok)
		return va.ok ? -1 : 1;
	if (va.ok) {
		unsigned n = va.n > vb.n ? va.n : vb.n;
		for (unsigned i = 0; i < n; i++) {
			uint32_t x = i < va.n ? va.part[i] : 0, y = i < vb.n ? vb.part[i] : 0;
			if (x != y)
				return x < y ? -1 : 1;
		}
		/* rc < release: a missing rc counts as "after every rc". */
		if (va.rc != vb.rc) {
			if (va.rc < 0)
				return 1;
			if (vb.rc < 0)
				return -1;
			return va.rc < vb.rc ? -1 : 1;
		}
		int r = strcmp(va.rest, vb.rest);
		if (r)
			return r < 0 ? -1 : 1;
	}
	int r = strcmp(a, b);
	return r < 0 ? -1 : r > 0;
}

KX_EXPORT bool kexport_tag_is_rc(const char *tag)
{
	struct ver v;
	ver_parse(tag, &v);
	return v.ok && v.rc >= 0;
}

/* What git accepts in a revision we pass on: no spaces or control bytes, no
 * "..", bounded length.  libgit2 checks the rest when it resolves it. */
static bool ref_ok(const char *s, size_t len)
{
	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f || c == '\\')
			return false;
		if (c == '.' && i + 1 < len && s[i + 1] == '.')
			return false;
	}
	return true;
}

KX_EXPORT int kexport_history_parse_range(const char *s, size_t len, char **from, char **to)
{
	*from = *to = NULL;
	const char *dots = len >= 2 ? memmem(s, len, "..", 2) : NULL;
	if (!dots)
		return -EINVAL; /* not a range A..B */
	size_t la = (size_t)(dots - s), lb = len - la - 2;
	const char *b = dots + 2;
	if (lb && b[0] == '.')
		return -EINVAL; /* A...B is not supported */
	if (!la && !lb)
		return -EINVAL; /* empty range */
	if ((la && !ref_ok(s, la)) || (lb && !ref_ok(b, lb)))
		return -EINVAL; /* a side is not a valid revision name */
	if (la && !(*from = strndup(s, la)))
		return -ENOMEM;
	if (lb && !(*to = strndup(b, lb))) {
		free(*from);
		*from = NULL;
		return -ENOMEM;
	}
	return 0;
}
