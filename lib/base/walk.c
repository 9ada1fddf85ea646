/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding module files below a directory.  Symlinked directories are
 * followed, but each directory (device, inode) is entered once: a loop is
 * reported and cut, never walked forever.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libkexport-internal.h"

struct walk {
	struct kexport_ctx *ctx;
	bool (*want)(const char *name, size_t len);
	bool skip_build_links;  /* /lib/modules/VER/{build,source} */
	bool no_dir_links;      /* symlinked directories are not entered (source trees) */
	int (*found)(const char *path, void *arg);
	int (*found_in)(const char *path, struct kx_dir *dir, const char *name, void *arg);
	atomic_size_t *dirs_open; /* with found_in */
	void *arg;
	char *file_path;       /* the path found() is given, made again for each file */
	size_t file_cap;
	struct kx_vec seen;    /* struct dev_ino */
	int depth;
	size_t n_found;        /* files reported */
	int first_err;         /* the first directory that could not be read: -errno */
	/* Each depth's directory, so that a descendant short of descriptors can
	 * close an ancestor's and the ancestor open it again by its path. */
	struct walk_level {
		int fd;               /* -1: closed to spare a descriptor */
		struct kx_dir *self;  /* with found_in: the shared directory (its fd) */
		const char *path;
	} lv[66];
	/* Each depth's getdents64() buffer and entry list, kept: no re-faulting. */
	char *bufs[66];
	size_t bufcap[66];
	struct walk_entry *ents[66];
	size_t entcap[66];
};

/* A directory entry the walk enters or reports. */
struct walk_entry {
	const char *name;  /* in the depth's getdents64() buffer */
	size_t len;
	bool isdir;
};

/*
 * Entries are taken in the order of their paths (strcmp), so that a walk
 * reports a tree's files sorted and the readers need not sort them again:
 * a directory's name is compared as if followed by its '/'.
 */
static int cmp_walk_entry(const void *x, const void *y)
{
	const struct walk_entry *a = x, *b = y;
	for (size_t i = 0;; i++) {
		int ca = i < a->len ? (unsigned char)a->name[i] : i == a->len && a->isdir ? '/' : 0;
		int cb = i < b->len ? (unsigned char)b->name[i] : i == b->len && b->isdir ? '/' : 0;
		if (ca != cb)
			return ca - cb;
		if (ca == 0 || (ca == '/' && i >= a->len))
			return 0;
	}
}

/* A directory the walk has open, shared with whoever still wants to open
 * names in it; the last kx_dir_put() closes it. */
struct kx_dir {
	int fd;
	atomic_uint refs;
	atomic_size_t *n_open; /* the caller's count of directories open */
};

int kx_dir_fd(const struct kx_dir *d)
{
	return d->fd;
}

void kx_dir_get(struct kx_dir *d)
{
	atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
}

void kx_dir_put(struct kx_dir *d)
{
	if (d && atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) == 1) {
		if (d->fd >= 0) { /* not spared (release_ancestors()) */
			close(d->fd);
			atomic_fetch_sub_explicit(d->n_open, 1, memory_order_relaxed);
		}
		free(d);
	}
}

/*
 * Spare descriptors: close the directories of depths above `below` that
 * only the walk holds (a shared one with readers waiting on it stays).
 * They are opened again by path when the walk comes back to them.
 */
static void release_ancestors(struct walk *w, int below)
{
	for (int d = 1; d < below; d++) {
		struct walk_level *l = &w->lv[d];
		if (l->self) {
			if (l->self->fd >= 0 &&
			    atomic_load_explicit(&l->self->refs, memory_order_acquire) == 1) {
				close(l->self->fd);
				l->self->fd = -1;
				atomic_fetch_sub_explicit(l->self->n_open, 1, memory_order_relaxed);
			}
		} else if (l->fd >= 0) {
			close(l->fd);
			l->fd = -1;
		}
	}
}

/*
 * openat() that does not give up when descriptors run out: the walk's own
 * ancestors are closed first, then it waits for the readers, who close
 * theirs as they finish modules, and opens by the full path.
 */
static int open_dir(struct walk *w, int depth, int at, const char *name, const char *path)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && kx_no_fds(errno)) {
		release_ancestors(w, depth);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	for (int tries = 0; fd < 0 && kx_no_fds(errno) && kx_fds_wait(&tries);) {
		release_ancestors(w, depth);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return fd;
}

/* Depth d's directory descriptor, opened again if it was spared; -1 if it
 * cannot be (the caller then goes by full paths). */
static int level_fd(struct walk *w, int d)
{
	struct walk_level *l = &w->lv[d];
	int *fdp = l->self ? &l->self->fd : &l->fd;
	if (*fdp < 0) {
		*fdp = open_dir(w, d, AT_FDCWD, l->path, l->path);
		if (*fdp >= 0 && l->self)
			atomic_fetch_add_explicit(l->self->n_open, 1, memory_order_relaxed);
	}
	return *fdp;
}

struct dev_ino {
	dev_t dev;
	ino_t ino;
};

static bool is_module_name(const char *n, size_t len)
{
	static const char *const sfx[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	for (size_t i = 0; i < KX_ARRAY_SIZE(sfx); i++) {
		size_t sl = strlen(sfx[i]);
		if (len > sl && memcmp(n + len - sl, sfx[i], sl) == 0)
			return true;
	}
	return false;
}

static void diag_errno(struct walk *w, const char *dir, int e)
{
	if (!w->first_err)
		w->first_err = -e;
	char msg[KEXPORT_ERRMSG_MAX];
	snprintf(msg, sizeof(msg), "cannot read directory: %s", strerror(e));
	kx_diag(w->ctx, dir, -e, msg);
}

/* dir + "/" + name, malloc'd */
static char *join(const char *dir, size_t dl, const char *name, size_t nl)
{
	char *p = malloc(dl + nl + 2);
	if (p) {
		memcpy(p, dir, dl);
		p[dl] = '/';
		memcpy(p + dl + 1, name, nl + 1);
	}
	return p;
}

/*
 * Walk `dir`, which is `name` relative to the directory `at` (AT_FDCWD and
 * the whole path at the top): lookups are relative to the parent's open
 * descriptor, so the kernel does not resolve every path from the root.
 */
static int walk_dir(struct walk *w, int at, const char *name, const char *dir, bool top)
{
	/* Opened first and then fstat()ed: the name is looked up once, not
	 * for a stat and again for the open (a tree has 900 directories). */
	int fd = open_dir(w, w->depth + 1, at, name, dir);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		diag_errno(w, dir, errno);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	for (size_t i = 0; i < w->seen.n; i++) {
		struct dev_ino *s = (struct dev_ino *)w->seen.items + i;
		if (s->dev == st.st_dev && s->ino == st.st_ino) {
			kx_diag(w->ctx, dir, -ELOOP, "directory loop: already walked, skipped");
			close(fd);
			return 0;
		}
	}
	struct dev_ino *di = kx_vec_push(&w->seen);
	if (!di) {
		close(fd);
		return -ENOMEM;
	}
	di->dev = st.st_dev;
	di->ino = st.st_ino;
	if (++w->depth > 64) {
		kx_diag(w->ctx, dir, -ELOOP, "directories nested too deep, skipped");
		close(fd);
		w->depth--;
		return 0;
	}
	int d = w->depth;
	if (!w->bufs[d] && (w->bufs[d] = malloc(32768)))
		w->bufcap[d] = 32768;
	struct kx_dir *self = NULL;
	if (w->bufs[d] && w->found_in && (self = malloc(sizeof(*self)))) {
		self->fd = fd;
		atomic_init(&self->refs, 1);
		self->n_open = w->dirs_open;
		atomic_fetch_add_explicit(self->n_open, 1, memory_order_relaxed);
	}
	if (!w->bufs[d] || (w->found_in && !self)) {
		close(fd);
		w->depth--;
		return -ENOMEM; /* the whole walk stops: no answer is better than a wrong one */
	}
	w->lv[d] = (struct walk_level){ self ? -1 : fd, self, dir };
	/* getdents64() directly: readdir() would add an fstat() and an fcntl().
	 * The whole directory is read first, to take its entries in order. */
	size_t used = 0;
	int r = 0;
	for (;;) {
		if (w->bufcap[d] - used < 4096) {
			char *nb = realloc(w->bufs[d], w->bufcap[d] * 2);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			w->bufs[d] = nb;
			w->bufcap[d] *= 2;
		}
		ssize_t got = getdents64(fd, w->bufs[d] + used, w->bufcap[d] - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) { /* not the end: the directory could not be read */
			diag_errno(w, dir, errno);
			used = 0;
			break;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	size_t n_ents = 0;
	for (size_t pos = 0; r == 0 && pos < used;) {
		const struct dirent64 *de = (const struct dirent64 *)(w->bufs[d] + pos);
		pos += de->d_reclen;
		const char *n = de->d_name;
		if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
			continue;
		/* /lib/modules/VER/{build,source} point at whole kernel trees */
		if (top && w->skip_build_links && (strcmp(n, "build") == 0 || strcmp(n, "source") == 0))
			continue;
		size_t nl = strlen(n);
		bool isdir = de->d_type == DT_DIR;
		bool isreg = de->d_type == DT_REG;
		bool module = w->want(n, nl);
		if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) {
			struct stat s2;
			if (fstatat(fd, n, &s2, 0) == 0) {
				isdir = S_ISDIR(s2.st_mode) && !(w->no_dir_links && de->d_type == DT_LNK);
				isreg = S_ISREG(s2.st_mode);
			} else if (module) {
				isreg = true; /* a dangling link to a module: report it when read */
			}
		}
		if (!isdir && !(isreg && module))
			continue;
		if (n_ents == w->entcap[d]) {
			size_t cap = w->entcap[d] ? w->entcap[d] * 2 : 64;
			struct walk_entry *ne = realloc(w->ents[d], cap * sizeof(*ne));
			if (!ne) {
				r = -ENOMEM;
				break;
			}
			w->ents[d] = ne;
			w->entcap[d] = cap;
		}
		w->ents[d][n_ents++] = (struct walk_entry){ n, nl, isdir };
	}
	if (n_ents > 1)
		qsort(w->ents[d], n_ents, sizeof(*w->ents[d]), cmp_walk_entry);
	size_t dl = strlen(dir);
	for (size_t i = 0; r == 0 && i < n_ents; i++) {
		const char *n = w->ents[d][i].name;
		size_t nl = w->ents[d][i].len;
		if (w->ents[d][i].isdir) {
			char *p = join(dir, dl, n, nl);
			if (!p) {
				r = -ENOMEM;
				break;
			}
			int at_fd = level_fd(w, d);
			r = at_fd >= 0 ? walk_dir(w, at_fd, n, p, false) : walk_dir(w, AT_FDCWD, p, p, false);
			free(p);
			continue;
		}
		/* A file's path is lent to found(), not malloc'd for it: a tree's
		 * thousands of paths faulted in the heap page by page. */
		if (dl + nl + 2 > w->file_cap) {
			size_t cap = (dl + nl + 2) * 2;
			char *np = realloc(w->file_path, cap);
			if (!np) {
				r = -ENOMEM;
				break;
			}
			w->file_path = np;
			w->file_cap = cap;
		}
		memcpy(w->file_path, dir, dl);
		w->file_path[dl] = '/';
		memcpy(w->file_path + dl + 1, n, nl + 1);
		if (self)
			level_fd(w, d); /* a spared directory opened again for its files */
		w->n_found++;
		r = self ? w->found_in(w->file_path, self, w->file_path + dl + 1, w->arg)
		         : w->found(w->file_path, w->arg);
	}
	if (self)
		kx_dir_put(self);
	else if (w->lv[d].fd >= 0)
		close(w->lv[d].fd);
	w->depth--;
	return r;
}

static int walk(struct walk *w, const char *dir)
{
	kx_vec_init(&w->seen, sizeof(struct dev_ino));
	int r = walk_dir(w, AT_FDCWD, dir, dir, true);
	/* Nothing found because a directory could not be read: that error
	 * (said already), not an empty tree. */
	if (r == 0 && !w->n_found && w->first_err)
		r = w->first_err;
	kx_vec_free(&w->seen);
	for (size_t i = 0; i < KX_ARRAY_SIZE(w->bufs); i++) {
		free(w->bufs[i]);
		free(w->ents[i]);
	}
	free(w->file_path);
	return r;
}

int kx_walk_files_each(struct kexport_ctx *ctx, const char *dir,
                       bool (*want)(const char *name, size_t len),
                       int (*found)(const char *path, void *arg), void *arg)
{
	struct walk w = { .ctx = ctx, .want = want, .no_dir_links = true, .found = found, .arg = arg };
	return walk(&w, dir);
}

int kx_walk_modules_each(struct kexport_ctx *ctx, const char *dir,
                         int (*found)(const char *path, void *arg), void *arg)
{
	struct walk w = { .ctx = ctx, .want = is_module_name, .skip_build_links = true,
		          .found = found, .arg = arg };
	return walk(&w, dir);
}

int kx_walk_modules_in(struct kexport_ctx *ctx, const char *dir,
                       int (*found)(const char *path, struct kx_dir *d, const char *name,
                                    void *arg),
                       void *arg, atomic_size_t *dirs_open)
{
	struct walk w = { .ctx = ctx, .want = is_module_name, .skip_build_links = true,
		          .found_in = found, .dirs_open = dirs_open, .arg = arg };
	return walk(&w, dir);
}

static int collect(const char *path, void *arg)
{
	char *copy = strdup(path);
	char **slot = copy ? kx_vec_push(arg) : NULL;
	if (!slot) {
		free(copy);
		return -ENOMEM;
	}
	*slot = copy;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kx_walk_modules(struct kexport_ctx *ctx, const char *dir, char ***paths, size_t *n)
{
	struct kx_vec v;
	kx_vec_init(&v, sizeof(char *));
	int r = kx_walk_modules_each(ctx, dir, collect, &v);
	if (r < 0) {
		kx_free_paths(v.items, v.n);
		return r;
	}
	/* in order already, as the walk takes each directory's entries */
	kx_sort_unless_sorted(v.items, v.n, sizeof(char *), cmp_str);
	*paths = v.items;
	*n = v.n;
	return 0;
}

void kx_free_paths(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
