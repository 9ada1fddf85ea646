/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The export table: merging, conflicts, lookup, sorting, kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "libkexport.h"
#include "test-ctx.h"

static struct kexport_export mk(const char *name, enum kexport_kind k, const char *ns,
                                const char *owner, uint32_t crc, unsigned known)
{
	return (struct kexport_export){ .name = name, .kind = k, .ns = ns, .owner = owner,
		                        .crc = crc, .known = known, .source = "test" };
}

#define ALL (KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS | KEXPORT_KNOWN_CRC)

static void test_add_find_sort(void **state)
{
	(void)state;
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(test_ctx(), &t), 0);
	char name[32];
	for (int i = 2999; i >= 0; i--) {
		snprintf(name, sizeof(name), "sym_%04d", i);
		struct kexport_export e = mk(name, i % 2 ? KEXPORT_KIND_GPL : KEXPORT_KIND_PLAIN, "",
		                             "vmlinux", (uint32_t)i, ALL);
		assert_int_equal(kexport_table_add(t, &e), 0);
	}
	assert_int_equal(kexport_table_count(t), 3000);
	assert_string_equal(kexport_table_get(t, 0)->name, "sym_2999");
	kexport_table_sort(t);
	assert_string_equal(kexport_table_get(t, 0)->name, "sym_0000");
	const struct kexport_export *e = kexport_table_find(t, "sym_1234");
	assert_non_null(e);
	assert_int_equal(e->crc, 1234);
	assert_int_equal(e->kind, KEXPORT_KIND_PLAIN);
	assert_null(kexport_table_find(t, "sym_3000"));
	kexport_table_free(t);
}

static void test_merge_fills_unknown(void **state)
{
	(void)state;
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(test_ctx(), &t), 0);
	/* System.map knows the kind only; Module.symvers knows everything. */
	struct kexport_export a = mk("kfree", KEXPORT_KIND_PLAIN, "", "vmlinux", 0, KEXPORT_KNOWN_KIND);
	struct kexport_export b = mk("kfree", KEXPORT_KIND_PLAIN, "", "vmlinux", 0x1234, ALL);
	assert_int_equal(kexport_table_add(t, &a), 0);
	assert_int_equal(kexport_table_add(t, &b), 1);
	const struct kexport_export *e = kexport_table_find(t, "kfree");
	assert_int_equal(e->known, ALL);
	assert_int_equal(e->crc, 0x1234);
	assert_int_equal(kexport_table_conflict_count(t), 0);
	kexport_table_free(t);
}

static void test_conflicts(void **state)
{
	(void)state;
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(test_ctx(), &t), 0);
	struct kexport_export a = mk("dma_buf_get", KEXPORT_KIND_GPL, "DMA_BUF", "vmlinux", 1, ALL);
	struct kexport_export crc = mk("dma_buf_get", KEXPORT_KIND_GPL, "DMA_BUF", "vmlinux", 2, ALL);
	struct kexport_export kind = mk("dma_buf_get", KEXPORT_KIND_PLAIN, "DMA_BUF", "vmlinux", 1, ALL);
	struct kexport_export ns = mk("dma_buf_get", KEXPORT_KIND_GPL, "", "vmlinux", 1, ALL);
	struct kexport_export owner = mk("dma_buf_get", KEXPORT_KIND_GPL, "DMA_BUF", "drivers/x/y", 1, ALL);
	assert_int_equal(kexport_table_add(t, &a), 0);
	assert_int_equal(kexport_table_add(t, &crc), 2);
	assert_int_equal(kexport_table_add(t, &kind), 2);
	assert_int_equal(kexport_table_add(t, &ns), 2);
	assert_int_equal(kexport_table_add(t, &owner), 2);
	assert_int_equal(kexport_table_conflict_count(t), 4);
	assert_string_equal(kexport_table_conflict(t, 0)->what, "crc");
	assert_string_equal(kexport_table_conflict(t, 1)->what, "kind");
	assert_string_equal(kexport_table_conflict(t, 2)->what, "namespace");
	assert_string_equal(kexport_table_conflict(t, 3)->what, "owner");
	assert_string_equal(kexport_table_conflict(t, 3)->other->owner, "drivers/x/y");
	assert_int_equal(kexport_table_count(t), 1);
	assert_int_equal(kexport_table_find(t, "dma_buf_get")->crc, 1);
	kexport_table_free(t);
}

static void test_owner_alias(void **state)
{
	(void)state;
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(test_ctx(), &t), 0);
	/* kallsyms says [usb_storage], Module.symvers the path: the same module. */
	struct kexport_export a = mk("usb_stor_ctrl_transfer", KEXPORT_KIND_GPL, "", "usb_storage", 0, 0);
	struct kexport_export b = mk("usb_stor_ctrl_transfer", KEXPORT_KIND_GPL, "USB_STORAGE",
	                             "drivers/usb/storage/usb-storage", 7, ALL);
	assert_int_equal(kexport_table_add(t, &a), 0);
	assert_int_equal(kexport_table_add(t, &b), 1);
	const struct kexport_export *e = kexport_table_find(t, "usb_stor_ctrl_transfer");
	assert_string_equal(e->owner, "drivers/usb/storage/usb-storage");
	assert_string_equal(e->ns, "USB_STORAGE");
	assert_int_equal(kexport_table_conflict_count(t), 0);
	kexport_table_free(t);
}

static void test_kinds(void **state)
{
	(void)state;
	enum kexport_kind k;
	static const char *const names[] = { "EXPORT_SYMBOL", "EXPORT_SYMBOL_GPL",
		                             "EXPORT_SYMBOL_GPL_FUTURE", "EXPORT_UNUSED_SYMBOL",
		                             "EXPORT_UNUSED_SYMBOL_GPL" };
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(kexport_kind_parse(names[i], strlen(names[i]), &k), 0);
		assert_int_equal(k, i);
		assert_string_equal(kexport_kind_name(k), names[i]);
	}
	assert_int_equal(kexport_kind_parse("EXPORT_SYMBOL_GP", 16, &k), -22);
	assert_true(kexport_kind_gpl_only(KEXPORT_KIND_GPL));
	assert_true(kexport_kind_gpl_only(KEXPORT_KIND_UNUSED_GPL));
	assert_false(kexport_kind_gpl_only(KEXPORT_KIND_GPL_FUTURE)); /* still resolves for all */
	assert_false(kexport_kind_gpl_only(KEXPORT_KIND_PLAIN));
}

static void test_licenses(void **state)
{
	(void)state;
	static const char *const ok[] = { "GPL", "GPL v2", "GPL and additional rights",
		                          "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL" };
	static const char *const bad[] = { "Proprietary", "GPL v3", "GPLv2", "Dual GPL/BSD", "GPL ",
		                           "gpl", "", "NVIDIA" };
	for (size_t i = 0; i < 6; i++)
		assert_true(kexport_license_gpl_compatible(ok[i]));
	for (size_t i = 0; i < 8; i++)
		assert_false(kexport_license_gpl_compatible(bad[i]));
	assert_false(kexport_license_gpl_compatible(NULL));
}

/* A table as the kernel's Module.symvers or System.map leaves it, before a tree is added. */
static struct kexport_table *base_table(void)
{
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(test_ctx(), &t), 0);
	struct kexport_export base[] = {
		mk("a", KEXPORT_KIND_PLAIN, "", "vmlinux", 1, ALL),
		/* kallsyms: a base-name owner, the kind only */
		mk("b", KEXPORT_KIND_GPL, "", "usb_storage", 0, KEXPORT_KNOWN_KIND),
		mk("c", KEXPORT_KIND_PLAIN, "NS", "drivers/x/foo", 7, ALL),
		mk("e", KEXPORT_KIND_PLAIN, "", "drivers/x/foo", 8, ALL),
	};
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		assert_true(kexport_table_add(t, &base[i]) >= 0);
	return t;
}

/* kexport_table_add_modules() leaves exactly what adding one by one leaves. */
static void test_add_modules_as_one_by_one(void **state)
{
	(void)state;
	struct kexport_export x1[] = {
		/* fills in b's CRC and gives it its full path */
		mk("b", KEXPORT_KIND_GPL, "", "drivers/usb/storage/usb-storage", 5, ALL),
	};
	struct kexport_export x2[] = {
		/* another path to a module of that name: a conflict once b has x1's path */
		mk("b", KEXPORT_KIND_GPL, "", "drivers/other/usb_storage", 0, KEXPORT_KNOWN_KIND),
	};
	struct kexport_export x3[] = {
		mk("c", KEXPORT_KIND_PLAIN, "NS", "drivers/x/foo", 7, ALL),  /* already there */
		mk("d", KEXPORT_KIND_GPL, "", "drivers/x/foo", 9, ALL),      /* new */
		mk("e", KEXPORT_KIND_PLAIN, "", "drivers/x/foo", 2, ALL),    /* CRC conflict */
		mk("c", KEXPORT_KIND_GPL, "NS", "drivers/x/foo", 7, ALL),    /* kind conflict */
	};
	struct kexport_export x4[] = {
		mk("d", KEXPORT_KIND_GPL, "", "drivers/y/bar", 9, ALL),      /* owner conflict */
		mk("a", KEXPORT_KIND_PLAIN, "", "vmlinux", 1, KEXPORT_KNOWN_KIND),
	};
	struct kexport_module m[4] = { 0 };
	m[0].exports = x1, m[0].n_exports = 1;
	m[1].exports = x2, m[1].n_exports = 1;
	m[2].exports = x3, m[2].n_exports = 4;
	m[3].exports = x4, m[3].n_exports = 2;
	struct kexport_module *mods[4] = { &m[0], &m[1], &m[2], &m[3] };

	struct kexport_table *one = base_table(), *all = base_table();
	for (size_t i = 0; i < 4; i++)
		for (size_t k = 0; k < mods[i]->n_exports; k++)
			assert_true(kexport_table_add(one, &mods[i]->exports[k]) >= 0);
	struct kexport_ctx *ctx;
	assert_int_equal(kexport_ctx_new(&ctx), 0);
	kexport_ctx_set_threads(ctx, 2);
	assert_int_equal(kexport_table_add_modules(ctx, all, mods, 4), 0);

	assert_int_equal(kexport_table_count(all), kexport_table_count(one));
	assert_int_equal(kexport_table_count(all), 5);
	for (size_t i = 0; i < kexport_table_count(one); i++) {
		const struct kexport_export *a = kexport_table_get(one, i), *b = kexport_table_get(all, i);
		assert_string_equal(a->name, b->name);
		assert_string_equal(a->owner, b->owner);
		assert_string_equal(a->ns, b->ns);
		assert_int_equal(a->kind, b->kind);
		assert_int_equal(a->crc, b->crc);
		assert_int_equal(a->known, b->known);
	}
	assert_string_equal(kexport_table_find(all, "b")->owner, "drivers/usb/storage/usb-storage");
	assert_int_equal(kexport_table_find(all, "b")->crc, 5);
	assert_int_equal(kexport_table_conflict_count(all), kexport_table_conflict_count(one));
	assert_int_equal(kexport_table_conflict_count(all), 4);
	for (size_t i = 0; i < kexport_table_conflict_count(one); i++) {
		const struct kexport_conflict *a = kexport_table_conflict(one, i),
		                              *b = kexport_table_conflict(all, i);
		assert_string_equal(a->kept->name, b->kept->name);
		assert_string_equal(a->other->owner, b->other->owner);
		assert_string_equal(a->what, b->what);
	}
	kexport_ctx_free(ctx);
	kexport_table_free(one);
	kexport_table_free(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_sort), cmocka_unit_test(test_merge_fills_unknown),
		cmocka_unit_test(test_conflicts),     cmocka_unit_test(test_owner_alias),
		cmocka_unit_test(test_kinds),         cmocka_unit_test(test_licenses),
		cmocka_unit_test(test_add_modules_as_one_by_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
