/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kexport command-line tool: one file per subcommand, each ending in a
 * `const struct kexport_cmd kexport_cmd_NAME` descriptor.
 *
 * Adding a subcommand:
 *   1. tools/NAME.c with `static int cmd_NAME(int argc, char **argv)` and the
 *      descriptor at the bottom;
 *   2. a row in cmds[] in tools/kexport.c and the file in meson.build;
 *   3. docs/kexport-NAME.1.rst (SYNOPSIS = the usage string), bash
 *      completion, tests under tests/integration.
 *
 * Exit status, for every command: 0 success, 1 a negative finding the
 * command defines (e.g. a module would be refused), 2 bad input or usage.
 */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "libkexport.h"

/* Free a command's big models before exiting (set in sanitizer builds). */
#ifndef KEXPORT_FREE_AT_EXIT
#define KEXPORT_FREE_AT_EXIT 0
#endif

#define CLI_EXIT_OK 0
#define CLI_EXIT_FINDING 1
#define CLI_EXIT_BAD_INPUT 2

struct kexport_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* one line, for `kexport help` and completion */
	const char *usage;   /* the SYNOPSIS, also printed by --help */
	const char *options; /* option lines for --help */
};

extern const struct kexport_cmd kexport_cmd_exports;
extern const struct kexport_cmd kexport_cmd_show;
extern const struct kexport_cmd kexport_cmd_check;
extern const struct kexport_cmd kexport_cmd_audit;
extern const struct kexport_cmd kexport_cmd_diff;
extern const struct kexport_cmd kexport_cmd_history;
extern const struct kexport_cmd kexport_cmd_whatif;
extern const struct kexport_cmd kexport_cmd_symbol;
extern const struct kexport_cmd kexport_cmd_surface;
extern const struct kexport_cmd kexport_cmd_report;

/* Global options (may also be given after the subcommand). */
struct cli_global {
	bool json, pretty, verbose;
	int threads;
};
extern struct cli_global cli_opt;
extern struct json *cli_json; /* non-NULL in JSON mode */

/* Common options every subcommand accepts, for getopt_long tables. */
#define CLI_COMMON_SHORTOPTS "jpvh"
#define CLI_COMMON_LONGOPTS                                                                   \
	{ "json", no_argument, NULL, 'j' }, { "pretty", no_argument, NULL, 'p' },           \
	        { "verbose", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },   \
	        { "threads", required_argument, NULL, 0x100 },                               \
	        { "output", required_argument, NULL, 0x101 }
#define CLI_COMMON_HELP                                                                       \
	"  -j, --json          one JSON document on stdout (schema: docs/json-schema.md)\n"   \
	"  -p, --pretty        indented JSON (implies -j)\n"                                  \
	"  -v, --verbose       say on stderr what each source was detected as\n"              \
	"      --threads N     worker threads for per-file work (default: all CPUs)\n"        \
	"      --output FILE   the report into FILE, whole or not at all (replaced when done)\n" \
	"  -h, --help          this help\n"

/* Handle a common option; returns 1 if it was one, 0 if not, -1 on error. */
int cli_common_option(int opt, const char *arg);
/* --output FILE: stdout goes to a temporary file beside FILE from now on;
 * cli_output_file_finish() renames it over FILE (or, when writing failed,
 * says why, removes it and returns 2 instead of status). */
int cli_output_file_open(const char *path);
int cli_output_file_finish(int status);
/* Start JSON output if -j/-p was given. */
void cli_output_begin(void);
void cli_output_end(void);

/* A bad input: one line on stderr "kexport: PATH: MSG", kept for JSON. */
void cli_bad_input(const char *path, const char *msg);
/* Run a command's body in the helper executable NAME (beside this one, else in
 * KEXPORT_LIBEXECDIR), passing the global options on; returns only on failure. */
int cli_exec_helper(const char *name, int argc, char **argv);
unsigned cli_bad_input_count(void);
/* Usage error for a command: message, then the usage line; returns 2. */
int cli_usage_error(const struct kexport_cmd *cmd, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void cli_print_help(const struct kexport_cmd *cmd);
/* The diagnostic callback for a library context. */
void cli_diag_cb(void *data, const char *path, int err, const char *msg);
/* A context with the global options applied; exits on ENOMEM. */
struct kexport_ctx *cli_ctx_new(void);
/* Append s to a growable array of strings; false on ENOMEM. */
bool cli_push_str(const char ***arr, size_t *n, const char *s);
/* In JSON mode: write the "errors" array member (call inside the top object). */
void cli_json_errors(void);
/* One export as a JSON object (NULL: null). */
void cli_json_export(const struct kexport_export *e);
