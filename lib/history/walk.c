/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Walking the tags: the state of every exporting file and symbol at the
 * last walked tag, the files a tag changed, and the site intervals and
 * events each tag adds to the index (one transaction per tag).
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <unistd.h>

#include "history.h"

/* ------------------------------------------------------------------------ */
/* The state: files and symbols                                             */

static struct sym *sym_get(struct kexport_history *h, const char *name)
{
	struct sym *s = smap_get(&h->syms, name);
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->name = name;
	if (!smap_put(&h->syms, name, s)) {
		free(s);
		return NULL;
	}
	return s;
}

/* Remember the symbol's sites before its first change in this tag. */
static int sym_touch(struct kexport_history *h, struct sym *s)
{
	if (s->touched == h->tag_serial)
		return 0;
	s->touched = h->tag_serial;
	free(s->old);
	s->old = NULL;
	s->n_old = s->n;
	if (s->n) {
		s->old = malloc(s->n * sizeof(*s->old));
		if (!s->old)
			return -1;
		memcpy(s->old, s->sites, s->n * sizeof(*s->old));
	}
	if (h->n_touched == h->cap_touched) {
		size_t cap = h->cap_touched ? h->cap_touched * 2 : 256;
		struct sym **t = realloc(h->touched, cap * sizeof(*t));
		if (!t)
			return -1;
		h->touched = t;
		h->cap_touched = cap;
	}
	h->touched[h->n_touched++] = s;
	return 0;
}

static bool same_site(const struct site *a, const struct site *b)
{
	/* Interned: pointer equality is string equality. */
	return a->path == b->path && a->kind == b->kind && a->ns == b->ns;
}

static int file_remove(struct kexport_history *h, const char *path)
{
	struct hfile *f = smap_del(&h->files, path);
	if (!f)
		return 0;
	for (size_t i = 0; i < f->n; i++) {
		struct sym *s = smap_get(&h->syms, f->exps[i].name);
		if (!s)
			continue;
		if (sym_touch(h, s) < 0) {
			hist_file_free(f); /* out of the map already: the walk stops */
			return -1;
		}
		size_t k = 0;
		for (size_t m = 0; m < s->n; m++)
			if (s->sites[m].path != path)
				s->sites[k++] = s->sites[m];
		s->n = k;
	}
	hist_file_free(f);
	return 0;
}

static int file_add(struct kexport_history *h, const char *path, const char *dns,
                    const git_oid *oid, const struct fexp *exps, size_t n)
{
	if (!n)
		return 0;
	struct hfile *f = calloc(1, sizeof(*f));
	if (!f || !(f->exps = malloc(n * sizeof(*exps)))) {
		free(f);
		return -1;
	}
	memcpy(f->exps, exps, n * sizeof(*exps));
	f->n = n;
	f->path = path;
	f->dns = dns;
	git_oid_cpy(&f->oid, oid);
	if (!smap_put(&h->files, path, f)) {
		hist_file_free(f);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct sym *s = sym_get(h, exps[i].name);
		if (!s || sym_touch(h, s) < 0)
			return -1;
		struct site site = { path, exps[i].macro, exps[i].ns, exps[i].cond, exps[i].kind,
		                     exps[i].line, 0 };
		bool dup = false;
		for (size_t m = 0; m < s->n && !dup; m++)
			dup = same_site(&s->sites[m], &site);
		if (dup)
			continue;
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 2;
			struct site *ns = realloc(s->sites, cap * sizeof(*ns));
			if (!ns)
				return -1;
			s->sites = ns;
			s->cap = cap;
		}
		s->sites[s->n++] = site;
	}
	return 0;
}

/* After a tag's files are applied: events, and site intervals opened/closed. */
static int settle_tag(struct kexport_history *h, struct stmts *s, int64_t ord,
                      struct kexport_history_stats *st)
{
	for (size_t t = 0; t < h->n_touched; t++) {
		struct sym *y = h->touched[t];
		struct csite *o = hist_to_csites(y->old, y->n_old), *n = hist_to_csites(y->sites, y->n);
		if (!o || !n) {
			free(o);
			free(n);
			return -ENOMEM;
		}
		unsigned c = hist_classify(o, y->n_old, n, y->n);
		free(o);
		free(n);
		/* Keep the intervals of sites that stay; close and open the rest. */
		for (size_t i = 0; i < y->n; i++) {
			y->sites[i].row = 0;
			for (size_t k = 0; k < y->n_old; k++)
				if (same_site(&y->sites[i], &y->old[k])) {
					y->sites[i].row = y->old[k].row;
					y->old[k].row = -y->old[k].row; /* kept */
					break;
				}
		}
		for (size_t k = 0; k < y->n_old; k++) {
			if (y->old[k].row <= 0)
				continue;
			sqlite3_bind_int64(s->site_close, 1, y->old[k].row);
			sqlite3_bind_int64(s->site_close, 2, ord);
			if (hist_step_done(s->site_close) < 0)
				return -1;
		}
		for (size_t i = 0; i < y->n; i++) {
			struct site *x = &y->sites[i];
			if (x->row)
				continue;
			sqlite3_stmt *p = s->site_put;
			sqlite3_bind_text(p, 1, y->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(p, 2, x->path, -1, SQLITE_STATIC);
			sqlite3_bind_text(p, 3, x->macro, -1, SQLITE_STATIC);
			sqlite3_bind_int(p, 4, (int)x->kind);
			sqlite3_bind_text(p, 5, x->ns, -1, SQLITE_STATIC);
			sqlite3_bind_int(p, 6, (int)x->line);
			if (x->cond)
				sqlite3_bind_text(p, 7, x->cond, -1, SQLITE_STATIC);
			sqlite3_bind_int64(p, 8, ord);
			if (hist_step_done(p) < 0)
				return -1;
			x->row = sqlite3_last_insert_rowid(h->db);
		}
		free(y->old);
		y->old = NULL;
		y->n_old = 0;
		if (c) {
			sqlite3_bind_text(s->event_put, 1, y->name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s->event_put, 2, ord);
			sqlite3_bind_int(s->event_put, 3, (int)c);
			if (hist_step_done(s->event_put) < 0)
				return -1;
			st->events++;
		}
		if (!y->n) {
			smap_del(&h->syms, y->name);
			hist_sym_free(y);
		}
	}
	h->n_touched = 0;
	return 0;
}

/* Rebuild the in-memory state of the last indexed tag from the index. */
static int state_load(struct kexport_history *h, struct stmts *s)
{
	sqlite3_stmt *q = hist_prep(h, "SELECT path, oid, dns, scan FROM files");
	if (!q)
		return -1;
	int rc, oom = 0;
	h->tag_serial++;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct job j = { 0 };
		j.path = hist_intern(h, hist_col_text(q, 0));
		j.dns = hist_intern(h, hist_col_text(q, 2));
		if (!j.path || !j.dns) {
			oom = -ENOMEM;
			break;
		}
		if (sqlite3_column_bytes(q, 1) != GIT_OID_RAWSZ)
			break;
		git_oid_fromraw(&j.oid, sqlite3_column_blob(q, 1));
		bool found;
		int r = hist_scan_lookup(h, s, &j, &found);
		if (r == 0)
			r = file_add(h, j.path, j.dns, &j.oid, j.exps, j.n) < 0 ? -ENOMEM : 0;
		free(j.exps);
		if (r < 0) {
			oom = r == -ENOMEM ? r : 0;
			break;
		}
	}
	sqlite3_finalize(q);
	h->n_touched = 0; /* loading is not a change */
	if (oom)
		return oom;
	if (rc != SQLITE_DONE)
		return -1;
	q = hist_prep(h, "SELECT id, name, path, kind, ns FROM sites WHERE to_ord IS NULL");
	if (!q)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sym *y = smap_get(&h->syms, hist_col_text(q, 1) ? hist_col_text(q, 1) : "");
		if (!y)
			continue;
		struct site key = { hist_intern(h, hist_col_text(q, 2)), NULL, hist_intern(h, hist_col_text(q, 4)), NULL,
		                    (enum kexport_kind)sqlite3_column_int(q, 3), 0, 0 };
		if (!key.path || !key.ns) {
			sqlite3_finalize(q);
			return -ENOMEM;
		}
		for (size_t i = 0; i < y->n; i++)
			if (same_site(&y->sites[i], &key))
				y->sites[i].row = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Walking the tags                                                         */

static int file_row(struct stmts *s, const struct job *j)
{
	sqlite3_bind_text(s->file_del, 1, j->path, -1, SQLITE_STATIC);
	if (hist_step_done(s->file_del) < 0)
		return -1;
	if (!j->n)
		return 0;
	sqlite3_bind_text(s->file_put, 1, j->path, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s->file_put, 2, j->oid.id, GIT_OID_RAWSZ, SQLITE_STATIC);
	sqlite3_bind_text(s->file_put, 3, j->dns, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->file_put, 4, j->scan);
	return hist_step_done(s->file_put);
}

struct walk {
	struct job *jobs;
	size_t n, cap;
	const char **deleted;
	size_t n_del, cap_del;
	struct smap dirs;        /* directories whose Makefile changed */
	struct smap dns;         /* dir -> namespace at this tag */
};

static struct job *walk_job(struct walk *w)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		struct job *j = realloc(w->jobs, cap * sizeof(*j));
		if (!j)
			return NULL;
		w->jobs = j;
		w->cap = cap;
	}
	struct job *j = &w->jobs[w->n++];
	memset(j, 0, sizeof(*j));
	return j;
}

static void walk_reset(struct walk *w)
{
	for (size_t i = 0; i < w->n; i++) {
		if (!w->jobs[i].dup)
			free(w->jobs[i].exps);
		kx_vec_free(&w->jobs[i].v);
		kx_arena_free(&w->jobs[i].arena);
	}
	w->n = 0;
	w->n_del = 0;
	smap_free(&w->dirs, NULL);
	smap_free(&w->dns, NULL);
}

static int index_tag(struct kexport_history *h, struct stmts *s, const struct tag *prev,
                     const struct tag *t, int64_t ord, struct kexport_history_stats *st,
                     char *errmsg)
{
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	struct walk w = { 0 };
	int r = -EINVAL;
	if (git_tree_lookup(&new_tree, h->repo, &t->tree) < 0 ||
	    (prev && git_tree_lookup(&old_tree, h->repo, &prev->tree) < 0)) {
		r = hist_git_fail(errmsg, -EINVAL, t->name);
		goto out;
	}
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	opts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_diff_tree_to_tree(&diff, h->repo, old_tree, new_tree, &opts) < 0) {
		r = hist_git_fail(errmsg, -EINVAL, t->name);
		goto out;
	}
	h->tag_serial++;
	size_t nd = git_diff_num_deltas(diff);
	/* Pass 1: which directories' Makefiles changed. */
	for (size_t i = 0; i < nd; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *p = d->new_file.path ? d->new_file.path : d->old_file.path;
		if (hist_is_makefile(p)) {
			char dir[4096];
			hist_dir_of(p, dir, sizeof(dir));
			const char *k = hist_intern(h, dir);
			if (!k || !smap_put(&w.dirs, k, (void *)k))
				goto nomem;
		}
	}
	/* Pass 2: changed source files. */
	for (size_t i = 0; i < nd; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		if (d->old_file.path && hist_is_source(d->old_file.path) &&
		    (d->status == GIT_DELTA_DELETED || d->status == GIT_DELTA_TYPECHANGE ||
		     (d->new_file.path && strcmp(d->old_file.path, d->new_file.path) != 0))) {
			if (w.n_del == w.cap_del) {
				size_t cap = w.cap_del ? w.cap_del * 2 : 256;
				const char **nd2 = realloc(w.deleted, cap * sizeof(*nd2));
				if (!nd2)
					goto nomem;
				w.deleted = nd2;
				w.cap_del = cap;
			}
			if (!(w.deleted[w.n_del++] = hist_intern(h, d->old_file.path)))
				goto nomem;
			st->files_changed++;
		}
		if (d->status == GIT_DELTA_DELETED || !d->new_file.path || !hist_is_source(d->new_file.path))
			continue;
		if (d->new_file.mode != GIT_FILEMODE_BLOB && d->new_file.mode != GIT_FILEMODE_BLOB_EXECUTABLE)
			continue;
		struct job *j = walk_job(&w);
		if (!j)
			goto nomem;
		j->path = hist_intern(h, d->new_file.path);
		j->dns = hist_file_dns(h, new_tree, &w.dns, d->new_file.path);
		git_oid_cpy(&j->oid, &d->new_file.id);
		if (!j->path)
			goto nomem;
		st->files_changed++;
	}
	/* Exporting files of a directory whose Makefile namespace changed. */
	if (w.dirs.x.n) {
		size_t n_changed = w.n;
		for (SMAP_EACH(&h->files, b)) {
			struct hfile *f = smap_at(&h->files, b);
			if (!f)
				continue;
			char dir[4096];
			hist_dir_of(f->path, dir, sizeof(dir));
			if (!smap_get(&w.dirs, dir))
				continue;
			const char *dns = hist_file_dns(h, new_tree, &w.dns, f->path);
			if (dns == f->dns)
				continue;
			bool changed = false;
			for (size_t k = 0; k < n_changed && !changed; k++)
				changed = w.jobs[k].path == f->path;
			if (changed)
				continue;
			struct job *j = walk_job(&w);
			if (!j)
				goto nomem;
			j->path = f->path;
			j->dns = dns;
			git_oid_cpy(&j->oid, &f->oid);
		}
	}
	if (w.n) /* qsort(NULL, 0, ...) is undefined */
		qsort(w.jobs, w.n, sizeof(*w.jobs), hist_job_cmp);
	if ((r = hist_run_jobs(h, s, w.jobs, w.n, st)) < 0) {
		if (r == -ENOMEM)
			goto nomem;
		r = hist_db_fail(h, errmsg, "storing scans");
		goto out;
	}
	for (size_t i = 0; i < w.n_del; i++) {
		struct job gone = { .path = w.deleted[i] };
		if (file_remove(h, w.deleted[i]) < 0 || file_row(s, &gone) < 0)
			goto nomem;
	}
	for (size_t i = 0; i < w.n; i++) {
		struct job *j = &w.jobs[i];
		const struct job *res = j->dup ? &w.jobs[j->first] : j;
		j->scan = res->scan;
		j->n = res->n;
		if (file_remove(h, j->path) < 0 ||
		    file_add(h, j->path, j->dns, &j->oid, res->exps, res->n) < 0 || file_row(s, j) < 0)
			goto nomem;
	}
	if ((r = settle_tag(h, s, ord, st)) < 0) {
		if (r == -ENOMEM)
			goto nomem;
		r = hist_db_fail(h, errmsg, "storing changes");
		goto out;
	}
	sqlite3_bind_int64(s->tag_put, 1, ord);
	sqlite3_bind_text(s->tag_put, 2, t->name, -1, SQLITE_STATIC);
	if (t->has_commit)
		sqlite3_bind_blob(s->tag_put, 3, t->commit.id, GIT_OID_RAWSZ, SQLITE_STATIC);
	sqlite3_bind_blob(s->tag_put, 4, t->tree.id, GIT_OID_RAWSZ, SQLITE_STATIC);
	if (hist_step_done(s->tag_put) < 0) {
		r = hist_db_fail(h, errmsg, "storing the tag");
		goto out;
	}
	r = 0;
	goto out;
nomem:
	r = kx_err(errmsg, -ENOMEM, "out of memory");
out:
	walk_reset(&w);
	free(w.jobs);
	free(w.deleted);
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	return r;
}

/*
 * One indexer at a time per database (note 6): two processes walking the
 * same tags would write the same rows.  An flock() on DB.lock beside it;
 * the second waits (said through progress, tag NULL), then finds the tags
 * the first indexed and has nothing or little left to do.  The lock goes
 * with the process, so a kill -9 leaves none behind.
 */
static int index_lock(struct kexport_history *h, kexport_history_progress_fn progress, void *arg,
                      struct kexport_history_stats *st, int *fd, char *errmsg)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s.lock", h->db_path);
	*fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0)
		return kx_err(errmsg, -errno, "%s: %s", p, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return kx_err(errmsg, -errno, "%s: %s", p, strerror(errno));
	st->waiting = true;
	if (progress)
		progress(arg, NULL, st);
	while (flock(*fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return kx_err(errmsg, -errno, "%s: %s", p, strerror(errno));
	st->waiting = false;
	return 0;
}

int kx_history_index(struct kexport_history *h, const struct kexport_history_select *sel,
                     kexport_history_progress_fn progress, void *arg,
                     struct kexport_history_stats *st, char *errmsg)
{
	struct kexport_history_stats local;
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	st->sz = sizeof(*st);
	struct tag *tags;
	size_t n;
	int r = hist_select_tags(h, sel, &tags, &n, errmsg);
	if (r < 0)
		return r;
	int lock = -1;
	struct stmts s = { 0 };
	/* What the database holds once it is ours (another process may have
	 * indexed while this one waited). */
	if ((r = index_lock(h, progress, arg, st, &lock, errmsg)) < 0 ||
	    (r = hist_load_tags(h, errmsg)) < 0)
		goto out;
	/* Resume when the index is a prefix of the selection (note 2). */
	size_t keep = 0;
	while (keep < h->n_tags && keep < n && strcmp(h->tags[keep].name, tags[keep].name) == 0 &&
	       git_oid_equal(&h->tags[keep].tree, &tags[keep].tree))
		keep++;
	if (!h->wt_loaded)
		hist_worktree_load(h);
	if (hist_stmts_prep(h, &s) < 0) {
		r = hist_db_fail(h, errmsg, "preparing statements");
		goto out;
	}
	hist_state_clear(h);
	if (keep < h->n_tags) {
		keep = 0;
		st->rebuilt = true;
		if ((r = hist_exec(h, "BEGIN IMMEDIATE; DELETE FROM tags; DELETE FROM files; DELETE FROM sites;"
		                 " DELETE FROM events; COMMIT;", errmsg)) < 0)
			goto out;
	} else if (keep && keep < n && (r = state_load(h, &s)) < 0) {
		r = r == -ENOMEM ? kx_err(errmsg, -ENOMEM, "out of memory")
		                 : hist_db_fail(h, errmsg, "loading the last tag");
		goto out;
	}
	for (size_t i = keep; i < n; i++) {
		if ((r = hist_exec(h, "BEGIN IMMEDIATE", errmsg)) < 0)
			goto out;
		r = index_tag(h, &s, i ? &tags[i - 1] : NULL, &tags[i], (int64_t)i, st, errmsg);
		if (r < 0) {
			hist_exec(h, "ROLLBACK", NULL);
			goto out;
		}
		if ((r = hist_exec(h, "COMMIT", errmsg)) < 0)
			goto out;
		st->tags_done++;
		st->tags_new++;
		if (progress)
			progress(arg, tags[i].name, st);
	}
	r = 0;
out:
	if (lock >= 0)
		close(lock);
	hist_stmts_free(&s);
	hist_state_clear(h);
	for (size_t i = 0; i < n; i++)
		free(tags[i].name);
	free(tags);
	int r2 = hist_load_tags(h, r < 0 ? NULL : errmsg);
	st->tags_total = (unsigned)h->n_tags;
	return r < 0 ? r : r2;
}

KX_EXPORT int kexport_history_index(struct kexport_history *h,
                                    const struct kexport_history_select *sel,
                                    kexport_history_progress_fn progress, void *arg,
                                    struct kexport_history_stats *st)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	if (!kx_sized_ok(sel) || !kx_sized_ok(st)) {
		snprintf(msg, sizeof(msg), "struct kexport_history_%s without its size "
		         "(declare it with KEXPORT_SIZED)", kx_sized_ok(sel) ? "stats" : "select");
		return hist_report(h, -EINVAL, msg);
	}
	struct kexport_history_select in;
	kx_sized_in(&in, sizeof(in), sel);
	struct kexport_history_stats out;
	int r = kx_history_index(h, &in, progress, arg, &out, msg);
	kx_sized_out(st, &out, sizeof(out));
	return hist_report(h, r, msg);
}
