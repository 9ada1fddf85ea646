/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading any source into the export table: detection from content (never
 * from the file name), directories of every shape, and the per-module work
 * spread over the context's threads.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libkexport-internal.h"

static const char *const source_type_names[KEXPORT_SOURCE_COUNT] = {
	[KEXPORT_SOURCE_UNKNOWN] = "unknown",
	[KEXPORT_SOURCE_SYMVERS] = "Module.symvers",
	[KEXPORT_SOURCE_MODULE] = "module",
	[KEXPORT_SOURCE_VMLINUX] = "vmlinux",
	[KEXPORT_SOURCE_BZIMAGE] = "bzImage",
	[KEXPORT_SOURCE_ARM64_IMAGE] = "arm64 Image",
	[KEXPORT_SOURCE_SYSTEM_MAP] = "System.map",
	[KEXPORT_SOURCE_KALLSYMS] = "kallsyms",
	[KEXPORT_SOURCE_BUILD_DIR] = "kernel build directory",
	[KEXPORT_SOURCE_MODULES_DIR] = "modules directory",
	[KEXPORT_SOURCE_MODULE_TREE] = "module tree",
	[KEXPORT_SOURCE_SOURCE_TREE] = "kernel source tree",
};

KX_EXPORT const char *kexport_source_type_name(enum kexport_source_type t)
{
	return (unsigned)t < KEXPORT_SOURCE_COUNT ? source_type_names[t] : "unknown";
}

KX_EXPORT int kexport_format_symvers(const struct kexport_export *e, char *buf, size_t size)
{
	/* scripts/mod/modpost.c (6.1): "0x%08x\t%s\t%s\tEXPORT_SYMBOL%s\t%s\n" */
	return snprintf(buf, size, "0x%08x\t%s\t%s\t%s\t%s", e->crc, e->name, e->owner,
	                kexport_kind_name(e->kind), e->ns);
}

int kx_read_add_all(struct kexport_table *t, const struct kexport_export *e, size_t n,
                    size_t *added)
{
	for (size_t i = 0; i < n; i++) {
		int r = kexport_table_add(t, &e[i]);
		if (r < 0)
			return r;
		(*added)++;
	}
	return 0;
}

/* vmlinux: only the export sections are touched (read with pread for files). */
static int read_vmlinux(struct kexport_table *table, struct kx_src *src, const char *path,
                        size_t *added, char *errmsg)
{
	struct kx_elf elf;
	int r = kx_elf_open(&elf, src, errmsg);
	if (r < 0)
		return r;
	struct kx_arena arena = { 0 };
	struct kx_vec v;
	kx_vec_init(&v, sizeof(struct kexport_export));
	if (elf.type == KX_ET_REL)
		r = kx_err(errmsg, -ENOEXEC, "a module, not vmlinux");
	else
		r = kx_ksymtab_read(&elf, "vmlinux", path, &arena, &v, errmsg);
	if (r == 0 && v.n == 0)
		r = kx_elf_find(&elf, ".BTF") > 0 && kx_elf_find(&elf, ".text") < 0
		            ? kx_err(errmsg, -ENOENT,
		                     "a BTF-only vmlinux (type information for building "
		                     "out-of-tree BPF and modules, as linux-headers ships "
		                     "it since 6.x): no code and no export tables")
		            : kx_err(errmsg, -ENOENT,
		                     "no export tables (__ksymtab, __ksymtab_gpl) in this ELF file");
	if (r == 0 && kx_read_add_all(table, v.items, v.n, added) < 0)
		r = kx_err(errmsg, -ENOMEM, "out of memory");
	kx_vec_free(&v);
	kx_arena_free(&arena);
	kx_elf_close(&elf);
	return r;
}

int kx_parse_vmlinux(struct kexport_table *table, const void *data, size_t size, const char *path,
                     char *errmsg)
{
	struct kx_src src;
	kx_src_open_mem(&src, data, size, path);
	size_t added = 0;
	int r = read_vmlinux(table, &src, path, &added, errmsg);
	kx_src_close(&src);
	return r;
}

KX_EXPORT int kexport_parse_vmlinux(struct kexport_table *table, const void *data, size_t size,
                                    const char *path)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(kx_table_ctx(table), path, kx_parse_vmlinux(table, data, size, path, msg),
	                 msg);
}

/* One module's exports; `src` reads its plain (decompressed) bytes. */
static int read_module_exports(struct kexport_table *table, struct kx_src *src,
                               const char *path, enum kexport_compression comp,
                               struct kexport_source_info *info, char *errmsg)
{
	info->type = KEXPORT_SOURCE_MODULE;
	struct kexport_module *m;
	char *owner = kx_module_owner(path, NULL);
	int r = owner ? kx_module_read_src(src, path, owner, strlen(owner), comp,
	                                   KX_READ_EXPORTS_ONLY, &m, errmsg)
	              : kx_err(errmsg, -ENOMEM, "out of memory");
	free(owner);
	if (r < 0)
		return r;
	r = kx_read_add_all(table, m->exports, m->n_exports, &info->n_exports);
	if (comp == KEXPORT_COMP_NONE)
		snprintf(info->detail, sizeof(info->detail), "module %s", m->name);
	else
		snprintf(info->detail, sizeof(info->detail), "%s-compressed module %s",
		         kexport_compression_name(comp), m->name);
	kexport_module_free(m);
	return r;
}

/* A kernel image in memory: extract, then read the ELF or scan the raw image. */
static int read_image_mem(struct kexport_table *table, const uint8_t *d, size_t size,
                          const char *path, bool keys, struct kexport_source_info *info,
                          char *errmsg)
{
	void *img;
	size_t img_size;
	char detail[128];
	enum kexport_source_type type = KEXPORT_SOURCE_UNKNOWN;
	int r = kx_image_extract(d, size, &img, &img_size, &type, detail, errmsg);
	if (r < 0)
		return r;
	info->type = type;
	if (img_size >= 4 && memcmp(img, "\177ELF", 4) == 0) {
		if (keys)
			kx_keyring_keep_image(path, img, img_size);
		size_t before = kexport_table_count(table);
		r = kx_parse_vmlinux(table, img, img_size, path, errmsg);
		info->n_exports += kexport_table_count(table) - before;
		snprintf(info->detail, sizeof(info->detail), "vmlinux ELF from %s", detail);
	} else {
		struct kx_arena arena = { 0 };
		struct kx_vec v;
		kx_vec_init(&v, sizeof(struct kexport_export));
		char how[128] = "";
		r = kx_ksymtab_scan_raw(img, img_size, path, &arena, &v, how, errmsg);
		if (r == 0 && kx_read_add_all(table, v.items, v.n, &info->n_exports) < 0)
			r = kx_err(errmsg, -ENOMEM, "out of memory");
		kx_vec_free(&v);
		kx_arena_free(&arena);
		snprintf(info->detail, sizeof(info->detail), "%s, %s", detail, how);
	}
	free(img);
	return r;
}

static bool looks_like_symvers(const char *d, size_t n)
{
	return n > 3 && d[0] == '0' && d[1] == 'x' && memchr(d, '\t', n < 64 ? n : 64);
}

static bool looks_like_map(const char *d, size_t n)
{
	size_t i = 0;
	while (i < n && i < 17 && ((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
		i++;
	return i >= 8 && i + 2 < n && d[i] == ' ' && d[i + 2] == ' ';
}

/*
 * The kinds of file a source can be, tried in this order on its first
 * bytes: a new format is a row here and its reader.  Each reader sets
 * info->type (a row can cover several kinds: an ELF file is a module or a
 * vmlinux) and reads what it needs of the file, from `src` or as text.
 */
struct file_read {
	struct kexport_ctx *ctx;
	struct kexport_table *table;
	struct kx_src *src;
	const char *path;
	const uint8_t *head; /* the file's first bytes */
	size_t hl;
	struct kexport_source_info *info;
	char *errmsg;
};

static bool probe_elf(const uint8_t *h, size_t n)
{
	return n >= 4 && memcmp(h, "\177ELF", 4) == 0;
}

/* A module (ET_REL) or a vmlinux. */
static int read_elf(struct file_read *f)
{
	bool rel = f->hl >= 18 && kx_get16(f->head + 16, f->head[5] == 2) == KX_ET_REL;
	if (rel)
		return read_module_exports(f->table, f->src, f->path, KEXPORT_COMP_NONE, f->info,
		                           f->errmsg);
	f->info->type = KEXPORT_SOURCE_VMLINUX;
	int r = read_vmlinux(f->table, f->src, f->path, &f->info->n_exports, f->errmsg);
	snprintf(f->info->detail, sizeof(f->info->detail), "ELF vmlinux");
	return r;
}

static bool probe_packed(const uint8_t *h, size_t n)
{
	return kx_is_kernel_image(h, n) || kx_detect_compression(h, n) != KEXPORT_COMP_NONE;
}

/* A kernel image (bzImage, arm64 Image.gz, vmlinuz) or a compressed file:
 * a compressed module (.ko.xz ...) or kernel image. */
static int read_packed(struct file_read *f)
{
	bool keys = f->ctx && f->ctx->keys_wanted;
	uint64_t size = f->src->size;
	uint8_t *all = malloc(size ? size : 1);
	if (!all)
		return kx_err(f->errmsg, -ENOMEM, "out of memory");
	kx_prefault(all, size);
	int r = kx_src_read(f->src, 0, size, all, f->errmsg);
	enum kexport_compression comp = kx_detect_compression(f->head, f->hl);
	if (r == 0 && !kx_is_kernel_image(f->head, f->hl)) {
		uint8_t *plain;
		size_t plen;
		if ((r = kx_decompress(comp, all, size, 0, &plain, &plen, f->errmsg)) < 0) {
			free(all);
			return r;
		}
		if (plen >= 18 && memcmp(plain, "\177ELF", 4) == 0 &&
		    kx_get16(plain + 16, plain[5] == 2) == KX_ET_REL) {
			free(all);
			struct kx_src ms;
			kx_src_open_mem(&ms, plain, plen, f->path);
			ms.owned = plain;
			r = read_module_exports(f->table, &ms, f->path, comp, f->info, f->errmsg);
			kx_src_close(&ms);
			return r;
		}
		free(plain);
	}
	if (r == 0)
		r = read_image_mem(f->table, all, size, f->path, keys, f->info, f->errmsg);
	free(all);
	return r;
}

static bool probe_symvers(const uint8_t *h, size_t n)
{
	return looks_like_symvers((const char *)h, n);
}

static bool probe_map(const uint8_t *h, size_t n)
{
	return looks_like_map((const char *)h, n) || memmem(h, n, "The real System.map", 19);
}

/* A text format: the whole file read, PARSE run on it, the exports it
 * added counted. */
static int read_text(struct file_read *f,
                     int (*parse)(struct file_read *f, const char *text, size_t len))
{
	char *text;
	size_t tl;
	kx_src_close(f->src);
	int r = kx_read_file(f->path, &text, &tl, f->errmsg);
	if (r < 0)
		return r;
	size_t before = kexport_table_count(f->table);
	r = parse(f, text, tl);
	f->info->n_exports = kexport_table_count(f->table) - before;
	free(text);
	return r;
}

static int parse_symvers(struct file_read *f, const char *text, size_t len)
{
	f->info->type = KEXPORT_SOURCE_SYMVERS;
	return kx_parse_symvers(f->table, text, len, f->path, f->errmsg);
}

/* System.map, or /proc/kallsyms (whose module symbols say "\t[module]"). */
static int parse_map(struct file_read *f, const char *text, size_t len)
{
	bool kallsyms = memmem(text, len, "\t[", 2) != NULL;
	f->info->type = kallsyms ? KEXPORT_SOURCE_KALLSYMS : KEXPORT_SOURCE_SYSTEM_MAP;
	return kx_parse_system_map(f->table, text, len, f->path, kallsyms, f->errmsg);
}

static int read_symvers_file(struct file_read *f)
{
	return read_text(f, parse_symvers);
}

static int read_map_file(struct file_read *f)
{
	return read_text(f, parse_map);
}

static const struct file_format {
	const char *name;
	bool (*probe)(const uint8_t *head, size_t len);
	int (*reader)(struct file_read *f);
} file_formats[] = {
	{ "an ELF file", probe_elf, read_elf },
	{ "a kernel image or compressed file", probe_packed, read_packed },
	{ "Module.symvers", probe_symvers, read_symvers_file },
	{ "System.map or kallsyms", probe_map, read_map_file },
};

/* One regular file of any supported kind (file_formats[]). */
static int read_file_source(struct kexport_ctx *ctx, struct kexport_table *table,
                            const char *path, struct kexport_source_info *info, char *errmsg)
{
	struct kx_src src;
	int r = kx_src_open_file(&src, path, errmsg);
	if (r < 0)
		return r;
	uint8_t head[0x250];
	size_t hl = src.size < sizeof(head) ? (size_t)src.size : sizeof(head);
	if (hl == 0)
		r = kx_err(errmsg, -EINVAL, "empty file");
	else if ((r = kx_src_read(&src, 0, hl, head, errmsg)) == 0) {
		struct file_read f = { ctx, table, &src, path, head, hl, info, errmsg };
		size_t i = 0;
		while (i < KX_ARRAY_SIZE(file_formats) && !file_formats[i].probe(head, hl))
			i++;
		if (i < KX_ARRAY_SIZE(file_formats))
			r = file_formats[i].reader(&f);
		else {
			char kinds[256] = "";
			for (i = 0; i < KX_ARRAY_SIZE(file_formats); i++)
				snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s",
				         i == 0 ? "" : i + 1 < KX_ARRAY_SIZE(file_formats) ? ", " : " or ",
				         file_formats[i].name);
			r = kx_err(errmsg, -ENOEXEC, "unrecognised content: not %s", kinds);
		}
	}
	kx_src_close(&src);
	return r;
}

/* Per-module work for the thread pool. */
struct mod_job {
	char **paths;
	const char *tree;
	unsigned flags;
	struct kexport_module **mods;
	int *errs;
	char (*msgs)[KEXPORT_ERRMSG_MAX];
};

static void read_one_module(size_t i, void *arg)
{
	struct mod_job *j = arg;
	j->errs[i] = kx_module_read_path(j->paths[i], j->tree, j->flags, &j->mods[i], j->msgs[i]);
	if (j->errs[i] < 0)
		j->mods[i] = NULL;
}

/* Read modules from a list of paths in parallel; failures go to diag. */
static int read_module_paths(struct kexport_ctx *ctx, char **paths, size_t n, const char *tree,
                             unsigned flags, struct kexport_module ***out, size_t *n_out,
                             size_t *n_bad)
{
	struct mod_job j = { paths, tree, flags, calloc(n ? n : 1, sizeof(*j.mods)),
		             calloc(n ? n : 1, sizeof(int)), malloc((n ? n : 1) * KEXPORT_ERRMSG_MAX) };
	if (!j.mods || !j.errs || !j.msgs) {
		free(j.mods);
		free(j.errs);
		free(j.msgs);
		return -ENOMEM;
	}
	kx_parallel_for(ctx, n, read_one_module, &j);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (j.mods[i]) {
			j.mods[k++] = j.mods[i];
		} else {
			kx_diag(ctx, paths[i], j.errs[i], j.msgs[i]);
			(*n_bad)++;
		}
	}
	free(j.errs);
	free(j.msgs);
	*out = j.mods;
	*n_out = k;
	return 0;
}

/*
 * Reading a directory of modules: the walk runs on the calling thread and
 * hands each path to the other threads as soon as it finds it, and then
 * joins them in reading.  The results are sorted by path at the end, so
 * they do not depend on the order of the walk or on scheduling.
 */
struct mod_item {
	char *path;
	size_t rel_off;      /* path + rel_off: the path below the tree (the walk made
	                        each path tree + "/" + the rest) */
	struct kx_dir *dir;  /* the directory it is in, held open; or NULL */
	size_t name_off;     /* its name in dir: path + name_off */
	struct kexport_module *mod;
	int err;
	char *msg;          /* malloc'd, on failure */
};

struct mod_stream {
	struct kx_stream q;    /* struct mod_item */
	const char *tree;
	size_t tree_len;
	int tree_fd;           /* modules are opened relative to it; AT_FDCWD if it could not be */
	unsigned flags;
	struct kx_arena items; /* the items and their paths: the walk's thread only */
	atomic_size_t dirs_open; /* directories the walk has open, or items hold */
	size_t dirs_max;         /* items hold theirs while fewer: half the descriptors allowed */
};

static int stream_add(const char *path, struct kx_dir *dir, const char *name, void *arg)
{
	struct mod_stream *st = arg;
	struct mod_item *it = kx_arena_alloc(&st->items, sizeof(*it));
	char *copy = it ? (char *)kx_arena_strdup(&st->items, path) : NULL;
	if (!copy)
		return -ENOMEM;
	memset(it, 0, sizeof(*it));
	it->path = copy;
	if (strncmp(copy, st->tree, st->tree_len) == 0 && copy[st->tree_len] == '/')
		it->rel_off = st->tree_len + 1;
	/* The walk runs ahead of the readers, so items wait with their
	 * directory open; past the limit they are opened from the tree. */
	if (kx_dir_fd(dir) >= 0 &&
	    atomic_load_explicit(&st->dirs_open, memory_order_relaxed) < st->dirs_max) {
		kx_dir_get(dir);
		it->dir = dir;
		it->name_off = (size_t)(name - path);
	}
	if (kx_stream_push(&st->q, it) < 0) {
		kx_dir_put(it->dir); /* not queued: nobody else will */
		return -ENOMEM;
	}
	return 0;
}

static void stream_worker(void *arg)
{
	struct mod_stream *st = arg;
	char msg[KEXPORT_ERRMSG_MAX];
	struct mod_item *it;
	while ((it = kx_stream_pop(&st->q))) {
		msg[0] = '\0';
		const char *rel = it->path;
		int at = AT_FDCWD;
		if (it->dir) {
			rel = it->path + it->name_off;
			at = kx_dir_fd(it->dir);
		} else if (st->tree_fd != AT_FDCWD && it->rel_off) {
			rel = it->path + it->rel_off;
			at = st->tree_fd;
		}
		/* (a moment without descriptors is waited out where the
		 * module is opened, kx_src_open_at()) */
		it->err = kx_module_read_at(at, rel, it->path, st->tree, st->flags, &it->mod, msg);
		kx_dir_put(it->dir);
		it->dir = NULL;
		if (it->err < 0) {
			it->mod = NULL;
			if (!(it->msg = strdup(msg)))
				it->msg = NULL; /* reported as strerror(err) */
		}
	}
}

static int cmp_item_path(const void *a, const void *b)
{
	const struct mod_item *x = *(void *const *)a, *y = *(void *const *)b;
	/* every path starts with the tree: only the rest is compared */
	return strcmp(x->path + x->rel_off, y->path + y->rel_off);
}

/* Read every module below dir in parallel, sorted by path; failures go to diag. */
static int read_tree_modules(struct kexport_ctx *ctx, const char *dir, unsigned flags,
                             struct kexport_module ***out, size_t *n_out, size_t *n_found,
                             size_t *n_bad)
{
	struct mod_stream st = { .tree = dir, .tree_len = strlen(dir),
		                 .flags = flags | KX_READ_REGULAR };
	st.tree_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (st.tree_fd < 0)
		st.tree_fd = AT_FDCWD; /* the walk reports why */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 256)
		st.dirs_max = rl.rlim_cur == RLIM_INFINITY ? 65536 : (size_t)rl.rlim_cur / 2 - 64;
	atomic_init(&st.dirs_open, 0);
	kx_stream_init(&st.q, ctx, stream_worker, &st);
	int r = kx_walk_modules_in(ctx, dir, stream_add, &st, &st.dirs_open);
	kx_stream_finish(&st.q, r < 0);
	if (st.tree_fd != AT_FDCWD)
		close(st.tree_fd);
	void **items = st.q.items;
	size_t n_items = st.q.n;

	struct kexport_module **mods = NULL;
	if (r == 0 && !(mods = malloc((n_items ? n_items : 1) * sizeof(*mods))))
		r = -ENOMEM;
	/* The walk takes each directory's entries in order, so the items come
	 * sorted; checking is a tenth of the sort's cost. */
	if (r == 0)
		kx_sort_unless_sorted(items, n_items, sizeof(*items), cmp_item_path);
	size_t k = 0;
	for (size_t i = 0; i < n_items; i++) {
		struct mod_item *it = items[i];
		kx_dir_put(it->dir); /* an item a stopped walk left unread */
		if (r < 0) {
			kexport_module_free(it->mod);
		} else if (it->mod) {
			mods[k++] = it->mod;
		} else {
			kx_diag(ctx, it->path, it->err, it->msg ? it->msg : strerror(-it->err));
			(*n_bad)++;
		}
		free(it->msg);
	}
	free(items);
	kx_arena_free(&st.items);
	if (r < 0)
		return r;
	*out = mods;
	*n_out = k;
	*n_found = n_items;
	return 0;
}

KX_EXPORT void kexport_module_list_free(struct kexport_module **mods, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kexport_module_free(mods[i]);
	free(mods);
}

int kx_read_modules_into(struct kexport_ctx *ctx, struct kexport_table *table, const char *dir,
                         struct kexport_source_info *info)
{
	struct kexport_module **mods;
	size_t nm, n;
	int r = read_tree_modules(ctx, dir, KX_READ_EXPORTS_ONLY, &mods, &nm, &n, &info->n_bad);
	if (r < 0)
		return r;
	info->n_modules = nm;
	for (size_t i = 0; i < nm && r == 0; i++)
		r = kx_read_add_all(table, mods[i]->exports, mods[i]->n_exports, &info->n_exports);
	kexport_module_list_free(mods, nm);
	return r;
}

/* A kernel source tree: its export macros (with ctx->config, those it builds). */
struct tree_read {
	struct kexport_table *table;
	struct kexport_source_info *info;
	size_t unknown, not_built;
	bool config;
	int err;
};

static int add_tree_export(const struct kexport_src_tree_export *x, void *arg)
{
	struct tree_read *tr = arg;
	if (tr->config && x->built == 0) {
		tr->not_built++;
		return 0;
	}
	char src[4200];
	if (tr->config && x->built < 0) {
		tr->unknown++;
		snprintf(src, sizeof(src), "%s:%u (unsure: %s)", x->file, x->e->line,
		         x->e->cond && x->cond_value < 0 ? x->e->cond : "header");
	} else if (x->e->cond && !tr->config) {
		/* the #if conditions it sits under, for every configuration */
		snprintf(src, sizeof(src), "%s:%u if %s", x->file, x->e->line, x->e->cond);
	} else {
		snprintf(src, sizeof(src), "%s:%u", x->file, x->e->line);
	}
	struct kexport_export e = {
		.name = x->e->name, .ns = x->e->ns ? x->e->ns : "", .kind = x->e->kind,
		.owner = x->owner ? x->owner : tr->config ? "?" : "-", .source = src,
		.known = KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS,
	};
	int r = kexport_table_add(tr->table, &e);
	if (r < 0) {
		tr->err = r;
		return 1;
	}
	tr->info->n_exports++;
	return 0;
}

static int read_source_tree(struct kexport_ctx *ctx, struct kexport_table *table,
                            const char *path, struct kexport_source_info *info, char *errmsg)
{
	info->type = KEXPORT_SOURCE_SOURCE_TREE;
	unsigned bad = ctx->bad_inputs;
	struct tree_read tr = { table, info, 0, 0, ctx->config != NULL, 0 };
	int r = kexport_src_tree_scan(ctx, path, ctx->config, add_tree_export, &tr);
	info->n_bad = ctx->bad_inputs - bad;
	if (r == 0 && tr.err)
		r = tr.err;
	if (tr.config)
		snprintf(info->detail, sizeof(info->detail),
		         "export macros built by the configuration; %zu unsure (counted), %zu not built",
		         tr.unknown, tr.not_built);
	else
		snprintf(info->detail, sizeof(info->detail), "export macros, every configuration");
	if (r < 0)
		return kx_err(errmsg, r, "%s", strerror(-r));
	return 0;
}

/* A modules directory without its kernel image: the detail and the diagnostic. */
const char kx_no_image_detail[] = "no kernel image found: vmlinux exports missing";
const char kx_no_image_msg[] = "no kernel image (vmlinuz here, in ROOT/boot, or a vmlinux with "
                                   "export tables in build/): vmlinux exports are missing";

/*
 * The kernel image of modules directory PATH (kexport_kernel_image()), its
 * exports added to TABLE and counted in INFO; an image that cannot be read
 * is said.  Returns its path, to be freed, or NULL when there is none.
 */
char *kx_read_dir_image(struct kexport_ctx *ctx, struct kexport_table *table, const char *path,
                        struct kexport_source_info *info)
{
	char *img = kexport_kernel_image(path);
	if (!img)
		return NULL;
	struct kexport_source_info sub = { 0 };
	char msg[KEXPORT_ERRMSG_MAX];
	int r = read_file_source(ctx, table, img, &sub, msg);
	if (r < 0) {
		kx_diag(ctx, img, r, msg);
		info->n_bad++;
	}
	info->n_exports += sub.n_exports;
	return img;
}
static int read_dir_source(struct kexport_ctx *ctx, struct kexport_table *table,
                           const char *path, struct kexport_source_info *info, char *errmsg)
{
	char *p;
	if (asprintf(&p, "%s/Module.symvers", path) < 0)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	if (kx_is_file(p)) {
		info->type = KEXPORT_SOURCE_BUILD_DIR;
		struct kexport_source_info sub = { 0 };
		int r = read_file_source(ctx, table, p, &sub, errmsg);
		info->n_exports = sub.n_exports;
		snprintf(info->detail, sizeof(info->detail), "Module.symvers");
		free(p);
		return r;
	}
	free(p);
	if (kexport_is_source_tree(path))
		return read_source_tree(ctx, table, path, info, errmsg);
	int r;
	if (kx_is_modules_dir(path)) {
		info->type = KEXPORT_SOURCE_MODULES_DIR;
		char *img = kx_read_dir_image(ctx, table, path, info);
		r = kx_read_modules_into(ctx, table, path, info);
		snprintf(info->detail, sizeof(info->detail), "%zu modules; kernel image: %s",
		         info->n_modules, img ? img : kx_no_image_detail);
		bool found = img != NULL;
		free(img);
		if (r < 0)
			return kx_err(errmsg, r, "%s", strerror(-r));
		if (!found)
			kx_diag(ctx, path, -ENOENT, kx_no_image_msg);
		return 0;
	}
	info->type = KEXPORT_SOURCE_MODULE_TREE;
	r = kx_read_modules_into(ctx, table, path, info);
	if (r < 0)
		return kx_err(errmsg, r, "%s", strerror(-r));
	snprintf(info->detail, sizeof(info->detail), "%zu modules", info->n_modules);
	if (info->n_modules == 0 && info->n_bad == 0)
		return kx_err(errmsg, -ENOENT, "no modules, Module.symvers or modules.* files in this directory");
	return 0;
}

/* A caller's struct kexport_source_info that is not sized: said, -EINVAL. */
int kx_info_unsized(struct kexport_ctx *ctx, const char *path)
{
	return kx_report(ctx, path, -EINVAL,
	                 "struct kexport_source_info without its size (declare it with KEXPORT_SIZED)");
}

int kx_read_exports_full(struct kexport_ctx *ctx, struct kexport_table *table, const char *path,
                         struct kexport_source_info *info)
{
	memset(info, 0, sizeof(*info));
	char errmsg[KEXPORT_ERRMSG_MAX] = "";
	int r;
	if (kx_is_dir(path))
		r = read_dir_source(ctx, table, path, info, errmsg);
	else
		r = read_file_source(ctx, table, path, info, errmsg);
	if (r < 0)
		kx_diag(ctx, path, r, errmsg[0] ? errmsg : strerror(-r));
	return r;
}

KX_EXPORT int kexport_read_exports(struct kexport_ctx *ctx, struct kexport_table *table,
                                   const char *path, struct kexport_source_info *info)
{
	if (!kx_sized_ok(info))
		return kx_info_unsized(ctx, path);
	struct kexport_source_info full;
	int r = kx_read_exports_full(ctx, table, path, &full);
	kx_sized_out(info, &full, sizeof(full));
	return r;
}

KX_EXPORT int kexport_read_modules(struct kexport_ctx *ctx, const char *path,
                                   struct kexport_module ***mods, size_t *n_mods)
{
	size_t bad = 0;
	*mods = NULL;
	*n_mods = 0;
	int r;
	unsigned flags = ctx->model == KEXPORT_MODEL_VERDICT ? KX_READ_VERDICT : 0;
	if (kx_is_dir(path)) {
		size_t n = 0;
		r = read_tree_modules(ctx, path, flags, mods, n_mods, &n, &bad);
		if (r == 0 && n == 0) {
			kx_diag(ctx, path, -ENOENT, "no modules (.ko, .ko.xz, .ko.zst, .ko.gz) in this directory");
			r = -ENOENT;
		}
	} else {
		char *one = strdup(path);
		if (!one)
			return -ENOMEM;
		r = read_module_paths(ctx, &one, 1, NULL, flags, mods, n_mods, &bad);
		free(one);
		if (r == 0 && bad)
			r = -EINVAL;
	}
	if (*n_mods == 0) { /* nothing to hand back (every module failed, or none) */
		kexport_module_list_free(*mods, 0);
		*mods = NULL;
	}
	for (size_t i = 0; i < *n_mods; i++)
		kx_module_set_ctx((*mods)[i], ctx);
	return r;
}
