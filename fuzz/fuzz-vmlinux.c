/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: vmlinux ELF export tables (kexport_parse_vmlinux). */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kexport_table *t;
	FUZZ_CHECK(kexport_table_new(fuzz_ctx(), &t) == 0, "kexport_table_new failed");
	fuzz_diag_reset();
	int r = kexport_parse_vmlinux(t, data, size, "fuzz");
	FUZZ_CHECK(r <= 0, "kexport_parse_vmlinux returned %d", r);
	fuzz_check_reported(r, "fuzz", "kexport_parse_vmlinux");
	if (r == 0)
		FUZZ_CHECK(kexport_table_count(t) + kexport_table_conflict_count(t) > 0,
		           "success without a single export");
	fuzz_walk_table(t);
	kexport_table_free(t);
	return 0;
}
