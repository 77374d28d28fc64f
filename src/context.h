/*
 * wssec — the immutable context built from a configuration, and the
 * process-wide set-up of the libraries (context.c).
 */
#ifndef WSSEC_SRC_CONTEXT_H
#define WSSEC_SRC_CONTEXT_H

#include <pthread.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "wssec/context.h"
#include "wssec/identity.h"
#include "wssec/keylocator.h"
#include "wssec/replay.h"
#include "wssec/seccontext.h"
#include "wssec/validate.h"
#include "registry.h"
#include "settings.h"
#include "x509.h"

typedef struct wssec_trust wssec_trust;

struct wssec_ctx {
    wssec_settings s;
    /* trust: the current snapshot, swapped by wssec_ctx_reload_trust() */
    pthread_mutex_t trust_lock;
    wssec_trust *trust;
    wssec_certpool *certpool; /* parsed token certificates, shared by all messages */
    /* outbound signing identity */
    EVP_PKEY *sign_pkey;
    X509 *sign_x509;
    STACK_OF(X509) *sign_chain;
    /* encryption: the recipient (outbound), our decryption keys (inbound),
     * a pre-shared key for kw-aes key wrap */
    X509 *enc_x509;
    EVP_PKEY *dec_pkey[2];
    X509 *dec_x509[2];
    STACK_OF(X509) *dec_certs; /* the dec_x509 that exist */
    size_t n_dec;
    unsigned char psk[32];
    size_t psk_len;
    wssec_modlist modules;
    wssec_password_cb password_cb;
    void *password_ud;
    wssec_clock_cb clock_cb;
    void *clock_ud;
    wssec_replay_cache *replay;
    struct wssec_idctx *identity; /* identity assertion (identity.c) */
    struct wssec_plugins *plugins; /* the plug-ins' shared objects and states (plugin.c) */
    wssec_explain_cb explain_cb;  /* wssec verify --explain */
    void *explain_ud;
    /* validators (validate.h): validate NULL is the default */
    wssec_cert_validator cert_validator;
    void *cert_validator_ud;
    wssec_time_validator time_validator;
    void *time_validator_ud;
    /* the key locator (keylocator.h): locate NULL is the default; the
     * PKCS#11 engine the configured keys of a token need (pkcs11.c) */
    wssec_key_locator key_locator;
    void *key_locator_ud;
    struct wssec_p11 *p11;
    /* the security context resolver (seccontext.h): resolve NULL is none */
    wssec_context_resolver context_resolver;
    void *context_resolver_ud;
};


#endif /* WSSEC_SRC_CONTEXT_H */
