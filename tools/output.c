/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output shared by all subcommands: global options, JSON mode, and the one
 * rule for bad input: one line on stderr naming the input and the problem.
 * In JSON mode the same errors are also listed in the document's "errors".
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kexport.h"

struct cli_global cli_opt;
struct json *cli_json;

struct bad {
	char *path, *msg;
};
static struct bad *bads;
static size_t n_bads, cap_bads;
/* audit reads the kernel and the modules at the same time: both may report. */
static pthread_mutex_t bads_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * --output FILE.  The report is written to a temporary file beside FILE
 * (".FILE.XXXXXX", same directory, so rename() is atomic) and renamed over
 * FILE when the command is done: a reader (a CI step, a web server) sees the
 * old report or the new one, never half of one, even when kexport is killed
 * or the disk fills.  A kill leaves the temporary file; nothing else.
 * stdout becomes a stream over it (glibc lets stdout be assigned) whose
 * writes keep the first failure's errno, which stdio does not.
 */
static char *out_path, *out_tmp;
static int out_fd = -1, out_errno;
static FILE *out_stream, *out_saved_stdout;

static ssize_t out_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	size_t done = 0;
	while (done < n && !out_errno) {
		ssize_t w = write(out_fd, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			out_errno = w < 0 ? errno : EIO;
		else
			done += (size_t)w;
	}
	return out_errno ? 0 : (ssize_t)n; /* 0: stdio's "error" */
}

static void out_abandon(void)
{
	if (out_stream) {
		out_errno = ECANCELED; /* what is still buffered goes nowhere */
		if (stdout == out_stream)
			stdout = out_saved_stdout;
		fclose(out_stream);
		out_stream = NULL;
	}
	if (out_fd >= 0)
		close(out_fd);
	out_fd = -1;
	if (out_tmp)
		unlink(out_tmp);
	free(out_tmp);
	free(out_path);
	out_tmp = out_path = NULL;
}

int cli_output_file_open(const char *path)
{
	out_abandon(); /* given twice: the last one wins */
	char *d = strdup(path), *b = strdup(path);
	char *tmp = NULL;
	if (!d || !b || asprintf(&tmp, "%s/.%s.XXXXXX", dirname(d), basename(b)) < 0)
		tmp = NULL;
	free(d);
	free(b);
	if (!tmp || !(out_path = strdup(path))) {
		free(tmp);
		fprintf(stderr, "kexport: out of memory\n");
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kexport: %s: cannot create: %s\n", path, strerror(errno));
		free(tmp);
		out_abandon();
		return -1;
	}
	out_tmp = tmp;
	/* The mode a new file gets (mkostemp() makes it 0600), or the old
	 * file's: replacing a report does not change who may read it. */
	struct stat st;
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, stat(path, &st) == 0 ? st.st_mode & 07777 : 0666 & ~mask);
	out_fd = fd;
	out_errno = 0;
	out_stream = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = out_write });
	if (!out_stream) {
		fprintf(stderr, "kexport: out of memory\n");
		out_abandon();
		return -1;
	}
	setvbuf(out_stream, NULL, _IOFBF, 1 << 16);
	fflush(stdout);
	out_saved_stdout = stdout;
	stdout = out_stream;
	static bool registered;
	if (!registered && atexit(out_abandon) == 0) /* exit() on a usage error */
		registered = true;
	return 0;
}

int cli_output_file_finish(int status)
{
	if (!out_tmp)
		return status;
	int e = 0;
	if (fflush(out_stream) != 0 || ferror(out_stream) || out_errno)
		e = out_errno ? out_errno : EIO;
	else if (fsync(out_fd) < 0 || rename(out_tmp, out_path) < 0)
		e = errno;
	if (e) {
		fprintf(stderr, "kexport: %s: cannot write: %s\n", out_path, strerror(e));
		out_abandon();
		return CLI_EXIT_BAD_INPUT;
	}
	/* The new name on disk too (best effort, as git does). */
	char *d = strdup(out_path);
	int dfd = d ? open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(d);
	free(out_tmp);
	out_tmp = NULL; /* renamed: out_abandon() only closes */
	out_abandon();
	return status;
}

int cli_common_option(int opt, const char *arg)
{
	switch (opt) {
	case 'p':
		cli_opt.pretty = true;
		__attribute__((fallthrough)); /* -p implies -j */
	case 'j':
		cli_opt.json = true;
		return 1;
	case 'v':
		cli_opt.verbose = true;
		return 1;
	case 0x101:
		return cli_output_file_open(arg) < 0 ? -1 : 1;
	case 0x100: {
		char *end;
		long n = strtol(arg, &end, 10);
		if (*end || n < 0 || n > 64) {
			fprintf(stderr, "kexport: --threads takes a number from 0 to 64\n");
			return -1;
		}
		cli_opt.threads = (int)n;
		return 1;
	}
	}
	return 0;
}

void cli_output_begin(void)
{
	if (cli_opt.json && !cli_json) {
		cli_json = json_new(stdout, cli_opt.pretty);
		if (!cli_json) {
			fprintf(stderr, "kexport: out of memory\n");
			exit(CLI_EXIT_BAD_INPUT);
		}
	}
}

void cli_output_end(void)
{
	json_free(cli_json);
	cli_json = NULL;
	fflush(stdout);
}

void cli_bad_input(const char *path, const char *msg)
{
	pthread_mutex_lock(&bads_lock);
	fprintf(stderr, "kexport: %s: %s\n", path, msg);
	if (n_bads == cap_bads) {
		size_t cap = cap_bads ? cap_bads * 2 : 16;
		struct bad *nb = realloc(bads, cap * sizeof(*nb));
		if (!nb) {
			pthread_mutex_unlock(&bads_lock);
			return;
		}
		bads = nb;
		cap_bads = cap;
	}
	bads[n_bads].path = strdup(path);
	bads[n_bads].msg = strdup(msg);
	if (bads[n_bads].path && bads[n_bads].msg)
		n_bads++;
	pthread_mutex_unlock(&bads_lock);
}

unsigned cli_bad_input_count(void)
{
	pthread_mutex_lock(&bads_lock);
	unsigned n = (unsigned)n_bads;
	pthread_mutex_unlock(&bads_lock);
	return n;
}

void cli_json_errors(void)
{
	if (!cli_json)
		return;
	json_key(cli_json, "errors");
	json_arr_start(cli_json);
	for (size_t i = 0; i < n_bads; i++) {
		json_obj_start(cli_json);
		json_kstr(cli_json, "path", bads[i].path);
		json_kstr(cli_json, "error", bads[i].msg);
		json_obj_end(cli_json);
	}
	json_arr_end(cli_json);
}

void cli_diag_cb(void *data, const char *path, int err, const char *msg)
{
	(void)data;
	if (err == 0) { /* a warning: said, not a bad input */
		fprintf(stderr, "kexport: %s: warning: %s\n", path, msg);
		return;
	}
	cli_bad_input(path, msg);
}

struct kexport_ctx *cli_ctx_new(void)
{
	struct kexport_ctx *ctx;
	if (kexport_ctx_new(&ctx) < 0) {
		fprintf(stderr, "kexport: out of memory\n");
		exit(CLI_EXIT_BAD_INPUT);
	}
	kexport_ctx_set_diag(ctx, cli_diag_cb, NULL);
	kexport_ctx_set_threads(ctx, cli_opt.threads);
	return ctx;
}

void cli_print_help(const struct kexport_cmd *cmd)
{
	printf("Usage: %s\n\n%s\n\nOptions:\n%s%s", cmd->usage, cmd->summary,
	       cmd->options ? cmd->options : "", CLI_COMMON_HELP);
}

int cli_usage_error(const struct kexport_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("kexport: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nUsage: %s\nTry 'kexport %s --help'.\n", cmd->usage, cmd->name);
	return CLI_EXIT_BAD_INPUT;
}

bool cli_push_str(const char ***arr, size_t *n, const char *s)
{
	const char **p = realloc(*arr, (*n + 1) * sizeof(*p));
	if (!p)
		return false;
	p[(*n)++] = s;
	*arr = p;
	return true;
}

/* One export as a JSON object (exports, diff). */
void cli_json_export(const struct kexport_export *e)
{
	if (!e) {
		json_null(cli_json);
		return;
	}
	json_obj_start(cli_json);
	json_kstr(cli_json, "name", e->name);
	json_kstr(cli_json, "kind", (e->known & KEXPORT_KNOWN_KIND) ? kexport_kind_name(e->kind) : NULL);
	if (e->known & KEXPORT_KNOWN_KIND)
		json_kbool(cli_json, "gpl_only", kexport_kind_gpl_only(e->kind));
	else /* a 7.x System.map: neither, not "false" */
		json_kstr(cli_json, "gpl_only", NULL);
	json_kstr(cli_json, "namespace", (e->known & KEXPORT_KNOWN_NS) ? e->ns : NULL);
	if (e->known & KEXPORT_KNOWN_CRC) {
		char crc[16];
		snprintf(crc, sizeof(crc), "0x%08x", e->crc);
		json_kstr(cli_json, "crc", crc);
	} else {
		json_kstr(cli_json, "crc", NULL);
	}
	json_kstr(cli_json, "owner", e->owner);
	json_kstr(cli_json, "source", e->source);
	json_obj_end(cli_json);
}

int cli_exec_helper(const char *name, int argc, char **argv)
{
	char self[4096], path[4096 + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	path[0] = '\0';
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", self, name);
		}
	}
#ifdef KEXPORT_LIBEXECDIR
	if (!path[0] || access(path, X_OK) != 0)
		snprintf(path, sizeof(path), "%s/%s", KEXPORT_LIBEXECDIR, name);
#endif
	/* kexport [global options] COMMAND ARGS...: the helper parses them again. */
	char threads[16];
	const char **av = calloc((size_t)argc + 8, sizeof(*av));
	if (!av) {
		fprintf(stderr, "kexport: out of memory\n");
		return CLI_EXIT_BAD_INPUT;
	}
	size_t k = 0;
	av[k++] = "kexport";
	if (cli_opt.json)
		av[k++] = cli_opt.pretty ? "-p" : "-j";
	if (cli_opt.verbose)
		av[k++] = "-v";
	if (cli_opt.threads) {
		snprintf(threads, sizeof(threads), "%d", cli_opt.threads);
		av[k++] = "--threads";
		av[k++] = threads;
	}
	/* The helper writes the report and renames it; ours is given up. */
	char *output = out_path ? strdup(out_path) : NULL;
	if (output) {
		av[k++] = "--output";
		av[k++] = output;
	}
	for (int i = 0; i < argc; i++)
		av[k++] = argv[i];
	av[k] = NULL;
	fflush(stdout);
	if (output) {
		unlink(out_tmp);
		free(out_tmp);
		out_tmp = NULL;
	}
	execv(path, (char *const *)av);
	fprintf(stderr, "kexport: %s: cannot run: %s\n", path, strerror(errno));
	free(output);
	free(av);
	return CLI_EXIT_BAD_INPUT;
}
