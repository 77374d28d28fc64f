/*
 * wssec — error codes, categories and the error record.
 *
 * Every fallible function returns an int: 0 on success, a negative WSSEC_E*
 * code on failure. The codes are stable: they are never renumbered, and new
 * ones are only appended.
 */
#ifndef WSSEC_ERROR_H
#define WSSEC_ERROR_H

#include "common.h"
#include "ns.h" /* WSSEC_NS_WSSE: the namespace of the wsse faults */

#ifdef __cplusplus
extern "C" {
#endif

/** Stable error codes. The comment names the WS-Security fault each maps to. */
typedef enum wssec_code {
    WSSEC_OK = 0,
    WSSEC_EINVALID = -1,         /**< invalid argument or API misuse (no fault) */
    WSSEC_ENOMEM = -2,           /**< out of memory (soap:Server) */
    WSSEC_EIO = -3,              /**< file or stream I/O failed (soap:Server) */
    WSSEC_ECONFIG = -4,          /**< configuration error (no fault) */
    WSSEC_EPARSE = -5,           /**< not well-formed XML, not SOAP, DTD or PI (soap:Client) */
    WSSEC_ELIMIT = -6,           /**< a configured limit was exceeded (soap:Client) */
    WSSEC_EMALFORMED = -7,       /**< Security header structure invalid (wsse:InvalidSecurity) */
    WSSEC_ETOKEN = -8,           /**< a security token is malformed (wsse:InvalidSecurityToken) */
    WSSEC_EUNSUPPORTED = -9,     /**< unsupported token type (wsse:UnsupportedSecurityToken) */
    WSSEC_EALGORITHM = -10,      /**< algorithm not allowed (wsse:UnsupportedAlgorithm) */
    WSSEC_EAUTH = -11,           /**< token could not be authenticated (wsse:FailedAuthentication) */
    WSSEC_EUNTRUSTED = -12,      /**< certificate not trusted (wsse:FailedAuthentication) */
    WSSEC_ESIGNATURE = -13,      /**< signature value invalid (wsse:FailedCheck) */
    WSSEC_EDIGEST = -14,         /**< reference digest mismatch (wsse:FailedCheck) */
    WSSEC_EDECRYPT = -15,        /**< decryption failed, cause withheld (wsse:FailedCheck) */
    WSSEC_EUNAVAILABLE = -16,    /**< referenced token not found (wsse:SecurityTokenUnavailable) */
    WSSEC_EEXPIRED = -17,        /**< message or token outside its time window (wsse:MessageExpired) */
    WSSEC_EREPLAY = -18,         /**< nonce or message seen before (wsse:InvalidSecurity) */
    WSSEC_EUNSIGNED = -19,       /**< a required part was not signed (wsse:InvalidSecurity) */
    WSSEC_EPOLICY = -20,         /**< a required token or property is missing (wsse:InvalidSecurity) */
    WSSEC_EMUSTUNDERSTAND = -21, /**< mandatory header not understood (soap:MustUnderstand) */
    WSSEC_EBACKEND = -22,        /**< replay cache or other back end unavailable (soap:Server) */
    WSSEC_EINTERNAL = -23        /**< internal error (soap:Server) */
} wssec_code;

/** Number of codes, for tables: codes run from 0 down to -(WSSEC_CODE_COUNT - 1). */
#define WSSEC_CODE_COUNT 24

/** Broad classes of error, in the spirit of s2n_error_get_type(). */
typedef enum wssec_category {
    WSSEC_CAT_NONE = 0,  /**< no error */
    WSSEC_CAT_USAGE,     /**< the caller or its configuration is wrong */
    WSSEC_CAT_INPUT,     /**< the message is not acceptable XML/SOAP, or too big */
    WSSEC_CAT_CRYPTO,    /**< signature, digest, decryption or algorithm */
    WSSEC_CAT_TRUST,     /**< tokens and certificates: authentication and trust */
    WSSEC_CAT_POLICY,    /**< freshness, replay, required parts and tokens */
    WSSEC_CAT_INTERNAL   /**< memory, I/O, back ends, bugs */
} wssec_category;

/**
 * One error: what failed and why. The pointers are borrowed from the object
 * that holds the error and stay valid until that object is freed or records
 * another error.
 *
 * There is one way to get error detail: every object that can fail has an
 * accessor of one shape, `const wssec_error *wssec_<object>_error(const
 * wssec_<object> *)`: wssec_config_error(), wssec_msg_error(),
 * wssec_result_error(), wssec_token_error() and wssec_plugin_error(). Each
 * returns this record, never NULL: code 0 (and every string "") when the
 * object holds no error, and a static record with code WSSEC_EINVALID when
 * the object itself is NULL. Objects shared between threads (wssec_ctx, a
 * replay cache) hold no error; calls on them record theirs on the message
 * or configuration at hand. The callbacks an embedder implements (the replay
 * back end, the trusted-ID evaluator) and the two calls that have no such
 * object (wssec_replay_cache_redis_new(), wssec_replay_cache_insert())
 * write a one-line reason into a buffer the caller gives (errbuf/errlen,
 * why/whylen), which the library then records in the message's error.
 */
typedef struct wssec_error {
    int code;                 /**< a wssec_code; 0 when there is no error */
    wssec_category category;  /**< derived from code */
    const char *message;      /**< one line, with context; never contains secrets */
    const char *fault;        /**< the fault QName as "prefix:local", e.g. "wsse:FailedCheck";
                                   "soap:Client" for SOAP-level faults; "" when none */
    const char *fault_ns;     /**< namespace URI of the fault QName, or "" */
    const char *subject;      /**< what it is about (node path, algorithm URI, token), or "" */
    const char *file;         /**< source file that raised it (debugging), or "" */
    int line;                 /**< source line that raised it, or 0 */
} wssec_error;

/**
 * The symbolic name of a code ("WSSEC_EEXPIRED").
 * @return a static string; "WSSEC_E?" for an unknown code. Thread-safe.
 */
WSSEC_API const char *wssec_code_name(int code);

/**
 * A short description of a code ("message expired").
 * @return a static string. Thread-safe.
 */
WSSEC_API const char *wssec_code_description(int code);

/** The category of a code. Thread-safe. */
WSSEC_API wssec_category wssec_code_category(int code);

/** The name of a category ("TRUST"). @return a static string. Thread-safe. */
WSSEC_API const char *wssec_category_name(wssec_category category);

/**
 * The default fault QName of a code, as "prefix:local" ("wsse:FailedCheck",
 * "soap:Client"), or "" for codes that never reach a SOAP peer (usage errors).
 * An error record may carry a more specific fault than its code's default.
 * @return a static string. Thread-safe.
 */
WSSEC_API const char *wssec_code_fault(int code);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_ERROR_H */
