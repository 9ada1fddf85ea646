/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The loader's validation of a module's ELF structure, replayed on its
 * bytes in each generation's order, before anything else of the module is
 * looked at.  Its checks are the kernel's, not kexport's reader's: the
 * loader reads every file as its own Elf64, little-endian (amd64, arm64),
 * whatever the file's class says, and reads only what it checks.
 *
 * Three orders (kx_elf_order), from the kernel sources named there:
 *   5.10  kernel/module.c: elf_validity_check(), setup_load_info(); most
 *         checks print nothing.
 *   6.1   kernel/module/main.c: the same order, each check with a message.
 *   6.12  kernel/module/main.c: elf_validity_cache_copy() and its helpers:
 *         section bounds before the name table, names of every section,
 *         sections counted by name, .gnu.linkonce.this_module's header; 7.2
 *         adds the symbol string table's checks (kx_elf_check.strtab).
 * The first failing check of each order is kept (struct kx_elf_fault); the
 * verdict picks the order of the kernel it judges (kx_elf_fault_message()).
 */
#include "libkexport-internal.h"

#define EH_SIZE 64 /* sizeof(Elf64_Ehdr) */
#define SH_SIZE 64 /* sizeof(Elf64_Shdr) */
#define SYM_SIZE 24
#define SHF_ALLOC 2u

struct view {
	struct kx_src *src;
	uint64_t len; /* what the loader validates: the file without its signature */
	const uint8_t *eh;
	uint16_t type, machine, shentsize, shnum, shstrndx;
	uint64_t shoff;
	const uint8_t *sh; /* e_shnum headers, once in bounds */
	const uint8_t *sec0; /* with e_shnum 0: a header's worth at e_shoff, if in the file */
	bool oom;
};

/* Bytes [off, off + n) of the file: in memory already, or read once. */
static const uint8_t *bytes(struct view *v, uint64_t off, uint64_t n)
{
	if (!kx_in_bounds(off, n, v->src->size))
		return NULL;
	const uint8_t *p = kx_src_peek(v->src, off, n);
	if (p || n == 0)
		return p ? p : (const uint8_t *)"";
	uint8_t *buf = kx_src_tmp(v->src, n);
	if (!buf || kx_src_read(v->src, off, n, buf, NULL) < 0) {
		v->oom = !buf;
		return NULL;
	}
	return buf;
}

struct shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link;
};

static struct shdr shdr(const struct view *v, unsigned i)
{
	const uint8_t *p = v->sh + (size_t)i * SH_SIZE;
	return (struct shdr){
		.name = kx_get32(p, false), .type = kx_get32(p + 4, false),
		.flags = kx_get64(p + 8, false), .addr = kx_get64(p + 16, false),
		.offset = kx_get64(p + 24, false), .size = kx_get64(p + 32, false),
		.link = kx_get32(p + 40, false),
	};
}

/* validate_section_offset() */
static bool section_in_file(const struct view *v, const struct shdr *s)
{
	uint64_t end = s->offset + s->size;
	return end >= s->offset && end <= v->len;
}

static struct kx_elf_fault fault(enum kx_elf_fault_code c, uint64_t a, uint64_t b, uint64_t c3)
{
	return (struct kx_elf_fault){ .code = c, .a = a, .b = b, .c = c3 };
}

/* The header checks every order makes first, in this order.  The machine
 * check (elf_check_arch()) comes between the type and the section header
 * size; it needs the kernel's architecture, so the verdict makes it
 * (kx_elf_fault_before_arch()). */
static bool ehdr_fault(const struct view *v, struct kx_elf_fault *f)
{
	if (v->len < EH_SIZE)
		*f = fault(KX_ELF_FAULT_LEN, v->len, 0, 0);
	else if (memcmp(v->eh, "\177ELF", 4) != 0)
		*f = fault(KX_ELF_FAULT_MAGIC, 0, 0, 0);
	else if (v->type != KX_ET_REL)
		*f = fault(KX_ELF_FAULT_TYPE, v->type, KX_ET_REL, 0);
	else if (v->shentsize != SH_SIZE)
		*f = fault(KX_ELF_FAULT_SHENTSIZE, 0, 0, 0);
	else if (v->shoff >= v->len || (uint64_t)v->shnum * SH_SIZE > v->len - v->shoff)
		*f = fault(KX_ELF_FAULT_SHDR_OVERFLOW, 0, 0, 0);
	else
		return false;
	return true;
}

/* The sections the loader looks for by name, found in one pass. */
struct named {
	unsigned modinfo;          /* .modinfo sections, whatever their flags */
	unsigned this_module;      /* .gnu.linkonce.this_module sections */
	unsigned this_module_idx;  /* the first of them */
	bool this_module_alloc;    /* one of them is SHF_ALLOC (find_sec()) */
};

static bool named_is(const uint8_t *names, uint64_t size, uint32_t off, const char *want,
                     size_t wl)
{
	return off < size && size - off > wl && memcmp(names + off, want, wl + 1) == 0;
}

static struct named find_named(const struct view *v, const uint8_t *names, uint64_t names_size)
{
	static const char mi[] = ".modinfo", tm[] = ".gnu.linkonce.this_module";
	struct named n = { 0 };
	for (unsigned i = 1; i < v->shnum; i++) {
		const uint8_t *p = v->sh + (size_t)i * SH_SIZE;
		uint32_t off = kx_get32(p, false);
		/* both names start ".gnu" or ".mod": one byte rules most out */
		if (off >= names_size || names[off] != '.')
			continue;
		if (named_is(names, names_size, off, mi, sizeof(mi) - 1))
			n.modinfo++;
		else if (named_is(names, names_size, off, tm, sizeof(tm) - 1)) {
			if (!n.this_module++)
				n.this_module_idx = i;
			n.this_module_alloc |= (kx_get64(p + 8, false) & SHF_ALLOC) != 0;
		}
	}
	return n;
}

/* 5.10 and 6.1: elf_validity_check(), then setup_load_info(). */
static struct kx_elf_fault check_61(struct view *v, bool old)
{
	struct kx_elf_fault f = { 0 };
	if (ehdr_fault(v, &f))
		return f;
	if (v->shstrndx == 0 || v->shstrndx >= v->shnum)
		return fault(KX_ELF_FAULT_SHSTRNDX, v->shstrndx, v->shstrndx, v->shnum);
	struct shdr str = shdr(v, v->shstrndx);
	if (!section_in_file(v, &str))
		return fault(KX_ELF_FAULT_SHSTR_HDR, str.type, 0, 0);
	/* 5.10 has no empty-table check: it reads the byte before the table. */
	if (str.size == 0 && !old)
		return fault(KX_ELF_FAULT_SHSTR_EMPTY, 0, 0, 0);
	const uint8_t *last = bytes(v, str.offset + str.size - 1, 1);
	if (!last || *last != 0)
		return v->oom ? fault(KX_ELF_FAULT_NOMEM, 0, 0, 0)
		              : fault(KX_ELF_FAULT_SHSTR_UNTERMINATED, 0, 0, 0);
	struct shdr s0 = shdr(v, 0);
	if (s0.type != 0 || s0.size != 0 || s0.addr != 0)
		return fault(KX_ELF_FAULT_SEC0, s0.type, 0, 0);
	for (unsigned i = 1; i < v->shnum; i++) {
		struct shdr s = shdr(v, i);
		if (s.type == 0 || s.type == KX_SHT_NOBITS)
			continue;
		if (s.type == KX_SHT_SYMTAB && (s.link == 0 || s.link >= v->shnum))
			return fault(KX_ELF_FAULT_SYMTAB_LINK, s.link, s.link, v->shnum);
		if (!section_in_file(v, &s))
			return fault(KX_ELF_FAULT_SECTION, i, s.type, 0);
		if ((s.flags & SHF_ALLOC) && s.name >= str.size)
			return fault(KX_ELF_FAULT_SECTION_NAME, i, s.type, 0);
	}
	/* setup_load_info(): the first symbol table, then this_module (both
	 * found by find_sec(): SHF_ALLOC sections only for the latter). */
	const uint8_t *names = bytes(v, str.offset, str.size);
	if (!names)
		return fault(KX_ELF_FAULT_NOMEM, 0, 0, 0);
	bool symtab = false;
	for (unsigned i = 1; i < v->shnum && !symtab; i++)
		symtab = shdr(v, i).type == KX_SHT_SYMTAB;
	if (!symtab)
		return fault(KX_ELF_FAULT_NO_SYMBOLS, 0, 0, 0);
	if (!find_named(v, names, str.size).this_module_alloc)
		return fault(KX_ELF_FAULT_NO_THIS_MODULE, 0, 0, 0);
	return f;
}

/* elf_validity_cache_strtab() (7.x): the symbol string table's ends and
 * every symbol's name offset. */
static struct kx_elf_fault strtab_fault(struct view *v, const struct shdr *ss,
                                        const struct shdr *st)
{
	if (st->size == 0)
		return fault(KX_ELF_FAULT_STRTAB_EMPTY, 0, 0, 0);
	const uint8_t *first = bytes(v, st->offset, 1), *last = bytes(v, st->offset + st->size - 1, 1);
	if (!first || !last)
		return fault(KX_ELF_FAULT_NOMEM, 0, 0, 0);
	if (*first != 0)
		return fault(KX_ELF_FAULT_STRTAB_LEAD, 0, 0, 0);
	if (*last != 0)
		return fault(KX_ELF_FAULT_STRTAB_UNTERMINATED, 0, 0, 0);
	const uint8_t *syms = bytes(v, ss->offset, ss->size - ss->size % SYM_SIZE);
	if (!syms)
		return fault(KX_ELF_FAULT_NOMEM, 0, 0, 0);
	for (uint64_t i = 0; i < ss->size / SYM_SIZE; i++)
		if (kx_get32(syms + i * SYM_SIZE, false) >= st->size)
			return fault(KX_ELF_FAULT_SYMNAME_OOB, 0, 0, 0);
	return (struct kx_elf_fault){ 0 };
}

/* 6.12 and 7.2: elf_validity_cache_copy() and its helpers, in order. */
static struct kx_elf_fault check_612(struct view *v, struct kx_elf_check *out)
{
	struct kx_elf_fault f = { 0 };
	if (ehdr_fault(v, &f))
		return f;
	/* Section 0 is read even when e_shnum is 0: the loader reads what
	 * follows e_shoff, which is in the file (or zeros past its end). */
	struct shdr s0 = { 0 };
	if (v->shnum)
		s0 = shdr(v, 0);
	else if (v->sec0)
		s0 = (struct shdr){ .type = kx_get32(v->sec0 + 4, false),
			            .addr = kx_get64(v->sec0 + 16, false),
			            .size = kx_get64(v->sec0 + 32, false) };
	if (s0.type != 0 || s0.size != 0 || s0.addr != 0)
		return fault(KX_ELF_FAULT_SEC0, s0.type, 0, 0);
	for (unsigned i = 1; i < v->shnum; i++) {
		struct shdr s = shdr(v, i);
		if (s.type != 0 && s.type != KX_SHT_NOBITS && !section_in_file(v, &s))
			return fault(KX_ELF_FAULT_SECTION, i, s.type, 0);
	}
	/* elf_validity_cache_secstrings() */
	if (v->shstrndx == 0 || v->shstrndx >= v->shnum)
		return fault(KX_ELF_FAULT_SHSTRNDX, v->shstrndx, v->shstrndx, v->shnum);
	struct shdr str = shdr(v, v->shstrndx);
	if (str.type != KX_SHT_STRTAB)
		return fault(KX_ELF_FAULT_SHSTR_TYPE, str.type, 0, 0);
	if (str.size == 0)
		return fault(KX_ELF_FAULT_SHSTR_EMPTY, 0, 0, 0);
	const uint8_t *names = bytes(v, str.offset, str.size);
	if (!names)
		return fault(KX_ELF_FAULT_NOMEM, 0, 0, 0);
	if (names[str.size - 1] != 0)
		return fault(KX_ELF_FAULT_SHSTR_UNTERMINATED, 0, 0, 0);
	for (unsigned i = 0; i < v->shnum; i++) {
		struct shdr s = shdr(v, i);
		if (s.type != 0 && s.name >= str.size)
			return fault(KX_ELF_FAULT_SECTION_NAME, i, s.type, 0);
	}
	/* elf_validity_cache_index(): _info, _mod, _sym, _str, _versions */
	struct named nm = find_named(v, names, str.size);
	if (nm.modinfo > 1)
		return fault(KX_ELF_FAULT_MODINFO_TWICE, 0, 0, 0);
	if (nm.this_module != 1)
		return fault(KX_ELF_FAULT_THIS_MODULE_COUNT, 0, 0, 0);
	struct shdr ms = shdr(v, nm.this_module_idx);
	if (ms.type == KX_SHT_NOBITS)
		return fault(KX_ELF_FAULT_THIS_MODULE_NOBITS, 0, 0, 0);
	if (!(ms.flags & SHF_ALLOC))
		return fault(KX_ELF_FAULT_THIS_MODULE_NOALLOC, 0, 0, 0);
	/* The size check needs the kernel's sizeof(struct module): the
	 * verdict makes it, here (KX_ELF_FAULT_THIS_MODULE_SIZE). */
	out->this_module_size = ms.size;
	out->this_module_checked = true;
	unsigned sym = 0, n_sym = 0;
	for (unsigned i = 1; i < v->shnum; i++)
		if (shdr(v, i).type == KX_SHT_SYMTAB) {
			n_sym++;
			sym = i;
		}
	if (n_sym != 1)
		return fault(KX_ELF_FAULT_NO_SYMBOLS, 0, 0, 0);
	struct shdr ss = shdr(v, sym);
	if (ss.link == 0 || ss.link >= v->shnum)
		return fault(KX_ELF_FAULT_SYMTAB_LINK, ss.link, ss.link, v->shnum);
	struct shdr st = shdr(v, ss.link);
	if (st.type != KX_SHT_STRTAB)
		return fault(KX_ELF_FAULT_STRTAB_TYPE, st.type, 0, 0);
	/* _versions (6.14+) are checked by the module reader (module.c).
	 * elf_validity_cache_strtab() is 7.x's (absent in 6.12): its fault is
	 * kept apart, for the verdict to ask KEXPORT_FEATURE_ELF_STRTAB_CHECKS. */
	out->strtab = strtab_fault(v, &ss, &st);
	return f;
}

void kx_elf_check(struct kx_src *src, uint64_t len, struct kx_elf_check *out)
{
	memset(out, 0, sizeof(*out));
	struct view v = { .src = src, .len = len < src->size ? len : src->size };
	uint8_t zero[EH_SIZE] = { 0 };
	v.eh = v.len >= EH_SIZE ? bytes(&v, 0, EH_SIZE) : NULL;
	if (!v.eh && v.len >= EH_SIZE) {
		for (int o = 0; o < KX_ELF_ORDERS; o++)
			out->fault[o] = fault(KX_ELF_FAULT_NOMEM, 0, 0, 0);
		return;
	}
	if (!v.eh)
		v.eh = zero;
	v.type = kx_get16(v.eh + 16, false);
	v.machine = kx_get16(v.eh + 18, false);
	v.shoff = kx_get64(v.eh + 40, false);
	v.shentsize = kx_get16(v.eh + 58, false);
	v.shnum = kx_get16(v.eh + 60, false);
	v.shstrndx = kx_get16(v.eh + 62, false);
	struct kx_elf_fault f;
	if (!ehdr_fault(&v, &f) && !(v.sh = bytes(&v, v.shoff, (uint64_t)v.shnum * SH_SIZE))) {
		for (int o = 0; o < KX_ELF_ORDERS; o++)
			out->fault[o] = fault(KX_ELF_FAULT_NOMEM, 0, 0, 0);
		return;
	}
	if (v.sh && v.shnum == 0)
		v.sec0 = bytes(&v, v.shoff, SH_SIZE);
	out->fault[KX_ELF_ORDER_61] = check_61(&v, false);
	/* 5.10 differs from 6.1 only for an empty section name table. */
	bool empty_names = v.sh && v.shstrndx > 0 && v.shstrndx < v.shnum &&
	                   shdr(&v, v.shstrndx).size == 0;
	out->fault[KX_ELF_ORDER_510] = empty_names ? check_61(&v, true) : out->fault[KX_ELF_ORDER_61];
	out->fault[KX_ELF_ORDER_612] = check_612(&v, out);
}

/* Whether 5.10 says anything: its elf_validity_check() returns -ENOEXEC
 * silently but for a section past the end or a bad section name. */
static bool silent_510(int code)
{
	return code >= KX_ELF_FAULT_LEN && code <= KX_ELF_FAULT_SYMTAB_LINK;
}

static const char *const fault_why[KX_ELF_FAULT_COUNT] = {
	[KX_ELF_FAULT_LEN] = "shorter than an ELF header",
	[KX_ELF_FAULT_MAGIC] = "not an ELF file",
	[KX_ELF_FAULT_TYPE] = "not a relocatable ELF object",
	[KX_ELF_FAULT_ARCH] = "built for another architecture",
	[KX_ELF_FAULT_SHENTSIZE] = "section headers of the wrong size (not a 64-bit ELF?)",
	[KX_ELF_FAULT_SHDR_OVERFLOW] = "the section header table is past the end of the file",
	[KX_ELF_FAULT_SHSTRNDX] = "no valid section name table index",
	[KX_ELF_FAULT_SHSTR_HDR] = "the section name table is past the end of the file",
	[KX_ELF_FAULT_SHSTR_TYPE] = "the section name table is not a string table",
	[KX_ELF_FAULT_SHSTR_EMPTY] = "the section name table is empty",
	[KX_ELF_FAULT_SHSTR_UNTERMINATED] = "the section name table is not NUL-terminated",
	[KX_ELF_FAULT_SEC0] = "section 0 is not the null section",
	[KX_ELF_FAULT_SYMTAB_LINK] = "the symbol table links to no section",
	[KX_ELF_FAULT_SECTION] = "a section is past the end of the file",
	[KX_ELF_FAULT_SECTION_NAME] = "a section's name is outside the section name table",
	[KX_ELF_FAULT_MODINFO_TWICE] = "more than one .modinfo section",
	[KX_ELF_FAULT_THIS_MODULE_COUNT] = "not exactly one .gnu.linkonce.this_module section",
	[KX_ELF_FAULT_THIS_MODULE_NOBITS] = ".gnu.linkonce.this_module has no contents (NOBITS)",
	[KX_ELF_FAULT_THIS_MODULE_NOALLOC] = ".gnu.linkonce.this_module is not SHF_ALLOC",
	[KX_ELF_FAULT_THIS_MODULE_SIZE] = ".gnu.linkonce.this_module is not the size of this "
	                                  "kernel's struct module (built for another kernel)",
	[KX_ELF_FAULT_NO_SYMBOLS] = "no symbol table (stripped?), or more than one",
	[KX_ELF_FAULT_NO_THIS_MODULE] = "no .gnu.linkonce.this_module section: not a loadable module",
	[KX_ELF_FAULT_STRTAB_TYPE] = "the symbol table's string table is not a string table",
	[KX_ELF_FAULT_STRTAB_EMPTY] = "the symbol string table is empty",
	[KX_ELF_FAULT_STRTAB_LEAD] = "the symbol string table does not start with NUL",
	[KX_ELF_FAULT_STRTAB_UNTERMINATED] = "the symbol string table is not NUL-terminated",
	[KX_ELF_FAULT_SYMNAME_OOB] = "a symbol's name is outside the symbol string table",
	[KX_ELF_FAULT_NOMEM] = "out of memory while checking the ELF structure",
};

bool kx_elf_fault_before_arch(const struct kx_elf_fault *f)
{
	return f->code == KX_ELF_FAULT_LEN || f->code == KX_ELF_FAULT_MAGIC ||
	       f->code == KX_ELF_FAULT_TYPE;
}

bool kx_elf_fault_second_line(const struct kx_elf_fault *f, enum kx_elf_order order,
                              const char **line)
{
	/* 5.10's load_module() says so after any elf_validity_check() failure;
	 * the checks of setup_load_info() (no symbols, no this_module) are not
	 * among them. */
	if (order != KX_ELF_ORDER_510 || f->code < KX_ELF_FAULT_LEN ||
	    f->code > KX_ELF_FAULT_SECTION_NAME)
		return false;
	*line = "Module has invalid ELF structures";
	return true;
}

const char *kx_elf_fault_why(const struct kx_elf_fault *f)
{
	return f->code > 0 && f->code < KX_ELF_FAULT_COUNT ? fault_why[f->code] : NULL;
}

/* The kernel's words (pr_err/pr_warn, without the newline); the name is
 * the module's name= when the loader has read it, as it prints it. */
bool kx_elf_fault_message(const struct kx_elf_fault *f, enum kx_elf_order order, const char *name,
                          char *buf, size_t size)
{
	const char *n = name ? name : "(missing .modinfo section or name field)";
	unsigned long long a = f->a, b = f->b;
	/* What the kernel prints with %d is a signed int there. */
	int ia = (int)(int32_t)f->a, ib = (int)(int32_t)f->b, ic = (int)(int32_t)f->c;
	if (size)
		buf[0] = 0;
	if (order == KX_ELF_ORDER_510 && silent_510(f->code))
		return false;
	switch (f->code) {
	case KX_ELF_FAULT_LEN: snprintf(buf, size, "Invalid ELF header len %llu", a); break;
	case KX_ELF_FAULT_MAGIC: snprintf(buf, size, "Invalid ELF header magic: != \177ELF"); break;
	case KX_ELF_FAULT_TYPE: snprintf(buf, size, "Invalid ELF header type: %llu != %llu", a, b); break;
	case KX_ELF_FAULT_ARCH: snprintf(buf, size, "Invalid architecture in ELF header: %llu", a); break;
	case KX_ELF_FAULT_SHENTSIZE: snprintf(buf, size, "Invalid ELF section header size"); break;
	case KX_ELF_FAULT_SHDR_OVERFLOW: snprintf(buf, size, "Invalid ELF section header overflow"); break;
	case KX_ELF_FAULT_SHSTRNDX:
		snprintf(buf, size, "Invalid ELF section name index: %d || e_shstrndx (%d) >= e_shnum (%d)",
		         ia, ib, ic);
		break;
	case KX_ELF_FAULT_SHSTR_HDR: snprintf(buf, size, "Invalid ELF section hdr(type %llu)", a); break;
	case KX_ELF_FAULT_SHSTR_TYPE:
		snprintf(buf, size, "Invalid ELF section name table type: %llu", a);
		break;
	case KX_ELF_FAULT_SHSTR_EMPTY: snprintf(buf, size, "empty section name table"); break;
	case KX_ELF_FAULT_SHSTR_UNTERMINATED:
		snprintf(buf, size, "ELF Spec violation: section name table isn't null terminated");
		break;
	case KX_ELF_FAULT_SEC0:
		snprintf(buf, size,
		         "ELF Spec violation: section 0 type(%d)!=SH_NULL or non-zero len or addr", ia);
		break;
	case KX_ELF_FAULT_SYMTAB_LINK:
		snprintf(buf, size, "Invalid ELF sh_link!=SHN_UNDEF(%d) or (sh_link(%d) >= hdr->e_shnum(%d)",
		         ia, ib, ic);
		break;
	case KX_ELF_FAULT_SECTION:
		snprintf(buf, size, "Invalid ELF section in module (section %llu type %llu)", a, b);
		break;
	case KX_ELF_FAULT_SECTION_NAME:
		snprintf(buf, size, "Invalid ELF section name in module (section %llu type %llu)", a, b);
		break;
	case KX_ELF_FAULT_MODINFO_TWICE: snprintf(buf, size, "Only one .modinfo section must exist."); break;
	case KX_ELF_FAULT_THIS_MODULE_COUNT:
		snprintf(buf, size, "module %s: Exactly one .gnu.linkonce.this_module section must exist.", n);
		break;
	case KX_ELF_FAULT_THIS_MODULE_NOBITS:
		snprintf(buf, size, "module %s: .gnu.linkonce.this_module section must have a size set", n);
		break;
	case KX_ELF_FAULT_THIS_MODULE_NOALLOC:
		snprintf(buf, size,
		         "module %s: .gnu.linkonce.this_module must occupy memory during process execution", n);
		break;
	case KX_ELF_FAULT_THIS_MODULE_SIZE:
		snprintf(buf, size,
		         "module %s: .gnu.linkonce.this_module section size must match the kernel's built "
		         "struct module size at run time", n);
		break;
	case KX_ELF_FAULT_NO_SYMBOLS: snprintf(buf, size, "%s: module has no symbols (stripped?)", n); break;
	case KX_ELF_FAULT_NO_THIS_MODULE: snprintf(buf, size, "%s: No module found in object", n); break;
	case KX_ELF_FAULT_STRTAB_TYPE:
		snprintf(buf, size, "Invalid ELF symbol string table type: %llu", a);
		break;
	case KX_ELF_FAULT_STRTAB_EMPTY: snprintf(buf, size, "empty symbol string table"); break;
	case KX_ELF_FAULT_STRTAB_LEAD: snprintf(buf, size, "symbol string table missing leading NUL"); break;
	case KX_ELF_FAULT_STRTAB_UNTERMINATED:
		snprintf(buf, size, "symbol string table isn't NUL terminated");
		break;
	case KX_ELF_FAULT_SYMNAME_OOB:
		snprintf(buf, size, "symbol name out of bounds in string table");
		break;
	default: return false;
	}
	return true;
}
