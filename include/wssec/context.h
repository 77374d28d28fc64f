/*
 * wssec — the context: everything that does not change from one message to
 * the next (policy, limits, keys, trust, module registry, replay cache, clock).
 *
 * Thread safety: a context is immutable once built and may be used by any
 * number of threads at once. It must outlive every message created with it.
 */
#ifndef WSSEC_CONTEXT_H
#define WSSEC_CONTEXT_H

#include "common.h"
#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wssec_ctx wssec_ctx;

/**
 * Builds a context from a configuration. Initialises libxml2, xmlsec and
 * OpenSSL for the process on first use (once, thread-safely), installs an
 * external-entity loader that refuses every load, and compiles what later
 * messages will need.
 *
 * @param[out] out the new context; free it with wssec_ctx_free()
 * @param cfg the configuration; it is only read, and may be freed afterwards
 * Certificates and CRLs out of date or due within "expiry-warning-days" are
 * not errors: they are listed by wssec_config_warning_count(cfg).
 *
 * @return 0; WSSEC_ECONFIG when the configuration is inconsistent (the reason
 *         is in wssec_config_error(cfg)); WSSEC_ENOMEM; WSSEC_EINTERNAL when
 *         a library cannot be initialised.
 */
WSSEC_API int wssec_ctx_new(wssec_ctx **out, wssec_config *cfg) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/** Frees a context. NULL is a no-op. No message may still use it. */
WSSEC_API void wssec_ctx_free(wssec_ctx *ctx);

/**
 * Replaces the context's trust material with that of @p cfg: trust anchors,
 * intermediates and known certificates, CRLs, subject and issuer constraints,
 * the certificate cache (which starts empty). Everything else in @p cfg is
 * ignored. This is the one change a context allows after it is built:
 * a wssec_verify() or wssec_inspect() already running finishes with the
 * trust it began with, and every one that begins after this call returns
 * uses the new material, whenever its message was parsed, so a gateway can
 * load a fresh CRL or anchor while requests keep flowing and no message is
 * accepted afterwards on a certificate the CRL revokes. The new material's
 * dates soon due are listed by wssec_config_warning_count(cfg).
 *
 * @return 0; WSSEC_ECONFIG when the material cannot be loaded (the reason is
 *         in wssec_config_error(cfg); the old trust stays in force);
 *         WSSEC_ENOMEM. Thread-safe.
 */
WSSEC_API int wssec_ctx_reload_trust(wssec_ctx *ctx, wssec_config *cfg) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/**
 * The time the context's clock reads now (the "now" option, the clock
 * callback or the system clock). Thread-safe.
 */
WSSEC_API wssec_time wssec_ctx_now(const wssec_ctx *ctx) WSSEC_NONNULL(1);

/**
 * The largest message, in bytes, the context accepts ("max-message-size"),
 * so that a reader can stop reading at the limit. Thread-safe.
 */
WSSEC_API size_t wssec_ctx_max_message_size(const wssec_ctx *ctx) WSSEC_NONNULL(1);

/**
 * The name of the replay cache back end in use ("memory", ...). Borrowed,
 * valid for the life of the context. Thread-safe.
 */
WSSEC_API const char *wssec_ctx_replay_cache_name(const wssec_ctx *ctx) WSSEC_NONNULL(1);

/**
 * Parses an ISO 8601 / xsd:dateTime time in UTC as WS-Security uses it:
 * "YYYY-MM-DDThh:mm:ss[.fff]Z" (at most three fractional digits; "+00:00" is
 * accepted for "Z"; other offsets, a missing zone and leap seconds are not).
 *
 * @param[out] out the time
 * @param text the text (surrounding XML whitespace is allowed)
 * @return 0, or WSSEC_EINVALID when the text is not such a time. Thread-safe.
 */
WSSEC_API int wssec_time_parse(wssec_time *out, const char *text) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/**
 * Formats a time as "YYYY-MM-DDThh:mm:ss[.fff]Z".
 *
 * @param buf at least 25 bytes
 * @param size size of @p buf
 * @param t the time
 * @param millis 1 to include milliseconds
 * @return 0, or WSSEC_EINVALID when @p buf is too small or @p t out of range.
 */
WSSEC_API int wssec_time_format(char *buf, size_t size, wssec_time t, int millis)
    WSSEC_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_CONTEXT_H */
