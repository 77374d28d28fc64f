/*
 * wssec — the key locator (include/wssec/keylocator.h): the default one
 * (the configured keys), the seam that asks a custom one, the reading of an
 * EncryptedKey's key reference, and the copy of a private key for one use
 * (keylocator.c).
 */
#ifndef WSSEC_SRC_KEYLOCATOR_H
#define WSSEC_SRC_KEYLOCATOR_H

#include <openssl/evp.h>

#include "wssec/keylocator.h"

/* A reference to pk for one operation (free with EVP_PKEY_free()): a copy
 * of a key OpenSSL holds in memory (OpenSSL 3.0 leaves an RSA key's
 * blinding state inconsistent when an allocation fails while it renews it;
 * the copy takes the damage with it), or pk itself, shared, for a key
 * OpenSSL cannot copy (a key in a PKCS#11 token, behind an engine). NULL
 * when out of memory. */
EVP_PKEY *wssec__pkey_for_use(EVP_PKEY *pk);

#endif /* WSSEC_SRC_KEYLOCATOR_H */
