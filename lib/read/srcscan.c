/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding the export macros in one kernel source file (C, header or
 * assembler), without a preprocessor.
 *
 * A file that does not contain "EXPORT" (every macro below has it in its
 * name) is done after one memmem().  Otherwise the file is lexed once:
 * comments and string literals are skipped, so a macro merely mentioned
 * there is not an export; preprocessor directives are read whole (with
 * their continuation lines) to keep the stack of #if conditions as text, to
 * follow #define/#undef DEFAULT_SYMBOL_NAMESPACE, and so that a #define of
 * an export macro (a helper macro's body) is not taken for an export.
 *
 * The macro table says what each macro exports (kernel-rules.md §9 and the
 * 6.1 headers): the plain family, the tracepoint and static-call wrappers
 * that export several symbols, and the wrappers of include/ and drivers/
 * that the 6.1 tree relies on.
 */
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "srclex.h"

/* Bigger files are not kernel sources (the largest 6.1 header is ~14 MiB). */
#define SRC_MAX_SIZE ((size_t)64 << 20)

enum {
	M_NS_ARG = 1u << 0,      /* second argument is the namespace */
	M_FOR_MODULES = 1u << 1, /* second argument is "module:" + the list */
	M_TRACEPOINT = 1u << 2,  /* __tracepoint_, __traceiter_, __SCK__tp_func_, __SCT__tp_func_ */
	M_STATIC_CALL = 1u << 3, /* __SCK__ and __SCT__ */
	M_STATIC_TRAMP = 1u << 4,/* __SCT__ only */
	M_FIXED_NS = 1u << 5,    /* the table's namespace, not the default one */
	M_PM_OPS = 1u << 6,      /* EXPORT_*_PM_OPS(name, ..., ns): exports name */
	M_NS_LAST = 1u << 7,     /* the last argument is the namespace */
};

struct src_macro {
	const char *name;
	enum kexport_kind kind;
	unsigned flags;
	const char *ns;          /* with M_FIXED_NS */
	const char *prefix;      /* prepended to the symbol */
};

/* Sorted by name (bsearch). */
static const struct src_macro macros[] = {
	{ "ACPI_EXPORT_SYMBOL", KEXPORT_KIND_PLAIN, 0, NULL, NULL },
	{ "BRCMF_EXPORT_SYMBOL_GPL", KEXPORT_KIND_GPL, M_FIXED_NS, "BRCMFMAC", NULL },
	{ "EXPORT_DATA_SYMBOL", KEXPORT_KIND_PLAIN, 0, NULL, NULL },
	{ "EXPORT_DATA_SYMBOL_GPL", KEXPORT_KIND_GPL, 0, NULL, NULL },
	{ "EXPORT_DEV_PM_OPS", KEXPORT_KIND_PLAIN, M_PM_OPS, NULL, NULL },
	{ "EXPORT_DEV_SLEEP_PM_OPS", KEXPORT_KIND_PLAIN, M_PM_OPS, NULL, NULL },
	{ "EXPORT_EARLY_PER_CPU_SYMBOL", KEXPORT_KIND_PLAIN, 0, NULL, NULL },
	{ "EXPORT_GPL_DEV_PM_OPS", KEXPORT_KIND_GPL, M_PM_OPS, NULL, NULL },
	{ "EXPORT_GPL_DEV_SLEEP_PM_OPS", KEXPORT_KIND_GPL, M_PM_OPS, NULL, NULL },
	{ "EXPORT_GPL_RUNTIME_DEV_PM_OPS", KEXPORT_KIND_GPL, M_PM_OPS, NULL, NULL },
	{ "EXPORT_GPL_SIMPLE_DEV_PM_OPS", KEXPORT_KIND_GPL, M_PM_OPS, NULL, NULL },
	/* include/linux/indirect_call_wrapper.h: only with CONFIG_RETPOLINE */
	{ "EXPORT_INDIRECT_CALLABLE", KEXPORT_KIND_PLAIN, 0, NULL, NULL },
	{ "EXPORT_NS_DEV_PM_OPS", KEXPORT_KIND_PLAIN, M_PM_OPS | M_NS_LAST, NULL, NULL },
	{ "EXPORT_NS_DEV_SLEEP_PM_OPS", KEXPORT_KIND_PLAIN, M_PM_OPS | M_NS_LAST, NULL, NULL },
	{ "EXPORT_NS_GPL_DEV_PM_OPS", KEXPORT_KIND_GPL, M_PM_OPS | M_NS_LAST, NULL, NULL },
	{ "EXPORT_NS_GPL_DEV_SLEEP_PM_OPS", KEXPORT_KIND_GPL, M_PM_OPS | M_NS_LAST, NULL, NULL },
	{ "EXPORT_NS_GPL_RUNTIME_DEV_PM_OPS", KEXPORT_KIND_GPL, M_PM_OPS | M_NS_LAST, NULL, NULL },
	{ "EXPORT_NS_GPL_SIMPLE_DEV_PM_OPS", KEXPORT_KIND_GPL, M_PM_OPS | M_NS_LAST, NULL, NULL },
	{ "EXPORT_NS_RUNTIME_DEV_PM_OPS", KEXPORT_KIND_PLAIN, M_PM_OPS | M_NS_LAST, NULL, NULL },
	{ "EXPORT_NS_SIMPLE_DEV_PM_OPS", KEXPORT_KIND_PLAIN, M_PM_OPS | M_NS_LAST, NULL, NULL },
	{ "EXPORT_PER_CPU_SYMBOL", KEXPORT_KIND_PLAIN, 0, NULL, NULL },
	{ "EXPORT_PER_CPU_SYMBOL_GPL", KEXPORT_KIND_GPL, 0, NULL, NULL },
	{ "EXPORT_RUNTIME_DEV_PM_OPS", KEXPORT_KIND_PLAIN, M_PM_OPS, NULL, NULL },
	{ "EXPORT_SIMPLE_DEV_PM_OPS", KEXPORT_KIND_PLAIN, M_PM_OPS, NULL, NULL },
	{ "EXPORT_STATIC_CALL", KEXPORT_KIND_PLAIN, M_STATIC_CALL, NULL, NULL },
	{ "EXPORT_STATIC_CALL_GPL", KEXPORT_KIND_GPL, M_STATIC_CALL, NULL, NULL },
	{ "EXPORT_STATIC_CALL_TRAMP", KEXPORT_KIND_PLAIN, M_STATIC_TRAMP, NULL, NULL },
	{ "EXPORT_STATIC_CALL_TRAMP_GPL", KEXPORT_KIND_GPL, M_STATIC_TRAMP, NULL, NULL },
	{ "EXPORT_SYMBOL", KEXPORT_KIND_PLAIN, 0, NULL, NULL },
	/* include/linux/acpi.h */
	{ "EXPORT_SYMBOL_ACPI_LIB", KEXPORT_KIND_GPL, M_FIXED_NS, "ACPI", NULL },
	/* include/linux/kvm_types.h (7.x): EXPORT_SYMBOL_FOR_MODULES(sym, "kvm,"
	 * KVM_SUB_MODULES); the sub-modules (x86: kvm-amd,kvm-intel) depend on
	 * the architecture and its configuration and are not added here */
	{ "EXPORT_SYMBOL_FOR_KVM", KEXPORT_KIND_GPL, M_FIXED_NS, "module:kvm", NULL },
	{ "EXPORT_SYMBOL_FOR_KVM_INTERNAL", KEXPORT_KIND_GPL, M_FIXED_NS, "module:", NULL },
	{ "EXPORT_SYMBOL_FOR_MODULES", KEXPORT_KIND_GPL, M_FOR_MODULES, NULL, NULL },
	/* include/drm/drm_util.h: only with CONFIG_DRM_EXPORT_FOR_TESTS */
	{ "EXPORT_SYMBOL_FOR_TESTS_ONLY", KEXPORT_KIND_PLAIN, 0, NULL, NULL },
	{ "EXPORT_SYMBOL_GPL", KEXPORT_KIND_GPL, 0, NULL, NULL },
	{ "EXPORT_SYMBOL_GPL_FOR_MODULES", KEXPORT_KIND_GPL, M_FOR_MODULES, NULL, NULL },
	{ "EXPORT_SYMBOL_GPL_FUTURE", KEXPORT_KIND_GPL_FUTURE, 0, NULL, NULL },
	{ "EXPORT_SYMBOL_IF_KUNIT", KEXPORT_KIND_PLAIN, M_FIXED_NS, "EXPORTED_FOR_KUNIT_TESTING", NULL },
	{ "EXPORT_SYMBOL_NS", KEXPORT_KIND_PLAIN, M_NS_ARG, NULL, NULL },
	{ "EXPORT_SYMBOL_NS_GPL", KEXPORT_KIND_GPL, M_NS_ARG, NULL, NULL },
	{ "EXPORT_TRACEPOINT_SYMBOL", KEXPORT_KIND_PLAIN, M_TRACEPOINT, NULL, NULL },
	{ "EXPORT_TRACEPOINT_SYMBOL_GPL", KEXPORT_KIND_GPL, M_TRACEPOINT, NULL, NULL },
	{ "EXPORT_UNUSED_SYMBOL", KEXPORT_KIND_UNUSED, 0, NULL, NULL },
	{ "EXPORT_UNUSED_SYMBOL_GPL", KEXPORT_KIND_UNUSED_GPL, 0, NULL, NULL },
	{ "EXPORT_WEXT_HANDLER", KEXPORT_KIND_GPL, 0, NULL, NULL },
	{ "IWL_EXPORT_SYMBOL", KEXPORT_KIND_GPL, M_FIXED_NS, "IWLWIFI", NULL },
};

static int cmp_macro(const void *key, const void *m)
{
	return strcmp(key, ((const struct src_macro *)m)->name);
}

static const struct src_macro *find_macro(const char *name)
{
	return bsearch(name, macros, KX_ARRAY_SIZE(macros), sizeof(macros[0]), cmp_macro);
}

static int define_local(struct scan *s, const char *d);

/* Handle one directive (text after '#', normalised). */
static int directive(struct scan *s, const char *d)
{
	size_t wl = 0;
	while (is_ident(d[wl]))
		wl++;
	const char *rest = d + wl;
	while (*rest == ' ')
		rest++;
	bool was_code = s->code_since_directive;
	s->code_since_directive = false;
	struct level *top = s->depth ? &s->lv[s->depth - 1] : NULL;
	/* an #ifndef X directly followed by #define X is an include guard */
	if (top && top->guard && !(wl == 6 && memcmp(d, "define", 6) == 0)) {
		free(top->guard);
		top->guard = NULL;
	}
	if ((wl == 5 && memcmp(d, "ifdef", 5) == 0) || (wl == 6 && memcmp(d, "ifndef", 6) == 0)) {
		size_t nl = 0;
		while (is_ident(rest[nl]))
			nl++;
		char *c;
		if (asprintf(&c, "%sdefined(%.*s)", wl == 6 ? "!" : "", (int)nl, rest) < 0)
			return -1;
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)(nl < 127 ? nl : 127), rest);
		return src_push_level(s, c, wl == 6 && !was_code ? name : NULL);
	}
	if (wl == 2 && memcmp(d, "if", 2) == 0)
		return src_push_level(s, src_wrap(rest), NULL);
	if ((wl == 4 && memcmp(d, "elif", 4) == 0) || (wl == 4 && memcmp(d, "else", 4) == 0) ||
	    (wl == 7 && memcmp(d, "elifdef", 7) == 0) || (wl == 8 && memcmp(d, "elifndef", 8) == 0)) {
		if (!top)
			return 0; /* stray: keep going, the compiler would complain */
		char *n = top->raw ? src_negate(top->raw) : NULL;
		char *prev = src_and(top->prev, n);
		free(n);
		free(top->prev);
		free(top->cur);
		top->prev = prev;
		top->is_guard = false;
		char *c = NULL;
		if (d[2] == 'i') {
			if (wl == 4) {
				c = src_wrap(rest);
			} else {
				size_t nl = 0;
				while (is_ident(rest[nl]))
					nl++;
				if (asprintf(&c, "%sdefined(%.*s)", wl == 8 ? "!" : "", (int)nl, rest) < 0)
					c = NULL;
			}
		}
		top->cur = c ? src_and(prev, c) : (prev ? strdup(prev) : strdup("1"));
		free(top->raw);
		top->raw = c;
		return 0;
	}
	if (wl == 5 && memcmp(d, "endif", 5) == 0) {
		if (s->depth)
			src_free_level(&s->lv[--s->depth]);
		return 0;
	}
	if (wl == 6 && memcmp(d, "define", 6) == 0) {
		size_t nl = 0;
		while (is_ident(rest[nl]))
			nl++;
		if (top && top->guard && strlen(top->guard) == nl && memcmp(top->guard, rest, nl) == 0) {
			top->is_guard = true;
			free(top->cur);
			top->cur = NULL;
			free(top->raw);
			top->raw = NULL;
		}
		if (top) {
			free(top->guard);
			top->guard = NULL;
		}
		if (define_local(s, rest) < 0)
			return -1;
		/* export.h reads it when it is included: a #define after the
		 * first #include comes too late (drivers/pwm/pwm-lpss.c in 6.1) */
		if (nl == 24 && memcmp(rest, "DEFAULT_SYMBOL_NAMESPACE", 24) == 0 && !s->seen_include) {
			const char *v = rest + nl;
			s->tmp.n = 0;
			src_ns_text(v, strlen(v), &s->tmp);
			free(s->file_ns);
			s->file_ns = s->tmp.s ? strdup(s->tmp.s) : strdup("");
			s->file_ns_set = true;
		}
		return 0;
	}
	if (wl == 7 && memcmp(d, "include", 7) == 0)
		s->seen_include = true;
	if (wl == 5 && memcmp(d, "undef", 5) == 0 && strncmp(rest, "DEFAULT_SYMBOL_NAMESPACE", 24) == 0) {
		free(s->file_ns);
		s->file_ns = NULL;
		s->file_ns_set = true;
	}
	return 0;
}

static int emit(struct scan *s, const struct src_macro *m, const char *macro_name,
                const char *prefix, const char *sym, size_t sl, const char *ns, unsigned line)
{
	char name[512];
	int n = snprintf(name, sizeof(name), "%s%.*s", prefix, (int)sl, sym);
	if (n < 0 || (size_t)n >= sizeof(name))
		return 0; /* not a symbol name */
	struct kexport_src_export e = {
		.name = name, .macro = macro_name, .kind = m->kind,
		.ns = ns && ns[0] ? ns : NULL, .line = line, .cond = src_cond_text(s),
	};
	s->count++;
	if (s->fn && s->fn(&e, s->arg))
		s->stop = true;
	return 0;
}

/* A symbol name, or its tail after a prefix (tracepoints may start with a digit). */
static bool ident_only(const char *a, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_ident(a[i]))
			return false;
	return true;
}

/*
 * The exports of table macro m called with the arguments a[0..n) (trimmed
 * text).  macro_name: what the source wrote (a local wrapper's name).
 */
static int table_call(struct scan *s, const struct src_macro *m, const char *macro_name,
                      char *const *a, size_t n, unsigned line)
{
	if (n == 0 || !ident_only(a[0], strlen(a[0])))
		return 0; /* token pasting we could not resolve, a cast...: not a name */
	const char *ns = NULL;
	s->tmp.n = 0;
	sb_add(&s->tmp, "", 0);
	if (m->flags & M_FOR_MODULES) {
		if (n < 2)
			return 0;
		sb_str(&s->tmp, "module:");
		src_ns_text(a[1], strlen(a[1]), &s->tmp);
		ns = s->tmp.s;
	} else if (m->flags & M_NS_ARG) {
		if (n < 2)
			return 0;
		src_ns_text(a[1], strlen(a[1]), &s->tmp);
		ns = s->tmp.s;
	} else if (m->flags & M_NS_LAST) {
		if (n < 2)
			return 0;
		src_ns_text(a[n - 1], strlen(a[n - 1]), &s->tmp);
		ns = s->tmp.s;
	} else if (m->flags & M_FIXED_NS) {
		ns = m->ns;
	} else if (!(m->flags & M_PM_OPS)) {
		ns = s->file_ns_set ? s->file_ns : s->default_ns;
	}
	if (s->tmp.oom) {
		s->err = kx_err(s->errmsg, -ENOMEM, "out of memory");
		return -1;
	}
	const char *sym = a[0];
	size_t sl = strlen(sym);
	if (m->flags & M_TRACEPOINT) {
		emit(s, m, macro_name, "__tracepoint_", sym, sl, ns, line);
		emit(s, m, macro_name, "__traceiter_", sym, sl, ns, line);
		emit(s, m, macro_name, "__SCK__tp_func_", sym, sl, ns, line);
		emit(s, m, macro_name, "__SCT__tp_func_", sym, sl, ns, line);
	} else if (m->flags & M_STATIC_CALL) {
		emit(s, m, macro_name, "__SCK__", sym, sl, ns, line);
		emit(s, m, macro_name, "__SCT__", sym, sl, ns, line);
	} else if (m->flags & M_STATIC_TRAMP) {
		emit(s, m, macro_name, "__SCT__", sym, sl, ns, line);
	} else {
		emit(s, m, macro_name, m->prefix ? m->prefix : "", sym, sl, ns, line);
	}
	return 0;
}

/*
 * Local wrappers: a function-like #define in the file whose body calls an
 * export macro (or another local wrapper), e.g. kernel/params.c's
 * STANDARD_PARAM_DEF(name, ...) with EXPORT_SYMBOL(param_set_##name).  A
 * call of the wrapper in the code is expanded: parameters substituted,
 * ## pasted, # stringified.
 */
struct lcall {
	char *callee;
	char **args;
	size_t n;
};

struct lmacro {
	char *name;
	size_t name_len;
	char **params;
	size_t np;
	struct lcall *calls;
	size_t nc;
};

static void lmacro_free(struct lmacro *l)
{
	free(l->name);
	src_free_strv(l->params, l->np);
	for (size_t i = 0; i < l->nc; i++) {
		free(l->calls[i].callee);
		src_free_strv(l->calls[i].args, l->calls[i].n);
	}
	free(l->calls);
}

static const struct lmacro *find_local(const struct scan *s, const char *name, size_t nl)
{
	for (size_t i = s->n_local; i-- > 0;)
		if (s->local[i].name_len == nl && memcmp(s->local[i].name, name, nl) == 0)
			return &s->local[i];
	return NULL;
}

static int call_named(struct scan *s, const char *callee, const char *written, char *const *a,
                      size_t n, unsigned line, int depth);

static int local_call(struct scan *s, const struct lmacro *l, char *const *a, size_t n,
                      unsigned line, int depth)
{
	for (size_t c = 0; c < l->nc && !s->stop; c++) {
		const struct lcall *lc = &l->calls[c];
		char **sub = calloc(lc->n ? lc->n : 1, sizeof(*sub));
		if (!sub)
			return -1;
		size_t k;
		for (k = 0; k < lc->n; k++)
			if (!(sub[k] = src_substitute(lc->args[k], l->params, l->np, a, n)))
				break;
		int r = k == lc->n ? call_named(s, lc->callee, l->name, sub, lc->n, line, depth + 1) : -1;
		src_free_strv(sub, lc->n);
		if (r < 0)
			return r;
	}
	return 0;
}

static int call_named(struct scan *s, const char *callee, const char *written, char *const *a,
                      size_t n, unsigned line, int depth)
{
	if (depth > 6)
		return 0;
	const struct src_macro *m = find_macro(callee);
	if (m)
		return table_call(s, m, written, a, n, line);
	const struct lmacro *l = find_local(s, callee, strlen(callee));
	return l ? local_call(s, l, a, n, line, depth) : 0;
}

/* #define NAME(params) body: remember it if the body calls an export macro. */
static int define_local(struct scan *s, const char *d)
{
	size_t nl = 0;
	while (is_ident(d[nl]))
		nl++;
	if (d[nl] != '(')
		return 0;
	if (!memmem(d, strlen(d), "EXPORT", 6)) {
		/* a wrapper of a local wrapper */
		bool any = false;
		for (size_t i = 0; i < s->n_local && !any; i++)
			any = strstr(d + nl, s->local[i].name) != NULL;
		if (!any)
			return 0;
	}
	struct lmacro l = { 0 };
	const char *body;
	ssize_t np = src_split_args(d + nl + 1, &l.params, &body);
	if (np < 0)
		return 0;
	l.np = (size_t)np;
	if (l.np == 1 && !l.params[0][0]) {
		free(l.params[0]);
		l.np = 0;
	}
	for (const char *p = body; *p;) {
		if (*p == '"' || *p == '\'') {
			char q = *p++;
			while (*p && *p != q)
				p += (*p == '\\' && p[1]) ? 2 : 1;
			if (*p)
				p++;
			continue;
		}
		if (!is_ident(*p)) {
			p++;
			continue;
		}
		const char *st = p;
		while (is_ident(*p))
			p++;
		size_t il = (size_t)(p - st);
		char name[64];
		if (il >= sizeof(name))
			continue;
		memcpy(name, st, il);
		name[il] = '\0';
		if (!find_macro(name) && !find_local(s, name, il))
			continue;
		const char *q = p;
		while (*q == ' ')
			q++;
		if (*q != '(')
			continue;
		struct lcall c = { 0 };
		const char *end;
		ssize_t na = src_split_args(q + 1, &c.args, &end);
		if (na < 0)
			continue;
		c.n = (size_t)na;
		struct lcall *nc = realloc(l.calls, (l.nc + 1) * sizeof(*nc));
		if (!nc || !(c.callee = strdup(name))) {
			src_free_strv(c.args, c.n);
			if (nc)
				l.calls = nc;
			lmacro_free(&l);
			return -1;
		}
		l.calls = nc;
		l.calls[l.nc++] = c;
		p = end;
	}
	if (!l.nc) {
		lmacro_free(&l);
		return 0;
	}
	l.name = strndup(d, nl);
	l.name_len = nl;
	struct lmacro *v = realloc(s->local, (s->n_local + 1) * sizeof(*v));
	if (!l.name || !v) {
		if (v)
			s->local = v;
		lmacro_free(&l);
		return -1;
	}
	s->local = v;
	s->local[s->n_local++] = l;
	return 0;
}

/* A call of an export macro or local wrapper at b[i..], its '(' at p. */
static ssize_t export_call(struct scan *s, const char *name, size_t i, size_t p)
{
	unsigned line = src_line_at(s, i);
	struct args av;
	ssize_t end = src_read_args(s, p, &av);
	if (end == -2)
		return (ssize_t)p; /* not a call: go on after the name */
	if (end < 0)
		return end;
	size_t n = av.count < MAX_ARGS ? av.count : MAX_ARGS;
	char *a[MAX_ARGS];
	size_t k;
	for (k = 0; k < n; k++) {
		/* one line, comments and continuations gone, blanks as one space */
		struct sbuf t = { 0 };
		sb_add(&t, "", 0);
		const char *x = av.a[k], *e = x + av.n[k];
		while (x < e) {
			if (x + 1 < e && x[0] == '/' && x[1] == '*') {
				const char *ce = memmem(x + 2, (size_t)(e - x - 2), "*/", 2);
				x = ce ? ce + 2 : e;
				sb_add(&t, " ", 1);
			} else if (*x == '\\' || *x == '\n' || is_space(*x)) {
				if (t.n && t.s[t.n - 1] != ' ')
					sb_add(&t, " ", 1);
				x++;
			} else {
				sb_add(&t, x, 1);
				x++;
			}
		}
		while (t.n && t.s[t.n - 1] == ' ')
			t.s[--t.n] = '\0';
		if (t.oom)
			break;
		a[k] = t.s;
	}
	int r = k == n ? call_named(s, name, name, a, n, line, 0) : -1;
	for (size_t j = 0; j < k; j++)
		free(a[j]);
	if (r < 0) {
		if (!s->err)
			s->err = kx_err(s->errmsg, -ENOMEM, "out of memory");
		return -1;
	}
	return end;
}

static void scan_free(struct scan *s)
{
	for (size_t i = 0; i < s->depth; i++)
		src_free_level(&s->lv[i]);
	free(s->lv);
	free(s->file_ns);
	free(s->cond.s);
	free(s->tmp.s);
	for (size_t i = 0; i < s->n_local; i++)
		lmacro_free(&s->local[i]);
	free(s->local);
}

/* Just past the last "EXPORT" of the file. */
static size_t last_export_end(const char *b, size_t len)
{
	for (size_t n = len; n >= 6;) {
		const char *x = memrchr(b + 1, 'X', n - 1);
		if (!x)
			break;
		size_t at = (size_t)(x - b) - 1; /* the 'E' */
		if (at + 6 <= len && memcmp(b + at, "EXPORT", 6) == 0)
			return at + 6;
		n = (size_t)(x - b);
	}
	return len;
}

static int scan_body(struct scan *s)
{
	struct sbuf dir = { 0 };
	bool bol = true;
	size_t i = 0;
	const char *b = s->b;
	/*
	 * No export can start after the last "EXPORT" unless a local wrapper
	 * (defined before it) is called later: lexing stops there, or goes on
	 * to the end once the file has a wrapper.
	 */
	size_t limit = last_export_end(b, s->len);
	while ((i < limit || (s->n_local && i < s->len)) && !s->stop) {
		char c = b[i];
		if (c == '\n') {
			bol = true;
			i++;
			continue;
		}
		if (is_space(c)) {
			i++;
			continue;
		}
		if (c == '/' && i + 1 < s->len && b[i + 1] == '*') {
			ssize_t e = src_skip_comment(s, i);
			if (e < 0)
				goto err;
			i = (size_t)e;
			continue;
		}
		if (c == '/' && i + 1 < s->len && b[i + 1] == '/') {
			const char *nl = memchr(b + i, '\n', s->len - i);
			i = nl ? (size_t)(nl - b) : s->len;
			continue;
		}
		if (c == '#' && bol) {
			ssize_t e = src_read_directive(s, i + 1, &dir);
			if (e < 0)
				goto err;
			const char *d = dir.s;
			while (*d == ' ')
				d++;
			if (directive(s, d) < 0) {
				s->err = kx_err(s->errmsg, -ENOMEM, "out of memory");
				goto err;
			}
			i = (size_t)e;
			continue;
		}
		bol = false;
		s->code_since_directive = true;
		if (c == '"' || (c == '\'' && !s->assembler)) {
			i = src_skip_literal(s, i);
			continue;
		}
		if (!is_ident(c)) {
			i++;
			continue;
		}
		size_t st = i;
		bool x = false; /* an 'X': maybe "EXPORT" (no call per identifier) */
		while (i < s->len && is_ident(b[i]))
			x |= b[i++] == 'X';
		size_t nl = i - st;
		/* every macro of the table has "EXPORT" in its name */
		if (nl > 63)
			continue;
		bool table = x && nl >= 6 && memmem(b + st, nl, "EXPORT", 6);
		if (!table && !(s->n_local && find_local(s, b + st, nl)))
			continue;
		char name[64];
		memcpy(name, b + st, nl);
		name[nl] = '\0';
		if (table && !find_macro(name) && !find_local(s, name, nl))
			continue;
		/* the '(' may follow after blanks, newlines, comments */
		size_t p = i;
		while (p < s->len) {
			if (is_space(b[p]) || b[p] == '\n' || (b[p] == '\\' && p + 1 < s->len && b[p + 1] == '\n')) {
				p++;
			} else if (b[p] == '/' && p + 1 < s->len && b[p + 1] == '*') {
				ssize_t e = src_skip_comment(s, p);
				if (e < 0)
					goto err;
				p = (size_t)e;
			} else {
				break;
			}
		}
		if (p >= s->len || b[p] != '(')
			continue;
		ssize_t e = export_call(s, name, st, p);
		if (e < 0)
			goto err;
		i = (size_t)e;
	}
	free(dir.s);
	return 0;
err:
	free(dir.s);
	return -1;
}

/*
 * The one pass over every file: does it contain "EXPORT" (every macro of the
 * table has it in its name)?  1 yes (stops there), 0 no, -1 a NUL byte came
 * first (binary).  Most files have no export: with SSE2, 16 positions at a
 * time are tested for 'E' and, 5 bytes on, 'T', and for NUL.
 */
static int prefilter(const char *buf, size_t len)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i ve = _mm_set1_epi8('E'), vt = _mm_set1_epi8('T'), vz = _mm_setzero_si128();
	for (; i + 5 + 16 <= len; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
		__m128i t = _mm_loadu_si128((const __m128i *)(const void *)(buf + i + 5));
		unsigned z = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, vz));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, ve),
		                                                       _mm_cmpeq_epi8(t, vt)));
		while (m) {
			unsigned bit = (unsigned)__builtin_ctz(m);
			if (z & ((1u << bit) - 1))
				return -1;
			if (memcmp(buf + i + bit + 1, "XPOR", 4) == 0)
				return 1;
			m &= m - 1;
		}
		if (z)
			return -1;
	}
#endif
	for (; i < len; i++) {
		if (buf[i] == '\0')
			return -1;
		if (buf[i] == 'E' && len - i >= 6 && memcmp(buf + i, "EXPORT", 6) == 0)
			return 1;
	}
	return 0;
}

int kx_src_scan(const char *path, const char *buf, size_t len, const char *default_ns,
                kexport_src_export_fn fn, void *arg, char errmsg[256])
{
	char msg[KEXPORT_ERRMSG_MAX];
	if (len > SRC_MAX_SIZE) {
		if (errmsg)
			snprintf(errmsg, 256, "too big for a source file (more than %zu MiB)",
			         SRC_MAX_SIZE >> 20);
		return -EINVAL;
	}
	int pf = prefilter(buf, len);
	if (pf == 1 && memchr(buf, '\0', len))
		pf = -1;
	if (pf < 0) {
		if (errmsg)
			snprintf(errmsg, 256, "binary file (NUL bytes), not a source file");
		return -EINVAL;
	}
	if (pf == 0)
		return 0;
	size_t pl = path ? strlen(path) : 0;
	struct scan s = {
		.path = path, .b = buf, .len = len,
		.assembler = pl >= 2 && strcmp(path + pl - 2, ".S") == 0,
		.default_ns = default_ns && default_ns[0] ? default_ns : NULL,
		.line = 1, .fn = fn, .arg = arg, .errmsg = msg,
	};
	msg[0] = '\0';
	int r = scan_body(&s);
	if (r == 0 && (s.cond.oom || s.tmp.oom)) {
		s.err = kx_err(msg, -ENOMEM, "out of memory");
		r = -1;
	}
	scan_free(&s);
	if (r < 0) {
		if (errmsg)
			snprintf(errmsg, 256, "%s", msg);
		return s.err == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	return s.count;
}

KX_EXPORT int kexport_src_scan(struct kexport_ctx *ctx, const char *path, const char *buf,
                               size_t len, const char *default_ns, kexport_src_export_fn fn,
                               void *arg)
{
	if (!ctx)
		return -EINVAL;
	char msg[256] = "";
	return kx_report(ctx, path, kx_src_scan(path, buf, len, default_ns, fn, arg, msg), msg);
}
