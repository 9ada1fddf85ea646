/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Byte sources and decompression.
 *
 * Readers never map whole files: on the machines kexport is measured on,
 * touching the needed sections of the 4023 Debian modules cost 1.36 s through
 * mmap() and 0.13 s through pread().  A file source therefore reads only the
 * ranges a reader asks for.  Compressed inputs (.ko.xz, .ko.zst, .ko.gz,
 * kernel image payloads) are decompressed into memory once and read from
 * there.
 */
#include <fcntl.h>
#include <lz4.h>
#include <lzma.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "libkexport-internal.h"

/* No kernel module or image is anywhere near this; a bigger output is hostile. */
#define KX_DECOMPRESS_LIMIT ((size_t)1 << 30)

static const char *const compression_names[KEXPORT_COMP_COUNT] = {
	[KEXPORT_COMP_NONE] = "none", [KEXPORT_COMP_GZIP] = "gzip", [KEXPORT_COMP_XZ] = "xz",
	[KEXPORT_COMP_ZSTD] = "zstd", [KEXPORT_COMP_LZ4] = "lz4",
};

KX_EXPORT const char *kexport_compression_name(enum kexport_compression c)
{
	return (unsigned)c < KEXPORT_COMP_COUNT ? compression_names[c] : "unknown";
}

/* A malloc'd buffer of a source (when the thread's scratch cannot hold it). */
struct kx_src_tmp {
	struct kx_src_tmp *next;
	_Alignas(16) unsigned char data[];
};

void *kx_src_tmp(struct kx_src *src, size_t size)
{
	void *p = kx_scratch_alloc(src, size);
	if (p)
		return p;
	struct kx_src_tmp *t = malloc(sizeof(*t) + (size ? size : 1));
	if (!t)
		return NULL;
	t->next = src->tmp;
	src->tmp = t;
	return t->data;
}

static void add_range(struct kx_src *src, const uint8_t *p, uint64_t off, uint64_t len)
{
	if (src->n_ranges < KX_SRC_RANGES)
		src->ranges[src->n_ranges++] = (struct kx_src_range){ p, off, len };
}

/* pread all of [off, off+len); returns the bytes read (short at the end of the file) or -errno. */
static int64_t pread_all(int fd, uint8_t *dst, uint64_t len, uint64_t off)
{
	uint64_t done = 0;
	while (done < len) {
		ssize_t r = pread(fd, dst + done, len - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		done += (uint64_t)r;
	}
	return (int64_t)done;
}

/*
 * One pread() of [off, off+len): a regular file's read comes back short
 * only at its end (Linux's page-cache read stops early nowhere else but on
 * a fatal signal), so a short read gives the file's size without the
 * second pread() that pread_all() would spend finding the end, a syscall a
 * module.  A filesystem that returns short reads elsewhere makes the size
 * too small; the module then fails to parse, and kx_module_read_at() reads
 * it again the slow way.
 */
static int64_t pread_once(int fd, uint8_t *dst, uint64_t len, uint64_t off)
{
	for (;;) {
		ssize_t r = pread(fd, dst, len, (off_t)off);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * How much of a file the first read takes.  When it comes back short, it
 * was the whole file, and reading the module needs no other syscall; else a
 * read of the section headers follows (which also gives the size, see
 * tail_tells_size()), then one per group of needed sections.  With a warm
 * CPU cache a syscall costs about as much as copying 10 KiB, and 4 to 64
 * KiB measured the same; but right after another tool has read the tree
 * (depmod, in bench/audit-vs-depmod.sh) the copying costs more: 32 KiB read
 * 164 MB of Debian's tree where 65 MB are needed, and an audit took 113 ms
 * (median) there against 91 ms with 4 KiB (102 MB read, 50% more syscalls).
 */
#define KX_FIRST_READ ((size_t)4 << 10)

/*
 * The first read of an ELF file was not all of it: read the section headers
 * and what is around them (the section names before them, a module
 * signature after them) now, as the ELF reader will want them.  A read that
 * comes back short ended at the end of the file, which gives its size
 * without fstat().  Returns whether it did.
 */
static bool tail_tells_size(struct kx_src *src, const uint8_t *h, size_t len)
{
	if (len < 64 || memcmp(h, "\177ELF", 4) != 0 || (h[4] != 1 && h[4] != 2) ||
	    (h[5] != 1 && h[5] != 2))
		return false;
	bool is64 = h[4] == 2, be = h[5] == 2;
	uint64_t shoff = is64 ? kx_get64(h + 40, be) : kx_get32(h + 32, be);
	uint64_t shentsize = kx_get16(h + (is64 ? 58 : 46), be);
	uint64_t shnum = kx_get16(h + (is64 ? 60 : 48), be);
	if (shoff < len || shnum == 0 || shentsize == 0 || shoff > (uint64_t)1 << 40)
		return false;
	uint64_t lo = shoff > 4096 ? shoff - 4096 : 0;
	uint64_t want = shoff + shnum * shentsize + 16384 - lo;
	if (want > (64u << 20))
		return false;
	uint8_t *w = kx_src_tmp(src, want);
	if (!w)
		return false;
	int64_t got = pread_once(src->fd, w, want, lo);
	if (got > 0)
		add_range(src, w, lo, (uint64_t)got);
	if (got <= 0 || (uint64_t)got >= want)
		return false; /* then fstat() tells */
	src->size = lo + (uint64_t)got;
	return true;
}

int kx_src_open_file_flags(struct kx_src *src, const char *path, unsigned flags, char *errmsg)
{
	return kx_src_open_at(src, AT_FDCWD, path, path, flags, errmsg);
}

int kx_src_open_at(struct kx_src *src, int at, const char *rel, const char *path, unsigned flags,
                   char *errmsg)
{
	memset(src, 0, sizeof(*src));
	src->path = path;
	src->fd = openat(at, rel, O_RDONLY | O_CLOEXEC);
	for (int tries = 0; src->fd < 0 && kx_no_fds(errno) && kx_fds_wait(&tries);)
		src->fd = openat(at, rel, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0)
		return kx_err(errmsg, -errno, "cannot open: %s", strerror(errno));
	if (flags & KX_SRC_REGULAR) {
		uint8_t *buf = kx_src_tmp(src, KX_FIRST_READ);
		if (!buf) {
			kx_src_close(src);
			return kx_err(errmsg, -ENOMEM, "out of memory");
		}
		int64_t got = pread_once(src->fd, buf, KX_FIRST_READ, 0);
		if (got < 0) {
			int e = (int)-got;
			kx_src_close(src);
			if (e == EISDIR)
				return kx_err(errmsg, -EISDIR, "is a directory");
			return kx_err(errmsg, -e, "read error: %s", strerror(e));
		}
		if ((uint64_t)got < KX_FIRST_READ) { /* the whole file */
			close(src->fd);
			src->fd = -1;
			src->mem = buf;
			src->size = (uint64_t)got;
			return 0;
		}
		add_range(src, buf, 0, (uint64_t)got);
		if (tail_tells_size(src, buf, (size_t)got))
			return 0;
	}
	struct stat st;
	if (fstat(src->fd, &st) < 0) {
		int e = errno;
		kx_src_close(src);
		return kx_err(errmsg, -e, "cannot stat: %s", strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		kx_src_close(src);
		return kx_err(errmsg, -EISDIR, "is a directory");
	}
	if (!S_ISREG(st.st_mode)) {
		kx_src_close(src);
		return kx_err(errmsg, -EINVAL, "not a regular file");
	}
	src->size = (uint64_t)st.st_size;
	if (src->n_ranges) {
		/* It changed between the read and fstat: trust only what fits. */
		if (src->ranges[0].len > src->size)
			src->ranges[0].len = src->size;
		return 0;
	}
	size_t want = src->size < 64 ? (size_t)src->size : 64;
	uint8_t *head = want ? kx_src_tmp(src, want) : NULL;
	int64_t got = head ? pread_all(src->fd, head, want, 0) : 0;
	if (got > 0)
		add_range(src, head, 0, (uint64_t)got);
	return 0;
}

int kx_src_open_file(struct kx_src *src, const char *path, char *errmsg)
{
	return kx_src_open_file_flags(src, path, 0, errmsg);
}

const uint8_t *kx_src_peek(const struct kx_src *src, uint64_t off, uint64_t len)
{
	if (!kx_in_bounds(off, len, src->size))
		return NULL;
	if (src->fd < 0)
		return src->mem + off;
	for (size_t i = 0; i < src->n_ranges; i++) {
		const struct kx_src_range *r = &src->ranges[i];
		if (off >= r->off && off - r->off <= r->len && len <= r->len - (off - r->off))
			return r->p + (off - r->off);
	}
	return NULL;
}

void kx_src_prefetch(struct kx_src *src, uint64_t off, uint64_t len)
{
	if (src->fd < 0 || !kx_in_bounds(off, len, src->size) || len > (64u << 20) ||
	    src->n_ranges >= KX_SRC_RANGES || kx_src_peek(src, off, len))
		return;
	uint8_t *w = kx_src_tmp(src, len);
	if (!w)
		return;
	if (pread_all(src->fd, w, len, off) == (int64_t)len)
		add_range(src, w, off, len);
}

void kx_src_open_mem(struct kx_src *src, const void *data, size_t size, const char *path)
{
	memset(src, 0, sizeof(*src));
	src->path = path;
	src->fd = -1;
	src->mem = data;
	src->size = size;
}

static void budget_give(size_t n);

void kx_src_close(struct kx_src *src)
{
	if (src->fd >= 0)
		close(src->fd);
	src->fd = -1;
	free(src->owned);
	src->owned = NULL;
	budget_give(src->budget);
	src->budget = 0;
	src->mem = NULL;
	src->n_ranges = 0;
	while (src->tmp) {
		struct kx_src_tmp *next = src->tmp->next;
		free(src->tmp);
		src->tmp = next;
	}
	kx_scratch_release(src);
}

int kx_src_read(const struct kx_src *src, uint64_t off, size_t len, void *dst, char *errmsg)
{
	if (!kx_in_bounds(off, len, src->size))
		return kx_err(errmsg, -EINVAL,
		              "truncated: wants bytes 0x%llx..0x%llx of a %llu-byte file",
		              (unsigned long long)off, (unsigned long long)(off + len),
		              (unsigned long long)src->size);
	const uint8_t *p = kx_src_peek(src, off, len);
	if (p) {
		if (len)
			memcpy(dst, p, len);
		return 0;
	}
	int64_t got = pread_all(src->fd, dst, len, off);
	if (got < 0)
		return kx_err(errmsg, (int)got, "read error: %s", strerror((int)-got));
	if ((uint64_t)got < len)
		return kx_err(errmsg, -EINVAL, "file shrank while being read");
	return 0;
}

enum kexport_compression kx_detect_compression(const uint8_t *p, size_t len)
{
	if (len >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9e))
		return KEXPORT_COMP_GZIP;
	if (len >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return KEXPORT_COMP_XZ;
	if (len >= 4 && kx_get32(p, false) == 0xfd2fb528u)
		return KEXPORT_COMP_ZSTD;
	/* The kernel's lz4 images use the legacy frame format. */
	if (len >= 4 && (kx_get32(p, false) == 0x184c2102u || kx_get32(p, false) == 0x184d2204u))
		return KEXPORT_COMP_LZ4;
	return KEXPORT_COMP_NONE;
}

/* Output buffer that grows up to a limit. */
struct outbuf {
	uint8_t *p;
	size_t len, cap, limit;
	size_t hint; /* the size the output is said to have, 0 unknown */
};

static int outbuf_reserve(struct outbuf *o, size_t more, char *errmsg)
{
	if (o->cap - o->len >= more)
		return 0;
	if (more > o->limit - o->len)
		return kx_err(errmsg, -EINVAL, "decompressed size exceeds %zu MiB",
		              o->limit >> 20);
	/* With a size hint, one allocation: the decoders ask for a MiB of room
	 * before each step, so the hint's size plus that. */
	size_t cap = o->cap ? o->cap
	             : o->hint && o->hint <= o->limit - (1 << 20) ? o->hint + (1 << 20) : 1 << 20;
	while (cap - o->len < more)
		cap *= 2;
	if (cap > o->limit)
		cap = o->limit;
	uint8_t *np = realloc(o->p, cap);
	if (!np)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	if (o->cap) /* growing past the first MiB: a kernel image, filling all of it */
		kx_prefault(np + o->len, cap - o->len);
	o->p = np;
	o->cap = cap;
	return 0;
}

/* The decompressors, opened on first use (KX_DLIB): a tree of plain modules needs none. */
#define ZLIB_FUNCS(X) X(inflateInit2_) X(inflate) X(inflateEnd)
#define LZMA_FUNCS(X)                                                                      \
	X(lzma_stream_decoder) X(lzma_code) X(lzma_end) X(lzma_stream_footer_decode)       \
	X(lzma_index_buffer_decode) X(lzma_index_uncompressed_size) X(lzma_index_end)
#define ZSTD_FUNCS(X)                                                                      \
	X(ZSTD_createDStream) X(ZSTD_DCtx_setParameter) X(ZSTD_decompressStream)           \
	X(ZSTD_freeDStream) X(ZSTD_isError) X(ZSTD_getErrorName) X(ZSTD_decompressDCtx)    \
	X(ZSTD_findFrameCompressedSize) X(ZSTD_getFrameContentSize) X(ZSTD_getErrorCode)
#define LZ4_FUNCS(X) X(LZ4_compressBound) X(LZ4_decompress_safe)
KX_DLIB(zlib, "libz.so.1", ZLIB_FUNCS)
KX_DLIB(xz, "liblzma.so." KX_STRINGIFY(LZMA_VERSION_MAJOR), LZMA_FUNCS)
KX_DLIB(zstd, "libzstd.so." KX_STRINGIFY(ZSTD_VERSION_MAJOR), ZSTD_FUNCS)
KX_DLIB(lz4, "liblz4.so." KX_STRINGIFY(LZ4_VERSION_MAJOR), LZ4_FUNCS)

/*
 * What each decompressor's error says happened, in words and as an errno:
 * memory ran out (-ENOMEM: the file is fine), the data is corrupt or cut
 * short (-EINVAL), or it asks for something the library does not do
 * (-ENOTSUP).  Never "corrupt" for a lack of memory.
 */
static int zlib_error(char *errmsg, int zr, const char *zmsg)
{
	switch (zr) {
	case Z_MEM_ERROR:
		return kx_err(errmsg, -ENOMEM, "out of memory decompressing gzip data");
	case Z_BUF_ERROR:
		return kx_err(errmsg, -EINVAL, "truncated gzip data");
	case Z_NEED_DICT:
		return kx_err(errmsg, -ENOTSUP, "gzip data that needs a preset dictionary");
	case Z_VERSION_ERROR:
		return kx_err(errmsg, -ENOTSUP, "zlib is not the version kexport was built with");
	case Z_STREAM_ERROR:
		return kx_err(errmsg, -EINVAL, "zlib refused its stream state (zlib error %d)", zr);
	default:
		return kx_err(errmsg, -EINVAL, "corrupt gzip data (%s)", zmsg ? zmsg : "inflate failed");
	}
}

static int xz_error(char *errmsg, lzma_ret lr)
{
	switch (lr) {
	case LZMA_MEM_ERROR:
		return kx_err(errmsg, -ENOMEM, "out of memory decompressing xz data");
	case LZMA_MEMLIMIT_ERROR:
		return kx_err(errmsg, -EINVAL, "xz dictionary too large (over 256 MiB)");
	case LZMA_FORMAT_ERROR:
		return kx_err(errmsg, -EINVAL, "not xz data");
	case LZMA_OPTIONS_ERROR:
		return kx_err(errmsg, -ENOTSUP, "xz data with options liblzma does not support");
	case LZMA_UNSUPPORTED_CHECK:
		return kx_err(errmsg, -ENOTSUP, "xz data with an integrity check liblzma does not support");
	case LZMA_BUF_ERROR:
		return kx_err(errmsg, -EINVAL, "truncated xz data");
	case LZMA_DATA_ERROR:
		return kx_err(errmsg, -EINVAL, "corrupt xz data");
	default:
		return kx_err(errmsg, -EINVAL, "xz data liblzma could not decode (liblzma error %d)",
		              (int)lr);
	}
}

static int zstd_error(char *errmsg, size_t zr)
{
	switch (zstd.ZSTD_getErrorCode(zr)) {
	case ZSTD_error_memory_allocation:
		return kx_err(errmsg, -ENOMEM, "out of memory decompressing zstd data");
	case ZSTD_error_frameParameter_windowTooLarge:
		return kx_err(errmsg, -EINVAL, "zstd window too large (over 128 MiB)");
	case ZSTD_error_prefix_unknown:
		return kx_err(errmsg, -EINVAL, "not zstd data");
	case ZSTD_error_frameParameter_unsupported:
	case ZSTD_error_version_unsupported:
	case ZSTD_error_dictionary_wrong:
		return kx_err(errmsg, -ENOTSUP, "zstd data with parameters libzstd does not support (%s)",
		              zstd.ZSTD_getErrorName(zr));
	case ZSTD_error_srcSize_wrong:
		return kx_err(errmsg, -EINVAL, "truncated zstd data");
	default:
		return kx_err(errmsg, -EINVAL, "corrupt zstd data (%s)", zstd.ZSTD_getErrorName(zr));
	}
}

static int inflate_gzip(const uint8_t *in, size_t in_len, struct outbuf *o, char *errmsg)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (!zlib_ready(errmsg))
		return -ENOPKG;
	/* inflateInit2() */
	int zi = zlib.inflateInit2_(&z, 16 + MAX_WBITS, ZLIB_VERSION, (int)sizeof(z_stream));
	if (zi != Z_OK)
		return zlib_error(errmsg, zi, z.msg);
	int ret = 0;
	size_t left = in_len;
	z.next_in = (Bytef *)in;
	for (;;) {
		if ((ret = outbuf_reserve(o, 1 << 20, errmsg)) < 0)
			break;
		uInt chunk = left > (1u << 30) ? 1u << 30 : (uInt)left;
		z.avail_in = chunk;
		z.next_out = o->p + o->len;
		z.avail_out = (uInt)(o->cap - o->len);
		int zr = zlib.inflate(&z, Z_NO_FLUSH);
		o->len = o->cap - z.avail_out;
		left -= chunk - z.avail_in;
		if (zr == Z_STREAM_END) {
			ret = 0;
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			ret = zlib_error(errmsg, zr, z.msg);
			break;
		}
		if (zr == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
			ret = zlib_error(errmsg, Z_BUF_ERROR, NULL);
			break;
		}
	}
	zlib.inflateEnd(&z);
	return ret;
}

/*
 * liblzma allocates the whole dictionary (32 MiB for kernel images) and
 * fills it as it decodes: on huge pages that is 16 page faults, not 8192.
 * Each block has a header: its mapped size, or 0 for malloc.
 */
#define XZ_HDR 16
#define XZ_HUGE_MIN ((size_t)4 << 20)

static void *xz_alloc(void *opaque, size_t nmemb, size_t size)
{
	(void)opaque;
	if (size && nmemb > (SIZE_MAX - XZ_HDR - ((size_t)2 << 20)) / size)
		return NULL;
	size_t n = nmemb * size;
	uint8_t *p = NULL;
	size_t mapped = 0;
	if (n >= XZ_HUGE_MIN) {
		mapped = (n + XZ_HDR + ((size_t)2 << 20) - 1) & ~(((size_t)2 << 20) - 1);
		p = kx_map_huge(mapped);
	}
	if (!p) {
		mapped = 0;
		p = malloc(n + XZ_HDR);
		if (!p)
			return NULL;
	}
	memcpy(p, &mapped, sizeof(mapped));
	return p + XZ_HDR;
}

static void xz_free(void *opaque, void *ptr)
{
	(void)opaque;
	if (!ptr)
		return;
	uint8_t *p = (uint8_t *)ptr - XZ_HDR;
	size_t mapped;
	memcpy(&mapped, p, sizeof(mapped));
	if (mapped)
		munmap(p, mapped);
	else
		free(p);
}

static const lzma_allocator xz_allocator = { xz_alloc, xz_free, NULL };

static int decode_xz(const uint8_t *in, size_t in_len, struct outbuf *o, char *errmsg)
{
	lzma_stream s = LZMA_STREAM_INIT;
	s.allocator = &xz_allocator;
	if (!xz_ready(errmsg))
		return -ENOPKG;
	/* Kernel images use at most a 32 MiB dictionary; a hostile header can ask for 4 GiB. */
	lzma_ret li = xz.lzma_stream_decoder(&s, (uint64_t)256 << 20, 0);
	if (li != LZMA_OK)
		return xz_error(errmsg, li);
	int ret = 0;
	s.next_in = in;
	s.avail_in = in_len;
	for (;;) {
		if ((ret = outbuf_reserve(o, 1 << 20, errmsg)) < 0)
			break;
		s.next_out = o->p + o->len;
		s.avail_out = o->cap - o->len;
		lzma_ret lr = xz.lzma_code(&s, s.avail_in ? LZMA_RUN : LZMA_FINISH);
		o->len = o->cap - s.avail_out;
		if (lr == LZMA_STREAM_END)
			break;
		if (lr != LZMA_OK) {
			ret = xz_error(errmsg, lr);
			break;
		}
	}
	xz.lzma_end(&s);
	return ret;
}

static int decode_zstd(const uint8_t *in, size_t in_len, struct outbuf *o, char *errmsg)
{
	if (!zstd_ready(errmsg))
		return -ENOPKG;
	ZSTD_DStream *ds = zstd.ZSTD_createDStream();
	if (!ds)
		return kx_err(errmsg, -ENOMEM, "libzstd init failed");
	/*
	 * Kernel images and modules use windows of at most 2^27 (128 MiB); a
	 * larger one in a hostile frame would only cost memory.
	 */
	zstd.ZSTD_DCtx_setParameter(ds, ZSTD_d_windowLogMax, 27);
	int ret = 0;
	/*
	 * With the size known (a kernel image's appended size), one frame is
	 * decoded in one call straight into the output: zstd then needs no
	 * window buffer of its own, which for a kernel image was as large as
	 * the image itself (peak RSS of reading Debian 13's bzImage 126 -> 70
	 * MiB).  A wrong size falls back to streaming.
	 */
	if (o->hint && (ret = outbuf_reserve(o, o->hint, errmsg)) == 0) {
		size_t fl = zstd.ZSTD_findFrameCompressedSize(in, in_len);
		size_t zr = zstd.ZSTD_isError(fl) ? fl : zstd.ZSTD_decompressDCtx(ds, o->p, o->cap, in, fl);
		if (!zstd.ZSTD_isError(zr)) {
			o->len = zr;
			zstd.ZSTD_freeDStream(ds);
			return 0;
		}
		o->len = 0;
		zstd.ZSTD_freeDStream(ds);
		if (!(ds = zstd.ZSTD_createDStream()))
			return kx_err(errmsg, -ENOMEM, "libzstd init failed");
		zstd.ZSTD_DCtx_setParameter(ds, ZSTD_d_windowLogMax, 27);
	}
	ret = 0;
	ZSTD_inBuffer ib = { in, in_len, 0 };
	for (;;) {
		if ((ret = outbuf_reserve(o, 1 << 20, errmsg)) < 0)
			break;
		ZSTD_outBuffer ob = { o->p, o->cap, o->len };
		size_t zr = zstd.ZSTD_decompressStream(ds, &ob, &ib);
		o->len = ob.pos;
		if (zstd.ZSTD_isError(zr)) {
			ret = zstd_error(errmsg, zr);
			break;
		}
		if (zr == 0)
			break; /* end of frame */
		if (ib.pos == ib.size && ob.pos < ob.size) {
			ret = kx_err(errmsg, -EINVAL, "truncated zstd data");
			break;
		}
	}
	zstd.ZSTD_freeDStream(ds);
	return ret;
}

/*
 * The legacy lz4 format the kernel's image compressor writes: a magic number,
 * then blocks of (le32 compressed size, data), each decompressing to at most
 * 8 MiB; a block size that is the magic again, or the end, finishes it.
 */
static int decode_lz4_legacy(const uint8_t *in, size_t in_len, struct outbuf *o,
                             char *errmsg)
{
	const size_t block_max = 8 << 20;
	size_t pos = 4;
	if (kx_get32(in, false) != 0x184c2102u)
		return kx_err(errmsg, -ENOTSUP, "lz4 frame format is not supported, only legacy");
	if (!lz4_ready(errmsg))
		return -ENOPKG;
	while (pos + 4 <= in_len) {
		uint32_t bsize = kx_get32(in + pos, false);
		if (bsize == 0x184c2102u) {
			pos += 4;
			continue;
		}
		pos += 4;
		if (bsize == 0 || bsize > in_len - pos ||
		    bsize > (uint32_t)lz4.LZ4_compressBound((int)block_max))
			break; /* trailing data after the last block */
		int r = outbuf_reserve(o, block_max, errmsg);
		if (r < 0)
			return r;
		int n = lz4.LZ4_decompress_safe((const char *)in + pos, (char *)o->p + o->len,
		                            (int)bsize, (int)block_max);
		if (n < 0)
			return kx_err(errmsg, -EINVAL, "corrupt lz4 data");
		o->len += (size_t)n;
		pos += bsize;
	}
	if (o->len == 0)
		return kx_err(errmsg, -EINVAL, "truncated lz4 data");
	return 0;
}

/*
 * The size the data says it decompresses to, from its own headers: xz's
 * index, zstd's frame header, gzip's ISIZE; 0 when it does not say.
 */
static size_t plain_size(enum kexport_compression c, const uint8_t *in, size_t len)
{
	switch (c) {
	case KEXPORT_COMP_XZ: {
		lzma_stream_flags f;
		if (len < 2 * LZMA_STREAM_HEADER_SIZE || !xz_ready(NULL) ||
		    xz.lzma_stream_footer_decode(&f, in + len - LZMA_STREAM_HEADER_SIZE) != LZMA_OK ||
		    f.backward_size > len - 2 * LZMA_STREAM_HEADER_SIZE)
			return 0;
		lzma_index *idx = NULL;
		uint64_t memlimit = (uint64_t)16 << 20;
		size_t pos = 0;
		const uint8_t *at = in + len - LZMA_STREAM_HEADER_SIZE - f.backward_size;
		if (xz.lzma_index_buffer_decode(&idx, &memlimit, &xz_allocator, at, &pos,
		                                (size_t)f.backward_size) != LZMA_OK)
			return 0;
		uint64_t n = xz.lzma_index_uncompressed_size(idx);
		xz.lzma_index_end(idx, &xz_allocator);
		return n <= KX_DECOMPRESS_LIMIT ? (size_t)n : 0;
	}
	case KEXPORT_COMP_ZSTD: {
		if (!zstd_ready(NULL))
			return 0;
		unsigned long long n = zstd.ZSTD_getFrameContentSize(in, len);
		return n <= KX_DECOMPRESS_LIMIT ? (size_t)n : 0; /* the error values are huge */
	}
	case KEXPORT_COMP_GZIP:
		return len >= 18 ? kx_get32(in + len - 4, false) : 0; /* mod 2^32: a hint */
	default:
		return 0;
	}
}

/*
 * Decompressed sources held at once, across threads.  A tree's modules are
 * decompressed whole, one a thread; Debian 13's largest (amdgpu, 28 MiB)
 * with another thread's next largest made the audit's peak.  A thread whose
 * module would take the total past the budget waits until the others'
 * fit, unless it holds nothing and nobody else does (a module larger than
 * the budget runs alone).  Most modules are under 1 MiB and never wait.
 */
#define PLAIN_BUDGET ((size_t)24 << 20)
static pthread_mutex_t budget_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t budget_freed = PTHREAD_COND_INITIALIZER;
static size_t budget_used;
static _Thread_local size_t budget_mine;

static void budget_take(size_t n)
{
	pthread_mutex_lock(&budget_lock);
	/* A thread that holds some already never waits: it could wait on itself. */
	while (budget_mine == 0 && budget_used > 0 && n > PLAIN_BUDGET - budget_used)
		pthread_cond_wait(&budget_freed, &budget_lock);
	budget_used += n;
	budget_mine += n;
	pthread_mutex_unlock(&budget_lock);
}

static void budget_give(size_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&budget_lock);
	budget_used -= n;
	budget_mine -= n;
	pthread_cond_broadcast(&budget_freed);
	pthread_mutex_unlock(&budget_lock);
}

int kx_decompress(enum kexport_compression c, const uint8_t *in, size_t in_len,
                  size_t limit, uint8_t **out, size_t *out_len, char *errmsg)
{
	return kx_decompress_sized(c, in, in_len, limit, 0, out, out_len, errmsg);
}

int kx_decompress_sized(enum kexport_compression c, const uint8_t *in, size_t in_len,
                        size_t limit, size_t hint, uint8_t **out, size_t *out_len,
                        char *errmsg)
{
	struct outbuf o = { NULL, 0, 0, limit ? limit : KX_DECOMPRESS_LIMIT, hint };
	int r;
	switch (c) {
	case KEXPORT_COMP_GZIP: r = inflate_gzip(in, in_len, &o, errmsg); break;
	case KEXPORT_COMP_XZ: r = decode_xz(in, in_len, &o, errmsg); break;
	case KEXPORT_COMP_ZSTD: r = decode_zstd(in, in_len, &o, errmsg); break;
	case KEXPORT_COMP_LZ4: r = decode_lz4_legacy(in, in_len, &o, errmsg); break;
	default: r = kx_err(errmsg, -ENOTSUP, "unknown compression");
	}
	if (r < 0) {
		free(o.p);
		return r;
	}
	*out = o.p;
	*out_len = o.len;
	return 0;
}

int kx_src_open_plain(struct kx_src *src, const char *path, unsigned flags,
                      enum kexport_compression *comp, char *errmsg)
{
	return kx_src_open_plain_at(src, AT_FDCWD, path, path, flags, comp, errmsg);
}

int kx_src_open_plain_at(struct kx_src *src, int at, const char *rel, const char *path,
                         unsigned flags, enum kexport_compression *comp, char *errmsg)
{
	int r = kx_src_open_at(src, at, rel, path, flags, errmsg);
	if (r < 0)
		return r;
	uint8_t magic[6] = { 0 };
	size_t mlen = src->size < sizeof(magic) ? (size_t)src->size : sizeof(magic);
	if ((r = kx_src_read(src, 0, mlen, magic, errmsg)) < 0)
		goto fail;
	*comp = kx_detect_compression(magic, mlen);
	if (*comp == KEXPORT_COMP_NONE)
		return 0;
	if (src->size > KX_DECOMPRESS_LIMIT) {
		r = kx_err(errmsg, -EINVAL, "compressed file too large");
		goto fail;
	}
	const uint8_t *in = kx_src_peek(src, 0, src->size);
	uint8_t *buf = NULL;
	if (!in) {
		if (!(buf = malloc(src->size ? src->size : 1))) {
			r = kx_err(errmsg, -ENOMEM, "out of memory");
			goto fail;
		}
		kx_prefault(buf, src->size);
		if ((r = kx_src_read(src, 0, src->size, buf, errmsg)) < 0) {
			free(buf);
			goto fail;
		}
		in = buf;
	}
	uint8_t *out;
	size_t out_len;
	/* Its size, for one allocation and the budget (a guess of 4x the
	 * compressed size when the data does not say). */
	size_t hint = plain_size(*comp, in, (size_t)src->size);
	/* A header is the file's word: past 32x its size (modules compress
	 * 3-5x) it is not taken, so that a hostile one reserves nothing. */
	if (hint / 32 > src->size)
		hint = 0;
	size_t held = hint ? hint : (size_t)src->size * 4;
	budget_take(held);
	r = kx_decompress_sized(*comp, in, src->size, 0, hint, &out, &out_len, errmsg);
	free(buf);
	if (r < 0) {
		budget_give(held);
		goto fail;
	}
	/* From here on, the source is the decompressed buffer. */
	const char *p = src->path;
	kx_src_close(src);
	kx_src_open_mem(src, out, out_len, p);
	src->owned = out;
	src->budget = held;
	return 0;
fail:
	kx_src_close(src);
	return r;
}
