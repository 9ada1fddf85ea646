/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: one kernel source file (kexport_src_scan), as C and as
 * assembler, with and without a Makefile namespace; every export handed
 * out is checked (a name, a macro, a line inside the file).
 */
#include "fuzz-common.h"

struct seen {
	size_t n;
	unsigned lines;
};

static int check_export(const struct kexport_src_export *e, void *arg)
{
	struct seen *s = arg;
	FUZZ_CHECK(fuzz_str(e->name) > 0, "empty symbol name");
	FUZZ_CHECK(fuzz_str(e->macro) > 0, "empty macro name");
	FUZZ_CHECK((unsigned)e->kind < KEXPORT_KIND_COUNT, "kind %d", (int)e->kind);
	FUZZ_CHECK(e->line >= 1 && e->line <= s->lines, "line %u of %u", e->line, s->lines);
	if (e->ns)
		fuzz_sink += fuzz_str(e->ns);
	if (e->cond)
		fuzz_sink += fuzz_str(e->cond);
	s->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_dup(data, size); /* exactly size bytes, no NUL after them */
	static const char *const paths[] = { "fuzz.c", "fuzz.S" };
	for (size_t p = 0; p < 2; p++) {
		struct seen s = { 0, 1 };
		for (size_t i = 0; i < size; i++)
			s.lines += buf[i] == '\n';
		fuzz_diag_reset();
		int r = kexport_src_scan(fuzz_ctx(), paths[p], buf, size, p ? NULL : "MAKEFILE_NS",
		                         check_export, &s);
		if (r < 0) {
			FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "returned %d", r);
			/* the scanner's messages are shorter: 256 bytes */
			FUZZ_CHECK(strlen(fuzz_diag.msg) < 256, "a message of %zu bytes",
			           strlen(fuzz_diag.msg));
		} else {
			FUZZ_CHECK((size_t)r == s.n, "returned %d, %zu exports seen", r, s.n);
		}
		fuzz_check_reported(r, paths[p], "kexport_src_scan");
	}
	free(buf);
	return 0;
}
