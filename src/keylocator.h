/*
 * wssec — the key locator (include/wssec/keylocator.h): the default one
 * (the configured keys), the seam that asks a custom one, the reading of an
 * EncryptedKey's key reference, the copy of a private key for one use and
 * the copy kept for signing (keylocator.c).
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

/* A reference to the copy of pk kept for signing (free with
 * EVP_PKEY_free()): made at the first signature and kept with pk (its
 * ex_data, freed with it), so that the copy's precomputations (an RSA key's
 * Montgomery contexts and blinding) serve every message signed with pk
 * instead of being made again for each. pk itself, shared, for a key OpenSSL
 * cannot copy. NULL when out of memory. Thread-safe. */
EVP_PKEY *wssec__pkey_for_signing(EVP_PKEY *pk);

/* After a signature made with `used` (from wssec__pkey_for_signing(pk))
 * failed in the private-key operation: the kept copy is replaced by a new
 * one (a failed RSA signature may leave the key's blinding state
 * inconsistent, and every later signature made with it would not verify);
 * when memory is short, by none, and the next signature makes it. */
void wssec__pkey_signing_failed(EVP_PKEY *pk, const EVP_PKEY *used);

#endif /* WSSEC_SRC_KEYLOCATOR_H */
