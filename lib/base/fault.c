/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fault injection, as SQLite's test suite does it: with
 * -Dfault_injection=true (tests only), the library's allocations and I/O
 * calls go through these functions (libkexport-internal.h renames the
 * calls), and a test makes the Nth one fail, with the errno it chooses.
 * The test then checks that the library returned an error, leaked nothing
 * and gave no wrong answer.  Without the option this file is empty.
 *
 * A countdown per kind: kx_fault_set(KX_FAULT_ALLOC, n, ...) makes the nth
 * allocation from now fail (and, persistent, every later one); 0 turns it
 * off.  kx_fault_calls() says how many calls were made since the last set,
 * kx_fault_fired() how many failed: a run that made fewer than n calls
 * never saw the fault and must give the uninjected answer.
 *
 * EINTR and short reads are injected too: the library must retry them, so
 * a run with one must give the same answer as a run without.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

/* The real calls here: the renaming macros are for the other files. */
#define KX_FAULT_IMPL
#include "libkexport-internal.h"

#ifdef KEXPORT_FAULT_INJECTION

struct countdown {
	atomic_long left;     /* calls before the failing one; < 0 off */
	atomic_ulong calls, fired;
	atomic_int err;       /* errno to fail with; KX_FAULT_SHORT: a short read */
	atomic_bool persistent;
};

static struct countdown faults[KX_FAULT_KINDS] = {
	[KX_FAULT_ALLOC] = { .left = -1 },
	[KX_FAULT_IO] = { .left = -1 },
};

void kx_fault_set(enum kx_fault_kind kind, long n, int err, bool persistent)
{
	struct countdown *c = &faults[kind];
	atomic_store(&c->left, n > 0 ? n - 1 : -1);
	atomic_store(&c->calls, 0);
	atomic_store(&c->fired, 0);
	atomic_store(&c->err, err);
	atomic_store(&c->persistent, persistent);
}

unsigned long kx_fault_calls(enum kx_fault_kind kind)
{
	return atomic_load(&faults[kind].calls);
}

unsigned long kx_fault_fired(enum kx_fault_kind kind)
{
	return atomic_load(&faults[kind].fired);
}

/* Whether an I/O call of class `can` (KX_FAULT_CAN_*) fails with `err` in
 * life: only calls that make a descriptor run out of them, only writes
 * find the disk full, only reads and writes are interrupted or cut short. */
static bool can_fail_with(unsigned can, int err)
{
	switch (err) {
	case 0:
	case EIO:
		return can & KX_FAULT_CAN_EIO;
	case EINTR:
	case KX_FAULT_SHORT:
		return can & KX_FAULT_CAN_RETRY;
	case EMFILE:
		return can & KX_FAULT_CAN_EMFILE;
	case ENOSPC:
		return can & KX_FAULT_CAN_ENOSPC;
	default:
		return true;
	}
}

/* 0: go ahead; else the errno to fail this call with.  An I/O call that
 * cannot fail with the chosen errno is not counted.  Also the hook of the
 * libraries' own allocators and I/O (lib/history/inject.c). */
int kx_fault_at(enum kx_fault_kind kind, unsigned can)
{
	struct countdown *c = &faults[kind];
	int want = atomic_load(&c->err);
	if (kind == KX_FAULT_IO && !can_fail_with(can, want))
		return 0;
	atomic_fetch_add(&c->calls, 1);
	long left = atomic_load(&c->left);
	if (left < 0)
		return 0;
	if (left > 0) {
		/* another thread may take the same slot: both then fail, fine */
		atomic_fetch_sub(&c->left, 1);
		return 0;
	}
	if (!atomic_load(&c->persistent))
		atomic_store(&c->left, -1);
	atomic_fetch_add(&c->fired, 1);
	return want ? want : (kind == KX_FAULT_ALLOC ? ENOMEM : EIO);
}

static int fault_now(enum kx_fault_kind kind)
{
	return kx_fault_at(kind, 0);
}

static int fault_io(unsigned can)
{
	return kx_fault_at(KX_FAULT_IO, can);
}

void *kx_fault_malloc(size_t n)
{
	if (fault_now(KX_FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(n);
}

void *kx_fault_calloc(size_t n, size_t size)
{
	if (fault_now(KX_FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return calloc(n, size);
}

void *kx_fault_realloc(void *p, size_t n)
{
	if (fault_now(KX_FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n);
}

char *kx_fault_strdup(const char *s)
{
	if (fault_now(KX_FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return strdup(s);
}

char *kx_fault_strndup(const char *s, size_t n)
{
	if (fault_now(KX_FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return strndup(s, n);
}

__attribute__((format(printf, 2, 0)))
int kx_fault_vasprintf(char **out, const char *fmt, va_list ap)
{
	if (fault_now(KX_FAULT_ALLOC)) {
		*out = NULL; /* glibc leaves it undefined; callers test the result */
		errno = ENOMEM;
		return -1;
	}
	return vasprintf(out, fmt, ap);
}

int kx_fault_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = kx_fault_vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}

void *kx_fault_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fault_now(KX_FAULT_ALLOC)) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return mmap(addr, len, prot, flags, fd, off);
}

/* An I/O call: fail with its errno, or let it through. */
#define IO_FAULT(can, ret)                               \
	do {                                             \
		int e_ = fault_io(can);                  \
		if (e_ && e_ != KX_FAULT_SHORT) {        \
			errno = e_;                      \
			return ret;                      \
		}                                        \
	} while (0)

/* open()'s third argument is there only when the flags create a file. */
static mode_t open_mode(int flags, va_list ap)
{
	return flags & (O_CREAT | O_TMPFILE) ? (mode_t)va_arg(ap, int) : 0;
}

int kx_fault_open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	IO_FAULT(KX_FAULT_OPEN | (flags & O_CREAT ? KX_FAULT_CAN_ENOSPC : 0), -1);
	return open(path, flags, mode);
}

int kx_fault_openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	IO_FAULT(KX_FAULT_OPEN | (flags & O_CREAT ? KX_FAULT_CAN_ENOSPC : 0), -1);
	return openat(dirfd, path, flags, mode);
}

/* A short read: at most half (at least one byte) of what was asked. */
static size_t short_len(size_t n, bool shorten)
{
	return shorten && n > 1 ? n / 2 : n;
}

ssize_t kx_fault_read(int fd, void *buf, size_t n)
{
	int e = fault_io(KX_FAULT_READ);
	if (e && e != KX_FAULT_SHORT) {
		errno = e;
		return -1;
	}
	return read(fd, buf, short_len(n, e == KX_FAULT_SHORT));
}

ssize_t kx_fault_pread(int fd, void *buf, size_t n, off_t off)
{
	int e = fault_io(KX_FAULT_READ);
	if (e && e != KX_FAULT_SHORT) {
		errno = e;
		return -1;
	}
	return pread(fd, buf, short_len(n, e == KX_FAULT_SHORT), off);
}

ssize_t kx_fault_write(int fd, const void *buf, size_t n)
{
	int e = fault_io(KX_FAULT_WRITE);
	if (e && e != KX_FAULT_SHORT) {
		errno = e;
		return -1;
	}
	return write(fd, buf, short_len(n, e == KX_FAULT_SHORT));
}

int kx_fault_fsync(int fd)
{
	IO_FAULT(KX_FAULT_SYNC, -1);
	return fsync(fd);
}

int kx_fault_rename(const char *from, const char *to)
{
	IO_FAULT(KX_FAULT_SYNC, -1);
	return rename(from, to);
}

ssize_t kx_fault_getdents64(int fd, void *buf, size_t n)
{
	int e = fault_io(KX_FAULT_READ);
	if (e && e != KX_FAULT_SHORT) {
		errno = e;
		return -1;
	}
	return getdents64(fd, buf, e == KX_FAULT_SHORT && n > 1024 ? 1024 : n);
}

#else

/* ISO C wants a translation unit to declare something. */
typedef int kx_fault_injection_off;

#endif
