/*
 * wssec — the OCSP response cache (ocsp_cache.c): verified answers of OCSP
 * responders, kept per trust snapshot (dropped on reload) by the SHA-256 of
 * the certificate checked and its issuer, for as long as the response is
 * valid: until its nextUpdate, or a fixed age after its thisUpdate when it
 * has none. Shared by the threads that verify against the snapshot (one
 * lock); bounded (ocsp-cache-size).
 */
#ifndef WSSEC_SRC_OCSP_CACHE_H
#define WSSEC_SRC_OCSP_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "wssec/common.h"

typedef struct wssec_ocsp_cache wssec_ocsp_cache;

/* What a verified response said of one certificate. */
typedef struct wssec_ocsp_answer {
    int status;                       /* V_OCSP_CERTSTATUS_* */
    int reason;                       /* revoked: OCSP_REVOKED_STATUS_*, or -1 */
    wssec_time revoked_at;            /* revoked: when */
    wssec_time this_update, valid_to; /* valid_to: nextUpdate, or thisUpdate + the max age */
    bool has_next_update;
    char url[256]; /* the responder asked (cut when longer) */
} wssec_ocsp_answer;

/* A cache of at most size answers (size 0: none, *out NULL). 0 or
 * WSSEC_ENOMEM. */
int wssec__ocsp_cache_new(wssec_ocsp_cache **out, size_t size);
void wssec__ocsp_cache_free(wssec_ocsp_cache *c);
/* The key of a check: SHA-256 over the SHA-256 digests of cert and issuer.
 * 0 or WSSEC_EINTERNAL. */
int wssec__ocsp_cache_key(X509 *cert, X509 *issuer, unsigned char key[32]);
/* true, with the answer in *out, when key has one that is valid at now
 * within skew (thisUpdate - skew <= now <= valid_to + skew). c may be NULL. */
bool wssec__ocsp_cache_get(wssec_ocsp_cache *c, const unsigned char key[32], wssec_time now,
                           wssec_time skew, wssec_ocsp_answer *out);
/* Remembers an answer (when full: drops what expired at now, else starts
 * afresh). c may be NULL. */
void wssec__ocsp_cache_put(wssec_ocsp_cache *c, const unsigned char key[32],
                           const wssec_ocsp_answer *a, wssec_time now, wssec_time skew);

#endif /* WSSEC_SRC_OCSP_CACHE_H */
