/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The target kernel of check and audit: options, reading, verdict output.
 */
#pragma once
#include <pthread.h>
#include "kexport.h"

/* Option codes shared by the commands that take a target kernel. */
enum {
	CLI_OPT_KERNEL = 0x200,
	CLI_OPT_KERNEL_VERSION,
	CLI_OPT_CONFIG,
	CLI_OPT_DISTRO,
	CLI_OPT_VERMAGIC,
	CLI_OPT_KERNEL_TAINT,
	CLI_OPT_TRUST,
	CLI_OPT_SIGNING_KEYS,
	CLI_OPT_FORCE_VERMAGIC,
	CLI_OPT_FORCE_MODVERSION,
};

#define CLI_TARGET_LONGOPTS                                                                    \
	{ "kernel", required_argument, NULL, CLI_OPT_KERNEL },                                 \
	        { "kernel-version", required_argument, NULL, CLI_OPT_KERNEL_VERSION },         \
	        { "config", required_argument, NULL, CLI_OPT_CONFIG },                         \
	        { "distro", required_argument, NULL, CLI_OPT_DISTRO },                         \
	        { "vermagic", required_argument, NULL, CLI_OPT_VERMAGIC },                     \
	        { "kernel-taint", required_argument, NULL, CLI_OPT_KERNEL_TAINT },             \
	        { "trust-signatures", required_argument, NULL, CLI_OPT_TRUST },                \
	        { "signing-keys", required_argument, NULL, CLI_OPT_SIGNING_KEYS },             \
	        { "force-vermagic", no_argument, NULL, CLI_OPT_FORCE_VERMAGIC },               \
	        { "force-modversion", no_argument, NULL, CLI_OPT_FORCE_MODVERSION }

#define CLI_TARGET_HELP                                                                        \
	"      --kernel SOURCE     the target kernel's exports: any source `kexport exports`\n"   \
	"                          reads (repeatable; default: /lib/modules/$(uname -r))\n"       \
	"      --kernel-version R  its release, e.g. 6.1.0-54-amd64 (default: probed from\n"      \
	"                          the source, else the module's vermagic)\n"                     \
	"      --config KEY=VALUE  a configuration value (CONFIG_ optional); or a .config file\n" \
	"                          (default: the source's .config, /boot/config-RELEASE,\n"      \
	"                          /proc/config.gz, or the image's own: CONFIG_IKCONFIG)\n"     \
	"      --distro NAME       debian or mainline loader rules (default: from the release)\n" \
	"      --vermagic STRING   the kernel's vermagic (default: built from release+config)\n"  \
	"      --kernel-taint N    the kernel's taint before the first load (default 0)\n"        \
	"      --signing-keys FILE the kernel's trusted certificates: PEM or DER, one or more,\n" \
	"                          or a kernel image (repeatable; default: the source's image)\n" \
	"      --trust-signatures verify|same-build|all|none\n"                                  \
	"                          how appended signatures are judged (default verify: against\n" \
	"                          the trusted certificates, or same-build without any: the\n"   \
	"                          module's vermagic names the kernel's release)\n"               \
	"      --force-vermagic, --force-modversion\n"                                            \
	"                          load as modprobe --force-vermagic/--force-modversion\n"

struct cli_target {
	const char **sources;
	size_t n_sources;
	const char **configs;
	size_t n_configs;
	const char *release, *distro, *vermagic;
	unsigned long taint;
	enum kexport_sig_trust trust;
	bool trust_set;
	const char **keys;      /* --signing-keys */
	size_t n_keys;
	unsigned flags;
	char *default_source;
	const char *probe;      /* also probed for the release and configuration */
	bool release_from_module;
	struct kexport_source_info *infos;
	size_t n_exports;       /* the kernel's own, before a command adds a tree's */
	struct kexport_ctx *ctx;     /* the one kernel, table and loader keep */
	struct kexport_ctx *own_ctx; /* cli_target_read_start()'s, freed by cli_target_close() */
	struct kexport_kernel *kernel;
	struct kexport_table *table;
	struct kexport_loader *loader;
	/* check: the symbols its modules import and export; a modules directory
	 * with kmod's indexes is then read only for those (kexport_read_exports_for). */
	const char **needed;
	size_t n_needed;
	/* Signatures will be verified against the image's keys: an image read
	 * for its exports keeps them (kexport_ctx_keep_signing_keys). */
	bool signed_modules;
};

enum cli_verdict_format { CLI_VERDICT_HUMAN, CLI_VERDICT_DEPMOD };

/* 1 handled, 0 not a target option, -1 bad value. */
int cli_target_option(struct cli_target *t, int opt, const char *arg);

/* getopt_long() for a command: -h, the common options and, when t is given,
 * the target options are handled here; returns the command's next option,
 * -1 after the last, or CLI_GETOPT_EXIT: return *status (help printed: 0, a
 * bad value reported: 2). */
#define CLI_GETOPT_EXIT (-2)
struct option;
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
              const struct kexport_cmd *cmd, struct cli_target *t, int *status);
/* Read the kernel; < 0 when something could not be read (already reported). */
int cli_target_open(struct cli_target *t, struct kexport_ctx *ctx, const char *fallback_release);
/* cli_target_open() in two steps: reading the sources (which needs no module,
 * so audit runs it while the modules are read), then the release and the loader. */
int cli_target_read(struct cli_target *t, struct kexport_ctx *ctx);
int cli_target_finish(struct cli_target *t, const char *fallback_release);

/* cli_target_read() on a thread of its own, with a context of its own (kept
 * by the target until cli_target_close()), while the caller reads its
 * modules (audit, whatif); then the wait returns its result.  Without a
 * thread it runs in the wait. */
struct cli_target_reader {
	struct cli_target *t;
	struct kexport_ctx *ctx;
	pthread_t thread;
	bool threaded;
	int rc;
};
void cli_target_read_start(struct cli_target_reader *r, struct cli_target *t);
int cli_target_read_wait(struct cli_target_reader *r);
void cli_target_close(struct cli_target *t);
/* After the verdicts: a --signing-keys image that could not be read. */
void cli_target_report_keys(const struct cli_target *t);
/* "# kernel: ..." or, in JSON, the "kernel" member. */
void cli_target_describe(const struct cli_target *t);
const char *cli_errno_name(int err);
bool cli_verdict_taints(const struct kexport_verdict *v);
/* The modules under path (a directory or a .ko) appended to *mods: 0, or
 * -ENOMEM.  What could not be read is reported, and sets *bad. */
int cli_read_corpus(struct kexport_ctx *ctx, const char *path, struct kexport_module ***mods,
                    size_t *n, bool *bad);
/* A loader for t's kernel on a copy of t's table with a corpus's own exports
 * added, as modprobe would find them (t's table is left as it is: others
 * keep pointers into it).  t must be finished (cli_target_finish).  0 or
 * -ENOMEM; *table and *loader to free. */
int cli_corpus_loader(struct kexport_ctx *ctx, const struct cli_target *t,
                      struct kexport_module *const *corp, size_t n, struct kexport_table **table,
                      struct kexport_loader **loader);
/* The fix line of problem i (human output). */
void cli_print_fix(const struct kexport_verdict *v, size_t i);
/* The "problems" member of a verdict, in JSON. */
void cli_json_problems(const struct kexport_verdict *v);
void cli_print_verdict(const struct kexport_module *m, const struct kexport_verdict *v,
                      enum cli_verdict_format fmt);
