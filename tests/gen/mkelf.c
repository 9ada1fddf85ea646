/*
 * mkelf.c - generate small synthetic Linux-kernel ELF files for kexport tests
 * (unit tests, fuzz seeds, integration tests).
 *
 * It writes either a kernel module (ET_REL ".ko") or a "vmlinux" (ET_EXEC)
 * holding the symbol-export sections the kernel uses: __ksymtab*,
 * __kcrctab*, __ksymtab_strings, plus (modules) .modinfo, __versions,
 * __version_ext_*, .gnu.linkonce.this_module, relocations and an optional
 * appended module signature.  Layouts follow kernel-rules.md 4.2, 4.7, 5.3
 * and 6.1-6.6.
 *
 * Every byte is produced by explicit endian-aware writers (no struct is ever
 * cast onto the output), so one code path emits ELF32/ELF64, LE/BE.  Only
 * libc is needed (no <elf.h>).  Build:
 *   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 -o mkelf mkelf.c
 *
 * Usage: mkelf [options] OUTPUT     (run "mkelf --help" for the full list)
 *
 *   --type module|vmlinux     --class 32|64     --endian le|be
 *   --machine x86_64|aarch64|ppc64|s390|i386|arm|ppc
 *   --modinfo KEY=VALUE  --modinfo-pad
 *   --import NAME[:CRC][:weak]   --import-version-only NAME:CRC
 *   --ext-versions  --no-basic-versions
 *   --export NAME[:gpl][:ns=NS][:crc=HEX][:asm]
 *   --gpl-future SPEC  --unused SPEC  --unused-gpl SPEC
 *   --abs-entries  --prel32-entries  --no-ns-field  --rel  --section-relocs
 *   --crc-long  --stripped  --sign  --sig-len N  --this-module-size N
 *   --base ADDR  --banner TEXT  --system-map FILE  --symvers FILE
 *   --owner OWNER
 *
 * Conventions worth knowing when writing tests against the output:
 *  - Each export table is sorted by name (strcmp), like SORT(___ksymtab+*).
 *    __ksymtab_strings holds, table by table in sorted order, "NAME\0" then
 *    "NS\0" ("" when no namespace; nothing for :asm exports or with
 *    --no-ns-field).
 *  - Module: entry words are 0 in the file (with --rel the addend, also 0
 *    unless --section-relocs, is stored in the field); relocations go to
 *    .rela<sec>/.rel<sec>.  Value -> GLOBAL FUNC NAME in .text, name ->
 *    LOCAL NOTYPE __kstrtab_NAME, namespace -> __kstrtabns_NAME (or the
 *    __ksymtab_strings section symbol + offset with --section-relocs).
 *  - vmlinux: PREL32 fields are target - &field; absolute fields are vaddrs;
 *    :asm exports have namespace field 0.  Layout: .text (page aligned,
 *    at --base), then a read-only PT_LOAD with .rodata (linux_banner) and
 *    the export sections in vmlinux.lds.h order.
 *  - Export/CRC sections exist only when they have entries (both types);
 *    __kcrctab* exist for every present __ksymtab* as soon as any export has
 *    a CRC (0 for the ones without).
 *  - Symbol order in .symtab: null, section symbols, other locals, then
 *    globals (defined ones first, then imports in command-line order).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* ELF constants (own copy, so no <elf.h> is needed)                   */

enum {
	MK_ET_REL = 1, MK_ET_EXEC = 2,
	MK_SHT_PROGBITS = 1, MK_SHT_SYMTAB = 2, MK_SHT_STRTAB = 3,
	MK_SHT_RELA = 4, MK_SHT_REL = 9,
	MK_STB_LOCAL = 0, MK_STB_GLOBAL = 1, MK_STB_WEAK = 2,
	MK_STT_NOTYPE = 0, MK_STT_OBJECT = 1, MK_STT_FUNC = 2, MK_STT_SECTION = 3,
	MK_SHN_UNDEF = 0,
	MK_PT_LOAD = 1, MK_PF_X = 1, MK_PF_R = 4
};
#define MK_SHF_WRITE     0x1u
#define MK_SHF_ALLOC     0x2u
#define MK_SHF_EXECINSTR 0x4u
#define MK_SHF_MERGE     0x10u
#define MK_SHF_STRINGS   0x20u
#define MK_SHF_INFO_LINK 0x40u

#define PAGE 0x1000u

/* ------------------------------------------------------------------ */
/* Utilities                                                           */

#if defined(__GNUC__) || defined(__clang__)
#define MK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MK_PRINTF(a, b)
#endif

static const char *g_prog = "mkelf";

static _Noreturn void die(const char *fmt, ...) MK_PRINTF(1, 2);
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", g_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die("out of memory");
	return q;
}

/* Everything allocated for the lifetime of the run is remembered here
 * and freed at the end, so LeakSanitizer stays quiet. */
static void **g_owned;
static size_t g_nowned, g_capowned;

static void *own(void *p)
{
	if (g_nowned == g_capowned) {
		g_capowned = g_capowned ? 2 * g_capowned : 32;
		g_owned = xrealloc(g_owned, g_capowned * sizeof(*g_owned));
	}
	g_owned[g_nowned++] = p;
	return p;
}

static char *xstrdup_own(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xrealloc(NULL, n);

	memcpy(p, s, n);
	return own(p);
}

static char *fmt_own(const char *fmt, ...) MK_PRINTF(1, 2);
static char *fmt_own(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	p = xrealloc(NULL, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return own(p);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	if (a <= 1)
		return v;
	return (v + a - 1) / a * a;
}

/* ------------------------------------------------------------------ */
/* Endian-aware byte writers                                           */

static int g_be;      /* 1 = big endian */
static int g_64;      /* 1 = ELFCLASS64 */

static unsigned wsize(void)
{
	return g_64 ? 8u : 4u;
}

static void wr_n(uint8_t *p, uint64_t v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		unsigned sh = 8u * (g_be ? n - 1 - i : i);

		p[i] = (uint8_t)(v >> sh);
	}
}

struct cur {
	uint8_t *p;
};

static void c_n(struct cur *c, uint64_t v, unsigned n)
{
	wr_n(c->p, v, n);
	c->p += n;
}

static void c_u8(struct cur *c, uint64_t v) { c_n(c, v, 1); }
static void c_u16(struct cur *c, uint64_t v) { c_n(c, v, 2); }
static void c_u32(struct cur *c, uint64_t v) { c_n(c, v, 4); }
static void c_u64(struct cur *c, uint64_t v) { c_n(c, v, 8); }
static void c_word(struct cur *c, uint64_t v) { c_n(c, v, wsize()); }

/* Growable byte buffer. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

static size_t buf_zero(struct buf *b, size_t n)
{
	size_t off = b->len;

	if (n == 0)
		return off;
	if (n > SIZE_MAX / 2 - b->len)
		die("buffer too large");
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < b->len + n)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	memset(b->p + off, 0, n);
	b->len += n;
	return off;
}

static size_t buf_put(struct buf *b, const void *d, size_t n)
{
	size_t off = buf_zero(b, n);

	if (n)
		memcpy(b->p + off, d, n);
	return off;
}

static size_t buf_str(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s) + 1);
}

static size_t buf_int(struct buf *b, uint64_t v, unsigned n)
{
	size_t off = buf_zero(b, n);

	wr_n(b->p + off, v, n);
	return off;
}

/* ------------------------------------------------------------------ */
/* Machines                                                            */

struct machine {
	const char *name;
	uint16_t em;
	int cls;            /* 32 or 64 */
	int default_be;
	uint32_t r_pcrel32; /* PREL32 fields */
	uint32_t r_absword; /* absolute native-word fields */
	uint32_t eflags_le, eflags_be;
};

static const struct machine g_machines[] = {
	{ "x86_64", 62, 64, 0, 2, 1, 0, 0 },          /* R_X86_64_PC32 / _64 */
	{ "aarch64", 183, 64, 0, 261, 257, 0, 0 },    /* R_AARCH64_PREL32 / ABS64 */
	{ "ppc64", 21, 64, 0, 26, 38, 2, 1 },         /* R_PPC64_REL32 / ADDR64 */
	{ "s390", 22, 64, 1, 5, 22, 0, 0 },           /* R_390_PC32 / R_390_64 */
	{ "i386", 3, 32, 0, 2, 1, 0, 0 },             /* R_386_PC32 / R_386_32 */
	{ "arm", 40, 32, 0, 3, 2, 0x05000000, 0x05000000 }, /* R_ARM_REL32 / ABS32 */
	{ "ppc", 20, 32, 1, 26, 1, 0, 0 },            /* R_PPC_REL32 / ADDR32 */
};

/* ------------------------------------------------------------------ */
/* Export tables                                                       */

enum { T_PLAIN, T_GPL, T_UNUSED, T_UNUSED_GPL, T_GPL_FUTURE, T_COUNT };

/* In the order of include/asm-generic/vmlinux.lds.h. */
static const struct {
	const char *suffix;
	const char *symvers;
} g_tabs[T_COUNT] = {
	{ "", "EXPORT_SYMBOL" },
	{ "_gpl", "EXPORT_SYMBOL_GPL" },
	{ "_unused", "EXPORT_UNUSED_SYMBOL" },
	{ "_unused_gpl", "EXPORT_UNUSED_SYMBOL_GPL" },
	{ "_gpl_future", "EXPORT_SYMBOL_GPL_FUTURE" },
};

struct export {
	const char *name, *ns;  /* ns == NULL: no namespace */
	uint32_t crc;
	int has_crc, tab, is_asm;
	/* filled while building */
	uint64_t text_off, entry_off, name_off, ns_off;
	int has_ns_str, func_sym, kstrtab_sym, kstrtabns_sym;
};

struct import {
	const char *name;
	uint32_t crc;
	int has_crc, weak, version_only;
};

/* ------------------------------------------------------------------ */
/* Options                                                             */

static int g_vmlinux;
static const struct machine *g_mach;
static int g_class;             /* 0 = not given */
static int g_endian = -1;       /* -1 = not given */
static int g_rel, g_modinfo_pad, g_ext_versions, g_no_basic;
static int g_layout = -1;       /* -1 default, 0 PREL32, 1 absolute */
static int g_no_ns, g_stripped, g_sign, g_section_relocs, g_crc_long;
static uint64_t g_sig_len = 256, g_this_module_size, g_base;
static int g_base_set;
static const char *g_system_map, *g_symvers, *g_owner, *g_output;
static const char *g_banner =
	"Linux version 6.1.0-mkelf (mkelf@localhost) (gcc) #1 SMP PREEMPT_DYNAMIC\n";

static struct export *g_exp;
static size_t g_nexp, g_capexp;
static struct import *g_imp;
static size_t g_nimp, g_capimp;
static const char **g_modinfo;
static size_t g_nmodinfo, g_capmodinfo;

/* module-only / vmlinux-only option tracking for error messages */
static const char *g_module_only_opt, *g_vmlinux_only_opt;

static struct export **g_tabv[T_COUNT];
static size_t g_tabn[T_COUNT];

/* ------------------------------------------------------------------ */
/* Sections, symbols, relocations                                      */

#define MAX_SECS 64

struct section {
	const char *name;
	uint32_t type, link, info, name_off;
	uint64_t flags, addr, offset, align, entsize;
	struct buf data;
	int secsym;
};

static struct section g_sec[MAX_SECS];
static int g_nsec;

struct symbol {
	const char *name;
	uint64_t value, size;   /* value is section-relative while building */
	int bind, type, shndx;
	uint32_t index, name_off;
};

static struct symbol *g_sym;
static size_t g_nsym, g_capsym;

struct reloc {
	int target;             /* section index */
	uint64_t offset;
	int sym;                /* symbol id */
	uint32_t type;
	int64_t addend;
};

static struct reloc *g_rel_v;
static size_t g_nrel, g_caprel;

static int sec_new(const char *name, uint32_t type, uint64_t flags,
		   uint64_t align, uint64_t entsize)
{
	struct section *s;

	if (g_nsec >= MAX_SECS)
		die("too many sections");
	s = &g_sec[g_nsec];
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->type = type;
	s->flags = flags;
	s->align = align;
	s->entsize = entsize;
	s->secsym = -1;
	return g_nsec++;
}

static int sym_new(const char *name, int bind, int type, int shndx,
		   uint64_t value, uint64_t size)
{
	struct symbol *s;

	if (g_nsym == g_capsym) {
		g_capsym = g_capsym ? 2 * g_capsym : 64;
		g_sym = xrealloc(g_sym, g_capsym * sizeof(*g_sym));
	}
	s = &g_sym[g_nsym];
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->bind = bind;
	s->type = type;
	s->shndx = shndx;
	s->value = value;
	s->size = size;
	return (int)g_nsym++;
}

static void rel_new(int target, uint64_t offset, int sym, uint32_t type,
		    int64_t addend)
{
	struct reloc *r;

	if (g_nrel == g_caprel) {
		g_caprel = g_caprel ? 2 * g_caprel : 64;
		g_rel_v = xrealloc(g_rel_v, g_caprel * sizeof(*g_rel_v));
	}
	r = &g_rel_v[g_nrel++];
	r->target = target;
	r->offset = offset;
	r->sym = sym;
	r->type = type;
	r->addend = addend;
}

/* ------------------------------------------------------------------ */
/* Command-line parsing                                                */

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	if (!*s)
		die("%s: empty number", what);
	v = strtoull(s, &end, 0);
	if (*end)
		die("%s: bad number '%s'", what, s);
	return (uint64_t)v;
}

static uint32_t parse_crc(const char *s, const char *ctx)
{
	char *end;
	unsigned long long v;

	if (!*s)
		die("%s: empty CRC", ctx);
	v = strtoull(s, &end, 16);
	if (*end || v > 0xffffffffULL)
		die("%s: bad CRC '%s' (want up to 8 hex digits)", ctx, s);
	return (uint32_t)v;
}

/* Does an attribute keyword start at q (up to ':' or end)? */
static int kw_at(const char *q)
{
	static const char *const kws[] = { "gpl", "asm", "weak" };
	size_t i;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		size_t n = strlen(kws[i]);

		if (!strncmp(q, kws[i], n) && (q[n] == ':' || q[n] == '\0'))
			return 1;
	}
	return !strncmp(q, "crc=", 4) || !strncmp(q, "ns=", 3);
}

/* Split "NAME:tok:tok"; a "ns=" value runs up to the next ':' that is
 * followed by a keyword, so "ns=module:foo:gpl" gives ns "module:foo". */
static char *next_tok(char **pp)
{
	char *tok = *pp, *end;

	if (!tok)
		return NULL;
	if (!strncmp(tok, "ns=", 3)) {
		end = tok + 3;
		for (;;) {
			end = strchr(end, ':');
			if (!end || kw_at(end + 1))
				break;
			end++;
		}
	} else {
		end = strchr(tok, ':');
	}
	if (end) {
		*end = '\0';
		*pp = end + 1;
	} else {
		*pp = NULL;
	}
	return tok;
}

static void parse_export(const char *spec, int forced_tab, const char *optname)
{
	char *s = xstrdup_own(spec), *rest, *tok;
	struct export e;
	int gpl = 0;

	memset(&e, 0, sizeof(e));
	rest = strchr(s, ':');
	if (rest)
		*rest++ = '\0';
	e.name = s;
	if (!*e.name)
		die("%s %s: empty symbol name", optname, spec);
	while ((tok = next_tok(&rest)) != NULL) {
		if (!strcmp(tok, "gpl"))
			gpl = 1;
		else if (!strcmp(tok, "asm"))
			e.is_asm = 1;
		else if (!strncmp(tok, "ns=", 3)) {
			e.ns = tok + 3;
			if (!*e.ns)
				die("%s %s: empty namespace", optname, spec);
		} else if (!strncmp(tok, "crc=", 4)) {
			e.crc = parse_crc(tok + 4, spec);
			e.has_crc = 1;
		} else {
			die("%s %s: unknown attribute '%s'", optname, spec, tok);
		}
	}
	if (forced_tab >= 0) {
		if (gpl)
			die("%s %s: ':gpl' not allowed here", optname, spec);
		e.tab = forced_tab;
	} else {
		e.tab = gpl ? T_GPL : T_PLAIN;
	}
	if (e.ns && e.is_asm)
		die("%s %s: asm-style exports cannot have a namespace", optname, spec);
	if (g_nexp == g_capexp) {
		g_capexp = g_capexp ? 2 * g_capexp : 16;
		g_exp = xrealloc(g_exp, g_capexp * sizeof(*g_exp));
	}
	g_exp[g_nexp++] = e;
}

static void parse_import(const char *spec, int version_only)
{
	const char *optname = version_only ? "--import-version-only" : "--import";
	char *s = xstrdup_own(spec), *rest, *tok;
	struct import im;

	memset(&im, 0, sizeof(im));
	rest = strchr(s, ':');
	if (rest)
		*rest++ = '\0';
	im.name = s;
	im.version_only = version_only;
	if (!*im.name)
		die("%s %s: empty symbol name", optname, spec);
	while (rest) {
		tok = rest;
		rest = strchr(rest, ':');
		if (rest)
			*rest++ = '\0';
		if (!strcmp(tok, "weak") && !version_only) {
			im.weak = 1;
		} else {
			if (im.has_crc)
				die("%s %s: more than one CRC", optname, spec);
			im.crc = parse_crc(tok, spec);
			im.has_crc = 1;
		}
	}
	if (version_only && !im.has_crc)
		die("%s %s: a CRC is required (NAME:CRC)", optname, spec);
	if (g_nimp == g_capimp) {
		g_capimp = g_capimp ? 2 * g_capimp : 16;
		g_imp = xrealloc(g_imp, g_capimp * sizeof(*g_imp));
	}
	g_imp[g_nimp++] = im;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s [options] OUTPUT\n"
"Generate a synthetic kernel module or vmlinux ELF for tests.\n"
"\n"
"  --type module|vmlinux      object kind (default module)\n"
"  --class 32|64              ELF class (default: from --machine, else 64)\n"
"  --endian le|be             byte order (default le; be for s390 and ppc)\n"
"  --machine M                x86_64 aarch64 ppc64 s390 (64-bit), i386 arm ppc\n"
"                             (32-bit); default x86_64 / i386 by class\n"
"  --rel                      SHT_REL relocations, addend in the field (module)\n"
"  --section-relocs           name/ns relocations against the __ksymtab_strings\n"
"                             section symbol + offset instead of __kstrtab*_\n"
"  --modinfo KEY=VALUE        .modinfo entry (repeatable, in order)\n"
"  --modinfo-pad              extra NUL between the first two .modinfo entries\n"
"  --import NAME[:CRC][:weak] undefined import (repeatable); CRC in hex ->\n"
"                             also a __versions entry\n"
"  --import-version-only NAME:CRC  only a __versions entry (e.g. module_layout)\n"
"  --ext-versions             write __version_ext_crcs/__version_ext_names too\n"
"  --no-basic-versions        omit __versions\n"
"  --export NAME[:gpl][:ns=NS][:crc=HEX][:asm]  export (repeatable)\n"
"  --gpl-future SPEC | --unused SPEC | --unused-gpl SPEC\n"
"                             export into __ksymtab_gpl_future/_unused/_unused_gpl\n"
"  --abs-entries              absolute {ulong value,name,ns} entries\n"
"                             (default on 32-bit; PREL32 is default on 64-bit)\n"
"  --prel32-entries           PREL32 {int value,name,ns} entries (any class)\n"
"  --no-ns-field              pre-5.4 two-field entries\n"
"  --crc-long                 __kcrctab entries are native words (pre-4.10)\n"
"  --stripped                 vmlinux without .symtab/.strtab\n"
"  --base ADDR                vmlinux .text address (default 0xffffffff81000000\n"
"                             on 64-bit, 0xc0000000 on 32-bit)\n"
"  --banner TEXT              vmlinux linux_banner string in .rodata\n"
"                             (default \"Linux version 6.1.0-mkelf ...\\n\")\n"
"  --sign                     append a fake module signature trailer\n"
"  --sig-len N                opaque signature length for --sign (default 256)\n"
"  --this-module-size N       size of .gnu.linkonce.this_module\n"
"                             (default 896 on 64-bit, 512 on 32-bit)\n"
"  --system-map FILE          vmlinux only: also write a System.map\n"
"  --symvers FILE             also write Module.symvers lines for the exports\n"
"  --owner OWNER              Module.symvers owner column\n"
"  -h, --help                 this text\n", g_prog);
}

enum {
	O_TYPE = 256, O_CLASS, O_ENDIAN, O_MACHINE, O_REL, O_MODINFO,
	O_MODINFO_PAD, O_IMPORT, O_IMPORT_VO, O_EXT, O_NO_BASIC, O_EXPORT,
	O_ABS, O_PREL, O_NO_NS, O_STRIPPED, O_GPL_FUTURE, O_UNUSED,
	O_UNUSED_GPL, O_SIGN, O_SIG_LEN, O_SYSMAP, O_SYMVERS, O_OWNER,
	O_SECREL, O_CRC_LONG, O_THIS_SIZE, O_BASE, O_BANNER
};

static void mark_module_only(const char *opt)
{
	if (!g_module_only_opt)
		g_module_only_opt = opt;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "type", required_argument, NULL, O_TYPE },
		{ "class", required_argument, NULL, O_CLASS },
		{ "endian", required_argument, NULL, O_ENDIAN },
		{ "machine", required_argument, NULL, O_MACHINE },
		{ "rel", no_argument, NULL, O_REL },
		{ "modinfo", required_argument, NULL, O_MODINFO },
		{ "modinfo-pad", no_argument, NULL, O_MODINFO_PAD },
		{ "import", required_argument, NULL, O_IMPORT },
		{ "import-version-only", required_argument, NULL, O_IMPORT_VO },
		{ "ext-versions", no_argument, NULL, O_EXT },
		{ "no-basic-versions", no_argument, NULL, O_NO_BASIC },
		{ "export", required_argument, NULL, O_EXPORT },
		{ "abs-entries", no_argument, NULL, O_ABS },
		{ "prel32-entries", no_argument, NULL, O_PREL },
		{ "no-ns-field", no_argument, NULL, O_NO_NS },
		{ "stripped", no_argument, NULL, O_STRIPPED },
		{ "gpl-future", required_argument, NULL, O_GPL_FUTURE },
		{ "unused", required_argument, NULL, O_UNUSED },
		{ "unused-gpl", required_argument, NULL, O_UNUSED_GPL },
		{ "sign", no_argument, NULL, O_SIGN },
		{ "sig-len", required_argument, NULL, O_SIG_LEN },
		{ "system-map", required_argument, NULL, O_SYSMAP },
		{ "symvers", required_argument, NULL, O_SYMVERS },
		{ "owner", required_argument, NULL, O_OWNER },
		{ "section-relocs", no_argument, NULL, O_SECREL },
		{ "crc-long", no_argument, NULL, O_CRC_LONG },
		{ "this-module-size", required_argument, NULL, O_THIS_SIZE },
		{ "base", required_argument, NULL, O_BASE },
		{ "banner", required_argument, NULL, O_BANNER },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;
	size_t i;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case O_TYPE:
			if (!strcmp(optarg, "module"))
				g_vmlinux = 0;
			else if (!strcmp(optarg, "vmlinux"))
				g_vmlinux = 1;
			else
				die("--type: want module or vmlinux, got '%s'", optarg);
			break;
		case O_CLASS:
			if (!strcmp(optarg, "32"))
				g_class = 32;
			else if (!strcmp(optarg, "64"))
				g_class = 64;
			else
				die("--class: want 32 or 64, got '%s'", optarg);
			break;
		case O_ENDIAN:
			if (!strcmp(optarg, "le"))
				g_endian = 0;
			else if (!strcmp(optarg, "be"))
				g_endian = 1;
			else
				die("--endian: want le or be, got '%s'", optarg);
			break;
		case O_MACHINE:
			g_mach = NULL;
			for (i = 0; i < sizeof(g_machines) / sizeof(g_machines[0]); i++)
				if (!strcmp(optarg, g_machines[i].name))
					g_mach = &g_machines[i];
			if (!g_mach)
				die("--machine: unknown machine '%s'", optarg);
			break;
		case O_REL:
			g_rel = 1;
			mark_module_only("--rel");
			break;
		case O_MODINFO:
			if (!strchr(optarg, '='))
				die("--modinfo %s: want KEY=VALUE", optarg);
			if (g_nmodinfo == g_capmodinfo) {
				g_capmodinfo = g_capmodinfo ? 2 * g_capmodinfo : 16;
				g_modinfo = xrealloc(g_modinfo, g_capmodinfo * sizeof(*g_modinfo));
			}
			g_modinfo[g_nmodinfo++] = optarg;
			mark_module_only("--modinfo");
			break;
		case O_MODINFO_PAD:
			g_modinfo_pad = 1;
			mark_module_only("--modinfo-pad");
			break;
		case O_IMPORT:
			parse_import(optarg, 0);
			mark_module_only("--import");
			break;
		case O_IMPORT_VO:
			parse_import(optarg, 1);
			mark_module_only("--import-version-only");
			break;
		case O_EXT:
			g_ext_versions = 1;
			mark_module_only("--ext-versions");
			break;
		case O_NO_BASIC:
			g_no_basic = 1;
			mark_module_only("--no-basic-versions");
			break;
		case O_EXPORT:
			parse_export(optarg, -1, "--export");
			break;
		case O_GPL_FUTURE:
			parse_export(optarg, T_GPL_FUTURE, "--gpl-future");
			break;
		case O_UNUSED:
			parse_export(optarg, T_UNUSED, "--unused");
			break;
		case O_UNUSED_GPL:
			parse_export(optarg, T_UNUSED_GPL, "--unused-gpl");
			break;
		case O_ABS:
			g_layout = 1;
			break;
		case O_PREL:
			g_layout = 0;
			break;
		case O_NO_NS:
			g_no_ns = 1;
			break;
		case O_STRIPPED:
			g_stripped = 1;
			g_vmlinux_only_opt = "--stripped";
			break;
		case O_SIGN:
			g_sign = 1;
			mark_module_only("--sign");
			break;
		case O_SIG_LEN:
			g_sig_len = parse_u64(optarg, "--sig-len");
			if (g_sig_len > 0xffffffu)
				die("--sig-len: too large");
			break;
		case O_SYSMAP:
			g_system_map = optarg;
			g_vmlinux_only_opt = "--system-map";
			break;
		case O_SYMVERS:
			g_symvers = optarg;
			break;
		case O_OWNER:
			g_owner = optarg;
			break;
		case O_SECREL:
			g_section_relocs = 1;
			mark_module_only("--section-relocs");
			break;
		case O_CRC_LONG:
			g_crc_long = 1;
			break;
		case O_THIS_SIZE:
			g_this_module_size = parse_u64(optarg, "--this-module-size");
			if (g_this_module_size > 0x100000u)
				die("--this-module-size: too large");
			mark_module_only("--this-module-size");
			break;
		case O_BASE:
			g_base = parse_u64(optarg, "--base");
			g_base_set = 1;
			g_vmlinux_only_opt = "--base";
			break;
		case O_BANNER:
			g_banner = optarg;
			g_vmlinux_only_opt = "--banner";
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		exit(2);
	}
	g_output = argv[optind];
}

static int cmp_export(const void *a, const void *b)
{
	const struct export *x = *(const struct export *const *)a;
	const struct export *y = *(const struct export *const *)b;

	return strcmp(x->name, y->name);
}

static void validate(void)
{
	size_t i, j;
	int t;

	if (!g_mach) {
		g_mach = &g_machines[0];
		if (g_class == 32)
			for (i = 0; i < sizeof(g_machines) / sizeof(g_machines[0]); i++)
				if (!strcmp(g_machines[i].name, "i386"))
					g_mach = &g_machines[i];
	}
	if (!g_class)
		g_class = g_mach->cls;
	else if (g_class != g_mach->cls)
		die("--machine %s is %d-bit; it cannot be used with --class %d",
		    g_mach->name, g_mach->cls, g_class);
	g_64 = g_class == 64;
	g_be = g_endian >= 0 ? g_endian : g_mach->default_be;
	if (g_layout < 0)
		g_layout = g_64 ? 0 : 1;

	if (g_vmlinux && g_module_only_opt)
		die("%s is only valid with --type module", g_module_only_opt);
	if (!g_vmlinux && g_vmlinux_only_opt)
		die("%s is only valid with --type vmlinux", g_vmlinux_only_opt);
	if (!g_base_set)
		g_base = g_64 ? 0xffffffff81000000ULL : 0xc0000000ULL;
	if (g_base % PAGE)
		die("--base must be page aligned");
	if (!g_64 && g_base > 0xffffffffULL - 0x10000000ULL)
		die("--base too large for ELF32");

	for (i = 0; i < g_nexp; i++) {
		if (g_exp[i].ns && g_no_ns)
			die("export %s has a namespace but --no-ns-field was given",
			    g_exp[i].name);
		for (j = 0; j < i; j++)
			if (!strcmp(g_exp[i].name, g_exp[j].name))
				die("symbol %s exported twice", g_exp[i].name);
		for (j = 0; j < g_nimp; j++)
			if (!g_imp[j].version_only &&
			    !strcmp(g_exp[i].name, g_imp[j].name))
				die("symbol %s is both imported and exported",
				    g_exp[i].name);
	}

	for (t = 0; t < T_COUNT; t++) {
		size_t n = 0;

		for (i = 0; i < g_nexp; i++)
			if (g_exp[i].tab == t)
				n++;
		g_tabv[t] = own(xrealloc(NULL, (n ? n : 1) * sizeof(*g_tabv[t])));
		g_tabn[t] = 0;
		for (i = 0; i < g_nexp; i++)
			if (g_exp[i].tab == t)
				g_tabv[t][g_tabn[t]++] = &g_exp[i];
		if (n)
			qsort(g_tabv[t], n, sizeof(*g_tabv[t]), cmp_export);
	}
}

/* ------------------------------------------------------------------ */
/* Building the sections                                               */

static int s_text, s_rodata, s_modinfo, s_versions, s_ext_crcs, s_ext_names,
	   s_strings, s_this, s_symtab, s_strtab, s_shstrtab;
static int s_ksym[T_COUNT], s_kcrc[T_COUNT], s_rela[T_COUNT];
static uint64_t g_this_size;
static int g_first_ro = -1;     /* vmlinux: first non-text alloc section */
static uint64_t g_alloc_end;

static unsigned field_width(void)
{
	return g_layout ? wsize() : 4u;
}

static unsigned nfields(void)
{
	return g_no_ns ? 2u : 3u;
}

static unsigned crc_size(void)
{
	return g_crc_long ? wsize() : 4u;
}

static int any_export_crc(void)
{
	size_t i;

	for (i = 0; i < g_nexp; i++)
		if (g_exp[i].has_crc)
			return 1;
	return 0;
}

static void build_versions(void)
{
	size_t i;
	unsigned namelen = 64u - wsize();
	int any = 0;

	for (i = 0; i < g_nimp; i++)
		if (g_imp[i].has_crc)
			any = 1;
	if (!any)
		return;
	if (!g_no_basic) {
		s_versions = sec_new("__versions", MK_SHT_PROGBITS, MK_SHF_ALLOC, 32, 0);
		for (i = 0; i < g_nimp; i++) {
			const struct import *im = &g_imp[i];
			size_t off, n = strlen(im->name);
			struct buf *b = &g_sec[s_versions].data;

			if (!im->has_crc)
				continue;
			if (n >= namelen) {
				if (g_ext_versions)
					continue;       /* like modpost -x */
				die("import %s: name too long for __versions (max %u chars); "
				    "use --ext-versions", im->name, namelen - 1);
			}
			off = buf_zero(b, 64);
			wr_n(b->p + off, im->crc, wsize());
			memcpy(b->p + off + wsize(), im->name, n);
		}
	}
	if (g_ext_versions) {
		s_ext_crcs = sec_new("__version_ext_crcs", MK_SHT_PROGBITS, MK_SHF_ALLOC, 4, 0);
		s_ext_names = sec_new("__version_ext_names", MK_SHT_PROGBITS, MK_SHF_ALLOC, 1, 0);
		for (i = 0; i < g_nimp; i++) {
			if (!g_imp[i].has_crc)
				continue;
			buf_int(&g_sec[s_ext_crcs].data, g_imp[i].crc, 4);
			buf_str(&g_sec[s_ext_names].data, g_imp[i].name);
		}
	}
}

static void build_sections(void)
{
	unsigned w = wsize(), fw = field_width(), entsz = field_width() * nfields();
	unsigned relsz;
	int t, any_crc = any_export_crc();
	size_t i;
	uint64_t text_size;
	struct buf *b;

	sec_new("", 0, 0, 0, 0);        /* index 0 */
	s_rodata = s_modinfo = s_versions = s_ext_crcs = s_ext_names = s_strings = s_this = 0;
	s_symtab = s_strtab = 0;
	for (t = 0; t < T_COUNT; t++)
		s_ksym[t] = s_kcrc[t] = s_rela[t] = 0;

	/* .text: 16 bytes per function. */
	s_text = sec_new(".text", MK_SHT_PROGBITS, MK_SHF_ALLOC | MK_SHF_EXECINSTR,
			 g_vmlinux ? PAGE : 16, 0);
	text_size = g_vmlinux ? 16 : 32;   /* start_kernel | init+cleanup_module */
	for (i = 0; i < g_nexp; i++) {
		g_exp[i].text_off = text_size;
		text_size += 16;
	}
	buf_zero(&g_sec[s_text].data, (size_t)text_size);

	/* vmlinux: .rodata with linux_banner, before the export tables as in
	 * RO_DATA(); it also guarantees a non-empty read-only PT_LOAD. */
	if (g_vmlinux) {
		s_rodata = sec_new(".rodata", MK_SHT_PROGBITS, MK_SHF_ALLOC, 32, 0);
		buf_str(&g_sec[s_rodata].data, g_banner);
	}
	if (!g_vmlinux && g_nmodinfo) {
		s_modinfo = sec_new(".modinfo", MK_SHT_PROGBITS, MK_SHF_ALLOC, 1, 0);
		b = &g_sec[s_modinfo].data;
		for (i = 0; i < g_nmodinfo; i++) {
			if (i == 1 && g_modinfo_pad)
				buf_zero(b, 1);
			buf_str(b, g_modinfo[i]);
		}
	}
	if (!g_vmlinux)
		build_versions();

	/* __ksymtab* (+ relocation sections for modules) */
	relsz = g_rel ? 2 * w : 3 * w;
	for (t = 0; t < T_COUNT; t++) {
		if (!g_tabn[t])
			continue;
		s_ksym[t] = sec_new(fmt_own("__ksymtab%s", g_tabs[t].suffix),
				    MK_SHT_PROGBITS, MK_SHF_ALLOC, fw, 0);
		for (i = 0; i < g_tabn[t]; i++)
			g_tabv[t][i]->entry_off = buf_zero(&g_sec[s_ksym[t]].data, entsz);
		if (!g_vmlinux) {
			s_rela[t] = sec_new(fmt_own("%s__ksymtab%s", g_rel ? ".rel" : ".rela",
						    g_tabs[t].suffix),
					    g_rel ? MK_SHT_REL : MK_SHT_RELA,
					    MK_SHF_INFO_LINK, w, relsz);
			g_sec[s_rela[t]].info = (uint32_t)s_ksym[t];
		}
	}
	/* __kcrctab*: parallel arrays, literal data */
	if (any_crc) {
		for (t = 0; t < T_COUNT; t++) {
			if (!s_ksym[t])
				continue;
			s_kcrc[t] = sec_new(fmt_own("__kcrctab%s", g_tabs[t].suffix),
					    MK_SHT_PROGBITS, MK_SHF_ALLOC, crc_size(), 0);
			for (i = 0; i < g_tabn[t]; i++)
				buf_int(&g_sec[s_kcrc[t]].data,
					g_tabv[t][i]->has_crc ? g_tabv[t][i]->crc : 0,
					crc_size());
		}
	}
	/* __ksymtab_strings */
	if (g_nexp) {
		s_strings = sec_new("__ksymtab_strings", MK_SHT_PROGBITS,
				    MK_SHF_ALLOC | MK_SHF_MERGE | MK_SHF_STRINGS, 1, 1);
		b = &g_sec[s_strings].data;
		for (t = 0; t < T_COUNT; t++) {
			for (i = 0; i < g_tabn[t]; i++) {
				struct export *e = g_tabv[t][i];

				e->name_off = buf_str(b, e->name);
				if (!g_no_ns && !e->is_asm) {
					e->ns_off = buf_str(b, e->ns ? e->ns : "");
					e->has_ns_str = 1;
				}
			}
		}
	}
	if (!g_vmlinux) {
		g_this_size = g_this_module_size ? g_this_module_size : (g_64 ? 896 : 512);
		s_this = sec_new(".gnu.linkonce.this_module", MK_SHT_PROGBITS,
				 MK_SHF_ALLOC | MK_SHF_WRITE, 64, 0);
		buf_zero(&g_sec[s_this].data, (size_t)g_this_size);
	}
	if (!g_stripped) {
		s_symtab = sec_new(".symtab", MK_SHT_SYMTAB, 0, w, g_64 ? 24 : 16);
		s_strtab = sec_new(".strtab", MK_SHT_STRTAB, 0, 1, 0);
		g_sec[s_symtab].link = (uint32_t)s_strtab;
		for (t = 0; t < T_COUNT; t++)
			if (s_rela[t])
				g_sec[s_rela[t]].link = (uint32_t)s_symtab;
	}
	s_shstrtab = sec_new(".shstrtab", MK_SHT_STRTAB, 0, 1, 0);
}

/* Symbols are created even for --stripped (they feed System.map). */
static void build_symbols(void)
{
	int t, i, prel = g_layout == 0;
	size_t j;
	unsigned entsz = field_width() * nfields();

	sym_new("", MK_STB_LOCAL, MK_STT_NOTYPE, MK_SHN_UNDEF, 0, 0); /* null */
	for (i = 1; i < g_nsec; i++)
		if (g_sec[i].flags & MK_SHF_ALLOC)
			g_sec[i].secsym = sym_new("", MK_STB_LOCAL, MK_STT_SECTION, i, 0, 0);

	for (t = 0; t < T_COUNT; t++) {
		for (j = 0; j < g_tabn[t]; j++) {
			struct export *e = g_tabv[t][j];

			sym_new(fmt_own("__ksymtab_%s", e->name), MK_STB_LOCAL,
				prel ? MK_STT_NOTYPE : MK_STT_OBJECT, s_ksym[t],
				e->entry_off, prel ? 0 : entsz);
			e->kstrtab_sym = sym_new(fmt_own("__kstrtab_%s", e->name),
						 MK_STB_LOCAL, MK_STT_NOTYPE,
						 s_strings, e->name_off, 0);
			e->kstrtabns_sym = -1;
			if (e->has_ns_str)
				e->kstrtabns_sym = sym_new(fmt_own("__kstrtabns_%s", e->name),
							   MK_STB_LOCAL, MK_STT_NOTYPE,
							   s_strings, e->ns_off, 0);
			if (e->has_crc && s_kcrc[t])
				sym_new(fmt_own("__crc_%s", e->name), MK_STB_LOCAL,
					MK_STT_NOTYPE, s_kcrc[t], j * crc_size(), 0);
		}
	}

	if (g_vmlinux) {
		sym_new("_text", MK_STB_GLOBAL, MK_STT_NOTYPE, s_text, 0, 0);
		sym_new("_stext", MK_STB_GLOBAL, MK_STT_NOTYPE, s_text, 0, 0);
		sym_new("start_kernel", MK_STB_GLOBAL, MK_STT_FUNC, s_text, 0, 16);
		sym_new("linux_banner", MK_STB_GLOBAL, MK_STT_OBJECT, s_rodata, 0,
			g_sec[s_rodata].data.len);
	} else {
		sym_new("__this_module", MK_STB_GLOBAL, MK_STT_OBJECT, s_this, 0, g_this_size);
		sym_new("init_module", MK_STB_GLOBAL, MK_STT_FUNC, s_text, 0, 16);
		sym_new("cleanup_module", MK_STB_GLOBAL, MK_STT_FUNC, s_text, 16, 16);
	}
	for (j = 0; j < g_nexp; j++)
		g_exp[j].func_sym = sym_new(g_exp[j].name, MK_STB_GLOBAL, MK_STT_FUNC,
					    s_text, g_exp[j].text_off, 16);
	if (g_vmlinux) {
		sym_new("_etext", MK_STB_GLOBAL, MK_STT_NOTYPE, s_text, 0, 0);
		g_sym[g_nsym - 1].value = g_sec[s_text].data.len;
		for (t = 0; t < T_COUNT; t++) {
			if (s_ksym[t]) {
				sym_new(fmt_own("__start___ksymtab%s", g_tabs[t].suffix),
					MK_STB_GLOBAL, MK_STT_NOTYPE, s_ksym[t], 0, 0);
				sym_new(fmt_own("__stop___ksymtab%s", g_tabs[t].suffix),
					MK_STB_GLOBAL, MK_STT_NOTYPE, s_ksym[t],
					g_sec[s_ksym[t]].data.len, 0);
			}
		}
		for (t = 0; t < T_COUNT; t++) {
			if (s_kcrc[t]) {
				sym_new(fmt_own("__start___kcrctab%s", g_tabs[t].suffix),
					MK_STB_GLOBAL, MK_STT_NOTYPE, s_kcrc[t], 0, 0);
				sym_new(fmt_own("__stop___kcrctab%s", g_tabs[t].suffix),
					MK_STB_GLOBAL, MK_STT_NOTYPE, s_kcrc[t],
					g_sec[s_kcrc[t]].data.len, 0);
			}
		}
	} else {
		for (j = 0; j < g_nimp; j++)
			if (!g_imp[j].version_only)
				sym_new(g_imp[j].name,
					g_imp[j].weak ? MK_STB_WEAK : MK_STB_GLOBAL,
					MK_STT_NOTYPE, MK_SHN_UNDEF, 0, 0);
	}
}

static void build_relocs(void)
{
	unsigned fw = field_width();
	uint32_t type = g_layout ? g_mach->r_absword : g_mach->r_pcrel32;
	int t, strsym = s_strings ? g_sec[s_strings].secsym : -1;
	size_t j;

	if (!g_64 && type > 0xff)
		die("relocation type %u does not fit ELF32 r_info", type);
	for (t = 0; t < T_COUNT; t++) {
		for (j = 0; j < g_tabn[t]; j++) {
			struct export *e = g_tabv[t][j];
			uint64_t o = e->entry_off;

			rel_new(s_ksym[t], o, e->func_sym, type, 0);
			if (g_section_relocs)
				rel_new(s_ksym[t], o + fw, strsym, type, (int64_t)e->name_off);
			else
				rel_new(s_ksym[t], o + fw, e->kstrtab_sym, type, 0);
			if (e->has_ns_str) {
				if (g_section_relocs)
					rel_new(s_ksym[t], o + 2 * fw, strsym, type,
						(int64_t)e->ns_off);
				else
					rel_new(s_ksym[t], o + 2 * fw, e->kstrtabns_sym, type, 0);
			}
		}
	}
}

/* Assign file offsets (and vmlinux addresses) to SHF_ALLOC sections. */
static uint64_t layout_alloc(uint64_t off)
{
	int i, after_text = 0;

	for (i = 1; i < g_nsec; i++) {
		struct section *s = &g_sec[i];

		if (!(s->flags & MK_SHF_ALLOC))
			continue;
		if (g_vmlinux && (i == s_text || after_text)) {
			off = align_up(off, PAGE);  /* new PT_LOAD */
			if (after_text)
				g_first_ro = i;
			after_text = i == s_text;
		}
		off = align_up(off, s->align);
		s->offset = off;
		if (g_vmlinux)
			s->addr = g_base + (off - PAGE);
		off += s->data.len;
	}
	g_alloc_end = off;
	return off;
}

static void fill_vmlinux_entries(void)
{
	unsigned w = wsize(), nf = nfields();
	int t;
	size_t j;
	uint64_t stra = s_strings ? g_sec[s_strings].addr : 0;

	for (t = 0; t < T_COUNT; t++) {
		for (j = 0; j < g_tabn[t]; j++) {
			struct export *e = g_tabv[t][j];
			struct section *s = &g_sec[s_ksym[t]];
			uint8_t *p = s->data.p + e->entry_off;
			uint64_t fa = s->addr + e->entry_off;
			uint64_t fn = g_sec[s_text].addr + e->text_off;
			uint64_t nm = stra + e->name_off;
			uint64_t ns = e->has_ns_str ? stra + e->ns_off : 0;

			if (g_layout) {
				wr_n(p, fn, w);
				wr_n(p + w, nm, w);
				if (nf == 3)
					wr_n(p + 2 * w, ns, w);
			} else {
				wr_n(p, (uint32_t)(fn - fa), 4);
				wr_n(p + 4, (uint32_t)(nm - (fa + 4)), 4);
				if (nf == 3)
					wr_n(p + 8, e->has_ns_str ? (uint32_t)(ns - (fa + 8)) : 0, 4);
			}
		}
	}
}

static uint64_t sym_addr(const struct symbol *s)
{
	if (g_vmlinux && s->shndx != MK_SHN_UNDEF)
		return g_sec[s->shndx].addr + s->value;
	return s->value;
}

/* Order symbols (locals first), then fill .strtab, .symtab and the
 * relocation sections. */
static void build_symtab_and_relocs(void)
{
	size_t i, r;
	uint32_t idx = 0, first_global;
	int pass, t;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < g_nsym; i++)
			if ((g_sym[i].bind == MK_STB_LOCAL) == (pass == 0))
				g_sym[i].index = idx++;
	first_global = 0;
	for (i = 0; i < g_nsym; i++)
		if (g_sym[i].bind == MK_STB_LOCAL)
			first_global++;

	if (s_symtab) {
		struct buf *st = &g_sec[s_strtab].data, *sy = &g_sec[s_symtab].data;
		size_t off;

		buf_zero(st, 1);
		for (i = 0; i < g_nsym; i++)
			g_sym[i].name_off = *g_sym[i].name ? (uint32_t)buf_str(st, g_sym[i].name) : 0;
		off = buf_zero(sy, g_nsym * (g_64 ? 24u : 16u));
		for (i = 0; i < g_nsym; i++) {
			const struct symbol *s = &g_sym[i];
			struct cur c;
			uint64_t info = ((uint64_t)s->bind << 4) | ((uint64_t)s->type & 0xf);

			c.p = sy->p + off + (size_t)s->index * (g_64 ? 24u : 16u);
			c_u32(&c, s->name_off);
			if (g_64) {
				c_u8(&c, info);
				c_u8(&c, 0);
				c_u16(&c, (uint64_t)s->shndx);
				c_u64(&c, sym_addr(s));
				c_u64(&c, s->size);
			} else {
				c_u32(&c, sym_addr(s));
				c_u32(&c, s->size);
				c_u8(&c, info);
				c_u8(&c, 0);
				c_u16(&c, (uint64_t)s->shndx);
			}
		}
		g_sec[s_symtab].info = first_global;
	}

	for (t = 0; t < T_COUNT; t++) {
		struct buf *rb;

		if (!s_rela[t])
			continue;
		rb = &g_sec[s_rela[t]].data;
		for (r = 0; r < g_nrel; r++) {
			const struct reloc *rl = &g_rel_v[r];
			uint64_t symidx = g_sym[rl->sym].index;
			struct cur c;
			size_t off;

			if (rl->target != s_ksym[t])
				continue;
			off = buf_zero(rb, (size_t)g_sec[s_rela[t]].entsize);
			c.p = rb->p + off;
			c_word(&c, rl->offset);
			if (g_64)
				c_u64(&c, (symidx << 32) | rl->type);
			else
				c_u32(&c, (symidx << 8) | (rl->type & 0xff));
			if (g_rel)  /* REL: the addend lives in the relocated field */
				wr_n(g_sec[rl->target].data.p + rl->offset,
				     (uint64_t)rl->addend, field_width());
			else
				c_word(&c, (uint64_t)rl->addend);
		}
	}
}

static void build_shstrtab(void)
{
	struct buf *b = &g_sec[s_shstrtab].data;
	int i;

	buf_zero(b, 1);
	for (i = 1; i < g_nsec; i++)
		g_sec[i].name_off = (uint32_t)buf_str(b, g_sec[i].name);
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		die("cannot open %s for writing", path);
	if ((n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		die("error writing %s", path);
}

static void emit_elf(void)
{
	unsigned ehsize = g_64 ? 64 : 52, phentsize = g_64 ? 56 : 32;
	unsigned shentsize = g_64 ? 64 : 40;
	unsigned phnum = g_vmlinux ? 2 : 0;
	uint64_t off, shoff, total, sigtotal = 0;
	struct buf out = { NULL, 0, 0 };
	struct cur c;
	int i;

	off = layout_alloc(ehsize + (uint64_t)phnum * phentsize);
	if (g_vmlinux)
		fill_vmlinux_entries();
	build_symtab_and_relocs();
	build_shstrtab();
	for (i = 1; i < g_nsec; i++) {
		struct section *s = &g_sec[i];

		if (s->flags & MK_SHF_ALLOC)
			continue;
		off = align_up(off, s->align);
		s->offset = off;
		off += s->data.len;
	}
	shoff = align_up(off, wsize());
	total = shoff + (uint64_t)g_nsec * shentsize;
	if (g_sign)
		sigtotal = g_sig_len + 12 + 28;
	if (!g_64 && total > 0xffffffffULL)
		die("output too large for ELF32");
	buf_zero(&out, (size_t)(total + sigtotal));

	/* ELF header */
	c.p = out.p;
	c_u8(&c, 0x7f); c_u8(&c, 'E'); c_u8(&c, 'L'); c_u8(&c, 'F');
	c_u8(&c, g_64 ? 2 : 1);         /* EI_CLASS */
	c_u8(&c, g_be ? 2 : 1);         /* EI_DATA */
	c_u8(&c, 1);                    /* EI_VERSION */
	c_u8(&c, 0);                    /* EI_OSABI: SYSV */
	c.p = out.p + 16;
	c_u16(&c, g_vmlinux ? MK_ET_EXEC : MK_ET_REL);
	c_u16(&c, g_mach->em);
	c_u32(&c, 1);
	c_word(&c, g_vmlinux ? g_sec[s_text].addr : 0);     /* e_entry */
	c_word(&c, phnum ? ehsize : 0);                      /* e_phoff */
	c_word(&c, shoff);
	c_u32(&c, g_be ? g_mach->eflags_be : g_mach->eflags_le);
	c_u16(&c, ehsize);
	c_u16(&c, phnum ? phentsize : 0);
	c_u16(&c, phnum);
	c_u16(&c, shentsize);
	c_u16(&c, (uint64_t)g_nsec);
	c_u16(&c, (uint64_t)s_shstrtab);

	/* Program headers (vmlinux): .text, then the read-only export data. */
	if (phnum) {
		uint64_t seg[2][4];     /* offset, vaddr, size, flags */
		unsigned k;
		const struct section *ro = &g_sec[g_first_ro];

		seg[0][0] = g_sec[s_text].offset;
		seg[0][1] = g_sec[s_text].addr;
		seg[0][2] = g_sec[s_text].data.len;
		seg[0][3] = MK_PF_R | MK_PF_X;
		seg[1][0] = ro->offset;
		seg[1][1] = ro->addr;
		seg[1][2] = g_alloc_end - ro->offset;
		seg[1][3] = MK_PF_R;
		c.p = out.p + ehsize;
		for (k = 0; k < 2; k++) {
			uint64_t paddr = seg[k][1] - g_base + 0x1000000u;

			c_u32(&c, MK_PT_LOAD);
			if (g_64) {
				c_u32(&c, seg[k][3]);
				c_u64(&c, seg[k][0]);
				c_u64(&c, seg[k][1]);
				c_u64(&c, paddr);
				c_u64(&c, seg[k][2]);
				c_u64(&c, seg[k][2]);
				c_u64(&c, PAGE);
			} else {
				c_u32(&c, seg[k][0]);
				c_u32(&c, seg[k][1]);
				c_u32(&c, paddr);
				c_u32(&c, seg[k][2]);
				c_u32(&c, seg[k][2]);
				c_u32(&c, seg[k][3]);
				c_u32(&c, PAGE);
			}
		}
	}

	/* Section contents and headers */
	for (i = 0; i < g_nsec; i++) {
		const struct section *s = &g_sec[i];

		if (i && s->data.len)
			memcpy(out.p + s->offset, s->data.p, s->data.len);
		c.p = out.p + shoff + (size_t)i * shentsize;
		if (i == 0)
			continue;       /* SHN_UNDEF header stays all-zero */
		c_u32(&c, s->name_off);
		c_u32(&c, s->type);
		c_word(&c, s->flags);
		c_word(&c, s->addr);
		c_word(&c, s->offset);
		c_word(&c, s->data.len);
		c_u32(&c, s->link);
		c_u32(&c, s->info);
		c_word(&c, s->align);
		c_word(&c, s->entsize);
	}

	/* Appended module signature: opaque bytes, struct module_signature,
	 * magic (kernel-rules.md 5.3). */
	if (g_sign) {
		uint8_t *p = out.p + total;
		uint64_t k;
		static const char magic[] = "~Module signature appended~\n";

		for (k = 0; k < g_sig_len; k++)
			p[k] = (uint8_t)(k == 0 ? 0x30 : k == 1 ? 0x82 : (k * 7 + 1));
		p += g_sig_len;
		p[0] = 0;       /* algo */
		p[1] = 0;       /* hash */
		p[2] = 2;       /* id_type = PKEY_ID_PKCS7 */
		p[3] = 0;       /* signer_len */
		p[4] = 0;       /* key_id_len */
		p[5] = p[6] = p[7] = 0;
		p[8] = (uint8_t)(g_sig_len >> 24);      /* __be32 sig_len */
		p[9] = (uint8_t)(g_sig_len >> 16);
		p[10] = (uint8_t)(g_sig_len >> 8);
		p[11] = (uint8_t)g_sig_len;
		memcpy(p + 12, magic, 28);
	}

	write_file(g_output, out.p, out.len);
	free(out.p);
}

struct mapent {
	uint64_t addr;
	const char *name;
	char letter;
};

static int cmp_mapent(const void *a, const void *b)
{
	const struct mapent *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static void emit_system_map(void)
{
	struct mapent *v = own(xrealloc(NULL, (g_nsym ? g_nsym : 1) * sizeof(*v)));
	size_t n = 0, i;
	FILE *f;

	for (i = 0; i < g_nsym; i++) {
		const struct symbol *s = &g_sym[i];
		char l;

		if (s->shndx == MK_SHN_UNDEF || s->type == MK_STT_SECTION || !*s->name)
			continue;
		/* scripts/mksysmap drops these */
		if (has_prefix(s->name, "__kstrtab_") || has_prefix(s->name, "__kstrtabns_") ||
		    has_prefix(s->name, "__crc_"))
			continue;
		l = s->shndx == s_text ? 't' : 'r';
		if (s->bind != MK_STB_LOCAL)
			l = (char)(l - 'a' + 'A');
		v[n].addr = sym_addr(s);
		v[n].name = s->name;
		v[n].letter = l;
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_mapent);
	f = fopen(g_system_map, "w");
	if (!f)
		die("cannot open %s for writing", g_system_map);
	for (i = 0; i < n; i++)
		fprintf(f, g_64 ? "%016llx %c %s\n" : "%08llx %c %s\n",
			(unsigned long long)v[i].addr, v[i].letter, v[i].name);
	if (fclose(f) != 0)
		die("error writing %s", g_system_map);
}

static void emit_symvers(void)
{
	const char *owner = g_owner;
	size_t i;
	FILE *f;

	if (!owner) {
		if (g_vmlinux) {
			owner = "vmlinux";
		} else {
			const char *base = strrchr(g_output, '/');
			char *o;
			size_t n;

			base = base ? base + 1 : g_output;
			o = fmt_own("drivers/test/%s", base);
			n = strlen(o);
			if (n > 3 && !strcmp(o + n - 3, ".ko"))
				o[n - 3] = '\0';
			owner = o;
		}
	}
	f = fopen(g_symvers, "w");
	if (!f)
		die("cannot open %s for writing", g_symvers);
	for (i = 0; i < g_nexp; i++)
		fprintf(f, "0x%08x\t%s\t%s\t%s\t%s\n", (unsigned)g_exp[i].crc,
			g_exp[i].name, owner, g_tabs[g_exp[i].tab].symvers,
			g_exp[i].ns ? g_exp[i].ns : "");
	if (fclose(f) != 0)
		die("error writing %s", g_symvers);
}

static void cleanup(void)
{
	size_t i;
	int s;

	for (s = 0; s < g_nsec; s++)
		free(g_sec[s].data.p);
	for (i = 0; i < g_nowned; i++)
		free(g_owned[i]);
	free(g_owned);
	free(g_exp);
	free(g_imp);
	free(g_modinfo);
	free(g_sym);
	free(g_rel_v);
}

int main(int argc, char **argv)
{
	if (argc > 0 && argv[0] && *argv[0]) {
		const char *p = strrchr(argv[0], '/');

		g_prog = p ? p + 1 : argv[0];
	}
	parse_args(argc, argv);
	validate();
	build_sections();
	build_symbols();
	if (!g_vmlinux)
		build_relocs();
	emit_elf();
	if (g_system_map)
		emit_system_map();
	if (g_symvers)
		emit_symvers();
	cleanup();
	return 0;
}
