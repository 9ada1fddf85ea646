/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A check's exports from kmod's indexes: on an installed kernel,
 * modules.symbols and modules.dep (which depmod writes) say which modules
 * export the symbols a module imports, so a check reads the image and only
 * those modules (with what they depend on), not the whole compressed tree.
 * Without the indexes it is the full read (read.c).
 */
#include "libkexport-internal.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* modprobe's name of a module path: basename less ".ko[.xz|.zst|.gz]", '-' as '_'. */
static void module_name_of(const char *path, size_t len, char *out, size_t size)
{
	const char *b = path;
	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			b = path + i + 1;
	size_t n = (size_t)(path + len - b);
	const char *ko = NULL;
	for (size_t i = 0; i + 3 <= n; i++)
		if (!memcmp(b + i, ".ko", 3))
			ko = b + i;
	if (ko)
		n = (size_t)(ko - b);
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = b[i] == '-' ? '_' : b[i];
	out[n] = '\0';
}

struct dep_line {
	char name[64];
	const char *path, *deps; /* into modules.dep's text; deps up to the line's end */
	size_t path_len, deps_len, order;
	bool want;
};

static int cmp_dep_order(const void *a, const void *b)
{
	size_t x = ((const struct dep_line *)a)->order, y = ((const struct dep_line *)b)->order;
	return x < y ? -1 : x > y;
}

static int cmp_dep_name(const void *a, const void *b)
{
	return strcmp(((const struct dep_line *)a)->name, ((const struct dep_line *)b)->name);
}

static struct dep_line *dep_find(struct dep_line *d, size_t n, const char *name)
{
	struct dep_line key;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, d, n, sizeof(*d), cmp_dep_name);
}

/* Mark NAME and, through modules.dep, everything it needs (modules.dep
 * lists the whole closure already; a hostile one is bounded by `want`). */
static void dep_want(struct dep_line *d, size_t n, const char *name, unsigned depth)
{
	struct dep_line *l = dep_find(d, n, name);
	if (!l || l->want || depth > 64)
		return;
	l->want = true;
	const char *p = l->deps, *end = l->deps + l->deps_len;
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *q = p;
		while (q < end && *q != ' ')
			q++;
		if (q > p) {
			char dn[64];
			module_name_of(p, (size_t)(q - p), dn, sizeof(dn));
			dep_want(d, n, dn, depth + 1);
		}
		p = q;
	}
}

/*
 * kmod's text indexes in memory: modules.dep ("kernel/x/y.ko.xz: kernel/z.ko.xz
 * ...", a line a module) and modules.symbols ("alias symbol:NAME MODNAME", a
 * line an export).  Calls FN with each modules.dep path (relative to the
 * directory) of a module that exports one of NAMES or that such a module
 * needs, once each, in modules.dep's order.  -EINVAL for text that is not
 * kmod's (a modules.dep line without ':'); SYMS is written to (NULs).
 */
int kx_kmod_index_wanted(const char *deps, size_t deps_len, char *syms, size_t syms_len,
                         const char *const *names, size_t n_names,
                         int (*fn)(const char *rel, size_t len, void *arg), void *arg,
                         size_t *n_modules, char *errmsg)
{
	size_t n_lines = 0;
	for (size_t i = 0; i < deps_len; i++)
		n_lines += deps[i] == '\n';
	const char **sorted = malloc((n_names ? n_names : 1) * sizeof(*sorted));
	struct dep_line *d = calloc(n_lines + 1, sizeof(*d));
	int r = 0;
	if (!sorted || !d) {
		r = kx_err(errmsg, -ENOMEM, "out of memory");
		goto out;
	}
	size_t n_dep = 0, lineno = 0;
	for (const char *p = deps, *end = deps + deps_len; p < end && n_dep <= n_lines;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		lineno++;
		if (le == p) {
			p = le + 1;
			continue;
		}
		const char *colon = memchr(p, ':', (size_t)(le - p));
		if (!colon) {
			r = kx_err(errmsg, -EINVAL, "modules.dep line %zu has no ':' (not kmod's modules.dep)",
			           lineno);
			goto out;
		}
		struct dep_line *l = &d[n_dep++];
		l->path = p;
		l->path_len = (size_t)(colon - p);
		l->deps = colon + 1;
		l->deps_len = (size_t)(le - colon - 1);
		module_name_of(p, l->path_len, l->name, sizeof(l->name));
		p = le + 1;
	}
	if (n_names)
		memcpy(sorted, names, n_names * sizeof(*sorted));
	qsort(sorted, n_names, sizeof(*sorted), cmp_str);
	/* Sorted by name for the lookups, the file's order kept in `order`. */
	for (size_t i = 0; i < n_dep; i++)
		d[i].order = i;
	qsort(d, n_dep, sizeof(*d), cmp_dep_name);
	for (char *p = syms, *end = syms + syms_len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		static const char tag[] = "alias symbol:";
		if ((size_t)(le - p) > sizeof(tag) - 1 && !memcmp(p, tag, sizeof(tag) - 1)) {
			char *name = p + sizeof(tag) - 1;
			char *sp = memchr(name, ' ', (size_t)(le - name));
			if (sp) {
				*sp = '\0';
				const char *key = name;
				if (n_names && bsearch(&key, sorted, n_names, sizeof(*sorted), cmp_str)) {
					char mn[64];
					module_name_of(sp + 1, (size_t)(le - sp - 1), mn, sizeof(mn));
					dep_want(d, n_dep, mn, 0);
				}
			}
		}
		p = le + 1;
	}
	/* Back to the file's order: the reads follow modules.dep. */
	qsort(d, n_dep, sizeof(*d), cmp_dep_order);
	*n_modules = n_dep;
	for (size_t i = 0; i < n_dep && r == 0; i++)
		if (d[i].want)
			r = fn(d[i].path, d[i].path_len, arg);
out:
	free(sorted);
	free(d);
	return r;
}

struct wanted_read {
	struct kexport_ctx *ctx;
	struct kexport_table *table;
	struct kexport_source_info *info;
	const char *dir;
	size_t n_read;
};

static int read_wanted(const char *rel, size_t len, void *arg)
{
	struct wanted_read *w = arg;
	char *mp;
	if (asprintf(&mp, "%s/%.*s", w->dir, (int)len, rel) < 0)
		return -ENOMEM;
	struct kexport_module *m;
	char msg[KEXPORT_ERRMSG_MAX];
	int r = kx_module_read_path(mp, w->dir, KX_READ_EXPORTS_ONLY, &m, msg);
	if (r < 0) {
		kx_diag(w->ctx, mp, r, msg);
		w->info->n_bad++;
		r = 0;
	} else {
		r = kx_read_add_all(w->table, m->exports, m->n_exports, &w->info->n_exports);
		kexport_module_free(m);
		w->n_read++;
	}
	free(mp);
	return r;
}

static int read_exports_for(struct kexport_ctx *ctx, struct kexport_table *table,
                            const char *path, const char *const *names, size_t n_names,
                            struct kexport_source_info *info)
{
	char *sym_path = NULL, *dep_path = NULL, *syms = NULL, *deps = NULL;
	size_t syms_len = 0, deps_len = 0, n_dep = 0;
	char errmsg[KEXPORT_ERRMSG_MAX];
	int r = -1;
	if (!kx_is_dir(path) || asprintf(&sym_path, "%s/modules.symbols", path) < 0 ||
	    asprintf(&dep_path, "%s/modules.dep", path) < 0 || !kx_is_file(sym_path) ||
	    !kx_is_file(dep_path))
		goto full;
	/* An index that cannot be read or is not kmod's: said, then the full read. */
	if ((r = kx_read_file(sym_path, &syms, &syms_len, errmsg)) < 0) {
		kx_diag(ctx, sym_path, r, errmsg);
		goto full;
	}
	if ((r = kx_read_file(dep_path, &deps, &deps_len, errmsg)) < 0) {
		kx_diag(ctx, dep_path, r, errmsg);
		goto full;
	}
	memset(info, 0, sizeof(*info));
	info->type = KEXPORT_SOURCE_MODULES_DIR;
	/* The image, as the full read finds it, then the modules wanted. */
	char *img = kx_read_dir_image(ctx, table, path, info);
	const char *vm = img ? img : kx_no_image_detail;
	if (!img)
		kx_diag(ctx, path, -ENOENT, kx_no_image_msg);
	struct wanted_read w = { ctx, table, info, path, 0 };
	r = kx_kmod_index_wanted(deps, deps_len, syms, syms_len, names, n_names, read_wanted, &w,
	                         &n_dep, errmsg);
	if (r == -EINVAL) {
		/* Not kmod's: nothing of the tree was read yet, so all of it now. */
		kx_diag(ctx, dep_path, r, errmsg);
		r = kx_read_modules_into(ctx, table, path, info);
		snprintf(info->detail, sizeof(info->detail), "%zu modules; kernel image: %s",
		         info->n_modules, vm);
	} else {
		info->n_modules = w.n_read;
		snprintf(info->detail, sizeof(info->detail),
		         "%zu of %zu modules, those exporting what is needed, by modules.symbols; "
		         "kernel image: %s", w.n_read, n_dep, vm);
	}
	free(img);
	goto out;
full:
	free(syms);
	free(deps);
	free(sym_path);
	free(dep_path);
	return kx_read_exports_full(ctx, table, path, info);
out:
	free(syms);
	free(deps);
	free(sym_path);
	free(dep_path);
	return r < 0 ? r : 0;
}

KX_EXPORT int kexport_read_exports_for(struct kexport_ctx *ctx, struct kexport_table *table,
                                       const char *path, const char *const *names,
                                       size_t n_names, struct kexport_source_info *info)
{
	if (!kx_sized_ok(info))
		return kx_info_unsized(ctx, path);
	struct kexport_source_info full;
	memset(&full, 0, sizeof(full));
	int r = read_exports_for(ctx, table, path, names, n_names, &full);
	kx_sized_out(info, &full, sizeof(full));
	return r;
}
