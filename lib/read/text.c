/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Text inputs: Module.symvers (every column layout the kernel has written,
 * kernel-rules.md §7.1), System.map and /proc/kallsyms.
 */
#include <ctype.h>

#include "libkexport-internal.h"

/* Split a line at tabs; returns the field count (at most max). */
static size_t split_tabs(const char *s, size_t len, const char **f, size_t *fl, size_t max)
{
	size_t n = 0;
	const char *end = s + len;
	while (n < max) {
		const char *t = memchr(s, '\t', (size_t)(end - s));
		f[n] = s;
		fl[n] = t ? (size_t)(t - s) : (size_t)(end - s);
		n++;
		if (!t)
			return n;
		s = t + 1;
	}
	return n + 1; /* more fields than max */
}

/* A cursor over the lines of a text file; CRLF endings are accepted. */
struct lines {
	const char *p, *end;
	size_t lineno;
};

/* The next non-empty line (without its ending), or false at the end. */
static bool next_line(struct lines *l, const char **line, size_t *len)
{
	while (l->p < l->end) {
		const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
		size_t n = nl ? (size_t)(nl - l->p) : (size_t)(l->end - l->p);
		*line = l->p;
		l->p += n + (nl ? 1 : 0);
		l->lineno++;
		if (n && (*line)[n - 1] == '\r')
			n--;
		if (n) {
			*len = n;
			return true;
		}
	}
	return false;
}

static bool parse_crc(const char *s, size_t len, uint32_t *crc)
{
	if (len < 3 || len > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	uint64_t v = 0;
	for (size_t i = 2; i < len; i++) {
		unsigned c = (unsigned char)s[i], d;
		if (c - '0' < 10)
			d = c - '0';
		else if ((c | 0x20) - 'a' < 6)
			d = (c | 0x20) - 'a' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*crc = (uint32_t)v; /* 64-bit CRC words of old kernels: low half */
	return true;
}

static bool valid_symbol(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

int kx_parse_symvers(struct kexport_table *table, const char *data, size_t size, const char *path,
                     char *errmsg)
{
	char buf[4][512];
	size_t n_lines = 0;
	if (size == 0)
		return kx_err(errmsg, -EINVAL, "empty file");
	if (memchr(data, '\0', size))
		return kx_err(errmsg, -EINVAL, "binary data in a text file");
	/* One export a line: size the table once instead of growing it. */
	size_t n_nl = 0;
	for (const char *p = data, *end = data + size; (p = memchr(p, '\n', (size_t)(end - p)));
	     p++)
		n_nl++;
	if (kx_table_reserve(table, kexport_table_count(table) + n_nl + 1) < 0)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	struct lines l = { data, data + size, 0 };
	const char *line;
	size_t len;
	while (next_line(&l, &line, &len)) {
		size_t lineno = l.lineno;
		const char *f[6];
		size_t fl[6];
		size_t nf = split_tabs(line, len, f, fl, 5);
		struct kexport_export e = { 0 };
		uint32_t crc;
		if (nf < 3 || nf > 5 || !parse_crc(f[0], fl[0], &crc))
			return kx_err(errmsg, -EINVAL,
			              "line %zu: not a Module.symvers line (want CRC<TAB>symbol<TAB>module<TAB>type<TAB>namespace)",
			              lineno);
		if (!valid_symbol(f[1], fl[1]) || fl[1] >= sizeof(buf[0]) || fl[2] >= sizeof(buf[0]))
			return kx_err(errmsg, -EINVAL, "line %zu: bad symbol name", lineno);
		enum kexport_kind kind = KEXPORT_KIND_PLAIN;
		size_t owner_f = 2, ns_f = 0;
		e.known = KEXPORT_KNOWN_CRC;
		if (nf == 5) {
			/* ≥5.6: crc sym module type ns;  5.4-5.5: crc sym ns module type */
			if (kexport_kind_parse(f[3], fl[3], &kind) == 0)
				ns_f = 4;
			else if (kexport_kind_parse(f[4], fl[4], &kind) == 0)
				ns_f = 2, owner_f = 3;
			else
				return kx_err(errmsg, -EINVAL, "line %zu: unknown export type '%.*s'", lineno,
				              (int)(fl[3] < 64 ? fl[3] : 64), f[3]);
			e.known |= KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS;
		} else if (nf == 4) {
			if (kexport_kind_parse(f[3], fl[3], &kind) < 0)
				return kx_err(errmsg, -EINVAL, "line %zu: unknown export type '%.*s'", lineno,
				              (int)(fl[3] < 64 ? fl[3] : 64), f[3]);
			e.known |= KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS; /* no namespaces before 5.4 */
		}
		if (fl[owner_f] == 0 || fl[owner_f] >= sizeof(buf[0]) ||
		    (ns_f && fl[ns_f] >= sizeof(buf[0])))
			return kx_err(errmsg, -EINVAL, "line %zu: bad module column", lineno);
		memcpy(buf[0], f[1], fl[1]);
		buf[0][fl[1]] = '\0';
		memcpy(buf[1], f[owner_f], fl[owner_f]);
		buf[1][fl[owner_f]] = '\0';
		buf[2][0] = '\0';
		if (ns_f) {
			memcpy(buf[2], f[ns_f], fl[ns_f]);
			buf[2][fl[ns_f]] = '\0';
		}
		e.name = buf[0];
		e.owner = buf[1];
		e.ns = buf[2];
		e.kind = kind;
		e.crc = crc;
		e.source = path;
		if (kexport_table_add(table, &e) < 0)
			return kx_err(errmsg, -ENOMEM, "out of memory");
		n_lines++;
	}
	if (n_lines == 0)
		return kx_err(errmsg, -EINVAL, "no Module.symvers lines");
	return 0;
}

/* One System.map / kallsyms line: "ADDR TYPE NAME[\t[module]]". */
struct map_line {
	uint64_t addr;
	const char *name, *mod;
	size_t name_len, mod_len;
};

static bool parse_map_line(const char *s, size_t len, struct map_line *ml)
{
	size_t i = 0;
	uint64_t a = 0;
	while (i < len && isxdigit((unsigned char)s[i]) && i < 16) {
		int c = (unsigned char)s[i++];
		a = a << 4 | (uint64_t)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
	}
	if (i == 0 || i >= len || s[i] != ' ' || i + 3 >= len || s[i + 2] != ' ')
		return false;
	if (!isalpha((unsigned char)s[i + 1]) && s[i + 1] != '?' && s[i + 1] != '-')
		return false;
	ml->addr = a;
	ml->name = s + i + 3;
	const char *tab = memchr(ml->name, '\t', len - i - 3);
	ml->name_len = tab ? (size_t)(tab - ml->name) : len - i - 3;
	ml->mod = NULL;
	ml->mod_len = 0;
	if (tab) {
		const char *m = tab + 1;
		size_t ml_len = len - (size_t)(m - s);
		if (ml_len < 3 || m[0] != '[' || m[ml_len - 1] != ']')
			return false;
		ml->mod = m + 1;
		ml->mod_len = ml_len - 2;
	}
	return valid_symbol(ml->name, ml->name_len);
}

static const struct {
	const char *start, *stop;
	enum kexport_kind kind;
} map_ranges[] = {
	{ "__start___ksymtab", "__stop___ksymtab", KEXPORT_KIND_PLAIN },
	{ "__start___ksymtab_gpl", "__stop___ksymtab_gpl", KEXPORT_KIND_GPL },
	{ "__start___ksymtab_gpl_future", "__stop___ksymtab_gpl_future", KEXPORT_KIND_GPL_FUTURE },
	{ "__start___ksymtab_unused", "__stop___ksymtab_unused", KEXPORT_KIND_UNUSED },
	{ "__start___ksymtab_unused_gpl", "__stop___ksymtab_unused_gpl", KEXPORT_KIND_UNUSED_GPL },
};

int kx_parse_system_map(struct kexport_table *table, const char *data, size_t size,
                        const char *path, bool kallsyms, char *errmsg)
{
	(void)kallsyms;
	uint64_t lo[KX_ARRAY_SIZE(map_ranges)] = { 0 }, hi[KX_ARRAY_SIZE(map_ranges)] = { 0 };
	if (size == 0)
		return kx_err(errmsg, -EINVAL, "empty file");
	if (memchr(data, '\0', size))
		return kx_err(errmsg, -EINVAL, "binary data in a text file");
	if (memmem(data, size, "The real System.map is in", 25))
		return kx_err(errmsg, -ENOENT,
		              "Debian's placeholder System.map (the real one is in the -dbg package)");
	/* Pass 1: the section bounds that tell an export's kind; pass 2: the exports. */
	for (int pass = 0; pass < 2; pass++) {
		struct lines l = { data, data + size, 0 };
		const char *line;
		size_t len, n_exports = 0;
		while (next_line(&l, &line, &len)) {
			size_t lineno = l.lineno;
			struct map_line ml;
			if (!parse_map_line(line, len, &ml))
				return kx_err(errmsg, -EINVAL,
				              "line %zu: not a System.map or kallsyms line (want ADDRESS TYPE NAME)",
				              lineno);
			if (pass == 0) {
				if (ml.mod)
					continue;
				for (size_t r = 0; r < KX_ARRAY_SIZE(map_ranges); r++) {
					if (strlen(map_ranges[r].start) == ml.name_len &&
					    !memcmp(ml.name, map_ranges[r].start, ml.name_len))
						lo[r] = ml.addr;
					if (strlen(map_ranges[r].stop) == ml.name_len &&
					    !memcmp(ml.name, map_ranges[r].stop, ml.name_len))
						hi[r] = ml.addr;
				}
				continue;
			}
			if (ml.name_len <= 10 || memcmp(ml.name, "__ksymtab_", 10) != 0)
				continue;
			char name[512], owner[512];
			if (ml.name_len - 10 >= sizeof(name) || ml.mod_len >= sizeof(owner))
				return kx_err(errmsg, -EINVAL, "line %zu: name too long", lineno);
			memcpy(name, ml.name + 10, ml.name_len - 10);
			name[ml.name_len - 10] = '\0';
			/*
			 * Skip the section markers themselves and __ksymtab_strings;
			 * in kallsyms, a [module] tag names the owner.
			 */
			if (strcmp(name, "strings") == 0)
				continue;
			struct kexport_export e = { 0 };
			e.name = name;
			e.ns = "";
			e.source = path;
			if (ml.mod) {
				memcpy(owner, ml.mod, ml.mod_len);
				owner[ml.mod_len] = '\0';
				e.owner = owner;
			} else if (lo[1]) { /* map_ranges[1]: __start___ksymtab_gpl */
				e.owner = "vmlinux";
				for (size_t r = 0; r < KX_ARRAY_SIZE(map_ranges); r++)
					if (ml.addr && lo[r] && ml.addr >= lo[r] && ml.addr < hi[r]) {
						e.kind = map_ranges[r].kind;
						e.known = KEXPORT_KNOWN_KIND;
					}
			} else {
				/*
				 * No __ksymtab_gpl range: from 7.0 (include/asm-generic/
				 * vmlinux.lds.h) every export is in __ksymtab and the GPL
				 * flag is a byte of __kflagstab, which a symbol map does
				 * not show.  The kind stays unknown, never guessed.
				 */
				e.owner = "vmlinux";
			}
			if (kexport_table_add(table, &e) < 0)
				return kx_err(errmsg, -ENOMEM, "out of memory");
			n_exports++;
		}
		if (pass == 1 && n_exports == 0)
			return kx_err(errmsg, -ENOENT, "no __ksymtab_ symbols: nothing exported");
	}
	return 0;
}

KX_EXPORT int kexport_parse_symvers(struct kexport_table *table, const char *data, size_t size,
                                    const char *path)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(kx_table_ctx(table), path, kx_parse_symvers(table, data, size, path, msg),
	                 msg);
}

KX_EXPORT int kexport_parse_system_map(struct kexport_table *table, const char *data,
                                       size_t size, const char *path, bool kallsyms)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(kx_table_ctx(table), path,
	                 kx_parse_system_map(table, data, size, path, kallsyms, msg), msg);
}
