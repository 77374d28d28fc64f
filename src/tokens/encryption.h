/*
 * wssec — what the encryption module offers its own tests.
 */
#ifndef WSSEC_SRC_TOKENS_ENCRYPTION_H
#define WSSEC_SRC_TOKENS_ENCRYPTION_H

#include <stddef.h>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "algs.h"

/* RSA key transport unwrap of want bytes. With RSA-1.5 (kt WSSEC_KT_RSA15)
 * it never fails: a non-conformant key yields a substitute derived from the
 * wrapped bytes and a per-process secret. */
int wssec__rsa_unwrap(EVP_PKEY *pk, int kt, const unsigned char *in, size_t inlen, size_t want,
                      unsigned char *key);

/* The AES-GCM decryption of an xenc:CipherValue's text (its text and CDATA
 * children) without xmlsec, alg aes128-gcm or aes256-gcm with its key: 0
 * with the plaintext in *out (wssec__free), WSSEC_EDECRYPT, WSSEC_ENOMEM,
 * or 1 when the text is not strict base64 and xmlsec is to decide. */
int wssec__gcm_decrypt(xmlNodePtr cv, const wssec_alg *alg, const unsigned char *key,
                       unsigned char **out, size_t *outlen);

#endif /* WSSEC_SRC_TOKENS_ENCRYPTION_H */
