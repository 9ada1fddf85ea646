/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: what `kexport history` reads from the user and from a
 * repository's tag names: the tag-version order (kexport_tag_version_cmp,
 * kexport_tag_is_rc) and the A..B range parser.  The order must be a total
 * order (antisymmetric, reflexive on equal strings, transitive on triples),
 * or qsort() of hostile tag names would be undefined.
 */
#include "fuzz-common.h"
#include "kexport-history.h"

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The range parser on the raw bytes (exactly `size`, no NUL after). */
	char *buf = fuzz_dup(data, size);
	char *from, *to;
	int r = kexport_history_parse_range(buf, size, &from, &to);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "kexport_history_parse_range returned %d", r);
		FUZZ_CHECK(!from && !to, "outputs set on failure");
	} else {
		FUZZ_CHECK(r == 0, "returned %d", r);
		FUZZ_CHECK(from || to, "success with both sides empty");
		size_t lf = from ? fuzz_str(from) : 0, lt = to ? fuzz_str(to) : 0;
		FUZZ_CHECK(lf + lt + 2 <= size, "sides longer than the input");
		FUZZ_CHECK(!from || !strstr(from, ".."), "'..' left in the first side");
		free(from);
		free(to);
	}
	free(buf);

	/* Three tag names, split at newlines. */
	char *s = malloc(size + 1);
	FUZZ_CHECK(s != NULL, "out of memory");
	memcpy(s, data, size);
	s[size] = '\0';
	const char *t[3] = { "", "", "" };
	char *p = s;
	for (int i = 0; i < 3 && p; i++) {
		t[i] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
	for (int i = 0; i < 3; i++) {
		FUZZ_CHECK(kexport_tag_version_cmp(t[i], t[i]) == 0, "x != x for \"%s\"", t[i]);
		fuzz_sink += kexport_tag_is_rc(t[i]);
		for (int j = 0; j < 3; j++) {
			int a = kexport_tag_version_cmp(t[i], t[j]), b = kexport_tag_version_cmp(t[j], t[i]);
			FUZZ_CHECK(a >= -1 && a <= 1, "result %d out of range", a);
			FUZZ_CHECK(a == -b, "not antisymmetric: \"%s\" \"%s\" %d %d", t[i], t[j], a, b);
			FUZZ_CHECK((a == 0) == (strcmp(t[i], t[j]) == 0), "equal but different strings");
		}
	}
	int ab = sign(kexport_tag_version_cmp(t[0], t[1])), bc = sign(kexport_tag_version_cmp(t[1], t[2]));
	if (ab == bc && ab != 0)
		FUZZ_CHECK(kexport_tag_version_cmp(t[0], t[2]) == ab, "not transitive: \"%s\" \"%s\" \"%s\"",
		           t[0], t[1], t[2]);
	free(s);
	return 0;
}
