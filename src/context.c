/*
 * wssec — the context: the immutable context built from a configuration,
 * its keys, trust snapshot and clock.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "context.h"
#include "config.h"
#include "error.h"
#include "global.h"
#include "identity.h"
#include "keystore.h"
#include "pkcs11.h"
#include "plugin.h"
#include "record.h"
#include "policy.h"
#include "registry.h"
#include "replay_url.h"
#include "settings.h"
#include "trust.h"
#include "trust_warn.h"
#include "util.h"
#include "x509.h"

/* The password of a key file (pkcs12, sign-key, decrypt-key): from
 * OPTION-password-file or OPTION-password-env, by the one rule of
 * wssec_secret_read(), never from the configuration itself; else the
 * password callback, which the loader asks (WSSEC_PW_KEY) only if the file
 * needs a password. */
static int key_password(wssec_config *cfg, wssec_keypw *kp, const char *option, const char *path,
                        const char *file, const char *env)
{
    char why[300];
    memset(kp, 0, sizeof(*kp));
    kp->option = option;
    kp->path = path;
    kp->cb = cfg->password_cb;
    kp->ud = cfg->password_ud;
    if (file && env)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "give %s-password-file or %s-password-env, not both", option, option);
    if (!file && !env) return 0;
    if (wssec_secret_read(kp->pw, sizeof(kp->pw), &kp->len, file, env, why, sizeof(why))) {
        if (file)
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s-password-file %s: %s", option, file,
                             why);
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s-password-env: %s", option, why);
    }
    kp->have = true;
    return 0;
}

/* A private key of option (sign-key, decrypt-key): a file, encrypted or
 * not, or a pkcs11: URI of a key in a token. */
static int load_private_key(wssec_ctx *ctx, wssec_config *cfg, const char *option,
                            const char *path, const char *file, const char *env, EVP_PKEY **out)
{
    wssec_keypw kp;
    char why[700];
    if (wssec__pkcs11_is_uri(path)) {
        if (file || env)
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "%s-password-%s is for a key file; the PIN of the token of %s %s is "
                             "pkcs11-pin-file or pkcs11-pin-env",
                             option, file ? "file" : "env", option, path);
        if (wssec__pkcs11_key(&ctx->p11, &cfg->s, path, out, why, sizeof(why)))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: %s", option, why);
        return 0;
    }
    int rc = key_password(cfg, &kp, option, path, file, env);
    if (!rc && (rc = wssec__load_key(path, out, &kp, why, sizeof(why)))) {
        /* the callback's own failure keeps its code */
        int code = rc == WSSEC_ENOMEM || (kp.cb_asked && rc == kp.cb_rc) ? rc : WSSEC_ECONFIG;
        rc = WSSEC_ERR(&cfg->err, code, "%s: %s", option, why);
    }
    wssec__keypw_wipe(&kp);
    return rc;
}

/* The own identity from a PKCS#12 file: the key of pkcs12-alias (or the
 * only one), its certificate and chain. */
static int load_pkcs12(wssec_ctx *ctx, wssec_config *cfg)
{
    const wssec_settings *s = &cfg->s;
    wssec_keypw kp;
    char why[700];
    int rc = key_password(cfg, &kp, "pkcs12", s->pkcs12, s->pkcs12_pw_file, s->pkcs12_pw_env);
    if (!rc && (rc = wssec__load_pkcs12(s->pkcs12, &kp, s->pkcs12_alias, &ctx->sign_pkey,
                                        &ctx->sign_x509, &ctx->sign_chain, why, sizeof(why)))) {
        int code = rc == WSSEC_ENOMEM || (kp.cb_asked && rc == kp.cb_rc) ? rc : WSSEC_ECONFIG;
        rc = WSSEC_ERR(&cfg->err, code, "pkcs12: %s", why);
    }
    wssec__keypw_wipe(&kp);
    return rc;
}

/* Key options that would silently do nothing: a password or an alias for a
 * key file that is not configured. */
static int unused_key_options(wssec_config *cfg)
{
    const wssec_settings *s = &cfg->s;
    if (s->pkcs12_alias && !s->pkcs12)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "pkcs12-alias is given without pkcs12, the file it chooses a key of");
    if ((s->sign_key_pw_file || s->sign_key_pw_env) && !s->sign_key)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "%s is given without sign-key, the key it opens%s",
                         s->sign_key_pw_file ? "sign-key-password-file" : "sign-key-password-env",
                         s->pkcs12 ? " (the password of pkcs12 is pkcs12-password-file or "
                                     "pkcs12-password-env)"
                                   : "");
    if ((s->decrypt_key_pw_file || s->decrypt_key_pw_env) && !s->decrypt_key)
        return WSSEC_ERR(
            &cfg->err, WSSEC_ECONFIG, "%s is given without decrypt-key, the key it opens",
            s->decrypt_key_pw_file ? "decrypt-key-password-file" : "decrypt-key-password-env");
    return 0;
}

/* Drops self-signed certificates (roots): a receiver has its own anchors. */
static void drop_roots(STACK_OF(X509) *sk)
{
    for (int i = sk_X509_num(sk) - 1; i >= 0; i--) {
        X509 *x = sk_X509_value(sk, i);
        if (X509_get_extension_flags(x) & EXFLAG_SS) X509_free(sk_X509_delete(sk, i));
    }
}

/* The own identity: the key and certificate that sign (and, inbound,
 * decrypt), from PEM files, a PKCS#12 file or a PKCS#11 token (whose
 * certificate may come from the token too). */
static int load_identity(wssec_ctx *ctx, wssec_config *cfg)
{
    const wssec_settings *s = &cfg->s;
    char why[500];
    int rc = 0;
    if ((rc = unused_key_options(cfg))) return rc;
    if (s->pkcs12) {
        if ((rc = load_pkcs12(ctx, cfg))) return rc;
        drop_roots(ctx->sign_chain);
    } else if (s->sign_key || s->sign_cert) {
        if (!s->sign_key || (!s->sign_cert && !wssec__pkcs11_is_uri(s->sign_key)))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "signing needs both sign-key and sign-cert (or pkcs12)");
        STACK_OF(X509) *certs = NULL;
        if ((rc = load_private_key(ctx, cfg, "sign-key", s->sign_key, s->sign_key_pw_file,
                                   s->sign_key_pw_env, &ctx->sign_pkey)))
            return rc;
        if (!s->sign_cert) {
            if (wssec__pkcs11_cert(ctx->p11, s->sign_key, &ctx->sign_x509, why, sizeof(why)))
                return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "sign-key: %s", why);
        } else if ((rc = wssec__load_certs(s->sign_cert, &certs, why, sizeof(why)))) {
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "sign-cert: %s", why);
        } else {
            ctx->sign_x509 = sk_X509_shift(certs);
            sk_X509_pop_free(certs, X509_free);
        }
    } else {
        return 0;
    }
    if (s->sign_chain) {
        sk_X509_pop_free(ctx->sign_chain, X509_free);
        ctx->sign_chain = NULL;
        if ((rc = wssec__load_certs(s->sign_chain, &ctx->sign_chain, why, sizeof(why))))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "sign-chain: %s", why);
        drop_roots(ctx->sign_chain);
    }
    if (!ctx->sign_chain && !(ctx->sign_chain = sk_X509_new_null())) return WSSEC_ENOMEM;
    if (X509_check_private_key(ctx->sign_x509, ctx->sign_pkey) != 1) {
        ERR_clear_error();
        char who[700];
        wssec__cert_describe(ctx->sign_x509, who, sizeof(who));
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "the private key does not belong to the certificate %s", who);
    }
    return 0;
}

/* Encryption material: the recipient's certificate (outbound), the keys
 * that decrypt (inbound: decrypt-key, and the own identity), a pre-shared
 * key for AES key wrap. */
static int load_encryption(wssec_ctx *ctx, wssec_config *cfg)
{
    const wssec_settings *s = &cfg->s;
    char why[500];
    int rc;
    if (s->encrypt_cert) {
        STACK_OF(X509) *certs = NULL;
        if ((rc = wssec__load_certs(s->encrypt_cert, &certs, why, sizeof(why))))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "encrypt-cert: %s", why);
        ctx->enc_x509 = sk_X509_shift(certs);
        sk_X509_pop_free(certs, X509_free);
        EVP_PKEY *pk = X509_get0_pubkey(ctx->enc_x509);
        if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "encrypt-cert %s: the recipient needs an RSA key", s->encrypt_cert);
    }
    if (!(ctx->dec_certs = sk_X509_new_null())) return WSSEC_ENOMEM;
    if (s->decrypt_key) {
        if ((rc = load_private_key(ctx, cfg, "decrypt-key", s->decrypt_key, s->decrypt_key_pw_file,
                                   s->decrypt_key_pw_env, &ctx->dec_pkey[0])))
            return rc;
        if (s->decrypt_cert) {
            STACK_OF(X509) *certs = NULL;
            if ((rc = wssec__load_certs(s->decrypt_cert, &certs, why, sizeof(why))))
                return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "decrypt-cert: %s", why);
            ctx->dec_x509[0] = sk_X509_shift(certs);
            sk_X509_pop_free(certs, X509_free);
            if (X509_check_private_key(ctx->dec_x509[0], ctx->dec_pkey[0]) != 1) {
                ERR_clear_error();
                return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                                 "decrypt-key does not belong to decrypt-cert %s", s->decrypt_cert);
            }
        }
        ctx->n_dec = 1;
    } else if (s->decrypt_cert) {
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "decrypt-cert needs decrypt-key");
    }
    if (ctx->sign_pkey && EVP_PKEY_get_base_id(ctx->sign_pkey) == EVP_PKEY_RSA) {
        if (!EVP_PKEY_up_ref(ctx->sign_pkey) || !X509_up_ref(ctx->sign_x509)) return WSSEC_ENOMEM;
        ctx->dec_pkey[ctx->n_dec] = ctx->sign_pkey;
        ctx->dec_x509[ctx->n_dec] = ctx->sign_x509;
        ctx->n_dec++;
    }
    for (size_t i = 0; i < ctx->n_dec; i++)
        if (ctx->dec_x509[i] && !sk_X509_push(ctx->dec_certs, ctx->dec_x509[i])) return WSSEC_ENOMEM;
    if (s->psk_file) {
        char text[200];
        size_t n = 0;
        unsigned char *raw = NULL;
        size_t rawlen = 0;
        if (wssec_secret_read(text, sizeof(text), &n, s->psk_file, NULL, why, sizeof(why)))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "psk-file %s: %s", s->psk_file, why);
        rc = wssec_b64_decode(&raw, &rawlen, text, 64);
        wssec__memzero(text, sizeof(text));
        if (rc || (rawlen != 16 && rawlen != 24 && rawlen != 32)) {
            if (raw) wssec__memzero(raw, rawlen);
            wssec__free(raw);
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "psk-file %s: not the base64 of a 16- or 32-byte AES key (24 bytes: "
                             "a kw-tripledes key)",
                             s->psk_file);
        }
        memcpy(ctx->psk, raw, rawlen);
        ctx->psk_len = rawlen;
        wssec__memzero(raw, rawlen);
        wssec__free(raw);
    }
    return 0;
}

int wssec_ctx_new(wssec_ctx **out, wssec_config *cfg)
{
    WSSEC_ARG(out);
    *out = NULL;
    WSSEC_ARG(cfg);
    *out = NULL;
    wssec__err_clear(&cfg->err);
    wssec__strlist_clear(&cfg->warnings);
    if (wssec__global_init())
        return WSSEC_ERR(&cfg->err, WSSEC_EINTERNAL, "libxml2/xmlsec/OpenSSL cannot be initialised");
    /* plug-ins register into a copy of cfg, then build from it (plugin.c) */
    if (cfg->s.plugins.n) return wssec__ctx_new_with_plugins(out, cfg);
    for (size_t i = 0; i < cfg->s.actions.n; i++) {
        const wssec_module *m = wssec__modlist_by_name(&cfg->modules, cfg->s.actions.v[i]);
        if (!m || !m->generate)
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "actions: no module generates '%s'",
                             cfg->s.actions.v[i]);
    }
    wssec_ctx *ctx = wssec__calloc(1, sizeof(*ctx));
    if (!ctx) return WSSEC_ENOMEM;
    int rc = wssec__settings_copy(&ctx->s, &cfg->s);
    if (rc) {
        wssec__free(ctx);
        return rc;
    }
    if (wssec__modlist_copy(&ctx->modules, &cfg->modules)) {
        wssec_ctx_free(ctx);
        return WSSEC_ENOMEM;
    }
    ctx->password_cb = cfg->password_cb;
    ctx->password_ud = cfg->password_ud;
    ctx->clock_cb = cfg->clock_cb;
    ctx->clock_ud = cfg->clock_ud;
    ctx->explain_cb = cfg->explain_cb;
    ctx->explain_ud = cfg->explain_ud;
    ctx->cert_validator = cfg->cert_validator;
    ctx->cert_validator_ud = cfg->cert_validator_ud;
    ctx->time_validator = cfg->time_validator;
    ctx->time_validator_ud = cfg->time_validator_ud;
    ctx->key_locator = cfg->key_locator;
    ctx->key_locator_ud = cfg->key_locator_ud;
    ctx->context_resolver = cfg->context_resolver;
    ctx->context_resolver_ud = cfg->context_resolver_ud;
    pthread_mutex_init(&ctx->trust_lock, NULL);
    /* parsing a certificate is no trust decision: pooled even without the
     * certificate cache (which remembers validation outcomes) */
    if ((rc = wssec__certpool_new(&ctx->certpool, cfg->s.cert_cache_size))) {
        wssec_ctx_free(ctx);
        return rc;
    }
    if ((rc = load_identity(ctx, cfg)) || (rc = load_encryption(ctx, cfg)) ||
        (rc = wssec__trust_new(&ctx->trust, &cfg->s, &cfg->err)) ||
        (rc = wssec__policy_check_config(cfg)) || (rc = wssec__identity_ctx_init(ctx, cfg))) {
        wssec_ctx_free(ctx);
        return rc;
    }
    if (cfg->replay) {
        ctx->replay = wssec_replay_cache_retain(cfg->replay);
    } else if ((rc = wssec__replay_cache_from_settings(&ctx->replay, &cfg->s, &cfg->err))) {
        wssec_ctx_free(ctx);
        return rc;
    }
    if ((rc = wssec__trust_warn_load(&cfg->warnings, ctx, ctx->trust))) {
        wssec__strlist_clear(&cfg->warnings);
        wssec_ctx_free(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

void wssec_ctx_free(wssec_ctx *ctx)
{
    if (!ctx) return;
    wssec__settings_free(&ctx->s);
    wssec__trust_release(ctx->trust);
    pthread_mutex_destroy(&ctx->trust_lock);
    wssec__certpool_free(ctx->certpool);
    EVP_PKEY_free(ctx->sign_pkey);
    X509_free(ctx->sign_x509);
    sk_X509_pop_free(ctx->sign_chain, X509_free);
    X509_free(ctx->enc_x509);
    /* every slot: a key loaded before a later load failed is not counted in n_dec yet */
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(ctx->dec_pkey); i++) {
        EVP_PKEY_free(ctx->dec_pkey[i]);
        X509_free(ctx->dec_x509[i]);
    }
    sk_X509_free(ctx->dec_certs);
    wssec__pkcs11_release(ctx->p11); /* after the keys it holds */
    wssec__memzero(ctx->psk, sizeof(ctx->psk));
    wssec__modlist_clear(&ctx->modules);
    wssec_replay_cache_release(ctx->replay);
    wssec__identity_ctx_free(ctx);
    wssec__plugins_close(ctx->plugins); /* last: nothing of a plug-in is used after this */
    wssec__free(ctx);
}

int wssec_ctx_reload_trust(wssec_ctx *ctx, wssec_config *cfg)
{
    WSSEC_ARG(ctx && cfg);
    wssec__err_clear(&cfg->err);
    wssec__strlist_clear(&cfg->warnings);
    wssec_trust *fresh = NULL, *old;
    int rc = wssec__trust_new(&fresh, &cfg->s, &cfg->err);
    if (!rc && (rc = wssec__trust_warn_load(&cfg->warnings, ctx, fresh))) {
        wssec__strlist_clear(&cfg->warnings);
        wssec__trust_release(fresh);
    }
    if (rc) return rc;
    pthread_mutex_lock(&ctx->trust_lock);
    old = ctx->trust;
    ctx->trust = fresh;
    pthread_mutex_unlock(&ctx->trust_lock);
    wssec__trust_release(old); /* messages in flight keep their own reference */
    return 0;
}

wssec_time wssec_ctx_now(const wssec_ctx *ctx)
{
    WSSEC_ARG_OR(ctx, 0);
    if (ctx->s.have_now) return ctx->s.now;
    if (ctx->clock_cb) return ctx->clock_cb(ctx->clock_ud);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (wssec_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t wssec_ctx_max_message_size(const wssec_ctx *ctx)
{
    WSSEC_ARG_OR(ctx, 0);
    return ctx->s.max_message_size;
}

const char *wssec_ctx_replay_cache_name(const wssec_ctx *ctx)
{
    WSSEC_ARG_OR(ctx, NULL);
    return wssec_replay_cache_name(ctx->replay);
}

/* ---- the context's keys, for modules (sys/keys.h) ---- */

int wssec_ctx_signing_key(EVP_PKEY **key, X509 **cert, STACK_OF(X509) **chain,
                          const wssec_ctx *ctx)
{
    WSSEC_ARG(ctx);
    if (!ctx->sign_pkey) return WSSEC_ECONFIG;
    if (key) *key = ctx->sign_pkey;
    if (cert) *cert = ctx->sign_x509;
    if (chain) *chain = ctx->sign_chain;
    return 0;
}

X509 *wssec_ctx_recipient_cert(const wssec_ctx *ctx) { return ctx ? ctx->enc_x509 : NULL; }

size_t wssec_ctx_decryption_key_count(const wssec_ctx *ctx) { return ctx ? ctx->n_dec : 0; }

int wssec_ctx_decryption_key(EVP_PKEY **key, X509 **cert, const wssec_ctx *ctx, size_t i)
{
    WSSEC_ARG(ctx && i < ctx->n_dec);
    if (key) *key = ctx->dec_pkey[i];
    if (cert) *cert = ctx->dec_x509[i];
    return 0;
}

STACK_OF(X509) *wssec_ctx_decryption_certs(const wssec_ctx *ctx)
{
    return ctx ? ctx->dec_certs : NULL;
}

int wssec_ctx_psk(const unsigned char **key, size_t *len, const wssec_ctx *ctx)
{
    WSSEC_ARG(key && len && ctx);
    if (!ctx->psk_len) return WSSEC_ECONFIG;
    *key = ctx->psk;
    *len = ctx->psk_len;
    return 0;
}

int wssec_msg_cert_from_der(X509 **out, wssec_msg *msg, const unsigned char *der, size_t len)
{
    WSSEC_ARG(out && msg && der);
    *out = NULL;
    return wssec__cert_from_der(wssec_msg_ctx(msg)->certpool, der, len, out);
}

int wssec_msg_token_cert_b64(wssec_msg *msg, wssec_token *token, const char *text, size_t len,
                             size_t max)
{
    WSSEC_ARG(msg && token && text);
    wssec_certpool *pool = wssec_msg_ctx(msg)->certpool;
    wssec_pooledcert *e = NULL;
    WSSEC_GUARD(wssec__cert_from_b64(pool, text, len, max, &e));
    int rc = X509_up_ref(e->cert) ? wssec__token_set_cert_desc(token, e->cert, NULL, &e->desc)
                                  : WSSEC_ENOMEM;
    wssec__pooledcert_release(pool, e);
    return rc;
}

/* ---- the password source, for modules (sys/keys.h) ---- */

int wssec_ctx_has_passwords(const wssec_ctx *ctx) { return ctx && ctx->password_cb ? 1 : 0; }
