/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport audit: every module of a tree against its kernel, each with the
 * tree's own modules available as modprobe would load them (dependencies
 * first, their taints carried), then counts by verdict and taint and the
 * problems.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kexport.h"
#include "target.h"

static const char options[] =
	CLI_TARGET_HELP
	"      --all               list every module, not only refused and tainted ones\n"
	"Without --kernel, the kernel is the tree's own: /boot/vmlinuz-RELEASE beside a\n"
	"/lib/modules/RELEASE tree, else its build/ directory.\n"
	"Exit status: 0 every module loads, 1 some module is refused, 2 bad input.\n";

const struct kexport_cmd kexport_cmd_audit;

enum { OPT_ALL = 0x300 };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Progress on a terminal, when the run takes more than a second. */
static volatile const char *progress_phase;
static volatile int progress_done;
static void *progress_thread(void *arg)
{
	(void)arg;
	struct timespec ts = { 1, 0 };
	nanosleep(&ts, NULL);
	while (!progress_done) {
		fprintf(stderr, "\rkexport: audit: %s...   ", progress_phase);
		ts = (struct timespec){ 0, 250 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* The tree's modules and their verdicts. */
struct audit {
	struct kexport_module **mods;
	size_t n;
	struct kexport_judge *judge;
};

static const struct kexport_verdict *verdict(const struct audit *a, size_t i)
{
	return a->judge ? kexport_judge_verdict(a->judge, i) : NULL;
}

static void print_summary(const struct audit *a, bool all)
{
	size_t loads = 0, refused = 0;
	/* taint strings and their counts */
	char keys[64][32];
	size_t counts[64], nk = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct kexport_verdict *v = verdict(a, i);
		if (!v)
			continue;
		if (!v->loads) {
			refused++;
			continue;
		}
		loads++;
		char t[32];
		kexport_taint_letters(v->module_taint, true, t, sizeof(t));
		size_t k;
		for (k = 0; k < nk && strcmp(keys[k], t) != 0; k++)
			;
		if (k == nk && nk < 64) {
			snprintf(keys[nk], sizeof(keys[nk]), "%s", t);
			counts[nk++] = 0;
		}
		if (k < nk)
			counts[k]++;
	}
	if (cli_json) {
		json_key(cli_json, "summary");
		json_obj_start(cli_json);
		json_kuint(cli_json, "modules", a->n);
		json_kuint(cli_json, "loads", loads);
		json_kuint(cli_json, "refused", refused);
		json_key(cli_json, "taints");
		json_obj_start(cli_json);
		for (size_t k = 0; k < nk; k++)
			json_kuint(cli_json, keys[k][0] ? keys[k] : "none", counts[k]);
		json_obj_end(cli_json);
		json_obj_end(cli_json);
		json_key(cli_json, "modules");
		json_arr_start(cli_json);
		for (size_t i = 0; i < a->n; i++)
			if (verdict(a, i) && (all || !verdict(a, i)->loads || verdict(a, i)->module_taint))
				cli_print_verdict(a->mods[i], verdict(a, i), CLI_VERDICT_HUMAN);
		json_arr_end(cli_json);
		return;
	}
	printf("%zu modules: %zu load, %zu refused\n", a->n, loads, refused);
	for (size_t k = 0; k < nk; k++)
		printf("  taint %-6s %zu\n", keys[k][0] ? keys[k] : "none", counts[k]);
	for (size_t i = 0; i < a->n; i++) {
		const struct kexport_verdict *v = verdict(a, i);
		if (v && (all || !v->loads || v->module_taint))
			cli_print_verdict(a->mods[i], v, CLI_VERDICT_HUMAN);
	}
}

static int cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS, CLI_TARGET_LONGOPTS,
		{ "all", no_argument, NULL, OPT_ALL },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_target t = { 0 };
	bool all = false;
	int opt, st;
	while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, longopts, &kexport_cmd_audit, &t,
	                        &st)) != -1) {
		if (opt == CLI_GETOPT_EXIT)
			return st;
		if (opt == OPT_ALL)
			all = true;
		else
			return cli_usage_error(&kexport_cmd_audit, "unknown option");
	}
	if (argc - optind > 1)
		return cli_usage_error(&kexport_cmd_audit, "one tree at a time");
	char *dflt = NULL;
	const char *dir = optind < argc ? argv[optind] : NULL;
	if (!dir) {
		struct utsname u;
		if (uname(&u) < 0 || asprintf(&dflt, "/lib/modules/%s", u.release) < 0)
			return CLI_EXIT_BAD_INPUT;
		dir = dflt;
	}
	char *own_kernel = NULL;
	if (t.n_sources == 0) {
		own_kernel = kexport_tree_kernel(dir);
		cli_push_str(&t.sources, &t.n_sources, own_kernel ? own_kernel : dir);
	}

	pthread_t progress;
	bool progress_on = isatty(2) && !cli_opt.json;
	progress_phase = "reading modules";
	if (progress_on && pthread_create(&progress, NULL, progress_thread, NULL) != 0)
		progress_on = false;

	cli_output_begin();
	struct kexport_ctx *ctx = cli_ctx_new();
	struct audit a = { 0 };
	bool oom = false;
	double t0 = now(), t_read, t_kernel, t_verdicts;
	t.probe = dir;
	/* A distribution tree is signed module by module: verifying every
	 * signature hashes the whole tree (390 MB for Debian 6.1, ~1.5 s CPU
	 * with the image's decompression) where the rest of the audit reads
	 * 0.1 s worth.  The tree's own modules carry the build's vermagic, so
	 * the same-build policy is the default here; check verifies. */
	bool sig_verified = t.trust_set && t.trust == KEXPORT_SIG_TRUST_VERIFY;
	if (!t.trust_set) {
		t.trust = KEXPORT_SIG_TRUST_SAME_BUILD;
		t.trust_set = true;
	}
	t.signed_modules = sig_verified;
	struct cli_target_reader kernel;
	cli_target_read_start(&kernel, &t);
	/* Only what the checks read: a third less memory to fault in. */
	kexport_ctx_set_model(ctx, KEXPORT_MODEL_VERDICT);
	int rr = kexport_read_modules(ctx, dir, &a.mods, &a.n);
	bool bad = rr < 0 && a.n == 0;
	t_read = now();
	progress_phase = "reading the kernel";
	int krc = cli_target_read_wait(&kernel);
	const char *fallback = NULL;
	for (size_t i = 0; i < a.n && !fallback; i++)
		fallback = a.mods[i]->vermagic;
	int fin = krc == -ENOMEM ? -ENOMEM : cli_target_finish(&t, fallback);
	if (fin == -ENOMEM) {
		fprintf(stderr, "kexport: out of memory\n");
		return CLI_EXIT_BAD_INPUT;
	}
	if (krc < 0 || fin < 0)
		bad = true;
	if (cli_json)
		json_obj_start(cli_json);
	int status = CLI_EXIT_OK;
	if (t.loader && a.n) {
		/* The tree's own exports, as its modules provide them. */
		int added = kexport_table_add_modules(ctx, t.table, a.mods, a.n);
		t_kernel = now();
		progress_phase = "checking modules";
		if (added < 0 || kexport_judge_new(ctx, t.loader, a.mods, a.n, t.flags, &a.judge) < 0 ||
		    kexport_judge_run(a.judge) < 0)
			oom = true;
		cli_target_report_keys(&t);
		t_verdicts = now();
		if (cli_opt.verbose)
			fprintf(stderr, "kexport: audit: modules read in %.3f s, then the kernel in %.3f s "
			                "(read beside the modules), verdicts in %.3f s\n", t_read - t0,
			        t_kernel - t_read, t_verdicts - t_kernel);
		if (oom) {
			fprintf(stderr, "kexport: out of memory\n");
			return CLI_EXIT_BAD_INPUT;
		}
		progress_done = 1;
		if (progress_on) {
			pthread_join(progress, NULL);
			progress_on = false;
			fprintf(stderr, "\r%40s\r", "");
		}
		cli_target_describe(&t);
		if (cli_json) {
			json_kstr(cli_json, "tree", dir);
			json_kstr(cli_json, "signatures", sig_verified ? "verified" : "policy");
		} else {
			printf("# tree: %s\n", dir);
			if (!sig_verified)
				printf("# signatures: not verified (--trust-signatures %s); "
				       "--trust-signatures verify checks each against the kernel's keys\n",
				       t.trust == KEXPORT_SIG_TRUST_ALL    ? "all"
				       : t.trust == KEXPORT_SIG_TRUST_NONE ? "none"
				                                           : "same-build");
		}
		print_summary(&a, all);
		for (size_t i = 0; i < a.n; i++)
			if (verdict(&a, i) && !verdict(&a, i)->loads)
				status = CLI_EXIT_FINDING;
	}
	progress_done = 1;
	if (progress_on)
		pthread_join(progress, NULL);
	if (cli_json) {
		cli_json_errors();
		json_obj_end(cli_json);
	}
	cli_output_end();
	if (KEXPORT_FREE_AT_EXIT) {
		kexport_judge_free(a.judge);
		cli_target_close(&t);
		kexport_module_list_free(a.mods, a.n);
		kexport_ctx_free(ctx);
	}
	kexport_free(own_kernel);
	free(dflt);
	return bad || cli_bad_input_count() ? CLI_EXIT_BAD_INPUT : status;
}

const struct kexport_cmd kexport_cmd_audit = {
	.name = "audit",
	.fn = cmd_audit,
	.summary = "every module of a tree against its kernel: counts by verdict and taint, problems",
	.usage = "kexport audit [OPTIONS] [DIR] [--kernel SOURCE]",
	.options = options,
};
