/* LTPA: the small OpenSSL wrappers the key file and the tokens share. */
#ifndef WSSEC_LTPA_UTIL_H
#define WSSEC_LTPA_UTIL_H

#include <stddef.h>

#include <openssl/evp.h>

/**
 * Standard base64 (with '=' padding, no blanks) into out (cap bytes).
 * @return 0, or -1 when it is not base64 or does not fit.
 */
int ltpa_b64_decode(unsigned char *out, size_t cap, size_t *len, const char *in, size_t inlen);

/**
 * Encrypts (enc 1) or decrypts (enc 0) with PKCS#5 padding; out must hold
 * inlen + one block. iv NULL for ECB.
 * @return LTPA_OK, LTPA_EDECRYPT (bad padding), LTPA_ENOMEM, LTPA_EINTERNAL.
 */
int ltpa_cipher(unsigned char *out, size_t *outlen, const EVP_CIPHER *cipher,
                const unsigned char *key, const unsigned char *iv, const unsigned char *in,
                size_t inlen, int enc);

#endif /* WSSEC_LTPA_UTIL_H */
