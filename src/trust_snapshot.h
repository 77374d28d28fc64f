/*
 * wssec — a trust snapshot, as the trust units read it: the object that
 * trust_store.c builds from the settings and frees, that validation
 * (trust.c) and the explanations (trust_explain.c) read. Immutable once
 * built, but for the certificate cache, which has its own lock. Kept out of
 * trust.h so that the rest of the library sees only the opaque handle.
 */
#ifndef WSSEC_SRC_TRUST_SNAPSHOT_H
#define WSSEC_SRC_TRUST_SNAPSHOT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

/* A subject or issuer rule: a canonical DN, or "re:REGEX". */
typedef struct subject_rule {
    char *text;  /* as configured, for messages */
    char *canon; /* canonical DN, or NULL for a regular expression */
    regex_t re;
} subject_rule;

struct wssec_trust {
    int refs;
    X509_STORE *store;         /* anchors and CRLs */
    STACK_OF(X509) *anchors;  /* for listing */
    STACK_OF(X509) *known;    /* certs and intermediates: never trusted by themselves */
    struct wssec_pin *pins;   /* --pin (trust_pin.h) */
    size_t npins;
    bool partial;             /* an anchor is not self-signed: partial chains end there */
    STACK_OF(X509_CRL) *crls; /* for diagnostics (revocation dates) */
    int crl_check;             /* WSSEC_CRL_*, in force when there is a CRL to check with */
    subject_rule *subjects, *issuers;
    size_t nsubjects, nissuers;
    size_t max_chain;
    size_t min_rsa_bits, min_ec_bits;
    bool allow_sha1; /* SHA-1-signed certificates below the anchor */
    /* validated (leaf, chain) pairs (trust_cache.h); NULL when off */
    struct wssec_trust_cache *cache;
    /* OCSP settings and answers (ocsp.h); NULL when ocsp is off */
    struct wssec_ocsp *ocsp;
};

#endif /* WSSEC_SRC_TRUST_SNAPSHOT_H */
