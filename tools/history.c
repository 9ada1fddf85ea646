/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport history: exports across the tags of a kernel git repository.
 * Every run first brings the index up to date (only new tags, only new
 * blobs), then answers one query: timelines of symbols, the changes between
 * two tags grouped by class, or the symbols that became GPL-only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kexport-history.h"
#include "kexport.h"
#include "target.h"

#ifdef KEXPORT_HISTORY_HELPER
enum {
	OPT_DB = 0x300,
	OPT_TAGS,
	OPT_ALL_TAGS,
	OPT_RANGE,
	OPT_COMMITS,
	OPT_CHANGES,
	OPT_GPL_FLIPS,
};

static const char *change_bits_text(unsigned c, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned b = 0; b < KEXPORT_CHANGE_CLASSES; b++)
		if (c & (1u << b))
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? "," : "",
			                      kexport_change_name(1u << b));
	return buf;
}

/* "EXPORT_SYMBOL_GPL ns=X path:line", several sites joined by "; ". */
static void sites_text(const struct kexport_history_site *s, size_t n, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s%s%s %s:%u", i ? "; " : "",
		                      kexport_kind_name(s[i].kind), *s[i].ns ? " ns=" : "", s[i].ns,
		                      s[i].path, s[i].line);
}

static void site_json(const struct kexport_history_site *s)
{
	json_obj_start(cli_json);
	json_kstr(cli_json, "path", s->path);
	json_kuint(cli_json, "line", s->line);
	json_kstr(cli_json, "macro", s->macro);
	json_kstr(cli_json, "kind", kexport_kind_short(s->kind));
	json_kstr(cli_json, "ns", *s->ns ? s->ns : NULL);
	json_kstr(cli_json, "cond", s->cond);
	json_obj_end(cli_json);
}

static void event_json(const struct kexport_history_event *ev)
{
	json_obj_start(cli_json);
	json_kstr(cli_json, "name", ev->name);
	json_kstr(cli_json, "tag", ev->tag);
	json_kstr(cli_json, "prev_tag", ev->prev_tag);
	json_key(cli_json, "changes");
	json_arr_start(cli_json);
	for (unsigned b = 0; b < KEXPORT_CHANGE_CLASSES; b++)
		if (ev->changes & (1u << b))
			json_str(cli_json, kexport_change_name(1u << b));
	json_arr_end(cli_json);
	json_key(cli_json, "sites");
	json_arr_start(cli_json);
	for (size_t i = 0; i < ev->n_sites; i++)
		site_json(&ev->sites[i]);
	json_arr_end(cli_json);
	json_key(cli_json, "old_sites");
	json_arr_start(cli_json);
	for (size_t i = 0; i < ev->n_old_sites; i++)
		site_json(&ev->old_sites[i]);
	json_arr_end(cli_json);
	json_key(cli_json, "commit");
	if (ev->commit) {
		json_obj_start(cli_json);
		json_kstr(cli_json, "id", ev->commit);
		json_kstr(cli_json, "summary", ev->commit_summary);
		json_kstr(cli_json, "author", ev->commit_author);
		json_obj_end(cli_json);
	} else
		json_null(cli_json);
	json_obj_end(cli_json);
}

/* One line: tag, classes, the new sites (the old ones for a removal). */
static void event_plain(const struct kexport_history_event *ev, bool with_name)
{
	char classes[256], sites[2048], old[2048];
	change_bits_text(ev->changes, classes, sizeof(classes));
	sites_text(ev->sites, ev->n_sites, sites, sizeof(sites));
	sites_text(ev->old_sites, ev->n_old_sites, old, sizeof(old));
	if (with_name)
		printf("  %-32s ", ev->name);
	else
		printf("  ");
	printf("%-10s %-28s", ev->tag, classes);
	if (ev->n_sites)
		printf(" %s", sites);
	if (ev->n_old_sites && (ev->changes & ~KEXPORT_CHANGE_ADDED))
		printf("%s(was %s)", ev->n_sites ? "  " : " ", old);
	if (ev->commit)
		printf("\n  %*s commit %.12s %s (%s)", with_name ? 33 : 0, "", ev->commit,
		       ev->commit_summary ? ev->commit_summary : "",
		       ev->commit_author ? ev->commit_author : "?");
	putchar('\n');
}

static void print_event(const struct kexport_history_event *ev, bool with_name)
{
	if (cli_json)
		event_json(ev);
	else
		event_plain(ev, with_name);
}

/* Timelines: a new symbol starts when the name changes (globs give many). */
struct timeline {
	char *cur;
	size_t n_events, n_syms;
};

static int print_timeline_event(const struct kexport_history_event *ev, void *arg)
{
	struct timeline *t = arg;
	if (!t->cur || strcmp(t->cur, ev->name) != 0) {
		if (t->cur && cli_json) {
			json_arr_end(cli_json);
			json_obj_end(cli_json);
		}
		free(t->cur);
		if (!(t->cur = strdup(ev->name)))
			return -ENOMEM;
		t->n_syms++;
		if (cli_json) {
			json_obj_start(cli_json);
			json_kstr(cli_json, "name", ev->name);
			json_key(cli_json, "events");
			json_arr_start(cli_json);
		} else
			printf("%s\n", ev->name);
	}
	t->n_events++;
	print_event(ev, false);
	return 0;
}

static int print_flip(const struct kexport_history_event *ev, void *arg)
{
	size_t *n = arg;
	(*n)++;
	print_event(ev, true);
	return 0;
}

/* --changes: every event once per class it belongs to. */
struct class_pass {
	unsigned bit;
	size_t n;
};

static int print_change(const struct kexport_history_event *ev, void *arg)
{
	struct class_pass *p = arg;
	if (!(ev->changes & p->bit))
		return 0;
	p->n++;
	print_event(ev, true);
	return 0;
}

static int count_change(const struct kexport_history_event *ev, void *arg)
{
	unsigned *counts = arg;
	for (unsigned b = 0; b < KEXPORT_CHANGE_CLASSES; b++)
		if (ev->changes & (1u << b))
			counts[b]++;
	counts[KEXPORT_CHANGE_CLASSES]++;
	return 0;
}

struct progress {
	bool on, lines;
	struct timespec t0;
};

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_cb(void *arg, const char *tag, const struct kexport_history_stats *st)
{
	struct progress *p = arg;
	if (!p->on)
		return;
	if (!tag) { /* st->waiting */
		fprintf(stderr, "kexport: history: waiting for another kexport indexing the same "
		                "database...%s", p->lines ? "\n" : "");
		return;
	}
	fprintf(stderr, "%skexport: history: %s indexed (%u tags this run; %lu files changed, "
	                "%lu blobs parsed, %lu cached; %.1f s)%s",
	        p->lines ? "" : "\r", tag, st->tags_done, st->files_changed, st->blobs_parsed,
	        st->blobs_cached, since(&p->t0), p->lines ? "\n" : "   ");
}

static void stats_json(const struct kexport_history_stats *st, double secs)
{
	json_key(cli_json, "index");
	json_obj_start(cli_json);
	json_kuint(cli_json, "tags_total", st->tags_total);
	json_kuint(cli_json, "tags_done", st->tags_done);
	json_kuint(cli_json, "files_changed", st->files_changed);
	json_kuint(cli_json, "blobs_parsed", st->blobs_parsed);
	json_kuint(cli_json, "blobs_cached", st->blobs_cached);
	json_kuint(cli_json, "blobs_from_worktree", st->blobs_from_worktree);
	json_kuint(cli_json, "exports_parsed", st->exports);
	json_kuint(cli_json, "events", st->events);
	json_kbool(cli_json, "rebuilt", st->rebuilt);
	json_key(cli_json, "seconds");
	json_uint(cli_json, (uint64_t)(secs * 1000 + 0.5) / 1000);
	json_key(cli_json, "milliseconds");
	json_uint(cli_json, (uint64_t)(secs * 1000 + 0.5));
	json_obj_end(cli_json);
}

#endif /* KEXPORT_HISTORY_HELPER */

static int cmd_history(int argc, char **argv);

const struct kexport_cmd kexport_cmd_history = {
	.name = "history",
	.fn = cmd_history,
	.summary = "exports across the tags of a kernel git repository: since when, and who changed them",
	.usage = "kexport history [OPTIONS] REPO [SYMBOL...]",
	.options = "      --tags GLOB     tags to index (default v*; -rc tags left out)\n"
	           "      --all-tags      keep -rc tags\n"
	           "      --range A..B    only tags from A to B in version order (either side may be empty)\n"
	           "      --db FILE       the index (default $XDG_CACHE_HOME/kexport/history-NAME-HASH.sqlite)\n"
	           "      --commits       bisect each change to the first-parent commit that made it\n"
	           "      --changes A..B  every export change between two indexed tags, by class\n"
	           "      --gpl-flips     every symbol that became GPL-only, with the tag\n",
};

#ifndef KEXPORT_HISTORY_HELPER
/* libgit2 and SQLite load only in the helper, which runs the body below. */
static int cmd_history(int argc, char **argv)
{
	return cli_exec_helper("kexport-history", argc, argv);
}
#else
/* What is wrong with an A..B that kexport_history_parse_range() refused
 * (it says only -EINVAL or -ENOMEM). */
static const char *range_error(const char *s, int r)
{
	if (r == -ENOMEM)
		return "out of memory";
	const char *dots = strstr(s, "..");
	if (!dots)
		return "not a range A..B";
	if (dots[2] == '.')
		return "A...B is not supported, use A..B";
	if (dots == s && !dots[2])
		return "empty range: give A..B, A.. or ..B";
	return "a side of the range is not a valid revision name";
}

static int cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{ "db", required_argument, NULL, OPT_DB },
		{ "tags", required_argument, NULL, OPT_TAGS },
		{ "all-tags", no_argument, NULL, OPT_ALL_TAGS },
		{ "range", required_argument, NULL, OPT_RANGE },
		{ "commits", no_argument, NULL, OPT_COMMITS },
		{ "changes", required_argument, NULL, OPT_CHANGES },
		{ "gpl-flips", no_argument, NULL, OPT_GPL_FLIPS },
		{ NULL, 0, NULL, 0 },
	};
	const struct kexport_cmd *cmd = &kexport_cmd_history;
	KEXPORT_SIZED(kexport_history_select, sel);
	const char *db = NULL, *changes = NULL;
	bool commits = false, flips = false;
	char *range_from = NULL, *range_to = NULL, *ch_from = NULL, *ch_to = NULL;
	int c, pr, ret = CLI_EXIT_OK;
	int exit_status;
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts, cmd, NULL, &exit_status)) != -1) {
		switch (c) {
		case CLI_GETOPT_EXIT:
			return exit_status;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_TAGS:
			sel.glob = optarg;
			break;
		case OPT_ALL_TAGS:
			sel.all_tags = true;
			break;
		case OPT_RANGE:
			free(range_from);
			free(range_to);
			if ((pr = kexport_history_parse_range(optarg, strlen(optarg), &range_from,
			                                      &range_to)) < 0)
				return cli_usage_error(cmd, "--range %s: %s", optarg, range_error(optarg, pr));
			break;
		case OPT_COMMITS:
			commits = true;
			break;
		case OPT_CHANGES:
			changes = optarg;
			break;
		case OPT_GPL_FLIPS:
			flips = true;
			break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "no repository given");
	const char *repo = argv[optind++];
	char **syms = argv + optind;
	size_t n_syms = (size_t)(argc - optind);
	if ((changes != NULL) + flips + (n_syms > 0) > 1)
		return cli_usage_error(cmd, "give symbols, --changes or --gpl-flips, one of them");
	if (changes) {
		if ((pr = kexport_history_parse_range(changes, strlen(changes), &ch_from, &ch_to)) < 0)
			return cli_usage_error(cmd, "--changes %s: %s", changes, range_error(changes, pr));
		if (!ch_from || !ch_to) {
			free(ch_from);
			free(ch_to);
			return cli_usage_error(cmd, "--changes needs both sides, A..B");
		}
	}
	sel.from = range_from;
	sel.to = range_to;

	struct kexport_ctx *ctx = cli_ctx_new();
	struct kexport_history *h = NULL;
	struct progress prog = { .on = cli_opt.verbose || isatty(2), .lines = cli_opt.verbose };
	clock_gettime(CLOCK_MONOTONIC, &prog.t0);
	KEXPORT_SIZED(kexport_history_stats, st);
	int r = kexport_history_open(ctx, repo, db, &h);
	if (r == 0)
		r = kexport_history_index(h, &sel, progress_cb, &prog, &st);
	double secs = since(&prog.t0);
	if (prog.on && !prog.lines && st.tags_done)
		fputc('\n', stderr);
	if (r < 0) { /* reported through ctx, for repo */
		ret = CLI_EXIT_BAD_INPUT;
		if (cli_opt.json) {
			cli_output_begin();
			json_obj_start(cli_json);
			cli_json_errors();
			json_obj_end(cli_json);
			cli_output_end();
		}
		goto out;
	}
	if (cli_opt.verbose)
		fprintf(stderr, "kexport: history: %s: %u tags indexed (%u this run%s), %lu blobs parsed, "
		                "%lu cached, %lu changes, %.2f s\n",
		        kexport_history_db_path(h), st.tags_total, st.tags_done,
		        st.rebuilt ? ", rebuilt" : "", st.blobs_parsed, st.blobs_cached, st.events, secs);
	cli_output_begin();
	if (cli_json) {
		json_obj_start(cli_json);
		json_kstr(cli_json, "repo", repo);
		json_kstr(cli_json, "db", kexport_history_db_path(h));
		json_key(cli_json, "tags");
		json_arr_start(cli_json);
		for (size_t i = 0; i < kexport_history_tag_count(h); i++)
			json_str(cli_json, kexport_history_tag(h, i));
		json_arr_end(cli_json);
		stats_json(&st, secs);
	} else if (!n_syms && !changes && !flips) {
		size_t nt = kexport_history_tag_count(h);
		if (nt)
			printf("# %s: %zu tags indexed (%s .. %s) in %s\n", repo, nt,
			       kexport_history_tag(h, 0), kexport_history_tag(h, nt - 1),
			       kexport_history_db_path(h));
		else
			printf("# %s: no tags selected\n", repo);
	}
	/* The queries report their own failures; not our callbacks' (out of memory). */
	unsigned reported = kexport_ctx_bad_inputs(ctx);
	if (n_syms) {
		if (cli_json) {
			json_key(cli_json, "symbols");
			json_arr_start(cli_json);
		}
		for (size_t i = 0; i < n_syms && r >= 0; i++) {
			struct timeline t = { 0 };
			r = kexport_history_timeline(h, syms[i], commits, print_timeline_event, &t);
			if (t.cur && cli_json) {
				json_arr_end(cli_json);
				json_obj_end(cli_json);
			}
			free(t.cur);
			if (!t.n_events) {
				if (cli_json) {
					json_obj_start(cli_json);
					json_kstr(cli_json, "name", syms[i]);
					json_key(cli_json, "events");
					json_arr_start(cli_json);
					json_arr_end(cli_json);
					json_obj_end(cli_json);
				} else
					printf("%s\n  never exported in the %zu indexed tags\n", syms[i],
					       kexport_history_tag_count(h));
				ret = CLI_EXIT_FINDING;
			}
		}
		if (cli_json)
			json_arr_end(cli_json);
	} else if (changes) {
		unsigned counts[KEXPORT_CHANGE_CLASSES + 1] = { 0 };
		r = kexport_history_changes(h, ch_from, ch_to, count_change, counts);
		if (r >= 0 && !cli_json)
			printf("# %s..%s: %u symbols changed\n", ch_from, ch_to,
			       counts[KEXPORT_CHANGE_CLASSES]);
		if (r >= 0 && cli_json) {
			json_kstr(cli_json, "from", ch_from);
			json_kstr(cli_json, "to", ch_to);
			json_key(cli_json, "changes");
			json_obj_start(cli_json);
		}
		for (unsigned b = 0; b < KEXPORT_CHANGE_CLASSES && r >= 0; b++) {
			if (!counts[b])
				continue;
			struct class_pass p = { 1u << b, 0 };
			if (cli_json) {
				json_key(cli_json, kexport_change_name(1u << b));
				json_arr_start(cli_json);
			} else
				printf("%s (%u):\n", kexport_change_name(1u << b), counts[b]);
			r = kexport_history_changes(h, ch_from, ch_to, print_change, &p);
			if (cli_json)
				json_arr_end(cli_json);
		}
		if (r >= 0 && cli_json)
			json_obj_end(cli_json);
	} else if (flips) {
		size_t n = 0;
		if (cli_json) {
			json_key(cli_json, "gpl_flips");
			json_arr_start(cli_json);
		}
		r = kexport_history_gpl_flips(h, commits, print_flip, &n);
		if (cli_json)
			json_arr_end(cli_json);
		else if (r >= 0)
			printf("# %zu symbols became GPL-only\n", n);
	}
	if (r < 0) {
		if (kexport_ctx_bad_inputs(ctx) == reported)
			cli_bad_input(repo, r == -ENOMEM ? "out of memory" : strerror(-r));
		ret = CLI_EXIT_BAD_INPUT;
	}
	if (cli_json) {
		cli_json_errors();
		json_obj_end(cli_json);
	}
	cli_output_end();
out:
	kexport_history_free(h);
	kexport_ctx_free(ctx);
	free(range_from);
	free(range_to);
	free(ch_from);
	free(ch_to);
	return ret;
}
#endif /* KEXPORT_HISTORY_HELPER */
