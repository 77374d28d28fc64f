/*
 * wssec — warnings before things break: a trust anchor, a known or an own
 * certificate, a CRL or a signer that works today and will not for long (it
 * expires within expiry-warning-days of the clock), or that no longer does
 * (expired, not valid yet, a CRL past its nextUpdate). A warning never
 * changes a verdict: validation (trust.c) refuses what is out of date; this
 * unit says so before it happens, at load, at reload and in reports.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "trust_warn.h"
#include "context.h"
#include "trust_snapshot.h"
#include "trust_store.h"
#include "util.h"
#include "x509.h"

#define DAY_MS ((wssec_time)86400 * 1000)

/* "in 19 days", "in less than a day", "1612 days ago": how far t is from now. */
static void span_words(wssec_time t, wssec_time now, char *buf, size_t size)
{
    wssec_time d = t >= now ? t - now : now - t;
    int64_t days = (int64_t)(d / DAY_MS);
    if (t >= now && days == 0) snprintf(buf, size, "in less than a day");
    else if (t >= now) snprintf(buf, size, "in %" PRId64 " day%s", days, days == 1 ? "" : "s");
    else if (days == 0) snprintf(buf, size, "less than a day ago");
    else snprintf(buf, size, "%" PRId64 " day%s ago", days, days == 1 ? "" : "s");
}

/* 1 when t (not before now) falls within days of now. */
static int within(wssec_time t, wssec_time now, size_t days)
{
    return t >= now && (uint64_t)((t - now) / DAY_MS) < (uint64_t)days;
}

static int date_words(const ASN1_TIME *at, wssec_time *t, wssec_time now, char *date, size_t dsize,
                      char *span, size_t ssize)
{
    if (!at || wssec__asn1_time(at, t) || wssec_time_format(date, dsize, *t, 0)) return 0;
    span_words(*t, now, span, ssize);
    return 1;
}

int wssec__trust_warn_cert(X509 *x, const char *what, wssec_time now, size_t days, char *buf,
                           size_t size)
{
    char who[700], date[40], span[64];
    const char *state = NULL;
    wssec_time t;
    if (!days || !x) return 0;
    if (date_words(X509_get0_notBefore(x), &t, now, date, sizeof(date), span, sizeof(span)) &&
        t > now)
        state = "is not valid before";
    else if (!date_words(X509_get0_notAfter(x), &t, now, date, sizeof(date), span, sizeof(span)))
        return 0;
    else if (t < now) state = "expired on";
    else if (!within(t, now, days)) return 0;
    /* named only when there is something to say (describing allocates) */
    wssec__cert_describe(x, who, sizeof(who));
    if (state) snprintf(buf, size, "%s %s %s %s (%s)", what, who, state, date, span);
    else
        snprintf(buf, size, "%s %s expires on %s, %s (expiry-warning-days %zu)", what, who, date,
                 span, days);
    return 1;
}

int wssec__trust_warn_crl(X509_CRL *crl, wssec_time now, size_t days, char *buf, size_t size)
{
    char dn[300], num[80] = "", date[40], span[64];
    wssec_time t;
    if (!days || !crl) return 0;
    wssec__dn_text(X509_CRL_get_issuer(crl), dn, sizeof(dn));
    ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
    long v = n ? ASN1_INTEGER_get(n) : -1;
    ASN1_INTEGER_free(n);
    ERR_clear_error();
    if (v >= 0) snprintf(num, sizeof(num), " (CRL number %ld)", v);
    if (date_words(X509_CRL_get0_lastUpdate(crl), &t, now, date, sizeof(date), span,
                   sizeof(span)) &&
        t > now) {
        snprintf(buf, size,
                 "CRL of issuer '%s'%s is not valid before %s (%s): revocation checks against it "
                 "fail until then",
                 dn, num, date, span);
        return 1;
    }
    if (!date_words(X509_CRL_get0_nextUpdate(crl), &t, now, date, sizeof(date), span, sizeof(span)))
        return 0; /* no nextUpdate: nothing to foresee */
    if (t < now) {
        snprintf(buf, size,
                 "CRL of issuer '%s'%s is past its nextUpdate %s (%s): revocation checks against "
                 "it fail; load a fresh CRL",
                 dn, num, date, span);
        return 1;
    }
    if (!within(t, now, days)) return 0;
    snprintf(buf, size,
             "CRL of issuer '%s'%s reaches its nextUpdate on %s, %s (expiry-warning-days %zu): "
             "load a fresh CRL before then",
             dn, num, date, span, days);
    return 1;
}

/* Adds text to out once. 0 or WSSEC_ENOMEM. */
static int add_once(wssec_strlist *out, const char *text)
{
    for (size_t i = 0; i < out->n; i++)
        if (strcmp(out->v[i], text) == 0) return 0;
    return wssec__strlist_add(out, text);
}

static int warn_certs(wssec_strlist *out, STACK_OF(X509) * sk, const char *what, wssec_time now,
                      size_t days)
{
    char text[1000];
    for (int i = 0; i < sk_X509_num(sk); i++)
        if (wssec__trust_warn_cert(sk_X509_value(sk, i), what, now, days, text, sizeof(text)))
            WSSEC_GUARD(add_once(out, text));
    return 0;
}

static int warn_cert(wssec_strlist *out, X509 *x, const char *what, wssec_time now, size_t days)
{
    char text[1000];
    return wssec__trust_warn_cert(x, what, now, days, text, sizeof(text)) ? add_once(out, text) : 0;
}

int wssec__trust_warn_load(wssec_strlist *out, const wssec_ctx *ctx, const wssec_trust *t)
{
    size_t days = ctx->s.expiry_warning_days;
    if (!days) return 0;
    wssec_time now = wssec_ctx_now(ctx);
    char text[1000];
    WSSEC_GUARD(warn_certs(out, wssec__trust_anchors(t), "trust anchor", now, days));
    WSSEC_GUARD(warn_certs(out, wssec__trust_known(t), "known certificate", now, days));
    for (int i = 0; t && i < sk_X509_CRL_num(t->crls); i++)
        if (wssec__trust_warn_crl(sk_X509_CRL_value(t->crls, i), now, days, text, sizeof(text)))
            WSSEC_GUARD(add_once(out, text));
    WSSEC_GUARD(warn_cert(out, ctx->sign_x509, "signing certificate", now, days));
    WSSEC_GUARD(warn_certs(out, ctx->sign_chain, "signing chain certificate", now, days));
    if (ctx->s.decrypt_cert)
        WSSEC_GUARD(
            warn_cert(out, ctx->dec_x509[0], "decryption certificate (decrypt-cert)", now, days));
    return warn_cert(out, ctx->enc_x509, "recipient certificate (encrypt-cert)", now, days);
}

int wssec__trust_warn_signer(wssec_msg *msg, X509 *cert)
{
    const wssec_ctx *ctx = wssec_msg_ctx(msg);
    size_t days = ctx->s.expiry_warning_days;
    wssec_time now = wssec_msg_now(msg), t;
    char text[1000];
    /* an expired or not yet valid signer is refused: only what is still good is foreseen */
    if (!days || wssec__asn1_time(X509_get0_notAfter(cert), &t) || !within(t, now, days) ||
        !wssec__trust_warn_cert(cert, "signer certificate", now, days, text, sizeof(text)))
        return 0;
    return wssec_msg_warn(msg, text) ? WSSEC_ENOMEM : 0;
}
