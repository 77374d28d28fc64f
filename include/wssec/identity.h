/*
 * wssec — identity assertion, the trusted-ID evaluator, and plug-ins.
 *
 * Identity assertion. In a secured intranet a front gateway authenticates
 * the user and then sends the back end only the user's identity, with proof
 * that it is the gateway speaking. The back end decides whether it trusts
 * that upstream to assert identities, and then runs the request as the
 * asserted user:
 *
 *   - the asserted identity travels as a wsse:UsernameToken without a
 *     Password (the user name is the identity) or as a BinarySecurityToken of
 *     ValueType WSSEC_VT_ASSERTED_X509 holding a certificate (its subject DN
 *     is the identity). Neither proves anything by itself: a password-less
 *     UsernameToken is still refused (CVE-2013-0239) unless identity
 *     assertion is configured, and then it counts only when it is bound to
 *     the upstream's proof and the upstream is trusted;
 *   - the upstream proves itself in one of two trust modes ("trust-mode"):
 *     "signature" (the default): a verified, trusted X.509 signature by the
 *     upstream covers the asserted identity token, the SOAP Body and the
 *     Timestamp; "basic": the upstream's own UsernameToken with a password
 *     (and a Nonce) is authenticated by the password callback;
 *   - the trusted-ID evaluator answers whether that upstream may assert
 *     identities. The default one is the "trusted-upstream" list (user names
 *     in basic mode; distinguished names, compared after RFC 4514
 *     normalisation, in signature mode); a gateway or a plug-in installs its
 *     own with wssec_config_set_trusted_id_evaluator().
 *
 * When all of that holds, wssec_result_caller() is the asserted identity and
 * wssec_result_asserted_by() names the upstream that vouched for it; when the
 * upstream is not trusted the message is rejected with WSSEC_EUNTRUSTED
 * (wsse:FailedAuthentication) and a reason naming the upstream.
 *
 * Identity assertion is configured (inbound) when "trusted-upstream" has an
 * entry or a trusted-ID evaluator is installed. Outbound, the
 * "identity-assertion" action adds the token for the "assert-user" or
 * "assert-dn" option (or wssec_secure_options.assert_user / .assert_dn).
 *
 * Plug-ins. A "plugin" option names a shared object, its entry point and an
 * argument ("FILE[:ENTRY[:ARG]]"). wssec_ctx_new() loads each with dlopen()
 * and calls its entry point (a wssec_plugin_init_fn) with a configuration
 * the plug-in registers into through the ordinary public calls
 * (wssec_config_add_module(), wssec_config_set_trusted_id_evaluator(), ...).
 * What a plug-in registers belongs to the context being built, not to the
 * caller's configuration; the shared object stays loaded until that context
 * is freed.
 */
#ifndef WSSEC_IDENTITY_H
#define WSSEC_IDENTITY_H

#include "common.h"
#include "config.h"
#include "ns.h" /* WSSEC_VT_ASSERTED_X509 */
#include "process.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How the upstream that asserted an identity proved who it is. */
typedef enum wssec_upstream_proof {
    WSSEC_PROOF_NONE = 0,      /**< no identity was asserted */
    WSSEC_PROOF_PASSWORD = 1,  /**< trust-mode basic: its UsernameToken and password */
    WSSEC_PROOF_SIGNATURE = 2  /**< trust-mode signature: its trusted X.509 signature */
} wssec_upstream_proof;

/** What kind of identity was asserted. */
typedef enum wssec_asserted_kind {
    WSSEC_ASSERTED_USERNAME = 1, /**< a user name (UsernameToken without Password) */
    WSSEC_ASSERTED_DN = 2        /**< a subject DN (asserted X.509 token) */
} wssec_asserted_kind;

/** What the trusted-ID evaluator is asked about. All strings are borrowed. */
typedef struct wssec_upstream {
    unsigned version;            /**< WSSEC_UPSTREAM_VERSION */
    wssec_upstream_proof proof;  /**< how the upstream proved itself */
    /** The upstream: its user name (PASSWORD) or the subject DN of its
     *  certificate in RFC 4514 text (SIGNATURE), as reports show it. */
    const char *identity;
    /** The same, normalised for comparisons: the user name unchanged, or the
     *  DN in the form wssec_dn_normalize() gives. */
    const char *normalized;
    wssec_asserted_kind asserted_kind; /**< what is asserted */
    const char *asserted;              /**< the asserted user name or DN */
} wssec_upstream;

/* The library passes the newest version it has; members are only ever
 * appended, so an evaluator built against an older header reads the members
 * it knows, and one built against a newer header checks the version before
 * reading the members it added. */
#define WSSEC_UPSTREAM_VERSION 1
#define WSSEC_UPSTREAM_INIT { WSSEC_UPSTREAM_VERSION, WSSEC_PROOF_NONE, NULL, NULL, \
                              WSSEC_ASSERTED_USERNAME, NULL }

/**
 * Initialises @p upstream as WSSEC_UPSTREAM_INIT does (for tests of an
 * evaluator), writing only the members that @p version has.
 *
 * @param[out] upstream the record
 * @param version       WSSEC_UPSTREAM_VERSION as the caller saw it
 * @return 0; WSSEC_EINVALID for a NULL @p upstream, version 0, or a version
 *         newer than this library's. Thread-safe.
 */
WSSEC_API int wssec_upstream_init(wssec_upstream *upstream, unsigned version) WSSEC_WARN_UNUSED;

/**
 * Decides whether an upstream may assert identities.
 *
 * Called once per message that carries an asserted identity bound to the
 * upstream's proof, from any thread that verifies messages with the
 * context: it must be thread-safe.
 *
 * @param upstream the upstream and what it asserts
 * @param why      where a short reason for a refusal may go (it becomes part
 *                 of the local diagnostic, never of the SOAP fault)
 * @param whylen   its size
 * @param userdata the pointer given with the evaluator
 * @return 1 to trust the upstream; 0 not to trust it (the message is
 *         rejected with WSSEC_EUNTRUSTED); a negative wssec code when the
 *         evaluator itself failed (for example WSSEC_EBACKEND when a
 *         directory cannot be reached): the message is rejected with that
 *         code. Only 1 trusts: a callback that returns 0 for "success" by
 *         habit fails closed.
 */
typedef int (*wssec_trusted_id_cb)(const wssec_upstream *upstream, char *why, size_t whylen,
                                   void *userdata);

/**
 * Installs a trusted-ID evaluator in place of the default one (the
 * "trusted-upstream" list). Installing one also turns inbound identity
 * assertion on. A configuration with both an evaluator and a
 * "trusted-upstream" list is refused by wssec_ctx_new() (WSSEC_ECONFIG),
 * so that no list is silently ignored.
 *
 * @param cfg      the configuration
 * @param cb       the evaluator, or NULL to go back to the default
 * @param userdata passed to @p cb; it must outlive every context built
 *                 from @p cfg
 * Thread safety: as the configuration.
 */
WSSEC_API void wssec_config_set_trusted_id_evaluator(wssec_config *cfg, wssec_trusted_id_cb cb,
                                                     void *userdata) WSSEC_NONNULL(1);

/**
 * Normalises a distinguished name for comparison, as the default evaluator
 * and the "subject" option do: RDNs in RFC 4514 order (most specific
 * first), attribute types as lower-case short names ("organizationName",
 * "O" and "o" are all "o"; unknown types as dotted OIDs), values unescaped,
 * trimmed, runs of spaces folded to one, ASCII letters in lower case, then
 * escaped again; the values of a multi-valued RDN sorted. "CN=Gateway,
 * O=Acme" and "cn=gateway,o=acme" normalise alike; "CN=a\,O=b" (one RDN
 * holding a comma) and "CN=a,O=b" (two RDNs) do not.
 *
 * @param[out] out the normalised DN; free it with wssec_free()
 * @param dn       a DN in RFC 4514 (or RFC 1779 quoted) text
 * @return 0; WSSEC_EINVALID when @p dn is not a DN; WSSEC_ENOMEM.
 * Thread-safe.
 */
WSSEC_API int wssec_dn_normalize(char **out, const char *dn) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/**
 * The upstream that asserted the caller's identity: its user name (basic)
 * or subject DN (signature), or NULL when the caller authenticated itself
 * (no identity was asserted). Borrowed from the result.
 */
WSSEC_API const char *wssec_result_asserted_by(const wssec_result *result) WSSEC_NONNULL(1);

/** How the upstream of wssec_result_asserted_by() proved itself; WSSEC_PROOF_NONE when none. */
WSSEC_API wssec_upstream_proof wssec_result_assertion_proof(const wssec_result *result)
    WSSEC_NONNULL(1);

/* ---- plug-ins ---- */

/** One plug-in being loaded: an opaque handle for its entry point. */
typedef struct wssec_plugin wssec_plugin;

/** The entry point wssec looks for when the "plugin" option names none. */
#define WSSEC_PLUGIN_ENTRY "wssec_plugin_init"

/** Marks a plug-in's entry point as exported (whatever the default visibility). */
#if defined(__GNUC__)
#define WSSEC_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define WSSEC_PLUGIN_EXPORT
#endif

/**
 * A plug-in's entry point, exported from its shared object with C linkage
 * and default visibility:
 *
 *     int wssec_plugin_init(wssec_plugin *plugin, wssec_config *cfg, const char *arg);
 *
 * It registers what it brings into @p cfg with the public calls
 * (wssec_config_add_module(), wssec_config_set_trusted_id_evaluator(),
 * wssec_config_set(), ...), and keeps its own state with
 * wssec_plugin_set_state(). It may check wssec_check_version() first.
 *
 * @param plugin the handle (path, state, failure reason)
 * @param cfg    the configuration of the context being built (a copy of the
 *               caller's: what the plug-in registers stays with that context)
 * @param arg    the text after "FILE:ENTRY:" in the option, or ""
 * @return 0; a negative wssec code to refuse (wssec_ctx_new() then fails
 *         with WSSEC_ECONFIG and a reason naming the file and
 *         wssec_plugin_fail()'s message, or the configuration's error).
 */
typedef int (*wssec_plugin_init_fn)(wssec_plugin *plugin, wssec_config *cfg, const char *arg);

/**
 * Keeps the plug-in's state (keys, tables, the modules it registered, if
 * allocated) with the context being built: @p free_state (if not NULL) is
 * called with @p state when that context is freed (or when building it
 * fails), before the shared object is unloaded.
 */
WSSEC_API void wssec_plugin_set_state(wssec_plugin *plugin, void *state,
                                      void (*free_state)(void *state)) WSSEC_NONNULL(1);

/**
 * Records why the entry point refuses, and returns @p code, so it can write
 * `return wssec_plugin_fail(p, WSSEC_ECONFIG, "key-file %s: %s", f, why);`:
 * the plug-in counterpart of wssec_msg_fail(). The record is read with
 * wssec_plugin_error(); a @p code that is not negative is recorded as
 * WSSEC_ECONFIG. Never put secrets in the message.
 */
WSSEC_API int wssec_plugin_fail(wssec_plugin *plugin, int code, const char *fmt, ...)
    WSSEC_NONNULL(1, 3) WSSEC_PRINTF(3, 4);

/**
 * What wssec_plugin_fail() recorded, as one of the error accessors (see
 * error.h): never NULL; code 0 when nothing was recorded; for a NULL
 * @p plugin, a static record with code WSSEC_EINVALID. Its subject is the
 * plug-in's path. Borrowed; valid while the entry point runs (afterwards the
 * reason is in the configuration's error, wssec_config_error()).
 */
WSSEC_API const wssec_error *wssec_plugin_error(const wssec_plugin *plugin);

/** The shared object's path, as the "plugin" option gave it. Borrowed. */
WSSEC_API const char *wssec_plugin_path(const wssec_plugin *plugin) WSSEC_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_IDENTITY_H */
