/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexport history's tag-version order and A..B range parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kexport-history.h"

static int cmp_tags(const void *a, const void *b)
{
	return kexport_tag_version_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_order(void **state)
{
	(void)state;
	/* linux.git spellings, shuffled; the order `git tag --sort=version:refname`
	 * gives except that -rc tags come before their release. */
	const char *tags[] = { "v6.10", "v3.0", "v6.1-rc8", "v2.6.39", "v6.9", "v6.1", "v2.6.12-rc2",
	                       "not-a-version", "v6.1.190", "v6.10-rc1", "v2.6.11", "v6.1-rc10" };
	const char *want[] = { "v2.6.11", "v2.6.12-rc2", "v2.6.39", "v3.0", "v6.1-rc8", "v6.1-rc10",
	                       "v6.1", "v6.1.190", "v6.9", "v6.10-rc1", "v6.10", "not-a-version" };
	qsort(tags, 12, sizeof(tags[0]), cmp_tags);
	for (int i = 0; i < 12; i++)
		assert_string_equal(tags[i], want[i]);
	assert_int_equal(kexport_tag_version_cmp("v6.1", "v6.1"), 0);
	assert_int_equal(kexport_tag_version_cmp("v6.1", "v6.1.0"), -1); /* numerically equal: by name */
	assert_true(kexport_tag_is_rc("v6.1-rc3"));
	assert_false(kexport_tag_is_rc("v6.1"));
	assert_false(kexport_tag_is_rc("rc-1"));
}

static void range(const char *s, int want, const char *from, const char *to)
{
	char unset[] = "unset"; /* the outputs are set either way */
	char *a = unset, *b = unset;
	assert_int_equal(kexport_history_parse_range(s, strlen(s), &a, &b), want);
	if (want < 0) {
		assert_null(a);
		assert_null(b);
		return;
	}
	if (from)
		assert_string_equal(a, from);
	else
		assert_null(a);
	if (to)
		assert_string_equal(b, to);
	else
		assert_null(b);
	free(a);
	free(b);
}

static void test_range(void **state)
{
	(void)state;
	range("v6.1..v6.2", 0, "v6.1", "v6.2");
	range("v5.0..", 0, "v5.0", NULL);
	range("..v6.1", 0, NULL, "v6.1");
	range("HEAD~3..main", 0, "HEAD~3", "main");
	range("..", -22, NULL, NULL);
	range("v6.1", -22, NULL, NULL);
	range("v6.1...v6.2", -22, NULL, NULL);
	range("v6 1..v6.2", -22, NULL, NULL);
	range("v6.1..v6..2", -22, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
