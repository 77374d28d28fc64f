/*
 * wssec module SDK — the context's keys: our signing identity, the
 * recipient's certificate, our decryption keys and the pre-shared key
 * (README, "Keys"). Everything returned is borrowed from the context and
 * lives as long as it.
 *
 * OpenSSL types appear as their struct tags (`struct evp_pkey_st *` is an
 * `EVP_PKEY *`, `struct x509_st *` an `X509 *`, `struct stack_st_X509 *` a
 * `STACK_OF(X509) *`).
 */
#ifndef WSSEC_SYS_KEYS_H
#define WSSEC_SYS_KEYS_H

#include <stddef.h>

#include "../common.h"
#include "../context.h"
#include "../keylocator.h"
#include "../message.h"
#include "../seccontext.h"

#ifdef __cplusplus
extern "C" {
#endif

struct evp_pkey_st;
struct x509_st;
struct stack_st_X509;

/**
 * Our signing identity: its private key, certificate and the chain
 * configured with it (any output may be NULL).
 * @return 0, or WSSEC_ECONFIG when no signing key is configured.
 */
WSSEC_API int wssec_ctx_signing_key(struct evp_pkey_st **key, struct x509_st **cert,
                                    struct stack_st_X509 **chain, const wssec_ctx *ctx)
    WSSEC_NONNULL(4) WSSEC_WARN_UNUSED;

/** The recipient's certificate outbound encryption is for, or NULL. */
WSSEC_API struct x509_st *wssec_ctx_recipient_cert(const wssec_ctx *ctx) WSSEC_NONNULL(1);

/** How many decryption keys are configured (0 to 2: a key being rolled over and its successor). */
WSSEC_API size_t wssec_ctx_decryption_key_count(const wssec_ctx *ctx) WSSEC_NONNULL(1);

/**
 * The i-th decryption key and its certificate (either output may be NULL).
 * @return 0, or WSSEC_EINVALID past the last.
 */
WSSEC_API int wssec_ctx_decryption_key(struct evp_pkey_st **key, struct x509_st **cert,
                                       const wssec_ctx *ctx, size_t i) WSSEC_NONNULL(3)
    WSSEC_WARN_UNUSED;

/** The decryption keys' certificates, in key order (NULL when none). */
WSSEC_API struct stack_st_X509 *wssec_ctx_decryption_certs(const wssec_ctx *ctx)
    WSSEC_NONNULL(1);

/**
 * The pre-shared key of the psk-file option (for kw-aes key wrap).
 * @return 0, or WSSEC_ECONFIG when none is configured.
 */
WSSEC_API int wssec_ctx_psk(const unsigned char **key, size_t *len, const wssec_ctx *ctx)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/**
 * One DER certificate, exactly (no trailing bytes), parsed or taken from
 * the context's pool of certificates already parsed (a new reference;
 * free with X509_free()).
 * @return 0, WSSEC_ETOKEN when the bytes are no certificate, WSSEC_ENOMEM.
 */
WSSEC_API int wssec_msg_cert_from_der(struct x509_st **out, wssec_msg *msg,
                                      const unsigned char *der, size_t len)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/**
 * Whether the context has a password source (a users file or a password
 * callback) that wssec_msg_password() asks: 1 or 0 (0 for NULL).
 * Thread-safe.
 */
WSSEC_API int wssec_ctx_has_passwords(const wssec_ctx *ctx) WSSEC_NONNULL(1);

/**
 * Asks the key locator of the message's context for a key: the custom one
 * installed with wssec_config_set_key_locator(), or the default one (the
 * configured keys, wssec_key_locate_default()). For WSSEC_KEY_USE_DECRYPT
 * with a query whose ref is WSSEC_KEY_REF_NONE and whose key_info is set,
 * the reference is read from key_info first. Nothing is recorded on the
 * message: the caller words the refusal, with @p why. Thread-safe (the
 * locator must be).
 *
 * @param found  [out] new references; free with wssec_located_key_clear()
 *               (empty on failure)
 * @param msg    the message being secured or verified
 * @param query  what is wanted (its msg is taken to be @p msg)
 * @param why    where the reason for a refusal goes, one line (a custom
 *               locator's refusal names it)
 * @param whylen its size (512 bytes hold every reason)
 * @return 0; WSSEC_EUNAVAILABLE no signing key; WSSEC_EDECRYPT no
 *         decryption key for that reference; WSSEC_ECONFIG a custom
 *         locator's signing key without its certificate or not belonging to
 *         it; another negative code of the locator or of a malformed
 *         reference; WSSEC_ENOMEM; WSSEC_EINVALID for NULL arguments.
 */
WSSEC_API int wssec_msg_locate_key(wssec_located_key *found, wssec_msg *msg,
                                   const wssec_key_query *query, char *why, size_t whylen)
    WSSEC_NONNULL(1, 2, 3, 4) WSSEC_WARN_UNUSED;

/**
 * Asks the security context resolver of the message's context
 * (wssec_config_set_context_resolver(), seccontext.h) for the key of the
 * context @p identifier (and @p instance) names. Nothing is recorded on the
 * message: the caller words the refusal, with @p why. Thread-safe (the
 * resolver must be).
 *
 * @param key        [out] WSSEC_CONTEXT_KEY_MAX bytes; wiped on failure
 * @param key_len    [out] the key's length (16 to WSSEC_CONTEXT_KEY_MAX)
 * @param msg        the message being verified
 * @param identifier the wsc:Identifier
 * @param instance   the wsc:Instance, or NULL
 * @param why        where the reason for a refusal goes, one line
 * @param whylen     its size (512 bytes hold every reason)
 * @return 0; WSSEC_EUNAVAILABLE (no resolver, or it does not know the
 *         context); the resolver's WSSEC_EBACKEND or WSSEC_ENOMEM;
 *         WSSEC_EINVALID for NULL arguments.
 */
WSSEC_API int wssec_msg_resolve_context(unsigned char *key, size_t *key_len, wssec_msg *msg,
                                        const char *identifier, const char *instance, char *why,
                                        size_t whylen) WSSEC_NONNULL(1, 2, 3, 4, 6) WSSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_SYS_KEYS_H */
