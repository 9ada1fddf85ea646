/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/views/diff.c and lib/views/kabilist.c: fields only where both sides know them,
 * owner aliases, module lists, severity patterns and the judgement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "libkexport.h"
#include "test-ctx.h"

#define ALL (KEXPORT_KNOWN_KIND | KEXPORT_KNOWN_NS | KEXPORT_KNOWN_CRC)

static void add(struct kexport_table *t, const char *name, enum kexport_kind k, const char *ns,
                const char *owner, uint32_t crc, unsigned known)
{
	struct kexport_export e = { .name = name, .kind = k, .ns = ns, .owner = owner, .crc = crc,
		                    .known = known, .source = "test" };
	assert_int_equal(kexport_table_add(t, &e), 0);
}

/* A System.map knows neither namespace nor CRC, kallsyms calls a module by
 * its base name: neither is a change. */
static void test_known_fields_and_aliases(void **state)
{
	(void)state;
	struct kexport_table *a, *b;
	assert_int_equal(kexport_table_new(test_ctx(), &a), 0);
	assert_int_equal(kexport_table_new(test_ctx(), &b), 0);
	add(a, "x", KEXPORT_KIND_GPL, "NS", "drivers/usb/storage/usb-storage", 1, ALL);
	add(b, "x", KEXPORT_KIND_GPL, "", "usb_storage", 2, KEXPORT_KNOWN_KIND);
	add(a, "y", KEXPORT_KIND_PLAIN, "", "vmlinux", 1, ALL);
	add(b, "y", KEXPORT_KIND_UNUSED, "", "vmlinux", 1, ALL);
	struct kexport_diff *d;
	assert_int_equal(kexport_diff_new(test_ctx(), a, b, NULL, &d), 0);
	assert_int_equal(kexport_diff_count(d), 1);
	assert_string_equal(kexport_diff_get(d, 0)->name, "y");
	assert_int_equal(kexport_diff_get(d, 0)->changes, KEXPORT_CHANGE_KIND_CHANGED);
	assert_int_equal(kexport_diff_judge(d, NULL, NULL), 0); /* not breaking */
	assert_null(kexport_diff_get(d, 1));
	kexport_diff_free(d);
	kexport_table_free(a);
	kexport_table_free(b);
}

static void test_module_lists(void **state)
{
	(void)state;
	struct kexport_table *a;
	assert_int_equal(kexport_table_new(test_ctx(), &a), 0);
	struct kexport_diff *d;
	assert_int_equal(kexport_diff_new(test_ctx(), a, a, NULL, &d), 0);
	const char *before[] = { "c", "a", "b", "b" }, *after[] = { "d", "b", "a" };
	assert_int_equal(kexport_diff_set_modules(d, before, 4, after, 3), 0);
	assert_int_equal(kexport_diff_module_count(d), 2);
	assert_string_equal(kexport_diff_module_get(d, 0)->owner, "c");
	assert_int_equal(kexport_diff_module_get(d, 0)->changes, KEXPORT_CHANGE_MODULE_REMOVED);
	assert_string_equal(kexport_diff_module_get(d, 1)->owner, "d");
	assert_int_equal(kexport_diff_class_count(d, KEXPORT_CHANGE_MODULE_ADDED), 1);
	assert_int_equal(kexport_diff_set_modules(d, NULL, 0, NULL, 0), 0);
	assert_int_equal(kexport_diff_module_count(d), 0);
	assert_string_equal(kexport_change_name(KEXPORT_CHANGE_OWNER_MOVED), "owner_moved");
	assert_null(kexport_change_name(3));
	kexport_diff_free(d);
	kexport_table_free(a);
}

static int match(const struct kexport_severity *s, const char *name, const char *ns,
                 const char *owner, size_t *line)
{
	struct kexport_export e = { .name = name, .ns = ns, .owner = owner };
	return kexport_severity_match(s, &e, NULL, line);
}

static void test_severity(void **state)
{
	(void)state;
	static const char rules[] = "# SUSE kabi/severities\n"
	                            "drivers/scsi/*\tPASS\n"
	                            "vmlinux FAIL   # comment\n"
	                            "NS_?  PASS\n"
	                            "*_tmp PASS\n"
	                            "\n";
	struct kexport_severity *s;
	test_diag_reset();
	assert_int_equal(kexport_severity_parse(test_ctx(), rules, sizeof(rules) - 1, &s), 0);
	assert_int_equal(kexport_severity_count(s), 4);
	size_t line = 0;
	assert_int_equal(match(s, "a_tmp", "", "drivers/scsi/sub/x", &line), 0);
	assert_int_equal(line, 2); /* '*' crosses '/', and the first rule wins */
	assert_int_equal(match(s, "a_tmp", "NS_A", "vmlinux", &line), 1);
	assert_int_equal(line, 3);
	assert_int_equal(match(s, "foo", "NS_A", "fs/x", &line), 0);
	assert_int_equal(line, 4);
	assert_int_equal(match(s, "foo", "NS_AB", "fs/x", NULL), -ENOENT);
	assert_int_equal(match(s, "a_tmp", "", "fs/x", &line), 0);
	assert_int_equal(line, 5);
	kexport_severity_free(s);
	/* An upper-case pattern is a namespace: it never matches a symbol
	 * without one, whatever its name (ksymvers). */
	assert_int_equal(kexport_severity_parse(test_ctx(), "FOO PASS\n", 9, &s), 0);
	test_no_report();
	assert_int_equal(match(s, "FOO", "", "fs/x", NULL), -ENOENT);
	kexport_severity_free(s);
	assert_int_equal(kexport_severity_parse(test_ctx(), "x pass\n", 7, &s), -EINVAL);
	test_reported(-EINVAL, "(memory)", "line 1: invalid verdict 'pass', must be PASS or FAIL");
	assert_int_equal(kexport_severity_read(test_ctx(), "/nonexistent/severities", &s), -ENOENT);
	test_reported(-ENOENT, "/nonexistent/severities", NULL);
}

static void test_stablelist(void **state)
{
	(void)state;
	static const char rh[] = "[rhel9_x86_64_stablelist]\n\tfoo\n\tbar\r\n# c\n";
	struct kexport_symlist *l;
	assert_int_equal(kexport_symlist_new(test_ctx(), &l), 0);
	test_diag_reset();
	assert_int_equal(kexport_symlist_parse(l, rh, sizeof(rh) - 1), 0);
	test_no_report();
	assert_int_equal(kexport_symlist_count(l), 2);
	assert_true(kexport_symlist_has(l, "bar"));
	assert_false(kexport_symlist_has(l, "rhel9_x86_64_stablelist"));
	assert_int_equal(kexport_symlist_parse(l, "a b\n", 4), -EINVAL);
	test_reported(-EINVAL, "(memory)", NULL);
	assert_int_equal(kexport_symlist_parse(l, "\tx\n[y\n", 6), -EINVAL);
	test_reported(-EINVAL, "(memory)", "line 2: not a section header '[NAME]'");
	kexport_symlist_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_fields_and_aliases),
		cmocka_unit_test(test_module_lists),
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_stablelist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
