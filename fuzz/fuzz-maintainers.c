/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: MAINTAINERS (kexport_maintainers_parse) and the
 * matching of paths against its F:, X: and N: patterns
 * (kexport_maintainers_match).  The paths matched are a few fixed ones and
 * every line of the input cut down to a path-like string.
 */
#include "fuzz-common.h"

static void match(const struct kexport_maintainers *m, const char *path)
{
	const struct kexport_maintainers_section **s;
	size_t n;
	int r = kexport_maintainers_match(m, path, &s, &n);
	FUZZ_CHECK(r == 0 || r == -ENOMEM, "kexport_maintainers_match returned %d", r);
	for (size_t i = 0; r == 0 && i < n; i++) {
		FUZZ_CHECK(s[i]->name != NULL, "a section without a name");
		for (size_t k = 0; k < s[i]->n_maintainers; k++)
			FUZZ_CHECK(s[i]->maintainers[k] != NULL, "a NULL maintainer");
		for (size_t k = 0; k < s[i]->n_lists; k++)
			FUZZ_CHECK(s[i]->lists[k] != NULL, "a NULL list");
	}
	if (r == 0)
		kexport_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kexport_maintainers *m;
	fuzz_diag_reset();
	int r = kexport_maintainers_parse(fuzz_ctx(), (const char *)data, size, NULL, &m);
	FUZZ_CHECK(r <= 0, "kexport_maintainers_parse returned %d", r);
	fuzz_check_reported(r, "MAINTAINERS", "kexport_maintainers_parse");
	if (r < 0)
		return 0;
	static const char *const fixed[] = { "", "/", "drivers/net/x.c", "a", "arch/x86/kernel/fpu/core.c",
	                                     "include/linux/dma-buf.h", "MAINTAINERS" };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		match(m, fixed[i]);
	/* Each line's value (after "F:\t", say) as a path: it must match itself. */
	char path[256];
	for (size_t i = 0, start = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		size_t s = start, len = i - start;
		start = i + 1;
		if (len > 3 && data[s + 1] == ':') {
			s += 2;
			len -= 2;
		}
		while (len && (data[s] == ' ' || data[s] == '\t')) {
			s++;
			len--;
		}
		if (!len || len >= sizeof(path) || memchr(data + s, '\0', len))
			continue;
		memcpy(path, data + s, len);
		path[len] = '\0';
		match(m, path);
	}
	kexport_maintainers_free(m);
	return 0;
}
