/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * For tests/integration/real-maintainers.py: the MAINTAINERS sections
 * kexport_maintainers_match() gives each file, one "FILE\tSECTION" line per
 * section, most specific first.
 *
 *   maintainers-match TREE FILE...
 */
#include <stdio.h>

#include "libkexport.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: maintainers-match TREE FILE...\n");
		return 2;
	}
	struct kexport_ctx *ctx;
	struct kexport_maintainers *m;
	if (kexport_ctx_new(&ctx) < 0 || kexport_maintainers_read(ctx, argv[1], &m) < 0) {
		fprintf(stderr, "maintainers-match: %s\n", kexport_ctx_last_error(ctx));
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const struct kexport_maintainers_section **s;
		size_t n;
		if (kexport_maintainers_match(m, argv[i], &s, &n) < 0)
			return 2;
		for (size_t k = 0; k < n; k++)
			printf("%s\t%s\n", argv[i], s[k]->name);
		kexport_free(s);
	}
	kexport_maintainers_free(m);
	kexport_ctx_free(ctx);
	return 0;
}
