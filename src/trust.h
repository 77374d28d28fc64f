/*
 * wssec — X.509 trust (trust.c): whether a certificate is trusted for a
 * use, through the message's certificate validator (the default one, or an
 * application's: wssec_cert_validator), and the trust questions the rest
 * of the library asks.
 *
 * The trust service is four units: trust.c (validation), trust_store.c
 * (snapshots of trust material), trust_cache.c (validated chains) and
 * trust_explain.c (reasons in words, the chain for `wssec inspect`). This
 * header brings in the store's and the explanations' too, which is all
 * that the library outside the trust units uses.
 */
#ifndef WSSEC_SRC_TRUST_H
#define WSSEC_SRC_TRUST_H

#include <openssl/x509.h>
#include <libxml/tree.h>

#include "wssec/process.h"
#include "trust_explain.h"
#include "trust_store.h"

enum { WSSEC_USE_SIGN = 1, WSSEC_USE_ENCRYPT = 2 };

/* 1 when cert is pinned (--pin), or chains to an anchor through configured
 * certificates only (none carried in the message), at the message's clock;
 * 0 when not. */
int wssec__trust_configured_chain(wssec_msg *msg, X509 *cert);
/* Validates leaf (with the certificates presented in the message) against
 * the message's trust snapshot at the message's clock; records a precise
 * WSSEC_EUNTRUSTED on the message. role names the certificate ("signer"). */
int wssec__trust_check(wssec_msg *msg, X509 *leaf, STACK_OF(X509) *presented,
                       STACK_OF(X509_CRL) *crls, int usage, const char *role, xmlNodePtr node);
/* The path of x (a CA certificate checked offline) to the anchors: path
 * validation as for a signer (partial chains, CRLs, max-chain-length at the
 * message's clock) and the chain's keys and signatures; 0, or the refusal
 * in v. */
int wssec__trust_check_path(wssec_trust_verdict *v, const wssec_msg *msg, X509 *x,
                            STACK_OF(X509) *presented, const char *role);
/* 1 when the message's trust snapshot has anchors but no subject rule: any
 * certificate the anchors issued is accepted as a signer. */
int wssec__trust_unconstrained(const wssec_msg *msg);
/* When the message's last trust check was answered by the certificate
 * cache, says so on tok (property "cert-cache": "hit"); then forgets it.
 * 0, or WSSEC_ENOMEM (then nothing is forgotten). */
int wssec__trust_note_cache_hit(wssec_msg *msg, wssec_token *tok);

#endif /* WSSEC_SRC_TRUST_H */
