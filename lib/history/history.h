/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to lib/history/ (store.c, scan.c, change.c, walk.c, query.c).
 *
 * `kexport history`: the exports of a kernel git repository across its tags,
 * indexed in SQLite.
 *
 * The index, like Elixir's, is keyed by blob: a file's bytes are scanned
 * (kx_src_scan) once per (blob id, default namespace) and the result is
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
 * (6) Several processes share a database (CI jobs, a shell and a DKMS
 *     hook on the default cache).  One indexes at a time (an flock() on
 *     DB.lock); the others wait, then resume from what it indexed.  Every
 *     write transaction is BEGIN IMMEDIATE, so a writer waits for another
 *     (the busy timeout) instead of failing when its read turns into a
 *     write.  Queries read a committed snapshot (WAL) at any time.  A
 *     default cache that is not a database is made again, with a warning;
 *     a file given as the database is the user's and is never touched.
 */
#ifndef KEXPORT_HISTORY_PRIVATE_H
#define KEXPORT_HISTORY_PRIVATE_H

#include <git2.h>
#include <pthread.h>
#include <sqlite3.h>

#include "kexport-history.h"
#include "libkexport-internal.h"

/* String maps: a key (outliving the map) to a pointer, on the library's
 * hash index (base/index.h), whose values are these nodes. */
struct snode {
	const char *key;
	void *val;
};

struct smap {
	struct kx_index x;
};

/* Each value of m, in no order: for (SMAP_EACH(m, i)) ... smap_at(m, i) */
#define SMAP_EACH(m, i) size_t i = 0; i < (m)->x.n_slots; i++
static inline void *smap_at(const struct smap *m, size_t i)
{
	return m->x.slots[i].item ? ((struct snode *)m->x.slots[i].val)->val : NULL;
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

/* One source file to resolve to a scan at a tag. */
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
	int code;              /* the scan's -errno (-ENOMEM stops the index: never cached) */
	struct kx_arena arena; /* the parsed strings (before interning) */
	struct kx_vec v;
};

struct wt_entry {
	git_oid oid;
	const char *path;        /* below the workdir; NULL: empty slot */
	uint64_t size;
	int32_t mtime_s;
	uint32_t mtime_ns, ino;
};

/* The prepared statements of a walk or a query. */
struct stmts {
	sqlite3_stmt *scan_get, *scan_put, *exp_get, *exp_put, *file_del, *file_put;
	sqlite3_stmt *site_put, *site_close, *event_put, *tag_put;
};

/* Minimal view of a site for classification (also used by queries). */
struct csite {
	const char *path, *ns;
	enum kexport_kind kind;
};

/* store.c */
void *smap_get(struct smap *m, const char *key);
void smap_free(struct smap *m, void (*free_val)(void *));
bool smap_put(struct smap *m, const char *key, void *val);
void *smap_del(struct smap *m, const char *key);
const char *hist_intern(struct kexport_history *h, const char *s);
/* A public function's failure, reported through h's context for its repository. */
int hist_report(struct kexport_history *h, int err, const char *msg);
/* The public functions' bodies, with errmsg (store.c, walk.c, query.c). */
int kx_history_open(struct kexport_ctx *ctx, const char *repo, const char *db,
                    struct kexport_history **hp, char *errmsg);
int kx_history_index(struct kexport_history *h, const struct kexport_history_select *sel,
                     kexport_history_progress_fn progress, void *arg,
                     struct kexport_history_stats *st, char *errmsg);
int hist_git_fail(char *errmsg, int err, const char *what);
/* inject.c: the fault tests' hooks in SQLite (else nothing). */
void hist_inject_setup(void);
int hist_db_fail(struct kexport_history *h, char *errmsg, const char *what);
int hist_exec(struct kexport_history *h, const char *sql, char *errmsg);
sqlite3_stmt *hist_prep(struct kexport_history *h, const char *sql);
const char *hist_col_text(sqlite3_stmt *st, int i);
int hist_load_tags(struct kexport_history *h, char *errmsg);
void hist_file_free(void *p);
void hist_sym_free(void *p);
void hist_state_clear(struct kexport_history *h);
void hist_stmts_free(struct stmts *s);
int hist_stmts_prep(struct kexport_history *h, struct stmts *s);
int hist_step_done(sqlite3_stmt *st);
int hist_scan_lookup(struct kexport_history *h, struct stmts *s, struct job *j, bool *found);
int hist_scan_store(struct kexport_history *h, struct stmts *s, struct job *j);

/* scan.c */
int hist_select_tags(struct kexport_history *h, const struct kexport_history_select *sel,
                       struct tag **out, size_t *n_out, char *errmsg);
bool hist_is_source(const char *path);
bool hist_is_makefile(const char *path);
void hist_dir_of(const char *path, char *dir, size_t size);
const char *hist_file_dns(struct kexport_history *h, git_tree *tree, struct smap *cache,
                            const char *path);
void hist_worktree_load(struct kexport_history *h);
void hist_scan_blob(git_repository *repo, struct job *j);
int hist_job_cmp(const void *a, const void *b);
int hist_run_jobs(struct kexport_history *h, struct stmts *s, struct job *jobs, size_t n,
                    struct kexport_history_stats *st);

/* change.c */
int hist_csite_find(const struct csite *v, size_t n, const struct csite *x);
bool hist_csets_equal(const struct csite *a, size_t na, const struct csite *b, size_t nb);
unsigned hist_classify(const struct csite *o, size_t no, const struct csite *n, size_t nn);
struct csite *hist_to_csites(const struct site *v, size_t n);

/* walk.c */

/* query.c */

#endif
