/*
 * wssec — validators: deciding whether a credential a token carried is good
 * enough, apart from processing the token (as WSS4J's Validators do).
 *
 * Two decisions have this seam:
 *
 *   - the certificate validator decides whether the certificate a signature
 *     was made with is trusted. The default one is wssec's X.509 trust:
 *     path validation to the trust anchors at the message's clock, CRLs,
 *     key usage, key strength, certificate signature algorithms, the
 *     "subject" and "issuer" constraints and the certificate cache;
 *   - the time validator decides whether a Timestamp is fresh. The default
 *     one applies "clock-skew" and "max-age": Created not in the future,
 *     Expires not past, Created not older than max-age.
 *
 * A gateway installs its own with wssec_config_set_cert_validator() or
 * wssec_config_set_time_validator() (never from a configuration file: a
 * validator is code). A custom validator may replace the default, or call
 * it (wssec_cert_validate_default(), wssec_time_validate_default()) and add
 * checks of its own — a certificate pin, an OCSP query, a tighter window.
 *
 * Every validator fails closed: only a return of 0 accepts. A negative wssec
 * code refuses with that code; any other value (a positive number, a code
 * wssec does not define) refuses too, with WSSEC_EUNTRUSTED (certificates)
 * or WSSEC_EEXPIRED (times) and a reason naming the validator. The reason a
 * validator writes becomes the message of the error, which goes to the local
 * report, never into the SOAP fault.
 *
 * Thread safety: validators are called from every thread that verifies
 * messages with a context built from the configuration, so they must be
 * thread-safe; the userdata must outlive those contexts.
 */
#ifndef WSSEC_VALIDATE_H
#define WSSEC_VALIDATE_H

#include "common.h"
#include "config.h"
#include "message.h"

#ifdef __cplusplus
extern "C" {
#endif

/* OpenSSL's types, declared so that this header does not need OpenSSL's:
 * `struct x509_st *` is an `X509 *`, `struct stack_st_X509 *` a
 * `STACK_OF(X509) *` and `struct stack_st_X509_CRL *` a `STACK_OF(X509_CRL) *`. */
struct x509_st;
struct stack_st_X509;
struct stack_st_X509_CRL;

/* ---- certificates ---- */

/** What a certificate is used for. */
typedef enum wssec_cert_usage {
    WSSEC_CERT_USE_SIGN = 1,   /**< it signed the message (digitalSignature, nonRepudiation) */
    WSSEC_CERT_USE_ENCRYPT = 2 /**< a key is encrypted for it (keyEncipherment) */
} wssec_cert_usage;

/** What a certificate validator is asked about. Everything is borrowed for the call. */
typedef struct wssec_cert_check {
    unsigned version;                /**< WSSEC_CERT_CHECK_VERSION */
    struct x509_st *leaf;            /**< the certificate to validate (X509 *); never NULL */
    /** The certificates the message presented with it (a PKIPath or PKCS#7
     *  token's chain), untrusted (STACK_OF(X509) *); NULL or empty when none. */
    struct stack_st_X509 *presented;
    /** The CRLs the message carried (a PKCS#7 token's), untrusted
     *  (STACK_OF(X509_CRL) *); NULL when none. */
    struct stack_st_X509_CRL *crls;
    wssec_cert_usage usage;          /**< what the certificate is used for */
    const char *role;                /**< its role, as reasons name it: "signer" */
    wssec_time now;                  /**< the message's clock */
    /** The message being verified: what wssec_cert_validate_default() checks
     *  against (the context's trust snapshot, the certificate cache). Pass the
     *  check on unchanged; do not use the message otherwise. */
    wssec_msg *msg;
} wssec_cert_check;

#define WSSEC_CERT_CHECK_VERSION 1
#define WSSEC_CERT_CHECK_INIT { WSSEC_CERT_CHECK_VERSION, NULL, NULL, NULL, WSSEC_CERT_USE_SIGN, "", 0, NULL }

/**
 * Initialises a check to the defaults of @p version (all empty).
 * @return 0, or WSSEC_EINVALID for a version this library does not know.
 */
WSSEC_API int wssec_cert_check_init(wssec_cert_check *check, unsigned version) WSSEC_NONNULL(1);

/** A certificate validator. */
typedef struct wssec_cert_validator {
    unsigned version; /**< WSSEC_CERT_VALIDATOR_VERSION */
    const char *name; /**< for reasons and reports ("pin", "ocsp", ...); NULL: "custom" */
    /**
     * Decides whether @p check->leaf is trusted for @p check->usage.
     *
     * @param check    the certificate and its context
     * @param why      where the reason for a refusal goes, one line (it
     *                 becomes the message of the error; name the certificate)
     * @param whylen   its size
     * @param userdata the pointer given to wssec_config_set_cert_validator()
     * @return 0 to trust it; WSSEC_EUNTRUSTED to refuse it; another negative
     *         wssec code when the validator itself failed (WSSEC_EBACKEND,
     *         WSSEC_ENOMEM): the message is rejected with that code. Any
     *         other value refuses (WSSEC_EUNTRUSTED).
     */
    int (*validate)(const wssec_cert_check *check, char *why, size_t whylen, void *userdata);
} wssec_cert_validator;

#define WSSEC_CERT_VALIDATOR_VERSION 1
#define WSSEC_CERT_VALIDATOR_INIT { WSSEC_CERT_VALIDATOR_VERSION, NULL, NULL }

/**
 * Initialises a validator to the defaults of @p version (no callback).
 * @return 0, or WSSEC_EINVALID for a version this library does not know.
 */
WSSEC_API int wssec_cert_validator_init(wssec_cert_validator *validator, unsigned version)
    WSSEC_NONNULL(1);

/**
 * The default certificate validator: wssec's X.509 trust, exactly as it runs
 * without a custom validator (its outcome is cached in the certificate
 * cache). Call it from a custom validator to add checks to it.
 *
 * @param check  the check the custom validator was given (its msg is needed)
 * @param why    where the reason for a refusal goes
 * @param whylen its size (512 bytes hold every reason)
 * @return 0 trusted; WSSEC_EUNTRUSTED refused; WSSEC_ENOMEM; WSSEC_EINVALID
 *         for a check without a message or leaf, or of an unknown version.
 */
WSSEC_API int wssec_cert_validate_default(const wssec_cert_check *check, char *why, size_t whylen)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * Installs a certificate validator in place of the default, or goes back to
 * the default with NULL. The validator is copied (its name must outlive the
 * contexts built from @p cfg, as must @p userdata).
 *
 * @param cfg       the configuration
 * @param validator the validator (version 1 to WSSEC_CERT_VALIDATOR_VERSION,
 *                  with a callback), or NULL for the default
 * @param userdata  passed to the callback
 * @return 0; WSSEC_EINVALID for an unknown version or a missing callback
 *         (the configuration keeps its validator).
 */
WSSEC_API int wssec_config_set_cert_validator(wssec_config *cfg,
                                              const wssec_cert_validator *validator,
                                              void *userdata) WSSEC_NONNULL(1) WSSEC_WARN_UNUSED;

/* ---- times ---- */

/** Which time of a Timestamp a refusal is about (the error's subject). */
typedef enum wssec_time_field {
    WSSEC_TIME_TIMESTAMP = 0, /**< the Timestamp as a whole */
    WSSEC_TIME_CREATED = 1,   /**< its Created */
    WSSEC_TIME_EXPIRES = 2    /**< its Expires */
} wssec_time_field;

/**
 * What a time validator is asked about: a Timestamp's times (already
 * checked for form, and Expires after Created) and the receiver's clock
 * and tolerances, all in milliseconds.
 */
typedef struct wssec_time_check {
    unsigned version;         /**< WSSEC_TIME_CHECK_VERSION */
    int has_created;          /**< 1 when there is a Created */
    wssec_time created;       /**< Created, when has_created */
    const char *created_text; /**< Created as the message wrote it, or NULL */
    int has_expires;          /**< 1 when there is an Expires */
    wssec_time expires;       /**< Expires, when has_expires */
    const char *expires_text; /**< Expires as the message wrote it, or NULL */
    wssec_time now;           /**< the message's clock */
    wssec_time clock_skew;    /**< the "clock-skew" option */
    wssec_time max_age;       /**< the "max-age" option */
} wssec_time_check;

#define WSSEC_TIME_CHECK_VERSION 1
#define WSSEC_TIME_CHECK_INIT { WSSEC_TIME_CHECK_VERSION, 0, 0, NULL, 0, 0, NULL, 0, 0, 0 }

/**
 * Initialises a check to the defaults of @p version (no times, all zero).
 * @return 0, or WSSEC_EINVALID for a version this library does not know.
 */
WSSEC_API int wssec_time_check_init(wssec_time_check *check, unsigned version) WSSEC_NONNULL(1);

/** A time validator. */
typedef struct wssec_time_validator {
    unsigned version; /**< WSSEC_TIME_VALIDATOR_VERSION */
    const char *name; /**< for reasons and reports; NULL: "custom" */
    /**
     * Decides whether a Timestamp is fresh.
     *
     * @param check    the times
     * @param about    [out] which time a refusal is about (preset to
     *                 WSSEC_TIME_TIMESTAMP)
     * @param why      where the reason for a refusal goes, one line
     * @param whylen   its size
     * @param userdata the pointer given to wssec_config_set_time_validator()
     * @return 0 fresh; WSSEC_EEXPIRED to refuse; another negative wssec
     *         code when the validator itself failed. Any other value
     *         refuses (WSSEC_EEXPIRED).
     */
    int (*validate)(const wssec_time_check *check, wssec_time_field *about, char *why,
                    size_t whylen, void *userdata);
} wssec_time_validator;

#define WSSEC_TIME_VALIDATOR_VERSION 1
#define WSSEC_TIME_VALIDATOR_INIT { WSSEC_TIME_VALIDATOR_VERSION, NULL, NULL }

/**
 * Initialises a validator to the defaults of @p version (no callback).
 * @return 0, or WSSEC_EINVALID for a version this library does not know.
 */
WSSEC_API int wssec_time_validator_init(wssec_time_validator *validator, unsigned version)
    WSSEC_NONNULL(1);

/**
 * The default time validator: Created after now + clock_skew ("is in the
 * future"), Expires before now - clock_skew ("expired at"), or Created more
 * than max_age + clock_skew before now ("is older than max-age") is refused
 * with WSSEC_EEXPIRED, in that order. Pure: it needs no context. Thread-safe.
 *
 * @param check  the times
 * @param about  [out] which time a refusal is about; may be NULL
 * @param why    where the reason for a refusal goes
 * @param whylen its size
 * @return 0 fresh; WSSEC_EEXPIRED; WSSEC_EINVALID for a check of an unknown
 *         version.
 */
WSSEC_API int wssec_time_validate_default(const wssec_time_check *check, wssec_time_field *about,
                                          char *why, size_t whylen) WSSEC_NONNULL(1, 3)
    WSSEC_WARN_UNUSED;

/**
 * Installs a time validator in place of the default, or goes back to the
 * default with NULL. Copied, as wssec_config_set_cert_validator() does.
 *
 * @return 0; WSSEC_EINVALID for an unknown version or a missing callback
 *         (the configuration keeps its validator).
 */
WSSEC_API int wssec_config_set_time_validator(wssec_config *cfg,
                                              const wssec_time_validator *validator,
                                              void *userdata) WSSEC_NONNULL(1) WSSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_VALIDATE_H */
