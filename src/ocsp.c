/*
 * wssec — revocation by OCSP: the snapshot's OCSP settings, and the check
 * of one validated chain against the responders (see ocsp.h). OpenSSL does
 * the protocol: the request and its nonce (OCSP_cert_to_id,
 * OCSP_request_add1_nonce), the exchange over HTTP with a timeout and a
 * bounded response (OSSL_HTTP_transfer), the response's signature and its
 * signer's authority (OCSP_basic_verify), the nonce (OCSP_check_nonce) and
 * the status of exactly this certificate (OCSP_resp_find_status). The
 * times are checked here, at the message's clock (OCSP_check_validity reads
 * the system clock).
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/httperr.h>
#include <openssl/ocsp.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "ocsp.h"
#include "ocsp_cache.h"
#include "record.h"
#include "trust_snapshot.h"
#include "util.h"
#include "x509.h"

#define MAX_RESPONSE (100 * 1024)        /* bytes of a response, at most */
#define MAX_AGE_MS ((wssec_time)3600000) /* a response without nextUpdate */

const char *const wssec__ocsp_mode_names[] = { "off", "signer", "chain", NULL };

struct wssec_ocsp {
    int mode;      /* WSSEC_OCSP_SIGNER or WSSEC_OCSP_CHAIN */
    char *url;     /* ocsp-url, or NULL: the certificate's own */
    int timeout_s; /* connect, send and receive, in all */
    bool soft_fail, nonce;
    wssec_time skew;             /* clock-skew */
    STACK_OF(X509) *responders; /* ocsp-responder-cert: trusted directly */
    wssec_ocsp_cache *cache;
};

/* ---- the settings ---- */

/* 0 when url is an http:// URL OpenSSL can ask (no user name, no https);
 * else a reason in why. */
static int url_usable(const char *url, char *why, size_t size)
{
    char *user = NULL, *host = NULL;
    int ssl = 0;
    if (strncasecmp(url, "https://", 8) == 0) {
        snprintf(why, size,
                 "'%s' is an https:// URL: only http:// responders are asked (OCSP responses "
                 "are signed, so they need no TLS; use the responder's http:// URL)",
                 url);
        return -1;
    }
    int ok = strncasecmp(url, "http://", 7) == 0 &&
             OSSL_HTTP_parse_url(url, &ssl, &user, &host, NULL, NULL, NULL, NULL, NULL) && !ssl;
    ERR_clear_error();
    if (ok && user && *user) ok = 0;
    OPENSSL_free(user);
    OPENSSL_free(host);
    if (!ok) snprintf(why, size, "'%s' is not an http://HOST[:PORT]/PATH URL", url);
    return ok ? 0 : -1;
}

int wssec__ocsp_new(wssec_ocsp **out, const wssec_settings *s, wssec_errrec *err)
{
    *out = NULL;
    if (s->ocsp_mode == WSSEC_OCSP_OFF) return 0;
    char why[400];
    if (s->ocsp_url && url_usable(s->ocsp_url, why, sizeof(why)))
        return WSSEC_ERR(err, WSSEC_ECONFIG, "ocsp-url: %s", why);
    if (s->ocsp_timeout_ms < 1000 || s->ocsp_timeout_ms > 600000)
        return WSSEC_ERR(err, WSSEC_ECONFIG, "ocsp-timeout: %lld ms is outside 1 to 600 seconds",
                         (long long)s->ocsp_timeout_ms);
    wssec_ocsp *o = wssec__calloc(1, sizeof(*o));
    if (!o) return WSSEC_ENOMEM;
    o->mode = s->ocsp_mode;
    o->timeout_s = (int)((s->ocsp_timeout_ms + 999) / 1000);
    o->soft_fail = s->ocsp_soft_fail;
    o->nonce = s->ocsp_nonce;
    o->skew = s->clock_skew_ms;
    int rc = 0;
    if (s->ocsp_url && !(o->url = wssec__strdup(s->ocsp_url))) rc = WSSEC_ENOMEM;
    if (!rc && s->ocsp_responder_cert) {
        rc = wssec__load_certs(s->ocsp_responder_cert, &o->responders, why, sizeof(why));
        if (rc)
            rc = WSSEC_ERR(err, rc == WSSEC_ENOMEM ? rc : WSSEC_ECONFIG, "ocsp-responder-cert: %s",
                           why);
    }
    if (!rc) rc = wssec__ocsp_cache_new(&o->cache, s->ocsp_cache_size);
    if (rc) wssec__ocsp_free(o);
    else *out = o;
    return rc;
}

void wssec__ocsp_free(wssec_ocsp *o)
{
    if (!o) return;
    wssec__free(o->url);
    sk_X509_pop_free(o->responders, X509_free);
    wssec__ocsp_cache_free(o->cache);
    wssec__free(o);
}

/* ---- one certificate ---- */

/* One certificate's check: what it is about, and how it failed. */
typedef struct check {
    const wssec_ocsp *o;
    wssec_time now;
    X509 *cert, *issuer;
    char label[800]; /* "signer 'CN=…' (…)" */
    char url[256];
    char *why;
    size_t whylen;
    bool soft; /* the failure is that no usable answer came */
    bool cached;
} check;

/* Words the refusal: the certificate, then the reason. soft: no usable
 * answer came (ocsp-soft-fail may accept it). */
static int refuse(check *c, bool soft, const char *fmt, ...) WSSEC_PRINTF(3, 4);
static int refuse(check *c, bool soft, const char *fmt, ...)
{
    char reason[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    snprintf(c->why, c->whylen, "%s %s", c->label, reason);
    c->soft = soft;
    return WSSEC_EUNTRUSTED;
}

/* The responder to ask: ocsp-url, else the first OCSP URL of the
 * certificate's authorityInfoAccess, which must be http://. */
static int responder_url(check *c)
{
    if (c->o->url) {
        snprintf(c->url, sizeof(c->url), "%s", c->o->url);
        return 0;
    }
    STACK_OF(OPENSSL_STRING) *aia = X509_get1_ocsp(c->cert);
    int n = sk_OPENSSL_STRING_num(aia);
    if (n > 0) snprintf(c->url, sizeof(c->url), "%s", sk_OPENSSL_STRING_value(aia, 0));
    X509_email_free(aia);
    ERR_clear_error();
    if (n <= 0)
        return refuse(c, true,
                      "cannot be checked by OCSP: it names no OCSP responder (authorityInfoAccess) "
                      "and ocsp-url is not set");
    char why[400];
    if (strlen(c->url) >= sizeof(c->url) - 1 || url_usable(c->url, why, sizeof(why)))
        return refuse(c, true,
                      "cannot be checked by OCSP: the responder it names is not asked: %s "
                      "(ocsp-url sets one that is)",
                      strlen(c->url) >= sizeof(c->url) - 1 ? "its URL is too long" : why);
    return 0;
}

/* Why the exchange failed, from OpenSSL's error queue (which it empties):
 * the timeouts in words, else a system error, else OpenSSL's first reason. */
static void net_reason(const check *c, char *buf, size_t size)
{
    unsigned long e, last = 0;
    int sys = 0, flags = 0;
    const char *data = NULL;
    char detail[200] = "";
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        if (ERR_SYSTEM_ERROR(e)) {
            if (!sys) sys = (int)ERR_GET_REASON(e);
            continue;
        }
        if (last) continue; /* the first says most: the later ones say where it surfaced */
        last = e;
        snprintf(detail, sizeof(detail), "%s", (flags & ERR_TXT_STRING) && data ? data : "");
    }
    int lib = last ? ERR_GET_LIB(last) : 0, reason = last ? ERR_GET_REASON(last) : 0;
    const char *text = last ? ERR_reason_error_string(last) : NULL;
    if (lib == ERR_LIB_BIO && reason == BIO_R_CONNECT_TIMEOUT)
        snprintf(buf, size, "no connection within ocsp-timeout %d s: refused, or no route",
                 c->o->timeout_s);
    else if ((lib == ERR_LIB_BIO && reason == BIO_R_TRANSFER_TIMEOUT) ||
             (lib == ERR_LIB_HTTP && reason == HTTP_R_RETRY_TIMEOUT))
        snprintf(buf, size, "no answer within ocsp-timeout %d s", c->o->timeout_s);
    else if (sys) snprintf(buf, size, "%s", strerror(sys));
    else if (text) snprintf(buf, size, "%s%s%s", text, detail[0] ? ": " : "", detail);
    else snprintf(buf, size, "the exchange failed");
}

/* A responder that closes the connection while the request is written
 * must not kill the process with SIGPIPE (OpenSSL writes to the socket with
 * write()), and the library does not change the process's signal handling:
 * the calling thread blocks SIGPIPE for the exchange and takes back one it
 * raised (the libpq way). */
typedef struct pipe_guard {
    sigset_t old;
    bool was_pending;
} pipe_guard;

static void pipe_block(pipe_guard *g)
{
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void pipe_restore(pipe_guard *g)
{
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (!g->was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
        const struct timespec none = { 0, 0 };
        (void)sigtimedwait(&set, NULL, &none);
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* The request to the responder and its answer, over http:// with the
 * timeout, at most MAX_RESPONSE bytes, no proxy, no redirect. */
static int exchange(check *c, OCSP_REQUEST *req, OCSP_RESPONSE **out)
{
    char *host = NULL, *port = NULL, *path = NULL;
    BIO *body = NULL, *got = NULL;
    int ssl = 0;
    *out = NULL;
    if (!OSSL_HTTP_parse_url(c->url, &ssl, NULL, &host, &port, NULL, &path, NULL, NULL) ||
        !(body = ASN1_item_i2d_mem_bio(ASN1_ITEM_rptr(OCSP_REQUEST), (const ASN1_VALUE *)req))) {
        OPENSSL_free(host);
        OPENSSL_free(port);
        OPENSSL_free(path);
        ERR_clear_error();
        return WSSEC_ENOMEM; /* the URL was parsed before: only memory is left */
    }
    ERR_clear_error();
    pipe_guard guard;
    pipe_block(&guard);
    got = OSSL_HTTP_transfer(NULL, host, port, path, 0, "" /* no proxy */, NULL, NULL, NULL, NULL,
                             NULL, 0, NULL, "application/ocsp-request", body,
                             "application/ocsp-response", 1, MAX_RESPONSE, c->o->timeout_s, 0);
    pipe_restore(&guard);
    if (got) *out = d2i_OCSP_RESPONSE_bio(got, NULL);
    char why[300];
    if (got && !*out) snprintf(why, sizeof(why), "the answer is not an OCSP response");
    else if (!*out) net_reason(c, why, sizeof(why));
    ERR_clear_error();
    BIO_free(got);
    BIO_free(body);
    OPENSSL_free(host);
    OPENSSL_free(port);
    OPENSSL_free(path);
    if (*out) return 0;
    return refuse(c, true, "cannot be checked by OCSP: no usable answer from responder %s (%s)",
                  c->url, why);
}

/* OCSP_basic_verify with the issuer as the only trust: the response must be
 * signed by the issuer, or by a responder whose certificate the issuer
 * signed with the OCSPSigning extended key usage, valid at the message's
 * clock; or by an ocsp-responder-cert (trusted directly). */
static int signed_by_authority(check *c, OCSP_BASICRESP *bs)
{
    X509_STORE *st = X509_STORE_new();
    if (!st || !X509_STORE_add_cert(st, c->issuer)) {
        X509_STORE_free(st);
        ERR_clear_error();
        return WSSEC_ENOMEM;
    }
    X509_VERIFY_PARAM *param = X509_STORE_get0_param(st);
    X509_VERIFY_PARAM_set_time(param, (time_t)(c->now / 1000));
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    unsigned long flags = OCSP_PARTIAL_CHAIN | OCSP_NOEXPLICIT;
    if (c->o->responders) flags |= OCSP_TRUSTOTHER;
    ERR_clear_error();
    int ok = OCSP_basic_verify(bs, c->o->responders, st, flags);
    X509_STORE_free(st);
    X509 *signer = NULL;
    if (ok > 0 && c->o->responders && OCSP_resp_get0_signer(bs, &signer, c->o->responders) &&
        sk_X509_find(c->o->responders, signer) >= 0) {
        /* trusted directly, but only within its validity */
        time_t t = (time_t)(c->now / 1000);
        if (X509_cmp_time(X509_get0_notBefore(signer), &t) > 0 ||
            X509_cmp_time(X509_get0_notAfter(signer), &t) < 0)
            ok = 0;
    }
    if (ok > 0) {
        ERR_clear_error();
        return 0;
    }
    unsigned long e = ERR_peek_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    char dn[300], who[310] = "a certificate not in the response", issuer[300];
    signer = NULL;
    if (OCSP_resp_get0_signer(bs, &signer, c->o->responders) && signer) {
        wssec__dn_text(X509_get_subject_name(signer), dn, sizeof(dn));
        snprintf(who, sizeof(who), "'%s'", dn);
    }
    wssec__dn_text(X509_get_subject_name(c->issuer), issuer, sizeof(issuer));
    ERR_clear_error();
    return refuse(c, false,
                  "cannot be checked by OCSP: the response of %s does not verify (%s): signed by "
                  "%s, neither the issuer '%s' nor a responder it certified for OCSPSigning nor "
                  "an ocsp-responder-cert",
                  c->url, r ? r : "signer not authorized", who, issuer);
}

/* thisUpdate and nextUpdate at the message's clock, within clock-skew; a
 * response without nextUpdate holds for MAX_AGE_MS after its thisUpdate. */
static int times_hold(check *c, ASN1_GENERALIZEDTIME *thisu, ASN1_GENERALIZEDTIME *nextu,
                      wssec_ocsp_answer *a)
{
    char t1[40], t2[40];
    if (wssec__asn1_time(thisu, &a->this_update) ||
        (nextu && wssec__asn1_time(nextu, &a->valid_to)))
        return refuse(c, false,
                      "cannot be checked by OCSP: the response of %s has unreadable times", c->url);
    a->has_next_update = nextu != NULL;
    if (!nextu) a->valid_to = a->this_update + MAX_AGE_MS;
    wssec_time_format(t2, sizeof(t2), c->now, 0);
    if (a->this_update - c->o->skew > c->now) {
        wssec__asn1_time_text(thisu, t1, sizeof(t1));
        return refuse(c, false,
                      "cannot be checked by OCSP: the response of %s is not yet valid: its "
                      "thisUpdate %s is after the message's clock %s (clock-skew %lld s)",
                      c->url, t1, t2, (long long)(c->o->skew / 1000));
    }
    if (c->now > a->valid_to + c->o->skew) {
        if (nextu) wssec__asn1_time_text(nextu, t1, sizeof(t1));
        else wssec__asn1_time_text(thisu, t1, sizeof(t1));
        return refuse(c, false,
                      "cannot be checked by OCSP: the response of %s is stale: its %s %s is "
                      "before the message's clock %s (clock-skew %lld s)",
                      c->url, nextu ? "nextUpdate" : "thisUpdate (it has no nextUpdate: 1 h)", t1,
                      t2, (long long)(c->o->skew / 1000));
    }
    return 0;
}

/* The response, checked: successful, signed by an authority, with the
 * request's nonce (when the responder echoes one), giving the status of
 * exactly id, valid at the message's clock. 0 with the answer in *a. */
static int judge(check *c, OCSP_RESPONSE *resp, OCSP_REQUEST *req, OCSP_CERTID *id,
                 wssec_ocsp_answer *a)
{
    int st = OCSP_response_status(resp);
    if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        return refuse(c, true, "cannot be checked by OCSP: responder %s answered '%s'", c->url,
                      OCSP_response_status_str(st));
    OCSP_BASICRESP *bs = OCSP_response_get1_basic(resp);
    if (!bs) {
        ERR_clear_error();
        return refuse(c, true,
                      "cannot be checked by OCSP: the answer of %s is not a basic OCSP "
                      "response",
                      c->url);
    }
    int rc = signed_by_authority(c, bs);
    /* 0: a nonce, not the request's; -1: the responder sent none (many do
     * not: the times bound its age); 2: none asked, none sent */
    if (!rc && c->o->nonce && OCSP_check_nonce(req, bs) == 0)
        rc = refuse(c, false,
                    "cannot be checked by OCSP: the response of %s carries another nonce than the "
                    "request's (a replayed or misdirected response)",
                    c->url);
    int status = -1, reason = -1;
    ASN1_GENERALIZEDTIME *rev = NULL, *thisu = NULL, *nextu = NULL;
    if (!rc && !OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisu, &nextu))
        rc = refuse(c, false,
                    "cannot be checked by OCSP: the response of %s gives no status for this "
                    "certificate",
                    c->url);
    if (!rc) rc = times_hold(c, thisu, nextu, a);
    if (!rc) {
        a->status = status;
        a->reason = reason;
        if (!rev || wssec__asn1_time(rev, &a->revoked_at)) a->revoked_at = 0;
        snprintf(a->url, sizeof(a->url), "%s", c->url);
    }
    OCSP_BASICRESP_free(bs);
    ERR_clear_error();
    return rc;
}

/* A fresh answer from the responder: the request (with a nonce unless
 * ocsp-nonce is false), the exchange, the checked response. */
static int ask(check *c, wssec_ocsp_answer *a)
{
    WSSEC_GUARD(responder_url(c));
    OCSP_REQUEST *req = OCSP_REQUEST_new();
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, c->cert, c->issuer);
    OCSP_CERTID *mine = id ? OCSP_CERTID_dup(id) : NULL;
    OCSP_RESPONSE *resp = NULL;
    int rc = WSSEC_ENOMEM;
    if (req && mine && OCSP_request_add0_id(req, mine)) {
        mine = NULL; /* the request's now */
        if (!c->o->nonce || OCSP_request_add1_nonce(req, NULL, -1)) rc = 0;
    }
    OCSP_CERTID_free(mine);
    if (!rc) rc = exchange(c, req, &resp);
    if (!rc) rc = judge(c, resp, req, id, a);
    OCSP_RESPONSE_free(resp);
    OCSP_CERTID_free(id);
    OCSP_REQUEST_free(req);
    ERR_clear_error();
    return rc;
}

/* What the answer says: good, or the refusal (revoked: when and why). */
static int verdict(check *c, const wssec_ocsp_answer *a)
{
    if (a->status == V_OCSP_CERTSTATUS_GOOD) return 0;
    if (a->status == V_OCSP_CERTSTATUS_REVOKED) {
        char when[40] = "(an unreadable time)";
        if (a->revoked_at) wssec_time_format(when, sizeof(when), a->revoked_at, 0);
        return refuse(c, false,
                      "is revoked according to OCSP responder %s: revoked on %s (reason %s)",
                      a->url, when, a->reason >= 0 ? OCSP_crl_reason_str(a->reason) : "not given");
    }
    return refuse(c, false,
                  "is unknown to OCSP responder %s (status unknown: the responder does not vouch "
                  "for it)",
                  a->url);
}

/* One certificate: from the cache while its answer holds, else from the
 * responder (a verified answer is remembered, good or not). */
static int check_one(check *c)
{
    unsigned char key[32];
    wssec_ocsp_answer a;
    memset(&a, 0, sizeof(a));
    bool keyed = wssec__ocsp_cache_key(c->cert, c->issuer, key) == 0;
    if (keyed && wssec__ocsp_cache_get(c->o->cache, key, c->now, c->o->skew, &a)) {
        c->cached = true;
        snprintf(c->url, sizeof(c->url), "%s", a.url);
        return verdict(c, &a);
    }
    WSSEC_GUARD(ask(c, &a));
    if (keyed) wssec__ocsp_cache_put(c->o->cache, key, &a, c->now, c->o->skew);
    return verdict(c, &a);
}

/* "signer 'CN=…' (…)" or "signer chain: intermediate 'CN=…' (…), at chain
 * position 1 (0 is the signer),". */
static void label(char *buf, size_t size, const char *role, X509 *x, int depth)
{
    char who[700];
    wssec__cert_describe(x, who, sizeof(who));
    if (depth == 0) snprintf(buf, size, "%s %s", role, who);
    else
        snprintf(buf, size, "%s chain: intermediate %s, at chain position %d (0 is the %s),", role,
                 who, depth, role);
}

/* The chain's checks, one certificate after the other: the first refusal
 * is the verdict; an answer that did not come, under ocsp-soft-fail, is a
 * warning (and *note says so, for the token). */
static int run(wssec_msg *msg, const wssec_ocsp *o, STACK_OF(X509) *chain, const char *role,
               char *why, size_t whylen, char *note, size_t notelen)
{
    int n = sk_X509_num(chain), last = o->mode == WSSEC_OCSP_CHAIN ? n - 2 : 0;
    snprintf(note, notelen, "not checked: the certificate is itself a trust anchor");
    for (int i = 0; i <= last && i + 1 < n; i++) {
        check c = { .o = o, .now = msg->now, .why = why, .whylen = whylen };
        c.cert = sk_X509_value(chain, i);
        c.issuer = sk_X509_value(chain, i + 1);
        label(c.label, sizeof(c.label), role, c.cert, i);
        int rc = check_one(&c);
        if (rc == WSSEC_ENOMEM) return rc;
        if (rc && !(c.soft && o->soft_fail)) return rc;
        if (rc) {
            char text[sizeof(c.label) + 900];
            snprintf(text, sizeof(text), "%s: accepted under ocsp-soft-fail", why);
            why[0] = '\0';
            if (wssec_msg_warn(msg, text)) return WSSEC_ENOMEM;
            snprintf(note, notelen, "soft-fail: %s", c.url[0] ? c.url : "no responder");
            continue;
        }
        if (i == 0) snprintf(note, notelen, "good (%s%s)", c.url, c.cached ? ", cached" : "");
    }
    return 0;
}

/* ---- the validator's call, and the signature module's window ---- */

int wssec__ocsp_check(wssec_msg *msg, const wssec_ocsp *o, STACK_OF(X509) *chain, const char *role,
                      char *why, size_t whylen)
{
    if (!o) return 0;
    if (msg->ocsp_armed) {
        /* wait for the signature: note the chain (the last check's) */
        STACK_OF(X509) *copy = X509_chain_up_ref(chain);
        if (!copy) return WSSEC_ENOMEM;
        sk_X509_pop_free(msg->ocsp_chain, X509_free);
        msg->ocsp_chain = copy;
        snprintf(msg->ocsp_role, sizeof(msg->ocsp_role), "%s", role);
        return 0;
    }
    char note[300];
    return run(msg, o, chain, role, why, whylen, note, sizeof(note));
}

void wssec__ocsp_arm(wssec_msg *msg)
{
    wssec__ocsp_disarm(msg);
    msg->ocsp_armed = true;
}

void wssec__ocsp_disarm(wssec_msg *msg)
{
    sk_X509_pop_free(msg->ocsp_chain, X509_free);
    msg->ocsp_chain = NULL;
    msg->ocsp_armed = false;
}

int wssec__ocsp_settle(wssec_msg *msg, wssec_token *tok, xmlNodePtr node)
{
    const wssec_ocsp *o = msg->trust ? msg->trust->ocsp : NULL;
    STACK_OF(X509) *chain = msg->ocsp_chain;
    msg->ocsp_chain = NULL;
    msg->ocsp_armed = false;
    if (!o || !chain) {
        sk_X509_pop_free(chain, X509_free);
        return 0;
    }
    char why[sizeof(((wssec_errrec *)0)->message)] = "", note[300];
    int rc = run(msg, o, chain, msg->ocsp_role, why, sizeof(why), note, sizeof(note));
    sk_X509_pop_free(chain, X509_free);
    if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, rc, NULL, node, "out of memory");
    if (rc) return wssec_msg_fail(msg, rc, NULL, node, "%s", why);
    return wssec_token_set(tok, "ocsp", note)
               ? wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, node, "out of memory")
               : 0;
}
