/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: kmod's text indexes as a check reads them
 * (kx_kmod_index_wanted: modules.dep and modules.symbols).  The first two
 * bytes give modules.dep's length; then modules.dep, then modules.symbols.
 * The symbols looked up are a few fixed names and every "symbol:" name of
 * the input's first lines, so that lookups hit.
 */
#include "fuzz-common.h"
#include "libkexport-internal.h"

struct seen {
	size_t n;
	const char *lo, *hi; /* modules.dep's bytes: every path must point inside */
};

static int on_module(const char *rel, size_t len, void *arg)
{
	struct seen *s = arg;
	FUZZ_CHECK(rel >= s->lo && rel + len <= s->hi, "a path outside modules.dep");
	s->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t dl = (size_t)data[0] | (size_t)data[1] << 8;
	data += 2;
	size -= 2;
	if (dl > size)
		dl = size;
	char *deps = fuzz_dup(data, dl);
	char *syms = fuzz_dup(data + dl, size - dl);
	char *copy = fuzz_dup(data + dl, size - dl);
	const char *names[16] = { "printk", "dma_buf_get", "fuse_conn_put", "" };
	size_t n = 4;
	/* up to 12 names from "symbol:NAME " in a copy of modules.symbols */
	for (char *p = copy; n < 16 && (p = memmem(p, (size_t)(copy + (size - dl) - p), "symbol:", 7));) {
		p += 7;
		char *e = p;
		while (e < copy + (size - dl) && *e != ' ' && *e != '\n' && *e != '\0')
			e++;
		if (e < copy + (size - dl)) {
			*e = '\0';
			names[n++] = p;
			p = e + 1;
		} else {
			break;
		}
	}
	struct seen s = { 0, deps, deps + dl };
	size_t n_modules = 0;
	char errmsg[KEXPORT_ERRMSG_MAX];
	errmsg[0] = '\0';
	int r = kx_kmod_index_wanted(deps, dl, syms, size - dl, names, n, on_module, &s, &n_modules,
	                             errmsg);
	fuzz_check_result(r, errmsg, "kx_kmod_index_wanted");
	if (r == 0)
		FUZZ_CHECK(s.n <= n_modules, "%zu modules wanted of %zu", s.n, n_modules);
	free(deps);
	free(syms);
	free(copy);
	return 0;
}
