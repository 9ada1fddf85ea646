/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sizes of the kernel's own structures from the BTF of its vmlinux: from
 * 6.12 the loader refuses a module whose .gnu.linkonce.this_module is not
 * the size of the running kernel's struct module (elfcheck.c), and the
 * headers' BTF-only vmlinux (linux-headers of 6.x and 7.x) says that size.
 *
 * libbpf parses BTF; it is opened on first use (KX_DLIB), as only a 6.12+
 * verdict that reached the size check needs it.
 */
#include <bpf/btf.h>
#include <linux/btf.h>

#include "libkexport-internal.h"

#define BPF_FUNCS(X) X(btf__new) X(btf__free) X(btf__find_by_name_kind) X(btf__type_by_id)

KX_DLIB(bpf, "libbpf.so.1", BPF_FUNCS)

int kx_btf_struct_size(const char *path, const char *name, uint64_t *size, char *errmsg)
{
	struct kx_src src;
	int r = kx_src_open_file(&src, path, errmsg);
	if (r < 0)
		return r;
	struct kx_elf elf;
	if ((r = kx_elf_open(&elf, &src, errmsg)) < 0) {
		kx_src_close(&src);
		return r;
	}
	const uint8_t *data = NULL;
	int sec = kx_elf_find(&elf, ".BTF");
	if (sec <= 0)
		r = kx_err(errmsg, -ENOENT, "no .BTF section");
	else if (elf.sh[sec].size > UINT32_MAX)
		r = kx_err(errmsg, -EINVAL, ".BTF is larger than 4 GiB");
	else if ((r = kx_elf_section(&elf, (size_t)sec, &data, errmsg)) == 0 && !bpf_ready(errmsg))
		r = -ENOPKG;
	if (r == 0) {
		struct btf *btf = bpf.btf__new(data, (uint32_t)elf.sh[sec].size);
		if (!btf)
			r = kx_err(errmsg, -EINVAL, ".BTF: libbpf cannot parse it (%s)", strerror(errno));
		else {
			int id = bpf.btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
			const struct btf_type *t = id > 0 ? bpf.btf__type_by_id(btf, (uint32_t)id) : NULL;
			if (t)
				*size = t->size;
			else
				r = kx_err(errmsg, -ENOENT, ".BTF: no struct %s", name);
			bpf.btf__free(btf);
		}
	}
	kx_elf_close(&elf);
	kx_src_close(&src);
	return r;
}
