/*
 * wssec — the certificate cache (trust_cache.c): outcomes of path
 * validation, kept per trust snapshot by the SHA-256 of the leaf and the
 * certificates presented with it, for as long as every certificate (and
 * CRL) of the validated chain is valid and at most cert-cache-max-age.
 * Shared by the threads that verify against the snapshot (one lock).
 */
#ifndef WSSEC_SRC_TRUST_CACHE_H
#define WSSEC_SRC_TRUST_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "wssec/common.h"

typedef struct wssec_trust_cache wssec_trust_cache;

/* A cache of at most size outcomes (cert-cache-size; size 0: none, *out
 * NULL); when full, it starts afresh (outcomes can be computed again). 0
 * or WSSEC_ENOMEM. */
int wssec__trust_cache_new(wssec_trust_cache **out, size_t size, wssec_time max_age);
void wssec__trust_cache_free(wssec_trust_cache *c);
/* The key of a check: SHA-256 over the digests of leaf and presented. 0 or
 * WSSEC_EINTERNAL. */
int wssec__trust_cache_key(X509 *leaf, STACK_OF(X509) *presented, unsigned char key[32]);
/* true when key was validated, and the outcome still holds at now. */
bool wssec__trust_cache_lookup(wssec_trust_cache *c, const unsigned char key[32], wssec_time now);
/* The window in which a validated chain's outcome holds: the latest
 * notBefore (and thisUpdate of crls) to the earliest notAfter (and
 * nextUpdate of crls). crls: the CRLs checked, or NULL. */
void wssec__trust_cache_window(STACK_OF(X509) *chain, STACK_OF(X509_CRL) *crls, wssec_time *nb,
                               wssec_time *na);
/* Remembers that key validated, within [nb, na], from now for max_age. */
void wssec__trust_cache_store(wssec_trust_cache *c, const unsigned char key[32], wssec_time nb,
                              wssec_time na, wssec_time now);

#endif /* WSSEC_SRC_TRUST_CACHE_H */
