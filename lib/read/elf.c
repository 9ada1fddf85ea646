/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small ELF reader for kernel modules and vmlinux: ELF32 and ELF64, little
 * and big endian.  The file is hostile until proven otherwise: every offset
 * and size is checked against the file before use, fields are read with the
 * endian-aware kx_get*() helpers and the buffer is never cast to a struct.
 * Only the header, the section header table and the sections a caller asks
 * for are read.
 */
#include "libkexport-internal.h"

/* More section headers than this is not a kernel object. */
#define KX_MAX_SHNUM 1000000

static int check_strtab(const uint8_t *data, uint64_t size, const char *what, char *errmsg)
{
	if (size == 0 || data[size - 1] != '\0')
		return kx_err(errmsg, -EINVAL, "%s is not NUL-terminated", what);
	return 0;
}

int kx_elf_open(struct kx_elf *elf, struct kx_src *src, char *errmsg)
{
	memset(elf, 0, sizeof(*elf));
	elf->src = src;
	uint8_t eh[64];
	if (src->size < 52)
		return kx_err(errmsg, -ENOEXEC, "not an ELF file (%llu bytes)",
		              (unsigned long long)src->size);
	int r = kx_src_read(src, 0, src->size < 64 ? 52 : 64, eh, errmsg);
	if (r < 0)
		return r;
	if (memcmp(eh, "\177ELF", 4) != 0)
		return kx_err(errmsg, -ENOEXEC, "not an ELF file");
	if (eh[4] != 1 && eh[4] != 2)
		return kx_err(errmsg, -EINVAL, "bad ELF class %u", eh[4]);
	if (eh[5] != 1 && eh[5] != 2)
		return kx_err(errmsg, -EINVAL, "bad ELF data encoding %u", eh[5]);
	elf->is64 = eh[4] == 2;
	elf->be = eh[5] == 2;
	if (elf->is64 && src->size < 64)
		return kx_err(errmsg, -EINVAL, "truncated ELF header");
	bool be = elf->be;
	elf->type = kx_get16(eh + 16, be);
	elf->machine = kx_get16(eh + 18, be);
	uint64_t shoff = elf->is64 ? kx_get64(eh + 40, be) : kx_get32(eh + 32, be);
	uint16_t shentsize = kx_get16(eh + (elf->is64 ? 58 : 46), be);
	uint64_t shnum = kx_get16(eh + (elf->is64 ? 60 : 48), be);
	uint32_t shstrndx = kx_get16(eh + (elf->is64 ? 62 : 50), be);
	size_t want_ent = elf->is64 ? 64 : 40;
	if (shoff == 0)
		return kx_err(errmsg, -EINVAL, "no section header table");
	if (shentsize < want_ent)
		return kx_err(errmsg, -EINVAL, "section header size %u too small", shentsize);

	/*
	 * One read for the section headers and, in modules, the section names
	 * that the linker puts just before them.
	 */
	if (src->fd >= 0 && shnum && kx_in_bounds(shoff, shnum * shentsize, src->size)) {
		uint64_t lo = shoff > 4096 ? shoff - 4096 : 0, hi = shoff + shnum * shentsize;
		/* and the module signature that follows them */
		if (src->size - hi <= 16384)
			hi = src->size;
		kx_src_prefetch(src, lo, hi - lo);
	}
	/* Extended numbering: counts too big for the header live in section 0. */
	uint8_t sh0[64];
	if ((r = kx_src_read(src, shoff, want_ent, sh0, errmsg)) < 0)
		return kx_err(errmsg, r, "section header table at 0x%llx is past the end of the file",
		              (unsigned long long)shoff);
	if (shnum == 0)
		shnum = elf->is64 ? kx_get64(sh0 + 32, be) : kx_get32(sh0 + 20, be);
	if (shstrndx == 0xffff)
		shstrndx = kx_get32(sh0 + (elf->is64 ? 40 : 24), be);
	if (shnum == 0 || shnum > KX_MAX_SHNUM)
		return kx_err(errmsg, -EINVAL, "bad section count %llu", (unsigned long long)shnum);
	if (!kx_in_bounds(shoff, shnum * shentsize, src->size))
		return kx_err(errmsg, -EINVAL,
		              "section header table (0x%llx + %llu x %u) is past the end of the file",
		              (unsigned long long)shoff, (unsigned long long)shnum, shentsize);
	if (shstrndx >= shnum)
		return kx_err(errmsg, -EINVAL, "section name table index %u out of range", shstrndx);

	const uint8_t *raw = kx_src_peek(src, shoff, shnum * shentsize);
	uint8_t *rawbuf = NULL;
	elf->sh = kx_src_tmp(src, shnum * sizeof(*elf->sh));
	elf->loaded = kx_src_tmp(src, shnum * sizeof(*elf->loaded));
	uint32_t *name_off = kx_src_tmp(src, shnum * sizeof(*name_off));
	if (!raw)
		raw = rawbuf = kx_src_tmp(src, shnum * shentsize);
	if (!raw || !elf->sh || !elf->loaded || !name_off) {
		kx_elf_close(elf);
		return kx_err(errmsg, -ENOMEM, "out of memory");
	}
	memset(elf->sh, 0, shnum * sizeof(*elf->sh));
	memset(elf->loaded, 0, shnum * sizeof(*elf->loaded));
	elf->shnum = shnum;
	if (rawbuf && (r = kx_src_read(src, shoff, shnum * shentsize, rawbuf, errmsg)) < 0)
		goto fail;
	for (size_t i = 0; i < shnum; i++) {
		const uint8_t *p = raw + i * shentsize;
		struct kx_shdr *s = &elf->sh[i];
		name_off[i] = kx_get32(p, be);
		s->type = kx_get32(p + 4, be);
		if (elf->is64) {
			s->flags = kx_get64(p + 8, be);
			s->addr = kx_get64(p + 16, be);
			s->offset = kx_get64(p + 24, be);
			s->size = kx_get64(p + 32, be);
			s->link = kx_get32(p + 40, be);
			s->info = kx_get32(p + 44, be);
			s->entsize = kx_get64(p + 56, be);
		} else {
			s->flags = kx_get32(p + 8, be);
			s->addr = kx_get32(p + 12, be);
			s->offset = kx_get32(p + 16, be);
			s->size = kx_get32(p + 20, be);
			s->link = kx_get32(p + 24, be);
			s->info = kx_get32(p + 28, be);
			s->entsize = kx_get32(p + 36, be);
		}
		/* SHT_NOBITS occupies no bytes of the file: as data it is empty. */
		if (s->type == KX_SHT_NOBITS)
			s->size = 0;
	}

	const struct kx_shdr *ss = &elf->sh[shstrndx];
	if (ss->type == KX_SHT_NOBITS || !kx_in_bounds(ss->offset, ss->size, src->size)) {
		r = kx_err(errmsg, -EINVAL, "section name table is past the end of the file");
		goto fail;
	}
	/* Names are used in place when the table ends in a NUL, as it does. */
	const char *names = (const char *)kx_src_peek(src, ss->offset, ss->size);
	if (!names || !ss->size || names[ss->size - 1] != '\0') {
		char *copy = kx_src_tmp(src, ss->size + 1);
		if (!copy) {
			r = kx_err(errmsg, -ENOMEM, "out of memory");
			goto fail;
		}
		if ((r = kx_src_read(src, ss->offset, ss->size, copy, errmsg)) < 0)
			goto fail;
		copy[ss->size] = '\0';
		names = copy;
	}
	for (size_t i = 0; i < shnum; i++) {
		const char *n = name_off[i] < ss->size ? names + name_off[i] : "";
		elf->sh[i].name = n;
		if (n[0] == '_' && strncmp(n, "__ksymtab", 9) == 0)
			elf->maybe_ksymtab = true;
	}
	return 0;
fail:
	kx_elf_close(elf);
	return r;
}

/* Everything an elf allocates is the source's, freed when the source closes. */
void kx_elf_close(struct kx_elf *elf)
{
	memset(elf, 0, sizeof(*elf));
}

/* Sections closer than this are read together: a syscall costs as much as
 * copying ~10 KiB when the page cache is in the CPU's cache, less when not
 * (see KX_FIRST_READ in source.c). */
#define KX_COALESCE_GAP ((uint64_t)4 << 10)

struct span {
	uint64_t off, end;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

void kx_elf_preload(struct kx_elf *elf, const bool *want)
{
	struct kx_src *src = elf->src;
	if (src->fd < 0)
		return;
	struct span sp[64];
	size_t n = 0;
	for (size_t i = 1; i < elf->shnum && n < KX_ARRAY_SIZE(sp); i++) {
		const struct kx_shdr *s = &elf->sh[i];
		if (!want[i] || s->type == KX_SHT_NOBITS || s->size == 0 ||
		    !kx_in_bounds(s->offset, s->size, src->size) ||
		    kx_src_peek(src, s->offset, s->size))
			continue;
		sp[n++] = (struct span){ s->offset, s->offset + s->size };
	}
	if (n > 1)
		qsort(sp, n, sizeof(*sp), cmp_span);
	for (size_t i = 0; i < n;) {
		uint64_t lo = sp[i].off, hi = sp[i].end;
		size_t j = i + 1;
		while (j < n && sp[j].off <= hi + KX_COALESCE_GAP) {
			if (sp[j].end > hi)
				hi = sp[j].end;
			j++;
		}
		kx_src_prefetch(src, lo, hi - lo);
		i = j;
	}
}

/*
 * A module has 40 sections and is asked for a dozen names: the first three
 * bytes tell nearly all apart ("__" starts a dozen of them), cheaper than
 * hashing every section's name (which showed in profiles of reading a tree).
 */
int kx_elf_find(const struct kx_elf *elf, const char *name)
{
	for (size_t i = 1; i < elf->shnum; i++) {
		const char *n = elf->sh[i].name;
		if (n[0] == name[0] &&
		    (!n[0] || (n[1] == name[1] && (!n[1] || (n[2] == name[2] && strcmp(n, name) == 0)))))
			return (int)i;
	}
	return -ENOENT;
}

int kx_elf_section(struct kx_elf *elf, size_t idx, const uint8_t **data, char *errmsg)
{
	static const uint8_t empty[1];
	if (idx == 0 || idx >= elf->shnum)
		return kx_err(errmsg, -EINVAL, "section index %zu out of range", idx);
	const struct kx_shdr *s = &elf->sh[idx];
	if (s->type == KX_SHT_NOBITS || s->size == 0) {
		*data = empty;
		return 0;
	}
	if (!kx_in_bounds(s->offset, s->size, elf->src->size))
		return kx_err(errmsg, -EINVAL,
		              "section %s (0x%llx + 0x%llx) is past the end of the %llu-byte file",
		              s->name, (unsigned long long)s->offset, (unsigned long long)s->size,
		              (unsigned long long)elf->src->size);
	const uint8_t *p = kx_src_peek(elf->src, s->offset, s->size);
	if (p) {
		*data = p;
		return 0;
	}
	if (!elf->loaded[idx]) {
		void *buf = kx_src_tmp(elf->src, s->size);
		if (!buf)
			return kx_err(errmsg, -ENOMEM, "out of memory");
		int r = kx_src_read(elf->src, s->offset, s->size, buf, errmsg);
		if (r < 0)
			return r;
		elf->loaded[idx] = buf;
	}
	*data = elf->loaded[idx];
	return 0;
}

int kx_elf_symtab(struct kx_elf *elf, const struct kx_symtab **stp, char *errmsg)
{
	if (elf->have_symtab) {
		*stp = &elf->symtab;
		return 0;
	}
	int idx = -ENOENT;
	for (size_t i = 1; i < elf->shnum; i++)
		if (elf->sh[i].type == KX_SHT_SYMTAB) {
			idx = (int)i;
			break;
		}
	if (idx < 0)
		return idx;
	const struct kx_shdr *st = &elf->sh[idx];
	size_t esz = elf->is64 ? 24 : 16;
	if (st->link == 0 || st->link >= elf->shnum)
		return kx_err(errmsg, -EINVAL, "symbol table has no string table");
	const uint8_t *sd, *strs;
	int r;
	if ((r = kx_elf_section(elf, (size_t)idx, &sd, errmsg)) < 0 ||
	    (r = kx_elf_section(elf, st->link, &strs, errmsg)) < 0)
		return r;
	uint64_t strsize = elf->sh[st->link].size;
	if (check_strtab(strs, strsize, "symbol string table", errmsg) < 0)
		return -EINVAL;
	size_t n = st->size / esz, n_undef = 0;
	bool be = elf->be;
	/* Every name checked, and the named undefined symbols (a module's
	 * imports) counted on the way: one pass over the table, not two. */
	size_t shndx_at = elf->is64 ? 6 : 14;
	for (size_t i = 1; i < n; i++) {
		const uint8_t *p = sd + i * esz;
		uint32_t name = kx_get32(p, be);
		if (name >= strsize)
			return kx_err(errmsg, -EINVAL, "symbol %zu name offset %u out of range", i, name);
		if (kx_get16(p + shndx_at, be) == KX_SHN_UNDEF && strs[name])
			n_undef++;
	}
	elf->symtab = (struct kx_symtab){ sd, n > 1 ? n : 1, (const char *)strs, strsize,
	                                  elf->is64, be, n_undef };
	elf->have_symtab = true;
	*stp = &elf->symtab;
	return 0;
}
