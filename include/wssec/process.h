/*
 * wssec — inbound verification, outbound securing, inspection, and the
 * result of an inbound pass.
 */
#ifndef WSSEC_PROCESS_H
#define WSSEC_PROCESS_H

#include <libxml/tree.h>

#include "common.h"
#include "error.h"
#include "message.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wssec_result wssec_result;
typedef struct wssec_token wssec_token;

/**
 * Verifies a parsed message: runs the consumer of each child of our
 * wsse:Security header in document order, then the policy (the "require"
 * option and the defaults), and records what was proven.
 *
 * On failure the result still describes what was found before the failure,
 * and carries the one error that rejected the message.
 *
 * @param[out] out the result, on success and on a security failure alike;
 *             free it with wssec_result_free() before freeing @p msg (it
 *             points into the message's document). NULL only on WSSEC_ENOMEM
 *             or WSSEC_EINVALID.
 * @param msg  a message parsed with wssec_msg_parse()
 * @return 0 when the message is accepted; otherwise the negative code of the
 *         error that rejected it (never 0 with a failure status).
 * Thread-safe for distinct messages sharing one context.
 */
WSSEC_API int wssec_verify(wssec_result **out, wssec_msg *msg) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/**
 * Describes a parsed message without judging it as a whole: runs every
 * consumer, records each token with its own status (a failing token does not
 * stop the others), records nothing in the replay cache and applies no
 * policy. Used by `wssec inspect`.
 *
 * @param[out] out the result (wssec_result_error() is the first token error)
 * @return 0, or WSSEC_EINVALID / WSSEC_ENOMEM.
 */
WSSEC_API int wssec_inspect(wssec_result **out, wssec_msg *msg) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/** Options of wssec_secure(). Initialise with WSSEC_SECURE_OPTIONS_INIT. */
typedef struct wssec_secure_options {
    unsigned version;           /**< WSSEC_SECURE_OPTIONS_VERSION */
    const char *const *actions; /**< module names in order, e.g. {"timestamp",
                                     "username-token"}; NULL: the "actions" option */
    size_t n_actions;           /**< number of @p actions */
    const char *username;       /**< user for a UsernameToken; NULL: the "username" option */
    /* version 2: the identity the "identity-assertion" action asserts for this
     * message (see identity.h); both NULL: the "assert-user" / "assert-dn"
     * options. At most one may be set. */
    const char *assert_user;    /**< a user name (a UsernameToken without Password) */
    const char *assert_dn;      /**< a subject DN (an asserted X.509 token) */
} wssec_secure_options;

/* Versions 1 (without assert_user and assert_dn) and 2 are accepted. */
#define WSSEC_SECURE_OPTIONS_VERSION 2
#define WSSEC_SECURE_OPTIONS_INIT { WSSEC_SECURE_OPTIONS_VERSION, NULL, 0, NULL, NULL, NULL }

/**
 * Initialises @p opts as WSSEC_SECURE_OPTIONS_INIT does, for callers that
 * cannot use the macro (bindings): writes only the members that
 * @p version has, so a caller built against an older header passes its own
 * WSSEC_SECURE_OPTIONS_VERSION.
 *
 * @param[out] opts the options
 * @param version   WSSEC_SECURE_OPTIONS_VERSION as the caller saw it
 * @return 0; WSSEC_EINVALID for a NULL @p opts, version 0, or a version
 *         newer than this library's. Thread-safe.
 */
WSSEC_API int wssec_secure_options_init(wssec_secure_options *opts, unsigned version)
    WSSEC_WARN_UNUSED;

/**
 * Secures a parsed message: runs the generator of each action in order,
 * adding to (or creating) the wsse:Security header for the configured actor.
 * On failure the message's document may be partly changed: do not send it.
 *
 * @param msg  a message parsed with wssec_msg_parse()
 * @param opts options, or NULL for the configuration's
 * @return 0; WSSEC_ECONFIG for an unknown action or a missing setting (user
 *         name, password); WSSEC_EAUTH when the password callback does not
 *         know the user; WSSEC_ENOMEM. The error is in wssec_msg_error().
 * Thread-safe for distinct messages sharing one context.
 */
WSSEC_API int wssec_secure(wssec_msg *msg, const wssec_secure_options *opts) WSSEC_NONNULL(1)
    WSSEC_WARN_UNUSED;

/**
 * SignatureConfirmation (WSS 1.1 §8.5), responder side: the response
 * @p response will confirm the SignatureValue of every signature that
 * verified in the request whose result is @p request (one
 * wsse11:SignatureConfirmation each, with its Value; one without Value when
 * the request had no signature). The "signature-confirmation" action writes
 * them; run it before the "signature" action, whose default parts then
 * include them. The values are copied: @p request may be freed afterwards.
 *
 * @param response the response message (parsed, not yet secured)
 * @param request  the result of wssec_verify() of the request: accepted
 * @return 0; WSSEC_EINVALID when the request was rejected; WSSEC_ELIMIT
 *         beyond 64 signatures; WSSEC_ENOMEM. The error is in
 *         wssec_msg_error(@p response). Thread-safe for distinct messages.
 */
WSSEC_API int wssec_msg_confirm_signatures(wssec_msg *response, const wssec_result *request)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * SignatureConfirmation, requester side: wssec_verify() of @p response will
 * check it against the request @p request that was sent (secured with
 * wssec_secure(), or parsed again from what was sent): every SignatureValue
 * of the request's Security header confirmed exactly once by a
 * wsse11:SignatureConfirmation that a verified signature of the response
 * covers, no other value confirmed (with no signature in the request:
 * exactly one SignatureConfirmation without Value). Otherwise the response
 * is refused with WSSEC_ESIGNATURE (wsse:FailedCheck; WSSEC_EUNSIGNED for a
 * confirmation no verified signature covers), the reason naming the value.
 * Without this call, SignatureConfirmations are read and not checked (a
 * warning says so). The values are copied.
 *
 * @return 0; WSSEC_EINVALID for a request signature without a base64
 *         SignatureValue, or beyond 64; WSSEC_ENOMEM. The error is in
 *         wssec_msg_error(@p response). Thread-safe for distinct messages.
 */
WSSEC_API int wssec_msg_expect_confirmations(wssec_msg *response, const wssec_msg *request)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * The session key of the symmetric binding, kept inside the library: an
 * opaque handle, so that a key never has to pass through the caller's
 * memory (nor a log, nor a command line). A requester keeps the key of the
 * request it secured to read the response; a responder keeps the key of the
 * request it accepted to answer with it. Each handle is the caller's.
 */
typedef struct wssec_session_key wssec_session_key;

/**
 * The session key a message carries: after wssec_secure() with the
 * "symmetric" option, the one it made and sent in its EncryptedKey; after
 * wssec_verify() accepted the message, the one of its first EncryptedKey key
 * token (an EncryptedKey without a ReferenceList, unwrapped with our key).
 *
 * @param[out] out a copy; free it with wssec_session_key_free()
 * @param msg      the message
 * @return 0; WSSEC_EUNAVAILABLE when the message has none (not secured
 *         symmetric, not accepted, or no key token); WSSEC_ENOMEM.
 * Thread-safe for distinct messages.
 */
WSSEC_API int wssec_msg_session_key(wssec_session_key **out, const wssec_msg *msg)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * Gives a message the session key of another one (copied), for the next
 * wssec_verify() or wssec_secure() of it:
 * - wssec_verify() (a response to a request we secured): a
 *   wsse:KeyIdentifier of type EncryptedKeySHA1 that names the key resolves
 *   to it, for an HMAC signature, an EncryptedData or a DerivedKeyToken. It
 *   proves no more than a key of the message would: the response stays
 *   anonymous (no caller, nothing counted as signed);
 * - wssec_secure() with the "symmetric" option (a response to a request we
 *   accepted): the response is keyed by it and sends no EncryptedKey; the
 *   signature, the EncryptedData and any DerivedKeyToken name it by
 *   EncryptedKeySHA1, as WSS 1.1 and WS-SecurityPolicy's symmetric binding
 *   answer.
 *
 * @return 0 or WSSEC_ENOMEM. Not thread-safe for one message.
 */
WSSEC_API int wssec_msg_use_session_key(wssec_msg *msg, const wssec_session_key *key)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/* `struct x509_st *` is an `X509 *` (OpenSSL); the header does not need
 * OpenSSL's. */
struct x509_st;

/**
 * The recipient this message's outbound encryption is for: the RSA key of
 * @p cert wraps the session key of the "encrypted-key" action (and of the
 * "symmetric" option's EncryptedKey), and the EncryptedKey names @p cert
 * (the "enc-key-id" option says how), instead of the context's
 * "encrypt-cert", which stays what every other message uses. A responder
 * passes the caller's certificate (wssec_result_caller_cert() of the
 * request) to encrypt the response for the party that signed the request.
 *
 * The message takes its own reference: @p cert may be freed afterwards.
 * NULL goes back to the context's recipient. The certificate is not
 * validated here (neither its dates nor its path: it normally comes from
 * a result that validated it, and the context's "encrypt-cert" is not
 * either); only its key is checked.
 *
 * @param msg  the message (before wssec_secure())
 * @param cert the recipient's certificate (X509 *), or NULL
 * @return 0; WSSEC_EINVALID when the certificate's key is not RSA (the
 *         error is in wssec_msg_error()); the recipient is then unchanged.
 *         Not thread-safe for one message.
 */
WSSEC_API int wssec_msg_set_recipient(wssec_msg *msg, struct x509_st *cert) WSSEC_NONNULL(1)
    WSSEC_WARN_UNUSED;

/* `struct stack_st_X509 *` is a `STACK_OF(X509) *`. */
struct stack_st_X509;

/**
 * The client certificate the transport authenticated (the TLS peer's, as
 * the embedding server's TLS layer verified its possession of the key), and
 * the chain the peer sent, for the next wssec_verify() of the message. The
 * library is not tied to a server: mod_wssec passes mod_ssl's
 * SSL_CLIENT_CERT and SSL_CLIENT_CERT_CHAIN_n, another server its own.
 *
 * It counts only under the configuration's "transport-client-cert required"
 * (written by the policy mapping for sp:HttpsToken with
 * RequireClientCertificate): wssec_verify() then refuses a message without
 * one (WSSEC_EPOLICY, the reason naming the option and sp:HttpsToken),
 * validates it with the rules of a message signer — the anchors, the path,
 * CRLs and OCSP, "subject" and "issuer", key usage, the certificate
 * validator; a refusal is WSSEC_EUNTRUSTED with that precise reason — and
 * records it as a token of type "transport-token" (properties "subject",
 * "sha256"). Its subject DN (RFC 4514) is the caller when no token of the
 * message named one (a signature or a UsernameToken stays the caller), and
 * wssec_result_caller_cert() then returns it. Under "transport-client-cert
 * none" (the default) it is ignored.
 *
 * The message takes its own references: @p cert and @p chain may be freed
 * afterwards. NULL (and a NULL chain) forgets what was set.
 *
 * @param msg   the message (before wssec_verify())
 * @param cert  the certificate (X509 *), or NULL
 * @param chain the other certificates the peer sent (STACK_OF(X509) *), or NULL
 * @return 0; WSSEC_EINVALID for a chain without a certificate; WSSEC_ELIMIT
 *         beyond 64 certificates in the chain; WSSEC_ENOMEM. The error is in
 *         wssec_msg_error(). Not thread-safe for one message.
 */
WSSEC_API int wssec_msg_set_transport_cert(wssec_msg *msg, struct x509_st *cert,
                                           struct stack_st_X509 *chain)
    WSSEC_NONNULL(1) WSSEC_WARN_UNUSED;

/** Wipes and frees a session key. NULL is a no-op. */
WSSEC_API void wssec_session_key_free(wssec_session_key *key);

/**
 * A session key as text, to keep it between two processes (`wssec
 * --session-key-out`): "wssec-session-key 1", the EncryptedKeySHA1 that
 * names it and the key in base64, one per line. The text is the key: keep
 * it as a secret (a file only its owner reads), wipe it, and free it with
 * wssec_free().
 *
 * @param[out] out the text (NUL-terminated)
 * @param[out] len its length
 * @param key      the key
 * @return 0 or WSSEC_ENOMEM. Thread-safe.
 */
WSSEC_API int wssec_session_key_export(char **out, size_t *len, const wssec_session_key *key)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/**
 * Reads the text of wssec_session_key_export().
 *
 * @param[out] out the key; free it with wssec_session_key_free()
 * @param text     the text, @p len bytes (a final newline is optional)
 * @param len      its length
 * @return 0; WSSEC_EINVALID when the text is not such a key (its first line,
 *         a SHA-1 of 20 bytes, a key of 16 to 64 bytes); WSSEC_ENOMEM.
 *         Thread-safe.
 */
WSSEC_API int wssec_session_key_import(wssec_session_key **out, const char *text, size_t len)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/** Frees a result. NULL is a no-op. */
WSSEC_API void wssec_result_free(wssec_result *result);

/**
 * The error that rejected the message. One of the error accessors (see
 * error.h): never NULL; code 0 when accepted; for a NULL @p result, a static
 * record with code WSSEC_EINVALID. Borrowed from the result.
 */
WSSEC_API const wssec_error *wssec_result_error(const wssec_result *result);

/**
 * The authenticated caller: the user name of a verified UsernameToken, else
 * the subject DN (RFC 4514) of the trusted signer, or NULL when no token
 * established one; with identity assertion, the identity a trusted upstream
 * asserted (wssec_result_asserted_by() names the upstream; see identity.h).
 * NULL after a rejection: a rejection is final, and the coverage and
 * decryption calls below then report nothing either (the tokens stay listed,
 * with their status and properties, for people). Borrowed.
 */
WSSEC_API const char *wssec_result_caller(const wssec_result *result) WSSEC_NONNULL(1)
    WSSEC_WARN_UNUSED;

/**
 * The certificate of the authenticated caller: the trusted X.509
 * certificate whose key made the verified signature that names the caller
 * (wssec_result_caller() is its subject), or the TLS client certificate
 * that authenticated the caller (wssec_msg_set_transport_cert(), the
 * "transport-client-cert" option). NULL when the caller is a UsernameToken's
 * user, an identity a trusted upstream asserted (the upstream's certificate
 * is not the caller's), the key of an HMAC signature, or nobody, and after a
 * rejection.
 *
 * @return the certificate (X509 *), borrowed from the result: valid until
 *         wssec_result_free(); X509_up_ref() it to keep it longer. Thread-safe
 *         for distinct results.
 */
WSSEC_API struct x509_st *wssec_result_caller_cert(const wssec_result *result) WSSEC_NONNULL(1)
    WSSEC_WARN_UNUSED;

/**
 * Number of verified signature references: each covered one node of the
 * document (and its subtree). Only references of signatures that verified
 * (and whose signer is trusted) are counted.
 */
WSSEC_API size_t wssec_result_signed_count(const wssec_result *result) WSSEC_NONNULL(1);

/**
 * Verified reference @p i: the element it covered (borrowed from the
 * message's document), its URI ("#Body-1"), its digest algorithm ("sha256")
 * and the signature token that holds it. Any of @p uri, @p digest_alg,
 * @p signature may be NULL.
 *
 * @param[out] node       the element covered
 * @param[out] uri        the Reference URI, or NULL
 * @param[out] digest_alg the digest algorithm, or NULL
 * @param[out] signature  the signature token, or NULL
 * @param result          the result
 * @param i               index, from 0
 * @return 0, or WSSEC_EINVALID when @p i is out of range.
 */
WSSEC_API int wssec_result_signed(xmlNodePtr *node, const char **uri, const char **digest_alg,
                                  const wssec_token **signature, const wssec_result *result,
                                  size_t i) WSSEC_NONNULL(1, 5) WSSEC_WARN_UNUSED;

/**
 * Whether @p node is, or lies inside, an element a verified signature
 * reference covered: the check an application makes, by node identity, on
 * the very node it is about to use (this is what defeats signature
 * wrapping: a look-alike element elsewhere does not count).
 * @return 1 if signed, 0 if not.
 */
WSSEC_API int wssec_result_is_signed(const wssec_result *result, xmlNodePtr node)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * Number of parts decrypted from EncryptedData (each an element that was
 * encrypted, or an element whose content was).
 */
WSSEC_API size_t wssec_result_decrypted_count(const wssec_result *result) WSSEC_NONNULL(1);

/**
 * Decrypted part @p i, in the shape of wssec_result_signed().
 *
 * @param[out] node    the element (borrowed from the message's document)
 * @param[out] content set to 1 when it is the element's content that was
 *                     encrypted, 0 when the element itself was; may be NULL
 * @param result       the result
 * @param i            index, from 0
 * @return 0, or WSSEC_EINVALID when @p i is out of range.
 */
WSSEC_API int wssec_result_decrypted(xmlNodePtr *node, int *content, const wssec_result *result,
                                     size_t i) WSSEC_NONNULL(1, 3) WSSEC_WARN_UNUSED;

/** Whether @p node is, or lies inside, a decrypted part. @return 1 or 0. */
WSSEC_API int wssec_result_is_decrypted(const wssec_result *result, xmlNodePtr node)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * Warnings about the configuration as this message exercised it (for
 * example: trust anchors without a subject constraint accept any certificate
 * they issued). They do not reject the message.
 */
WSSEC_API size_t wssec_result_warning_count(const wssec_result *result) WSSEC_NONNULL(1);

/** Warning @p i, or NULL when out of range. Borrowed. */
WSSEC_API const char *wssec_result_warning(const wssec_result *result, size_t i)
    WSSEC_NONNULL(1);

/** Number of tokens found in the Security header, in document order. */
WSSEC_API size_t wssec_result_token_count(const wssec_result *result) WSSEC_NONNULL(1);

/** Token @p i (0-based), or NULL when out of range. Borrowed. */
WSSEC_API const wssec_token *wssec_result_token(const wssec_result *result, size_t i)
    WSSEC_NONNULL(1);

/** The name of the module that consumed the token ("timestamp", ...), or "unknown". */
WSSEC_API const char *wssec_token_type(const wssec_token *token) WSSEC_NONNULL(1);

/** The token's element in the message document. Borrowed. */
WSSEC_API xmlNodePtr wssec_token_node(const wssec_token *token) WSSEC_NONNULL(1);

/** The identity the token proved (a user name, a subject DN) or NULL. */
WSSEC_API const char *wssec_token_identity(const wssec_token *token) WSSEC_NONNULL(1);

/**
 * The token's own status: 0 when it was processed successfully, else the
 * code of its error (the same as wssec_token_error(token)->code).
 */
WSSEC_API int wssec_token_status(const wssec_token *token) WSSEC_NONNULL(1) WSSEC_WARN_UNUSED;

/**
 * The token's own error, in the same record as every other object's (see
 * error.h): never NULL; code 0 when the token has none; for a NULL @p token,
 * a static record with code WSSEC_EINVALID. Borrowed from the result.
 * (In 0.1.0 it returned the message text alone, or NULL.)
 */
WSSEC_API const wssec_error *wssec_token_error(const wssec_token *token);

/** Number of properties the module recorded ("created", "password-type", ...). */
WSSEC_API size_t wssec_token_prop_count(const wssec_token *token) WSSEC_NONNULL(1);

/**
 * Property @p i as a name/value pair (borrowed strings).
 *
 * @param[out] name  the property's name
 * @param[out] value its value
 * @param token      the token
 * @param i          index, from 0
 * @return 0, or WSSEC_EINVALID when out of range.
 */
WSSEC_API int wssec_token_prop(const char **name, const char **value, const wssec_token *token,
                               size_t i) WSSEC_NONNULL(1, 2, 3);

/** The value of the property named @p name, or NULL. Borrowed. */
WSSEC_API const char *wssec_token_get(const wssec_token *token, const char *name)
    WSSEC_NONNULL(1, 2);

/**
 * Checks certificates offline against the context's trust, before any
 * message: what `wssec inspect` does with a certificate or a key store.
 * @p path is a certificate file (PEM, DER, a chain file, a PKCS#7 bundle
 * .p7b), a PKCS#12 store, or a directory of such files (*.pem, *.crt, *.cer,
 * *.der, *.p7b, *.p7c, *.p12, *.pfx, in name order, read as one set).
 *
 * Each end-entity certificate of the input is validated as the signer of a
 * message would be, at the context's clock, through the context's
 * certificate validator (the default one: the trust anchors, known
 * certificates and intermediates, CRLs, subject and issuer constraints, key
 * usage, key strength), the other certificates of the input standing for
 * the chain the message would carry; the reasons are wssec_verify()'s. An
 * input of CA certificates alone has each CA that issued no other
 * certificate of it checked: as a signer when it may sign (a keyUsage with
 * digitalSignature or nonRepudiation, or none, as `openssl req -x509`
 * makes), else its path to the anchors alone ("checked-as": "CA").
 *
 * The result holds one token of type "certificate" per certificate checked,
 * with the properties of a certificate token ("subject", "issuer", "serial",
 * "not-before", "not-after", ...), "checked-as" ("signer" or "CA") and the
 * chain as it would be built ("chain-0" ... "chain-N", each with its status);
 * its status and error are the refusal. The result's warnings name every
 * certificate of those chains and every CRL of their issuers that is out of
 * date or will be within "expiry-warning-days".
 *
 * @param[out] out the result, on success and on a refusal alike; free it
 *             with wssec_result_free(). NULL only on WSSEC_ENOMEM or
 *             WSSEC_EINVALID.
 * @param ctx      the context whose trust and clock are used
 * @param path     the file or directory
 * @param password a PKCS#12 store's password, or NULL for the context's
 *                 "pkcs12-password-file" or "pkcs12-password-env"
 * @return 0 when every certificate checked validates; the code of the first
 *         refusal (WSSEC_EUNTRUSTED), which is also the result's error;
 *         WSSEC_EIO when the input cannot be read; WSSEC_ECONFIG when it
 *         holds no certificate, is a Java keystore, or is a PKCS#12 store
 *         without its password; WSSEC_ELIMIT beyond 1000 certificates or
 *         files; WSSEC_ENOMEM. Thread-safe.
 */
WSSEC_API int wssec_ctx_check_certs(wssec_result **out, const wssec_ctx *ctx, const char *path,
                                    const char *password) WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_PROCESS_H */
