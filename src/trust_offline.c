/*
 * wssec — certificates checked offline (wssec_ctx_check_certs): what a
 * partner will sign with, checked against the context's trust before any
 * message is sent. Each end-entity certificate of a file (PEM, DER, a chain
 * file, a PKCS#7 bundle, a PKCS#12 store) or of a directory of them is
 * validated as a signer would be, through the context's certificate
 * validator (trust.c: the same checks and the same words as wssec_verify),
 * the other certificates of the input standing for the chain a message
 * would carry; its chain is described as `wssec inspect` describes a
 * token's (trust_explain.c), and the dates of that chain and of its CRLs
 * are foreseen (trust_warn.c). An input of CA certificates alone has its
 * lowest CAs checked: as signers when they may sign, else their paths to
 * the anchors alone.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "context.h"
#include "error.h"
#include "keystore.h"
#include "record.h"
#include "trust.h"
#include "trust_explain.h"
#include "trust_snapshot.h"
#include "trust_store.h"
#include "trust_warn.h"
#include "util.h"
#include "x509.h"

/* The most certificates one input may hold, and files one directory. */
#define CHECK_MAX_CERTS 1000

/* ---- reading: a certificate file, a PKCS#12 store, a directory ---- */

static int push_all(STACK_OF(X509) * dst, STACK_OF(X509) * src)
{
    while (sk_X509_num(src) > 0) {
        X509 *x = sk_X509_shift(src);
        if (!sk_X509_push(dst, x)) {
            X509_free(x);
            return WSSEC_ENOMEM;
        }
    }
    return 0;
}

/* 1 when the file decodes as a PKCS#12 store. */
static int is_pkcs12(const char *path)
{
    BIO *bio = BIO_new_file(path, "rb");
    PKCS12 *p12 = bio ? d2i_PKCS12_bio(bio, NULL) : NULL;
    BIO_free(bio);
    PKCS12_free(p12);
    ERR_clear_error();
    return p12 != NULL;
}

/* The store's password: the one given, or the context's
 * pkcs12-password-file or pkcs12-password-env. */
static int store_password(const wssec_ctx *ctx, const char *path, const char *given, char *pw,
                          size_t size, wssec_errrec *err)
{
    const wssec_settings *s = &ctx->s;
    size_t n = 0;
    char why[300];
    if (given) {
        if (strlen(given) >= size)
            return WSSEC_ERR(err, WSSEC_ELIMIT, "%s: the password is too long", path);
        memcpy(pw, given, strlen(given) + 1);
        return 0;
    }
    if (!s->pkcs12_pw_file && !s->pkcs12_pw_env)
        return WSSEC_ERR(err, WSSEC_ECONFIG,
                         "%s is a PKCS#12 store: its password is needed (pkcs12-password-file "
                         "or pkcs12-password-env)",
                         path);
    if (s->pkcs12_pw_file && s->pkcs12_pw_env)
        return WSSEC_ERR(err, WSSEC_ECONFIG,
                         "give pkcs12-password-file or pkcs12-password-env, not both");
    if (wssec_secret_read(pw, size, &n, s->pkcs12_pw_file, s->pkcs12_pw_env, why, sizeof(why)))
        return WSSEC_ERR(err, WSSEC_ECONFIG, "%s %s: %s",
                         s->pkcs12_pw_file ? "pkcs12-password-file" : "pkcs12-password-env",
                         s->pkcs12_pw_file ? s->pkcs12_pw_file : s->pkcs12_pw_env, why);
    return 0;
}

/* The certificates of a PKCS#12 store (its key is not kept). */
static int read_store(STACK_OF(X509) * dst, const wssec_ctx *ctx, const char *path,
                      const char *password, wssec_errrec *err)
{
    char why[600];
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *chain = NULL;
    wssec_keypw kp = { .option = "pkcs12", .path = path, .have = true };
    WSSEC_GUARD(store_password(ctx, path, password, kp.pw, sizeof(kp.pw), err));
    kp.len = strlen(kp.pw);
    /* a store of several keys: the one of pkcs12-alias */
    int rc = wssec__load_pkcs12(path, &kp, ctx->s.pkcs12_alias, &key, &cert, &chain, why,
                                sizeof(why));
    wssec__keypw_wipe(&kp);
    EVP_PKEY_free(key);
    if (rc) return WSSEC_ERR(err, rc, "%s", why);
    if (!sk_X509_push(dst, cert)) {
        X509_free(cert);
        rc = WSSEC_ENOMEM;
    }
    if (!rc) rc = push_all(dst, chain);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

static int read_file(STACK_OF(X509) * dst, const wssec_ctx *ctx, const char *path,
                     const char *password, wssec_errrec *err)
{
    if (is_pkcs12(path)) return read_store(dst, ctx, path, password, err);
    STACK_OF(X509) *sk = NULL;
    char why[600];
    int rc = wssec__load_certs(path, &sk, why, sizeof(why));
    if (rc) return WSSEC_ERR(err, rc, "%s", why);
    rc = push_all(dst, sk);
    sk_X509_pop_free(sk, X509_free);
    return rc;
}

/* A file a certificate directory is read from: by its extension. */
static int cert_name(const struct dirent *de)
{
    static const char *const exts[] = { ".pem", ".crt", ".cer", ".der",
                                        ".p7b", ".p7c", ".p12", ".pfx" };
    size_t l = strlen(de->d_name);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(exts); i++)
        if (l > 4 && strcmp(de->d_name + l - 4, exts[i]) == 0) return 1;
    return 0;
}

/* Every certificate file of a directory, in name order. */
static int read_dir(STACK_OF(X509) * dst, const wssec_ctx *ctx, const char *path,
                    const char *password, wssec_errrec *err)
{
    struct dirent **names = NULL;
    int n = scandir(path, &names, cert_name, alphasort), rc = 0;
    if (n < 0)
        return WSSEC_ERR(err, errno == ENOMEM ? WSSEC_ENOMEM : WSSEC_EIO, "%s: cannot be read: %s",
                         path, strerror(errno));
    if (n == 0)
        rc = WSSEC_ERR(err, WSSEC_ECONFIG,
                       "%s holds no certificate file (.pem, .crt, "
                       ".cer, .der, .p7b, .p7c, .p12, .pfx)",
                       path);
    if (n > CHECK_MAX_CERTS)
        rc = WSSEC_ERR(err, WSSEC_ELIMIT, "%s holds more than %d certificate files", path,
                       CHECK_MAX_CERTS);
    for (int i = 0; i < n; i++) {
        char full[4096];
        struct stat st;
        snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
        if (!rc && stat(full, &st) == 0 && S_ISREG(st.st_mode))
            rc = read_file(dst, ctx, full, password, err);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int read_input(STACK_OF(X509) * dst, const wssec_ctx *ctx, const char *path,
                      const char *password, wssec_errrec *err)
{
    struct stat st;
    int rc = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? read_dir(dst, ctx, path, password, err)
                                                         : read_file(dst, ctx, path, password, err);
    if (!rc && sk_X509_num(dst) > CHECK_MAX_CERTS)
        rc = WSSEC_ERR(err, WSSEC_ELIMIT, "%s holds more than %d certificates", path,
                       CHECK_MAX_CERTS);
    return rc;
}

/* ---- one certificate ---- */

static int keep_going(int ok, X509_STORE_CTX *sctx)
{
    (void)ok;
    (void)sctx;
    return 1;
}

/* The chain OpenSSL builds for x from presented and the snapshot, whatever
 * is wrong with it (a new stack, or NULL when memory ran out). */
static STACK_OF(X509) * built_chain(const wssec_msg *msg, X509 *x, STACK_OF(X509) * presented)
{
    const wssec_trust *t = msg->trust;
    STACK_OF(X509) *untrusted = sk_X509_dup(presented), *chain = NULL;
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    for (int i = 0; untrusted && i < sk_X509_num(t->known); i++)
        if (!sk_X509_push(untrusted, sk_X509_value(t->known, i))) goto done;
    if (!untrusted || !sctx || !X509_STORE_CTX_init(sctx, t->store, x, untrusted)) goto done;
    X509_STORE_CTX_set_verify_cb(sctx, keep_going);
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(sctx), (time_t)(msg->now / 1000));
    (void)X509_verify_cert(sctx);
    chain = X509_STORE_CTX_get1_chain(sctx);
done:
    ERR_clear_error();
    X509_STORE_CTX_free(sctx);
    sk_X509_free(untrusted);
    return chain;
}

/* The date warnings of x's chain and of the CRLs of its issuers. */
static int chain_warnings(wssec_msg *msg, X509 *x, STACK_OF(X509) * presented, bool ca)
{
    const wssec_trust *t = msg->trust;
    size_t days = msg->ctx->s.expiry_warning_days;
    if (!days) return 0;
    STACK_OF(X509) *chain = built_chain(msg, x, presented);
    if (!chain) return WSSEC_ENOMEM;
    int n = sk_X509_num(chain), rc = 0;
    char text[1000];
    for (int i = 0; i < n && !rc; i++) {
        X509 *c = sk_X509_value(chain, i);
        bool anchor = wssec__trust_is_anchor(t, c);
        const char *what = i == 0   ? (ca ? "CA certificate" : "signer certificate")
                           : anchor ? "trust anchor"
                                    : "intermediate";
        if (wssec__trust_warn_cert(c, what, msg->now, days, text, sizeof(text)))
            rc = wssec__result_warn(msg->res, text);
        for (int j = 0; !anchor && !rc && j < sk_X509_CRL_num(t->crls); j++) {
            X509_CRL *crl = sk_X509_CRL_value(t->crls, j);
            if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(c)) == 0 &&
                wssec__trust_warn_crl(crl, msg->now, days, text, sizeof(text)))
                rc = wssec__result_warn(msg->res, text);
        }
    }
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

/* A CA certificate's path to the anchors, refused in the words of a
 * signer's (wssec__trust_explain) on the message. */
static int check_as_ca(wssec_msg *msg, X509 *x, STACK_OF(X509) * presented)
{
    const wssec_trust *t = msg->trust;
    char why[sizeof(((wssec_errrec *)0)->message)] = "", who[700];
    wssec_trust_verdict v = { why, sizeof(why) };
    if (!wssec__trust_has_anchors(t)) {
        wssec__cert_describe(x, who, sizeof(who));
        return wssec_msg_fail(msg, WSSEC_EUNTRUSTED, NULL, NULL,
                              "CA %s cannot be trusted: no trust anchors are configured "
                              "(--trust FILE)",
                              who);
    }
    int rc = wssec__trust_check_path(&v, msg, x, presented, "CA");
    return rc ? wssec_msg_fail(msg, rc, NULL, NULL, "%s", why) : 0;
}

/* The certificates of all but x, each with a reference of its own. */
static STACK_OF(X509) * others_of(STACK_OF(X509) * all, X509 *x)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    for (int i = 0; sk && i < sk_X509_num(all); i++) {
        X509 *o = sk_X509_value(all, i);
        if (o == x) continue;
        if (!X509_up_ref(o)) goto nomem;
        if (!sk_X509_push(sk, o)) {
            X509_free(o);
            goto nomem;
        }
    }
    return sk;
nomem:
    sk_X509_pop_free(sk, X509_free);
    return NULL;
}

/* x as a token of the result: its facts, its chain, its verdict, the
 * warnings about its dates. 0, the refusal's code, or WSSEC_ENOMEM. */
static int check_one(wssec_msg *msg, X509 *x, STACK_OF(X509) * all, bool ca)
{
    wssec_token *tok = wssec_msg_add_token(msg, "certificate", NULL);
    STACK_OF(X509) *others = tok ? others_of(all, x) : NULL;
    if (!others || !X509_up_ref(x)) {
        sk_X509_pop_free(others, X509_free);
        return WSSEC_ENOMEM;
    }
    if (wssec_token_set_cert(tok, x, others) ||
        wssec_token_set(tok, "checked-as",
                        ca ? "CA (the input holds no end-entity certificate)" : "signer") ||
        wssec__trust_describe(msg, tok, NULL))
        return WSSEC_ENOMEM;
    msg->failed = false;
    int rc = ca ? check_as_ca(msg, x, tok->chain)
                : wssec__trust_check(msg, x, tok->chain, NULL, WSSEC_USE_SIGN, "signer", NULL);
    if (rc == WSSEC_ENOMEM || wssec__trust_note_cache_hit(msg, tok) ||
        chain_warnings(msg, x, tok->chain, ca) || (rc && wssec__token_fail(tok, rc, &msg->err)))
        return WSSEC_ENOMEM;
    return rc;
}

/* 1 when x issued another certificate of all. */
static int issued_another(X509 *x, STACK_OF(X509) * all)
{
    for (int i = 0; i < sk_X509_num(all); i++) {
        X509 *o = sk_X509_value(all, i);
        if (o != x && X509_cmp(o, x) != 0 && X509_check_issued(x, o) == X509_V_OK) return 1;
    }
    return 0;
}

/* 1 when a CA certificate may sign messages: a keyUsage with
 * digitalSignature or nonRepudiation, or none (what `openssl req -x509`
 * makes). Such a one is checked as the signer it would be. */
static int ca_may_sign(X509 *x)
{
    return !(X509_get_extension_flags(x) & EXFLAG_KUSAGE) ||
           (X509_get_key_usage(x) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
}

/* Every end-entity certificate of all; with none, the CAs that issued no
 * other certificate of all (as signers when they may sign). The first
 * refusal is the result's error. */
static int check_all(wssec_msg *msg, STACK_OF(X509) * all)
{
    bool any_ee = false;
    for (int i = 0; i < sk_X509_num(all); i++)
        if (!(X509_get_extension_flags(sk_X509_value(all, i)) & EXFLAG_CA)) any_ee = true;
    int first = 0;
    for (int i = 0; i < sk_X509_num(all); i++) {
        X509 *x = sk_X509_value(all, i);
        bool ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0, seen = false;
        for (int j = 0; j < i && !seen; j++) seen = X509_cmp(sk_X509_value(all, j), x) == 0;
        if (seen || (any_ee ? ca : issued_another(x, all))) continue;
        int rc = check_one(msg, x, all, ca && !ca_may_sign(x));
        if (rc == WSSEC_ENOMEM) return rc;
        if (rc && !first) {
            first = rc;
            wssec__err_copy(&msg->res->err, &msg->err);
        }
    }
    return first;
}

int wssec_ctx_check_certs(wssec_result **out, const wssec_ctx *ctx, const char *path,
                          const char *password)
{
    WSSEC_ARG(out);
    *out = NULL;
    WSSEC_ARG(ctx && path);
    wssec_msg *msg = NULL;
    STACK_OF(X509) *all = sk_X509_new_null();
    int rc = all ? wssec_msg_new(&msg, ctx) : WSSEC_ENOMEM;
    if (!rc) rc = wssec__result_new(out);
    if (rc) goto done;
    msg->res = *out;
    msg->now = wssec_ctx_now(ctx);
    msg->trust = wssec__ctx_trust(ctx);
    if (!(rc = read_input(all, ctx, path, password, &(*out)->err))) rc = check_all(msg, all);
    msg->res = NULL;
done:
    wssec_msg_free(msg);
    sk_X509_pop_free(all, X509_free);
    if (rc == WSSEC_ENOMEM) {
        wssec_result_free(*out);
        *out = NULL;
    }
    return rc;
}
