/*
 * wssec — settings: the typed form of the options; the context holds a copy
 * (settings.c).
 */
#ifndef WSSEC_SRC_SETTINGS_H
#define WSSEC_SRC_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wssec/common.h"
#include "util.h"

enum wssec_pwtype { WSSEC_PWTYPE_DIGEST = 0, WSSEC_PWTYPE_TEXT = 1, WSSEC_PWTYPE_ANY = 2 };

/* Requirements of the inbound policy. */
enum {
    WSSEC_REQ_TIMESTAMP = 1u << 0,
    WSSEC_REQ_USERNAME = 1u << 1,
    WSSEC_REQ_SIGNATURE = 1u << 2 /* a trusted X.509 signature over the Body (and Timestamp) */
};

/* How an outbound signature refers to its certificate. */
enum wssec_keyid {
    WSSEC_KEYID_BST = 0,
    WSSEC_KEYID_ISSUER_SERIAL,
    WSSEC_KEYID_SKI,
    WSSEC_KEYID_THUMBPRINT,
    WSSEC_KEYID_X509
};

/* BinarySecurityToken value types. */
enum wssec_bsttype { WSSEC_BST_X509V3 = 0, WSSEC_BST_PKIPATH, WSSEC_BST_PKCS7 };

/* How an asserted identity is bound to its upstream (identity.c). */
enum { WSSEC_TRUST_SIGNATURE = 0, WSSEC_TRUST_BASIC = 1 };

/* A Timestamp or Nonce in content no signature covers (embedded.c). */
enum { WSSEC_UNSIGNED_WARN = 0, WSSEC_UNSIGNED_REFUSE = 1 };

typedef struct wssec_settings {
    size_t max_message_size;
    size_t max_depth;
    size_t max_nodes;
    size_t max_attributes, max_namespaces; /* per element, checked before libxml2 parses it */
    size_t max_namespaces_in_scope;
    size_t max_token_size;
    size_t max_references;
    size_t max_transforms;
    size_t max_encrypted_keys;
    size_t max_derived_keys;                               /* wsc:DerivedKeyTokens per message */
    size_t max_derived_key_length, max_derived_key_offset; /* wsc:DerivedKeyToken, bytes */
    size_t max_signatures; /* ds:Signature elements in our Security header */
    size_t max_c14n_bytes; /* bytes canonicalized for signatures, per message */
    size_t min_rsa_bits;
    size_t min_ec_bits; /* every EC key of a chain */
    int64_t clock_skew_ms;
    int64_t max_age_ms;
    int64_t timestamp_ttl_ms;
    bool timestamp_millis;
    char *actor;
    int password_type;
    unsigned require;
    wssec_strlist require_signed;    /* signed:XPATH */
    wssec_strlist require_signed_by; /* signed-by:REGEX */
    char *username;
    wssec_strlist actions;
    bool have_now;
    wssec_time now;
    size_t replay_cache_size;
    char *replay_cache;
    char *redis_password_file, *redis_password_env;
    size_t redis_connect_timeout_ms, redis_command_timeout_ms, redis_pool_size;
    bool replay_signatures;
    int unsigned_timestamps; /* WSSEC_UNSIGNED_WARN, WSSEC_UNSIGNED_REFUSE (embedded.c) */
    /* outbound signature */
    char *sign_key, *sign_cert, *sign_chain, *pkcs12, *pkcs12_pw_file, *pkcs12_pw_env;
    char *pkcs12_alias, *sign_key_pw_file, *sign_key_pw_env; /* key stores (keystore.c) */
    char *decrypt_key_pw_file, *decrypt_key_pw_env;
    int key_id;
    int bst_type;
    int sign_alg;   /* index into wssec__sig_algs */
    int digest_alg; /* index into wssec__digest_algs */
    wssec_strlist sign_parts;
    wssec_strlist namespaces; /* prefix=uri */
    wssec_strlist timestamp_in, nonce_in; /* XPaths: Timestamps, Nonces in content (embedded.c) */
    /* inbound signature and trust */
    wssec_strlist trust, certs, intermediates, crl, subjects, issuers, allow_transforms;
    wssec_strlist pins; /* --pin: certificate or public-key SHA-256s, or files (trust_pin.c) */
    wssec_strlist bsp_relax; /* BSP rules relaxed by name (bsp.c) */
    int crl_check; /* WSSEC_CRL_* */
    int ocsp_mode; /* WSSEC_OCSP_* (ocsp.h) */
    char *ocsp_url, *ocsp_responder_cert;
    int64_t ocsp_timeout_ms;
    bool ocsp_soft_fail, ocsp_nonce;
    size_t ocsp_cache_size;
    size_t max_chain_length;
    size_t expiry_warning_days; /* date warnings (trust_warn.c); 0: none */
    int transport_client_cert;  /* WSSEC_TRANSPORT_CERT_* */
    bool cert_cache;
    size_t cert_cache_size;
    int64_t cert_cache_max_age_ms;
    bool allow_sha1;
    /* encryption */
    char *encrypt_cert, *decrypt_key, *decrypt_cert, *psk_file, *psk_name;
    int enc_alg;       /* index into wssec__enc_algs */
    int key_transport; /* index into wssec__kt_algs */
    int enc_key_id;    /* WSSEC_KEYID_* (not bst-type) */
    wssec_strlist encrypt_parts;
    wssec_strlist require_encrypted; /* encrypted:XPATH */
    bool allow_cbc, allow_rsa15;
    bool allow_3des;
    bool allow_x509v1;
    /* the symmetric binding, outbound */
    bool symmetric, derived_keys;
    int derived_key_ns; /* 0: WS-SecureConversation 2005/02, 1: 1.3 */
    int session_key_id; /* 0: Reference, 1: KeyIdentifier EncryptedKeySHA1 */
    /* identity assertion and plug-ins (identity.c, plugin.c) */
    char *assert_user, *assert_dn, *assert_cert;
    bool strip_security;
    wssec_strlist trusted_upstreams;
    int trust_mode; /* WSSEC_TRUST_SIGNATURE, WSSEC_TRUST_BASIC */
    bool upstream_nonce_optional; /* trust-mode basic: a fresh Created instead of a Nonce */
    wssec_strlist plugins;
    /* keys in a PKCS#11 token (pkcs11.c) */
    char *pkcs11_module, *pkcs11_pin_file, *pkcs11_pin_env;
} wssec_settings;


/* The defaults (the settings of a configuration nothing was set on). */
void wssec__settings_init(wssec_settings *s);
/* A deep copy: dst owns copies of src's strings and lists. */
int wssec__settings_copy(wssec_settings *dst, const wssec_settings *src);
/* Frees (and wipes) what the settings own; leaves them zeroed. */
void wssec__settings_free(wssec_settings *s);
/* Whether the field at offset is a string (list 0) or a list (list 1) the
 * settings own, copy and free (for the option table's test). */
int wssec__settings_owns(size_t offset, int list);

#endif /* WSSEC_SRC_SETTINGS_H */
