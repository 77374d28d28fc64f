/*
 * wssec — the trust store (trust_store.c): reference-counted snapshots of
 * trust material (anchors, known and intermediate certificates, CRLs,
 * subject and issuer rules), built from the settings, and the CRLs a check
 * uses. What a snapshot holds is private to the trust units
 * (trust_snapshot.h).
 */
#ifndef WSSEC_SRC_TRUST_STORE_H
#define WSSEC_SRC_TRUST_STORE_H

#include <openssl/x509.h>

#include "wssec/process.h"
#include "error.h"
#include "settings.h"

typedef struct wssec_trust wssec_trust;

/* The context's current trust snapshot, retained for the caller. */
wssec_trust *wssec__ctx_trust(const wssec_ctx *ctx);

int wssec__trust_new(wssec_trust **out, const wssec_settings *s, wssec_errrec *err);
wssec_trust *wssec__trust_retain(wssec_trust *t);
void wssec__trust_release(wssec_trust *t);
int wssec__trust_has_anchors(const wssec_trust *t);
int wssec__trust_has_subject_rules(const wssec_trust *t);
/* 1 when --pin gave at least one pin. */
int wssec__trust_has_pins(const wssec_trust *t);
/* 1 when x is, byte for byte, one of the configured trust anchors. */
int wssec__trust_is_anchor(const wssec_trust *t, const X509 *x);
/* 1 when x matches a pin (its certificate's or its key's SHA-256). */
int wssec__trust_is_pinned(const wssec_trust *t, const X509 *x);
/* For a verify callback: 1 when the error of sctx is a CRL that cannot be
 * had for the top of the chain and that certificate is a configured anchor
 * that is not self-signed (an anchor is trusted as configured: its issuer's
 * CRL could not be checked without the issuer, which is not configured). */
int wssec__trust_crl_exempt(const wssec_trust *t, X509_STORE_CTX *sctx);
/* The known certificates, then the anchors (for key references by
 * issuer-serial, SKI or thumbprint). Borrowed. */
STACK_OF(X509) *wssec__trust_known(const wssec_trust *t);
STACK_OF(X509) *wssec__trust_anchors(const wssec_trust *t);

/* Path validation of leaf with untrusted candidates on sctx (a fresh
 * X509_STORE_CTX): setup(sctx, arg) sets the parameters, the CRLs and the
 * callback after each initialisation. The path goes to a self-signed anchor
 * first, as it always did; when there is none and a configured anchor is
 * not self-signed, it is built again with partial chains (ending at the
 * first configured anchor). 1 when valid, 0 when not (the error in sctx),
 * WSSEC_ENOMEM. */
int wssec__trust_verify(const wssec_trust *t, X509_STORE_CTX *sctx, X509 *leaf,
                        STACK_OF(X509) *untrusted, void (*setup)(X509_STORE_CTX *, void *),
                        void *arg);
/* 1 when e (X509_V_ERR_*) says a path reaches no self-signed anchor (an
 * issuer not found, a self-signed certificate that is none, too long). */
int wssec__trust_unrooted(int e);
/* The X509_V_FLAG_CRL_* flags of a check: CRL checking is in force (as
 * crl-check says) when CRLs are configured or the message carries some. */
unsigned long wssec__trust_crl_flags(const wssec_trust *t, STACK_OF(X509_CRL) *crls);
/* The CRLs a check uses when the message carries some (*out NULL when it
 * carries none): the configured ones, and of the message's only the newest
 * of an issuer the configuration has none of. Borrowed entries: free the
 * stack with sk_X509_CRL_free. 0 or WSSEC_ENOMEM. */
int wssec__trust_effective_crls(const wssec_trust *t, STACK_OF(X509_CRL) *carried,
                                STACK_OF(X509_CRL) **out);

#endif /* WSSEC_SRC_TRUST_STORE_H */
