/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Makefile reader: the part of GNU make that kbuild's Makefiles need to
 * say what a directory builds and with which flags.  Variables (=, :=, ?=,
 * +=, names with $(CONFIG_X) in them expanded), $(VAR), $(subst), CONFIG_
 * values from a configuration, ifeq/ifneq/ifdef/ifndef/else/endif, and
 * include.  What it cannot evaluate counts as on.  The source-tree reader
 * (srctree.c) walks a tree's Kbuild files with it; kexport history reads
 * DEFAULT_SYMBOL_NAMESPACE from Makefile text in git blobs with it.
 */
#include "libkexport-internal.h"



/* A variable referring to itself several times (x = $(x) $(x)) would expand
 * exponentially even under the depth limit: one top-level expansion gets
 * this many nested ones, then the rest counts as unknown.  Kernel Makefiles
 * need a handful. */
#define MK_EXPANSIONS_MAX 4096

struct kx_mk_var *kx_mk_var(struct kx_mk *m, const char *name)
{
	for (size_t i = 0; i < m->n_vars; i++)
		if (strcmp(m->vars[i].name, name) == 0)
			return &m->vars[i];
	return NULL;
}

static int mk_set(struct kx_mk *m, const char *name, const char *value, bool append)
{
	struct kx_mk_var *v = kx_mk_var(m, name);
	if (!v) {
		if (m->n_vars == m->cap_vars) {
			size_t cap = m->cap_vars ? m->cap_vars * 2 : 32;
			struct kx_mk_var *nv = realloc(m->vars, cap * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			m->vars = nv;
			m->cap_vars = cap;
		}
		v = &m->vars[m->n_vars++];
		v->name = strdup(name);
		v->value = strdup("");
		if (!v->name || !v->value)
			return -ENOMEM;
	}
	char *nvl;
	if (append && v->value[0]) {
		if (asprintf(&nvl, "%s %s", v->value, value) < 0)
			return -ENOMEM;
	} else if (!(nvl = strdup(value))) {
		return -ENOMEM;
	}
	free(v->value);
	v->value = nvl;
	return 0;
}

void kx_mk_free(struct kx_mk *m)
{
	for (size_t i = 0; i < m->n_vars; i++) {
		free(m->vars[i].name);
		free(m->vars[i].value);
	}
	free(m->vars);
}

const char *kx_kbuild_config(const struct kx_kbuild *kb, const char *name)
{
	const char *v = kb->k ? kexport_kernel_config(kb->k, name) : NULL;
	return v ? v : "";
}

/* text with every FROM replaced by TO (make's $(subst)) */
static char *subst(const char *from, const char *to, const char *text)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	for (const char *p = text; fl && (p = strstr(p, from)); p += fl)
		n++;
	char *o = malloc(strlen(text) + n * tl + 1), *w = o;
	if (!o)
		return NULL;
	for (const char *p = text; *p;) {
		if (fl && strncmp(p, from, fl) == 0) {
			memcpy(w, to, tl);
			w += tl;
			p += fl;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
	return o;
}

/*
 * Expand $(VAR) references: CONFIG_ values, the Makefile's own variables
 * and a few globals.  *unknown is set when a reference could not be
 * expanded (it becomes "").  Returns a malloc'd string.
 */
static char *expand(struct kx_mk *m, const char *s, bool *unknown, int depth)
{
	if (depth == 0)
		m->expansions = 0;
	struct sbuf_ {
		char *p;
		size_t n, cap;
	} o = { malloc(strlen(s) + 64), 0, strlen(s) + 64 };
	if (!o.p)
		return NULL;
#define PUT(str, len)                                                                     \
	do {                                                                              \
		size_t l_ = (len);                                                        \
		if (o.n + l_ + 1 > o.cap) {                                               \
			size_t c_ = (o.n + l_ + 1) * 2;                                   \
			char *p_ = realloc(o.p, c_);                                      \
			if (!p_) {                                                        \
				free(o.p);                                                \
				return NULL;                                              \
			}                                                                 \
			o.p = p_;                                                         \
			o.cap = c_;                                                       \
		}                                                                         \
		memcpy(o.p + o.n, (str), l_);                                             \
		o.n += l_;                                                                \
	} while (0)
	for (const char *p = s; *p;) {
		if (p[0] == '$' && (p[1] == '(' || p[1] == '{')) {
			char close = p[1] == '(' ? ')' : '}';
			int d = 0;
			const char *q = p + 1;
			for (; *q; q++) {
				if (*q == p[1])
					d++;
				else if (*q == close && --d == 0)
					break;
			}
			if (!*q) {
				if (unknown)
					*unknown = true;
				break;
			}
			char name[256];
			size_t nl = (size_t)(q - p - 2);
			snprintf(name, sizeof(name), "%.*s", (int)(nl < 255 ? nl : 255), p + 2);
			const char *val = NULL;
			char *tmp = NULL;
			struct kx_mk_var *v;
			bool budget = m->expansions < MK_EXPANSIONS_MAX;
			if (strncmp(name, "subst ", 6) == 0 && depth < 8 && budget) {
				m->expansions++;
				/* $(subst FROM,TO,TEXT): obj-$(subst m,y,$(CONFIG_X)) */
				char *args = expand(m, name + 6, unknown, depth + 1);
				char *c1 = args ? strchr(args, ',') : NULL;
				char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
				if (c2) {
					*c1 = *c2 = '\0';
					tmp = subst(args, c1 + 1, c2 + 1);
					val = tmp;
				} else if (unknown) {
					*unknown = true;
				}
				free(args);
				if (!val)
					val = "";
			} else if (strncmp(name, "CONFIG_", 7) == 0) {
				val = kx_kbuild_config(m->kb, name);
				if (!m->kb->k && unknown)
					*unknown = true;
			} else if (strcmp(name, "SRCARCH") == 0 || strcmp(name, "ARCH") == 0 ||
			           strcmp(name, "SUBARCH") == 0) {
				val = m->kb->srcarch ? m->kb->srcarch : "";
			} else if (strcmp(name, "srctree") == 0) {
				val = m->kb->dir ? m->kb->dir : "";
			} else if (strcmp(name, "src") == 0 || strcmp(name, "obj") == 0) {
				if (!m->kb->dir)
					tmp = NULL;
				else if (asprintf(&tmp, "%s/%.*s", m->kb->dir, (int)(strlen(m->dir) ? strlen(m->dir) - 1 : 0), m->dir) < 0)
					tmp = NULL;
				val = tmp ? tmp : "";
			} else if (strcmp(name, "BITS") == 0) {
				val = kx_kbuild_config(m->kb, "CONFIG_64BIT")[0] == 'y' ? "64" : "32";
			} else if ((v = kx_mk_var(m, name)) && depth < 8 && budget) {
				m->expansions++;
				tmp = expand(m, v->value, unknown, depth + 1);
				val = tmp;
			} else {
				if (unknown)
					*unknown = true;
				val = "";
			}
			if (val)
				PUT(val, strlen(val));
			free(tmp);
			p = q + 1;
		} else {
			PUT(p, 1);
			p++;
		}
	}
	PUT("", 1);
#undef PUT
	return o.p;
}

/* Split a make conditional's two arguments: "(a,b)" or "a" "b". */
static bool cond_args(char *s, char **a, char **b)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '(') {
		int d = 0;
		char *comma = NULL, *end = NULL;
		for (char *p = s; *p; p++) {
			if (*p == '(')
				d++;
			else if (*p == ')' && --d == 0) {
				end = p;
				break;
			} else if (*p == ',' && d == 1 && !comma)
				comma = p;
		}
		if (!comma || !end)
			return false;
		*comma = *end = '\0';
		*a = s + 1;
		*b = comma + 1;
		return true;
	}
	if (*s == '"' || *s == '\'') {
		char q = *s;
		char *e1 = strchr(s + 1, q);
		if (!e1)
			return false;
		*e1 = '\0';
		*a = s + 1;
		char *s2 = e1 + 1;
		while (*s2 == ' ' || *s2 == '\t')
			s2++;
		if (*s2 != '"' && *s2 != '\'')
			return false;
		char *e2 = strchr(s2 + 1, *s2);
		if (!e2)
			return false;
		*e2 = '\0';
		*b = s2 + 1;
		return true;
	}
	return false;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Evaluate an ifeq/ifneq/ifdef/ifndef line: 1, 0, or 1 when unsure. */
static int mk_cond(struct kx_mk *m, const char *kw, char *rest)
{
	bool unknown = false;
	if (strcmp(kw, "ifdef") == 0 || strcmp(kw, "ifndef") == 0) {
		char *name = trim(rest);
		char *v = NULL;
		if (strncmp(name, "CONFIG_", 7) == 0) {
			if (!m->kb->k)
				return 1;
			v = strdup(kx_kbuild_config(m->kb, name));
		} else {
			struct kx_mk_var *var = kx_mk_var(m, name);
			if (!var)
				return 1; /* set elsewhere, maybe */
			v = expand(m, var->value, &unknown, 0);
		}
		if (!v)
			return 1;
		bool set = trim(v)[0] != '\0';
		free(v);
		if (unknown)
			return 1;
		return (kw[2] == 'd') == set;
	}
	char *a, *b;
	if (!cond_args(rest, &a, &b))
		return 1;
	char *ea = expand(m, a, &unknown, 0), *eb = expand(m, b, &unknown, 0);
	int r = 1;
	if (ea && eb && !unknown)
		r = (strcmp(trim(ea), trim(eb)) == 0) == (kw[2] == 'e');
	free(ea);
	free(eb);
	return r;
}

/*
 * Read a Makefile's variables, following its conditionals.  Assignments
 * whose variable name contains $(CONFIG_X) are stored under the expanded
 * name ("obj-y", "obj-m", "obj-", "foo-y"...).
 */

static int mk_parse(struct kx_mk *m, const char *path)
{
	char *data;
	size_t size;
	char err[KEXPORT_ERRMSG_MAX];
	if (kx_read_file(path, &data, &size, err) < 0)
		return -ENOENT;
	if (memchr(data, '\0', size)) {
		free(data);
		return -EINVAL;
	}
	return kx_mk_parse_text(m, data);
}

/* The Makefile text in data (malloc'd, NUL-terminated; freed here). */
int kx_mk_parse_text(struct kx_mk *m, char *data)
{
	/* join continuation lines in place */
	char *w = data;
	for (char *r = data; *r; r++) {
		if (r[0] == '\\' && r[1] == '\n') {
			*w++ = ' ';
			r++;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
	bool stack[64];
	bool active[64];
	int depth = 0;
	bool on = true;
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '\t')
			continue; /* a recipe */
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *l = trim(line);
		if (!*l)
			continue;
		char kw[16] = "";
		size_t kl = 0;
		while (l[kl] && l[kl] != ' ' && l[kl] != '\t' && l[kl] != '(' && kl < 15)
			kl++;
		memcpy(kw, l, kl);
		kw[kl] = '\0';
		if (strcmp(kw, "ifeq") == 0 || strcmp(kw, "ifneq") == 0 || strcmp(kw, "ifdef") == 0 ||
		    strcmp(kw, "ifndef") == 0) {
			if (depth < 64) {
				stack[depth] = on;
				int c = on ? mk_cond(m, kw, l + kl) : 0;
				active[depth] = c; /* a branch was taken */
				depth++;
				on = on && c;
			}
			continue;
		}
		if (strcmp(kw, "else") == 0) {
			if (depth > 0) {
				bool outer = stack[depth - 1];
				char *rest = trim(l + kl);
				int c = 1;
				if (*rest) { /* else ifeq ... */
					char kw2[16] = "";
					size_t k2 = 0;
					while (rest[k2] && rest[k2] != ' ' && rest[k2] != '(' && k2 < 15)
						k2++;
					memcpy(kw2, rest, k2);
					c = outer ? mk_cond(m, kw2, rest + k2) : 0;
				}
				/* unknown conditions evaluate to 1: both branches then count */
				bool take = outer && c && (!active[depth - 1] || !m->kb->k);
				on = take;
				if (take)
					active[depth - 1] = true;
			}
			continue;
		}
		if (strcmp(kw, "endif") == 0) {
			if (depth > 0)
				on = stack[--depth];
			continue;
		}
		if (!on)
			continue;
		if ((strcmp(kw, "include") == 0 || strcmp(kw, "-include") == 0) && m->includes < 8 &&
		    m->kb->dir) {
			/* virt/kvm/Makefile.kvm from arch/x86/kvm/Makefile */
			char *inc = expand(m, trim(l + kl), NULL, 0);
			if (inc && !strchr(inc, ' ') && kx_is_file(inc)) {
				m->includes++;
				int r = mk_parse(m, inc);
				if (r == -ENOMEM) {
					free(inc);
					free(data);
					return r;
				}
			}
			free(inc);
			continue;
		}
		/* NAME op VALUE */
		char *op = NULL;
		int kind = 0; /* 1 +=, 2 :=/=/?= */
		for (char *p = l; *p; p++) {
			if (p[0] == '+' && p[1] == '=') {
				op = p;
				kind = 1;
				break;
			}
			if ((p[0] == ':' || p[0] == '?') && p[1] == '=') {
				op = p;
				kind = 2;
				break;
			}
			if (p[0] == '=') {
				op = p;
				kind = 3;
				break;
			}
			if (p[0] == ':' && p[1] != '=')
				break; /* a rule */
		}
		if (!op)
			continue;
		char *value = trim(op + (kind == 3 ? 1 : 2));
		*op = '\0';
		char *name = trim(l);
		char *ename = expand(m, name, NULL, 0);
		if (!ename) {
			free(data);
			return -ENOMEM;
		}
		if (strchr(ename, ' ')) { /* "export X", "override X": not ours */
			free(ename);
			continue;
		}
		int r = mk_set(m, ename, value, kind == 1);
		free(ename);
		if (r < 0) {
			free(data);
			return r;
		}
	}
	free(data);
	return 0;
}

/* The namespace of a -DDEFAULT_SYMBOL_NAMESPACE=... in flags into buf: its length, 0 when none. */
static size_t ns_from_flags(const char *flags, char *buf, size_t size)
{
	const char *p = flags ? strstr(flags, "-DDEFAULT_SYMBOL_NAMESPACE=") : NULL;
	if (!p || !size)
		return 0;
	p += 27;
	size_t n = 0;
	while (*p && *p != ' ' && *p != '\t' && n < size - 1) {
		if (*p != '"' && *p != '\'' && *p != '\\')
			buf[n++] = *p;
		p++;
	}
	buf[n] = '\0';
	return n;
}

int kx_mk_flags_ns(struct kx_mk *m, const char *name, char *ns, size_t size)
{
	struct kx_mk_var *v = kx_mk_var(m, name);
	if (!v)
		return 0;
	char *e = expand(m, v->value, NULL, 0);
	if (!e)
		return -ENOMEM;
	size_t n = ns_from_flags(e, ns, size);
	free(e);
	return (int)n;
}

int kx_mk_load(struct kx_mk *m, const struct kx_kbuild *kb, const char *reldir, bool arch_makefile)
{
	memset(m, 0, sizeof(*m));
	m->kb = kb;
	m->dir = reldir;
	char *p;
	for (int i = arch_makefile ? 1 : 0; i < 2; i++) {
		if (!kb->dir)
			return -ENOENT;
		if (asprintf(&p, "%s/%s%s", kb->dir, reldir, i == 0 ? "Kbuild" : "Makefile") < 0)
			return -ENOMEM;
		int r = kx_is_file(p) ? mk_parse(m, p) : -ENOENT;
		free(p);
		if (r != -ENOENT)
			return r;
	}
	return -ENOENT;
}

char *kx_mk_expand(struct kx_mk *m, const char *s, bool *unknown)
{
	return expand(m, s, unknown, 0);
}

/*
 * For kexport history, which reads Makefiles from git blobs: the namespace
 * the Makefile text gives its directory's file `base` (CFLAGS_<obj>.o, else
 * ccflags-y, else asflags-y, as the source tree's reader decides), without
 * a configuration.  Returns the length written to ns, 0 when none, or
 * -ENOMEM.
 */
int kx_src_makefile_ns(const char *data, size_t size, const char *base, char *ns, size_t ns_size)
{
	static const struct kx_kbuild none = { 0 };
	struct kx_mk m = { .kb = &none, .dir = "" };
	char *text = strndup(data, size);
	if (!text)
		return -ENOMEM;
	int r = kx_mk_parse_text(&m, text);
	if (r == 0) {
		const char *dot = strrchr(base, '.');
		char key[300];
		snprintf(key, sizeof(key), "CFLAGS_%.*s.o", (int)(dot ? (size_t)(dot - base) : strlen(base)),
		         base);
		r = kx_mk_flags_ns(&m, key, ns, ns_size);
		if (r == 0)
			r = kx_mk_flags_ns(&m, "ccflags-y", ns, ns_size);
		if (r == 0)
			r = kx_mk_flags_ns(&m, "asflags-y", ns, ns_size);
	}
	kx_mk_free(&m);
	return r;
}