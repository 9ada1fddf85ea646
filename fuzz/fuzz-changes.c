/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: what-if change files (kexport_edits_parse), then the
 * edits applied to a small export table (globs through fnmatch).
 */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kexport_edits *e;
	struct kexport_table *t;
	FUZZ_CHECK(kexport_edits_new(fuzz_ctx(), &e) == 0 && kexport_table_new(fuzz_ctx(), &t) == 0,
	           "new failed");
	static const char *const names[] = { "dma_buf_get", "unmap_mapping_range", "printk", "a" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct kexport_export x = { .name = names[i], .ns = i ? "" : "DMA_BUF", .owner = "vmlinux",
			                    .kind = KEXPORT_KIND_GPL, .known = KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS };
		FUZZ_CHECK(kexport_table_add(t, &x) == 0, "table_add");
	}
	char *buf = fuzz_dup(data, size); /* exactly size bytes, no NUL after them */
	fuzz_diag_reset();
	int r = kexport_edits_parse(e, buf, size);
	FUZZ_CHECK(r <= 0, "kexport_edits_parse returned %d", r);
	fuzz_check_reported(r, "(memory)", "kexport_edits_parse");
	size_t n = kexport_edits_count(e);
	for (size_t i = 0; i < n; i++) {
		const struct kexport_edit *ed = kexport_edits_get(e, i);
		(void)fuzz_str(ed->pattern);
		FUZZ_CHECK(ed->pattern[0] != '\0', "empty pattern");
		FUZZ_CHECK((ed->op == KEXPORT_EDIT_NS) == (ed->ns != NULL), "namespace of a non-ns edit");
	}
	struct kexport_table *out;
	struct kexport_edit_change *ch;
	size_t n_ch, matched[64];
	if (n <= 64) {
		FUZZ_CHECK(kexport_edits_apply(e, t, &out, &ch, &n_ch, matched) == 0, "apply");
		FUZZ_CHECK(n_ch <= kexport_table_count(t), "more changes than exports");
		for (size_t i = 0; i < n_ch; i++)
			FUZZ_CHECK(ch[i].before && ch[i].edit < n, "change without its edit");
		free(ch);
		kexport_table_free(out);
	}
	free(buf);
	kexport_table_free(t);
	kexport_edits_free(e);
	return 0;
}
