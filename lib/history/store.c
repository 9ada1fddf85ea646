/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The history index's store: the SQLite schema and its statements, the
 * open/free of a struct kexport_history, its interned strings and string
 * maps, and the cache of scans keyed by (blob id, default namespace).
 * See history.h for the design.
 */
#include <ctype.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"

#define HISTORY_SCHEMA "2" /* 2: KEXPORT_CHANGE_MOVED is bit 12, shared with kexport diff */
/* How long a writer waits for another process's transaction: a tag of a
 * big repository takes minutes to index, and waiting is the answer. */
#define HISTORY_BUSY_MS (30 * 60 * 1000)

static const char *snode_key(const void *n)
{
	return ((const struct snode *)n)->key;
}

void *smap_get(struct smap *m, const char *key)
{
	const struct kx_index_slot *s = kx_index_find(&m->x, key, kx_hash(key), snode_key);
	return s ? ((struct snode *)s->val)->val : NULL;
}

/* Insert or replace; key must outlive the map.  false on ENOMEM. */
bool smap_put(struct smap *m, const char *key, void *val)
{
	if ((m->x.n + 1) * 4 > m->x.n_slots * 3 && kx_index_reserve(&m->x, m->x.n + 1) < 0)
		return false;
	uint32_t h = kx_hash(key);
	struct kx_index_slot *s = kx_index_slot(&m->x, key, h, snode_key);
	if (s->item) {
		((struct snode *)s->val)->val = val;
		return true;
	}
	struct snode *n = malloc(sizeof(*n));
	if (!n)
		return false;
	*n = (struct snode){ key, val };
	*s = (struct kx_index_slot){ n, h, 1 };
	m->x.n++;
	return true;
}

void *smap_del(struct smap *m, const char *key)
{
	struct snode *n = (struct snode *)kx_index_del(&m->x, key, kx_hash(key), snode_key);
	if (!n)
		return NULL;
	void *val = n->val;
	free(n);
	return val;
}

void smap_free(struct smap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->x.n_slots; i++) {
		if (!m->x.slots[i].item)
			continue;
		struct snode *n = (struct snode *)m->x.slots[i].val;
		if (free_val)
			free_val(n->val);
		free(n);
	}
	kx_index_free(&m->x);
}

const char *hist_intern(struct kexport_history *h, const char *s)
{
	if (!s)
		return "";
	const char *k = smap_get(&h->intern, s);
	if (k)
		return k;
	k = kx_arena_strdup(&h->strs, s);
	if (!k || !smap_put(&h->intern, k, (void *)k))
		return NULL;
	return k;
}

int hist_git_fail(char *errmsg, int err, const char *what)
{
	const git_error *e = git_error_last();
	if (e && e->klass == GIT_ERROR_NOMEMORY)
		err = -ENOMEM;
	return kx_err(errmsg, err, "%s: %s", what, e && e->message ? e->message : "git error");
}

/* What SQLite's error says, as an errno: a full disk is -ENOSPC, memory
 * -ENOMEM, a file that is not a database -EINVAL; a file that could not be
 * opened or read, the system's errno when SQLite kept one; the rest -EIO. */
static int sqlite_errno(sqlite3 *db)
{
	int code = sqlite3_extended_errcode(db);
	if (code == SQLITE_IOERR_NOMEM)
		return -ENOMEM;
	if ((code & 0xff) == SQLITE_IOERR || (code & 0xff) == SQLITE_CANTOPEN) {
		int sys = sqlite3_system_errno(db);
		if (sys > 0)
			return -sys;
	}
	switch (code & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EINVAL;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	default:
		return -EIO;
	}
}

int hist_db_fail(struct kexport_history *h, char *errmsg, const char *what)
{
	return kx_err(errmsg, sqlite_errno(h->db), "%s: %s: %s", h->db_path, what,
	              sqlite3_errmsg(h->db));
}

int hist_exec(struct kexport_history *h, const char *sql, char *errmsg)
{
	char *e = NULL;
	if (sqlite3_exec(h->db, sql, NULL, NULL, &e) != SQLITE_OK) {
		int r = kx_err(errmsg, sqlite_errno(h->db), "%s: %s", h->db_path, e ? e : "SQL error");
		sqlite3_free(e);
		return r;
	}
	return 0;
}

sqlite3_stmt *hist_prep(struct kexport_history *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

const char *hist_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : NULL;
}

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
	/* One scan of one blob under one Makefile namespace ("" none). */
	"CREATE TABLE IF NOT EXISTS scans(id INTEGER PRIMARY KEY, oid BLOB NOT NULL,"
	" dns TEXT NOT NULL, n INTEGER NOT NULL, error TEXT, UNIQUE(oid, dns));"
	"CREATE TABLE IF NOT EXISTS exports(scan INTEGER NOT NULL, name TEXT NOT NULL,"
	" macro TEXT, kind INTEGER NOT NULL, ns TEXT NOT NULL, line INTEGER, cond TEXT);"
	"CREATE INDEX IF NOT EXISTS exports_scan ON exports(scan);"
	"CREATE TABLE IF NOT EXISTS tags(ord INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	" commit_oid BLOB, tree_oid BLOB NOT NULL);"
	/* The exporting files at the last tag, to resume a walk. */
	"CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, oid BLOB NOT NULL,"
	" dns TEXT NOT NULL, scan INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sites(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	" path TEXT NOT NULL, macro TEXT, kind INTEGER NOT NULL, ns TEXT NOT NULL,"
	" line INTEGER, cond TEXT, from_ord INTEGER NOT NULL, to_ord INTEGER);"
	"CREATE INDEX IF NOT EXISTS sites_name ON sites(name);"
	"CREATE TABLE IF NOT EXISTS events(name TEXT NOT NULL, ord INTEGER NOT NULL,"
	" changes INTEGER NOT NULL, commit_oid BLOB, bisected INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY(name, ord));"
	"CREATE INDEX IF NOT EXISTS events_ord ON events(ord);";

static const char drop_all[] =
	"DROP TABLE IF EXISTS scans; DROP TABLE IF EXISTS exports; DROP TABLE IF EXISTS tags;"
	"DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS sites; DROP TABLE IF EXISTS events;"
	"DROP TABLE IF EXISTS meta;";

/* A stable name for the default database: the repository's name and a hash
 * of its absolute git directory. */
static char *default_db(const char *gitdir, const char *workdir, char *errmsg)
{
	const char *cache = getenv("XDG_CACHE_HOME");
	char base[4096];
	if (cache && *cache)
		snprintf(base, sizeof(base), "%s/kexport", cache);
	else {
		const char *home = getenv("HOME");
		if (!home || !*home) {
			kx_err(errmsg, -ENOENT, "neither XDG_CACHE_HOME nor HOME is set: give --db");
			return NULL;
		}
		snprintf(base, sizeof(base), "%s/.cache/kexport", home);
	}
	/* mkdir -p of the last two levels is enough for ~/.cache/kexport. */
	char *slash = strrchr(base, '/');
	*slash = '\0';
	mkdir(base, 0755);
	*slash = '/';
	if (mkdir(base, 0755) < 0 && errno != EEXIST) {
		kx_err(errmsg, -errno, "%s: %s", base, strerror(errno));
		return NULL;
	}
	uint64_t fnv = 0xcbf29ce484222325ull;
	for (const char *p = gitdir; *p; p++)
		fnv = (fnv ^ (unsigned char)*p) * 0x100000001b3ull;
	const char *src = workdir ? workdir : gitdir;
	size_t len = strlen(src);
	while (len > 1 && src[len - 1] == '/')
		len--;
	const char *b = src + len;
	while (b > src && b[-1] != '/')
		b--;
	char name[64];
	size_t nl = 0;
	for (; b < src + len && nl < sizeof(name) - 1; b++)
		name[nl++] = (isalnum((unsigned char)*b) || *b == '-' || *b == '_') ? *b : '_';
	name[nl] = '\0';
	char *out;
	if (asprintf(&out, "%s/history-%s-%016llx.sqlite", base, nl ? name : "repo",
	             (unsigned long long)fnv) < 0) {
		kx_err(errmsg, -ENOMEM, "out of memory");
		return NULL;
	}
	return out;
}

int hist_load_tags(struct kexport_history *h, char *errmsg)
{
	for (size_t i = 0; i < h->n_tags; i++)
		free(h->tags[i].name);
	free(h->tags);
	h->tags = NULL;
	h->n_tags = 0;
	sqlite3_stmt *st = hist_prep(h, "SELECT name, commit_oid, tree_oid FROM tags ORDER BY ord");
	if (!st)
		return hist_db_fail(h, errmsg, "reading tags");
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (h->n_tags == cap) {
			cap = cap ? cap * 2 : 64;
			struct tag *t = realloc(h->tags, cap * sizeof(*t));
			if (!t) {
				sqlite3_finalize(st);
				return kx_err(errmsg, -ENOMEM, "out of memory");
			}
			h->tags = t;
		}
		struct tag *t = &h->tags[h->n_tags];
		memset(t, 0, sizeof(*t));
		t->name = strdup(hist_col_text(st, 0) ? hist_col_text(st, 0) : "");
		if (!t->name) {
			sqlite3_finalize(st);
			return kx_err(errmsg, -ENOMEM, "out of memory");
		}
		if (sqlite3_column_bytes(st, 1) == GIT_OID_RAWSZ) {
			git_oid_fromraw(&t->commit, sqlite3_column_blob(st, 1));
			t->has_commit = true;
		}
		if (sqlite3_column_bytes(st, 2) == GIT_OID_RAWSZ)
			git_oid_fromraw(&t->tree, sqlite3_column_blob(st, 2));
		h->n_tags++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : hist_db_fail(h, errmsg, "reading tags");
}

/* What SQLite says of a file that is not one of its databases. */
static bool not_a_database(sqlite3 *db)
{
	int e = sqlite3_extended_errcode(db) & 0xff;
	return e == SQLITE_NOTADB || e == SQLITE_CORRUPT;
}

/*
 * Open the database and give it this schema.  Several kexport processes
 * may do it at once (CI jobs, a shell and a DKMS hook sharing the cache):
 * the check and the creation are one write transaction, and a writer
 * waits for the others (the busy timeout) instead of failing.
 */
static int db_open(struct kexport_history *h, char *errmsg)
{
	if (sqlite3_open_v2(h->db_path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		return hist_db_fail(h, errmsg, "cannot open");
	sqlite3_busy_timeout(h->db, HISTORY_BUSY_MS);
	int r = hist_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", errmsg);
	if (r < 0 || (r = hist_exec(h, "BEGIN IMMEDIATE", errmsg)) < 0)
		return r;
	/* A database of another schema (or scanner) version starts over; one
	 * that could not be read (no memory, an I/O error) is not dropped. */
	bool stale = true;
	if ((r = hist_exec(h, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)",
	                   errmsg)) < 0) {
		hist_exec(h, "ROLLBACK", NULL);
		return r;
	}
	sqlite3_stmt *st = hist_prep(h, "SELECT value FROM meta WHERE key='schema'");
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	if (rc == SQLITE_ROW && hist_col_text(st, 0) &&
	    strcmp(hist_col_text(st, 0), HISTORY_SCHEMA) == 0)
		stale = false;
	if (rc == SQLITE_ROW && !hist_col_text(st, 0) && sqlite3_errcode(h->db) == SQLITE_NOMEM)
		rc = SQLITE_NOMEM;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = hist_db_fail(h, errmsg, "reading the schema version");
		sqlite3_finalize(st);
		hist_exec(h, "ROLLBACK", NULL);
		return r;
	}
	sqlite3_finalize(st);
	if ((stale && (r = hist_exec(h, drop_all, errmsg)) < 0) ||
	    (r = hist_exec(h, schema, errmsg)) < 0 ||
	    (stale && (r = hist_exec(h, "INSERT OR REPLACE INTO meta VALUES('schema', '" HISTORY_SCHEMA
	                                "')", errmsg)) < 0)) {
		hist_exec(h, "ROLLBACK", NULL);
		return r;
	}
	return hist_exec(h, "COMMIT", errmsg);
}

int kx_history_open(struct kexport_ctx *ctx, const char *repo, const char *db,
                    struct kexport_history **hp, char *errmsg)
{
	*hp = NULL;
	if (git_libgit2_init() < 0) {
		/* Its start allocates and makes thread keys, nothing else can
		 * fail; a failed start still counts, and must be undone. */
		git_libgit2_shutdown();
		return kx_err(errmsg, -ENOMEM, "out of memory starting libgit2");
	}
	hist_inject_setup();
	/* Objects are read by id and only scanned: re-hashing every blob with
	 * SHA-1 (collision-detecting) would cost more than inflating it. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	struct kexport_history *h = calloc(1, sizeof(*h));
	if (!h) {
		git_libgit2_shutdown();
		return kx_err(errmsg, -ENOMEM, "out of memory");
	}
	h->ctx = ctx;
	pthread_mutex_init(&h->pool_lock, NULL);
	int r;
	struct stat sb;
	if (stat(repo, &sb) < 0) {
		r = kx_err(errmsg, -ENOENT, "%s", strerror(errno));
		goto fail;
	}
	if (git_repository_open_ext(&h->repo, repo, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		const git_error *e = git_error_last();
		if (e && e->klass == GIT_ERROR_NOMEMORY)
			r = kx_err(errmsg, -ENOMEM, "out of memory");
		else
			r = kx_err(errmsg, -ENOENT, "not a git repository (%s)",
			           e && e->message ? e->message : "libgit2");
		goto fail;
	}
	h->repo_path = strdup(repo);
	h->db_path = db ? strdup(db)
	                : default_db(git_repository_path(h->repo), git_repository_workdir(h->repo),
	                             errmsg);
	if (!h->repo_path || !h->db_path) {
		/* default_db() said why it found no place; else memory ran out */
		r = h->db_path || db ? kx_err(errmsg, -ENOMEM, "out of memory") : -ENOENT;
		goto fail;
	}
	r = db_open(h, errmsg);
	if (r < 0 && h->db && not_a_database(h->db)) {
		if (db) { /* the user's file: never touched */
			r = kx_err(errmsg, -EINVAL, "%s: not a kexport history database (%s)", h->db_path,
			           sqlite3_errmsg(h->db));
			goto fail;
		}
		/* The cache is kexport's own: made again, said once. */
		char why[256];
		snprintf(why, sizeof(why), "the history cache was not a database (%s): made again",
		         sqlite3_errmsg(h->db));
		sqlite3_close_v2(h->db);
		h->db = NULL;
		static const char *const sfx[] = { "", "-wal", "-shm" };
		for (size_t i = 0; i < KX_ARRAY_SIZE(sfx); i++) {
			char p[PATH_MAX];
			snprintf(p, sizeof(p), "%s%s", h->db_path, sfx[i]);
			unlink(p);
		}
		kx_warn(ctx, h->db_path, why);
		r = db_open(h, errmsg);
	}
	if (r < 0)
		goto fail;
	if ((r = hist_load_tags(h, errmsg)) < 0)
		goto fail;
	*hp = h;
	return 0;
fail:
	kexport_history_free(h);
	return r;
}

KX_EXPORT int kexport_history_open(struct kexport_ctx *ctx, const char *repo, const char *db,
                                   struct kexport_history **hp)
{
	if (!ctx) {
		*hp = NULL;
		return -EINVAL;
	}
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(ctx, repo, kx_history_open(ctx, repo, db, hp, msg), msg);
}

int hist_report(struct kexport_history *h, int err, const char *msg)
{
	return kx_report(h->ctx, h->repo_path, err, msg);
}

void hist_file_free(void *p)
{
	struct hfile *f = p;
	free(f->exps);
	free(f);
}

void hist_sym_free(void *p)
{
	struct sym *s = p;
	free(s->sites);
	free(s->old);
	free(s);
}

void hist_state_clear(struct kexport_history *h)
{
	smap_free(&h->files, hist_file_free);
	smap_free(&h->syms, hist_sym_free);
	free(h->touched);
	h->touched = NULL;
	h->n_touched = h->cap_touched = 0;
}

KX_EXPORT void kexport_history_free(struct kexport_history *h)
{
	if (!h)
		return;
	hist_state_clear(h);
	smap_free(&h->intern, NULL);
	kx_arena_free(&h->strs);
	for (size_t i = 0; i < h->n_pool; i++)
		git_repository_free(h->pool[i]);
	for (size_t i = 0; i < h->n_tags; i++)
		free(h->tags[i].name);
	free(h->tags);
	if (h->db)
		sqlite3_close_v2(h->db);
	git_repository_free(h->repo);
	pthread_mutex_destroy(&h->pool_lock);
	free(h->wt);
	free(h->repo_path);
	free(h->db_path);
	free(h);
	git_libgit2_shutdown();
}

KX_EXPORT const char *kexport_history_db_path(const struct kexport_history *h)
{
	return h->db_path;
}

KX_EXPORT size_t kexport_history_tag_count(const struct kexport_history *h)
{
	return h->n_tags;
}

KX_EXPORT const char *kexport_history_tag(const struct kexport_history *h, size_t i)
{
	return i < h->n_tags ? h->tags[i].name : NULL;
}

void hist_stmts_free(struct stmts *s)
{
	sqlite3_stmt **p = (sqlite3_stmt **)s;
	for (size_t i = 0; i < sizeof(*s) / sizeof(*p); i++)
		sqlite3_finalize(p[i]);
}

/* Stops at the first statement that fails: the database's error is then
 * that one's (a later success would clear it). */
int hist_stmts_prep(struct kexport_history *h, struct stmts *s)
{
	static const char *const sql[] = {
		"SELECT id, n FROM scans WHERE oid=?1 AND dns=?2",
		"INSERT INTO scans(oid, dns, n, error) VALUES(?1, ?2, ?3, ?4)",
		"SELECT name, macro, kind, ns, line, cond FROM exports WHERE scan=?1",
		"INSERT INTO exports VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		"DELETE FROM files WHERE path=?1",
		"INSERT OR REPLACE INTO files VALUES(?1, ?2, ?3, ?4)",
		("INSERT INTO sites(name, path, macro, kind, ns, line, cond, from_ord)"
		 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
		"UPDATE sites SET to_ord=?2 WHERE id=?1",
		"INSERT OR REPLACE INTO events(name, ord, changes) VALUES(?1, ?2, ?3)",
		"INSERT INTO tags VALUES(?1, ?2, ?3, ?4)",
	};
	/* In the order of struct stmts' members, all statements. */
	_Static_assert(sizeof(struct stmts) == sizeof(sql) / sizeof(sql[0]) * sizeof(sqlite3_stmt *),
	               "one SQL text per statement of struct stmts");
	memset(s, 0, sizeof(*s));
	sqlite3_stmt **p = (sqlite3_stmt **)s;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (!(p[i] = hist_prep(h, sql[i])))
			return -1;
	return 0;
}

int hist_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Find a scan in the index; fills j->scan and, with exports, j->exps. */
int hist_scan_lookup(struct kexport_history *h, struct stmts *s, struct job *j, bool *found)
{
	*found = false;
	sqlite3_bind_blob(s->scan_get, 1, j->oid.id, GIT_OID_RAWSZ, SQLITE_STATIC);
	sqlite3_bind_text(s->scan_get, 2, j->dns, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s->scan_get);
	int64_t n = 0;
	if (rc == SQLITE_ROW) {
		*found = true;
		j->scan = sqlite3_column_int64(s->scan_get, 0);
		n = sqlite3_column_int64(s->scan_get, 1);
	}
	sqlite3_reset(s->scan_get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
	if (!*found || n <= 0)
		return 0;
	j->exps = calloc((size_t)n, sizeof(*j->exps));
	if (!j->exps)
		return -ENOMEM;
	sqlite3_bind_int64(s->exp_get, 1, j->scan);
	while ((rc = sqlite3_step(s->exp_get)) == SQLITE_ROW && j->n < (size_t)n) {
		struct fexp *x = &j->exps[j->n++];
		x->name = hist_intern(h, hist_col_text(s->exp_get, 0));
		x->macro = hist_intern(h, hist_col_text(s->exp_get, 1));
		x->kind = (enum kexport_kind)sqlite3_column_int(s->exp_get, 2);
		x->ns = hist_intern(h, hist_col_text(s->exp_get, 3));
		x->line = (unsigned)sqlite3_column_int(s->exp_get, 4);
		x->cond = hist_col_text(s->exp_get, 5) ? hist_intern(h, hist_col_text(s->exp_get, 5)) : NULL;
		if (!x->name || !x->macro || !x->ns)
			rc = SQLITE_NOMEM;
	}
	sqlite3_reset(s->exp_get);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
}

/* Store a parsed job's result and intern its strings. */
int hist_scan_store(struct kexport_history *h, struct stmts *s, struct job *j)
{
	size_t n = j->v.n;
	sqlite3_bind_blob(s->scan_put, 1, j->oid.id, GIT_OID_RAWSZ, SQLITE_STATIC);
	sqlite3_bind_text(s->scan_put, 2, j->dns, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->scan_put, 3, (sqlite3_int64)n);
	if (j->err[0])
		sqlite3_bind_text(s->scan_put, 4, j->err, -1, SQLITE_STATIC);
	if (hist_step_done(s->scan_put) < 0)
		return -EIO;
	j->scan = sqlite3_last_insert_rowid(h->db);
	if (n) {
		j->exps = calloc(n, sizeof(*j->exps));
		if (!j->exps)
			return -ENOMEM;
	}
	const struct fexp *src = j->v.items;
	for (size_t i = 0; i < n; i++) {
		struct fexp *x = &j->exps[i];
		x->name = hist_intern(h, src[i].name);
		x->macro = hist_intern(h, src[i].macro);
		x->ns = hist_intern(h, src[i].ns);
		x->cond = src[i].cond ? hist_intern(h, src[i].cond) : NULL;
		x->kind = src[i].kind;
		x->line = src[i].line;
		if (!x->name || !x->macro || !x->ns)
			return -ENOMEM;
		sqlite3_stmt *st = s->exp_put;
		sqlite3_bind_int64(st, 1, j->scan);
		sqlite3_bind_text(st, 2, x->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, x->macro, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, (int)x->kind);
		sqlite3_bind_text(st, 5, x->ns, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, (int)x->line);
		if (x->cond)
			sqlite3_bind_text(st, 7, x->cond, -1, SQLITE_STATIC);
		if (hist_step_done(st) < 0)
			return -EIO;
	}
	j->n = n;
	kx_vec_free(&j->v);
	kx_arena_free(&j->arena);
	return 0;
}
