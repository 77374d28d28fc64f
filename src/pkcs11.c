/*
 * wssec — keys in a PKCS#11 token, through OpenSSL's pkcs11 engine (libp11,
 * Debian's libengine-pkcs11-openssl). The ENGINE API is deprecated in
 * OpenSSL 3 and confined to this file; the keys it gives are EVP_PKEYs
 * whose private operations run in the token (keylocator.h: such a key is
 * used as it is, never copied).
 *
 * One engine serves the process (libp11 loads the module once, and a
 * module's C_Finalize would end every other user's sessions): contexts
 * take it and give it back, and the last one unloads the module. So a
 * process uses one PKCS#11 module at a time. The PIN comes from a file or
 * the environment (wssec_secret_read's rule), never from the URI.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/ui.h>

#include "wssec/wssec.h"
#include "pkcs11.h"
#include "util.h"

struct wssec_p11 {
    ENGINE *engine;
};

static pthread_mutex_t p11_lock = PTHREAD_MUTEX_INITIALIZER;
static ENGINE *p11_engine; /* a functional reference, while p11_users > 0 */
static size_t p11_users;
static char p11_module[4096];

int wssec__pkcs11_is_uri(const char *s) { return s && strncmp(s, "pkcs11:", 7) == 0; }

static int fail(char *why, size_t whylen, const char *fmt, ...) WSSEC_PRINTF(3, 4);

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (whylen) vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    ERR_clear_error();
    return WSSEC_ECONFIG;
}

/* The engine, loaded with module on first use (p11_lock held). */
static int engine_start(const char *module, char *why, size_t whylen)
{
    ENGINE *e = ENGINE_by_id("pkcs11");
    if (!e)
        return fail(why, whylen,
                    "the OpenSSL pkcs11 engine is not installed (Debian: "
                    "libengine-pkcs11-openssl)");
    ENGINE_ctrl_cmd_string(e, "QUIET", NULL, 1); /* libp11 prints nothing */
    if (!ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0) || !ENGINE_init(e)) {
        ENGINE_free(e);
        return fail(why, whylen, "the pkcs11 engine cannot be started with pkcs11-module %s",
                    module);
    }
    ENGINE_free(e); /* the functional reference of ENGINE_init stays */
    p11_engine = e;
    snprintf(p11_module, sizeof(p11_module), "%s", module);
    return 0;
}

/* A reference to the process's engine for one context (p11_lock held). */
static int engine_take(wssec_p11 **p11, const char *module, char *why, size_t whylen)
{
    if (*p11) return 0;
    if (p11_users && strcmp(module, p11_module) != 0)
        return fail(why, whylen,
                    "pkcs11-module %s: this process already uses the PKCS#11 module %s (one "
                    "module at a time)",
                    module, p11_module);
    wssec_p11 *p = wssec__calloc(1, sizeof(*p));
    if (!p) return WSSEC_ENOMEM;
    int rc = p11_users ? 0 : engine_start(module, why, whylen);
    if (rc) {
        wssec__free(p);
        return rc;
    }
    p11_users++;
    p->engine = p11_engine;
    *p11 = p;
    return 0;
}

void wssec__pkcs11_release(wssec_p11 *p11)
{
    if (!p11) return;
    pthread_mutex_lock(&p11_lock);
    if (--p11_users == 0) {
        ENGINE_finish(p11_engine); /* the module is unloaded (C_Finalize) */
        p11_engine = NULL;
        p11_module[0] = '\0';
    }
    pthread_mutex_unlock(&p11_lock);
    wssec__free(p11);
}

/* The URI: a pkcs11: URI that holds no PIN (pin-value, pin-source). */
static int uri_check(const char *uri, char *why, size_t whylen)
{
    if (!wssec__pkcs11_is_uri(uri)) return fail(why, whylen, "not a pkcs11: URI");
    if (strstr(uri, "pin-value="))
        return fail(why, whylen,
                    "a pkcs11: URI with a pin-value is refused: the PIN does not "
                    "belong in a URI (it ends up in logs and process lists); give "
                    "it with pkcs11-pin-file or pkcs11-pin-env");
    if (strstr(uri, "pin-source="))
        return fail(why, whylen,
                    "a pkcs11: URI with a pin-source is refused: give the PIN with "
                    "pkcs11-pin-file or pkcs11-pin-env");
    return 0;
}

/* The PIN, when one is configured (*have 0 when none). */
static int read_pin(const wssec_settings *s, char *pin, size_t size, int *have, char *why,
                    size_t whylen)
{
    char reason[300];
    size_t n = 0;
    *have = 0;
    pin[0] = '\0';
    if (!s->pkcs11_pin_file && !s->pkcs11_pin_env) return 0;
    if (s->pkcs11_pin_file && s->pkcs11_pin_env)
        return fail(why, whylen, "give pkcs11-pin-file or pkcs11-pin-env, not both");
    if (wssec_secret_read(pin, size, &n, s->pkcs11_pin_file, s->pkcs11_pin_env, reason,
                          sizeof(reason))) {
        if (s->pkcs11_pin_file)
            return fail(why, whylen, "pkcs11-pin-file %s: %s", s->pkcs11_pin_file, reason);
        return fail(why, whylen, "pkcs11-pin-env: %s", reason);
    }
    *have = 1;
    return 0;
}

/* Why the engine gave no key, from the first error it queued. */
static int load_failed(const char *uri, const char *module, int have_pin, char *why, size_t whylen)
{
    unsigned long e = ERR_peek_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    if (!reason) reason = "no reason given";
    if (strstr(reason, "PIN") || strstr(reason, "pin"))
        return fail(why, whylen, "the token refused the PIN (%s)%s", reason,
                    have_pin ? "" : "; no PIN is configured (pkcs11-pin-file or pkcs11-pin-env)");
    if (strstr(reason, "not found"))
        return fail(why, whylen,
                    "no private key %.300s in the token (object not found; `pkcs11-tool "
                    "--module %.200s --login --list-objects` lists them)%s",
                    uri, module,
                    have_pin ? ""
                             : "; no PIN is configured (pkcs11-pin-file or pkcs11-pin-env), "
                               "and a token shows its private keys only after login");
    if (strstr(reason, "load PKCS#11 module"))
        return fail(why, whylen, "pkcs11-module %s cannot be loaded as a PKCS#11 module", module);
    return fail(why, whylen, "the pkcs11 engine cannot load %.300s (%s)", uri, reason);
}

/* xmlsec (built for OpenSSL 3) counts an RSA key as private only when it
 * reads its private exponent, which a key in a token never shows: the key
 * gets a placeholder exponent of 1. It is never used: the key's RSA
 * method is the engine's, which signs and decrypts in the token. Only RSA
 * keys are taken from a token. */
static int token_rsa(EVP_PKEY *pk, char *why, size_t whylen)
{
    if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
        return fail(why, whylen,
                    "the key in the token is %s: only RSA keys in a token are "
                    "supported",
                    OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
    RSA *rsa = EVP_PKEY_get1_RSA(pk);
    const BIGNUM *d = NULL;
    BIGNUM *one = NULL;
    int ok = rsa != NULL;
    if (ok) RSA_get0_key(rsa, NULL, NULL, &d);
    if (ok && !d) ok = (one = BN_new()) && BN_one(one) && RSA_set0_key(rsa, NULL, NULL, one);
    if (!ok) BN_free(one);
    RSA_free(rsa);
    return ok ? 0 : WSSEC_ENOMEM;
}

int wssec__pkcs11_key(wssec_p11 **p11, const wssec_settings *s, const char *uri, EVP_PKEY **out,
                      char *why, size_t whylen)
{
    char pin[256];
    int have_pin = 0, rc;
    *out = NULL;
    if ((rc = uri_check(uri, why, whylen))) return rc;
    if (!s->pkcs11_module)
        return fail(why, whylen,
                    "a pkcs11: URI needs pkcs11-module (the token's PKCS#11 "
                    "library, e.g. /usr/lib/softhsm/libsofthsm2.so)");
    if (access(s->pkcs11_module, R_OK) != 0)
        return fail(why, whylen, "pkcs11-module %s: %s", s->pkcs11_module, strerror(errno));
    if ((rc = read_pin(s, pin, sizeof(pin), &have_pin, why, whylen))) return rc;
    pthread_mutex_lock(&p11_lock);
    ERR_clear_error();
    rc = engine_take(p11, s->pkcs11_module, why, whylen);
    if (!rc && have_pin && !ENGINE_ctrl_cmd_string((*p11)->engine, "PIN", pin, 0))
        rc = fail(why, whylen, "the pkcs11 engine does not take a PIN");
    if (!rc) {
        /* never a prompt: without a configured PIN the token is asked with none */
        *out = ENGINE_load_private_key((*p11)->engine, uri, (UI_METHOD *)UI_null(), NULL);
        if (!*out) rc = load_failed(uri, s->pkcs11_module, have_pin, why, whylen);
        else if ((rc = token_rsa(*out, why, whylen))) {
            EVP_PKEY_free(*out);
            *out = NULL;
        }
    }
    pthread_mutex_unlock(&p11_lock);
    wssec__memzero(pin, sizeof(pin));
    ERR_clear_error();
    return rc;
}

/* The URI without its type= attribute (a certificate is looked for). */
static int cert_uri(const char *uri, char *buf, size_t size)
{
    size_t off = 0;
    const char *p = uri + 7;
    int n = snprintf(buf, size, "pkcs11:");
    off = (size_t)n;
    while (*p) {
        size_t len = strcspn(p, ";?");
        if (strncmp(p, "type=", 5) != 0 && len) {
            n = snprintf(buf + off, size - off, "%s%.*s", off > 7 ? ";" : "", (int)len, p);
            if (n < 0 || (size_t)n >= size - off) return -1;
            off += (size_t)n;
        }
        p += len;
        if (*p == '?') break; /* the query: module and PIN attributes, not the object */
        if (*p) p++;
    }
    return 0;
}

int wssec__pkcs11_cert(wssec_p11 *p11, const char *uri, X509 **out, char *why, size_t whylen)
{
    char buf[2048];
    struct {
        const char *s_slot_cert_id;
        X509 *cert;
    } parms = { buf, NULL };
    *out = NULL;
    if (!p11) return fail(why, whylen, "no pkcs11 engine");
    if (cert_uri(uri, buf, sizeof(buf))) return fail(why, whylen, "the pkcs11: URI is too long");
    pthread_mutex_lock(&p11_lock);
    int ok = ENGINE_ctrl_cmd(p11->engine, "LOAD_CERT_CTRL", 0, &parms, NULL, 1) && parms.cert;
    pthread_mutex_unlock(&p11_lock);
    if (!ok)
        return fail(why, whylen,
                    "no certificate %.300s in the token (give it with sign-cert, or store it in "
                    "the token with the key's id and label)",
                    buf);
    ERR_clear_error();
    *out = parms.cert;
    return 0;
}
