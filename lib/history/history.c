/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `kexport history`: the exports of a kernel git repository across its tags,
 * indexed in SQLite.
 *
 * The index, like Elixir's, is keyed by blob: a file's bytes are scanned
 * (kexport_src_scan) once per (blob id, default namespace) and the result is
 * kept in `scans`/`exports`, so a file unchanged between tags, or the same
 * blob under two paths, is never read twice, and a re-run after new tags
 * reads only the blobs the new tags brought.  Tags are walked in version
 * order; between consecutive tags only the files git_diff_tree_to_tree()
 * reports are looked at.  The state of every symbol is the set of its sites
 * (path, kind, namespace); a site lives in `sites` as an interval of tag
 * ordinals [from_ord, to_ord), and every tag where a symbol's set changed
 * is an `events` row.  Line numbers and #if conditions are shown but are not
 * part of the state: an edit above an export moves its line and is not a
 * change of the export.
 *
 * DEFAULT_SYMBOL_NAMESPACE given by a Makefile's ccflags is part of the scan
 * key: when a directory's Makefile (or Kbuild) changes its namespace, the
 * exporting files of that directory are scanned again under the new one.
 *
 * Design notes:
 * (1) One SQLite transaction per tag: an interrupted run leaves the index at
 *     the last complete tag, and the next run resumes there.
 * (2) The indexed tag list must be a prefix of the selected one to resume;
 *     otherwise sites/events are rebuilt from the first tag (the scans, the
 *     expensive part, are kept).
 * (3) Blobs are read and scanned on the context's threads.  libgit2 objects
 *     may be used by one thread at a time (its THREADING.md), so each worker
 *     takes a repository handle of its own from a small pool; SQLite is
 *     touched only by the calling thread.
 * (4) --commits bisects between two tags over the first-parent history of
 *     the later one: at each probe only the blobs of the symbol's files (and
 *     their directories' Makefiles) at that commit are read, through the same
 *     scan cache.  A symbol that changed and changed back between two tags
 *     is found at one of its transitions, not necessarily the first.
 * (5) Inflating blobs is most of the cost of a tag.  When the repository has
 *     a worktree, a blob that an index entry names is read from that file
 *     instead, as git itself trusts it: only when the file's size, mtime
 *     and inode still match the entry and the entry is not racy (mtime
 *     older than the index file).  Anything else comes from the odb.
 */
#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <git2.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libkexport-internal.h"

/* Bump when the scanner's results change, so cached scans are redone. */
#define HISTORY_SCHEMA "2" /* 2: KEXPORT_CHANGE_MOVED is bit 12, shared with kexport diff */

/* ------------------------------------------------------------------------ */
/* Strings and maps                                                         */

struct snode {
	struct snode *next;
	const char *key;
	void *val;
};

struct smap {
	struct snode **b;
	size_t nb, n;
};

static struct snode **smap_slot(struct smap *m, const char *key)
{
	if (!m->nb)
		return NULL;
	struct snode **p = &m->b[kx_hash(key) & (m->nb - 1)];
	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

static void *smap_get(struct smap *m, const char *key)
{
	struct snode **p = smap_slot(m, key);
	return p && *p ? (*p)->val : NULL;
}

/* Insert or replace; key must outlive the map.  false on ENOMEM. */
static bool smap_put(struct smap *m, const char *key, void *val)
{
	if (m->n >= m->nb) {
		size_t nb = m->nb ? m->nb * 2 : 1024;
		struct snode **b = calloc(nb, sizeof(*b));
		if (!b)
			return false;
		for (size_t i = 0; i < m->nb; i++)
			for (struct snode *s = m->b[i], *next; s; s = next) {
				next = s->next;
				size_t h = kx_hash(s->key) & (nb - 1);
				s->next = b[h];
				b[h] = s;
			}
		free(m->b);
		m->b = b;
		m->nb = nb;
	}
	struct snode **p = smap_slot(m, key);
	if (*p) {
		(*p)->val = val;
		return true;
	}
	struct snode *s = malloc(sizeof(*s));
	if (!s)
		return false;
	*s = (struct snode){ NULL, key, val };
	*p = s;
	m->n++;
	return true;
}

static void *smap_del(struct smap *m, const char *key)
{
	struct snode **p = smap_slot(m, key);
	if (!p || !*p)
		return NULL;
	struct snode *s = *p;
	void *val = s->val;
	*p = s->next;
	free(s);
	m->n--;
	return val;
}

static void smap_free(struct smap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->nb; i++)
		for (struct snode *s = m->b[i], *next; s; s = next) {
			next = s->next;
			if (free_val)
				free_val(s->val);
			free(s);
		}
	free(m->b);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------------ */
/* The index                                                                */

struct site {
	const char *path, *macro, *ns, *cond; /* interned */
	enum kexport_kind kind;
	unsigned line;
	int64_t row;                          /* sites.id of its open interval */
};

struct sym {
	const char *name;
	struct site *sites;
	size_t n, cap;
	/* Snapshot of the sites before the tag being walked (touched != 0). */
	struct site *old;
	size_t n_old;
	unsigned touched;
};

struct fexp {
	const char *name, *macro, *ns, *cond;
	enum kexport_kind kind;
	unsigned line;
};

/* A file that exports something at the last walked tag. */
struct hfile {
	const char *path, *dns; /* dns: "" when the Makefile gives none */
	git_oid oid;
	struct fexp *exps;
	size_t n;
};

struct tag {
	char *name;
	git_oid commit, tree;
	bool has_commit;
};

struct kexport_history {
	struct kexport_ctx *ctx;
	char *repo_path;
	char *db_path;
	git_repository *repo;
	sqlite3 *db;
	struct tag *tags;        /* indexed, in order */
	size_t n_tags;

	struct kx_arena strs;    /* interned strings */
	struct smap intern;
	struct smap files;       /* path -> struct hfile */
	struct smap syms;        /* name -> struct sym */
	struct sym **touched;
	size_t n_touched, cap_touched;
	unsigned tag_serial;

	pthread_mutex_t pool_lock;
	git_repository *pool[64];
	size_t n_pool;

	/* Worktree files whose index entry vouches for their blob (note 5). */
	struct wt_entry *wt;
	size_t wt_cap;           /* power of two; 0: none */
	bool wt_loaded;
	const char *workdir;
};

static const char *intern(struct kexport_history *h, const char *s)
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

static int git_fail(char *errmsg, int err, const char *what)
{
	const git_error *e = git_error_last();
	return kx_err(errmsg, err, "%s: %s", what, e && e->message ? e->message : "git error");
}

static int db_fail(struct kexport_history *h, char *errmsg, const char *what)
{
	return kx_err(errmsg, -EIO, "%s: %s: %s", h->db_path, what, sqlite3_errmsg(h->db));
}

static int exec(struct kexport_history *h, const char *sql, char *errmsg)
{
	char *e = NULL;
	if (sqlite3_exec(h->db, sql, NULL, NULL, &e) != SQLITE_OK) {
		int r = kx_err(errmsg, -EIO, "%s: %s", h->db_path, e ? e : "SQL error");
		sqlite3_free(e);
		return r;
	}
	return 0;
}

static sqlite3_stmt *prep(struct kexport_history *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static const char *col_text(sqlite3_stmt *st, int i)
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

static int load_tags(struct kexport_history *h, char *errmsg)
{
	for (size_t i = 0; i < h->n_tags; i++)
		free(h->tags[i].name);
	free(h->tags);
	h->tags = NULL;
	h->n_tags = 0;
	sqlite3_stmt *st = prep(h, "SELECT name, commit_oid, tree_oid FROM tags ORDER BY ord");
	if (!st)
		return db_fail(h, errmsg, "reading tags");
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
		t->name = strdup(col_text(st, 0) ? col_text(st, 0) : "");
		if (sqlite3_column_bytes(st, 1) == GIT_OID_RAWSZ) {
			git_oid_fromraw(&t->commit, sqlite3_column_blob(st, 1));
			t->has_commit = true;
		}
		if (sqlite3_column_bytes(st, 2) == GIT_OID_RAWSZ)
			git_oid_fromraw(&t->tree, sqlite3_column_blob(st, 2));
		h->n_tags++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(h, errmsg, "reading tags");
}

KX_EXPORT int kexport_history_open(struct kexport_ctx *ctx, const char *repo, const char *db,
                                   struct kexport_history **hp, char *errmsg)
{
	*hp = NULL;
	git_libgit2_init();
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
		r = kx_err(errmsg, -ENOENT, "not a git repository (%s)",
		           e && e->message ? e->message : "libgit2");
		goto fail;
	}
	h->repo_path = strdup(repo);
	h->db_path = db ? strdup(db)
	                : default_db(git_repository_path(h->repo), git_repository_workdir(h->repo),
	                             errmsg);
	if (!h->repo_path || !h->db_path) {
		r = h->db_path ? kx_err(errmsg, -ENOMEM, "out of memory") : -ENOENT;
		goto fail;
	}
	if (sqlite3_open_v2(h->db_path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		r = db_fail(h, errmsg, "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(h->db, 10000);
	if ((r = exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", errmsg)) < 0)
		goto fail;
	/* A database of another schema (or scanner) version starts over. */
	bool stale = true;
	sqlite3_stmt *st = prep(h, "SELECT value FROM meta WHERE key='schema'");
	if (st && sqlite3_step(st) == SQLITE_ROW && col_text(st, 0) &&
	    strcmp(col_text(st, 0), HISTORY_SCHEMA) == 0)
		stale = false;
	sqlite3_finalize(st);
	if (stale && (r = exec(h, drop_all, errmsg)) < 0)
		goto fail;
	if ((r = exec(h, schema, errmsg)) < 0)
		goto fail;
	if (stale && (r = exec(h, "INSERT OR REPLACE INTO meta VALUES('schema', '" HISTORY_SCHEMA "')",
	                       errmsg)) < 0)
		goto fail;
	if ((r = load_tags(h, errmsg)) < 0)
		goto fail;
	*hp = h;
	return 0;
fail:
	kexport_history_free(h);
	return r;
}

static void free_hfile(void *p)
{
	struct hfile *f = p;
	free(f->exps);
	free(f);
}

static void free_sym(void *p)
{
	struct sym *s = p;
	free(s->sites);
	free(s->old);
	free(s);
}

static void state_clear(struct kexport_history *h)
{
	smap_free(&h->files, free_hfile);
	smap_free(&h->syms, free_sym);
	free(h->touched);
	h->touched = NULL;
	h->n_touched = h->cap_touched = 0;
}

KX_EXPORT void kexport_history_free(struct kexport_history *h)
{
	if (!h)
		return;
	state_clear(h);
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
static int select_tags(struct kexport_history *h, const struct kexport_history_select *sel,
                       struct tag **out, size_t *n_out, char *errmsg)
{
	*out = NULL;
	*n_out = 0;
	git_strarray names = { 0 };
	if (git_tag_list(&names, h->repo) < 0)
		return git_fail(errmsg, -EINVAL, h->repo_path);
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
			r = git_fail(errmsg, -EINVAL, nm);
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

static bool is_source(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot && (strcmp(dot, ".c") == 0 || strcmp(dot, ".h") == 0 || strcmp(dot, ".S") == 0);
}

static bool is_makefile(const char *path)
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

static void dir_of(const char *path, char *dir, size_t size)
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
static const char *file_dns(struct kexport_history *h, git_tree *tree, struct smap *cache,
                            const char *path)
{
	char dir[4096];
	dir_of(path, dir, sizeof(dir));
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
		const char *key = intern(h, dir);
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
	const char *r = intern(h, ns);
	return r ? r : "";
}

/* ------------------------------------------------------------------------ */
/* Scanning blobs                                                           */

struct job {
	const char *path, *dns;
	git_oid oid;
	int64_t scan;          /* scans.id once known */
	struct fexp *exps;
	size_t n;
	bool parse;            /* not in the index: read and scan it */
	bool dup;              /* same (oid, dns) as an earlier job: share its result */
	bool from_worktree;    /* read from the worktree file, not the odb */
	size_t first;          /* for dup: the earlier job */
	char err[256];
	struct kx_arena arena; /* the parsed strings (before interning) */
	struct kx_vec v;
};

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

struct wt_entry {
	git_oid oid;
	const char *path;        /* below the workdir; NULL: empty slot */
	uint64_t size;
	int32_t mtime_s;
	uint32_t mtime_ns, ino;
};

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
static void wt_load(struct kexport_history *h)
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
	h->workdir = intern(h, wd);
	for (size_t i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(idx, i);
		if (!e || GIT_INDEX_ENTRY_STAGE(e) != 0 || (e->mode & 0170000) != 0100000 ||
		    e->mtime.seconds >= ist.st_mtim.tv_sec)
			continue;
		size_t k = wt_slot(h, &e->id);
		if (h->wt[k].path)
			continue;
		const char *p = intern(h, e->path);
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
	int n = kexport_src_scan(j->path, buf, e->size, *j->dns ? j->dns : NULL, collect, j, j->err);
	free(buf);
	if (n < 0 && !j->err[0])
		snprintf(j->err, sizeof(j->err), "scan failed");
	if (n < 0)
		j->v.n = 0;
	j->from_worktree = true;
	return true;
}

static int collect(const struct kexport_src_export *e, void *arg)
{
	struct job *j = arg;
	struct fexp *x = kx_vec_push(&j->v);
	if (!x)
		return -1;
	x->name = kx_arena_strdup(&j->arena, e->name);
	x->macro = kx_arena_strdup(&j->arena, e->macro ? e->macro : "");
	x->ns = kx_arena_strdup(&j->arena, e->ns ? e->ns : "");
	x->cond = e->cond ? kx_arena_strdup(&j->arena, e->cond) : NULL;
	x->kind = e->kind;
	x->line = e->line;
	return x->name && x->macro && x->ns ? 0 : -1;
}

static void scan_blob(git_repository *repo, struct job *j)
{
	kx_vec_init(&j->v, sizeof(struct fexp));
	git_blob *b;
	if (git_blob_lookup(&b, repo, &j->oid) < 0) {
		const git_error *e = git_error_last();
		snprintf(j->err, sizeof(j->err), "cannot read blob: %s",
		         e && e->message ? e->message : "libgit2");
		return;
	}
	int n = kexport_src_scan(j->path, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b),
	                         *j->dns ? j->dns : NULL, collect, j, j->err);
	git_blob_free(b);
	if (n < 0 && !j->err[0])
		snprintf(j->err, sizeof(j->err), "scan failed");
	if (n < 0)
		j->v.n = 0;
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
		snprintf(j->err, sizeof(j->err), "cannot open the repository again");
		return;
	}
	scan_blob(repo, j);
	pool_put(run->h, repo);
}

struct stmts {
	sqlite3_stmt *scan_get, *scan_put, *exp_get, *exp_put, *file_del, *file_put;
	sqlite3_stmt *site_put, *site_close, *event_put, *tag_put;
};

static void stmts_free(struct stmts *s)
{
	sqlite3_stmt **p = (sqlite3_stmt **)s;
	for (size_t i = 0; i < sizeof(*s) / sizeof(*p); i++)
		sqlite3_finalize(p[i]);
}

static int stmts_prep(struct kexport_history *h, struct stmts *s)
{
	memset(s, 0, sizeof(*s));
	s->scan_get = prep(h, "SELECT id, n FROM scans WHERE oid=?1 AND dns=?2");
	s->scan_put = prep(h, "INSERT INTO scans(oid, dns, n, error) VALUES(?1, ?2, ?3, ?4)");
	s->exp_get = prep(h, "SELECT name, macro, kind, ns, line, cond FROM exports WHERE scan=?1");
	s->exp_put = prep(h, "INSERT INTO exports VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	s->file_del = prep(h, "DELETE FROM files WHERE path=?1");
	s->file_put = prep(h, "INSERT OR REPLACE INTO files VALUES(?1, ?2, ?3, ?4)");
	s->site_put = prep(h, "INSERT INTO sites(name, path, macro, kind, ns, line, cond, from_ord)"
	                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
	s->site_close = prep(h, "UPDATE sites SET to_ord=?2 WHERE id=?1");
	s->event_put = prep(h, "INSERT OR REPLACE INTO events(name, ord, changes) VALUES(?1, ?2, ?3)");
	s->tag_put = prep(h, "INSERT INTO tags VALUES(?1, ?2, ?3, ?4)");
	sqlite3_stmt **p = (sqlite3_stmt **)s;
	for (size_t i = 0; i < sizeof(*s) / sizeof(*p); i++)
		if (!p[i])
			return -1;
	return 0;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Find a scan in the index; fills j->scan and, with exports, j->exps. */
static int scan_lookup(struct kexport_history *h, struct stmts *s, struct job *j, bool *found)
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
		return -1;
	if (!*found || n <= 0)
		return 0;
	j->exps = calloc((size_t)n, sizeof(*j->exps));
	if (!j->exps)
		return -1;
	sqlite3_bind_int64(s->exp_get, 1, j->scan);
	while ((rc = sqlite3_step(s->exp_get)) == SQLITE_ROW && j->n < (size_t)n) {
		struct fexp *x = &j->exps[j->n++];
		x->name = intern(h, col_text(s->exp_get, 0));
		x->macro = intern(h, col_text(s->exp_get, 1));
		x->kind = (enum kexport_kind)sqlite3_column_int(s->exp_get, 2);
		x->ns = intern(h, col_text(s->exp_get, 3));
		x->line = (unsigned)sqlite3_column_int(s->exp_get, 4);
		x->cond = col_text(s->exp_get, 5) ? intern(h, col_text(s->exp_get, 5)) : NULL;
		if (!x->name || !x->macro || !x->ns)
			rc = SQLITE_NOMEM;
	}
	sqlite3_reset(s->exp_get);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* Store a parsed job's result and intern its strings. */
static int scan_store(struct kexport_history *h, struct stmts *s, struct job *j)
{
	size_t n = j->v.n;
	sqlite3_bind_blob(s->scan_put, 1, j->oid.id, GIT_OID_RAWSZ, SQLITE_STATIC);
	sqlite3_bind_text(s->scan_put, 2, j->dns, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->scan_put, 3, (sqlite3_int64)n);
	if (j->err[0])
		sqlite3_bind_text(s->scan_put, 4, j->err, -1, SQLITE_STATIC);
	if (step_done(s->scan_put) < 0)
		return -1;
	j->scan = sqlite3_last_insert_rowid(h->db);
	if (n) {
		j->exps = calloc(n, sizeof(*j->exps));
		if (!j->exps)
			return -1;
	}
	const struct fexp *src = j->v.items;
	for (size_t i = 0; i < n; i++) {
		struct fexp *x = &j->exps[i];
		x->name = intern(h, src[i].name);
		x->macro = intern(h, src[i].macro);
		x->ns = intern(h, src[i].ns);
		x->cond = src[i].cond ? intern(h, src[i].cond) : NULL;
		x->kind = src[i].kind;
		x->line = src[i].line;
		if (!x->name || !x->macro || !x->ns)
			return -1;
		sqlite3_stmt *st = s->exp_put;
		sqlite3_bind_int64(st, 1, j->scan);
		sqlite3_bind_text(st, 2, x->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, x->macro, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, (int)x->kind);
		sqlite3_bind_text(st, 5, x->ns, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, (int)x->line);
		if (x->cond)
			sqlite3_bind_text(st, 7, x->cond, -1, SQLITE_STATIC);
		if (step_done(st) < 0)
			return -1;
	}
	j->n = n;
	kx_vec_free(&j->v);
	kx_arena_free(&j->arena);
	return 0;
}

static int job_cmp(const void *a, const void *b)
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
static int run_jobs(struct kexport_history *h, struct stmts *s, struct job *jobs, size_t n,
                    struct kexport_history_stats *st)
{
	size_t *todo = malloc((n ? n : 1) * sizeof(*todo)), n_todo = 0;
	if (!todo)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		if (i && job_cmp(&jobs[i - 1], j) == 0) {
			j->dup = true;
			j->first = jobs[i - 1].dup ? jobs[i - 1].first : i - 1;
			continue;
		}
		bool found;
		if (scan_lookup(h, s, j, &found) < 0) {
			free(todo);
			return -1;
		}
		if (found)
			st->blobs_cached++;
		else
			todo[n_todo++] = i;
	}
	struct scan_run run = { h, jobs, todo };
	kx_parallel_for(h->ctx, n_todo, scan_one, &run);
	int r = 0;
	for (size_t k = 0; k < n_todo && r == 0; k++) {
		struct job *j = &jobs[todo[k]];
		st->blobs_parsed++;
		st->blobs_from_worktree += j->from_worktree;
		st->exports += j->v.n;
		if (j->err[0] && j->v.n == 0)
			kx_diag(h->ctx, j->path, -EINVAL, j->err);
		r = scan_store(h, s, j);
	}
	free(todo);
	return r;
}

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
		if (sym_touch(h, s) < 0)
			return -1;
		size_t k = 0;
		for (size_t m = 0; m < s->n; m++)
			if (s->sites[m].path != path)
				s->sites[k++] = s->sites[m];
		s->n = k;
	}
	free_hfile(f);
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
		free_hfile(f);
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

/* ------------------------------------------------------------------------ */
/* Classifying a change                                                     */

/* Minimal view of a site for classification (also used by queries). */
struct csite {
	const char *path, *ns;
	enum kexport_kind kind;
};

static int csite_find(const struct csite *v, size_t n, const struct csite *x)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].path, x->path) == 0 && v[i].kind == x->kind &&
		    strcmp(v[i].ns, x->ns) == 0)
			return (int)i;
	return -1;
}

static bool csets_equal(const struct csite *a, size_t na, const struct csite *b, size_t nb)
{
	for (size_t i = 0; i < na; i++)
		if (csite_find(b, nb, &a[i]) < 0)
			return false;
	for (size_t i = 0; i < nb; i++)
		if (csite_find(a, na, &b[i]) < 0)
			return false;
	return true;
}

/* 1: every site GPL-only, 0: none, -1: mixed. */
static int gpl_state(const struct csite *v, size_t n)
{
	size_t g = 0;
	for (size_t i = 0; i < n; i++)
		g += kexport_kind_gpl_only(v[i].kind);
	return g == n ? 1 : g == 0 ? 0 : -1;
}

/* The kind all sites share, or -1. */
static int common_kind(const struct csite *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i].kind != v[0].kind)
			return -1;
	return (int)v[0].kind;
}

/* The namespace all sites share, or NULL when they differ. */
static const char *common_ns(const struct csite *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i].ns, v[0].ns) != 0)
			return NULL;
	return v[0].ns;
}

static bool path_in(const struct csite *v, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].path, path) == 0)
			return true;
	return false;
}

/* KEXPORT_CHANGE_* from the old and the new site set; 0 when equal. */
static unsigned classify(const struct csite *o, size_t no, const struct csite *n, size_t nn)
{
	if (csets_equal(o, no, n, nn))
		return 0;
	if (!no)
		return KEXPORT_CHANGE_ADDED;
	if (!nn)
		return KEXPORT_CHANGE_REMOVED;
	unsigned c = 0;
	bool moved = false;
	for (size_t i = 0; i < no && !moved; i++)
		moved = !path_in(n, nn, o[i].path);
	for (size_t i = 0; i < nn && !moved; i++)
		moved = !path_in(o, no, n[i].path);
	if (moved)
		c |= KEXPORT_CHANGE_MOVED;
	if (common_kind(o, no) != common_kind(n, nn) || common_kind(o, no) < 0) {
		int go = gpl_state(o, no), gn = gpl_state(n, nn);
		if (gn == 1 && go != 1)
			c |= KEXPORT_CHANGE_KIND_TIGHTENED;
		else if (go == 1 && gn != 1)
			c |= KEXPORT_CHANGE_KIND_LOOSENED;
		else if (common_kind(o, no) != common_kind(n, nn))
			c |= KEXPORT_CHANGE_KIND_CHANGED;
	}
	const char *nso = common_ns(o, no), *nsn = common_ns(n, nn);
	if (!nso || !nsn || strcmp(nso, nsn) != 0) {
		if (nso && !*nso && nsn)
			c |= KEXPORT_CHANGE_NS_ADDED;
		else if (nsn && !*nsn && nso)
			c |= KEXPORT_CHANGE_NS_REMOVED;
		else
			c |= KEXPORT_CHANGE_NS_CHANGED;
	}
	/* The sets differ in a way none of the above names (sites swapped
	 * between files of a mixed symbol): still a change of its files. */
	return c ? c : KEXPORT_CHANGE_MOVED;
}

static struct csite *to_csites(const struct site *v, size_t n)
{
	struct csite *c = malloc((n ? n : 1) * sizeof(*c));
	if (c)
		for (size_t i = 0; i < n; i++)
			c[i] = (struct csite){ v[i].path, v[i].ns, v[i].kind };
	return c;
}

/* After a tag's files are applied: events, and site intervals opened/closed. */
static int settle_tag(struct kexport_history *h, struct stmts *s, int64_t ord,
                      struct kexport_history_stats *st)
{
	for (size_t t = 0; t < h->n_touched; t++) {
		struct sym *y = h->touched[t];
		struct csite *o = to_csites(y->old, y->n_old), *n = to_csites(y->sites, y->n);
		if (!o || !n) {
			free(o);
			free(n);
			return -1;
		}
		unsigned c = classify(o, y->n_old, n, y->n);
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
			if (step_done(s->site_close) < 0)
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
			if (step_done(p) < 0)
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
			if (step_done(s->event_put) < 0)
				return -1;
			st->events++;
		}
		if (!y->n) {
			smap_del(&h->syms, y->name);
			free_sym(y);
		}
	}
	h->n_touched = 0;
	return 0;
}

/* Rebuild the in-memory state of the last indexed tag from the index. */
static int state_load(struct kexport_history *h, struct stmts *s)
{
	sqlite3_stmt *q = prep(h, "SELECT path, oid, dns, scan FROM files");
	if (!q)
		return -1;
	int rc;
	h->tag_serial++;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct job j = { 0 };
		j.path = intern(h, col_text(q, 0));
		j.dns = intern(h, col_text(q, 2));
		if (!j.path || !j.dns || sqlite3_column_bytes(q, 1) != GIT_OID_RAWSZ)
			break;
		git_oid_fromraw(&j.oid, sqlite3_column_blob(q, 1));
		bool found;
		int r = scan_lookup(h, s, &j, &found);
		if (r == 0)
			r = file_add(h, j.path, j.dns, &j.oid, j.exps, j.n);
		free(j.exps);
		if (r < 0)
			break;
	}
	sqlite3_finalize(q);
	h->n_touched = 0; /* loading is not a change */
	if (rc != SQLITE_DONE)
		return -1;
	q = prep(h, "SELECT id, name, path, kind, ns FROM sites WHERE to_ord IS NULL");
	if (!q)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sym *y = smap_get(&h->syms, col_text(q, 1) ? col_text(q, 1) : "");
		if (!y)
			continue;
		struct site key = { intern(h, col_text(q, 2)), NULL, intern(h, col_text(q, 4)), NULL,
		                    (enum kexport_kind)sqlite3_column_int(q, 3), 0, 0 };
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
	if (step_done(s->file_del) < 0)
		return -1;
	if (!j->n)
		return 0;
	sqlite3_bind_text(s->file_put, 1, j->path, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s->file_put, 2, j->oid.id, GIT_OID_RAWSZ, SQLITE_STATIC);
	sqlite3_bind_text(s->file_put, 3, j->dns, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->file_put, 4, j->scan);
	return step_done(s->file_put);
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
		r = git_fail(errmsg, -EINVAL, t->name);
		goto out;
	}
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	opts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_diff_tree_to_tree(&diff, h->repo, old_tree, new_tree, &opts) < 0) {
		r = git_fail(errmsg, -EINVAL, t->name);
		goto out;
	}
	h->tag_serial++;
	size_t nd = git_diff_num_deltas(diff);
	/* Pass 1: which directories' Makefiles changed. */
	for (size_t i = 0; i < nd; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *p = d->new_file.path ? d->new_file.path : d->old_file.path;
		if (is_makefile(p)) {
			char dir[4096];
			dir_of(p, dir, sizeof(dir));
			const char *k = intern(h, dir);
			if (!k || !smap_put(&w.dirs, k, (void *)k))
				goto nomem;
		}
	}
	/* Pass 2: changed source files. */
	for (size_t i = 0; i < nd; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		if (d->old_file.path && is_source(d->old_file.path) &&
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
			if (!(w.deleted[w.n_del++] = intern(h, d->old_file.path)))
				goto nomem;
			st->files_changed++;
		}
		if (d->status == GIT_DELTA_DELETED || !d->new_file.path || !is_source(d->new_file.path))
			continue;
		if (d->new_file.mode != GIT_FILEMODE_BLOB && d->new_file.mode != GIT_FILEMODE_BLOB_EXECUTABLE)
			continue;
		struct job *j = walk_job(&w);
		if (!j)
			goto nomem;
		j->path = intern(h, d->new_file.path);
		j->dns = file_dns(h, new_tree, &w.dns, d->new_file.path);
		git_oid_cpy(&j->oid, &d->new_file.id);
		if (!j->path)
			goto nomem;
		st->files_changed++;
	}
	/* Exporting files of a directory whose Makefile namespace changed. */
	if (w.dirs.n) {
		size_t n_changed = w.n;
		for (size_t b = 0; b < h->files.nb; b++)
			for (struct snode *sn = h->files.b[b]; sn; sn = sn->next) {
				struct hfile *f = sn->val;
				char dir[4096];
				dir_of(f->path, dir, sizeof(dir));
				if (!smap_get(&w.dirs, dir))
					continue;
				const char *dns = file_dns(h, new_tree, &w.dns, f->path);
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
		qsort(w.jobs, w.n, sizeof(*w.jobs), job_cmp);
	if (run_jobs(h, s, w.jobs, w.n, st) < 0) {
		r = db_fail(h, errmsg, "storing scans");
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
	if (settle_tag(h, s, ord, st) < 0) {
		r = db_fail(h, errmsg, "storing changes");
		goto out;
	}
	sqlite3_bind_int64(s->tag_put, 1, ord);
	sqlite3_bind_text(s->tag_put, 2, t->name, -1, SQLITE_STATIC);
	if (t->has_commit)
		sqlite3_bind_blob(s->tag_put, 3, t->commit.id, GIT_OID_RAWSZ, SQLITE_STATIC);
	sqlite3_bind_blob(s->tag_put, 4, t->tree.id, GIT_OID_RAWSZ, SQLITE_STATIC);
	if (step_done(s->tag_put) < 0) {
		r = db_fail(h, errmsg, "storing the tag");
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

KX_EXPORT int kexport_history_index(struct kexport_history *h,
                                    const struct kexport_history_select *sel,
                                    kexport_history_progress_fn progress, void *arg,
                                    struct kexport_history_stats *st, char *errmsg)
{
	struct kexport_history_stats local;
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	struct tag *tags;
	size_t n;
	int r = select_tags(h, sel, &tags, &n, errmsg);
	if (r < 0)
		return r;
	/* Resume when the index is a prefix of the selection (note 2). */
	size_t keep = 0;
	while (keep < h->n_tags && keep < n && strcmp(h->tags[keep].name, tags[keep].name) == 0 &&
	       git_oid_equal(&h->tags[keep].tree, &tags[keep].tree))
		keep++;
	if (!h->wt_loaded)
		wt_load(h);
	struct stmts s;
	if (stmts_prep(h, &s) < 0) {
		r = db_fail(h, errmsg, "preparing statements");
		goto out;
	}
	state_clear(h);
	if (keep < h->n_tags) {
		keep = 0;
		st->rebuilt = true;
		if ((r = exec(h, "BEGIN; DELETE FROM tags; DELETE FROM files; DELETE FROM sites;"
		                 " DELETE FROM events; COMMIT;", errmsg)) < 0)
			goto out;
	} else if (keep && keep < n && state_load(h, &s) < 0) {
		r = db_fail(h, errmsg, "loading the last tag");
		goto out;
	}
	for (size_t i = keep; i < n; i++) {
		if ((r = exec(h, "BEGIN", errmsg)) < 0)
			goto out;
		r = index_tag(h, &s, i ? &tags[i - 1] : NULL, &tags[i], (int64_t)i, st, errmsg);
		if (r < 0) {
			exec(h, "ROLLBACK", NULL);
			goto out;
		}
		if ((r = exec(h, "COMMIT", errmsg)) < 0)
			goto out;
		st->tags_done++;
		st->tags_new++;
		if (progress)
			progress(arg, tags[i].name, st);
	}
	r = 0;
out:
	stmts_free(&s);
	state_clear(h);
	for (size_t i = 0; i < n; i++)
		free(tags[i].name);
	free(tags);
	int r2 = load_tags(h, r < 0 ? NULL : errmsg);
	st->tags_total = (unsigned)h->n_tags;
	return r < 0 ? r : r2;
}

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
	const char *path = col_text(st, c), *macro = col_text(st, c + 1), *ns = col_text(st, c + 3),
	           *cond = col_text(st, c + 5);
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
		j.dns = file_dns(b->h, tree, &dns, j.path);
		bool found;
		if (scan_lookup(b->h, b->s, &j, &found) < 0)
			r = -1;
		else if (!found) {
			scan_blob(b->h->repo, &j);
			if (scan_store(b->h, b->s, &j) < 0)
				r = -1;
		}
		for (size_t k = 0; k < j.n && r == 0; k++) {
			if (strcmp(j.exps[k].name, b->name) != 0)
				continue;
			struct csite x = { j.path, j.exps[k].ns, j.exps[k].kind };
			if (csite_find(got, n_got, &x) < 0 && n_got < KX_ARRAY_SIZE(got))
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
	return csets_equal(got, n_got, b->want, b->n_want);
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
		step_done(e->commit_put);
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
	sqlite3_bind_text(e->sites_q, 1, name, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(e->sites_q)) == SQLITE_ROW)
		if (qsym_add(q, e->sites_q, 0) < 0)
			break;
	sqlite3_reset(e->sites_q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int emit_open(struct kexport_history *h, struct emit *e, bool commits,
                     kexport_history_event_fn fn, void *arg, char *errmsg)
{
	memset(e, 0, sizeof(*e));
	e->h = h;
	e->commits = commits;
	e->fn = fn;
	e->arg = arg;
	if (stmts_prep(h, &e->s) < 0 ||
	    !(e->sites_q = prep(h, "SELECT " SITE_COLS " FROM sites WHERE name=?1 ORDER BY id")) ||
	    !(e->commit_put = prep(h, "UPDATE events SET commit_oid=?1, bisected=1 WHERE name=?2 AND ord=?3")))
		return db_fail(h, errmsg, "preparing a query");
	/* Bisection results are stored as they are found. */
	return commits ? exec(h, "BEGIN", errmsg) : 0;
}

static void emit_close(struct emit *e)
{
	if (e->commits)
		exec(e->h, "COMMIT", NULL);
	stmts_free(&e->s);
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
		const char *name = col_text(q, 0);
		if (!name)
			continue;
		if (!cur || strcmp(cur, name) != 0) {
			free(cur);
			cur = strdup(name);
			if (!cur || load_sym(e, name, &sym) < 0) {
				r = db_fail(e->h, errmsg, "reading sites");
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
	free(cur);
	qsym_clear(&sym);
	return r;
}

KX_EXPORT int kexport_history_timeline(struct kexport_history *h, const char *name, bool commits,
                                       kexport_history_event_fn fn, void *arg, char *errmsg)
{
	struct emit e;
	int r = emit_open(h, &e, commits, fn, arg, errmsg);
	/* A glob (SQLite's GLOB is fnmatch's syntax) asks for many symbols. */
	sqlite3_stmt *q = prep(h, strpbrk(name, "*?[")
	                              ? "SELECT name, ord, changes, commit_oid, bisected FROM events"
	                                " WHERE name GLOB ?1 ORDER BY name, ord"
	                              : "SELECT name, ord, changes, commit_oid, bisected FROM events"
	                                " WHERE name=?1 ORDER BY ord");
	if (r == 0 && !q)
		r = db_fail(h, errmsg, "preparing a query");
	if (r == 0) {
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		r = emit_events(&e, q, errmsg);
	}
	sqlite3_finalize(q);
	emit_close(&e);
	return r;
}

KX_EXPORT int kexport_history_gpl_flips(struct kexport_history *h, bool commits,
                                        kexport_history_event_fn fn, void *arg, char *errmsg)
{
	struct emit e;
	int r = emit_open(h, &e, commits, fn, arg, errmsg);
	sqlite3_stmt *q = prep(h, "SELECT name, ord, changes, commit_oid, bisected FROM events"
	                          " WHERE changes & 4 ORDER BY name, ord");
	if (r == 0 && !q)
		r = db_fail(h, errmsg, "preparing a query");
	if (r == 0)
		r = emit_events(&e, q, errmsg);
	sqlite3_finalize(q);
	emit_close(&e);
	return r;
}

KX_EXPORT int kexport_history_changes(struct kexport_history *h, const char *from, const char *to,
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
	sqlite3_stmt *q = prep(h, "SELECT DISTINCT name FROM sites WHERE"
	                          " (from_ord <= ?1 AND (to_ord IS NULL OR to_ord > ?1)) <>"
	                          " (from_ord <= ?2 AND (to_ord IS NULL OR to_ord > ?2))"
	                          " ORDER BY name");
	if (r == 0 && !q)
		r = db_fail(h, errmsg, "preparing a query");
	struct qsym sym = { 0 };
	if (r == 0) {
		sqlite3_bind_int(q, 1, a);
		sqlite3_bind_int(q, 2, b);
		int rc;
		while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
			char *name = strdup(col_text(q, 0) ? col_text(q, 0) : "");
			if (!name || load_sym(&e, name, &sym) < 0) {
				free(name);
				r = db_fail(h, errmsg, "reading sites");
				break;
			}
			size_t cap = sym.n ? sym.n : 1;
			struct kexport_history_site *tmp = calloc(cap, sizeof(*tmp));
			struct csite *oc = calloc(cap, sizeof(*oc)), *nc = calloc(cap, sizeof(*nc));
			if (tmp && oc && nc) {
				size_t no = sites_at(&sym, a, tmp, oc);
				size_t nn = sites_at(&sym, b, tmp, nc);
				unsigned c = classify(oc, no, nc, nn);
				if (c)
					r = emit_event(&e, name, b, a, c, &sym, NULL, true);
			} else
				r = kx_err(errmsg, -ENOMEM, "out of memory");
			free(tmp);
			free(oc);
			free(nc);
			free(name);
		}
	}
	qsym_clear(&sym);
	sqlite3_finalize(q);
	emit_close(&e);
	return r;
}
