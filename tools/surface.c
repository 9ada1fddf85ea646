/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport surface: a module's interface with the kernel, as evidence in the
 * derived-work argument.  Its imports grouped by who exports them (vmlinux
 * or which module), by kind (the share of GPL-only), by namespace and by
 * subsystem (the MAINTAINERS section of the exporting file, with --source);
 * the imports few in-tree modules use (interior interfaces rather than
 * driver APIs); and those whose kind, namespace or CRC changed across the
 * kernels given (how much the module chases the kernel).  Several modules
 * side by side.  Built on the dossier of every import (lib/views/dossier.c):
 * the last --kernel is the reference.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "target.h"

static const char options[] =
	"      --kernel SOURCE     a kernel, oldest first (repeatable): any source `kexport\n"
	"                          exports` reads; the last is the reference (who exports each\n"
	"                          import, its kind); a /lib/modules/VERSION tree also counts\n"
	"                          the in-tree modules using each import\n"
	"      --source TREE       a kernel source tree: each import's subsystem (the\n"
	"                          MAINTAINERS section of the file exporting it)\n"
	"      --rare N            an import at most N in-tree modules use is listed as\n"
	"                          interior (default 2)\n"
	"      --names N           names shown per group (default 8; 0: all)\n"
	"Exit status: 0, or 2 bad input.\n";

const struct kexport_cmd kexport_cmd_surface;

enum { OPT_KERNEL = 0x300, OPT_SOURCE, OPT_RARE, OPT_NAMES };

/* A count per key (owner, namespace, subsystem), in first-seen order. */
struct tally {
	const char *key;
	size_t n, gpl;
};

struct tallies {
	struct tally *v;
	size_t n, cap;
};

static int tally_add(struct tallies *t, const char *key, bool gpl)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0) {
			t->v[i].n++;
			t->v[i].gpl += gpl;
			return 0;
		}
	if (t->n == t->cap) {
		size_t c = t->cap ? t->cap * 2 : 16;
		struct tally *v = realloc(t->v, c * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = c;
	}
	t->v[t->n++] = (struct tally){ key, 1, gpl };
	return 0;
}

static int cmp_tally(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* One import of a module as the surface sees it. */
struct use {
	const char *name;
	const struct kexport_dossier_entry *e;
	size_t in_tree;   /* modules of the reference kernel importing it (SIZE_MAX: unknown) */
	unsigned changed; /* KEXPORT_CHANGE_* over the kernels given */
};

struct surface {
	const struct kexport_module *m;
	size_t n_imports, n_gpl, n_ns, n_missing;
	size_t n_given;   /* imports from the other modules given (zfs from spl) */
	size_t n_kind_ns; /* imports whose kind or namespace changed across the kernels */
	struct tallies owners, namespaces, subsystems;
	struct use *rare, *changed;
	size_t n_rare, n_changed;
};

/* The architecture directory of a module's machine (an export defined per
 * architecture is this one's), or NULL. */
static const char *arch_dir(unsigned machine)
{
	switch (machine) {
	case 3:   /* EM_386 */
	case 62:  /* EM_X86_64 */
		return "arch/x86/";
	case 183: /* EM_AARCH64 */
		return "arch/arm64/";
	case 40:  /* EM_ARM */
		return "arch/arm/";
	case 21:  /* EM_PPC64 */
		return "arch/powerpc/";
	case 22:  /* EM_S390 */
		return "arch/s390/";
	case 243: /* EM_RISCV */
		return "arch/riscv/";
	default:
		return NULL;
	}
}

/* The subsystem of an import: the most specific MAINTAINERS section of the
 * file that exports it in the last source tree; of several such files, the
 * one of the module's architecture, else one outside arch/. */
static const char *subsystem_of(const struct kexport_dossier *d, const struct kexport_dossier_entry *e,
                                unsigned machine)
{
	size_t ns = kexport_dossier_source_count(d);
	if (!ns)
		return NULL;
	const struct kexport_dossier_sites *s = &e->sources[ns - 1];
	const char *arch = arch_dir(machine);
	const struct kexport_dossier_site *best = NULL;
	int best_rank = 0;
	for (size_t i = 0; i < s->n_sites; i++) {
		const struct kexport_dossier_site *t = s->sites[i];
		int rank = arch && strncmp(t->file, arch, strlen(arch)) == 0 ? 3
		           : strncmp(t->file, "arch/", 5) != 0              ? 2
		                                                            : 1;
		if (rank > best_rank) {
			best = t;
			best_rank = rank;
		}
	}
	if (!best)
		return "(no export macro found)";
	return best->n_sections ? best->sections[0]->name : "(no MAINTAINERS section)";
}

/* A module among those given that exports `name` (their own interfaces: spl
 * for zfs), or NULL. */
static const struct kexport_module *given_exporter(struct kexport_module *const *mods, size_t n,
                                                   const char *name)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < mods[i]->n_exports; k++)
			if (strcmp(mods[i]->exports[k].name, name) == 0)
				return mods[i];
	return NULL;
}

static int build(const struct kexport_dossier *d, const struct kexport_module *m, size_t rare_max,
                 struct kexport_module *const *given, size_t n_given, struct surface *s)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
	size_t nk = kexport_dossier_kernel_count(d), ref = nk ? nk - 1 : 0;
	bool tree = nk && kexport_dossier_kernel_modules(d, ref);
	s->rare = calloc(m->n_imports ? m->n_imports : 1, sizeof(*s->rare));
	s->changed = calloc(m->n_imports ? m->n_imports : 1, sizeof(*s->changed));
	if (!s->rare || !s->changed)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_imports; i++) {
		const char *name = m->imports[i].name;
		const struct kexport_dossier_entry *e = kexport_dossier_find(d, name);
		const struct kexport_export *x = e && nk ? e->exports[ref] : NULL;
		s->n_imports++;
		if (!x) {
			const struct kexport_module *g = given_exporter(given, n_given, name);
			if (!g)
				s->n_missing++;
			else
				s->n_given++;
			if (tally_add(&s->owners, g ? (g->name ? g->name : g->path) : "(not exported)",
			              false) < 0)
				return -ENOMEM;
			continue;
		}
		bool gpl = (x->known & KEXPORT_KNOWN_KIND) && kexport_kind_gpl_only(x->kind);
		s->n_gpl += gpl;
		if (tally_add(&s->owners, x->owner ? x->owner : "?", gpl) < 0)
			return -ENOMEM;
		if ((x->known & KEXPORT_KNOWN_NS) && x->ns[0]) {
			s->n_ns++;
			if (tally_add(&s->namespaces, x->ns, gpl) < 0)
				return -ENOMEM;
		}
		const char *sub = subsystem_of(d, e, m->machine);
		if (sub && tally_add(&s->subsystems, sub, gpl) < 0)
			return -ENOMEM;
		/* The module itself is not an in-tree user (a corpus). */
		size_t users = tree ? e->users[ref].n_modules : SIZE_MAX;
		if (tree && users <= rare_max)
			s->rare[s->n_rare++] = (struct use){ name, e, users, 0 };
		unsigned ch = 0;
		for (size_t k = 1; k < nk; k++)
			ch |= e->changes[k] & (KEXPORT_CHANGE_KIND_TIGHTENED | KEXPORT_CHANGE_KIND_LOOSENED |
			                       KEXPORT_CHANGE_KIND_CHANGED | KEXPORT_CHANGE_NS_ADDED |
			                       KEXPORT_CHANGE_NS_REMOVED | KEXPORT_CHANGE_NS_CHANGED |
			                       KEXPORT_CHANGE_CRC_CHANGED | KEXPORT_CHANGE_ADDED |
			                       KEXPORT_CHANGE_REMOVED | KEXPORT_CHANGE_OWNER_MOVED);
		if (ch)
			s->changed[s->n_changed++] = (struct use){ name, e, users, ch };
		if (ch & (KEXPORT_CHANGE_KIND_TIGHTENED | KEXPORT_CHANGE_KIND_LOOSENED |
		          KEXPORT_CHANGE_KIND_CHANGED | KEXPORT_CHANGE_NS_ADDED |
		          KEXPORT_CHANGE_NS_REMOVED | KEXPORT_CHANGE_NS_CHANGED))
			s->n_kind_ns++;
	}
	/* The changes a maintainer must act on first: kind and namespace, then
	 * added or moved, CRCs last; stable within each. */
	struct use *sorted = calloc(s->n_changed ? s->n_changed : 1, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	size_t k = 0;
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < s->n_changed; i++) {
			unsigned c = s->changed[i].changed;
			int rank = c & ~(KEXPORT_CHANGE_CRC_CHANGED | KEXPORT_CHANGE_ADDED |
			                 KEXPORT_CHANGE_OWNER_MOVED) ? 0
			           : c & ~KEXPORT_CHANGE_CRC_CHANGED ? 1 : 2;
			if (rank == pass)
				sorted[k++] = s->changed[i];
		}
	free(s->changed);
	s->changed = sorted;
	struct tallies *all[] = { &s->owners, &s->namespaces, &s->subsystems };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->n > 1)
			qsort(all[i]->v, all[i]->n, sizeof(struct tally), cmp_tally);
	return 0;
}

static void surface_free(struct surface *s)
{
	free(s->owners.v);
	free(s->namespaces.v);
	free(s->subsystems.v);
	free(s->rare);
	free(s->changed);
}

static double pct(size_t a, size_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static void print_tallies(const char *what, const struct tallies *t, size_t show)
{
	if (!t->n)
		return;
	printf("  by %s:", what);
	size_t n = show && show < t->n ? show : t->n;
	for (size_t i = 0; i < n; i++)
		printf("%s %s %zu", i ? "," : "", t->v[i].key, t->v[i].n);
	if (n < t->n)
		printf(", ... %zu more", t->n - n);
	printf("\n");
}

static void changes_words(unsigned c, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned bit = 1; bit && len < n; bit <<= 1)
		if ((c & bit) && kexport_change_name(bit))
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "",
			                        kexport_change_name(bit));
}

static void print_plain(const struct kexport_dossier *d, const struct surface *s, size_t n_s,
                        size_t rare_max, size_t show)
{
	size_t nk = kexport_dossier_kernel_count(d);
	const char *ref = nk ? kexport_dossier_kernel_label(d, nk - 1) : "?";
	/* Side by side first. */
	printf("# against %s%s\n", ref, nk > 1 ? "; changes since the first kernel given" : "");
	printf("%-24s %8s %9s %11s %10s %8s %8s %8s\n", "module", "imports", "GPL-only",
	       "namespaced", "exporters", "interior", "changed", "kind/ns");
	for (size_t i = 0; i < n_s; i++) {
		const struct surface *x = &s[i];
		char name[64];
		snprintf(name, sizeof(name), "%s", x->m->name ? x->m->name : x->m->path);
		printf("%-24s %8zu %8.1f%% %11zu %10zu %8zu %8zu %8zu\n", name, x->n_imports,
		       pct(x->n_gpl, x->n_imports - x->n_missing - x->n_given), x->n_ns, x->owners.n, x->n_rare,
		       x->n_changed, x->n_kind_ns);
	}
	for (size_t i = 0; i < n_s; i++) {
		const struct surface *x = &s[i];
		printf("\n%s (license %s): %zu imports, %zu GPL-only, %zu namespaced, %zu from the "
		       "other modules given, %zu not exported\n",
		       x->m->path, x->m->license ? x->m->license : "none", x->n_imports, x->n_gpl,
		       x->n_ns, x->n_given, x->n_missing);
		print_tallies("exporter", &x->owners, show);
		print_tallies("namespace", &x->namespaces, show);
		print_tallies("subsystem", &x->subsystems, show);
		if (x->n_rare) {
			printf("  used by at most %zu in-tree module%s:", rare_max, rare_max == 1 ? "" : "s");
			size_t n = show && show < x->n_rare ? show : x->n_rare;
			for (size_t k = 0; k < n; k++)
				printf("%s %s (%zu)", k ? "," : "", x->rare[k].name, x->rare[k].in_tree);
			if (n < x->n_rare)
				printf(", ... %zu more", x->n_rare - n);
			printf("\n");
		}
		if (x->n_changed) {
			printf("  changed across the kernels:");
			size_t n = show && show < x->n_changed ? show : x->n_changed;
			for (size_t k = 0; k < n; k++) {
				char w[160];
				changes_words(x->changed[k].changed, w, sizeof(w));
				printf("%s %s (%s)", k ? "," : "", x->changed[k].name, w);
			}
			if (n < x->n_changed)
				printf(", ... %zu more", x->n_changed - n);
			printf("\n");
		}
	}
}

static void json_tallies(const char *key, const struct tallies *t)
{
	json_key(cli_json, key);
	json_arr_start(cli_json);
	for (size_t i = 0; i < t->n; i++) {
		json_obj_start(cli_json);
		json_kstr(cli_json, "name", t->v[i].key);
		json_kuint(cli_json, "imports", t->v[i].n);
		json_kuint(cli_json, "gpl_only", t->v[i].gpl);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
}

static void print_json(const struct kexport_dossier *d, const struct surface *s, size_t n_s)
{
	json_key(cli_json, "kernels");
	json_arr_start(cli_json);
	for (size_t k = 0; k < kexport_dossier_kernel_count(d); k++)
		json_str(cli_json, kexport_dossier_kernel_label(d, k));
	json_arr_end(cli_json);
	json_key(cli_json, "modules");
	json_arr_start(cli_json);
	for (size_t i = 0; i < n_s; i++) {
		const struct surface *x = &s[i];
		json_obj_start(cli_json);
		json_kstr(cli_json, "path", x->m->path);
		json_kstr(cli_json, "name", x->m->name);
		json_kstr(cli_json, "license", x->m->license);
		json_kuint(cli_json, "imports", x->n_imports);
		json_kuint(cli_json, "gpl_only", x->n_gpl);
		json_kuint(cli_json, "namespaced", x->n_ns);
		json_kuint(cli_json, "from_given_modules", x->n_given);
		json_kuint(cli_json, "kind_or_namespace_changed", x->n_kind_ns);
		json_kuint(cli_json, "not_exported", x->n_missing);
		json_tallies("exporters", &x->owners);
		json_tallies("namespaces", &x->namespaces);
		json_tallies("subsystems", &x->subsystems);
		json_key(cli_json, "interior");
		json_arr_start(cli_json);
		for (size_t k = 0; k < x->n_rare; k++) {
			json_obj_start(cli_json);
			json_kstr(cli_json, "symbol", x->rare[k].name);
			json_kuint(cli_json, "in_tree_users", x->rare[k].in_tree);
			json_obj_end(cli_json);
		}
		json_arr_end(cli_json);
		json_key(cli_json, "changed");
		json_arr_start(cli_json);
		for (size_t k = 0; k < x->n_changed; k++) {
			json_obj_start(cli_json);
			json_kstr(cli_json, "symbol", x->changed[k].name);
			json_key(cli_json, "changes");
			json_arr_start(cli_json);
			for (unsigned bit = 1; bit; bit <<= 1)
				if ((x->changed[k].changed & bit) && kexport_change_name(bit))
					json_str(cli_json, kexport_change_name(bit));
			json_arr_end(cli_json);
			json_obj_end(cli_json);
		}
		json_arr_end(cli_json);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmd_surface(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "rare", required_argument, NULL, OPT_RARE },
		{ "names", required_argument, NULL, OPT_NAMES },
		{ NULL, 0, NULL, 0 },
	};
	const char **kpaths = NULL, **spaths = NULL;
	size_t n_k = 0, n_src = 0, show = 8, rare_max = 2;
	int opt, st;
	while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, longopts, &kexport_cmd_surface,
	                        NULL, &st)) != -1) {
		if (opt == CLI_GETOPT_EXIT)
			return st;
		char *end;
		long v;
		switch (opt) {
		case OPT_KERNEL:
			if (!cli_push_str(&kpaths, &n_k, optarg))
				return CLI_EXIT_BAD_INPUT;
			break;
		case OPT_SOURCE:
			if (!cli_push_str(&spaths, &n_src, optarg))
				return CLI_EXIT_BAD_INPUT;
			break;
		case OPT_RARE:
		case OPT_NAMES:
			v = strtol(optarg, &end, 10);
			if (*end || v < 0)
				return cli_usage_error(&kexport_cmd_surface, "%s takes a number",
				                       opt == OPT_RARE ? "--rare" : "--names");
			*(opt == OPT_RARE ? &rare_max : &show) = (size_t)v;
			break;
		default:
			return cli_usage_error(&kexport_cmd_surface, "unknown option");
		}
	}
	if (optind >= argc || !n_k) {
		free(kpaths);
		free(spaths);
		return cli_usage_error(&kexport_cmd_surface, optind >= argc ? "which modules?"
		                                             : "no kernel: give --kernel SOURCE");
	}

	struct kexport_ctx *ctx = cli_ctx_new();
	bool bad = false;
	cli_output_begin();
	/* The modules, in the order given (a directory: its modules, sorted). */
	struct kexport_module **mods = NULL;
	size_t n_mods = 0;
	for (int i = optind; i < argc; i++)
		if (cli_read_corpus(ctx, argv[i], &mods, &n_mods, &bad) < 0) {
			fprintf(stderr, "kexport: out of memory\n");
			return CLI_EXIT_BAD_INPUT;
		}
	/* The kernels, the reference last; the sources; then every import. */
	struct cli_target *ts = calloc(n_k, sizeof(*ts));
	struct kexport_module ***tree_mods = calloc(n_k, sizeof(*tree_mods));
	size_t *n_tree = calloc(n_k, sizeof(*n_tree));
	struct kexport_dossier *d = NULL;
	if (!ts || !tree_mods || !n_tree || kexport_dossier_new(ctx, &d) < 0) {
		fprintf(stderr, "kexport: out of memory\n");
		return CLI_EXIT_BAD_INPUT;
	}
	for (size_t k = 0; k < n_k; k++) {
		if (!cli_push_str(&ts[k].sources, &ts[k].n_sources, kpaths[k]))
			return CLI_EXIT_BAD_INPUT;
		if (cli_target_read(&ts[k], ctx) < 0) {
			bad = true;
			continue;
		}
		char *image = is_dir(kpaths[k]) && !kexport_is_source_tree(kpaths[k])
		                      ? kexport_tree_kernel(kpaths[k]) : NULL;
		if (image && kexport_read_modules(ctx, kpaths[k], &tree_mods[k], &n_tree[k]) < 0 &&
		    !n_tree[k])
			bad = true;
		kexport_free(image);
		const char *label = kexport_kernel_release(ts[k].kernel);
		if (kexport_dossier_add_kernel(d, label ? label : kpaths[k], ts[k].table,
		                               (struct kexport_module *const *)tree_mods[k], n_tree[k]) < 0)
			return CLI_EXIT_BAD_INPUT;
	}
	for (size_t i = 0; i < n_src; i++) {
		const char *base = strrchr(spaths[i], '/');
		base = base && base[1] ? base + 1 : spaths[i];
		if (!kexport_is_source_tree(spaths[i])) {
			cli_bad_input(spaths[i], "not a kernel source tree");
			bad = true;
		} else if (kexport_dossier_add_source(d, base, spaths[i]) < 0) {
			bad = true;
		}
	}
	const char **names = NULL;
	size_t n_names = 0;
	for (size_t i = 0; i < n_mods; i++)
		for (size_t k = 0; k < mods[i]->n_imports; k++)
			if (!cli_push_str(&names, &n_names, mods[i]->imports[k].name))
				return CLI_EXIT_BAD_INPUT;
	if (kexport_dossier_select(d, names, n_names) < 0)
		return CLI_EXIT_BAD_INPUT;
	struct surface *s = calloc(n_mods ? n_mods : 1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "kexport: out of memory\n");
		return CLI_EXIT_BAD_INPUT;
	}
	for (size_t i = 0; i < n_mods; i++)
		if (build(d, mods[i], rare_max, (struct kexport_module *const *)mods, n_mods, &s[i]) < 0) {
			fprintf(stderr, "kexport: out of memory\n");
			return CLI_EXIT_BAD_INPUT;
		}
	if (cli_json) {
		json_obj_start(cli_json);
		print_json(d, s, n_mods);
		cli_json_errors();
		json_obj_end(cli_json);
		cli_output_end();
	} else {
		print_plain(d, s, n_mods, rare_max, show);
	}
	for (size_t i = 0; i < n_mods; i++)
		surface_free(&s[i]);
	free(s);
	free(names);
	kexport_dossier_free(d);
	for (size_t k = 0; k < n_k; k++) {
		kexport_module_list_free(tree_mods[k], n_tree[k]);
		cli_target_close(&ts[k]);
	}
	free(tree_mods);
	free(n_tree);
	free(ts);
	kexport_module_list_free(mods, n_mods);
	free(kpaths);
	free(spaths);
	kexport_ctx_free(ctx);
	return bad ? CLI_EXIT_BAD_INPUT : CLI_EXIT_OK;
}

const struct kexport_cmd kexport_cmd_surface = {
	.name = "surface",
	.fn = cmd_surface,
	.summary = "a module's interface with the kernel: its imports by exporter, kind, namespace "
	           "and subsystem, the interior ones, what changed",
	.usage = "kexport surface [OPTIONS] --kernel SOURCE... [--source TREE] MODULE...",
	.options = options,
};
