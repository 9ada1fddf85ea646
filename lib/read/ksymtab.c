/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decoding the kernel's export tables: __ksymtab, __ksymtab_gpl (and the
 * pre-5.12 _gpl_future, _unused, _unused_gpl), their parallel __kcrctab*
 * CRC arrays and the __ksymtab_strings they point into.
 *
 * An entry (struct kernel_symbol, kernel-rules.md §6.1) is one of:
 *   PREL32, 5.4+:  { s32 value_offset; s32 name_offset; s32 namespace_offset; }
 *   PREL32, <5.4:  { s32 value_offset; s32 name_offset; }
 *   absolute:      { ulong value; ulong name; [ulong namespace;] }
 * The layout is not recorded anywhere in the file, so each candidate is tried
 * and the first one under which every entry's name lands on a string start
 * inside __ksymtab_strings wins.
 *
 * In a module (ET_REL) the entry words are zero and the fields are
 * relocations against labels in __ksymtab_strings; in vmlinux (ET_EXEC) they
 * hold real offsets or addresses.  A raw kernel image (arm64 Image) has no
 * section headers at all; kx_ksymtab_scan_raw() finds the tables by their
 * shape.
 *
 * From 7.0 there is one table: every export is in __ksymtab (sorted by name)
 * and its kind is bit 0 (KSYM_FLAG_GPL_ONLY, include/linux/module_symbol.h)
 * of the parallel byte array __kflagstab; the loader ignores __ksymtab_gpl
 * and __kcrctab_gpl there (kernel/module/main.c, find_module_sections).
 */
#include <ctype.h>

#include "libkexport-internal.h"

struct table_kind {
	const char *ksymtab, *kcrctab;
	enum kexport_kind kind;
};

static const struct table_kind tables[] = {
	{ "__ksymtab", "__kcrctab", KEXPORT_KIND_PLAIN },
	{ "__ksymtab_gpl", "__kcrctab_gpl", KEXPORT_KIND_GPL },
	{ "__ksymtab_gpl_future", "__kcrctab_gpl_future", KEXPORT_KIND_GPL_FUTURE },
	{ "__ksymtab_unused", "__kcrctab_unused", KEXPORT_KIND_UNUSED },
	{ "__ksymtab_unused_gpl", "__kcrctab_unused_gpl", KEXPORT_KIND_UNUSED_GPL },
};

/* Relocation types by machine: which write a 32-bit PC-relative or an absolute word. */
struct reloc_type {
	uint16_t machine;
	uint32_t type;
	uint8_t width; /* bytes */
	bool pcrel;
};

static const struct reloc_type reloc_types[] = {
	{ 62, 2, 4, true },     /* EM_X86_64 R_X86_64_PC32 */
	{ 62, 24, 8, true },    /* R_X86_64_PC64 */
	{ 62, 1, 8, false },    /* R_X86_64_64 */
	{ 62, 10, 4, false },   /* R_X86_64_32 */
	{ 62, 11, 4, false },   /* R_X86_64_32S */
	{ 183, 261, 4, true },  /* EM_AARCH64 R_AARCH64_PREL32 */
	{ 183, 257, 8, false }, /* R_AARCH64_ABS64 */
	{ 183, 258, 4, false }, /* R_AARCH64_ABS32 */
	{ 3, 2, 4, true },      /* EM_386 R_386_PC32 */
	{ 3, 1, 4, false },     /* R_386_32 */
	{ 40, 3, 4, true },     /* EM_ARM R_ARM_REL32 */
	{ 40, 2, 4, false },    /* R_ARM_ABS32 */
	{ 40, 42, 4, true },    /* R_ARM_PREL31 */
	{ 20, 26, 4, true },    /* EM_PPC R_PPC_REL32 */
	{ 20, 1, 4, false },    /* R_PPC_ADDR32 */
	{ 21, 26, 4, true },    /* EM_PPC64 R_PPC64_REL32 */
	{ 21, 38, 8, false },   /* R_PPC64_ADDR64 */
	{ 21, 1, 4, false },    /* R_PPC64_ADDR32 */
	{ 22, 5, 4, true },     /* EM_S390 R_390_PC32 */
	{ 22, 22, 8, false },   /* R_390_64 */
	{ 22, 4, 4, false },    /* R_390_32 */
	{ 243, 39, 4, true },   /* EM_RISCV R_RISCV_32_PCREL */
	{ 243, 2, 8, false },   /* R_RISCV_64 */
	{ 243, 1, 4, false },   /* R_RISCV_32 */
	{ 258, 99, 4, true },   /* EM_LOONGARCH R_LARCH_32_PCREL */
	{ 258, 2, 8, false },   /* R_LARCH_64 */
	{ 258, 1, 4, false },   /* R_LARCH_32 */
	{ 8, 248, 4, true },    /* EM_MIPS R_MIPS_PC32 */
	{ 8, 2, 4, false },     /* R_MIPS_32 */
	{ 2, 6, 4, true },      /* EM_SPARC R_SPARC_DISP32 */
	{ 43, 6, 4, true },     /* EM_SPARCV9 R_SPARC_DISP32 */
	{ 43, 32, 8, false },   /* R_SPARC_64 */
	{ 15, 9, 4, true },     /* EM_PARISC R_PARISC_PCREL32 */
	{ 15, 1, 4, false },    /* R_PARISC_DIR32 */
};

static const struct reloc_type *find_reloc_type(uint16_t machine, uint32_t type)
{
	for (size_t i = 0; i < KX_ARRAY_SIZE(reloc_types); i++)
		if (reloc_types[i].machine == machine && reloc_types[i].type == type)
			return &reloc_types[i];
	return NULL;
}

/* A relocation applied to one field, resolved to (section, offset). */
struct field_reloc {
	uint64_t offset;     /* of the field in the ksymtab section */
	uint16_t target_sec; /* section of the target symbol (SHN_* included) */
	uint64_t target_off; /* symbol value + addend */
};

static int cmp_field_reloc(const void *a, const void *b)
{
	const struct field_reloc *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Collect the relocations of section `target` (module objects only). */
static int collect_relocs(struct kx_elf *elf, size_t target, const struct kx_symtab *st,
                          const uint8_t *tdata, struct field_reloc **out, size_t *n_out,
                          char *errmsg)
{
	struct kx_vec v;
	kx_vec_init(&v, sizeof(struct field_reloc));
	for (size_t i = 1; i < elf->shnum; i++) {
		const struct kx_shdr *rs = &elf->sh[i];
		if ((rs->type != KX_SHT_RELA && rs->type != KX_SHT_REL) || rs->info != target)
			continue;
		bool rela = rs->type == KX_SHT_RELA;
		size_t esz = elf->is64 ? (rela ? 24 : 16) : (rela ? 12 : 8);
		const uint8_t *rd;
		int r = kx_elf_section(elf, i, &rd, errmsg);
		if (r < 0) {
			kx_vec_free(&v);
			return r;
		}
		for (size_t k = 0; k + esz <= rs->size; k += esz) {
			const uint8_t *p = rd + k;
			uint64_t off, info;
			int64_t addend = 0;
			uint32_t symi, type;
			if (elf->is64) {
				off = kx_get64(p, elf->be);
				info = kx_get64(p + 8, elf->be);
				symi = (uint32_t)(info >> 32);
				type = (uint32_t)info;
				if (rela)
					addend = (int64_t)kx_get64(p + 16, elf->be);
			} else {
				off = kx_get32(p, elf->be);
				info = kx_get32(p + 4, elf->be);
				symi = (uint32_t)(info >> 8);
				type = (uint32_t)(info & 0xff);
				if (rela)
					addend = (int32_t)kx_get32(p + 8, elf->be);
			}
			const struct reloc_type *rt = find_reloc_type(elf->machine, type);
			if (!rt)
				continue; /* not a data word relocation we model */
			if (!kx_in_bounds(off, rt->width, elf->sh[target].size)) {
				kx_vec_free(&v);
				return kx_err(errmsg, -EINVAL,
				              "relocation at 0x%llx is outside section %s",
				              (unsigned long long)off, elf->sh[target].name);
			}
			if (!rela) /* SHT_REL keeps the addend in the field */
				addend = rt->width == 8 ? (int64_t)kx_get64(tdata + off, elf->be)
				                        : (int32_t)kx_get32(tdata + off, elf->be);
			if (symi == 0 || symi >= st->n) {
				kx_vec_free(&v);
				return kx_err(errmsg, -EINVAL, "relocation symbol %u out of range", symi);
			}
			struct kx_sym s;
			kx_symtab_get(st, symi, &s);
			struct field_reloc *fr = kx_vec_push(&v);
			if (!fr) {
				kx_vec_free(&v);
				return kx_err(errmsg, -ENOMEM, "out of memory");
			}
			fr->offset = off;
			fr->target_sec = s.shndx;
			fr->target_off = s.value + (uint64_t)addend;
		}
	}
	/* The linker writes them in offset order. */
	kx_sort_unless_sorted(v.items, v.n, sizeof(struct field_reloc), cmp_field_reloc);
	*out = v.items;
	*n_out = v.n;
	return 0;
}

static const struct field_reloc *reloc_at(const struct field_reloc *r, size_t n, uint64_t off)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r[mid].offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && r[lo].offset == off ? &r[lo] : NULL;
}

/*
 * A string inside the strings section at off, or NULL.  __ksymtab_strings
 * is a mergeable string section, so the linker may point one name at the
 * tail of another ("bar" inside "foobar", "" at any NUL): off need not
 * follow a NUL.
 */
static const char *string_at(const uint8_t *strs, uint64_t size, uint64_t off)
{
	if (off >= size || !memchr(strs + off, '\0', size - off))
		return NULL;
	return (const char *)strs + off;
}

/* An export's name: non-empty, no control bytes or blanks. */
static const char *name_at(const uint8_t *strs, uint64_t size, uint64_t off)
{
	const char *s = string_at(strs, size, off);
	if (!s || !*s)
		return NULL;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c == 0x7f)
			return NULL;
	return s;
}

/* The candidate layouts, most recent first. */
struct layout {
	uint8_t width;  /* field width */
	uint8_t fields; /* 3 with namespace, 2 without */
	bool pcrel;
};

static int add_export(struct kx_vec *out, struct kx_arena *arena, const char *name,
                      const char *ns, enum kexport_kind kind, const char *owner,
                      const char *source, bool has_crc, uint32_t crc, char *errmsg)
{
	struct kexport_export *e = kx_vec_push(out);
	if (!e)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	e->name = kx_arena_strdup(arena, name);
	e->ns = ns && *ns ? kx_arena_strdup(arena, ns) : "";
	e->owner = owner;
	e->source = source;
	e->kind = kind;
	e->crc = crc;
	e->known = KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS | (has_crc ? KEXPORT_KNOWN_CRC : 0);
	if (!e->name || !e->ns)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	return 0;
}

/* The per-entry flags of a 7.x table; bytes NULL for older kernels. */
struct flagstab {
	const uint8_t *bytes;
	uint64_t size;
};

/* A 7.x table has one flag byte an entry. */
static int check_flags(const struct flagstab *ft, uint64_t n, char *errmsg)
{
	if (!ft || !ft->bytes || ft->size == n)
		return 0;
	return kx_err(errmsg, -EINVAL, "__kflagstab has %llu flags for %llu __ksymtab entries",
	              (unsigned long long)ft->size, (unsigned long long)n);
}

/* Entry i's kind: its flag's, or the table's (KIND) before 7.x. */
static enum kexport_kind entry_kind(const struct flagstab *ft, uint64_t i, enum kexport_kind kind)
{
	if (!ft || !ft->bytes)
		return kind;
	return ft->bytes[i] & 1 /* KSYM_FLAG_GPL_ONLY */ ? KEXPORT_KIND_GPL : KEXPORT_KIND_PLAIN;
}

/* Decode one module table through its relocations. */
static int decode_module_table(struct kx_elf *elf, size_t sec, const struct kx_symtab *st,
                               int strsec, const uint8_t *strs,
                               const uint8_t *crcs, uint64_t crc_size, bool crc_rel,
                               const struct field_reloc *crel, size_t n_crel,
                               const struct flagstab *ft, enum kexport_kind kind, const char *owner,
                               const char *source, struct kx_arena *arena,
                               struct kx_vec *out, char *errmsg)
{
	const struct kx_shdr *s = &elf->sh[sec];
	const uint8_t *data;
	int r = kx_elf_section(elf, sec, &data, errmsg);
	if (r < 0)
		return r;
	struct field_reloc *rel;
	size_t n_rel;
	if ((r = collect_relocs(elf, sec, st, data, &rel, &n_rel, errmsg)) < 0)
		return r;
	uint64_t strsize = elf->sh[strsec].size;
	static const uint8_t widths[] = { 4, 8 };
	int ret;
	for (size_t wi = 0; wi < 2; wi++) {
		for (uint8_t fields = 3; fields >= 2; fields--) {
			uint64_t es = (uint64_t)widths[wi] * fields;
			if (s->size % es)
				continue;
			uint64_t n = s->size / es;
			bool ok = true;
			for (uint64_t i = 0; i < n && ok; i++) {
				const struct field_reloc *nr = reloc_at(rel, n_rel, i * es + widths[wi]);
				ok = nr && nr->target_sec == strsec &&
				     name_at(strs, strsize, nr->target_off);
				if (ok && fields == 3) {
					const struct field_reloc *sr =
					        reloc_at(rel, n_rel, i * es + 2u * widths[wi]);
					ok = !sr || (sr->target_sec == strsec &&
					             string_at(strs, strsize, sr->target_off));
				}
			}
			if (!ok || n == 0)
				continue;
			uint64_t crc_w = 0;
			if (crcs && crc_size == n * 4)
				crc_w = 4;
			else if (crcs && crc_size == n * 8)
				crc_w = 8; /* unsigned long CRCs of ~4.0 kernels */
			else if (crcs)
				crcs = NULL; /* a CRC table that does not match: ignore it */
			if ((ret = check_flags(ft, n, errmsg)) < 0)
				goto done;
			for (uint64_t i = 0; i < n; i++) {
				const struct field_reloc *nr = reloc_at(rel, n_rel, i * es + widths[wi]);
				const struct field_reloc *sr =
				        fields == 3 ? reloc_at(rel, n_rel, i * es + 2u * widths[wi]) : NULL;
				const char *name = (const char *)strs + nr->target_off;
				const char *ns = sr ? (const char *)strs + sr->target_off : "";
				uint32_t crc = 0;
				if (crcs) {
					const struct field_reloc *cr =
					        crc_rel ? reloc_at(crel, n_crel, i * crc_w) : NULL;
					if (cr) /* ≤5.18: a reference to an absolute __crc_ symbol */
						crc = (uint32_t)cr->target_off;
					else
						crc = crc_w == 8 ? (uint32_t)kx_get64(crcs + i * 8, elf->be)
						                 : kx_get32(crcs + i * 4, elf->be);
				}
				if ((ret = add_export(out, arena, name, ns, entry_kind(ft, i, kind), owner,
				                      source, crcs != NULL, crc, errmsg)) < 0)
					goto done;
			}
			ret = 0;
			goto done;
		}
	}
	ret = kx_err(errmsg, -EINVAL, "cannot decode %s: no known entry layout fits", s->name);
done:
	free(rel);
	return ret;
}

/* In vmlinux: the file offset of a virtual address inside section `sec`. */
static bool vaddr_in(const struct kx_shdr *s, uint64_t va, uint64_t *off)
{
	if (va < s->addr || va - s->addr >= s->size)
		return false;
	*off = va - s->addr;
	return true;
}

/*
 * Resolve field f of entry i to an offset in the strings section ss.
 * A zero field (no namespace) gives UINT64_MAX.
 */
static bool field_target(const uint8_t *data, const struct kx_shdr *s, const struct kx_shdr *ss,
                         const struct layout *L, uint64_t es, bool be, uint64_t i, unsigned f,
                         uint64_t *res)
{
	uint64_t fo = i * es + (uint64_t)f * L->width;
	uint64_t raw = L->width == 8 ? kx_get64(data + fo, be) : kx_get32(data + fo, be);
	if (raw == 0) {
		*res = UINT64_MAX;
		return true;
	}
	uint64_t va = L->pcrel ? s->addr + fo + (uint64_t)(int64_t)(int32_t)raw : raw;
	return vaddr_in(ss, va, res);
}

static int decode_vmlinux_table(struct kx_elf *elf, size_t sec, int strsec, const uint8_t *strs,
                                const uint8_t *crcs, uint64_t crc_size,
                                const struct flagstab *ft, enum kexport_kind kind,
                                const char *owner, const char *source, struct kx_arena *arena,
                                struct kx_vec *out, char *errmsg)
{
	const struct kx_shdr *s = &elf->sh[sec];
	const struct kx_shdr *ss = &elf->sh[strsec];
	const uint8_t *data;
	int r = kx_elf_section(elf, sec, &data, errmsg);
	if (r < 0)
		return r;
	uint8_t ptr = elf->is64 ? 8 : 4;
	const struct layout layouts[] = {
		{ 4, 3, true }, { 4, 2, true }, { ptr, 3, false }, { ptr, 2, false },
	};
	for (size_t li = 0; li < KX_ARRAY_SIZE(layouts); li++) {
		const struct layout *L = &layouts[li];
		uint64_t es = (uint64_t)L->width * L->fields;
		if (s->size == 0 || s->size % es)
			continue;
		uint64_t n = s->size / es;
		/* The CRC table, when there is one, has one entry per symbol. */
		if (crcs && crc_size != n * 4 && crc_size != n * 8)
			continue;
		bool ok = true;
		for (uint64_t i = 0; i < n && ok; i++) {
			uint64_t t = 0;
			ok = field_target(data, s, ss, L, es, elf->be, i, 1, &t) && t != UINT64_MAX &&
			     name_at(strs, ss->size, t);
			if (ok && L->fields == 3)
				ok = field_target(data, s, ss, L, es, elf->be, i, 2, &t) &&
				     (t == UINT64_MAX || string_at(strs, ss->size, t));
		}
		if (!ok)
			continue;
		if ((r = check_flags(ft, n, errmsg)) < 0)
			return r;
		uint64_t crc_w = crcs ? crc_size / n : 0;
		for (uint64_t i = 0; i < n; i++) {
			uint64_t t = 0, tn = UINT64_MAX;
			field_target(data, s, ss, L, es, elf->be, i, 1, &t);
			if (L->fields == 3)
				field_target(data, s, ss, L, es, elf->be, i, 2, &tn);
			uint32_t crc = 0;
			if (crcs)
				crc = crc_w == 8 ? (uint32_t)kx_get64(crcs + i * 8, elf->be)
				                 : kx_get32(crcs + i * 4, elf->be);
			if ((r = add_export(out, arena, (const char *)strs + t,
			                    tn == UINT64_MAX ? "" : (const char *)strs + tn,
			                    entry_kind(ft, i, kind), owner, source, crcs != NULL, crc,
			                    errmsg)) < 0)
				return r;
		}
		return 0;
	}
	return kx_err(errmsg, -EINVAL, "cannot decode %s: no known entry layout fits", s->name);
}

int kx_ksymtab_read(struct kx_elf *elf, const char *owner, const char *source,
                    struct kx_arena *arena, struct kx_vec *out, char *errmsg)
{
	if (!elf->maybe_ksymtab)
		return 0; /* exports nothing: every table's name starts "__ksymtab" */
	int strsec = kx_elf_find(elf, "__ksymtab_strings");
	bool any = false;
	for (size_t t = 0; t < KX_ARRAY_SIZE(tables); t++)
		if (kx_elf_find(elf, tables[t].ksymtab) > 0)
			any = true;
	if (!any)
		return 0; /* exports nothing */
	if (strsec < 0)
		return kx_err(errmsg, -EINVAL, "has export tables but no __ksymtab_strings");
	const uint8_t *strs;
	int r = kx_elf_section(elf, (size_t)strsec, &strs, errmsg);
	if (r < 0)
		return r;
	if (elf->sh[strsec].type == KX_SHT_NOBITS)
		return kx_err(errmsg, -EINVAL, "__ksymtab_strings has no data");

	const struct kx_symtab *st = NULL;
	bool rel = elf->type == KX_ET_REL;
	if (rel && (r = kx_elf_symtab(elf, &st, errmsg)) < 0) {
		if (r == -ENOENT)
			r = kx_err(errmsg, -EINVAL, "module has export tables but no symbol table");
		return r;
	}
	struct flagstab ft = { NULL, 0 };
	int fsec = kx_elf_find(elf, "__kflagstab");
	if (fsec > 0 && elf->sh[fsec].size) {
		if (elf->sh[fsec].type == KX_SHT_NOBITS)
			return kx_err(errmsg, -EINVAL, "__kflagstab has no data");
		if ((r = kx_elf_section(elf, (size_t)fsec, &ft.bytes, errmsg)) < 0)
			return r;
		ft.size = elf->sh[fsec].size;
	}
	for (size_t t = 0; t < KX_ARRAY_SIZE(tables) && r >= 0; t++) {
		int sec = kx_elf_find(elf, tables[t].ksymtab);
		if (sec < 0 || elf->sh[sec].size == 0)
			continue;
		/* With flags, only __ksymtab counts: the loader ignores the others. */
		if (ft.bytes && t > 0)
			continue;
		if (elf->sh[sec].type == KX_SHT_NOBITS) {
			r = kx_err(errmsg, -EINVAL, "%s has no data", tables[t].ksymtab);
			break;
		}
		int csec = kx_elf_find(elf, tables[t].kcrctab);
		const uint8_t *crcs = NULL;
		uint64_t crc_size = 0;
		struct field_reloc *crel = NULL;
		size_t n_crel = 0;
		if (csec > 0 && elf->sh[csec].type != KX_SHT_NOBITS && elf->sh[csec].size) {
			if ((r = kx_elf_section(elf, (size_t)csec, &crcs, errmsg)) < 0)
				break;
			crc_size = elf->sh[csec].size;
			if (rel && (r = collect_relocs(elf, (size_t)csec, st, crcs, &crel, &n_crel,
			                               errmsg)) < 0)
				break;
		}
		if (rel)
			r = decode_module_table(elf, (size_t)sec, st, strsec, strs, crcs,
			                        crc_size, n_crel > 0, crel, n_crel, t ? NULL : &ft,
			                        tables[t].kind,
			                        owner, source, arena, out, errmsg);
		else
			r = decode_vmlinux_table(elf, (size_t)sec, strsec, strs, crcs, crc_size,
			                         t ? NULL : &ft, tables[t].kind, owner, source,
			                         arena, out, errmsg);
		free(crel);
	}
	return r < 0 ? r : 0;
}

/* ------------------------------------------------------------------------ */
/* Raw images                                                               */

/* An exported name: an identifier of sane length, NUL-terminated. */
static bool plausible_name(const uint8_t *img, size_t size, uint64_t t)
{
	if (t >= size)
		return false;
	size_t i = 0;
	for (; t + i < size && i < 256; i++) {
		uint8_t c = img[t + i];
		if (c == '\0')
			return i > 0;
		if (!(isalnum(c) || c == '_' || c == '.' || c == '$'))
			return false;
	}
	return false;
}

/*
 * A namespace: empty, or printable without blanks.  From 6.13,
 * EXPORT_SYMBOL_GPL_FOR_MODULES() exports into "module:kvm,kvm-amd"-like
 * namespaces (include/linux/export.h), so ':', ',' and '-' occur.
 */
static bool plausible_ns(const uint8_t *img, size_t size, uint64_t t)
{
	if (t >= size)
		return false;
	for (size_t i = 0; t + i < size && i < 256; i++) {
		uint8_t c = img[t + i];
		if (c == '\0')
			return true;
		if (c <= ' ' || c >= 0x7f)
			return false;
	}
	return false;
}

static bool prel_target(const uint8_t *img, size_t size, uint64_t field, uint64_t *t)
{
	int32_t d = (int32_t)kx_get32(img + field, false);
	int64_t v = (int64_t)field + d;
	if (d == 0 || v < 0 || (uint64_t)v >= size)
		return false;
	*t = (uint64_t)v;
	return true;
}

/* Is there a PREL32 entry of `stride` bytes at p? */
static bool entry_ok(const uint8_t *img, size_t size, uint64_t p, unsigned stride)
{
	uint64_t t;
	if (p + stride > size)
		return false;
	/* The value may point past the file (data in BSS): it only must be set. */
	if (kx_get32(img + p, false) == 0)
		return false;
	if (!prel_target(img, size, p + 4, &t) || !plausible_name(img, size, t))
		return false;
	if (stride == 12 && kx_get32(img + p + 8, false) != 0 &&
	    (!prel_target(img, size, p + 8, &t) || !plausible_ns(img, size, t)))
		return false;
	return true;
}

static const char *entry_name(const uint8_t *img, uint64_t p)
{
	return (const char *)img + p + 4 + (int64_t)(int32_t)kx_get32(img + p + 4, false);
}

struct run {
	uint64_t start, n;
};

/* Keep the two longest runs, longest first. */
static void keep_best(struct run best[2], uint64_t start, uint64_t n)
{
	if (n <= best[1].n)
		return;
	best[1] = (struct run){ start, n };
	if (best[1].n > best[0].n) {
		struct run tmp = best[0];
		best[0] = best[1];
		best[1] = tmp;
	}
}

int kx_ksymtab_scan_raw(const uint8_t *img, size_t size, const char *source,
                        struct kx_arena *arena, struct kx_vec *out, char *detail,
                        char *errmsg)
{
	/*
	 * The linker keeps each table sorted by name (SORT(___ksymtab+*)), and
	 * vmlinux.lds.h lays out __ksymtab, __ksymtab_gpl, __kcrctab,
	 * __kcrctab_gpl, __ksymtab_strings in that order.  So look for the two
	 * longest runs of sorted entries that sit back to back.
	 */
	static const unsigned strides[] = { 12, 8 };
	for (size_t si = 0; si < KX_ARRAY_SIZE(strides); si++) {
		unsigned stride = strides[si];
		struct run best[2] = { { 0, 0 }, { 0, 0 } };
		for (unsigned phase = 0; phase < stride; phase += 4) {
			uint64_t start = 0, n = 0;
			for (uint64_t p = phase; p + stride <= size; p += stride) {
				if (!entry_ok(img, size, p, stride)) {
					keep_best(best, start, n);
					n = 0;
					continue;
				}
				if (n > 0 && strcmp(entry_name(img, p - stride), entry_name(img, p)) > 0) {
					/* A sort break starts a new run; an equal name does not: 5.10
					 * arm64 exports memcpy, memset, clear_page, ... twice. */
					keep_best(best, start, n);
					n = 0;
				}
				if (n == 0)
					start = p;
				n++;
			}
			keep_best(best, start, n);
		}
		if (best[0].n < 16)
			continue;
		/* The GPL table, when there is one, sits right after the plain one. */
		struct run plain = best[0], gpl = { 0, 0 };
		if (best[1].n && best[1].start == best[0].start + best[0].n * stride) {
			gpl = best[1];
		} else if (best[1].n && best[0].start == best[1].start + best[1].n * stride) {
			plain = best[1];
			gpl = best[0];
		}
		uint64_t end = (gpl.n ? gpl.start + gpl.n * stride : plain.start + plain.n * stride);
		uint64_t total = plain.n + gpl.n;
		/* Where do the strings start?  The lowest name any entry points to. */
		uint64_t min_t = UINT64_MAX;
		for (uint64_t i = 0; i < total; i++) {
			uint64_t p = plain.start + i * stride, t = 0;
			prel_target(img, size, p + 4, &t);
			if (t < min_t)
				min_t = t;
			if (stride == 12 && kx_get32(img + p + 8, false) &&
			    prel_target(img, size, p + 8, &t) && t < min_t)
				min_t = t;
		}
		/*
		 * Between the tables and the strings (vmlinux.lds.h): the CRCs
		 * (4 bytes a symbol, CONFIG_MODVERSIONS) and, from 7.0, where one
		 * sorted __ksymtab holds every export, the flags (1 byte a symbol,
		 * bit 0 GPL-only).  Each after at most 60 bytes of alignment.
		 */
		uint64_t gap = min_t > end && min_t != UINT64_MAX ? min_t - end : 0;
		uint64_t crc_start = end, flags_start = 0;
		bool has_crc = false, has_flags = false;
		for (int with_crc = 1; with_crc >= 0 && !has_flags && !gpl.n; with_crc--) {
			uint64_t want = total * (with_crc ? 5 : 1);
			if (gap < want || gap - want >= 64)
				continue;
			uint64_t f = end + (with_crc ? total * 4 : 0);
			bool ok = kx_in_bounds(f, total, size);
			for (uint64_t i = 0; ok && i < total; i++)
				ok = img[f + i] <= 1;
			if (ok) {
				has_flags = true;
				has_crc = with_crc;
				flags_start = f;
			}
		}
		for (uint64_t pad = 0; pad < 64 && !has_flags; pad += 4)
			if (gap >= total * 4 + pad && gap - total * 4 - pad < 64) {
				crc_start = end + pad;
				has_crc = true;
				break;
			}
		if (has_crc && !kx_in_bounds(crc_start, total * 4, size))
			has_crc = false;
		uint64_t n_gpl = 0;
		for (uint64_t i = 0; i < total; i++) {
			uint64_t p = plain.start + i * stride, t = 0, tn = UINT64_MAX;
			prel_target(img, size, p + 4, &t);
			if (stride == 12 && kx_get32(img + p + 8, false))
				prel_target(img, size, p + 8, &tn);
			uint32_t crc = has_crc ? kx_get32(img + crc_start + i * 4, false) : 0;
			enum kexport_kind kind = i < plain.n ? KEXPORT_KIND_PLAIN : KEXPORT_KIND_GPL;
			if (has_flags)
				kind = img[flags_start + i] & 1 ? KEXPORT_KIND_GPL : KEXPORT_KIND_PLAIN;
			n_gpl += kind == KEXPORT_KIND_GPL;
			int r = add_export(out, arena, (const char *)img + t,
			                   tn == UINT64_MAX ? "" : (const char *)img + tn, kind,
			                   "vmlinux", source, has_crc, crc, errmsg);
			if (r < 0)
				return r;
			/*
			 * One table and no flags: neither the ≤6.x split nor the
			 * 7.x flags were found, so the kind is not known.
			 */
			if (!gpl.n && !has_flags)
				((struct kexport_export *)out->items)[out->n - 1].known &= ~KEXPORT_KNOWN_KIND;
		}
		if (detail && has_flags)
			snprintf(detail, 128, "%llu PREL32 entries of %u bytes and their flags (%llu GPL-only) "
			         "found by shape%s", (unsigned long long)total, stride,
			         (unsigned long long)n_gpl, has_crc ? ", with CRCs" : ", no CRCs");
		else if (detail)
			snprintf(detail, 128, "%llu+%llu PREL32 entries of %u bytes found by shape%s",
			         (unsigned long long)plain.n, (unsigned long long)gpl.n, stride,
			         has_crc ? ", with CRCs" : ", no CRCs");
		return 0;
	}
	return kx_err(errmsg, -ENOEXEC, "no export table found in the raw image");
}
