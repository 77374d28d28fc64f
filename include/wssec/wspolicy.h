/*
 * wssec — WS-SecurityPolicy: a service's policy (a WSDL 1.1 document or a
 * standalone wsp:Policy) read, normalised to alternatives and translated into
 * wssec's own options.
 *
 * A policy is read once (wssec_policy_load or wssec_policy_parse) for the
 * messages a selection names (binding, operation, message; NULL: every one).
 * Each selected message ("target") has one or more alternatives; each
 * alternative is either supported, with the settings (option name and value,
 * the assertion it comes from, inbound or outbound) that make wssec enforce
 * it, or not supported, with the reason (it names the assertion).
 *
 * Thread safety: a policy is immutable once loaded and may be read by many
 * threads; loading belongs to one thread.
 */
#ifndef WSSEC_WSPOLICY_H
#define WSSEC_WSPOLICY_H

#include "common.h"
#include "error.h"
#include "config.h"
#include "message.h"
#include "process.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wssec_policy wssec_policy;

/** Which way a setting of a policy alternative applies. */
typedef enum wssec_policy_dir {
    WSSEC_POLICY_INBOUND = 1,  /**< verify: what a message must show */
    WSSEC_POLICY_OUTBOUND = 2, /**< secure: what wssec adds */
    WSSEC_POLICY_BOTH = 3      /**< both */
} wssec_policy_dir;

/**
 * Makes an empty policy. The caller frees it with wssec_policy_free().
 * @return 0, or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_policy_new(wssec_policy **out) WSSEC_NONNULL(1) WSSEC_WARN_UNUSED;

/** Frees a policy; NULL is a no-op. */
WSSEC_API void wssec_policy_free(wssec_policy *policy);

/**
 * Reads a WSDL 1.1 document or a wsp:Policy from @p path (at most 1 MiB;
 * no DTD, no external entity, no network; wsp:PolicyReference only to
 * "#id" in the same document) and computes the alternatives of every
 * message the selection names.
 *
 * @param binding   the wsdl:binding's name, or NULL for every binding
 * @param operation the binding operation's name, or NULL for every one
 * @param message   "input" or "output", or NULL for both
 * @return 0; WSSEC_ECONFIG (an unknown assertion, a reference cycle, a
 *         selection that names nothing ...), WSSEC_ELIMIT (too deep or too
 *         many alternatives), WSSEC_EIO, WSSEC_ENOMEM; the reason in
 *         wssec_policy_error().
 */
WSSEC_API int wssec_policy_load(wssec_policy *policy, const char *path, const char *binding,
                                const char *operation, const char *message) WSSEC_NONNULL(1, 2);

/**
 * As wssec_policy_load(), from @p len bytes at @p data; @p name names the
 * document in errors.
 * @return as wssec_policy_load().
 */
WSSEC_API int wssec_policy_parse(wssec_policy *policy, const char *data, size_t len,
                                 const char *name, const char *binding, const char *operation,
                                 const char *message) WSSEC_NONNULL(1, 2, 4);

/** The last error of a load (code 0 when none). Borrowed; never NULL. */
WSSEC_API const wssec_error *wssec_policy_error(const wssec_policy *policy);

/** How many messages (targets) the loaded selection holds. */
WSSEC_API size_t wssec_policy_target_count(const wssec_policy *policy) WSSEC_NONNULL(1);

/**
 * What target @p t is: its binding, operation and message names, each ""
 * when the policy does not depend on it. Borrowed strings.
 * @return 0, or WSSEC_EINVALID for a target out of range.
 */
WSSEC_API int wssec_policy_target(const char **binding, const char **operation,
                                  const char **message, const wssec_policy *policy, size_t t)
    WSSEC_NONNULL(1, 2, 3, 4);

/** The number of alternatives of target @p t (0 for one out of range). */
WSSEC_API size_t wssec_policy_alternative_count(const wssec_policy *policy, size_t t)
    WSSEC_NONNULL(1);

/**
 * Whether alternative @p a of target @p t is supported: 1, or 0 with the
 * reason (naming the assertion) in @p *why (borrowed; may be NULL).
 * @return 1, 0, or WSSEC_EINVALID for an index out of range.
 */
WSSEC_API int wssec_policy_supported(const char **why, const wssec_policy *policy, size_t t,
                                     size_t a) WSSEC_NONNULL(2);

/** The number of settings of alternative @p a of target @p t. */
WSSEC_API size_t wssec_policy_setting_count(const wssec_policy *policy, size_t t, size_t a)
    WSSEC_NONNULL(1);

/**
 * Setting @p i of alternative @p a of target @p t: the option name (as
 * wssec_config_set() takes it; "" for a requirement no option expresses,
 * checked by wssec_policy_check()), its value, the assertion it comes
 * from ("sp:IncludeTimestamp") and its direction. Borrowed strings.
 * @return 0, or WSSEC_EINVALID for an index out of range.
 */
WSSEC_API int wssec_policy_setting(const char **option, const char **value, const char **assertion,
                                   wssec_policy_dir *dir, const wssec_policy *policy, size_t t,
                                   size_t a, size_t i) WSSEC_NONNULL(1, 2, 3, 4, 5);

/**
 * Sets on @p cfg every setting of alternative @p a of target @p t whose
 * direction includes @p dir (wssec_config_set()).
 * @return 0; WSSEC_ECONFIG for an unsupported alternative (the reason from
 *         wssec_policy_supported()); what wssec_config_set() returns.
 */
WSSEC_API int wssec_policy_apply(wssec_config *cfg, const wssec_policy *policy, size_t t, size_t a,
                                 wssec_policy_dir dir) WSSEC_NONNULL(1, 2);

/**
 * The checks of alternative @p a no option expresses. With @p result NULL,
 * before wssec_verify(): the Layout of the Security header (the order of its
 * children). With the result of an accepted wssec_verify(): the headers
 * SignedParts and EncryptedParts name, signed or encrypted when present, and
 * OnlySignEntireHeadersAndBody. A failure is recorded on @p msg (its message
 * names the assertion).
 * @return 0, WSSEC_EPOLICY, WSSEC_EUNSIGNED or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_policy_check(wssec_msg *msg, const wssec_result *result,
                                 const wssec_policy *policy, size_t t, size_t a)
    WSSEC_NONNULL(1, 3) WSSEC_WARN_UNUSED;

/**
 * The assertion of alternative @p a that an inbound error @p err shows was
 * not met ("sp:IncludeTimestamp"), or NULL when the error is not one of a
 * policy requirement (a bad signature, a malformed message). Borrowed.
 */
WSSEC_API const char *wssec_policy_blame(const wssec_policy *policy, size_t t, size_t a,
                                         const wssec_error *err) WSSEC_NONNULL(1, 4);

/**
 * Why alternative @p a of target @p t cannot be applied outbound (an
 * inbound-only assertion such as sp:LaxTsLast), or "" when it can.
 * Borrowed; never NULL.
 */
WSSEC_API const char *wssec_policy_outbound_refusal(const wssec_policy *policy, size_t t, size_t a)
    WSSEC_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_WSPOLICY_H */
