/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: kernel images (kexport_image_extract: bzImage, EFI
 * zboot, arm64 Image raw or compressed); when the payload is an ELF vmlinux,
 * its export tables are read with kexport_parse_vmlinux, otherwise (a raw
 * arm64 Image) they are searched for by shape, as kexport_read_exports() does.
 */
#include "fuzz-common.h"
#include "libkexport-internal.h" /* kx_ksymtab_scan_raw */

/* The library writes at most this much detail (read.c passes char[128]). */
#define DETAIL_MAX 128

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kexport_table *t;
	FUZZ_CHECK(kexport_table_new(fuzz_ctx(), &t) == 0, "kexport_table_new failed");
	char errmsg[KEXPORT_ERRMSG_MAX];
	errmsg[0] = '\0';
	char *detail = malloc(DETAIL_MAX); /* on the heap, so ASan sees an overflow */
	FUZZ_CHECK(detail != NULL, "out of memory");
	memset(detail, 'x', DETAIL_MAX);
	void *out = NULL;
	size_t out_size = 0;
	enum kexport_source_type type = KEXPORT_SOURCE_UNKNOWN;
	fuzz_diag_reset();
	int r = kexport_image_extract(fuzz_ctx(), data, size, &out, &out_size, &type, detail);
	FUZZ_CHECK(r <= 0, "kexport_image_extract returned %d", r);
	fuzz_check_reported(r, "(memory)", "kexport_image_extract");
	FUZZ_CHECK(memchr(detail, '\0', DETAIL_MAX) != NULL, "detail not NUL-terminated");
	fuzz_sink += strlen(detail);
	if (r == 0) {
		FUZZ_CHECK(out != NULL || out_size == 0, "NULL output of %zu bytes", out_size);
		FUZZ_CHECK(type == KEXPORT_SOURCE_BZIMAGE || type == KEXPORT_SOURCE_ARM64_IMAGE,
		           "success with source type %d", (int)type);
		/* Read every byte: the buffer must be as long as out_size says. */
		const uint8_t *o = out;
		uint8_t x = 0;
		for (size_t i = 0; i < out_size; i += 4096)
			x ^= o[i];
		if (out_size)
			x ^= o[out_size - 1];
		fuzz_sink += x;
		/* The banner that tells who built the image (kernel.c). */
		char *banner = malloc(DETAIL_MAX);
		FUZZ_CHECK(banner != NULL, "out of memory");
		if (kx_banner_find(out, out_size, banner, DETAIL_MAX, errmsg) == 0)
			FUZZ_CHECK(memchr(banner, '\0', DETAIL_MAX) != NULL, "banner not NUL-terminated");
		free(banner);
		if (out_size >= 4 && memcmp(out, "\177ELF", 4) == 0) {
			fuzz_diag_reset();
			r = kexport_parse_vmlinux(t, out, out_size, "fuzz");
			FUZZ_CHECK(r <= 0, "kexport_parse_vmlinux returned %d", r);
			fuzz_check_reported(r, "fuzz", "kexport_parse_vmlinux");
			fuzz_walk_table(t);
		} else {
			struct kx_arena arena = { 0 };
			struct kx_vec v;
			kx_vec_init(&v, sizeof(struct kexport_export));
			char how[128];
			errmsg[0] = '\0';
			r = kx_ksymtab_scan_raw(out, out_size, "fuzz", &arena, &v, how, errmsg);
			fuzz_check_result(r, errmsg, "kx_ksymtab_scan_raw");
			for (size_t i = 0; r == 0 && i < v.n; i++)
				FUZZ_CHECK(kexport_table_add(t, (struct kexport_export *)v.items + i) >= 0,
				           "kexport_table_add failed");
			fuzz_walk_table(t);
			kx_vec_free(&v);
			kx_arena_free(&arena);
		}
		free(out);
	}
	free(detail);
	kexport_table_free(t);
	return 0;
}
