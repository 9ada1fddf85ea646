/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: Module.symvers (kexport_parse_symvers). */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kexport_table *t;
	FUZZ_CHECK(kexport_table_new(fuzz_ctx(), &t) == 0, "kexport_table_new failed");
	char *buf = fuzz_dup(data, size); /* exactly size bytes, no NUL after them */
	fuzz_diag_reset();
	int r = kexport_parse_symvers(t, buf, size, "fuzz");
	FUZZ_CHECK(r <= 0, "kexport_parse_symvers returned %d", r);
	fuzz_check_reported(r, "fuzz", "kexport_parse_symvers");
	if (r == 0)
		FUZZ_CHECK(kexport_table_count(t) + kexport_table_conflict_count(t) > 0,
		           "success without a single line read");
	fuzz_walk_table(t);
	free(buf);
	kexport_table_free(t);
	return 0;
}
