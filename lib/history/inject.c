/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fault injection in SQLite, history's store (tests only: with
 * -DKEXPORT_FAULT_INJECTION; otherwise hist_inject_setup() does nothing).
 *
 * fault.c's countdown reaches kexport's own calls through renaming macros.
 * SQLite allocates and reads files in its own code, where no macro
 * reaches; it lets a program install its own allocator and its own file
 * layer, so its calls are counted and failed here the same way, as SQLite's
 * test suite does with its own (test_malloc.c, and a VFS shim like
 * test_vfstrace.c):
 *   - SQLite's memory, SQLITE_CONFIG_MALLOC (before SQLite is initialised);
 *   - SQLite's file I/O, a VFS over the default one made the default: open,
 *     delete, access, read, write, truncate, sync, size and the WAL index's
 *     shared memory.  A failure comes back as SQLite's code for that call
 *     (a write failing with ENOSPC is SQLITE_FULL), and the errno through
 *     xGetLastError, which sqlite3_system_errno() reports;
 *
 * libgit2 is not failed.  Its allocator can be replaced
 * (GIT_OPT_SET_ALLOCATOR), and was, but libgit2 1.5 (Debian 12) does not
 * survive its own allocation failures: at the 5th allocation of
 * git_repository_open_ext() it crashed in git_error_set(), at others it
 * said "could not find repository", and after a failed git_libgit2_init()
 * it never starts again in that process (libgit2 issue #5250: an
 * out-of-memory test allocator is still a wish there).  Its file I/O goes
 * through libc with no hook.  kexport's own calls around it are failed like
 * all others.
 *
 * Each call fails only with the errnos it can meet (a write with ENOSPC,
 * an open with EMFILE).  Interruptions and short reads are not injected
 * into SQLite: its unix layer retries EINTR itself, and a short read is a
 * real answer there (the end of the file).
 */
#include <malloc.h>
#include <pthread.h>
#include <sqlite3.h>

#include "history.h"

#ifdef KEXPORT_FAULT_INJECTION

/* SQLite's memory ---------------------------------------------------------- */

static void *sq_malloc(int n)
{
	return malloc((size_t)n);
}

static void sq_free(void *p)
{
	free(p);
}

static void *sq_realloc(void *p, int n)
{
	return realloc(p, (size_t)n);
}

static int sq_size(void *p)
{
	return p ? (int)malloc_usable_size(p) : 0;
}

static int sq_roundup(int n)
{
	return (n + 7) & ~7;
}

static int sq_init(void *arg)
{
	(void)arg;
	return SQLITE_OK;
}

static void sq_shutdown(void *arg)
{
	(void)arg;
}

static const sqlite3_mem_methods sq_mem = {
	sq_malloc, sq_free, sq_realloc, sq_size, sq_roundup, sq_init, sq_shutdown, NULL,
};

/* SQLite's files ----------------------------------------------------------- */

static sqlite3_vfs *real_vfs;

/* The errno of the last injected failure, for xGetLastError.  Only while
 * the current countdown has fired: a later run's real error is its own. */
static _Thread_local int injected_errno;

/* 0, or the errno this call fails with. */
static int io_fault(unsigned can)
{
	int e = kx_fault_at(KX_FAULT_IO, can);
	if (e)
		injected_errno = errno = e;
	return e;
}

struct fault_file {
	sqlite3_file base;
	sqlite3_file *real; /* SQLite gives szOsFile bytes: the real one follows */
};

#define REAL(f) (((struct fault_file *)(f))->real)

static int ff_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
	f->pMethods = NULL;
	return rc;
}

static int ff_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	if (io_fault(KX_FAULT_CAN_EIO))
		return SQLITE_IOERR_READ;
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int ff_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	int e = io_fault(KX_FAULT_CAN_EIO | KX_FAULT_CAN_ENOSPC);
	if (e)
		return e == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (io_fault(KX_FAULT_CAN_EIO))
		return SQLITE_IOERR_TRUNCATE;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int ff_sync(sqlite3_file *f, int flags)
{
	int e = io_fault(KX_FAULT_SYNC);
	if (e)
		return e == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int ff_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	if (io_fault(KX_FAULT_CAN_EIO))
		return SQLITE_IOERR_FSTAT;
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int ff_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int ff_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int ff_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int ff_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int ff_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int ff_device_characteristics(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int ff_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **p)
{
	if (io_fault(KX_FAULT_CAN_EIO))
		return SQLITE_IOERR_SHMMAP;
	return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, p);
}

static int ff_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void ff_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int ff_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static int ff_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, p);
}

static int ff_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods ff_methods = {
	3, ff_close, ff_read, ff_write, ff_truncate, ff_sync, ff_file_size, ff_lock, ff_unlock,
	ff_check_reserved, ff_file_control, ff_sector_size, ff_device_characteristics, ff_shm_map,
	ff_shm_lock, ff_shm_barrier, ff_shm_unmap, ff_fetch, ff_unfetch,
};

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	struct fault_file *ff = (struct fault_file *)f;
	ff->real = (sqlite3_file *)(ff + 1);
	f->pMethods = NULL;
	if (io_fault(KX_FAULT_OPEN | (flags & SQLITE_OPEN_CREATE ? KX_FAULT_CAN_ENOSPC : 0)))
		return SQLITE_CANTOPEN;
	int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
	/* The real file's methods are set even on some failures: closing ours
	 * closes it. */
	if (ff->real->pMethods)
		f->pMethods = &ff_methods;
	return rc;
}

static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	if (io_fault(KX_FAULT_CAN_EIO))
		return SQLITE_IOERR_DELETE;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	if (io_fault(KX_FAULT_CAN_EIO))
		return SQLITE_IOERR_ACCESS;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *fv_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void fv_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*fv_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void fv_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int fv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int fv_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int fv_current_time(sqlite3_vfs *vfs, double *t)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, t);
}

static int fv_last_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	if (injected_errno && kx_fault_fired(KX_FAULT_IO))
		return injected_errno;
	return real_vfs->xGetLastError(real_vfs, n, msg);
}

static int fv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, t);
}

static sqlite3_vfs fault_vfs = {
	.iVersion = 2,
	.zName = "kexport-fault",
	.xOpen = fv_open,
	.xDelete = fv_delete,
	.xAccess = fv_access,
	.xFullPathname = fv_full_pathname,
	.xDlOpen = fv_dlopen,
	.xDlError = fv_dlerror,
	.xDlSym = fv_dlsym,
	.xDlClose = fv_dlclose,
	.xRandomness = fv_randomness,
	.xSleep = fv_sleep,
	.xCurrentTime = fv_current_time,
	.xGetLastError = fv_last_error,
	.xCurrentTimeInt64 = fv_current_time64,
};

static void setup_sqlite(void)
{
	/* Before SQLite is initialised, or it refuses (a program that used
	 * SQLite first keeps its own allocator: the fault driver does not). */
	sqlite3_config(SQLITE_CONFIG_MALLOC, &sq_mem);
	real_vfs = sqlite3_vfs_find(NULL);
	if (!real_vfs)
		return;
	fault_vfs.szOsFile = (int)sizeof(struct fault_file) + real_vfs->szOsFile;
	fault_vfs.mxPathname = real_vfs->mxPathname;
	sqlite3_vfs_register(&fault_vfs, 1);
}

void hist_inject_setup(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, setup_sqlite);
}

#else

void hist_inject_setup(void)
{
}

#endif
