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
 * Conventions (kmod's):
 *
 * Every object is made with a context (struct kexport_ctx, below), the first
 * parameter of its constructor (kexport_table_new(ctx, &t), ...), and keeps
 * it: the context must outlive the objects made with it.  Every object the
 * library returns has its _free(); other memory it hands back (paths,
 * change lists, images) is freed with kexport_free().
 *
 * Functions that can fail return 0 (or a count) on success and a negative
 * errno on failure; objects come back through out-parameters.  One meaning
 * per errno:
 *   -ENOEXEC   not the format that was expected (not ELF, no kernel inside)
 *   -EINVAL    malformed: an offset or size out of bounds, a bad field
 *   -ENOENT    a file or a needed section is missing
 *   -ENOTSUP   a format or compression this build cannot read
 *   -ENOMEM    out of memory
 *   -EIO, ... from the operating system when reading a file
 *
 * The library never prints and takes no message buffers.  A function that
 * reads or parses input reports each failure once through a context (its
 * object's, or its ctx parameter): one line without the path, with the file
 * or name the function was given ("(memory)" for data in memory that has
 * none), to the context's diagnostic callback, so that a caller can report
 * it and carry on with the other inputs; kexport_ctx_last_error() gives the
 * message to callers without a callback.  Constructors, adders and pure
 * string parsers (kexport_kind_parse(), kexport_history_parse_range())
 * report nothing: their errno says it all.
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

/* The longest message the library reports (kexport_ctx_last_error() keeps
 * it), with its NUL. */
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
struct kexport_ctx;

/* An empty table, keeping ctx: the parsers below report through it.  0,
 * -EINVAL without a ctx, or -ENOMEM. */
int kexport_table_new(struct kexport_ctx *ctx, struct kexport_table **table);
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
/* What-if edits of an export table                                         */

enum kexport_edit_op {
	KEXPORT_EDIT_GPL_ONLY = 0, /* becomes EXPORT_SYMBOL_GPL */
	KEXPORT_EDIT_EXPORT,       /* becomes EXPORT_SYMBOL */
	KEXPORT_EDIT_NS,           /* moves to namespace `ns` ("": none) */
	KEXPORT_EDIT_UNEXPORT,     /* is no longer exported */
};
/* "gpl-only", "export", "ns", "unexport". */
const char *kexport_edit_op_name(enum kexport_edit_op op);

struct kexport_edit {
	enum kexport_edit_op op;
	const char *pattern;     /* a symbol name or an fnmatch(3) glob */
	const char *ns;          /* KEXPORT_EDIT_NS only */
};

/* One export whose kind, namespace or existence an edit list changed. */
struct kexport_edit_change {
	const struct kexport_export *before; /* in the input table */
	const struct kexport_export *after;  /* in the edited table; NULL: unexported */
	size_t edit;                         /* index of the last edit that matched it */
};

/* An ordered list of edits; owns its strings. */
struct kexport_edits;

/* Keeps ctx, which the edits' failures are reported through. */
int kexport_edits_new(struct kexport_ctx *ctx, struct kexport_edits **edits);
void kexport_edits_free(struct kexport_edits *edits);
/*
 * Add one edit: `op` is "gpl-only", "export", "ns" or "unexport" (a leading
 * "--" is accepted), `arg` the symbol or glob, for "ns" SYMBOL=NAMESPACE.
 * Returns 0, or -EINVAL (reported through the edits' context, naming `arg`)
 * or -ENOMEM.
 */
int kexport_edits_add(struct kexport_edits *edits, const char *op, const char *arg);
/*
 * Add the edits of a change file: one "OP ARG" per line, blank lines and
 * '#' comments ignored.  -EINVAL on the first bad line (the edits before it
 * stay added), reported through the edits' context as "line N: ..." for
 * the path "(memory)".
 */
int kexport_edits_parse(struct kexport_edits *edits, const char *data, size_t size);
/* The same from a file, reported for `path`, also when it cannot be read. */
int kexport_edits_read(struct kexport_edits *edits, const char *path);
size_t kexport_edits_count(const struct kexport_edits *edits);
const struct kexport_edit *kexport_edits_get(const struct kexport_edits *edits, size_t i);
/*
 * Apply the edits, in order, to a copy of `in` (its conflicts are not
 * copied): *out is the edited table, *changes (kexport_free() it; NULL
 * when empty) the exports that differ, in the table's order.  `matched`,
 * when not NULL, has one slot per edit and receives how many exports each
 * edit's pattern matched (0: a glob that matched nothing).  `in` must
 * outlive *changes.  Returns 0 or -ENOMEM.
 */
int kexport_edits_apply(const struct kexport_edits *edits, const struct kexport_table *in,
                        struct kexport_table **out, struct kexport_edit_change **changes,
                        size_t *n_changes, size_t *matched);

/* Memory the library hands back that is not an object with its own _free()
 * (kexport_edits_apply()'s changes, kexport_kernel_image()'s path,
 * kexport_image_extract()'s image): the library's allocator frees it. */
void kexport_free(void *p);

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

	/* The signature trailer as the loader's mod_check_sig() sees it. */
	bool sig_params_zero;    /* algo, hash, signer_len, key_id_len, pad all 0 */
	bool sig_len_ok;         /* 0 < sig_len < what precedes the trailer */
	bool sig_der;            /* the signature starts like a DER PKCS#7 message */

	/* The library's own, for its lookups; NULL in a module made by hand. */
	const void *internal;

	/* Export sections the 7.x loader looks at (find_module_sections()):
	 * __ksymtab non-empty, __kflagstab (one flag byte an export), and the
	 * obsolete __ksymtab_gpl/__kcrctab_gpl it warns about and ignores. */
	bool has_ksymtab, has_kflagstab, has_ksymtab_gpl, has_kcrctab_gpl;
	/* Sections of these names, whatever their flags: from 6.12 the loader
	 * wants exactly one of each (elf_validity_cache_index_info/_mod). */
	unsigned n_modinfo_sections, n_this_module_sections;
};

/* The first value of a modinfo key, or NULL. */
const char *kexport_module_modinfo(const struct kexport_module *m, const char *key);

/* The licence strings the loader and modpost accept as GPL-compatible. */
bool kexport_license_gpl_compatible(const char *license);

/* ------------------------------------------------------------------------ */
/* Context: diagnostics and threads                                         */

struct kexport_ctx;

/*
 * Called once for each failure reported through the context (an input that
 * could not be read, a line that does not parse): `path` names the input
 * as the function was given it ("(memory)" for data without a name), `err`
 * is the negative errno, and `msg` says what is wrong, one line without the
 * path, shorter than KEXPORT_ERRMSG_MAX.  `err` 0 is a warning: nothing
 * failed (e.g. a corrupt cache of kexport's own was made again); it is not
 * counted as a bad input.  It may be called from several threads at once
 * (the context's workers, or callers sharing the context).
 */
typedef void (*kexport_diag_fn)(void *data, const char *path, int err, const char *msg);

/* The one constructor without a context.  Free it after every object made
 * with it. */
int kexport_ctx_new(struct kexport_ctx **ctx);
void kexport_ctx_free(struct kexport_ctx *ctx);
/* The diagnostic callback (NULL: none; the reports are still counted and
 * kept as the last error). */
void kexport_ctx_set_diag(struct kexport_ctx *ctx, kexport_diag_fn fn, void *data);
/* Worker threads for per-file work; 0 means one per online CPU. */
void kexport_ctx_set_threads(struct kexport_ctx *ctx, int threads);
/* Number of inputs reported to the diagnostic callback so far (from any
 * thread). */
unsigned kexport_ctx_bad_inputs(const struct kexport_ctx *ctx);
/*
 * The message of the last failure reported through ctx on the calling
 * thread (what the diagnostic callback got, without the path), "" when
 * none: for callers that set no callback.  Successful calls do not clear
 * it.  Valid until the thread's next report through ctx or
 * kexport_ctx_free().  Since: 8
 */
const char *kexport_ctx_last_error(const struct kexport_ctx *ctx);
/*
 * What kexport_read_modules() keeps of each module.  KEXPORT_MODEL_FULL,
 * the default: everything below.  KEXPORT_MODEL_VERDICT: what
 * kexport_loader_check() reads, for checking whole trees: `modinfo` holds
 * only the keys the model names (name, license, vermagic, version,
 * srcversion, intree, retpoline, staging, livepatch, test, depends,
 * import_ns: no alias, parm, firmware ...) and `versions` only the
 * module_layout entry; the imports still carry their CRCs.  Debian's tree
 * then takes a third less memory.
 */
enum kexport_model { KEXPORT_MODEL_FULL, KEXPORT_MODEL_VERDICT };
void kexport_ctx_set_model(struct kexport_ctx *ctx, enum kexport_model model);
/*
 * A kernel image read for its exports keeps its builtin certificates for
 * kexport_kernel's signing keys, which would otherwise decompress it again:
 * for callers that will verify module signatures (check, audit).
 */
void kexport_ctx_keep_signing_keys(struct kexport_ctx *ctx, bool keep);
/*
 * Optional, around a thread's run of many calls (a worker judging a corpus):
 * between them the library keeps the thread's working memory from one call
 * to the next, and carves verdicts from big pages instead of malloc'ing
 * them piece by piece.  Pairs nest.  What was made in between may be freed
 * on any thread, before or after kexport_thread_end().
 */
void kexport_thread_begin(void);
void kexport_thread_end(void);

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
	KEXPORT_SOURCE_SOURCE_TREE,  /* a kernel source tree (export macros) */
	KEXPORT_SOURCE_COUNT
};
const char *kexport_source_type_name(enum kexport_source_type t);

/*
 * Structs the caller allocates and a later library may grow (results and
 * options) start with `sz`, the size the caller was built with, as
 * libbpf's opts do: declare them with KEXPORT_SIZED() (or set .sz to their
 * sizeof), and the library reads or fills only what fits in that size.  A
 * struct whose .sz is not set gets -EINVAL.
 */
#define KEXPORT_SIZED(type, name) struct type name = { .sz = sizeof(struct type) }

/* What one call to kexport_read_exports() read. */
struct kexport_source_info {
	size_t sz;          /* KEXPORT_SIZED(): the size the caller was built with */
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
 * The same for a check that needs only some symbols: when PATH is a modules
 * directory with kmod's indexes (modules.symbols and modules.dep, which
 * depmod writes when a kernel is installed), only the kernel image and the
 * modules exporting one of NAMES (with what they depend on) are read, not
 * the whole compressed tree.  Otherwise it is kexport_read_exports().  A
 * name no module exports is looked up in the image only, as in the full
 * read.
 */
int kexport_read_exports_for(struct kexport_ctx *ctx, struct kexport_table *table,
                             const char *path, const char *const *names, size_t n_names,
                             struct kexport_source_info *info);

/*
 * The kernel image that goes with a /lib/modules/VERSION directory:
 * ../../../boot/{vmlinuz,vmlinux,Image,bzImage}-VERSION of the same root,
 * else build/vmlinux (an absolute build link is taken inside that root).
 * A path to kexport_free(), or NULL when there is none.
 */
char *kexport_kernel_image(const char *modules_dir);
/*
 * The kernel that judges a /lib/modules/VERSION tree: its image
 * (kexport_kernel_image()), else build/Module.symvers.  A path to
 * kexport_free(), or NULL when there is neither.  Since: 7
 */
char *kexport_tree_kernel(const char *modules_dir);

/*
 * Read one module, which keeps ctx.  `tree` is the directory its owner name
 * is relative to (NULL: the owner is the file name without .ko).  Returns 0,
 * or a negative errno reported through ctx for `path`, saying why.
 */
int kexport_module_read(struct kexport_ctx *ctx, const char *path, const char *tree,
                        struct kexport_module **mod);
/* The same from memory (fuzzers, tests); `path` only names it. */
int kexport_module_read_mem(struct kexport_ctx *ctx, const void *data, size_t size,
                            const char *path, const char *tree, struct kexport_module **mod);
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
 * kexport_table_add() of every export of mods, in order, with the same
 * result; the exports the table has already (a tree's modules against their
 * Module.symvers: all of them) are found on ctx's threads.  0 or -ENOMEM.
 */
int kexport_table_add_modules(const struct kexport_ctx *ctx, struct kexport_table *table,
                              struct kexport_module *const *mods, size_t n);

/*
 * Parsers on memory, for tests and fuzzers: each reads one format into the
 * table and returns 0, or a negative errno reported through the table's
 * context for `path` (which also names the exports' source).
 */
int kexport_parse_symvers(struct kexport_table *table, const char *data, size_t size,
                          const char *path);
int kexport_parse_system_map(struct kexport_table *table, const char *data, size_t size,
                             const char *path, bool kallsyms);
int kexport_parse_vmlinux(struct kexport_table *table, const void *data, size_t size,
                          const char *path);
/*
 * Decompress a bzImage/arm64 vmlinuz payload; *out is to be kexport_free()d,
 * `detail` (128 bytes, may be NULL) says what was found.  A negative errno
 * is reported through ctx for the path "(memory)".
 */
int kexport_image_extract(struct kexport_ctx *ctx, const void *data, size_t size, void **out,
                          size_t *out_size, enum kexport_source_type *type, char *detail);

/* Write one export as a Module.symvers line (without the newline). */
int kexport_format_symvers(const struct kexport_export *e, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Kernel source trees                                                      */

/* One export macro found in a source file. */
struct kexport_src_export {
	const char *name;               /* the symbol */
	const char *macro;              /* the macro as written, e.g. "EXPORT_SYMBOL_NS_GPL" */
	enum kexport_kind kind;         /* the library's kind (GPL-only or not, old kinds) */
	const char *ns;                 /* namespace ("module:..." for EXPORT_SYMBOL_FOR_MODULES), or NULL */
	unsigned line;                  /* 1-based line where the macro starts */
	const char *cond;               /* the enclosing preprocessor conditions, e.g.
	                                   "defined(CONFIG_LOCKDEP) && !defined(CONFIG_X)", or NULL */
};
/* Called for each export found; strings valid only during the call. Return nonzero to stop. */
typedef int (*kexport_src_export_fn)(const struct kexport_src_export *e, void *arg);
/*
 * Scan one source file's bytes.  path: for messages and to choose C vs
 * assembler rules (.S); default_ns: the DEFAULT_SYMBOL_NAMESPACE a Makefile's
 * ccflags give this file, or NULL.  Returns the number of exports, or
 * -EINVAL (a binary file, an unterminated comment or macro...) or -ENOMEM,
 * reported through ctx for `path` (NULL: "(memory)").
 */
int kexport_src_scan(struct kexport_ctx *ctx, const char *path, const char *buf, size_t len,
                     const char *default_ns, kexport_src_export_fn fn, void *arg);

struct kexport_kernel;

/* Is dir a kernel source tree (Kbuild, Makefile, include/linux/export.h)? */
bool kexport_is_source_tree(const char *dir);

/*
 * Evaluate a condition as kexport_src_export.cond writes it against a
 * configuration (a whole .config: absent symbols are off).  module: the file
 * is compiled as part of a module (MODULE defined, IS_REACHABLE of =m).
 * Understands defined(), IS_ENABLED(), IS_BUILTIN(), IS_MODULE(),
 * IS_REACHABLE() of CONFIG_ symbols, CONFIG_ values, integers, !, &&, ||,
 * comparisons and parentheses.  Returns 1 true, 0 false, -1 unknown
 * (something else decides; false && unknown is still false).
 */
int kexport_src_cond_eval(const char *cond, const struct kexport_kernel *config, bool module);

/* One export of a source tree. */
struct kexport_src_tree_export {
	const struct kexport_src_export *e;
	const char *file;   /* below the tree, e.g. "kernel/fork.c" */
	int built;          /* with a configuration: 1 built in, 2 in a module, 0 not built,
	                       -1 unknown (a header, or a condition that cannot be evaluated);
	                       without one: -1 */
	int cond_value;     /* kexport_src_cond_eval() of e->cond; -1 without a configuration */
	const char *owner;  /* with a configuration and a built file: "vmlinux" or the module
	                       as Module.symvers names it ("drivers/usb/storage/usb-storage") */
};
typedef int (*kexport_src_tree_fn)(const struct kexport_src_tree_export *x, void *arg);

/*
 * Scan every .c, .h and .S file below a kernel source tree with the
 * context's threads, with the DEFAULT_SYMBOL_NAMESPACE its Makefiles set
 * (ccflags-y, subdir-ccflags-y, CFLAGS_obj.o).  With `config`, also follow
 * the Makefiles from the top Kbuild (obj-y, obj-m, obj-$(CONFIG_X), NAME-y,
 * NAME-objs, ifeq/ifdef) to decide which files are built and as what.
 * fn() is called for every export in path order, then line order; nonzero
 * stops.  Files that cannot be read or scanned go to the diagnostic
 * callback; the scan goes on.  Returns 0 or a negative errno.
 */
int kexport_src_tree_scan(struct kexport_ctx *ctx, const char *dir,
                          const struct kexport_kernel *config,
                          kexport_src_tree_fn fn, void *arg);

/*
 * The configuration kexport_read_exports() evaluates source trees against
 * (not copied; NULL: none, every export is read).  With one, only the
 * exports it builds (or may build) are read, owned by vmlinux or their module.
 */
void kexport_ctx_set_config(struct kexport_ctx *ctx, const struct kexport_kernel *config);

/* ------------------------------------------------------------------------ */
/* The target kernel                                                        */

/* A kernel version as one number, comparable with <, like KERNEL_VERSION(). */
#define KEXPORT_KVER(a, b, c) (((unsigned)(a) << 16) | ((unsigned)(b) << 8) | ((c) > 255 ? 255u : (unsigned)(c)))

/*
 * What the loader needs to know about the kernel besides its exports:
 * release (UTS_RELEASE), version, distribution, configuration and vermagic.
 */
struct kexport_kernel;

/* Keeps ctx: the readers below report through it. */
int kexport_kernel_new(struct kexport_ctx *ctx, struct kexport_kernel **k);
void kexport_kernel_free(struct kexport_kernel *k);
/*
 * Learn what a source path tells: the release from a headers directory's
 * include/generated/utsrelease.h, a /lib/modules/VERSION name or a bzImage's
 * version string; the configuration from the directory's .config or
 * /boot/config-RELEASE beside the image; the vermagic from a module of a
 * /lib/modules tree.  Finding nothing is not an error.
 */
int kexport_kernel_probe(struct kexport_kernel *k, const char *path);
/* "6.1.0-54-amd64"; -EINVAL if no version can be read from it. */
int kexport_kernel_set_release(struct kexport_kernel *k, const char *release);
/* "mainline" or "debian"; -EINVAL otherwise.  Default: guessed from the release. */
int kexport_kernel_set_distro(struct kexport_kernel *k, const char *distro);
/* A configuration value: key with or without "CONFIG_", value "y", "m", "n" or text. */
int kexport_kernel_set_config(struct kexport_kernel *k, const char *key, const char *value);
/* Read a .config file; a failure is reported through k's context for `path`. */
int kexport_kernel_read_config(struct kexport_kernel *k, const char *path);
/* The same from memory (fuzzers, tests), reported for "(memory)". */
int kexport_kernel_parse_config(struct kexport_kernel *k, const char *data, size_t size);
int kexport_kernel_set_vermagic(struct kexport_kernel *k, const char *vermagic);

const char *kexport_kernel_release(const struct kexport_kernel *k); /* NULL if unknown */
unsigned kexport_kernel_version(const struct kexport_kernel *k);     /* 0 if unknown */
const char *kexport_kernel_distro(const struct kexport_kernel *k);
/* The configured value ("y", "m", text), or NULL when unset or unknown. */
const char *kexport_kernel_config(const struct kexport_kernel *k, const char *key);
/* Whether a key has a value or an explicit "is not set" (file or set_config). */
bool kexport_kernel_config_has(const struct kexport_kernel *k, const char *key);
/* Whether a whole .config was read (then absent keys are off). */
bool kexport_kernel_config_known(const struct kexport_kernel *k);
/* The kernel's VERMAGIC_STRING: as set or probed, else built from release
 * and configuration; NULL when the release is unknown. */
const char *kexport_kernel_vermagic(const struct kexport_kernel *k);
/* Where each fact came from, for -v and JSON: "release", "config", "vermagic",
 * "signing-keys" ("N certificates from PATH", or "none: PATH: why" when an
 * image could not be read; empty until the keys were first needed). */
const char *kexport_kernel_origin(const struct kexport_kernel *k, const char *fact);

/*
 * The kernel's builtin trusted keys, which module signatures are verified
 * against.  A probed kernel image or vmlinux (a /lib/modules/RELEASE tree's
 * /boot/vmlinuz-RELEASE, an image given as the source, a build tree's
 * certs/x509_certificate_list) is read for them on first use only.
 * add_signing_keys() reads a PEM or DER file of one or more certificates, or
 * a kernel image, now; it returns how many certificates it added (0 for an
 * image, read on first use), or a negative errno reported through k's
 * context for `path` ("(memory)" for parse_signing_keys()).
 */
int kexport_kernel_add_signing_keys(struct kexport_kernel *k, const char *path);
int kexport_kernel_parse_signing_keys(struct kexport_kernel *k, const void *data, size_t size);
size_t kexport_kernel_signing_key_count(const struct kexport_kernel *k);
/* "CN=Debian Secure Boot CA,O=Debian" */
const char *kexport_kernel_signing_key_name(const struct kexport_kernel *k, size_t i);

/*
 * sizeof(struct module) of this kernel, which the 6.12+ loader compares with
 * a module's .gnu.linkonce.this_module: from the BTF of a vmlinux probed
 * beside the kernel's sources (a build or headers directory's, including
 * the headers' BTF-only one), else from a module of its modules directory,
 * read on first call; 0 when unknown.
 */
uint64_t kexport_kernel_struct_module_size(const struct kexport_kernel *k);

/* What the kernel's verify_pkcs7_signature() makes of a module's signature. */
struct kexport_sig_result {
	size_t sz;             /* KEXPORT_SIZED(): the size the caller was built with */
	int err;               /* 0 verified, -ENODATA unsigned, -ENOKEY no trusted key,
	                        * -EKEYREJECTED bad signature, -ENOPKG unsupported
	                        * algorithm, -EBADMSG malformed */
	char signer[256];      /* the trusted certificate that matched, "" if none */
	char kernel_msg[64];   /* a line the kernel's PKCS#7 code prints, "" if none */
	int kernel_msg_level;  /* its printk level */
	char detail[384];      /* why, in words */
};
/* `data`: the whole module file (decompressed).  Returns res->err. */
int kexport_kernel_verify_module(const struct kexport_kernel *k, const void *data, size_t size,
                                 struct kexport_sig_result *res);

/* ------------------------------------------------------------------------ */
/* The loader's rules across versions                                       */

/*
 * Behaviour of the module loader that changed between kernel versions.  The
 * rules are one table (lib/loader/rules.c) of rows "feature F is on from version A
 * until version B (for distribution D)"; the verdict engine asks the table,
 * never the version.
 */
enum kexport_feature {
	KEXPORT_FEATURE_OLD_EXPORT_KINDS,      /* GPL_FUTURE and UNUSED exports resolve, with warnings */
	KEXPORT_FEATURE_MISSING_CRC_ACCEPTED,  /* import absent from __versions: warn once, accept */
	KEXPORT_FEATURE_NAMESPACES,            /* import_ns checked against the export's namespace */
	KEXPORT_FEATURE_OWNER_TAINT,           /* P inherited from a proprietary owner, or refused */
	KEXPORT_FEATURE_OWNER_MSG_SYMBOL,      /* those messages name the symbol */
	KEXPORT_FEATURE_UNKNOWN_ERR_RET,       /* "Unknown symbol X (err -2)", not "(err 0)" */
	KEXPORT_FEATURE_IGNORE_GOT,            /* _GLOBAL_OFFSET_TABLE_ may stay undefined on x86 */
	KEXPORT_FEATURE_OOT_MESSAGE,           /* "loading out-of-tree module taints kernel." */
	KEXPORT_FEATURE_NAME_TAINT_MESSAGE,    /* "module license taints kernel." for the name rules */
	KEXPORT_FEATURE_TAINT_TEST,            /* test=Y taints N */
	KEXPORT_FEATURE_SIG_REJECTED_MESSAGE,  /* "Loading of ... is rejected", -EKEYREJECTED */
	KEXPORT_FEATURE_LATE_LICENSE_TAINT,    /* taints applied after add_unformed_module */
	KEXPORT_FEATURE_EXTENDED_MODVERSIONS,  /* __version_ext_crcs/__version_ext_names */
	KEXPORT_FEATURE_MODULE_NAMESPACES,     /* "module:" namespaces; importing one is refused */
	KEXPORT_FEATURE_KFLAGSTAB,             /* one __ksymtab, kinds in __kflagstab (7.x) */
	KEXPORT_FEATURE_UNIQUE_SECTIONS,       /* exactly one .modinfo, .gnu.linkonce.this_module */
	KEXPORT_FEATURE_ELF_CHECK_MESSAGES,    /* every ELF validation failure has its message */
	KEXPORT_FEATURE_ELF_STRTAB_CHECKS,     /* the symbol string table's ends and name offsets */
	KEXPORT_FEATURE_NS_STRING_LITERAL,     /* MODULE_IMPORT_NS("NS"): a string literal (6.13) */
	KEXPORT_FEATURE_COUNT
};

struct kexport_rule {
	enum kexport_feature feature;
	unsigned since;        /* KEXPORT_KVER of the first version where it holds */
	unsigned until;        /* first version where it no longer holds; 0: still holds */
	const char *distro;    /* NULL: every kernel; else only that distribution */
	bool on;               /* distribution rows can turn a feature off */
	bool pinned;           /* false: the version is a bound, not the exact release */
	const char *what;      /* one line, with the commit or source that says so */
};

const char *kexport_feature_name(enum kexport_feature f);
size_t kexport_rule_count(void);
const struct kexport_rule *kexport_rule_get(size_t i);
/* Does `f` hold in kernel `version` of `distro` ("mainline", "debian", NULL)? */
bool kexport_feature_on(enum kexport_feature f, unsigned version, const char *distro);

/* ------------------------------------------------------------------------ */
/* The loader's verdict                                                     */

/* Taint bits, numbered as kernel/panic.c numbers them. */
enum {
	KEXPORT_TAINT_PROPRIETARY = 0,  /* P */
	KEXPORT_TAINT_FORCED = 1,       /* F */
	KEXPORT_TAINT_CRAP = 10,        /* C: staging */
	KEXPORT_TAINT_OOT = 12,         /* O */
	KEXPORT_TAINT_UNSIGNED = 13,    /* E */
	KEXPORT_TAINT_LIVEPATCH = 15,   /* K */
	KEXPORT_TAINT_TEST = 18,        /* N */
};
/* The letters of the set bits in the kernel's order ("POE"); module_only:
 * only the flags shown per module, as /sys/module/NAME/taint does. */
const char *kexport_taint_letters(unsigned long mask, bool module_only, char *buf, size_t size);

/* Why a module is refused or tainted. */
enum kexport_reason {
	KEXPORT_REASON_MISSING,           /* no export of that name */
	KEXPORT_REASON_GPL_ONLY,          /* GPL-only export hidden from a non-GPL module */
	KEXPORT_REASON_PROPRIETARY_OWNER, /* GPL-only user importing from a proprietary module */
	KEXPORT_REASON_INHERITED_TAINT,   /* importing from a proprietary module: P inherited */
	KEXPORT_REASON_CRC_MISMATCH,
	KEXPORT_REASON_CRC_MISSING,       /* the import has no __versions entry */
	KEXPORT_REASON_NO_VERSIONS,       /* no __versions at all: a forced load */
	KEXPORT_REASON_NS_NOT_IMPORTED,
	KEXPORT_REASON_NS_MODULE_SCOPE,   /* a module: namespace that does not name this module */
	KEXPORT_REASON_NS_MODULE_IMPORT,  /* import_ns=module:... is refused */
	KEXPORT_REASON_VERMAGIC,
	KEXPORT_REASON_NO_VERMAGIC,       /* a forced load */
	KEXPORT_REASON_LAYOUT,            /* module_layout: struct module's version */
	KEXPORT_REASON_SIGNATURE_POLICY,  /* no usable signature and signatures are enforced */
	KEXPORT_REASON_SIGNATURE_INVALID, /* a malformed signature is always fatal */
	KEXPORT_REASON_UNSIGNED,          /* E */
	KEXPORT_REASON_LICENSE,           /* P from the licence */
	KEXPORT_REASON_LICENSE_NAME,      /* P from the module's name (driverloader, lve, ndiswrapper) */
	KEXPORT_REASON_OUT_OF_TREE,       /* O */
	KEXPORT_REASON_STAGING,           /* C */
	KEXPORT_REASON_LIVEPATCH,         /* K, or refused without livepatch support */
	KEXPORT_REASON_TEST,              /* N */
	KEXPORT_REASON_RETPOLINE,         /* a warning, no taint */
	KEXPORT_REASON_EXPORTS_NO_CRC,    /* exports without CRCs: a forced load */
	KEXPORT_REASON_OLD_KIND,          /* GPL_FUTURE / UNUSED export used (old kernels) */
	KEXPORT_REASON_DUPLICATE_EXPORT,
	KEXPORT_REASON_ALREADY_LOADED,
	KEXPORT_REASON_NOT_A_MODULE,      /* no .gnu.linkonce.this_module or no symbols */
	KEXPORT_REASON_DEPENDENCY,        /* the module owning an import would be refused */
	KEXPORT_REASON_NO_KFLAGSTAB,      /* 7.x: exports without __kflagstab */
	KEXPORT_REASON_BAD_ELF,           /* the loader's ELF validation fails (-ENOEXEC) */
	KEXPORT_REASON_COUNT
};
/* "MISSING", "GPL_ONLY", ... */
const char *kexport_reason_name(enum kexport_reason r);

struct kexport_problem {
	enum kexport_reason reason;
	bool fatal;               /* this alone makes the load fail */
	const char *symbol;       /* NULL when not about one import */
	const char *explanation;  /* kexport's own one line */
};

/* The fix of problem i of a verdict: what to change so that it goes away, in
 * the module maintainer's terms (MODULE_IMPORT_NS("NS") for this kernel, the
 * headers package to rebuild against, the licences the loader accepts), or
 * why nothing in the module can.  Every reason has one.  Since: 9 */
struct kexport_verdict;
const char *kexport_verdict_fix(const struct kexport_verdict *v, size_t i);

struct kexport_verdict {
	const char *module;              /* the name the kernel uses */
	bool loads;
	int err;                         /* init_module's result: 0 or -errno */
	unsigned long module_taint;      /* bits; meaningful when it loads */
	unsigned long kernel_taint_before, kernel_taint_after;
	const char **log;                /* the kernel's lines, in order, no newline */
	size_t n_log;
	struct kexport_problem *problems;
	size_t n_problems;
	const char **needs;              /* modules modprobe loads first for its imports */
	size_t n_needs;
	/* How the signature was judged: "verified against the kernel's builtin
	 * key CN=...", "assumed valid: ...", or NULL for an unsigned module. */
	const char *signature;
};
void kexport_verdict_free(struct kexport_verdict *v);

/* finit_module flags the loader honours. */
enum {
	KEXPORT_LOAD_IGNORE_MODVERSIONS = 1, /* MODULE_INIT_IGNORE_MODVERSIONS */
	KEXPORT_LOAD_IGNORE_VERMAGIC = 2,    /* MODULE_INIT_IGNORE_VERMAGIC */
};

/*
 * Which appended signatures the kernel's keyring accepts.  VERIFY (the
 * loader's default) checks each signature against the kernel's trusted
 * certificates when they are known and falls back to SAME_BUILD when not;
 * the others are policies that do no cryptography.
 */
enum kexport_sig_trust {
	KEXPORT_SIG_TRUST_SAME_BUILD = 0, /* signed, and vermagic names the kernel's release */
	KEXPORT_SIG_TRUST_ALL,
	KEXPORT_SIG_TRUST_NONE,           /* every signature's key is unavailable */
	KEXPORT_SIG_TRUST_VERIFY,
};

/*
 * A simulated kernel: its exports, configuration and rules, its taint, and
 * the modules loaded into it.  `kernel` and `exports` are not copied and must
 * outlive the loader, which keeps ctx.  Exports owned by modules in `exports`
 * are supplied as modprobe supplies them: their owner is loaded first (see
 * `needs`).
 */
struct kexport_loader;

int kexport_loader_new(struct kexport_ctx *ctx, struct kexport_loader **l,
                       const struct kexport_kernel *kernel, const struct kexport_table *exports);
void kexport_loader_free(struct kexport_loader *l);
void kexport_loader_set_taint(struct kexport_loader *l, unsigned long mask);
unsigned long kexport_loader_taint(const struct kexport_loader *l);
void kexport_loader_set_sig_trust(struct kexport_loader *l, enum kexport_sig_trust trust);
/*
 * For exports owned by modules of the table: the owner's taint once loaded
 * (return 0), or that it would be refused (return < 0).  Default: every
 * owner loads untainted.  `owner` is the table's owner string.
 */
typedef int (*kexport_owner_fn)(void *data, const char *owner, unsigned long *taint);
void kexport_loader_set_owner_fn(struct kexport_loader *l, kexport_owner_fn fn, void *data);
/* What loading `m` now would do; the loader does not change. */
int kexport_loader_check(struct kexport_loader *l, const struct kexport_module *m,
                         unsigned flags, struct kexport_verdict **v);
/* The same, and keep the outcome: the kernel's taint and, if it loads, the
 * module and its exports.  `m` must outlive the loader. */
int kexport_loader_load(struct kexport_loader *l, const struct kexport_module *m,
                        unsigned flags, struct kexport_verdict **v);

/* ------------------------------------------------------------------------ */
/* Judging a corpus                                                         */

/*
 * Every module of a corpus against one loader, as modprobe would load them:
 * a module whose imports an owner in the corpus exports gets that owner's
 * refusal (the import does not resolve) or its taint.  On the context's
 * threads: every module is checked at once assuming each owner loads
 * untainted, then the importers of owners that do not are checked again,
 * owners first.  The loader's owner callback is the judge's while it runs;
 * the loader does not change.  `mods` (and its modules) must outlive the
 * judge.  Since: 7
 */
struct kexport_judge;
int kexport_judge_new(struct kexport_ctx *ctx, struct kexport_loader *loader,
                      struct kexport_module *const *mods, size_t n, unsigned flags,
                      struct kexport_judge **j);
/* Keep which owners each check asked about: what a second pass needs. */
void kexport_judge_record_owners(struct kexport_judge *j);
/*
 * Make j a second pass over the same modules after an edit of the loader's
 * table: `before` ran with record_owners; touched[i] is set for each module
 * importing or exporting an edited symbol.  Any other module is judged again
 * only when an owner of its imports changed outcome (loads, taint); else it
 * keeps before's verdict, which j then shares: before must outlive j.
 * -EINVAL when before does not fit.
 */
int kexport_judge_set_before(struct kexport_judge *j, const struct kexport_judge *before,
                             const unsigned char *touched);
/* Judge every module once: 0, -ENOMEM, -EINVAL (ran already). */
int kexport_judge_run(struct kexport_judge *j);
/* The verdict of mods[i] (NULL: none, out of memory), owned by the judge. */
const struct kexport_verdict *kexport_judge_verdict(const struct kexport_judge *j, size_t i);
/* How many verdicts this pass computed itself (not reused from before). */
size_t kexport_judge_checked(const struct kexport_judge *j);
void kexport_judge_free(struct kexport_judge *j);

/* ------------------------------------------------------------------------ */
/* Symbol lists and severity rules (kABI policy files)                      */

/*
 * A set of symbol names: a kABI stablelist.  Read from Red Hat's
 * kabi_stablelist_ARCH format ("[rhel9_x86_64_stablelist]" section headers,
 * then one symbol per line indented with a tab) or a plain list (one symbol
 * per line); '#' starts a comment in both.  Since: 3
 */
struct kexport_symlist;

/* Keeps ctx, which its parsers report through. */
int kexport_symlist_new(struct kexport_ctx *ctx, struct kexport_symlist **l);
void kexport_symlist_free(struct kexport_symlist *l);
/* Add one name (copied); returns 0, or -ENOMEM. */
int kexport_symlist_add(struct kexport_symlist *l, const char *name);
/* Parse a stablelist from memory into l; -EINVAL on garbage, reported
 * through l's context ("line N: ...", for the path "(memory)"). */
int kexport_symlist_parse(struct kexport_symlist *l, const char *data, size_t size);
/* The same from a file, reported for `path`. */
int kexport_symlist_read(struct kexport_symlist *l, const char *path);
bool kexport_symlist_has(const struct kexport_symlist *l, const char *name);
size_t kexport_symlist_count(const struct kexport_symlist *l);

/*
 * Severity rules in the format of SUSE's kabi/severities (kabi.pl,
 * ksymvers): one "PATTERN PASS|FAIL" per line, '#' comments.  A pattern with
 * a '/' or equal to "vmlinux" matches the export's owner (module path), one
 * without lower-case letters its namespace (only exports that have one),
 * anything else its name; '*' and '?' are wildcards.  Rules are ordered:
 * the first that matches decides.  Since: 3
 */
struct kexport_severity;

/* The rules, which keep ctx; -EINVAL on a malformed line, reported through
 * ctx ("line N: ...", for the path "(memory)"; _read(): for `path`). */
int kexport_severity_parse(struct kexport_ctx *ctx, const char *data, size_t size,
                           struct kexport_severity **s);
int kexport_severity_read(struct kexport_ctx *ctx, const char *path, struct kexport_severity **s);
void kexport_severity_free(struct kexport_severity *s);
size_t kexport_severity_count(const struct kexport_severity *s);
/*
 * The first rule matching an export: 1 FAIL, 0 PASS, -ENOENT when none
 * matches.  *rule (may be NULL) gets the rule's text ("drivers/scsi/... FAIL",
 * owned by s) and *line its line number.
 */
int kexport_severity_match(const struct kexport_severity *s, const struct kexport_export *e,
                           const char **rule, size_t *line);

/* ------------------------------------------------------------------------ */
/* Comparing two export tables (kABI diff)                                  */

/* The classes of a difference; one symbol can be in several (bits). */
enum kexport_change {
	KEXPORT_CHANGE_ADDED = 1u << 0,
	KEXPORT_CHANGE_REMOVED = 1u << 1,
	KEXPORT_CHANGE_KIND_TIGHTENED = 1u << 2, /* became GPL-only: breaks non-GPL users */
	KEXPORT_CHANGE_KIND_LOOSENED = 1u << 3,  /* no longer GPL-only */
	KEXPORT_CHANGE_KIND_CHANGED = 1u << 4,   /* another kind, same GPL-ness (UNUSED, GPL_FUTURE) */
	KEXPORT_CHANGE_NS_ADDED = 1u << 5,
	KEXPORT_CHANGE_NS_REMOVED = 1u << 6,
	KEXPORT_CHANGE_NS_CHANGED = 1u << 7,
	KEXPORT_CHANGE_CRC_CHANGED = 1u << 8,
	KEXPORT_CHANGE_OWNER_MOVED = 1u << 9,    /* vmlinux <-> module, module <-> module */
	KEXPORT_CHANGE_MODULE_ADDED = 1u << 10,  /* module lists only */
	KEXPORT_CHANGE_MODULE_REMOVED = 1u << 11,
	KEXPORT_CHANGE_MOVED = 1u << 12,         /* history: the set of defining files changed */
};
#define KEXPORT_CHANGE_CLASSES 13
/* The changes that can stop a module built against the old table from
 * loading: removed, kind tightened, namespace added or changed, CRC changed. */
#define KEXPORT_CHANGE_BREAKING                                                    \
	(KEXPORT_CHANGE_REMOVED | KEXPORT_CHANGE_KIND_TIGHTENED | KEXPORT_CHANGE_NS_ADDED | \
	 KEXPORT_CHANGE_NS_CHANGED | KEXPORT_CHANGE_CRC_CHANGED)
/* "added", "removed", "kind_tightened", ... for one bit; NULL otherwise. */
const char *kexport_change_name(unsigned change);

/* Who decided that a change fails (kexport_diff_judge). */
enum kexport_judged_by {
	KEXPORT_JUDGED_NONE = 0,   /* not a breaking change, or out of the list's scope */
	KEXPORT_JUDGED_DEFAULT,    /* no list or rule said otherwise: breaking changes fail */
	KEXPORT_JUDGED_STABLELIST, /* the symbol is on the stablelist */
	KEXPORT_JUDGED_RULE,       /* a severity rule matched */
};

struct kexport_diff_entry {
	const char *name;
	const struct kexport_export *before; /* NULL when added */
	const struct kexport_export *after;  /* NULL when removed */
	unsigned changes;                    /* KEXPORT_CHANGE_* bits */
	bool failing;
	enum kexport_judged_by judged_by;
	const char *rule;                    /* the matching rule's text, owned by the rules */
	size_t rule_line;
};

struct kexport_diff_module {
	const char *owner;                   /* as Module.symvers names it */
	unsigned changes;                    /* KEXPORT_CHANGE_MODULE_ADDED or _REMOVED */
};

struct kexport_diff;

/*
 * Compare two tables; every symbol that differs gets one entry, sorted by
 * name.  Fields count only where both sources know them (a System.map has
 * no namespaces or CRCs); owners compare as the table merges them (a base
 * name matches a path).  `only` (NULL: every symbol) limits the diff to the
 * names it holds.  The tables must outlive the diff, which keeps ctx.
 * Since: 3
 */
int kexport_diff_new(struct kexport_ctx *ctx, const struct kexport_table *before,
                     const struct kexport_table *after, const struct kexport_symlist *only,
                     struct kexport_diff **d);
void kexport_diff_free(struct kexport_diff *d);
size_t kexport_diff_count(const struct kexport_diff *d);
const struct kexport_diff_entry *kexport_diff_get(const struct kexport_diff *d, size_t i);
/* Entries (or modules) in one class (one KEXPORT_CHANGE_* bit). */
size_t kexport_diff_class_count(const struct kexport_diff *d, unsigned change);
/* Compare two module lists (owner names, any order); copies them. */
int kexport_diff_set_modules(struct kexport_diff *d, const char *const *before, size_t n_before,
                             const char *const *after, size_t n_after);
size_t kexport_diff_module_count(const struct kexport_diff *d);
const struct kexport_diff_module *kexport_diff_module_get(const struct kexport_diff *d, size_t i);
/*
 * Decide which entries fail.  A breaking change (KEXPORT_CHANGE_BREAKING)
 * of a symbol on `stable` fails; otherwise the first matching rule of
 * `rules` decides; with no match it fails unless a stablelist was given
 * (the list is then the scope); with neither list nor rules every breaking
 * change fails.  Other changes never fail.  Returns the failing entries.
 */
size_t kexport_diff_judge(struct kexport_diff *d, const struct kexport_symlist *stable,
                          const struct kexport_severity *rules);

/*
 * The Module.symvers owner names of every module file below a directory
 * (a /lib/modules/VERSION tree's "kernel/" prefix dropped), sorted.  Free
 * with kexport_strings_free().  Since: 3
 */
int kexport_list_modules(struct kexport_ctx *ctx, const char *dir, char ***owners, size_t *n);
void kexport_strings_free(char **s, size_t n);

/* --- A source tree's MAINTAINERS ----------------------------------------- */

struct kexport_maintainers_section {
	const char *name;                /* e.g. "DMA BUFFER SHARING FRAMEWORK" */
	const char *const *maintainers;  /* M: lines */
	size_t n_maintainers;
	const char *const *lists;        /* L: lines */
	size_t n_lists;
	const char *status;              /* the first S: line, or NULL */
};

struct kexport_maintainers;

/* Read TREE/MAINTAINERS.  Since: 9 */
int kexport_maintainers_read(struct kexport_ctx *ctx, const char *tree,
                             struct kexport_maintainers **m);
/* The same from memory; tree (NULL: none) tells which patterns name directories. */
int kexport_maintainers_parse(struct kexport_ctx *ctx, const char *text, size_t len,
                              const char *tree, struct kexport_maintainers **m);
void kexport_maintainers_free(struct kexport_maintainers *m);
/*
 * The sections that cover FILE (a path below the tree), most specific
 * first, matched by their F:, X: and N: lines as scripts/get_maintainer.pl
 * --no-git --nokeywords matches them (equal depths in the file's order).
 * *out is an array for kexport_free(); its sections belong to m.
 */
int kexport_maintainers_match(const struct kexport_maintainers *m, const char *file,
                              const struct kexport_maintainers_section ***out, size_t *n);

/* --- The dossier of symbols across kernels (kexport symbol) -------------- */

/* The modules of one kernel (or one corpus) that import a symbol. */
struct kexport_dossier_users {
	const struct kexport_module *const *modules; /* sorted by name */
	size_t n_modules;
	size_t n_gpl;      /* of them, GPL-compatible (the loader's verdict on license=) */
};

/* One export macro of a source tree, as the dossier shows it. */
struct kexport_dossier_site {
	const char *file;          /* below the tree */
	unsigned line;
	const char *macro;         /* as written, e.g. "EXPORT_SYMBOL_NS_GPL" */
	const char *name;
	enum kexport_kind kind;
	const char *ns;            /* "" none */
	const char *cond;          /* the #if conditions around it, or NULL */
	/* Every export of the same file, this one among them, in line order
	 * (its siblings: one GPL-only export among plain ones is news). */
	const struct kexport_dossier_site *file_exports;
	size_t n_file_exports;
	/* The MAINTAINERS sections covering the file, most specific first
	 * (filled for the sites of selected symbols; none without MAINTAINERS). */
	const struct kexport_maintainers_section *const *sections;
	size_t n_sections;
};

/* Where one source tree exports a symbol (several files: per architecture). */
struct kexport_dossier_sites {
	const struct kexport_dossier_site *const *sites;
	size_t n_sites;
};

struct kexport_dossier_entry {
	const char *name;
	/* One per kernel, in the order the kernels were added (oldest first): */
	const struct kexport_export *const *exports; /* NULL: not exported there */
	const unsigned *changes;   /* KEXPORT_CHANGE_* since the kernel before; [0]: 0 */
	const struct kexport_dossier_users *users;        /* the kernel's own modules */
	/* One per corpus, in the order added: */
	const struct kexport_dossier_users *corpus_users;
	/* One per source tree, in the order added: */
	const struct kexport_dossier_sites *sources;
};

struct kexport_dossier;

/*
 * Everything known about symbols across kernels: add the kernels oldest
 * first (their exports, and their own modules when known: a modules tree),
 * and any corpora of other modules (out-of-tree builds), then select the
 * symbols by name or glob.  Tables and modules must outlive the dossier,
 * which keeps ctx.  Since: 9
 */
int kexport_dossier_new(struct kexport_ctx *ctx, struct kexport_dossier **d);
void kexport_dossier_free(struct kexport_dossier *d);
int kexport_dossier_add_kernel(struct kexport_dossier *d, const char *label,
                               const struct kexport_table *exports,
                               struct kexport_module *const *mods, size_t n_mods);
int kexport_dossier_add_corpus(struct kexport_dossier *d, const char *label,
                               struct kexport_module *const *mods, size_t n_mods);
/* A kernel source tree: scanned now (every export macro, with FILE:LINE) and
 * its MAINTAINERS read.  0, or a negative errno (reported). */
int kexport_dossier_add_source(struct kexport_dossier *d, const char *label, const char *tree);
/* Every name that a kernel exports, or that a kernel's module or a corpus's
 * imports, matching one of the patterns (names, or fnmatch() globs): one
 * entry each, sorted by name.  0 or -ENOMEM. */
int kexport_dossier_select(struct kexport_dossier *d, const char *const *patterns, size_t n);
size_t kexport_dossier_count(const struct kexport_dossier *d);
const struct kexport_dossier_entry *kexport_dossier_get(const struct kexport_dossier *d, size_t i);
/* The entry of a selected name, or NULL. */
const struct kexport_dossier_entry *kexport_dossier_find(const struct kexport_dossier *d,
                                                         const char *name);
size_t kexport_dossier_kernel_count(const struct kexport_dossier *d);
const char *kexport_dossier_kernel_label(const struct kexport_dossier *d, size_t k);
/* How many modules kernel k was given with (0: its importers are unknown). */
size_t kexport_dossier_kernel_modules(const struct kexport_dossier *d, size_t k);
size_t kexport_dossier_corpus_count(const struct kexport_dossier *d);
const char *kexport_dossier_corpus_label(const struct kexport_dossier *d, size_t c);
size_t kexport_dossier_source_count(const struct kexport_dossier *d);
const char *kexport_dossier_source_label(const struct kexport_dossier *d, size_t s);

#ifdef __cplusplus
}
#endif
