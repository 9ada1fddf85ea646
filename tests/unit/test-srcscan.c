/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The export macros of one source file, and the #if conditions against a .config. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkexport.h"
#include "test-ctx.h"

/* Every export as one line "LINE NAME MACRO KIND NS [COND]". */
struct out {
	char text[8192];
	size_t n;
};

static int record(const struct kexport_src_export *e, void *arg)
{
	struct out *o = arg;
	int w = snprintf(o->text + o->n, sizeof(o->text) - o->n, "%u %s %s %s %s [%s]\n", e->line,
	                 e->name, e->macro, kexport_kind_short(e->kind), e->ns ? e->ns : "-",
	                 e->cond ? e->cond : "");
	if (w > 0 && (size_t)w < sizeof(o->text) - o->n)
		o->n += (size_t)w;
	return 0;
}

static const char *scan(const char *path, const char *src, const char *default_ns, int want)
{
	static struct out o;
	memset(&o, 0, sizeof(o));
	test_diag_reset();
	int r = kexport_src_scan(test_ctx(), path, src, strlen(src), default_ns, record, &o);
	if (r != want)
		fail_msg("%s: got %d (%s), want %d; output:\n%s", path, r, test_diag.msg, want, o.text);
	if (r < 0)
		test_reported(r, path, NULL);
	else
		test_no_report();
	return o.text;
}

static void test_plain_family(void **state)
{
	(void)state;
	const char *out = scan("a.c",
	        "/* EXPORT_SYMBOL(in_comment); */\n"                  /* 1 */
	        "// EXPORT_SYMBOL(in_line_comment);\n"               /* 2 */
	        "static const char *s = \"EXPORT_SYMBOL(in_str)\";\n" /* 3 */
	        "#define EXPORT_SYMBOL(x) not_an_export(x)\n"        /* 4 */
	        "EXPORT_SYMBOL(a);\n"                                /* 5 */
	        "EXPORT_SYMBOL_GPL( b );\n"                          /* 6 */
	        "EXPORT_SYMBOL_NS(c, WORD_NS);\n"                    /* 7 */
	        "EXPORT_SYMBOL_NS_GPL(d, \"STR_NS\");\n"             /* 8 */
	        "EXPORT_SYMBOL_GPL_FUTURE(e);\n"                     /* 9 */
	        "EXPORT_UNUSED_SYMBOL(f);\n"                         /* 10 */
	        "EXPORT_UNUSED_SYMBOL_GPL(g);\n"                     /* 11 */
	        "EXPORT_PER_CPU_SYMBOL_GPL(h);\n"                    /* 12 */
	        "EXPORT_SYMBOL_GPL_FOR_MODULES(i, \"kvm,kvm-*\");\n" /* 13 */
	        "EXPORT_SYMBOL_NS_GPL(\n\tj, /* comment */\n\tSPLIT\n);\n" /* 14 */
	        "int EXPORT_SYMBOL_X;\n"                             /* 18: no such macro */
	        "void f(void) { EXPORT_SYMBOL; }\n",                 /* 19: not a call */
	        NULL, 10);
	assert_string_equal(out,
	        "5 a EXPORT_SYMBOL plain - []\n"
	        "6 b EXPORT_SYMBOL_GPL gpl - []\n"
	        "7 c EXPORT_SYMBOL_NS plain WORD_NS []\n"
	        "8 d EXPORT_SYMBOL_NS_GPL gpl STR_NS []\n"
	        "9 e EXPORT_SYMBOL_GPL_FUTURE gpl_future - []\n"
	        "10 f EXPORT_UNUSED_SYMBOL unused - []\n"
	        "11 g EXPORT_UNUSED_SYMBOL_GPL unused_gpl - []\n"
	        "12 h EXPORT_PER_CPU_SYMBOL_GPL gpl - []\n"
	        "13 i EXPORT_SYMBOL_GPL_FOR_MODULES gpl module:kvm,kvm-* []\n"
	        "14 j EXPORT_SYMBOL_NS_GPL gpl SPLIT []\n");
}

static void test_counted(void **state)
{
	(void)state;
	const char *out = scan("b.c",
	        "EXPORT_TRACEPOINT_SYMBOL_GPL(kfree);\n"
	        "EXPORT_TRACEPOINT_SYMBOL(9p_fid_ref);\n"
	        "EXPORT_STATIC_CALL_GPL(pv_sched_clock);\n"
	        "EXPORT_STATIC_CALL_TRAMP(pv_steal_clock);\n", NULL, 11);
	assert_string_equal(out,
	        "1 __tracepoint_kfree EXPORT_TRACEPOINT_SYMBOL_GPL gpl - []\n"
	        "1 __traceiter_kfree EXPORT_TRACEPOINT_SYMBOL_GPL gpl - []\n"
	        "1 __SCK__tp_func_kfree EXPORT_TRACEPOINT_SYMBOL_GPL gpl - []\n"
	        "1 __SCT__tp_func_kfree EXPORT_TRACEPOINT_SYMBOL_GPL gpl - []\n"
	        "2 __tracepoint_9p_fid_ref EXPORT_TRACEPOINT_SYMBOL plain - []\n"
	        "2 __traceiter_9p_fid_ref EXPORT_TRACEPOINT_SYMBOL plain - []\n"
	        "2 __SCK__tp_func_9p_fid_ref EXPORT_TRACEPOINT_SYMBOL plain - []\n"
	        "2 __SCT__tp_func_9p_fid_ref EXPORT_TRACEPOINT_SYMBOL plain - []\n"
	        "3 __SCK__pv_sched_clock EXPORT_STATIC_CALL_GPL gpl - []\n"
	        "3 __SCT__pv_sched_clock EXPORT_STATIC_CALL_GPL gpl - []\n"
	        "4 __SCT__pv_steal_clock EXPORT_STATIC_CALL_TRAMP plain - []\n");
}

static void test_default_namespace(void **state)
{
	(void)state;
	/* from the Makefile (the caller), then the file's own #define, #undef */
	const char *out = scan("c.c",
	        "EXPORT_SYMBOL(a);\n"
	        "EXPORT_SYMBOL_NS(b, OWN);\n", "MAKEFILE_NS", 2);
	assert_string_equal(out, "1 a EXPORT_SYMBOL plain MAKEFILE_NS []\n"
	                         "2 b EXPORT_SYMBOL_NS plain OWN []\n");
	out = scan("d.c",
	        "#define DEFAULT_SYMBOL_NAMESPACE \"FILE_NS\"\n"
	        "#include <linux/export.h>\n"
	        "EXPORT_SYMBOL_GPL(a);\n"
	        "#undef DEFAULT_SYMBOL_NAMESPACE\n"
	        "EXPORT_SYMBOL_GPL(b);\n", "MAKEFILE_NS", 2);
	assert_string_equal(out, "3 a EXPORT_SYMBOL_GPL gpl FILE_NS []\n"
	                         "5 b EXPORT_SYMBOL_GPL gpl - []\n");
	/* after the first #include it is too late (export.h has been read) */
	out = scan("e.c",
	        "#include <linux/module.h>\n"
	        "#define DEFAULT_SYMBOL_NAMESPACE LATE\n"
	        "EXPORT_SYMBOL_GPL(a);\n", NULL, 1);
	assert_string_equal(out, "3 a EXPORT_SYMBOL_GPL gpl - []\n");
}

static void test_conditions(void **state)
{
	(void)state;
	const char *out = scan("f.h",
	        "#ifndef _F_H\n#define _F_H\n"    /* include guard: not a condition */
	        "#ifdef CONFIG_LOCKDEP\n"
	        "EXPORT_SYMBOL_GPL(a);\n"         /* 4 */
	        "#elif defined(CONFIG_X) && IS_ENABLED(CONFIG_Y)\n"
	        "EXPORT_SYMBOL(a);\n"             /* 6 */
	        "#else\n"
	        "# if 0\n"
	        "EXPORT_SYMBOL(b);\n"             /* 9 */
	        "# endif\n"
	        "#endif\n"
	        "#endif\n", NULL, 3);
	assert_string_equal(out,
	        "4 a EXPORT_SYMBOL_GPL gpl - [defined(CONFIG_LOCKDEP)]\n"
	        "6 a EXPORT_SYMBOL plain - [!defined(CONFIG_LOCKDEP) && (defined(CONFIG_X) && IS_ENABLED(CONFIG_Y))]\n"
	        "9 b EXPORT_SYMBOL plain - [!defined(CONFIG_LOCKDEP) && !((defined(CONFIG_X) && IS_ENABLED(CONFIG_Y))) && 0]\n");
}

static void test_wrappers(void **state)
{
	(void)state;
	const char *out = scan("g.c",
	        "#define STANDARD_PARAM_DEF(name, type)\t\\\n"
	        "\tint param_set_##name(void) { return 0; }\t\\\n"
	        "\tEXPORT_SYMBOL(param_set_##name)\n"
	        "#define TWICE(n) STANDARD_PARAM_DEF(n, int) STANDARD_PARAM_DEF(n##_again, int)\n"
	        "STANDARD_PARAM_DEF(byte, unsigned char);\n" /* 5 */
	        "TWICE(int);\n"                              /* 6 */
	        "IWL_EXPORT_SYMBOL(iwl_foo);\n"              /* 7 */
	        "EXPORT_NS_GPL_SIMPLE_DEV_PM_OPS(foo_pm_ops, sus, res, IIO_FOO);\n", NULL, 5);
	assert_string_equal(out,
	        "5 param_set_byte STANDARD_PARAM_DEF plain - []\n"
	        "6 param_set_int STANDARD_PARAM_DEF plain - []\n"
	        "6 param_set_int_again STANDARD_PARAM_DEF plain - []\n"
	        "7 iwl_foo IWL_EXPORT_SYMBOL gpl IWLWIFI []\n"
	        "8 foo_pm_ops EXPORT_NS_GPL_SIMPLE_DEV_PM_OPS gpl IIO_FOO []\n");
	/* a '#' with nothing after it to stringify (found by fuzz-srcscan: the
	 * expansion read past the end of the template) */
	out = scan("g2.c", "#define W(n) EXPORT_SYMBOL(#)\nW(b);\n", NULL, 0);
	out = scan("g3.c", "#define W(n) EXPORT_SYMBOL(n)#\nW(b);\n", NULL, 1);
	assert_string_equal(out, "2 b W plain - []\n");
}

static void test_assembler(void **state)
{
	(void)state;
	/* ' is no quote in .S; # comments; the exports are the same macros */
	const char *out = scan("h.S",
	        "# it's a comment\n"
	        "SYM_FUNC_START(memcpy) /* don't */\n"
	        "\tmovq %rdi, %rax\n"
	        "SYM_FUNC_END(memcpy)\n"
	        "EXPORT_SYMBOL(memcpy)\n", NULL, 1);
	assert_string_equal(out, "5 memcpy EXPORT_SYMBOL plain - []\n");
}

static void test_bad(void **state)
{
	(void)state;
	scan("bad1.c", "EXPORT_SYMBOL(a);\n/* never closed\nEXPORT_SYMBOL(b);\n", NULL, -EINVAL);
	scan("bad3.c", "#ifdef CONFIG_X /* never closed\nEXPORT_SYMBOL(b);\n", NULL, -EINVAL);
	scan("bad2.c", "EXPORT_SYMBOL(a\n", NULL, -EINVAL);
	char bin[] = "EXPORT_SYMBOL(a);\0\1\2";
	test_diag_reset();
	assert_int_equal(kexport_src_scan(test_ctx(), "bin.c", bin, sizeof(bin), NULL, NULL, NULL),
	                 -EINVAL);
	assert_non_null(strstr(test_diag.msg, "binary"));
	test_reported(-EINVAL, "bin.c", NULL);
	/* only the part up to the last export is lexed: what follows it or a
	 * file without exports may leave a comment open */
	scan("none.c", "/* not closed", NULL, 0);
	scan("tail.c", "EXPORT_SYMBOL(a);\n/* not closed", NULL, 1);
}

static void test_cond_eval(void **state)
{
	(void)state;
	struct kexport_kernel *k;
	const char *cfg = "CONFIG_Y=y\nCONFIG_M=m\n# CONFIG_N is not set\nCONFIG_NUM=5\n";
	assert_int_equal(kexport_kernel_new(test_ctx(), &k), 0);
	test_diag_reset();
	assert_int_equal(kexport_kernel_parse_config(k, cfg, strlen(cfg)), 0);
	test_no_report();
	static const struct {
		const char *cond;
		bool module;
		int want;
	} cases[] = {
		{ "defined(CONFIG_Y)", false, 1 },
		{ "defined(CONFIG_M)", false, 0 },      /* =m defines CONFIG_M_MODULE */
		{ "defined(CONFIG_M_MODULE)", false, 1 },
		{ "defined CONFIG_N", false, 0 },
		{ "!defined(CONFIG_ABSENT)", false, 1 },
		{ "IS_ENABLED(CONFIG_M) && IS_BUILTIN(CONFIG_Y)", false, 1 },
		{ "IS_MODULE(CONFIG_Y)", false, 0 },
		{ "IS_REACHABLE(CONFIG_M)", false, 0 },
		{ "IS_REACHABLE(CONFIG_M)", true, 1 },
		{ "defined(MODULE)", true, 1 },
		{ "CONFIG_NUM >= 4 && CONFIG_NUM < 6", false, 1 },
		{ "(defined(CONFIG_N) || defined(CONFIG_Y)) && !0", false, 1 },
		{ "defined(__BIG_ENDIAN)", false, -1 },
		{ "defined(__BIG_ENDIAN) && defined(CONFIG_N)", false, 0 },
		{ "defined(__BIG_ENDIAN) || defined(CONFIG_Y)", false, 1 },
		{ "sizeof(long) == 8", false, -1 },
		{ "", false, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = kexport_src_cond_eval(cases[i].cond, k, cases[i].module);
		if (r != cases[i].want)
			fail_msg("%s (module %d): %d, want %d", cases[i].cond, cases[i].module, r, cases[i].want);
	}
	kexport_kernel_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_family), cmocka_unit_test(test_counted),
		cmocka_unit_test(test_default_namespace), cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_wrappers), cmocka_unit_test(test_assembler),
		cmocka_unit_test(test_bad), cmocka_unit_test(test_cond_eval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
