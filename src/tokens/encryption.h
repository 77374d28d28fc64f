/*
 * wssec — what the encryption module offers its own tests.
 */
#ifndef WSSEC_SRC_TOKENS_ENCRYPTION_H
#define WSSEC_SRC_TOKENS_ENCRYPTION_H

#include <stddef.h>

#include <openssl/evp.h>

/* RSA key transport unwrap of want bytes. With RSA-1.5 (kt WSSEC_KT_RSA15)
 * it never fails: a non-conformant key yields a substitute derived from the
 * wrapped bytes and a per-process secret. */
int wssec__rsa_unwrap(EVP_PKEY *pk, int kt, const unsigned char *in, size_t inlen, size_t want,
                      unsigned char *key);

#endif /* WSSEC_SRC_TOKENS_ENCRYPTION_H */
