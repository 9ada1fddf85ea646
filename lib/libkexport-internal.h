/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private interfaces of libkexport, grouped by the file that implements them.
 * Tools and tests may use these through the static internal library; they
 * are not part of the shared library's ABI.
 */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkexport.h"

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

/* Bump allocator for strings that live as long as their owner. */
struct kx_arena {
	struct kx_arena_block *head;
};
void *kx_arena_alloc(struct kx_arena *a, size_t size);
const char *kx_arena_strndup(struct kx_arena *a, const char *s, size_t len);
const char *kx_arena_strdup(struct kx_arena *a, const char *s);
void kx_arena_free(struct kx_arena *a);

uint32_t kx_hash(const char *s);

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
 */
struct kx_src {
	const char *path;
	int fd;                /* -1 for memory */
	const uint8_t *mem;
	uint64_t size;
	void *owned;           /* a buffer this source frees */
	/*
	 * Syscalls dominate reading thousands of small modules, so a file
	 * source keeps its first bytes and one prefetched window (the section
	 * headers with the section names just before them) in memory.
	 */
	uint8_t head[64];
	size_t head_len;
	uint8_t *win;
	uint64_t win_off, win_len;
};
/* Read [off, off+len) once into the source's window (files only; best effort). */
void kx_src_prefetch(struct kx_src *src, uint64_t off, uint64_t len);
int kx_src_open_file(struct kx_src *src, const char *path, char *errmsg);
void kx_src_open_mem(struct kx_src *src, const void *data, size_t size, const char *path);
void kx_src_close(struct kx_src *src);
/* Copy [off, off+len) into dst; -EINVAL if out of bounds. */
int kx_src_read(const struct kx_src *src, uint64_t off, size_t len, void *dst, char *errmsg);

enum kexport_compression kx_detect_compression(const uint8_t *p, size_t len);
/*
 * Decompress the first stream of `in` (data after it, as in kernel image
 * payloads, is ignored).  `limit` caps the output (hostile inputs); 0 means
 * the default of 1 GiB.
 */
int kx_decompress(enum kexport_compression c, const uint8_t *in, size_t in_len,
                  size_t limit, uint8_t **out, size_t *out_len, char *errmsg);
/*
 * Open a file and, if it is compressed, decompress it into memory, so that
 * `src` reads the plain content either way.
 */
int kx_src_open_plain(struct kx_src *src, const char *path, enum kexport_compression *comp,
                      char *errmsg);

/* elf.c ------------------------------------------------------------------- */

struct kx_shdr {
	const char *name;
	uint32_t type;
	uint64_t flags, addr, offset, size, entsize;
	uint32_t link, info;
};

struct kx_elf {
	struct kx_src *src;
	bool is64, be;
	uint16_t type, machine;
	struct kx_shdr *sh;
	size_t shnum;
	char *shstrtab;
	void **loaded;          /* per-section data read so far */
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
/* Symbol table: read .symtab and its string table.  n_syms excludes index 0. */
int kx_elf_symbols(struct kx_elf *elf, struct kx_sym **syms, size_t *n_syms, char *errmsg);

/* image.c ---------------------------------------------------------------- */

/* A bzImage, EFI zboot or arm64 Image header at the start of a file. */
bool kx_is_kernel_image(const uint8_t *head, size_t len);

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
int kx_module_read_src(struct kx_src *src, const char *path, const char *owner,
                       enum kexport_compression comp, unsigned flags,
                       struct kexport_module **mod, char *errmsg);
int kx_module_read_path(const char *path, const char *tree, unsigned flags,
                        struct kexport_module **mod, char *errmsg);
/* The Module.symvers owner name of a module file below `tree`. */
char *kx_module_owner(const char *path, const char *tree);

/* ctx.c ------------------------------------------------------------------- */

struct kexport_ctx {
	kexport_diag_fn diag;
	void *diag_data;
	int threads;
	unsigned bad_inputs;
};
void kx_diag(struct kexport_ctx *ctx, const char *path, int err, const char *msg);

/* Run fn(i, arg) for i in [0, n) on the context's threads. */
void kx_parallel_for(const struct kexport_ctx *ctx, size_t n,
                     void (*fn)(size_t i, void *arg), void *arg);

/* walk.c ------------------------------------------------------------------ */

/*
 * Collect module files (.ko, .ko.gz, .ko.xz, .ko.zst) below dir, sorted,
 * following no symlinked directories twice (loops are reported once).
 */
int kx_walk_modules(struct kexport_ctx *ctx, const char *dir, char ***paths, size_t *n);
void kx_free_paths(char **paths, size_t n);
