/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Module.symvers in every historical layout, System.map and kallsyms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "libkexport.h"
#include "test-ctx.h"

static struct kexport_table *parse_symvers(const char *text, int want)
{
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(test_ctx(), &t), 0);
	test_diag_reset();
	int r = kexport_parse_symvers(t, text, strlen(text), "Module.symvers");
	assert_int_equal(r, want);
	if (r < 0)
		test_reported(r, "Module.symvers", NULL);
	else
		test_no_report();
	return t;
}

static void test_symvers_modern(void **state)
{
	(void)state;
	/* ≥5.6: crc, symbol, module, type, namespace (last, may be empty) */
	struct kexport_table *t = parse_symvers(
	        "0x1bc3edc2\tusb_stor_sense_invalidCDB\tdrivers/usb/storage/usb-storage\tEXPORT_SYMBOL_GPL\tUSB_STORAGE\n"
	        "0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n", 0);
	assert_int_equal(kexport_table_count(t), 2);
	const struct kexport_export *e = kexport_table_find(t, "usb_stor_sense_invalidCDB");
	assert_int_equal(e->crc, 0x1bc3edc2);
	assert_int_equal(e->kind, KEXPORT_KIND_GPL);
	assert_string_equal(e->ns, "USB_STORAGE");
	assert_string_equal(e->owner, "drivers/usb/storage/usb-storage");
	e = kexport_table_find(t, "_printk");
	assert_string_equal(e->ns, "");
	assert_string_equal(e->owner, "vmlinux");
	char line[256];
	kexport_format_symvers(e, line, sizeof(line));
	assert_string_equal(line, "0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t");
	kexport_table_free(t);
}

static void test_symvers_old_layouts(void **state)
{
	(void)state;
	/* 5.4-5.5: crc, symbol, namespace, module, type */
	struct kexport_table *t = parse_symvers("0x00000001\tfoo\tFOO_NS\tdrivers/foo\tEXPORT_SYMBOL_GPL\n"
	                                        "0x00000002\tbar\t\tvmlinux\tEXPORT_SYMBOL\n", 0);
	const struct kexport_export *e = kexport_table_find(t, "foo");
	assert_string_equal(e->ns, "FOO_NS");
	assert_string_equal(e->owner, "drivers/foo");
	assert_int_equal(e->kind, KEXPORT_KIND_GPL);
	assert_string_equal(kexport_table_find(t, "bar")->owner, "vmlinux");
	kexport_table_free(t);
	/* 2.6.18-5.3: crc, symbol, module, type (with the old kinds) */
	t = parse_symvers("0xdeadbeef\tbaz\tvmlinux\tEXPORT_SYMBOL_GPL_FUTURE\n"
	                  "0x00000003\tqux\tfs/q\tEXPORT_UNUSED_SYMBOL_GPL\r\n", 0);
	assert_int_equal(kexport_table_find(t, "baz")->kind, KEXPORT_KIND_GPL_FUTURE);
	assert_int_equal(kexport_table_find(t, "qux")->kind, KEXPORT_KIND_UNUSED_GPL);
	assert_string_equal(kexport_table_find(t, "qux")->owner, "fs/q");
	kexport_table_free(t);
	/* <2.6.18: crc, symbol, module; no kind */
	t = parse_symvers("0x00000004\told\tvmlinux\n", 0);
	assert_int_equal(kexport_table_find(t, "old")->known & KEXPORT_KNOWN_KIND, 0);
	kexport_table_free(t);
}

static void test_symvers_garbage(void **state)
{
	(void)state;
	kexport_table_free(parse_symvers("", -22));
	kexport_table_free(parse_symvers("hello world\n", -22));
	kexport_table_free(parse_symvers("0x1\tfoo\tvmlinux\tEXPORT_SYMBOL_BOGUS\t\n", -22));
	kexport_table_free(parse_symvers("0xZZ\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n", -22));
	kexport_table_free(parse_symvers("0x1\tfoo\tvmlinux\tEXPORT_SYMBOL\t\t\t\n", -22));
	kexport_table_free(parse_symvers("0x1\tfo o\tvmlinux\tEXPORT_SYMBOL\t\n", -22));
	kexport_table_free(parse_symvers("\n\n\n", -22));
}

static const char sysmap[] =
        "ffffffff82461280 R __start___ksymtab\n"
        "ffffffff82461280 r __ksymtab_IO_APIC_get_PCI_irq_vector\n"
        "ffffffff8246128c r __ksymtab_I_BDEV\n"
        "ffffffff8246fbb4 R __start___ksymtab_gpl\n"
        "ffffffff8246fbb4 R __stop___ksymtab\n"
        "ffffffff8246fbb4 r __ksymtab_dma_buf_get\n"
        "ffffffff8247fe5c R __stop___ksymtab_gpl\n"
        "ffffffff8248a250 r __ksymtab_strings\n"
        "ffffffff81000000 T _text\n";

static void test_system_map(void **state)
{
	(void)state;
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(test_ctx(), &t), 0);
	test_diag_reset();
	assert_int_equal(kexport_parse_system_map(t, sysmap, strlen(sysmap), "System.map", false), 0);
	test_no_report();
	assert_int_equal(kexport_table_count(t), 3);
	assert_int_equal(kexport_table_find(t, "I_BDEV")->kind, KEXPORT_KIND_PLAIN);
	assert_int_equal(kexport_table_find(t, "dma_buf_get")->kind, KEXPORT_KIND_GPL);
	assert_int_equal(kexport_table_find(t, "dma_buf_get")->known, KEXPORT_KNOWN_KIND);
	assert_null(kexport_table_find(t, "strings"));
	kexport_table_free(t);
}

static void test_kallsyms(void **state)
{
	(void)state;
	/* Unprivileged kallsyms has zero addresses: names, owners, no kinds. */
	static const char ks[] = "0000000000000000 r __ksymtab_kfree\n"
	                         "0000000000000000 r __ksymtab_usb_stor_ctrl_transfer\t[usb_storage]\n"
	                         "0000000000000000 t usb_stor_probe\t[usb_storage]\n";
	struct kexport_table *t;
	assert_int_equal(kexport_table_new(test_ctx(), &t), 0);
	test_diag_reset();
	assert_int_equal(kexport_parse_system_map(t, ks, strlen(ks), "kallsyms", true), 0);
	test_no_report();
	assert_int_equal(kexport_table_count(t), 2);
	assert_string_equal(kexport_table_find(t, "usb_stor_ctrl_transfer")->owner, "usb_storage");
	assert_string_equal(kexport_table_find(t, "kfree")->owner, "vmlinux");
	assert_int_equal(kexport_table_find(t, "kfree")->known, 0);
	kexport_table_free(t);
}

static void test_map_garbage(void **state)
{
	(void)state;
	struct kexport_table *t;
	static const char stub[] =
	        "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n";
	assert_int_equal(kexport_table_new(test_ctx(), &t), 0);
	test_diag_reset();
	assert_int_equal(kexport_parse_system_map(t, stub, strlen(stub), "System.map", false), -2);
	assert_non_null(strstr(test_diag.msg, "-dbg"));
	test_reported(-2, "System.map", NULL);
	int r = kexport_parse_system_map(t, "xyz\n", 4, "m", false);
	assert_true(r < 0);
	test_reported(r, "m", NULL);
	r = kexport_parse_system_map(t, "ffff T\n", 7, "m", false);
	assert_true(r < 0);
	test_reported(r, "m", NULL);
	static const char none[] = "ffffffff81000000 T _text\n";
	assert_int_equal(kexport_parse_system_map(t, none, strlen(none), "m", false), -2);
	test_reported(-2, "m", NULL);
	kexport_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symvers_modern), cmocka_unit_test(test_symvers_old_layouts),
		cmocka_unit_test(test_symvers_garbage), cmocka_unit_test(test_system_map),
		cmocka_unit_test(test_kallsyms),       cmocka_unit_test(test_map_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
