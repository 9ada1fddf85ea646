/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The target kernel's facts besides its exports: release, distribution,
 * configuration and vermagic, and where each came from.
 */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "libkexport-internal.h"

struct config_entry {
	const char *key;   /* without CONFIG_ */
	const char *value; /* "y", "m", text; NULL for "is not set" */
};

struct kexport_kernel {
	struct kexport_ctx *ctx;
	char *release;
	unsigned version;
	char *distro;
	bool distro_set;
	char *vermagic_set;       /* given or probed */
	char *vermagic_built;     /* from release and configuration */
	struct kx_vec config;     /* struct config_entry */
	struct kx_arena config_strings; /* its keys and values (a .config has 10,000) */
	struct kx_index config_index; /* key -> index + 1 of the key's last entry */
	bool config_known;
	bool banner_debian;
	char origin_release[PATH_MAX + 32];
	char origin_config[PATH_MAX + 32];
	char origin_vermagic[PATH_MAX + 32];
	/* The builtin trusted keys: given (--signing-keys), or read from the
	 * image on first use, because decompressing an image costs ~0.3 s and
	 * only a signed module needs it. */
	struct kx_keyring *keys;
	char *key_image;          /* read lazily when set and keys_tried is false */
	bool keys_tried;
	pthread_mutex_t keys_lock;
	char origin_keys[PATH_MAX + KEXPORT_ERRMSG_MAX + 64];
	/* A vmlinux whose BTF gives sizeof(struct module) (6.12+ checks it),
	 * read on first use under keys_lock. */
	char *btf_path;
	char *sample_module;      /* else an in-tree module of its tree */
	uint64_t struct_module_size;
	bool struct_module_tried;
};

KX_EXPORT int kexport_kernel_new(struct kexport_ctx *ctx, struct kexport_kernel **k)
{
	if (!ctx)
		return -EINVAL;
	*k = calloc(1, sizeof(**k));
	if (!*k)
		return -ENOMEM;
	(*k)->ctx = ctx;
	kx_vec_init(&(*k)->config, sizeof(struct config_entry));
	pthread_mutex_init(&(*k)->keys_lock, NULL);
	(*k)->distro = strdup("mainline");
	if (!(*k)->distro) {
		kexport_kernel_free(*k);
		*k = NULL;
		return -ENOMEM;
	}
	return 0;
}

KX_EXPORT void kexport_kernel_free(struct kexport_kernel *k)
{
	if (!k)
		return;
	kx_vec_free(&k->config);
	kx_arena_free(&k->config_strings);
	kx_index_free(&k->config_index);
	free(k->release);
	free(k->distro);
	free(k->vermagic_set);
	free(k->vermagic_built);
	kx_keyring_free(k->keys);
	free(k->key_image);
	pthread_mutex_destroy(&k->keys_lock);
	free(k->btf_path);
	free(k->sample_module);
	free(k);
}

static void guess_distro(struct kexport_kernel *k)
{
	if (k->distro_set)
		return;
	free(k->distro);
	/*
	 * From who built it (the bzImage's version string, the image's banner,
	 * the build tree's UTS_VERSION), never from the release's shape:
	 * "6.12.117+deb13-amd64" and "6.1.0-54-amd64" are both Debian's, and a
	 * self-built kernel may carry either name.
	 */
	k->distro = strdup(k->banner_debian ? "debian" : "mainline");
}

KX_EXPORT int kexport_kernel_set_release(struct kexport_kernel *k, const char *release)
{
	unsigned a = 0, b = 0, c = 0;
	int n = sscanf(release, "%u.%u.%u", &a, &b, &c);
	if (n < 2 || a > 255 || b > 255)
		return -EINVAL;
	char *copy = strdup(release);
	if (!copy)
		return -ENOMEM;
	free(k->release);
	k->release = copy;
	k->version = KEXPORT_KVER(a, b, n == 3 ? c : 0);
	snprintf(k->origin_release, sizeof(k->origin_release), "given");
	guess_distro(k);
	return 0;
}

KX_EXPORT int kexport_kernel_set_distro(struct kexport_kernel *k, const char *distro)
{
	if (strcmp(distro, "mainline") != 0 && strcmp(distro, "debian") != 0)
		return -EINVAL;
	char *copy = strdup(distro);
	if (!copy)
		return -ENOMEM;
	free(k->distro);
	k->distro = copy;
	k->distro_set = true;
	return 0;
}

/* The index's values are the keys themselves (in config_strings). */
static const char *config_key(const void *key)
{
	return key;
}

/* The last entry for a key wins: overrides are appended after the file. */
static struct config_entry *config_find(const struct kexport_kernel *k, const char *key)
{
	if (strncmp(key, "CONFIG_", 7) == 0)
		key += 7;
	const struct kx_index_slot *s = kx_index_find(&k->config_index, key, kx_hash(key), config_key);
	return s ? (struct config_entry *)k->config.items + (s->item - 1) : NULL;
}

/* Index the entry just appended (a .config has ~10000 lines, the loader
 * asks for a dozen keys, and the vermagic for a few more). */
static int config_index_last(struct kexport_kernel *k)
{
	size_t n = k->config.n;
	const char *key = ((struct config_entry *)k->config.items)[n - 1].key;
	return kx_index_put(&k->config_index, key, kx_hash(key), key, (uint32_t)n, config_key, NULL);
}

/* value NULL: "is not set". */
static int config_put(struct kexport_kernel *k, const char *key, size_t klen, const char *value,
                      size_t vlen)
{
	if (klen >= 7 && strncmp(key, "CONFIG_", 7) == 0) {
		key += 7;
		klen -= 7;
	}
	const char *kc = kx_arena_strndup(&k->config_strings, key, klen);
	const char *vc = value ? kx_arena_strndup(&k->config_strings, value, vlen) : NULL;
	if (!kc || (value && !vc))
		return -ENOMEM;
	/* Appended, not replaced, so that the order of sources stays visible. */
	struct config_entry *e = kx_vec_push(&k->config);
	if (!e)
		return -ENOMEM;
	e->key = kc;
	e->value = vc;
	if (config_index_last(k) < 0)
		return -ENOMEM;
	free(k->vermagic_built);
	k->vermagic_built = NULL;
	return 0;
}

KX_EXPORT int kexport_kernel_set_config(struct kexport_kernel *k, const char *key,
                                        const char *value)
{
	bool unset = !value || strcmp(value, "n") == 0;
	return config_put(k, key, strlen(key), unset ? NULL : value, unset ? 0 : strlen(value));
}

/* .config text: CONFIG_X=y, CONFIG_X="text", "# CONFIG_X is not set". */
static int parse_config(struct kexport_kernel *k, const char *data, size_t size)
{
	const char *p = data, *end = data + size;
	size_t lines = 0, entries = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		lines++;
		if (le - p > 7 && strncmp(p, "CONFIG_", 7) == 0) {
			const char *eq = memchr(p, '=', (size_t)(le - p));
			if (eq) {
				const char *v = eq + 1;
				size_t vl = (size_t)(le - v);
				if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
					v++;
					vl -= 2;
				}
				if (config_put(k, p, (size_t)(eq - p), v, vl) < 0)
					return -ENOMEM;
				entries++;
			}
		} else if (le - p > 9 && strncmp(p, "# CONFIG_", 9) == 0) {
			const char *sp = memchr(p + 2, ' ', (size_t)(le - p - 2));
			if (sp && (size_t)(le - sp) == 11 && memcmp(sp, " is not set", 11) == 0) {
				if (config_put(k, p + 2, (size_t)(sp - p - 2), NULL, 0) < 0)
					return -ENOMEM;
				entries++;
			}
		}
		p = le + 1;
	}
	if (!lines || !entries)
		return -EINVAL;
	k->config_known = true;
	return 0;
}

int kx_kernel_parse_config(struct kexport_kernel *k, const char *data, size_t size, char *errmsg)
{
	int r = parse_config(k, data, size);
	if (r == -EINVAL)
		return kx_err(errmsg, r, "not a kernel .config (no CONFIG_ lines)");
	if (r < 0)
		return kx_err(errmsg, r, "out of memory");
	return 0;
}

KX_EXPORT int kexport_kernel_parse_config(struct kexport_kernel *k, const char *data,
                                          size_t size)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(k->ctx, NULL, kx_kernel_parse_config(k, data, size, msg), msg);
}

int kx_kernel_read_config(struct kexport_kernel *k, const char *path, char *errmsg)
{
	char *data;
	size_t size;
	int r = kx_read_file(path, &data, &size, errmsg);
	if (r < 0)
		return r;
	/* config.gz, as /proc/config.gz and some distributions' /boot have it */
	if (kx_detect_compression((const uint8_t *)data, size) == KEXPORT_COMP_GZIP) {
		uint8_t *text;
		size_t n;
		r = kx_decompress(KEXPORT_COMP_GZIP, (const uint8_t *)data, size, 16u << 20, &text, &n,
		                  errmsg);
		free(data);
		if (r < 0)
			return r;
		data = (char *)text;
		size = n;
	}
	r = parse_config(k, data, size);
	free(data);
	if (r == -EINVAL)
		return kx_err(errmsg, r, "not a kernel .config (no CONFIG_ lines)");
	if (r < 0)
		return kx_err(errmsg, r, "out of memory");
	snprintf(k->origin_config, sizeof(k->origin_config), "%s", path);
	return 0;
}

KX_EXPORT int kexport_kernel_read_config(struct kexport_kernel *k, const char *path)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(k->ctx, path, kx_kernel_read_config(k, path, msg), msg);
}

KX_EXPORT int kexport_kernel_set_vermagic(struct kexport_kernel *k, const char *vermagic)
{
	char *copy = strdup(vermagic);
	if (!copy)
		return -ENOMEM;
	free(k->vermagic_set);
	k->vermagic_set = copy;
	snprintf(k->origin_vermagic, sizeof(k->origin_vermagic), "given");
	return 0;
}

KX_EXPORT const char *kexport_kernel_release(const struct kexport_kernel *k)
{
	return k->release;
}

KX_EXPORT unsigned kexport_kernel_version(const struct kexport_kernel *k)
{
	return k->version;
}

KX_EXPORT const char *kexport_kernel_distro(const struct kexport_kernel *k)
{
	return k->distro;
}

KX_EXPORT const char *kexport_kernel_config(const struct kexport_kernel *k, const char *key)
{
	const struct config_entry *e = config_find(k, key);
	return e ? e->value : NULL;
}

KX_EXPORT bool kexport_kernel_config_has(const struct kexport_kernel *k, const char *key)
{
	return config_find(k, key) != NULL;
}

KX_EXPORT bool kexport_kernel_config_known(const struct kexport_kernel *k)
{
	return k->config_known;
}

static bool cfg_on(const struct kexport_kernel *k, const char *key)
{
	const char *v = kexport_kernel_config(k, key);
	return v && (strcmp(v, "y") == 0 || strcmp(v, "m") == 0);
}

/*
 * VERMAGIC_STRING (include/linux/vermagic.h): UTS_RELEASE " " then "SMP ",
 * "preempt " or "preempt_rt ", "mod_unload ", "modversions ", and the
 * architecture's MODULE_ARCH_VERMAGIC.  Only architectures whose part is
 * known are built; a randomized struct layout adds a hash nobody can know.
 */
static char *build_vermagic(const struct kexport_kernel *k)
{
	if (!k->release || !k->config.n)
		return NULL;
	const char *arch;
	if (cfg_on(k, "X86_64"))
		arch = "";
	else if (cfg_on(k, "ARM64"))
		arch = "aarch64";
	else
		return NULL;
	if (cfg_on(k, "RANDSTRUCT_FULL") || cfg_on(k, "RANDSTRUCT_PERFORMANCE") ||
	    cfg_on(k, "GCC_PLUGIN_RANDSTRUCT"))
		return NULL;
	bool preempt = cfg_on(k, "PREEMPT_BUILD") ||
	               (k->version < KEXPORT_KVER(5, 16, 0) && cfg_on(k, "PREEMPT"));
	char *s = NULL;
	if (asprintf(&s, "%s %s%s%s%s%s", k->release, cfg_on(k, "SMP") ? "SMP " : "",
	             preempt ? "preempt " : cfg_on(k, "PREEMPT_RT") ? "preempt_rt " : "",
	             cfg_on(k, "MODULE_UNLOAD") ? "mod_unload " : "",
	             cfg_on(k, "MODVERSIONS") ? "modversions " : "", arch) < 0)
		return NULL;
	return s;
}

KX_EXPORT const char *kexport_kernel_vermagic(const struct kexport_kernel *k)
{
	if (k->vermagic_set)
		return k->vermagic_set;
	if (!k->vermagic_built) {
		/* Cached on first use; the object is logically const. */
		struct kexport_kernel *mk = (struct kexport_kernel *)k;
		mk->vermagic_built = build_vermagic(k);
		if (mk->vermagic_built)
			snprintf(mk->origin_vermagic, sizeof(mk->origin_vermagic),
			         "built from the release and configuration");
	}
	return k->vermagic_built;
}

KX_EXPORT const char *kexport_kernel_origin(const struct kexport_kernel *k, const char *fact)
{
	const char *o = NULL;
	if (strcmp(fact, "release") == 0)
		o = k->origin_release;
	else if (strcmp(fact, "config") == 0)
		o = k->origin_config;
	else if (strcmp(fact, "signing-keys") == 0)
		o = k->origin_keys; /* what is known so far: an image is read on first use */
	else if (strcmp(fact, "vermagic") == 0) {
		kexport_kernel_vermagic(k);
		o = k->origin_vermagic;
	}
	return o && o[0] ? o : NULL;
}

/* ------------------------------------------------------------------------ */
/* Trusted keys                                                             */

static void keys_origin(struct kexport_kernel *k, const char *path)
{
	size_t n = kx_keyring_count(k->keys);
	snprintf(k->origin_keys, sizeof(k->origin_keys), "%zu certificate%s from %s", n,
	         n == 1 ? "" : "s", path);
}

/* A kernel image, or a vmlinux (any ELF for a file the user named). */
static bool is_key_image(const char *path, bool any_elf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	uint8_t h[0x210];
	ssize_t n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n < 20)
		return false;
	bool elf = memcmp(h, "\177ELF", 4) == 0;
	bool exec = elf && kx_get16(h + 16, h[5] == 2 /* ELFDATA2MSB */) == 2 /* ET_EXEC */;
	return (any_elf ? elf : exec) || kx_is_kernel_image(h, (size_t)n);
}

int kx_kernel_add_signing_keys(struct kexport_kernel *k, const char *path, char *errmsg)
{
	/* An image is only checked for its kind now: decompressing it costs
	 * ~0.5 s and only a signed module needs its certificates. */
	if (is_key_image(path, true)) {
		pthread_mutex_lock(&k->keys_lock);
		char *copy = strdup(path);
		if (copy) {
			free(k->key_image);
			k->key_image = copy;
			k->keys_tried = false;
		}
		pthread_mutex_unlock(&k->keys_lock);
		return copy ? 0 : kx_err(errmsg, -ENOMEM, "out of memory");
	}
	pthread_mutex_lock(&k->keys_lock);
	int r = kx_keyring_read(&k->keys, path, errmsg);
	if (r >= 0) {
		keys_origin(k, path);
		/* Keys given explicitly replace the probed image's. */
		k->keys_tried = true;
	}
	pthread_mutex_unlock(&k->keys_lock);
	return r;
}

KX_EXPORT int kexport_kernel_add_signing_keys(struct kexport_kernel *k, const char *path)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(k->ctx, path, kx_kernel_add_signing_keys(k, path, msg), msg);
}

int kx_kernel_parse_signing_keys(struct kexport_kernel *k, const void *data, size_t size,
                                 char *errmsg)
{
	pthread_mutex_lock(&k->keys_lock);
	int r = kx_keyring_parse(&k->keys, data, size, errmsg);
	if (r >= 0) {
		keys_origin(k, "memory");
		k->keys_tried = true;
	}
	pthread_mutex_unlock(&k->keys_lock);
	return r;
}

KX_EXPORT int kexport_kernel_parse_signing_keys(struct kexport_kernel *k, const void *data,
                                                size_t size)
{
	char msg[KEXPORT_ERRMSG_MAX] = "";
	return kx_report(k->ctx, NULL, kx_kernel_parse_signing_keys(k, data, size, msg), msg);
}

/* A probed image: its certificates are read on first use. */
static void set_key_image(struct kexport_kernel *k, const char *path)
{
	if (k->key_image || k->keys_tried)
		return;
	k->key_image = strdup(path);
}

static const struct kx_keyring *keys(const struct kexport_kernel *ck)
{
	struct kexport_kernel *k = (struct kexport_kernel *)ck; /* logically const */
	pthread_mutex_lock(&k->keys_lock);
	if (!k->keys_tried && k->key_image) {
		char err[KEXPORT_ERRMSG_MAX];
		if (kx_keyring_read(&k->keys, k->key_image, err) >= 0)
			keys_origin(k, k->key_image);
		else
			snprintf(k->origin_keys, sizeof(k->origin_keys), "none: %s: %s", k->key_image,
			         err);
	}
	k->keys_tried = true;
	pthread_mutex_unlock(&k->keys_lock);
	return k->keys;
}

KX_EXPORT size_t kexport_kernel_signing_key_count(const struct kexport_kernel *k)
{
	return kx_keyring_count(keys(k));
}

KX_EXPORT const char *kexport_kernel_signing_key_name(const struct kexport_kernel *k, size_t i)
{
	return kx_keyring_name(keys(k), i);
}

KX_EXPORT int kexport_kernel_verify_module(const struct kexport_kernel *k, const void *data,
                                           size_t size, struct kexport_sig_result *res)
{
	if (!res || !kx_sized_ok(res))
		return -EINVAL;
	struct kexport_sig_result full;
	memset(&full, 0, sizeof(full));
	int r = kx_sig_verify(keys(k), data, size, &full);
	kx_sized_out(res, &full, sizeof(full));
	return r;
}

/* ------------------------------------------------------------------------ */
/* Probing a source path                                                    */

/* out = a b c, or false when it does not fit (then nothing there exists). */
static bool path3(char *out, const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	if (la + lb + lc >= PATH_MAX) {
		out[0] = '\0';
		return false;
	}
	memcpy(out, a, la);
	memcpy(out + la, b, lb);
	memcpy(out + la + lb, c, lc + 1);
	return true;
}

static void probe_config(struct kexport_kernel *k, const char *path)
{
	if (k->config_known || !kx_is_file(path))
		return;
	char err[KEXPORT_ERRMSG_MAX];
	kx_kernel_read_config(k, path, err); /* an unreadable guess is not an error */
}

/* A vmlinux ELF or a kernel image, by its first bytes. */
static bool looks_like_image(const char *path)
{
	uint8_t head[0x210];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = pread(fd, head, sizeof(head), 0);
	close(fd);
	return n >= 4 && (memcmp(head, "\177ELF", 4) == 0 || kx_is_kernel_image(head, (size_t)n));
}

/* The configuration an image embeds (CONFIG_IKCONFIG), when nothing beside it
 * had one: an image is decompressed for it only then. */
static void probe_ikconfig(struct kexport_kernel *k, const char *path)
{
	if (k->config_known || !looks_like_image(path))
		return;
	char *text, err[KEXPORT_ERRMSG_MAX];
	size_t len;
	if (kx_ikconfig_read(path, &text, &len, err) < 0)
		return; /* none embedded, or unreadable: a guess, not an error */
	if (parse_config(k, text, len) == 0)
		snprintf(k->origin_config, sizeof(k->origin_config), "%s (IKCONFIG)", path);
	free(text);
}

/* The running kernel's own: /proc/config.gz (CONFIG_IKCONFIG_PROC). */
static void probe_running_config(struct kexport_kernel *k, const char *release)
{
	struct utsname u;
	if (k->config_known || uname(&u) < 0 || strcmp(u.release, release) != 0)
		return;
	probe_config(k, "/proc/config.gz");
}

static void set_probed_release(struct kexport_kernel *k, const char *rel, size_t len,
                               const char *origin)
{
	if (k->release || len == 0 || len > 64)
		return;
	char buf[65];
	memcpy(buf, rel, len);
	buf[len] = '\0';
	if (kexport_kernel_set_release(k, buf) == 0)
		snprintf(k->origin_release, sizeof(k->origin_release), "%s", origin);
}

static void probe_key_image(struct kexport_kernel *k, const char *path);

/* A kernel build or headers directory: utsrelease.h and .config. */
static void probe_build_dir(struct kexport_kernel *k, const char *dir)
{
	char p[PATH_MAX];
	path3(p, dir, "/include/generated/utsrelease.h", "");
	char *data;
	size_t size;
	char err[KEXPORT_ERRMSG_MAX];
	if (kx_is_file(p) && kx_read_file(p, &data, &size, err) == 0) {
		const char *q = strstr(data, "UTS_RELEASE \"");
		if (q) {
			q += 13;
			const char *e = strchr(q, '"');
			if (e)
				set_probed_release(k, q, (size_t)(e - q), p);
		}
		free(data);
	}
	/* Who built it: UTS_VERSION, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.190-1
	 * (DATE)" (include/generated/utsversion.h from 6.1, compile.h before). */
	static const char *const uts[] = { "/include/generated/utsversion.h",
		                           "/include/generated/compile.h" };
	for (size_t i = 0; i < KX_ARRAY_SIZE(uts); i++) {
		path3(p, dir, uts[i], "");
		if (!kx_is_file(p) || kx_read_file(p, &data, &size, err) < 0)
			continue;
		const char *q = strstr(data, "UTS_VERSION \"");
		const char *e = q ? strchr(q, '\n') : NULL;
		const char *d = q ? strstr(q, " Debian ") : NULL;
		if (d && (!e || d < e))
			k->banner_debian = true;
		free(data);
		guess_distro(k);
		break;
	}
	path3(p, dir, "/.config", "");
	probe_config(k, p);
	/* A build tree has the list the kernel embeds, or its vmlinux. */
	path3(p, dir, "/certs/x509_certificate_list", "");
	if (kx_is_file(p))
		set_key_image(k, p);
	path3(p, dir, "/vmlinux", "");
	if (kx_is_file(p)) {
		probe_key_image(k, p);
		/* the headers' BTF-only vmlinux has the types of the build */
		if (!k->btf_path)
			k->btf_path = strdup(p);
	}
}

/* The size of a module's .gnu.linkonce.this_module. */
static int this_module_size(const char *path, uint64_t *size)
{
	struct kx_src src;
	enum kexport_compression comp;
	char err[KEXPORT_ERRMSG_MAX];
	int r = kx_src_open_plain(&src, path, 0, &comp, err);
	if (r < 0)
		return r;
	struct kx_elf elf;
	if ((r = kx_elf_open(&elf, &src, err)) == 0) {
		int i = kx_elf_find(&elf, ".gnu.linkonce.this_module");
		if (i > 0 && elf.type == KX_ET_REL)
			*size = elf.sh[i].size;
		else
			r = -ENOENT;
		kx_elf_close(&elf);
	}
	kx_src_close(&src);
	return r;
}

/* A module of the tree DIR: the first of modules.order that is there, as
 * .ko or compressed (to be freed), or NULL. */
static char *first_tree_module(const char *dir)
{
	char p[PATH_MAX];
	path3(p, dir, "/modules.order", "");
	char *text;
	size_t len;
	char err[KEXPORT_ERRMSG_MAX];
	if (!kx_is_file(p) || kx_read_file(p, &text, &len, err) < 0)
		return NULL;
	char *found = NULL;
	static const char *const sfx[] = { "", ".xz", ".zst", ".gz" };
	for (char *line = text, *end; !found && line < text + len; line = end + 1) {
		end = memchr(line, '\n', (size_t)(text + len - line));
		if (!end)
			end = text + len;
		*end = '\0';
		for (size_t i = 0; i < KX_ARRAY_SIZE(sfx) && !found && *line; i++) {
			char q[PATH_MAX];
			if ((size_t)snprintf(q, sizeof(q), "%s/%s%s", dir, line, sfx[i]) < sizeof(q) &&
			    kx_is_file(q))
				found = strdup(q);
		}
		if (line - text > 4096) /* the first modules are enough */
			break;
	}
	free(text);
	return found;
}

KX_EXPORT uint64_t kexport_kernel_struct_module_size(const struct kexport_kernel *kc)
{
	/* a cache filled on first use: the kernel it describes does not change */
	struct kexport_kernel *k = (struct kexport_kernel *)kc;
	pthread_mutex_lock(&k->keys_lock);
	if (!k->struct_module_tried && k->btf_path) {
		char err[KEXPORT_ERRMSG_MAX];
		uint64_t size = 0;
		if (kx_btf_struct_size(k->btf_path, "module", &size, err) == 0)
			k->struct_module_size = size;
	}
	/* Without BTF (no linux-headers installed), one of the tree's own
	 * modules: its .gnu.linkonce.this_module is the kernel's struct module. */
	if (!k->struct_module_tried && !k->struct_module_size && k->sample_module)
		this_module_size(k->sample_module, &k->struct_module_size);
	k->struct_module_tried = true;
	uint64_t size = k->struct_module_size;
	pthread_mutex_unlock(&k->keys_lock);
	return size;
}

/* The image's "Linux version" banner: Debian's says "... Debian 6.12.117-1". */
static void probe_banner(struct kexport_kernel *k, const char *path)
{
	char banner[512], err[KEXPORT_ERRMSG_MAX];
	if (kx_image_banner(path, banner, sizeof(banner), err) < 0)
		return;
	size_t len = strcspn(banner, " ");
	set_probed_release(k, banner, len, path);
	if (k->release && strlen(k->release) == len && !memcmp(k->release, banner, len) &&
	    strstr(banner, " Debian "))
		k->banner_debian = true;
	guess_distro(k);
}

/* A kernel image or a vmlinux ELF executable carries the builtin keys. */
static void probe_key_image(struct kexport_kernel *k, const char *path)
{
	if (is_key_image(path, false))
		set_key_image(k, path);
}

/* The x86 boot header's kernel_version string: "6.1.0-54-amd64 (builder) #1 ...".
 * True when there was one: the image's banner would only say it again. */
static bool probe_bzimage(struct kexport_kernel *k, const char *path)
{
	bool said = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	uint8_t hdr[0x210];
	if (pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
	    memcmp(hdr + 0x202, "HdrS", 4) == 0) {
		unsigned off = kx_get16(hdr + 0x20e, false);
		char ver[256];
		ssize_t n = off ? pread(fd, ver, sizeof(ver) - 1, (off_t)off + 0x200) : -1;
		if (n > 0) {
			ver[n] = '\0';
			size_t len = strcspn(ver, " ");
			if (strstr(ver, "Debian"))
				k->banner_debian = true;
			set_probed_release(k, ver, len, path);
			guess_distro(k);
			said = true;
		}
	}
	close(fd);
	return said;
}

KX_EXPORT int kexport_kernel_probe(struct kexport_kernel *k, const char *path)
{
	char p[PATH_MAX];
	if (kx_is_dir(path)) {
		path3(p, path, "/include/generated/utsrelease.h", "");
		if (kx_is_file(p)) {
			probe_build_dir(k, path);
			return 0;
		}
		/* /lib/modules/RELEASE: the name is the release; the image and its
		 * config sit in ../../../boot, or the build tree is linked. */
		char real[PATH_MAX];
		if (!realpath(path, real))
			return 0;
		const char *base = strrchr(real, '/');
		base = base ? base + 1 : real;
		if (kx_is_modules_dir(real) && kexport_kernel_set_release(k, base) == 0) {
			snprintf(k->origin_release, sizeof(k->origin_release), "%s", real);
			if (!k->sample_module)
				k->sample_module = first_tree_module(real);
			char *img = kexport_kernel_image(real);
			bool said = false;
			if (img) {
				said = probe_bzimage(k, img); /* only a bzImage has a version string */
				probe_key_image(k, img);
			}
			/* 7.x: DIR/config (linux-base-VER); before: ROOT/boot/config-VER. */
			path3(p, real, "/config", "");
			probe_config(k, p);
			char rel[64], canon[PATH_MAX];
			snprintf(rel, sizeof(rel), "/%s/boot/config-", kx_root_up(real));
			path3(p, real, rel, base);
			/* say /boot/config-VER, not .../lib/modules/VER/../../../boot/... */
			probe_config(k, realpath(p, canon) ? canon : p);
			char *b = kx_resolve_in_root(real, "build");
			if (b && kx_is_dir(b))
				probe_build_dir(k, b);
			free(b);
			/* No bzImage version string and no Debian build tree: the
			 * image's own banner (decompressing it). */
			if (img && !said && !k->banner_debian)
				probe_banner(k, img);
			probe_running_config(k, base);
			if (img)
				probe_ikconfig(k, img);
			free(img);
		}
		return 0;
	}
	if (!kx_is_file(path))
		return 0;
	/* A file: a bzImage names its release; a Module.symvers or vmlinux in a
	 * build directory has the directory's facts beside it. */
	bool said = probe_bzimage(k, path);
	probe_key_image(k, path);
	snprintf(p, sizeof(p), "%s", path);
	char *slash = strrchr(p, '/');
	const char *dir = ".";
	if (slash) {
		*slash = '\0';
		dir = p[0] ? p : "/";
	}
	char q[PATH_MAX];
	path3(q, dir, "/include/generated/utsrelease.h", "");
	if (kx_is_file(q))
		probe_build_dir(k, dir);
	/* A raw arm64 Image names its release only in its banner. */
	if (!said && !k->banner_debian && looks_like_image(path))
		probe_banner(k, path);
	if (k->release) {
		path3(q, dir, "/config-", k->release);
		probe_config(k, q);
	}
	/* 7.x: /usr/lib/modules/VER/vmlinuz has its config beside it. */
	const char *base = slash ? slash + 1 : path;
	if (strcmp(base, "vmlinuz") == 0) {
		path3(q, dir, "/config", "");
		probe_config(k, q);
	}
	probe_ikconfig(k, path);
	return 0;
}
