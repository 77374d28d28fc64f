/*
 * wssec — the key locator: where our private keys come from (as
 * WebSphere's key locators and WSS4J's Crypto do).
 *
 * Two questions have this seam:
 *
 *   - signing: which key signs an outbound message, with its certificate
 *     and the chain sent with it;
 *   - decryption: which key opens an inbound EncryptedKey, given the key
 *     reference its KeyInfo holds (issuer and serial, SKI, SHA-1
 *     thumbprint, or the certificate itself).
 *
 * The default locator answers from the configuration: sign-key and
 * sign-cert, or pkcs12 (signing); decrypt-key and decrypt-cert, and the
 * signing identity when it is an RSA key (decryption). A key in a PKCS#11
 * token (a `pkcs11:` URI as sign-key or decrypt-key) is one of these
 * configured keys. An application whose keys live in its own store
 * installs its own locator with wssec_config_set_key_locator() (never from
 * a configuration file: a locator is code); it may answer everything, or
 * call wssec_key_locate_default() for what it does not hold.
 *
 * A locator never weakens what follows: a signature made with its key is
 * the same signature, and a decryption key it returns that does not open
 * the EncryptedKey fails with the same "decryption failed" as any other
 * wrong key (no oracle). A key it returns is not trusted for anything else.
 *
 * Thread safety: the context is shared by threads and the locator is
 * called from every thread that secures or verifies a message with a
 * context built from the configuration, concurrently: it must be
 * thread-safe, and the userdata must outlive those contexts. It is called
 * once per signature made and once per EncryptedKey opened; it should
 * answer from memory (an application caches its keys).
 */
#ifndef WSSEC_KEYLOCATOR_H
#define WSSEC_KEYLOCATOR_H

#include <stddef.h>

#include <libxml/tree.h>

#include "common.h"
#include "config.h"
#include "message.h"

#ifdef __cplusplus
extern "C" {
#endif

/* OpenSSL's types, declared so that this header does not need OpenSSL's:
 * `struct evp_pkey_st *` is an `EVP_PKEY *`, `struct x509_st *` an
 * `X509 *` and `struct stack_st_X509 *` a `STACK_OF(X509) *`. */
struct evp_pkey_st;
struct x509_st;
struct stack_st_X509;

/** What a key is wanted for. */
typedef enum wssec_key_use {
    WSSEC_KEY_USE_SIGN = 1,   /**< to sign an outbound message */
    WSSEC_KEY_USE_DECRYPT = 2 /**< to open an inbound EncryptedKey (RSA key transport) */
} wssec_key_use;

/** How the key wanted is named. */
typedef enum wssec_key_ref_type {
    WSSEC_KEY_REF_NONE = 0, /**< not named: the signing key, or an EncryptedKey without KeyInfo */
    WSSEC_KEY_REF_ISSUER_SERIAL = 1, /**< by its certificate's issuer and serial number */
    WSSEC_KEY_REF_SKI = 2,           /**< by its certificate's subject key identifier */
    WSSEC_KEY_REF_THUMBPRINT = 3,    /**< by the SHA-1 of its certificate's DER */
    WSSEC_KEY_REF_CERT = 4,          /**< by its certificate, carried in the message */
    WSSEC_KEY_REF_OTHER = 5          /**< a reference none of the above (see key_info) */
} wssec_key_ref_type;

/** What a locator is asked. Everything is borrowed for the call. */
typedef struct wssec_key_query {
    unsigned version;       /**< WSSEC_KEY_QUERY_VERSION */
    wssec_key_use use;      /**< what the key is for */
    wssec_key_ref_type ref; /**< how the key is named */
    /** ISSUER_SERIAL: the X509IssuerName as the message wrote it (an RFC
     *  4514 name, in either RDN order: compare with
     *  wssec_key_query_matches()); NULL otherwise. */
    const char *issuer;
    /** ISSUER_SERIAL: the X509SerialNumber, decimal, as written; NULL otherwise. */
    const char *serial;
    /** SKI and THUMBPRINT: the identifier's bytes (decoded); NULL otherwise. */
    const unsigned char *id;
    size_t id_len;        /**< the length of id */
    struct x509_st *cert; /**< CERT: the certificate (X509 *); NULL otherwise */
    /** DECRYPT: the EncryptedKey's ds:KeyInfo element, as received (NULL
     *  when it has none or for SIGN). The reference above is read from it. */
    xmlNodePtr key_info;
    /** The message being secured or verified: what
     *  wssec_key_locate_default() needs. Pass the query on unchanged; do not
     *  use the message otherwise. */
    wssec_msg *msg;
} wssec_key_query;

#define WSSEC_KEY_QUERY_VERSION 1
#define WSSEC_KEY_QUERY_INIT                                                                  \
    {                                                                                         \
        WSSEC_KEY_QUERY_VERSION, WSSEC_KEY_USE_SIGN, WSSEC_KEY_REF_NONE, NULL, NULL, NULL, 0, \
            NULL, NULL, NULL                                                                  \
    }

/**
 * Initialises a query to the defaults of @p version (a signing query
 * naming no key).
 * @return 0, or WSSEC_EINVALID for a version this library does not know.
 */
WSSEC_API int wssec_key_query_init(wssec_key_query *query, unsigned version) WSSEC_NONNULL(1);

/**
 * Whether the key reference of @p query names @p cert: issuer and serial
 * (the issuer compared after RFC 4514 normalisation, in either RDN order),
 * SKI, thumbprint, or the same certificate. Pure; thread-safe.
 *
 * @param query the query
 * @param cert  a certificate (X509 *)
 * @return 1 when it does; 0 when it does not, for NONE and OTHER, and for
 *         NULL arguments.
 */
WSSEC_API int wssec_key_query_matches(const wssec_key_query *query, const struct x509_st *cert);

/**
 * A locator's answer: a private key, and its certificate and chain. The
 * locator puts new references in it (EVP_PKEY_up_ref(), X509_up_ref(), a
 * new stack of new references); wssec frees them after use with
 * wssec_located_key_clear().
 */
typedef struct wssec_located_key {
    unsigned version;        /**< WSSEC_LOCATED_KEY_VERSION */
    struct evp_pkey_st *key; /**< the private key (EVP_PKEY *); may live in a token */
    /** Its certificate (X509 *): needed to sign (the message names it);
     *  optional to decrypt. */
    struct x509_st *cert;
    /** SIGN: intermediate certificates sent with it (STACK_OF(X509) *), or NULL. */
    struct stack_st_X509 *chain;
} wssec_located_key;

#define WSSEC_LOCATED_KEY_VERSION 1
#define WSSEC_LOCATED_KEY_INIT                      \
    {                                               \
        WSSEC_LOCATED_KEY_VERSION, NULL, NULL, NULL \
    }

/**
 * Initialises an answer to the defaults of @p version (empty).
 * @return 0, or WSSEC_EINVALID for a version this library does not know.
 */
WSSEC_API int wssec_located_key_init(wssec_located_key *found, unsigned version) WSSEC_NONNULL(1);

/**
 * Frees the references an answer holds and empties it (its version stays).
 * NULL is a no-op.
 */
WSSEC_API void wssec_located_key_clear(wssec_located_key *found);

/** A key locator. */
typedef struct wssec_key_locator {
    unsigned version; /**< WSSEC_KEY_LOCATOR_VERSION */
    const char *name; /**< for reasons and reports ("keystore", "vault", ...); NULL: "custom" */
    /**
     * Finds the key @p query asks for.
     *
     * @param found    [out] where the key goes (empty on entry): new
     *                 references that wssec frees
     * @param query    what is wanted
     * @param why      where the reason for "no key" goes, one line (it
     *                 becomes part of the error's message; never of a fault)
     * @param whylen   its size
     * @param userdata the pointer given to wssec_config_set_key_locator()
     * @return 0 with found->key set (and found->cert, to sign);
     *         WSSEC_EUNAVAILABLE when it has no such key; another negative
     *         wssec code when the locator itself failed (WSSEC_EBACKEND: its
     *         store is down; WSSEC_ENOMEM): the message is refused with that
     *         code. Any other value, or 0 without a key, counts as
     *         WSSEC_EUNAVAILABLE. A refusal to decrypt is WSSEC_EDECRYPT
     *         whatever the locator returned.
     */
    int (*locate)(wssec_located_key *found, const wssec_key_query *query, char *why, size_t whylen,
                  void *userdata);
} wssec_key_locator;

#define WSSEC_KEY_LOCATOR_VERSION 1
#define WSSEC_KEY_LOCATOR_INIT                \
    {                                         \
        WSSEC_KEY_LOCATOR_VERSION, NULL, NULL \
    }

/**
 * Initialises a locator to the defaults of @p version (no callback).
 * @return 0, or WSSEC_EINVALID for a version this library does not know.
 */
WSSEC_API int wssec_key_locator_init(wssec_key_locator *locator, unsigned version) WSSEC_NONNULL(1);

/**
 * The default locator: the configured keys, exactly as without a custom
 * locator. To sign: the signing identity. To decrypt: the configured
 * decryption key whose certificate the reference names (resolved as a
 * signature's reference is, with our decryption certificates first); a
 * reference to another certificate gets no key; with one decryption key
 * configured without its certificate, or an EncryptedKey without KeyInfo
 * and one key, that key. Thread-safe.
 *
 * @param found  [out] new references (free with wssec_located_key_clear())
 * @param query  the query the custom locator was given (its msg is needed)
 * @param why    where the reason for "no key" goes
 * @param whylen its size (512 bytes hold every reason)
 * @return 0; WSSEC_EUNAVAILABLE (no such key configured); a code of a
 *         malformed reference (WSSEC_ETOKEN, WSSEC_EUNSUPPORTED,
 *         WSSEC_ELIMIT, WSSEC_EUNTRUSTED for an ambiguous one); WSSEC_ENOMEM;
 *         WSSEC_EINVALID for a query without a message or of an unknown
 *         version.
 */
WSSEC_API int wssec_key_locate_default(wssec_located_key *found, const wssec_key_query *query,
                                       char *why, size_t whylen)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * Installs a key locator in place of the default, or goes back to the
 * default with NULL. The locator is copied (its name must outlive the
 * contexts built from @p cfg, as must @p userdata). The configured keys
 * (sign-key, decrypt-key, pkcs12 ...) are still loaded when the context is
 * built, and are what wssec_key_locate_default() answers.
 *
 * @param cfg      the configuration
 * @param locator  the locator (version 1 to WSSEC_KEY_LOCATOR_VERSION, with
 *                 a callback), or NULL for the default
 * @param userdata passed to the callback
 * @return 0; WSSEC_EINVALID for an unknown version or a missing callback
 *         (the configuration keeps its locator).
 */
WSSEC_API int wssec_config_set_key_locator(wssec_config *cfg, const wssec_key_locator *locator,
                                           void *userdata) WSSEC_NONNULL(1) WSSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_KEYLOCATOR_H */
