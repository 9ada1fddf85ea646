/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the commands that run the verdict engine (check, audit): the
 * target kernel's options, reading it, and printing verdicts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kexport.h"
#include "target.h"

int cli_target_option(struct cli_target *t, int opt, const char *arg)
{
	char *end;
	switch (opt) {
	case CLI_OPT_KERNEL:
		return cli_push_str(&t->sources, &t->n_sources, arg) ? 1 : -1;
	case CLI_OPT_KERNEL_VERSION:
		t->release = arg;
		return 1;
	case CLI_OPT_CONFIG:
		return cli_push_str(&t->configs, &t->n_configs, arg) ? 1 : -1;
	case CLI_OPT_DISTRO:
		if (strcmp(arg, "debian") != 0 && strcmp(arg, "mainline") != 0) {
			fprintf(stderr, "kexport: --distro takes debian or mainline\n");
			return -1;
		}
		t->distro = arg;
		return 1;
	case CLI_OPT_VERMAGIC:
		t->vermagic = arg;
		return 1;
	case CLI_OPT_KERNEL_TAINT:
		errno = 0;
		t->taint = strtoul(arg, &end, 0);
		if (errno || *end) {
			fprintf(stderr, "kexport: --kernel-taint takes a number, as /proc/sys/kernel/tainted shows\n");
			return -1;
		}
		return 1;
	case CLI_OPT_SIGNING_KEYS:
		return cli_push_str(&t->keys, &t->n_keys, arg) ? 1 : -1;
	case CLI_OPT_TRUST:
		t->trust_set = true;
		if (strcmp(arg, "verify") == 0)
			t->trust = KEXPORT_SIG_TRUST_VERIFY;
		else if (strcmp(arg, "same-build") == 0)
			t->trust = KEXPORT_SIG_TRUST_SAME_BUILD;
		else if (strcmp(arg, "all") == 0)
			t->trust = KEXPORT_SIG_TRUST_ALL;
		else if (strcmp(arg, "none") == 0)
			t->trust = KEXPORT_SIG_TRUST_NONE;
		else {
			fprintf(stderr, "kexport: --trust-signatures takes verify, same-build, all or none\n");
			return -1;
		}
		return 1;
	case CLI_OPT_FORCE_VERMAGIC:
		t->flags |= KEXPORT_LOAD_IGNORE_VERMAGIC;
		return 1;
	case CLI_OPT_FORCE_MODVERSION:
		t->flags |= KEXPORT_LOAD_IGNORE_MODVERSIONS;
		return 1;
	}
	return 0;
}

/* The running kernel's modules directory. */
static char *running_kernel(void)
{
	struct utsname u;
	if (uname(&u) < 0)
		return NULL;
	char *p = NULL;
	if (asprintf(&p, "/lib/modules/%s", u.release) < 0)
		return NULL;
	return p;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
              const struct kexport_cmd *cmd, struct cli_target *t, int *status)
{
	int opt, r;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (opt == 'h') {
			cli_print_help(cmd);
			*status = CLI_EXIT_OK;
			return CLI_GETOPT_EXIT;
		}
		if ((r = cli_common_option(opt, optarg)) == 0 && t)
			r = cli_target_option(t, opt, optarg);
		if (r < 0) {
			*status = CLI_EXIT_BAD_INPUT;
			return CLI_GETOPT_EXIT;
		}
		if (r == 0)
			return opt;
	}
	return -1;
}

int cli_target_read(struct cli_target *t, struct kexport_ctx *ctx)
{
	t->ctx = ctx;
	if (kexport_kernel_new(ctx, &t->kernel) < 0 || kexport_table_new(ctx, &t->table) < 0)
		return -ENOMEM;
	if (t->n_sources == 0) {
		t->default_source = running_kernel();
		if (!t->default_source || !cli_push_str(&t->sources, &t->n_sources, t->default_source))
			return -ENOMEM;
	}
	int bad = 0;
	kexport_ctx_keep_signing_keys(ctx, t->signed_modules && t->n_keys == 0 &&
	                                           (!t->trust_set || t->trust == KEXPORT_SIG_TRUST_VERIFY));
	t->infos = calloc(t->n_sources, sizeof(*t->infos));
	for (size_t i = 0; t->infos && i < t->n_sources; i++)
		t->infos[i].sz = sizeof(t->infos[i]);
	if (!t->infos)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_sources; i++) {
		int r = t->n_needed ? kexport_read_exports_for(ctx, t->table, t->sources[i], t->needed,
		                                               t->n_needed, &t->infos[i])
		                    : kexport_read_exports(ctx, t->table, t->sources[i], &t->infos[i]);
		if (r < 0) {
			bad = -EINVAL;
			continue;
		}
		if (cli_opt.verbose)
			fprintf(stderr, "kexport: %s: %s (%s): %zu exports\n", t->sources[i],
			        kexport_source_type_name(t->infos[i].type), t->infos[i].detail,
			        t->infos[i].n_exports);
		kexport_kernel_probe(t->kernel, t->sources[i]);
	}
	for (size_t i = 0; i < t->n_configs; i++) {
		const char *c = t->configs[i];
		const char *eq = strchr(c, '=');
		if (!eq) {
			if (kexport_kernel_read_config(t->kernel, c) < 0) /* reported */
				bad = -EINVAL;
			continue;
		}
		char *key = strndup(c, (size_t)(eq - c));
		if (!key || kexport_kernel_set_config(t->kernel, key, eq + 1) < 0) {
			free(key);
			return -ENOMEM;
		}
		free(key);
	}
	for (size_t i = 0; i < t->n_keys; i++)
		if (kexport_kernel_add_signing_keys(t->kernel, t->keys[i]) < 0) /* reported */
			bad = -EINVAL;
	if (t->probe && !kexport_kernel_release(t->kernel))
		kexport_kernel_probe(t->kernel, t->probe);
	t->n_exports = kexport_table_count(t->table);
	return bad;
}

static void *target_reader(void *arg)
{
	struct cli_target_reader *r = arg;
	r->rc = cli_target_read(r->t, r->ctx);
	return NULL;
}

void cli_target_read_start(struct cli_target_reader *r, struct cli_target *t)
{
	*r = (struct cli_target_reader){ .t = t, .ctx = cli_ctx_new() };
	t->own_ctx = r->ctx; /* the kernel and table keep it: freed with them */
	r->threaded = pthread_create(&r->thread, NULL, target_reader, r) == 0;
}

int cli_target_read_wait(struct cli_target_reader *r)
{
	if (r->threaded)
		pthread_join(r->thread, NULL);
	else
		target_reader(r);
	r->ctx = NULL;
	return r->rc;
}

int cli_target_finish(struct cli_target *t, const char *fallback_release)
{
	int bad = 0;
	if (t->release && kexport_kernel_set_release(t->kernel, t->release) < 0) {
		cli_bad_input(t->release, "not a kernel release (expected e.g. 6.1.0-54-amd64)");
		bad = -EINVAL;
	}
	if (!kexport_kernel_release(t->kernel) && fallback_release) {
		/* The target's version from the module's vermagic, as a last resort. */
		size_t n = strcspn(fallback_release, " ");
		char rel[128];
		if (n < sizeof(rel)) {
			memcpy(rel, fallback_release, n);
			rel[n] = '\0';
			if (kexport_kernel_set_release(t->kernel, rel) == 0)
				t->release_from_module = true;
		}
	}
	if (t->distro)
		kexport_kernel_set_distro(t->kernel, t->distro);
	if (t->vermagic)
		kexport_kernel_set_vermagic(t->kernel, t->vermagic);
	if (kexport_loader_new(t->ctx, &t->loader, t->kernel, t->table) < 0)
		return -ENOMEM;
	kexport_loader_set_taint(t->loader, t->taint);
	if (t->trust_set)
		kexport_loader_set_sig_trust(t->loader, t->trust);
	return bad;
}

int cli_target_open(struct cli_target *t, struct kexport_ctx *ctx, const char *fallback_release)
{
	int bad = cli_target_read(t, ctx);
	if (bad == -ENOMEM)
		return bad;
	int fin = cli_target_finish(t, fallback_release);
	return fin == -ENOMEM ? fin : bad ? bad : fin;
}

void cli_target_report_keys(const struct cli_target *t)
{
	/* A --signing-keys image is read when the first signed module needs
	 * it; if it could not be, that is bad input, reported once, now. */
	const char *o = kexport_kernel_origin(t->kernel, "signing-keys");
	if (!o || strncmp(o, "none: ", 6) != 0)
		return;
	for (size_t i = 0; i < t->n_keys; i++) {
		size_t n = strlen(t->keys[i]);
		if (strncmp(o + 6, t->keys[i], n) == 0 && strncmp(o + 6 + n, ": ", 2) == 0) {
			cli_bad_input(t->keys[i], o + 6 + n + 2);
			return;
		}
	}
}

int cli_read_corpus(struct kexport_ctx *ctx, const char *path, struct kexport_module ***mods,
                    size_t *n, bool *bad)
{
	struct kexport_module **m = NULL;
	size_t nm = 0;
	if (kexport_read_modules(ctx, path, &m, &nm) < 0)
		*bad = true;
	if (!nm)
		return 0;
	struct kexport_module **all = realloc(*mods, (*n + nm) * sizeof(*all));
	if (!all) {
		kexport_module_list_free(m, nm);
		return -ENOMEM;
	}
	memcpy(all + *n, m, nm * sizeof(*m));
	*mods = all;
	*n += nm;
	free(m); /* the array only: the modules are the corpus's now */
	return 0;
}

int cli_corpus_loader(struct kexport_ctx *ctx, const struct cli_target *t,
                      struct kexport_module *const *corp, size_t n, struct kexport_table **table,
                      struct kexport_loader **loader)
{
	struct kexport_edits *none = NULL;
	struct kexport_edit_change *ch = NULL;
	size_t n_ch = 0;
	*table = NULL;
	*loader = NULL;
	/* No edit: a copy of the table. */
	int r = kexport_edits_new(ctx, &none);
	if (r == 0)
		r = kexport_edits_apply(none, t->table, table, &ch, &n_ch, NULL);
	if (r == 0)
		r = kexport_table_add_modules(ctx, *table, corp, n);
	if (r == 0)
		r = kexport_loader_new(ctx, loader, t->kernel, *table);
	if (r == 0) {
		kexport_loader_set_taint(*loader, t->taint);
		if (t->trust_set)
			kexport_loader_set_sig_trust(*loader, t->trust);
	}
	kexport_free(ch);
	kexport_edits_free(none);
	if (r < 0) {
		kexport_loader_free(*loader);
		kexport_table_free(*table);
		*loader = NULL;
		*table = NULL;
	}
	return r;
}

void cli_target_close(struct cli_target *t)
{
	kexport_loader_free(t->loader);
	kexport_table_free(t->table);
	kexport_kernel_free(t->kernel);
	kexport_ctx_free(t->own_ctx);
	free(t->infos);
	free(t->sources);
	free(t->configs);
	free(t->keys);
	free(t->needed);
	free(t->default_source);
}

void cli_target_describe(const struct cli_target *t)
{
	const struct kexport_kernel *k = t->kernel;
	const char *rel = kexport_kernel_release(k);
	if (cli_json) {
		json_key(cli_json, "kernel");
		json_obj_start(cli_json);
		json_key(cli_json, "sources");
		json_arr_start(cli_json);
		for (size_t i = 0; i < t->n_sources; i++)
			json_str(cli_json, t->sources[i]);
		json_arr_end(cli_json);
		json_kuint(cli_json, "exports", t->n_exports);
		json_kstr(cli_json, "release", rel);
		json_kstr(cli_json, "release_from", t->release_from_module ? "module vermagic"
		                                                          : kexport_kernel_origin(k, "release"));
		json_kstr(cli_json, "distro", kexport_kernel_distro(k));
		json_kstr(cli_json, "vermagic", kexport_kernel_vermagic(k));
		json_kstr(cli_json, "config_from", kexport_kernel_origin(k, "config"));
		json_kuint(cli_json, "taint", t->taint);
		json_obj_end(cli_json);
		return;
	}
	printf("# kernel: %s (%s)", rel ? rel : "version unknown", kexport_kernel_distro(k));
	if (t->release_from_module)
		printf(", version from the module's vermagic");
	printf("; %zu exports from", t->n_exports);
	for (size_t i = 0; i < t->n_sources; i++)
		printf(" %s", t->sources[i]);
	const char *cfg = kexport_kernel_origin(k, "config");
	printf("; config: %s\n", cfg ? cfg : kexport_kernel_config_known(k) ? "--config" : "unknown, distribution defaults assumed");
}

/* ------------------------------------------------------------------------ */

static const struct {
	int err;
	const char *name;
} errnos[] = {
	{ 1, "EPERM" },   { 2, "ENOENT" }, { 8, "ENOEXEC" },  { 16, "EBUSY" },
	{ 17, "EEXIST" }, { 22, "EINVAL" }, { 61, "ENODATA" }, { 65, "ENOPKG" },
	{ 74, "EBADMSG" }, { 126, "ENOKEY" }, { 129, "EKEYREJECTED" },
};

const char *cli_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == -err)
			return errnos[i].name;
	return "E?";
}

bool cli_verdict_taints(const struct kexport_verdict *v)
{
	return v->loads && (v->module_taint || v->kernel_taint_after != v->kernel_taint_before);
}

void cli_print_fix(const struct kexport_verdict *v, size_t i)
{
	const char *fix = kexport_verdict_fix(v, i);
	if (fix)
		printf("  %-7s %-17s %s\n", "", "fix:", fix);
}

void cli_json_problems(const struct kexport_verdict *v)
{
	json_key(cli_json, "problems");
	json_arr_start(cli_json);
	for (size_t i = 0; i < v->n_problems; i++) {
		const struct kexport_problem *p = &v->problems[i];
		json_obj_start(cli_json);
		json_kstr(cli_json, "code", kexport_reason_name(p->reason));
		json_kbool(cli_json, "fatal", p->fatal);
		json_kstr(cli_json, "symbol", p->symbol);
		json_kstr(cli_json, "explanation", p->explanation);
		json_kstr(cli_json, "fix", kexport_verdict_fix(v, i));
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
}

void cli_print_verdict(const struct kexport_module *m, const struct kexport_verdict *v,
                      enum cli_verdict_format fmt)
{
	char mt[32], kb[32], ka[32];
	kexport_taint_letters(v->module_taint, true, mt, sizeof(mt));
	kexport_taint_letters(v->kernel_taint_before, false, kb, sizeof(kb));
	kexport_taint_letters(v->kernel_taint_after, false, ka, sizeof(ka));
	if (cli_json) {
		json_obj_start(cli_json);
		json_kstr(cli_json, "path", m->path);
		json_kstr(cli_json, "name", v->module);
		json_kstr(cli_json, "verdict", v->loads ? "loads" : "refused");
		json_key(cli_json, "errno");
		json_int(cli_json, v->err);
		json_kstr(cli_json, "error", v->err ? cli_errno_name(v->err) : NULL);
		json_kbool(cli_json, "taints", cli_verdict_taints(v));
		json_kstr(cli_json, "module_taint", v->loads ? mt : NULL);
		json_kuint(cli_json, "kernel_taint_before", v->kernel_taint_before);
		json_kuint(cli_json, "kernel_taint", v->kernel_taint_after);
		json_kstr(cli_json, "kernel_taint_letters", ka);
		json_key(cli_json, "log");
		json_arr_start(cli_json);
		for (size_t i = 0; i < v->n_log; i++)
			json_str(cli_json, v->log[i]);
		json_arr_end(cli_json);
		cli_json_problems(v);
		json_kstr(cli_json, "signature", v->signature);
		json_key(cli_json, "needs");
		json_arr_start(cli_json);
		for (size_t i = 0; i < v->n_needs; i++)
			json_str(cli_json, v->needs[i]);
		json_arr_end(cli_json);
		json_obj_end(cli_json);
		return;
	}
	if (fmt == CLI_VERDICT_DEPMOD) {
		/* depmod's own lines, for tools that scrape them (weak-modules and the like). */
		for (size_t i = 0; i < v->n_problems; i++) {
			const struct kexport_problem *p = &v->problems[i];
			if (!p->fatal || !p->symbol)
				continue;
			if (p->reason == KEXPORT_REASON_CRC_MISMATCH)
				printf("depmod: WARNING: %s disagrees about version of symbol %s\n", m->path,
				       p->symbol);
			else if (p->reason == KEXPORT_REASON_MISSING || p->reason == KEXPORT_REASON_GPL_ONLY ||
			         p->reason == KEXPORT_REASON_PROPRIETARY_OWNER ||
			         p->reason == KEXPORT_REASON_DEPENDENCY)
				printf("depmod: WARNING: %s needs unknown symbol %s\n", m->path, p->symbol);
		}
		return;
	}
	if (v->loads)
		printf("%s: loads%s%s\n", m->path, cli_verdict_taints(v) ? ", taint " : ", no taint",
		       cli_verdict_taints(v) ? mt : "");
	else
		printf("%s: refused: init_module fails with %d (%s)\n", m->path, v->err,
		       cli_errno_name(v->err));
	printf("  kernel taint: %s -> %s (%lu)\n", kb[0] ? kb : "none", ka[0] ? ka : "none",
	       v->kernel_taint_after);
	if (v->signature && v->loads && !v->n_problems)
		printf("  signature: %s\n", v->signature);
	if (v->n_needs) {
		printf("  needs:");
		for (size_t i = 0; i < v->n_needs; i++)
			printf(" %s", v->needs[i]);
		printf("\n");
	}
	for (size_t i = 0; i < v->n_problems; i++) {
		const struct kexport_problem *p = &v->problems[i];
		printf("  %-7s %-17s %s\n", p->fatal ? "ERROR" : "note", kexport_reason_name(p->reason),
		       p->explanation);
		cli_print_fix(v, i);
	}
	if (v->n_log) {
		printf("  kernel log:\n");
		for (size_t i = 0; i < v->n_log; i++)
			printf("    %s\n", v->log[i]);
	}
}
