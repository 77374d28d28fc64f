/*
 * wssec — trust in words for people: why a certificate path failed
 * (naming the certificate, its place in the chain and the cause: dates,
 * a missing or impostor issuer, revocation with its date and reason, CRLs
 * that cannot be used), and the chain as it would be built, for
 * `wssec inspect`. The words are tested: change them with the tests.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "trust_explain.h"
#include "record.h"
#include "trust_pin.h"
#include "trust_snapshot.h"
#include "trust_store.h"
#include "util.h"
#include "x509.h"
#include "x509_dn.h"

/* ---- refusals: the validators word them into a buffer ---- */

/* Words a refusal into v and returns code (the first reason wins). */
int wssec__trust_refuse(wssec_trust_verdict *v, int code, const char *fmt, ...)
{
    if (v->whylen && !v->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->why, v->whylen, fmt, ap);
        va_end(ap);
    }
    return code;
}

void wssec__trust_where(int depth, const char *role, char *buf, size_t size)
{
    if (depth <= 0) snprintf(buf, size, "the %s certificate", role);
    else snprintf(buf, size, "chain position %d (0 is the %s)", depth, role);
}

/* ---- the pieces of the words ---- */

static void names_of(STACK_OF(X509) *sk, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < sk_X509_num(sk) && off + 4 < size; i++) {
        char dn[256];
        wssec__dn_text(X509_get_subject_name(sk_X509_value(sk, i)), dn, sizeof(dn));
        int w = snprintf(buf + off, size - off, "%s'%s'", i ? ", " : "", dn);
        if (w < 0) break;
        off += (size_t)w;
    }
    if (!buf[0]) snprintf(buf, size, "none");
}

/* The revocation entry of cert in the configured CRLs, for its date and reason. */
static void revocation_words(STACK_OF(X509_CRL) *crls, X509 *cert, char *buf, size_t size)
{
    snprintf(buf, size, "revoked");
    for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
        X509_CRL *crl = sk_X509_CRL_value(crls, i);
        X509_REVOKED *r = NULL;
        if (X509_CRL_get0_by_cert(crl, &r, cert) != 1 || !r) continue;
        char when[40];
        wssec__asn1_time_text(X509_REVOKED_get0_revocationDate(r), when, sizeof(when));
        ASN1_ENUMERATED *reason = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
        /* clang-format off */
        static const char *const reasons[] = {
            "unspecified",  "keyCompromise",        "cACompromise", "affiliationChanged",
            "superseded",   "cessationOfOperation", "certificateHold", "(7)",
            "removeFromCRL", "privilegeWithdrawn",  "aACompromise",
        };
        /* clang-format on */
        long rv = reason ? ASN1_ENUMERATED_get(reason) : -1;
        ASN1_ENUMERATED_free(reason);
        snprintf(buf, size, "revoked on %s (reason %s)", when,
                 rv >= 0 && rv < (long)WSSEC_ARRAY_LEN(reasons) ? reasons[rv] : "not given");
        return;
    }
}

static void crl_words(const wssec_trust *t, X509 *cert, bool next, char *buf, size_t size)
{
    X509_NAME *issuer = X509_get_issuer_name(cert);
    for (int i = 0; i < sk_X509_CRL_num(t->crls); i++) {
        X509_CRL *crl = sk_X509_CRL_value(t->crls, i);
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl), issuer) != 0) continue;
        char when[40];
        wssec__asn1_time_text(next ? X509_CRL_get0_nextUpdate(crl) : X509_CRL_get0_lastUpdate(crl),
                              when, sizeof(when));
        snprintf(buf, size, "%s", when);
        return;
    }
    snprintf(buf, size, "(unknown)");
}

/* 1 when every certificate of sk is issued by the next one (leaf first). */
static int in_order(X509 *leaf, STACK_OF(X509) *sk)
{
    X509 *prev = leaf;
    for (int i = 0; i < sk_X509_num(sk); i++) {
        X509 *x = sk_X509_value(sk, i);
        if (X509_check_issued(x, prev) != X509_V_OK) return 0;
        prev = x;
    }
    return 1;
}

/* ---- why a path validation failed ---- */

const char *wssec__trust_label(const wssec_trust *t, X509 *x)
{
    bool self = X509_self_signed(x, 0) == 1;
    ERR_clear_error();
    if (wssec__trust_is_anchor(t, x))
        return self ? "trust anchor" : "trust anchor (not self-signed)";
    return self ? "root" : "intermediate";
}

/* The validity dates of cur, for an expired or not yet valid certificate. */
void wssec__trust_validity_words(int e, X509 *cur, char *why, size_t size)
{
    char d[40];
    if (e == X509_V_ERR_CERT_HAS_EXPIRED) {
        wssec__asn1_time_text(X509_get0_notAfter(cur), d, sizeof(d));
        snprintf(why, size, "expired on %s", d);
    } else {
        wssec__asn1_time_text(X509_get0_notBefore(cur), d, sizeof(d));
        snprintf(why, size, "is not valid before %s", d);
    }
}

/* An issuer that cannot be found: its name, what the message carried, and
 * whether that was out of order. */
static void issuer_words(X509 *cur, X509 *leaf, STACK_OF(X509) *presented, char *why, size_t size)
{
    char have[600], dn[300];
    names_of(presented, have, sizeof(have));
    wssec__dn_text(X509_get_issuer_name(cur), dn, sizeof(dn));
    snprintf(why, size,
             "has issuer '%.300s', found neither in the message nor among the trust anchors "
             "and known certificates (the message carried: %.500s)%s",
             dn, have,
             presented && sk_X509_num(presented) && !in_order(leaf, presented)
                 ? "; the chain in the message is out of order"
                 : "");
}

/* A revocation check that could not be made: the issuer's CRL expired, is
 * not valid yet, or is not there. */
static void crl_state_words(int e, const wssec_trust *t, X509 *cur, const char *role, char *why,
                            size_t size)
{
    char d[40], dn[300];
    wssec__dn_text(X509_get_issuer_name(cur), dn, sizeof(dn));
    if (e == X509_V_ERR_CRL_HAS_EXPIRED) {
        crl_words(t, cur, true, d, sizeof(d));
        snprintf(why, size,
                 "cannot be checked: the CRL of '%s' expired on %s (load a "
                 "fresh CRL)",
                 dn, d);
    } else if (e == X509_V_ERR_CRL_NOT_YET_VALID) {
        crl_words(t, cur, false, d, sizeof(d));
        snprintf(why, size, "cannot be checked: the CRL of '%s' is not valid before %s", dn, d);
    } else {
        snprintf(why, size,
                 "cannot be checked for revocation: no CRL from '%s' is configured (--crl FILE, "
                 "or --crl-check leaf to check only the %s)",
                 dn, role);
    }
}

/* The cause of error e at certificate cur, in words ("expired on ..."). */
static void failure_words(int e, const wssec_trust *t, X509 *cur, X509 *leaf,
                          STACK_OF(X509) *presented, STACK_OF(X509_CRL) *used, const char *role,
                          char *why, size_t size)
{
    char dn[300];
    switch (e) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID: wssec__trust_validity_words(e, cur, why, size); break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        issuer_words(cur, leaf, presented, why, size);
        break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        wssec__cert_fingerprint_colons(cur, dn);
        snprintf(why, size,
                 "is self-signed and not one of the trust anchors: to trust this certificate "
                 "itself, give it with --trust or --pin sha256:%s",
                 dn);
        break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        snprintf(why, size,
                 "is a self-signed root that is not one of the trust anchors (a root with the "
                 "same name as a trusted one is not that root)");
        break;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        wssec__dn_text(X509_get_issuer_name(cur), dn, sizeof(dn));
        snprintf(why, size,
                 "was not signed by the trusted '%s' (same name, different key: an impostor "
                 "issuer?)",
                 dn);
        break;
    case X509_V_ERR_CERT_REVOKED: revocation_words(used ? used : t->crls, cur, why, size); break;
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_UNABLE_TO_GET_CRL: crl_state_words(e, t, cur, role, why, size); break;
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
        snprintf(why, size, "makes the chain longer than max-chain-length %zu", t->max_chain);
        break;
    case X509_V_ERR_INVALID_CA:
        snprintf(why, size, "is used as an issuer but is not a CA (basicConstraints)");
        break;
    default: snprintf(why, size, "fails path validation: %s", X509_verify_cert_error_string(e));
    }
}

/* Why the configured anchors that bear the name of cur's issuer did not
 * anchor the chain (another key, other key identifiers, outside their
 * validity at the clock): "; the trust anchor 'DN' ... " for each, or "". */
static void anchor_notes(const wssec_trust *t, X509 *cur, time_t now, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < sk_X509_num(t->anchors) && off + 4 < size; i++) {
        X509 *a = sk_X509_value(t->anchors, i);
        if (X509_cmp(a, cur) == 0 ||
            X509_NAME_cmp(X509_get_subject_name(a), X509_get_issuer_name(cur)) != 0)
            continue;
        char why[120], dn[300], d[40];
        int issued = X509_check_issued(a, cur);
        EVP_PKEY *key = X509_get0_pubkey(a);
        if (issued != X509_V_OK)
            snprintf(why, sizeof(why), "%s", X509_verify_cert_error_string(issued));
        else if (!key || X509_verify(cur, key) != 1)
            snprintf(why, sizeof(why), "its key did not sign this certificate");
        else if (X509_cmp_time(X509_get0_notAfter(a), &now) != 1) {
            wssec__asn1_time_text(X509_get0_notAfter(a), d, sizeof(d));
            snprintf(why, sizeof(why), "it expired on %s", d);
        } else if (X509_cmp_time(X509_get0_notBefore(a), &now) != -1) {
            wssec__asn1_time_text(X509_get0_notBefore(a), d, sizeof(d));
            snprintf(why, sizeof(why), "it is not valid before %s", d);
        } else {
            continue; /* usable: not the reason */
        }
        ERR_clear_error();
        wssec__dn_text(X509_get_subject_name(a), dn, sizeof(dn));
        int w = snprintf(buf + off, size - off,
                         "; the trust anchor '%s' has that name but was not used: %s", dn, why);
        if (w < 0) break;
        off += (size_t)w;
    }
}

int wssec__trust_explain(wssec_trust_verdict *v, const wssec_trust *t, X509_STORE_CTX *sctx,
                         X509 *leaf, STACK_OF(X509) *presented, STACK_OF(X509_CRL) *used,
                         const char *role, wssec_time now)
{
    int e = X509_STORE_CTX_get_error(sctx);
    int depth = X509_STORE_CTX_get_error_depth(sctx);
    X509 *cur = X509_STORE_CTX_get_current_cert(sctx);
    if (!cur) cur = leaf;
    char who[700], where[80], why[1200], notes[600] = "";
    wssec__cert_describe(cur, who, sizeof(who));
    wssec__trust_where(depth, role, where, sizeof(where));
    failure_words(e, t, cur, leaf, presented, used, role, why, sizeof(why));
    if (e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
        e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
        e == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE ||
        e == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN)
        anchor_notes(t, cur, (time_t)(now / 1000), notes, sizeof(notes));
    if (depth <= 0)
        return wssec__trust_refuse(v, WSSEC_EUNTRUSTED, "%s %s, at %s, %s%s", role, who, where, why,
                                   notes);
    /* the certificate that failed is not the signer: named by its own role */
    return wssec__trust_refuse(v, WSSEC_EUNTRUSTED, "%s chain: %s %s, at %s, %s%s", role,
                               wssec__trust_label(t, cur), who, where, why, notes);
}

/* ---- the chain as it would be built, for people ---- */

typedef struct link_errors {
    const wssec_trust *t;
    int err[16];   /* first error per depth */
    bool unrooted; /* no path to a self-signed anchor */
} link_errors;

static int collect_cb(int ok, X509_STORE_CTX *sctx)
{
    link_errors *le = X509_STORE_CTX_get_app_data(sctx);
    int depth = X509_STORE_CTX_get_error_depth(sctx), e = X509_STORE_CTX_get_error(sctx);
    if (ok || !le || wssec__trust_crl_exempt(le->t, sctx)) return 1;
    le->unrooted = le->unrooted || wssec__trust_unrooted(e);
    if (depth >= 0 && depth < 16 && !le->err[depth]) le->err[depth] = e;
    return 1; /* go on: the whole chain is described */
}

/* The chain as path validation builds it, every link's first error in le:
 * to a self-signed anchor, then (as wssec__trust_verify) with partial
 * chains when there is no such path. 0 or WSSEC_ENOMEM. */
static int build_described(X509_STORE_CTX *sctx, const wssec_trust *t, X509 *leaf,
                           STACK_OF(X509) *untrusted, STACK_OF(X509_CRL) *eff,
                           unsigned long flags, wssec_time now, link_errors *le)
{
    for (int pass = 0; pass < 2; pass++) {
        memset(le->err, 0, sizeof(le->err));
        le->unrooted = false;
        if (pass) X509_STORE_CTX_cleanup(sctx);
        if (!X509_STORE_CTX_init(sctx, t->store, leaf, untrusted)) return WSSEC_ENOMEM;
        if (eff) X509_STORE_CTX_set0_crls(sctx, eff);
        X509_STORE_CTX_set_app_data(sctx, le);
        X509_STORE_CTX_set_verify_cb(sctx, collect_cb);
        X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sctx);
        X509_VERIFY_PARAM_set_time(param, (time_t)(now / 1000));
        X509_VERIFY_PARAM_set_flags(param, flags | (pass ? X509_V_FLAG_PARTIAL_CHAIN : 0));
        (void)X509_verify_cert(sctx);
        if (!t->partial || !le->unrooted) break;
    }
    return 0;
}

int wssec__trust_describe(wssec_msg *msg, wssec_token *tok, STACK_OF(X509_CRL) *crls)
{
    wssec_trust *t = msg->trust;
    if (!tok->cert) return 0;
    if (wssec__trust_is_pinned(t, tok->cert))
        return wssec_token_set(tok, "chain", "not built: the certificate is pinned (--pin)");
    if (!wssec__trust_has_anchors(t))
        return wssec_token_set(tok, "chain", "not checked: no trust anchors");
    link_errors le;
    memset(&le, 0, sizeof(le));
    le.t = t;
    STACK_OF(X509_CRL) *eff = NULL;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    int rc = WSSEC_ENOMEM;
    if (!untrusted || !sctx || wssec__trust_effective_crls(t, crls, &eff)) goto done;
    for (int i = 0; i < sk_X509_num(tok->chain); i++)
        if (!sk_X509_push(untrusted, sk_X509_value(tok->chain, i))) goto done;
    for (int i = 0; i < sk_X509_num(t->known); i++)
        if (!sk_X509_push(untrusted, sk_X509_value(t->known, i))) goto done;
    if (build_described(sctx, t, tok->cert, untrusted, eff, wssec__trust_crl_flags(t, crls),
                        msg->now, &le))
        goto done;
    ERR_clear_error();
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(sctx);
    rc = 0;
    for (int i = 0; i < sk_X509_num(chain) && i < 16 && !rc; i++) {
        X509 *x = sk_X509_value(chain, i);
        char name[16], dn[300], line[700];
        bool anchor = i == sk_X509_num(chain) - 1 && !le.err[i] && wssec__trust_is_anchor(t, x);
        wssec__dn_text(X509_get_subject_name(x), dn, sizeof(dn));
        snprintf(name, sizeof(name), "chain-%d", i);
        snprintf(line, sizeof(line), "%s: %s%s", dn,
                 le.err[i] ? X509_verify_cert_error_string(le.err[i]) : "ok",
                 anchor ? " (trust anchor)" : "");
        rc = wssec_token_set(tok, name, line);
    }
done:
    X509_STORE_CTX_free(sctx);
    sk_X509_CRL_free(eff);
    sk_X509_free(untrusted);
    return rc;
}
