/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: trusted certificates (kexport_kernel_parse_signing_keys:
 * PEM, DER, the certificate list found by shape in a vmlinux or kernel
 * image) and a module's appended PKCS#7 signature verified against them
 * (kexport_kernel_verify_module).
 *
 * Input: a 2-byte little-endian length n, n bytes of certificates, then the
 * module (trailer included).  The certificate bytes also go through the scan
 * for certificates by shape that an image's .init.data gets.
 */
#include "fuzz-common.h"
#include "libkexport-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t n = (size_t)data[0] | (size_t)data[1] << 8;
	data += 2;
	size -= 2;
	if (n > size)
		n = size;
	struct kexport_kernel *k;
	FUZZ_CHECK(kexport_kernel_new(fuzz_ctx(), &k) == 0, "kexport_kernel_new failed");
	uint8_t *keys = (uint8_t *)fuzz_dup(data, n);
	fuzz_diag_reset();
	int r = kexport_kernel_parse_signing_keys(k, keys, n);
	FUZZ_CHECK(r != 0 || n == 0 || kexport_kernel_signing_key_count(k) == 0,
	           "keys counted but 0 returned");
	fuzz_check_reported(r, "(memory)", "kexport_kernel_parse_signing_keys");
	if (r >= 0)
		FUZZ_CHECK((size_t)r == kexport_kernel_signing_key_count(k),
		           "returned %d, count %zu", r, kexport_kernel_signing_key_count(k));
	struct kx_keyring *kr = NULL;
	int found = kx_keyring_scan(&kr, keys, n);
	FUZZ_CHECK(found >= 0 && (size_t)found == kx_keyring_count(kr), "scan: %d", found);
	kx_keyring_free(kr);
	for (size_t i = 0; i < kexport_kernel_signing_key_count(k); i++)
		fuzz_sink += fuzz_str(kexport_kernel_signing_key_name(k, i));

	uint8_t *mod = (uint8_t *)fuzz_dup(data + n, size - n);
	KEXPORT_SIZED(kexport_sig_result, res);
	int v = kexport_kernel_verify_module(k, mod, size - n, &res);
	FUZZ_CHECK(v == res.err, "returned %d, res.err %d", v, res.err);
	FUZZ_CHECK(v == 0 || v == -ENODATA || v == -ENOKEY || v == -EKEYREJECTED ||
	                   v == -ENOPKG || v == -EBADMSG || v == -ENOMEM,
	           "verify returned %d", v);
	FUZZ_CHECK(memchr(res.detail, '\0', sizeof(res.detail)) && res.detail[0],
	           "no explanation");
	FUZZ_CHECK(memchr(res.signer, '\0', sizeof(res.signer)) != NULL, "signer unterminated");
	FUZZ_CHECK(memchr(res.kernel_msg, '\0', sizeof(res.kernel_msg)) != NULL,
	           "kernel_msg unterminated");
	FUZZ_CHECK(v != 0 || res.signer[0], "verified without a signer");
	free(mod);
	free(keys);
	kexport_kernel_free(k);
	return 0;
}
