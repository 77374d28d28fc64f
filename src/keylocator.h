/*
 * wssec — the key locator (include/wssec/keylocator.h): the default one
 * (the configured keys), the seam that asks a custom one, the reading of an
 * EncryptedKey's key reference, the copy of a private key for one use and
 * the copy kept for signing and decrypting (keylocator.c).
 */
#ifndef WSSEC_SRC_KEYLOCATOR_H
#define WSSEC_SRC_KEYLOCATOR_H

#include <stdbool.h>

#include <openssl/evp.h>

#include "wssec/keylocator.h"

/* A reference to pk for one operation (free with EVP_PKEY_free()): a copy
 * of a key OpenSSL holds in memory (OpenSSL 3.0 leaves an RSA key's
 * blinding state inconsistent when an allocation fails while it renews it;
 * the copy takes the damage with it), or pk itself, shared, for a key
 * OpenSSL cannot copy (a key in a PKCS#11 token, behind an engine). NULL
 * when out of memory. */
EVP_PKEY *wssec__pkey_for_use(EVP_PKEY *pk);

/* A reference to the copy of pk kept for its private-key operations
 * (free with EVP_PKEY_free()): made at the first signature or decryption
 * and kept with pk (its ex_data, freed with it), so that the copy's
 * precomputations (an RSA key's Montgomery contexts and blinding) serve
 * every message instead of being made again for each. pk itself, shared,
 * for a key OpenSSL cannot copy. NULL when out of memory. Thread-safe. */
EVP_PKEY *wssec__pkey_kept(EVP_PKEY *pk);

/* After a private-key operation with `used` (from wssec__pkey_kept(pk))
 * failed for want of a resource: the kept copy is replaced by a new one (an
 * RSA key's blinding state may be left inconsistent, and every later
 * operation with it would give a wrong result); when memory is short, by
 * none, and the next use makes it. Nothing happens when `used` is no longer
 * the kept copy. */
void wssec__pkey_kept_renew(EVP_PKEY *pk, const EVP_PKEY *used);

/* Whether OpenSSL's error queue, which this empties, holds a failure of a
 * resource (memory) rather than one of the input. A decryption renews the
 * kept key only then: renewing after a padding failure would make the
 * next decryption slower, telling a sender how its padding fared. */
bool wssec__err_resource_failure(void);

#endif /* WSSEC_SRC_KEYLOCATOR_H */
