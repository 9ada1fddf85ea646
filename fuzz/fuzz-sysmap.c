/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: System.map and /proc/kallsyms (kexport_parse_system_map).
 * The first byte's low bit selects kallsyms; the rest is the file.
 */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool kallsyms = data[0] & 1;
	data++;
	size--;
	struct kexport_table *t;
	FUZZ_CHECK(kexport_table_new(fuzz_ctx(), &t) == 0, "kexport_table_new failed");
	char *buf = fuzz_dup(data, size); /* exactly size bytes, no NUL after them */
	fuzz_diag_reset();
	int r = kexport_parse_system_map(t, buf, size, "fuzz", kallsyms);
	FUZZ_CHECK(r <= 0, "kexport_parse_system_map returned %d", r);
	fuzz_check_reported(r, "fuzz", "kexport_parse_system_map");
	if (r == 0)
		FUZZ_CHECK(kexport_table_count(t) + kexport_table_conflict_count(t) > 0,
		           "success without a single export");
	fuzz_walk_table(t);
	free(buf);
	kexport_table_free(t);
	return 0;
}
