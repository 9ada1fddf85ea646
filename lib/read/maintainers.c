/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A kernel tree's MAINTAINERS: which sections cover a file, matched as
 * scripts/get_maintainer.pl matches them (read_maintainer_file() and
 * get_maintainers(), without git and keywords):
 *   - a line "T: value" (one capital letter) belongs to the section above;
 *     any other line that is not blank or a comment starts a section;
 *   - F: and X: are globs: '*' any string (also across '/'), '?' one
 *     character, [...] a class; anchored at the start of the path only.
 *     A pattern ending in '/', or naming a directory of the tree (and
 *     holding no '.', '*' or '?'), covers everything below it; any other
 *     pattern must also have as many '/' as the path;
 *   - N: is an extended regular expression anywhere in the path;
 *   - a section with a matching X: is out; of the others, those with a
 *     matching F: or N: cover the file, ordered by the depth of the last
 *     matching pattern (its '/'s, +1 when it names a file; N: 0; a pattern
 *     starting with '*' -1), deepest first.  get_maintainer.pl orders equal
 *     depths by Perl's hash order, which varies from run to run; here they
 *     keep the file's order.
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libkexport-internal.h"

struct pattern {
	char type;      /* 'F', 'X' or 'N' */
	bool dir;       /* F/X: covers everything below */
	int depth;      /* F: get_maintainer.pl's $value_pd */
	unsigned slashes;
	const char *glob;
	char *owned;    /* glob, when a '/' was added */
	regex_t *re;    /* N: */
};

struct section {
	struct kexport_maintainers_section pub;
	struct kx_vec patterns;    /* struct pattern */
	struct kx_vec maintainers, lists; /* const char * */
};

struct kexport_maintainers {
	struct kexport_ctx *ctx;
	char *text;                /* the file, cut into strings in place */
	struct kx_vec sections;    /* struct section */
};

static void section_free(struct section *s)
{
	struct pattern *p = s->patterns.items;
	for (size_t i = 0; i < s->patterns.n; i++) {
		free(p[i].owned);
		if (p[i].re) {
			regfree(p[i].re);
			free(p[i].re);
		}
	}
	kx_vec_free(&s->patterns);
	kx_vec_free(&s->maintainers);
	kx_vec_free(&s->lists);
}

KX_EXPORT void kexport_maintainers_free(struct kexport_maintainers *m)
{
	if (!m)
		return;
	struct section *s = m->sections.items;
	for (size_t i = 0; i < m->sections.n; i++)
		section_free(&s[i]);
	kx_vec_free(&m->sections);
	free(m->text);
	free(m);
}

static unsigned count_slashes(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '/';
	return n;
}

/* Does pattern element *p ('?', a [...] class, or a literal) take c?
 * *next: the element after it. */
static bool one_char(const char *p, char c, const char **next)
{
	if (*p == '?') {
		*next = p + 1;
		return true;
	}
	if (*p == '[') {
		const char *q = p + 1;
		bool neg = *q == '^';
		if (neg)
			q++;
		const char *end = strchr(q + (*q == ']'), ']');
		if (end) {
			bool in = false;
			for (const char *k = q; k < end; k++) {
				if (k + 2 < end && k[1] == '-') {
					in |= (unsigned char)c >= (unsigned char)k[0] &&
					      (unsigned char)c <= (unsigned char)k[2];
					k += 2;
				} else {
					in |= *k == c;
				}
			}
			*next = end + 1;
			return in != neg;
		}
		/* no closing bracket: a literal '[' */
	}
	*next = p + 1;
	return *p == c;
}

/*
 * A glob (F:, X:) against the start of s: '*' any string, '?' any one
 * character, [...] a class ([^...] its complement); the rest literal.
 * Only the last '*' is ever backtracked to (the usual wildcard matcher):
 * linear in the path, whatever a hostile pattern holds.
 */
static bool glob_prefix(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL, *next;
	for (;;) {
		if (!*p)
			return true; /* anchored at the start only */
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return true;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*s && one_char(p, *s, &next)) {
			p = next;
			s++;
			continue;
		}
		if (!star_p || !*star_s)
			return false;
		p = star_p;
		s = ++star_s;
	}
}

static bool pattern_matches(const struct pattern *p, const char *file)
{
	if (p->type == 'N')
		return regexec(p->re, file, 0, NULL, 0) == 0;
	if (!glob_prefix(p->glob, file))
		return false;
	return p->dir || count_slashes(file) == p->slashes;
}

/* "F:\tvalue": a pattern of section s.  tree: to tell directories. */
static int add_pattern(struct kexport_maintainers *m, struct section *s, char type, char *value,
                       const char *tree)
{
	struct pattern *p = kx_vec_push(&s->patterns);
	if (!p)
		return -ENOMEM;
	p->type = type;
	if (type == 'N') {
		/* Perl's /x: whitespace is not part of the pattern */
		char *w = value;
		for (char *r = value; *r; r++)
			if (*r != ' ' && *r != '\t')
				*w++ = *r;
		*w = '\0';
		/* Interval expressions ("a{1000}{1000}") make glibc's regcomp()
		 * build trees of any size: no MAINTAINERS uses them (none of
		 * the four pinned generations), so a pattern with one, or a
		 * long one, is not compiled. */
		bool hostile = strpbrk(value, "{}") || strlen(value) > 256;
		p->re = hostile ? NULL : malloc(sizeof(*p->re));
		if (!hostile && !p->re)
			return -ENOMEM;
		if (hostile || regcomp(p->re, value, REG_EXTENDED | REG_NOSUB) != 0) {
			free(p->re);
			p->re = NULL;
			s->patterns.n--; /* a pattern POSIX cannot read matches nothing */
			char msg[KEXPORT_ERRMSG_MAX];
			snprintf(msg, sizeof(msg), "N: pattern '%.200s' is not an extended regular "
			         "expression kexport takes (no {m,n}, at most 256 bytes): ignored", value);
			kx_warn(m->ctx, "MAINTAINERS", msg);
		}
		return 0;
	}
	p->glob = value;
	size_t len = strlen(value);
	p->dir = len && value[len - 1] == '/';
	if (!p->dir && !strpbrk(value, ".*?") && tree) {
		char *path;
		struct stat st;
		if (asprintf(&path, "%s/%s", tree, value) < 0)
			return -ENOMEM;
		p->dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
		free(path);
		/* "drivers/x/dpaa" is "drivers/x/dpaa/": not dpaa2/ */
		if (p->dir && asprintf(&p->owned, "%s/", value) < 0) {
			p->owned = NULL;
			return -ENOMEM;
		}
		if (p->owned)
			p->glob = p->owned;
	}
	p->slashes = count_slashes(p->glob);
	p->depth = (int)p->slashes + (p->dir ? 0 : 1);
	if (value[0] == '*')
		p->depth = -1;
	return 0;
}

static int parse(struct kexport_maintainers *m, const char *tree)
{
	struct section *cur = NULL;
	for (char *line = m->text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (line[0] >= 'A' && line[0] <= 'Z' && line[1] == ':') {
			char *v = line + 2;
			while (*v == ' ' || *v == '\t')
				v++;
			if (!cur)
				continue; /* before the first section: nothing to cover */
			char t = line[0];
			const char **slot = NULL;
			int r = 0;
			if (t == 'F' || t == 'X' || t == 'N')
				r = add_pattern(m, cur, t, v, tree);
			else if (t == 'M')
				r = (slot = kx_vec_push(&cur->maintainers)) ? 0 : -ENOMEM;
			else if (t == 'L')
				r = (slot = kx_vec_push(&cur->lists)) ? 0 : -ENOMEM;
			else if (t == 'S' && !cur->pub.status)
				cur->pub.status = v;
			if (r < 0)
				return r;
			if (slot)
				*slot = v;
			continue;
		}
		const char *q = line;
		while (*q == ' ' || *q == '\t')
			q++;
		if (!*q || *q == '#')
			continue;
		if (!(cur = kx_vec_push(&m->sections)))
			return -ENOMEM;
		cur->pub.name = line;
		kx_vec_init(&cur->patterns, sizeof(struct pattern));
		kx_vec_init(&cur->maintainers, sizeof(const char *));
		kx_vec_init(&cur->lists, sizeof(const char *));
	}
	/* The arrays are final now: the public view points into them. */
	struct section *s = m->sections.items;
	for (size_t i = 0; i < m->sections.n; i++) {
		s[i].pub.maintainers = s[i].maintainers.items;
		s[i].pub.n_maintainers = s[i].maintainers.n;
		s[i].pub.lists = s[i].lists.items;
		s[i].pub.n_lists = s[i].lists.n;
	}
	return 0;
}

KX_EXPORT int kexport_maintainers_parse(struct kexport_ctx *ctx, const char *text, size_t len,
                                        const char *tree, struct kexport_maintainers **out)
{
	*out = NULL;
	const char *path = "MAINTAINERS";
	if (memchr(text, '\0', len))
		return kx_report(ctx, path, -EINVAL, "a binary file, not a MAINTAINERS list");
	struct kexport_maintainers *m = calloc(1, sizeof(*m));
	if (m && !(m->text = malloc(len + 1))) {
		free(m);
		m = NULL;
	}
	if (!m)
		return kx_report(ctx, path, -ENOMEM, "out of memory");
	memcpy(m->text, text, len);
	m->text[len] = '\0';
	m->ctx = ctx;
	kx_vec_init(&m->sections, sizeof(struct section));
	int r = parse(m, tree);
	if (r < 0) {
		kexport_maintainers_free(m);
		return kx_report(ctx, path, r, "out of memory");
	}
	*out = m;
	return 0;
}

KX_EXPORT int kexport_maintainers_read(struct kexport_ctx *ctx, const char *tree,
                                       struct kexport_maintainers **out)
{
	*out = NULL;
	char msg[KEXPORT_ERRMSG_MAX] = "";
	char *path;
	if (asprintf(&path, "%s/MAINTAINERS", tree) < 0)
		return kx_report(ctx, tree, -ENOMEM, "out of memory");
	struct kexport_maintainers *m = calloc(1, sizeof(*m));
	if (!m) {
		free(path);
		return kx_report(ctx, tree, -ENOMEM, "out of memory");
	}
	m->ctx = ctx;
	kx_vec_init(&m->sections, sizeof(struct section));
	size_t size;
	int r = kx_read_file(path, &m->text, &size, msg);
	if (r == 0 && memchr(m->text, '\0', size))
		r = kx_err(msg, -EINVAL, "a binary file, not a MAINTAINERS list");
	if (r == 0 && (r = parse(m, tree)) < 0)
		kx_err(msg, r, "out of memory");
	if (r < 0) {
		kexport_maintainers_free(m);
		r = kx_report(ctx, path, r, msg);
		free(path);
		return r;
	}
	free(path);
	*out = m;
	return 0;
}

struct hit {
	const struct kexport_maintainers_section *s;
	int depth;
	size_t order;
};

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

KX_EXPORT int kexport_maintainers_match(const struct kexport_maintainers *m, const char *file,
                                        const struct kexport_maintainers_section ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const struct section *s = m->sections.items;
	struct kx_vec hits;
	kx_vec_init(&hits, sizeof(struct hit));
	for (size_t i = 0; i < m->sections.n; i++) {
		const struct pattern *p = s[i].patterns.items;
		bool excluded = false, covered = false;
		int depth = 0;
		for (size_t k = 0; !excluded && k < s[i].patterns.n; k++)
			excluded = p[k].type == 'X' && pattern_matches(&p[k], file);
		for (size_t k = 0; !excluded && k < s[i].patterns.n; k++) {
			if (p[k].type == 'X' || !pattern_matches(&p[k], file))
				continue;
			covered = true;
			depth = p[k].type == 'F' ? p[k].depth : 0; /* the last match's */
		}
		if (!covered)
			continue;
		struct hit *h = kx_vec_push(&hits);
		if (!h) {
			kx_vec_free(&hits);
			return kx_report(m->ctx, file, -ENOMEM, "out of memory");
		}
		*h = (struct hit){ &s[i].pub, depth, i };
	}
	if (hits.n > 1)
		qsort(hits.items, hits.n, sizeof(struct hit), cmp_hit);
	const struct kexport_maintainers_section **v = calloc(hits.n ? hits.n : 1, sizeof(*v));
	if (!v) {
		kx_vec_free(&hits);
		return kx_report(m->ctx, file, -ENOMEM, "out of memory");
	}
	const struct hit *h = hits.items;
	for (size_t i = 0; i < hits.n; i++)
		v[i] = h[i].s;
	*out = v;
	*n = hits.n;
	kx_vec_free(&hits);
	return 0;
}
