/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkexport-history: the exports of a kernel git repository across its
 * tags, indexed in SQLite.  A library of its own (libkexport-history.so),
 * so that libkexport does not bring libgit2 and SQLite (and the ~15
 * libraries they load) to every user.  Link both: -lkexport-history
 * -lkexport.
 */
#pragma once

#include "libkexport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* History: exports across the tags of a kernel git repository              */

/*
 * Tag order by version: v6.9 < v6.10, v6.1-rc8 < v6.1, names that are not
 * versions after all versions; ties by strcmp.  Returns -1, 0 or 1.
 * Since: 3
 */
int kexport_tag_version_cmp(const char *a, const char *b);
/* "v6.1-rc3" and the like.  Since: 3 */
bool kexport_tag_is_rc(const char *tag);
/*
 * Split "A..B" (either side may be empty, not both) into malloc'd *from and
 * *to (NULL for an empty side).  A string parser without a context: returns
 * 0, -EINVAL (not A..B, A...B, "..", or a side that is no revision name) or
 * -ENOMEM, and reports nothing.  Since: 3
 */
int kexport_history_parse_range(const char *s, size_t len, char **from, char **to);

/* What changed for a symbol from one indexed tag to the next: the bits of
 * enum kexport_change (KEXPORT_CHANGE_MOVED and the kind/namespace ones). */

/* One place a symbol is exported from at a tag. */
struct kexport_history_site {
	const char *path;        /* in the repository */
	const char *macro;       /* as written, e.g. "EXPORT_SYMBOL_NS_GPL" */
	enum kexport_kind kind;
	const char *ns;          /* "" when none */
	unsigned line;           /* where it was first seen with this kind/ns/path */
	const char *cond;        /* enclosing preprocessor conditions, or NULL */
};

/* One change of one symbol: its sites before and after. */
struct kexport_history_event {
	const char *name;
	const char *tag;          /* the first indexed tag with the new state */
	const char *prev_tag;     /* the indexed tag before it; NULL at the first tag */
	unsigned changes;         /* KEXPORT_CHANGE_* */
	const struct kexport_history_site *sites;     /* after (none when removed) */
	size_t n_sites;
	const struct kexport_history_site *old_sites; /* before (none when added) */
	size_t n_old_sites;
	const char *commit;       /* hex id of the first-parent commit that made it,
	                             when bisected; else NULL */
	const char *commit_summary;
	const char *commit_author;
};
typedef int (*kexport_history_event_fn)(const struct kexport_history_event *ev, void *arg);

/* Which tags to index. */
struct kexport_history_select {
	size_t sz;                /* KEXPORT_SIZED() */
	const char *glob;         /* fnmatch() on the tag name; NULL: "v*" */
	bool all_tags;            /* keep -rc tags too */
	const char *from, *to;    /* version bounds, inclusive (revisions); NULL: open */
};

struct kexport_history_stats {
	size_t sz;                /* KEXPORT_SIZED() (filled in as far as it reaches) */
	unsigned tags_total;      /* tags in the index after the run */
	unsigned tags_done;       /* tags walked in this run */
	unsigned tags_new;        /* of which were not indexed before */
	unsigned long files_changed; /* source files changed between walked tags */
	unsigned long blobs_parsed;  /* blobs scanned in this run */
	unsigned long blobs_cached;  /* blobs whose scan was already in the index */
	unsigned long blobs_from_worktree; /* of blobs_parsed: read from a worktree file
	                                      the git index vouches for, not inflated */
	unsigned long exports;       /* exports found in the blobs parsed */
	unsigned long events;        /* changes recorded */
	bool rebuilt;             /* the tag list changed: events and sites were rebuilt */
	bool waiting;             /* progress with tag NULL: waiting for another process
	                             indexing the same database */
};
typedef void (*kexport_history_progress_fn)(void *arg, const char *tag,
                                            const struct kexport_history_stats *st);

struct kexport_history;

/*
 * Open a kernel git repository and its index (SQLite file `db`; NULL:
 * $XDG_CACHE_HOME/kexport/history-<name>-<hash of the path>.sqlite).
 * Returns 0 or a negative errno (-ENOENT not a repository, -EINVAL
 * corrupt, -EIO the database) reported through ctx for `repo`.  The history
 * keeps ctx, which must outlive it; its functions below report their
 * failures through it, for `repo` too.  Since: 3
 */
int kexport_history_open(struct kexport_ctx *ctx, const char *repo, const char *db,
                         struct kexport_history **h);
void kexport_history_free(struct kexport_history *h);
/* The database file in use.  Since: 3 */
const char *kexport_history_db_path(const struct kexport_history *h);
/*
 * Bring the index up to date with the selected tags: blobs already scanned
 * are not read again.  progress (may be NULL) is called after each tag.
 * Returns 0 or a negative errno, reported through the history's context.
 * Since: 3
 */
int kexport_history_index(struct kexport_history *h, const struct kexport_history_select *sel,
                          kexport_history_progress_fn progress, void *arg,
                          struct kexport_history_stats *st);
/* Number of indexed tags and the i-th in order.  Since: 3 */
size_t kexport_history_tag_count(const struct kexport_history *h);
const char *kexport_history_tag(const struct kexport_history *h, size_t i);
/*
 * The timeline of `name` (every event, oldest first), every change between
 * two indexed revisions `from`..`to` (one event per symbol, with the net
 * change), or every event that made a symbol GPL-only.  With `commits`,
 * events between two tags are bisected over the first-parent history to the
 * commit that made them (cached in the index).  fn returning non-zero stops
 * and is returned (not reported: it is the caller's).  -ENOENT, reported: a
 * revision that is not an indexed tag.  Since: 3
 */
int kexport_history_timeline(struct kexport_history *h, const char *name, bool commits,
                             kexport_history_event_fn fn, void *arg);
int kexport_history_changes(struct kexport_history *h, const char *from, const char *to,
                            kexport_history_event_fn fn, void *arg);
int kexport_history_gpl_flips(struct kexport_history *h, bool commits,
                              kexport_history_event_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
