/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Module signatures checked as the kernel checks them: the trusted keys are
 * the X.509 certificates the kernel embeds (certs/system_certificates.S puts
 * system_certificate_list in .init.data), and a module's appended PKCS#7
 * SignedData is verified against them (kernel/module/signing.c ->
 * certs/system_keyring.c -> crypto/asymmetric_keys/pkcs7_verify.c and
 * pkcs7_trust.c).  The cryptography is OpenSSL's; the order of the checks
 * and the errno values are the kernel's (kernel-rules.md §5.3).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "libkexport-internal.h"

/*
 * libcrypto is opened on first use (KX_DLIB): only reading certificates and
 * checking signatures need it.
 */
#ifdef OPENSSL_SHLIB_VERSION
#define LIBCRYPTO_SONAME "libcrypto.so." KX_STRINGIFY(OPENSSL_SHLIB_VERSION)
#else
#define LIBCRYPTO_SONAME "libcrypto.so." SHLIB_VERSION_NUMBER
#endif

#define CRYPTO_FUNCS(X) \
	X(ASN1_STRING_get0_data) X(ASN1_STRING_length) X(BIO_ctrl) X(BIO_free) X(BIO_new) \
	X(BIO_new_mem_buf) X(BIO_s_mem) X(CMS_ContentInfo_free) X(CMS_SignerInfo_cert_cmp) \
	X(CMS_SignerInfo_get0_algs) X(CMS_SignerInfo_get0_signature) X(CMS_get0_SignerInfos) \
	X(CMS_get0_content) X(CMS_get0_eContentType) X(CMS_get0_type) X(CMS_signed_get_attr_count) \
	X(ERR_clear_error) X(ERR_peek_last_error) X(EVP_Digest) X(EVP_PKEY_CTX_free) \
	X(EVP_PKEY_CTX_new) X(EVP_PKEY_CTX_set_rsa_padding) X(EVP_PKEY_CTX_set_signature_md) \
	X(EVP_PKEY_verify) X(EVP_PKEY_verify_init) X(EVP_sha1) X(EVP_sha224) X(EVP_sha256) \
	X(EVP_sha384) X(EVP_sha512) X(OBJ_nid2sn) X(OBJ_obj2nid) X(OPENSSL_sk_num) X(OPENSSL_sk_value) \
	X(PEM_read_bio_X509) X(X509_ALGOR_get0) X(X509_NAME_print_ex) X(X509_free) X(X509_get0_pubkey) \
	X(X509_get_subject_name) X(d2i_CMS_ContentInfo) X(d2i_X509) X(OBJ_obj2txt) \
	X(EVP_PKEY_get_base_id) X(EVP_sha3_256) X(EVP_sha3_384) X(EVP_sha3_512)

KX_DLIB(crypto, LIBCRYPTO_SONAME, CRYPTO_FUNCS)

/* sk_CMS_SignerInfo_value() */
static CMS_SignerInfo *signer_info(STACK_OF(CMS_SignerInfo) *sis, int i)
{
	return (CMS_SignerInfo *)crypto.OPENSSL_sk_value((const OPENSSL_STACK *)sis, i);
}

struct kx_keyring {
	X509 **certs;
	char **names;   /* the subject, one line, for explanations */
	size_t n, cap;
};

void kx_keyring_free(struct kx_keyring *kr)
{
	if (!kr)
		return;
	for (size_t i = 0; i < kr->n; i++) {
		crypto.X509_free(kr->certs[i]);
		free(kr->names[i]);
	}
	free(kr->certs);
	free(kr->names);
	free(kr);
}

size_t kx_keyring_count(const struct kx_keyring *kr)
{
	return kr ? kr->n : 0;
}

const char *kx_keyring_name(const struct kx_keyring *kr, size_t i)
{
	return kr && i < kr->n ? kr->names[i] : NULL;
}

/* The subject as "CN=..., O=..." (RFC 2253 order reversed to read naturally). */
static char *subject_name(X509 *x)
{
	BIO *b = crypto.BIO_new(crypto.BIO_s_mem());
	char *s = NULL;
	if (!b)
		return NULL;
	if (crypto.X509_NAME_print_ex(b, crypto.X509_get_subject_name(x), 0,
	                              XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		char *p;
		long n = crypto.BIO_ctrl(b, BIO_CTRL_INFO, 0, (char *)&p); /* BIO_get_mem_data() */
		if (n >= 0)
			s = strndup(p, (size_t)n);
	}
	crypto.BIO_free(b);
	return s;
}

/* Takes ownership of x. */
static int keyring_add(struct kx_keyring **krp, X509 *x)
{
	if (!*krp && !(*krp = calloc(1, sizeof(**krp)))) {
		crypto.X509_free(x);
		return -ENOMEM;
	}
	struct kx_keyring *kr = *krp;
	if (kr->n == kr->cap) {
		size_t cap = kr->cap ? kr->cap * 2 : 8;
		X509 **c = realloc(kr->certs, cap * sizeof(*c));
		if (c)
			kr->certs = c;
		char **nm = c ? realloc(kr->names, cap * sizeof(*nm)) : NULL;
		if (!nm) {
			crypto.X509_free(x);
			return -ENOMEM;
		}
		kr->names = nm;
		kr->cap = cap;
	}
	char *name = subject_name(x);
	if (!name) {
		crypto.X509_free(x);
		return -ENOMEM;
	}
	/* Decode the public key now: verification threads then only read it. */
	if (!crypto.X509_get0_pubkey(x)) {
		free(name);
		crypto.X509_free(x);
		crypto.ERR_clear_error();
		return -EINVAL;
	}
	kr->certs[kr->n] = x;
	kr->names[kr->n++] = name;
	return 0;
}

/* One DER certificate of exactly `len` bytes, or NULL. */
static X509 *der_cert(const uint8_t *p, size_t len)
{
	const unsigned char *q = p;
	X509 *x = crypto.d2i_X509(NULL, &q, (long)len);
	if (x && q != p + len) {
		crypto.X509_free(x);
		x = NULL;
	}
	crypto.ERR_clear_error();
	return x;
}

/* A DER SEQUENCE header at p: its total length (header included), or 0. */
static size_t der_seq_len(const uint8_t *p, size_t avail)
{
	if (avail < 4 || p[0] != 0x30)
		return 0;
	if (p[1] == 0x82)
		return 4 + ((size_t)p[2] << 8 | p[3]);
	if (p[1] == 0x81)
		return 3 + (size_t)p[2];
	return 0;
}

/*
 * system_certificate_list is certificates back to back, found by their shape
 * (the image has no symbols): SEQUENCE { SEQUENCE (tbsCertificate) { [0]
 * { INTEGER 2 } (v3) ...  The kernel's own parser (x509_cert_parser.c) is
 * stricter than needed here: whatever OpenSSL accepts with this exact
 * length is a certificate the kernel loaded at boot.
 */
int kx_keyring_scan(struct kx_keyring **kr, const uint8_t *d, size_t size)
{
	size_t found = 0;
	if (!crypto_ready(NULL))
		return -ENOPKG;
	for (size_t i = 0; i + 13 <= size;) {
		const uint8_t *p = memchr(d + i, 0x30, size - i - 12);
		if (!p)
			break;
		i = (size_t)(p - d);
		size_t len = der_seq_len(p, size - i);
		size_t inner = len ? der_seq_len(p + 4, size - i - 4) : 0;
		if (len && p[1] == 0x82 && inner && inner < len && p[5] == 0x82 && i + 13 <= size &&
		    memcmp(p + 8, "\xa0\x03\x02\x01", 4) == 0 && len <= size - i) {
			X509 *x = der_cert(p, len);
			if (x) {
				int r = keyring_add(kr, x);
				if (r == -ENOMEM)
					return r;
				found += r == 0;
				i += len;
				continue;
			}
		}
		i++;
	}
	return (int)(found > INT32_MAX ? INT32_MAX : found);
}

/* The section of a vmlinux ELF in memory that holds the certificate list. */
static int scan_vmlinux(struct kx_keyring **kr, const uint8_t *d, size_t size, char *errmsg)
{
	struct kx_src src;
	struct kx_elf elf;
	kx_src_open_mem(&src, d, size, "vmlinux");
	int r = kx_elf_open(&elf, &src, errmsg);
	if (r < 0) {
		kx_src_close(&src);
		return r;
	}
	int idx = kx_elf_find(&elf, ".init.data");
	const uint8_t *sec = NULL;
	if (idx > 0 && elf.sh[idx].type != KX_SHT_NOBITS &&
	    (r = kx_elf_section(&elf, (size_t)idx, &sec, errmsg)) == 0)
		r = kx_keyring_scan(kr, sec, elf.sh[idx].size);
	else if (idx <= 0) /* no section headers worth trusting: the whole file */
		r = kx_keyring_scan(kr, d, size);
	kx_elf_close(&elf);
	kx_src_close(&src);
	return r;
}

static bool is_pem(const uint8_t *d, size_t size)
{
	static const char tag[] = "-----BEGIN ";
	for (size_t i = 0; i < size && i < 4096; i++) {
		if (d[i] == '-' && size - i >= sizeof(tag) - 1 && memcmp(d + i, tag, sizeof(tag) - 1) == 0)
			return true;
		if (d[i] != ' ' && d[i] != '\t' && d[i] != '\n' && d[i] != '\r' && !isprint(d[i]))
			return false;
	}
	return false;
}

static int read_pem(struct kx_keyring **kr, const uint8_t *d, size_t size, char *errmsg)
{
	BIO *b = crypto.BIO_new_mem_buf(d, size > INT32_MAX ? INT32_MAX : (int)size);
	if (!b)
		return kx_err(errmsg, -ENOMEM, "out of memory");
	int n = 0, r = 0;
	for (;;) {
		X509 *x = crypto.PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (!x) {
			unsigned long e = crypto.ERR_peek_last_error();
			/* The end of the file, or a block that is not a certificate. */
			bool end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
			crypto.ERR_clear_error();
			if (!end)
				r = kx_err(errmsg, -EINVAL, "certificate %d: not a valid PEM X.509 certificate", n + 1);
			break;
		}
		if ((r = keyring_add(kr, x)) < 0) {
			kx_err(errmsg, r, r == -ENOMEM ? "out of memory"
			                               : "certificate %d: unusable public key", n + 1);
			break;
		}
		n++;
	}
	crypto.BIO_free(b);
	if (r == 0 && n == 0)
		r = kx_err(errmsg, -EINVAL, "no CERTIFICATE block in this PEM file");
	return r < 0 ? r : n;
}

/* One or more DER certificates back to back, nothing else. */
static int read_der(struct kx_keyring **kr, const uint8_t *d, size_t size, char *errmsg)
{
	int n = 0;
	for (size_t off = 0; off < size;) {
		size_t len = der_seq_len(d + off, size - off);
		X509 *x = len && len <= size - off ? der_cert(d + off, len) : NULL;
		if (!x)
			return kx_err(errmsg, -EINVAL, "certificate %d at offset %zu: not a DER X.509 certificate",
			              n + 1, off);
		int r = keyring_add(kr, x);
		if (r < 0)
			return kx_err(errmsg, r, r == -ENOMEM ? "out of memory"
			                                      : "certificate %d: unusable public key", n + 1);
		n++;
		off += len;
	}
	if (n == 0)
		return kx_err(errmsg, -EINVAL, "empty: no certificates");
	return n;
}

int kx_keyring_parse(struct kx_keyring **kr, const uint8_t *d, size_t size, char *errmsg)
{
	int r;
	if (!crypto_ready(errmsg))
		return -ENOPKG;
	if (size >= 4 && memcmp(d, "\177ELF", 4) == 0)
		r = scan_vmlinux(kr, d, size, errmsg);
	else if (kx_is_kernel_image(d, size)) {
		void *img;
		size_t img_size;
		char detail[128];
		enum kexport_source_type type;
		if ((r = kx_image_extract(d, size, &img, &img_size, &type, detail, errmsg)) < 0)
			return r;
		if (img_size >= 4 && memcmp(img, "\177ELF", 4) == 0)
			r = scan_vmlinux(kr, img, img_size, errmsg);
		else
			r = kx_keyring_scan(kr, img, img_size); /* arm64 Image: no ELF */
		free(img);
	} else if (is_pem(d, size))
		return read_pem(kr, d, size, errmsg);
	else
		return read_der(kr, d, size, errmsg);
	if (r == 0)
		r = kx_err(errmsg, -ENOENT, "no X.509 certificates in this kernel image");
	else if (r == -ENOMEM)
		kx_err(errmsg, r, "out of memory");
	return r;
}

int kx_read_plain(const char *path, uint8_t **data, size_t *size, char *errmsg)
{
	struct kx_src src;
	enum kexport_compression comp;
	int r = kx_src_open_plain(&src, path, 0, &comp, errmsg);
	if (r < 0)
		return r;
	uint8_t *d = malloc(src.size ? src.size : 1);
	if (!d)
		r = kx_err(errmsg, -ENOMEM, "out of memory");
	else if (src.mem)
		memcpy(d, src.mem, src.size);
	else
		r = kx_src_read(&src, 0, src.size, d, errmsg);
	*size = src.size;
	kx_src_close(&src);
	if (r < 0) {
		free(d);
		return r;
	}
	*data = d;
	return 0;
}

/*
 * The certificates of the last kernel image decompressed for its exports
 * (read.c), kept so that reading its keys for a signed module does not
 * decompress it a second time (kexport check on an installed tree: 0.09 s
 * of 0.23).  One entry, named by the file's identity; taken once.
 */
static struct {
	pthread_mutex_t lock;
	bool set;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct kx_keyring *kr;
	int n;                          /* what scan_vmlinux() returned */
	char err[KEXPORT_ERRMSG_MAX];   /* and said, when n < 0 */
} image_keys = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool same_file(const struct stat *st)
{
	return image_keys.set && st->st_dev == image_keys.dev && st->st_ino == image_keys.ino &&
	       st->st_size == image_keys.size && st->st_mtim.tv_sec == image_keys.mtime.tv_sec &&
	       st->st_mtim.tv_nsec == image_keys.mtime.tv_nsec;
}

void kx_keyring_keep_image(const char *path, const uint8_t *plain, size_t size)
{
	struct stat st;
	if (stat(path, &st) < 0 || size < 4 || memcmp(plain, "\177ELF", 4) != 0 || !crypto_ready(NULL))
		return;
	struct kx_keyring *kr = NULL;
	char err[KEXPORT_ERRMSG_MAX] = "";
	int n = scan_vmlinux(&kr, plain, size, err);
	pthread_mutex_lock(&image_keys.lock);
	kx_keyring_free(image_keys.kr);
	image_keys.set = true;
	image_keys.dev = st.st_dev;
	image_keys.ino = st.st_ino;
	image_keys.size = st.st_size;
	image_keys.mtime = st.st_mtim;
	image_keys.kr = kr;
	image_keys.n = n;
	snprintf(image_keys.err, sizeof(image_keys.err), "%s", err);
	pthread_mutex_unlock(&image_keys.lock);
}

/* The kept keys of PATH, moved into an empty *kr: true with *n what
 * scan_vmlinux() returned (and errmsg what it said), false when none are
 * kept for that file. */
static bool take_image_keys(struct kx_keyring **kr, const char *path, int *n, char *errmsg)
{
	struct stat st;
	if (*kr || stat(path, &st) < 0)
		return false;
	pthread_mutex_lock(&image_keys.lock);
	bool found = same_file(&st);
	if (found) {
		*kr = image_keys.kr;
		*n = image_keys.n;
		if (errmsg && *n < 0)
			snprintf(errmsg, KEXPORT_ERRMSG_MAX, "%s", image_keys.err);
		image_keys.kr = NULL;
		image_keys.set = false;
	}
	pthread_mutex_unlock(&image_keys.lock);
	return found;
}

int kx_keyring_read(struct kx_keyring **kr, const char *path, char *errmsg)
{
	int kept;
	if (take_image_keys(kr, path, &kept, errmsg))
		return kept == 0 ? kx_err(errmsg, -ENOENT, "no X.509 certificates in this kernel image")
		                 : kept;
	uint8_t *d;
	size_t n;
	int r = kx_read_plain(path, &d, &n, errmsg);
	if (r < 0)
		return r;
	r = kx_keyring_parse(kr, d, n, errmsg);
	free(d);
	return r;
}

/* ------------------------------------------------------------------------ */
/* Verification                                                             */

/* The digests pkcs7_parser.c names (SHA-3 from 6.12) that distribution kernels have built in. */
static const EVP_MD *kernel_digest(int nid)
{
	switch (nid) {
	case NID_sha3_256:
		return crypto.EVP_sha3_256();
	case NID_sha3_384:
		return crypto.EVP_sha3_384();
	case NID_sha3_512:
		return crypto.EVP_sha3_512();
	case NID_sha1:
		return crypto.EVP_sha1();
	case NID_sha224:
		return crypto.EVP_sha224();
	case NID_sha256:
		return crypto.EVP_sha256();
	case NID_sha384:
		return crypto.EVP_sha384();
	case NID_sha512:
		return crypto.EVP_sha512();
	}
	return NULL;
}

static int result(struct kexport_sig_result *res, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int result(struct kexport_sig_result *res, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
	res->err = err;
	return err;
}

/* The trusted certificate the signer info names (issuer+serial or SKID). */
static int find_signer(const struct kx_keyring *kr, CMS_SignerInfo *si)
{
	for (size_t i = 0; kr && i < kr->n; i++)
		if (crypto.CMS_SignerInfo_cert_cmp(si, kr->certs[i]) == 0)
			return (int)i;
	return -1;
}

/* pkcs7_verify_one() + pkcs7_validate_trust_one() for a message without certificates. */
static int verify_one(const struct kx_keyring *kr, CMS_SignerInfo *si, const uint8_t *content,
                      size_t content_len, struct kexport_sig_result *res)
{
	X509_ALGOR *dig_alg, *sig_alg;
	crypto.CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig_alg, &sig_alg);
	const ASN1_OBJECT *obj;
	crypto.X509_ALGOR_get0(&obj, NULL, NULL, dig_alg);
	int dnid = crypto.OBJ_obj2nid(obj);
	const EVP_MD *md = kernel_digest(dnid);
	if (!md)
		return result(res, -ENOPKG, "digest algorithm %s is not one the kernel can check",
		              dnid != NID_undef ? crypto.OBJ_nid2sn(dnid) : "(unknown)");
	crypto.X509_ALGOR_get0(&obj, NULL, NULL, sig_alg);
	int snid = crypto.OBJ_obj2nid(obj);
	/*
	 * pkcs7_sig_note_pkey_algo(): rsaEncryption (PKCS#1 v1.5), ECDSA with
	 * any SHA-2 or SHA-3 digest (X9.62 DER; Debian signs 6.12 and 7.x
	 * modules with P-256/P-384 keys), and from 7.x ML-DSA-44/65/87, whose
	 * OIDs OpenSSL knows only from 3.5: without them the signature is not
	 * checked, and the verdict says so rather than guess.
	 */
	bool rsa = snid == NID_rsaEncryption || snid == NID_sha1WithRSAEncryption ||
	           snid == NID_sha224WithRSAEncryption || snid == NID_sha256WithRSAEncryption ||
	           snid == NID_sha384WithRSAEncryption || snid == NID_sha512WithRSAEncryption;
	bool ecdsa = snid == NID_ecdsa_with_SHA1 || snid == NID_ecdsa_with_SHA224 ||
	             snid == NID_ecdsa_with_SHA256 || snid == NID_ecdsa_with_SHA384 ||
	             snid == NID_ecdsa_with_SHA512 || snid == NID_ecdsa_with_SHA3_256 ||
	             snid == NID_ecdsa_with_SHA3_384 || snid == NID_ecdsa_with_SHA3_512;
	if (!rsa && !ecdsa) {
		char oid[80];
		crypto.OBJ_obj2txt(oid, sizeof(oid), obj, 1);
		static const struct { const char *oid, *name; } mldsa[] = {
			{ "2.16.840.1.101.3.4.3.17", "ML-DSA-44" },
			{ "2.16.840.1.101.3.4.3.18", "ML-DSA-65" },
			{ "2.16.840.1.101.3.4.3.19", "ML-DSA-87" },
		};
		for (size_t i = 0; i < KX_ARRAY_SIZE(mldsa); i++)
			if (strcmp(oid, mldsa[i].oid) == 0)
				return result(res, -ENOPKG,
				              "%s signature: the kernel (7.x) can check it, this host's "
				              "OpenSSL cannot, so kexport does not say whether it verifies",
				              mldsa[i].name);
		return result(res, -ENOPKG, "signature algorithm %s is not one kexport can check",
		              snid != NID_undef ? crypto.OBJ_nid2sn(snid) : oid);
	}
	int ki = find_signer(kr, si);
	if (ki < 0)
		return result(res, -ENOKEY, "signed with a key that is not among the kernel's %zu trusted "
		              "certificates", kx_keyring_count(kr));
	snprintf(res->signer, sizeof(res->signer), "%s", kr->names[ki]);
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	if (!crypto.EVP_Digest(content, content_len, dig, &dlen, md, NULL))
		return result(res, -ENOMEM, "digest failed");
	ASN1_OCTET_STRING *sig = crypto.CMS_SignerInfo_get0_signature(si);
	EVP_PKEY *pk = crypto.X509_get0_pubkey(kr->certs[ki]);
	EVP_PKEY_CTX *ctx = pk ? crypto.EVP_PKEY_CTX_new(pk, NULL) : NULL;
	/* The key must be of the signature's kind (public_key_verify_signature()
	 * refuses an RSA signature under an EC key and the reverse: -EKEYREJECTED). */
	int kind = pk ? crypto.EVP_PKEY_get_base_id(pk) : 0;
	int ok = ctx && ((rsa && kind == EVP_PKEY_RSA) || (ecdsa && kind == EVP_PKEY_EC)) &&
	         crypto.EVP_PKEY_verify_init(ctx) > 0 &&
	         (!rsa || crypto.EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0) &&
	         crypto.EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 &&
	         crypto.EVP_PKEY_verify(ctx, crypto.ASN1_STRING_get0_data(sig),
	                                (size_t)crypto.ASN1_STRING_length(sig), dig, dlen) == 1;
	crypto.EVP_PKEY_CTX_free(ctx);
	crypto.ERR_clear_error();
	if (!ok)
		return result(res, -EKEYREJECTED,
		              "the %s signature does not match the module's content under the key of "
		              "%s", crypto.OBJ_nid2sn(dnid), kr->names[ki]);
	return result(res, 0, "%s %s signature verified against the kernel's builtin key %s",
	              rsa ? "RSA" : "ECDSA", crypto.OBJ_nid2sn(dnid), kr->names[ki]);
}

int kx_sig_verify(const struct kx_keyring *kr, const uint8_t *module, size_t size,
                  struct kexport_sig_result *res)
{
	static const char magic[] = "~Module signature appended~\n";
	const size_t ml = sizeof(magic) - 1;
	memset(res, 0, sizeof(*res));
	if (size < ml + 12 || memcmp(module + size - ml, magic, ml) != 0)
		return result(res, -ENODATA, "no signature appended");
	const uint8_t *ms = module + size - ml - 12;
	uint32_t sig_len = kx_get32(ms + 8, true);
	size_t body = size - ml - 12;
	/* mod_check_sig() */
	if (sig_len == 0 || sig_len >= body)
		return result(res, -EBADMSG, "signature length does not fit the file");
	if (ms[2] != 2)
		return result(res, -ENOPKG, "not a PKCS#7 signature");
	if (ms[0] || ms[1] || ms[3] || ms[4] || ms[5] || ms[6] || ms[7])
		return result(res, -EBADMSG, "non-zero fields in struct module_signature");
	const uint8_t *sig = module + body - sig_len;
	size_t content_len = body - sig_len;

	char why[KEXPORT_ERRMSG_MAX];
	if (!crypto_ready(why))
		return result(res, -ENOPKG, "cannot check signatures: %s", why);
	const unsigned char *q = sig;
	CMS_ContentInfo *cms = crypto.d2i_CMS_ContentInfo(NULL, &q, sig_len);
	int err;
	if (!cms || q != sig + sig_len ||
	    crypto.OBJ_obj2nid(crypto.CMS_get0_type(cms)) != NID_pkcs7_signed) {
		err = result(res, -EBADMSG, "the signature is not a PKCS#7 SignedData message");
		goto out;
	}
	/* verify_pkcs7_message_sig(): the content must be detached ... */
	ASN1_OCTET_STRING **pos = crypto.CMS_get0_content(cms);
	if (pos && *pos) {
		snprintf(res->kernel_msg, sizeof(res->kernel_msg),
		         "PKCS#7 signature with non-detached data");
		res->kernel_msg_level = 3;
		err = result(res, -EBADMSG, "the signature carries its own content");
		goto out;
	}
	/* ... pkcs7_verify(VERIFYING_MODULE_SIGNATURE) (pr_fmt "PKCS7: "): of type data, and
	 * without signed attributes. */
	if (crypto.OBJ_obj2nid(crypto.CMS_get0_eContentType(cms)) != NID_pkcs7_data) {
		snprintf(res->kernel_msg, sizeof(res->kernel_msg), "PKCS7: Invalid module sig (not pkcs7-data)");
		res->kernel_msg_level = 4;
		err = result(res, -EKEYREJECTED, "the signed content is not of type pkcs7-data");
		goto out;
	}
	STACK_OF(CMS_SignerInfo) *sis = crypto.CMS_get0_SignerInfos(cms);
	int n = sis ? crypto.OPENSSL_sk_num((const OPENSSL_STACK *)sis) : 0;
	for (int i = 0; i < n; i++)
		if (crypto.CMS_signed_get_attr_count(signer_info(sis, i)) >= 0) {
			snprintf(res->kernel_msg, sizeof(res->kernel_msg), "PKCS7: Invalid module sig (has authattrs)");
			res->kernel_msg_level = 4;
			err = result(res, -EKEYREJECTED, "the signature has signed attributes, which the "
			             "kernel refuses for modules");
			goto out;
		}
	if (n == 0) {
		err = result(res, -EBADMSG, "the signature has no signer");
		goto out;
	}
	/* Several signers: a rejected one wins, then a verified one, then
	 * unsupported crypto, then no key (pkcs7_verify, pkcs7_validate_trust). */
	int best = -ENOKEY;
	struct kexport_sig_result one, keep = { 0 };
	for (int i = 0; i < n; i++) {
		memset(&one, 0, sizeof(one));
		int r = verify_one(kr, signer_info(sis, i), module, content_len, &one);
		int rank = r == -EKEYREJECTED ? 3 : r == 0 ? 2 : r == -ENOPKG ? 1 : 0;
		int best_rank = best == -EKEYREJECTED ? 3 : best == 0 ? 2 : best == -ENOPKG ? 1 : 0;
		if (i == 0 || rank > best_rank || r == -ENOMEM) {
			best = r;
			keep = one;
		}
		if (r == -ENOMEM)
			break;
	}
	*res = keep;
	err = best;
out:
	crypto.CMS_ContentInfo_free(cms);
	crypto.ERR_clear_error();
	return err;
}
