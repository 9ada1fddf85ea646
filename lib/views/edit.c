/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What-if edits of an export table: "this symbol becomes GPL-only", "these
 * are exported to everyone", "this namespace goes", "this export goes".
 * A list of edits is applied to a copy of a table, so the original and the
 * edited table can be judged side by side (kexport whatif, diff, ...).
 */
#include <fnmatch.h>

#include "libkexport-internal.h"

struct kexport_edits {
	struct kexport_ctx *ctx;
	struct kx_arena arena;
	struct kx_vec edits; /* struct kexport_edit */
};

static const char *const op_names[] = {
	[KEXPORT_EDIT_GPL_ONLY] = "gpl-only",
	[KEXPORT_EDIT_EXPORT] = "export",
	[KEXPORT_EDIT_NS] = "ns",
	[KEXPORT_EDIT_UNEXPORT] = "unexport",
};

KX_EXPORT const char *kexport_edit_op_name(enum kexport_edit_op op)
{
	return (unsigned)op < KX_ARRAY_SIZE(op_names) ? op_names[op] : "(unknown)";
}

KX_EXPORT int kexport_edits_new(struct kexport_ctx *ctx, struct kexport_edits **edits)
{
	if (!ctx)
		return -EINVAL;
	struct kexport_edits *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ctx = ctx;
	kx_vec_init(&e->edits, sizeof(struct kexport_edit));
	*edits = e;
	return 0;
}

KX_EXPORT void kexport_edits_free(struct kexport_edits *e)
{
	if (!e)
		return;
	kx_arena_free(&e->arena);
	kx_vec_free(&e->edits);
	free(e);
}

KX_EXPORT size_t kexport_edits_count(const struct kexport_edits *e)
{
	return e->edits.n;
}

KX_EXPORT const struct kexport_edit *kexport_edits_get(const struct kexport_edits *e, size_t i)
{
	return i < e->edits.n ? &((const struct kexport_edit *)e->edits.items)[i] : NULL;
}

/* A symbol name or glob: printable, no blanks (a name never has any). */
static bool valid_pattern(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '=')
			return false;
	return true;
}

static int add_edit(struct kexport_edits *e, const char *op, size_t oplen, const char *arg,
                    size_t arglen, char *errmsg)
{
	if (oplen > 2 && op[0] == '-' && op[1] == '-') {
		op += 2;
		oplen -= 2;
	}
	unsigned k;
	for (k = 0; k < KX_ARRAY_SIZE(op_names); k++)
		if (strlen(op_names[k]) == oplen && memcmp(op_names[k], op, oplen) == 0)
			break;
	if (k == KX_ARRAY_SIZE(op_names))
		return kx_err(errmsg, -EINVAL, "unknown change '%.*s' (expected gpl-only, export, ns "
		                               "or unexport)", (int)(oplen > 40 ? 40 : oplen), op);
	size_t plen = arglen;
	const char *ns = NULL;
	size_t nslen = 0;
	if (k == KEXPORT_EDIT_NS) {
		const char *eq = memchr(arg, '=', arglen);
		if (!eq)
			return kx_err(errmsg, -EINVAL, "ns needs SYMBOL=NAMESPACE (empty NAMESPACE: none)");
		plen = (size_t)(eq - arg);
		ns = eq + 1;
		nslen = arglen - plen - 1;
		if (nslen && !valid_pattern(ns, nslen))
			return kx_err(errmsg, -EINVAL, "bad namespace '%.*s'",
			              (int)(nslen > 40 ? 40 : nslen), ns);
	}
	if (!valid_pattern(arg, plen))
		return kx_err(errmsg, -EINVAL, "%s needs a symbol name or glob", op_names[k]);
	struct kexport_edit *ed = kx_vec_push(&e->edits);
	if (!ed)
		return -ENOMEM;
	ed->op = (enum kexport_edit_op)k;
	ed->pattern = kx_arena_strndup(&e->arena, arg, plen);
	ed->ns = ns ? kx_arena_strndup(&e->arena, ns, nslen) : NULL;
	if (!ed->pattern || (ns && !ed->ns))
		return -ENOMEM;
	return 0;
}

int kx_edits_add(struct kexport_edits *e, const char *op, const char *arg, char *errmsg)
{
	return add_edit(e, op, strlen(op), arg, strlen(arg), errmsg);
}

KX_EXPORT int kexport_edits_add(struct kexport_edits *e, const char *op, const char *arg)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(e->ctx, arg, kx_edits_add(e, op, arg, msg), msg);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int kx_edits_parse(struct kexport_edits *e, const char *data, size_t size, char *errmsg)
{
	size_t line = 0;
	for (size_t pos = 0; pos < size;) {
		const char *s = data + pos;
		const char *nl = memchr(s, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - s) : size - pos;
		pos += len + 1;
		line++;
		const char *hash = memchr(s, '#', len);
		if (hash)
			len = (size_t)(hash - s);
		if (memchr(s, '\0', len))
			return kx_err(errmsg, -EINVAL, "line %zu: a NUL byte", line);
		size_t i = 0;
		while (i < len && blank(s[i]))
			i++;
		while (len > i && blank(s[len - 1]))
			len--;
		if (i == len)
			continue;
		size_t op = i;
		while (i < len && !blank(s[i]))
			i++;
		size_t oplen = i - op;
		while (i < len && blank(s[i]))
			i++;
		char msg[KEXPORT_ERRMSG_MAX];
		int r = i == len ? kx_err(msg, -EINVAL, "a change needs a symbol")
		                 : add_edit(e, s + op, oplen, s + i, len - i, msg);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return kx_err(errmsg, r, "line %zu: %s", line, msg);
	}
	return 0;
}

static bool matches(const struct kexport_edit *ed, const char *name)
{
	if (!strpbrk(ed->pattern, "*?["))
		return strcmp(ed->pattern, name) == 0;
	return fnmatch(ed->pattern, name, 0) == 0;
}

KX_EXPORT int kexport_edits_apply(const struct kexport_edits *e, const struct kexport_table *in,
                                  struct kexport_table **out, struct kexport_edit_change **changes,
                                  size_t *n_changes, size_t *matched)
{
	struct kexport_table *t;
	struct kx_vec ch;
	kx_vec_init(&ch, sizeof(struct kexport_edit_change));
	size_t ne = e->edits.n;
	const struct kexport_edit *eds = e->edits.items;
	if (matched)
		memset(matched, 0, ne * sizeof(*matched));
	if (kexport_table_new(kx_table_ctx(in), &t) < 0)
		return -ENOMEM;
	size_t n = kexport_table_count(in);
	for (size_t i = 0; i < n; i++) {
		const struct kexport_export *old = kexport_table_get(in, i);
		struct kexport_export x = *old;
		bool removed = false;
		size_t last = SIZE_MAX;
		for (size_t k = 0; k < ne; k++) {
			const struct kexport_edit *ed = &eds[k];
			/* an export removed by an earlier edit cannot be edited again */
			if (removed || !matches(ed, old->name))
				continue;
			if (matched)
				matched[k]++;
			last = k;
			switch (ed->op) {
			case KEXPORT_EDIT_GPL_ONLY:
				x.kind = KEXPORT_KIND_GPL;
				x.known |= KEXPORT_KNOWN_KIND;
				break;
			case KEXPORT_EDIT_EXPORT:
				x.kind = KEXPORT_KIND_PLAIN;
				x.known |= KEXPORT_KNOWN_KIND;
				break;
			case KEXPORT_EDIT_NS:
				x.ns = ed->ns;
				x.known |= KEXPORT_KNOWN_NS;
				break;
			case KEXPORT_EDIT_UNEXPORT:
				removed = true;
				break;
			}
		}
		bool differs = removed || x.kind != old->kind || strcmp(x.ns, old->ns) != 0;
		if (!removed && kexport_table_add(t, &x) < 0)
			goto oom;
		if (!differs)
			continue;
		struct kexport_edit_change *c = kx_vec_push(&ch);
		if (!c)
			goto oom;
		c->before = old;
		c->after = removed ? NULL : kexport_table_find(t, old->name);
		c->edit = last;
	}
	*out = t;
	*changes = ch.items;
	*n_changes = ch.n;
	return 0;
oom:
	kx_vec_free(&ch);
	kexport_table_free(t);
	return -ENOMEM;
}

KX_EXPORT int kexport_edits_parse(struct kexport_edits *e, const char *data, size_t size)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(e->ctx, NULL, kx_edits_parse(e, data, size, msg), msg);
}

int kx_edits_read(struct kexport_edits *e, const char *path, char *errmsg)
{
	char *data;
	size_t size;
	int r = kx_read_file(path, &data, &size, errmsg);
	if (r < 0)
		return r;
	r = kx_edits_parse(e, data, size, errmsg);
	free(data);
	return r;
}

KX_EXPORT int kexport_edits_read(struct kexport_edits *e, const char *path)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(e->ctx, path, kx_edits_read(e, path, msg), msg);
}
