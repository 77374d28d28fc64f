/*
 * wssec — the module SDK: the token module interface, and what a module may
 * use of a message while it consumes or generates a token.
 *
 * The SDK is include/wssec/sys/: this header (the module and the message),
 * sys/xml.h (elements, IDs, base64), sys/settings.h (the context's
 * settings), sys/token.h (the tokens found so far and their facts),
 * sys/record.h (what a consumer proved: signed and decrypted nodes) and
 * sys/keys.h (the context's keys). The built-in modules use it as a
 * plug-in does.
 *
 * A module is one kind of token. The pipeline calls its consumer for every
 * child of our wsse:Security header whose element (namespace and local name,
 * and ValueType for wsse:BinarySecurityToken) it registered, and its
 * generator for every outbound action that names it. Consumers record what
 * they proved (tokens, identities, properties); they do not decide policy.
 * Built-in modules register through wssec_config_add_module(), the same call
 * a gateway or a plug-in uses.
 */
#ifndef WSSEC_SYS_MODULE_H
#define WSSEC_SYS_MODULE_H

#include <libxml/tree.h>

#include "../common.h"
#include "../config.h"
#include "../message.h"
#include "../ns.h"
#include "../process.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The version of struct wssec_module this header describes. Version 1
 *  (without free_state) is still accepted. */
#define WSSEC_MODULE_VERSION 2

struct wssec_module {
    unsigned version;       /**< WSSEC_MODULE_VERSION */
    const char *name;       /**< the module's name, which is also its action's and its tokens' type: "timestamp", "username-token", "x509-token", ... */
    const char *ns;         /**< namespace of the element consumed, or NULL */
    const char *local;      /**< local name of the element consumed, or NULL */
    const char *value_type; /**< BinarySecurityToken ValueType, or NULL */
    /**
     * Consumes one element of our Security header. Returns 0 or the negative
     * code of the error it recorded with wssec_msg_fail(). NULL: the module
     * has no consumer.
     */
    int (*consume)(wssec_msg *msg, xmlNodePtr elem, void *userdata);
    /**
     * Generates the module's token into our Security header (create it with
     * wssec_msg_security(msg, 1)). Returns 0 or a recorded negative code.
     * NULL: the module has no generator.
     */
    int (*generate)(wssec_msg *msg, void *userdata);
    void *userdata;         /**< passed to consume and generate */
    /**
     * Frees the module's per-message state (wssec_msg_set_state()) when the
     * message is freed. NULL: the state is not freed. (Version 2.)
     */
    void (*free_state)(void *state);
};

/**
 * A wssec_module with every member empty but the version, for
 * `wssec_module m = WSSEC_MODULE_INIT;`.
 */
#define WSSEC_MODULE_INIT { WSSEC_MODULE_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/**
 * Initialises @p module as WSSEC_MODULE_INIT does, writing only the members
 * that @p version has (version 1 ends before free_state).
 *
 * @param[out] module the module
 * @param version     WSSEC_MODULE_VERSION as the caller saw it
 * @return 0; WSSEC_EINVALID for a NULL @p module, version 0, or a version
 *         newer than this library's. Thread-safe.
 */
WSSEC_API int wssec_module_init(wssec_module *module, unsigned version) WSSEC_WARN_UNUSED;

/**
 * The module's per-message state slot: what a module keeps between its
 * calls on one message (a consumer and a later generator, or several
 * elements). Setting it again frees the previous state with free_state.
 * @return 0 or WSSEC_ENOMEM (then @p state was freed with free_state).
 */
WSSEC_API int wssec_msg_set_state(wssec_msg *msg, const wssec_module *module, void *state)
    WSSEC_NONNULL(1, 2);
/** The state wssec_msg_set_state() left for @p module on this message, or NULL. */
WSSEC_API void *wssec_msg_state(const wssec_msg *msg, const wssec_module *module)
    WSSEC_NONNULL(1, 2);

/** The soap:Envelope element (NULL before parsing). */
WSSEC_API xmlNodePtr wssec_msg_envelope(const wssec_msg *msg) WSSEC_NONNULL(1);
/** The SOAP namespace of the message (1.1 or 1.2), or NULL before parsing. */
WSSEC_API const char *wssec_msg_soap_ns(const wssec_msg *msg) WSSEC_NONNULL(1);

/** The context the message was created with. */
WSSEC_API const wssec_ctx *wssec_msg_ctx(const wssec_msg *msg) WSSEC_NONNULL(1);

/** The time this message is processed at: read once from the context's clock. */
WSSEC_API wssec_time wssec_msg_now(const wssec_msg *msg) WSSEC_NONNULL(1);

/** 1 while wssec_inspect() runs: consumers report, the replay cache is not written. */
WSSEC_API int wssec_msg_inspecting(const wssec_msg *msg) WSSEC_NONNULL(1);

/**
 * Our wsse:Security header. With @p create, outbound, a missing one is
 * created (with the configured actor and mustUnderstand) and a missing
 * soap:Header too. Borrowed; NULL when absent (or on allocation failure).
 */
WSSEC_API xmlNodePtr wssec_msg_security(wssec_msg *msg, int create) WSSEC_NONNULL(1);

/**
 * Records an error on the message and returns its code, so a module can
 * write `return wssec_msg_fail(msg, WSSEC_EEXPIRED, NULL, node, "...", ...)`.
 * The first error recorded while processing a token wins.
 *
 * @param code  a negative wssec_code
 * @param fault a fault QName "prefix:local" overriding the code's default, or NULL
 * @param node  the node concerned (its path becomes the error subject), or NULL
 * @param fmt   printf-style one-line message; never put secrets in it
 */
WSSEC_API int wssec_msg_fail_at(wssec_msg *msg, int code, const char *fault, xmlNodePtr node,
                                const char *file, int line, const char *fmt, ...)
    WSSEC_PRINTF(7, 8);

#define wssec_msg_fail(msg, code, fault, node, ...) \
    wssec_msg_fail_at((msg), (code), (fault), (node), __FILE__, __LINE__, __VA_ARGS__)

/**
 * Adds a token record for @p node to the message's token store and to the
 * result, and returns it so the module can add an identity and properties.
 * Borrowed; NULL on allocation failure.
 */
WSSEC_API wssec_token *wssec_msg_add_token(wssec_msg *msg, const char *type, xmlNodePtr node)
    WSSEC_NONNULL(1, 2);

/** Sets the identity a token proved. @return 0 or WSSEC_ENOMEM. */
WSSEC_API int wssec_token_set_identity(wssec_token *token, const char *identity)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/** Adds a property (name and value are copied). @return 0 or WSSEC_ENOMEM. */
WSSEC_API int wssec_token_set(wssec_token *token, const char *name, const char *value)
    WSSEC_NONNULL(1, 2, 3);

/**
 * Marks the token as the one that authenticated the caller; its identity
 * becomes wssec_result_caller(). @return 0, or WSSEC_EPOLICY when another
 * token already authenticated a different caller.
 */
WSSEC_API int wssec_msg_set_caller(wssec_msg *msg, wssec_token *token) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/**
 * Asks the password callback for a user's password (the output first, in
 * the order of wssec_password_cb).
 *
 * @param[out] buf where the password goes (not NUL-terminated)
 * @param size     capacity of @p buf
 * @param[out] len the length of the password
 * @param msg      the message being processed
 * @param user     the user name
 * @param usage    why the password is needed
 * @return 0; WSSEC_EAUTH when the user is unknown or there is no callback;
 *         another negative code when the store failed. Wipe @p buf after use.
 */
WSSEC_API int wssec_msg_password(char *buf, size_t size, size_t *len, wssec_msg *msg,
                                 const char *user, wssec_password_usage usage)
    WSSEC_NONNULL(1, 3, 4, 5) WSSEC_WARN_UNUSED;

/**
 * Records (domain, identity, data) in the replay cache until @p expires.
 * The cache key is SHA-256 over the three, so it has a fixed length and
 * reveals nothing. While inspecting, nothing is recorded.
 *
 * @return 0 when first seen; WSSEC_EREPLAY when seen before and not expired
 *         (not recorded on the message: the caller words the verdict with
 *         wssec_msg_fail()); WSSEC_ELIMIT when the cache is full and
 *         WSSEC_EBACKEND when it cannot be reached (both recorded on the
 *         message, naming the cache).
 */
WSSEC_API int wssec_msg_replay_check(wssec_msg *msg, const char *domain, const char *identity,
                                     const unsigned char *data, size_t len, wssec_time expires)
    WSSEC_NONNULL(1, 2, 3, 4) WSSEC_WARN_UNUSED;

/**
 * Outbound, while wssec_secure() runs: the user a generated UsernameToken
 * names (the username of wssec_secure_options, else the username option),
 * or NULL when neither gives one. Borrowed.
 */
WSSEC_API const char *wssec_msg_username(const wssec_msg *msg) WSSEC_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_SYS_MODULE_H */
