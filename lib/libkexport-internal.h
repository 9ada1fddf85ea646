/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private interfaces of libkexport, grouped by the file that implements them.
 * Tools and tests may use these through the static internal library; they
 * are not part of the shared library's ABI.
 */
#pragma once

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "libkexport.h"
#include "base/index.h"

#define KX_EXPORT __attribute__((visibility("default")))
#define KX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define KX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* util.c ------------------------------------------------------------------ */

/* Format an error message into errmsg (may be NULL) and return err. */
int kx_err(char *errmsg, int err, const char *fmt, ...) KX_PRINTF(3, 4);

/* Growable array of fixed-size items. */
struct kx_vec {
	void *items;
	size_t n, cap, item_size;
};
void kx_vec_init(struct kx_vec *v, size_t item_size);
/* Returns a pointer to a zeroed new slot, or NULL on ENOMEM. */
void *kx_vec_push(struct kx_vec *v);
void kx_vec_free(struct kx_vec *v);

/*
 * Bump allocator for strings that live as long as their owner.  Zero
 * initialised, blocks are malloc'd, growing.  With `slab` set, inside
 * kx_thread_mem_enter()/_leave(), blocks are carved from the thread's
 * shared huge-page chunks instead: call kx_arena_seal() when done adding
 * (before the next slab arena of the thread is filled) to hand the unused
 * tail back.  Blocks may be freed from any thread.
 */
struct kx_arena {
	struct kx_arena_block *head;
	size_t grown;
	bool slab;
};
void *kx_arena_alloc(struct kx_arena *a, size_t size);   /* 16-byte aligned */
void *kx_arena_alloc_aligned(struct kx_arena *a, size_t size, size_t align);
void kx_arena_seal(struct kx_arena *a);
/* Move an arena to another place (the old one is left empty). */
void kx_arena_move(struct kx_arena *dst, struct kx_arena *src);
const char *kx_arena_strndup(struct kx_arena *a, const char *s, size_t len);
const char *kx_arena_strdup(struct kx_arena *a, const char *s);
void kx_arena_free(struct kx_arena *a);

uint32_t kx_hash(const char *s);
uint32_t kx_hash_len(const char *s, size_t len); /* kx_hash() of a string whose length is known */

/*
 * Libraries opened on first use (dlopen), not linked: loading and relocating
 * a linked library costs every run at start, libcrypto 2.2 ms and the four
 * decompressors 0.5 ms, where most runs use none of them.
 * KX_DLIB(var, soname, FUNCS) defines `var`, a struct of pointers to the
 * functions FUNCS(X) lists (called as var.f(...)), and var_ready(errmsg):
 * true once all are found, else false with errmsg (when not NULL) saying
 * why, and the same answer ever after.
 */
struct kx_dlib {
	const char *soname;
	const char *const *names;          /* NULL-terminated */
	void (*set)(size_t i, void *sym);  /* stores names[i]'s address */
	pthread_mutex_t lock;
	_Atomic int state;                 /* 0 not tried, 1 ready, 2 failed */
	char error[192];
};
bool kx_dlib_ready(struct kx_dlib *d, char *errmsg);
#define KX_STRINGIFY(x) KX_STRINGIFY_(x)
#define KX_STRINGIFY_(x) #x
#define KX_DL_FIELD(f) __typeof__(f) *f;
#define KX_DL_NAME(f) #f,
#define KX_DL_SET(f)                                       \
	if (i-- == 0) {                                    \
		memcpy(&t->f, &sym, sizeof(sym));          \
		return;                                    \
	}
#define KX_DLIB(var, soname, FUNCS)                                                               \
	static struct {                                                                           \
		FUNCS(KX_DL_FIELD)                                                                \
	} var;                                                                                    \
	static void var##_set(size_t i, void *sym)                                                \
	{                                                                                         \
		__typeof__(var) *t = &var;                                                        \
		FUNCS(KX_DL_SET)                                                                  \
	}                                                                                         \
	static const char *const var##_names[] = { FUNCS(KX_DL_NAME) NULL };                      \
	static struct kx_dlib var##_lib = { soname, var##_names, var##_set,                       \
		                            PTHREAD_MUTEX_INITIALIZER, 0, "" };                   \
	__attribute__((unused)) static bool var##_ready(char *errmsg)                              \
	{                                                                                         \
		return kx_dlib_ready(&var##_lib, errmsg);                                         \
	}

/* Room for n exports in the table without growing it again. */
int kx_table_reserve(struct kexport_table *t, size_t n);
/* n lookups, overlapped: out[i] = the entry named *(char **)(base + i * stride),
 * whose kx_hash() is hashes[i]; NULL if none. */
void kx_table_find_many(const struct kexport_table *t, const void *base, size_t stride,
                        const uint32_t *hashes, size_t n, const struct kexport_export **out);

/*
 * Per-thread memory for bulk work (kx_parallel_for() workers enter it): a
 * reusable scratch region and the slab for kx_arena.slab.  Nests.
 */
void kx_thread_mem_enter(void);
void kx_thread_mem_leave(void);
/*
 * Scratch memory for one owner at a time, valid until
 * kx_scratch_release(owner); NULL when not entered, owned by another or
 * full (then use malloc).
 */
void *kx_scratch_alloc(const void *owner, size_t size);
void kx_scratch_release(const void *owner);

/* size bytes on 2 MiB-aligned huge pages where the system has them; NULL on failure. */
void *kx_map_huge(size_t size);
/* Fault in a big buffer that is about to be filled, in one go (best effort). */
void kx_prefault(void *p, size_t len);
/* qsort(), unless base is already in order (checked in one pass): for
 * arrays that usually come sorted (a walk's paths, a section's relocations). */
void kx_sort_unless_sorted(void *base, size_t n, size_t size,
                           int (*cmp)(const void *, const void *));

/*
 * A moment without descriptors (a low ulimit -n; the walk and the other
 * readers hold theirs and give them back as modules are read) is waited
 * out, not reported:
 *     for (int tries = 0; fd < 0 && kx_no_fds(errno) && kx_fds_wait(&tries);)
 *             fd = openat(...);
 * kx_fds_wait() pauses 10 ms and says true, until ~2 s have passed.
 */
bool kx_no_fds(int err);
bool kx_fds_wait(int *tries);

/* stat() says a regular file / a directory (following links). */
bool kx_is_file(const char *path);
bool kx_is_dir(const char *path);

/* Read a whole (small, text) file into memory; *data is malloc'd, NUL-terminated. */
int kx_read_file(const char *path, char **data, size_t *size, char *errmsg);

/* Endian-aware loads from a byte buffer; the caller has checked the bounds. */
static inline uint16_t kx_get16(const uint8_t *p, bool be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}
static inline uint32_t kx_get32(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	          : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t kx_get64(const uint8_t *p, bool be)
{
	return be ? (uint64_t)kx_get32(p, true) << 32 | kx_get32(p + 4, true)
	          : (uint64_t)kx_get32(p + 4, false) << 32 | kx_get32(p, false);
}
/* off + len <= size, without overflow. */
static inline bool kx_in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* source.c ---------------------------------------------------------------- */

/*
 * Where bytes come from: a file read with pread() (only the parts needed),
 * or a buffer in memory (decompressed inputs, fuzzers).
 *
 * Syscalls and page faults dominate reading thousands of small modules, so
 * a file source keeps the ranges it has read (its first bytes, the section
 * headers, coalesced sections) in memory, in the thread's scratch region
 * when there is one, and hands out pointers into them.
 */
#define KX_SRC_RANGES 16
struct kx_src_range {
	const uint8_t *p;
	uint64_t off, len;
};
struct kx_src {
	const char *path;
	int fd;                /* -1 for memory */
	const uint8_t *mem;
	uint64_t size;
	void *owned;           /* a buffer this source frees */
	size_t budget;         /* its share of the decompressed bytes held at once (source.c) */
	struct kx_src_range ranges[KX_SRC_RANGES];
	size_t n_ranges;
	struct kx_src_tmp *tmp; /* malloc'd buffers, freed on close */
};
/* Open a file; flags: KX_SRC_REGULAR when the caller knows it is a regular
 * file: its size is then learnt from a short read, not fstat() (see
 * pread_once() in source.c). */
#define KX_SRC_REGULAR 1u
int kx_src_open_file(struct kx_src *src, const char *path, char *errmsg);
int kx_src_open_file_flags(struct kx_src *src, const char *path, unsigned flags, char *errmsg);
/* The same for `rel`, relative to the directory `at` (a tree's descriptor:
 * the kernel resolves a few components, not the whole path); `path` names
 * it in messages. */
int kx_src_open_at(struct kx_src *src, int at, const char *rel, const char *path, unsigned flags,
                   char *errmsg);
void kx_src_open_mem(struct kx_src *src, const void *data, size_t size, const char *path);
void kx_src_close(struct kx_src *src);
/* Copy [off, off+len) into dst; -EINVAL if out of bounds. */
int kx_src_read(const struct kx_src *src, uint64_t off, size_t len, void *dst, char *errmsg);
/* A pointer to [off, off+len) if it is in memory already, else NULL. */
const uint8_t *kx_src_peek(const struct kx_src *src, uint64_t off, uint64_t len);
/* Read [off, off+len) into memory once (files only; best effort). */
void kx_src_prefetch(struct kx_src *src, uint64_t off, uint64_t len);
/* Memory that lives until kx_src_close(); NULL on ENOMEM. */
void *kx_src_tmp(struct kx_src *src, size_t size);

enum kexport_compression kx_detect_compression(const uint8_t *p, size_t len);
/*
 * Decompress the first stream of `in` (data after it, as in kernel image
 * payloads, is ignored).  `limit` caps the output (hostile inputs); 0 means
 * the default of 1 GiB.
 */
int kx_decompress(enum kexport_compression c, const uint8_t *in, size_t in_len,
                  size_t limit, uint8_t **out, size_t *out_len, char *errmsg);
/* The same with the output's size known (HINT bytes, 0 unknown): one
 * allocation instead of doubling, which peaked at twice a kernel image. */
int kx_decompress_sized(enum kexport_compression c, const uint8_t *in, size_t in_len,
                        size_t limit, size_t hint, uint8_t **out, size_t *out_len,
                        char *errmsg);
/*
 * Open a file and, if it is compressed, decompress it into memory, so that
 * `src` reads the plain content either way.
 */
int kx_src_open_plain(struct kx_src *src, const char *path, unsigned flags,
                      enum kexport_compression *comp, char *errmsg);
int kx_src_open_plain_at(struct kx_src *src, int at, const char *rel, const char *path,
                         unsigned flags, enum kexport_compression *comp, char *errmsg);

/* elfcheck.c -------------------------------------------------------------- */

/* The loader's ELF validation of a module (elfcheck.c): its first failing
 * check in each generation's order. */
enum kx_elf_order { KX_ELF_ORDER_510, KX_ELF_ORDER_61, KX_ELF_ORDER_612, KX_ELF_ORDERS };
enum kx_elf_fault_code {
	KX_ELF_FAULT_NONE,
	KX_ELF_FAULT_LEN,
	KX_ELF_FAULT_MAGIC,
	KX_ELF_FAULT_TYPE,
	KX_ELF_FAULT_ARCH,
	KX_ELF_FAULT_SHENTSIZE,
	KX_ELF_FAULT_SHDR_OVERFLOW,
	KX_ELF_FAULT_SHSTRNDX,
	KX_ELF_FAULT_SHSTR_HDR,
	KX_ELF_FAULT_SHSTR_TYPE,
	KX_ELF_FAULT_SHSTR_EMPTY,
	KX_ELF_FAULT_SHSTR_UNTERMINATED,
	KX_ELF_FAULT_SEC0,
	KX_ELF_FAULT_SYMTAB_LINK,
	KX_ELF_FAULT_SECTION,
	KX_ELF_FAULT_SECTION_NAME,
	KX_ELF_FAULT_MODINFO_TWICE,
	KX_ELF_FAULT_THIS_MODULE_COUNT,
	KX_ELF_FAULT_THIS_MODULE_NOBITS,
	KX_ELF_FAULT_THIS_MODULE_NOALLOC,
	KX_ELF_FAULT_THIS_MODULE_SIZE,
	KX_ELF_FAULT_NO_SYMBOLS,
	KX_ELF_FAULT_NO_THIS_MODULE,
	KX_ELF_FAULT_STRTAB_TYPE,
	KX_ELF_FAULT_STRTAB_EMPTY,
	KX_ELF_FAULT_STRTAB_LEAD,
	KX_ELF_FAULT_STRTAB_UNTERMINATED,
	KX_ELF_FAULT_SYMNAME_OOB,
	KX_ELF_FAULT_NOMEM,
	KX_ELF_FAULT_COUNT
};
struct kx_elf_fault {
	int code;              /* enum kx_elf_fault_code; 0: every check passed */
	uint64_t a, b, c;      /* the numbers its message prints */
};
struct kx_elf_check {
	struct kx_elf_fault fault[KX_ELF_ORDERS];
	/* 6.12+: .gnu.linkonce.this_module's size, when the checks before the
	 * size check passed (this_module_checked). */
	uint64_t this_module_size;
	bool this_module_checked;
	/* 7.x's last checks (elf_validity_cache_strtab()), when those of the
	 * 6.12 order before them passed. */
	struct kx_elf_fault strtab;
};
/* The checks of module M as read (module.c); NULL for a module made by hand. */
const struct kx_elf_check *kx_module_elf_check(const struct kexport_module *m);
/* Replay the checks on SRC, of which the loader sees the first LEN bytes
 * (the signature removed). */
void kx_elf_check(struct kx_src *src, uint64_t len, struct kx_elf_check *out);
/* True for the faults found before the machine is looked at. */
bool kx_elf_fault_before_arch(const struct kx_elf_fault *f);
/* The kernel's line for F in ORDER (NAME: the module's name= or NULL);
 * false when that kernel prints nothing. */
bool kx_elf_fault_message(const struct kx_elf_fault *f, enum kx_elf_order order, const char *name,
                          char *buf, size_t size);
/* A second line the kernel prints after F's (5.10: "Module has invalid ELF
 * structures"): true and *line set, or false. */
bool kx_elf_fault_second_line(const struct kx_elf_fault *f, enum kx_elf_order order,
                              const char **line);
/* What F means, in a few words; NULL for none. */
const char *kx_elf_fault_why(const struct kx_elf_fault *f);

/* btf.c ------------------------------------------------------------------- */

/* The size of struct NAME in the BTF of the ELF file PATH (a vmlinux). */
int kx_btf_struct_size(const char *path, const char *name, uint64_t *size, char *errmsg);

/* elf.c ------------------------------------------------------------------- */

struct kx_shdr {
	const char *name;
	uint32_t type;
	uint64_t flags, addr, offset, size, entsize;
	uint32_t link, info;
};

/* A symbol table as it is in the file; entries are decoded on demand. */
struct kx_symtab {
	const uint8_t *data;
	size_t n;               /* entries, including the null entry 0 */
	const char *strs;       /* NUL-terminated at strsize - 1 */
	uint64_t strsize;
	bool is64, be;
	size_t n_undef;         /* entries with SHN_UNDEF and a non-empty name */
};

struct kx_elf {
	struct kx_src *src;
	bool is64, be;
	uint16_t type, machine;
	struct kx_shdr *sh;
	size_t shnum;
	void **loaded;          /* per-section data read so far */
	struct kx_symtab symtab;
	bool have_symtab;
	bool maybe_ksymtab;     /* a section name starts "__ksymtab" (most modules have none) */
};

#define KX_SHT_PROGBITS 1
#define KX_SHT_SYMTAB 2
#define KX_SHT_STRTAB 3
#define KX_SHT_RELA 4
#define KX_SHT_NOBITS 8
#define KX_SHT_REL 9
#define KX_ET_REL 1
#define KX_ET_EXEC 2
#define KX_ET_DYN 3
#define KX_SHN_UNDEF 0
#define KX_SHN_LORESERVE 0xff00
#define KX_STB_LOCAL 0
#define KX_STB_GLOBAL 1
#define KX_STB_WEAK 2

struct kx_sym {
	const char *name;
	uint64_t value, size;
	uint16_t shndx;
	uint8_t bind, type;
};

int kx_elf_open(struct kx_elf *elf, struct kx_src *src, char *errmsg);
void kx_elf_close(struct kx_elf *elf);
/* Index of the first section with this name, or -ENOENT. */
int kx_elf_find(const struct kx_elf *elf, const char *name);
/* Section contents (NULL-safe for size 0); read once, owned by elf. */
int kx_elf_section(struct kx_elf *elf, size_t idx, const uint8_t **data, char *errmsg);
/*
 * Read the sections marked in want[shnum] now, adjacent ones in one read
 * (files only; best effort: kx_elf_section() reports any problem later).
 */
void kx_elf_preload(struct kx_elf *elf, const bool *want);
/*
 * The symbol table (.symtab and its string table), checked once: every
 * name offset is inside the string table.  -ENOENT without one.
 */
int kx_elf_symtab(struct kx_elf *elf, const struct kx_symtab **st, char *errmsg);
/* Entry i (1 <= i < st->n). */
static inline void kx_symtab_get(const struct kx_symtab *st, size_t i, struct kx_sym *s)
{
	const uint8_t *p = st->data + i * (st->is64 ? 24 : 16);
	bool be = st->be;
	uint8_t info;
	uint32_t name = kx_get32(p, be);
	if (st->is64) {
		info = p[4];
		s->shndx = kx_get16(p + 6, be);
		s->value = kx_get64(p + 8, be);
		s->size = kx_get64(p + 16, be);
	} else {
		s->value = kx_get32(p + 4, be);
		s->size = kx_get32(p + 8, be);
		info = p[12];
		s->shndx = kx_get16(p + 14, be);
	}
	s->name = st->strs + name;
	s->bind = info >> 4;
	s->type = info & 0xf;
}

/* image.c ---------------------------------------------------------------- */

/* kexport_image_extract() without the report (read.c, sig.c probe with it). */
int kx_image_extract(const void *data, size_t size, void **out, size_t *out_size,
                     enum kexport_source_type *type, char *detail, char *errmsg);

/* A bzImage, EFI zboot or arm64 Image header at the start of a file. */
bool kx_is_kernel_image(const uint8_t *head, size_t len);
/* The .config an image embeds (CONFIG_IKCONFIG), gunzipped into *text (malloc'd,
 * not NUL-terminated); -ENOENT when there is none. */
int kx_ikconfig_find(const uint8_t *data, size_t size, char **text, size_t *len, char *errmsg);
int kx_ikconfig_read(const char *path, char **text, size_t *len, char *errmsg);
/* The "Linux version ..." banner of a vmlinux or kernel image, past the tag. */
int kx_image_banner(const char *path, char *out, size_t out_size, char *errmsg);
/* The same in an image already in memory (decompressed). */
int kx_banner_find(const uint8_t *d, size_t size, char *out, size_t out_size, char *errmsg);
/* layout.c ---------------------------------------------------------------- */

/* PATH is a modules directory [ROOT/][usr/]lib/modules/VER: kmod's files
 * or the kernel/ directory of in-tree modules. */
bool kx_is_modules_dir(const char *path);
/* A modules directory's real path: the way up to ROOT ("../../.." or, under
 * usr/, "../../../.."), and a link in it (build, source) resolved inside
 * ROOT when it is absolute. */
const char *kx_root_up(const char *real);
char *kx_resolve_in_root(const char *dir, const char *rel);

/* read.c, text.c ---------------------------------------------------------- */

/* kexport_parse_vmlinux/_symvers/_system_map() without the report. */
int kx_parse_vmlinux(struct kexport_table *table, const void *data, size_t size, const char *path,
                     char *errmsg);
int kx_parse_symvers(struct kexport_table *table, const char *data, size_t size, const char *path,
                     char *errmsg);
int kx_parse_system_map(struct kexport_table *table, const char *data, size_t size,
                        const char *path, bool kallsyms, char *errmsg);

/* kmod's modules.dep and modules.symbols in memory: FN for each module that
 * exports one of NAMES, or is needed by one (read.c; fuzz-kmodindex). */
int kx_kmod_index_wanted(const char *deps, size_t deps_len, char *syms, size_t syms_len,
                         const char *const *names, size_t n_names,
                         int (*fn)(const char *rel, size_t len, void *arg), void *arg,
                         size_t *n_modules, char *errmsg);

/* ksymtab.c --------------------------------------------------------------- */

/*
 * Decode the export tables of a module (ET_REL, via relocations) or vmlinux
 * (ET_EXEC/ET_DYN, via addresses) into `out` (struct kexport_export items;
 * strings in `arena`).  `owner` is stored in every entry.
 */
int kx_ksymtab_read(struct kx_elf *elf, const char *owner, const char *source,
                    struct kx_arena *arena, struct kx_vec *out, char *errmsg);
/* Find export tables in a raw (non-ELF) kernel image such as arm64 Image. */
int kx_ksymtab_scan_raw(const uint8_t *img, size_t size, const char *source,
                        struct kx_arena *arena, struct kx_vec *out, char *detail,
                        char *errmsg);

/* module.c ---------------------------------------------------------------- */

/* Read only what the export table needs: owner and exports. */
#define KX_READ_EXPORTS_ONLY 1u
/* The path is a regular file (from kx_walk_modules()): no fstat() needed. */
#define KX_READ_REGULAR 2u
/* KEXPORT_MODEL_VERDICT: only the modinfo keys and versions a check reads. */
#define KX_READ_VERDICT 4u
int kx_module_read_src(struct kx_src *src, const char *path, const char *owner, size_t owner_len,
                       enum kexport_compression comp, unsigned flags,
                       struct kexport_module **mod, char *errmsg);
int kx_module_read_path(const char *path, const char *tree, unsigned flags,
                        struct kexport_module **mod, char *errmsg);
/* kexport_module_read_mem() without the report. */
int kx_module_read_mem(const void *data, size_t size, const char *path, const char *tree,
                       struct kexport_module **mod, char *errmsg);
/* kx_hash() of each of m's import names, or NULL (a module made by hand). */
const uint32_t *kx_module_import_hashes(const struct kexport_module *m);
/* The same, the file opened as `rel` relative to the directory `at`. */
int kx_module_read_at(int at, const char *rel, const char *path, const char *tree, unsigned flags,
                      struct kexport_module **mod, char *errmsg);
/* The Module.symvers owner name of a module file below `tree`. */
char *kx_module_owner(const char *path, const char *tree);
/* The context a module read by the library keeps (not for one made by hand). */
void kx_module_set_ctx(struct kexport_module *m, struct kexport_ctx *ctx);

/* ctx.c ------------------------------------------------------------------- */

struct kexport_ctx {
	kexport_diag_fn diag;
	void *diag_data;
	int threads;
	enum kexport_model model;
	atomic_uint bad_inputs;   /* reported from worker threads too */
	pthread_key_t last_error; /* the thread's last message: malloc'd KEXPORT_ERRMSG_MAX */
	const struct kexport_kernel *config; /* for source trees */
	bool keys_wanted;     /* an image read for its exports keeps its certificates */
};
/* One input could not be read: counted, kept as the thread's last error,
 * and passed to the diagnostic callback. */
/* A warning through the diagnostic callback (err 0): nothing failed, not counted. */
void kx_warn(struct kexport_ctx *ctx, const char *path, const char *msg);
void kx_diag(struct kexport_ctx *ctx, const char *path, int err, const char *msg);
/* What the diagnostics name data in memory by when no path was given. */
#define KX_MEMORY "(memory)"
/*
 * The report of a public function wrapping an internal kx_ one that took
 * an errmsg: when err < 0, kx_diag() once with path (NULL: KX_MEMORY) and
 * msg (empty or NULL: "out of memory" or strerror()); returns err.  Nothing
 * when err >= 0 or ctx is NULL.
 */
int kx_report(struct kexport_ctx *ctx, const char *path, int err, const char *msg);

/* Run fn(i, arg) for i in [0, n) on the context's threads. */
void kx_parallel_for(const struct kexport_ctx *ctx, size_t n,
                     void (*fn)(size_t i, void *arg), void *arg);

/*
 * A team of the context's threads minus one, all running fn(arg) while the
 * caller does something else: kx_team_init(), then kx_team_start() when
 * there is work for them (once; later calls do nothing);
 * kx_team_finish() runs fn(arg) on the calling thread too and waits for all.
 */
struct kx_team {
	void (*fn)(void *arg);
	void *arg;
	int started;
	bool running;
	pthread_t th[64];
};
void kx_team_init(struct kx_team *team, void (*fn)(void *arg), void *arg);
void kx_team_start(const struct kexport_ctx *ctx, struct kx_team *team);
void kx_team_finish(struct kx_team *team);

/*
 * Work found by a walk on the calling thread and done by a team of the
 * context's threads as it is found: kx_stream_init(), kx_stream_push() each
 * item (the team starts with the second), workers loop on kx_stream_pop()
 * until it returns NULL, kx_stream_finish() (the caller joins the work;
 * stop: items not yet taken are left) and then items[0..n) are the caller's.
 */
struct kx_stream {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void **items;
	size_t n, cap, next;
	bool done;
	const struct kexport_ctx *ctx;
	struct kx_team team;
};
void kx_stream_init(struct kx_stream *st, const struct kexport_ctx *ctx,
                    void (*work)(void *arg), void *arg);
int kx_stream_push(struct kx_stream *st, void *item);
void *kx_stream_pop(struct kx_stream *st);
void kx_stream_finish(struct kx_stream *st, bool stop);

/* walk.c ------------------------------------------------------------------ */

/*
 * Collect module files (.ko, .ko.gz, .ko.xz, .ko.zst) below dir, sorted,
 * following no symlinked directories twice (loops are reported once).
 */
int kx_walk_modules(struct kexport_ctx *ctx, const char *dir, char ***paths, size_t *n);
void kx_free_paths(char **paths, size_t n);
/*
 * The same walk, unsorted: found(path, arg) is lent each module path (valid
 * until it returns) as soon as it is seen; a negative return stops the
 * walk and is returned.
 */
int kx_walk_modules_each(struct kexport_ctx *ctx, const char *dir,
                         int (*found)(const char *path, void *arg), void *arg);
/*
 * The same, also lending the open directory the module is in and its name
 * there: opening `name` relative to kx_dir_fd(d) costs the kernel one
 * lookup where the path costs one per component.  kx_dir_get() keeps the
 * directory open past found()'s return, until the matching kx_dir_put()
 * (from any thread).  *dirs_open counts the directories open (descriptors
 * held), the walk's own included, until the last put.
 */
struct kx_dir;
int kx_walk_modules_in(struct kexport_ctx *ctx, const char *dir,
                       int (*found)(const char *path, struct kx_dir *d, const char *name,
                                    void *arg),
                       void *arg, atomic_size_t *dirs_open);
int kx_dir_fd(const struct kx_dir *d);
void kx_dir_get(struct kx_dir *d);
void kx_dir_put(struct kx_dir *d); /* NULL-safe */

/* table.c --------------------------------------------------------------- */

/* The context the table was made with. */
struct kexport_ctx *kx_table_ctx(const struct kexport_table *t);

/* Two owner names mean the same module (a base name matches its path,
 * '-' and '_' alike), as the table merges them. */
bool kx_same_owner(const char *a, const char *b);

/*
 * Any files below dir whose name want() accepts, unsorted, as
 * kx_walk_modules_each() hands them out; symlinked directories are not
 * entered (source trees link into themselves).
 */
int kx_walk_files_each(struct kexport_ctx *ctx, const char *dir,
                       bool (*want)(const char *name, size_t len),
                       int (*found)(const char *path, void *arg), void *arg);

/* srcscan.c --------------------------------------------------------------- */

/* kexport_src_scan() without the report, for the tree scan and history:
 * the count, or -EINVAL/-ENOMEM with errmsg (256 bytes, may be NULL) set. */
int kx_src_scan(const char *path, const char *buf, size_t len, const char *default_ns,
                kexport_src_export_fn fn, void *arg, char errmsg[256]);

/* srctree.c --------------------------------------------------------------- */

/* Parse Makefile text and evaluate its obj-y/obj-m/lib-y lists (fuzzers):
 * the number of objects named, or a negative errno. */
int kx_src_makefile_fuzz(const char *data, size_t size, const struct kexport_kernel *config);

/* Sized structs (KEXPORT_SIZED in libkexport.h): .sz is their first member. */
static inline size_t kx_sized_sz(const void *p)
{
	size_t sz;
	memcpy(&sz, p, sizeof(sz));
	return sz;
}

/* Set at all (at least .sz itself)?  NULL counts as fine: an optional struct. */
static inline bool kx_sized_ok(const void *p)
{
	return !p || kx_sized_sz(p) >= sizeof(size_t);
}

/* The library's full struct src (`full` bytes) out to the caller's dst, as
 * far as dst's .sz reaches; dst's .sz stays. */
static inline void kx_sized_out(void *dst, const void *src, size_t full)
{
	if (!dst)
		return;
	size_t sz = kx_sized_sz(dst), n = sz < full ? sz : full;
	if (n > sizeof(size_t))
		memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
		       n - sizeof(size_t));
}

/* The caller's src in, as far as its .sz reaches, into the library's full
 * struct dst (the rest zero, .sz the full size). */
static inline void kx_sized_in(void *dst, size_t full, const void *src)
{
	memset(dst, 0, full);
	if (src) {
		size_t sz = kx_sized_sz(src), n = sz < full ? sz : full;
		memcpy(dst, src, n);
	}
	memcpy(dst, &full, sizeof(full));
}

/* read.c, for kmodindex.c: the full read of a source (info the library's
 * full struct), a modules directory's image (its path to free, or NULL),
 * exports added and counted, and what a directory without its image says. */
int kx_read_exports_full(struct kexport_ctx *ctx, struct kexport_table *table, const char *path,
                         struct kexport_source_info *info);
char *kx_read_dir_image(struct kexport_ctx *ctx, struct kexport_table *table, const char *path,
                        struct kexport_source_info *info);
int kx_read_add_all(struct kexport_table *t, const struct kexport_export *e, size_t n,
                    size_t *added);
/* Every module below dir, its exports added (info counts them). */
int kx_read_modules_into(struct kexport_ctx *ctx, struct kexport_table *table, const char *dir,
                         struct kexport_source_info *info);
/* A caller's struct kexport_source_info without its size: said, -EINVAL. */
int kx_info_unsized(struct kexport_ctx *ctx, const char *path);
extern const char kx_no_image_detail[], kx_no_image_msg[];

/* kbuild.c: the Makefile reader ------------------------------------------- */

/* What a Makefile sees of its tree. */
struct kx_kbuild {
	const char *dir;                /* the tree ($(srctree)); NULL: text only, no include */
	const char *srcarch;            /* $(SRCARCH), $(ARCH); NULL: "" */
	const struct kexport_kernel *k; /* CONFIG_ values; NULL: none, every one unknown */
};

/* A Makefile variable, as written (unexpanded). */
struct kx_mk_var {
	char *name;
	char *value;
};

/* One Makefile read: its variables after its conditionals. */
struct kx_mk {
	const struct kx_kbuild *kb;
	const char *dir;       /* relative, "" or "drivers/usb/" (with the slash) */
	struct kx_mk_var *vars;
	size_t n_vars, cap_vars;
	int includes;
	unsigned expansions;   /* nested $(VAR)/$(subst) expansions of one expand() */
};

/* A configuration value for make: "y", "m", text, or "" when off/unknown. */
const char *kx_kbuild_config(const struct kx_kbuild *kb, const char *name);
/* The Kbuild (else Makefile; arch_makefile: the Makefile) of reldir below kb->dir:
 * 0, -ENOENT when neither is there, -ENOMEM.  kx_mk_free() it either way. */
int kx_mk_load(struct kx_mk *m, const struct kx_kbuild *kb, const char *reldir, bool arch_makefile);
/* Read Makefile text (malloc'd, NUL-terminated; freed here) into m. */
int kx_mk_parse_text(struct kx_mk *m, char *data);
struct kx_mk_var *kx_mk_var(struct kx_mk *m, const char *name);
/* s with its $(...) references expanded (malloc'd; NULL: no memory); *unknown
 * (may be NULL) set when one could not be. */
char *kx_mk_expand(struct kx_mk *m, const char *s, bool *unknown);
/* The -DDEFAULT_SYMBOL_NAMESPACE= the expanded variable `name` gives, into ns:
 * its length, 0 when none, -ENOMEM. */
int kx_mk_flags_ns(struct kx_mk *m, const char *name, char *ns, size_t size);
void kx_mk_free(struct kx_mk *m);
/* The DEFAULT_SYMBOL_NAMESPACE a Makefile's text gives file `base` of its directory. */
int kx_src_makefile_ns(const char *data, size_t size, const char *base, char *ns, size_t ns_size);

/* edit.c, kabilist.c: the public functions' bodies, with errmsg ------------ */

/* kexport_edits_add/_parse/_read() without the report. */
int kx_edits_add(struct kexport_edits *e, const char *op, const char *arg, char *errmsg);
int kx_edits_parse(struct kexport_edits *e, const char *data, size_t size, char *errmsg);
int kx_edits_read(struct kexport_edits *e, const char *path, char *errmsg);
/* kexport_symlist_parse/_read() and kexport_severity_parse/_read() without the report. */
int kx_symlist_parse(struct kexport_symlist *l, const char *data, size_t size, char *errmsg);
int kx_symlist_read(struct kexport_symlist *l, const char *path, char *errmsg);
int kx_severity_parse(struct kexport_ctx *ctx, const char *data, size_t size,
                      struct kexport_severity **s, char *errmsg);
int kx_severity_read(struct kexport_ctx *ctx, const char *path, struct kexport_severity **s,
                     char *errmsg);

/* kernel.c ---------------------------------------------------------------- */

/* kexport_kernel_read_config/_parse_config/_add_signing_keys/
 * _parse_signing_keys() without the report (a probed .config that cannot
 * be read is no error). */
int kx_kernel_read_config(struct kexport_kernel *k, const char *path, char *errmsg);
int kx_kernel_parse_config(struct kexport_kernel *k, const char *data, size_t size, char *errmsg);
int kx_kernel_add_signing_keys(struct kexport_kernel *k, const char *path, char *errmsg);
int kx_kernel_parse_signing_keys(struct kexport_kernel *k, const void *data, size_t size,
                                 char *errmsg);

/* rules.c ----------------------------------------------------------------- */

/* Every feature that holds for a kernel, one bit per enum kexport_feature. */
/* The features that hold for a kernel, a bit each: as many as the enum has. */
struct kx_feature_set {
	uint64_t on[(KEXPORT_FEATURE_COUNT + 63) / 64];
};
void kx_features(unsigned version, const char *distro, struct kx_feature_set *set);
static inline bool kx_feature_set_has(const struct kx_feature_set *set, enum kexport_feature f)
{
	return (set->on[f / 64] >> (f % 64)) & 1;
}

/* sig.c ------------------------------------------------------------------- */

/* X.509 certificates a kernel trusts (its builtin keyring). */
struct kx_keyring;
void kx_keyring_free(struct kx_keyring *kr);
size_t kx_keyring_count(const struct kx_keyring *kr);
const char *kx_keyring_name(const struct kx_keyring *kr, size_t i);
/* DER certificates found by their shape in raw bytes; returns how many. */
int kx_keyring_scan(struct kx_keyring **kr, const uint8_t *d, size_t size);
/* PEM, DER (one or more), a kernel image or a vmlinux; returns how many
 * certificates were added, or < 0 with errmsg. *kr is created on demand. */
int kx_keyring_parse(struct kx_keyring **kr, const uint8_t *d, size_t size, char *errmsg);
int kx_keyring_read(struct kx_keyring **kr, const char *path, char *errmsg);
/* Keep the certificates of the image at PATH, decompressed (PLAIN) for
 * another reason, for the next kx_keyring_read() of PATH. */
void kx_keyring_keep_image(const char *path, const uint8_t *plain, size_t size);
/* A whole file, decompressed if it is; *data is malloc'd. */
int kx_read_plain(const char *path, uint8_t **data, size_t *size, char *errmsg);
/* A whole (decompressed) module file against the keys; returns res->err. */
int kx_sig_verify(const struct kx_keyring *kr, const uint8_t *module, size_t size,
                  struct kexport_sig_result *res);

/* loader/fix.c: whether a reason has its fix (tests: every one must). */
bool kx_fix_known(enum kexport_reason reason);

/* diff.c: KEXPORT_CHANGE_* from one export to the other (either may be
 * NULL: added, removed; both NULL: 0). */
unsigned kx_export_changes(const struct kexport_export *before, const struct kexport_export *after);

/* fault.c: fault injection, as SQLite's tests do it ------------------------ */

enum kx_fault_kind { KX_FAULT_ALLOC, KX_FAULT_IO, KX_FAULT_KINDS };
/* As the errno of an I/O fault: a short read or write instead of a failure. */
#define KX_FAULT_SHORT (-1)
/* Which errnos an I/O call can fail with (kx_fault_at). */
#define KX_FAULT_CAN_EIO 1u
#define KX_FAULT_CAN_RETRY 2u /* EINTR, a short transfer */
#define KX_FAULT_CAN_EMFILE 4u
#define KX_FAULT_CAN_ENOSPC 8u
#define KX_FAULT_OPEN (KX_FAULT_CAN_EIO | KX_FAULT_CAN_EMFILE)
#define KX_FAULT_READ (KX_FAULT_CAN_EIO | KX_FAULT_CAN_RETRY)
#define KX_FAULT_WRITE (KX_FAULT_READ | KX_FAULT_CAN_ENOSPC)
#define KX_FAULT_SYNC (KX_FAULT_CAN_EIO | KX_FAULT_CAN_ENOSPC)

#ifdef KEXPORT_FAULT_INJECTION
/*
 * Built with -DKEXPORT_FAULT_INJECTION (the fault tests' copy of the
 * library), every allocation and I/O call of the library's own code goes
 * through fault.c, which can make the Nth one fail.  This header must come
 * after the system headers in each file (it does: see lib-cycles.py).
 */
void kx_fault_set(enum kx_fault_kind kind, long n, int err, bool persistent);
unsigned long kx_fault_calls(enum kx_fault_kind kind);
unsigned long kx_fault_fired(enum kx_fault_kind kind);
int kx_fault_at(enum kx_fault_kind kind, unsigned can);
void *kx_fault_malloc(size_t n);
void *kx_fault_calloc(size_t n, size_t size);
void *kx_fault_realloc(void *p, size_t n);
char *kx_fault_strdup(const char *s);
char *kx_fault_strndup(const char *s, size_t n);
int kx_fault_asprintf(char **out, const char *fmt, ...) KX_PRINTF(2, 3);
int kx_fault_vasprintf(char **out, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void *kx_fault_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int kx_fault_open(const char *path, int flags, ...);
int kx_fault_openat(int dirfd, const char *path, int flags, ...);
ssize_t kx_fault_read(int fd, void *buf, size_t n);
ssize_t kx_fault_pread(int fd, void *buf, size_t n, off_t off);
ssize_t kx_fault_write(int fd, const void *buf, size_t n);
int kx_fault_fsync(int fd);
int kx_fault_rename(const char *from, const char *to);
ssize_t kx_fault_getdents64(int fd, void *buf, size_t n);
#ifndef KX_FAULT_IMPL
#undef malloc
#undef calloc
#undef realloc
#undef strdup
#undef strndup
#define malloc(n) kx_fault_malloc(n)
#define calloc(n, s) kx_fault_calloc(n, s)
#define realloc(p, n) kx_fault_realloc(p, n)
#define strdup(s) kx_fault_strdup(s)
#define strndup(s, n) kx_fault_strndup(s, n)
#define asprintf(...) kx_fault_asprintf(__VA_ARGS__)
#define vasprintf(o, f, a) kx_fault_vasprintf(o, f, a)
#define mmap(a, l, p, f, d, o) kx_fault_mmap(a, l, p, f, d, o)
#define open(...) kx_fault_open(__VA_ARGS__)
#define openat(...) kx_fault_openat(__VA_ARGS__)
#define read(f, b, n) kx_fault_read(f, b, n)
#define pread(f, b, n, o) kx_fault_pread(f, b, n, o)
#define write(f, b, n) kx_fault_write(f, b, n)
#define fsync(f) kx_fault_fsync(f)
#define rename(a, b) kx_fault_rename(a, b)
#define getdents64(f, b, n) kx_fault_getdents64(f, b, n)
#endif
#endif
