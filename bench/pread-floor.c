/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pread floor: the least I/O a full read of a module tree can do.
 *
 *   pread-floor [-t THREADS] DIR
 *
 * Walks DIR for .ko files, then, on THREADS threads (default: one per online
 * CPU) taking the next module from a shared counter, opens each module and
 * preads only what kexport_read_modules() needs: the ELF header, the section
 * header table, the section name table, and the sections .modinfo, .symtab,
 * .strtab, __versions, __ksymtab*, __kcrctab*, __ksymtab_strings and the
 * relocation sections of the __ksymtab and __kcrctab tables, one pread per
 * section, into a per-thread buffer that is reused.  Nothing is parsed
 * beyond finding those sections.  Prints the module count and the bytes
 * read.  bench/read-modules-vs-floor.sh times it against kexport.
 *
 * Only plain 64-bit little-endian .ko files are handled (the Debian amd64
 * tree); anything else counts as skipped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **paths;
static size_t n_paths, cap_paths;
static atomic_size_t next_mod;
static atomic_size_t total_bytes, n_done, n_skipped;

static void add_path(char *p)
{
	if (n_paths == cap_paths) {
		cap_paths = cap_paths ? cap_paths * 2 : 4096;
		paths = realloc(paths, cap_paths * sizeof(*paths));
		if (!paths) {
			perror("realloc");
			exit(2);
		}
	}
	paths[n_paths++] = p;
}

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
			continue;
		size_t len = strlen(n);
		char *p;
		if (asprintf(&p, "%s/%s", dir, n) < 0)
			exit(2);
		if (de->d_type == DT_DIR) {
			walk(p);
			free(p);
		} else if (len > 3 && strcmp(n + len - 3, ".ko") == 0) {
			add_path(p);
		} else {
			free(p);
		}
	}
	closedir(d);
}

static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

struct buf {
	uint8_t *p;
	size_t cap;
};

static uint8_t *reserve(struct buf *b, size_t n)
{
	if (n > b->cap) {
		free(b->p);
		b->cap = n;
		b->p = malloc(n);
		if (!b->p) {
			perror("malloc");
			exit(2);
		}
	}
	return b->p;
}

static bool full_read_needs(const char *name, const char *shstr, size_t shsz,
                            const uint8_t *shdrs, uint16_t shnum, uint32_t info)
{
	if (strcmp(name, ".modinfo") == 0 || strcmp(name, ".symtab") == 0 ||
	    strcmp(name, ".strtab") == 0 || strcmp(name, "__versions") == 0 ||
	    strncmp(name, "__ksymtab", 9) == 0 || strncmp(name, "__kcrctab", 9) == 0)
		return true;
	/* relocations of an export table */
	if (strncmp(name, ".rela", 5) == 0 && info && info < shnum) {
		uint32_t tn = get32(shdrs + (size_t)info * 64);
		const char *t = tn < shsz ? shstr + tn : "";
		return strncmp(t, "__ksymtab", 9) == 0 || strncmp(t, "__kcrctab", 9) == 0;
	}
	return false;
}

static ssize_t pread_full(int fd, void *dst, size_t len, off_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r = pread(fd, (char *)dst + done, len - done, off + (off_t)done);
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static void read_module(const char *path, struct buf *shb, struct buf *strb, struct buf *secb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		atomic_fetch_add(&n_skipped, 1);
		return;
	}
	uint8_t eh[64];
	size_t bytes = 0;
	if (pread_full(fd, eh, 64, 0) < 0 || memcmp(eh, "\177ELF\2\1", 6) != 0)
		goto skip;
	bytes += 64;
	uint64_t shoff = get64(eh + 40);
	uint16_t shnum = get16(eh + 60), shstrndx = get16(eh + 62);
	if (get16(eh + 58) != 64 || !shnum || shstrndx >= shnum)
		goto skip;
	uint8_t *sh = reserve(shb, (size_t)shnum * 64);
	if (pread_full(fd, sh, (size_t)shnum * 64, (off_t)shoff) < 0)
		goto skip;
	bytes += (size_t)shnum * 64;
	const uint8_t *ss = sh + (size_t)shstrndx * 64;
	size_t shsz = get64(ss + 32);
	char *shstr = (char *)reserve(strb, shsz + 1);
	if (pread_full(fd, shstr, shsz, (off_t)get64(ss + 24)) < 0)
		goto skip;
	shstr[shsz] = '\0';
	bytes += shsz;
	for (uint16_t i = 1; i < shnum; i++) {
		const uint8_t *s = sh + (size_t)i * 64;
		uint32_t nm = get32(s);
		const char *name = nm < shsz ? shstr + nm : "";
		uint64_t size = get64(s + 32);
		if (get32(s + 4) == 8 || size == 0 || /* SHT_NOBITS */
		    !full_read_needs(name, shstr, shsz, sh, shnum, get32(s + 44)))
			continue;
		if (pread_full(fd, reserve(secb, size), size, (off_t)get64(s + 24)) < 0)
			goto skip;
		bytes += size;
	}
	close(fd);
	atomic_fetch_add(&total_bytes, bytes);
	atomic_fetch_add(&n_done, 1);
	return;
skip:
	close(fd);
	atomic_fetch_add(&n_skipped, 1);
}

static void *worker(void *arg)
{
	(void)arg;
	struct buf shb = { 0 }, strb = { 0 }, secb = { 0 };
	for (;;) {
		size_t i = atomic_fetch_add(&next_mod, 1);
		if (i >= n_paths)
			break;
		read_module(paths[i], &shb, &strb, &secb);
	}
	free(shb.p);
	free(strb.p);
	free(secb.p);
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = sysconf(_SC_NPROCESSORS_ONLN);
	int opt;
	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt == 't')
			threads = atol(optarg);
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: pread-floor [-t THREADS] DIR\n");
		return 2;
	}
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	walk(argv[optind]);
	pthread_t th[64];
	for (long i = 1; i < threads; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
			perror("pthread_create");
			return 2;
		}
	worker(NULL);
	for (long i = 1; i < threads; i++)
		pthread_join(th[i], NULL);
	printf("%zu modules, %zu skipped, %zu bytes read\n", (size_t)n_done,
	       (size_t)n_skipped, (size_t)total_bytes);
	for (size_t i = 0; i < n_paths; i++)
		free(paths[i]);
	free(paths);
	return n_skipped ? 1 : 0;
}
