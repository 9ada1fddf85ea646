/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where an installed kernel's parts are on disk, as Debian's packages (and
 * kmod, kernel-install) put them: the modules directory
 * [ROOT/][usr/]lib/modules/VER, its kernel image, its build and source
 * links.  The readers (read.c) and the kernel's probe (kernel.c) both ask
 * here, so that they agree on what a modules directory is.
 */
#include <limits.h>
#include <unistd.h>

#include "libkexport-internal.h"

/*
 * A modules directory: kmod's files (modules.builtin, modules.order,
 * modules.dep, which depmod or the kernel's install writes) or the kernel/
 * directory of the in-tree modules.
 */
bool kx_is_modules_dir(const char *path)
{
	static const char *const markers[] = { "modules.builtin", "modules.order", "modules.dep",
		                               "kernel" };
	char p[PATH_MAX];
	for (size_t i = 0; i < KX_ARRAY_SIZE(markers); i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", path, markers[i]) >= sizeof(p))
			return false;
		if (i < 3 ? kx_is_file(p) : kx_is_dir(p))
			return true;
	}
	return false;
}

/*
 * From a modules directory's real path ROOT/lib/modules/VER or, on a
 * merged-/usr system and in 6.12+ packages, ROOT/usr/lib/modules/VER: the
 * way up to ROOT.
 */
const char *kx_root_up(const char *real)
{
	const char *ver = strrchr(real, '/');
	size_t vl = ver ? strlen(ver) : 0, rl = strlen(real);
	if (ver && rl >= vl + 16 && !memcmp(real + rl - vl - 16, "/usr/lib/modules", 16))
		return "../../../..";
	return "../../..";
}

/*
 * /lib/modules/VER/build is usually an absolute link into /usr/src; inside an
 * unpacked package (ROOT/lib/modules/VER) it means ROOT/usr/src/...
 */
char *kx_resolve_in_root(const char *dir, const char *rel)
{
	char *p, link[PATH_MAX];
	if (asprintf(&p, "%s/%s", dir, rel) < 0)
		return NULL;
	if (kx_is_dir(p) || kx_is_file(p))
		return p;
	ssize_t n = readlink(p, link, sizeof(link) - 1);
	free(p);
	if (n <= 0 || link[0] != '/')
		return NULL;
	link[n] = '\0';
	if (asprintf(&p, "%s/%s%s", dir, kx_root_up(dir), link) < 0)
		return NULL;
	if (kx_is_dir(p) || kx_is_file(p))
		return p;
	free(p);
	return NULL;
}

/* An ELF vmlinux with export tables (not the headers' BTF-only one)? */
static bool has_export_tables(const char *path)
{
	struct kx_src src;
	struct kx_elf elf;
	char msg[KEXPORT_ERRMSG_MAX];
	if (kx_src_open_file(&src, path, msg) < 0)
		return false;
	bool ok = false;
	if (kx_elf_open(&elf, &src, msg) == 0) {
		ok = kx_elf_find(&elf, "__ksymtab") > 0 || kx_elf_find(&elf, "__ksymtab_gpl") > 0;
		kx_elf_close(&elf);
	}
	kx_src_close(&src);
	return ok;
}

/*
 * The kernel image of a modules directory DIR = [ROOT/][usr/]lib/modules/VER,
 * in the places Debian's packages put it:
 *   DIR/vmlinuz                 7.x (linux-binary-VER), and what kernel-install uses;
 *   ROOT/boot/vmlinuz-VER       up to 6.x (vmlinux-, Image-, bzImage- elsewhere);
 *   DIR/build/vmlinux           a kernel build directory's vmlinux, only when it
 *                               has export tables: linux-headers of 6.x and 7.x
 *                               ship a BTF-only vmlinux there.
 * DIR is taken as its real path, so on a merged-/usr system /lib/modules/VER
 * is /usr/lib/modules/VER and ROOT is four levels up, not three.
 */
/* A, B and C joined, if that names a regular file (to be freed), else NULL. */
static char *file_at(const char *a, const char *b, const char *c)
{
	char *p;
	if (asprintf(&p, "%s%s%s", a, b, c) < 0)
		return NULL;
	if (kx_is_file(p))
		return p;
	free(p);
	return NULL;
}

KX_EXPORT char *kexport_kernel_image(const char *dir)
{
	char *real = realpath(dir, NULL);
	if (!real)
		return NULL;
	const char *ver = strrchr(real, '/');
	ver = ver ? ver + 1 : real;
	char *p = file_at(real, "/vmlinuz", ""), *boot;
	if (!p && asprintf(&boot, "%s/%s/boot/", real, kx_root_up(real)) >= 0) {
		static const char *const names[] = { "vmlinuz-", "vmlinux-", "Image-", "bzImage-" };
		for (size_t i = 0; i < KX_ARRAY_SIZE(names) && !p; i++)
			p = file_at(boot, names[i], ver);
		free(boot);
	}
	if (!p) {
		char *b = kx_resolve_in_root(real, "build");
		if (b && (p = file_at(b, "/vmlinux", "")) && !has_export_tables(p)) {
			free(p);
			p = NULL;
		}
		free(b);
	}
	free(real);
	if (p) { /* say /boot/vmlinuz-VER, not .../lib/modules/VER/../../../boot/... */
		char *canon = realpath(p, NULL);
		if (canon) {
			free(p);
			p = canon;
		}
	}
	return p;
}

KX_EXPORT char *kexport_tree_kernel(const char *dir)
{
	char *p = kexport_kernel_image(dir);
	if (p)
		return p;
	if (asprintf(&p, "%s/build/Module.symvers", dir) < 0)
		return NULL;
	if (kx_is_file(p))
		return p;
	free(p);
	return NULL;
}
