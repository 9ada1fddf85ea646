/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The source scanner's reading of text, without a preprocessor: line
 * numbers, comments and literals skipped, a directive read whole (its
 * continuation lines joined), the #if condition stack kept as text, and a
 * macro call's arguments split and substituted.
 */
#include "srclex.h"

void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

unsigned src_line_at(struct scan *s, size_t pos)
{
	const char *p = s->b + s->line_pos, *end = s->b + pos;
	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		s->line++;
		p++;
	}
	s->line_pos = pos;
	return s->line;
}

int src_fail(struct scan *s, size_t pos, const char *what)
{
	s->err = -EINVAL;
	kx_err(s->errmsg, -EINVAL, "%s at line %u", what, src_line_at(s, pos));
	return -1;
}

/* Past the end of the comment that starts at i ("/ *"); -1 if unterminated. */
ssize_t src_skip_comment(struct scan *s, size_t i)
{
	const char *e = memmem(s->b + i + 2, s->len - i - 2, "*/", 2);
	if (!e)
		return src_fail(s, i, "unterminated comment");
	return e + 2 - s->b;
}

/* Past the end of a string or character literal starting at i; an unescaped
 * newline ends it too (assembler, or a stray quote). */
size_t src_skip_literal(const struct scan *s, size_t i)
{
	char q = s->b[i++];
	while (i < s->len) {
		char c = s->b[i];
		if (c == '\\' && i + 1 < s->len) {
			i += 2;
			continue;
		}
		if (c == q)
			return i + 1;
		if (c == '\n')
			return i;
		i++;
	}
	return i;
}

/*
 * The text of a directive from i (just after '#') to its end: continuation
 * lines joined, comments turned into one space, runs of blanks into one.
 * Returns the position of the newline that ends it (or len).
 */
ssize_t src_read_directive(struct scan *s, size_t i, struct sbuf *out)
{
	out->n = 0;
	sb_add(out, "", 0);
	bool blank = true;
	while (i < s->len) {
		char c = s->b[i];
		if (c == '\n')
			break;
		if (c == '\\' && i + 1 < s->len && (s->b[i + 1] == '\n' ||
		    (s->b[i + 1] == '\r' && i + 2 < s->len && s->b[i + 2] == '\n'))) {
			i += s->b[i + 1] == '\n' ? 2 : 3;
			c = ' ';
		} else if (c == '/' && i + 1 < s->len && s->b[i + 1] == '*') {
			ssize_t e = src_skip_comment(s, i);
			if (e < 0)
				return -1;
			i = (size_t)e;
			c = ' ';
		} else if (c == '/' && i + 1 < s->len && s->b[i + 1] == '/') {
			while (i < s->len && s->b[i] != '\n')
				i++;
			break;
		} else if ((c == '"' || (c == '\'' && !s->assembler))) {
			size_t e = src_skip_literal(s, i);
			sb_add(out, s->b + i, e - i);
			i = e;
			blank = false;
			continue;
		} else {
			i++;
		}
		if (is_space(c)) {
			if (!blank)
				sb_putc(out, ' ');
			blank = true;
		} else {
			sb_putc(out, c);
			blank = false;
		}
	}
	while (out->n && out->s[out->n - 1] == ' ')
		out->s[--out->n] = '\0';
	if (out->oom) {
		s->err = kx_err(s->errmsg, -ENOMEM, "out of memory");
		return -1;
	}
	return (ssize_t)i;
}

/* "(expr)" when expr has a binary operator, else expr. */
char *src_wrap(const char *e)
{
	bool bin = strstr(e, "&&") || strstr(e, "||") || strchr(e, '?');
	char *r;
	if (asprintf(&r, bin ? "(%s)" : "%s", e) < 0)
		return NULL;
	return r;
}

char *src_negate(const char *e)
{
	char *r;
	if (strncmp(e, "defined(", 8) == 0 && !strchr(e + 8, '(') &&
	    strchr(e, ')') == e + strlen(e) - 1) {
		if (asprintf(&r, "!%s", e) < 0)
			return NULL;
		return r;
	}
	if (asprintf(&r, "!(%s)", e) < 0)
		return NULL;
	return r;
}

char *src_and(const char *a, const char *b)
{
	char *r;
	if (!a)
		return b ? strdup(b) : NULL;
	if (!b)
		return strdup(a);
	if (asprintf(&r, "%s && %s", a, b) < 0)
		return NULL;
	return r;
}

int src_push_level(struct scan *s, char *cond, const char *guard)
{
	if (s->depth == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct level *l = realloc(s->lv, cap * sizeof(*l));
		if (!l) {
			free(cond);
			return -1;
		}
		s->lv = l;
		s->cap = cap;
	}
	struct level *l = &s->lv[s->depth++];
	l->cur = cond;
	l->raw = cond ? strdup(cond) : NULL;
	l->prev = NULL;
	l->guard = guard ? strdup(guard) : NULL;
	l->is_guard = false;
	return 0;
}

void src_free_level(struct level *l)
{
	free(l->cur);
	free(l->raw);
	free(l->prev);
	free(l->guard);
}

/* The namespace argument as a string: "NS" or NS, blanks trimmed. */
void src_ns_text(const char *a, size_t n, struct sbuf *out)
{
	while (n && (*a == ' ' || *a == '"')) {
		a++;
		n--;
	}
	while (n && (a[n - 1] == ' ' || a[n - 1] == '"'))
		n--;
	sb_add(out, a, n);
}

/* The condition stack as one expression, in s->cond; NULL when empty. */
const char *src_cond_text(struct scan *s)
{
	s->cond.n = 0;
	sb_add(&s->cond, "", 0);
	bool any = false;
	for (size_t i = 0; i < s->depth; i++) {
		if (!s->lv[i].cur)
			continue;
		if (any)
			sb_str(&s->cond, " && ");
		sb_str(&s->cond, s->lv[i].cur);
		any = true;
	}
	return any ? s->cond.s : NULL;
}

ssize_t src_read_args(struct scan *s, size_t i, struct args *av)
{
	int depth = 0;
	size_t start = i + 1, open = i;
	av->count = 0;
	for (; i < s->len; i++) {
		char c = s->b[i];
		if (c == '/' && i + 1 < s->len && s->b[i + 1] == '*') {
			ssize_t e = src_skip_comment(s, i);
			if (e < 0)
				return -1;
			i = (size_t)e - 1;
		} else if (c == '/' && i + 1 < s->len && s->b[i + 1] == '/') {
			while (i + 1 < s->len && s->b[i + 1] != '\n')
				i++;
		} else if (c == '"' || (c == '\'' && !s->assembler)) {
			i = src_skip_literal(s, i) - 1;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' || (c == ',' && depth == 1)) {
			if (c == ')' && --depth > 0)
				continue;
			if (av->count < MAX_ARGS) {
				const char *a = s->b + start;
				size_t n = i - start;
				/* trim blanks and a leading comment */
				for (;;) {
					while (n && (is_space(*a) || *a == '\n' || *a == '\\')) {
						a++;
						n--;
					}
					if (n >= 4 && a[0] == '/' && a[1] == '*') {
						const char *e = memmem(a + 2, n - 2, "*/", 2);
						if (!e)
							break;
						n -= (size_t)(e + 2 - a);
						a = e + 2;
						continue;
					}
					break;
				}
				while (n && (is_space(a[n - 1]) || a[n - 1] == '\n' || a[n - 1] == '\\'))
					n--;
				av->a[av->count] = a;
				av->n[av->count] = n;
			}
			av->count++;
			start = i + 1;
			if (c == ')')
				return (ssize_t)i + 1;
		} else if (c == ';' && depth == 1 && !s->assembler) {
			return -2; /* a statement end inside the arguments: not a macro call */
		}
	}
	return src_fail(s, open, "unterminated macro arguments");
}

void src_free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Split "a, (b, c), d)" (after the '(') at top-level commas up to the ')'.
 * Returns the number of arguments and *end past the ')', or -1. */
ssize_t src_split_args(const char *p, char ***out, const char **end)
{
	size_t n = 0, cap = 4;
	char **v = malloc(cap * sizeof(*v));
	if (!v)
		return -1;
	int depth = 1;
	const char *st = p;
	for (; *p; p++) {
		if (*p == '"' || *p == '\'') {
			char q = *p;
			for (p++; *p && *p != q; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				break;
			continue;
		}
		if (*p == '(') {
			depth++;
		} else if (*p == ')' || (*p == ',' && depth == 1)) {
			if (*p == ')' && --depth > 0)
				continue;
			const char *a = st, *e = p;
			while (a < e && *a == ' ')
				a++;
			while (e > a && e[-1] == ' ')
				e--;
			if (n == cap) {
				cap *= 2;
				char **nv = realloc(v, cap * sizeof(*nv));
				if (!nv)
					break;
				v = nv;
			}
			if (!(v[n] = strndup(a, (size_t)(e - a))))
				break;
			n++;
			st = p + 1;
			if (*p == ')') {
				*out = v;
				*end = p + 1;
				return (ssize_t)n;
			}
		}
	}
	src_free_strv(v, n);
	return -1;
}

/* template with the parameters replaced by args, ## pasted, # stringified */
char *src_substitute(const char *tpl, char *const *params, size_t np, char *const *args,
                        size_t na)
{
	struct sbuf o = { 0 };
	sb_add(&o, "", 0);
	const char *p = tpl;
	while (*p) {
		if (p[0] == '#' && p[1] == '#') {
			while (o.n && o.s[o.n - 1] == ' ')
				o.s[--o.n] = '\0';
			p += 2;
			while (*p == ' ')
				p++;
			continue;
		}
		bool str = false;
		if (p[0] == '#') {
			str = true;
			p++;
			while (*p == ' ')
				p++;
			if (!*p)
				break; /* a '#' ending the template: nothing to stringify */
		}
		if (is_ident(*p)) {
			const char *st = p;
			while (is_ident(*p))
				p++;
			size_t l = (size_t)(p - st);
			size_t k;
			for (k = 0; k < np; k++)
				if (strlen(params[k]) == l && memcmp(params[k], st, l) == 0)
					break;
			if (k < np) {
				const char *v = k < na ? args[k] : "";
				if (str)
					sb_str(&o, "\"");
				sb_str(&o, v);
				if (str)
					sb_str(&o, "\"");
			} else {
				sb_add(&o, st, l);
			}
			continue;
		}
		sb_add(&o, p, 1);
		p++;
	}
	if (o.oom) {
		free(o.s);
		return NULL;
	}
	return o.s;
}
