/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a repository for the history index: the tags selected, the
 * Makefile namespace of a file, and scanning blobs (from the worktree when
 * the git index vouches for them, else the odb) on the context's threads.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"

/* ------------------------------------------------------------------------ */
/* Selecting tags                                                           */

static int tag_cmp(const void *a, const void *b)
{
	return kexport_tag_version_cmp(((const struct tag *)a)->name, ((const struct tag *)b)->name);
}

/* Peel refs/tags/NAME to its tree (and commit when it has one). */
static int peel_tag(git_repository *repo, const char *name, struct tag *t)
{
	char ref[1024];
	snprintf(ref, sizeof(ref), "refs/tags/%s", name);
	git_object *o = NULL, *p = NULL;
	if (git_revparse_single(&o, repo, ref) < 0)
		return -1;
	int r = -1;
	if (git_object_peel(&p, o, GIT_OBJECT_COMMIT) == 0) {
		git_oid_cpy(&t->commit, git_object_id(p));
		t->has_commit = true;
		git_tree *tree;
		if (git_commit_tree(&tree, (git_commit *)p) == 0) {
			git_oid_cpy(&t->tree, git_tree_id(tree));
			git_tree_free(tree);
			r = 0;
		}
	} else if (git_object_peel(&p, o, GIT_OBJECT_TREE) == 0) {
		git_oid_cpy(&t->tree, git_object_id(p));
		r = 0;
	}
	git_object_free(p);
	git_object_free(o);
	return r;
}

/* The selected tags, sorted by version.  Bounds must name tags. */
int hist_select_tags(struct kexport_history *h, const struct kexport_history_select *sel,
                       struct tag **out, size_t *n_out, char *errmsg)
{
	*out = NULL;
	*n_out = 0;
	git_strarray names = { 0 };
	if (git_tag_list(&names, h->repo) < 0)
		return hist_git_fail(errmsg, -EINVAL, h->repo_path);
	const char *glob = sel && sel->glob ? sel->glob : "v*";
	const char *bound[2] = { sel ? sel->from : NULL, sel ? sel->to : NULL };
	for (int i = 0; i < 2; i++) {
		if (!bound[i])
			continue;
		bool found = false;
		for (size_t j = 0; j < names.count && !found; j++)
			found = strcmp(names.strings[j], bound[i]) == 0;
		if (!found) {
			git_strarray_dispose(&names);
			return kx_err(errmsg, -ENOENT, "%s: no such tag", bound[i]);
		}
	}
	struct tag *tags = calloc(names.count ? names.count : 1, sizeof(*tags));
	if (!tags) {
		git_strarray_dispose(&names);
		return kx_err(errmsg, -ENOMEM, "out of memory");
	}
	size_t n = 0;
	int r = 0;
	for (size_t j = 0; j < names.count; j++) {
		const char *nm = names.strings[j];
		if (fnmatch(glob, nm, 0) != 0 || (!(sel && sel->all_tags) && kexport_tag_is_rc(nm)))
			continue;
		if (bound[0] && kexport_tag_version_cmp(nm, bound[0]) < 0)
			continue;
		if (bound[1] && kexport_tag_version_cmp(nm, bound[1]) > 0)
			continue;
		struct tag *t = &tags[n];
		if (peel_tag(h->repo, nm, t) < 0) {
			r = hist_git_fail(errmsg, -EINVAL, nm);
			break;
		}
		if (!(t->name = strdup(nm))) {
			r = kx_err(errmsg, -ENOMEM, "out of memory");
			break;
		}
		n++;
	}
	git_strarray_dispose(&names);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(tags[i].name);
		free(tags);
		return r;
	}
	qsort(tags, n, sizeof(*tags), tag_cmp);
	*out = tags;
	*n_out = n;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Makefile namespaces                                                      */

bool hist_is_source(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot && (strcmp(dot, ".c") == 0 || strcmp(dot, ".h") == 0 || strcmp(dot, ".S") == 0);
}

bool hist_is_makefile(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	return strcmp(b, "Makefile") == 0 || strcmp(b, "Kbuild") == 0;
}

/* Read the blob at `path` in `tree`; *buf malloc'd.  -ENOENT when absent. */
static int read_path(git_repository *repo, git_tree *tree, const char *path, char **buf,
                     size_t *len, git_oid *oid)
{
	git_tree_entry *e;
	if (git_tree_entry_bypath(&e, tree, path) < 0)
		return -ENOENT;
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		git_tree_entry_free(e);
		return -ENOENT;
	}
	if (oid)
		git_oid_cpy(oid, git_tree_entry_id(e));
	git_blob *b;
	int r = git_blob_lookup(&b, repo, git_tree_entry_id(e));
	git_tree_entry_free(e);
	if (r < 0)
		return -EINVAL;
	size_t n = (size_t)git_blob_rawsize(b);
	*buf = malloc(n + 1);
	if (!*buf) {
		git_blob_free(b);
		return -ENOMEM;
	}
	memcpy(*buf, git_blob_rawcontent(b), n);
	(*buf)[n] = '\0';
	*len = n;
	git_blob_free(b);
	return 0;
}

void hist_dir_of(const char *path, char *dir, size_t size)
{
	const char *s = strrchr(path, '/');
	size_t n = s ? (size_t)(s - path) : 0;
	if (n >= size)
		n = size - 1;
	memcpy(dir, path, n);
	dir[n] = '\0';
}

/*
 * The namespace the Kbuild (else Makefile) of a source file's directory
 * gives it, through the source-tree reader's Makefile parser
 * (kx_src_makefile_ns: CFLAGS_<obj>.o, ccflags-y, asflags-y; an ancestor's
 * subdir-ccflags-y is not followed).  `cache` maps a directory to its
 * Makefile text when that mentions DEFAULT_SYMBOL_NAMESPACE, else to "":
 * most directories cost one blob read per tag walk and no parse.
 */
const char *hist_file_dns(struct kexport_history *h, git_tree *tree, struct smap *cache,
                            const char *path)
{
	char dir[4096];
	hist_dir_of(path, dir, sizeof(dir));
	const char *text = smap_get(cache, dir);
	if (!text) {
		char mk[4096 + 16], *buf = NULL;
		size_t len = 0;
		static const char *const names[] = { "Kbuild", "Makefile" };
		for (size_t i = 0; i < 2; i++) {
			snprintf(mk, sizeof(mk), "%s%s%s", dir, *dir ? "/" : "", names[i]);
			if (read_path(h->repo, tree, mk, &buf, &len, NULL) == 0)
				break;
		}
		text = "";
		if (buf && memmem(buf, len, "DEFAULT_SYMBOL_NAMESPACE", 24) && !memchr(buf, '\0', len))
			text = kx_arena_strndup(&h->strs, buf, len);
		free(buf);
		const char *key = hist_intern(h, dir);
		if (!text || !key)
			return "";
		smap_put(cache, key, (void *)text);
	}
	if (!*text)
		return "";
	const char *base = strrchr(path, '/');
	char ns[256];
	if (kx_src_makefile_ns(text, strlen(text), base ? base + 1 : path, ns, sizeof(ns)) <= 0)
		return "";
	const char *r = hist_intern(h, ns);
	return r ? r : "";
}

/* ------------------------------------------------------------------------ */
/* Scanning blobs                                                           */

static git_repository *pool_get(struct kexport_history *h)
{
	pthread_mutex_lock(&h->pool_lock);
	git_repository *r = NULL;
	if (h->n_pool)
		r = h->pool[--h->n_pool];
	pthread_mutex_unlock(&h->pool_lock);
	if (!r && git_repository_open_ext(&r, git_repository_path(h->repo),
	                                  GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		r = NULL;
	return r;
}

static void pool_put(struct kexport_history *h, git_repository *r)
{
	pthread_mutex_lock(&h->pool_lock);
	if (h->n_pool < KX_ARRAY_SIZE(h->pool))
		h->pool[h->n_pool++] = r;
	else
		git_repository_free(r);
	pthread_mutex_unlock(&h->pool_lock);
}

static int collect(const struct kexport_src_export *e, void *arg);

/* After kx_src_scan(): the job's code and message, its exports dropped on failure. */
static void scan_done(struct job *j, int n)
{
	if (n < 0 && !j->code)
		j->code = n;
	if (j->code == -ENOMEM)
		snprintf(j->err, sizeof(j->err), "out of memory");
	else if (n < 0 && !j->err[0])
		snprintf(j->err, sizeof(j->err), "scan failed");
	if (j->code)
		j->v.n = 0;
}


static size_t wt_slot(const struct kexport_history *h, const git_oid *oid)
{
	uint64_t x;
	memcpy(&x, oid->id, sizeof(x));
	size_t i = (size_t)x & (h->wt_cap - 1);
	while (h->wt[i].path && !git_oid_equal(&h->wt[i].oid, oid))
		i = (i + 1) & (h->wt_cap - 1);
	return i;
}

/* The index's stage-0 entries that are not racy, by blob id. */
void hist_worktree_load(struct kexport_history *h)
{
	h->wt_loaded = true;
	const char *wd = git_repository_workdir(h->repo);
	git_index *idx;
	if (!wd || git_repository_index(&idx, h->repo) < 0)
		return;
	char ipath[4096];
	struct stat ist;
	snprintf(ipath, sizeof(ipath), "%sindex", git_repository_path(h->repo));
	size_t n = git_index_entrycount(idx);
	size_t cap = 1024;
	while (cap < n * 2)
		cap *= 2;
	if (stat(ipath, &ist) < 0 || !n || !(h->wt = calloc(cap, sizeof(*h->wt)))) {
		git_index_free(idx);
		return;
	}
	h->wt_cap = cap;
	h->workdir = hist_intern(h, wd);
	for (size_t i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(idx, i);
		if (!e || GIT_INDEX_ENTRY_STAGE(e) != 0 || (e->mode & 0170000) != 0100000 ||
		    e->mtime.seconds >= ist.st_mtim.tv_sec)
			continue;
		size_t k = wt_slot(h, &e->id);
		if (h->wt[k].path)
			continue;
		const char *p = hist_intern(h, e->path);
		if (!p)
			break;
		h->wt[k] = (struct wt_entry){ e->id, p, e->file_size, e->mtime.seconds,
		                              e->mtime.nanoseconds, e->ino };
	}
	git_index_free(idx);
}

/* Scan a blob from its worktree file; false when the index cannot vouch. */
static bool scan_worktree(struct kexport_history *h, struct job *j)
{
	if (!h->wt_cap)
		return false;
	const struct wt_entry *e = &h->wt[wt_slot(h, &j->oid)];
	if (!e->path)
		return false;
	char path[8192];
	snprintf(path, sizeof(path), "%s%s", h->workdir, e->path);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	struct stat st;
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == e->size &&
	          st.st_mtim.tv_sec == e->mtime_s && (!e->mtime_ns || (uint32_t)st.st_mtim.tv_nsec == e->mtime_ns) &&
	          (!e->ino || (uint32_t)st.st_ino == e->ino);
	char *buf = ok ? malloc(e->size ? e->size : 1) : NULL;
	size_t got = 0;
	while (buf && got < e->size) {
		ssize_t r = pread(fd, buf + got, e->size - got, (off_t)got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!buf || got != e->size) {
		free(buf);
		return false;
	}
	kx_vec_init(&j->v, sizeof(struct fexp));
	int n = kx_src_scan(j->path, buf, e->size, *j->dns ? j->dns : NULL, collect, j, j->err);
	free(buf);
	scan_done(j, n);
	j->from_worktree = true;
	return true;
}

static int collect(const struct kexport_src_export *e, void *arg)
{
	struct job *j = arg;
	struct fexp *x = kx_vec_push(&j->v);
	if (!x) {
		j->code = -ENOMEM; /* the scan stops here: its result is not whole */
		return -1;
	}
	x->name = kx_arena_strdup(&j->arena, e->name);
	x->macro = kx_arena_strdup(&j->arena, e->macro ? e->macro : "");
	x->ns = kx_arena_strdup(&j->arena, e->ns ? e->ns : "");
	x->cond = e->cond ? kx_arena_strdup(&j->arena, e->cond) : NULL;
	x->kind = e->kind;
	x->line = e->line;
	if (!x->name || !x->macro || !x->ns) {
		j->code = -ENOMEM;
		return -1;
	}
	return 0;
}

void hist_scan_blob(git_repository *repo, struct job *j)
{
	kx_vec_init(&j->v, sizeof(struct fexp));
	git_blob *b;
	if (git_blob_lookup(&b, repo, &j->oid) < 0) {
		const git_error *e = git_error_last();
		j->code = e && e->klass == GIT_ERROR_NOMEMORY ? -ENOMEM : -EIO;
		snprintf(j->err, sizeof(j->err), "cannot read blob: %s",
		         e && e->message ? e->message : "libgit2");
		return;
	}
	int n = kx_src_scan(j->path, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b),
	                    *j->dns ? j->dns : NULL, collect, j, j->err);
	git_blob_free(b);
	scan_done(j, n);
}

struct scan_run {
	struct kexport_history *h;
	struct job *jobs;
	size_t *todo;
};

static void scan_one(size_t i, void *arg)
{
	struct scan_run *run = arg;
	struct job *j = &run->jobs[run->todo[i]];
	if (scan_worktree(run->h, j))
		return;
	git_repository *repo = pool_get(run->h);
	if (!repo) {
		j->code = -EIO;
		snprintf(j->err, sizeof(j->err), "cannot open the repository again");
		return;
	}
	hist_scan_blob(repo, j);
	pool_put(run->h, repo);
}

int hist_job_cmp(const void *a, const void *b)
{
	const struct job *x = a, *y = b;
	int r = git_oid_cmp(&x->oid, &y->oid);
	return r ? r : strcmp(x->dns, y->dns);
}

/*
 * Resolve every job to a scan: from the index, or by scanning the blob on
 * the context's threads.  Jobs must be sorted by (oid, dns) so duplicates
 * are adjacent.
 */
int hist_run_jobs(struct kexport_history *h, struct stmts *s, struct job *jobs, size_t n,
                    struct kexport_history_stats *st)
{
	size_t *todo = malloc((n ? n : 1) * sizeof(*todo)), n_todo = 0;
	if (!todo)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		if (i && hist_job_cmp(&jobs[i - 1], j) == 0) {
			j->dup = true;
			j->first = jobs[i - 1].dup ? jobs[i - 1].first : i - 1;
			continue;
		}
		bool found;
		int lr = hist_scan_lookup(h, s, j, &found);
		if (lr < 0) {
			free(todo);
			return lr;
		}
		if (found)
			st->blobs_cached++;
		else
			todo[n_todo++] = i;
	}
	struct scan_run run = { h, jobs, todo };
	kx_parallel_for(h->ctx, n_todo, scan_one, &run);
	int r = 0;
	/* A scan that ran out of memory is not a result: nothing is stored. */
	for (size_t k = 0; k < n_todo && r == 0; k++)
		if (jobs[todo[k]].code == -ENOMEM)
			r = -ENOMEM;
	for (size_t k = 0; k < n_todo && r == 0; k++) {
		struct job *j = &jobs[todo[k]];
		st->blobs_parsed++;
		st->blobs_from_worktree += j->from_worktree;
		st->exports += j->v.n;
		if (j->err[0] && j->v.n == 0)
			kx_diag(h->ctx, j->path, j->code ? j->code : -EINVAL, j->err);
		r = hist_scan_store(h, s, j);
	}
	free(todo);
	return r;
}
