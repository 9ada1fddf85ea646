/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding module files below a directory.  Symlinked directories are
 * followed, but each directory (device, inode) is entered once: a loop is
 * reported and cut, never walked forever.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libkexport-internal.h"

struct walk {
	struct kexport_ctx *ctx;
	struct kx_vec paths;   /* char * */
	struct kx_vec seen;    /* struct dev_ino */
	int depth;
};

struct dev_ino {
	dev_t dev;
	ino_t ino;
};

static bool is_module_name(const char *n)
{
	size_t len = strlen(n);
	static const char *const sfx[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	for (size_t i = 0; i < KX_ARRAY_SIZE(sfx); i++) {
		size_t sl = strlen(sfx[i]);
		if (len > sl && strcmp(n + len - sl, sfx[i]) == 0)
			return true;
	}
	return false;
}

static int walk_dir(struct walk *w, const char *dir, bool top)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		char msg[KEXPORT_ERRMSG_MAX];
		snprintf(msg, sizeof(msg), "cannot read directory: %s", strerror(errno));
		kx_diag(w->ctx, dir, -errno, msg);
		return 0;
	}
	for (size_t i = 0; i < w->seen.n; i++) {
		struct dev_ino *s = (struct dev_ino *)w->seen.items + i;
		if (s->dev == st.st_dev && s->ino == st.st_ino) {
			kx_diag(w->ctx, dir, -ELOOP, "directory loop: already walked, skipped");
			return 0;
		}
	}
	struct dev_ino *di = kx_vec_push(&w->seen);
	if (!di)
		return -ENOMEM;
	di->dev = st.st_dev;
	di->ino = st.st_ino;
	if (++w->depth > 64) {
		kx_diag(w->ctx, dir, -ELOOP, "directories nested too deep, skipped");
		w->depth--;
		return 0;
	}
	DIR *d = opendir(dir);
	if (!d) {
		char msg[KEXPORT_ERRMSG_MAX];
		snprintf(msg, sizeof(msg), "cannot read directory: %s", strerror(errno));
		kx_diag(w->ctx, dir, -errno, msg);
		w->depth--;
		return 0;
	}
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d)) && r == 0) {
		const char *n = de->d_name;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		/* /lib/modules/VER/{build,source} point at whole kernel trees */
		if (top && (strcmp(n, "build") == 0 || strcmp(n, "source") == 0))
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", dir, n) < 0) {
			r = -ENOMEM;
			break;
		}
		bool isdir = de->d_type == DT_DIR;
		bool isreg = de->d_type == DT_REG;
		if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) {
			struct stat s2;
			if (stat(p, &s2) == 0) {
				isdir = S_ISDIR(s2.st_mode);
				isreg = S_ISREG(s2.st_mode);
			} else if (is_module_name(n)) {
				isreg = true; /* a dangling link to a module: report it when read */
			}
		}
		if (isdir) {
			r = walk_dir(w, p, false);
			free(p);
		} else if (isreg && is_module_name(n)) {
			char **slot = kx_vec_push(&w->paths);
			if (!slot) {
				free(p);
				r = -ENOMEM;
			} else {
				*slot = p;
			}
		} else {
			free(p);
		}
	}
	closedir(d);
	w->depth--;
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kx_walk_modules(struct kexport_ctx *ctx, const char *dir, char ***paths, size_t *n)
{
	struct walk w = { .ctx = ctx };
	kx_vec_init(&w.paths, sizeof(char *));
	kx_vec_init(&w.seen, sizeof(struct dev_ino));
	int r = walk_dir(&w, dir, true);
	kx_vec_free(&w.seen);
	if (r < 0) {
		kx_free_paths(w.paths.items, w.paths.n);
		return r;
	}
	if (w.paths.n > 1)
		qsort(w.paths.items, w.paths.n, sizeof(char *), cmp_str);
	*paths = w.paths.items;
	*n = w.paths.n;
	return 0;
}

void kx_free_paths(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
