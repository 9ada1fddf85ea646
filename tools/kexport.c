/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kexport: main, the global options and the subcommand table.  `help`,
 * `--help`, the bash completion and the docs sync test all read cmds[].
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "kexport.h"

#ifndef KEXPORT_VERSION
#error "KEXPORT_VERSION comes from meson.build's project version"
#endif

static const struct kexport_cmd *const cmds[] = {
	&kexport_cmd_exports,
	&kexport_cmd_show,
	&kexport_cmd_check,
	&kexport_cmd_audit,
	&kexport_cmd_diff,
	&kexport_cmd_history,
	&kexport_cmd_whatif,
	&kexport_cmd_symbol,
	&kexport_cmd_surface,
	&kexport_cmd_report,
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: kexport [-j|-p] [-v] [--threads N] [--output FILE] COMMAND [ARGS...]\n"
	           "       kexport help [COMMAND]\n"
	           "       kexport --version\n\n"
	           "Linux kernel symbol exports and module licensing: what a kernel exports,\n"
	           "and what a module needs.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i]->name, cmds[i]->summary);
	fprintf(f, "\nRun 'kexport COMMAND --help' for a command's options.\n"
	           "Exit status: 0 success, 1 a finding (per command), 2 bad input or usage.\n");
}

static void version(void)
{
	if (cli_opt.json) {
		cli_output_begin();
		json_obj_start(cli_json);
		json_kstr(cli_json, "version", KEXPORT_VERSION);
		json_key(cli_json, "compressions");
		json_arr_start(cli_json);
		for (int c = KEXPORT_COMP_GZIP; c < KEXPORT_COMP_COUNT; c++)
			json_str(cli_json, kexport_compression_name((enum kexport_compression)c));
		json_arr_end(cli_json);
		json_obj_end(cli_json);
		cli_output_end();
		return;
	}
	printf("kexport %s\ncompressions: gzip xz zstd lz4\n", KEXPORT_VERSION);
}

static const struct kexport_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i]->name, name) == 0)
			return cmds[i];
	return NULL;
}

/*
 * Reading a tree keeps each directory open until its modules are read
 * (lib/read/read.c), and holds at most half the descriptors allowed: the soft
 * limit of 1024 most sessions start with covers half of Debian's 882
 * module directories.  A program that does not use select() may raise its
 * soft limit to the hard one (systemd's advice); up to 65536 is plenty.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = want;
		setrlimit(RLIMIT_NOFILE, &rl); /* best effort */
	}
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	/* '+': stop at the subcommand, whose own options follow it. */
	while ((c = getopt_long(argc, argv, "+" CLI_COMMON_SHORTOPTS "V", opts, NULL)) != -1) {
		int r = cli_common_option(c, optarg);
		if (r < 0)
			return CLI_EXIT_BAD_INPUT;
		if (r > 0)
			continue;
		if (c == 'V') {
			version();
			return CLI_EXIT_OK;
		}
		if (c == 'h') {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		usage(stderr);
		return CLI_EXIT_BAD_INPUT;
	}
	if (optind >= argc) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	const char *name = argv[optind];
	if (strcmp(name, "help") == 0) {
		if (optind + 1 < argc) {
			const struct kexport_cmd *cmd = find_cmd(argv[optind + 1]);
			if (!cmd) {
				fprintf(stderr, "kexport: no such command '%s'\n", argv[optind + 1]);
				return CLI_EXIT_BAD_INPUT;
			}
			cli_print_help(cmd);
			return CLI_EXIT_OK;
		}
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(name, "version") == 0) {
		version();
		return CLI_EXIT_OK;
	}
	const struct kexport_cmd *cmd = find_cmd(name);
	if (!cmd) {
		fprintf(stderr, "kexport: no such command '%s'\n\n", name);
		usage(stderr);
		return CLI_EXIT_BAD_INPUT;
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* reset getopt for the subcommand */
	return cmd->fn(argc, argv);
}

int main(int argc, char **argv)
{
	raise_fd_limit();
	/* --output: the report replaces FILE only once it is whole. */
	return cli_output_file_finish(run(argc, argv));
}
