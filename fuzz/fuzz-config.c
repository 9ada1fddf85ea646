/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: kernel .config text (kexport_kernel_parse_config), then
 * what the verdict engine asks of it: values, the vermagic built from it;
 * and the same bytes as an image that may embed one (CONFIG_IKCONFIG).
 */
#include "fuzz-common.h"
#include "libkexport-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kexport_kernel *k;
	FUZZ_CHECK(kexport_kernel_new(fuzz_ctx(), &k) == 0, "kexport_kernel_new failed");
	FUZZ_CHECK(kexport_kernel_set_release(k, "6.1.0-54-amd64") == 0, "release");
	fuzz_diag_reset();
	int r = kexport_kernel_parse_config(k, (const char *)data, size);
	FUZZ_CHECK(r <= 0, "kexport_kernel_parse_config returned %d", r);
	fuzz_check_reported(r, "(memory)", "kexport_kernel_parse_config");
	static const char *const keys[] = { "MODVERSIONS", "CONFIG_SMP", "X86_64", "ARM64",
		                            "MODULE_SIG_FORCE", "PREEMPT_BUILD", "" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = kexport_kernel_config(k, keys[i]);
		if (v)
			(void)fuzz_str(v);
		FUZZ_CHECK(!v || kexport_kernel_config_has(k, keys[i]), "value without an entry");
	}
	const char *vm = kexport_kernel_vermagic(k);
	if (vm)
		FUZZ_CHECK(strncmp(vm, "6.1.0-54-amd64 ", 15) == 0, "vermagic \"%s\"", vm);
	kexport_kernel_free(k);

	char *text;
	size_t len;
	char errmsg[KEXPORT_ERRMSG_MAX];
	errmsg[0] = '\0';
	r = kx_ikconfig_find(data, size, &text, &len, errmsg);
	fuzz_check_result(r, errmsg, "kx_ikconfig_find");
	if (r == 0) {
		FUZZ_CHECK(len <= (16u << 20), "IKCONFIG text of %zu bytes", len);
		free(text);
	}
	return 0;
}
