/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: kABI policy files (lib/views/kabilist.c).  The first byte
 * picks the parser: even, a stablelist (kexport_symlist_parse); odd, SUSE
 * severity rules (kexport_severity_parse).  What parses is then used the way
 * kexport diff uses it: lookups, rule matches against exports with and
 * without owners and namespaces, and the judgement of a small diff.
 */
#include "fuzz-common.h"

static const struct kexport_export probes[] = {
	{ .name = "foo", .ns = "", .owner = "vmlinux", .source = "a" },
	{ .name = "bar_baz", .ns = "NS_A", .owner = "drivers/scsi/libsas", .source = "a",
	  .kind = KEXPORT_KIND_GPL, .crc = 1 },
	{ .name = "QUX", .ns = "QUX", .owner = "fs/x", .source = "a", .crc = 2 },
	{ .name = "", .ns = "", .owner = "", .source = "a" },
};

/* The same names, each changed in a way that breaks. */
static void judge(const struct kexport_symlist *l, const struct kexport_severity *s)
{
	struct kexport_table *a, *b;
	FUZZ_CHECK(kexport_table_new(fuzz_ctx(), &a) == 0 && kexport_table_new(fuzz_ctx(), &b) == 0,
	           "table_new");
	for (size_t i = 0; i < 3; i++) {
		struct kexport_export e = probes[i];
		e.known = KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS | KEXPORT_KNOWN_CRC;
		FUZZ_CHECK(kexport_table_add(a, &e) == 0, "add");
		e.crc ^= 0x10;
		e.kind = KEXPORT_KIND_GPL;
		if (i != 1)
			FUZZ_CHECK(kexport_table_add(b, &e) == 0, "add");
	}
	struct kexport_diff *d;
	FUZZ_CHECK(kexport_diff_new(fuzz_ctx(), a, b, NULL, &d) == 0, "diff_new");
	size_t failing = kexport_diff_judge(d, l, s);
	size_t n = kexport_diff_count(d), counted = 0;
	FUZZ_CHECK(n == 3, "diff of three changed symbols has %zu entries", n);
	for (size_t i = 0; i < n; i++) {
		const struct kexport_diff_entry *e = kexport_diff_get(d, i);
		counted += e->failing;
		FUZZ_CHECK(!e->failing || e->judged_by != KEXPORT_JUDGED_NONE, "failing without a judge");
		if (e->rule)
			fuzz_sink += fuzz_str(e->rule) + e->rule_line;
	}
	FUZZ_CHECK(counted == failing, "judge returned %zu, %zu entries fail", failing, counted);
	kexport_diff_free(d);
	kexport_table_free(a);
	kexport_table_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	bool rules = data[0] & 1;
	char *buf = fuzz_dup(data + 1, size - 1);
	fuzz_diag_reset();
	if (rules) {
		struct kexport_severity *s = NULL;
		int r = kexport_severity_parse(fuzz_ctx(), buf, size - 1, &s);
		FUZZ_CHECK(r <= 0, "kexport_severity_parse returned %d", r);
		fuzz_check_reported(r, "(memory)", "kexport_severity_parse");
		if (r == 0) {
			for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
				const char *text = NULL;
				size_t line = 0;
				int m = kexport_severity_match(s, &probes[i], &text, &line);
				FUZZ_CHECK(m == 0 || m == 1 || m == -ENOENT, "match returned %d", m);
				if (m >= 0)
					FUZZ_CHECK(text && line >= 1 && line <= size, "rule text/line");
				if (text)
					fuzz_sink += fuzz_str(text);
			}
			judge(NULL, s);
			kexport_severity_free(s);
		}
	} else {
		struct kexport_symlist *l;
		FUZZ_CHECK(kexport_symlist_new(fuzz_ctx(), &l) == 0, "symlist_new");
		int r = kexport_symlist_parse(l, buf, size - 1);
		FUZZ_CHECK(r <= 0, "kexport_symlist_parse returned %d", r);
		fuzz_check_reported(r, "(memory)", "kexport_symlist_parse");
		if (r == 0) {
			for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
				fuzz_sink += kexport_symlist_has(l, probes[i].name);
			FUZZ_CHECK(kexport_symlist_count(l) <= size, "more names than bytes");
			judge(l, NULL);
		}
		kexport_symlist_free(l);
	}
	free(buf);
	return 0;
}
