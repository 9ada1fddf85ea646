/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by every reader: error formatting, growable arrays,
 * a string arena, hashing and whole-file reads for text inputs.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Arena blocks are at least 16 KiB; a bigger request gets a block of its own. */
struct kx_arena_block {
	struct kx_arena_block *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

void *kx_arena_alloc(struct kx_arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	struct kx_arena_block *b = a->head;
	if (!b || b->cap - b->used < size) {
		size_t cap = size > 16384 ? size : 16384;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += size;
	return p;
}

const char *kx_arena_strndup(struct kx_arena *a, const char *s, size_t len)
{
	char *p = kx_arena_alloc(a, len + 1);
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
	struct kx_arena_block *b = a->head;
	while (b) {
		struct kx_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
}

/* FNV-1a: short symbol names, no need for anything stronger. */
uint32_t kx_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
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
	size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	char *buf = malloc(cap);
	size_t len = 0;
	if (!buf) {
		close(fd);
		return kx_err(errmsg, -ENOMEM, "out of memory");
	}
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
