/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Queries on the history index: a symbol's timeline, the changes between
 * two tags, the GPL-only flips; with --commits, bisected to the commit.
 */
#include "history.h"

/* ------------------------------------------------------------------------ */
/* Queries                                                                  */

struct qsite {
	struct kexport_history_site site;
	int64_t from, to; /* to: INT64_MAX when open */
};

struct qsym {
	struct qsite *v;
	size_t n, cap;
	struct kx_arena strs;
};

static int qsym_add(struct qsym *q, sqlite3_stmt *st, int first_col)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 8;
		struct qsite *v = realloc(q->v, cap * sizeof(*v));
		if (!v)
			return -1;
		q->v = v;
		q->cap = cap;
	}
	struct qsite *x = &q->v[q->n];
	int c = first_col;
	const char *path = hist_col_text(st, c), *macro = hist_col_text(st, c + 1), *ns = hist_col_text(st, c + 3),
	           *cond = hist_col_text(st, c + 5);
	x->site.path = kx_arena_strdup(&q->strs, path ? path : "");
	x->site.macro = kx_arena_strdup(&q->strs, macro ? macro : "");
	x->site.kind = (enum kexport_kind)sqlite3_column_int(st, c + 2);
	x->site.ns = kx_arena_strdup(&q->strs, ns ? ns : "");
	x->site.line = (unsigned)sqlite3_column_int(st, c + 4);
	x->site.cond = cond ? kx_arena_strdup(&q->strs, cond) : NULL;
	x->from = sqlite3_column_int64(st, c + 6);
	x->to = sqlite3_column_type(st, c + 7) == SQLITE_NULL ? INT64_MAX
	                                                       : sqlite3_column_int64(st, c + 7);
	if (!x->site.path || !x->site.macro || !x->site.ns)
		return -1;
	q->n++;
	return 0;
}

static void qsym_clear(struct qsym *q)
{
	free(q->v);
	kx_arena_free(&q->strs);
	memset(q, 0, sizeof(*q));
}

#define SITE_COLS "path, macro, kind, ns, line, cond, from_ord, to_ord"

/* The sites of `q` alive at ord (ord < 0: none). */
static size_t sites_at(const struct qsym *q, int64_t ord, struct kexport_history_site *out,
                       struct csite *c)
{
	size_t n = 0;
	if (ord < 0)
		return 0;
	for (size_t i = 0; i < q->n; i++)
		if (q->v[i].from <= ord && ord < q->v[i].to) {
			out[n] = q->v[i].site;
			c[n] = (struct csite){ out[n].path, out[n].ns, out[n].kind };
			n++;
		}
	return n;
}

static int tag_ord(struct kexport_history *h, const char *rev, char *errmsg)
{
	for (size_t i = 0; i < h->n_tags; i++)
		if (strcmp(h->tags[i].name, rev) == 0)
			return (int)i;
	git_object *o = NULL, *c = NULL;
	if (git_revparse_single(&o, h->repo, rev) < 0)
		return kx_err(errmsg, -ENOENT, "%s: unknown revision", rev);
	int r = -1;
	if (git_object_peel(&c, o, GIT_OBJECT_COMMIT) == 0)
		for (size_t i = 0; i < h->n_tags && r < 0; i++)
			if (h->tags[i].has_commit && git_oid_equal(&h->tags[i].commit, git_object_id(c)))
				r = (int)i;
	git_object_free(c);
	git_object_free(o);
	if (r < 0)
		return kx_err(errmsg, -ENOENT, "%s: not one of the %zu indexed tags", rev, h->n_tags);
	return r;
}

/* --- bisecting (note 4) --- */

struct bisect {
	struct kexport_history *h;
	struct stmts *s;
	const char *name;
	const struct csite *want;
	size_t n_want;
	const char **paths;
	size_t n_paths;
};

/* The symbol's sites at commit c, among the known paths, equal `want`? */
static int bisect_probe(struct bisect *b, const git_oid *commit)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	if (git_commit_lookup(&c, b->h->repo, commit) < 0 || git_commit_tree(&tree, c) < 0) {
		git_commit_free(c);
		return -1;
	}
	struct csite got[64];
	size_t n_got = 0;
	int r = 0;
	struct smap dns = { 0 };
	for (size_t i = 0; i < b->n_paths && r == 0; i++) {
		git_tree_entry *e;
		if (git_tree_entry_bypath(&e, tree, b->paths[i]) < 0)
			continue;
		struct job j = { 0 };
		j.path = b->paths[i];
		git_oid_cpy(&j.oid, git_tree_entry_id(e));
		git_tree_entry_free(e);
		j.dns = hist_file_dns(b->h, tree, &dns, j.path);
		bool found;
		if (hist_scan_lookup(b->h, b->s, &j, &found) < 0)
			r = -1;
		else if (!found) {
			hist_scan_blob(b->h->repo, &j);
			if (hist_scan_store(b->h, b->s, &j) < 0)
				r = -1;
		}
		for (size_t k = 0; k < j.n && r == 0; k++) {
			if (strcmp(j.exps[k].name, b->name) != 0)
				continue;
			struct csite x = { j.path, j.exps[k].ns, j.exps[k].kind };
			if (hist_csite_find(got, n_got, &x) < 0 && n_got < KX_ARRAY_SIZE(got))
				got[n_got++] = x;
		}
		free(j.exps);
		kx_vec_free(&j.v);
		kx_arena_free(&j.arena);
	}
	smap_free(&dns, NULL);
	git_tree_free(tree);
	git_commit_free(c);
	if (r < 0)
		return -1;
	return hist_csets_equal(got, n_got, b->want, b->n_want);
}

/* The first first-parent commit after tag ord-1 up to tag ord whose state is `want`. */
static int bisect_event(struct kexport_history *h, struct stmts *s, const char *name, int64_t ord,
                        const struct csite *o, size_t no, const struct csite *n, size_t nn,
                        git_oid *out)
{
	const struct tag *prev = &h->tags[ord - 1], *t = &h->tags[ord];
	if (!prev->has_commit || !t->has_commit)
		return -1;
	git_revwalk *rw;
	if (git_revwalk_new(&rw, h->repo) < 0)
		return -1;
	git_revwalk_sorting(rw, GIT_SORT_TOPOLOGICAL);
	git_revwalk_simplify_first_parent(rw);
	git_oid *list = NULL;
	size_t nl = 0, cap = 0;
	int r = -1;
	if (git_revwalk_push(rw, &t->commit) < 0 || git_revwalk_hide(rw, &prev->commit) < 0)
		goto out;
	git_oid id;
	while (git_revwalk_next(&id, rw) == 0) {
		if (nl == cap) {
			cap = cap ? cap * 2 : 64;
			git_oid *l = realloc(list, cap * sizeof(*l));
			if (!l)
				goto out;
			list = l;
		}
		git_oid_cpy(&list[nl++], &id);
	}
	if (!nl)
		goto out;
	/* list[0] is the tag's commit; oldest last.  Probe on the oldest-first view. */
	const char *paths[128];
	size_t np = 0;
	for (size_t i = 0; i < no + nn && np < KX_ARRAY_SIZE(paths); i++) {
		const char *p = i < no ? o[i].path : n[i - no].path;
		bool seen = false;
		for (size_t k = 0; k < np && !seen; k++)
			seen = strcmp(paths[k], p) == 0;
		if (!seen)
			paths[np++] = p;
	}
	struct bisect b = { h, s, name, n, nn, paths, np };
	size_t lo = 0, hi = nl - 1; /* oldest-first index: i -> list[nl - 1 - i] */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int p = bisect_probe(&b, &list[nl - 1 - mid]);
		if (p < 0)
			goto out;
		if (p)
			hi = mid;
		else
			lo = mid + 1;
	}
	git_oid_cpy(out, &list[nl - 1 - lo]);
	r = 0;
out:
	free(list);
	git_revwalk_free(rw);
	return r;
}

struct emit {
	struct kexport_history *h;
	struct stmts s;
	bool commits;
	kexport_history_event_fn fn;
	void *arg;
	sqlite3_stmt *sites_q, *commit_put;
};

/* Build and hand out the event of `name` at `ord` (with prev at ord-1). */
static int emit_event(struct emit *e, const char *name, int64_t ord, int64_t prev, unsigned changes,
                      const struct qsym *q, const git_oid *commit, bool bisected)
{
	size_t cap = q->n ? q->n : 1;
	struct kexport_history_site *ns = calloc(cap, sizeof(*ns)), *os = calloc(cap, sizeof(*os));
	struct csite *nc = calloc(cap, sizeof(*nc)), *oc = calloc(cap, sizeof(*oc));
	int r = -ENOMEM;
	if (!ns || !os || !nc || !oc)
		goto out;
	size_t nn = sites_at(q, ord, ns, nc), no = sites_at(q, prev, os, oc);
	struct kexport_history_event ev = {
		.name = name, .tag = e->h->tags[ord].name,
		.prev_tag = prev >= 0 ? e->h->tags[prev].name : NULL, .changes = changes,
		.sites = ns, .n_sites = nn, .old_sites = os, .n_old_sites = no,
	};
	git_oid found;
	if (e->commits && !bisected && prev >= 0 && prev == ord - 1 &&
	    bisect_event(e->h, &e->s, name, ord, oc, no, nc, nn, &found) == 0) {
		commit = &found;
		sqlite3_bind_blob(e->commit_put, 1, found.id, GIT_OID_RAWSZ, SQLITE_STATIC);
		sqlite3_bind_text(e->commit_put, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(e->commit_put, 3, ord);
		hist_step_done(e->commit_put);
	}
	char hex[GIT_OID_HEXSZ + 1];
	git_commit *c = NULL;
	if (e->commits && commit) {
		git_oid_tostr(hex, sizeof(hex), commit);
		ev.commit = hex;
		if (git_commit_lookup(&c, e->h->repo, commit) == 0) {
			ev.commit_summary = git_commit_summary(c);
			ev.commit_author = git_commit_author(c)->name;
		}
	}
	r = e->fn(&ev, e->arg);
	git_commit_free(c);
out:
	free(ns);
	free(os);
	free(nc);
	free(oc);
	return r;
}

static int load_sym(struct emit *e, const char *name, struct qsym *q)
{
	qsym_clear(q);
	/* Not a copy (SQLITE_TRANSIENT): a copy that ran out of memory leaves
	 * the parameter NULL, and the query would find no sites, said nowhere.
	 * name outlives the statement's use. */
	if (sqlite3_bind_text(e->sites_q, 1, name, -1, SQLITE_STATIC) != SQLITE_OK)
		return -ENOMEM;
	int rc;
	while ((rc = sqlite3_step(e->sites_q)) == SQLITE_ROW)
		if (qsym_add(q, e->sites_q, 0) < 0) {
			sqlite3_reset(e->sites_q);
			return -ENOMEM;
		}
	sqlite3_reset(e->sites_q);
	return rc == SQLITE_DONE ? 0 : rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
}

static int emit_open(struct kexport_history *h, struct emit *e, bool commits,
                     kexport_history_event_fn fn, void *arg, char *errmsg)
{
	memset(e, 0, sizeof(*e));
	e->h = h;
	e->commits = commits;
	e->fn = fn;
	e->arg = arg;
	if (hist_stmts_prep(h, &e->s) < 0 ||
	    !(e->sites_q = hist_prep(h, "SELECT " SITE_COLS " FROM sites WHERE name=?1 ORDER BY id")) ||
	    !(e->commit_put = hist_prep(h, "UPDATE events SET commit_oid=?1, bisected=1 WHERE name=?2 AND ord=?3")))
		return hist_db_fail(h, errmsg, "preparing a query");
	/* Bisection results are stored as they are found. */
	return commits ? hist_exec(h, "BEGIN IMMEDIATE", errmsg) : 0;
}

static void emit_close(struct emit *e)
{
	if (e->commits)
		hist_exec(e->h, "COMMIT", NULL);
	hist_stmts_free(&e->s);
	sqlite3_finalize(e->sites_q);
	sqlite3_finalize(e->commit_put);
}

/* Events from a query returning (name, ord, changes, commit_oid, bisected). */
static int emit_events(struct emit *e, sqlite3_stmt *q, char *errmsg)
{
	struct qsym sym = { 0 };
	char *cur = NULL;
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *name = hist_col_text(q, 0);
		if (!name)
			continue;
		if (!cur || strcmp(cur, name) != 0) {
			free(cur);
			cur = strdup(name);
			int lr = cur ? load_sym(e, name, &sym) : -ENOMEM;
			if (lr < 0) {
				r = lr == -ENOMEM ? kx_err(errmsg, -ENOMEM, "out of memory")
				                  : hist_db_fail(e->h, errmsg, "reading sites");
				break;
			}
		}
		int64_t ord = sqlite3_column_int64(q, 1);
		git_oid commit;
		bool has = sqlite3_column_bytes(q, 3) == GIT_OID_RAWSZ;
		if (has)
			git_oid_fromraw(&commit, sqlite3_column_blob(q, 3));
		r = emit_event(e, cur, ord, ord - 1, (unsigned)sqlite3_column_int(q, 2), &sym,
		               has ? &commit : NULL, sqlite3_column_int(q, 4) != 0);
	}
	/* The rows may have stopped for a failure, not at the end. */
	if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = hist_db_fail(e->h, errmsg, "reading events");
	free(cur);
	qsym_clear(&sym);
	return r;
}

static int timeline(struct kexport_history *h, const char *name, bool commits,
                    kexport_history_event_fn fn, void *arg, char *errmsg)
{
	struct emit e;
	int r = emit_open(h, &e, commits, fn, arg, errmsg);
	/* A glob (SQLite's GLOB is fnmatch's syntax) asks for many symbols. */
	sqlite3_stmt *q = hist_prep(h, strpbrk(name, "*?[")
	                              ? "SELECT name, ord, changes, commit_oid, bisected FROM events"
	                                " WHERE name GLOB ?1 ORDER BY name, ord"
	                              : "SELECT name, ord, changes, commit_oid, bisected FROM events"
	                                " WHERE name=?1 ORDER BY ord");
	if (r == 0 && !q)
		r = hist_db_fail(h, errmsg, "preparing a query");
	if (r == 0) {
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		r = emit_events(&e, q, errmsg);
	}
	sqlite3_finalize(q);
	emit_close(&e);
	return r;
}

static int gpl_flips(struct kexport_history *h, bool commits, kexport_history_event_fn fn,
                     void *arg, char *errmsg)
{
	struct emit e;
	int r = emit_open(h, &e, commits, fn, arg, errmsg);
	sqlite3_stmt *q = hist_prep(h, "SELECT name, ord, changes, commit_oid, bisected FROM events"
	                          " WHERE changes & 4 ORDER BY name, ord");
	if (r == 0 && !q)
		r = hist_db_fail(h, errmsg, "preparing a query");
	if (r == 0)
		r = emit_events(&e, q, errmsg);
	sqlite3_finalize(q);
	emit_close(&e);
	return r;
}

static int changes(struct kexport_history *h, const char *from, const char *to,
                   kexport_history_event_fn fn, void *arg, char *errmsg)
{
	int a = tag_ord(h, from, errmsg);
	if (a < 0)
		return a;
	int b = tag_ord(h, to, errmsg);
	if (b < 0)
		return b;
	struct emit e;
	int r = emit_open(h, &e, false, fn, arg, errmsg);
	/* Every symbol with a site alive at a or b whose set differs. */
	sqlite3_stmt *q = hist_prep(h, "SELECT DISTINCT name FROM sites WHERE"
	                          " (from_ord <= ?1 AND (to_ord IS NULL OR to_ord > ?1)) <>"
	                          " (from_ord <= ?2 AND (to_ord IS NULL OR to_ord > ?2))"
	                          " ORDER BY name");
	if (r == 0 && !q)
		r = hist_db_fail(h, errmsg, "preparing a query");
	struct qsym sym = { 0 };
	if (r == 0) {
		sqlite3_bind_int(q, 1, a);
		sqlite3_bind_int(q, 2, b);
		int rc;
		while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
			char *name = strdup(hist_col_text(q, 0) ? hist_col_text(q, 0) : "");
			int lr = name ? load_sym(&e, name, &sym) : -ENOMEM;
			if (lr < 0) {
				free(name);
				r = lr == -ENOMEM ? kx_err(errmsg, -ENOMEM, "out of memory")
				                  : hist_db_fail(h, errmsg, "reading sites");
				break;
			}
			size_t cap = sym.n ? sym.n : 1;
			struct kexport_history_site *tmp = calloc(cap, sizeof(*tmp));
			struct csite *oc = calloc(cap, sizeof(*oc)), *nc = calloc(cap, sizeof(*nc));
			if (tmp && oc && nc) {
				size_t no = sites_at(&sym, a, tmp, oc);
				size_t nn = sites_at(&sym, b, tmp, nc);
				unsigned c = hist_classify(oc, no, nc, nn);
				if (c)
					r = emit_event(&e, name, b, a, c, &sym, NULL, true);
			} else
				r = kx_err(errmsg, -ENOMEM, "out of memory");
			free(tmp);
			free(oc);
			free(nc);
			free(name);
		}
		if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
			r = hist_db_fail(h, errmsg, "reading events");
	}
	qsym_clear(&sym);
	sqlite3_finalize(q);
	emit_close(&e);
	return r;
}

/*
 * The public queries report their own failures through h's context; a
 * non-zero return of the caller's fn, which stops them and is returned,
 * is the caller's and is not reported.
 */
struct caller_fn {
	kexport_history_event_fn fn;
	void *arg;
	int ret;
};

static int call_fn(const struct kexport_history_event *ev, void *arg)
{
	struct caller_fn *c = arg;
	return c->ret = c->fn(ev, c->arg);
}

static int report_query(struct kexport_history *h, const struct caller_fn *c, int r,
                        const char *msg)
{
	return c->ret && r == c->ret ? r : hist_report(h, r, msg);
}

KX_EXPORT int kexport_history_timeline(struct kexport_history *h, const char *name, bool commits,
                                       kexport_history_event_fn fn, void *arg)
{
	struct caller_fn c = { fn, arg, 0 };
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return report_query(h, &c, timeline(h, name, commits, call_fn, &c, msg), msg);
}

KX_EXPORT int kexport_history_gpl_flips(struct kexport_history *h, bool commits,
                                        kexport_history_event_fn fn, void *arg)
{
	struct caller_fn c = { fn, arg, 0 };
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return report_query(h, &c, gpl_flips(h, commits, call_fn, &c, msg), msg);
}

KX_EXPORT int kexport_history_changes(struct kexport_history *h, const char *from, const char *to,
                                      kexport_history_event_fn fn, void *arg)
{
	struct caller_fn c = { fn, arg, 0 };
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return report_query(h, &c, changes(h, from, to, call_fn, &c, msg), msg);
}
