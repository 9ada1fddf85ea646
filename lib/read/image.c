/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel images with no other input: an x86 bzImage (its payload is a
 * gzip/xz/zstd/lz4-compressed vmlinux ELF, whose export sections survive
 * the build's `objcopy -S`), an arm64 Image (raw, found by shape) either
 * plain, gzip-compressed, or wrapped as an EFI zboot image.
 */
#include "libkexport-internal.h"

static int decompress_payload(const uint8_t *p, size_t len, const char *where, void **out,
                              size_t *out_size, char *detail, char *errmsg)
{
	enum kexport_compression c = kx_detect_compression(p, len);
	if (c == KEXPORT_COMP_NONE)
		return kx_err(errmsg, -ENOTSUP, "%s payload has an unknown compression", where);
	uint8_t *o;
	size_t ol;
	/*
	 * Kbuild appends the uncompressed size to every compressed kernel
	 * payload as 32 bits little-endian (scripts/Makefile.lib size_append;
	 * gzip's own ISIZE is the same field), which the x86 and zboot
	 * decompressors read: the output is allocated once at that size.  A
	 * wrong hint only costs a reallocation.
	 */
	size_t hint = len >= 8 ? kx_get32(p + len - 4, false) : 0;
	int r = kx_decompress_sized(c, p, len, 0, hint, &o, &ol, errmsg);
	if (r < 0)
		return r;
	*out = o;
	*out_size = ol;
	if (detail)
		snprintf(detail, 128, "%s payload", kexport_compression_name(c));
	return 0;
}

static bool is_arm64_image(const uint8_t *d, size_t size)
{
	return size >= 64 && kx_get32(d + 0x38, false) == 0x644d5241u; /* "ARM\x64" */
}

/* x86 boot protocol (Documentation/x86/boot.rst): "HdrS" at 0x202. */
static bool is_bzimage(const uint8_t *d, size_t size)
{
	return size >= 0x206 && memcmp(d + 0x202, "HdrS", 4) == 0;
}

/* EFI zboot (arm64, riscv, loongarch): "zimg" at 4. */
static bool is_zboot(const uint8_t *d, size_t size)
{
	return size >= 8 && memcmp(d, "MZ", 2) == 0 && memcmp(d + 4, "zimg", 4) == 0;
}

bool kx_is_kernel_image(const uint8_t *head, size_t len)
{
	return is_bzimage(head, len) || is_zboot(head, len) || is_arm64_image(head, len);
}

int kx_image_extract(const void *data, size_t size, void **out, size_t *out_size,
                     enum kexport_source_type *type, char *detail, char *errmsg)
{
	const uint8_t *d = data;
	if (detail)
		detail[0] = '\0';
	if (is_bzimage(d, size) && size >= 0x250) {
		*type = KEXPORT_SOURCE_BZIMAGE;
		uint16_t version = kx_get16(d + 0x206, false);
		if (version < 0x208)
			return kx_err(errmsg, -ENOTSUP, "boot protocol %u.%02u has no payload fields",
			              version >> 8, version & 0xff);
		unsigned setup_sects = d[0x1f1] ? d[0x1f1] : 4;
		uint64_t start = (uint64_t)(setup_sects + 1) * 512 + kx_get32(d + 0x248, false);
		uint64_t len = kx_get32(d + 0x24c, false);
		if (!kx_in_bounds(start, len, size) || len < 8)
			return kx_err(errmsg, -EINVAL,
			              "bzImage payload (0x%llx + 0x%llx) is past the end of the file",
			              (unsigned long long)start, (unsigned long long)len);
		return decompress_payload(d + start, (size_t)len, "bzImage", out, out_size, detail,
		                          errmsg);
	}
	/* EFI zboot: payload offset/size at 8/12. */
	if (is_zboot(d, size) && size >= 64) {
		*type = KEXPORT_SOURCE_ARM64_IMAGE;
		uint64_t start = kx_get32(d + 8, false), len = kx_get32(d + 12, false);
		if (!kx_in_bounds(start, len, size))
			return kx_err(errmsg, -EINVAL, "zboot payload is past the end of the file");
		return decompress_payload(d + start, (size_t)len, "EFI zboot", out, out_size, detail,
		                          errmsg);
	}
	if (is_arm64_image(d, size)) {
		*type = KEXPORT_SOURCE_ARM64_IMAGE;
		void *copy = malloc(size);
		if (!copy)
			return kx_err(errmsg, -ENOMEM, "out of memory");
		memcpy(copy, d, size);
		*out = copy;
		*out_size = size;
		if (detail)
			snprintf(detail, 128, "raw Image");
		return 0;
	}
	/* A compressed Image (Debian's arm64 vmlinuz is gzip on some releases). */
	if (kx_detect_compression(d, size) != KEXPORT_COMP_NONE) {
		int r = decompress_payload(d, size, "compressed", out, out_size, detail, errmsg);
		if (r < 0)
			return r;
		if (is_arm64_image(*out, *out_size)) {
			*type = KEXPORT_SOURCE_ARM64_IMAGE;
			return 0;
		}
		free(*out);
		*out = NULL;
		return kx_err(errmsg, -ENOEXEC, "decompressed data is not a kernel image");
	}
	return kx_err(errmsg, -ENOEXEC, "not a kernel image");
}

KX_EXPORT int kexport_image_extract(struct kexport_ctx *ctx, const void *data, size_t size,
                                    void **out, size_t *out_size, enum kexport_source_type *type,
                                    char *detail)
{
	if (!ctx)
		return -EINVAL;
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(ctx, NULL, kx_image_extract(data, size, out, out_size, type, detail, msg),
	                 msg);
}

/*
 * CONFIG_IKCONFIG: the kernel keeps its .config, gzip-compressed, between
 * the markers "IKCFG_ST" and "IKCFG_ED" (kernel/configs.c), in any image
 * built with it.  An image here is a vmlinux ELF or anything
 * kx_image_extract() opens.  -ENOENT: no embedded configuration.
 */
int kx_ikconfig_find(const uint8_t *d, size_t size, char **text, size_t *len, char *errmsg)
{
	static const char st[] = "IKCFG_ST", ed[] = "IKCFG_ED";
	const uint8_t *p = memmem(d, size, st, 8);
	if (!p)
		return kx_err(errmsg, -ENOENT, "no embedded configuration (CONFIG_IKCONFIG)");
	p += 8;
	const uint8_t *end = memmem(p, size - (size_t)(p - d), ed, 8);
	if (!end)
		return kx_err(errmsg, -EINVAL, "embedded configuration has no end marker");
	if (kx_detect_compression(p, (size_t)(end - p)) != KEXPORT_COMP_GZIP)
		return kx_err(errmsg, -EINVAL, "embedded configuration is not gzip data");
	uint8_t *out;
	size_t n;
	/* A .config is ~250 KiB; 16 MiB bounds a hostile stream. */
	int r = kx_decompress(KEXPORT_COMP_GZIP, p, (size_t)(end - p), 16u << 20, &out, &n, errmsg);
	if (r < 0)
		return r;
	*text = (char *)out;
	*len = n;
	return 0;
}

/*
 * A kernel image file as a plain image: a vmlinux ELF as it is, anything
 * kx_image_extract() opens decompressed.  *IMG is to be freed.
 */
static int read_plain_image(const char *path, uint8_t **img, size_t *img_size, char *errmsg)
{
	char *data;
	size_t size;
	int r = kx_read_file(path, &data, &size, errmsg);
	if (r < 0)
		return r;
	if (size >= 4 && memcmp(data, "\177ELF", 4) == 0) {
		*img = (uint8_t *)data;
		*img_size = size;
		return 0;
	}
	void *out;
	enum kexport_source_type type;
	r = kx_image_extract(data, size, &out, img_size, &type, NULL, errmsg);
	free(data);
	if (r == 0)
		*img = out;
	return r;
}

int kx_ikconfig_read(const char *path, char **text, size_t *len, char *errmsg)
{
	uint8_t *img = NULL;
	size_t img_size = 0;
	int r = read_plain_image(path, &img, &img_size, errmsg);
	if (r < 0)
		return r;
	r = kx_ikconfig_find(img, img_size, text, len, errmsg);
	free(img);
	return r;
}

/*
 * The kernel's banner (init/version.c linux_banner): "Linux version RELEASE
 * (BUILDER) (COMPILER) #1 SMP ... Debian 6.12.117-1 (DATE)", from a vmlinux
 * ELF or any image kx_image_extract() opens.  It is how a raw arm64
 * Image, which has no boot header, says who built it.  -ENOENT: none.
 */
int kx_image_banner(const char *path, char *out, size_t out_size, char *errmsg)
{
	uint8_t *img = NULL;
	size_t img_size = 0;
	int r = read_plain_image(path, &img, &img_size, errmsg);
	if (r < 0)
		return r;
	r = kx_banner_find(img, img_size, out, out_size, errmsg);
	free(img);
	return r;
}

int kx_banner_find(const uint8_t *d, size_t size, char *out, size_t out_size, char *errmsg)
{
	static const char tag[] = "Linux version ";
	const uint8_t *p = d, *end = d + size;
	if (out_size == 0)
		return kx_err(errmsg, -EINVAL, "no room for the banner");
	while ((p = memmem(p, (size_t)(end - p), tag, sizeof(tag) - 1)) != NULL) {
		/* The banner ends in a newline; the other copies (format strings) do not. */
		const uint8_t *q = p + sizeof(tag) - 1;
		size_t n = 0;
		while (q + n < end && n < 512 && q[n] >= ' ' && q[n] < 0x7f)
			n++;
		if (q + n < end && q[n] == '\n' && n > 0 && q[0] != '%') {
			n = n < out_size - 1 ? n : out_size - 1;
			memcpy(out, q, n);
			out[n] = '\0';
			return 0;
		}
		p = q;
	}
	return kx_err(errmsg, -ENOENT, "no \"Linux version\" banner in the image");
}
