/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by every reader: error formatting, growable arrays,
 * a string arena, hashing and whole-file reads for text inputs.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dlfcn.h>

#include "libkexport-internal.h"

int kx_err(char *errmsg, int err, const char *fmt, ...)
{
	if (errmsg) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errmsg, KEXPORT_ERRMSG_MAX, fmt, ap);
		va_end(ap);
		/* Messages quote names from hostile files: keep them on one line. */
		for (char *c = errmsg; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
	return err;
}

void kx_vec_init(struct kx_vec *v, size_t item_size)
{
	v->items = NULL;
	v->n = v->cap = 0;
	v->item_size = item_size;
}

void *kx_vec_push(struct kx_vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->items, cap * v->item_size);
		if (!p)
			return NULL;
		/* the new half is filled next: its pages faulted in one call */
		kx_prefault((char *)p + v->n * v->item_size, (cap - v->n) * v->item_size);
		v->items = p;
		v->cap = cap;
	}
	void *slot = (char *)v->items + v->n++ * v->item_size;
	memset(slot, 0, v->item_size);
	return slot;
}

void kx_vec_free(struct kx_vec *v)
{
	free(v->items);
	kx_vec_init(v, v->item_size);
}

/*
 * Memory.  Page faults dominate reading thousands of modules: on the
 * machines kexport is measured on, faulting in one 4 KiB page costs about
 * 10 us, as much as a few syscalls, while a transparent huge page costs
 * about 0.3 us per 4 KiB.  So memory that is touched in bulk comes from
 * 2 MiB-aligned mappings advised for huge pages, and the per-module
 * buffers of the worker threads are reused rather than freed and faulted
 * in again.
 */
#define KX_HUGE ((size_t)2 << 20)

static void *map_aligned(size_t size, int flags)
{
	size_t len = size + KX_HUGE;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uint8_t *a = (uint8_t *)(((uintptr_t)p + KX_HUGE - 1) & ~(uintptr_t)(KX_HUGE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + size < p + len)
		munmap(a + size, (size_t)(p + len - (a + size)));
#ifdef MADV_HUGEPAGE
	madvise(a, size, MADV_HUGEPAGE);
#endif
	return a;
}

void *kx_map_huge(size_t size)
{
	return map_aligned(size, 0);
}

/*
 * The threads' chunks and scratch come from one reservation of address
 * space, made once (64-bit only): taking one is then adding to an offset,
 * not an mmap(), a munmap() of the alignment slack and an madvise().  Those
 * take the address space's lock for writing, and in an audit a reader
 * thread waited up to 0.9 ms for one while another thread prefaulted.  The
 * reservation is never reused: once it is used up (a long-running program,
 * many threads), mappings are made one by one as before.  Untouched, it
 * costs no memory; under strict overcommit (vm.overcommit_memory = 2) it
 * would be charged whole, so there it is not made.
 */
#define KX_REGION_SIZE ((size_t)128 << 20)
static uint8_t *region;
static atomic_size_t region_used;
static pthread_once_t region_once = PTHREAD_ONCE_INIT;

static void region_init(void)
{
	if (sizeof(void *) < 8)
		return;
	char mode = '0';
	int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &mode, 1) != 1)
			mode = '0';
		close(fd);
	}
	if (mode != '2')
		region = map_aligned(KX_REGION_SIZE, MAP_NORESERVE);
}

/* size: whole huge pages */
static void *region_alloc(size_t size)
{
	pthread_once(&region_once, region_init);
	if (region && size <= KX_REGION_SIZE) {
		size_t off = atomic_fetch_add(&region_used, size);
		if (off <= KX_REGION_SIZE - size)
			return region + off;
	}
	return kx_map_huge(size);
}

static bool in_region(const void *p)
{
	return region && (const uint8_t *)p >= region && (const uint8_t *)p < region + KX_REGION_SIZE;
}

/*
 * Fault in [p, p+len) in one call before filling it: 1.3 us a page instead
 * of 10 us for a fault each (Linux 5.14+; elsewhere it does nothing).
 */
void kx_prefault(void *p, size_t len)
{
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
	const uintptr_t page = 4096;
	uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + len) & ~(page - 1);
	if (len >= ((size_t)64 << 10) && hi > lo) {
		int e = errno;
		madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
		errno = e;
	}
}

void kx_sort_unless_sorted(void *base, size_t n, size_t size,
                           int (*cmp)(const void *, const void *))
{
	const char *b = base;
	for (size_t i = 1; i < n; i++)
		if (cmp(b + (i - 1) * size, b + i * size) > 0) {
			qsort(base, n, size, cmp);
			return;
		}
}

/* Rounded up to whole huge pages. */
static size_t huge_round(size_t size)
{
	return (size + KX_HUGE - 1) & ~(KX_HUGE - 1);
}

/*
 * Per-thread state, live between kx_thread_mem_enter() and _leave():
 *  - scratch: one reusable region for the buffers of one open source at a
 *    time (kx_src_tmp()), reset when that source closes;
 *  - slab: the current chunk that sealed arenas (module models) are carved
 *    from; chunks are reference-counted by the arena blocks in them.
 */
#define KX_SCRATCH_SIZE ((size_t)8 << 20)
#define KX_CHUNK_SIZE KX_HUGE

struct kx_chunk {
	atomic_size_t refs;
	size_t size;
};

struct thread_mem {
	int depth;
	uint8_t *scratch;
	size_t scratch_used, scratch_high; /* in use now; touched (the most ever used) */
	const void *scratch_owner;
	struct kx_chunk *chunk;   /* the slab's chunk; it holds one ref */
	size_t chunk_used;
	struct kx_arena *lent;    /* the arena whose open block is the chunk's tail */
};

static _Thread_local struct thread_mem tm;

/* Where a chunk's blocks start: after its header. */
#define KX_CHUNK_HDR ((sizeof(struct kx_chunk) + 15) & ~(size_t)15)

/* A chunk's header at the start of the huge page p, one reference held. */
static struct kx_chunk *chunk_init(void *p)
{
	struct kx_chunk *c = p;
	atomic_init(&c->refs, 1);
	c->size = KX_CHUNK_SIZE;
	return c;
}

static void chunk_unref(struct kx_chunk *c)
{
	if (atomic_fetch_sub(&c->refs, 1) == 1)
		munmap(c, c->size);
}

/*
 * Huge pages already touched, kept for the next thread that needs a chunk:
 * the free tail of a chunk a thread leaves, and the first huge page of its
 * scratch.  The kernel zeroes each new huge page, and right after another
 * program ran that was the largest single cost of an audit (a tenth of its
 * CPU time for 15 pages); the verdict threads that follow the readers take
 * these instead.  A few at most are kept, one reference each.
 */
#define KX_SPARES 4
static struct spare {
	struct kx_chunk *chunk;
	size_t used;
} spares[KX_SPARES];
static size_t n_spares;
static pthread_mutex_t spares_lock = PTHREAD_MUTEX_INITIALIZER;

/* Keep c (one reference, `used` bytes taken) for later, or let it go. */
static void spare_put(struct kx_chunk *c, size_t used)
{
	if (KX_CHUNK_SIZE - used >= KX_CHUNK_SIZE / 8) {
		pthread_mutex_lock(&spares_lock);
		bool kept = n_spares < KX_SPARES;
		if (kept)
			spares[n_spares++] = (struct spare){ c, used };
		pthread_mutex_unlock(&spares_lock);
		if (kept)
			return;
	}
	chunk_unref(c);
}

static bool spare_get(struct kx_chunk **c, size_t *used)
{
	pthread_mutex_lock(&spares_lock);
	bool got = n_spares > 0;
	if (got) {
		*c = spares[--n_spares].chunk;
		*used = spares[n_spares].used;
	}
	pthread_mutex_unlock(&spares_lock);
	return got;
}

void kx_thread_mem_enter(void)
{
	tm.depth++;
}

void kx_thread_mem_leave(void)
{
	if (--tm.depth > 0)
		return;
	if (tm.lent)
		kx_arena_seal(tm.lent);
	if (tm.chunk)
		spare_put(tm.chunk, tm.chunk_used);
	if (tm.scratch && tm.scratch_high && tm.scratch_high <= KX_CHUNK_SIZE) {
		/* Its first huge page, the only one touched, becomes a chunk; the
		 * rest was never touched (in the reservation, left as it is). */
		if (!in_region(tm.scratch))
			munmap(tm.scratch + KX_CHUNK_SIZE, KX_SCRATCH_SIZE - KX_CHUNK_SIZE);
		spare_put(chunk_init(tm.scratch), KX_CHUNK_HDR);
	} else if (tm.scratch) {
		munmap(tm.scratch, KX_SCRATCH_SIZE);
	}
	memset(&tm, 0, sizeof(tm));
}

KX_EXPORT void kexport_thread_begin(void)
{
	kx_thread_mem_enter();
}

KX_EXPORT void kexport_thread_end(void)
{
	kx_thread_mem_leave();
}

void *kx_scratch_alloc(const void *owner, size_t size)
{
	if (tm.depth <= 0 || (tm.scratch_owner && tm.scratch_owner != owner))
		return NULL;
	size = (size + 15) & ~(size_t)15;
	if (!tm.scratch && !(tm.scratch = region_alloc(KX_SCRATCH_SIZE)))
		return NULL;
	if (size > KX_SCRATCH_SIZE - tm.scratch_used)
		return NULL;
	tm.scratch_owner = owner;
	void *p = tm.scratch + tm.scratch_used;
	tm.scratch_used += size;
	if (tm.scratch_used > tm.scratch_high)
		tm.scratch_high = tm.scratch_used;
	return p;
}

void kx_scratch_release(const void *owner)
{
	if (tm.scratch_owner == owner) {
		tm.scratch_owner = NULL;
		tm.scratch_used = 0;
	}
}

/*
 * Arena blocks: malloc'd (small arenas grow from 1 KiB), mapped (big ones,
 * from 1 MiB up, on huge pages) or carved from the thread's slab chunk.
 */
enum { BLOCK_MALLOC, BLOCK_MAPPED, BLOCK_CHUNK };

struct kx_arena_block {
	struct kx_arena_block *next;
	size_t used, cap;
	struct kx_chunk *chunk; /* BLOCK_CHUNK */
	size_t total;           /* whole allocation, for BLOCK_MAPPED */
	int how;
	_Alignas(16) unsigned char data[];
};

#define BLOCK_HDR ((sizeof(struct kx_arena_block) + 15) & ~(size_t)15)
#define KX_ARENA_MAPPED_MIN ((size_t)1 << 20)

/* Give the unused tail of the arena's open chunk block back to the slab. */
void kx_arena_seal(struct kx_arena *a)
{
	if (tm.lent != a)
		return;
	struct kx_arena_block *b = a->head;
	b->cap = (b->used + 15) & ~(size_t)15;
	tm.chunk_used = (size_t)(b->data + b->cap - (unsigned char *)tm.chunk);
	tm.lent = NULL;
}

void kx_arena_move(struct kx_arena *dst, struct kx_arena *src)
{
	*dst = *src;
	if (tm.lent == src)
		tm.lent = dst;
	memset(src, 0, sizeof(*src));
}

static struct kx_arena_block *chunk_block(struct kx_arena *a, size_t size)
{
	if (tm.lent)
		kx_arena_seal(tm.lent);
	size_t need = BLOCK_HDR + size;
	if (!tm.chunk || KX_CHUNK_SIZE - tm.chunk_used < need) {
		struct kx_chunk *c = NULL;
		size_t used = 0;
		if (spare_get(&c, &used) && KX_CHUNK_SIZE - used < need) {
			chunk_unref(c); /* a block this big is rare: a fresh chunk */
			c = NULL;
		}
		if (!c) {
			void *p = region_alloc(KX_CHUNK_SIZE);
			if (!p)
				return NULL;
			c = chunk_init(p);
			used = KX_CHUNK_HDR;
		}
		if (tm.chunk)
			chunk_unref(tm.chunk);
		tm.chunk = c;
		tm.chunk_used = used;
	}
	struct kx_arena_block *b = (struct kx_arena_block *)((uint8_t *)tm.chunk + tm.chunk_used);
	b->used = 0;
	b->cap = KX_CHUNK_SIZE - tm.chunk_used - BLOCK_HDR;
	b->chunk = tm.chunk;
	b->how = BLOCK_CHUNK;
	atomic_fetch_add(&tm.chunk->refs, 1);
	tm.lent = a;
	return b;
}

void *kx_arena_alloc_aligned(struct kx_arena *a, size_t size, size_t align)
{
	struct kx_arena_block *b = a->head;
	size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;
	if (!b || at > b->cap || b->cap - at < size) {
		if (b && tm.lent == a)
			kx_arena_seal(a);
		struct kx_arena_block *nb = NULL;
		size_t grown = a->grown ? a->grown * 2 : 1024;
		if (a->slab && tm.depth > 0 && size <= KX_CHUNK_SIZE / 8)
			nb = chunk_block(a, size);
		if (!nb) {
			size_t cap = size > grown ? size : grown;
			if (cap >= KX_ARENA_MAPPED_MIN) {
				size_t total = huge_round(BLOCK_HDR + cap);
				nb = kx_map_huge(total);
				if (nb) {
					nb->how = BLOCK_MAPPED;
					nb->total = total;
					cap = total - BLOCK_HDR;
				}
			}
			if (!nb) {
				nb = malloc(BLOCK_HDR + cap);
				if (!nb)
					return NULL;
				/* A big block is filled soon: its pages faulted in one call. */
				kx_prefault(nb, BLOCK_HDR + cap);
				nb->how = BLOCK_MALLOC;
			}
			nb->used = 0;
			nb->cap = cap;
			nb->chunk = NULL;
			a->grown = grown < KX_ARENA_MAPPED_MIN ? grown : KX_ARENA_MAPPED_MIN;
		}
		nb->next = b;
		a->head = b = nb;
		at = 0;
	}
	void *p = b->data + at;
	b->used = at + size;
	return p;
}

void *kx_arena_alloc(struct kx_arena *a, size_t size)
{
	return kx_arena_alloc_aligned(a, size, 16);
}

const char *kx_arena_strndup(struct kx_arena *a, const char *s, size_t len)
{
	char *p = kx_arena_alloc_aligned(a, len + 1, 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

const char *kx_arena_strdup(struct kx_arena *a, const char *s)
{
	return kx_arena_strndup(a, s, strlen(s));
}

void kx_arena_free(struct kx_arena *a)
{
	if (tm.lent == a) { /* unsealed: its open block goes back to the slab whole */
		struct kx_arena_block *b = a->head;
		tm.chunk_used = (size_t)((uint8_t *)b - (uint8_t *)tm.chunk);
		tm.lent = NULL;
	}
	struct kx_arena_block *b = a->head;
	while (b) {
		struct kx_arena_block *next = b->next;
		if (b->how == BLOCK_CHUNK)
			chunk_unref(b->chunk);
		else if (b->how == BLOCK_MAPPED)
			munmap(b, b->total);
		else
			free(b);
		b = next;
	}
	a->head = NULL;
	a->grown = 0;
}

/* KX_DLIB (libkexport-internal.h): open the library once, find every name. */
bool kx_no_fds(int err)
{
	return err == EMFILE || err == ENFILE;
}

bool kx_fds_wait(int *tries)
{
	if (*tries >= 200)
		return false;
	(*tries)++;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	return true;
}

bool kx_dlib_ready(struct kx_dlib *d, char *errmsg)
{
	int st = atomic_load_explicit(&d->state, memory_order_acquire);
	if (st == 0) {
		pthread_mutex_lock(&d->lock);
		if ((st = atomic_load_explicit(&d->state, memory_order_relaxed)) == 0) {
			void *h = dlopen(d->soname, RTLD_NOW | RTLD_LOCAL);
			const char *why = h ? NULL : dlerror();
			/* Out of descriptors for a moment: a failure here would
			 * stay for the whole run, so it is waited out.  dlerror()
			 * has no errno, only its text. */
			for (int tries = 0; !h && why && strstr(why, strerror(EMFILE)) &&
			                    kx_fds_wait(&tries);) {
				h = dlopen(d->soname, RTLD_NOW | RTLD_LOCAL);
				why = h ? NULL : dlerror();
			}
			st = 1;
			if (!h) {
				snprintf(d->error, sizeof(d->error), "cannot load %s: %s", d->soname,
				         why ? why : "dlopen failed");
				st = 2;
			}
			for (size_t i = 0; st == 1 && d->names[i]; i++) {
				void *sym = dlsym(h, d->names[i]);
				if (!sym) {
					snprintf(d->error, sizeof(d->error), "%s has no %s", d->soname,
					         d->names[i]);
					st = 2;
				} else {
					d->set(i, sym);
				}
			}
			atomic_store_explicit(&d->state, st, memory_order_release);
		}
		pthread_mutex_unlock(&d->lock);
	}
	if (st == 1)
		return true;
	if (errmsg)
		kx_err(errmsg, -ENOPKG, "%s", d->error);
	return false;
}

/*
 * Symbol and section names, hashed a word at a time (a byte-at-a-time hash
 * showed in profiles of reading a module tree); the mix is murmur3's.
 */
uint32_t kx_hash(const char *s)
{
	return kx_hash_len(s, strlen(s));
}

uint32_t kx_hash_len(const char *s, size_t len)
{
	size_t total = len;
	const char *end = s + len;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
	for (; len > 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	/* the last 1..8 bytes, in whole loads (byte stores then a word load stall) */
	if (total >= 8) {
		memcpy(&w, end - 8, 8);
	} else if (len >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, end - 4, 4);
		w = a | (uint64_t)b << 32;
	} else {
		w = len ? (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << 8 |
		          (uint64_t)(unsigned char)s[len - 1] << 16
		        : 0;
	}
	h ^= w;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

int kx_read_file(const char *path, char **data, size_t *size, char *errmsg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kx_err(errmsg, -errno, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return kx_err(errmsg, -e, "cannot stat: %s", strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return kx_err(errmsg, -EISDIR, "is a directory");
	}
	/* Room for the file, the read that finds its end and the NUL: a regular
	 * file is read without growing the buffer (a 1.6 MB Module.symvers
	 * was copied to a buffer twice its size by that last read). */
	size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 2 : 65536;
	char *buf = malloc(cap);
	size_t len = 0;
	if (!buf) {
		close(fd);
		return kx_err(errmsg, -ENOMEM, "out of memory");
	}
	kx_prefault(buf, cap);
	for (;;) {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return kx_err(errmsg, -ENOMEM, "out of memory");
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			return kx_err(errmsg, -e, "read error: %s", strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*data = buf;
	*size = len;
	return 0;
}

bool kx_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool kx_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

KX_EXPORT void kexport_free(void *p)
{
	free(p);
}
