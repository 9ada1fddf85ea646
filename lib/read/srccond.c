/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Evaluating the preprocessor conditions kexport_src_scan() records, against
 * a kernel configuration, the way include/generated/autoconf.h makes them
 * true: CONFIG_X=y defines CONFIG_X as 1, CONFIG_X=m defines CONFIG_X_MODULE
 * instead, a string or number value defines CONFIG_X as that value.
 *
 * Only the simple forms are understood: defined(), IS_ENABLED(),
 * IS_BUILTIN(), IS_MODULE(), IS_REACHABLE() of CONFIG_ symbols, MODULE,
 * integers, CONFIG_ values, ! && || == != < > <= >= and parentheses.
 * Anything else (a macro of the file, sizeof, arithmetic) is unknown, and
 * unknown propagates by three-valued logic: false && unknown is false.
 */
#include "libkexport-internal.h"

struct val {
	long v;
	bool known;
};

struct ev {
	const char *p;
	const struct kexport_kernel *k;
	bool module;      /* the file is compiled as (part of) a module */
	int depth;
};

static void skip_ws(struct ev *e)
{
	while (*e->p == ' ' || *e->p == '\t')
		e->p++;
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Read an identifier into buf; its length (0: none). */
static size_t ident(struct ev *e, char *buf, size_t size)
{
	skip_ws(e);
	size_t n = 0;
	while (ident_char(e->p[n]))
		n++;
	if (n == 0 || n >= size || (e->p[0] >= '0' && e->p[0] <= '9'))
		return 0;
	memcpy(buf, e->p, n);
	buf[n] = '\0';
	e->p += n;
	return n;
}

/* Is the macro NAME defined under this configuration?  -1: cannot tell. */
static int macro_defined(const struct ev *e, const char *name)
{
	if (strcmp(name, "MODULE") == 0)
		return e->module;
	if (strcmp(name, "__KERNEL__") == 0)
		return 1;
	if (strncmp(name, "CONFIG_", 7) != 0)
		return -1;
	const char *v = kexport_kernel_config(e->k, name);
	if (v)
		return strcmp(v, "m") != 0; /* =m defines CONFIG_X_MODULE, not CONFIG_X */
	size_t n = strlen(name);
	if (n > 14 && strcmp(name + n - 7, "_MODULE") == 0) {
		char base[256];
		snprintf(base, sizeof(base), "%.*s", (int)(n - 7), name);
		const char *bv = kexport_kernel_config(e->k, base);
		if (bv)
			return strcmp(bv, "m") == 0;
	}
	/* absent from a whole .config means off; else we cannot tell */
	return kexport_kernel_config_known(e->k) ? 0 : -1;
}

static struct val unknown(void)
{
	return (struct val){ 0, false };
}

static struct val known(long v)
{
	return (struct val){ v, true };
}

static struct val expr(struct ev *e);

/* One CONFIG_ argument in parentheses: its tristate letter or NULL (off). */
static int config_arg(struct ev *e, const char **value)
{
	char name[256];
	skip_ws(e);
	if (*e->p != '(')
		return -1;
	e->p++;
	if (!ident(e, name, sizeof(name)))
		return -1;
	skip_ws(e);
	if (*e->p != ')')
		return -1;
	e->p++;
	if (strncmp(name, "CONFIG_", 7) != 0)
		return -1;
	*value = kexport_kernel_config(e->k, name);
	if (!*value && !kexport_kernel_config_known(e->k))
		return -1;
	return 0;
}

static struct val primary(struct ev *e)
{
	skip_ws(e);
	char c = *e->p;
	if (++e->depth > 200)
		return unknown();
	struct val r;
	if (c == '!') {
		e->p++;
		r = primary(e);
		if (r.known)
			r.v = !r.v;
	} else if (c == '(') {
		e->p++;
		r = expr(e);
		skip_ws(e);
		if (*e->p == ')')
			e->p++;
		else
			r = unknown();
	} else if (c >= '0' && c <= '9') {
		char *end;
		long v = strtol(e->p, &end, 0);
		e->p = end;
		while (*e->p == 'u' || *e->p == 'U' || *e->p == 'l' || *e->p == 'L')
			e->p++;
		r = known(v);
	} else {
		char name[256];
		if (!ident(e, name, sizeof(name))) {
			e->depth--;
			e->p += *e->p ? 1 : 0;
			return unknown();
		}
		if (strcmp(name, "defined") == 0) {
			skip_ws(e);
			bool paren = *e->p == '(';
			if (paren)
				e->p++;
			char m[256];
			if (!ident(e, m, sizeof(m))) {
				r = unknown();
			} else {
				int d = macro_defined(e, m);
				r = d < 0 ? unknown() : known(d);
			}
			skip_ws(e);
			if (paren && *e->p == ')')
				e->p++;
		} else if (strcmp(name, "IS_ENABLED") == 0 || strcmp(name, "IS_BUILTIN") == 0 ||
		           strcmp(name, "IS_MODULE") == 0 || strcmp(name, "IS_REACHABLE") == 0) {
			const char *v = NULL;
			if (config_arg(e, &v) < 0) {
				r = unknown();
			} else {
				bool y = v && strcmp(v, "y") == 0, m = v && strcmp(v, "m") == 0;
				if (name[3] == 'E')
					r = known(y || m);
				else if (name[3] == 'B')
					r = known(y);
				else if (name[3] == 'M')
					r = known(m);
				else /* reachable: built in, or a module used from a module */
					r = known(y || (m && e->module));
			}
		} else if (strncmp(name, "CONFIG_", 7) == 0) {
			const char *v = kexport_kernel_config(e->k, name);
			if (!v) {
				r = kexport_kernel_config_known(e->k) ? known(0) : unknown();
			} else if (strcmp(v, "y") == 0) {
				r = known(1);
			} else if (strcmp(v, "m") == 0) {
				r = known(0);
			} else {
				char *end;
				long n = strtol(v, &end, 0);
				r = *end == '\0' && end != v ? known(n) : unknown();
			}
		} else {
			r = unknown(); /* a macro we do not know */
			skip_ws(e);
			if (*e->p == '(') { /* a function-like macro: skip its arguments */
				int d = 0;
				do {
					if (*e->p == '(')
						d++;
					else if (*e->p == ')')
						d--;
					e->p++;
				} while (*e->p && d > 0);
			}
		}
	}
	e->depth--;
	return r;
}

static struct val compare(struct ev *e)
{
	struct val a = primary(e);
	for (;;) {
		skip_ws(e);
		const char *p = e->p;
		int op;
		if (p[0] == '=' && p[1] == '=') op = 0, e->p += 2;
		else if (p[0] == '!' && p[1] == '=') op = 1, e->p += 2;
		else if (p[0] == '<' && p[1] == '=') op = 2, e->p += 2;
		else if (p[0] == '>' && p[1] == '=') op = 3, e->p += 2;
		else if (p[0] == '<' && p[1] != '<') op = 4, e->p += 1;
		else if (p[0] == '>' && p[1] != '>') op = 5, e->p += 1;
		else return a;
		struct val b = primary(e);
		if (!a.known || !b.known) {
			a = unknown();
			continue;
		}
		long x = a.v, y = b.v;
		a = known(op == 0 ? x == y : op == 1 ? x != y : op == 2 ? x <= y :
		          op == 3 ? x >= y : op == 4 ? x < y : x > y);
	}
}

static struct val and_expr(struct ev *e)
{
	struct val a = compare(e);
	for (;;) {
		skip_ws(e);
		if (!(e->p[0] == '&' && e->p[1] == '&'))
			return a;
		e->p += 2;
		struct val b = compare(e);
		if ((a.known && !a.v) || (b.known && !b.v))
			a = known(0);
		else if (a.known && b.known)
			a = known(1);
		else
			a = unknown();
	}
}

static struct val expr(struct ev *e)
{
	struct val a = and_expr(e);
	for (;;) {
		skip_ws(e);
		if (!(e->p[0] == '|' && e->p[1] == '|'))
			return a;
		e->p += 2;
		struct val b = and_expr(e);
		if ((a.known && a.v) || (b.known && b.v))
			a = known(1);
		else if (a.known && b.known)
			a = known(0);
		else
			a = unknown();
	}
}

KX_EXPORT int kexport_src_cond_eval(const char *cond, const struct kexport_kernel *config,
                                    bool module)
{
	if (!cond || !*cond)
		return 1;
	struct ev e = { .p = cond, .k = config, .module = module };
	struct val v = expr(&e);
	skip_ws(&e);
	if (*e.p) /* something we did not parse: the whole answer is unsure */
		return -1;
	return v.known ? v.v != 0 : -1;
}
