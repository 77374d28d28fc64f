/*
 * wssec — trust: anchors, CRLs, certificate paths and the certificate cache
 * (trust.c).
 */
#ifndef WSSEC_SRC_TRUST_H
#define WSSEC_SRC_TRUST_H

#include <openssl/x509.h>
#include <libxml/tree.h>

#include "wssec/process.h"
#include "error.h"
#include "settings.h"

typedef struct wssec_trust wssec_trust;
enum { WSSEC_USE_SIGN = 1, WSSEC_USE_ENCRYPT = 2 };

/* The context's current trust snapshot, retained for the caller. */
wssec_trust *wssec__ctx_trust(const wssec_ctx *ctx);

int wssec__trust_new(wssec_trust **out, const wssec_settings *s, wssec_errrec *err);
wssec_trust *wssec__trust_retain(wssec_trust *t);
void wssec__trust_release(wssec_trust *t);
int wssec__trust_has_anchors(const wssec_trust *t);
int wssec__trust_has_subject_rules(const wssec_trust *t);
STACK_OF(X509) *wssec__trust_known(const wssec_trust *t);
STACK_OF(X509) *wssec__trust_anchors(const wssec_trust *t);
/* 1 when cert chains to an anchor through configured certificates only (none
 * carried in the message), at the message's clock; 0 when not. */
int wssec__trust_configured_chain(wssec_msg *msg, X509 *cert);
/* Validates leaf (with the certificates presented in the message) against
 * the message's trust snapshot at the message's clock; records a precise
 * WSSEC_EUNTRUSTED on the message. role names the certificate ("signer"). */
int wssec__trust_check(wssec_msg *msg, X509 *leaf, STACK_OF(X509) *presented,
                       STACK_OF(X509_CRL) *crls, int usage, const char *role, xmlNodePtr node);
/* Adds the chain as OpenSSL would build it, one property per link with its
 * status ("chain-0" ... "chain-N"), to a token: for `wssec inspect`. */
int wssec__trust_describe(wssec_msg *msg, wssec_token *tok, STACK_OF(X509_CRL) *crls);
/* 1 when the message's trust snapshot has anchors but no subject rule: any
 * certificate the anchors issued is accepted as a signer. */
int wssec__trust_unconstrained(const wssec_msg *msg);
/* When the message's last trust check was answered by the certificate
 * cache, says so on tok (property "cert-cache": "hit"); then forgets it.
 * 0, or WSSEC_ENOMEM (then nothing is forgotten). */
int wssec__trust_note_cache_hit(wssec_msg *msg, wssec_token *tok);

#endif /* WSSEC_SRC_TRUST_H */
