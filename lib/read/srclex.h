/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The source scanner's reader of text, private to lib/read/: srclex.c
 * reads the text (comments, literals, directives, macro arguments, the #if
 * condition stack as text), srcscan.c finds the export macros in it.
 */
#pragma once

#include "libkexport-internal.h"

/* A growable string. */
struct sbuf {
	char *s;
	size_t n, cap;
	bool oom;
};

void sb_add(struct sbuf *b, const char *s, size_t n);

struct lmacro;

/* One level of #if nesting. */
struct level {
	char *cur;      /* the condition of the branch we are in; NULL: none (guard) */
	char *raw;      /* that branch's own #if/#elif expression; NULL for #else */
	char *prev;     /* "!(a) && !(b)" of the branches before; NULL when none */
	char *guard;    /* #ifndef NAME: the name, until we know if it is an include guard */
	bool is_guard;
};

struct scan {
	const char *path;
	const char *b;
	size_t len;
	bool assembler;
	const char *default_ns;  /* from the caller (Makefile) */
	char *file_ns;           /* #define DEFAULT_SYMBOL_NAMESPACE */
	bool file_ns_set;        /* #define or #undef seen: file_ns rules */
	struct level *lv;
	size_t depth, cap;
	size_t line_pos;         /* b[line_pos] is on line `line` */
	unsigned line;
	bool code_since_directive;
	kexport_src_export_fn fn;
	void *arg;
	int count;
	bool stop;
	char *errmsg;
	int err;
	struct sbuf cond, tmp;
	struct lmacro *local;    /* the file's wrappers of export macros */
	size_t n_local;
	bool seen_include;       /* DEFAULT_SYMBOL_NAMESPACE counts only before the first */
};

/*
 * The arguments of a macro call: from i at '(' to the matching ')'.  Up to
 * MAX_ARGS arguments, each trimmed, comments dropped.  Returns the position after
 * ')', -2 when this is not a call after all (a ';' at the top level), or
 * -1 (error set) when unterminated.
 */
#define MAX_ARGS 8
struct args {
	const char *a[MAX_ARGS];
	size_t n[MAX_ARGS];
	size_t count;
};

static inline void sb_putc(struct sbuf *b, char c)
{
	if (b->n + 2 <= b->cap) {
		b->s[b->n++] = c;
		b->s[b->n] = '\0';
	} else {
		sb_add(b, &c, 1);
	}
}

static inline bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

void sb_str(struct sbuf *b, const char *s);
unsigned src_line_at(struct scan *s, size_t pos);
int src_fail(struct scan *s, size_t pos, const char *what);
ssize_t src_skip_comment(struct scan *s, size_t i);
size_t src_skip_literal(const struct scan *s, size_t i);
ssize_t src_read_directive(struct scan *s, size_t i, struct sbuf *out);
char *src_wrap(const char *e);
char *src_negate(const char *e);
char *src_and(const char *a, const char *b);
int src_push_level(struct scan *s, char *cond, const char *guard);
void src_free_level(struct level *l);
void src_ns_text(const char *a, size_t n, struct sbuf *out);
const char *src_cond_text(struct scan *s);
ssize_t src_read_args(struct scan *s, size_t i, struct args *av);
void src_free_strv(char **v, size_t n);
ssize_t src_split_args(const char *p, char ***out, const char **end);
char *src_substitute(const char *tpl, char *const *params, size_t np, char *const *args,
                     size_t na);
