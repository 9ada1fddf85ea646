/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What changed for a symbol between two states: its sets of sites compared
 * (KEXPORT_CHANGE_* bits), for the walk and for the queries alike.
 */
#include "history.h"

/* ------------------------------------------------------------------------ */
/* Classifying a change                                                     */

int hist_csite_find(const struct csite *v, size_t n, const struct csite *x)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].path, x->path) == 0 && v[i].kind == x->kind &&
		    strcmp(v[i].ns, x->ns) == 0)
			return (int)i;
	return -1;
}

bool hist_csets_equal(const struct csite *a, size_t na, const struct csite *b, size_t nb)
{
	for (size_t i = 0; i < na; i++)
		if (hist_csite_find(b, nb, &a[i]) < 0)
			return false;
	for (size_t i = 0; i < nb; i++)
		if (hist_csite_find(a, na, &b[i]) < 0)
			return false;
	return true;
}

/* 1: every site GPL-only, 0: none, -1: mixed. */
static int gpl_state(const struct csite *v, size_t n)
{
	size_t g = 0;
	for (size_t i = 0; i < n; i++)
		g += kexport_kind_gpl_only(v[i].kind);
	return g == n ? 1 : g == 0 ? 0 : -1;
}

/* The kind all sites share, or -1. */
static int common_kind(const struct csite *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i].kind != v[0].kind)
			return -1;
	return (int)v[0].kind;
}

/* The namespace all sites share, or NULL when they differ. */
static const char *common_ns(const struct csite *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i].ns, v[0].ns) != 0)
			return NULL;
	return v[0].ns;
}

static bool path_in(const struct csite *v, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].path, path) == 0)
			return true;
	return false;
}

/* KEXPORT_CHANGE_* from the old and the new site set; 0 when equal. */
unsigned hist_classify(const struct csite *o, size_t no, const struct csite *n, size_t nn)
{
	if (hist_csets_equal(o, no, n, nn))
		return 0;
	if (!no)
		return KEXPORT_CHANGE_ADDED;
	if (!nn)
		return KEXPORT_CHANGE_REMOVED;
	unsigned c = 0;
	bool moved = false;
	for (size_t i = 0; i < no && !moved; i++)
		moved = !path_in(n, nn, o[i].path);
	for (size_t i = 0; i < nn && !moved; i++)
		moved = !path_in(o, no, n[i].path);
	if (moved)
		c |= KEXPORT_CHANGE_MOVED;
	if (common_kind(o, no) != common_kind(n, nn) || common_kind(o, no) < 0) {
		int go = gpl_state(o, no), gn = gpl_state(n, nn);
		if (gn == 1 && go != 1)
			c |= KEXPORT_CHANGE_KIND_TIGHTENED;
		else if (go == 1 && gn != 1)
			c |= KEXPORT_CHANGE_KIND_LOOSENED;
		else if (common_kind(o, no) != common_kind(n, nn))
			c |= KEXPORT_CHANGE_KIND_CHANGED;
	}
	const char *nso = common_ns(o, no), *nsn = common_ns(n, nn);
	if (!nso || !nsn || strcmp(nso, nsn) != 0) {
		if (nso && !*nso && nsn)
			c |= KEXPORT_CHANGE_NS_ADDED;
		else if (nsn && !*nsn && nso)
			c |= KEXPORT_CHANGE_NS_REMOVED;
		else
			c |= KEXPORT_CHANGE_NS_CHANGED;
	}
	/* The sets differ in a way none of the above names (sites swapped
	 * between files of a mixed symbol): still a change of its files. */
	return c ? c : KEXPORT_CHANGE_MOVED;
}

struct csite *hist_to_csites(const struct site *v, size_t n)
{
	struct csite *c = malloc((n ? n : 1) * sizeof(*c));
	if (c)
		for (size_t i = 0; i < n; i++)
			c[i] = (struct csite){ v[i].path, v[i].ns, v[i].kind };
	return c;
}
