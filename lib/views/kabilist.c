/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kABI policy files: symbol stablelists and severity rules.
 *
 * Stablelist: Red Hat's /lib/modules/kabi-VERSION/kabi_stablelist_ARCH
 *   [rhel9_x86_64_stablelist]
 *   <TAB>symbol
 * (older releases say "_whitelist"), or a plain list of one symbol per line.
 * Section headers only group; every symbol counts.  '#' starts a comment.
 *
 * Severity rules: SUSE's kabi/severities, as kabi.pl and ksymvers read it:
 *   PATTERN PASS|FAIL      # comment
 * A pattern containing '/' or equal to "vmlinux" is a module pattern (matched
 * against the export's owner), one equal to its own upper-case form a
 * namespace pattern (matched only against exports that have a namespace),
 * anything else a symbol pattern.  '*' and '?' are the only wildcards and
 * '*' also matches '/'.  The first rule that matches decides.
 */
#include "libkexport-internal.h"

/* Symbol names as they appear in Module.symvers: printable, no blanks. */
static bool symbol_char(unsigned char c)
{
	return c > ' ' && c < 0x7f;
}

/* The lines of a text buffer, comments stripped, blanks trimmed at both ends. */
struct text_lines {
	const char *p, *end;
	size_t lineno;
};

/* The next line's content (possibly empty) without comment and outer blanks; false at the end. */
static bool next_text_line(struct text_lines *t, const char **s, size_t *len, bool *indented)
{
	if (t->p >= t->end)
		return false;
	const char *nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
	const char *b = t->p, *e = nl ? nl : t->end;
	t->p = nl ? nl + 1 : t->end;
	t->lineno++;
	const char *hash = memchr(b, '#', (size_t)(e - b));
	if (hash)
		e = hash;
	*indented = b < e && (*b == ' ' || *b == '\t');
	while (b < e && (*b == ' ' || *b == '\t' || *b == '\r'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*s = b;
	*len = (size_t)(e - b);
	return true;
}

static int check_text(const char *data, size_t size, char *errmsg)
{
	if (memchr(data, '\0', size))
		return kx_err(errmsg, -EINVAL, "binary data in a text file");
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Stablelists: a name set on the export table's hash.                    */

struct kexport_symlist {
	struct kexport_ctx *ctx;
	struct kexport_table *names;
};

KX_EXPORT int kexport_symlist_new(struct kexport_ctx *ctx, struct kexport_symlist **l)
{
	if (!ctx)
		return -EINVAL;
	struct kexport_symlist *n = calloc(1, sizeof(*n));
	if (!n || kexport_table_new(ctx, &n->names) < 0) {
		free(n);
		return -ENOMEM;
	}
	n->ctx = ctx;
	*l = n;
	return 0;
}

KX_EXPORT void kexport_symlist_free(struct kexport_symlist *l)
{
	if (!l)
		return;
	kexport_table_free(l->names);
	free(l);
}

KX_EXPORT int kexport_symlist_add(struct kexport_symlist *l, const char *name)
{
	struct kexport_export e = { .name = name };
	return kexport_table_add(l->names, &e) < 0 ? -ENOMEM : 0;
}

KX_EXPORT bool kexport_symlist_has(const struct kexport_symlist *l, const char *name)
{
	return kexport_table_find(l->names, name) != NULL;
}

KX_EXPORT size_t kexport_symlist_count(const struct kexport_symlist *l)
{
	return kexport_table_count(l->names);
}

int kx_symlist_parse(struct kexport_symlist *l, const char *data, size_t size, char *errmsg)
{
	int r = check_text(data, size, errmsg);
	if (r < 0)
		return r;
	struct text_lines t = { data, data + size, 0 };
	const char *s;
	size_t len;
	bool indented;
	char name[512];
	while (next_text_line(&t, &s, &len, &indented)) {
		if (len == 0)
			continue;
		if (s[0] == '[') {
			/* A section header: "[rhel9_x86_64_stablelist]". */
			if (s[len - 1] != ']' || len < 3 || indented)
				return kx_err(errmsg, -EINVAL, "line %zu: not a section header '[NAME]'",
				              t.lineno);
			for (size_t i = 1; i + 1 < len; i++)
				if (!symbol_char((unsigned char)s[i]) || s[i] == '[' || s[i] == ']')
					return kx_err(errmsg, -EINVAL, "line %zu: bad section header",
					              t.lineno);
			continue;
		}
		for (size_t i = 0; i < len; i++)
			if (!symbol_char((unsigned char)s[i]))
				return kx_err(errmsg, -EINVAL,
				              "line %zu: not a symbol name (one name per line, '#' comments, '[section]' headers)",
				              t.lineno);
		if (len >= sizeof(name))
			return kx_err(errmsg, -EINVAL, "line %zu: symbol name too long", t.lineno);
		memcpy(name, s, len);
		name[len] = '\0';
		if (kexport_symlist_add(l, name) < 0)
			return kx_err(errmsg, -ENOMEM, "out of memory");
	}
	return 0;
}

KX_EXPORT int kexport_symlist_parse(struct kexport_symlist *l, const char *data, size_t size)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(l->ctx, NULL, kx_symlist_parse(l, data, size, msg), msg);
}

int kx_symlist_read(struct kexport_symlist *l, const char *path, char *errmsg)
{
	char *data;
	size_t size;
	int r = kx_read_file(path, &data, &size, errmsg);
	if (r < 0)
		return r;
	r = kx_symlist_parse(l, data, size, errmsg);
	free(data);
	return r;
}

KX_EXPORT int kexport_symlist_read(struct kexport_symlist *l, const char *path)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(l->ctx, path, kx_symlist_read(l, path, msg), msg);
}

/* ---------------------------------------------------------------------- */
/* Severity rules                                                         */

enum pattern_kind { PAT_MODULE, PAT_NAMESPACE, PAT_SYMBOL };

struct severity_rule {
	const char *pattern;
	const char *text;     /* "PATTERN VERDICT", for reports */
	enum pattern_kind kind;
	bool fail;
	size_t line;
};

struct kexport_severity {
	struct kexport_ctx *ctx;
	struct kx_arena arena;
	struct kx_vec rules;  /* struct severity_rule */
};

/*
 * '*' and '?' wildcards, nothing else special (ksymvers' matches_wildcard).
 * Greedy with one backtrack point: linear in practice, never exponential.
 */
static bool glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static bool all_upper(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			return false;
	return true;
}

/* Split off the next blank-separated word of [*s, end). */
static bool next_word(const char **s, const char *end, const char **w, size_t *wl)
{
	const char *p = *s;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return false;
	const char *b = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*w = b;
	*wl = (size_t)(p - b);
	*s = p;
	return true;
}

KX_EXPORT void kexport_severity_free(struct kexport_severity *s)
{
	if (!s)
		return;
	kx_arena_free(&s->arena);
	kx_vec_free(&s->rules);
	free(s);
}

int kx_severity_parse(struct kexport_ctx *ctx, const char *data, size_t size,
                      struct kexport_severity **out, char *errmsg)
{
	int r = check_text(data, size, errmsg);
	if (r < 0)
		return r;
	struct kexport_severity *sv = calloc(1, sizeof(*sv));
	if (!sv)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	sv->ctx = ctx;
	kx_vec_init(&sv->rules, sizeof(struct severity_rule));
	struct text_lines t = { data, data + size, 0 };
	const char *s;
	size_t len;
	bool indented;
	while (next_text_line(&t, &s, &len, &indented)) {
		const char *p = s, *end = s + len, *pat, *verdict, *extra;
		size_t pl, vl, xl;
		if (!next_word(&p, end, &pat, &pl))
			continue;
		for (size_t i = 0; i < pl; i++)
			if (!symbol_char((unsigned char)pat[i])) {
				r = kx_err(errmsg, -EINVAL, "line %zu: bad character in the pattern", t.lineno);
				goto fail;
			}
		if (!next_word(&p, end, &verdict, &vl)) {
			r = kx_err(errmsg, -EINVAL, "line %zu: the rule has no verdict (want PATTERN PASS|FAIL)",
			           t.lineno);
			goto fail;
		}
		bool fail;
		if (vl == 4 && memcmp(verdict, "PASS", 4) == 0)
			fail = false;
		else if (vl == 4 && memcmp(verdict, "FAIL", 4) == 0)
			fail = true;
		else {
			r = kx_err(errmsg, -EINVAL, "line %zu: invalid verdict '%.*s', must be PASS or FAIL",
			           t.lineno, (int)(vl < 32 ? vl : 32), verdict);
			goto fail;
		}
		if (next_word(&p, end, &extra, &xl)) {
			r = kx_err(errmsg, -EINVAL, "line %zu: unexpected '%.*s' after the verdict", t.lineno,
			           (int)(xl < 32 ? xl : 32), extra);
			goto fail;
		}
		struct severity_rule *rule = kx_vec_push(&sv->rules);
		if (!rule)
			goto oom;
		rule->pattern = kx_arena_strndup(&sv->arena, pat, pl);
		rule->text = kx_arena_strndup(&sv->arena, pat, (size_t)(verdict + vl - pat));
		if (!rule->pattern || !rule->text)
			goto oom;
		if (memchr(pat, '/', pl) || (pl == 7 && memcmp(pat, "vmlinux", 7) == 0))
			rule->kind = PAT_MODULE;
		else if (all_upper(pat, pl))
			rule->kind = PAT_NAMESPACE;
		else
			rule->kind = PAT_SYMBOL;
		rule->fail = fail;
		rule->line = t.lineno;
	}
	*out = sv;
	return 0;
oom:
	r = kx_err(errmsg, -ENOMEM, "out of memory");
fail:
	kexport_severity_free(sv);
	return r;
}

KX_EXPORT int kexport_severity_parse(struct kexport_ctx *ctx, const char *data, size_t size,
                                     struct kexport_severity **s)
{
	if (!ctx)
		return -EINVAL;
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(ctx, NULL, kx_severity_parse(ctx, data, size, s, msg), msg);
}

int kx_severity_read(struct kexport_ctx *ctx, const char *path, struct kexport_severity **s,
                     char *errmsg)
{
	char *data;
	size_t size;
	int r = kx_read_file(path, &data, &size, errmsg);
	if (r < 0)
		return r;
	r = kx_severity_parse(ctx, data, size, s, errmsg);
	free(data);
	return r;
}

KX_EXPORT int kexport_severity_read(struct kexport_ctx *ctx, const char *path,
                                    struct kexport_severity **s)
{
	if (!ctx)
		return -EINVAL;
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(ctx, path, kx_severity_read(ctx, path, s, msg), msg);
}

KX_EXPORT size_t kexport_severity_count(const struct kexport_severity *s)
{
	return s->rules.n;
}

KX_EXPORT int kexport_severity_match(const struct kexport_severity *s, const struct kexport_export *e,
                                     const char **text, size_t *line)
{
	const struct severity_rule *rules = s->rules.items;
	for (size_t i = 0; i < s->rules.n; i++) {
		const struct severity_rule *r = &rules[i];
		bool m;
		switch (r->kind) {
		case PAT_MODULE:
			m = glob_match(r->pattern, e->owner ? e->owner : "");
			break;
		case PAT_NAMESPACE:
			m = e->ns && e->ns[0] && glob_match(r->pattern, e->ns);
			break;
		default:
			m = glob_match(r->pattern, e->name);
			break;
		}
		if (!m)
			continue;
		if (text)
			*text = r->text;
		if (line)
			*line = r->line;
		return r->fail ? 1 : 0;
	}
	return -ENOENT;
}
