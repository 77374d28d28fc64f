/*
 * wssec — trust in words for people (trust_explain.c): the reason a path
 * validation failed, naming the certificate and the cause, and the chain
 * as OpenSSL would build it, link by link, for `wssec inspect`.
 */
#ifndef WSSEC_SRC_TRUST_EXPLAIN_H
#define WSSEC_SRC_TRUST_EXPLAIN_H

#include <stddef.h>

#include <openssl/x509.h>

#include "wssec/common.h"
#include "wssec/process.h"
#include "trust_store.h"

/* Where a check's reason goes: the why buffer of the validator call. */
typedef struct wssec_trust_verdict {
    char *why;
    size_t whylen;
} wssec_trust_verdict;

/* Words a refusal into v and returns code (the first reason wins). */
int wssec__trust_refuse(wssec_trust_verdict *v, int code, const char *fmt, ...) WSSEC_PRINTF(3, 4);
/* "the signer certificate" (depth 0) or "chain position 2 (0 is the signer)". */
void wssec__trust_where(int depth, const char *role, char *buf, size_t size);
/* After X509_verify_cert failed on sctx: refuses (WSSEC_EUNTRUSTED) with the
 * failing certificate, its role and place in the chain and the cause in
 * words, and why configured anchors named like its issuer were not used
 * (at now, the message's clock). used: the CRLs the check was given (NULL:
 * the configured ones). */
int wssec__trust_explain(wssec_trust_verdict *v, const wssec_trust *t, X509_STORE_CTX *sctx,
                         X509 *leaf, STACK_OF(X509) *presented, STACK_OF(X509_CRL) *used,
                         const char *role, wssec_time now);
/* The role of a certificate above the signer in its chain: "trust anchor"
 * (a configured one; "trust anchor (not self-signed)" when it is not a
 * root), "root" (self-signed, not configured) or "intermediate". */
const char *wssec__trust_label(const wssec_trust *t, X509 *x);
/* "expired on DATE" (e X509_V_ERR_CERT_HAS_EXPIRED) or "is not valid before
 * DATE" (X509_V_ERR_CERT_NOT_YET_VALID), of cur's dates. */
void wssec__trust_validity_words(int e, X509 *cur, char *why, size_t size);
/* Adds the chain as OpenSSL would build it, one property per link with its
 * status ("chain-0" ... "chain-N"), to a token: for `wssec inspect`. */
int wssec__trust_describe(wssec_msg *msg, wssec_token *tok, STACK_OF(X509_CRL) *crls);

#endif /* WSSEC_SRC_TRUST_EXPLAIN_H */
