/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module model: everything the loader and modpost look at in one .ko,
 * read from .modinfo, __versions (and the 6.14+ extended tables), .symtab,
 * the export tables and the signature trailer.
 */
#include <fcntl.h>

#include "libkexport-internal.h"

struct module_priv {
	struct kexport_module pub;
	struct kexport_ctx *ctx;       /* the context it was read with */
	struct kx_arena arena;
	struct kx_elf_check elf_check; /* the loader's ELF validation (elfcheck.c) */
	bool elf_checked;
};

void kx_module_set_ctx(struct kexport_module *m, struct kexport_ctx *ctx)
{
	((struct module_priv *)m)->ctx = ctx;
}

const struct kx_elf_check *kx_module_elf_check(const struct kexport_module *m)
{
	const struct module_priv *p = (const struct module_priv *)m;
	return m->internal && p->elf_checked ? &p->elf_check : NULL;
}

/* What the loader validates: the file, less a signature trailer that
 * mod_check_sig() accepts (module_sig_check() strips the marker always,
 * the signature and its struct module_signature when they fit). */
static uint64_t loader_len(const struct kexport_module *m, uint64_t size)
{
	static const size_t marker = sizeof("~Module signature appended~\n") - 1;
	if (!m->signed_trailer)
		return size;
	size -= marker;
	if (m->sig_params_zero && m->sig_len_ok)
		size -= 12 + (uint64_t)m->sig_len;
	return size;
}

/* include/linux/license.h: an exact, case-sensitive list (kernel-rules.md §1.1). */
static const char *const gpl_compatible_licenses[] = {
	"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL",
};

KX_EXPORT bool kexport_license_gpl_compatible(const char *license)
{
	if (!license)
		return false;
	for (size_t i = 0; i < KX_ARRAY_SIZE(gpl_compatible_licenses); i++)
		if (strcmp(license, gpl_compatible_licenses[i]) == 0)
			return true;
	return false;
}

KX_EXPORT const char *kexport_module_modinfo(const struct kexport_module *m, const char *key)
{
	for (size_t i = 0; i < m->n_modinfo; i++)
		if (strcmp(m->modinfo[i].key, key) == 0)
			return m->modinfo[i].value;
	return NULL;
}

KX_EXPORT void kexport_module_free(struct kexport_module *mod)
{
	if (!mod)
		return;
	struct module_priv *p = (struct module_priv *)mod;
	/* p lives in its own arena */
	struct kx_arena a;
	kx_arena_move(&a, &p->arena);
	kx_arena_free(&a);
}

/* A zeroed module whose arena holds it, on the thread's slab when there is one. */
static struct module_priv *module_new(void)
{
	struct kx_arena a = { .slab = true };
	struct module_priv *p = kx_arena_alloc(&a, sizeof(*p));
	if (!p) {
		kx_arena_free(&a);
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	kx_arena_move(&p->arena, &a);
	return p;
}

static const char *const module_suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };

static size_t strip_module_suffix(const char *s, size_t len)
{
	for (size_t i = 0; i < KX_ARRAY_SIZE(module_suffixes); i++) {
		size_t sl = strlen(module_suffixes[i]);
		if (len > sl && memcmp(s + len - sl, module_suffixes[i], sl) == 0)
			return len - sl;
	}
	return len;
}

/* A module's owner name (kx_module_owner()): where it starts in path, and its length. */
static const char *owner_span(const char *path, const char *tree, size_t *len)
{
	const char *rel = path;
	if (tree) {
		size_t tl = strlen(tree);
		while (tl > 1 && tree[tl - 1] == '/')
			tl--;
		if (strncmp(path, tree, tl) == 0 && path[tl] == '/')
			rel = path + tl + 1;
		while (*rel == '/')
			rel++;
		/* /lib/modules/VER/kernel/drivers/... is drivers/... in Module.symvers */
		if (strncmp(rel, "kernel/", 7) == 0)
			rel += 7;
	} else {
		const char *slash = strrchr(path, '/');
		rel = slash ? slash + 1 : path;
	}
	*len = strip_module_suffix(rel, strlen(rel));
	return rel;
}

char *kx_module_owner(const char *path, const char *tree)
{
	size_t len;
	const char *rel = owner_span(path, tree, &len);
	return strndup(rel, len);
}

/* Module name from the file name, as kmod does: basename, no suffix, '-' as '_'. */
static const char *name_from_path(struct kx_arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *b = slash ? slash + 1 : path;
	size_t len = strip_module_suffix(b, strlen(b));
	char *n = kx_arena_alloc(a, len + 1);
	if (!n)
		return NULL;
	for (size_t i = 0; i < len; i++)
		n[i] = b[i] == '-' ? '_' : b[i];
	n[len] = '\0';
	return n;
}

/* The keys kx_module_read_src() reads, all a KX_READ_VERDICT model keeps. */
static bool verdict_key(const uint8_t *s, size_t len)
{
#define KEY(k) { k, sizeof(k) - 1 }
	static const struct {
		const char *key;
		size_t len;
	} keys[] = { KEY("name"),      KEY("license"),   KEY("vermagic"), KEY("version"),
		     KEY("srcversion"), KEY("intree"),    KEY("retpoline"), KEY("staging"),
		     KEY("livepatch"),  KEY("test"),      KEY("depends"),  KEY("import_ns") };
#undef KEY
	const uint8_t *eq = memchr(s, '=', len);
	size_t kl = eq ? (size_t)(eq - s) : len;
	for (size_t i = 0; i < KX_ARRAY_SIZE(keys); i++)
		if (keys[i].len == kl && memcmp(keys[i].key, s, kl) == 0)
			return true;
	return false;
}

/*
 * .modinfo's entries are copied one after another, each NUL-terminated, and
 * split in place (the first '=' becomes the key's NUL).  With `lean`, only
 * the entries verdict_key() accepts (aliases are most of a driver's .modinfo).
 */
static int parse_modinfo(struct module_priv *p, const uint8_t *d, uint64_t size, bool lean,
                         char *errmsg)
{
	struct kexport_module *m = &p->pub;
	size_t n = 0;
	uint64_t kept = 0;
	for (int pass = 0; pass < 2; pass++) {
		char *copy = NULL;
		if (pass == 1) { /* sized by the first */
			copy = kx_arena_alloc_aligned(&p->arena, kept + 1, 1);
			m->modinfo = kx_arena_alloc(&p->arena, (n ? n : 1) * sizeof(*m->modinfo));
			if (!copy || !m->modinfo)
				return kx_err(errmsg, -ENOMEM, "out of memory");
			n = 0;
		}
		for (uint64_t i = 0; i < size;) {
			if (d[i] == '\0') { /* the loader skips NUL padding between entries */
				i++;
				continue;
			}
			const uint8_t *end = memchr(d + i, '\0', size - i);
			size_t len = end ? (size_t)(end - (d + i)) : (size_t)(size - i);
			if (!lean || verdict_key(d + i, len)) {
				if (pass == 0) {
					kept += len + 1;
				} else {
					memcpy(copy, d + i, len);
					copy[len] = '\0';
					char *eq = memchr(copy, '=', len);
					if (eq)
						*eq = '\0';
					m->modinfo[n] = (struct kexport_modinfo){ copy, eq ? eq + 1 : "" };
					copy += len + 1;
				}
				n++;
			}
			i += len + 1;
		}
	}
	m->n_modinfo = n;
	return 0;
}

/* Collect every value of `key` (or its comma-split parts) into an array. */
static int collect_values(struct module_priv *p, const char *key, bool split,
                          const char ***out, size_t *n_out, char *errmsg)
{
	struct kexport_module *m = &p->pub;
	size_t cap = 0;
	for (size_t i = 0; i < m->n_modinfo; i++)
		if (strcmp(m->modinfo[i].key, key) == 0)
			cap += split ? strlen(m->modinfo[i].value) / 2 + 1 : 1;
	const char **arr = kx_arena_alloc(&p->arena, (cap ? cap : 1) * sizeof(*arr));
	if (!arr)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < m->n_modinfo; i++) {
		if (strcmp(m->modinfo[i].key, key) != 0)
			continue;
		const char *v = m->modinfo[i].value;
		if (!split) {
			arr[n++] = v;
			continue;
		}
		while (*v) {
			const char *c = strchr(v, ',');
			size_t len = c ? (size_t)(c - v) : strlen(v);
			if (len && n < cap) {
				arr[n] = kx_arena_strndup(&p->arena, v, len);
				if (!arr[n++])
					return kx_err(errmsg, -ENOMEM, "out of memory");
			}
			v += len + (c ? 1 : 0);
		}
	}
	*out = arr;
	*n_out = n;
	return 0;
}

/*
 * A module's version entries while it is read, in the source's scratch.
 * Names point into the section data; the model gets a copy of a name only
 * where it keeps one (an import's, and every entry's in a full model), in
 * one block a module: an audit reads 190,000 entries, and a vector push,
 * an arena copy and a memset each showed in profiles.
 */
struct vers_entry {
	const char *name;  /* in the section data, NUL-terminated */
	const char *copy;  /* the model's copy, once made */
	uint32_t len, crc, hash;
	bool extended;     /* from __version_ext_crcs/__version_ext_names */
	bool found;        /* the entry the loader finds for its name (see index_versions()) */
};

struct vers_scan {
	struct vers_entry *e;
	size_t n;
	uint32_t *slots;   /* open addressing on the name's hash, entry index + 1 */
	size_t mask;
};

/* __versions: { unsigned long crc; char name[64 - sizeof(long)]; } (kernel-rules.md §4.2) */
static int parse_versions(struct kexport_module *m, struct kx_elf *elf, struct vers_scan *vs,
                          char *errmsg)
{
	int sec = kx_elf_find(elf, "__versions");
	int cs = kx_elf_find(elf, "__version_ext_crcs");
	int ns = kx_elf_find(elf, "__version_ext_names");
	const uint8_t *d = NULL, *cd = NULL, *nd = NULL;
	uint64_t size = 0, ncrc = 0, nsize = 0;
	size_t w = elf->is64 ? 8 : 4;
	int r;
	if (sec > 0) {
		m->has_versions = true;
		if ((r = kx_elf_section(elf, (size_t)sec, &d, errmsg)) < 0)
			return r;
		size = elf->sh[sec].type == KX_SHT_NOBITS ? 0 : elf->sh[sec].size;
		if (size % 64)
			return kx_err(errmsg, -EINVAL, "__versions size %llu is not a multiple of 64",
			              (unsigned long long)size);
	}
	if (cs > 0 || ns > 0) {
		/* the loader refuses one without the other (kernel-rules.md §4.7) */
		if (cs < 0 || ns < 0)
			return kx_err(errmsg, -EINVAL, "extended version crc+name presence does not match");
		m->has_ext_versions = true;
		if ((r = kx_elf_section(elf, (size_t)cs, &cd, errmsg)) < 0 ||
		    (r = kx_elf_section(elf, (size_t)ns, &nd, errmsg)) < 0)
			return r;
		ncrc = elf->sh[cs].size / 4;
		nsize = elf->sh[ns].size;
	}
	size_t n = (size_t)(size / 64 + ncrc);
	vs->e = kx_src_tmp(elf->src, (n ? n : 1) * sizeof(*vs->e));
	if (!vs->e)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	vs->n = 0;
	for (uint64_t off = 0; off < size; off += 64) {
		const char *name = (const char *)d + off + w;
		const char *nul = memchr(name, '\0', 64 - w);
		if (!nul)
			return kx_err(errmsg, -EINVAL, "__versions entry %llu has no NUL-terminated name",
			              (unsigned long long)(off / 64));
		uint32_t len = (uint32_t)(nul - name);
		vs->e[vs->n++] = (struct vers_entry){
			.name = name, .len = len, .hash = kx_hash_len(name, len),
			.crc = w == 8 ? (uint32_t)kx_get64(d + off, elf->be) : kx_get32(d + off, elf->be),
		};
	}
	for (uint64_t i = 0, pos = 0; i < ncrc; i++) {
		const uint8_t *end = pos < nsize ? memchr(nd + pos, '\0', nsize - pos) : NULL;
		if (!end)
			return kx_err(errmsg, -EINVAL, "more extended version crcs than names");
		const char *name = (const char *)nd + pos;
		uint32_t len = (uint32_t)(end - (nd + pos));
		vs->e[vs->n++] = (struct vers_entry){ .name = name, .len = len,
			                              .hash = kx_hash_len(name, len),
			                              .crc = kx_get32(cd + i * 4, elf->be),
			                              .extended = true };
		pos = (uint64_t)(end - nd) + 1;
	}
	return 0;
}

/*
 * The entry the loader would check for a name: an extended one (they win
 * over __versions, kernel-rules.md §4.3), else the first in file order;
 * with extended tables present, only they are searched.  Modules import
 * hundreds of symbols, so the entries are indexed in a hash table, and each
 * entry the loader would find is marked `found`.
 */
static int index_versions(const struct kexport_module *m, struct kx_src *src,
                          struct vers_scan *vs, char *errmsg)
{
	size_t n_slots = 16;
	while (n_slots < 2 * vs->n)
		n_slots *= 2;
	vs->slots = kx_src_tmp(src, n_slots * sizeof(*vs->slots));
	if (!vs->slots)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	memset(vs->slots, 0, n_slots * sizeof(*vs->slots));
	vs->mask = n_slots - 1;
	for (size_t i = 0; i < vs->n; i++) {
		struct vers_entry *v = &vs->e[i];
		for (size_t h = v->hash & vs->mask;; h = (h + 1) & vs->mask) {
			uint32_t *s = &vs->slots[h];
			if (*s == 0) {
				*s = (uint32_t)i + 1;
				v->found = true;
				break;
			}
			struct vers_entry *o = &vs->e[*s - 1];
			if (o->hash == v->hash && strcmp(o->name, v->name) == 0) {
				if (v->extended && !o->extended) {
					*s = (uint32_t)i + 1;
					o->found = false;
					v->found = true;
				}
				break;
			}
		}
	}
	if (m->has_ext_versions) /* then only they are searched */
		for (size_t i = 0; i < vs->n; i++)
			vs->e[i].found = vs->e[i].found && vs->e[i].extended;
	return 0;
}

static struct vers_entry *find_version(const struct vers_scan *vs, const char *name,
                                       uint32_t hash)
{
	for (size_t h = hash & vs->mask;; h = (h + 1) & vs->mask) {
		uint32_t s = vs->slots[h];
		if (s == 0)
			return NULL;
		struct vers_entry *v = &vs->e[s - 1];
		if (v->hash == hash && strcmp(v->name, name) == 0)
			return v->found ? v : NULL;
	}
}

/*
 * The entries the model keeps, their names copied in one block: all of
 * them, or for a verdict only module_layout's.
 */
static int keep_versions(struct module_priv *p, struct vers_scan *vs, unsigned flags,
                         char *errmsg)
{
	struct kexport_module *m = &p->pub;
	size_t from = 0, keep = vs->n;
	if (flags & KX_READ_VERDICT) {
		for (from = 0; from < vs->n; from++)
			if (!vs->e[from].extended && vs->e[from].len == 13 &&
			    memcmp(vs->e[from].name, "module_layout", 13) == 0)
				break;
		keep = from < vs->n;
	}
	size_t bytes = 0;
	for (size_t i = from; i < from + keep; i++)
		bytes += vs->e[i].len + 1;
	m->versions = kx_arena_alloc(&p->arena, (keep ? keep : 1) * sizeof(*m->versions));
	char *names = kx_arena_alloc_aligned(&p->arena, bytes ? bytes : 1, 1);
	if (!m->versions || !names)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	for (size_t i = from; i < from + keep; i++) {
		struct vers_entry *v = &vs->e[i];
		memcpy(names, v->name, v->len + 1);
		v->copy = names;
		names += v->len + 1;
		m->versions[i - from] = (struct kexport_version){ v->copy, v->crc, v->extended };
	}
	m->n_versions = keep;
	return 0;
}

/* m->internal of a module the reader made */
struct module_internal {
	const uint32_t *import_hashes;
};

const uint32_t *kx_module_import_hashes(const struct kexport_module *m)
{
	const struct module_internal *in = m->internal;
	return in ? in->import_hashes : NULL;
}

/*
 * The undefined symbols, in symbol-table order, each with the version entry
 * the loader would check.  __versions is mostly in the same order as the
 * symbol table, so the entry after the last one found is tried before the
 * hash table (which also spares hashing the import's name: it is the
 * entry's).
 */
static int read_imports(struct module_priv *p, struct kx_elf *elf, struct vers_scan *vs,
                        char *errmsg)
{
	struct kexport_module *m = &p->pub;
	const struct kx_symtab *st;
	int r = kx_elf_symtab(elf, &st, errmsg);
	if (r == -ENOENT)
		return kx_err(errmsg, -EINVAL, "module has no symbol table");
	if (r < 0)
		return r;
	size_t count = st->n_undef;
	struct kx_sym s;
	if ((r = index_versions(m, elf->src, vs, errmsg)) < 0)
		return r;
	m->imports = kx_arena_alloc(&p->arena, (count ? count : 1) * sizeof(*m->imports));
	/* The names' hashes, kept: the verdict engine looks each up in the kernel's table. */
	struct module_internal *in = kx_arena_alloc(&p->arena, sizeof(*in));
	uint32_t *hashes = kx_arena_alloc(&p->arena, (count ? count : 1) * sizeof(*hashes));
	/* the names still to copy: where each is, and how long */
	const char **from = kx_src_tmp(elf->src, (count ? count : 1) * sizeof(*from));
	uint32_t *len = kx_src_tmp(elf->src, (count ? count : 1) * sizeof(*len));
	if (!m->imports || !in || !hashes || !from || !len)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	in->import_hashes = hashes;
	m->internal = in;
	size_t next = 0, bytes = 0;
	for (size_t i = 1; i < st->n; i++) {
		kx_symtab_get(st, i, &s);
		if (s.shndx != KX_SHN_UNDEF || !s.name[0])
			continue;
		if (m->n_imports == count) /* kx_elf_symtab() counted these very entries */
			break;
		size_t k = m->n_imports++;
		struct kexport_import *imp = &m->imports[k];
		*imp = (struct kexport_import){ .weak = s.bind == KX_STB_WEAK };
		struct vers_entry *v = NULL;
		if (next < vs->n && vs->e[next].found && strcmp(vs->e[next].name, s.name) == 0) {
			v = &vs->e[next];
			hashes[k] = v->hash;
		} else {
			hashes[k] = kx_hash(s.name);
			v = vs->n ? find_version(vs, s.name, hashes[k]) : NULL;
		}
		if (v) {
			next = (size_t)(v - vs->e) + 1;
			imp->has_crc = true;
			imp->crc = v->crc;
			imp->name = v->copy; /* the same string: share a kept entry's copy */
		}
		if (!imp->name) {
			from[k] = v ? v->name : s.name;
			len[k] = v ? v->len : (uint32_t)strlen(s.name);
			bytes += len[k] + 1;
		}
	}
	char *names = kx_arena_alloc_aligned(&p->arena, bytes ? bytes : 1, 1);
	if (!names)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	for (size_t k = 0; k < m->n_imports; k++) {
		struct kexport_import *imp = &m->imports[k];
		if (imp->name)
			continue;
		memcpy(names, from[k], len[k] + 1);
		imp->name = names;
		names += len[k] + 1;
	}
	return 0;
}

/* "~Module signature appended~\n" after struct module_signature (kernel-rules.md §5.3). */
static int read_signature(struct kexport_module *m, const struct kx_src *src, char *errmsg)
{
	static const char magic[] = "~Module signature appended~\n";
	const size_t ml = sizeof(magic) - 1;
	uint8_t tail[12 + sizeof(magic)];
	if (src->size < 12 + ml)
		return 0;
	int r = kx_src_read(src, src->size - 12 - ml, 12 + ml, tail, errmsg);
	if (r < 0)
		return r;
	if (memcmp(tail + 12, magic, ml) != 0)
		return 0;
	m->signed_trailer = true;
	m->sig_id_type = tail[2];
	m->sig_len = kx_get32(tail + 8, true);
	/* What mod_check_sig() looks at: every other field of struct
	 * module_signature must be zero, and sig_len must fit in the file. */
	m->sig_params_zero = tail[0] == 0 && tail[1] == 0 && tail[3] == 0 && tail[4] == 0 &&
	                     tail[5] == 0 && tail[6] == 0 && tail[7] == 0;
	uint64_t body = src->size - ml;
	m->sig_len_ok = m->sig_len > 0 && (uint64_t)m->sig_len < body - 12;
	if (m->sig_len_ok && m->sig_len >= 15) {
		/* A PKCS#7 message is a DER SEQUENCE exactly sig_len long whose
		 * first element is the signedData OID 1.2.840.113549.1.7.2;
		 * anything else fails pkcs7_parse_message() with -EBADMSG. */
		static const uint8_t oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
		uint8_t h[16];
		r = kx_src_read(src, body - 12 - m->sig_len, sizeof(h) < m->sig_len ? sizeof(h) : m->sig_len,
		                h, errmsg);
		if (r < 0)
			return r;
		size_t hl = 0, len = 0;
		if (h[0] == 0x30 && h[1] < 0x80) {
			hl = 2;
			len = h[1];
		} else if (h[0] == 0x30 && h[1] >= 0x81 && h[1] <= 0x83) {
			size_t nb = h[1] & 0x7f;
			hl = 2 + nb;
			for (size_t i = 0; i < nb; i++)
				len = len << 8 | h[2 + i];
		}
		m->sig_der = hl && hl + len == m->sig_len &&
		             m->sig_len >= hl + sizeof(oid) && memcmp(h + hl, oid, sizeof(oid)) == 0;
	}
	return 0;
}

static bool is_export_table(const char *name)
{
	return name[0] == '_' && name[1] == '_' && name[2] == 'k' &&
	       (strncmp(name, "__ksymtab", 9) == 0 || strncmp(name, "__kcrctab", 9) == 0);
}

/* Read every section this module read will look at, in as few reads as possible. */
static void preload(struct kx_elf *elf, unsigned flags)
{
	if (elf->src->fd < 0)
		return;
	bool *want = kx_src_tmp(elf->src, elf->shnum * sizeof(*want));
	if (!want)
		return;
	bool exports = false;
	bool full = !(flags & KX_READ_EXPORTS_ONLY);
	for (size_t i = 1; i < elf->shnum; i++) {
		const char *n = elf->sh[i].name;
		want[i] = false;
		/* Every name sought starts "__" or ".m": most sections are passed
		 * on their first two bytes (a tree has 160,000 sections). */
		if (n[0] == '_' && n[1] == '_') {
			want[i] = is_export_table(n);
			if (strncmp(n, "__ksymtab", 9) == 0 && strcmp(n, "__ksymtab_strings") != 0)
				exports = true;
			if (full && strncmp(n, "__version", 9) == 0 &&
			    (strcmp(n + 9, "s") == 0 || strcmp(n + 9, "_ext_crcs") == 0 ||
			     strcmp(n + 9, "_ext_names") == 0))
				want[i] = true;
		} else if (full && n[0] == '.' && n[1] == 'm' && strcmp(n, ".modinfo") == 0) {
			want[i] = true;
		}
	}
	want[0] = false;
	if (!exports && (flags & KX_READ_EXPORTS_ONLY))
		return;
	for (size_t i = 1; i < elf->shnum; i++) {
		const struct kx_shdr *s = &elf->sh[i];
		if (s->type == KX_SHT_SYMTAB) {
			want[i] = true;
			if (s->link < elf->shnum)
				want[s->link] = true;
			break;
		}
	}
	for (size_t i = 1; i < elf->shnum; i++) {
		const struct kx_shdr *s = &elf->sh[i];
		if ((s->type == KX_SHT_RELA || s->type == KX_SHT_REL) && s->info < elf->shnum &&
		    is_export_table(elf->sh[s->info].name))
			want[i] = true;
	}
	kx_elf_preload(elf, want);
}

/*
 * A module kexport cannot read is bad input; what the loader says of it is
 * appended to the reason, in each generation's words, when its ELF checks
 * refuse it: "...; the loader refuses it (-ENOEXEC): "Invalid ELF header
 * magic: != \177ELF" (6.1 and later; 5.10 prints nothing)".
 */
static void say_loader_verdict(struct kx_src *src, char *errmsg)
{
	if (!errmsg)
		return;
	struct kx_elf_check c;
	kx_elf_check(src, src->size, &c);
	const struct kx_elf_fault *f612 = &c.fault[KX_ELF_ORDER_612];
	char m[3][200];
	if (f612->code == KX_ELF_FAULT_NONE && c.strtab.code != KX_ELF_FAULT_NONE &&
	    c.strtab.code != KX_ELF_FAULT_NOMEM &&
	    kx_elf_fault_message(&c.strtab, KX_ELF_ORDER_612, NULL, m[0], sizeof(m[0]))) {
		size_t n = strlen(errmsg);
		snprintf(errmsg + n, KEXPORT_ERRMSG_MAX - n,
		         "; the loader refuses it (-ENOEXEC): \"%s\" (7.x; 6.12 and older do not check it)",
		         m[0]);
		return;
	}
	if (f612->code == KX_ELF_FAULT_NONE || f612->code == KX_ELF_FAULT_NOMEM)
		return;
	bool said[3];
	for (int o = 0; o < KX_ELF_ORDERS; o++)
		said[o] = kx_elf_fault_message(&c.fault[o], (enum kx_elf_order)o, NULL, m[o], sizeof(m[o]));
	size_t n = strlen(errmsg);
	char *e = errmsg + n;
	size_t left = KEXPORT_ERRMSG_MAX - n;
	int w;
	const char *second;
	bool two = kx_elf_fault_second_line(&c.fault[KX_ELF_ORDER_510], KX_ELF_ORDER_510, &second);
	bool same61 = said[KX_ELF_ORDER_61] && strcmp(m[KX_ELF_ORDER_61], m[KX_ELF_ORDER_612]) == 0;
	if (same61 && said[KX_ELF_ORDER_510] && !two &&
	    strcmp(m[KX_ELF_ORDER_510], m[KX_ELF_ORDER_61]) == 0) {
		snprintf(e, left, "; the loader refuses it (-ENOEXEC): \"%s\" (5.10 and later)",
		         m[KX_ELF_ORDER_612]);
		return;
	}
	if (same61)
		w = snprintf(e, left, "; the loader refuses it (-ENOEXEC): \"%s\" (6.1 and later",
		             m[KX_ELF_ORDER_612]);
	else if (said[KX_ELF_ORDER_61])
		w = snprintf(e, left,
		             "; the loader refuses it (-ENOEXEC): \"%s\" (6.12 and later; 6.1: \"%s\"",
		             m[KX_ELF_ORDER_612], m[KX_ELF_ORDER_61]);
	else
		w = snprintf(e, left, "; the loader refuses it (-ENOEXEC): \"%s\" (6.12 and later",
		             m[KX_ELF_ORDER_612]);
	if (w < 0 || (size_t)w >= left)
		return;
	e += w, left -= (size_t)w;
	/* 5.10: its lines, each quoted, or that it prints nothing */
	char l510[sizeof(m[0]) + 64] = "";
	if (said[KX_ELF_ORDER_510])
		snprintf(l510, sizeof(l510), "\"%s\"%s", m[KX_ELF_ORDER_510], two ? " " : "");
	if (two)
		snprintf(l510 + strlen(l510), sizeof(l510) - strlen(l510), "\"%s\"", second);
	snprintf(e, left, l510[0] ? "; 5.10: %s)" : "; 5.10 prints nothing)", l510);
}

int kx_module_read_src(struct kx_src *src, const char *path, const char *owner, size_t owner_len,
                       enum kexport_compression comp, unsigned flags,
                       struct kexport_module **mod, char *errmsg)
{
	struct module_priv *p = module_new();
	if (!p)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	struct kexport_module *m = &p->pub;
	struct kx_elf elf;
	struct kx_vec exps;
	kx_vec_init(&exps, sizeof(struct kexport_export));
	int r = kx_elf_open(&elf, src, errmsg);
	if (r < 0) {
		kexport_module_free(m);
		if (r != -ENOMEM)
			say_loader_verdict(src, errmsg);
		return r;
	}
	if (elf.type != KX_ET_REL) {
		r = kx_err(errmsg, -ENOEXEC, "not a kernel module (ELF type %u, not relocatable)",
		           elf.type);
		goto out;
	}
	m->compression = comp;
	m->elf_class = elf.is64 ? 64 : 32;
	m->big_endian = elf.be;
	m->machine = elf.machine;
	m->path = kx_arena_strdup(&p->arena, path);
	m->owner = kx_arena_strndup(&p->arena, owner, owner_len);
	if (!m->path || !m->owner) {
		r = kx_err(errmsg, -ENOMEM, "out of memory");
		goto out;
	}

	preload(&elf, flags);
	if (flags & KX_READ_EXPORTS_ONLY)
		goto exports;
	int mi = kx_elf_find(&elf, ".modinfo");
	if (mi > 0) {
		const uint8_t *d;
		if ((r = kx_elf_section(&elf, (size_t)mi, &d, errmsg)) < 0)
			goto out;
		uint64_t size = elf.sh[mi].type == KX_SHT_NOBITS ? 0 : elf.sh[mi].size;
		if ((r = parse_modinfo(p, d, size, flags & KX_READ_VERDICT, errmsg)) < 0)
			goto out;
	} else if (!(m->modinfo = kx_arena_alloc(&p->arena, sizeof(*m->modinfo)))) {
		r = kx_err(errmsg, -ENOMEM, "out of memory");
		goto out;
	}
	/* One pass over .modinfo for the keys the model names; the first value
	 * of a key is its value, as kexport_module_modinfo() returns it. */
	const char *intree = NULL, *retpoline = NULL, *staging = NULL, *livepatch = NULL,
		   *test = NULL, *depends = NULL, *import_ns = NULL;
	m->all_licenses_gpl = true;
	for (size_t i = 0; i < m->n_modinfo; i++) {
		const char *k = m->modinfo[i].key, *v = m->modinfo[i].value;
		const char **slot = NULL;
		switch (k[0]) {
		case 'n': slot = strcmp(k, "name") == 0 ? &m->name : NULL; break;
		case 'l':
			if (strcmp(k, "license") == 0) {
				slot = &m->license;
				if (!kexport_license_gpl_compatible(v))
					m->all_licenses_gpl = false;
			} else if (strcmp(k, "livepatch") == 0)
				slot = &livepatch;
			break;
		case 'v':
			slot = strcmp(k, "vermagic") == 0 ? &m->vermagic
			       : strcmp(k, "version") == 0 ? &m->version : NULL;
			break;
		case 's':
			slot = strcmp(k, "srcversion") == 0 ? &m->srcversion
			       : strcmp(k, "staging") == 0 ? &staging : NULL;
			break;
		case 'i':
			slot = strcmp(k, "intree") == 0      ? &intree
			       : strcmp(k, "import_ns") == 0 ? &import_ns : NULL;
			break;
		case 'd': slot = strcmp(k, "depends") == 0 ? &depends : NULL; break;
		case 'r': slot = strcmp(k, "retpoline") == 0 ? &retpoline : NULL; break;
		case 't': slot = strcmp(k, "test") == 0 ? &test : NULL; break;
		}
		if (slot && !*slot)
			*slot = v;
	}
	if (!m->name || !*m->name)
		m->name = name_from_path(&p->arena, path);
	m->gpl_compatible = kexport_license_gpl_compatible(m->license);
	m->intree = intree && strcmp(intree, "Y") == 0;
	m->retpoline = retpoline && strcmp(retpoline, "Y") == 0;
	m->staging = staging && strcmp(staging, "Y") == 0;
	m->livepatch = livepatch && strcmp(livepatch, "Y") == 0;
	m->test = test && strcmp(test, "Y") == 0;
	/* Only keys the pass above saw are collected (import_ns is rare). */
	static const char *none[1];
	m->depends = m->import_ns = none;
	if ((depends &&
	     (r = collect_values(p, "depends", true, &m->depends, &m->n_depends, errmsg)) < 0) ||
	    (import_ns &&
	     (r = collect_values(p, "import_ns", false, &m->import_ns, &m->n_import_ns, errmsg)) < 0))
		goto out;
	/* The sections the loader counts or looks for by name, in one pass. */
	for (size_t i = 1; i < elf.shnum; i++) {
		const struct kx_shdr *sh = &elf.sh[i];
		const char *n = sh->name;
		/* Most names are .text..., .rela..., .data...: their second
		 * character rules them out before any strcmp(). */
		if (n[0] == '.' && n[1] == 'm' && strcmp(n, ".modinfo") == 0)
			m->n_modinfo_sections++;
		else if (n[0] == '.' && n[1] == 'g' && strcmp(n, ".gnu.linkonce.this_module") == 0)
			m->n_this_module_sections++;
		else if (n[0] != '_' || n[1] != '_' || n[2] != 'k')
			continue;
		else if (strcmp(n, "__ksymtab") == 0)
			m->has_ksymtab |= sh->size > 0;
		else if (strcmp(n, "__kflagstab") == 0)
			m->has_kflagstab = true;
		else if (strcmp(n, "__ksymtab_gpl") == 0)
			m->has_ksymtab_gpl = true;
		else if (strcmp(n, "__kcrctab_gpl") == 0)
			m->has_kcrctab_gpl = true;
	}
	m->has_this_module = m->n_this_module_sections > 0;

	/* The imports find their CRCs in every entry; the model then keeps
	 * every entry, or for a verdict only module_layout's. */
	struct vers_scan vs = { 0 };
	if ((r = parse_versions(m, &elf, &vs, errmsg)) < 0 ||
	    (r = keep_versions(p, &vs, flags, errmsg)) < 0 ||
	    (r = read_imports(p, &elf, &vs, errmsg)) < 0)
		goto out;
	if ((r = read_signature(m, src, errmsg)) < 0)
		goto out;
	kx_elf_check(src, loader_len(m, src->size), &p->elf_check);
	p->elf_checked = true;
exports:
	if (!m->name && !(m->name = name_from_path(&p->arena, path))) {
		r = kx_err(errmsg, -ENOMEM, "out of memory");
		goto out;
	}
	if ((r = kx_ksymtab_read(&elf, m->owner, m->path, &p->arena, &exps, errmsg)) < 0)
		goto out;
	m->exports = kx_arena_alloc(&p->arena, (exps.n ? exps.n : 1) * sizeof(*m->exports));
	if (!m->exports) {
		r = kx_err(errmsg, -ENOMEM, "out of memory");
		goto out;
	}
	if (exps.n)
		memcpy(m->exports, exps.items, exps.n * sizeof(*m->exports));
	m->n_exports = exps.n;
out:
	kx_vec_free(&exps);
	kx_elf_close(&elf);
	kx_arena_seal(&p->arena);
	if (r < 0) {
		kexport_module_free(m);
		if (r != -ENOMEM)
			say_loader_verdict(src, errmsg);
		return r;
	}
	*mod = m;
	return 0;
}

int kx_module_read_path(const char *path, const char *tree, unsigned flags,
                        struct kexport_module **mod, char *errmsg)
{
	return kx_module_read_at(AT_FDCWD, path, path, tree, flags, mod, errmsg);
}

int kx_module_read_at(int at, const char *rel, const char *path, const char *tree, unsigned flags,
                      struct kexport_module **mod, char *errmsg)
{
	struct kx_src src;
	enum kexport_compression comp = KEXPORT_COMP_NONE;
	int r = kx_src_open_plain_at(&src, at, rel, path,
	                             flags & KX_READ_REGULAR ? KX_SRC_REGULAR : 0, &comp, errmsg);
	if (r == 0) {
		/* The owner is a span of the path, copied once into the model (a
		 * malloc() a module showed in profiles: its heap pages faulting in). */
		size_t olen;
		const char *owner = owner_span(path, tree, &olen);
		r = kx_module_read_src(&src, path, owner, olen, comp, flags, mod, errmsg);
		kx_src_close(&src);
	}
	/* KX_SRC_REGULAR took a short read for the end of the file; on a
	 * filesystem where it was not, the error is not the module's: read it
	 * again with its size from fstat(), which gives the true verdict. */
	if (r < 0 && (flags & KX_READ_REGULAR))
		return kx_module_read_at(at, rel, path, tree, flags & ~KX_READ_REGULAR, mod, errmsg);
	return r;
}

KX_EXPORT int kexport_module_read(struct kexport_ctx *ctx, const char *path, const char *tree,
                                  struct kexport_module **mod)
{
	if (!ctx)
		return -EINVAL;
	char msg[KEXPORT_ERRMSG_MAX] = "";
	int r = kx_report(ctx, path, kx_module_read_path(path, tree, 0, mod, msg), msg);
	if (r == 0)
		kx_module_set_ctx(*mod, ctx);
	return r;
}

int kx_module_read_mem(const void *data, size_t size, const char *path, const char *tree,
                       struct kexport_module **mod, char *errmsg)
{
	struct kx_src src;
	kx_src_open_mem(&src, data, size, path);
	enum kexport_compression comp = kx_detect_compression(data, size);
	if (comp != KEXPORT_COMP_NONE) {
		uint8_t *out;
		size_t out_len;
		/* A module never decompresses to more than this; fuzzers stay fast. */
		int r = kx_decompress(comp, data, size, (size_t)256 << 20, &out, &out_len,
		                      errmsg);
		if (r < 0)
			return r;
		kx_src_open_mem(&src, out, out_len, path);
		src.owned = out;
	}
	size_t olen;
	const char *owner = owner_span(path, tree, &olen);
	int r = kx_module_read_src(&src, path, owner, olen, comp, 0, mod, errmsg);
	kx_src_close(&src);
	return r;
}

KX_EXPORT int kexport_module_read_mem(struct kexport_ctx *ctx, const void *data, size_t size,
                                      const char *path, const char *tree,
                                      struct kexport_module **mod)
{
	if (!ctx)
		return -EINVAL;
	char msg[KEXPORT_ERRMSG_MAX] = "";
	int r = kx_report(ctx, path, kx_module_read_mem(data, size, path, tree, mod, msg), msg);
	if (r == 0)
		kx_module_set_ctx(*mod, ctx);
	return r;
}
