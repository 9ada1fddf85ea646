/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkexport: one model of the Linux kernel's symbol exports and modules.
 *
 * Every reader (Module.symvers, vmlinux, compressed kernel images, System.map,
 * /proc/kallsyms, kernel modules, module trees) fills the same two objects:
 *
 *   struct kexport_table   a set of exports (name, kind, namespace, CRC, owner)
 *                          with a name index; merging sources reports conflicts.
 *   struct kexport_module  one .ko: modinfo, imports with their CRCs, its own
 *                          exports, signature trailer.
 *
 * Every command reads those objects and nothing else.
 *
 * Conventions (kmod's): functions that can fail return 0 (or a count) on
 * success and a negative errno on failure; objects come back through
 * out-parameters.  One meaning per errno:
 *   -ENOEXEC   not the format that was expected (not ELF, no kernel inside)
 *   -EINVAL    malformed: an offset or size out of bounds, a bad field
 *   -ENOENT    a file or a needed section is missing
 *   -ENOTSUP   a format or compression this build cannot read
 *   -ENOMEM    out of memory
 *   -EIO, ... from the operating system when reading a file
 * The library never prints.  Problems with one input are passed, as one line
 * naming the input, to the context's diagnostic callback, so a caller can
 * report them and carry on with the other inputs.
 *
 * Strings handed out by the library are owned by the object they came from
 * and live as long as it does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KEXPORT_ERRMSG_MAX 512

/* ------------------------------------------------------------------------ */
/* Export kinds                                                             */

/*
 * How a symbol is exported.  The last three exist only in kernels up to 5.11
 * (kernel-rules.md §2.6); readers keep them when an old input carries them.
 */
enum kexport_kind {
	KEXPORT_KIND_PLAIN = 0,   /* EXPORT_SYMBOL */
	KEXPORT_KIND_GPL,         /* EXPORT_SYMBOL_GPL */
	KEXPORT_KIND_GPL_FUTURE,  /* EXPORT_SYMBOL_GPL_FUTURE */
	KEXPORT_KIND_UNUSED,      /* EXPORT_UNUSED_SYMBOL */
	KEXPORT_KIND_UNUSED_GPL,  /* EXPORT_UNUSED_SYMBOL_GPL */
	KEXPORT_KIND_COUNT
};

/* "EXPORT_SYMBOL_GPL" etc., as Module.symvers writes it. */
const char *kexport_kind_name(enum kexport_kind kind);
/* Short form for tables and JSON: "plain", "gpl", "gpl_future", "unused", "unused_gpl". */
const char *kexport_kind_short(enum kexport_kind kind);
/* Parse the Module.symvers spelling; returns 0 or -EINVAL. */
int kexport_kind_parse(const char *s, size_t len, enum kexport_kind *kind);
/* True for the kinds the loader hides from GPL-incompatible modules. */
bool kexport_kind_gpl_only(enum kexport_kind kind);

/* ------------------------------------------------------------------------ */
/* Exports and the export table                                             */

/* What a source could tell about an export. */
enum {
	KEXPORT_KNOWN_KIND = 1u << 0,
	KEXPORT_KNOWN_NS = 1u << 1,  /* System.map and kallsyms cannot tell namespaces */
	KEXPORT_KNOWN_CRC = 1u << 2, /* no CRC without CONFIG_MODVERSIONS */
};

struct kexport_export {
	const char *name;
	const char *ns;     /* namespace; "" when none (incl. "module:..." namespaces) */
	const char *owner;  /* "vmlinux", or the module as Module.symvers names it:
	                       its path below the tree without ".ko" */
	const char *source; /* the file it was read from */
	uint32_t crc;
	enum kexport_kind kind;
	unsigned known;     /* KEXPORT_KNOWN_* */
};

/* Two sources disagree about a symbol, or two owners export it. */
struct kexport_conflict {
	const struct kexport_export *kept;  /* the entry in the table */
	const struct kexport_export *other; /* the one that was not merged */
	const char *what;                   /* "owner", "kind", "namespace", "crc" */
};

struct kexport_table;

int kexport_table_new(struct kexport_table **table);
void kexport_table_free(struct kexport_table *table);

/*
 * Add an export; strings are copied.  A name already present from the same
 * owner merges: fields the new entry knows and the old one did not are filled
 * in, and a field both know with different values is recorded as a conflict.
 * A name from another owner is recorded as a conflict (the kernel refuses a
 * duplicate export) and not added.  Returns 0, 1 when merged into an existing
 * entry, 2 on a conflict, or -ENOMEM.
 */
int kexport_table_add(struct kexport_table *table, const struct kexport_export *e);
size_t kexport_table_count(const struct kexport_table *table);
/* Entries in the order they were first added, or by name after _sort(). */
const struct kexport_export *kexport_table_get(const struct kexport_table *table, size_t i);
const struct kexport_export *kexport_table_find(const struct kexport_table *table,
                                                const char *name);
void kexport_table_sort(struct kexport_table *table);
size_t kexport_table_conflict_count(const struct kexport_table *table);
const struct kexport_conflict *kexport_table_conflict(const struct kexport_table *table,
                                                      size_t i);

/* ------------------------------------------------------------------------ */
/* Modules                                                                  */

struct kexport_modinfo {
	const char *key;
	const char *value;
};

struct kexport_import {
	const char *name;
	uint32_t crc;     /* from __versions or __version_ext_crcs */
	bool has_crc;
	bool weak;        /* STB_WEAK: the loader accepts it unresolved */
};

/* One __versions (or extended) entry, in file order. */
struct kexport_version {
	const char *name;
	uint32_t crc;
	bool extended;    /* from __version_ext_crcs/__version_ext_names */
};

enum kexport_compression {
	KEXPORT_COMP_NONE = 0,
	KEXPORT_COMP_GZIP,
	KEXPORT_COMP_XZ,
	KEXPORT_COMP_ZSTD,
	KEXPORT_COMP_LZ4,
	KEXPORT_COMP_COUNT
};
const char *kexport_compression_name(enum kexport_compression c);

struct kexport_module {
	const char *path;        /* the file, as given */
	const char *name;        /* modinfo name=, else the file name with '-' as '_' */
	const char *owner;       /* Module.symvers module column: path below the tree, no .ko */
	enum kexport_compression compression;
	int elf_class;           /* 32 or 64 */
	bool big_endian;
	unsigned machine;        /* e_machine */

	struct kexport_modinfo *modinfo; /* every key=value in .modinfo, in order */
	size_t n_modinfo;

	const char *license;     /* the first license= (what the loader reads), or NULL */
	bool gpl_compatible;     /* the loader's verdict on that first licence */
	bool all_licenses_gpl;   /* modpost's: every license= is GPL-compatible */
	const char *vermagic;    /* NULL if absent */
	const char *srcversion;
	const char *version;
	const char **depends;    /* split from depends= */
	size_t n_depends;
	const char **import_ns;  /* every import_ns= */
	size_t n_import_ns;
	bool intree, retpoline, staging, livepatch, test;

	bool signed_trailer;     /* "~Module signature appended~\n" at the end */
	uint32_t sig_len;        /* from the trailer's struct module_signature */
	uint8_t sig_id_type;

	struct kexport_import *imports; /* undefined .symtab symbols, symtab order */
	size_t n_imports;
	struct kexport_version *versions;
	size_t n_versions;
	bool has_versions;       /* a __versions section exists */
	bool has_ext_versions;   /* __version_ext_crcs/__version_ext_names exist */

	struct kexport_export *exports; /* its own __ksymtab* entries */
	size_t n_exports;
	bool has_this_module;    /* .gnu.linkonce.this_module present */
};

/* The first value of a modinfo key, or NULL. */
const char *kexport_module_modinfo(const struct kexport_module *m, const char *key);

/* The licence strings the loader and modpost accept as GPL-compatible. */
bool kexport_license_gpl_compatible(const char *license);

/* ------------------------------------------------------------------------ */
/* Context: diagnostics and threads                                         */

struct kexport_ctx;

/*
 * Called once for each input that could not be read: `path` names it and
 * `msg` says what is wrong, one line without the path.
 */
typedef void (*kexport_diag_fn)(void *data, const char *path, int err, const char *msg);

int kexport_ctx_new(struct kexport_ctx **ctx);
void kexport_ctx_free(struct kexport_ctx *ctx);
void kexport_ctx_set_diag(struct kexport_ctx *ctx, kexport_diag_fn fn, void *data);
/* Worker threads for per-file work; 0 means one per online CPU. */
void kexport_ctx_set_threads(struct kexport_ctx *ctx, int threads);
/* Number of inputs reported to the diagnostic callback so far. */
unsigned kexport_ctx_bad_inputs(const struct kexport_ctx *ctx);

/* ------------------------------------------------------------------------ */
/* Reading sources                                                          */

/* What a source was detected as (from its content, never its name). */
enum kexport_source_type {
	KEXPORT_SOURCE_UNKNOWN = 0,
	KEXPORT_SOURCE_SYMVERS,      /* Module.symvers, vmlinux.symvers */
	KEXPORT_SOURCE_MODULE,       /* .ko, possibly compressed */
	KEXPORT_SOURCE_VMLINUX,      /* ELF vmlinux, stripped or not */
	KEXPORT_SOURCE_BZIMAGE,      /* x86 bzImage */
	KEXPORT_SOURCE_ARM64_IMAGE,  /* arm64 Image, raw or gzip-compressed (vmlinuz) */
	KEXPORT_SOURCE_SYSTEM_MAP,
	KEXPORT_SOURCE_KALLSYMS,
	KEXPORT_SOURCE_BUILD_DIR,    /* a kernel build or headers directory */
	KEXPORT_SOURCE_MODULES_DIR,  /* /lib/modules/VERSION */
	KEXPORT_SOURCE_MODULE_TREE,  /* any directory of modules */
	KEXPORT_SOURCE_COUNT
};
const char *kexport_source_type_name(enum kexport_source_type t);

/* What one call to kexport_read_exports() read. */
struct kexport_source_info {
	enum kexport_source_type type;
	char detail[256];   /* e.g. "vmlinux from xz payload", "4023 modules" */
	size_t n_exports;   /* exports this source contributed */
	size_t n_modules;   /* modules read (directories) */
	size_t n_bad;       /* inputs inside it that could not be read */
};

/*
 * Read every export a source holds into `table`.  Directories are walked;
 * their modules are read with the context's threads, and added in path
 * order, so the result does not depend on scheduling.  Unreadable inputs
 * inside a directory go to the diagnostic callback and are counted in
 * info->n_bad; the call still succeeds.  Returns 0, or a negative errno when
 * `path` itself cannot be read (also reported to the callback).
 */
int kexport_read_exports(struct kexport_ctx *ctx, struct kexport_table *table,
                         const char *path, struct kexport_source_info *info);

/*
 * Read one module.  `tree` is the directory its owner name is relative to
 * (NULL: the owner is the file name without .ko).  On failure, errmsg (if
 * not NULL, KEXPORT_ERRMSG_MAX bytes) says why, without the path.
 */
int kexport_module_read(const char *path, const char *tree, struct kexport_module **mod,
                        char *errmsg);
/* The same from memory (fuzzers, tests); `path` only names it. */
int kexport_module_read_mem(const void *data, size_t size, const char *path,
                            const char *tree, struct kexport_module **mod, char *errmsg);
void kexport_module_free(struct kexport_module *mod);

/*
 * Read every module under a directory (or the one file `path`) with the
 * context's threads.  Modules come back sorted by path; unreadable ones go
 * to the diagnostic callback.  Free with kexport_module_list_free(), also
 * when the call failed but *n_mods > 0 (some modules were read); with
 * *n_mods == 0, *mods is NULL.
 */
int kexport_read_modules(struct kexport_ctx *ctx, const char *path,
                         struct kexport_module ***mods, size_t *n_mods);
void kexport_module_list_free(struct kexport_module **mods, size_t n_mods);

/*
 * Parsers on memory, for tests and fuzzers: each reads one format into the
 * table and returns 0 or a negative errno with errmsg set.
 */
int kexport_parse_symvers(struct kexport_table *table, const char *data, size_t size,
                          const char *path, char *errmsg);
int kexport_parse_system_map(struct kexport_table *table, const char *data, size_t size,
                             const char *path, bool kallsyms, char *errmsg);
int kexport_parse_vmlinux(struct kexport_table *table, const void *data, size_t size,
                          const char *path, char *errmsg);
/* Decompress a bzImage/arm64 vmlinuz payload; *out is malloc'd. */
int kexport_image_extract(const void *data, size_t size, void **out, size_t *out_size,
                          enum kexport_source_type *type, char *detail, char *errmsg);

/* Write one export as a Module.symvers line (without the newline). */
int kexport_format_symvers(const struct kexport_export *e, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
