/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A kernel source tree: every .c, .h and .S file scanned with
 * kx_src_scan() on the context's threads, the namespace Makefiles give
 * with -DDEFAULT_SYMBOL_NAMESPACE, and, with a configuration, which files
 * kbuild would build and as what.
 *
 * The kbuild model is the simple part of kbuild: from the top Kbuild, a
 * directory is entered when its parent lists it in obj-y/obj-m (or
 * obj-$(CONFIG_X) with X on), and an object is built from NAME.c or NAME.S,
 * or from the parts NAME-y / NAME-objs list.  ifeq/ifdef on CONFIG_ values
 * are followed; anything the model cannot evaluate counts as on.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libkexport-internal.h"

/* One export found, kept until the tree is done (strings in the file's arena). */
struct tree_exp {
	const char *name, *macro, *ns, *cond;
	unsigned line;
	enum kexport_kind kind;
};

struct tree_file {
	char *path;            /* as walked: dir/rel */
	const char *rel;       /* below the tree */
	const char *default_ns;/* from the Makefiles, or NULL */
	struct kx_vec exps;    /* struct tree_exp */
	struct kx_arena arena;
	char *msg;             /* why it could not be scanned */
	int err;
	signed char built;     /* -1 not decided, 0 no, 1 built in, 2 module */
	bool makefile;         /* a Makefile or Kbuild */
	char **c_includes;     /* #include "x.c" or "x.h": built with this file */
	size_t n_c_includes;
	bool mentions_ns;      /* ... that mentions DEFAULT_SYMBOL_NAMESPACE */
	const char *owner;     /* "vmlinux" or the module path, when built */
};

struct tree {
	struct kexport_ctx *ctx;
	const char *dir;
	size_t dir_len;
	const struct kexport_kernel *k; /* NULL: no configuration */
	struct kx_stream q;    /* struct tree_file, as the walk finds them */
	void **files;          /* then q's items, sorted */
	size_t n_files;
	/* name index of files (rel), open addressing */
	size_t *index;
	size_t index_cap;
	struct kx_arena arena; /* owners, namespaces */
	struct kx_kbuild kb;   /* what its Makefiles see: the tree, SRCARCH, the configuration */
	int depth;
};

/* ---------------------------------------------------------------------- */
/* Files                                                                  */

static bool want_source(const char *n, size_t l)
{
	if (l > 2 && n[l - 2] == '.' && (n[l - 1] == 'c' || n[l - 1] == 'h' || n[l - 1] == 'S'))
		return true;
	return (l == 8 && memcmp(n, "Makefile", 8) == 0) || (l == 5 && memcmp(n, "Kbuild", 5) == 0);
}

static int add_file(const char *found, void *arg)
{
	struct tree *t = arg;
	char *path = strdup(found);
	struct tree_file *f = path ? calloc(1, sizeof(*f)) : NULL;
	if (!f) {
		free(path);
		return -ENOMEM;
	}
	f->path = path;
	f->rel = path + t->dir_len + 1;
	f->built = -1;
	const char *base = strrchr(f->rel, '/');
	base = base ? base + 1 : f->rel;
	f->makefile = strcmp(base, "Makefile") == 0 || strcmp(base, "Kbuild") == 0;
	kx_vec_init(&f->exps, sizeof(struct tree_exp));
	if (kx_stream_push(&t->q, f) < 0) {
		free(path);
		free(f);
		return -ENOMEM;
	}
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	const struct tree_file *x = *(void *const *)a, *y = *(void *const *)b;
	return strcmp(x->rel, y->rel);
}

static struct tree_file *file_at(struct tree *t, size_t i)
{
	return t->files[i];
}

static int build_index(struct tree *t)
{
	size_t cap = 16;
	while (cap < t->n_files * 2)
		cap *= 2;
	t->index = malloc(cap * sizeof(size_t));
	if (!t->index)
		return -ENOMEM;
	t->index_cap = cap;
	for (size_t i = 0; i < cap; i++)
		t->index[i] = SIZE_MAX;
	for (size_t i = 0; i < t->n_files; i++) {
		size_t h = kx_hash(file_at(t, i)->rel) & (cap - 1);
		while (t->index[h] != SIZE_MAX)
			h = (h + 1) & (cap - 1);
		t->index[h] = i;
	}
	return 0;
}

static struct tree_file *find_file(struct tree *t, const char *rel)
{
	if (!t->index_cap)
		return NULL;
	size_t h = kx_hash(rel) & (t->index_cap - 1);
	while (t->index[h] != SIZE_MAX) {
		struct tree_file *f = file_at(t, t->index[h]);
		if (strcmp(f->rel, rel) == 0)
			return f;
		h = (h + 1) & (t->index_cap - 1);
	}
	return NULL;
}

static void normalise(char *p);

/* ---------------------------------------------------------------------- */
/* Namespaces from Makefiles (with or without a configuration)            */

static const char *var_ns(struct tree *t, struct kx_mk *m, const char *name)
{
	char buf[256];
	int n = kx_mk_flags_ns(m, name, buf, sizeof(buf));
	return n > 0 ? kx_arena_strdup(&t->arena, buf) : NULL;
}

/*
 * Give every source file below reldir the namespace ccflags-y, CFLAGS_x.o
 * or an ancestor's subdir-ccflags-y set for it.  Only Makefiles that
 * mention DEFAULT_SYMBOL_NAMESPACE (the workers looked) are parsed.
 */
static int apply_ns(struct tree *t)
{
	for (size_t i = 0; i < t->n_files; i++) {
		struct tree_file *mf = file_at(t, i);
		if (!mf->mentions_ns)
			continue;
		const char *base = strrchr(mf->rel, '/');
		base = base ? base + 1 : mf->rel;
		size_t dl = (size_t)(base - mf->rel);
		char *reldir = strndup(mf->rel, dl);
		if (!reldir)
			return -ENOMEM;
		struct kx_mk m;
		int r = kx_mk_load(&m, &t->kb, reldir, false);
		if (r == -ENOMEM) {
			free(reldir);
			kx_mk_free(&m);
			return r;
		}
		const char *dir_ns = var_ns(t, &m, "ccflags-y");
		if (!dir_ns)
			dir_ns = var_ns(t, &m, "asflags-y");
		const char *sub_ns = var_ns(t, &m, "subdir-ccflags-y");
		for (size_t j = 0; j < t->n_files; j++) {
			struct tree_file *f = file_at(t, j);
			if (strncmp(f->rel, reldir, dl) != 0)
				continue;
			const char *fb = f->rel + dl;
			bool here = !strchr(fb, '/');
			if (here) {
				/* CFLAGS_name.o */
				char key[300];
				size_t bl = strlen(fb);
				snprintf(key, sizeof(key), "CFLAGS_%.*s.o", (int)(bl > 2 ? bl - 2 : bl), fb);
				const char *ns = var_ns(t, &m, key);
				if (ns)
					f->default_ns = ns;
				else if (dir_ns)
					f->default_ns = dir_ns;
				else if (sub_ns)
					f->default_ns = sub_ns;
			} else if (sub_ns && !f->default_ns) {
				f->default_ns = sub_ns;
			}
		}
		kx_mk_free(&m);
		free(reldir);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* What a configuration builds                                            */

/* "arch/x86/kvm/../../../virt/kvm/x.c" -> "virt/kvm/x.c", in place */
static void normalise(char *p)
{
	char *out = p;
	const char *r = p;
	while (*r) {
		const char *e = strchr(r, '/');
		size_t l = e ? (size_t)(e - r) : strlen(r);
		if (l == 2 && r[0] == '.' && r[1] == '.') {
			/* drop the last component written */
			if (out > p) {
				out--;
				while (out > p && out[-1] != '/')
					out--;
			}
		} else if (!(l == 1 && r[0] == '.') && l > 0) {
			memmove(out, r, l);
			out += l;
			if (e)
				*out++ = '/';
		}
		r += l + (e ? 1 : 0);
	}
	*out = '\0';
}

static void mark_source(struct tree *t, const char *reldir, const char *obj, int mode,
                        const char *owner)
{
	char rel[4096];
	size_t ol = strlen(obj);
	if (ol < 3 || ol > 3000)
		return;
	static const char *const exts[] = { "c", "S" };
	for (size_t i = 0; i < KX_ARRAY_SIZE(exts); i++) {
		snprintf(rel, sizeof(rel), "%s%.*s.%s", reldir, (int)(ol - 2), obj, exts[i]);
		normalise(rel);
		struct tree_file *f = find_file(t, rel);
		if (f) {
			/* built in wins over module when two rules name a file */
			if (f->built != 1) {
				f->built = (signed char)mode;
				f->owner = owner;
			}
			return;
		}
	}
}

static void build_obj(struct tree *t, struct kx_mk *m, const char *obj, int mode,
                      const char *owner, int depth)
{
	size_t ol = strlen(obj);
	if (ol < 3 || strcmp(obj + ol - 2, ".o") != 0 || depth > 8)
		return;
	char base[512];
	snprintf(base, sizeof(base), "%.*s", (int)(ol - 2), obj);
	static const char *const sfx[] = { "-y", "-objs", "-m" };
	bool composite = false;
	for (size_t i = 0; i < KX_ARRAY_SIZE(sfx); i++) {
		char key[600];
		snprintf(key, sizeof(key), "%s%s", base, sfx[i]);
		struct kx_mk_var *v = kx_mk_var(m, key);
		if (!v)
			continue;
		char *e = kx_mk_expand(m, v->value, NULL);
		if (!e)
			continue;
		char *save = NULL;
		for (char *tok = strtok_r(e, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			composite = true;
			if (strcmp(tok, obj) == 0)
				mark_source(t, m->dir, tok, mode, owner);
			else
				build_obj(t, m, tok, mode, owner, depth + 1);
		}
		free(e);
	}
	if (!composite)
		mark_source(t, m->dir, obj, mode, owner);
}

static int enter_dir(struct tree *t, const char *reldir, int dir_mode, const char *extra);

static void build_list(struct tree *t, struct kx_mk *m, const char *list, int mode, int dir_mode)
{
	char *e = kx_mk_expand(m, list, NULL);
	if (!e)
		return;
	char *save = NULL;
	for (char *tok = strtok_r(e, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		size_t tl = strlen(tok);
		int md = mode == 2 || dir_mode == 2 ? 2 : 1;
		if (tok[tl - 1] == '/') {
			char sub[4096];
			snprintf(sub, sizeof(sub), "%s%s", m->dir, tok);
			enter_dir(t, sub, md, NULL);
		} else if (tl > 2 && strcmp(tok + tl - 2, ".o") == 0) {
			const char *owner = "vmlinux";
			if (md == 2) {
				char mod[4096];
				snprintf(mod, sizeof(mod), "%s%.*s", m->dir, (int)(tl - 2), tok);
				owner = kx_arena_strdup(&t->arena, mod);
			}
			build_obj(t, m, tok, md, owner, 0);
		}
	}
	free(e);
}

/* extra: more obj-y entries (the top Kbuild's $(ARCH_*) lists). */
static int enter_dir(struct tree *t, const char *reldir, int dir_mode, const char *extra)
{
	if (++t->depth > 40) {
		t->depth--;
		return 0;
	}
	struct kx_mk m;
	int r = kx_mk_load(&m, &t->kb, reldir, false);
	if (r == 0) {
		struct kx_mk_var *v;
		if ((v = kx_mk_var(&m, "obj-y")))
			build_list(t, &m, v->value, 1, dir_mode);
		if ((v = kx_mk_var(&m, "lib-y")))
			build_list(t, &m, v->value, 1, dir_mode);
		if ((v = kx_mk_var(&m, "obj-m")))
			build_list(t, &m, v->value, 2, dir_mode);
		if (extra) {
			struct kx_mk top = { .kb = &t->kb, .dir = "" };
			build_list(t, &top, extra, 1, dir_mode);
		}
	}
	kx_mk_free(&m);
	t->depth--;
	return r == -ENOMEM ? r : 0;
}

static const struct {
	const char *config, *arch;
} arches[] = {
	{ "CONFIG_X86", "x86" }, { "CONFIG_ARM64", "arm64" }, { "CONFIG_ARM", "arm" },
	{ "CONFIG_PPC", "powerpc" }, { "CONFIG_S390", "s390" }, { "CONFIG_RISCV", "riscv" },
	{ "CONFIG_MIPS", "mips" }, { "CONFIG_LOONGARCH", "loongarch" }, { "CONFIG_SPARC", "sparc" },
	{ "CONFIG_PARISC", "parisc" }, { "CONFIG_ALPHA", "alpha" }, { "CONFIG_M68K", "m68k" },
	{ "CONFIG_SUPERH", "sh" }, { "CONFIG_IA64", "ia64" },
};

/* The top Kbuild with $(ARCH_CORE), $(ARCH_LIB), $(ARCH_DRIVERS) of arch/ARCH/Makefile. */
static int build_config(struct tree *t)
{
	for (size_t i = 0; i < KX_ARRAY_SIZE(arches) && !t->kb.srcarch; i++)
		if (kx_kbuild_config(&t->kb, arches[i].config)[0] == 'y')
			t->kb.srcarch = arches[i].arch;
	char archdir[64];
	snprintf(archdir, sizeof(archdir), "arch/%s/", t->kb.srcarch ? t->kb.srcarch : "x86");
	struct kx_mk am;
	char *extra = NULL;
	int r = kx_mk_load(&am, &t->kb, archdir, true);
	if (r == 0) {
		struct sbuf_l {
			char *s;
		} x = { strdup("lib/") };
		static const char *const lists[] = { "core-y", "libs-y", "drivers-y", "drivers-m" };
		for (size_t i = 0; i < KX_ARRAY_SIZE(lists) && x.s; i++) {
			struct kx_mk_var *v = kx_mk_var(&am, lists[i]);
			if (!v)
				continue;
			char *e = kx_mk_expand(&am, v->value, NULL);
			char *n = NULL;
			if (e && asprintf(&n, "%s %s", x.s, e) < 0)
				n = NULL;
			free(e);
			free(x.s);
			x.s = n;
		}
		extra = x.s;
	}
	kx_mk_free(&am);
	r = enter_dir(t, "", 1, extra);
	free(extra);
	return r;
}

/* ---------------------------------------------------------------------- */
/* Scanning on the threads                                                */

struct collect {
	struct tree_file *f;
	int oom;
};

static int collect_one(const struct kexport_src_export *e, void *arg)
{
	struct collect *c = arg;
	struct tree_exp *x = kx_vec_push(&c->f->exps);
	if (!x) {
		c->oom = 1;
		return 1;
	}
	struct kx_arena *a = &c->f->arena;
	x->name = kx_arena_strdup(a, e->name);
	x->macro = kx_arena_strdup(a, e->macro);
	x->ns = e->ns ? kx_arena_strdup(a, e->ns) : NULL;
	x->cond = e->cond ? kx_arena_strdup(a, e->cond) : NULL;
	x->line = e->line;
	x->kind = e->kind;
	if (!x->name || !x->macro || (e->ns && !x->ns) || (e->cond && !x->cond)) {
		c->oom = 1;
		return 1;
	}
	return 0;
}

/* Read a file into *buf (grown as needed) with pread; the bytes read, or -errno. */
static ssize_t read_whole(const char *path, char **buf, size_t *cap, size_t limit)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	for (;;) {
		if (n == *cap) {
			if (*cap > limit)
				break;
			/* past the limit by one byte at most: enough to say "too big" */
			size_t nc = *cap ? *cap * 2 : 1 << 20;
			if (nc > limit + 1)
				nc = limit + 1;
			char *nb = realloc(*buf, nc);
			if (!nb) {
				close(fd);
				return -ENOMEM;
			}
			*buf = nb;
			*cap = nc;
		}
		ssize_t got = pread(fd, *buf + n, *cap - n, (off_t)n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return -e;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		/* a short read of a regular file is its end: no second pread for EOF */
		if (n < *cap)
			break;
	}
	close(fd);
	return (ssize_t)n;
}

#define TREE_FILE_LIMIT ((size_t)64 << 20)

/*
 * The scanner is given this as the default namespace: the Makefiles are
 * read after the scan, and exports that took the default get theirs then.
 */
static const char default_ns_mark[] = "\x01";

/*
 * #include "name.c" (kernel/sched/build_utility.c includes wait.c, ...) or
 * "name.h" (kernel/rcu/tree.c includes tree_plugin.h): such a file is
 * compiled as part of the including one.  Names are kept relative to the
 * tree.
 */
static void find_c_includes(struct tree_file *f, const char *b, size_t n)
{
	const char *end = b + n;
	for (const char *p = b; (p = memmem(p, (size_t)(end - p), "include \"", 9)); p += 9) {
		const char *q = p + 9, *e = q;
		while (e < end && *e != '"' && *e != '\n')
			e++;
		if (e >= end || *e != '"' || e - q < 3 || e[-2] != '.' || (e[-1] != 'c' && e[-1] != 'h'))
			continue;
		/* only as a directive: '#' and blanks before it on the line */
		const char *h = p;
		while (h > b && (h[-1] == ' ' || h[-1] == '\t'))
			h--;
		if (h == b || h[-1] != '#')
			continue;
		const char *slash = strrchr(f->rel, '/');
		int dl = slash ? (int)(slash - f->rel + 1) : 0;
		char *rel;
		if (asprintf(&rel, "%.*s%.*s", dl, f->rel, (int)(e - q), q) < 0)
			return;
		char **v = realloc(f->c_includes, (f->n_c_includes + 1) * sizeof(*v));
		if (!v) {
			free(rel);
			return;
		}
		normalise(rel);
		f->c_includes = v;
		f->c_includes[f->n_c_includes++] = rel;
	}
}

static void scan_one(struct tree_file *f, char **buf, size_t *cap, bool with_includes)
{
	ssize_t n = read_whole(f->path, buf, cap, TREE_FILE_LIMIT);
	if (n < 0) {
		f->err = (int)n;
		f->msg = strdup(strerror((int)-n));
		return;
	}
	if (f->makefile) {
		f->mentions_ns = memmem(*buf, (size_t)n, "DEFAULT_SYMBOL_NAMESPACE", 24) != NULL;
		return;
	}
	if (with_includes) /* only a configuration needs them */
		find_c_includes(f, *buf, (size_t)n);
	char msg[256];
	struct collect c = { f, 0 };
	int r = kx_src_scan(f->rel, *buf, (size_t)n, default_ns_mark, collect_one, &c, msg);
	if (c.oom) {
		f->err = -ENOMEM;
		f->msg = strdup("out of memory");
	} else if (r < 0) {
		f->err = -EINVAL;
		f->msg = strdup(msg);
	}
}

static void scan_worker(void *arg)
{
	struct tree *t = arg;
	char *buf = NULL;
	size_t cap = 0;
	struct tree_file *f;
	while ((f = kx_stream_pop(&t->q)))
		scan_one(f, &buf, &cap, t->k != NULL);
	free(buf);
}

KX_EXPORT bool kexport_is_source_tree(const char *dir)
{
	static const char *const marks[] = { "Kbuild", "Makefile", "include/linux/export.h" };
	for (size_t i = 0; i < KX_ARRAY_SIZE(marks); i++) {
		char *p;
		if (asprintf(&p, "%s/%s", dir, marks[i]) < 0)
			return false;
		bool ok = kx_is_file(p);
		free(p);
		if (!ok)
			return false;
	}
	return true;
}

KX_EXPORT int kexport_src_tree_scan(struct kexport_ctx *ctx, const char *dir,
                                    const struct kexport_kernel *config,
                                    kexport_src_tree_fn fn, void *arg)
{
	struct tree t = { .ctx = ctx, .dir = dir, .k = config, .kb = { .dir = dir, .k = config } };
	t.dir_len = strlen(dir);
	while (t.dir_len > 1 && dir[t.dir_len - 1] == '/')
		t.dir_len--;
	char *d = strndup(dir, t.dir_len);
	if (!d)
		return -ENOMEM;
	t.dir = d;
	/* the walk hands each file to the other threads as soon as it is found */
	kx_stream_init(&t.q, ctx, scan_worker, &t);
	int r = kx_walk_files_each(ctx, d, want_source, add_file, &t);
	kx_stream_finish(&t.q, r < 0);
	t.files = t.q.items;
	t.n_files = t.q.n;
	if (r == 0 && t.n_files > 1)
		qsort(t.files, t.n_files, sizeof(*t.files), cmp_file);
	if (r == 0)
		r = build_index(&t);
	if (r == 0)
		r = apply_ns(&t);
	if (r == 0 && config) {
		r = build_config(&t);
		/* what built files #include "..." is built with them, as they are */
		for (bool changed = true; changed && r == 0;) {
			changed = false;
			for (size_t i = 0; i < t.n_files; i++) {
				struct tree_file *f = t.files[i];
				for (size_t j = 0; f->built > 0 && j < f->n_c_includes; j++) {
					struct tree_file *inc = find_file(&t, f->c_includes[j]);
					if (inc && inc->built <= 0) {
						inc->built = f->built;
						inc->owner = f->owner;
						changed = true;
					}
				}
			}
		}
	}
	bool stop = false;
	for (size_t i = 0; i < t.n_files; i++) {
		struct tree_file *f = file_at(&t, i);
		if (r == 0 && f->err)
			kx_diag(ctx, f->path, f->err, f->msg ? f->msg : strerror(-f->err));
		for (size_t j = 0; r == 0 && !stop && j < f->exps.n; j++) {
			struct tree_exp *x = (struct tree_exp *)f->exps.items + j;
			const char *ns = x->ns;
			if (ns && strcmp(ns, default_ns_mark) == 0)
				ns = f->default_ns;
			struct kexport_src_export e = {
				.name = x->name, .macro = x->macro, .kind = x->kind, .ns = ns,
				.line = x->line, .cond = x->cond,
			};
			struct kexport_src_tree_export te = { .e = &e, .file = f->rel, .built = -1 };
			if (config) {
				if (f->built <= 0) {
					/* headers are built where they are included: unknown */
					size_t rl = strlen(f->rel);
					te.built = f->rel[rl - 1] == 'h' ? -1 : 0;
					te.cond_value = kexport_src_cond_eval(x->cond, config, false);
				} else {
					te.cond_value = kexport_src_cond_eval(x->cond, config, f->built == 2);
					te.built = te.cond_value == 0 ? 0 : te.cond_value < 0 ? -1 : f->built;
					te.owner = f->owner;
				}
			} else {
				te.cond_value = -1;
			}
			if (fn(&te, arg))
				stop = true;
		}
		kx_vec_free(&f->exps);
		kx_arena_free(&f->arena);
		free(f->msg);
		free(f->path);
		for (size_t j = 0; j < f->n_c_includes; j++)
			free(f->c_includes[j]);
		free(f->c_includes);
		free(f);
	}
	free(t.files);
	free(t.index);
	kx_arena_free(&t.arena);
	free(d);
	return r;
}

int kx_src_makefile_fuzz(const char *data, size_t size, const struct kexport_kernel *config)
{
	struct tree t = { .k = config, .kb = { .k = config } }; /* no directory: text only */
	struct kx_mk m = { .kb = &t.kb, .dir = "" };
	char *text = strndup(data, size);
	if (!text)
		return -ENOMEM;
	int r = kx_mk_parse_text(&m, text);
	int n = 0;
	static const char *const lists[] = { "obj-y", "obj-m", "lib-y" };
	for (size_t i = 0; r == 0 && i < KX_ARRAY_SIZE(lists); i++) {
		struct kx_mk_var *v = kx_mk_var(&m, lists[i]);
		if (!v)
			continue;
		char *e = kx_mk_expand(&m, v->value, NULL);
		if (!e) {
			r = -ENOMEM;
			break;
		}
		char *save = NULL;
		for (char *tok = strtok_r(e, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			build_obj(&t, &m, tok, i == 1 ? 2 : 1, "vmlinux", 0);
			n++;
		}
		free(e);
		(void)var_ns(&t, &m, "ccflags-y");
	}
	kx_mk_free(&m);
	kx_arena_free(&t.arena);
	return r < 0 ? r : n;
}
