/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What-if edits of an export table: parsing, globs, order, what changed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "libkexport.h"
#include "test-ctx.h"

static struct kexport_table *kernel(void)
{
	static const struct { const char *name, *ns; enum kexport_kind kind; } rows[] = {
		{ "unmap_mapping_range", "", KEXPORT_KIND_PLAIN },
		{ "dma_buf_get", "DMA_BUF", KEXPORT_KIND_GPL },
		{ "dma_buf_put", "DMA_BUF", KEXPORT_KIND_GPL },
		{ "dma_fence_put", "", KEXPORT_KIND_GPL },
		{ "printk", "", KEXPORT_KIND_PLAIN },
	};
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(test_ctx(), &t), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct kexport_export e = { .name = rows[i].name, .ns = rows[i].ns, .owner = "vmlinux",
			                    .kind = rows[i].kind, .crc = (uint32_t)i,
			                    .known = KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS | KEXPORT_KNOWN_CRC };
		assert_int_equal(kexport_table_add(t, &e), 0);
	}
	return t;
}

static void test_parse(void **state)
{
	(void)state;
	struct kexport_edits *e;
	assert_int_equal(kexport_edits_new(test_ctx(), &e), 0);
	test_diag_reset();
	static const char text[] = "# comment\n\n  gpl-only unmap_mapping_range  \r\n--export\tdma_buf_*\n"
	                           "ns dma_buf_*=   # drop it\nns printk=NEW_NS\nunexport dma_fence_put";
	assert_int_equal(kexport_edits_parse(e, text, sizeof(text) - 1), 0);
	test_no_report();
	assert_int_equal(kexport_edits_count(e), 5);
	const struct kexport_edit *x = kexport_edits_get(e, 0);
	assert_int_equal(x->op, KEXPORT_EDIT_GPL_ONLY);
	assert_string_equal(x->pattern, "unmap_mapping_range");
	assert_null(x->ns);
	x = kexport_edits_get(e, 2);
	assert_int_equal(x->op, KEXPORT_EDIT_NS);
	assert_string_equal(x->pattern, "dma_buf_*");
	assert_string_equal(x->ns, "");
	assert_string_equal(kexport_edits_get(e, 3)->ns, "NEW_NS");
	assert_int_equal(kexport_edits_get(e, 4)->op, KEXPORT_EDIT_UNEXPORT);
	assert_null(kexport_edits_get(e, 5));

	static const char bad[] = "export printk\nmake-gpl printk\n";
	assert_int_equal(kexport_edits_parse(e, bad, sizeof(bad) - 1), -EINVAL);
	test_reported(-EINVAL, "(memory)",
	              "line 2: unknown change 'make-gpl' (expected gpl-only, export, ns or unexport)");
	assert_int_equal(kexport_edits_add(e, "ns", "printk"), -EINVAL);
	test_reported(-EINVAL, "printk", "ns needs SYMBOL=NAMESPACE (empty NAMESPACE: none)");
	assert_int_equal(kexport_edits_add(e, "export", ""), -EINVAL);
	test_reported(-EINVAL, "", "export needs a symbol name or glob");
	assert_int_equal(kexport_edits_add(e, "export", "a b"), -EINVAL);
	test_reported(-EINVAL, "a b", NULL);
	assert_int_equal(kexport_edits_parse(e, "export", 6), -EINVAL);
	test_reported(-EINVAL, "(memory)", "line 1: a change needs a symbol");
	assert_int_equal(kexport_edits_parse(e, "export a\0b", 10), -EINVAL);
	test_reported(-EINVAL, "(memory)", NULL);
	/* a file that cannot be read is reported for its path */
	assert_int_equal(kexport_edits_read(e, "/nonexistent/changes"), -ENOENT);
	test_reported(-ENOENT, "/nonexistent/changes", "cannot open: No such file or directory");
	kexport_edits_free(e);
}

static void test_apply(void **state)
{
	(void)state;
	struct kexport_table *t = kernel(), *out;
	struct kexport_edits *e;
	assert_int_equal(kexport_edits_new(test_ctx(), &e), 0);
	test_diag_reset();
	assert_int_equal(kexport_edits_add(e, "gpl-only", "unmap_mapping_range"), 0);
	assert_int_equal(kexport_edits_add(e, "export", "dma_buf_*"), 0);
	assert_int_equal(kexport_edits_add(e, "ns", "dma_buf_*="), 0);
	assert_int_equal(kexport_edits_add(e, "unexport", "dma_fence_put"), 0);
	assert_int_equal(kexport_edits_add(e, "gpl-only", "dma_fence_put"), 0); /* already gone */
	assert_int_equal(kexport_edits_add(e, "export", "nosuch_*"), 0);
	assert_int_equal(kexport_edits_add(e, "export", "printk"), 0);         /* no change */
	test_no_report();
	struct kexport_edit_change *ch;
	size_t n, matched[7];
	assert_int_equal(kexport_edits_apply(e, t, &out, &ch, &n, matched), 0);
	assert_int_equal(matched[0], 1);
	assert_int_equal(matched[1], 2);
	assert_int_equal(matched[2], 2);
	assert_int_equal(matched[3], 1);
	assert_int_equal(matched[4], 0);
	assert_int_equal(matched[5], 0);
	assert_int_equal(matched[6], 1);
	assert_int_equal(n, 4); /* printk matched but did not change */
	assert_string_equal(ch[0].before->name, "unmap_mapping_range");
	assert_int_equal(ch[0].after->kind, KEXPORT_KIND_GPL);
	assert_int_equal(ch[0].edit, 0);
	assert_string_equal(ch[1].before->name, "dma_buf_get");
	assert_int_equal(ch[1].before->kind, KEXPORT_KIND_GPL);
	assert_string_equal(ch[1].before->ns, "DMA_BUF");
	assert_int_equal(ch[1].after->kind, KEXPORT_KIND_PLAIN);
	assert_string_equal(ch[1].after->ns, "");
	assert_int_equal(ch[1].after->crc, 1);
	assert_int_equal(ch[1].edit, 2);
	assert_string_equal(ch[3].before->name, "dma_fence_put");
	assert_null(ch[3].after);
	assert_int_equal(kexport_table_count(out), 4);
	assert_null(kexport_table_find(out, "dma_fence_put"));
	/* the input is untouched */
	assert_int_equal(kexport_table_find(t, "dma_buf_put")->kind, KEXPORT_KIND_GPL);
	assert_int_equal(kexport_table_count(t), 5);
	free(ch);
	kexport_table_free(out);

	/* nothing changes: no change list */
	struct kexport_edits *none;
	assert_int_equal(kexport_edits_new(test_ctx(), &none), 0);
	assert_int_equal(kexport_edits_add(none, "--export", "print?"), 0);
	assert_int_equal(kexport_edits_apply(none, t, &out, &ch, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(ch);
	kexport_table_free(out);
	kexport_edits_free(none);
	kexport_edits_free(e);
	kexport_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
