/*
 * wssec — configuration: the mutable description from which an immutable
 * context is built.
 *
 * A configuration is a set of named options. The names are the long options
 * of the `wssec` program without the leading dashes ("clock-skew",
 * "password-type", "require", ...), and the elements of the XML configuration
 * file (schemas/wssec-config.xsd), so the three spellings of a setting never
 * drift apart. Callbacks, modules and the replay cache are set through typed
 * calls.
 *
 * Thread safety: a wssec_config belongs to one thread at a time. It is not
 * used after wssec_ctx_new() returns: the context copies what it needs.
 */
#ifndef WSSEC_CONFIG_H
#define WSSEC_CONFIG_H

#include "common.h"
#include "error.h"
#include "replay.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wssec_config wssec_config;
typedef struct wssec_module wssec_module;

/** Why the password callback is asked for a password. */
typedef enum wssec_password_usage {
    WSSEC_PW_VERIFY = 1,   /**< inbound: check a UsernameToken of this user */
    WSSEC_PW_GENERATE = 2, /**< outbound: put this user's password in a UsernameToken */
    WSSEC_PW_KEY = 3       /**< open an encrypted key file (pkcs12, sign-key, decrypt-key)
                                whose password option is not set: @p user is the file's path;
                                asked while the context is built. WSSEC_EAUTH: none known */
} wssec_password_usage;

/**
 * Supplies the password of a user.
 *
 * Called from any thread that processes a message with the context, so it
 * must be thread-safe; for WSSEC_PW_KEY, by wssec_ctx_new() (and each key
 * file at most once) while it builds the context. It writes at most @p size bytes (no terminator needed)
 * to @p buf and stores the length in @p *len.
 *
 * @param buf      where the password goes; wssec wipes it after use
 * @param size     capacity of @p buf
 * @param len      [out] length of the password
 * @param user     the user name, NUL-terminated UTF-8 (WSSEC_PW_KEY: the key
 *                 file's path as configured)
 * @param usage    why the password is needed
 * @param userdata the pointer given to wssec_config_set_password_cb()
 * @return 0 when found; WSSEC_EAUTH when the user is unknown; WSSEC_ELIMIT
 *         when the password does not fit; any other negative code for a
 *         failure of the store itself (it is reported as that code).
 */
typedef int (*wssec_password_cb)(char *buf, size_t size, size_t *len, const char *user,
                                 wssec_password_usage usage, void *userdata);

/**
 * Supplies the current time, for embedders that run their own clock.
 * Must be thread-safe. @return milliseconds since the epoch, UTC.
 */
typedef wssec_time (*wssec_clock_cb)(void *userdata);

/**
 * Creates a configuration holding the defaults and the built-in modules.
 *
 * @param[out] out the new configuration; free it with wssec_config_free()
 * @return 0, or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_config_new(wssec_config **out) WSSEC_NONNULL(1) WSSEC_WARN_UNUSED;

/** Frees a configuration. NULL is a no-op. */
WSSEC_API void wssec_config_free(wssec_config *cfg);

/**
 * Sets one option by name, as the command line and the configuration file do.
 * Options that take lists ("require", "trust", ...) append on each call;
 * setting a list option to the empty string clears it.
 *
 * @param cfg   the configuration
 * @param name  option name, e.g. "clock-skew"
 * @param value option value as text, e.g. "60"; "true"/"false" for switches
 * @return 0; WSSEC_ECONFIG for an unknown option or a bad value (the reason
 *         is in wssec_config_error()); WSSEC_ENOMEM.
 */
WSSEC_API int wssec_config_set(wssec_config *cfg, const char *name, const char *value)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/**
 * Tells whether @p name is an option of the library (as opposed to one the
 * embedding program handles itself). Thread-safe.
 * @return 1 if it is, 0 if not.
 */
WSSEC_API int wssec_config_has_option(const char *name) WSSEC_NONNULL(1);

/**
 * Enumerates the library's options, for help texts and option parsers.
 *
 * @param[out] name the option name
 * @param[out] arg  what the value looks like ("SECONDS", "LIST", ...)
 * @param[out] help one line of help
 * @param i         index, from 0
 * @return 0, or WSSEC_EINVALID past the last option or for a NULL output.
 *         Thread-safe.
 */
WSSEC_API int wssec_config_option_info(const char **name, const char **arg, const char **help,
                                       size_t i) WSSEC_NONNULL(1, 2, 3);

/**
 * Reads a secret (a password) from a file or from the environment, by the
 * one rule the library applies to every secret it is given (the PKCS#12 and
 * Redis passwords, the pre-shared key) and the `wssec` program to its own:
 *
 * - from a file: its first line, up to the first LF or CR; the file must be
 *   a readable regular file (not a directory); the line must not be empty,
 *   must not hold a NUL byte and must fit in @p size - 1 bytes;
 * - from the environment: the variable's value, which must be set, must not
 *   be empty and must fit in @p size - 1 bytes. An empty value is refused
 *   rather than taken as an empty password: `VAR=` in a service file or a
 *   variable exported before it was filled is a mistake far more often than
 *   a deliberate empty password, and a configuration that says where the
 *   password is should fail at start-up, not run with none.
 *
 * Give exactly one of @p file and @p env. The reasons never quote the secret
 * nor the file's path (the caller names the option and the file).
 *
 * @param[out] buf  the secret, NUL-terminated; wiped on any failure
 * @param size      the size of @p buf (at least 2)
 * @param[out] len  its length
 * @param file      the file, or NULL
 * @param env       the environment variable's name, or NULL
 * @param[out] why  the reason on failure, or NULL ("the first line is empty",
 *                  "environment variable X is not set", ...)
 * @param whylen    the size of @p why
 * @return 0; WSSEC_EIO when the file cannot be opened or read or is a
 *         directory; WSSEC_ELIMIT when the secret is longer than @p size - 1
 *         bytes; WSSEC_ECONFIG when it is empty, holds a NUL byte or the
 *         variable is not set; WSSEC_EINVALID for both or neither source.
 *         Thread-safe (it reads the environment: do not change it meanwhile).
 */
WSSEC_API int wssec_secret_read(char *buf, size_t size, size_t *len, const char *file,
                                const char *env, char *why, size_t whylen)
    WSSEC_NONNULL(1, 3) WSSEC_WARN_UNUSED;

/**
 * Called by wssec_config_load() for each option of the file, in document
 * order, before the library applies it, so that an embedding program can
 * handle options of its own (the `wssec` program's "output", "users", ...)
 * and observe the library's.
 *
 * @return 1 when the callback consumed the option (the library ignores it),
 *         0 to let the library apply it, or a negative code to reject the
 *         file (WSSEC_ECONFIG for a bad value).
 */
typedef int (*wssec_config_option_cb)(const char *name, const char *value, void *userdata);

/**
 * Reads an XML configuration file, validates it against the configuration
 * schema (schemas/wssec-config.xsd, built into the library) and applies each
 * option in document order, as wssec_config_set() would. The file is parsed
 * with the same safe settings as messages (no DTD, no network).
 *
 * @param cfg      the configuration to update
 * @param path     the file
 * @param cb       sees each option first (see wssec_config_option_cb), or
 *                 NULL; an option that neither @p cb nor the library knows
 *                 is an error
 * @param userdata passed to @p cb
 * @return 0; WSSEC_EIO when the file cannot be read; WSSEC_ECONFIG when it
 *         is not valid (the reason names the line); WSSEC_ENOMEM.
 */
WSSEC_API int wssec_config_load(wssec_config *cfg, const char *path, wssec_config_option_cb cb,
                                void *userdata) WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * Installs the password callback (UsernameToken checks and generation).
 * Without one, inbound UsernameTokens cannot be authenticated and are
 * rejected with WSSEC_EAUTH.
 */
WSSEC_API void wssec_config_set_password_cb(wssec_config *cfg, wssec_password_cb cb,
                                            void *userdata) WSSEC_NONNULL(1);

/**
 * Receives what a signature digested, for debugging a digest mismatch
 * (`wssec verify --explain DIR`): called once per verified signature for its
 * SignedInfo (after the SignatureValue check; @p expected is NULL and
 * @p computed the digest of the canonical SignedInfo with the signature
 * method's hash) and once per Reference digested (its URI, the canonical
 * bytes that went into the digest, the DigestValue of the message and the
 * digest computed, both base64). A SignedInfo whose SignatureValue does not
 * verify is reported, but its references are not digested. The bytes may be
 * message content (decrypted plaintext too): keep them local.
 *
 * @param what       "SignedInfo", or the Reference URI ("#Body-1")
 * @param bytes      the canonical bytes, borrowed for the call
 * @param len        their length
 * @param digest_alg the digest ("sha256") or, for SignedInfo, the signature
 *                   method ("rsa-sha256")
 * @param expected   the DigestValue in the message, or NULL for SignedInfo
 * @param computed   the digest of @p bytes, base64
 * @param userdata   the pointer given to wssec_config_set_explain_cb()
 */
typedef void (*wssec_explain_cb)(const char *what, const unsigned char *bytes, size_t len,
                                 const char *digest_alg, const char *expected,
                                 const char *computed, void *userdata);

/**
 * Installs the explain callback (see wssec_explain_cb), or removes it with
 * NULL. It is called from the thread that verifies a message; without one
 * nothing is captured.
 */
WSSEC_API void wssec_config_set_explain_cb(wssec_config *cfg, wssec_explain_cb cb, void *userdata)
    WSSEC_NONNULL(1);

/**
 * Installs a clock. Without one (and without the "now" option) the system
 * clock is used. The "now" option, when set, wins over the callback.
 */
WSSEC_API void wssec_config_set_clock(wssec_config *cfg, wssec_clock_cb cb, void *userdata)
    WSSEC_NONNULL(1);

/**
 * Uses @p cache for nonce and message replay detection. The configuration
 * takes a reference; the contexts built from it take their own, so one cache
 * can be shared by several contexts (for example across a trust reload).
 * Without a call, wssec_ctx_new() creates an in-memory cache sized by the
 * "replay-cache-size" option.
 */
WSSEC_API void wssec_config_set_replay_cache(wssec_config *cfg, wssec_replay_cache *cache)
    WSSEC_NONNULL(1, 2);

/* WSSEC_MODULE_INIT and wssec_module_init(): wssec/sys/module.h. */

/**
 * Registers a token module (a generator, a consumer or both). The built-in
 * modules are registered by wssec_config_new() through this same call. A
 * module registered later for the same element (or BinarySecurityToken
 * ValueType) replaces the earlier one.
 *
 * @param cfg the configuration
 * @param module the module; it must outlive every context built from @p cfg
 * @return 0; WSSEC_EINVALID for a module of an interface version this
 *         library does not know (0, or newer than its WSSEC_MODULE_VERSION;
 *         every older one is accepted) or without a name (the reason is in
 *         wssec_config_error()); WSSEC_ENOMEM.
 */
WSSEC_API int wssec_config_add_module(wssec_config *cfg, const wssec_module *module)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * The last error recorded on the configuration (by wssec_config_set(),
 * wssec_config_load() or wssec_ctx_new()). One of the error accessors (see
 * error.h): never NULL; code 0 when there was none; for a NULL @p cfg, a
 * static record with code WSSEC_EINVALID. Borrowed; valid until the next
 * call on @p cfg.
 */
WSSEC_API const wssec_error *wssec_config_error(const wssec_config *cfg);

/**
 * The number of warnings the last wssec_ctx_new() or wssec_ctx_reload_trust()
 * made from @p cfg gave: material that works today but will not for long, or
 * no longer does — a trust anchor, a known certificate, an own certificate
 * (signing certificate and its chain, decrypt-cert, encrypt-cert) or a CRL
 * that expires within "expiry-warning-days" of the context's clock, is
 * already expired or not yet valid, or a CRL past its nextUpdate. Each call
 * of those two functions replaces the list (a failed one leaves it empty).
 * 0 for a NULL @p cfg. Not thread-safe with calls that change @p cfg.
 */
WSSEC_API size_t wssec_config_warning_count(const wssec_config *cfg);

/**
 * Warning @p i (from 0) of the list wssec_config_warning_count() counts, one
 * line naming the certificate or CRL, what it is to the context and the date
 * ("trust anchor 'CN=…' (issuer …, serial …, SHA-256 …) expires on
 * 2045-01-01T00:00:00Z, in 12 days"), or NULL when out of range. Borrowed;
 * valid until the next call that changes @p cfg.
 */
WSSEC_API const char *wssec_config_warning(const wssec_config *cfg, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_CONFIG_H */
