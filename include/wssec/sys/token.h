/*
 * wssec module SDK — the tokens found so far in a message, and their typed
 * facts: what one module proved that another (or the pipeline) uses, with
 * its type, instead of property strings (properties are for reports).
 *
 * OpenSSL types appear as their struct tags (`struct x509_st *` is an
 * `X509 *`, `struct stack_st_X509 *` a `STACK_OF(X509) *`), so this header
 * does not need OpenSSL's headers.
 */
#ifndef WSSEC_SYS_TOKEN_H
#define WSSEC_SYS_TOKEN_H

#include <stddef.h>

#include "../common.h"
#include "../identity.h"
#include "../message.h"
#include "../process.h"

#ifdef __cplusplus
extern "C" {
#endif

struct x509_st;
struct stack_st_X509;
struct stack_st_X509_CRL;

/** The token type of an asserted identity (identity assertion, README). */
#define WSSEC_TOKEN_IDENTITY_ASSERTION "identity-assertion"

/** How many tokens this message's inbound pass has recorded so far. */
WSSEC_API size_t wssec_msg_token_count(const wssec_msg *msg) WSSEC_NONNULL(1);

/** The i-th token recorded so far (in the order found), or NULL. Borrowed. */
WSSEC_API wssec_token *wssec_msg_token(const wssec_msg *msg, size_t i) WSSEC_NONNULL(1);

/** The token whose element carries the ID @p id (wsu:Id, or Id), or NULL. Borrowed. */
WSSEC_API wssec_token *wssec_msg_token_by_id(const wssec_msg *msg, const char *id)
    WSSEC_NONNULL(1, 2);

/* ---- X.509 tokens ---- */

/**
 * Puts a certificate into a token, with the others its element carried:
 * both are owned by the token from now on, even on failure. The token's
 * identity becomes the subject DN, and its properties the subject, issuer,
 * serial, validity and SHA-256 fingerprint (for reports).
 * @return 0 or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_token_set_cert(wssec_token *token, struct x509_st *leaf,
                                   struct stack_st_X509 *others) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/**
 * The certificate of an X509v3 BinarySecurityToken from its base64 text
 * (len bytes, as the element holds it), put into token as
 * wssec_token_set_cert(token, cert, NULL) does. Through the context's pool
 * keyed by the text: a text seen before (compared whole) costs a lookup
 * and a copy of its certificate's description; otherwise it is decoded,
 * parsed and described, then pooled.
 * @return 0; WSSEC_EINVALID: not base64, or no bytes; WSSEC_ELIMIT: more
 *         than max bytes; WSSEC_ETOKEN: not exactly one usable DER
 *         certificate; WSSEC_ENOMEM.
 */
WSSEC_API int wssec_msg_token_cert_b64(wssec_msg *msg, wssec_token *token, const char *text,
                                       size_t len, size_t max)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/** The end-entity certificate of an X.509 token, or NULL. Borrowed. */
WSSEC_API struct x509_st *wssec_token_cert(const wssec_token *token) WSSEC_NONNULL(1);

/** The other certificates the token carried (a chain), or NULL. Borrowed. */
WSSEC_API struct stack_st_X509 *wssec_token_chain(const wssec_token *token) WSSEC_NONNULL(1);

/** Gives the token the CRLs its element carried (owned by the token from now on). */
WSSEC_API void wssec_token_set_crls(wssec_token *token, struct stack_st_X509_CRL *crls)
    WSSEC_NONNULL(1);

/** The CRLs the token carried, or NULL. Borrowed. */
WSSEC_API struct stack_st_X509_CRL *wssec_token_crls(const wssec_token *token) WSSEC_NONNULL(1);

/* ---- Timestamps ---- */

/** Records a Timestamp's Created and Expires (NULL: absent). */
WSSEC_API void wssec_token_set_times(wssec_token *token, const wssec_time *created,
                                     const wssec_time *expires) WSSEC_NONNULL(1);

/**
 * A token's Created and Expires, as wssec_token_set_times() recorded them.
 * @return a bit set: 1 when @p *created was set, 2 when @p *expires was.
 */
WSSEC_API int wssec_token_times(wssec_time *created, wssec_time *expires,
                                const wssec_token *token) WSSEC_NONNULL(1, 2, 3);

/* ---- signatures ---- */

/**
 * Records what verified a signature: the token that held the key (may be
 * NULL when the key came from configuration) and the certificate whose key
 * it was (a reference is taken; may be NULL).
 * @return 0 or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_token_set_signer(wssec_token *signature, const wssec_token *key_token,
                                     struct x509_st *cert) WSSEC_NONNULL(1);

/** The token that held a signature's key, or NULL. Borrowed. */
WSSEC_API const wssec_token *wssec_token_signer(const wssec_token *signature) WSSEC_NONNULL(1);

/** The certificate whose key verified a signature, or NULL. Borrowed. */
WSSEC_API struct x509_st *wssec_token_signer_cert(const wssec_token *signature)
    WSSEC_NONNULL(1);

/**
 * Marks a verified signature for replay detection: @p key identifies what
 * the signer's key fixes (see README, "Replay"), and @p horizon is how
 * long the signature stays valid without a signed Timestamp (the signer
 * certificate's notAfter). The pipeline records accepted signatures.
 */
WSSEC_API void wssec_token_set_replay(wssec_token *signature, const unsigned char key[32],
                                      wssec_time horizon) WSSEC_NONNULL(1, 2);

/* ---- identity assertion and UsernameTokens ---- */

/**
 * Makes @p token an asserted identity (README, "Identity assertion"): its
 * type becomes WSSEC_TOKEN_IDENTITY_ASSERTION, and it records who is
 * asserted and how (and the properties "asserted-kind" and "asserted", for
 * reports). The token proves nothing and gets no identity: the identity
 * phase gives it one when a trusted upstream vouches for it.
 *
 * @param token    the token (a UsernameToken without Password, an asserted X.509 token)
 * @param kind     WSSEC_ASSERTED_USERNAME or WSSEC_ASSERTED_DN
 * @param identity the user name or subject DN asserted (copied; not empty)
 * @return 0; WSSEC_EINVALID for a NULL or empty argument or another kind;
 *         WSSEC_ENOMEM.
 */
WSSEC_API int wssec_token_set_asserted(wssec_token *token, wssec_asserted_kind kind,
                                       const char *identity) WSSEC_NONNULL(1, 3)
    WSSEC_WARN_UNUSED;

/**
 * The identity a token asserts, as wssec_token_set_asserted() recorded it.
 *
 * @param[out] kind its kind (may be NULL; left untouched when none)
 * @param token     the token
 * @return the asserted identity (borrowed from the token), or NULL when the
 *         token asserts none.
 */
WSSEC_API const char *wssec_token_asserted(wssec_asserted_kind *kind, const wssec_token *token)
    WSSEC_NONNULL(2);

/**
 * Records the Nonce a token carried (a UsernameToken's, decoded), which
 * makes the token replay-protected to whoever reads it (the identity phase
 * accepts an upstream's UsernameToken only with one). The bytes are copied.
 * @return 0; WSSEC_EINVALID for a NULL token or nonce or an empty nonce;
 *         WSSEC_ENOMEM.
 */
WSSEC_API int wssec_token_set_nonce(wssec_token *token, const unsigned char *nonce, size_t len)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * The Nonce wssec_token_set_nonce() recorded.
 *
 * @param[out] nonce the nonce's bytes (borrowed from the token), or NULL when none
 * @param token      the token
 * @return its length; 0 when the token carried no Nonce.
 */
WSSEC_API size_t wssec_token_nonce(const unsigned char **nonce, const wssec_token *token)
    WSSEC_NONNULL(1, 2);

/**
 * Records a verified signature's value (the decoded SignatureValue: what a
 * SignatureConfirmation in a response echoes). The bytes are copied.
 * @return 0; WSSEC_EINVALID for a NULL token or value or an empty value;
 *         WSSEC_ENOMEM.
 */
WSSEC_API int wssec_token_set_signature_value(wssec_token *signature, const unsigned char *value,
                                              size_t len) WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * The value wssec_token_set_signature_value() recorded.
 *
 * @param[out] value the bytes (borrowed from the token), or NULL when none
 * @param signature  the token
 * @return their length; 0 when none was recorded.
 */
WSSEC_API size_t wssec_token_signature_value(const unsigned char **value,
                                             const wssec_token *signature) WSSEC_NONNULL(1, 2);

/* ---- symmetric keys ---- */

/**
 * Records the session key a token carries (an EncryptedKey used as a key
 * token, unwrapped with our key). The bytes are copied, and zeroed when the
 * token is freed; they are never a property and never in a report. A
 * signature whose signer token holds a secret (wssec_token_set_signer()
 * with no certificate) is by a symmetric key: what it covers is intact but
 * proves no sender (README, "The symmetric binding").
 * @return 0; WSSEC_EINVALID for a NULL token or key or an empty key;
 *         WSSEC_ENOMEM.
 */
WSSEC_API int wssec_token_set_secret(wssec_token *token, const unsigned char *key, size_t len)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * The session key wssec_token_set_secret() recorded.
 *
 * @param[out] key the bytes (borrowed from the token), or NULL when none
 * @param token    the token
 * @return their length; 0 when the token holds no session key.
 */
WSSEC_API size_t wssec_token_secret(const unsigned char **key, const wssec_token *token)
    WSSEC_NONNULL(1, 2);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_SYS_TOKEN_H */
