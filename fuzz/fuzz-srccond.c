/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: what --config evaluates for source trees.  The input is
 * a preprocessor condition (kexport_src_cond_eval) and, the same bytes, a
 * Makefile (obj-y/obj-m lists, $(CONFIG_X), $(subst), ifeq/ifdef), both
 * against a small fixed .config.
 */
#include "fuzz-common.h"
#include "libkexport-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kexport_kernel *k;
	if (!k) {
		static const char cfg[] = "CONFIG_Y=y\nCONFIG_M=m\n# CONFIG_N is not set\n"
		                          "CONFIG_NUM=5\nCONFIG_STR=\"text\"\nCONFIG_X86=y\nCONFIG_64BIT=y\n";
		FUZZ_CHECK(kexport_kernel_new(fuzz_ctx(), &k) == 0, "kexport_kernel_new");
		FUZZ_CHECK(kexport_kernel_parse_config(k, cfg, sizeof(cfg) - 1) == 0, "%s",
		           kexport_ctx_last_error(fuzz_ctx()));
	}
	char *s = malloc(size + 1);
	FUZZ_CHECK(s != NULL, "malloc");
	memcpy(s, data, size);
	s[size] = '\0';
	for (int module = 0; module < 2; module++) {
		int r = kexport_src_cond_eval(s, k, module);
		FUZZ_CHECK(r >= -1 && r <= 1, "kexport_src_cond_eval returned %d", r);
	}
	if (!memchr(data, '\0', size)) {
		int n = kx_src_makefile_fuzz(s, size, k);
		FUZZ_CHECK(n >= 0 || n == -ENOMEM, "kx_src_makefile_fuzz returned %d", n);
	}
	free(s);
	return 0;
}
