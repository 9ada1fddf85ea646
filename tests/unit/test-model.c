/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KEXPORT_MODEL_VERDICT against KEXPORT_MODEL_FULL on a real module tree
 * (tests/integration/real-audit.sh passes Debian's): every module is the
 * same in both but for what the verdict model drops, which is exactly the
 * modinfo keys no check reads and the versions other than module_layout;
 * and the models of both judge every module alike against a kernel table
 * made of the tree's own exports.
 *
 *   test-model TREE
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkexport.h"

static const char *const verdict_keys[] = { "name", "license", "vermagic", "version",
	                                    "srcversion", "intree", "retpoline", "staging",
	                                    "livepatch", "test", "depends", "import_ns" };

static unsigned failures;

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			if (failures++ < 20) {                                             \
				fprintf(stderr, "FAIL: %s: ", f->path);                    \
				fprintf(stderr, __VA_ARGS__);                              \
				fputc('\n', stderr);                                       \
			}                                                                  \
		}                                                                          \
	} while (0)

static bool kept_key(const char *k)
{
	for (size_t i = 0; i < sizeof(verdict_keys) / sizeof(verdict_keys[0]); i++)
		if (strcmp(k, verdict_keys[i]) == 0)
			return true;
	return false;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_list(const char **a, size_t na, const char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static void compare(const struct kexport_module *f, const struct kexport_module *v,
                    size_t *dropped_keys, size_t *dropped_versions)
{
	CHECK(strcmp(f->path, v->path) == 0, "paths differ: %s", v->path);
	CHECK(same_str(f->name, v->name) && same_str(f->owner, v->owner), "name or owner");
	CHECK(same_str(f->license, v->license) && f->gpl_compatible == v->gpl_compatible &&
	              f->all_licenses_gpl == v->all_licenses_gpl,
	      "license");
	CHECK(same_str(f->vermagic, v->vermagic) && same_str(f->srcversion, v->srcversion) &&
	              same_str(f->version, v->version),
	      "vermagic, srcversion or version");
	CHECK(same_list(f->depends, f->n_depends, v->depends, v->n_depends), "depends");
	CHECK(same_list(f->import_ns, f->n_import_ns, v->import_ns, v->n_import_ns), "import_ns");
	CHECK(f->intree == v->intree && f->retpoline == v->retpoline && f->staging == v->staging &&
	              f->livepatch == v->livepatch && f->test == v->test,
	      "intree, retpoline, staging, livepatch or test");
	CHECK(f->signed_trailer == v->signed_trailer && f->sig_len == v->sig_len &&
	              f->sig_params_zero == v->sig_params_zero && f->sig_der == v->sig_der,
	      "signature");
	CHECK(f->has_versions == v->has_versions && f->has_ext_versions == v->has_ext_versions &&
	              f->has_this_module == v->has_this_module,
	      "has_versions, has_ext_versions or has_this_module");

	/* modinfo: the full model's entries with a verdict key, in order */
	size_t k = 0;
	for (size_t i = 0; i < f->n_modinfo; i++) {
		if (!kept_key(f->modinfo[i].key)) {
			(*dropped_keys)++;
			continue;
		}
		CHECK(k < v->n_modinfo && strcmp(f->modinfo[i].key, v->modinfo[k].key) == 0 &&
		              strcmp(f->modinfo[i].value, v->modinfo[k].value) == 0,
		      "modinfo entry %zu (%s) not kept as it is", i, f->modinfo[i].key);
		k++;
	}
	CHECK(k == v->n_modinfo, "%zu modinfo entries kept, want %zu", v->n_modinfo, k);

	/* versions: module_layout's entry only */
	const struct kexport_version *layout = NULL;
	for (size_t i = 0; i < f->n_versions && !layout; i++)
		if (!f->versions[i].extended && strcmp(f->versions[i].name, "module_layout") == 0)
			layout = &f->versions[i];
	CHECK(v->n_versions == (layout ? 1u : 0u), "%zu versions kept", v->n_versions);
	if (layout && v->n_versions == 1)
		CHECK(strcmp(v->versions[0].name, "module_layout") == 0 &&
		              v->versions[0].crc == layout->crc && !v->versions[0].extended,
		      "module_layout entry");
	*dropped_versions += f->n_versions - v->n_versions;

	/* imports and exports: unchanged, CRCs included */
	CHECK(f->n_imports == v->n_imports, "%zu imports, want %zu", v->n_imports, f->n_imports);
	for (size_t i = 0; i < f->n_imports && i < v->n_imports; i++)
		CHECK(strcmp(f->imports[i].name, v->imports[i].name) == 0 &&
		              f->imports[i].crc == v->imports[i].crc &&
		              f->imports[i].has_crc == v->imports[i].has_crc &&
		              f->imports[i].weak == v->imports[i].weak,
		      "import %s", f->imports[i].name);
	CHECK(f->n_exports == v->n_exports, "%zu exports, want %zu", v->n_exports, f->n_exports);
	for (size_t i = 0; i < f->n_exports && i < v->n_exports; i++)
		CHECK(strcmp(f->exports[i].name, v->exports[i].name) == 0 &&
		              f->exports[i].crc == v->exports[i].crc &&
		              f->exports[i].kind == v->exports[i].kind &&
		              strcmp(f->exports[i].ns, v->exports[i].ns) == 0,
		      "export %s", f->exports[i].name);
}

/* Every module of `mods` against a kernel whose exports are the tree's own
 * (so each needs its owners): the verdicts' outline, a line a module. */
static char *verdicts(struct kexport_ctx *ctx, struct kexport_module **mods, size_t n)
{
	struct kexport_table *t;
	struct kexport_kernel *k;
	struct kexport_loader *l;
	const char *vm = n ? mods[0]->vermagic : NULL;
	char release[128] = "6.1.0";
	if (vm)
		snprintf(release, sizeof(release), "%.*s", (int)strcspn(vm, " "), vm);
	if (kexport_table_new(ctx, &t) < 0 || kexport_table_add_modules(ctx, t, mods, n) < 0 ||
	    kexport_kernel_new(ctx, &k) < 0 || kexport_kernel_set_release(k, release) < 0 ||
	    (vm && kexport_kernel_set_vermagic(k, vm) < 0) || kexport_loader_new(ctx, &l, k, t) < 0)
		return NULL;
	kexport_loader_set_sig_trust(l, KEXPORT_SIG_TRUST_SAME_BUILD);
	size_t cap = 1 << 20, len = 0;
	char *out = malloc(cap);
	for (size_t i = 0; out && i < n; i++) {
		struct kexport_verdict *v;
		if (kexport_loader_check(l, mods[i], 0, &v) < 0) {
			free(out);
			out = NULL;
			break;
		}
		char line[512];
		int w = snprintf(line, sizeof(line), "%s %d %d %lu %zu %zu %s\n", v->module, v->loads,
		                 v->err, v->module_taint, v->n_problems, v->n_log,
		                 v->n_log ? v->log[0] : "-");
		if (w < 0 || (size_t)w >= sizeof(line))
			w = (int)strlen(line);
		if (len + (size_t)w + 1 > cap) {
			char *bigger = realloc(out, cap *= 2);
			if (!bigger) {
				free(out);
				out = NULL;
			}
			out = bigger;
		}
		if (out) {
			memcpy(out + len, line, (size_t)w + 1);
			len += (size_t)w;
		}
		kexport_verdict_free(v);
	}
	kexport_loader_free(l);
	kexport_kernel_free(k);
	kexport_table_free(t);
	return out;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test-model TREE\n");
		return 2;
	}
	struct kexport_ctx *ctx;
	struct kexport_module **full, **lean;
	size_t n_full, n_lean;
	if (kexport_ctx_new(&ctx) < 0 || kexport_read_modules(ctx, argv[1], &full, &n_full) < 0)
		return 2;
	kexport_ctx_set_model(ctx, KEXPORT_MODEL_VERDICT);
	if (kexport_read_modules(ctx, argv[1], &lean, &n_lean) < 0)
		return 2;
	if (n_full != n_lean || n_full < 100) {
		fprintf(stderr, "FAIL: %zu modules in the full model, %zu in the verdict model\n",
		        n_full, n_lean);
		return 1;
	}
	size_t dropped_keys = 0, dropped_versions = 0;
	for (size_t i = 0; i < n_full; i++)
		compare(full[i], lean[i], &dropped_keys, &dropped_versions);
	/* The test would pass on a model that drops nothing: it must drop. */
	if (dropped_keys < n_full || dropped_versions < n_full) {
		fprintf(stderr, "FAIL: the verdict model dropped %zu modinfo entries and %zu versions of %zu modules\n",
		        dropped_keys, dropped_versions, n_full);
		failures++;
	}
	char *vf = verdicts(ctx, full, n_full), *vl = verdicts(ctx, lean, n_lean);
	if (!vf || !vl || strcmp(vf, vl) != 0) {
		fprintf(stderr, "FAIL: the two models' verdicts differ\n");
		failures++;
	}
	free(vf);
	free(vl);
	kexport_module_list_free(full, n_full);
	kexport_module_list_free(lean, n_lean);
	kexport_ctx_free(ctx);
	if (failures) {
		fprintf(stderr, "%u failures\n", failures);
		return 1;
	}
	printf("ok: %zu modules; the verdict model drops %zu modinfo entries and %zu versions, "
	       "and judges them alike\n",
	       n_full, dropped_keys, dropped_versions);
	return 0;
}
